//! Rows to views: a fixed number of queries for any number of targets (themes, units,
//! measurements: one each; computed indicators: one call per indicator and date).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::{ApiError, DbConnection, Timestamp};

use crate::dto::*;
use crate::model::*;
use crate::progress::{self, Point, Spec};
use crate::repo;

/// Theme slugs and unit names, loaded once per request.
pub struct Lookup {
    pub themes: HashMap<i64, String>,
    pub units: HashMap<i64, UnitRow>,
}

impl Lookup {
    pub fn load(conn: &mut DbConnection, municipality_ids: &[i64]) -> Result<Self, ApiError> {
        let themes = repo::theme_slugs(conn)?;
        let units = repo::units_of(conn, municipality_ids)?;
        Ok(Self {
            themes,
            units: units.into_iter().map(|u| (u.id, u)).collect(),
        })
    }

    pub fn unit_ref(&self, id: Option<i64>) -> Option<UnitRef> {
        id.and_then(|id| self.units.get(&id)).map(|u| UnitRef {
            key: u.key.clone(),
            name: u.name.clone(),
        })
    }

    pub fn slugs(&self, ids: Option<&Vec<i64>>) -> Vec<String> {
        ids.map(|ids| {
            ids.iter()
                .filter_map(|id| self.themes.get(id).cloned())
                .collect()
        })
        .unwrap_or_default()
    }
}

/// A theme with its parent's slug.
pub fn theme_view(conn: &mut DbConnection, row: ThemeRow) -> Result<ThemeView, ApiError> {
    let parent = match row.parent_id {
        Some(p) => repo::theme_slug(conn, p)?,
        None => None,
    };
    Ok(ThemeView {
        slug: row.slug,
        name: row.name,
        description: row.description,
        kind: row.kind,
        parent,
    })
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The date a view is judged as of: the one asked for, or today.
pub fn as_of(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(today)
}

pub fn strategy_view(
    row: StrategyRow,
    municipality: &str,
    follow_ups: Vec<FollowUpRow>,
) -> StrategyView {
    StrategyView {
        id: row.id,
        municipality: municipality.to_owned(),
        visibility: Visibility::parse(&row.visibility),
        title: row.title,
        summary: row.summary,
        status: row.status,
        period_start: row.period_start,
        period_end: row.period_end,
        adopted_by: row.adopted_by,
        adopted_on: row.adopted_on,
        source: SourceRef {
            file: row.source_file,
            title: row.source_title,
            published: row.source_published,
            notes: row.source_notes,
        },
        level_names: serde_json::from_str(&row.level_names).unwrap_or_default(),
        follow_up_rhythm: row.follow_up_rhythm,
        follow_ups: follow_ups
            .into_iter()
            .map(|f| FollowUp {
                date: f.date,
                label: f.label,
            })
            .collect(),
        created_at: Timestamp(row.created_at),
        updated_at: Timestamp(row.updated_at),
        archived_at: row.archived_at.map(Timestamp),
    }
}

pub fn node_view(row: &NodeRow, lookup: &Lookup, themes: Option<&Vec<i64>>) -> NodeView {
    NodeView {
        id: row.id,
        strategy_id: row.strategy_id,
        parent_id: row.parent_id,
        position: row.position,
        kind: row.kind.clone(),
        code: row.code.clone(),
        title: row.title.clone(),
        body: row.body.clone(),
        unit: lookup.unit_ref(row.unit_id),
        themes: lookup.slugs(themes),
    }
}

fn spec(row: &TargetRow) -> Spec {
    Spec {
        direction: parse_direction(&row.direction),
        baseline_value: row.baseline_value,
        baseline_date: row.baseline_date,
        target_value: row.target_value,
        deadline: row.deadline,
        frequency: parse_frequency(&row.frequency),
        created_on: row.created_at.date(),
    }
}

/// For computed targets: the dates their value is computed for (the judged date, and one
/// interval earlier for the trend).
fn computed_dates(row: &TargetRow, as_of: NaiveDate) -> [NaiveDate; 2] {
    let at = row.deadline.map_or(as_of, |d| d.min(as_of));
    let days = parse_frequency(&row.frequency)
        .interval_days()
        .unwrap_or(365);
    [at - Duration::days(days), at]
}

/// Builds the views of these targets; the order of `rows` is kept.
pub fn target_views(
    conn: &mut DbConnection,
    lookup: &Lookup,
    indicators: &IndicatorRegistry,
    rows: &[TargetRow],
    as_of: NaiveDate,
) -> Result<Vec<TargetView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let themes = repo::target_themes_of(conn, &ids)?;
    let measured = repo::current_measurements(conn, &ids)?;

    // One computation per (indicator, municipality, date), however many targets share it.
    let mut computed: HashMap<(String, i64, NaiveDate), Option<f64>> = HashMap::new();
    for row in rows.iter().filter(|r| r.source == "computed") {
        let Some(key) = &row.computed_indicator else {
            continue;
        };
        let Some(indicator) = indicators.get(key) else {
            continue;
        };
        for date in computed_dates(row, as_of) {
            let k = (key.clone(), row.municipality_id, date);
            if let std::collections::hash_map::Entry::Vacant(e) = computed.entry(k) {
                let value = indicator.compute(conn, row.municipality_id, date)?;
                e.insert(value);
            }
        }
    }

    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let spec = spec(row);
        let (points, notes): (Vec<Point>, HashMap<NaiveDate, Option<String>>) =
            if row.source == "computed" {
                let key = row.computed_indicator.clone().unwrap_or_default();
                let points = computed_dates(row, as_of)
                    .into_iter()
                    .filter_map(|date| {
                        computed
                            .get(&(key.clone(), row.municipality_id, date))
                            .copied()
                            .flatten()
                            .map(|value| Point { date, value })
                    })
                    .collect();
                (points, HashMap::new())
            } else {
                let ms = measured.get(&row.id).map(Vec::as_slice).unwrap_or_default();
                (
                    ms.iter()
                        .map(|m| Point {
                            date: m.date,
                            value: m.value,
                        })
                        .collect(),
                    ms.iter().map(|m| (m.date, m.note.clone())).collect(),
                )
            };
        let derived = progress::derive(&spec, &points, as_of);
        out.push(TargetView {
            id: row.id,
            strategy_id: row.strategy_id,
            node_id: row.node_id,
            title: row.title.clone(),
            indicator: row.indicator.clone(),
            unit: Unit::parse(&row.unit).unwrap_or(Unit::Count),
            direction: spec.direction,
            baseline_value: row.baseline_value,
            baseline_date: row.baseline_date,
            target_value: row.target_value,
            deadline: row.deadline,
            frequency: spec.frequency,
            owner_unit: lookup.unit_ref(row.owner_unit_id),
            source: if row.source == "computed" {
                Source::Computed
            } else {
                Source::Manual
            },
            computed_indicator: row.computed_indicator.clone(),
            themes: lookup.slugs(themes.get(&row.id)),
            latest: derived.current.map(|p| LatestValue {
                date: p.date,
                value: p.value,
                note: notes.get(&p.date).cloned().flatten(),
                computed: row.source == "computed",
            }),
            progress: derived.progress.map(round2),
            progress_unclamped: derived.progress_unclamped.map(round2),
            assessment: derived.assessment,
            trend: derived.trend,
            stale: derived.stale,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        });
    }
    Ok(out)
}

