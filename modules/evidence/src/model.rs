//! Database rows of the evidence module (never serialised straight out; see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    evidence_adoption_figures, evidence_adoptions, evidence_partnership_partners,
    evidence_partnerships, evidence_programmes, evidence_referrals,
};

// ---------------------------------------------------------------------------------------------
// Stored states

retning_kernel::text_enum! {
    /// A grade of Socialstyrelsen's knowledge declaration (vidensdeklaration), A best.
    pub enum Grade {
        A = "A",
        B = "B",
        C = "C",
        D = "D",
    }
}

retning_kernel::text_enum! {
    /// What a catalogue entry is: a manual-based programme (MST, FFT, ...) or a method described
    /// by a knowledge declaration without a programme's manual (Familierådslagning).
    pub enum ProgrammeKind {
        Programme = "programme",
        Method = "method",
    }
}

retning_kernel::text_enum! {
    /// Where an adoption stands.
    pub enum AdoptionStatus {
        Planned = "planned",
        Active = "active",
        Paused = "paused",
        Ended = "ended",
    }
}

retning_kernel::text_enum! {
    /// What a yearly capacity counts.
    pub enum CapacityUnit {
        Families = "families",
        Children = "children",
    }
}

retning_kernel::text_enum! {
    /// A partner's answer to the host's invitation.
    pub enum PartnerStatus {
        Invited = "invited",
        Accepted = "accepted",
        Declined = "declined",
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

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
    pub grade_target_group: Option<Grade>,
    pub grade_method: Option<Grade>,
    pub grade_implementation: Option<Grade>,
    pub grade_effect: Option<Grade>,
    pub grade_economy: Option<Grade>,
    pub source_reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    // Added after the table was made, so last (the insert returns the columns in table order).
    pub kind: ProgrammeKind,
    /// The lowest standard staircase step the entry serves; null with `staircase_step_max`.
    pub staircase_step_min: Option<i32>,
    pub staircase_step_max: Option<i32>,
}

/// What a new programme row holds (also the whole state a PATCH writes back, so `None`
/// clears a column).
#[derive(Debug, Clone, Insertable, AsChangeset)]
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
    pub kind: ProgrammeKind,
    /// The lowest standard staircase step the entry serves; null with `staircase_step_max`.
    pub staircase_step_min: Option<i32>,
    pub staircase_step_max: Option<i32>,
    pub grade_target_group: Option<Grade>,
    pub grade_method: Option<Grade>,
    pub grade_implementation: Option<Grade>,
    pub grade_effect: Option<Grade>,
    pub grade_economy: Option<Grade>,
    pub source_reference: Option<String>,
}

impl From<ProgrammeRow> for ProgrammeData {
    fn from(row: ProgrammeRow) -> Self {
        let ProgrammeRow {
            id: _,
            short_name,
            name,
            description,
            target_group,
            age_min,
            age_max,
            age_note,
            typical_duration,
            kind,
            staircase_step_min,
            staircase_step_max,
            grade_target_group,
            grade_method,
            grade_implementation,
            grade_effect,
            grade_economy,
            source_reference,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            short_name,
            name,
            description,
            target_group,
            age_min,
            age_max,
            age_note,
            typical_duration,
            kind,
            staircase_step_min,
            staircase_step_max,
            grade_target_group,
            grade_method,
            grade_implementation,
            grade_effect,
            grade_economy,
            source_reference,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence_adoptions)]
pub struct AdoptionRow {
    pub id: i64,
    pub municipality_id: i64,
    pub programme_id: i64,
    pub status: AdoptionStatus,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<CapacityUnit>,
    pub certified_practitioners: Option<i32>,
    pub operating_unit: Option<String>,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable state of an adoption (what an insert adds to the programme and the
/// municipality, and the whole state an update writes back, so `None` clears a column).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = evidence_adoptions, treat_none_as_null = true)]
pub struct AdoptionChanges {
    pub status: AdoptionStatus,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<CapacityUnit>,
    pub certified_practitioners: Option<i32>,
    pub operating_unit: Option<String>,
    pub notes: Option<String>,
}

impl From<&AdoptionRow> for AdoptionChanges {
    fn from(row: &AdoptionRow) -> Self {
        let AdoptionRow {
            id: _,
            municipality_id: _,
            programme_id: _,
            status,
            started_on,
            ended_on,
            yearly_capacity,
            capacity_unit,
            certified_practitioners,
            operating_unit,
            notes,
            created_at: _,
            updated_at: _,
        } = row.clone();
        Self {
            status,
            started_on,
            ended_on,
            yearly_capacity,
            capacity_unit,
            certified_practitioners,
            operating_unit,
            notes,
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

/// A new figures row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence_adoption_figures)]
pub struct NewFigures<'a> {
    pub municipality_id: i64,
    pub adoption_id: i64,
    pub period: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub started: i32,
    pub completed: i32,
    pub dropped_out: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// New counts for a period's figures.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = evidence_adoption_figures)]
pub struct FiguresChanges {
    pub started: i32,
    pub completed: i32,
    pub dropped_out: i32,
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

/// The writable terms of a partnership (what an insert adds to the host and the adoption, and
/// the whole state an update writes back, so `None` clears a column).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = evidence_partnerships, treat_none_as_null = true)]
pub struct PartnershipChanges {
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub allow_over_share: bool,
    pub notes: Option<String>,
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
    pub status: PartnerStatus,
    pub invited_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// A new partner row: an invitation.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence_partnership_partners)]
pub struct NewPartner {
    pub municipality_id: i64,
    pub partnership_id: i64,
    pub partner_municipality_id: i64,
    pub yearly_share: Option<i32>,
    pub status: PartnerStatus,
    pub invited_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partner's terms and answer, written back whole (`None` clears).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = evidence_partnership_partners, treat_none_as_null = true)]
pub struct PartnerChanges {
    pub yearly_share: Option<i32>,
    pub status: PartnerStatus,
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

/// A new referral row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence_referrals)]
pub struct NewReferralRow<'a> {
    pub municipality_id: i64,
    pub partnership_id: i64,
    pub partner_id: i64,
    pub partner_municipality_id: i64,
    pub share_year: i32,
    pub period: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub referred: i32,
    pub over_share: bool,
    pub note: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// A municipality as other objects name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityName {
    pub id: i64,
    pub slug: String,
    pub name: String,
}
