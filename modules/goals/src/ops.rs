//! The goals module's rules and changes: what a body must satisfy, what a change must find in
//! the database first, and each change with its audit row. Routes and the seed call these; every
//! query they need is in `repo`.

use std::collections::HashSet;

use chrono::NaiveDate;
use retning_kernel::audit::{self, Change};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::scope::Scope;
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, DbConnection, Principal, Validator};

use crate::dto::*;
use crate::model::{MeasurementRow, NodeRow, StrategyRow, TargetRow, ThemeRow, UnitRow};
use crate::progress::Direction;
use crate::repo::{self, NodeFields};
use crate::views::{self, Lookup};

// ------------------------------------------------------------------------------------------
// Who sees what

/// Whether the caller may see this municipality's internal strategies.
pub fn sees_internal(who: &Principal, m: &Municipality) -> bool {
    who.may(&crate::perm::READ_INTERNAL, Some(m.id))
}

/// Municipalities with the goals module on, by slug order of the request (or by name).
pub fn municipalities_for(
    conn: &mut DbConnection,
    slugs: Option<&str>,
) -> Result<Vec<Municipality>, ApiError> {
    let all = repo::municipalities_with_goals(conn)?;
    match slugs {
        None => Ok(all),
        Some(list) => {
            let wanted: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if wanted.is_empty() || wanted.len() > 100 {
                return Err(ApiError::field(
                    "municipalities",
                    "invalid",
                    "a comma-separated list of 1-100 municipality slugs",
                ));
            }
            wanted
                .iter()
                .map(|w| {
                    all.iter().find(|m| m.slug == *w).cloned().ok_or_else(|| {
                        ApiError::field(
                            "municipalities",
                            "unknown_municipality",
                            "names a municipality that does not exist or has goals switched off",
                        )
                    })
                })
                .collect()
        }
    }
}

/// Active strategies each caller may see: public ones, and internal ones of their own municipality.
pub fn visible_strategies(
    conn: &mut DbConnection,
    who: &Principal,
    ms: &[Municipality],
) -> Result<Vec<StrategyRow>, ApiError> {
    let ids: Vec<i64> = ms.iter().map(|m| m.id).collect();
    let rows = repo::active_strategies_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .filter(|s| {
            s.is_public()
                || ms
                    .iter()
                    .any(|m| m.id == s.municipality_id && sees_internal(who, m))
        })
        .collect())
}

// ------------------------------------------------------------------------------------------
// Themes and units

/// A theme's slug or a unit's key: 2-60 lower-case letters, digits or dashes.
fn valid_key(key: &str) -> bool {
    (2..=60).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn theme_kind(t: &NewTheme) -> &str {
    t.kind.as_deref().unwrap_or("theme")
}

/// Checks a new theme's fields (before any database work).
pub fn validate_new_theme(t: &NewTheme) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        valid_key(&t.slug),
        "slug",
        "invalid",
        "must be 2-60 lower-case letters, digits or dashes",
    );
    v.text("name", &t.name, 200);
    v.opt_text("description", t.description.as_deref(), 2000);
    let kind = theme_kind(t);
    v.check(
        kind == "theme" || kind == "pejlemaerke",
        "kind",
        "invalid",
        "must be theme or pejlemaerke",
    );
    v.finish()
}

/// Adds a theme (validated by [`validate_new_theme`]): its parent must exist, its slug must not.
pub fn create_theme(
    conn: &mut DbConnection,
    who: &Principal,
    t: &NewTheme,
) -> Result<ThemeRow, ApiError> {
    let parent_id = match &t.parent {
        Some(p) => Some(
            repo::theme_by_slug(conn, p)?
                .ok_or_else(|| ApiError::field("parent", "unknown_theme", "is not a theme"))?
                .id,
        ),
        None => None,
    };
    if repo::theme_by_slug(conn, &t.slug)?.is_some() {
        return Err(ApiError::rule(
            crate::codes::THEME_EXISTS,
            "slug",
            "is already a theme",
        ));
    }
    let row = repo::insert_theme(
        conn,
        &t.slug,
        t.name.trim(),
        t.description.as_deref(),
        theme_kind(t),
        parent_id,
    )?;
    audit::record(
        conn,
        who,
        Change {
            municipality_id: None,
            action: "create",
            object_type: "theme",
            object_id: Some(row.id),
            details: serde_json::json!({"slug": row.slug, "name": row.name}),
        },
    )?;
    Ok(row)
}

