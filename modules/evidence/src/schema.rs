//! Evidence tables. Hand-written: `BigInt` ids on both backends (see the architecture notes).

diesel::table! {
    evidence_programmes (id) {
        id -> BigInt,
        short_name -> Text,
        name -> Text,
        description -> Nullable<Text>,
        target_group -> Nullable<Text>,
        age_min -> Nullable<Integer>,
        age_max -> Nullable<Integer>,
        age_note -> Nullable<Text>,
        typical_duration -> Nullable<Text>,
        grade_target_group -> Nullable<Text>,
        grade_method -> Nullable<Text>,
        grade_implementation -> Nullable<Text>,
        grade_effect -> Nullable<Text>,
        grade_economy -> Nullable<Text>,
        source_reference -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
        staircase_step_min -> Nullable<Integer>,
        staircase_step_max -> Nullable<Integer>,
    }
}

diesel::table! {
    evidence_adoptions (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        programme_id -> BigInt,
        status -> Text,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        yearly_capacity -> Nullable<Integer>,
        capacity_unit -> Nullable<Text>,
        certified_practitioners -> Nullable<Integer>,
        operating_unit -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence_adoption_figures (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        adoption_id -> BigInt,
        period -> Text,
        period_start -> Date,
        period_end -> Date,
        started -> Integer,
        completed -> Integer,
        dropped_out -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence_partnerships (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        adoption_id -> BigInt,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        allow_over_share -> Bool,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence_partnership_partners (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        partnership_id -> BigInt,
        partner_municipality_id -> BigInt,
        yearly_share -> Nullable<Integer>,
        status -> Text,
        invited_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence_referrals (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        partnership_id -> BigInt,
        partner_id -> BigInt,
        partner_municipality_id -> BigInt,
        share_year -> Integer,
        period -> Text,
        period_start -> Date,
        period_end -> Date,
        referred -> Integer,
        over_share -> Bool,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

// The kernel's tables as this module reads them (columns it needs only). Declared here because
// diesel's join and subquery impls cannot cross crates for tables of another crate.
diesel::table! {
    municipalities (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    disabled_modules (municipality_id, module) {
        municipality_id -> BigInt,
        module -> Text,
    }
}

diesel::joinable!(evidence_adoptions -> evidence_programmes (programme_id));
diesel::joinable!(evidence_adoptions -> municipalities (municipality_id));
diesel::joinable!(evidence_partnerships -> evidence_adoptions (adoption_id));
diesel::joinable!(evidence_partnership_partners -> municipalities (partner_municipality_id));
diesel::joinable!(evidence_partnership_partners -> evidence_partnerships (partnership_id));

diesel::allow_tables_to_appear_in_same_query!(
    evidence_programmes,
    evidence_adoptions,
    evidence_adoption_figures,
    evidence_partnerships,
    evidence_partnership_partners,
    evidence_referrals,
    municipalities,
    disabled_modules,
);
