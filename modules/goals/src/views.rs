//! Views that need more than their row (each still built by its `from_row` in `dto`): targets
//! with their derived figures, in a fixed number of queries for any number of targets (themes,
//! units, measurements: one each; computed indicators: one call per indicator and date), the
//! tree, the comparison, and the related rows a single view shows (parents, follow-ups, themes).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::text_enum::TextEnum;
use retning_kernel::{ApiError, DbConnection, Principal, Timestamp};

use crate::dto::*;
use crate::model::*;
use crate::progress::{self, Assessment, Point, Spec};
use crate::{ops, repo};

/// Unit names, loaded once per request.
pub struct Lookup {
    pub units: HashMap<i64, UnitRow>,
}

impl Lookup {
    pub fn load(conn: &mut DbConnection, municipality_ids: &[i64]) -> Result<Self, ApiError> {
        let units = repo::units_of(conn, municipality_ids)?;
        Ok(Self {
            units: units.into_iter().map(|u| (u.id, u)).collect(),
        })
    }

    pub fn unit_ref(&self, id: Option<i64>) -> Option<UnitRef> {
        id.and_then(|id| self.units.get(&id))
            .map(|u| UnitRef::from_row(u.clone()))
    }

    /// A node with its unit, themes and the objectives it serves (`themes`: theme slugs,
    /// `serves`: objective ids, by node id; see `repo::node_objectives_of`).
    pub fn node_view(
        &self,
        row: NodeRow,
        themes: &HashMap<i64, Vec<String>>,
        serves: &HashMap<i64, Vec<i64>>,
    ) -> NodeView {
        let unit = self.unit_ref(row.unit_id);
        let slugs = themes.get(&row.id).cloned().unwrap_or_default();
        let serves = serves.get(&row.id).cloned().unwrap_or_default();
        NodeView {
            serves,
            ..NodeView::from_row(row, unit, slugs)
        }
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
    let (themes, _) = repo::theme_slugs_of(
        conn,
        Some(&format!("nodes.id = {}", row.id)),
        repo::Targets::Ids(&[]),
    )?;
    let serves = repo::node_objectives_of(conn, &[municipality_id])?;
    Ok(lookup.node_view(row, &themes, &serves))
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

/// Builds the views of these targets (`rows`, chosen by `set`); the order of `rows` is kept.
/// Three statements whatever their number (themes, latest values, data versions when a target
/// is computed), and computed values from the cache while their municipality's data is unchanged.
pub fn target_views(
    conn: &mut DbConnection,
    lookup: &Lookup,
    indicators: &IndicatorRegistry,
    rows: &[TargetRow],
    set: repo::Targets<'_>,
    as_of: NaiveDate,
) -> Result<Vec<TargetView>, ApiError> {
    let (_, themes) = repo::theme_slugs_of(conn, None, set)?;
    judge(conn, lookup, indicators, rows, set, &themes, as_of)
}

/// [`target_views`] with the targets' theme slugs already loaded.
pub fn judge(
    conn: &mut DbConnection,
    lookup: &Lookup,
    indicators: &IndicatorRegistry,
    rows: &[TargetRow],
    set: repo::Targets<'_>,
    themes: &HashMap<i64, Vec<String>>,
    as_of: NaiveDate,
) -> Result<Vec<TargetView>, ApiError> {
    let computed = computed_values(conn, indicators, rows, as_of)?;
    let measured = if rows.iter().any(|r| r.source != Source::Computed) {
        repo::latest_points(conn, set, as_of)?
    } else {
        HashMap::new()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (derived, latest) = derive(row, &measured, &computed, as_of);
        out.push(TargetView::from_row(
            row.clone(),
            lookup.unit_ref(row.owner_unit_id),
            themes.get(&row.id).cloned().unwrap_or_default(),
            latest,
            derived,
        ));
    }
    Ok(out)
}

type Computed = HashMap<(String, i64, NaiveDate), Option<f64>>;

/// One value per (indicator, municipality, date), however many targets share it: from the
/// cache while the municipality's data version is unchanged (one statement reads the versions),
/// else computed and kept.
fn computed_values(
    conn: &mut DbConnection,
    indicators: &IndicatorRegistry,
    rows: &[TargetRow],
    as_of: NaiveDate,
) -> Result<Computed, ApiError> {
    let mut computed: Computed = HashMap::new();
    let mut versions = None;
    for row in rows.iter().filter(|r| r.source == Source::Computed) {
        let Some(key) = &row.computed_indicator else {
            continue;
        };
        for date in computed_dates(row, as_of) {
            let k = (key.clone(), row.municipality_id, date);
            if computed.contains_key(&k) {
                continue;
            }
            let versions = match &mut versions {
                Some(v) => v,
                None => versions.insert(retning_kernel::versions::Versions::read(conn)?),
            };
            let value = indicators.value(conn, versions, key, row.municipality_id, date)?;
            computed.insert(k, value);
        }
    }
    Ok(computed)
}

/// Progress, assessment, trend and staleness of one target, and the value it is judged by.
fn derive(
    row: &TargetRow,
    measured: &HashMap<i64, Vec<repo::LatestPoint>>,
    computed: &Computed,
    as_of: NaiveDate,
) -> (progress::Derived, Option<LatestValue>) {
    let spec = spec(row);
    let (points, notes): (Vec<Point>, Vec<(NaiveDate, Option<String>)>) =
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
            (points, Vec::new())
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
        note: notes
            .iter()
            .find(|(d, _)| *d == p.date)
            .and_then(|(_, n)| n.clone()),
        computed: row.source == Source::Computed,
    });
    let derived = progress::Derived {
        progress: derived.progress.map(round2),
        progress_unclamped: derived.progress_unclamped.map(round2),
        ..derived
    };
    (derived, latest)
}

