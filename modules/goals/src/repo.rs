//! All SQL of the goals module: functions taking the connection and the municipality.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use retning_kernel::schema::{disabled_modules, municipalities};
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, DbConnection, FieldError};

use retning_kernel::pagination::Sort;

use crate::dto::StrategySort;
use crate::model::*;
use crate::schema::*;

// ------------------------------------------------------------------------------------------
// Municipalities

/// The id of the municipality with this slug.
pub fn municipality_id(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<i64>> {
    municipalities::table
        .filter(municipalities::slug.eq(slug))
        .select(municipalities::id)
        .first::<i64>(conn)
        .optional()
}

/// The municipalities with the goals module switched on, by name.
pub fn municipalities_with_goals(conn: &mut DbConnection) -> QueryResult<Vec<Municipality>> {
    municipalities::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            disabled_modules::table
                .filter(disabled_modules::municipality_id.eq(municipalities::id))
                .filter(disabled_modules::module.eq(crate::NAME)),
        )))
        .select(Municipality::as_select())
        .order(municipalities::name.asc())
        .load(conn)
}

// ------------------------------------------------------------------------------------------
// Themes

pub fn list_themes(conn: &mut DbConnection) -> QueryResult<Vec<ThemeRow>> {
    themes::table
        .select(ThemeRow::as_select())
        .order((themes::kind.asc(), themes::id.asc()))
        .load(conn)
}

pub fn theme_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<ThemeRow>> {
    themes::table
        .filter(themes::slug.eq(slug))
        .select(ThemeRow::as_select())
        .first(conn)
        .optional()
}

