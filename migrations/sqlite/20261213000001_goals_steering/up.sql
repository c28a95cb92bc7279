-- Steering content of the goals module (#13): durations as target units, strategy lineage and
-- follow-up recipients, the policy level with its objectives, initiatives with their follow-ups,
-- and budget figures per strategy area.
PRAGMA foreign_keys = OFF;
BEGIN;

-- Units `days` and `months` (durations). The table is rebuilt with the wider CHECK, columns in
-- the same order, rows and ids kept; measurements and target_themes keep referring to it.
CREATE TABLE targets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    key TEXT,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('count', 'percent', 'dkk', 'ratio', 'days', 'months')),
    direction TEXT NOT NULL CHECK (direction IN ('increase', 'decrease', 'keep')),
    baseline_value DOUBLE PRECISION,
    baseline_date DATE,
    target_value DOUBLE PRECISION,
    deadline DATE,
    frequency TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'half_yearly', 'annual', 'irregular')),
    owner_unit_id BIGINT REFERENCES units (id),
    source TEXT NOT NULL CHECK (source IN ('manual', 'computed')),
    computed_indicator TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key)
);
INSERT INTO targets_new SELECT * FROM targets;
DROP TABLE targets;
ALTER TABLE targets_new RENAME TO targets;
CREATE INDEX targets_strategy ON targets (strategy_id);
CREATE INDEX targets_node ON targets (node_id);
CREATE INDEX targets_municipality ON targets (municipality_id);

-- Strategy lineage (a strategy builds on an earlier one of the same municipality) and who receives
-- its follow-ups (a JSON array of names, e.g. ["Børne- og Familieudvalget"]).
ALTER TABLE strategies ADD COLUMN builds_on_id BIGINT REFERENCES strategies (id);
ALTER TABLE strategies ADD COLUMN follow_up_recipients TEXT NOT NULL DEFAULT '[]';

-- The policy level above strategies: a council policy (Børne- og Ungepolitik) and its objectives
-- (målsætninger), which nodes of strategies serve.
CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    key TEXT,
    title TEXT NOT NULL,
    summary TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    adopted_by TEXT,
    adopted_on DATE,
    source_file TEXT,
    source_notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key)
);
CREATE INDEX policies_municipality ON policies (municipality_id);

CREATE TABLE policy_objectives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    key TEXT,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key)
);
CREATE INDEX policy_objectives_policy ON policy_objectives (policy_id, position);

CREATE TABLE node_objectives (
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    objective_id BIGINT NOT NULL REFERENCES policy_objectives (id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    PRIMARY KEY (node_id, objective_id)
);
CREATE INDEX node_objectives_objective ON node_objectives (objective_id);

-- Initiatives (handlinger): dated actions on a node with an owner; their status is what the
-- follow-ups record (initiative_updates), so the status on any past date can be told.
CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    key TEXT,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    owner_unit_id BIGINT REFERENCES units (id),
    planned_start DATE,
    planned_end DATE,
    actual_start DATE,
    actual_end DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key),
    CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start),
    CHECK (actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start)
);
CREATE INDEX initiatives_strategy ON initiatives (strategy_id, position);
CREATE INDEX initiatives_node ON initiatives (node_id);

CREATE TABLE initiative_targets (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    target_id BIGINT NOT NULL REFERENCES targets (id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    PRIMARY KEY (initiative_id, target_id)
);
CREATE INDEX initiative_targets_target ON initiative_targets (target_id);

-- Programmes of the evidence catalogue by short name: a soft reference, since goals does not
-- depend on the evidence module (see the module contract's soft_references).
CREATE TABLE initiative_programmes (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    programme TEXT NOT NULL,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    PRIMARY KEY (initiative_id, programme)
);

-- A follow-up of an initiative: its status on a date, with the note of that follow-up.
CREATE TABLE initiative_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'started', 'done', 'delayed', 'cancelled')),
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (initiative_id, date)
);

-- Budget figures: a year's budget and spend of a strategy area (a node), in whole kroner.
CREATE TABLE budget_figures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    budget_dkk BIGINT CHECK (budget_dkk >= 0),
    spend_dkk BIGINT CHECK (spend_dkk >= 0),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (node_id, year),
    CHECK (budget_dkk IS NOT NULL OR spend_dkk IS NOT NULL)
);
CREATE INDEX budget_figures_year ON budget_figures (municipality_id, year);

COMMIT;
PRAGMA foreign_keys = ON;
