//! Database rows of the placements module (never serialized to clients: see `dto`), and the
//! stored states their text columns hold.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

retning_kernel::text_enum! {
    /// `placement` (anbringelse uden for hjemmet) or `support` (støttende eller forebyggende
    /// indsats).
    pub enum MeasureCategory {
        /// Anbringelse uden for hjemmet.
        Placement = "placement",
        /// Støttende eller forebyggende indsats.
        Support = "support",
    }
}

retning_kernel::text_enum! {
    /// The law a measure was decided under: `SEL` (Serviceloven) for measures starting before
    /// 2024-01-01, `BL` (Barnets lov) from then.
    pub enum MeasureLaw {
        Sel = "SEL",
        Bl = "BL",
    }
}

retning_kernel::text_enum! {
    /// Who delivers a measure.
    pub enum MeasureProviderType {
        /// One of the municipality's own units.
        Own = "own",
        /// Another municipality's (shared) offer.
        Municipality = "municipality",
        /// A private provider.
        Private = "private",
    }
}

retning_kernel::text_enum! {
    /// A kind of measure: a placement type or a kind of support measure (see
    /// GET /api/v1/placements/kinds).
    pub enum KindKey {
        Netvaerksplejefamilie = "netvaerksplejefamilie",
        AlmenPlejefamilie = "almen_plejefamilie",
        ForstaerketPlejefamilie = "forstaerket_plejefamilie",
        SpecialiseretPlejefamilie = "specialiseret_plejefamilie",
        KommunalPlejefamilie = "kommunal_plejefamilie",
        EgetVaerelse = "eget_vaerelse",
        Opholdssted = "opholdssted",
        Doegninstitution = "doegninstitution",
        SikretDoegninstitution = "sikret_doegninstitution",
        BoerneOgUngehjem = "boerne_og_ungehjem",
        Efterskole = "efterskole",
        Skibsprojekt = "skibsprojekt",
        TidligIndsats = "tidlig_indsats",
        Raadgivning = "raadgivning",
        Kontaktperson = "kontaktperson",
        ForebyggendeIndsats = "forebyggende_indsats",
        PraktiskPaedagogiskStoette = "praktisk_paedagogisk_stoette",
        Familiebehandling = "familiebehandling",
        DoegnopholdFamilie = "doegnophold_familie",
        Aflastning = "aflastning",
        AndenStoette = "anden_stoette",
    }
}

retning_kernel::text_enum! {
    /// The state of a place request (the offers module's states, as this module reads them).
    pub enum PlaceRequestStatus {
        Requested = "requested",
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        Active = "active",
        Ended = "ended",
    }
}

/// The states of a request a measure may be bought through: the provider has said yes.
pub const LINKABLE_REQUESTS: [PlaceRequestStatus; 3] = [
    PlaceRequestStatus::Accepted,
    PlaceRequestStatus::Active,
    PlaceRequestStatus::Ended,
];

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

/// A step to add to a municipality's staircase.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = placement_steps)]
pub struct NewStep<'a> {
    pub municipality_id: i64,
    pub key: &'a str,
    pub position: i32,
    pub name: &'a str,
    pub standard_step: i32,
    pub description: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A kept step's new place, name, standard step and description.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = placement_steps, treat_none_as_null = true)]
pub struct StepChanges<'a> {
    pub position: i32,
    pub name: &'a str,
    pub standard_step: i32,
    pub description: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = placement_measures)]
pub struct MeasureRow {
    pub id: i64,
    pub municipality_id: i64,
    pub child_ref: String,
    pub birth_year: i32,
    pub category: MeasureCategory,
    pub kind: KindKey,
    pub step_id: Option<i64>,
    pub standard_step: i32,
    pub legal_law: Option<MeasureLaw>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub consent: Option<bool>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub provider_type: Option<MeasureProviderType>,
    pub provider_name: Option<String>,
    pub provider_municipality_id: Option<i64>,
    pub yearly_cost_dkk: Option<i64>,
    pub evidence_programme_id: Option<i64>,
    pub note: Option<String>,
    pub synthetic: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub place_request_id: Option<i64>,
}

/// A validated measure, ready to insert or to update a row with (every reference resolved).
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = placement_measures, treat_none_as_null = true)]
pub struct MeasureValues {
    pub child_ref: String,
    pub birth_year: i32,
    pub category: MeasureCategory,
    pub kind: KindKey,
    pub step_id: Option<i64>,
    pub standard_step: i32,
    pub legal_law: Option<MeasureLaw>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub consent: Option<bool>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub provider_type: Option<MeasureProviderType>,
    pub provider_name: Option<String>,
    pub provider_municipality_id: Option<i64>,
    pub yearly_cost_dkk: Option<i64>,
    pub evidence_programme_id: Option<i64>,
    pub note: Option<String>,
    pub place_request_id: Option<i64>,
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