/// Checks a theme patch's fields (before any database work).
pub fn validate_theme_patch(p: &ThemePatch) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if let Some(n) = &p.name {
        v.text("name", n, 200);
    }
    if let Some(Some(d)) = &p.description {
        v.opt_text("description", Some(d), 2000);
    }
    v.finish()
}

/// Renames or describes a theme (validated by [`validate_theme_patch`]); 404 if there is none.
pub fn update_theme(
    conn: &mut DbConnection,
    who: &Principal,
    slug: &str,
    p: &ThemePatch,
) -> Result<ThemeRow, ApiError> {
    let cur = repo::theme_by_slug(conn, slug)?.ok_or_else(|| ApiError::not_found("theme"))?;
    let description = match &p.description {
        Some(d) => d.as_deref(),
        None => cur.description.as_deref(),
    };
    let row = repo::update_theme(
        conn,
        cur.id,
        p.name.as_deref().map_or(cur.name.as_str(), str::trim),
        description,
    )?;
    audit::record(
        conn,
        who,
        Change {
            municipality_id: None,
            action: "update",
            object_type: "theme",
            object_id: Some(row.id),
            details: serde_json::json!({"slug": row.slug, "before": {"name": cur.name}, "after": {"name": row.name}}),
        },
    )?;
    Ok(row)
}

/// Adds a unit to the scope's municipality: its parent must be a unit there, its key must not.
pub fn create_unit(
    conn: &mut DbConnection,
    scope: &Scope,
    u: &NewUnit,
) -> Result<UnitRow, ApiError> {
    let mut v = Validator::new();
    v.check(
        valid_key(&u.key),
        "key",
        "invalid",
        "must be 2-60 lower-case letters, digits or dashes",
    );
    v.text("name", &u.name, 200);
    v.text("kind", &u.kind, 60);
    v.finish()?;
    let parent_id = u
        .parent
        .as_deref()
        .map(|p| repo::unit_id(conn, scope.id(), "parent", p))
        .transpose()?;
    if repo::unit_key_taken(conn, scope.id(), &u.key)? {
        return Err(ApiError::rule(
            crate::codes::UNIT_EXISTS,
            "key",
            "is already a unit of this municipality",
        ));
    }
    let row = repo::insert_unit(
        conn,
        scope.id(),
        &u.key,
        u.name.trim(),
        u.kind.trim(),
        parent_id,
    )?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "create",
            object_type: "unit",
            object_id: Some(row.id),
            details: serde_json::json!({"key": row.key, "name": row.name}),
        },
    )?;
    Ok(row)
}

// ------------------------------------------------------------------------------------------
// Strategies

/// A strategy of this municipality that may still change: 404 if none, 409 if archived.
pub fn writable_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<StrategyRow, ApiError> {
    let s = repo::strategy(conn, municipality_id, id, true)?;
    if s.status == "archived" {
        return Err(ApiError::conflict(
            crate::codes::STRATEGY_ARCHIVED,
            "an archived strategy cannot be changed",
        ));
    }
    Ok(s)
}

fn validate_strategy(s: &NewStrategy) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("title", &s.title, 300);
    v.opt_text("summary", s.summary.as_deref(), 5000);
    v.opt_text("adopted_by", s.adopted_by.as_deref(), 200);
    if let (Some(start), Some(end)) = (s.period_start, s.period_end) {
        v.check(
            end >= start,
            "period_end",
            "before_start",
            "must not be before period_start",
        );
    }
    if let Some(src) = &s.source {
        v.opt_text("source.file", src.file.as_deref(), 300);
        v.opt_text("source.title", src.title.as_deref(), 500);
        v.opt_text("source.notes", src.notes.as_deref(), 10_000);
    }
    v.check(
        s.level_names.len() <= 20,
        "level_names",
        "too_many",
        "at most 20 levels",
    );
    for (i, name) in s.level_names.iter().enumerate() {
        v.text(&format!("level_names[{i}]"), name, 60);
    }
    v.check(
        s.follow_ups.len() <= 100,
        "follow_ups",
        "too_many",
        "at most 100 follow-up dates",
    );
    for (i, f) in s.follow_ups.iter().enumerate() {
        v.text(&format!("follow_ups[{i}].label"), &f.label, 200);
    }
    v.finish()
}

