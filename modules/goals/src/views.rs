//! Views that need more than their row (each still built by its `from_row` in `dto`): targets
//! with their derived figures, in a fixed number of queries for any number of targets (themes,
//! units, measurements: one each; computed indicators: one call per indicator and date), the
//! tree, the comparison, and the related rows a single view shows (parents, follow-ups, themes).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::{ApiError, DbConnection, Principal};

use crate::dto::*;
use crate::model::*;
use crate::progress::{self, Assessment, Point, Spec};
use crate::{ops, repo};

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
        id.and_then(|id| self.units.get(&id))
            .map(|u| UnitRef::from_row(u.clone()))
    }

    pub fn slugs(&self, ids: Option<&Vec<i64>>) -> Vec<String> {
        ids.map(|ids| {
            ids.iter()
                .filter_map(|id| self.themes.get(id).cloned())
                .collect()
        })
        .unwrap_or_default()
    }

    /// A node with its unit and themes (`themes`: theme ids by node id).
    pub fn node_view(&self, row: NodeRow, themes: &HashMap<i64, Vec<i64>>) -> NodeView {
        let unit = self.unit_ref(row.unit_id);
        let slugs = self.slugs(themes.get(&row.id));
        NodeView::from_row(row, unit, slugs)
    }
}

/// The themes with their parents' slugs (every theme's parent is among them).
pub fn theme_views(rows: Vec<ThemeRow>) -> Vec<ThemeView> {
    let slugs: HashMap<i64, String> = rows.iter().map(|r| (r.id, r.slug.clone())).collect();
    rows.into_iter()
        .map(|r| {
            let parent = r.parent_id.and_then(|p| slugs.get(&p).cloned());
            ThemeView::from_row(r, parent)
        })
        .collect()
}

/// One theme with its parent's slug.
pub fn theme_view(conn: &mut DbConnection, row: ThemeRow) -> Result<ThemeView, ApiError> {
    let parent = match row.parent_id {
        Some(p) => repo::theme_slug(conn, p)?,
        None => None,
    };
    Ok(ThemeView::from_row(row, parent))
}

/// A municipality's units with their parents' keys.
pub fn unit_views(rows: Vec<UnitRow>) -> Vec<UnitView> {
    let keys: HashMap<i64, String> = rows.iter().map(|r| (r.id, r.key.clone())).collect();
    rows.into_iter()
        .map(|r| {
            let parent = r.parent_id.and_then(|p| keys.get(&p).cloned());
            UnitView::from_row(r, parent)
        })
        .collect()
}

