//! Request and response bodies of the placements module.

use chrono::NaiveDate;
use retning_kernel::{double_option, Timestamp};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use crate::kinds;
use crate::model::{
    KindKey, MeasureCategory, MeasureLaw, MeasureProviderType, MeasureRow, StepRow,
};
use crate::views::Names;

// ------------------------------------------------------------------------------------------
// Staircase

/// One of the six standard steps of the indsatstrappe.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = StandardStep)]
pub struct StandardStepView {
    /// 1 early efforts in the universal services … 6 placement in an institution.
    pub step: i32,
    pub name: String,
}

/// A step of a municipality's own staircase.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = StaircaseStep)]
pub struct StepView {
    /// Stable identifier within the municipality (`plejefamilie`); measures refer to it.
    pub key: String,
    /// The municipality's own name for the step.
    pub name: String,
    /// 1 = lowest; the order of the municipality's staircase.
    pub position: i32,
    /// The standard step (1-6) it corresponds to.
    pub standard_step: i32,
    pub standard_name: String,
    pub description: Option<String>,
}

impl StepView {
    pub fn from_row(row: StepRow) -> Self {
        let StepRow {
            id: _,
            municipality_id: _,
            key,
            position,
            name,
            standard_step,
            description,
            created_at: _,
            updated_at: _,
        } = row;
        Self {
            key,
            name,
            position,
            standard_step,
            standard_name: kinds::standard_step_name(standard_step).to_owned(),
            description,
        }
    }
}

/// A municipality's staircase, with the standard steps it maps to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaircaseView {
    /// The municipality's slug.
    pub municipality: String,
    pub steps: Vec<StepView>,
    pub standard_steps: Vec<StandardStepView>,
}