/// Adds an active strategy to the scope's municipality.
pub fn create_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    s: &NewStrategy,
) -> Result<StrategyRow, ApiError> {
    validate_strategy(s)?;
    let row = repo::insert_strategy(conn, scope.id(), None, s, "active")?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "create",
            object_type: "strategy",
            object_id: Some(row.id),
            details: serde_json::json!({"title": row.title, "visibility": row.visibility}),
        },
    )?;
    Ok(row)
}

/// Applies a patch to a strategy that is not archived; the whole result is validated.
pub fn update_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &StrategyPatch,
) -> Result<StrategyRow, ApiError> {
    let cur = writable_strategy(conn, scope.id(), id)?;
    let cur_follow_ups = repo::follow_ups(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let cur_source = SourceRef {
        file: cur.source_file.clone(),
        title: cur.source_title.clone(),
        published: cur.source_published,
        notes: cur.source_notes.clone(),
    };
    let merged = NewStrategy {
        title: p.title.clone().unwrap_or_else(|| cur.title.clone()),
        summary: p.summary.clone().unwrap_or_else(|| cur.summary.clone()),
        visibility: Some(p.visibility.unwrap_or(Visibility::parse(&cur.visibility))),
        period_start: p.period_start.unwrap_or(cur.period_start),
        period_end: p.period_end.unwrap_or(cur.period_end),
        adopted_by: p
            .adopted_by
            .clone()
            .unwrap_or_else(|| cur.adopted_by.clone()),
        adopted_on: p.adopted_on.unwrap_or(cur.adopted_on),
        source: Some(p.source.clone().unwrap_or(cur_source)),
        level_names: p
            .level_names
            .clone()
            .unwrap_or_else(|| serde_json::from_str(&cur.level_names).unwrap_or_default()),
        follow_up_rhythm: p
            .follow_up_rhythm
            .unwrap_or_else(|| cur.follow_up_rhythm.as_deref().map(parse_frequency)),
        follow_ups: p.follow_ups.clone().unwrap_or_else(|| {
            cur_follow_ups
                .iter()
                .map(|f| FollowUp {
                    date: f.date,
                    label: f.label.clone(),
                })
                .collect()
        }),
    };
    validate_strategy(&merged)?;
    let row = repo::update_strategy(conn, scope.id(), id, &merged)?;
    if p.follow_ups.is_some() {
        let items: Vec<_> = merged
            .follow_ups
            .iter()
            .map(|f| (f.date, f.label.clone()))
            .collect();
        repo::replace_follow_ups(conn, scope.id(), id, &items)?;
    }
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "update",
            object_type: "strategy",
            object_id: Some(id),
            details: serde_json::json!({
                "before": {"title": cur.title, "visibility": cur.visibility, "period_start": cur.period_start, "period_end": cur.period_end},
                "after": {"title": row.title, "visibility": row.visibility, "period_start": row.period_start, "period_end": row.period_end},
            }),
        },
    )?;
    Ok(row)
}

/// Archives a strategy; archiving an archived one changes nothing (and records nothing).
pub fn archive_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
) -> Result<StrategyRow, ApiError> {
    let cur = repo::strategy(conn, scope.id(), id, true)?;
    if cur.status == "archived" {
        return Ok(cur);
    }
    let row = repo::archive_strategy(conn, scope.id(), id)?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "archive",
            object_type: "strategy",
            object_id: Some(id),
            details: serde_json::json!({"title": row.title}),
        },
    )?;
    Ok(row)
}

// ------------------------------------------------------------------------------------------
// Nodes

fn validate_node(
    kind: &str,
    code: Option<&str>,
    title: &str,
    body: Option<&str>,
) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("kind", kind, 60);
    v.opt_text("code", code, 30);
    v.text("title", title, 1000);
    v.opt_text("body", body, 20_000);
    v.finish()
}

