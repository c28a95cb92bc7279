//! Request and response bodies of the evidence module.

use chrono::NaiveDate;
use retning_kernel::pagination::SortKey;
use retning_kernel::{double_option, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    AdoptionListing, AdoptionRow, AdoptionStatus, CapacityUnit, FiguresRow, Grade,
    MunicipalityName, PartnerRow, PartnerStatus, PartnershipRow, ProgrammeKind, ProgrammeRow,
    ReferralRow,
};

// ---------------------------------------------------------------------------------------------
// Vocabularies (the stored states are in `model`)

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

impl MunicipalityRef {
    pub fn from_row(row: MunicipalityName) -> Self {
        let MunicipalityName { id: _, slug, name } = row;
        Self { slug, name }
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
    /// `programme`: manual-based (MST, FFT, …); `method`: described by a knowledge declaration
    /// without a programme's manual (Familierådslagning).
    pub kind: ProgrammeKind,
    /// The steps of the standard intervention staircase (1-6) the entry serves, consecutive and
    /// ascending (`[4, 5]`: network and other foster families); empty where it is used on many
    /// steps or none is known.
    #[schema(example = json!([4, 5]))]
    pub staircase_steps: Vec<i32>,
    pub knowledge_declaration: KnowledgeDeclaration,
    pub source_reference: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl ProgrammeView {
    pub fn from_row(row: ProgrammeRow) -> Self {
        let ProgrammeRow {
            id,
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
            created_at,
            updated_at,
        } = row;
        Self {
            id,
            short_name,
            name,
            description,
            target_group,
            age_min,
            age_max,
            age_note,
            typical_duration,
            kind,
            staircase_steps: match (staircase_step_min, staircase_step_max) {
                (Some(min), Some(max)) => (min..=max).collect(),
                _ => Vec::new(),
            },
            knowledge_declaration: KnowledgeDeclaration {
                target_group: grade_target_group,
                method: grade_method,
                implementation: grade_implementation,
                effect: grade_effect,
                economy: grade_economy,
            },
            source_reference,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

retning_kernel::text_enum! {
    /// The orders of the programme catalogue.
    pub enum ProgrammeSort {
        Name = "name",
        ShortName = "short_name",
        Id = "id",
    }
}

impl SortKey for ProgrammeSort {
    const DEFAULT: Self = ProgrammeSort::Name;
}

/// The catalogue's own filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeFilter {
    /// Only entries serving this step of the standard staircase (1-6), alone or among others
    /// (`4` finds KEEP, which serves steps 4 and 5).
    #[param(minimum = 1, maximum = 6)]
    pub step: Option<i32>,
    /// Only manual-based programmes (`programme`) or only methods (`method`).
    pub kind: Option<ProgrammeKind>,
    /// Only programmes whose age range covers this age in years (a bound the catalogue does not
    /// state does not exclude).
    #[param(minimum = 0, maximum = 25)]
    pub age: Option<i32>,
    /// Only the programme with this short name.
    pub short_name: Option<String>,
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
    /// `programme` when absent.
    #[serde(default)]
    pub kind: Option<ProgrammeKind>,
    /// Consecutive steps of the standard staircase, 1-6 (`[4, 5]`); none when absent.
    #[serde(default)]
    #[schema(example = json!([3]))]
    pub staircase_steps: Option<Vec<i32>>,
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
    pub kind: Option<ProgrammeKind>,
    /// Consecutive steps of the standard staircase, 1-6; `[]` or `null` clears.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<i32>>)]
    pub staircase_steps: Option<Option<Vec<i32>>>,
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

impl AdoptionView {
    /// From the adoption's row as listed with the names of its municipality and programme.
    pub fn from_row(row: AdoptionListing) -> Self {
        let AdoptionListing {
            adoption,
            municipality_slug,
            municipality_name,
            programme_short_name,
            programme_name,
        } = row;
        let AdoptionRow {
            id,
            municipality_id: _,
            programme_id,
            status,
            started_on,
            ended_on,
            yearly_capacity,
            capacity_unit,
            certified_practitioners,
            operating_unit,
            notes,
            created_at,
            updated_at,
        } = adoption;
        Self {
            id,
            municipality: MunicipalityRef {
                slug: municipality_slug,
                name: municipality_name,
            },
            programme: ProgrammeRef {
                id: programme_id,
                short_name: programme_short_name,
                name: programme_name,
            },
            status,
            started_on,
            ended_on,
            yearly_capacity,
            capacity_unit,
            certified_practitioners,
            operating_unit,
            notes,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The filters of a municipality's adoptions (and of their CSV export).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdoptionFilter {
    /// Only adoptions with this status.
    pub status: Option<AdoptionStatus>,
    /// Only adoptions of this programme.
    pub programme_id: Option<i64>,
}

/// The filters of a programme's adoptions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeAdoptionFilter {
    /// Only adoptions with this status.
    pub status: Option<AdoptionStatus>,
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

impl FiguresView {
    pub fn from_row(row: FiguresRow) -> Self {
        let FiguresRow {
            id: _,
            municipality_id: _,
            adoption_id: _,
            period,
            period_start,
            period_end,
            started,
            completed,
            dropped_out,
            created_at: _,
            updated_at,
        } = row;
        Self {
            period,
            period_start,
            period_end,
            started,
            completed,
            dropped_out,
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The filters of an adoption's figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresFilter {
    /// Only periods inside this calendar year.
    #[param(minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
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

impl SharedAdoption {
    pub fn from_row(row: AdoptionRow, programme: ProgrammeRef) -> Self {
        let AdoptionRow {
            id,
            municipality_id: _,
            programme_id: _,
            status,
            started_on: _,
            ended_on: _,
            yearly_capacity,
            capacity_unit,
            certified_practitioners: _,
            operating_unit: _,
            notes: _,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            id,
            programme,
            status,
            yearly_capacity,
            capacity_unit,
        }
    }
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

impl PartnerView {
    /// `use_`: the partner's use of its share, where the viewer may see it.
    pub fn from_row(
        row: PartnerRow,
        municipality: MunicipalityRef,
        use_: Option<Vec<YearUse>>,
    ) -> Self {
        let PartnerRow {
            id: _,
            municipality_id: _,
            partnership_id: _,
            partner_municipality_id: _,
            yearly_share,
            status,
            invited_at,
            responded_at,
            updated_at: _,
        } = row;
        Self {
            municipality,
            status,
            yearly_share,
            invited_at: Timestamp(invited_at),
            responded_at: responded_at.map(Timestamp),
            use_,
        }
    }
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

impl PartnershipView {
    /// The partnership as the addressed municipality (in `role`) sees it: the host, the
    /// shared adoption and the partners it may see.
    pub fn from_row(
        row: PartnershipRow,
        host: MunicipalityRef,
        adoption: SharedAdoption,
        role: PartyRole,
        partners: Vec<PartnerView>,
    ) -> Self {
        let PartnershipRow {
            id,
            municipality_id: _,
            adoption_id: _,
            period_start,
            period_end,
            allow_over_share,
            notes,
            created_at,
            updated_at,
        } = row;
        Self {
            id,
            host,
            adoption,
            period_start,
            period_end,
            allow_over_share,
            notes,
            role,
            partners,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The filters of a municipality's partnerships.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnershipFilter {
    /// Only partnerships the municipality hosts (`host`) or is invited to (`partner`).
    pub role: Option<PartyRole>,
    /// Only partnerships on this adoption of the host.
    pub adoption_id: Option<i64>,
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
    pub fn from_row(row: ReferralRow, partner: MunicipalityRef) -> Self {
        let ReferralRow {
            id,
            municipality_id: _,
            partnership_id,
            partner_id: _,
            partner_municipality_id: _,
            share_year,
            period,
            period_start,
            period_end,
            referred,
            over_share,
            note,
            created_at,
        } = row;
        Self {
            id,
            partnership_id,
            partner,
            period,
            period_start,
            period_end,
            year: share_year,
            referred,
            over_share,
            note,
            created_at: Timestamp(created_at),
        }
    }
}

/// The filters of a partnership's referrals.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilter {
    /// Only this partner's referrals (its slug; the host's view).
    pub partner: Option<String>,
    /// Only referrals against this calendar year's share.
    #[param(minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
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
