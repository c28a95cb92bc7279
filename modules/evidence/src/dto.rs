//! Request and response bodies of the evidence module.

use chrono::NaiveDate;
use retning_kernel::{double_option, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{AdoptionListing, FiguresRow, MunicipalityName, ProgrammeRow, ReferralRow};

// ---------------------------------------------------------------------------------------------
// Vocabularies

/// A grade of Socialstyrelsen's knowledge declaration (vidensdeklaration), A best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "A" => Some(Grade::A),
            "B" => Some(Grade::B),
            "C" => Some(Grade::C),
            "D" => Some(Grade::D),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdoptionStatus {
    Planned,
    Active,
    Paused,
    Ended,
}

impl AdoptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AdoptionStatus::Planned => "planned",
            AdoptionStatus::Active => "active",
            AdoptionStatus::Paused => "paused",
            AdoptionStatus::Ended => "ended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "planned" => Some(AdoptionStatus::Planned),
            "active" => Some(AdoptionStatus::Active),
            "paused" => Some(AdoptionStatus::Paused),
            "ended" => Some(AdoptionStatus::Ended),
            _ => None,
        }
    }
}

/// What a yearly capacity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapacityUnit {
    Families,
    Children,
}

impl CapacityUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityUnit::Families => "families",
            CapacityUnit::Children => "children",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "families" => Some(CapacityUnit::Families),
            "children" => Some(CapacityUnit::Children),
            _ => None,
        }
    }
}

/// A partner's answer to the host's invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartnerStatus {
    Invited,
    Accepted,
    Declined,
}

impl PartnerStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(PartnerStatus::Invited),
            "accepted" => Some(PartnerStatus::Accepted),
            "declined" => Some(PartnerStatus::Declined),
            _ => None,
        }
    }
}

/// The addressed municipality's part in a partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartyRole {
    Host,
    Partner,
}

// ---------------------------------------------------------------------------------------------
// Shared references

/// A municipality as other objects name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MunicipalityRef {
    #[schema(example = "vordingborg")]
    pub slug: String,
    #[schema(example = "Vordingborg Kommune")]
    pub name: String,
}

impl From<&MunicipalityName> for MunicipalityRef {
    fn from(m: &MunicipalityName) -> Self {
        Self {
            slug: m.slug.clone(),
            name: m.name.clone(),
        }
    }
}

/// A catalogue programme as other objects name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeRef {
    pub id: i64,
    #[schema(example = "de-utrolige-aar")]
    pub short_name: String,
    #[schema(example = "De Utrolige År (The Incredible Years)")]
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/// Socialstyrelsen's knowledge declaration: a grade A-D per dimension; null where not graded
/// (or not known here).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeDeclaration {
    #[serde(default)]
    pub target_group: Option<Grade>,
    #[serde(default)]
    pub method: Option<Grade>,
    #[serde(default)]
    pub implementation: Option<Grade>,
    #[serde(default)]
    pub effect: Option<Grade>,
    #[serde(default)]
    pub economy: Option<Grade>,
}

/// An evidence programme (evidensbaseret program) of the platform-wide catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: i64,
    /// Unique, lower-case letters, digits and dashes (`mst-can`).
    pub short_name: String,
    pub name: String,
    pub description: Option<String>,
    pub target_group: Option<String>,
    /// Youngest age served, in years.
    pub age_min: Option<i32>,
    /// Oldest age served, in years.
    pub age_max: Option<i32>,
    /// Variants or caveats of the age range (`baby, 1-3 and 3-6/8 years`).
    pub age_note: Option<String>,
    #[schema(example = "3-6 måneder")]
    pub typical_duration: Option<String>,
    /// The step of the standard intervention staircase (1-6) the programme serves.
    pub staircase_step: Option<i32>,
    pub knowledge_declaration: KnowledgeDeclaration,
    pub source_reference: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<ProgrammeRow> for ProgrammeView {
    fn from(r: ProgrammeRow) -> Self {
        let g = |s: &Option<String>| s.as_deref().and_then(Grade::parse);
        Self {
            knowledge_declaration: KnowledgeDeclaration {
                target_group: g(&r.grade_target_group),
                method: g(&r.grade_method),
                implementation: g(&r.grade_implementation),
                effect: g(&r.grade_effect),
                economy: g(&r.grade_economy),
            },
            id: r.id,
            short_name: r.short_name,
            name: r.name,
            description: r.description,
            target_group: r.target_group,
            age_min: r.age_min,
            age_max: r.age_max,
            age_note: r.age_note,
            typical_duration: r.typical_duration,
            staircase_step: r.staircase_step,
            source_reference: r.source_reference,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    #[schema(
        example = "fft",
        pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        min_length = 2,
        max_length = 40
    )]
    pub short_name: String,
    #[schema(
        example = "FFT – Funktionel Familieterapi",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub target_group: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 25)]
    pub age_min: Option<i32>,
    /// Not below `age_min`.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 25)]
    pub age_max: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub age_note: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub typical_duration: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 6)]
    pub staircase_step: Option<i32>,
    #[serde(default)]
    pub knowledge_declaration: Option<KnowledgeDeclaration>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub source_reference: Option<String>,
}

