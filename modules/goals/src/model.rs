//! Database rows of the goals module (never serialized to clients: see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = themes)]
pub struct ThemeRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = strategies)]
pub struct StrategyRow {
    pub id: i64,
    pub municipality_id: i64,
    pub key: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub visibility: String,
    pub status: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    pub adopted_on: Option<NaiveDate>,
    pub source_file: Option<String>,
    pub source_title: Option<String>,
    pub source_published: Option<NaiveDate>,
    pub source_notes: Option<String>,
    pub level_names: String,
    pub follow_up_rhythm: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
}

impl StrategyRow {
    pub fn is_public(&self) -> bool {
        self.visibility == "public"
    }
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
    pub unit: String,
    pub direction: String,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: String,
    pub owner_unit_id: Option<i64>,
    pub source: String,
    pub computed_indicator: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
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
