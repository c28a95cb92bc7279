//! The goals module's rules and changes: what a body must satisfy, what a change must find in
//! the database first, and each change with its audit row. Routes and the seed call these; every
//! query they need is in `repo`.

use std::collections::HashSet;

use chrono::NaiveDate;
use retning_kernel::audit::{self, Subject};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::pagination::Sort;
use retning_kernel::scope::Scope;
use retning_kernel::tenancy::Municipality;
use retning_kernel::text_enum::TextEnum;
use retning_kernel::{ApiError, DbConnection, Principal, Validator};

use crate::dto::*;
use crate::model::*;
use crate::repo;
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

// ------------------------------------------------------------------------------------------
// Themes and units

/// A theme's slug or a unit's key: 2-60 lower-case letters, digits or dashes.
fn valid_key(key: &str) -> bool {
    (2..=60).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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
    v.finish()
}

/// Adds a theme (validated by [`validate_new_theme`]): its parent must exist, its slug must not.
pub fn create_theme(
    conn: &mut DbConnection,
    who: &Principal,
    t: &NewTheme,
) -> Result<ThemeView, ApiError> {
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
    let now = retning_kernel::now();
    let row = repo::insert_theme(
        conn,
        &NewThemeRow {
            slug: t.slug.clone(),
            name: t.name.trim().to_owned(),
            description: t.description.clone(),
            kind: t.kind.unwrap_or(ThemeKind::Theme),
            parent_id,
            created_at: now,
            updated_at: now,
        },
    )?;
    let id = row.id;
    let view = ThemeView::from_row(row, t.parent.clone());
    audit::record_change(conn, who, "create", theme_subject(id), None, Some(&view))?;
    Ok(view)
}