/// The grades to change: an absent grade is unchanged, `null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeDeclarationPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>)]
    pub target_group: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>)]
    pub method: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>)]
    pub implementation: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>)]
    pub effect: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>)]
    pub economy: Option<Option<Grade>>,
}

/// Only the fields present are changed; `null` clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammePatch {
    #[schema(
        pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        min_length = 2,
        max_length = 40
    )]
    pub short_name: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub target_group: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 25)]
    pub age_min: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 25)]
    pub age_max: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub age_note: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub typical_duration: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 6)]
    pub staircase_step: Option<Option<i32>>,
    pub knowledge_declaration: Option<KnowledgeDeclarationPatch>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub source_reference: Option<Option<String>>,
}

// ---------------------------------------------------------------------------------------------
// Adoptions

/// A municipality running (or planning to run) a catalogue programme. Everything here is public;
/// the periodic figures are not (see the figures endpoints).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionView {
    pub id: i64,
    pub municipality: MunicipalityRef,
    pub programme: ProgrammeRef,
    pub status: AdoptionStatus,
    /// The first day the programme runs (or is planned to run).
    pub started_on: Option<NaiveDate>,
    /// The last day; null while running.
    pub ended_on: Option<NaiveDate>,
    /// Families or children (see `capacity_unit`) the programme can take a year; null where not known.
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<CapacityUnit>,
    pub certified_practitioners: Option<i32>,
    /// The unit that runs it, in the municipality's own words.
    pub operating_unit: Option<String>,
    pub notes: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<AdoptionListing> for AdoptionView {
    fn from(l: AdoptionListing) -> Self {
        let a = l.adoption;
        Self {
            id: a.id,
            municipality: MunicipalityRef {
                slug: l.municipality_slug,
                name: l.municipality_name,
            },
            programme: ProgrammeRef {
                id: a.programme_id,
                short_name: l.programme_short_name,
                name: l.programme_name,
            },
            status: AdoptionStatus::parse(&a.status).unwrap_or(AdoptionStatus::Planned),
            started_on: a.started_on,
            ended_on: a.ended_on,
            yearly_capacity: a.yearly_capacity,
            capacity_unit: a.capacity_unit.as_deref().and_then(CapacityUnit::parse),
            certified_practitioners: a.certified_practitioners,
            operating_unit: a.operating_unit,
            notes: a.notes,
            created_at: Timestamp(a.created_at),
            updated_at: Timestamp(a.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdoption {
    /// A programme of the catalogue; a municipality adopts each programme once.
    pub programme_id: i64,
    pub status: AdoptionStatus,
    #[serde(default)]
    pub started_on: Option<NaiveDate>,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub yearly_capacity: Option<i32>,
    /// Required with `yearly_capacity`.
    #[serde(default)]
    pub capacity_unit: Option<CapacityUnit>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub certified_practitioners: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub operating_unit: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Only the fields present are changed; `null` clears an optional field. The programme of an
/// adoption never changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionPatch {
    pub status: Option<AdoptionStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub started_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ended_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100000)]
    pub yearly_capacity: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CapacityUnit>)]
    pub capacity_unit: Option<Option<CapacityUnit>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000)]
    pub certified_practitioners: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub operating_unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
}