/// Resolves theme slugs to ids; unknown slugs are field errors named `<field>[i]`.
pub fn theme_ids(
    conn: &mut DbConnection,
    field: &str,
    slugs: &[String],
) -> Result<Vec<i64>, ApiError> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(i64, String)> = themes::table
        .filter(themes::slug.eq_any(slugs))
        .select((themes::id, themes::slug))
        .load(conn)?;
    let by_slug: HashMap<&str, i64> = found.iter().map(|(id, s)| (s.as_str(), *id)).collect();
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (i, slug) in slugs.iter().enumerate() {
        match by_slug.get(slug.as_str()) {
            Some(id) if !ids.contains(id) => ids.push(*id),
            Some(_) => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "duplicate",
                "is listed twice",
            )),
            None => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "unknown_theme",
                "is not a theme (see GET /api/v1/themes)",
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The slug of the theme with this id (a theme's parent).
pub fn theme_slug(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    themes::table
        .find(id)
        .select(themes::slug)
        .first::<String>(conn)
        .optional()
}

pub fn insert_theme(conn: &mut DbConnection, new: &NewThemeRow) -> QueryResult<ThemeRow> {
    diesel::insert_into(themes::table)
        .values(new)
        .returning(themes::all_columns)
        .get_result(conn)
}

pub fn update_theme(
    conn: &mut DbConnection,
    id: i64,
    changes: &ThemeChanges,
) -> QueryResult<ThemeRow> {
    diesel::update(themes::table.find(id))
        .set(changes)
        .returning(themes::all_columns)
        .get_result(conn)
}

// ------------------------------------------------------------------------------------------
// Units

pub fn list_units(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<Vec<UnitRow>> {
    units::table
        .filter(units::municipality_id.eq(municipality_id))
        .select(UnitRow::as_select())
        .order(units::id.asc())
        .load(conn)
}

/// The units of these municipalities.
pub fn units_of(conn: &mut DbConnection, municipality_ids: &[i64]) -> QueryResult<Vec<UnitRow>> {
    units::table
        .filter(units::municipality_id.eq_any(municipality_ids))
        .select(UnitRow::as_select())
        .load(conn)
}

/// The municipality's unit ids by key.
pub fn unit_ids_by_key(
    conn: &mut DbConnection,
    municipality_id: i64,
) -> QueryResult<HashMap<String, i64>> {
    Ok(units::table
        .filter(units::municipality_id.eq(municipality_id))
        .select((units::key, units::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn unit_id(
    conn: &mut DbConnection,
    municipality_id: i64,
    field: &str,
    key: &str,
) -> Result<i64, ApiError> {
    units::table
        .filter(units::municipality_id.eq(municipality_id))
        .filter(units::key.eq(key))
        .select(units::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::field(field, "unknown_unit", "is not a unit of this municipality"))
}

/// Whether the municipality has a unit with this key.
pub fn unit_key_taken(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
) -> QueryResult<bool> {
    let n: i64 = units::table
        .filter(units::municipality_id.eq(municipality_id))
        .filter(units::key.eq(key))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_unit(conn: &mut DbConnection, new: &NewUnitRow) -> QueryResult<UnitRow> {
    diesel::insert_into(units::table)
        .values(new)
        .returning(units::all_columns)
        .get_result(conn)
}

// ------------------------------------------------------------------------------------------
// Strategies

/// Which strategies a list shows, and in what order.
pub struct StrategyListing {
    pub include_internal: bool,
    pub status: Option<StrategyStatus>,
    pub visibility: Option<Visibility>,
    pub theme_id: Option<i64>,
    pub sort: Sort<StrategySort>,
}

pub fn list_strategies(
    conn: &mut DbConnection,
    municipality_id: i64,
    filter: &StrategyListing,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<StrategyRow>, i64)> {
    let build = || {
        let mut q = strategies::table
            .filter(strategies::municipality_id.eq(municipality_id))
            .into_boxed();
        if !filter.include_internal {
            q = q.filter(strategies::visibility.eq(Visibility::Public));
        }
        if let Some(v) = filter.visibility {
            q = q.filter(strategies::visibility.eq(v));
        }
        if let Some(s) = filter.status {
            q = q.filter(strategies::status.eq(s));
        }
        if let Some(theme) = filter.theme_id {
            let via_nodes = nodes::table
                .inner_join(node_themes::table)
                .filter(node_themes::theme_id.eq(theme))
                .select(nodes::strategy_id);
            let via_targets = targets::table
                .inner_join(target_themes::table)
                .filter(target_themes::theme_id.eq(theme))
                .select(targets::strategy_id);
            q = q.filter(
                strategies::id
                    .eq_any(via_nodes)
                    .or(strategies::id.eq_any(via_targets)),
            );
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let mut q = build().select(StrategyRow::as_select());
    q = match (filter.sort.key, filter.sort.descending) {
        (StrategySort::Title, false) => q.order((strategies::title.asc(), strategies::id.asc())),
        (StrategySort::Title, true) => q.order((strategies::title.desc(), strategies::id.desc())),
        (StrategySort::PeriodStart, false) => {
            q.order((strategies::period_start.asc(), strategies::id.asc()))
        }
        (StrategySort::PeriodStart, true) => {
            q.order((strategies::period_start.desc(), strategies::id.desc()))
        }
        (StrategySort::CreatedAt, false) => q.order(strategies::id.asc()),
        (StrategySort::CreatedAt, true) => q.order(strategies::id.desc()),
    };
    let rows = q.limit(limit + 1).offset(offset).load(conn)?;
    Ok((rows, total))
}

/// The ids of the municipality's active strategies (public ones only unless
/// `include_internal`), or of the one named by `only` if it is among them.
pub fn active_strategy_ids(
    conn: &mut DbConnection,
    municipality_id: i64,
    include_internal: bool,
    only: Option<i64>,
) -> QueryResult<Vec<i64>> {
    let mut q = strategies::table
        .filter(strategies::municipality_id.eq(municipality_id))
        .filter(strategies::status.eq(StrategyStatus::Active))
        .select(strategies::id)
        .into_boxed();
    if !include_internal {
        q = q.filter(strategies::visibility.eq(Visibility::Public));
    }
    if let Some(s) = only {
        q = q.filter(strategies::id.eq(s));
    }
    q.load(conn)
}

/// A strategy of this municipality that the caller may see; 404 otherwise.
pub fn strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    include_internal: bool,
) -> Result<StrategyRow, ApiError> {
    let mut q = strategies::table
        .filter(strategies::municipality_id.eq(municipality_id))
        .filter(strategies::id.eq(id))
        .select(StrategyRow::as_select())
        .into_boxed();
    if !include_internal {
        q = q.filter(strategies::visibility.eq(Visibility::Public));
    }
    q.first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("strategy"))
}

/// A strategy and the line of strategies it builds on, latest first (internal ones included;
/// empty when `id` is not a strategy of the municipality). One statement: the municipality's
/// strategies are few, and the line is followed in memory (bounded, so a cycle cannot hang it).
pub fn lineage(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Vec<StrategyRow>> {
    let all: HashMap<i64, StrategyRow> = strategies::table
        .filter(strategies::municipality_id.eq(municipality_id))
        .select(StrategyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut line = Vec::new();
    let mut next = Some(id);
    while let Some(s) = next.and_then(|n| all.get(&n)) {
        if line.iter().any(|l: &StrategyRow| l.id == s.id) || line.len() > 64 {
            break;
        }
        line.push(s.clone());
        next = s.builds_on_id;
    }
    Ok(line)
}

/// The id of the municipality's strategy with this key (the seed's name for it).
pub fn strategy_id_by_key(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
) -> QueryResult<Option<i64>> {
    strategies::table
        .filter(strategies::municipality_id.eq(municipality_id))
        .filter(strategies::key.eq(key))
        .select(strategies::id)
        .first(conn)
        .optional()
}

/// Whether the municipality has a strategy with this key (the seed's name for it).
pub fn strategy_key_taken(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
) -> QueryResult<bool> {
    let n: i64 = strategies::table
        .filter(strategies::municipality_id.eq(municipality_id))
        .filter(strategies::key.eq(key))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Inserts a strategy with its follow-ups.
pub fn insert_strategy(
    conn: &mut DbConnection,
    new: &NewStrategyRow,
    follow_ups: &[(NaiveDate, String)],
) -> QueryResult<StrategyRow> {
    let row: StrategyRow = diesel::insert_into(strategies::table)
        .values(new)
        .returning(strategies::all_columns)
        .get_result(conn)?;
    replace_follow_ups(conn, new.municipality_id, row.id, follow_ups)?;
    Ok(row)
}

/// Writes a strategy's fields (not its status or follow-ups).
pub fn update_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    fields: &StrategyFields,
) -> QueryResult<StrategyRow> {
    diesel::update(
        strategies::table
            .find(id)
            .filter(strategies::municipality_id.eq(municipality_id)),
    )
    .set(fields)
    .returning(strategies::all_columns)
    .get_result(conn)
}

pub fn archive_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<StrategyRow> {
    let now = retning_kernel::now();
    diesel::update(
        strategies::table
            .find(id)
            .filter(strategies::municipality_id.eq(municipality_id)),
    )
    .set(&StrategyArchival {
        status: StrategyStatus::Archived,
        archived_at: now,
        updated_at: now,
    })
    .returning(strategies::all_columns)
    .get_result(conn)
}

pub fn follow_ups(
    conn: &mut DbConnection,
    strategy_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<FollowUpRow>>> {
    let rows: Vec<FollowUpRow> = strategy_follow_ups::table
        .filter(strategy_follow_ups::strategy_id.eq_any(strategy_ids))
        .select(FollowUpRow::as_select())
        .order((
            strategy_follow_ups::date.asc(),
            strategy_follow_ups::id.asc(),
        ))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<FollowUpRow>> = HashMap::new();
    for r in rows {
        map.entry(r.strategy_id).or_default().push(r);
    }
    Ok(map)
}

pub fn replace_follow_ups(
    conn: &mut DbConnection,
    municipality_id: i64,
    strategy_id: i64,
    items: &[(NaiveDate, String)],
) -> QueryResult<()> {
    diesel::delete(
        strategy_follow_ups::table.filter(strategy_follow_ups::strategy_id.eq(strategy_id)),
    )
    .execute(conn)?;
    let rows: Vec<NewFollowUpRow> = items
        .iter()
        .map(|(date, label)| NewFollowUpRow {
            municipality_id,
            strategy_id,
            date: *date,
            label: label.clone(),
        })
        .collect();
    for row in &rows {
        diesel::insert_into(strategy_follow_ups::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Nodes

pub fn nodes_of_strategies(
    conn: &mut DbConnection,
    strategy_ids: &[i64],
) -> QueryResult<Vec<NodeRow>> {
    nodes::table
        .filter(nodes::strategy_id.eq_any(strategy_ids))
        .select(NodeRow::as_select())
        .order((nodes::position.asc(), nodes::id.asc()))
        .load(conn)
}

pub fn node(conn: &mut DbConnection, municipality_id: i64, id: i64) -> Result<NodeRow, ApiError> {
    nodes::table
        .filter(nodes::municipality_id.eq(municipality_id))
        .filter(nodes::id.eq(id))
        .select(NodeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("node"))
}

/// Inserts a node with its themes.
pub fn insert_node(
    conn: &mut DbConnection,
    new: &NewNodeRow,
    theme_ids: &[i64],
) -> QueryResult<NodeRow> {
    let row: NodeRow = diesel::insert_into(nodes::table)
        .values(new)
        .returning(nodes::all_columns)
        .get_result(conn)?;
    set_node_themes(conn, new.municipality_id, row.id, theme_ids)?;
    Ok(row)
}

/// Writes a node's fields and position (not its themes).
pub fn update_node(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    changes: &NodeChanges,
) -> QueryResult<NodeRow> {
    diesel::update(
        nodes::table
            .find(id)
            .filter(nodes::municipality_id.eq(municipality_id)),
    )
    .set(changes)
    .returning(nodes::all_columns)
    .get_result(conn)
}

/// How many child nodes, targets, initiatives and budget figures a node has.
pub fn node_contents(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<(i64, i64, i64, i64)> {
    let children: i64 = nodes::table
        .filter(nodes::municipality_id.eq(municipality_id))
        .filter(nodes::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    let own_targets: i64 = targets::table
        .filter(targets::municipality_id.eq(municipality_id))
        .filter(targets::node_id.eq(id))
        .count()
        .get_result(conn)?;
    let own_initiatives: i64 = initiatives::table
        .filter(initiatives::municipality_id.eq(municipality_id))
        .filter(initiatives::node_id.eq(id))
        .count()
        .get_result(conn)?;
    let budget: i64 = budget_figures::table
        .filter(budget_figures::municipality_id.eq(municipality_id))
        .filter(budget_figures::node_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok((children, own_targets, own_initiatives, budget))
}

/// Deletes a node and its themes.
pub fn delete_node(conn: &mut DbConnection, municipality_id: i64, id: i64) -> QueryResult<()> {
    set_node_themes(conn, municipality_id, id, &[])?;
    diesel::delete(
        nodes::table
            .find(id)
            .filter(nodes::municipality_id.eq(municipality_id)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn next_node_position(
    conn: &mut DbConnection,
    strategy_id: i64,
    parent_id: Option<i64>,
) -> QueryResult<i32> {
    let q = nodes::table
        .filter(nodes::strategy_id.eq(strategy_id))
        .into_boxed();
    let q = match parent_id {
        Some(p) => q.filter(nodes::parent_id.eq(p)),
        None => q.filter(nodes::parent_id.is_null()),
    };
    let max: Option<i32> = q.select(diesel::dsl::max(nodes::position)).first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

pub fn node_themes_of(
    conn: &mut DbConnection,
    node_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = node_themes::table
        .filter(node_themes::node_id.eq_any(node_ids))
        .select((node_themes::node_id, node_themes::theme_id))
        .order((node_themes::node_id.asc(), node_themes::theme_id.asc()))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (n, t) in rows {
        map.entry(n).or_default().push(t);
    }
    Ok(map)
}

pub fn set_node_themes(
    conn: &mut DbConnection,
    municipality_id: i64,
    node_id: i64,
    theme_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(node_themes::table.filter(node_themes::node_id.eq(node_id))).execute(conn)?;
    for &theme_id in theme_ids {
        diesel::insert_into(node_themes::table)
            .values(&NodeThemeRow {
                node_id,
                theme_id,
                municipality_id,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// A node and all its descendants (ids), given every node of its strategy.
pub fn subtree(all: &[NodeRow], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|n| n.parent_id == Some(parent))
                .map(|n| n.id),
        );
        i += 1;
    }
    out
}

// ------------------------------------------------------------------------------------------
// Targets

pub fn targets_of_strategies(
    conn: &mut DbConnection,
    strategy_ids: &[i64],
) -> QueryResult<Vec<TargetRow>> {
    targets::table
        .filter(targets::strategy_id.eq_any(strategy_ids))
        .select(TargetRow::as_select())
        .order((targets::position.asc(), targets::id.asc()))
        .load(conn)
}

/// Inserts a target with its themes.
pub fn insert_target(
    conn: &mut DbConnection,
    new: &NewTargetRow,
    theme_ids: &[i64],
) -> QueryResult<TargetRow> {
    let row: TargetRow = diesel::insert_into(targets::table)
        .values(new)
        .returning(targets::all_columns)
        .get_result(conn)?;
    set_target_themes(conn, new.municipality_id, row.id, theme_ids)?;
    Ok(row)
}

/// Writes a target's fields (not its node, position or themes).
pub fn update_target(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    changes: &TargetChanges,
) -> QueryResult<TargetRow> {
    diesel::update(
        targets::table
            .find(id)
            .filter(targets::municipality_id.eq(municipality_id)),
    )
    .set(changes)
    .returning(targets::all_columns)
    .get_result(conn)
}

/// The municipality's target with this key (the seed's name for it).
pub fn target_by_key(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
) -> QueryResult<Option<TargetRow>> {
    targets::table
        .filter(targets::municipality_id.eq(municipality_id))
        .filter(targets::key.eq(key))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()
}

/// Makes a target computed by the indicator `indicator`.
pub fn wire_target(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    indicator: &str,
) -> QueryResult<TargetRow> {
    diesel::update(
        targets::table
            .find(id)
            .filter(targets::municipality_id.eq(municipality_id)),
    )
    .set(&TargetWiring {
        source: Source::Computed,
        computed_indicator: indicator.to_owned(),
        updated_at: retning_kernel::now(),
    })
    .returning(targets::all_columns)
    .get_result(conn)
}

pub fn target(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<TargetRow, ApiError> {
    targets::table
        .filter(targets::municipality_id.eq(municipality_id))
        .filter(targets::id.eq(id))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("target"))
}

pub fn target_themes_of(
    conn: &mut DbConnection,
    target_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = target_themes::table
        .filter(target_themes::target_id.eq_any(target_ids))
        .select((target_themes::target_id, target_themes::theme_id))
        .order((
            target_themes::target_id.asc(),
            target_themes::theme_id.asc(),
        ))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (n, t) in rows {
        map.entry(n).or_default().push(t);
    }
    Ok(map)
}

pub fn set_target_themes(
    conn: &mut DbConnection,
    municipality_id: i64,
    target_id: i64,
    theme_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(target_themes::table.filter(target_themes::target_id.eq(target_id)))
        .execute(conn)?;
    for &theme_id in theme_ids {
        diesel::insert_into(target_themes::table)
            .values(&TargetThemeRow {
                target_id,
                theme_id,
                municipality_id,
            })
            .execute(conn)?;
    }
    Ok(())
}

pub fn next_target_position(conn: &mut DbConnection, node_id: i64) -> QueryResult<i32> {
    let max: Option<i32> = targets::table
        .filter(targets::node_id.eq(node_id))
        .select(diesel::dsl::max(targets::position))
        .first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

// ------------------------------------------------------------------------------------------
// Measurements

pub fn measurement_history(
    conn: &mut DbConnection,
    target_id: i64,
    include_superseded: bool,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> QueryResult<Vec<MeasurementRow>> {
    let mut q = measurements::table
        .filter(measurements::target_id.eq(target_id))
        .select(MeasurementRow::as_select())
        .into_boxed();
    if !include_superseded {
        q = q.filter(measurements::superseded_at.is_null());
    }
    if let Some(f) = from {
        q = q.filter(measurements::date.ge(f));
    }
    if let Some(t) = to {
        q = q.filter(measurements::date.le(t));
    }
    q.order((measurements::date.asc(), measurements::id.asc()))
        .load(conn)
}

pub fn current_measurement(
    conn: &mut DbConnection,
    target_id: i64,
    date: NaiveDate,
) -> QueryResult<Option<MeasurementRow>> {
    measurements::table
        .filter(measurements::target_id.eq(target_id))
        .filter(measurements::date.eq(date))
        .filter(measurements::superseded_at.is_null())
        .select(MeasurementRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a measurement as corrected or removed by `by`.
pub fn supersede(conn: &mut DbConnection, id: i64, by: &str) -> QueryResult<MeasurementRow> {
    diesel::update(measurements::table.find(id))
        .set(&Supersession {
            superseded_at: retning_kernel::now(),
            superseded_by: by.to_owned(),
        })
        .returning(measurements::all_columns)
        .get_result(conn)
}

pub fn insert_measurement(
    conn: &mut DbConnection,
    new: &NewMeasurementRow,
) -> QueryResult<MeasurementRow> {
    diesel::insert_into(measurements::table)
        .values(new)
        .returning(measurements::all_columns)
        .get_result(conn)
}

// ------------------------------------------------------------------------------------------
// What a dashboard view judges: targets chosen by a condition the database evaluates, so no
// list of ids that grows with the data is sent, and only the latest values leave the database.

/// Which targets a view judges, as a condition over the `targets` table.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// One strategy's.
    OfStrategy(i64),
    /// These: a page of a list, bounded by the page size.
    Ids(&'a [i64]),
    /// Those of the active strategies a caller may see (public ones, and the internal ones of
    /// `internal_of`), of these municipalities (`None`: every municipality with goals on),
    /// and when `theme` is given only those on it (tagged, or on a node tagged).
    Visible {
        municipalities: Option<&'a [i64]>,
        internal_of: &'a [i64],
        theme: Option<i64>,
    },
}

fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        // `IN ()` is not SQL; no id is negative.
        return "-1".to_owned();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Targets<'_> {
    /// For `Visible`: the visible strategies (SQL over `s`), else `None`.
    fn strategies(&self) -> Option<String> {
        let Targets::Visible {
            municipalities,
            internal_of,
            ..
        } = *self
        else {
            return None;
        };
        let of_municipalities = match municipalities {
            Some(ids) => format!("s.municipality_id IN ({})", id_list(ids)),
            None => format!(
                "NOT EXISTS (SELECT 1 FROM disabled_modules d \
                 WHERE d.municipality_id = s.municipality_id AND d.module = '{}')",
                crate::NAME
            ),
        };
        Some(format!(
            "s.status = '{active}' AND (s.visibility = '{public}' OR s.municipality_id IN ({internal})) \
             AND {of_municipalities}",
            active = StrategyStatus::Active.as_str(),
            public = Visibility::Public.as_str(),
            internal = id_list(internal_of),
        ))
    }

    /// For `Visible` with a theme: the nodes on it of the visible strategies (SQL over `nodes`).
    pub fn nodes_on_theme(&self) -> Option<String> {
        let Targets::Visible {
            theme: Some(theme), ..
        } = *self
        else {
            return None;
        };
        Some(format!(
            "nodes.strategy_id IN (SELECT s.id FROM strategies s WHERE {}) \
             AND nodes.id IN (SELECT nt.node_id FROM node_themes nt WHERE nt.theme_id = {theme})",
            self.strategies().unwrap_or_default()
        ))
    }

    /// SQL over `targets` (built from numbers and the states' own words only, never input).
    pub fn condition(&self) -> String {
        match *self {
            Targets::OfStrategy(id) => format!("targets.strategy_id = {id}"),
            Targets::Ids(ids) => format!("targets.id IN ({})", id_list(ids)),
            Targets::Visible { theme, .. } => {
                let on_theme = match theme {
                    Some(theme) => format!(
                        " AND (targets.id IN (SELECT tt.target_id FROM target_themes tt WHERE tt.theme_id = {theme}) \
                         OR targets.node_id IN (SELECT nt.node_id FROM node_themes nt WHERE nt.theme_id = {theme}))"
                    ),
                    None => String::new(),
                };
                format!(
                    "targets.strategy_id IN (SELECT s.id FROM strategies s WHERE {}){on_theme}",
                    self.strategies().unwrap_or_default()
                )
            }
        }
    }
}

/// The visible strategies of a `Visible` set (others: none), in municipality and id order.
pub fn strategies_where(
    conn: &mut DbConnection,
    set: Targets<'_>,
) -> QueryResult<Vec<StrategyRow>> {
    let Some(cond) = set.strategies() else {
        return Ok(Vec::new());
    };
    strategies::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "strategies.id IN (SELECT s.id FROM strategies s WHERE {cond})"
        )))
        .select(StrategyRow::as_select())
        .order((strategies::municipality_id.asc(), strategies::id.asc()))
        .load(conn)
}

/// Nodes chosen by a condition over `nodes`, in strategy and position order.
pub fn nodes_where(conn: &mut DbConnection, condition: &str) -> QueryResult<Vec<NodeRow>> {
    nodes::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(condition))
        .select(NodeRow::as_select())
        .order((
            nodes::strategy_id.asc(),
            nodes::position.asc(),
            nodes::id.asc(),
        ))
        .load(conn)
}

/// The units that own the chosen targets or the chosen nodes (a condition over `nodes`).
pub fn units_where(
    conn: &mut DbConnection,
    set: Targets<'_>,
    nodes: Option<&str>,
) -> QueryResult<Vec<UnitRow>> {
    let of_nodes = match nodes {
        Some(cond) => format!(" OR units.id IN (SELECT nodes.unit_id FROM nodes WHERE {cond})"),
        None => String::new(),
    };
    units::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "(units.id IN (SELECT targets.owner_unit_id FROM targets WHERE {}){of_nodes})",
            set.condition()
        )))
        .select(UnitRow::as_select())
        .load(conn)
}

/// The targets chosen, in strategy and position order.
pub fn targets_where(conn: &mut DbConnection, set: Targets<'_>) -> QueryResult<Vec<TargetRow>> {
    targets::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            &set.condition(),
        ))
        .select(TargetRow::as_select())
        .order((
            targets::strategy_id.asc(),
            targets::position.asc(),
            targets::id.asc(),
        ))
        .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct LatestPoint {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub target_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub value: f64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub note: Option<String>,
}

/// Per target, the current measurements a view is judged by as of a day (see
/// `progress::derive`): the latest two up to the day (trend, staleness) and the latest within
/// the target's window (from its baseline date to the earlier of the day and its deadline).
/// At most three rows per target, each found by a seek on the index of current measurements
/// (target, date), however long the history: a lateral join on PostgreSQL, correlated
/// sub-selects of ids on SQLite (which has no lateral join). Ranking every measurement with a
/// window function instead cost more than loading them all, on both backends.
pub fn latest_points(
    conn: &mut DbConnection,
    set: Targets<'_>,
    as_of: NaiveDate,
) -> QueryResult<HashMap<i64, Vec<LatestPoint>>> {
    let cond = set.condition();
    let current = "m2.target_id = targets.id AND m2.superseded_at IS NULL AND m2.date <= $1";
    let in_window = "(targets.deadline IS NULL OR m2.date <= targets.deadline) \
                     AND (targets.baseline_date IS NULL OR m2.date >= targets.baseline_date)";
    let sql = match conn.backend() {
        retning_kernel::db::Backend::Postgres => format!(
            "SELECT l.target_id, l.date, l.value, l.note FROM targets CROSS JOIN LATERAL (\
               (SELECT m2.target_id, m2.date, m2.value, m2.note FROM measurements m2 \
                WHERE {current} ORDER BY m2.date DESC LIMIT 2) \
               UNION \
               (SELECT m2.target_id, m2.date, m2.value, m2.note FROM measurements m2 \
                WHERE {current} AND {in_window} ORDER BY m2.date DESC LIMIT 1)\
             ) l WHERE {cond}"
        ),
        retning_kernel::db::Backend::Sqlite => {
            let pick = |extra: &str, offset: u8| {
                format!(
                    "SELECT (SELECT m2.id FROM measurements m2 WHERE {current}{extra} \
                     ORDER BY m2.date DESC LIMIT 1 OFFSET {offset}) FROM targets WHERE {cond}"
                )
            };
            format!(
                "SELECT m.target_id, m.date, m.value, m.note FROM measurements m WHERE m.id IN \
                 ({} UNION {} UNION {})",
                pick("", 0),
                pick("", 1),
                pick(&format!(" AND {in_window}"), 0)
            )
        }
    };
    let rows: Vec<LatestPoint> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .load(conn)?;
    let mut map: HashMap<i64, Vec<LatestPoint>> = HashMap::new();
    for r in rows {
        map.entry(r.target_id).or_default().push(r);
    }
    Ok(map)
}

#[derive(Debug, Clone, QueryableByName)]
struct TaggedSlug {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    node: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    slug: String,
}

/// Theme slugs by node id and by target id: of the nodes of these strategies (`nodes`: SQL
/// over `nodes`, or `None` for no nodes) and of the chosen targets, in one statement.
#[allow(clippy::type_complexity)]
pub fn theme_slugs_of(
    conn: &mut DbConnection,
    nodes: Option<&str>,
    set: Targets<'_>,
) -> QueryResult<(HashMap<i64, Vec<String>>, HashMap<i64, Vec<String>>)> {
    let node_part = match nodes {
        Some(cond) => format!(
            "SELECT 1 AS node, nt.node_id AS id, th.slug AS slug, th.id AS tid FROM node_themes nt \
             JOIN themes th ON th.id = nt.theme_id JOIN nodes ON nodes.id = nt.node_id WHERE {cond} UNION ALL "
        ),
        None => String::new(),
    };
    let sql = format!(
        "SELECT node, id, slug FROM ({node_part}\
         SELECT 0 AS node, tt.target_id AS id, th.slug AS slug, th.id AS tid FROM target_themes tt \
         JOIN themes th ON th.id = tt.theme_id JOIN targets ON targets.id = tt.target_id WHERE {cond}) x \
         ORDER BY node, id, tid",
        cond = set.condition()
    );
    let rows: Vec<TaggedSlug> = diesel::sql_query(sql).load(conn)?;
    let (mut by_node, mut by_target): (HashMap<i64, Vec<String>>, HashMap<i64, Vec<String>>) =
        Default::default();
    for r in rows {
        let map = if r.node == 1 {
            &mut by_node
        } else {
            &mut by_target
        };
        map.entry(r.id).or_default().push(r.slug);
    }
    Ok((by_node, by_target))
}

// ------------------------------------------------------------------------------------------
// The policy level

/// The municipality's policies (internal ones only when asked), in title order.
pub fn policies_of(
    conn: &mut DbConnection,
    municipality_id: i64,
    include_internal: bool,
) -> QueryResult<Vec<PolicyRow>> {
    let mut q = policies::table
        .filter(policies::municipality_id.eq(municipality_id))
        .select(PolicyRow::as_select())
        .order((policies::title.asc(), policies::id.asc()))
        .into_boxed();
    if !include_internal {
        q = q.filter(policies::visibility.eq(Visibility::Public));
    }
    q.load(conn)
}

/// A policy of the municipality: 404 when there is none the caller may see.
pub fn policy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    include_internal: bool,
) -> Result<PolicyRow, ApiError> {
    policies_of_ids(conn, municipality_id, &[id], include_internal)?
        .pop()
        .ok_or_else(|| ApiError::not_found("policy"))
}

fn policies_of_ids(
    conn: &mut DbConnection,
    municipality_id: i64,
    ids: &[i64],
    include_internal: bool,
) -> QueryResult<Vec<PolicyRow>> {
    let mut q = policies::table
        .filter(policies::municipality_id.eq(municipality_id))
        .filter(policies::id.eq_any(ids))
        .select(PolicyRow::as_select())
        .into_boxed();
    if !include_internal {
        q = q.filter(policies::visibility.eq(Visibility::Public));
    }
    q.load(conn)
}

/// The municipality's policy with this key (the seed's name for it).
pub fn policy_id_by_key(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
) -> QueryResult<Option<i64>> {
    policies::table
        .filter(policies::municipality_id.eq(municipality_id))
        .filter(policies::key.eq(key))
        .select(policies::id)
        .first(conn)
        .optional()
}

/// The objectives of these policies, in position order.
pub fn objectives_of(
    conn: &mut DbConnection,
    policy_ids: &[i64],
) -> QueryResult<Vec<ObjectiveRow>> {
    policy_objectives::table
        .filter(policy_objectives::policy_id.eq_any(policy_ids))
        .select(ObjectiveRow::as_select())
        .order((
            policy_objectives::position.asc(),
            policy_objectives::id.asc(),
        ))
        .load(conn)
}

pub fn objective(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<ObjectiveRow, ApiError> {
    policy_objectives::table
        .filter(policy_objectives::municipality_id.eq(municipality_id))
        .filter(policy_objectives::id.eq(id))
        .select(ObjectiveRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("objective"))
}

/// The municipality's objective ids by key (the seed's names for them).
pub fn objective_ids_by_key(
    conn: &mut DbConnection,
    municipality_id: i64,
) -> QueryResult<HashMap<String, i64>> {
    Ok(policy_objectives::table
        .filter(policy_objectives::municipality_id.eq(municipality_id))
        .filter(policy_objectives::key.is_not_null())
        .select((
            policy_objectives::key.assume_not_null(),
            policy_objectives::id,
        ))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Which of `ids` are objectives of the municipality.
pub fn objectives_existing(
    conn: &mut DbConnection,
    municipality_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    policy_objectives::table
        .filter(policy_objectives::municipality_id.eq(municipality_id))
        .filter(policy_objectives::id.eq_any(ids))
        .select(policy_objectives::id)
        .load(conn)
}

/// The nodes serving these objectives: (objective id, strategy id, node id, node title), of
/// public strategies only unless `include_internal`.
pub fn serving_nodes(
    conn: &mut DbConnection,
    objective_ids: &[i64],
    include_internal: bool,
) -> QueryResult<Vec<(i64, i64, i64, String)>> {
    let mut q = node_objectives::table
        .inner_join(nodes::table.inner_join(strategies::table))
        .filter(node_objectives::objective_id.eq_any(objective_ids))
        .select((
            node_objectives::objective_id,
            nodes::strategy_id,
            nodes::id,
            nodes::title,
        ))
        .order((nodes::strategy_id.asc(), nodes::id.asc()))
        .into_boxed();
    if !include_internal {
        q = q.filter(strategies::visibility.eq(Visibility::Public));
    }
    q.load(conn)
}

/// How many nodes serve any of these objectives.
pub fn objectives_served(conn: &mut DbConnection, objective_ids: &[i64]) -> QueryResult<i64> {
    node_objectives::table
        .filter(node_objectives::objective_id.eq_any(objective_ids))
        .count()
        .get_result(conn)
}

/// The objectives each node of these municipalities serves, by node id.
pub fn node_objectives_of(
    conn: &mut DbConnection,
    municipality_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for (node, objective) in node_objectives::table
        .filter(node_objectives::municipality_id.eq_any(municipality_ids))
        .select((node_objectives::node_id, node_objectives::objective_id))
        .order((
            node_objectives::node_id.asc(),
            node_objectives::objective_id.asc(),
        ))
        .load::<(i64, i64)>(conn)?
    {
        out.entry(node).or_default().push(objective);
    }
    Ok(out)
}

/// Replaces the objectives a node serves.
pub fn set_node_objectives(
    conn: &mut DbConnection,
    municipality_id: i64,
    node_id: i64,
    objective_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(node_objectives::table.filter(node_objectives::node_id.eq(node_id)))
        .execute(conn)?;
    for &objective_id in objective_ids {
        diesel::insert_into(node_objectives::table)
            .values((
                node_objectives::node_id.eq(node_id),
                node_objectives::objective_id.eq(objective_id),
                node_objectives::municipality_id.eq(municipality_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_policy(conn: &mut DbConnection, new: &NewPolicyRow) -> QueryResult<PolicyRow> {
    diesel::insert_into(policies::table)
        .values(new)
        .returning(policies::all_columns)
        .get_result(conn)
}

pub fn update_policy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    fields: &PolicyFields,
) -> QueryResult<PolicyRow> {
    diesel::update(
        policies::table
            .filter(policies::municipality_id.eq(municipality_id))
            .filter(policies::id.eq(id)),
    )
    .set(fields)
    .returning(policies::all_columns)
    .get_result(conn)
}

/// Marks a policy changed (one of its objectives was).
pub fn touch_policy(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<PolicyRow> {
    diesel::update(
        policies::table
            .filter(policies::municipality_id.eq(municipality_id))
            .filter(policies::id.eq(id)),
    )
    .set(policies::updated_at.eq(retning_kernel::now()))
    .returning(policies::all_columns)
    .get_result(conn)
}

/// Removes a policy and its objectives (the caller has checked that no node serves them).
pub fn delete_policy(conn: &mut DbConnection, municipality_id: i64, id: i64) -> QueryResult<()> {
    diesel::delete(policy_objectives::table.filter(policy_objectives::policy_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        policies::table
            .filter(policies::municipality_id.eq(municipality_id))
            .filter(policies::id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn insert_objective(
    conn: &mut DbConnection,
    new: &NewObjectiveRow,
) -> QueryResult<ObjectiveRow> {
    diesel::insert_into(policy_objectives::table)
        .values(new)
        .returning(policy_objectives::all_columns)
        .get_result(conn)
}

pub fn next_objective_position(conn: &mut DbConnection, policy_id: i64) -> QueryResult<i32> {
    let max: Option<i32> = policy_objectives::table
        .filter(policy_objectives::policy_id.eq(policy_id))
        .select(diesel::dsl::max(policy_objectives::position))
        .first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

pub fn update_objective(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    changes: &ObjectiveChanges,
) -> QueryResult<ObjectiveRow> {
    diesel::update(
        policy_objectives::table
            .filter(policy_objectives::municipality_id.eq(municipality_id))
            .filter(policy_objectives::id.eq(id)),
    )
    .set(changes)
    .returning(policy_objectives::all_columns)
    .get_result(conn)
}

pub fn delete_objective(conn: &mut DbConnection, municipality_id: i64, id: i64) -> QueryResult<()> {
    diesel::delete(
        policy_objectives::table
            .filter(policy_objectives::municipality_id.eq(municipality_id))
            .filter(policy_objectives::id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Budget figures

/// The figure of a node for a year, if any.
pub fn budget_figure(
    conn: &mut DbConnection,
    municipality_id: i64,
    node_id: i64,
    year: i32,
) -> QueryResult<Option<BudgetFigureRow>> {
    budget_figures::table
        .filter(budget_figures::municipality_id.eq(municipality_id))
        .filter(budget_figures::node_id.eq(node_id))
        .filter(budget_figures::year.eq(year))
        .select(BudgetFigureRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_budget_figure(
    conn: &mut DbConnection,
    new: &NewBudgetFigureRow,
) -> QueryResult<BudgetFigureRow> {
    diesel::insert_into(budget_figures::table)
        .values(new)
        .returning(budget_figures::all_columns)
        .get_result(conn)
}

pub fn update_budget_figure(
    conn: &mut DbConnection,
    id: i64,
    changes: &BudgetFigureChanges,
) -> QueryResult<BudgetFigureRow> {
    diesel::update(budget_figures::table.find(id))
        .set(changes)
        .returning(budget_figures::all_columns)
        .get_result(conn)
}

pub fn delete_budget_figure(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(budget_figures::table.find(id)).execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct NodeIdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    node_id: i64,
}

/// A node among the ancestors or the descendants of `node_id` that has a figure for `year`
/// (the lowest id if several): one statement, walking the tree in SQL both ways.
pub fn nested_budget_figure(
    conn: &mut DbConnection,
    municipality_id: i64,
    node_id: i64,
    year: i32,
) -> QueryResult<Option<i64>> {
    let sql = "WITH RECURSIVE up(id) AS (\
                 SELECT parent_id FROM nodes WHERE id = $1 \
                 UNION ALL SELECT n.parent_id FROM nodes n JOIN up ON n.id = up.id\
               ), down(id) AS (\
                 SELECT id FROM nodes WHERE parent_id = $1 \
                 UNION ALL SELECT n.id FROM nodes n JOIN down ON n.parent_id = down.id\
               ) \
               SELECT b.node_id AS node_id FROM budget_figures b \
               WHERE b.year = $2 AND b.municipality_id = $3 \
                 AND (b.node_id IN (SELECT id FROM up) OR b.node_id IN (SELECT id FROM down)) \
               ORDER BY b.node_id LIMIT 1";
    let rows: Vec<NodeIdRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(node_id)
        .bind::<diesel::sql_types::Integer, _>(year)
        .bind::<diesel::sql_types::BigInt, _>(municipality_id)
        .load(conn)?;
    Ok(rows.into_iter().next().map(|r| r.node_id))
}

/// A strategy's figures in the years `from..=to` with their nodes' titles, by year and node.
pub fn strategy_budget_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    strategy_id: i64,
    from: i32,
    to: i32,
) -> QueryResult<Vec<(BudgetFigureRow, String)>> {
    budget_figures::table
        .inner_join(nodes::table)
        .filter(budget_figures::municipality_id.eq(municipality_id))
        .filter(budget_figures::strategy_id.eq(strategy_id))
        .filter(budget_figures::year.between(from, to))
        .order((budget_figures::year.asc(), budget_figures::node_id.asc()))
        .select((BudgetFigureRow::as_select(), nodes::title))
        .load(conn)
}

/// A strategy's figures added up per year, in SQL (`from..=to`).
#[derive(Debug, QueryableByName)]
pub struct BudgetTotalRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub year: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub budget_dkk: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub spend_dkk: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub areas: i64,
}

pub fn strategy_budget_totals(
    conn: &mut DbConnection,
    municipality_id: i64,
    strategy_id: i64,
    from: i32,
    to: i32,
) -> QueryResult<Vec<BudgetTotalRow>> {
    let sql = "SELECT b.year AS year, CAST(SUM(b.budget_dkk) AS BIGINT) AS budget_dkk, \
               CAST(SUM(b.spend_dkk) AS BIGINT) AS spend_dkk, CAST(COUNT(*) AS BIGINT) AS areas \
               FROM budget_figures b WHERE b.municipality_id = $1 AND b.strategy_id = $2 \
               AND b.year BETWEEN $3 AND $4 GROUP BY b.year ORDER BY b.year";
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(municipality_id)
        .bind::<diesel::sql_types::BigInt, _>(strategy_id)
        .bind::<diesel::sql_types::Integer, _>(from)
        .bind::<diesel::sql_types::Integer, _>(to)
        .load(conn)
}

#[derive(QueryableByName)]
struct AmountRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    amount: Option<i64>,
}

/// What the municipality spent in a year by the budget figures of its public strategies: per
/// figure its spend, else its budget, summed in SQL; `None` when the year has no figure.
pub fn public_spend_of_year(
    conn: &mut DbConnection,
    municipality_id: i64,
    year: i32,
) -> QueryResult<Option<i64>> {
    let sql = "SELECT CAST(SUM(COALESCE(b.spend_dkk, b.budget_dkk)) AS BIGINT) AS amount \
               FROM budget_figures b JOIN strategies s ON s.id = b.strategy_id \
               WHERE b.municipality_id = $1 AND b.year = $2 AND s.visibility = $3";
    let rows: Vec<AmountRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(municipality_id)
        .bind::<diesel::sql_types::Integer, _>(year)
        .bind::<diesel::sql_types::Text, _>(Visibility::Public.as_str())
        .load(conn)?;
    Ok(rows.into_iter().next().and_then(|r| r.amount))
}

// ------------------------------------------------------------------------------------------
// Initiatives

/// Which initiatives a view shows, as a condition over the `initiatives` table (built from
/// numbers only, never input).
#[derive(Debug, Clone, Copy)]
pub enum Initiatives {
    /// One strategy's.
    OfStrategy(i64),
    /// One.
    One(i64),
}

impl Initiatives {
    pub fn condition(&self) -> String {
        match *self {
            Initiatives::OfStrategy(id) => format!("initiatives.strategy_id = {id}"),
            Initiatives::One(id) => format!("initiatives.id = {id}"),
        }
    }
}

/// The chosen initiatives, in node and position order.
pub fn initiatives_where(
    conn: &mut DbConnection,
    set: Initiatives,
) -> QueryResult<Vec<InitiativeRow>> {
    initiatives::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            &set.condition(),
        ))
        .select(InitiativeRow::as_select())
        .order((
            initiatives::node_id.asc(),
            initiatives::position.asc(),
            initiatives::id.asc(),
        ))
        .load(conn)
}

/// Per chosen initiative, its latest follow-up dated on or before `as_of`: one statement, each
/// found by a seek on the (initiative, date) index, however many follow-ups there are.
pub fn latest_updates(
    conn: &mut DbConnection,
    set: Initiatives,
    as_of: NaiveDate,
) -> QueryResult<HashMap<i64, InitiativeUpdateRow>> {
    let sql = format!(
        "SELECT * FROM initiative_updates WHERE id IN (SELECT (SELECT u2.id FROM initiative_updates u2 \
         WHERE u2.initiative_id = initiatives.id AND u2.date <= $1 ORDER BY u2.date DESC LIMIT 1) \
         FROM initiatives WHERE {})",
        set.condition()
    );
    let rows: Vec<InitiativeUpdateRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .load(conn)?;
    Ok(rows.into_iter().map(|u| (u.initiative_id, u)).collect())
}

#[derive(Debug, Clone, QueryableByName)]
struct InitiativeLink {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    programme: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The linked target ids (ascending) and programme short names (alphabetical) of the chosen
/// initiatives, by initiative id, in one statement.
#[allow(clippy::type_complexity)]
pub fn initiative_links(
    conn: &mut DbConnection,
    set: Initiatives,
) -> QueryResult<(HashMap<i64, Vec<i64>>, HashMap<i64, Vec<String>>)> {
    let cond = set.condition();
    let sql = format!(
        "SELECT programme, id, value FROM (\
         SELECT 0 AS programme, it.initiative_id AS id, CAST(it.target_id AS TEXT) AS value \
         FROM initiative_targets it JOIN initiatives ON initiatives.id = it.initiative_id WHERE {cond} \
         UNION ALL \
         SELECT 1 AS programme, ip.initiative_id AS id, ip.programme AS value \
         FROM initiative_programmes ip JOIN initiatives ON initiatives.id = ip.initiative_id WHERE {cond}) x \
         ORDER BY programme, id, value"
    );
    let rows: Vec<InitiativeLink> = diesel::sql_query(sql).load(conn)?;
    let (mut targets, mut programmes): (HashMap<i64, Vec<i64>>, HashMap<i64, Vec<String>>) =
        Default::default();
    for r in rows {
        if r.programme == 1 {
            programmes.entry(r.id).or_default().push(r.value);
        } else if let Ok(t) = r.value.parse() {
            targets.entry(r.id).or_default().push(t);
        }
    }
    for ids in targets.values_mut() {
        ids.sort_unstable();
    }
    Ok((targets, programmes))
}

pub fn initiative(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<InitiativeRow, ApiError> {
    initiatives::table
        .filter(initiatives::municipality_id.eq(municipality_id))
        .filter(initiatives::id.eq(id))
        .select(InitiativeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("initiative"))
}

/// The ids among `ids` that are targets of the strategy.
pub fn targets_of_strategy_among(
    conn: &mut DbConnection,
    strategy_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    targets::table
        .filter(targets::strategy_id.eq(strategy_id))
        .filter(targets::id.eq_any(ids))
        .select(targets::id)
        .load(conn)
}

pub fn next_initiative_position(conn: &mut DbConnection, node_id: i64) -> QueryResult<i32> {
    let max: Option<i32> = initiatives::table
        .filter(initiatives::node_id.eq(node_id))
        .select(diesel::dsl::max(initiatives::position))
        .first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

pub fn insert_initiative(
    conn: &mut DbConnection,
    new: &NewInitiativeRow,
) -> QueryResult<InitiativeRow> {
    diesel::insert_into(initiatives::table)
        .values(new)
        .returning(initiatives::all_columns)
        .get_result(conn)
}

/// Writes an initiative's fields (not its node, position or links).
pub fn update_initiative(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    changes: &InitiativeChanges,
) -> QueryResult<InitiativeRow> {
    diesel::update(
        initiatives::table
            .find(id)
            .filter(initiatives::municipality_id.eq(municipality_id)),
    )
    .set(changes)
    .returning(initiatives::all_columns)
    .get_result(conn)
}

/// Replaces an initiative's linked targets and programmes.
pub fn set_initiative_links(
    conn: &mut DbConnection,
    municipality_id: i64,
    initiative_id: i64,
    target_ids: &[i64],
    programmes: &[String],
) -> QueryResult<()> {
    diesel::delete(
        initiative_targets::table.filter(initiative_targets::initiative_id.eq(initiative_id)),
    )
    .execute(conn)?;
    diesel::delete(
        initiative_programmes::table.filter(initiative_programmes::initiative_id.eq(initiative_id)),
    )
    .execute(conn)?;
    for &target_id in target_ids {
        diesel::insert_into(initiative_targets::table)
            .values(&InitiativeTargetRow {
                initiative_id,
                target_id,
                municipality_id,
            })
            .execute(conn)?;
    }
    for programme in programmes {
        diesel::insert_into(initiative_programmes::table)
            .values(&InitiativeProgrammeRow {
                initiative_id,
                programme: programme.clone(),
                municipality_id,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes an initiative with its links and follow-ups.
pub fn delete_initiative(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<()> {
    set_initiative_links(conn, municipality_id, id, &[], &[])?;
    diesel::delete(initiative_updates::table.filter(initiative_updates::initiative_id.eq(id)))
        .execute(conn)?;
    diesel::delete(
        initiatives::table
            .find(id)
            .filter(initiatives::municipality_id.eq(municipality_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// An initiative's follow-ups in date order.
pub fn initiative_updates_of(
    conn: &mut DbConnection,
    initiative_id: i64,
) -> QueryResult<Vec<InitiativeUpdateRow>> {
    initiative_updates::table
        .filter(initiative_updates::initiative_id.eq(initiative_id))
        .select(InitiativeUpdateRow::as_select())
        .order(initiative_updates::date.asc())
        .load(conn)
}

pub fn initiative_update(
    conn: &mut DbConnection,
    initiative_id: i64,
    date: NaiveDate,
) -> QueryResult<Option<InitiativeUpdateRow>> {
    initiative_updates::table
        .filter(initiative_updates::initiative_id.eq(initiative_id))
        .filter(initiative_updates::date.eq(date))
        .select(InitiativeUpdateRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_initiative_update(
    conn: &mut DbConnection,
    new: &NewInitiativeUpdateRow,
) -> QueryResult<InitiativeUpdateRow> {
    diesel::insert_into(initiative_updates::table)
        .values(new)
        .returning(initiative_updates::all_columns)
        .get_result(conn)
}

pub fn replace_initiative_update(
    conn: &mut DbConnection,
    id: i64,
    changes: &InitiativeUpdateChanges,
) -> QueryResult<InitiativeUpdateRow> {
    diesel::update(initiative_updates::table.find(id))
        .set(changes)
        .returning(initiative_updates::all_columns)
        .get_result(conn)
}

pub fn delete_initiative_update(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(initiative_updates::table.find(id)).execute(conn)?;
    Ok(())
}