/// The view of one target.
pub fn target_view(
    conn: &mut DbConnection,
    lookup: &Lookup,
    indicators: &IndicatorRegistry,
    row: TargetRow,
    as_of: NaiveDate,
) -> Result<TargetView, ApiError> {
    let id = row.id;
    target_views(
        conn,
        lookup,
        indicators,
        &[row],
        repo::Targets::Ids(&[id]),
        as_of,
    )?
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

/// Builds the views of the chosen initiatives (in node and position order) with their status
/// as of a date: three statements whatever their number (the initiatives, their latest
/// follow-ups, their links).
pub fn initiative_views(
    conn: &mut DbConnection,
    lookup: &Lookup,
    set: repo::Initiatives,
    as_of: NaiveDate,
) -> Result<Vec<InitiativeView>, ApiError> {
    let rows = repo::initiatives_where(conn, set)?;
    let mut latest = repo::latest_updates(conn, set, as_of)?;
    let (mut targets, mut programmes) = repo::initiative_links(conn, set)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let owner = lookup.unit_ref(row.owner_unit_id);
            InitiativeView::from_row(
                row,
                owner,
                targets.remove(&id).unwrap_or_default(),
                programmes.remove(&id).unwrap_or_default(),
                latest.remove(&id),
                as_of,
            )
        })
        .collect())
}

/// One initiative with every follow-up, its status as of a date.
pub fn initiative_detail(
    conn: &mut DbConnection,
    municipality_id: i64,
    row: InitiativeRow,
    as_of: NaiveDate,
) -> Result<InitiativeDetail, ApiError> {
    let id = row.id;
    let lookup = Lookup::load(conn, &[municipality_id])?;
    let updates = repo::initiative_updates_of(conn, id)?;
    let latest = updates.iter().rev().find(|u| u.date <= as_of).cloned();
    let (mut targets, mut programmes) = repo::initiative_links(conn, repo::Initiatives::One(id))?;
    let owner = lookup.unit_ref(row.owner_unit_id);
    Ok(InitiativeDetail {
        initiative: InitiativeView::from_row(
            row,
            owner,
            targets.remove(&id).unwrap_or_default(),
            programmes.remove(&id).unwrap_or_default(),
            latest,
            as_of,
        ),
        updates: updates
            .into_iter()
            .map(InitiativeUpdateView::from_row)
            .collect(),
    })
}