fn round2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    // No "-0.0" in responses.
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Assembles the tree: children in position order, targets on their nodes.
pub fn build_tree(
    nodes: &[NodeRow],
    node_themes: &HashMap<i64, Vec<i64>>,
    targets: Vec<TargetView>,
    lookup: &Lookup,
) -> Vec<TreeNode> {
    let mut targets_by_node: HashMap<i64, Vec<TargetView>> = HashMap::new();
    for t in targets {
        targets_by_node.entry(t.node_id).or_default().push(t);
    }
    let mut children: HashMap<Option<i64>, Vec<&NodeRow>> = HashMap::new();
    for n in nodes {
        children.entry(n.parent_id).or_default().push(n);
    }
    fn build(
        parent: Option<i64>,
        children: &HashMap<Option<i64>, Vec<&NodeRow>>,
        targets: &mut HashMap<i64, Vec<TargetView>>,
        themes: &HashMap<i64, Vec<i64>>,
        lookup: &Lookup,
        depth: usize,
    ) -> Vec<TreeNode> {
        // Parents are checked on write, so the tree is finite; the depth guard is belt and braces.
        if depth > 64 {
            return Vec::new();
        }
        children
            .get(&parent)
            .map(|kids| {
                kids.iter()
                    .map(|n| TreeNode {
                        node: node_view(n, lookup, themes.get(&n.id)),
                        targets: targets.remove(&n.id).unwrap_or_default(),
                        children: build(Some(n.id), children, targets, themes, lookup, depth + 1),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    build(
        None,
        &children,
        &mut targets_by_node,
        node_themes,
        lookup,
        0,
    )
}

/// A strategy with its whole tree, as of a date: a fixed number of queries whatever its size
/// (strategy, follow-ups, themes, units, nodes, node themes, targets, target themes,
/// measurements, plus one computation per computed indicator and date).
pub fn strategy_tree(
    conn: &mut DbConnection,
    m: &retning_kernel::tenancy::Municipality,
    id: i64,
    include_internal: bool,
    indicators: &IndicatorRegistry,
    as_of: NaiveDate,
) -> Result<StrategyTree, ApiError> {
    let row = repo::strategy(conn, m.id, id, include_internal)?;
    let follow_ups = repo::follow_ups(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let lookup = Lookup::load(conn, &[m.id])?;
    let nodes = repo::nodes_of_strategies(conn, &[id])?;
    let node_ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
    let node_themes = repo::node_themes_of(conn, &node_ids)?;
    let target_rows = repo::targets_of_strategies(conn, &[id])?;
    let targets = target_views(conn, &lookup, indicators, &target_rows, as_of)?;
    let mut by_kind = std::collections::BTreeMap::new();
    for n in &nodes {
        *by_kind.entry(n.kind.clone()).or_insert(0) += 1;
    }
    let counts = TreeCounts {
        nodes: nodes.len(),
        targets: targets.len(),
        nodes_by_kind: by_kind,
    };
    let tree_nodes = build_tree(&nodes, &node_themes, targets, &lookup);
    Ok(StrategyTree {
        strategy: strategy_view(row, &m.slug, follow_ups),
        as_of,
        nodes: tree_nodes,
        counts,
    })
}