/// A strategy with its follow-ups.
pub fn strategy_view(
    conn: &mut DbConnection,
    row: StrategyRow,
    municipality: &str,
) -> Result<StrategyView, ApiError> {
    let follow_ups = repo::follow_ups(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(StrategyView::from_row(row, municipality, follow_ups))
}

/// A node with its unit and themes.
pub fn node_view(
    conn: &mut DbConnection,
    municipality_id: i64,
    row: NodeRow,
) -> Result<NodeView, ApiError> {
    let lookup = Lookup::load(conn, &[municipality_id])?;
    let themes = repo::node_themes_of(conn, &[row.id])?;
    Ok(lookup.node_view(row, &themes))
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The date a view is judged as of: the one asked for, or today.
pub fn as_of(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(today)
}

fn spec(row: &TargetRow) -> Spec {
    Spec {
        direction: row.direction,
        baseline_value: row.baseline_value,
        baseline_date: row.baseline_date,
        target_value: row.target_value,
        deadline: row.deadline,
        frequency: row.frequency,
        created_on: row.created_at.date(),
    }
}

/// For computed targets: the dates their value is computed for (the judged date, and one
/// interval earlier for the trend).
fn computed_dates(row: &TargetRow, as_of: NaiveDate) -> [NaiveDate; 2] {
    let at = row.deadline.map_or(as_of, |d| d.min(as_of));
    let days = row.frequency.interval_days().unwrap_or(365);
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
    for row in rows.iter().filter(|r| r.source == Source::Computed) {
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
            if row.source == Source::Computed {
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
        let latest = derived.current.map(|p| LatestValue {
            date: p.date,
            value: p.value,
            note: notes.get(&p.date).cloned().flatten(),
            computed: row.source == Source::Computed,
        });
        let derived = progress::Derived {
            progress: derived.progress.map(round2),
            progress_unclamped: derived.progress_unclamped.map(round2),
            ..derived
        };
        out.push(TargetView::from_row(
            row.clone(),
            lookup.unit_ref(row.owner_unit_id),
            lookup.slugs(themes.get(&row.id)),
            latest,
            derived,
        ));
    }
    Ok(out)
}

/// The view of one target.
pub fn target_view(
    conn: &mut DbConnection,
    lookup: &Lookup,
    indicators: &IndicatorRegistry,
    row: TargetRow,
    as_of: NaiveDate,
) -> Result<TargetView, ApiError> {
    target_views(conn, lookup, indicators, &[row], as_of)?
        .pop()
        .ok_or_else(|| ApiError::internal("target view missing"))
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
                        node: lookup.node_view((*n).clone(), themes),
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
    row: StrategyRow,
    indicators: &IndicatorRegistry,
    as_of: NaiveDate,
) -> Result<StrategyTree, ApiError> {
    let id = row.id;
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
        strategy: StrategyView::from_row(row, &m.slug, follow_ups),
        as_of,
        nodes: tree_nodes,
        counts,
    })
}

/// Per municipality, the nodes and targets on a theme (directly, or targets on a node with it),
/// with progress and assessment: public strategies, plus the caller's own internal ones.
pub fn comparison(
    conn: &mut DbConnection,
    who: &Principal,
    indicators: &IndicatorRegistry,
    theme_slug: &str,
    municipalities: Option<&str>,
    as_of: NaiveDate,
) -> Result<Comparison, ApiError> {
    // Public aggregates across municipalities: computed indicators read every
    // municipality's measures, and show only what any visitor may see.
    retning_kernel::db::scope_to_platform(conn)?;
    let theme = repo::theme_by_slug(conn, theme_slug)?.ok_or_else(|| {
        ApiError::field(
            "theme",
            "unknown_theme",
            "is not a theme (see GET /api/v1/themes)",
        )
    })?;
    let theme_id = theme.id;
    let theme = theme_view(conn, theme)?;
    let ms = ops::municipalities_for(conn, municipalities)?;
    let strategies = ops::visible_strategies(conn, who, &ms)?;
    let strategy_ids: Vec<i64> = strategies.iter().map(|s| s.id).collect();
    let titles: HashMap<i64, &str> = strategies
        .iter()
        .map(|s| (s.id, s.title.as_str()))
        .collect();
    let lookup = Lookup::load(conn, &ms.iter().map(|m| m.id).collect::<Vec<_>>())?;
    let nodes = repo::nodes_on_theme(conn, &strategy_ids, theme_id)?;
    let node_ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
    let node_themes = repo::node_themes_of(conn, &node_ids)?;
    let chosen = repo::targets_on_theme(conn, &strategy_ids, theme_id)?;
    let target_views = target_views(conn, &lookup, indicators, &chosen, as_of)?;
    let municipalities = ms
        .iter()
        .map(|m| MunicipalityComparison {
            municipality: MunicipalityRef {
                slug: m.slug.clone(),
                name: m.name.clone(),
            },
            nodes: nodes
                .iter()
                .filter(|n| n.municipality_id == m.id)
                .map(|n| ComparedNode {
                    strategy_id: n.strategy_id,
                    strategy_title: titles
                        .get(&n.strategy_id)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    node: lookup.node_view(n.clone(), &node_themes),
                })
                .collect(),
            targets: target_views
                .iter()
                .zip(&chosen)
                .filter(|(_, row)| row.municipality_id == m.id)
                .map(|(t, _)| ComparedTarget {
                    strategy_title: titles
                        .get(&t.strategy_id)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    target: t.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Comparison {
        theme,
        as_of,
        municipalities,
    })
}

/// Each municipality's targets counted by assessment (public strategies, plus the caller's own).
pub fn overview(
    conn: &mut DbConnection,
    who: &Principal,
    indicators: &IndicatorRegistry,
    as_of: NaiveDate,
) -> Result<Overview, ApiError> {
    // Public aggregates across municipalities: computed indicators read every
    // municipality's measures, and show only what any visitor may see.
    retning_kernel::db::scope_to_platform(conn)?;
    let ms = ops::municipalities_for(conn, None)?;
    let strategies = ops::visible_strategies(conn, who, &ms)?;
    let strategy_ids: Vec<i64> = strategies.iter().map(|s| s.id).collect();
    let lookup = Lookup::load(conn, &ms.iter().map(|m| m.id).collect::<Vec<_>>())?;
    let rows = repo::targets_of_strategies(conn, &strategy_ids)?;
    let targets = target_views(conn, &lookup, indicators, &rows, as_of)?;
    let municipalities = ms
        .iter()
        .map(|m| {
            let mut by_assessment: BTreeMap<String, usize> = Assessment::ALL
                .iter()
                .map(|a| (a.as_str().to_owned(), 0))
                .collect();
            let mine: Vec<_> = targets
                .iter()
                .zip(&rows)
                .filter(|(_, r)| r.municipality_id == m.id)
                .map(|(t, _)| t)
                .collect();
            for t in &mine {
                *by_assessment
                    .entry(t.assessment.as_str().to_owned())
                    .or_insert(0) += 1;
            }
            MunicipalityOverview {
                municipality: MunicipalityRef {
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                },
                strategies: strategies
                    .iter()
                    .filter(|s| s.municipality_id == m.id)
                    .count(),
                targets: mine.len(),
                stale: mine.iter().filter(|t| t.stale).count(),
                by_assessment,
            }
        })
        .collect();
    Ok(Overview {
        as_of,
        municipalities,
    })
}
