//! Request and response types of the offers module (rows never go out as they are).

use chrono::NaiveDate;
use retning_kernel::{double_option, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{
    Law, MunicipalityName, OfferRow, OfferStatus, OfferType, OfferVisibility, Party, RatePeriod,
    RequestAction, RequestRow, RequestStatus,
};
use crate::repo::FigureRow;

/// A municipality as an offer or a place request names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferMunicipality {
    #[schema(example = "vejle")]
    pub slug: String,
    #[schema(example = "Vejle Kommune")]
    pub name: String,
    #[schema(example = "Region Syddanmark")]
    pub region: String,
}

impl OfferMunicipality {
    pub fn from_row(row: MunicipalityName) -> Self {
        let MunicipalityName {
            id: _,
            slug,
            name,
            region,
        } = row;
        Self { slug, name, region }
    }
}

/// An evidence programme of the catalogue, as an offer names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferProgramme {
    pub id: i64,
    #[schema(example = "mst")]
    pub short_name: String,
    pub name: String,
}

/// The legal basis (lovgrundlag): law and paragraph (+ stk., nr.).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferLegalBasis {
    /// `SEL` (Serviceloven) before 2024-01-01, `BL` (Barnets lov) from then: the law in force on
    /// the day the legal basis is written.
    pub law: Law,
    /// The paragraph number (`66`, `32`, `76a`), optionally written with `§`.
    #[schema(example = "46", pattern = "^(§ ?)?[0-9]{1,4}[A-Za-z]{0,2}$")]
    pub paragraph: String,
    /// Stykke.
    #[schema(minimum = 1, maximum = 99)]
    #[serde(default)]
    pub stk: Option<i32>,
    /// Nummer.
    #[schema(minimum = 1, maximum = 99)]
    #[serde(default)]
    pub nr: Option<i32>,
}

/// A new offer. Places, rate and occupancy may stay empty until the provider knows them; an
/// offer without approved places takes no place requests.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOfferInput {
    #[schema(example = "Horisonten", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// The unit (institution, department) that delivers it.
    #[serde(default)]
    #[schema(example = "Fårupgaard", max_length = 200)]
    pub provider_unit: Option<String>,
    pub offer_type: OfferType,
    #[serde(default)]
    pub legal_basis: Option<OfferLegalBasis>,
    /// Target groups, each at most 100 characters, at most 20.
    #[serde(default)]
    pub target_groups: Vec<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 30)]
    pub age_min: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 30)]
    pub age_max: Option<i32>,
    /// The step of the standard six-step staircase (1-6).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 6)]
    pub staircase_step: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub method: Option<String>,
    /// The short name of an evidence programme of the catalogue (`mst`).
    #[serde(default)]
    pub programme: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub approved_places: Option<i32>,
    #[serde(default)]
    #[schema(example = "6 måneder", max_length = 200)]
    pub typical_duration: Option<String>,
    /// The rate (takst) in whole kroner per `rate_period`.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000000)]
    pub rate_dkk: Option<i64>,
    /// Required with `rate_dkk`.
    #[serde(default)]
    pub rate_period: Option<RatePeriod>,
    /// The occupancy the rate assumes, in percent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub rate_occupancy_percent: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub contact: Option<String>,
    /// `draft` unless given.
    #[serde(default)]
    pub status: Option<OfferStatus>,
    /// `all` unless given.
    #[serde(default)]
    pub visibility: Option<OfferVisibility>,
    /// With `visibility = partners`: the partner municipalities' slugs.
    #[serde(default)]
    pub partners: Vec<String>,
    /// The document the offer's text is taken from.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub source_document: Option<String>,
}

/// A change of an offer: absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub provider_unit: Option<Option<String>>,
    pub offer_type: Option<OfferType>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OfferLegalBasis>)]
    pub legal_basis: Option<Option<OfferLegalBasis>>,
    pub target_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 30)]
    pub age_min: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 30)]
    pub age_max: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 6)]
    pub staircase_step: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub method: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub programme: Option<Option<String>>,
    /// Lowering it below what accepted and active requests book on some day from today is
    /// refused with `offers.places_booked`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000)]
    pub approved_places: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub typical_duration: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100000000)]
    pub rate_dkk: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<RatePeriod>)]
    pub rate_period: Option<Option<RatePeriod>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub rate_occupancy_percent: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub contact: Option<Option<String>>,
    pub status: Option<OfferStatus>,
    pub visibility: Option<OfferVisibility>,
    pub partners: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source_document: Option<Option<String>>,
}