/// Assembles the tree: children in position order, targets and initiatives on their nodes.
pub fn build_tree(
    nodes: &[NodeRow],
    node_themes: &HashMap<i64, Vec<String>>,
    serves: &HashMap<i64, Vec<i64>>,
    targets: Vec<TargetView>,
    initiatives: Vec<InitiativeView>,
    lookup: &Lookup,
) -> Vec<TreeNode> {
    let mut targets_by_node: HashMap<i64, Vec<TargetView>> = HashMap::new();
    for t in targets {
        targets_by_node.entry(t.node_id).or_default().push(t);
    }
    let mut initiatives_by_node: HashMap<i64, Vec<InitiativeView>> = HashMap::new();
    for i in initiatives {
        initiatives_by_node.entry(i.node_id).or_default().push(i);
    }
    let mut children: HashMap<Option<i64>, Vec<&NodeRow>> = HashMap::new();
    for n in nodes {
        children.entry(n.parent_id).or_default().push(n);
    }
    #[allow(clippy::too_many_arguments)]
    fn build(
        parent: Option<i64>,
        children: &HashMap<Option<i64>, Vec<&NodeRow>>,
        targets: &mut HashMap<i64, Vec<TargetView>>,
        initiatives: &mut HashMap<i64, Vec<InitiativeView>>,
        themes: &HashMap<i64, Vec<String>>,
        serves: &HashMap<i64, Vec<i64>>,
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
                        node: lookup.node_view((*n).clone(), themes, serves),
                        targets: targets.remove(&n.id).unwrap_or_default(),
                        initiatives: initiatives.remove(&n.id).unwrap_or_default(),
                        children: build(
                            Some(n.id),
                            children,
                            targets,
                            initiatives,
                            themes,
                            serves,
                            lookup,
                            depth + 1,
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    build(
        None,
        &children,
        &mut targets_by_node,
        &mut initiatives_by_node,
        node_themes,
        serves,
        lookup,
        0,
    )
}

/// A strategy with its whole tree, as of a date, in a fixed number of statements whatever its
/// size: follow-ups, units, nodes, node and target themes (one), targets, their latest values,
/// for computed targets the data versions (values from the cache, or computed once), and the
/// initiatives with their latest follow-ups and links (three).
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
    let set = repo::Targets::OfStrategy(id);
    let (node_themes, target_themes) =
        repo::theme_slugs_of(conn, Some(&format!("nodes.strategy_id = {id}")), set)?;
    let target_rows = repo::targets_of_strategies(conn, &[id])?;
    let targets = judge(
        conn,
        &lookup,
        indicators,
        &target_rows,
        set,
        &target_themes,
        as_of,
    )?;
    let initiatives = initiative_views(conn, &lookup, repo::Initiatives::OfStrategy(id), as_of)?;
    let mut by_kind = std::collections::BTreeMap::new();
    for n in &nodes {
        *by_kind.entry(n.kind.clone()).or_insert(0) += 1;
    }
    let mut by_status: BTreeMap<String, usize> = InitiativeStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for i in &initiatives {
        *by_status.entry(i.status.as_str().to_owned()).or_insert(0) += 1;
    }
    let counts = TreeCounts {
        nodes: nodes.len(),
        targets: targets.len(),
        nodes_by_kind: by_kind,
        initiatives: initiatives.len(),
        initiatives_by_status: by_status,
    };
    let serves = repo::node_objectives_of(conn, &[m.id])?;
    let tree_nodes = build_tree(&nodes, &node_themes, &serves, targets, initiatives, &lookup);
    // The line it builds on, as anyone who may see this strategy may see it: a public strategy
    // shows the public ones only, so that every reader gets the same tree.
    let public = row.is_public();
    let lineage = repo::lineage(conn, m.id, id)?
        .into_iter()
        .skip(1)
        .filter(|s| !public || s.is_public())
        .map(StrategyRef::from_row)
        .collect();
    Ok(StrategyTree {
        strategy: StrategyView::from_row(row, &m.slug, follow_ups),
        lineage,
        as_of,
        nodes: tree_nodes,
        counts,
    })
}

/// The municipalities (of all with goals on) whose internal strategies the caller may see:
/// part of the key of a cached view across municipalities.
pub fn internal_everywhere(conn: &mut DbConnection, who: &Principal) -> Result<Vec<i64>, ApiError> {
    Ok(internal_of(who, &ops::municipalities_for(conn, None)?))
}

/// The municipalities among `ms` whose internal strategies the caller may see.
fn internal_of(who: &Principal, ms: &[retning_kernel::tenancy::Municipality]) -> Vec<i64> {
    ms.iter()
        .filter(|m| ops::sees_internal(who, m))
        .map(|m| m.id)
        .collect()
}

/// Per municipality, the nodes and targets on a theme (directly, or targets on a node with it),
/// with progress and assessment: public strategies, plus the caller's own internal ones. A
/// fixed number of statements, whatever the number of municipalities and targets.
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
    let chosen_ids: Vec<i64> = ms.iter().map(|m| m.id).collect();
    let internal = internal_of(who, &ms);
    let set = repo::Targets::Visible {
        municipalities: municipalities.is_some().then_some(chosen_ids.as_slice()),
        internal_of: &internal,
        theme: Some(theme_id),
    };
    let strategies = repo::strategies_where(conn, set)?;
    let titles: HashMap<i64, &str> = strategies
        .iter()
        .map(|s| (s.id, s.title.as_str()))
        .collect();
    let node_condition = set.nodes_on_theme();
    let mut municipality_ids: Vec<i64> = strategies.iter().map(|s| s.municipality_id).collect();
    municipality_ids.sort_unstable();
    municipality_ids.dedup();
    let lookup = Lookup {
        units: repo::units_where(conn, set, node_condition.as_deref())?
            .into_iter()
            .map(|u| (u.id, u))
            .collect(),
    };
    let serves = repo::node_objectives_of(conn, &municipality_ids)?;
    let nodes = repo::nodes_where(conn, node_condition.as_deref().unwrap_or("1 = 0"))?;
    let (node_themes, target_themes) = repo::theme_slugs_of(conn, node_condition.as_deref(), set)?;
    let chosen = repo::targets_where(conn, set)?;
    let target_views = judge(
        conn,
        &lookup,
        indicators,
        &chosen,
        set,
        &target_themes,
        as_of,
    )?;
    let mut nodes_by: HashMap<i64, Vec<ComparedNode>> = HashMap::new();
    for n in nodes {
        nodes_by
            .entry(n.municipality_id)
            .or_default()
            .push(ComparedNode {
                strategy_id: n.strategy_id,
                strategy_title: titles
                    .get(&n.strategy_id)
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                node: lookup.node_view(n, &node_themes, &serves),
            });
    }
    let mut targets_by: HashMap<i64, Vec<ComparedTarget>> = HashMap::new();
    for (t, row) in target_views.into_iter().zip(&chosen) {
        targets_by
            .entry(row.municipality_id)
            .or_default()
            .push(ComparedTarget {
                strategy_title: titles
                    .get(&t.strategy_id)
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                target: t,
            });
    }
    let municipalities = ms
        .iter()
        .map(|m| MunicipalityComparison {
            municipality: MunicipalityRef {
                slug: m.slug.clone(),
                name: m.name.clone(),
            },
            nodes: nodes_by.remove(&m.id).unwrap_or_default(),
            targets: targets_by.remove(&m.id).unwrap_or_default(),
        })
        .collect();
    Ok(Comparison {
        theme,
        as_of,
        municipalities,
    })
}

