//! Database rows of the evidence module (never serialised straight out; see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    evidence_adoption_figures, evidence_adoptions, evidence_partnership_partners,
    evidence_partnerships, evidence_programmes, evidence_referrals,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_programmes)]
pub struct ProgrammeRow {
    pub id: i64,
    pub short_name: String,
    pub name: String,
    pub description: Option<String>,
    pub target_group: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub age_note: Option<String>,
    pub typical_duration: Option<String>,
    pub staircase_step: Option<i32>,
    pub grade_target_group: Option<String>,
    pub grade_method: Option<String>,
    pub grade_implementation: Option<String>,
    pub grade_effect: Option<String>,
    pub grade_economy: Option<String>,
    pub source_reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a new programme row holds (also the whole state a PATCH writes back, so `None`
/// clears a column).
#[derive(Debug, Clone, Default, Insertable, AsChangeset)]
#[diesel(table_name = evidence_programmes, treat_none_as_null = true)]
pub struct ProgrammeData {
    pub short_name: String,
    pub name: String,
    pub description: Option<String>,
    pub target_group: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub age_note: Option<String>,
    pub typical_duration: Option<String>,
    pub staircase_step: Option<i32>,
    pub grade_target_group: Option<String>,
    pub grade_method: Option<String>,
    pub grade_implementation: Option<String>,
    pub grade_effect: Option<String>,
    pub grade_economy: Option<String>,
    pub source_reference: Option<String>,
}

impl From<ProgrammeRow> for ProgrammeData {
    fn from(r: ProgrammeRow) -> Self {
        Self {
            short_name: r.short_name,
            name: r.name,
            description: r.description,
            target_group: r.target_group,
            age_min: r.age_min,
            age_max: r.age_max,
            age_note: r.age_note,
            typical_duration: r.typical_duration,
            staircase_step: r.staircase_step,
            grade_target_group: r.grade_target_group,
            grade_method: r.grade_method,
            grade_implementation: r.grade_implementation,
            grade_effect: r.grade_effect,
            grade_economy: r.grade_economy,
            source_reference: r.source_reference,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_adoptions)]
pub struct AdoptionRow {
    pub id: i64,
    pub municipality_id: i64,
    pub programme_id: i64,
    pub status: String,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<String>,
    pub certified_practitioners: Option<i32>,
    pub operating_unit: Option<String>,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable state of an adoption.
#[derive(Debug, Clone)]
pub struct AdoptionData {
    pub programme_id: i64,
    pub status: String,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<String>,
    pub certified_practitioners: Option<i32>,
    pub operating_unit: Option<String>,
    pub notes: Option<String>,
}

impl From<&AdoptionRow> for AdoptionData {
    fn from(r: &AdoptionRow) -> Self {
        Self {
            programme_id: r.programme_id,
            status: r.status.clone(),
            started_on: r.started_on,
            ended_on: r.ended_on,
            yearly_capacity: r.yearly_capacity,
            capacity_unit: r.capacity_unit.clone(),
            certified_practitioners: r.certified_practitioners,
            operating_unit: r.operating_unit.clone(),
            notes: r.notes.clone(),
        }
    }
}

/// An adoption with what its public view names: the municipality and the programme.
#[derive(Debug, Clone)]
pub struct AdoptionListing {
    pub adoption: AdoptionRow,
    pub municipality_slug: String,
    pub municipality_name: String,
    pub programme_short_name: String,
    pub programme_name: String,
}

// Rows mirror their table; not every column is read yet.
#[allow(dead_code)]
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_adoption_figures)]
pub struct FiguresRow {
    pub id: i64,
    pub municipality_id: i64,
    pub adoption_id: i64,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub started: i32,
    pub completed: i32,
    pub dropped_out: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_partnerships)]
pub struct PartnershipRow {
    pub id: i64,
    pub municipality_id: i64,
    pub adoption_id: i64,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub allow_over_share: bool,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

// Rows mirror their table; not every column is read yet.
#[allow(dead_code)]
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_partnership_partners)]
pub struct PartnerRow {
    pub id: i64,
    pub municipality_id: i64,
    pub partnership_id: i64,
    pub partner_municipality_id: i64,
    pub yearly_share: Option<i32>,
    pub status: String,
    pub invited_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

// Rows mirror their table; not every column is read yet.
#[allow(dead_code)]
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_referrals)]
pub struct ReferralRow {
    pub id: i64,
    pub municipality_id: i64,
    pub partnership_id: i64,
    pub partner_id: i64,
    pub partner_municipality_id: i64,
    pub share_year: i32,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub referred: i32,
    pub over_share: bool,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A municipality as other objects name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityName {
    pub id: i64,
    pub slug: String,
    pub name: String,
}
