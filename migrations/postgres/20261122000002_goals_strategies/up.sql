-- Goals: themes (platform-wide), units, strategies as trees of nodes, targets, measurements.
CREATE TABLE themes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    -- 'pejlemaerke' (KL's three) or 'theme'
    kind TEXT NOT NULL CHECK (kind IN ('pejlemaerke', 'theme')),
    parent_id BIGINT REFERENCES themes (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE units (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES units (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, key)
);

CREATE TABLE strategies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    key TEXT,
    title TEXT NOT NULL,
    summary TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    period_start DATE,
    period_end DATE,
    adopted_by TEXT,
    adopted_on DATE,
    source_file TEXT,
    source_title TEXT,
    source_published DATE,
    source_notes TEXT,
    level_names TEXT NOT NULL,
    follow_up_rhythm TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (municipality_id, key)
);
CREATE INDEX strategies_municipality ON strategies (municipality_id, status);

CREATE TABLE strategy_follow_ups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    date DATE NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX strategy_follow_ups_strategy ON strategy_follow_ups (strategy_id);

CREATE TABLE nodes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    parent_id BIGINT REFERENCES nodes (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    code TEXT,
    title TEXT NOT NULL,
    body TEXT,
    unit_id BIGINT REFERENCES units (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX nodes_strategy ON nodes (strategy_id, position);
CREATE INDEX nodes_municipality ON nodes (municipality_id);

CREATE TABLE node_themes (
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    theme_id BIGINT NOT NULL REFERENCES themes (id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    PRIMARY KEY (node_id, theme_id)
);
CREATE INDEX node_themes_theme ON node_themes (theme_id, municipality_id);

CREATE TABLE targets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE INDEX targets_strategy ON targets (strategy_id);
CREATE INDEX targets_node ON targets (node_id);
CREATE INDEX targets_municipality ON targets (municipality_id);

CREATE TABLE target_themes (
    target_id BIGINT NOT NULL REFERENCES targets (id),
    theme_id BIGINT NOT NULL REFERENCES themes (id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    PRIMARY KEY (target_id, theme_id)
);
CREATE INDEX target_themes_theme ON target_themes (theme_id, municipality_id);

-- One row per recorded value; a correction or removal supersedes the current row and keeps it.
CREATE TABLE measurements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    target_id BIGINT NOT NULL REFERENCES targets (id),
    date DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    superseded_by TEXT
);
CREATE UNIQUE INDEX measurements_current ON measurements (target_id, date) WHERE superseded_at IS NULL;
CREATE INDEX measurements_target ON measurements (target_id, date);