/// Adds a node to a strategy (shared by the API and the seed); its parent must be a node of the
/// same strategy.
pub fn add_node(
    conn: &mut DbConnection,
    municipality_id: i64,
    strategy_id: i64,
    parent_id: Option<i64>,
    position: Option<i32>,
    fields: &NodeFields<'_>,
    theme_ids: &[i64],
) -> Result<NodeRow, ApiError> {
    if let Some(parent) = parent_id {
        let p = repo::node(conn, municipality_id, parent).map_err(|_| {
            ApiError::field(
                "parent_id",
                "unknown_node",
                "is not a node of this strategy",
            )
        })?;
        if p.strategy_id != strategy_id {
            return Err(ApiError::field(
                "parent_id",
                "unknown_node",
                "is not a node of this strategy",
            ));
        }
    }
    Ok(repo::insert_node(
        conn,
        municipality_id,
        strategy_id,
        parent_id,
        position,
        fields,
        theme_ids,
    )?)
}

/// Adds a node to a strategy of the scope's municipality that is not archived.
pub fn create_node(
    conn: &mut DbConnection,
    scope: &Scope,
    strategy_id: i64,
    n: &NewNode,
) -> Result<NodeRow, ApiError> {
    writable_strategy(conn, scope.id(), strategy_id)?;
    validate_node(&n.kind, n.code.as_deref(), &n.title, n.body.as_deref())?;
    let unit_id = n
        .unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "unit", k))
        .transpose()?;
    let theme_ids = repo::theme_ids(conn, "themes", &n.themes)?;
    let fields = NodeFields {
        kind: &n.kind,
        code: n.code.as_deref(),
        title: &n.title,
        body: n.body.as_deref(),
        unit_id,
    };
    let row = add_node(
        conn,
        scope.id(),
        strategy_id,
        n.parent_id,
        n.position,
        &fields,
        &theme_ids,
    )?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "create",
            object_type: "node",
            object_id: Some(row.id),
            details: serde_json::json!({"strategy_id": strategy_id, "kind": row.kind, "title": row.title, "themes": n.themes}),
        },
    )?;
    Ok(row)
}

/// Applies a patch to a node of a strategy that is not archived; `themes` replaces its themes.
pub fn update_node(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &NodePatch,
) -> Result<NodeRow, ApiError> {
    let cur = repo::node(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let kind = p.kind.as_deref().unwrap_or(&cur.kind);
    let code = p.code.as_ref().unwrap_or(&cur.code).as_deref();
    let title = p.title.as_deref().unwrap_or(&cur.title);
    let body = p.body.as_ref().unwrap_or(&cur.body).as_deref();
    validate_node(kind, code, title, body)?;
    let unit_id = match &p.unit {
        Some(Some(k)) => Some(repo::unit_id(conn, scope.id(), "unit", k)?),
        Some(None) => None,
        None => cur.unit_id,
    };
    let fields = NodeFields {
        kind,
        code,
        title,
        body,
        unit_id,
    };
    let row = repo::update_node(
        conn,
        scope.id(),
        id,
        &fields,
        p.position.unwrap_or(cur.position),
    )?;
    if let Some(themes) = &p.themes {
        let ids = repo::theme_ids(conn, "themes", themes)?;
        repo::set_node_themes(conn, scope.id(), id, &ids)?;
    }
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "update",
            object_type: "node",
            object_id: Some(id),
            details: serde_json::json!({
                "before": {"kind": cur.kind, "code": cur.code, "title": cur.title},
                "after": {"kind": row.kind, "code": row.code, "title": row.title},
                "themes": p.themes,
            }),
        },
    )?;
    Ok(row)
}

/// Removes a node that has no child nodes and no targets (409 otherwise).
pub fn remove_node(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let cur = repo::node(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let (children, own_targets) = repo::node_contents(conn, scope.id(), id)?;
    if children > 0 || own_targets > 0 {
        return Err(ApiError::conflict(
            crate::codes::NODE_NOT_EMPTY,
            format!("the node has {children} child node(s) and {own_targets} target(s); remove or move them first"),
        ));
    }
    repo::delete_node(conn, scope.id(), id)?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "delete",
            object_type: "node",
            object_id: Some(id),
            details: serde_json::json!({"strategy_id": cur.strategy_id, "kind": cur.kind, "title": cur.title}),
        },
    )
}

// ------------------------------------------------------------------------------------------
// Targets

