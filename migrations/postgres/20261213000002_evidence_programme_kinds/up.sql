-- A catalogue entry is a manual-based programme or a method (Familierådslagning: a method with a
-- knowledge declaration), and it may serve a range of staircase steps (KEEP: foster and network
-- foster families, steps 4 and 5) where one step was stored. The range stays filterable in SQL:
-- an entry serves step s when staircase_step_min <= s <= staircase_step_max.
ALTER TABLE evidence_programmes ADD COLUMN kind TEXT NOT NULL DEFAULT 'programme'
    CHECK (kind IN ('programme', 'method'));
ALTER TABLE evidence_programmes ADD COLUMN staircase_step_min INTEGER
    CHECK (staircase_step_min BETWEEN 1 AND 6);
-- Both ends or neither (the same rule as on SQLite, on the upper end).
ALTER TABLE evidence_programmes ADD COLUMN staircase_step_max INTEGER
    CHECK ((staircase_step_min IS NULL) = (staircase_step_max IS NULL)
        AND (staircase_step_max IS NULL
            OR (staircase_step_max BETWEEN 1 AND 6 AND staircase_step_min <= staircase_step_max)));
UPDATE evidence_programmes
    SET staircase_step_min = staircase_step, staircase_step_max = staircase_step;
ALTER TABLE evidence_programmes DROP COLUMN staircase_step;

-- The two seeded entries the old shape could not state, where they still hold the seeded values.
UPDATE evidence_programmes SET kind = 'method' WHERE short_name = 'familieraadslagning';
UPDATE evidence_programmes SET staircase_step_min = 4
    WHERE short_name = 'keep' AND staircase_step_min = 5 AND staircase_step_max = 5;