/// An offer as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: i64,
    /// The provider municipality.
    pub provider: OfferMunicipality,
    pub name: String,
    pub description: Option<String>,
    pub provider_unit: Option<String>,
    pub offer_type: OfferType,
    pub legal_basis: Option<OfferLegalBasis>,
    pub target_groups: Vec<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub staircase_step: Option<i32>,
    pub method: Option<String>,
    pub programme: Option<OfferProgramme>,
    pub approved_places: Option<i32>,
    /// Approved places minus the places accepted and active requests book on `vacancy_date`
    /// (computed from the requests, never stored); null while approved places are unknown.
    pub vacant_places: Option<i64>,
    /// The day `vacant_places` is counted for (today unless asked for another).
    pub vacancy_date: NaiveDate,
    pub typical_duration: Option<String>,
    pub rate_dkk: Option<i64>,
    pub rate_period: Option<RatePeriod>,
    pub rate_occupancy_percent: Option<i32>,
    pub contact: Option<String>,
    pub status: OfferStatus,
    pub visibility: OfferVisibility,
    /// The partner municipalities (slugs) of a partners-only offer; shown to the provider only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partners: Option<Vec<String>>,
    pub source_document: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// What an offer view shows besides its row.
pub struct OfferExtras {
    pub provider: OfferMunicipality,
    pub programme: Option<OfferProgramme>,
    pub target_groups: Vec<String>,
    pub booked: i64,
    pub vacancy_date: NaiveDate,
    pub partners: Option<Vec<String>>,
}

impl OfferView {
    pub fn from_row(row: OfferRow, x: OfferExtras) -> Self {
        let OfferRow {
            id,
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
            programme_id: _,
            approved_places,
            typical_duration,
            rate_dkk,
            rate_period,
            rate_occupancy_percent,
            contact,
            status,
            visibility,
            source_document,
            created_at,
            updated_at,
        } = row;
        let legal_basis = match (legal_law, legal_paragraph) {
            (Some(law), Some(paragraph)) => Some(OfferLegalBasis {
                law,
                paragraph,
                stk: legal_stk,
                nr: legal_nr,
            }),
            _ => None,
        };
        Self {
            id,
            provider: x.provider,
            name,
            description,
            provider_unit,
            offer_type,
            legal_basis,
            target_groups: x.target_groups,
            age_min,
            age_max,
            staircase_step,
            method,
            programme: x.programme,
            approved_places,
            vacant_places: approved_places.map(|p| i64::from(p) - x.booked),
            vacancy_date: x.vacancy_date,
            typical_duration,
            rate_dkk,
            rate_period,
            rate_occupancy_percent,
            contact,
            status,
            visibility,
            partners: x.partners,
            source_document,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The market's filters (also the CSV export's).
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MarketFilter {
    /// Only offers of this type.
    pub offer_type: Option<OfferType>,
    /// Only offers given under this law.
    pub law: Option<Law>,
    /// Only offers with this target group (exactly as the provider wrote it).
    pub target_group: Option<String>,
    /// Only offers whose age range covers this age (a bound not stated does not exclude).
    #[param(minimum = 0, maximum = 30)]
    pub age: Option<i32>,
    /// Only offers on this step of the standard staircase.
    #[param(minimum = 1, maximum = 6)]
    pub step: Option<i32>,
    /// Only providers in this region (`Region Syddanmark`).
    pub region: Option<String>,
    /// Only this provider municipality's offers (its slug).
    pub provider: Option<String>,
    /// Only offers using this evidence programme (its short name).
    pub programme: Option<String>,
    /// Free text in name, description, provider unit and method.
    pub q: Option<String>,
    /// With `vacant_to`: only offers with at least `vacant_places` free places on every day
    /// from `vacant_from` to `vacant_to` (both included).
    pub vacant_from: Option<NaiveDate>,
    pub vacant_to: Option<NaiveDate>,
    /// How many free places the vacancy filter asks for (default 1).
    #[param(minimum = 1, maximum = 1000)]
    pub vacant_places: Option<i32>,
    /// The day `vacant_places` of each offer is counted for (default today).
    pub vacancy_date: Option<NaiveDate>,
}

/// The filters of a provider's own list of offers.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfferListFilter {
    /// Only offers with this status (drafts are the provider's own).
    pub status: Option<OfferStatus>,
    /// The day `vacant_places` of each offer is counted for (default today).
    pub vacancy_date: Option<NaiveDate>,
}

/// The day an offer's vacancy is shown for.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VacancyQuery {
    /// The day `vacant_places` is counted for (default today).
    pub vacancy_date: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------------------------
// Place requests

/// A buying municipality's request for places in another municipality's offer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlaceRequest {
    pub offer_id: i64,
    #[schema(minimum = 1, maximum = 1000)]
    pub places: i32,
    /// First day (included).
    pub period_start: NaiveDate,
    /// Last day (included).
    pub period_end: NaiveDate,
    /// The buyer's own pseudonymous case reference (never a CPR number).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub case_reference: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The offer a place request is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceRequestOffer {
    pub id: i64,
    pub name: String,
}