/// A theme is platform-wide: no municipality's log shows its changes.
pub fn theme_subject(id: i64) -> Subject<'static> {
    Subject {
        object_type: "theme",
        object_id: Some(id),
        municipalities: &[],
    }
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
) -> Result<ThemeView, ApiError> {
    let cur = repo::theme_by_slug(conn, slug)?.ok_or_else(|| ApiError::not_found("theme"))?;
    let changes = ThemeChanges {
        name: p
            .name
            .as_deref()
            .map_or(cur.name.as_str(), str::trim)
            .to_owned(),
        description: match &p.description {
            Some(d) => d.clone(),
            None => cur.description.clone(),
        },
        updated_at: retning_kernel::now(),
    };
    let id = cur.id;
    let row = repo::update_theme(conn, id, &changes)?;
    let before = views::theme_view(conn, cur)?;
    let after = ThemeView::from_row(row, before.parent.clone());
    audit::record_change(
        conn,
        who,
        "update",
        theme_subject(id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Adds a unit to the scope's municipality: its parent must be a unit there, its key must not.
pub fn create_unit(
    conn: &mut DbConnection,
    scope: &Scope,
    u: &NewUnit,
) -> Result<UnitView, ApiError> {
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
        &NewUnitRow {
            municipality_id: scope.id(),
            key: u.key.clone(),
            name: u.name.trim().to_owned(),
            kind: u.kind.trim().to_owned(),
            parent_id,
            created_at: retning_kernel::now(),
        },
    )?;
    let id = row.id;
    let view = UnitView::from_row(row, u.parent.clone());
    audit::record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, "unit", id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

// ------------------------------------------------------------------------------------------
// Strategies

/// The statuses a strategies list shows: `active` (the default), `archived`, or `all` (`None`).
pub fn strategy_status_filter(word: Option<&str>) -> Result<Option<StrategyStatus>, ApiError> {
    match word {
        None => Ok(Some(StrategyStatus::Active)),
        Some("all") => Ok(None),
        Some(w) => StrategyStatus::parse(w)
            .map(Some)
            .ok_or_else(|| ApiError::field("status", "invalid", "must be active, archived or all")),
    }
}

/// A strategy of this municipality that may still change: 404 if none, 409 if archived.
pub fn writable_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<StrategyRow, ApiError> {
    let s = repo::strategy(conn, municipality_id, id, true)?;
    if s.status == StrategyStatus::Archived {
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
    v.check(
        s.follow_up_recipients.len() <= 20,
        "follow_up_recipients",
        "too_many",
        "at most 20 recipients",
    );
    for (i, name) in s.follow_up_recipients.iter().enumerate() {
        v.text(&format!("follow_up_recipients[{i}]"), name, 200);
    }
    v.finish()
}

/// The strategy a strategy builds on must be another of the same municipality, and the line
/// must not come back to the strategy itself (`id`: the strategy being changed, if it exists).
fn check_builds_on(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: Option<i64>,
    builds_on: Option<i64>,
) -> Result<(), ApiError> {
    let Some(earlier) = builds_on else {
        return Ok(());
    };
    let line = repo::lineage(conn, municipality_id, earlier)?;
    if line.first().map(|s| s.id) != Some(earlier) {
        return Err(ApiError::field(
            "builds_on",
            "unknown_strategy",
            "is not a strategy of this municipality",
        ));
    }
    if id.is_some_and(|id| line.iter().any(|s| s.id == id)) {
        return Err(ApiError::rule(
            crate::codes::LINEAGE_CYCLE,
            "builds_on",
            "would make the strategy build on itself",
        ));
    }
    Ok(())
}

/// What a strategy holds, from a request (or the seed); validated by [`validate_strategy`].
pub fn strategy_fields(s: &NewStrategy) -> StrategyFields {
    let src = s.source.clone().unwrap_or_default();
    StrategyFields {
        title: s.title.trim().to_owned(),
        summary: s.summary.clone(),
        visibility: s.visibility.unwrap_or(Visibility::Internal),
        period_start: s.period_start,
        period_end: s.period_end,
        adopted_by: s.adopted_by.clone(),
        adopted_on: s.adopted_on,
        source_file: src.file,
        source_title: src.title,
        source_published: src.published,
        source_notes: src.notes,
        level_names: serde_json::to_string(&s.level_names).unwrap_or_else(|_| "[]".into()),
        follow_up_rhythm: s.follow_up_rhythm,
        builds_on_id: s.builds_on,
        follow_up_recipients: serde_json::to_string(&s.follow_up_recipients)
            .unwrap_or_else(|_| "[]".into()),
        updated_at: retning_kernel::now(),
    }
}

fn follow_up_items(s: &NewStrategy) -> Vec<(NaiveDate, String)> {
    s.follow_ups
        .iter()
        .map(|f| (f.date, f.label.clone()))
        .collect()
}

/// Inserts an active strategy with its follow-ups (shared by the API and the seed, which names
/// it by `key`).
pub fn insert_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: Option<&str>,
    s: &NewStrategy,
) -> Result<StrategyRow, ApiError> {
    let fields = strategy_fields(s);
    let new = NewStrategyRow {
        municipality_id,
        key: key.map(str::to_owned),
        status: StrategyStatus::Active,
        created_at: fields.updated_at,
        fields,
    };
    Ok(repo::insert_strategy(conn, &new, &follow_up_items(s))?)
}

/// Adds an active strategy to the scope's municipality.
pub fn create_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    s: &NewStrategy,
) -> Result<StrategyView, ApiError> {
    validate_strategy(s)?;
    check_builds_on(conn, scope.id(), None, s.builds_on)?;
    let row = insert_strategy(conn, scope.id(), None, s)?;
    let view = views::strategy_view(conn, row, scope.slug())?;
    audit::record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, "strategy", view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Applies a patch to a strategy that is not archived; the whole result is validated.
pub fn update_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &StrategyPatch,
) -> Result<StrategyView, ApiError> {
    let cur = writable_strategy(conn, scope.id(), id)?;
    let before = views::strategy_view(conn, cur, scope.slug())?;
    let merged = NewStrategy {
        title: p.title.clone().unwrap_or_else(|| before.title.clone()),
        summary: p.summary.clone().unwrap_or_else(|| before.summary.clone()),
        visibility: Some(p.visibility.unwrap_or(before.visibility)),
        period_start: p.period_start.unwrap_or(before.period_start),
        period_end: p.period_end.unwrap_or(before.period_end),
        adopted_by: p
            .adopted_by
            .clone()
            .unwrap_or_else(|| before.adopted_by.clone()),
        adopted_on: p.adopted_on.unwrap_or(before.adopted_on),
        source: Some(p.source.clone().unwrap_or_else(|| before.source.clone())),
        level_names: p
            .level_names
            .clone()
            .unwrap_or_else(|| before.level_names.clone()),
        follow_up_rhythm: p.follow_up_rhythm.unwrap_or(before.follow_up_rhythm),
        follow_ups: p
            .follow_ups
            .clone()
            .unwrap_or_else(|| before.follow_ups.clone()),
        follow_up_recipients: p
            .follow_up_recipients
            .clone()
            .unwrap_or_else(|| before.follow_up_recipients.clone()),
        builds_on: p.builds_on.unwrap_or(before.builds_on),
    };
    validate_strategy(&merged)?;
    check_builds_on(conn, scope.id(), Some(id), merged.builds_on)?;
    let row = repo::update_strategy(conn, scope.id(), id, &strategy_fields(&merged))?;
    if p.follow_ups.is_some() {
        repo::replace_follow_ups(conn, scope.id(), id, &follow_up_items(&merged))?;
    }
    let after = views::strategy_view(conn, row, scope.slug())?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        Subject::of(&scope.municipality.id, "strategy", id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Archives a strategy; archiving an archived one changes nothing (and records nothing).
pub fn archive_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
) -> Result<StrategyView, ApiError> {
    let cur = repo::strategy(conn, scope.id(), id, true)?;
    let archived = cur.status == StrategyStatus::Archived;
    let before = views::strategy_view(conn, cur, scope.slug())?;
    if archived {
        return Ok(before);
    }
    let row = repo::archive_strategy(conn, scope.id(), id)?;
    let after = views::strategy_view(conn, row, scope.slug())?;
    audit::record_change(
        conn,
        &scope.who,
        "archive",
        Subject::of(&scope.municipality.id, "strategy", id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
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

/// A node's own fields; `kind` and `title` are stored trimmed.
pub struct NodeFields<'a> {
    pub kind: &'a str,
    pub code: Option<&'a str>,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub unit_id: Option<i64>,
}

impl NodeFields<'_> {
    fn changes(&self, position: i32) -> NodeChanges {
        NodeChanges {
            position,
            kind: self.kind.trim().to_owned(),
            code: self.code.map(str::to_owned),
            title: self.title.trim().to_owned(),
            body: self.body.map(str::to_owned),
            unit_id: self.unit_id,
            updated_at: retning_kernel::now(),
        }
    }
}

/// Adds a node to a strategy (shared by the API and the seed), at `position` or else after its
/// last sibling; its parent must be a node of the same strategy.
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
    let position = match position {
        Some(p) => p,
        None => repo::next_node_position(conn, strategy_id, parent_id)?,
    };
    let changes = fields.changes(position);
    let new = NewNodeRow {
        municipality_id,
        strategy_id,
        parent_id,
        created_at: changes.updated_at,
        changes,
    };
    Ok(repo::insert_node(conn, &new, theme_ids)?)
}

/// Adds a node to a strategy of the scope's municipality that is not archived.
pub fn create_node(
    conn: &mut DbConnection,
    scope: &Scope,
    strategy_id: i64,
    n: &NewNode,
) -> Result<NodeView, ApiError> {
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
    let serves = served_objectives(conn, scope.id(), &n.serves)?;
    let row = add_node(
        conn,
        scope.id(),
        strategy_id,
        n.parent_id,
        n.position,
        &fields,
        &theme_ids,
    )?;
    repo::set_node_objectives(conn, scope.id(), row.id, &serves)?;
    let view = views::node_view(conn, scope.id(), row)?;
    audit::record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, "node", view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Applies a patch to a node of a strategy that is not archived; `themes` replaces its themes.
pub fn update_node(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &NodePatch,
) -> Result<NodeView, ApiError> {
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
    let changes = fields.changes(p.position.unwrap_or(cur.position));
    let before = views::node_view(conn, scope.id(), cur)?;
    let row = repo::update_node(conn, scope.id(), id, &changes)?;
    if let Some(themes) = &p.themes {
        let ids = repo::theme_ids(conn, "themes", themes)?;
        repo::set_node_themes(conn, scope.id(), id, &ids)?;
    }
    if let Some(serves) = &p.serves {
        let ids = served_objectives(conn, scope.id(), serves)?;
        repo::set_node_objectives(conn, scope.id(), id, &ids)?;
    }
    let after = views::node_view(conn, scope.id(), row)?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        Subject::of(&scope.municipality.id, "node", id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Removes a node that has no child nodes, targets or initiatives (409 otherwise).
pub fn remove_node(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let cur = repo::node(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let (children, own_targets, own_initiatives, budget) =
        repo::node_contents(conn, scope.id(), id)?;
    if children > 0 || own_targets > 0 || own_initiatives > 0 || budget > 0 {
        return Err(ApiError::conflict(
            crate::codes::NODE_NOT_EMPTY,
            format!("the node has {children} child node(s), {own_targets} target(s), {own_initiatives} initiative(s) and {budget} budget figure(s); remove or move them first"),
        ));
    }
    let before = views::node_view(conn, scope.id(), cur)?;
    repo::set_node_objectives(conn, scope.id(), id, &[])?;
    repo::delete_node(conn, scope.id(), id)?;
    audit::record_change(
        conn,
        &scope.who,
        "delete",
        Subject::of(&scope.municipality.id, "node", id),
        Some(&before),
        None,
    )
}

/// The objectives a node is to serve: each an objective of the municipality (422 naming
/// `serves[i]` otherwise), without repeats.
pub fn served_objectives(
    conn: &mut DbConnection,
    municipality_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, ApiError> {
    let mut v = Validator::new();
    v.check(
        ids.len() <= 50,
        "serves",
        "too_many",
        "at most 50 objectives",
    );
    v.finish()?;
    let known: HashSet<i64> = repo::objectives_existing(conn, municipality_id, ids)?
        .into_iter()
        .collect();
    let mut v = Validator::new();
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if !known.contains(id) {
            v.add(
                format!("serves[{i}]"),
                "unknown_objective",
                "is not a policy objective of this municipality",
            );
        } else if !out.contains(id) {
            out.push(*id);
        }
    }
    v.finish()?;
    Ok(out)
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
        if let Some((code, reason)) = value_problem(t.unit, value) {
            v.add(field, code, reason);
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

/// What a target holds, from a request (or the seed); validated by [`validate_target`].
fn target_changes(t: &NewTarget, owner_unit_id: Option<i64>) -> TargetChanges {
    TargetChanges {
        title: t.title.trim().to_owned(),
        indicator: t.indicator.trim().to_owned(),
        unit: t.unit,
        direction: t.direction,
        baseline_value: t.baseline_value,
        baseline_date: t.baseline_date,
        target_value: t.target_value,
        deadline: t.deadline,
        frequency: t.frequency,
        owner_unit_id,
        source: t.source.unwrap_or(Source::Manual),
        computed_indicator: t.computed_indicator.clone(),
        updated_at: retning_kernel::now(),
    }
}

/// Adds a target after the node's last one, with its themes (shared by the API and the seed,
/// which names it by `key`); validated by [`validate_target`].
pub fn add_target(
    conn: &mut DbConnection,
    node: &NodeRow,
    key: Option<&str>,
    t: &NewTarget,
    owner_unit_id: Option<i64>,
    theme_ids: &[i64],
) -> Result<TargetRow, ApiError> {
    let changes = target_changes(t, owner_unit_id);
    let new = NewTargetRow {
        municipality_id: node.municipality_id,
        strategy_id: node.strategy_id,
        node_id: node.id,
        key: key.map(str::to_owned),
        position: repo::next_target_position(conn, node.id)?,
        created_at: changes.updated_at,
        changes,
    };
    Ok(repo::insert_target(conn, &new, theme_ids)?)
}

/// Adds a target to a node of a strategy that is not archived.
pub fn create_target(
    conn: &mut DbConnection,
    scope: &Scope,
    indicators: &IndicatorRegistry,
    node_id: i64,
    t: &NewTarget,
) -> Result<TargetView, ApiError> {
    let node = repo::node(conn, scope.id(), node_id)?;
    writable_strategy(conn, scope.id(), node.strategy_id)?;
    validate_target(t, indicators)?;
    let owner = t
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let theme_ids = repo::theme_ids(conn, "themes", &t.themes)?;
    let row = add_target(conn, &node, None, t, owner, &theme_ids)?;
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let view = views::target_view(conn, &lookup, indicators, row, views::today())?;
    audit::record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, "target", view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Applies a patch to a target of a strategy that is not archived; the whole result is
/// validated, and `themes` replaces its themes.
pub fn update_target(
    conn: &mut DbConnection,
    scope: &Scope,
    indicators: &IndicatorRegistry,
    id: i64,
    p: &TargetPatch,
) -> Result<TargetView, ApiError> {
    let cur = repo::target(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let today = views::today();
    let before = views::target_view(conn, &lookup, indicators, cur, today)?;
    let merged = NewTarget {
        title: p.title.clone().unwrap_or_else(|| before.title.clone()),
        indicator: p
            .indicator
            .clone()
            .unwrap_or_else(|| before.indicator.clone()),
        unit: p.unit.unwrap_or(before.unit),
        direction: p.direction.unwrap_or(before.direction),
        baseline_value: p.baseline_value.unwrap_or(before.baseline_value),
        baseline_date: p.baseline_date.unwrap_or(before.baseline_date),
        target_value: p.target_value.unwrap_or(before.target_value),
        deadline: p.deadline.unwrap_or(before.deadline),
        frequency: p.frequency.unwrap_or(before.frequency),
        owner_unit: p
            .owner_unit
            .clone()
            .unwrap_or_else(|| before.owner_unit.as_ref().map(|u| u.key.clone())),
        source: Some(p.source.unwrap_or(before.source)),
        computed_indicator: p
            .computed_indicator
            .clone()
            .unwrap_or_else(|| before.computed_indicator.clone()),
        themes: Vec::new(),
    };
    validate_target(&merged, indicators)?;
    let owner = merged
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let row = repo::update_target(conn, scope.id(), id, &target_changes(&merged, owner))?;
    if let Some(themes) = &p.themes {
        let ids = repo::theme_ids(conn, "themes", themes)?;
        repo::set_target_themes(conn, scope.id(), id, &ids)?;
    }
    let after = views::target_view(conn, &lookup, indicators, row, today)?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        Subject::of(&scope.municipality.id, "target", id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// The targets the query selects, judged as of its date, and how many there are in all.
/// Only the requested window (`skip`, `take`) is judged, unless a filter on a derived value
/// (assessment, staleness) needs every target judged first.
pub fn select_targets(
    conn: &mut DbConnection,
    indicators: &IndicatorRegistry,
    scope: &Scope,
    q: &TargetFilter,
    sort: Sort<TargetSort>,
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
    if let Some(kind) = q.kind {
        rows.retain(|r| TargetKind::of(r.target_value) == kind);
    }
    // Orders by the row's own fields come before paging; a stable sort keeps the tree's order
    // among equals.
    match sort.key {
        TargetSort::Title => rows.sort_by_cached_key(|r| danish_key(&r.title)),
        TargetSort::Deadline => rows.sort_by_key(|r| (r.deadline.is_none(), r.deadline)),
        TargetSort::Position | TargetSort::Progress | TargetSort::Assessment => {}
    }
    if sort.descending && matches!(sort.key, TargetSort::Title | TargetSort::Position) {
        rows.reverse();
    } else if sort.descending && sort.key == TargetSort::Deadline {
        // Reversed, with the targets without a deadline still last.
        let dated = rows.iter().take_while(|r| r.deadline.is_some()).count();
        rows[..dated].reverse();
    }
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let derived_sort = matches!(sort.key, TargetSort::Progress | TargetSort::Assessment);
    let derived_filter = q.assessment.is_some() || q.stale.is_some() || derived_sort;
    if let (Some((skip, take)), false) = (window, derived_filter) {
        let total = rows.len();
        let page: Vec<TargetRow> = rows.into_iter().skip(skip).take(take).collect();
        let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
        return Ok((
            views::target_views(
                conn,
                &lookup,
                indicators,
                &page,
                repo::Targets::Ids(&ids),
                views::as_of(q.as_of),
            )?,
            total,
        ));
    }
    // A filter on a derived value judges every target the other filters kept (one
    // municipality's).
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut out = views::target_views(
        conn,
        &lookup,
        indicators,
        &rows,
        repo::Targets::Ids(&ids),
        views::as_of(q.as_of),
    )?;
    if let Some(a) = q.assessment {
        out.retain(|t| t.assessment == a);
    }
    if let Some(s) = q.stale {
        out.retain(|t| t.stale == s);
    }
    match sort.key {
        TargetSort::Progress => {
            // Without a progress last, whichever the direction.
            out.sort_by(|a, b| match (a.progress, b.progress) {
                (Some(x), Some(y)) if sort.descending => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
        TargetSort::Assessment => {
            let rank = |a: crate::progress::Assessment| {
                crate::progress::Assessment::ALL
                    .iter()
                    .position(|x| *x == a)
            };
            if sort.descending {
                out.sort_by_key(|t| std::cmp::Reverse(rank(t.assessment)));
            } else {
                out.sort_by_key(|t| rank(t.assessment));
            }
        }
        _ => {}
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
/// What is wrong with a value in a unit, if anything: the one rule for baselines, targets and
/// measurements. Every unit is a quantity that cannot be negative (a duration included).
pub fn value_problem(unit: Unit, value: f64) -> Option<(&'static str, &'static str)> {
    if !value.is_finite() {
        Some(("invalid", "must be a finite number"))
    } else if unit == Unit::Percent && !(0.0..=100.0).contains(&value) {
        Some(("out_of_range", "a percentage must be between 0 and 100"))
    } else if unit == Unit::Dkk && value.fract() != 0.0 {
        Some(("not_whole", "amounts are whole kroner"))
    } else if value < 0.0 {
        Some(("out_of_range", "must not be negative"))
    } else {
        None
    }
}

pub fn check_value(unit: Unit, value: f64, note: Option<&str>) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if let Some((code, reason)) = value_problem(unit, value) {
        v.add("value", code, reason);
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
) -> Result<(bool, MeasurementView), ApiError> {
    let (target, _) = visible_target(conn, scope.id(), target_id, true)?;
    writable_strategy(conn, scope.id(), target.strategy_id)?;
    if target.source == Source::Computed {
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
    check_value(target.unit, m.value, note)?;
    let by = scope.who.actor_name().to_owned();
    let current = repo::current_measurement(conn, target_id, date)?;
    if let Some(cur) = &current {
        if cur.value == m.value && cur.note.as_deref() == note {
            return Ok((false, MeasurementView::from_row(cur.clone())));
        }
        repo::supersede(conn, cur.id, &by)?;
    }
    let row = repo::insert_measurement(
        conn,
        &NewMeasurementRow {
            municipality_id: scope.id(),
            target_id,
            date,
            value: m.value,
            note: note.map(str::to_owned),
            recorded_by: by,
            recorded_at: retning_kernel::now(),
        },
    )?;
    let id = row.id;
    let before = current.map(MeasurementView::from_row);
    let after = MeasurementView::from_row(row);
    audit::record_change(
        conn,
        &scope.who,
        if before.is_some() {
            "correct"
        } else {
            "record"
        },
        Subject::of(&scope.municipality.id, "measurement", id),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((before.is_none(), after))
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
    let id = cur.id;
    repo::supersede(conn, id, scope.who.actor_name())?;
    // The value is no longer a current one (it stays in the history).
    audit::record_change(
        conn,
        &scope.who,
        "remove",
        Subject::of(&scope.municipality.id, "measurement", id),
        Some(&MeasurementView::from_row(cur)),
        None,
    )
}

/// A title as the Danish alphabet orders it: letters case-folded, and æ, ø, å after z in that
/// order (Unicode puts å before æ).
fn danish_key(title: &str) -> Vec<u32> {
    title
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => 0x11_0000,
            'ø' | 'ö' => 0x11_0001,
            'å' => 0x11_0002,
            c => u32::from(c),
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// The policy level

fn validate_policy(p: &NewPolicy) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("title", &p.title, 300);
    v.opt_text("summary", p.summary.as_deref(), 5000);
    v.opt_text("adopted_by", p.adopted_by.as_deref(), 200);
    if let Some(src) = &p.source {
        v.opt_text("source.file", src.file.as_deref(), 300);
        v.opt_text("source.notes", src.notes.as_deref(), 10_000);
    }
    v.check(
        p.objectives.len() <= 50,
        "objectives",
        "too_many",
        "at most 50 objectives",
    );
    for (i, o) in p.objectives.iter().enumerate() {
        v.text(&format!("objectives[{i}].title"), &o.title, 1000);
        v.opt_text(&format!("objectives[{i}].body"), o.body.as_deref(), 20_000);
    }
    v.finish()
}

fn policy_fields(p: &NewPolicy) -> PolicyFields {
    let src = p.source.clone().unwrap_or_default();
    PolicyFields {
        title: p.title.trim().to_owned(),
        summary: p.summary.clone(),
        visibility: p.visibility.unwrap_or(Visibility::Internal),
        adopted_by: p.adopted_by.clone(),
        adopted_on: p.adopted_on,
        source_file: src.file,
        source_notes: src.notes,
        updated_at: retning_kernel::now(),
    }
}

/// Inserts a policy with its objectives (shared by the API and the seed, which names them by
/// key: `keys[i]` for `p.objectives[i]`).
pub fn insert_policy(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: Option<&str>,
    p: &NewPolicy,
    objective_keys: &[Option<String>],
) -> Result<PolicyRow, ApiError> {
    let fields = policy_fields(p);
    let now = fields.updated_at;
    let row = repo::insert_policy(
        conn,
        &NewPolicyRow {
            municipality_id,
            key: key.map(str::to_owned),
            fields,
            created_at: now,
        },
    )?;
    for (i, o) in p.objectives.iter().enumerate() {
        repo::insert_objective(
            conn,
            &NewObjectiveRow {
                municipality_id,
                policy_id: row.id,
                key: objective_keys.get(i).cloned().flatten(),
                position: o.position.unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
                title: o.title.trim().to_owned(),
                body: o.body.clone(),
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    Ok(row)
}

fn policy_subject(m: &Scope, id: i64) -> Subject<'_> {
    Subject::of(&m.municipality.id, "policy", id)
}

pub fn create_policy(
    conn: &mut DbConnection,
    scope: &Scope,
    p: &NewPolicy,
) -> Result<PolicyView, ApiError> {
    validate_policy(p)?;
    let row = insert_policy(conn, scope.id(), None, p, &[])?;
    let view = views::policy_view(conn, row, scope.slug(), true)?;
    audit::record_change(
        conn,
        &scope.who,
        "create",
        policy_subject(scope, view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

pub fn update_policy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &PolicyPatch,
) -> Result<PolicyView, ApiError> {
    let cur = repo::policy(conn, scope.id(), id, true)?;
    let before = views::policy_view(conn, cur, scope.slug(), true)?;
    let merged = NewPolicy {
        title: p.title.clone().unwrap_or_else(|| before.title.clone()),
        summary: p.summary.clone().unwrap_or_else(|| before.summary.clone()),
        visibility: Some(p.visibility.unwrap_or(before.visibility)),
        adopted_by: p
            .adopted_by
            .clone()
            .unwrap_or_else(|| before.adopted_by.clone()),
        adopted_on: p.adopted_on.unwrap_or(before.adopted_on),
        source: Some(p.source.clone().unwrap_or_else(|| before.source.clone())),
        objectives: Vec::new(),
    };
    validate_policy(&merged)?;
    let row = repo::update_policy(conn, scope.id(), id, &policy_fields(&merged))?;
    let after = views::policy_view(conn, row, scope.slug(), true)?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        policy_subject(scope, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

fn objectives_not_served(conn: &mut DbConnection, ids: &[i64]) -> Result<(), ApiError> {
    let n = repo::objectives_served(conn, ids)?;
    if n > 0 {
        return Err(ApiError::conflict(
            crate::codes::OBJECTIVE_SERVED,
            format!("{n} strategy node(s) serve it; change what they serve first"),
        ));
    }
    Ok(())
}

/// Removes a policy whose objectives no node serves (409 otherwise).
pub fn remove_policy(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let cur = repo::policy(conn, scope.id(), id, true)?;
    let before = views::policy_view(conn, cur, scope.slug(), true)?;
    let ids: Vec<i64> = before.objectives.iter().map(|o| o.id).collect();
    objectives_not_served(conn, &ids)?;
    repo::delete_policy(conn, scope.id(), id)?;
    audit::record_change(
        conn,
        &scope.who,
        "delete",
        policy_subject(scope, id),
        Some(&before),
        None,
    )
}

/// An objective's change is a change of its policy: the audit keeps the policy before and after.
fn change_objectives(
    conn: &mut DbConnection,
    scope: &Scope,
    policy_id: i64,
    change: impl FnOnce(&mut DbConnection) -> Result<(), ApiError>,
) -> Result<PolicyView, ApiError> {
    let cur = repo::policy(conn, scope.id(), policy_id, true)?;
    let before = views::policy_view(conn, cur, scope.slug(), true)?;
    change(conn)?;
    let row = repo::touch_policy(conn, scope.id(), policy_id)?;
    let after = views::policy_view(conn, row, scope.slug(), true)?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        policy_subject(scope, policy_id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

pub fn add_objective(
    conn: &mut DbConnection,
    scope: &Scope,
    policy_id: i64,
    o: &NewObjective,
) -> Result<PolicyView, ApiError> {
    let mut v = Validator::new();
    v.text("title", &o.title, 1000);
    v.opt_text("body", o.body.as_deref(), 20_000);
    v.finish()?;
    let mid = scope.id();
    change_objectives(conn, scope, policy_id, |conn| {
        let now = retning_kernel::now();
        let position = match o.position {
            Some(p) => p,
            None => repo::next_objective_position(conn, policy_id)?,
        };
        repo::insert_objective(
            conn,
            &NewObjectiveRow {
                municipality_id: mid,
                policy_id,
                key: None,
                position,
                title: o.title.trim().to_owned(),
                body: o.body.clone(),
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok(())
    })
}

pub fn update_objective(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &ObjectivePatch,
) -> Result<PolicyView, ApiError> {
    let cur = repo::objective(conn, scope.id(), id)?;
    let title = p.title.clone().unwrap_or_else(|| cur.title.clone());
    let body = p.body.clone().unwrap_or_else(|| cur.body.clone());
    let mut v = Validator::new();
    v.text("title", &title, 1000);
    v.opt_text("body", body.as_deref(), 20_000);
    v.finish()?;
    let mid = scope.id();
    change_objectives(conn, scope, cur.policy_id, |conn| {
        repo::update_objective(
            conn,
            mid,
            id,
            &ObjectiveChanges {
                position: p.position.unwrap_or(cur.position),
                title: title.trim().to_owned(),
                body,
                updated_at: retning_kernel::now(),
            },
        )?;
        Ok(())
    })
}

/// Removes an objective no node serves (409 otherwise).
pub fn remove_objective(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
) -> Result<PolicyView, ApiError> {
    let cur = repo::objective(conn, scope.id(), id)?;
    objectives_not_served(conn, &[id])?;
    let mid = scope.id();
    change_objectives(conn, scope, cur.policy_id, |conn| {
        repo::delete_objective(conn, mid, id)?;
        Ok(())
    })
}

// ------------------------------------------------------------------------------------------
// Budget figures

/// Checks a year's figure (before any database work): a year the table takes, at least one
/// amount, amounts not negative (whole kroner by their type), a short note.
pub fn validate_budget(year: i32, b: &BudgetInput) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        (1900..=2200).contains(&year),
        "year",
        "out_of_range",
        "must be from 1900 to 2200",
    );
    v.check(
        b.budget_dkk.is_some() || b.spend_dkk.is_some(),
        "budget_dkk",
        "required",
        "give budget_dkk, spend_dkk or both",
    );
    for (field, amount) in [("budget_dkk", b.budget_dkk), ("spend_dkk", b.spend_dkk)] {
        v.check(
            amount.is_none_or(|a| a >= 0),
            field,
            "out_of_range",
            "must not be negative",
        );
    }
    v.opt_text("note", b.note.as_deref(), 2000);
    v.finish()
}

/// Sets a node's figure for a year (shared by the API and the seed; validated by
/// [`validate_budget`]), refusing a year an ancestor or a descendant of the node already has a
/// figure for (409), so a strategy's totals never count an area twice. Writers of one strategy
/// are serialized by a lock on its row. Returns the figure replaced, if any, and the new one.
pub fn set_budget(
    conn: &mut DbConnection,
    node: &NodeRow,
    year: i32,
    b: &BudgetInput,
) -> Result<(Option<BudgetFigureRow>, BudgetFigureRow), ApiError> {
    retning_kernel::db::lock_row(conn, "strategies", node.strategy_id)?;
    if let Some(other) = repo::nested_budget_figure(conn, node.municipality_id, node.id, year)? {
        return Err(ApiError::conflict(
            crate::codes::BUDGET_NESTED,
            format!(
                "node {other}, an ancestor or a descendant of this node, has a budget figure for {year}; \
                 a year's figures are on one level of a branch, so totals never count an area twice"
            ),
        ));
    }
    let changes = BudgetFigureChanges {
        budget_dkk: b.budget_dkk,
        spend_dkk: b.spend_dkk,
        note: b
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        updated_at: retning_kernel::now(),
    };
    let current = repo::budget_figure(conn, node.municipality_id, node.id, year)?;
    let row = match &current {
        Some(cur) => repo::update_budget_figure(conn, cur.id, &changes)?,
        None => repo::insert_budget_figure(
            conn,
            &NewBudgetFigureRow {
                municipality_id: node.municipality_id,
                strategy_id: node.strategy_id,
                node_id: node.id,
                year,
                created_at: changes.updated_at,
                changes,
            },
        )?,
    };
    Ok((current, row))
}

/// Sets a node's figure for a year on a strategy that is not archived (editors); returns
/// whether the year had no figure before.
pub fn put_budget(
    conn: &mut DbConnection,
    scope: &Scope,
    node_id: i64,
    year: i32,
    b: &BudgetInput,
) -> Result<(bool, BudgetFigureView), ApiError> {
    let node = repo::node(conn, scope.id(), node_id)?;
    writable_strategy(conn, scope.id(), node.strategy_id)?;
    validate_budget(year, b)?;
    let (before, row) = set_budget(conn, &node, year, b)?;
    let id = row.id;
    let before = before.map(|r| BudgetFigureView::from_row(r, node.title.clone()));
    let after = BudgetFigureView::from_row(row, node.title.clone());
    audit::record_change(
        conn,
        &scope.who,
        if before.is_some() { "update" } else { "create" },
        Subject::of(&scope.municipality.id, "budget_figure", id),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((before.is_none(), after))
}

/// Removes a node's figure for a year on a strategy that is not archived; 404 if there is none.
pub fn remove_budget(
    conn: &mut DbConnection,
    scope: &Scope,
    node_id: i64,
    year: i32,
) -> Result<(), ApiError> {
    let node = repo::node(conn, scope.id(), node_id)?;
    writable_strategy(conn, scope.id(), node.strategy_id)?;
    let cur = repo::budget_figure(conn, scope.id(), node_id, year)?
        .ok_or_else(|| ApiError::not_found("budget figure"))?;
    let id = cur.id;
    repo::delete_budget_figure(conn, id)?;
    audit::record_change(
        conn,
        &scope.who,
        "delete",
        Subject::of(&scope.municipality.id, "budget_figure", id),
        Some(&BudgetFigureView::from_row(cur, node.title)),
        None,
    )
}

/// A strategy the caller may see (public, or the caller a member): 404 otherwise.
pub fn readable_strategy(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
) -> Result<StrategyRow, ApiError> {
    repo::strategy(
        conn,
        scope.id(),
        id,
        sees_internal(&scope.who, &scope.municipality),
    )
}

/// A strategy's figures and yearly totals in `year_from..=year_to` (both optional; 422 when
/// the range is reversed); `s` from [`readable_strategy`].
pub fn strategy_budget(
    conn: &mut DbConnection,
    s: &StrategyRow,
    q: &BudgetQuery,
) -> Result<StrategyBudget, ApiError> {
    let from = q.year_from.unwrap_or(i32::MIN);
    let to = q.year_to.unwrap_or(i32::MAX);
    if to < from {
        return Err(ApiError::field(
            "query.year_to",
            "before_from",
            "must not be before year_from",
        ));
    }
    let figures = repo::strategy_budget_figures(conn, s.municipality_id, s.id, from, to)?
        .into_iter()
        .map(|(row, title)| BudgetFigureView::from_row(row, title))
        .collect();
    let totals = repo::strategy_budget_totals(conn, s.municipality_id, s.id, from, to)?
        .into_iter()
        .map(|t| BudgetYearTotal {
            year: t.year,
            budget_dkk: t.budget_dkk,
            spend_dkk: t.spend_dkk,
            areas: t.areas,
        })
        .collect();
    Ok(StrategyBudget {
        strategy_id: s.id,
        figures,
        totals,
    })
}

// ------------------------------------------------------------------------------------------
// Initiatives (handlinger) and their follow-ups

/// Checks a whole initiative's own fields (a new one, or an existing one with a patch applied),
/// before any database work.
pub fn validate_initiative(i: &NewInitiative) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("title", &i.title, 1000);
    v.opt_text("description", i.description.as_deref(), 20_000);
    for (start, end, field, after) in [
        (
            i.planned_start,
            i.planned_end,
            "planned_end",
            "must not be before planned_start",
        ),
        (
            i.actual_start,
            i.actual_end,
            "actual_end",
            "must not be before actual_start",
        ),
    ] {
        if let (Some(start), Some(end)) = (start, end) {
            v.check(end >= start, field, "before_start", after);
        }
    }
    v.check(
        i.targets.len() <= 100,
        "targets",
        "too_many",
        "at most 100 targets",
    );
    v.check(
        i.programmes.len() <= 50,
        "programmes",
        "too_many",
        "at most 50 programmes",
    );
    for (n, p) in i.programmes.iter().enumerate() {
        let field = format!("programmes[{n}]");
        v.text(&field, p, 100);
        v.check(
            !i.programmes[..n].contains(p),
            &field,
            "duplicate",
            "is listed twice",
        );
    }
    for (n, t) in i.targets.iter().enumerate() {
        v.check(
            !i.targets[..n].contains(t),
            &format!("targets[{n}]"),
            "duplicate",
            "is listed twice",
        );
    }
    v.finish()
}

/// The linked targets must be targets of the initiative's strategy (422 naming `targets[i]`).
fn check_initiative_targets(
    conn: &mut DbConnection,
    strategy_id: i64,
    ids: &[i64],
) -> Result<(), ApiError> {
    let found = repo::targets_of_strategy_among(conn, strategy_id, ids)?;
    let mut v = Validator::new();
    for (n, id) in ids.iter().enumerate() {
        v.check(
            found.contains(id),
            &format!("targets[{n}]"),
            "unknown_target",
            "is not a target of this initiative's strategy",
        );
    }
    v.finish()
}

/// What an initiative holds, from a request (or the seed); validated by
/// [`validate_initiative`].
fn initiative_changes(i: &NewInitiative, owner_unit_id: Option<i64>) -> InitiativeChanges {
    InitiativeChanges {
        title: i.title.trim().to_owned(),
        description: i.description.clone(),
        owner_unit_id,
        planned_start: i.planned_start,
        planned_end: i.planned_end,
        actual_start: i.actual_start,
        actual_end: i.actual_end,
        updated_at: retning_kernel::now(),
    }
}

/// Adds an initiative after the node's last one, with its links (shared by the API and the
/// seed, which names it by `key`); validated by [`validate_initiative`], its targets checked.
pub fn add_initiative(
    conn: &mut DbConnection,
    node: &NodeRow,
    key: Option<&str>,
    i: &NewInitiative,
    owner_unit_id: Option<i64>,
) -> Result<InitiativeRow, ApiError> {
    let changes = initiative_changes(i, owner_unit_id);
    let new = NewInitiativeRow {
        municipality_id: node.municipality_id,
        strategy_id: node.strategy_id,
        node_id: node.id,
        key: key.map(str::to_owned),
        position: repo::next_initiative_position(conn, node.id)?,
        created_at: changes.updated_at,
        changes,
    };
    let row = repo::insert_initiative(conn, &new)?;
    let programmes: Vec<String> = i.programmes.iter().map(|p| p.trim().to_owned()).collect();
    repo::set_initiative_links(conn, node.municipality_id, row.id, &i.targets, &programmes)?;
    Ok(row)
}

/// An initiative the caller may see (its strategy public, or the caller a member): 404
/// otherwise.
pub fn visible_initiative(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    include_internal: bool,
) -> Result<InitiativeRow, ApiError> {
    let i = repo::initiative(conn, municipality_id, id)?;
    repo::strategy(conn, municipality_id, i.strategy_id, include_internal)
        .map_err(|_| ApiError::not_found("initiative"))?;
    Ok(i)
}

fn initiative_subject(scope: &Scope, id: i64) -> Subject<'_> {
    Subject::of(&scope.municipality.id, "initiative", id)
}

/// Adds an initiative to a node of a strategy that is not archived.
pub fn create_initiative(
    conn: &mut DbConnection,
    scope: &Scope,
    node_id: i64,
    i: &NewInitiative,
) -> Result<InitiativeDetail, ApiError> {
    let node = repo::node(conn, scope.id(), node_id)?;
    writable_strategy(conn, scope.id(), node.strategy_id)?;
    validate_initiative(i)?;
    check_initiative_targets(conn, node.strategy_id, &i.targets)?;
    let owner = i
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let row = add_initiative(conn, &node, None, i, owner)?;
    let view = views::initiative_detail(conn, scope.id(), row, views::today())?;
    audit::record_change(
        conn,
        &scope.who,
        "create",
        initiative_subject(scope, view.initiative.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Applies a patch to an initiative of a strategy that is not archived; the whole result is
/// validated, and `targets` and `programmes` replace its links.
pub fn update_initiative(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: &InitiativePatch,
) -> Result<InitiativeDetail, ApiError> {
    let cur = repo::initiative(conn, scope.id(), id)?;
    let strategy_id = cur.strategy_id;
    writable_strategy(conn, scope.id(), strategy_id)?;
    let today = views::today();
    let before = views::initiative_detail(conn, scope.id(), cur, today)?;
    let b = &before.initiative;
    let merged = NewInitiative {
        title: p.title.clone().unwrap_or_else(|| b.title.clone()),
        description: p
            .description
            .clone()
            .unwrap_or_else(|| b.description.clone()),
        owner_unit: p
            .owner_unit
            .clone()
            .unwrap_or_else(|| b.owner_unit.as_ref().map(|u| u.key.clone())),
        planned_start: p.planned_start.unwrap_or(b.planned_start),
        planned_end: p.planned_end.unwrap_or(b.planned_end),
        actual_start: p.actual_start.unwrap_or(b.actual_start),
        actual_end: p.actual_end.unwrap_or(b.actual_end),
        targets: p.targets.clone().unwrap_or_else(|| b.targets.clone()),
        programmes: p.programmes.clone().unwrap_or_else(|| b.programmes.clone()),
    };
    validate_initiative(&merged)?;
    check_initiative_targets(conn, strategy_id, &merged.targets)?;
    let owner = merged
        .owner_unit
        .as_deref()
        .map(|k| repo::unit_id(conn, scope.id(), "owner_unit", k))
        .transpose()?;
    let row = repo::update_initiative(conn, scope.id(), id, &initiative_changes(&merged, owner))?;
    if p.targets.is_some() || p.programmes.is_some() {
        let programmes: Vec<String> = merged
            .programmes
            .iter()
            .map(|p| p.trim().to_owned())
            .collect();
        repo::set_initiative_links(conn, scope.id(), id, &merged.targets, &programmes)?;
    }
    let after = views::initiative_detail(conn, scope.id(), row, today)?;
    audit::record_change(
        conn,
        &scope.who,
        "update",
        initiative_subject(scope, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Removes an initiative with its links and follow-ups (the audit entry keeps them).
pub fn remove_initiative(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let cur = repo::initiative(conn, scope.id(), id)?;
    writable_strategy(conn, scope.id(), cur.strategy_id)?;
    let before = views::initiative_detail(conn, scope.id(), cur, views::today())?;
    repo::delete_initiative(conn, scope.id(), id)?;
    audit::record_change(
        conn,
        &scope.who,
        "delete",
        initiative_subject(scope, id),
        Some(&before),
        None,
    )
}

/// The initiatives of a visible strategy with their status as of the filter's date, filtered by
/// status and sorted; the tree's order among equals. One strategy's: judged in memory.
pub fn select_initiatives(
    conn: &mut DbConnection,
    scope: &Scope,
    strategy_id: i64,
    q: &InitiativeFilter,
    sort: Sort<InitiativeSort>,
) -> Result<Vec<InitiativeView>, ApiError> {
    let lookup = Lookup::load(conn, &[scope.id()])?;
    let mut out = views::initiative_views(
        conn,
        &lookup,
        repo::Initiatives::OfStrategy(strategy_id),
        views::as_of(q.as_of),
    )?;
    if let Some(status) = q.status {
        out.retain(|i| i.status == status);
    }
    match sort.key {
        InitiativeSort::Position => {}
        InitiativeSort::Title => out.sort_by_cached_key(|i| danish_key(&i.title)),
        InitiativeSort::PlannedEnd => out.sort_by_key(|i| (i.planned_end.is_none(), i.planned_end)),
        InitiativeSort::Status => {
            out.sort_by_key(|i| InitiativeStatus::ALL.iter().position(|s| *s == i.status))
        }
    }
    if sort.descending {
        if sort.key == InitiativeSort::PlannedEnd {
            // Reversed, with the initiatives without a planned end still last.
            let dated = out.iter().take_while(|i| i.planned_end.is_some()).count();
            out[..dated].reverse();
        } else {
            out.reverse();
        }
    }
    Ok(out)
}

/// Checks a follow-up's date and note.
fn check_initiative_update(date: NaiveDate, note: Option<&str>) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        date <= views::today(),
        "date",
        "in_future",
        "a follow-up cannot be dated in the future",
    );
    v.opt_text("note", note, 2000);
    v.finish()
}

/// Records the follow-up of an initiative for a date: its status and note. The same again
/// changes nothing; another replaces it. Returns whether the date had no follow-up before.
pub fn put_initiative_update(
    conn: &mut DbConnection,
    scope: &Scope,
    initiative_id: i64,
    date: NaiveDate,
    u: &InitiativeUpdateInput,
) -> Result<(bool, InitiativeUpdateView), ApiError> {
    let initiative = repo::initiative(conn, scope.id(), initiative_id)?;
    writable_strategy(conn, scope.id(), initiative.strategy_id)?;
    let note = u.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    check_initiative_update(date, note)?;
    let changes = InitiativeUpdateChanges {
        status: u.status,
        note: note.map(str::to_owned),
        recorded_by: scope.who.actor_name().to_owned(),
        recorded_at: retning_kernel::now(),
    };
    let current = repo::initiative_update(conn, initiative_id, date)?;
    let row = match &current {
        Some(cur) if cur.status == u.status && cur.note.as_deref() == note => {
            return Ok((false, InitiativeUpdateView::from_row(cur.clone())));
        }
        Some(cur) => repo::replace_initiative_update(conn, cur.id, &changes)?,
        None => repo::insert_initiative_update(
            conn,
            &NewInitiativeUpdateRow {
                municipality_id: scope.id(),
                initiative_id,
                date,
                changes,
            },
        )?,
    };
    let id = row.id;
    let before = current.map(InitiativeUpdateView::from_row);
    let after = InitiativeUpdateView::from_row(row);
    audit::record_change(
        conn,
        &scope.who,
        if before.is_some() { "update" } else { "create" },
        Subject::of(&scope.municipality.id, "initiative_update", id),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((before.is_none(), after))
}

/// Removes the follow-up of an initiative for a date; 404 if there is none.
pub fn remove_initiative_update(
    conn: &mut DbConnection,
    scope: &Scope,
    initiative_id: i64,
    date: NaiveDate,
) -> Result<(), ApiError> {
    let initiative = repo::initiative(conn, scope.id(), initiative_id)?;
    writable_strategy(conn, scope.id(), initiative.strategy_id)?;
    let cur = repo::initiative_update(conn, initiative_id, date)?
        .ok_or_else(|| ApiError::not_found("initiative update"))?;
    let id = cur.id;
    repo::delete_initiative_update(conn, id)?;
    audit::record_change(
        conn,
        &scope.who,
        "delete",
        Subject::of(&scope.municipality.id, "initiative_update", id),
        Some(&InitiativeUpdateView::from_row(cur)),
        None,
    )
}