/// Each municipality's targets counted by assessment (public strategies, plus the caller's
/// own): the targets' rules and their latest values, in a fixed number of statements.
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
    let internal = internal_of(who, &ms);
    let set = repo::Targets::Visible {
        municipalities: None,
        internal_of: &internal,
        theme: None,
    };
    let strategies = repo::strategies_where(conn, set)?;
    let rows = repo::targets_where(conn, set)?;
    let computed = computed_values(conn, indicators, &rows, as_of)?;
    let measured = repo::latest_points(conn, set, as_of)?;
    #[derive(Default)]
    struct Tally {
        strategies: usize,
        targets: usize,
        stale: usize,
        by_assessment: HashMap<Assessment, usize>,
    }
    let mut tallies: HashMap<i64, Tally> = HashMap::new();
    for s in &strategies {
        tallies.entry(s.municipality_id).or_default().strategies += 1;
    }
    for row in &rows {
        let (derived, _) = derive(row, &measured, &computed, as_of);
        let t = tallies.entry(row.municipality_id).or_default();
        t.targets += 1;
        t.stale += usize::from(derived.stale);
        *t.by_assessment.entry(derived.assessment).or_insert(0) += 1;
    }
    let municipalities = ms
        .iter()
        .map(|m| {
            let t = tallies.remove(&m.id).unwrap_or_default();
            MunicipalityOverview {
                municipality: MunicipalityRef {
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                },
                strategies: t.strategies,
                targets: t.targets,
                stale: t.stale,
                by_assessment: Assessment::ALL
                    .iter()
                    .map(|a| {
                        (
                            a.as_str().to_owned(),
                            t.by_assessment.get(a).copied().unwrap_or(0),
                        )
                    })
                    .collect::<BTreeMap<String, usize>>(),
            }
        })
        .collect();
    Ok(Overview {
        as_of,
        municipalities,
    })
}

