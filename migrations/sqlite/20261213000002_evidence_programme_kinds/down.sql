-- Back to one step: the lower end of a range (a range does not fit).
ALTER TABLE evidence_programmes ADD COLUMN staircase_step INTEGER
    CHECK (staircase_step BETWEEN 1 AND 6);
UPDATE evidence_programmes SET staircase_step = staircase_step_min;
ALTER TABLE evidence_programmes DROP COLUMN staircase_step_max;
ALTER TABLE evidence_programmes DROP COLUMN staircase_step_min;
ALTER TABLE evidence_programmes DROP COLUMN kind;
