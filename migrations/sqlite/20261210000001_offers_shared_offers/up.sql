-- Shared offers: what a provider municipality publishes (offers, with their target groups and
-- named partners), and place requests between a buying and a providing municipality.

-- Offers are public standing (the market lists them across municipalities); who may see a draft
-- or a partners-only offer is decided by the module's queries, so the table has no row-level
-- security.
CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    name TEXT NOT NULL,
    description TEXT,
    provider_unit TEXT,
    offer_type TEXT NOT NULL CHECK (offer_type IN ('residential_institution', 'residential_home', 'foster_family', 'relief_care', 'home_based', 'other')),
    legal_law TEXT CHECK (legal_law IN ('SEL', 'BL')),
    legal_paragraph TEXT,
    legal_stk INTEGER CHECK (legal_stk BETWEEN 1 AND 99),
    legal_nr INTEGER CHECK (legal_nr BETWEEN 1 AND 99),
    age_min INTEGER CHECK (age_min BETWEEN 0 AND 30),
    age_max INTEGER CHECK (age_max BETWEEN 0 AND 30),
    staircase_step INTEGER CHECK (staircase_step BETWEEN 1 AND 6),
    method TEXT,
    programme_id BIGINT REFERENCES evidence_programmes (id),
    approved_places INTEGER CHECK (approved_places BETWEEN 0 AND 10000),
    typical_duration TEXT,
    rate_dkk BIGINT CHECK (rate_dkk >= 0),
    rate_period TEXT CHECK (rate_period IN ('day', 'month')),
    rate_occupancy_percent INTEGER CHECK (rate_occupancy_percent BETWEEN 1 AND 100),
    contact TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    visibility TEXT NOT NULL CHECK (visibility IN ('all', 'partners')),
    source_document TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, name),
    CHECK (age_min IS NULL OR age_max IS NULL OR age_min <= age_max),
    CHECK ((legal_law IS NULL) = (legal_paragraph IS NULL)),
    CHECK ((rate_dkk IS NULL) = (rate_period IS NULL))
);
CREATE INDEX offers_status ON offers (status, visibility);

-- The target groups of an offer, in the provider's order.
CREATE TABLE offer_target_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    target_group TEXT NOT NULL,
    UNIQUE (offer_id, target_group)
);
CREATE INDEX offer_target_groups_group ON offer_target_groups (target_group);

-- The municipalities a partners-only offer is shown to.
CREATE TABLE offer_partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    partner_municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    UNIQUE (offer_id, partner_municipality_id)
);
CREATE INDEX offer_partners_partner ON offer_partners (partner_municipality_id);

-- A buying municipality's request for places: `municipality_id` is the buyer (the request holds
-- its case reference), `provider_municipality_id` the offer's municipality. Periods are whole
-- days, both ends included.
CREATE TABLE offer_place_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    provider_municipality_id BIGINT NOT NULL REFERENCES municipalities (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id),
    places INTEGER NOT NULL CHECK (places BETWEEN 1 AND 1000),
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    case_reference TEXT,
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn', 'active', 'ended')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (period_start <= period_end)
);
CREATE INDEX offer_place_requests_offer ON offer_place_requests (offer_id, status, period_start);
CREATE INDEX offer_place_requests_buyer ON offer_place_requests (municipality_id);
CREATE INDEX offer_place_requests_provider ON offer_place_requests (provider_municipality_id);

-- The load on an offer: the same rows as the requests, without who bought them. Vacancy is
-- public (the market filters on it), the requests are not: on PostgreSQL the view reads the
-- table as its owner, so it shows these columns of every request whatever the transaction's
-- scope, while the table itself stays walled. Never a second copy that could drift.
CREATE VIEW offer_bookings AS
SELECT id, offer_id, status, places, period_start, period_end
FROM offer_place_requests;