/// Checks a whole target (a new one, or an existing one with a patch applied).
pub fn validate_target(t: &NewTarget, indicators: &IndicatorRegistry) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("title", &t.title, 1000);
    v.text("indicator", &t.indicator, 300);
    for (field, value) in [
        ("baseline_value", t.baseline_value),
        ("target_value", t.target_value),
    ] {
        let Some(value) = value else { continue };
        if !value.is_finite() {
            v.add(field, "invalid", "must be a finite number");
        } else if t.unit == Unit::Percent && !(0.0..=100.0).contains(&value) {
            v.add(
                field,
                "out_of_range",
                "a percentage must be between 0 and 100",
            );
        } else if t.unit == Unit::Dkk && value.fract() != 0.0 {
            v.add(field, "not_whole", "amounts are whole kroner");
        } else if matches!(t.unit, Unit::Count | Unit::Dkk | Unit::Ratio) && value < 0.0 {
            v.add(field, "out_of_range", "must not be negative");
        }
    }
    if t.direction == Direction::Keep {
        v.check(
            t.target_value.is_some() || t.baseline_value.is_some(),
            "target_value",
            "required",
            "a keep target needs a value to keep",
        );
    }
    match (
        t.source.unwrap_or(Source::Manual),
        t.computed_indicator.as_deref(),
    ) {
        (Source::Manual, Some(_)) => v.add(
            "computed_indicator",
            "not_allowed",
            "only computed targets name an indicator",
        ),
        (Source::Computed, None) => v.add(
            "computed_indicator",
            "required",
            "a computed target names its indicator (see GET /api/v1/indicators)",
        ),
        (Source::Computed, Some(key)) => match indicators.get(key) {
            None => v.add(
                "computed_indicator",
                "unknown_indicator",
                "is not a registered indicator (see GET /api/v1/indicators)",
            ),
            Some(i) if i.unit() != t.unit.as_str() => v.add(
                "unit",
                "mismatch",
                format!("the indicator {key} is measured in {}", i.unit()),
            ),
            Some(_) => {}
        },
        (Source::Manual, None) => {}
    }
    v.finish()?;
    if let (Some(baseline), Some(deadline)) = (t.baseline_date, t.deadline) {
        if deadline < baseline {
            return Err(ApiError::rule(
                crate::codes::TARGET_DEADLINE_BEFORE_BASELINE,
                "deadline",
                "must not be before baseline_date",
            ));
        }
    }
    Ok(())
}

/// A target the caller may see (its strategy public, or the caller a member): 404 otherwise.
pub fn visible_target(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    include_internal: bool,
) -> Result<(TargetRow, StrategyRow), ApiError> {
    let t = repo::target(conn, municipality_id, id)?;
    let s = repo::strategy(conn, municipality_id, t.strategy_id, include_internal)
        .map_err(|_| ApiError::not_found("target"))?;
    Ok((t, s))
}

/// Adds a target to a node of a strategy that is not archived.
pub fn create_target(
    conn: &mut DbConnection,
    scope: &Scope,
    indicators: &IndicatorRegistry,
    node_id: i64,
    t: &NewTarget,
) -> Result<TargetRow, ApiError> {
    let node = repo::node(conn, scope.id(), node_id)?;
    writable_strategy(conn, scope.id(), node.strategy_id)?;
    validate_target(t, indicators)?;
    let owner = t
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let theme_ids = repo::theme_ids(conn, "themes", &t.themes)?;
    let row = repo::insert_target(conn, &node, None, t, owner, &theme_ids)?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "create",
            object_type: "target",
            object_id: Some(row.id),
            details: serde_json::json!({
                "node_id": node_id, "title": row.title, "unit": row.unit, "direction": row.direction,
                "baseline_value": row.baseline_value, "target_value": row.target_value, "deadline": row.deadline,
            }),
        },
    )?;
    Ok(row)
}

