PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE budget_figures;
DROP TABLE initiative_updates;
DROP TABLE initiative_programmes;
DROP TABLE initiative_targets;
DROP TABLE initiatives;
DROP TABLE node_objectives;
DROP TABLE policy_objectives;
DROP TABLE policies;
ALTER TABLE strategies DROP COLUMN follow_up_recipients;
ALTER TABLE strategies DROP COLUMN builds_on_id;
-- Targets in the units this migration added cannot be kept by the narrower CHECK.
DELETE FROM measurements WHERE target_id IN (SELECT id FROM targets WHERE unit IN ('days', 'months'));
DELETE FROM target_themes WHERE target_id IN (SELECT id FROM targets WHERE unit IN ('days', 'months'));
DELETE FROM targets WHERE unit IN ('days', 'months');
CREATE TABLE targets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    key TEXT,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('count', 'percent', 'dkk', 'ratio')),
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
COMMIT;
PRAGMA foreign_keys = ON;
