//! Goals tables (hand-written; see the architecture notes).

diesel::table! {
    themes (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        key -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    strategies (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        key -> Nullable<Text>,
        title -> Text,
        summary -> Nullable<Text>,
        visibility -> Text,
        status -> Text,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        adopted_by -> Nullable<Text>,
        adopted_on -> Nullable<Date>,
        source_file -> Nullable<Text>,
        source_title -> Nullable<Text>,
        source_published -> Nullable<Date>,
        source_notes -> Nullable<Text>,
        level_names -> Text,
        follow_up_rhythm -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        builds_on_id -> Nullable<BigInt>,
        follow_up_recipients -> Text,
    }
}

diesel::table! {
    strategy_follow_ups (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        strategy_id -> BigInt,
        date -> Date,
        label -> Text,
    }
}

diesel::table! {
    nodes (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        strategy_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        kind -> Text,
        code -> Nullable<Text>,
        title -> Text,
        body -> Nullable<Text>,
        unit_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    node_themes (node_id, theme_id) {
        node_id -> BigInt,
        theme_id -> BigInt,
        municipality_id -> BigInt,
    }
}

diesel::table! {
    targets (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        strategy_id -> BigInt,
        node_id -> BigInt,
        key -> Nullable<Text>,
        position -> Integer,
        title -> Text,
        indicator -> Text,
        unit -> Text,
        direction -> Text,
        baseline_value -> Nullable<Double>,
        baseline_date -> Nullable<Date>,
        target_value -> Nullable<Double>,
        deadline -> Nullable<Date>,
        frequency -> Text,
        owner_unit_id -> Nullable<BigInt>,
        source -> Text,
        computed_indicator -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    target_themes (target_id, theme_id) {
        target_id -> BigInt,
        theme_id -> BigInt,
        municipality_id -> BigInt,
    }
}

diesel::table! {
    measurements (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        target_id -> BigInt,
        date -> Date,
        value -> Double,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
        superseded_by -> Nullable<Text>,
    }
}

diesel::table! {
    policies (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        key -> Nullable<Text>,
        title -> Text,
        summary -> Nullable<Text>,
        visibility -> Text,
        adopted_by -> Nullable<Text>,
        adopted_on -> Nullable<Date>,
        source_file -> Nullable<Text>,
        source_notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_objectives (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        policy_id -> BigInt,
        key -> Nullable<Text>,
        position -> Integer,
        title -> Text,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    node_objectives (node_id, objective_id) {
        node_id -> BigInt,
        objective_id -> BigInt,
        municipality_id -> BigInt,
    }
}

diesel::table! {
    initiatives (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        strategy_id -> BigInt,
        node_id -> BigInt,
        key -> Nullable<Text>,
        position -> Integer,
        title -> Text,
        description -> Nullable<Text>,
        owner_unit_id -> Nullable<BigInt>,
        planned_start -> Nullable<Date>,
        planned_end -> Nullable<Date>,
        actual_start -> Nullable<Date>,
        actual_end -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    initiative_targets (initiative_id, target_id) {
        initiative_id -> BigInt,
        target_id -> BigInt,
        municipality_id -> BigInt,
    }
}

diesel::table! {
    initiative_programmes (initiative_id, programme) {
        initiative_id -> BigInt,
        programme -> Text,
        municipality_id -> BigInt,
    }
}

diesel::table! {
    initiative_updates (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        initiative_id -> BigInt,
        date -> Date,
        status -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    budget_figures (id) {
        id -> BigInt,
        municipality_id -> BigInt,
        strategy_id -> BigInt,
        node_id -> BigInt,
        year -> Integer,
        budget_dkk -> Nullable<BigInt>,
        spend_dkk -> Nullable<BigInt>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(nodes -> strategies (strategy_id));
diesel::joinable!(targets -> strategies (strategy_id));
diesel::joinable!(targets -> nodes (node_id));
diesel::joinable!(node_themes -> nodes (node_id));
diesel::joinable!(node_themes -> themes (theme_id));
diesel::joinable!(target_themes -> targets (target_id));
diesel::joinable!(target_themes -> themes (theme_id));
diesel::joinable!(measurements -> targets (target_id));
diesel::joinable!(policy_objectives -> policies (policy_id));
diesel::joinable!(node_objectives -> nodes (node_id));
diesel::joinable!(node_objectives -> policy_objectives (objective_id));
diesel::joinable!(initiatives -> nodes (node_id));
diesel::joinable!(initiative_targets -> initiatives (initiative_id));
diesel::joinable!(initiative_targets -> targets (target_id));
diesel::joinable!(initiative_programmes -> initiatives (initiative_id));
diesel::joinable!(initiative_updates -> initiatives (initiative_id));
diesel::joinable!(budget_figures -> nodes (node_id));
diesel::allow_tables_to_appear_in_same_query!(
    themes,
    units,
    strategies,
    strategy_follow_ups,
    nodes,
    node_themes,
    targets,
    target_themes,
    measurements,
    policies,
    policy_objectives,
    node_objectives,
    initiatives,
    initiative_targets,
    initiative_programmes,
    initiative_updates,
    budget_figures,
);
