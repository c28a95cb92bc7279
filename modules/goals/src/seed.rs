//! Loads `seed/goals/themes.json` and one file per municipality (`seed/goals/<slug>.json`),
//! transcribed from the source documents. Idempotent: what exists (by slug or key) is skipped.

use std::collections::HashMap;

use chrono::NaiveDate;
use retning_kernel::audit::{self, Subject};
use retning_kernel::module::SeedContext;
use retning_kernel::{ApiError, DbConnection, Principal};
use serde::Deserialize;

use crate::dto::*;
use crate::model::{
    Direction, Frequency, InitiativeStatus, InitiativeUpdateChanges, NewInitiativeUpdateRow,
    NewMeasurementRow, NewThemeRow, NewUnitRow, Source, ThemeKind, Unit, Visibility,
};
use crate::views::{self, Lookup};
use crate::{ops, repo};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[allow(dead_code)]
    source: String,
    themes: Vec<ThemeSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeSeed {
    slug: String,
    name: String,
    kind: ThemeKind,
    parent: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MunicipalityFile {
    municipality: String,
    units: Vec<UnitSeed>,
    /// The council's policies above the strategies (Børne- og Ungepolitik).
    #[serde(default)]
    policies: Vec<PolicySeed>,
    strategies: Vec<StrategySeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySeed {
    key: String,
    title: String,
    summary: Option<String>,
    visibility: Visibility,
    adopted_by: Option<String>,
    adopted_on: Option<NaiveDate>,
    source: PolicySource,
    objectives: Vec<ObjectiveSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveSeed {
    key: String,
    title: String,
    body: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitSeed {
    key: String,
    name: String,
    kind: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategySeed {
    key: String,
    title: String,
    summary: Option<String>,
    source: SourceRef,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    adopted_by: Option<String>,
    adopted_on: Option<NaiveDate>,
    visibility: Visibility,
    level_names: Vec<String>,
    follow_ups: Vec<FollowUp>,
    follow_up_rhythm: Option<Frequency>,
    /// Who receives the follow-ups.
    #[serde(default)]
    follow_up_recipients: Vec<String>,
    /// The key of the earlier strategy (listed before it in the file) this one builds on.
    builds_on: Option<String>,
    nodes: Vec<NodeSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeSeed {
    kind: String,
    code: Option<String>,
    title: String,
    body: Option<String>,
    themes: Vec<String>,
    unit: Option<String>,
    /// Keys of the policy objectives the node serves.
    #[serde(default)]
    serves: Vec<String>,
    targets: Vec<TargetSeed>,
    /// The node's initiatives (handlinger), inserted after its targets.
    #[serde(default)]
    initiatives: Vec<InitiativeSeed>,
    children: Vec<NodeSeed>,
    /// The area's budget figures by year.
    #[serde(default)]
    budget: Vec<BudgetSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetSeed {
    year: i32,
    budget_dkk: Option<i64>,
    spend_dkk: Option<i64>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InitiativeSeed {
    key: String,
    title: String,
    description: Option<String>,
    owner_unit: Option<String>,
    planned_start: Option<NaiveDate>,
    planned_end: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
    actual_end: Option<NaiveDate>,
    /// Keys of targets of the same strategy, seeded before it (on this node or an earlier one).
    #[serde(default)]
    targets: Vec<String>,
    /// Short names of programmes of the evidence catalogue.
    #[serde(default)]
    programmes: Vec<String>,
    #[serde(default)]
    updates: Vec<InitiativeUpdateSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InitiativeUpdateSeed {
    date: NaiveDate,
    status: InitiativeStatus,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSeed {
    key: String,
    title: String,
    indicator: String,
    unit: Unit,
    direction: Direction,
    baseline_value: Option<f64>,
    baseline_date: Option<NaiveDate>,
    target_value: Option<f64>,
    deadline: Option<NaiveDate>,
    frequency: Frequency,
    owner_unit: Option<String>,
    computed: Option<String>,
    themes: Vec<String>,
    measurements: Vec<MeasurementSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasurementSeed {
    date: NaiveDate,
    value: f64,
    note: Option<String>,
}

pub fn load(conn: &mut DbConnection, ctx: &SeedContext<'_>) -> Result<(), String> {
    const THEMES: &str = "goals/themes.json";
    if let Some(file) = ctx.files.json::<ThemeFile>(THEMES)? {
        load_themes(conn, file)?;
    }
    for path in ctx.files.list("goals") {
        if path == THEMES || !path.ends_with(".json") {
            continue;
        }
        let Some(file) = ctx.files.json::<MunicipalityFile>(path)? else {
            continue;
        };
        load_municipality(conn, ctx, file).map_err(|e| format!("seed {path}: {e}"))?;
    }
    Ok(())
}

fn load_themes(conn: &mut DbConnection, file: ThemeFile) -> Result<(), String> {
    for t in file.themes {
        if repo::theme_by_slug(conn, &t.slug)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let parent_id = match &t.parent {
            Some(p) => Some(
                repo::theme_by_slug(conn, p)
                    .map_err(|e| e.to_string())?
                    .ok_or(format!("theme {}: unknown parent {p}", t.slug))?
                    .id,
            ),
            None => None,
        };
        let now = retning_kernel::now();
        let row = repo::insert_theme(
            conn,
            &NewThemeRow {
                slug: t.slug,
                name: t.name,
                description: t.description,
                kind: t.kind,
                parent_id,
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| ApiError::from(e).to_string())?;
        let id = row.id;
        let view = ThemeView::from_row(row, t.parent);
        audit::record_change(
            conn,
            &Principal::system(),
            "seed",
            ops::theme_subject(id),
            None,
            Some(&view),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn load_municipality(
    conn: &mut DbConnection,
    ctx: &SeedContext<'_>,
    file: MunicipalityFile,
) -> Result<(), String> {
    let err = |e: ApiError| e.to_string();
    let Some(mid) = repo::municipality_id(conn, &file.municipality).map_err(|e| e.to_string())?
    else {
        return Err(format!(
            "municipality {:?} is not in municipalities.json",
            file.municipality
        ));
    };
    // Units: parents first (the file lists them in that order).
    let mut unit_ids = repo::unit_ids_by_key(conn, mid).map_err(|e| e.to_string())?;
    for u in &file.units {
        if unit_ids.contains_key(&u.key) {
            continue;
        }
        let parent = match &u.parent {
            Some(p) => Some(*unit_ids.get(p).ok_or(format!(
                "unit {}: unknown parent {p} (list parents first)",
                u.key
            ))?),
            None => None,
        };
        let row = repo::insert_unit(
            conn,
            &NewUnitRow {
                municipality_id: mid,
                key: u.key.clone(),
                name: u.name.clone(),
                kind: u.kind.clone(),
                parent_id: parent,
                created_at: retning_kernel::now(),
            },
        )
        .map_err(|e| err(e.into()))?;
        unit_ids.insert(row.key, row.id);
    }
    for p in file.policies {
        if repo::policy_id_by_key(conn, mid, &p.key)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let keys: Vec<Option<String>> = p.objectives.iter().map(|o| Some(o.key.clone())).collect();
        let new = NewPolicy {
            title: p.title,
            summary: p.summary,
            visibility: Some(p.visibility),
            adopted_by: p.adopted_by,
            adopted_on: p.adopted_on,
            source: Some(p.source),
            objectives: p
                .objectives
                .into_iter()
                .map(|o| NewObjective {
                    title: o.title,
                    body: o.body,
                    position: None,
                })
                .collect(),
        };
        let row = ops::insert_policy(conn, mid, Some(&p.key), &new, &keys).map_err(err)?;
        let id = row.id;
        let view = views::policy_view(conn, row, &file.municipality, true).map_err(err)?;
        audit::record_change(
            conn,
            &Principal::system(),
            "seed",
            Subject::of(&mid, "policy", id),
            None,
            Some(&view),
        )
        .map_err(err)?;
    }
    let objective_ids = repo::objective_ids_by_key(conn, mid).map_err(|e| e.to_string())?;
    for s in file.strategies {
        if repo::strategy_key_taken(conn, mid, &s.key).map_err(|e| e.to_string())? {
            wire_existing(conn, ctx, mid, &s.nodes)?;
            continue;
        }
        let new = NewStrategy {
            title: s.title.clone(),
            summary: s.summary.clone(),
            visibility: Some(s.visibility),
            period_start: s.period_start,
            period_end: s.period_end,
            adopted_by: s.adopted_by.clone(),
            adopted_on: s.adopted_on,
            source: Some(s.source.clone()),
            level_names: s.level_names.clone(),
            follow_up_rhythm: s.follow_up_rhythm,
            follow_ups: s.follow_ups.clone(),
            follow_up_recipients: s.follow_up_recipients.clone(),
            builds_on: match &s.builds_on {
                Some(key) => Some(
                    repo::strategy_id_by_key(conn, mid, key)
                        .map_err(|e| e.to_string())?
                        .ok_or(format!("strategy {}: builds on unknown {key}", s.key))?,
                ),
                None => None,
            },
        };
        let row = ops::insert_strategy(conn, mid, Some(&s.key), &new).map_err(err)?;
        let id = row.id;
        for (i, node) in s.nodes.iter().enumerate() {
            insert_node(conn, ctx, mid, id, None, i, node, &unit_ids, &objective_ids)?;
        }
        let view = views::strategy_view(conn, row, &file.municipality).map_err(err)?;
        audit::record_change(
            conn,
            &Principal::system(),
            "seed",
            Subject::of(&mid, "strategy", id),
            None,
            Some(&view),
        )
        .map_err(err)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_node(
    conn: &mut DbConnection,
    ctx: &SeedContext<'_>,
    mid: i64,
    strategy_id: i64,
    parent: Option<i64>,
    position: usize,
    seed: &NodeSeed,
    unit_ids: &HashMap<String, i64>,
    objective_ids: &HashMap<String, i64>,
) -> Result<(), String> {
    let err = |e: ApiError| e.to_string();
    let unit = |key: &Option<String>| -> Result<Option<i64>, String> {
        key.as_ref()
            .map(|k| unit_ids.get(k).copied().ok_or(format!("unknown unit {k}")))
            .transpose()
    };
    let themes = repo::theme_ids(conn, "themes", &seed.themes)
        .map_err(|e| format!("node {:?}: {e}", seed.title))?;
    let fields = ops::NodeFields {
        kind: &seed.kind,
        code: seed.code.as_deref(),
        title: &seed.title,
        body: seed.body.as_deref(),
        unit_id: unit(&seed.unit)?,
    };
    let node = ops::add_node(
        conn,
        mid,
        strategy_id,
        parent,
        Some(i32::try_from(position).unwrap_or(i32::MAX)),
        &fields,
        &themes,
    )
    .map_err(err)?;
    let serves = seed
        .serves
        .iter()
        .map(|k| {
            objective_ids
                .get(k)
                .copied()
                .ok_or(format!("node {:?}: unknown objective {k}", seed.title))
        })
        .collect::<Result<Vec<i64>, String>>()?;
    repo::set_node_objectives(conn, mid, node.id, &serves).map_err(|e| e.to_string())?;
    for t in &seed.targets {
        // A database seeded by an earlier version may hold this target on another strategy
        // (the seed moves a target when a transcription is corrected): what exists is the
        // operator's and stays where it is.
        if repo::target_by_key(conn, mid, &t.key)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            tracing::warn!(
                target_key = t.key.as_str(),
                "seed: a target with this key exists already; left where it is"
            );
            continue;
        }
        // A target the text measures with an indicator another module computes is wired to it
        // when that module is registered; otherwise it takes measurements by hand.
        let computed = t.computed.clone().filter(|k| ctx.indicators.contains(k));
        let new = NewTarget {
            title: t.title.clone(),
            indicator: t.indicator.clone(),
            unit: t.unit,
            direction: t.direction,
            baseline_value: t.baseline_value,
            baseline_date: t.baseline_date,
            target_value: t.target_value,
            deadline: t.deadline,
            frequency: t.frequency,
            owner_unit: t.owner_unit.clone(),
            source: Some(if computed.is_some() {
                Source::Computed
            } else {
                Source::Manual
            }),
            computed_indicator: computed,
            themes: t.themes.clone(),
        };
        ops::validate_target(&new, ctx.indicators).map_err(|e| format!("target {}: {e}", t.key))?;
        let themes = repo::theme_ids(conn, "themes", &t.themes)
            .map_err(|e| format!("target {}: {e}", t.key))?;
        let row = ops::add_target(
            conn,
            &node,
            Some(&t.key),
            &new,
            unit(&t.owner_unit)?,
            &themes,
        )
        .map_err(err)?;
        for m in &t.measurements {
            ops::check_value(row.unit, m.value, m.note.as_deref())
                .map_err(|e| format!("target {} {}: {e}", t.key, m.date))?;
            repo::insert_measurement(
                conn,
                &NewMeasurementRow {
                    municipality_id: mid,
                    target_id: row.id,
                    date: m.date,
                    value: m.value,
                    note: m.note.clone(),
                    recorded_by: "seed".to_owned(),
                    recorded_at: retning_kernel::now(),
                },
            )
            .map_err(|e| e.to_string())?;
        }
    }
    for b in &seed.budget {
        let input = BudgetInput {
            budget_dkk: b.budget_dkk,
            spend_dkk: b.spend_dkk,
            note: b.note.clone(),
        };
        let at = |e: ApiError| format!("node {:?} budget {}: {e}", seed.title, b.year);
        ops::validate_budget(b.year, &input).map_err(at)?;
        let (_, row) = ops::set_budget(conn, &node, b.year, &input).map_err(at)?;
        let id = row.id;
        let view = BudgetFigureView::from_row(row, node.title.clone());
        audit::record_change(
            conn,
            &Principal::system(),
            "seed",
            Subject::of(&mid, "budget_figure", id),
            None,
            Some(&view),
        )
        .map_err(err)?;
    }
    for i in &seed.initiatives {
        insert_initiative(conn, mid, &node, i, unit_ids)?;
    }
    for (i, child) in seed.children.iter().enumerate() {
        insert_node(
            conn,
            ctx,
            mid,
            strategy_id,
            Some(node.id),
            i,
            child,
            unit_ids,
            objective_ids,
        )?;
    }
    Ok(())
}

/// Inserts a seeded initiative with its follow-ups, by the rules the API applies (the strategy's
/// `seed` audit entry records the whole seeded strategy, as for its nodes and targets).
fn insert_initiative(
    conn: &mut DbConnection,
    mid: i64,
    node: &crate::model::NodeRow,
    seed: &InitiativeSeed,
    unit_ids: &HashMap<String, i64>,
) -> Result<(), String> {
    let at = |e: ApiError| format!("initiative {}: {e}", seed.key);
    let mut targets = Vec::new();
    for key in &seed.targets {
        let t = repo::target_by_key(conn, mid, key)
            .map_err(|e| e.to_string())?
            .filter(|t| t.strategy_id == node.strategy_id)
            .ok_or(format!(
                "initiative {}: unknown target {key} (a target of the same strategy, seeded before it)",
                seed.key
            ))?;
        targets.push(t.id);
    }
    let new = NewInitiative {
        title: seed.title.clone(),
        description: seed.description.clone(),
        owner_unit: seed.owner_unit.clone(),
        planned_start: seed.planned_start,
        planned_end: seed.planned_end,
        actual_start: seed.actual_start,
        actual_end: seed.actual_end,
        targets,
        programmes: seed.programmes.clone(),
    };
    ops::validate_initiative(&new).map_err(at)?;
    let owner = seed
        .owner_unit
        .as_ref()
        .map(|k| {
            unit_ids
                .get(k)
                .copied()
                .ok_or(format!("initiative {}: unknown unit {k}", seed.key))
        })
        .transpose()?;
    let row = ops::add_initiative(conn, node, Some(&seed.key), &new, owner).map_err(at)?;
    for u in &seed.updates {
        if u.date > views::today() {
            return Err(format!(
                "initiative {} {}: a follow-up cannot be dated in the future",
                seed.key, u.date
            ));
        }
        repo::insert_initiative_update(
            conn,
            &NewInitiativeUpdateRow {
                municipality_id: mid,
                initiative_id: row.id,
                date: u.date,
                changes: InitiativeUpdateChanges {
                    status: u.status,
                    note: u.note.clone(),
                    recorded_by: "seed".to_owned(),
                    recorded_at: retning_kernel::now(),
                },
            },
        )
        .map_err(|e| format!("initiative {} {}: {e}", seed.key, u.date))?;
    }
    Ok(())
}

/// On a database seeded before a module registered an indicator, seeding again wires the
/// seeded targets the text measures with it (still hand-entered targets only; audited).
fn wire_existing(
    conn: &mut DbConnection,
    ctx: &SeedContext<'_>,
    mid: i64,
    nodes: &[NodeSeed],
) -> Result<(), String> {
    for node in nodes {
        for t in &node.targets {
            let Some(key) = t.computed.as_deref().filter(|k| ctx.indicators.contains(k)) else {
                continue;
            };
            let found = repo::target_by_key(conn, mid, &t.key).map_err(|e| e.to_string())?;
            if let Some(cur) = found.filter(|c| c.source == Source::Manual) {
                let id = cur.id;
                let lookup = Lookup::load(conn, &[mid]).map_err(|e| e.to_string())?;
                let today = views::today();
                let before = views::target_view(conn, &lookup, ctx.indicators, cur, today)
                    .map_err(|e| e.to_string())?;
                let row = repo::wire_target(conn, mid, id, key).map_err(|e| e.to_string())?;
                let after = views::target_view(conn, &lookup, ctx.indicators, row, today)
                    .map_err(|e| e.to_string())?;
                audit::record_change(
                    conn,
                    &Principal::system(),
                    "wire",
                    Subject::of(&mid, "target", id),
                    Some(&before),
                    Some(&after),
                )
                .map_err(|e| e.to_string())?;
            }
        }
        wire_existing(conn, ctx, mid, &node.children)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_reads_its_initiatives_and_none_by_default() {
        let bare: NodeSeed = serde_json::from_value(serde_json::json!({
            "kind": "mål", "code": null, "title": "Mål", "body": null, "themes": [], "unit": null,
            "targets": [], "children": []
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(bare.initiatives.is_empty());
        let with: NodeSeed = serde_json::from_value(serde_json::json!({
            "kind": "mål", "code": null, "title": "Mål", "body": null, "themes": [], "unit": null,
            "targets": [], "children": [],
            "initiatives": [{"key": "dagaflastning", "title": "Dagaflastning", "description": null,
                "owner_unit": null, "planned_start": "2014-09-01", "planned_end": null,
                "actual_start": null, "actual_end": null, "targets": ["t1"], "programmes": ["FFT"],
                "updates": [{"date": "2015-01-31", "status": "started", "note": "I gang"}]}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let i = &with.initiatives[0];
        assert_eq!(
            (i.key.as_str(), i.targets.len(), i.updates[0].status),
            ("dagaflastning", 1, InitiativeStatus::Started)
        );
    }
}