/// A place request as its two parties see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceRequestView {
    pub id: i64,
    pub offer: PlaceRequestOffer,
    pub buyer: OfferMunicipality,
    pub provider: OfferMunicipality,
    /// Which side the caller's municipality is.
    pub viewer: Party,
    pub places: i32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub case_reference: Option<String>,
    pub note: Option<String>,
    pub status: RequestStatus,
    /// The transitions the viewing party may make now.
    pub allowed: Vec<RequestAction>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl PlaceRequestView {
    pub fn from_row(
        row: RequestRow,
        offer: PlaceRequestOffer,
        buyer: OfferMunicipality,
        provider: OfferMunicipality,
        viewer: Party,
    ) -> Self {
        let RequestRow {
            id,
            municipality_id: _,
            provider_municipality_id: _,
            offer_id: _,
            places,
            period_start,
            period_end,
            case_reference,
            note,
            status,
            created_at,
            updated_at,
        } = row;
        Self {
            id,
            offer,
            buyer,
            provider,
            viewer,
            places,
            period_start,
            period_end,
            case_reference,
            note,
            status,
            allowed: status
                .allowed()
                .iter()
                .copied()
                .filter(|a| a.party() == viewer)
                .collect(),
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The filters of a municipality's place requests.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlaceRequestFilter {
    /// Only requests where the municipality is this party (both unless given).
    pub party: Option<Party>,
    /// Only requests in this state.
    pub status: Option<RequestStatus>,
    /// Only requests for this offer.
    pub offer_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Figures

/// The calendar year figures are for.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// The calendar year (1 January to 31 December, both included).
    #[param(minimum = 1990, maximum = 2100, example = 2030)]
    pub year: i32,
}

/// Figures of one offer in a calendar year, computed from its place requests when asked (never
/// stored). For the provider: everything sold. For a buyer: what the buyer bought (its own
/// requests only; `revenue_dkk` is then what it pays).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferFigures {
    pub offer: PlaceRequestOffer,
    pub provider: OfferMunicipality,
    #[schema(example = 2030)]
    pub year: i32,
    /// Days of the year (365, or 366 in a leap year).
    #[schema(example = 365)]
    pub days: i64,
    /// The offer's approved places (as they stand now).
    pub approved_places: Option<i32>,
    pub rate_dkk: Option<i64>,
    pub rate_period: Option<RatePeriod>,
    /// Accepted, active and ended requests with days in the year.
    pub requests: i64,
    /// Σ places × days of those requests within the year (both ends of a period included).
    pub place_days: i64,
    /// Place-days ÷ (approved places × days of the year) in percent, one decimal; `null` without
    /// approved places.
    pub occupancy_percent: Option<f64>,
    /// Whole kroner: rate × place-days for a day rate; for a month rate a place-day is 12 / days
    /// of the year months (rate × 12 × place-days ÷ days, rounded half up); `null` without a
    /// rate.
    pub revenue_dkk: Option<i64>,
}

impl OfferFigures {
    pub fn from_row(
        row: FigureRow,
        offer: &OfferRow,
        provider: OfferMunicipality,
        year: i32,
        days: i64,
    ) -> Self {
        let FigureRow {
            offer_id,
            buyer_id: _,
            requests,
            place_days,
            occupancy_percent,
            revenue_dkk,
        } = row;
        Self {
            offer: PlaceRequestOffer {
                id: offer_id,
                name: offer.name.clone(),
            },
            provider,
            year,
            days,
            approved_places: offer.approved_places,
            rate_dkk: offer.rate_dkk,
            rate_period: offer.rate_period,
            requests,
            place_days,
            occupancy_percent,
            revenue_dkk,
        }
    }
}

/// Who figures are shown to: exact to the provider's members, protected to everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OffersAudience)]
pub enum Audience {
    /// The provider's own users and keys: exact figures.
    Member,
    /// Everyone else: small counts suppressed.
    Public,
}

/// A count: `{"value": 120}`, or `{"suppressed": true}` when it is withheld.
#[derive(Debug, Clone, Copy, PartialEq, ToSchema)]
#[schema(as = OffersCount)]
pub struct Count {
    pub value: Option<i64>,
    /// Present (true) only when withheld: resting on fewer than five place requests, or a cell
    /// whose value could otherwise be computed from the published figures.
    pub suppressed: Option<bool>,
}

impl Count {
    pub fn new(v: i64, suppressed: bool) -> Self {
        if suppressed {
            Self {
                value: None,
                suppressed: Some(true),
            }
        } else {
            Self {
                value: Some(v),
                suppressed: None,
            }
        }
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        if self.suppressed == Some(true) {
            map.serialize_entry("suppressed", &true)?;
        } else {
            map.serialize_entry("value", &self.value)?;
        }
        map.end()
    }
}

/// Place-days one buying municipality used in the offer in the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuyerOccupancy {
    pub buyer: OfferMunicipality,
    pub place_days: Count,
}

/// An offer's occupancy in a calendar year by buying municipality.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupancyByBuyer {
    pub offer: PlaceRequestOffer,
    pub provider: OfferMunicipality,
    pub year: i32,
    pub days: i64,
    pub audience: Audience,
    /// Place-days sold in the year, all buyers.
    pub place_days: Count,
    /// The buyers, by name.
    pub buyers: Vec<BuyerOccupancy>,
}