/// An adoption's figures for one period: families or children who started, completed or
/// dropped out (whole adoption, partners' referrals included).
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    /// `2024`, `2024-H1` or `2024-Q3`.
    #[schema(example = "2024-H1")]
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub started: i32,
    pub completed: i32,
    pub dropped_out: i32,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<FiguresRow> for FiguresView {
    fn from(r: FiguresRow) -> Self {
        Self {
            period: r.period,
            period_start: r.period_start,
            period_end: r.period_end,
            started: r.started,
            completed: r.completed,
            dropped_out: r.dropped_out,
            updated_at: Timestamp(r.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiguresInput {
    #[schema(minimum = 0, maximum = 100000)]
    pub started: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub completed: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub dropped_out: i32,
}

// ---------------------------------------------------------------------------------------------
// Partnerships

/// The host's adoption a partnership shares.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedAdoption {
    pub id: i64,
    pub programme: ProgrammeRef,
    pub status: AdoptionStatus,
    pub yearly_capacity: Option<i32>,
    pub capacity_unit: Option<CapacityUnit>,
}

/// A partner's use of its share in one calendar year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearUse {
    pub year: i32,
    /// The yearly share (null while not agreed).
    pub share: Option<i32>,
    /// Families or children referred in the year.
    pub referred: i64,
    /// What is left of the share (null while no share is agreed).
    pub remaining: Option<i64>,
    /// Referred beyond the share (only where the host allows it).
    pub over_share: i64,
}

/// A partner municipality of a partnership.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    pub municipality: MunicipalityRef,
    pub status: PartnerStatus,
    /// Families or children a year, in the adoption's `capacity_unit`; null while not agreed.
    pub yearly_share: Option<i32>,
    #[schema(value_type = String, format = DateTime)]
    pub invited_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub responded_at: Option<Timestamp>,
    /// Use of the share per year with referrals: shown to the host for every partner, and to an
    /// accepted partner for itself; absent otherwise.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<Vec<YearUse>>,
}

/// A partnership (samarbejde om et program): the host runs a programme for partner
/// municipalities with agreed yearly shares of its capacity.
///
/// What a caller sees depends on the addressed municipality's part: the host sees everything;
/// an accepted partner sees every partner and share and its own use; an invited or declined
/// partner sees only its own invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipView {
    pub id: i64,
    pub host: MunicipalityRef,
    pub adoption: SharedAdoption,
    /// Null while not agreed.
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// Whether partners may refer beyond their share (recorded as over-share).
    pub allow_over_share: bool,
    pub notes: Option<String>,
    /// The addressed municipality's part.
    pub role: PartyRole,
    pub partners: Vec<PartnerView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// The partner municipality's slug.
    #[schema(example = "lolland")]
    pub municipality: String,
    /// Families or children a year, in the adoption's capacity unit; null while not agreed.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub yearly_share: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartnership {
    /// One of the host's own adoptions.
    pub adoption_id: i64,
    #[serde(default)]
    pub period_start: Option<NaiveDate>,
    #[serde(default)]
    pub period_end: Option<NaiveDate>,
    #[serde(default)]
    pub allow_over_share: bool,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Invited partners (1-50); shares together may not exceed the adoption's yearly capacity.
    #[schema(min_items = 1, max_items = 50)]
    pub partners: Vec<PartnerInput>,
}

/// Only the fields present are changed. `partners` lists partners to add (invited) or whose
/// share changes; a changed share, or a declined partner listed again, re-opens that partner's
/// invitation. Partners not listed are unchanged.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnershipPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub period_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub period_end: Option<Option<NaiveDate>>,
    pub allow_over_share: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
    pub partners: Option<Vec<PartnerInput>>,
}

// ---------------------------------------------------------------------------------------------
// Referrals

/// Families or children a partner referred to the host's programme in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub partnership_id: i64,
    pub partner: MunicipalityRef,
    /// `2024`, `2024-H1` or `2024-Q3`.
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The calendar year whose share the referral uses.
    pub year: i32,
    pub referred: i32,
    /// Beyond the partner's share; accepted because the host allows over-share.
    pub over_share: bool,
    pub note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl ReferralView {
    pub fn new(r: ReferralRow, partner: &MunicipalityName) -> Self {
        Self {
            id: r.id,
            partnership_id: r.partnership_id,
            partner: partner.into(),
            period: r.period,
            period_start: r.period_start,
            period_end: r.period_end,
            year: r.share_year,
            referred: r.referred,
            over_share: r.over_share,
            note: r.note,
            created_at: Timestamp(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferral {
    /// `2024`, `2024-H1` or `2024-Q3`; inside the partnership's period.
    #[schema(
        example = "2024-Q2",
        pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$"
    )]
    pub period: String,
    /// Families or children referred (1-1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub referred: i32,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}
