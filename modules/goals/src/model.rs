//! Database rows of the goals module (never serialized to clients: see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

retning_kernel::text_enum! {
    /// Whether a strategy is followed up or kept for the record.
    pub enum StrategyStatus {
        Active = "active",
        Archived = "archived",
    }
}

retning_kernel::text_enum! {
    /// Who may read a strategy.
    pub enum Visibility {
        /// Readable by anyone, without login (as the strategy documents are).
        Public = "public",
        /// Readable by the municipality's own users and keys only.
        Internal = "internal",
    }
}

retning_kernel::text_enum! {
    /// What a target is measured in.
    pub enum Unit {
        Count = "count",
        Percent = "percent",
        Dkk = "dkk",
        Ratio = "ratio",
        /// A duration in days (a waiting time, a time to start); lower is better by direction.
        Days = "days",
        /// A duration in months (a length of treatment).
        Months = "months",
    }
}

retning_kernel::text_enum! {
    /// Where a target's values come from.
    pub enum Source {
        /// Measurements are entered by hand.
        Manual = "manual",
        /// The value is computed by another module (see `computed_indicator` and GET /indicators).
        Computed = "computed",
    }
}

retning_kernel::text_enum! {
    /// The way a target's value should move.
    pub enum Direction {
        Increase = "increase",
        Decrease = "decrease",
        Keep = "keep",
    }
}

retning_kernel::text_enum! {
    /// How often a target is measured (and a strategy followed up).
    pub enum Frequency {
        Monthly = "monthly",
        Quarterly = "quarterly",
        HalfYearly = "half_yearly",
        Annual = "annual",
        Irregular = "irregular",
    }
}

retning_kernel::text_enum! {
    /// A theme's kind: one of KL's three pejlemærker, or a finer theme.
    pub enum ThemeKind {
        Theme = "theme",
        Pejlemaerke = "pejlemaerke",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = themes)]
pub struct ThemeRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: ThemeKind,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = themes)]
pub struct NewThemeRow {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: ThemeKind,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a theme patch writes (`None` clears the description).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = themes, treat_none_as_null = true)]
pub struct ThemeChanges {
    pub name: String,
    pub description: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: i64,
    pub municipality_id: i64,
    pub key: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnitRow {
    pub municipality_id: i64,
    pub key: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = strategies)]
pub struct StrategyRow {
    pub id: i64,
    pub municipality_id: i64,
    pub key: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub status: StrategyStatus,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source_file: Option<String>,
    pub source_title: Option<String>,
    pub source_published: Option<NaiveDate>,
    pub source_notes: Option<String>,
    pub level_names: String,
    pub follow_up_rhythm: Option<Frequency>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
    pub builds_on_id: Option<i64>,
    /// Who receives the follow-ups, as a JSON array of names.
    pub follow_up_recipients: String,
}

impl StrategyRow {
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = strategies)]
pub struct NewStrategyRow {
    pub municipality_id: i64,
    pub key: Option<String>,
    pub status: StrategyStatus,
    #[diesel(embed)]
    pub fields: StrategyFields,
    pub created_at: NaiveDateTime,
}

/// A strategy's own fields: what a new strategy holds and the whole state a PATCH writes back
/// (`None` clears a column); its status and follow-ups are written apart.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = strategies, treat_none_as_null = true)]
pub struct StrategyFields {
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source_file: Option<String>,
    pub source_title: Option<String>,
    pub source_published: Option<NaiveDate>,
    pub source_notes: Option<String>,
    /// The level names as a JSON array.
    pub level_names: String,
    pub follow_up_rhythm: Option<Frequency>,
    /// The earlier strategy of the same municipality this one builds on.
    pub builds_on_id: Option<i64>,
    /// Who receives the follow-ups, as a JSON array of names.
    pub follow_up_recipients: String,
    pub updated_at: NaiveDateTime,
}

/// Archiving a strategy.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = strategies)]
pub struct StrategyArchival {
    pub status: StrategyStatus,
    pub archived_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = strategy_follow_ups)]
pub struct FollowUpRow {
    pub id: i64,
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub date: NaiveDate,
    pub label: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = strategy_follow_ups)]
pub struct NewFollowUpRow {
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub date: NaiveDate,
    pub label: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nodes)]
pub struct NodeRow {
    pub id: i64,
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub kind: String,
    pub code: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub unit_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = nodes)]
pub struct NewNodeRow {
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub changes: NodeChanges,
}

/// A node's own fields and position: what a new node holds and what a PATCH writes back
/// (`None` clears a column).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = nodes, treat_none_as_null = true)]
pub struct NodeChanges {
    pub position: i32,
    pub kind: String,
    pub code: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub unit_id: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// A node's link to a theme.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = node_themes)]
pub struct NodeThemeRow {
    pub node_id: i64,
    pub theme_id: i64,
    pub municipality_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = targets)]
pub struct TargetRow {
    pub id: i64,
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub title: String,
    pub indicator: String,
    pub unit: Unit,
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: Frequency,
    pub owner_unit_id: Option<i64>,
    pub source: Source,
    pub computed_indicator: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = targets)]
pub struct NewTargetRow {
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub changes: TargetChanges,
}

/// A target's own fields: what a new target holds and the whole state a PATCH writes back
/// (`None` clears a column); its node, position and themes are written apart.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = targets, treat_none_as_null = true)]
pub struct TargetChanges {
    pub title: String,
    pub indicator: String,
    pub unit: Unit,
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: Frequency,
    pub owner_unit_id: Option<i64>,
    pub source: Source,
    pub computed_indicator: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// Making a target computed by another module's indicator (the seed's wiring).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = targets)]
pub struct TargetWiring {
    pub source: Source,
    pub computed_indicator: String,
    pub updated_at: NaiveDateTime,
}

/// A target's link to a theme.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = target_themes)]
pub struct TargetThemeRow {
    pub target_id: i64,
    pub theme_id: i64,
    pub municipality_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measurements)]
