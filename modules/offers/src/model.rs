//! Database rows of the offers module (never serialised straight out; see `dto`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use retning_kernel::pagination::SortKey;

use crate::schema::{offer_partners, offer_place_requests, offer_target_groups, offers};

// ---------------------------------------------------------------------------------------------
// Stored states

retning_kernel::text_enum! {
    /// What kind of offer it is (Tilbudsportalen's offer types, the ones child welfare buys).
    pub enum OfferType {
        /// Døgninstitution.
        ResidentialInstitution = "residential_institution",
        /// Socialpædagogisk opholdssted.
        ResidentialHome = "residential_home",
        /// Plejefamilie.
        FosterFamily = "foster_family",
        /// Aflastning.
        ReliefCare = "relief_care",
        /// Indsats i hjemmet.
        HomeBased = "home_based",
        Other = "other",
    }
}

retning_kernel::text_enum! {
    /// The law an offer is given under: `SEL` (Serviceloven) before 2024-01-01, `BL` (Barnets
    /// lov) from then.
    pub enum Law {
        Sel = "SEL",
        Bl = "BL",
    }
}

retning_kernel::text_enum! {
    /// What a rate is charged per.
    pub enum RatePeriod {
        Day = "day",
        Month = "month",
    }
}

retning_kernel::text_enum! {
    /// Where an offer stands: a draft is seen by the provider only; only an open offer takes
    /// place requests.
    pub enum OfferStatus {
        Draft = "draft",
        Open = "open",
        Closed = "closed",
    }
}

retning_kernel::text_enum! {
    /// Who sees an offer besides its provider.
    pub enum OfferVisibility {
        /// Every municipality and the public.
        All = "all",
        /// The named partner municipalities.
        Partners = "partners",
    }
}

retning_kernel::text_enum! {
    /// Where a place request stands.
    pub enum RequestStatus {
        Requested = "requested",
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        /// The child has arrived.
        Active = "active",
        Ended = "ended",
    }
}

retning_kernel::text_enum! {
    /// A transition of a place request, by the party that may make it.
    pub enum RequestAction {
        Accept = "accept",
        Decline = "decline",
        Withdraw = "withdraw",
        Start = "start",
        End = "end",
    }
}

retning_kernel::text_enum! {
    /// The two parties of a place request.
    pub enum Party {
        Provider = "provider",
        Buyer = "buyer",
    }
}

/// The states whose places count against an offer's approved places.
pub const BOOKED: [RequestStatus; 2] = [RequestStatus::Accepted, RequestStatus::Active];

impl RequestAction {
    /// The party that makes this transition.
    pub fn party(self) -> Party {
        match self {
            RequestAction::Withdraw => Party::Buyer,
            RequestAction::Accept
            | RequestAction::Decline
            | RequestAction::Start
            | RequestAction::End => Party::Provider,
        }
    }

    /// The state this transition leads to.
    pub fn target(self) -> RequestStatus {
        match self {
            RequestAction::Accept => RequestStatus::Accepted,
            RequestAction::Decline => RequestStatus::Declined,
            RequestAction::Withdraw => RequestStatus::Withdrawn,
            RequestAction::Start => RequestStatus::Active,
            RequestAction::End => RequestStatus::Ended,
        }
    }
}

impl RequestStatus {
    /// The transitions allowed from this state (by either party).
    pub fn allowed(self) -> &'static [RequestAction] {
        match self {
            RequestStatus::Requested => &[
                RequestAction::Accept,
                RequestAction::Decline,
                RequestAction::Withdraw,
            ],
            RequestStatus::Accepted => &[RequestAction::Start, RequestAction::Withdraw],
            RequestStatus::Active => &[RequestAction::End],
            RequestStatus::Declined | RequestStatus::Withdrawn | RequestStatus::Ended => &[],
        }
    }
}

retning_kernel::text_enum! {
    /// The market's and an offer list's sort keys.
    pub enum OfferSort {
        Name = "name",
        Provider = "provider",
        ApprovedPlaces = "approved_places",
        UpdatedAt = "updated_at",
    }
}

