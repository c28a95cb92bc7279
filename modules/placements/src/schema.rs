//! Placements tables (hand-written: `BigInt` ids on both backends; see the architecture notes).

diesel::table! {
    placement_steps (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        key -> Text,
        position -> Integer,
        name -> Text,
        standard_step -> Integer,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    placement_measures (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        child_ref -> Text,
        birth_year -> Integer,
        category -> Text,
        kind -> Text,
        step_id -> Nullable<BigInt>,
        standard_step -> Integer,
        legal_law -> Nullable<Text>,
        legal_paragraph -> Nullable<Text>,
        legal_stk -> Nullable<Integer>,
        legal_nr -> Nullable<Integer>,
        consent -> Nullable<Bool>,
        start_date -> Date,
        end_date -> Nullable<Date>,
        provider_type -> Nullable<Text>,
        provider_name -> Nullable<Text>,
        provider_municipality_id -> Nullable<BigInt>,
        yearly_cost_dkk -> Nullable<BigInt>,
        evidence_programme_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        synthetic -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        place_request_id -> Nullable<BigInt>,
    }
}

// The evidence module's catalogue, as far as this module refers to it (a declared dependency;
// the crates never import each other).
diesel::table! {
    evidence_programmes (id) {
        id -> BigInt,
        short_name -> Text,
        name -> Text,
    }
}

// The offers module's place requests and offers, as far as a measure bought through a request
// refers to them. Not a declared dependency: the tables are the platform's migrations and exist
// whatever modules are compiled in; without the offers module there are no requests, so no
// measure can name one (422), and nothing else changes.
diesel::table! {
    offer_place_requests (id) {
        id -> BigInt,
        /// The buying municipality.
        municipality_id -> BigInt,
        provider_municipality_id -> BigInt,
        offer_id -> BigInt,
        status -> Text,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        name -> Text,
    }
}

diesel::joinable!(placement_measures -> placement_steps (step_id));
diesel::joinable!(offer_place_requests -> offers (offer_id));
diesel::joinable!(placement_measures -> evidence_programmes (evidence_programme_id));
diesel::allow_tables_to_appear_in_same_query!(
    placement_steps,
    placement_measures,
    evidence_programmes,
    offer_place_requests,
    offers
);
