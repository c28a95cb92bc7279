-- Placements: each municipality's own staircase (steps mapped to the six standard steps) and its
-- measures (placements and support measures) with pseudonymous child references, never CPR numbers.

CREATE TABLE placement_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    standard_step INTEGER NOT NULL CHECK (standard_step BETWEEN 1 AND 6),
    description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key),
    -- target of the measures' composite key: a measure's step is always its own municipality's
    UNIQUE (municipality_id, id)
);

CREATE TABLE placement_measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    -- the municipality's own case key (pseudonymous); CPR-shaped values are refused before here
    child_ref TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('placement', 'support')),
    kind TEXT NOT NULL,
    step_id BIGINT,
    standard_step INTEGER NOT NULL CHECK (standard_step BETWEEN 1 AND 6),
    legal_law TEXT CHECK (legal_law IN ('SEL', 'BL')),
    legal_paragraph TEXT,
    legal_stk INTEGER,
    legal_nr INTEGER,
    consent BOOLEAN,
    start_date DATE NOT NULL,
    end_date DATE,
    provider_type TEXT CHECK (provider_type IN ('own', 'municipality', 'private')),
    provider_name TEXT,
    provider_municipality_id BIGINT REFERENCES municipalities (id),
    yearly_cost_dkk BIGINT CHECK (yearly_cost_dkk >= 0),
    evidence_programme_id BIGINT REFERENCES evidence_programmes (id),
    note TEXT,
    -- generated demo data (`retning seed --demo`), never real children
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (municipality_id, step_id) REFERENCES placement_steps (municipality_id, id),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((legal_law IS NULL) = (legal_paragraph IS NULL))
);
CREATE INDEX placement_measures_period ON placement_measures (municipality_id, category, start_date);
CREATE INDEX placement_measures_child ON placement_measures (municipality_id, child_ref);
CREATE INDEX placement_measures_step ON placement_measures (step_id);
CREATE INDEX placement_measures_programme ON placement_measures (evidence_programme_id);