impl SortKey for OfferSort {
    const DEFAULT: Self = OfferSort::Name;
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: i64,
    pub municipality_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub provider_unit: Option<String>,
    pub offer_type: OfferType,
    pub legal_law: Option<Law>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub staircase_step: Option<i32>,
    pub method: Option<String>,
    pub programme_id: Option<i64>,
    pub approved_places: Option<i32>,
    pub typical_duration: Option<String>,
    pub rate_dkk: Option<i64>,
    pub rate_period: Option<RatePeriod>,
    pub rate_occupancy_percent: Option<i32>,
    pub contact: Option<String>,
    pub status: OfferStatus,
    pub visibility: OfferVisibility,
    pub source_document: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The writable state of an offer: what a creation inserts beside the provider, and the whole
/// state an update writes back (`None` clears a column).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = offers, treat_none_as_null = true)]
pub struct OfferValues {
    pub name: String,
    pub description: Option<String>,
    pub provider_unit: Option<String>,
    pub offer_type: OfferType,
    pub legal_law: Option<Law>,
    pub legal_paragraph: Option<String>,
    pub legal_stk: Option<i32>,
    pub legal_nr: Option<i32>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub staircase_step: Option<i32>,
    pub method: Option<String>,
    pub programme_id: Option<i64>,
    pub approved_places: Option<i32>,
    pub typical_duration: Option<String>,
    pub rate_dkk: Option<i64>,
    pub rate_period: Option<RatePeriod>,
    pub rate_occupancy_percent: Option<i32>,
    pub contact: Option<String>,
    pub status: OfferStatus,
    pub visibility: OfferVisibility,
    pub source_document: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl From<OfferRow> for OfferValues {
    fn from(row: OfferRow) -> Self {
        let OfferRow {
            id: _,
            municipality_id: _,
            name,
            description,
            provider_unit,
            offer_type,
            legal_law,
            legal_paragraph,
            legal_stk,
            legal_nr,
            age_min,
            age_max,
            staircase_step,
            method,
            programme_id,
            approved_places,
            typical_duration,
            rate_dkk,
            rate_period,
            rate_occupancy_percent,
            contact,
            status,
            visibility,
            source_document,
            created_at: _,
            updated_at,
        } = row;
        Self {
            name,
            description,
            provider_unit,
            offer_type,
            legal_law,
            legal_paragraph,
            legal_stk,
            legal_nr,
            age_min,
            age_max,
            staircase_step,
            method,
            programme_id,
            approved_places,
            typical_duration,
            rate_dkk,
            rate_period,
            rate_occupancy_percent,
            contact,
            status,
            visibility,
            source_document,
            updated_at,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = offers)]
pub struct NewOffer {
    pub municipality_id: i64,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub values: OfferValues,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offer_target_groups)]
pub struct TargetGroupRow {
    pub offer_id: i64,
    pub target_group: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = offer_target_groups)]
pub struct NewTargetGroup {
    pub municipality_id: i64,
    pub offer_id: i64,
    pub position: i32,
    pub target_group: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = offer_partners)]
pub struct NewPartner {
    pub municipality_id: i64,
    pub offer_id: i64,
    pub partner_municipality_id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offer_place_requests)]
pub struct RequestRow {
    pub id: i64,
    /// The buyer.
    pub municipality_id: i64,
    pub provider_municipality_id: i64,
    pub offer_id: i64,
    pub places: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub case_reference: Option<String>,
    pub note: Option<String>,
    pub status: RequestStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = offer_place_requests)]
pub struct NewRequest {
    /// The buyer.
    pub municipality_id: i64,
    pub provider_municipality_id: i64,
    pub offer_id: i64,
    pub places: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub case_reference: Option<String>,
    pub note: Option<String>,
    pub status: RequestStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = offer_place_requests)]
pub struct RequestTransition {
    pub status: RequestStatus,
    pub updated_at: NaiveDateTime,
}

/// A municipality as views name it.
#[derive(Debug, Clone, Queryable)]
pub struct MunicipalityName {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub region: String,
}