/// Applies a patch to a target of a strategy that is not archived; the whole result is
/// validated, and `themes` replaces its themes. Returns the lookup it was judged with, for
/// its view.
pub fn update_target(
    conn: &mut DbConnection,
    scope: &Scope,
    indicators: &IndicatorRegistry,
    id: i64,
    p: &TargetPatch,
) -> Result<(TargetRow, Lookup), ApiError> {
    let cur = repo::target(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let cur_owner = lookup.unit_ref(cur.owner_unit_id).map(|u| u.key);
    let merged = NewTarget {
        title: p.title.clone().unwrap_or_else(|| cur.title.clone()),
        indicator: p.indicator.clone().unwrap_or_else(|| cur.indicator.clone()),
        unit: p
            .unit
            .unwrap_or(Unit::parse(&cur.unit).unwrap_or(Unit::Count)),
        direction: p.direction.unwrap_or(parse_direction(&cur.direction)),
        baseline_value: p.baseline_value.unwrap_or(cur.baseline_value),
        baseline_date: p.baseline_date.unwrap_or(cur.baseline_date),
        target_value: p.target_value.unwrap_or(cur.target_value),
        deadline: p.deadline.unwrap_or(cur.deadline),
        frequency: p.frequency.unwrap_or(parse_frequency(&cur.frequency)),
        owner_unit: p.owner_unit.clone().unwrap_or(cur_owner),
        source: Some(p.source.unwrap_or(if cur.source == "computed" {
            Source::Computed
        } else {
            Source::Manual
        })),
        computed_indicator: p
            .computed_indicator
            .clone()
            .unwrap_or_else(|| cur.computed_indicator.clone()),
        themes: Vec::new(),
    };
    validate_target(&merged, indicators)?;
    let owner = merged
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let row = repo::update_target(conn, scope.id(), id, &merged, owner)?;
    if let Some(themes) = &p.themes {
        let ids = repo::theme_ids(conn, "themes", themes)?;
        repo::set_target_themes(conn, scope.id(), id, &ids)?;
    }
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "update",
            object_type: "target",
            object_id: Some(id),
            details: serde_json::json!({
                "before": {"title": cur.title, "baseline_value": cur.baseline_value, "baseline_date": cur.baseline_date,
                           "target_value": cur.target_value, "deadline": cur.deadline, "source": cur.source, "computed_indicator": cur.computed_indicator},
                "after": {"title": row.title, "baseline_value": row.baseline_value, "baseline_date": row.baseline_date,
                          "target_value": row.target_value, "deadline": row.deadline, "source": row.source, "computed_indicator": row.computed_indicator},
                "themes": p.themes,
            }),
        },
    )?;
    Ok((row, lookup))
}

/// The targets the query selects, judged as of its date, and how many there are in all.
/// Only the requested window (`skip`, `take`) is judged, unless a filter on a derived value
/// (assessment, staleness) needs every target judged first.
pub fn select_targets(
    conn: &mut DbConnection,
    indicators: &IndicatorRegistry,
    scope: &Scope,
    q: &TargetQuery,
    window: Option<(usize, usize)>,
) -> Result<(Vec<TargetView>, usize), ApiError> {
    let include_internal = sees_internal(&scope.who, &scope.municipality);
    let strategy_ids = repo::active_strategy_ids(conn, scope.id(), include_internal, q.strategy)?;
    let mut rows = repo::targets_of_strategies(conn, &strategy_ids)?;
    rows.sort_by_key(|r| (r.strategy_id, r.node_id, r.position, r.id));
    if let Some(node) = q.node {
        let n = repo::node(conn, scope.id(), node)
            .map_err(|_| ApiError::field("node", "unknown_node", "is not a node you can see"))?;
        if !strategy_ids.contains(&n.strategy_id) {
            return Err(ApiError::field(
                "node",
                "unknown_node",
                "is not a node you can see",
            ));
        }
        let all = repo::nodes_of_strategies(conn, &[n.strategy_id])?;
        let keep: HashSet<i64> = repo::subtree(&all, node).into_iter().collect();
        rows.retain(|r| keep.contains(&r.node_id));
    }
    if let Some(theme) = &q.theme {
        let t = repo::theme_by_slug(conn, theme)?
            .ok_or_else(|| ApiError::field("theme", "unknown_theme", "is not a theme"))?;
        let target_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let tt = repo::target_themes_of(conn, &target_ids)?;
        let nodes = repo::nodes_of_strategies(conn, &strategy_ids)?;
        let node_ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
        let nt = repo::node_themes_of(conn, &node_ids)?;
        rows.retain(|r| {
            tt.get(&r.id).is_some_and(|ts| ts.contains(&t.id))
                || nt.get(&r.node_id).is_some_and(|ts| ts.contains(&t.id))
        });
    }
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let derived_filter = q.assessment.is_some() || q.stale.is_some();
    if let (Some((skip, take)), false) = (window, derived_filter) {
        let total = rows.len();
        let page: Vec<TargetRow> = rows.into_iter().skip(skip).take(take).collect();
        return Ok((
            views::target_views(conn, &lookup, indicators, &page, views::as_of(q.as_of))?,
            total,
        ));
    }
    let mut out = views::target_views(conn, &lookup, indicators, &rows, views::as_of(q.as_of))?;
    if let Some(a) = q.assessment {
        out.retain(|t| t.assessment == a);
    }
    if let Some(s) = q.stale {
        out.retain(|t| t.stale == s);
    }
    let total = out.len();
    if let Some((skip, take)) = window {
        out = out.into_iter().skip(skip).take(take).collect();
    }
    Ok((out, total))
}

