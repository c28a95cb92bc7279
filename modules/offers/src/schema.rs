//! Offers tables. Hand-written: `BigInt` ids on both backends (see the architecture notes).

diesel::table! {
    offers (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        provider_unit -> Nullable<Text>,
        offer_type -> Text,
        legal_law -> Nullable<Text>,
        legal_paragraph -> Nullable<Text>,
        legal_stk -> Nullable<Integer>,
        legal_nr -> Nullable<Integer>,
        age_min -> Nullable<Integer>,
        age_max -> Nullable<Integer>,
        staircase_step -> Nullable<Integer>,
        method -> Nullable<Text>,
        programme_id -> Nullable<BigInt>,
        approved_places -> Nullable<Integer>,
        typical_duration -> Nullable<Text>,
        rate_dkk -> Nullable<BigInt>,
        rate_period -> Nullable<Text>,
        rate_occupancy_percent -> Nullable<Integer>,
        contact -> Nullable<Text>,
        status -> Text,
        visibility -> Text,
        source_document -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offer_target_groups (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        offer_id -> BigInt,
        position -> Integer,
        target_group -> Text,
    }
}

diesel::table! {
    offer_partners (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        offer_id -> BigInt,
        partner_municipality_id -> BigInt,
    }
}

diesel::table! {
    /// `municipality_id` is the buyer; `provider_municipality_id` the offer's municipality.
    offer_place_requests (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        provider_municipality_id -> BigInt,
        offer_id -> BigInt,
        places -> Integer,
        period_start -> Date,
        period_end -> Date,
        case_reference -> Nullable<Text>,
        note -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A view over `offer_place_requests` without the parties: the load on each offer, readable
    /// whatever the transaction's scope (see the migration).
    offer_bookings (id) {
        id -> BigInt,
        offer_id -> BigInt,
        status -> Text,
        places -> Integer,
        period_start -> Date,
        period_end -> Date,
    }
}

// Other modules' and the kernel's tables as this module reads them (columns it needs only).
// Declared here because diesel's join and subquery impls cannot cross crates, and the crates
// never import each other.
diesel::table! {
    evidence_programmes (id) {
        id -> BigInt,
        short_name -> Text,
        name -> Text,
    }
}

diesel::table! {
    municipalities (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        region -> Text,
    }
}

diesel::table! {
    disabled_modules (municipality_id, module) {
        municipality_id -> BigInt,
        module -> Text,
    }
}

diesel::joinable!(offers -> municipalities (municipality_id));
diesel::joinable!(offers -> evidence_programmes (programme_id));
diesel::joinable!(offer_target_groups -> offers (offer_id));
diesel::joinable!(offer_partners -> offers (offer_id));
diesel::joinable!(offer_place_requests -> offers (offer_id));

diesel::allow_tables_to_appear_in_same_query!(
    offers,
    offer_target_groups,
    offer_partners,
    offer_place_requests,
    offer_bookings,
    evidence_programmes,
    municipalities,
    disabled_modules,
);
