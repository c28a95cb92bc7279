-- Evidence programmes: the platform-wide catalogue, which municipality runs what (adoptions) with
-- periodic figures, and partnerships in which a host runs a programme for partner municipalities.

-- Platform-wide (managed by the operator), so no municipality_id.
CREATE TABLE evidence_programmes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    short_name TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    target_group TEXT,
    age_min INTEGER CHECK (age_min BETWEEN 0 AND 25),
    age_max INTEGER CHECK (age_max BETWEEN 0 AND 25),
    age_note TEXT,
    typical_duration TEXT,
    staircase_step INTEGER CHECK (staircase_step BETWEEN 1 AND 6),
    grade_target_group TEXT CHECK (grade_target_group IN ('A', 'B', 'C', 'D')),
    grade_method TEXT CHECK (grade_method IN ('A', 'B', 'C', 'D')),
    grade_implementation TEXT CHECK (grade_implementation IN ('A', 'B', 'C', 'D')),
    grade_effect TEXT CHECK (grade_effect IN ('A', 'B', 'C', 'D')),
    grade_economy TEXT CHECK (grade_economy IN ('A', 'B', 'C', 'D')),
    source_reference TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (age_min IS NULL OR age_max IS NULL OR age_min <= age_max)
);

CREATE TABLE evidence_adoptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    programme_id BIGINT NOT NULL REFERENCES evidence_programmes (id),
    status TEXT NOT NULL CHECK (status IN ('planned', 'active', 'paused', 'ended')),
    started_on DATE,
    ended_on DATE,
    yearly_capacity INTEGER CHECK (yearly_capacity >= 0),
    capacity_unit TEXT CHECK (capacity_unit IN ('families', 'children')),
    certified_practitioners INTEGER CHECK (certified_practitioners >= 0),
    operating_unit TEXT,
    notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, programme_id),
    UNIQUE (municipality_id, id),
    CHECK (started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on),
    CHECK (yearly_capacity IS NULL OR capacity_unit IS NOT NULL)
);
CREATE INDEX evidence_adoptions_programme ON evidence_adoptions (programme_id);

-- One row per adoption and period (`2024`, `2024-H1`, `2024-Q3`); periods of one adoption never overlap.
CREATE TABLE evidence_adoption_figures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    adoption_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    started INTEGER NOT NULL CHECK (started >= 0),
    completed INTEGER NOT NULL CHECK (completed >= 0),
    dropped_out INTEGER NOT NULL CHECK (dropped_out >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, adoption_id, period),
    FOREIGN KEY (municipality_id, adoption_id) REFERENCES evidence_adoptions (municipality_id, id),
    CHECK (period_start <= period_end)
);

-- Owned by the host (municipality_id); the composite key makes the adoption the host's own.
CREATE TABLE evidence_partnerships (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    adoption_id BIGINT NOT NULL,
    period_start DATE,
    period_end DATE,
    allow_over_share BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, id),
    FOREIGN KEY (municipality_id, adoption_id) REFERENCES evidence_adoptions (municipality_id, id),
    CHECK (period_start IS NULL OR period_end IS NULL OR period_start <= period_end)
);
CREATE INDEX evidence_partnerships_adoption ON evidence_partnerships (municipality_id, adoption_id);

-- A partner of a partnership: its yearly share of the host adoption's capacity (null while not
-- agreed) and its answer to the invitation. Owned by the host, like the partnership.
CREATE TABLE evidence_partnership_partners (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    partnership_id BIGINT NOT NULL,
    partner_municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    yearly_share INTEGER CHECK (yearly_share >= 0),
    status TEXT NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
    invited_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, partnership_id, partner_municipality_id),
    UNIQUE (municipality_id, id),
    FOREIGN KEY (municipality_id, partnership_id) REFERENCES evidence_partnerships (municipality_id, id),
    CHECK (partner_municipality_id <> municipality_id)
);
CREATE INDEX evidence_partnership_partners_partner ON evidence_partnership_partners (partner_municipality_id);

-- Referrals a partner made against its share: a number of families or children in a period.
CREATE TABLE evidence_referrals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_id BIGINT NOT NULL,
    partnership_id BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    partner_municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    share_year INTEGER NOT NULL,
    period TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    referred INTEGER NOT NULL CHECK (referred > 0),
    over_share BOOLEAN NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, id),
    FOREIGN KEY (municipality_id, partnership_id) REFERENCES evidence_partnerships (municipality_id, id),
    FOREIGN KEY (municipality_id, partner_id) REFERENCES evidence_partnership_partners (municipality_id, id)
);
CREATE INDEX evidence_referrals_partner_year ON evidence_referrals (municipality_id, partner_id, share_year);