impl StaircaseView {
    /// The municipality's staircase from its steps, lowest first.
    pub fn new(municipality: &str, steps: Vec<StepRow>) -> Self {
        Self {
            municipality: municipality.to_owned(),
            steps: steps.into_iter().map(StepView::from_row).collect(),
            standard_steps: kinds::STANDARD_STEPS
                .iter()
                .map(|(step, name)| StandardStepView {
                    step: *step,
                    name: (*name).to_owned(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StaircaseStepInput)]
pub struct StepInput {
    /// Lower-case letters, digits and dashes; keeps a step's identity across replacements.
    #[schema(pattern = "^[a-z0-9-]{1,40}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 1-6; along the staircase the standard steps never go down.
    #[schema(minimum = 1, maximum = 6)]
    pub standard_step: i32,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// The whole staircase, lowest step first. Steps are matched by key: new keys are added, missing
/// keys removed; a step measures stand on may be renamed or moved but not removed or re-mapped.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaircaseInput {
    #[schema(min_items = 1, max_items = 12)]
    pub steps: Vec<StepInput>,
}

/// A kind of measure.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MeasureKind)]
pub struct KindView {
    /// The value of a measure's `kind`.
    pub key: KindKey,
    pub category: MeasureCategory,
    /// Danish name.
    pub label: String,
    /// For placements the standard step they stand on; for support measures the default.
    pub standard_step: i32,
    /// Counted in the foster-family share (family care, network foster families included).
    pub foster_family: bool,
    /// Counted in the network share.
    pub network: bool,
}

impl KindView {
    pub fn of(kind: &kinds::Kind) -> Self {
        let kinds::Kind {
            key,
            category,
            standard_step,
            label,
            foster_family,
            network,
        } = *kind;
        Self {
            key,
            category,
            label: label.to_owned(),
            standard_step,
            foster_family,
            network,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Measures

/// Law and paragraph the measure was decided under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeasureLegalBasis)]
pub struct LegalBasis {
    /// `SEL` (Serviceloven) for measures starting before 2024-01-01, `BL` (Barnets lov) from then.
    #[schema(pattern = "^(SEL|BL)$")]
    pub law: String,
    /// The paragraph number (`52`, `46`, `76a`).
    pub paragraph: String,
    /// Stykke.
    #[schema(minimum = 1, maximum = 99)]
    pub stk: Option<i32>,
    /// Nummer.
    #[schema(minimum = 1, maximum = 99)]
    pub nr: Option<i32>,
    /// With the parents' consent (true) or without (false); required for placements.
    pub consent: Option<bool>,
}

/// Law and paragraph a measure was decided under, as the measure shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = MeasureLegalBasisView)]
pub struct LegalBasisView {
    pub law: MeasureLaw,
    /// The paragraph number (`52`, `46`, `76a`).
    pub paragraph: String,
    /// Stykke.
    pub stk: Option<i32>,
    /// Nummer.
    pub nr: Option<i32>,
    /// With the parents' consent (true) or without (false).
    pub consent: Option<bool>,
}

/// Who delivers the measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeasureProvider)]
pub struct Provider {
    #[serde(rename = "type")]
    pub type_: MeasureProviderType,
    /// The unit, offer or company (`Familieplejen`, `Fårupgaard`).
    #[schema(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", max_length = 200)]
    pub name: Option<String>,
    /// For `municipality`: the providing municipality's slug.
    pub municipality: Option<String>,
}

/// Who delivers a measure, as its view shows it; for a measure bought through a place request,
/// also the providing municipality's name and the offer, read from the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = MeasureProviderView)]
pub struct ProviderView {
    #[serde(rename = "type")]
    pub type_: MeasureProviderType,
    /// The unit, offer or company as recorded with the measure.
    pub name: Option<String>,
    /// For `municipality`: the providing municipality's slug.
    pub municipality: Option<String>,
    /// For a measure bought through a place request: the providing municipality's name.
    pub municipality_name: Option<String>,
    /// For a measure bought through a place request: the name of the offer it was bought at.
    pub offer: Option<String>,
}

/// A new measure. Any field holding a CPR-shaped number is refused (422 naming the field).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasure {
    /// The municipality's own pseudonymous case key for the child (never a CPR number).
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        max_length = 64
    )]
    pub child_ref: String,
    #[schema(minimum = 1970)]
    pub birth_year: i32,
    pub category: MeasureCategory,
    /// A kind of the category (see GET /api/v1/placements/kinds).
    pub kind: String,
    /// The key of a step of the municipality's staircase; default: its first step on the kind's
    /// standard step.
    pub step: Option<String>,
    pub legal_basis: Option<LegalBasis>,
    pub start_date: NaiveDate,
    /// Last day of the measure (inclusive); null while it lasts.
    pub end_date: Option<NaiveDate>,
    pub provider: Option<Provider>,
    /// Yearly cost in whole kroner.
    #[schema(minimum = 0, maximum = 100000000)]
    pub yearly_cost_dkk: Option<i64>,
    /// The short name of an evidence programme of the catalogue (`mst`, `tfco-a`).
    pub evidence_programme: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// The place request (GET /api/v1/municipalities/{municipality}/place-requests/{id}) the
    /// measure was bought through: the municipality's own as buyer, accepted, active or ended.
    /// The provider is then the request's municipality (filled in when `provider` is absent).
    #[serde(default)]
    pub place_request_id: Option<i64>,
}

/// Changes to a measure: absent fields stay, `null` clears. The whole measure is validated after.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatch {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        max_length = 64
    )]
    pub child_ref: Option<String>,
    #[schema(minimum = 1970)]
    pub birth_year: Option<i32>,
    pub category: Option<MeasureCategory>,
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub step: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<LegalBasis>)]
    pub legal_basis: Option<Option<LegalBasis>>,
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Provider>)]
    pub provider: Option<Option<Provider>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100000000)]
    pub yearly_cost_dkk: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub evidence_programme: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub place_request_id: Option<Option<i64>>,
}

