//! Kernel tables. Hand-written: `BigInt` ids on both backends (see the architecture notes).

diesel::table! {
    municipalities (id) {
        id -> BigInt,
        slug -> Text,
        code -> Text,
        name -> Text,
        region -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        municipality_id -> Nullable<BigInt>,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        token_version -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scope -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        municipality_id -> Nullable<BigInt>,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        details -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    disabled_modules (municipality_id, module) {
        municipality_id -> BigInt,
        module -> Text,
        disabled_at -> Timestamp,
    }
}

diesel::joinable!(users -> municipalities (municipality_id));
diesel::joinable!(api_keys -> municipalities (municipality_id));
diesel::allow_tables_to_appear_in_same_query!(
    municipalities,
    users,
    api_keys,
    audit_log,
    disabled_modules
);
