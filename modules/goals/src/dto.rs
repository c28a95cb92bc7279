//! Request and response bodies of the goals module.

use chrono::NaiveDate;
use retning_kernel::pagination::SortKey;
use retning_kernel::{double_option, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    BudgetFigureRow, Direction, FollowUpRow, Frequency, InitiativeRow, InitiativeStatus,
    InitiativeUpdateRow, MeasurementRow, NodeRow, Source, StrategyRow, StrategyStatus, TargetRow,
    ThemeKind, ThemeRow, Unit, UnitRow, Visibility,
};
use crate::progress::{Assessment, Derived, Trend};

// ------------------------------------------------------------------------------------------
// Themes and units

/// A shared theme that makes different strategies comparable.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeView {
    /// Stable identifier (`early-preventive-effort`).
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// `pejlemaerke` (KL's three) or `theme`.
    pub kind: ThemeKind,
    /// The slug of the broader theme, if any.
    pub parent: Option<String>,
}

impl ThemeView {
    /// `parent`: the slug of the theme `row.parent_id` names.
    pub fn from_row(row: ThemeRow, parent: Option<String>) -> Self {
        let ThemeRow {
            id: _,
            slug,
            name,
            description,
            kind,
            parent_id: _,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            slug,
            name,
            description,
            kind,
            parent,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTheme {
    #[schema(pattern = "^[a-z0-9-]{2,60}$")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// `pejlemaerke` or `theme` (default).
    pub kind: Option<ThemeKind>,
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemePatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

/// An organisational unit (afdeling, institution, område).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// The municipality's own word (`afdeling`, `døgninstitution`, `område`).
    pub kind: String,
    pub parent: Option<String>,
}

impl UnitView {
    /// `parent`: the key of the unit `row.parent_id` names.
    pub fn from_row(row: UnitRow, parent: Option<String>) -> Self {
        let UnitRow {
            id,
            municipality_id: _,
            key,
            name,
            kind,
            parent_id: _,
            created_at: _,
        } = row;
        Self {
            id,
            key,
            name,
            kind,
            parent,
        }
    }
}

/// A unit as referred to from nodes and targets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    pub key: String,
    pub name: String,
}

impl UnitRef {
    pub fn from_row(row: UnitRow) -> Self {
        let UnitRow {
            id: _,
            municipality_id: _,
            key,
            name,
            kind: _,
            parent_id: _,
            created_at: _,
        } = row;
        Self { key, name }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    #[schema(pattern = "^[a-z0-9-]{2,60}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 60)]
    pub kind: String,
    pub parent: Option<String>,
}

// ------------------------------------------------------------------------------------------
// Strategies

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The source document's file name.
    #[schema(max_length = 300)]
    pub file: Option<String>,
    #[schema(max_length = 500)]
    pub title: Option<String>,
    pub published: Option<NaiveDate>,
    /// What was left out, approximated or garbled when transcribing.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub date: NaiveDate,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
}

impl FollowUp {
    pub fn from_row(row: FollowUpRow) -> Self {
        let FollowUpRow {
            id: _,
            municipality_id: _,
            strategy_id: _,
            date,
            label,
        } = row;
        Self { date, label }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StrategyView {
    pub id: i64,
    /// The municipality's slug.
    pub municipality: String,
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub status: StrategyStatus,
    /// Null where the source does not say.
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source: SourceRef,
    /// The municipality's own names of the tree's levels, top-down.
    pub level_names: Vec<String>,
    pub follow_up_rhythm: Option<Frequency>,
    pub follow_ups: Vec<FollowUp>,
    /// Who receives the follow-ups (a committee, e.g. "Børne- og Familieudvalget").
    pub follow_up_recipients: Vec<String>,
    /// The earlier strategy of the same municipality this one builds on (its id); the tree
    /// shows the whole line.
    pub builds_on: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<Timestamp>,
}

impl StrategyView {
    /// `municipality`: its slug; `follow_ups`: the strategy's, in date order.
    pub fn from_row(row: StrategyRow, municipality: &str, follow_ups: Vec<FollowUpRow>) -> Self {
        let StrategyRow {
            id,
            municipality_id: _,
            key: _,
            title,
            summary,
            visibility,
            status,
            period_start,
            period_end,
            adopted_by,
            adopted_on,
            source_file,
            source_title,
            source_published,
            source_notes,
            level_names,
            follow_up_rhythm,
            created_at,
            updated_at,
            archived_at,
            builds_on_id,
            follow_up_recipients,
        } = row;
        Self {
            id,
            municipality: municipality.to_owned(),
            title,
            summary,
            visibility,
            status,
            period_start,
            period_end,
            adopted_by,
            adopted_on,
            source: SourceRef {
                file: source_file,
                title: source_title,
                published: source_published,
                notes: source_notes,
            },
            level_names: serde_json::from_str(&level_names).unwrap_or_default(),
            follow_up_rhythm,
            follow_ups: follow_ups.into_iter().map(FollowUp::from_row).collect(),
            follow_up_recipients: serde_json::from_str(&follow_up_recipients).unwrap_or_default(),
            builds_on: builds_on_id,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
            archived_at: archived_at.map(Timestamp),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStrategy {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    /// Default `internal`.
    pub visibility: Option<Visibility>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    #[schema(max_length = 200)]
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source: Option<SourceRef>,
    #[serde(default)]
    #[schema(schema_with = level_names)]
    pub level_names: Vec<String>,
    pub follow_up_rhythm: Option<Frequency>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub follow_ups: Vec<FollowUp>,
    /// Who receives the follow-ups.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub follow_up_recipients: Vec<String>,
    /// The id of an earlier strategy of the same municipality this one builds on.
    pub builds_on: Option<i64>,
}

/// Only the fields present are changed; `null` clears a field that may be empty.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StrategyPatch {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub summary: Option<Option<String>>,
    pub visibility: Option<Visibility>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub period_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub period_end: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub adopted_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub adopted_on: Option<Option<NaiveDate>>,
    pub source: Option<SourceRef>,
    #[schema(schema_with = level_names_or_null)]
    pub level_names: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Frequency>)]
    pub follow_up_rhythm: Option<Option<Frequency>>,
    /// Replaces the follow-up dates.
    #[schema(max_items = 100)]
    pub follow_ups: Option<Vec<FollowUp>>,
    /// Replaces who receives the follow-ups.
    #[schema(max_items = 20)]
    pub follow_up_recipients: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub builds_on: Option<Option<i64>>,
}

/// The strategies list's own filters (`limit`, `cursor` and `sort` are the list's shared ones).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StrategyFilter {
    /// `active` (default), `archived` or `all`.
    #[param(pattern = "^(active|archived|all)$")]
    pub status: Option<String>,
    pub visibility: Option<Visibility>,
    /// Only strategies with a node or target on this theme (slug).
    pub theme: Option<String>,
}

retning_kernel::text_enum! {
    /// What the strategies list can be sorted by.
    pub enum StrategySort {
        Title = "title",
        PeriodStart = "period_start",
        CreatedAt = "created_at",
    }
}

impl SortKey for StrategySort {
    const DEFAULT: Self = StrategySort::Title;
}

// ------------------------------------------------------------------------------------------
// Nodes and the tree

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeView {
    pub id: i64,
    pub strategy_id: i64,
    pub parent_id: Option<i64>,
    pub position: i32,
    /// The municipality's own word for this level (`vision`, `strategisk mål`, `indsatsområde`).
    pub kind: String,
    pub code: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub unit: Option<UnitRef>,
    /// Theme slugs.
    pub themes: Vec<String>,
    /// The ids of the policy objectives (målsætninger) this node serves.
    pub serves: Vec<i64>,
}

impl NodeView {
    /// `unit`: the unit `row.unit_id` names; `themes`: its theme slugs.
    pub fn from_row(row: NodeRow, unit: Option<UnitRef>, themes: Vec<String>) -> Self {
        let NodeRow {
            id,
            municipality_id: _,
            strategy_id,
            parent_id,
            position,
            kind,
            code,
            title,
            body,
            unit_id: _,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            id,
            strategy_id,
            parent_id,
            position,
            kind,
            code,
            title,
            body,
            unit,
            themes,
            serves: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TreeNode {
    #[serde(flatten)]
    pub node: NodeView,
    pub targets: Vec<TargetView>,
    /// The node's initiatives (handlinger), with their status as of the tree's date.
    pub initiatives: Vec<InitiativeView>,
    #[schema(no_recursion)]
    pub children: Vec<TreeNode>,
}

/// A strategy with its whole tree, every target and its latest measurement.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyTree {
    pub strategy: StrategyView,
    /// The strategies this one builds on (`builds_on`), the nearest first.
    pub lineage: Vec<StrategyRef>,
    pub as_of: NaiveDate,
    pub nodes: Vec<TreeNode>,
    /// Counts over the whole tree.
    pub counts: TreeCounts,
}

/// A strategy named in another's lineage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyRef {
    pub id: i64,
    pub title: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub status: StrategyStatus,
}

impl StrategyRef {
    pub fn from_row(row: StrategyRow) -> Self {
        Self {
            id: row.id,
            title: row.title,
            period_start: row.period_start,
            period_end: row.period_end,
            status: row.status,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TreeCounts {
    pub nodes: usize,
    pub targets: usize,
    /// Nodes per kind (the municipality's own words).
    pub nodes_by_kind: std::collections::BTreeMap<String, usize>,
    pub initiatives: usize,
    /// Initiatives per status as of the tree's date (every status is present, zero included).
    pub initiatives_by_status: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNode {
    /// The parent node (same strategy); null or absent for a top-level node.
    pub parent_id: Option<i64>,
    #[schema(min_length = 1, max_length = 60)]
    pub kind: String,
    #[schema(max_length = 30)]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 1000)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: Option<String>,
    /// A unit key of the municipality.
    pub unit: Option<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    /// Position among its siblings (default: last).
    pub position: Option<i32>,
    /// The ids of the policy objectives (målsætninger) of the municipality this node serves.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub serves: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePatch {
    #[schema(min_length = 1, max_length = 60)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 30)]
    pub code: Option<Option<String>>,
    #[schema(min_length = 1, max_length = 1000)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// Replaces the node's themes.
    pub themes: Option<Vec<String>>,
    pub position: Option<i32>,
    /// Replaces the policy objectives the node serves.
    #[schema(max_items = 50)]
    pub serves: Option<Vec<i64>>,
}

// ------------------------------------------------------------------------------------------
// Targets and measurements

/// The value a target is judged by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestValue {
    pub date: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    /// True when computed by another module rather than entered.
    pub computed: bool,
}

/// A measurable target with what is derived from its measurements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetView {
    pub id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    /// `key_figure` while it has no target value (a series followed with trend and staleness,
    /// never assessed), `target` once it has one.
    pub kind: TargetKind,
    pub title: String,
    pub indicator: String,
    pub unit: Unit,
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: Frequency,
    pub owner_unit: Option<UnitRef>,
    pub source: Source,
    /// The computed indicator's key, for `source = computed`.
    pub computed_indicator: Option<String>,
    pub themes: Vec<String>,
    /// The measurement the target is judged by (see the README's rules).
    pub latest: Option<LatestValue>,
    /// 0-100: how far from baseline to target.
    pub progress: Option<f64>,
    pub progress_unclamped: Option<f64>,
    pub assessment: Assessment,
    pub trend: Option<Trend>,
    pub stale: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl TargetView {
    /// `owner_unit`, `themes`: what `row.owner_unit_id` and its theme links name; `latest` and
    /// `derived`: what its measurements (or computed values) give as of a date.
    pub fn from_row(
        row: TargetRow,
        owner_unit: Option<UnitRef>,
        themes: Vec<String>,
        latest: Option<LatestValue>,
        derived: Derived,
    ) -> Self {
        let TargetRow {
            id,
            municipality_id: _,
            strategy_id,
            node_id,
            key: _,
            position: _,
            title,
            indicator,
            unit,
            direction,
            baseline_value,
            baseline_date,
            target_value,
            deadline,
            frequency,
            owner_unit_id: _,
            source,
            computed_indicator,
            created_at,
            updated_at,
        } = row;
        let Derived {
            current: _,
            progress,
            progress_unclamped,
            assessment,
            trend,
            stale,
        } = derived;
        Self {
            id,
            strategy_id,
            node_id,
            kind: TargetKind::of(target_value),
            title,
            indicator,
            unit,
            direction,
            baseline_value,
            baseline_date,
            target_value,
            deadline,
            frequency,
            owner_unit,
            source,
            computed_indicator,
            themes,
            latest,
            progress,
            progress_unclamped,
            assessment,
            trend,
            stale,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTarget {
    #[schema(min_length = 1, max_length = 1000)]
    pub title: String,
    #[schema(min_length = 1, max_length = 300)]
    pub indicator: String,
    pub unit: Unit,
    pub direction: Direction,
    /// Never negative; a percentage at most 100; kroner whole.
    #[schema(minimum = 0)]
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    /// Never negative; a percentage at most 100; kroner whole.
    #[schema(minimum = 0)]
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: Frequency,
    /// A unit key of the municipality.
    pub owner_unit: Option<String>,
    /// Default `manual`.
    pub source: Option<Source>,
    pub computed_indicator: Option<String>,
    #[serde(default)]
    pub themes: Vec<String>,
}

/// Only the fields present are changed; `null` clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPatch {
    #[schema(min_length = 1, max_length = 1000)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub indicator: Option<String>,
    pub unit: Option<Unit>,
    pub direction: Option<Direction>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = 0)]
    pub baseline_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub baseline_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = 0)]
    pub target_value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub deadline: Option<Option<NaiveDate>>,
    pub frequency: Option<Frequency>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub owner_unit: Option<Option<String>>,
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub computed_indicator: Option<Option<String>>,
    pub themes: Option<Vec<String>>,
}

/// The targets list's own filters (`limit` and `cursor` are the list's shared ones); the CSV
/// export takes the same filters (it has no pages: it holds every target they select).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetFilter {
    /// Only targets on this theme (slug), directly or through their node.
    pub theme: Option<String>,
    /// Only targets of this node or its descendants.
    pub node: Option<i64>,
    pub strategy: Option<i64>,
    pub assessment: Option<Assessment>,
    pub stale: Option<bool>,
    /// Only targets (with a target value) or only key figures (without).
    pub kind: Option<TargetKind>,
    /// Judge as of this date (default today, UTC).
    pub as_of: Option<NaiveDate>,
}

retning_kernel::text_enum! {
    /// A target with a target value, or a key figure (nøgletal): a measured series without one,
    /// which may get one later.
    pub enum TargetKind {
        Target = "target",
        KeyFigure = "key_figure",
    }
}

impl TargetKind {
    pub fn of(target_value: Option<f64>) -> Self {
        if target_value.is_some() {
            TargetKind::Target
        } else {
            TargetKind::KeyFigure
        }
    }
}

retning_kernel::text_enum! {
    /// What the targets list can be sorted by: the tree's order (default), title (Danish
    /// alphabet), deadline (none last), progress (none last) or assessment (achieved first,
    /// not assessed last); `-` before the key reverses it. Ties keep the tree's order.
    pub enum TargetSort {
        Position = "position",
        Title = "title",
        Deadline = "deadline",
        Progress = "progress",
        Assessment = "assessment",
    }
}

impl SortKey for TargetSort {
    const DEFAULT: Self = TargetSort::Position;
}

// ------------------------------------------------------------------------------------------
// Initiatives (handlinger) and their follow-ups

/// A follow-up of an initiative: its status on a date and the note of that follow-up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitiativeUpdateView {
    #[schema(example = "2015-06-30")]
    pub date: NaiveDate,
    pub status: InitiativeStatus,
    #[schema(example = "Døgnbehandlingen af 0-6-årige er åbnet.")]
    pub note: Option<String>,
    /// Who recorded it (username or API key name).
    pub recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
}

impl InitiativeUpdateView {
    pub fn from_row(row: InitiativeUpdateRow) -> Self {
        let InitiativeUpdateRow {
            id: _,
            municipality_id: _,
            initiative_id: _,
            date,
            status,
            note,
            recorded_by,
            recorded_at,
        } = row;
        Self {
            date,
            status,
            note,
            recorded_by,
            recorded_at: Timestamp(recorded_at),
        }
    }
}

/// An initiative (handling) on a node: dated, owned by a unit, linked to targets of its
/// strategy and to programmes of the evidence catalogue, with its status as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitiativeView {
    pub id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    #[schema(example = "Døgnbehandling til 0-6-årige og sårbare gravide")]
    pub title: String,
    pub description: Option<String>,
    pub owner_unit: Option<UnitRef>,
    #[schema(example = "2014-09-01")]
    pub planned_start: Option<NaiveDate>,
    #[schema(example = "2015-06-30")]
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    /// Ids of the targets of the same strategy it serves.
    pub targets: Vec<i64>,
    /// Short names of programmes of the evidence catalogue (`GET /api/v1/programmes`).
    #[schema(example = json!(["MST-CAN"]))]
    pub programmes: Vec<String>,
    /// The date the status is told as of.
    pub as_of: NaiveDate,
    /// The status of the latest follow-up dated on or before `as_of`; without one, `done` once
    /// `actual_end` is reached, `started` once `actual_start` is, else `not_started`.
    pub status: InitiativeStatus,
    /// That follow-up (its date and note).
    pub latest_update: Option<InitiativeUpdateView>,
    /// Planned to end before `as_of` and neither done nor cancelled then (derived, never stored).
    pub overdue: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl InitiativeView {
    /// `owner_unit`, `targets`, `programmes`: what `row.owner_unit_id` and its links name;
    /// `latest`: its latest follow-up dated on or before `as_of`.
    pub fn from_row(
        row: InitiativeRow,
        owner_unit: Option<UnitRef>,
        targets: Vec<i64>,
        programmes: Vec<String>,
        latest: Option<InitiativeUpdateRow>,
        as_of: NaiveDate,
    ) -> Self {
        let InitiativeRow {
            id,
            municipality_id: _,
            strategy_id,
            node_id,
            key: _,
            position: _,
            title,
            description,
            owner_unit_id: _,
            planned_start,
            planned_end,
            actual_start,
            actual_end,
            created_at,
            updated_at,
        } = row;
        let status = InitiativeStatus::on(
            latest.as_ref().map(|u| u.status),
            actual_start,
            actual_end,
            as_of,
        );
        Self {
            id,
            strategy_id,
            node_id,
            title,
            description,
            owner_unit,
            planned_start,
            planned_end,
            actual_start,
            actual_end,
            targets,
            programmes,
            as_of,
            status,
            latest_update: latest.map(InitiativeUpdateView::from_row),
            overdue: planned_end.is_some_and(|end| end < as_of) && !status.is_closed(),
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// An initiative with every follow-up recorded for it, in date order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitiativeDetail {
    #[serde(flatten)]
    pub initiative: InitiativeView,
    pub updates: Vec<InitiativeUpdateView>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInitiative {
    #[schema(min_length = 1, max_length = 1000, example = "Dagaflastning")]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    /// A unit key of the municipality.
    #[schema(example = "familieafdelingen")]
    pub owner_unit: Option<String>,
    #[schema(example = "2014-09-01")]
    pub planned_start: Option<NaiveDate>,
    /// Not before `planned_start`.
    #[schema(example = "2015-06-30")]
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    /// Not before `actual_start`.
    pub actual_end: Option<NaiveDate>,
    /// Ids of targets of the same strategy.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub targets: Vec<i64>,
    /// Short names of programmes of the evidence catalogue.
    #[serde(default)]
    #[schema(max_items = 50, example = json!(["FFT"]))]
    pub programmes: Vec<String>,
}

/// Only the fields present are changed; `null` clears an optional field; `targets` and
/// `programmes` replace the links.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativePatch {
    #[schema(min_length = 1, max_length = 1000)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub owner_unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub planned_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub planned_end: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub actual_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub actual_end: Option<Option<NaiveDate>>,
    #[schema(max_items = 100)]
    pub targets: Option<Vec<i64>>,
    #[schema(max_items = 50)]
    pub programmes: Option<Vec<String>>,
}

/// The follow-up of a date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativeUpdateInput {
    pub status: InitiativeStatus,
    #[schema(max_length = 2000, example = "Forsinket af rekruttering.")]
    pub note: Option<String>,
}

/// The initiatives list's own filters (`limit`, `cursor` and `sort` are the list's shared
/// ones); the CSV export takes the same filters (it has no pages).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InitiativeFilter {
    /// Tell the status as of this date (default today, UTC).
    pub as_of: Option<NaiveDate>,
    /// Only initiatives with this status as of `as_of`.
    #[param(inline)]
    pub status: Option<InitiativeStatus>,
}

retning_kernel::text_enum! {
    /// What the initiatives list can be sorted by: the tree's order (default: by node, then
    /// position), title (Danish alphabet), planned end (none last) or status (in the order
    /// not_started, started, done, delayed, cancelled); `-` before the key reverses it. Ties
    /// keep the tree's order.
    pub enum InitiativeSort {
        Position = "position",
        Title = "title",
        PlannedEnd = "planned_end",
        Status = "status",
    }
}

impl SortKey for InitiativeSort {
    const DEFAULT: Self = InitiativeSort::Position;
}

retning_kernel::text_enum! {
    /// The status report's format.
    pub enum ReportFormat {
        Html = "html",
        Markdown = "markdown",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Judge as of this date (default today, UTC); changes are shown since the strategy's latest
    /// follow-up date before it.
    pub as_of: Option<NaiveDate>,
    /// `html` (default: a printable document) or `markdown`.
    #[param(inline)]
    pub format: Option<ReportFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Judge as of this date (default today, UTC).
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementView {
    pub date: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    /// Who entered it (username or API key name).
    pub recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
    /// False for an earlier value that was corrected or removed.
    pub current: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub superseded_at: Option<Timestamp>,
    pub superseded_by: Option<String>,
}

impl MeasurementView {
    pub fn from_row(row: MeasurementRow) -> Self {
        let MeasurementRow {
            id: _,
            municipality_id: _,
            target_id: _,
            date,
            value,
            note,
            recorded_by,
            recorded_at,
            superseded_at,
            superseded_by,
        } = row;
        Self {
            date,
            value,
            note,
            recorded_by,
            recorded_at: Timestamp(recorded_at),
            current: superseded_at.is_none(),
            superseded_at: superseded_at.map(Timestamp),
            superseded_by,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    /// Never negative; a percentage at most 100; kroner whole (by the target's unit).
    #[schema(minimum = 0)]
    pub value: f64,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasurementQuery {
    /// Include corrected and removed values (default false).
    pub history: Option<bool>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

// ------------------------------------------------------------------------------------------
// Comparison

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The theme's slug.
    pub theme: String,
    /// Comma-separated municipality slugs, 1-100 (default: all).
    #[param(pattern = "^[a-z0-9-]+(,[a-z0-9-]+){0,99}$")]
    pub municipalities: Option<String>,
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityRef {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedNode {
    pub strategy_id: i64,
    pub strategy_title: String,
    #[serde(flatten)]
    pub node: NodeView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComparedTarget {
    pub strategy_title: String,
    #[serde(flatten)]
    pub target: TargetView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityComparison {
    pub municipality: MunicipalityRef,
    pub nodes: Vec<ComparedNode>,
    pub targets: Vec<ComparedTarget>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    pub theme: ThemeView,
    pub as_of: NaiveDate,
    pub municipalities: Vec<MunicipalityComparison>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityOverview {
    pub municipality: MunicipalityRef,
    pub strategies: usize,
    pub targets: usize,
    /// Targets per assessment (every assessment is present, zero included).
    pub by_assessment: std::collections::BTreeMap<String, usize>,
    pub stale: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub as_of: NaiveDate,
    pub municipalities: Vec<MunicipalityOverview>,
}

/// A strategy's level names: at most 20, each a required text of at most 60 characters.
fn level_names() -> utoipa::openapi::Array {
    level_names_builder().build()
}

fn level_names_or_null() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    level_names_builder()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

fn level_names_builder() -> utoipa::openapi::schema::ArrayBuilder {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(60)),
        )
        .max_items(Some(20))
}

// ------------------------------------------------------------------------------------------
// The policy level: a council policy (Børne- og Ungepolitik) and its objectives (målsætninger)

/// Where a policy is written down.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    /// The source document's file name.
    #[schema(max_length = 300)]
    pub file: Option<String>,
    /// What was left out or approximated when transcribing.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// A node of a strategy that serves an objective.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServingNode {
    pub strategy_id: i64,
    pub node_id: i64,
    pub title: String,
}

/// An objective (målsætning) of a policy, with the strategy nodes that serve it (those of
/// strategies the caller may see).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveView {
    pub id: i64,
    pub policy_id: i64,
    pub position: i32,
    pub title: String,
    pub body: Option<String>,
    pub served_by: Vec<ServingNode>,
}

/// A council policy above the strategies, with its objectives in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub id: i64,
    /// The municipality's slug.
    pub municipality: String,
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source: PolicySource,
    pub objectives: Vec<ObjectiveView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjective {
    #[schema(min_length = 1, max_length = 1000)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub body: Option<String>,
    /// Position among the policy's objectives (default: last).
    pub position: Option<i32>,
}

/// Only the fields present are changed; `null` clears the body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectivePatch {
    #[schema(min_length = 1, max_length = 1000)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub body: Option<Option<String>>,
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(max_length = 5000)]
    pub summary: Option<String>,
    /// Default `internal`.
    pub visibility: Option<Visibility>,
    #[schema(max_length = 200)]
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source: Option<PolicySource>,
    /// The objectives, in order.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub objectives: Vec<NewObjective>,
}

/// Only the fields present are changed; `null` clears a field that may be empty. Objectives are
/// changed one by one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyPatch {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub summary: Option<Option<String>>,
    pub visibility: Option<Visibility>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub adopted_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub adopted_on: Option<Option<NaiveDate>>,
    pub source: Option<PolicySource>,
}

// ------------------------------------------------------------------------------------------
// Budget figures

/// A year's budget and/or spend of a strategy area, replacing what the year held.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// The budget of the year in whole kroner (at least one of `budget_dkk` and `spend_dkk`).
    #[schema(minimum = 0)]
    pub budget_dkk: Option<i64>,
    /// What was spent (regnskab) in whole kroner.
    #[schema(minimum = 0)]
    pub spend_dkk: Option<i64>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A budget figure: a strategy area's budget and spend of a year, in whole kroner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetFigureView {
    pub node_id: i64,
    pub node_title: String,
    pub year: i32,
    pub budget_dkk: Option<i64>,
    pub spend_dkk: Option<i64>,
    pub note: Option<String>,
}

impl BudgetFigureView {
    /// `node_title`: the title of the node `row.node_id` names.
    pub fn from_row(row: BudgetFigureRow, node_title: String) -> Self {
        let BudgetFigureRow {
            id: _,
            municipality_id: _,
            strategy_id: _,
            node_id,
            year,
            budget_dkk,
            spend_dkk,
            note,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            node_id,
            node_title,
            year,
            budget_dkk,
            spend_dkk,
            note,
        }
    }
}

/// A strategy's figures of one year added up (no area is counted twice: a node and its
/// ancestor never both have a figure for a year).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetYearTotal {
    pub year: i32,
    /// Sum of the areas' budgets; null when no area of the year has one.
    pub budget_dkk: Option<i64>,
    /// Sum of the areas' spend; null when no area of the year has one.
    pub spend_dkk: Option<i64>,
    /// Areas with a figure that year.
    pub areas: i64,
}

/// A strategy's budget figures, by year and area, and their totals per year.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyBudget {
    pub strategy_id: i64,
    /// By year, then node id.
    pub figures: Vec<BudgetFigureView>,
    /// By year.
    pub totals: Vec<BudgetYearTotal>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    /// The first year shown (inclusive).
    pub year_from: Option<i32>,
    /// The last year shown (inclusive).
    pub year_to: Option<i32>,
}