/// A step as a measure refers to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MeasureStep)]
pub struct StepRef {
    pub key: String,
    pub name: String,
    pub standard_step: i32,
}

/// An evidence programme as a measure refers to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MeasureProgramme)]
pub struct ProgrammeRef {
    pub short_name: String,
    pub name: String,
}

/// A measure (the municipality's own users only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureView {
    pub id: i64,
    /// The municipality's slug.
    pub municipality: String,
    pub child_ref: String,
    pub birth_year: i32,
    pub category: MeasureCategory,
    pub kind: KindKey,
    pub kind_label: String,
    /// The municipality's step, if its staircase has one for the measure.
    pub step: Option<StepRef>,
    pub standard_step: i32,
    pub legal_basis: Option<LegalBasisView>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Still running (no end date).
    pub open: bool,
    pub provider: Option<ProviderView>,
    pub yearly_cost_dkk: Option<i64>,
    pub evidence_programme: Option<ProgrammeRef>,
    pub note: Option<String>,
    /// The place request the measure was bought through (see `provider` for who provides it).
    pub place_request_id: Option<i64>,
    /// Generated demo data (`retning seed --demo`), not a real child.
    pub synthetic: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl MeasureView {
    /// The measure with its step, programme and municipalities named.
    pub fn from_row(row: MeasureRow, names: &Names) -> Self {
        let MeasureRow {
            id,
            municipality_id,
            child_ref,
            birth_year,
            category,
            kind,
            step_id,
            standard_step,
            legal_law,
            legal_paragraph,
            legal_stk,
            legal_nr,
            consent,
            start_date,
            end_date,
            provider_type,
            provider_name,
            provider_municipality_id,
            yearly_cost_dkk,
            evidence_programme_id,
            note,
            synthetic,
            created_at,
            updated_at,
            place_request_id,
        } = row;
        let legal_basis = match (legal_law, legal_paragraph) {
            (Some(law), Some(paragraph)) => Some(LegalBasisView {
                law,
                paragraph,
                stk: legal_stk,
                nr: legal_nr,
                consent,
            }),
            _ => None,
        };
        let bought = place_request_id.and_then(|id| names.bought(id));
        let provider = provider_type.map(|type_| ProviderView {
            type_,
            name: provider_name,
            municipality: provider_municipality_id
                .and_then(|id| names.slug(id))
                .map(str::to_owned),
            municipality_name: bought.map(|(_, name, _)| name.to_owned()),
            offer: bought.map(|(_, _, offer)| offer.to_owned()),
        });
        Self {
            id,
            municipality: names.slug(municipality_id).unwrap_or_default().to_owned(),
            child_ref,
            birth_year,
            category,
            kind,
            kind_label: kinds::kind(kind).map_or("", |k| k.label).to_owned(),
            step: step_id.and_then(|id| names.step(id)).map(|s| StepRef {
                key: s.key.clone(),
                name: s.name.clone(),
                standard_step: s.standard_step,
            }),
            standard_step,
            legal_basis,
            start_date,
            end_date,
            open: end_date.is_none(),
            provider,
            yearly_cost_dkk,
            evidence_programme: evidence_programme_id
                .and_then(|id| names.programme(id))
                .map(|(short_name, name)| ProgrammeRef {
                    short_name: short_name.to_owned(),
                    name: name.to_owned(),
                }),
            note,
            place_request_id,
            synthetic,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

retning_kernel::text_enum! {
    /// What the list of measures can be sorted by: start (default newest first, `-start_date`),
    /// end (open measures last either way), the staircase step, or the last change; ties by id.
    pub enum MeasureSort {
        StartDate = "start_date",
        EndDate = "end_date",
        Step = "standard_step",
        UpdatedAt = "updated_at",
    }
}

impl retning_kernel::pagination::SortKey for MeasureSort {
    const DEFAULT: Self = MeasureSort::StartDate;
    const DEFAULT_DESCENDING: bool = true;
}

/// The filters of the list of measures (`limit` and `cursor` are the list's shared parameters).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeasureFilter {
    pub category: Option<MeasureCategory>,
    pub kind: Option<KindKey>,
    /// A step key of the municipality's staircase.
    pub step: Option<String>,
    /// `true`: only measures without an end date; `false`: only ended ones.
    pub open: Option<bool>,
    /// Only measures running on this date.
    pub active_on: Option<NaiveDate>,
    /// With `to`: only measures overlapping this period (either bound may be given alone).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// One child's measures.
    pub child_ref: Option<String>,
    /// Include generated demo data (default true).
    pub synthetic: Option<bool>,
}

/// The result of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MeasureImport)]
pub struct ImportResult {
    /// Measures created.
    pub imported: i64,
}

/// What loading a municipality's demo data did (its audit entry).
#[derive(Debug, Clone, Serialize)]
pub struct DemoLoad {
    pub synthetic: bool,
    /// Synthetic measures created.
    pub generated: usize,
    /// Synthetic measures they replaced.
    pub replaced: usize,
}

// ------------------------------------------------------------------------------------------
// Statistics

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// A calendar year.
    pub year: Option<i32>,
    /// With `to`: a period (members only; others ask for calendar years).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A single date: the figures of that day (others: the last day of a month).
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// First month (any day of it).
    pub from: NaiveDate,
    /// Last month (any day of it); at most 240 months.
    pub to: NaiveDate,
}

/// Who the figures are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatisticsAudience)]
pub enum Audience {
    /// The municipality's own users and keys: exact figures.
    Member,
    /// Everyone else: aggregated figures with small counts suppressed.
    Public,
}

/// A count: `{"value": 12}`, or `{"suppressed": true}` when it is withheld.
#[derive(Debug, Clone, Copy, PartialEq, ToSchema)]
#[schema(as = StatisticsCount)]
pub struct Count {
    pub value: Option<i64>,
    /// Present (true) only when withheld: fewer than five children, or a cell whose value could
    /// otherwise be computed from published figures.
    pub suppressed: Option<bool>,
}

/// A figure (full-year placements, a share, an average): `{"value": 3.5}`, `{"value": null}`
/// when there is nothing to compute it from, or `{"suppressed": true}`.
#[derive(Debug, Clone, Copy, PartialEq, ToSchema)]
#[schema(as = StatisticsFigure)]
pub struct Figure {
    pub value: Option<f64>,
    pub suppressed: Option<bool>,
}

impl Count {
    pub fn shown(v: i64) -> Self {
        Self {
            value: Some(v),
            suppressed: None,
        }
    }
    pub fn hidden() -> Self {
        Self {
            value: None,
            suppressed: Some(true),
        }
    }
    pub fn new(v: i64, suppressed: bool) -> Self {
        if suppressed {
            Self::hidden()
        } else {
            Self::shown(v)
        }
    }
    pub fn is_suppressed(&self) -> bool {
        self.suppressed == Some(true)
    }
}

impl Figure {
    pub fn shown(v: Option<f64>) -> Self {
        Self {
            value: v,
            suppressed: None,
        }
    }
    pub fn hidden() -> Self {
        Self {
            value: None,
            suppressed: Some(true),
        }
    }
    pub fn new(v: Option<f64>, suppressed: bool) -> Self {
        if suppressed {
            Self::hidden()
        } else {
            Self::shown(v)
        }
    }
    pub fn is_suppressed(&self) -> bool {
        self.suppressed == Some(true)
    }
}

fn serialize_cell<S: Serializer, T: Serialize>(
    s: S,
    value: &Option<T>,
    suppressed: bool,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(1))?;
    if suppressed {
        map.serialize_entry("suppressed", &true)?;
    } else {
        map.serialize_entry("value", value)?;
    }
    map.end()
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_cell(s, &self.value, self.is_suppressed())
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_cell(s, &self.value, self.is_suppressed())
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = StatisticsPeriod)]
pub struct PeriodView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
}