/// Policies with their objectives and the nodes serving them, in three statements whatever
/// their number (`include_internal`: whether nodes of internal strategies are named).
pub fn policy_views(
    conn: &mut DbConnection,
    rows: Vec<PolicyRow>,
    municipality: &str,
    include_internal: bool,
) -> Result<Vec<PolicyView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let objectives = repo::objectives_of(conn, &ids)?;
    let objective_ids: Vec<i64> = objectives.iter().map(|o| o.id).collect();
    let mut serving: HashMap<i64, Vec<ServingNode>> = HashMap::new();
    for (objective, strategy_id, node_id, title) in
        repo::serving_nodes(conn, &objective_ids, include_internal)?
    {
        serving.entry(objective).or_default().push(ServingNode {
            strategy_id,
            node_id,
            title,
        });
    }
    let mut by_policy: HashMap<i64, Vec<ObjectiveView>> = HashMap::new();
    for o in objectives {
        by_policy
            .entry(o.policy_id)
            .or_default()
            .push(ObjectiveView {
                id: o.id,
                policy_id: o.policy_id,
                position: o.position,
                title: o.title,
                body: o.body,
                served_by: serving.remove(&o.id).unwrap_or_default(),
            });
    }
    Ok(rows
        .into_iter()
        .map(|p| PolicyView {
            id: p.id,
            municipality: municipality.to_owned(),
            objectives: by_policy.remove(&p.id).unwrap_or_default(),
            title: p.title,
            summary: p.summary,
            visibility: p.visibility,
            adopted_by: p.adopted_by,
            adopted_on: p.adopted_on,
            source: PolicySource {
                file: p.source_file,
                notes: p.source_notes,
            },
            created_at: Timestamp(p.created_at),
            updated_at: Timestamp(p.updated_at),
        })
        .collect())
}

pub fn policy_view(
    conn: &mut DbConnection,
    row: PolicyRow,
    municipality: &str,
    include_internal: bool,
) -> Result<PolicyView, ApiError> {
    policy_views(conn, vec![row], municipality, include_internal)?
        .pop()
        .ok_or_else(|| ApiError::not_found("policy"))
}