pub struct MeasurementRow {
    pub id: i64,
    pub municipality_id: i64,
    pub target_id: i64,
    pub date: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
    pub superseded_by: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = measurements)]
pub struct NewMeasurementRow {
    pub municipality_id: i64,
    pub target_id: i64,
    pub date: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// Marking a measurement as corrected or removed.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = measurements)]
pub struct Supersession {
    pub superseded_at: NaiveDateTime,
    pub superseded_by: String,
}

// ------------------------------------------------------------------------------------------
// The policy level: a council policy and its objectives (målsætninger)

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: i64,
    pub municipality_id: i64,
    pub key: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source_file: Option<String>,
    pub source_notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PolicyRow {
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
    }
}

/// A policy's own fields: what a new policy holds and the whole state a PATCH writes back.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = policies, treat_none_as_null = true)]
pub struct PolicyFields {
    pub title: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source_file: Option<String>,
    pub source_notes: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = policies)]
pub struct NewPolicyRow {
    pub municipality_id: i64,
    pub key: Option<String>,
    #[diesel(embed)]
    pub fields: PolicyFields,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_objectives)]
pub struct ObjectiveRow {
    pub id: i64,
    pub municipality_id: i64,
    pub policy_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub title: String,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = policy_objectives)]
pub struct NewObjectiveRow {
    pub municipality_id: i64,
    pub policy_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub title: String,
    pub body: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = policy_objectives, treat_none_as_null = true)]
pub struct ObjectiveChanges {
    pub position: i32,
    pub title: String,
    pub body: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// A year's budget and spend of a strategy area (a node), in whole kroner.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = budget_figures)]
pub struct BudgetFigureRow {
    pub id: i64,
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub year: i32,
    pub budget_dkk: Option<i64>,
    pub spend_dkk: Option<i64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = budget_figures)]
pub struct NewBudgetFigureRow {
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub year: i32,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub changes: BudgetFigureChanges,
}

/// What a budget figure holds (a replacement writes every field, absent amounts as null).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = budget_figures, treat_none_as_null = true)]
pub struct BudgetFigureChanges {
    pub budget_dkk: Option<i64>,
    pub spend_dkk: Option<i64>,
    pub note: Option<String>,
    pub updated_at: NaiveDateTime,
}

retning_kernel::text_enum! {
    /// Where an initiative (handling) stands, as a follow-up records it.
    pub enum InitiativeStatus {
        NotStarted = "not_started",
        Started = "started",
        Done = "done",
        Delayed = "delayed",
        Cancelled = "cancelled",
    }
}

impl InitiativeStatus {
    /// An initiative's status on a date: what its latest follow-up dated on or before it
    /// records; without one, what its actual dates say by then (ended: done, begun: started);
    /// else not started.
    pub fn on(
        followed_up: Option<InitiativeStatus>,
        actual_start: Option<NaiveDate>,
        actual_end: Option<NaiveDate>,
        as_of: NaiveDate,
    ) -> Self {
        match followed_up {
            Some(status) => status,
            None if actual_end.is_some_and(|d| d <= as_of) => InitiativeStatus::Done,
            None if actual_start.is_some_and(|d| d <= as_of) => InitiativeStatus::Started,
            None => InitiativeStatus::NotStarted,
        }
    }

    /// Whether an initiative with this status is finished with (it can no longer be overdue).
    pub fn is_closed(self) -> bool {
        matches!(self, InitiativeStatus::Done | InitiativeStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = initiatives)]
pub struct InitiativeRow {
    pub id: i64,
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub title: String,
    pub description: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = initiatives)]
pub struct NewInitiativeRow {
    pub municipality_id: i64,
    pub strategy_id: i64,
    pub node_id: i64,
    pub key: Option<String>,
    pub position: i32,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub changes: InitiativeChanges,
}

/// An initiative's own fields: what a new one holds and the whole state a PATCH writes back
/// (`None` clears a column); its node, position, targets and programmes are written apart.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = initiatives, treat_none_as_null = true)]
pub struct InitiativeChanges {
    pub title: String,
    pub description: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

/// An initiative's link to a target of the same strategy.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = initiative_targets)]
pub struct InitiativeTargetRow {
    pub initiative_id: i64,
    pub target_id: i64,
    pub municipality_id: i64,
}

/// An initiative's link to a programme of the evidence catalogue, by short name (a soft
/// reference: goals does not depend on the evidence module).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = initiative_programmes)]
pub struct InitiativeProgrammeRow {
    pub initiative_id: i64,
    pub programme: String,
    pub municipality_id: i64,
}

/// A follow-up of an initiative: its status on a date, with the note of that follow-up.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = initiative_updates)]
pub struct InitiativeUpdateRow {
    pub id: i64,
    pub municipality_id: i64,
    pub initiative_id: i64,
    pub date: NaiveDate,
    pub status: InitiativeStatus,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = initiative_updates)]
pub struct NewInitiativeUpdateRow {
    pub municipality_id: i64,
    pub initiative_id: i64,
    pub date: NaiveDate,
    #[diesel(embed)]
    pub changes: InitiativeUpdateChanges,
}

/// What a follow-up records (and what replacing it writes back).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = initiative_updates, treat_none_as_null = true)]
pub struct InitiativeUpdateChanges {
    pub status: InitiativeStatus,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}