/// Figures of one placement type.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = KindStatistics)]
pub struct KindFigures {
    pub kind: KindKey,
    pub label: String,
    pub standard_step: i32,
    /// Days placed in the period ÷ days in the period.
    pub full_year: Figure,
    /// Percentage of all full-year placements.
    pub share: Figure,
    /// Members only: placements running on the period's last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on_date: Option<Count>,
    /// Members only: placements running at some time in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placements: Option<Count>,
}

/// Figures of one step (standard, or the municipality's own).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = StepStatistics)]
pub struct StepFigures {
    /// The municipality's step key (own steps; null for placements on no step of its staircase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub name: String,
    pub standard_step: i32,
    pub full_year: Figure,
    pub share: Figure,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on_date: Option<Count>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placements: Option<Count>,
}

/// Lengths of the placements that ended in the period (start to end, both days counted).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DurationStatistics)]
pub struct DurationFigures {
    pub average_days: Figure,
    pub median_days: Figure,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PlacementStatistics)]
pub struct PlacementFigures {
    /// Placements running on the period's last day (`on` for a date).
    pub placed_on_date: Count,
    /// Full-year placements (helårsanbringelser): days placed in the period ÷ days in the period.
    pub full_year_placements: Figure,
    /// Members only: placements running at some time in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placements: Option<Count>,
    /// Members only: distinct children placed at some time in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Count>,
    /// Placements that started in the period.
    pub new: Count,
    /// Placements that ended in the period.
    pub ended: Count,
    /// Percentage of full-year placements in family care (foster families, network included).
    pub foster_family_share: Figure,
    /// Percentage of full-year placements in network foster families.
    pub network_share: Figure,
    pub by_standard_step: Vec<StepFigures>,
    pub by_kind: Vec<KindFigures>,
    /// Members only: by the municipality's own steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_step: Option<Vec<StepFigures>>,
    pub duration: DurationFigures,
    /// Yearly costs weighted by days placed ÷ days in the period, in whole kroner: the cost of a
    /// calendar year, or the yearly rate over another period. Placements without a cost count 0.
    pub cost_per_year_dkk: Count,
    /// `cost_per_year_dkk` ÷ full-year placements.
    pub cost_per_full_year_placement_dkk: Count,
    /// Members only: new placements of young people over 14 (15 or more in the start year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_over_14: Option<Count>,
    /// Percentage of new placements of young people over 14 linked to an evidence programme.
    pub new_over_14_evidence_share: Figure,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SupportStatistics)]
