//! Database rows of the placements module (never serialized to clients: see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = placement_steps)]
pub struct StepRow {
    pub id: i64,
    pub municipality_id: i64,
    pub key: String,
    pub position: i32,
    pub name: String,
    pub standard_step: i32,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = placement_measures)]
pub struct MeasureRow {
    pub id: i64,
    pub municipality_id: i64,
    pub child_ref: String,
    pub birth_year: i32,
    pub category: String,
    pub kind: String,
    pub step_id: Option<i64>,
    pub standard_step: i32,
    pub legal_law: Option<String>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub consent: Option<bool>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub provider_type: Option<String>,
    pub provider_name: Option<String>,
    pub provider_municipality_id: Option<i64>,
    pub yearly_cost_dkk: Option<i64>,
    pub evidence_programme_id: Option<i64>,
    pub note: Option<String>,
    pub synthetic: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A validated measure, ready to insert or to update a row with (every reference resolved).
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = placement_measures, treat_none_as_null = true)]
pub struct MeasureValues {
    pub child_ref: String,
    pub birth_year: i32,
    pub category: String,
    pub kind: String,
    pub step_id: Option<i64>,
    pub standard_step: i32,
    pub legal_law: Option<String>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub consent: Option<bool>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub provider_type: Option<String>,
    pub provider_name: Option<String>,
    pub provider_municipality_id: Option<i64>,
    pub yearly_cost_dkk: Option<i64>,
    pub evidence_programme_id: Option<i64>,
    pub note: Option<String>,
}

/// A full row to insert (values plus what the server decides).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = placement_measures)]
pub struct NewMeasureRow {
    pub municipality_id: i64,
    #[diesel(embed)]
    pub values: MeasureValues,
    pub synthetic: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