// ------------------------------------------------------------------------------------------
// Measurements

/// Checks a value against its target's unit.
pub fn check_value(unit: &str, value: f64, note: Option<&str>) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if !value.is_finite() {
        v.add("value", "invalid", "must be a finite number");
    } else if unit == "percent" && !(0.0..=100.0).contains(&value) {
        v.add(
            "value",
            "out_of_range",
            "a percentage must be between 0 and 100",
        );
    } else if unit == "dkk" && value.fract() != 0.0 {
        v.add("value", "not_whole", "amounts are whole kroner");
    } else if unit != "percent" && value < 0.0 {
        v.add("value", "out_of_range", "must not be negative");
    }
    v.opt_text("note", note, 2000);
    v.finish()
}

/// Records the value of a target for a date. The same value again changes nothing; another
/// value supersedes the current one. Returns whether the date had no value before.
pub fn put_measurement(
    conn: &mut DbConnection,
    scope: &Scope,
    target_id: i64,
    date: NaiveDate,
    m: &MeasurementInput,
) -> Result<(bool, MeasurementRow), ApiError> {
    let (target, _) = visible_target(conn, scope.id(), target_id, true)?;
    writable_strategy(conn, scope.id(), target.strategy_id)?;
    if target.source == "computed" {
        return Err(ApiError::rule(
            crate::codes::TARGET_COMPUTED,
            "value",
            "this target's value is computed; it takes no measurements",
        ));
    }
    if date > views::today() {
        return Err(ApiError::field(
            "date",
            "in_future",
            "a measurement cannot be dated in the future",
        ));
    }
    let note = m.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    check_value(&target.unit, m.value, note)?;
    let by = scope.who.actor_name().to_owned();
    let current = repo::current_measurement(conn, target_id, date)?;
    if let Some(cur) = &current {
        if cur.value == m.value && cur.note.as_deref() == note {
            return Ok((false, cur.clone()));
        }
        repo::supersede(conn, cur.id, &by)?;
    }
    let row = repo::insert_measurement(conn, scope.id(), target_id, date, m.value, note, &by)?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: if current.is_some() {
                "correct"
            } else {
                "record"
            },
            object_type: "measurement",
            object_id: Some(row.id),
            details: serde_json::json!({
                "target_id": target_id, "date": date, "value": row.value, "note": row.note,
                "previous": current.as_ref().map(|c| serde_json::json!({"value": c.value, "note": c.note, "recorded_by": c.recorded_by})),
            }),
        },
    )?;
    Ok((current.is_none(), row))
}

/// Removes the value of a target for a date (it stays in the history); 404 if there is none.
pub fn remove_measurement(
    conn: &mut DbConnection,
    scope: &Scope,
    target_id: i64,
    date: NaiveDate,
) -> Result<(), ApiError> {
    let (target, _) = visible_target(conn, scope.id(), target_id, true)?;
    writable_strategy(conn, scope.id(), target.strategy_id)?;
    let cur = repo::current_measurement(conn, target_id, date)?
        .ok_or_else(|| ApiError::not_found("measurement"))?;
    repo::supersede(conn, cur.id, scope.who.actor_name())?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "remove",
            object_type: "measurement",
            object_id: Some(cur.id),
            details: serde_json::json!({"target_id": target_id, "date": date, "value": cur.value}),
        },
    )
}