pub struct SupportFigures {
    /// Members only: support measures running at some time in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures: Option<Count>,
    /// Support measures that started in the period.
    pub new: Count,
    /// Members only: running on the period's last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_on_date: Option<Count>,
    /// Members only: ended in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Count>,
    /// Members only: running in the period and linked to an evidence programme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_evidence_programme: Option<Count>,
    /// Percentage of the support (preventive) measures running in the period that are linked to
    /// an evidence programme.
    pub evidence_share: Figure,
}

/// Placement statistics of a municipality for a period or a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsView {
    /// The municipality's slug.
    pub municipality: String,
    pub audience: Audience,
    pub period: PeriodView,
    /// Whether generated demo data (`retning seed --demo`) is among the figures.
    pub synthetic: bool,
    /// Members only: percentage of the period's measures that are synthetic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synthetic_share: Option<f64>,
    pub placements: PlacementFigures,
    pub support: SupportFigures,
}

/// One month of the series.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = MonthStatistics)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// Placements running on the month's last day.
    pub placed_on_date: Count,
    /// Members only: days placed in the month ÷ days in the month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_year_placements: Option<Figure>,
    /// Members only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Count>,
    /// Members only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Count>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyView {
    pub municipality: String,
    pub audience: Audience,
    pub synthetic: bool,
    pub months: Vec<MonthFigures>,
}
