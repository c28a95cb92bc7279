//! Checks a measure (from JSON or from a CSV row) and resolves its references. The same rules
//! for every write path; messages never repeat the value they refuse.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use retning_kernel::FieldError;

use crate::dto::{LegalBasis, LegalBasisView, NewMeasure, Provider};
use crate::kinds;
use crate::model::{
    KindKey, MeasureCategory, MeasureLaw, MeasureProviderType, MeasureValues, StepRow,
};

pub const MAX_CHILD_REF: usize = 64;
pub const MAX_NOTE: usize = 2000;
pub const MAX_NAME: usize = 200;
pub const MAX_YEARLY_COST_DKK: i64 = 100_000_000;

/// What a measure may refer to, loaded once per request (or per import).
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The municipality's steps, lowest first.
    pub steps: Vec<StepRow>,
    /// Evidence programmes by short name: (id, name).
    pub programmes: HashMap<String, (i64, String)>,
    /// Municipalities by slug: id.
    pub municipalities: HashMap<String, i64>,
    /// The place requests a measure may be bought through (the municipality's own as buyer,
    /// accepted, active or ended): id → the providing municipality's id.
    pub place_requests: HashMap<i64, i64>,
}

impl Lookups {
    pub fn step_by_key(&self, key: &str) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.key == key)
    }
    /// The municipality's first (lowest) step on a standard step.
    pub fn default_step(&self, standard_step: i32) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.standard_step == standard_step)
    }
}

/// Names the fields of the input: JSON paths, or CSV columns prefixed by the row.
pub trait FieldNames {
    fn name(&self, field: &str) -> String;
}

pub struct JsonFields;

impl FieldNames for JsonFields {
    fn name(&self, field: &str) -> String {
        field.to_owned()
    }
}

/// `rows[N].column` for data row N (1 = the first row after the header).
pub struct CsvFields(pub u64);

impl FieldNames for CsvFields {
    fn name(&self, field: &str) -> String {
        format!("rows[{}].{}", self.0, csv_column(field))
    }
}

/// The CSV column that holds a JSON field.
pub fn csv_column(field: &str) -> &str {
    match field {
        "legal_basis.law" => "legal_law",
        "legal_basis.paragraph" => "legal_paragraph",
        "legal_basis.stk" => "legal_stk",
        "legal_basis.nr" => "legal_nr",
        "legal_basis.consent" => "consent",
        "provider.type" => "provider_type",
        "provider.name" => "provider_name",
        "provider.municipality" => "provider_municipality",
        other => other,
    }
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

struct Errors<'a> {
    names: &'a dyn FieldNames,
    out: Vec<FieldError>,
}

impl Errors<'_> {
    fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.out
            .push(FieldError::new(self.names.name(field), code, message));
    }
    fn text(&mut self, field: &str, text: Option<&str>, max: usize) -> Option<String> {
        let t = text.map(str::trim).filter(|t| !t.is_empty())?;
        if t.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            );
        } else if t.chars().any(char::is_control) && field != "note" {
            self.add(field, "invalid", "must not contain control characters");
        }
        Some(t.to_owned())
    }
}

/// Validates a whole measure; returns its values, or every field error.
pub fn measure(
    m: &NewMeasure,
    lookups: &Lookups,
    names: &dyn FieldNames,
    today: NaiveDate,
) -> Result<MeasureValues, Vec<FieldError>> {
    let mut e = Errors {
        names,
        out: Vec::new(),
    };
    let category = m.category;

    let child_ref = e.text("child_ref", Some(&m.child_ref), MAX_CHILD_REF);
    if child_ref.is_none() {
        e.add("child_ref", "required", "must not be blank");
    }

    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today + Duration::days(366);
    if m.start_date < earliest || m.start_date > latest {
        e.add(
            "start_date",
            "out_of_range",
            "must be from 1990-01-01 and at most a year ahead",
        );
    }
    if let Some(end) = m.end_date {
        if end < m.start_date {
            e.add("end_date", "before_start", "must not be before start_date");
        }
    }

    // In i64: a birth year near i32::MIN must not overflow.
    let age = i64::from(m.start_date.year()) - i64::from(m.birth_year);
    let ages = match category {
        MeasureCategory::Placement => 0..=23,
        // Support may start before birth (a vulnerable pregnancy).
        MeasureCategory::Support => -1..=23,
    };
    if !(1970..=today.year() + 1).contains(&m.birth_year) {
        e.add(
            "birth_year",
            "out_of_range",
            "must be a year from 1970 to next year",
        );
    } else if !ages.contains(&age) {
        e.add(
            "birth_year",
            "out_of_range",
            "the child must be 0-23 years old in the year the measure starts",
        );
    }

    let kind = KindKey::parse(&m.kind)
        .and_then(kinds::kind)
        .filter(|k| k.category == category);
    if kind.is_none() {
        e.add(
            "kind",
            "unknown_kind",
            format!(
                "is not a kind of {} (see GET /api/v1/placements/kinds)",
                category.as_str()
            ),
        );
    }

    let mut step_id = None;
    let mut standard_step = kind.map_or(0, |k| k.standard_step);
    match (&m.step, kind) {
        (Some(key), Some(k)) => match lookups.step_by_key(key.trim()) {
            None => e.add(
                "step",
                "unknown_step",
                "is not a step of the municipality's staircase (see its staircase)",
            ),
            Some(s)
                if category == MeasureCategory::Placement && s.standard_step != k.standard_step =>
            {
                e.add(
                    "step",
                    "wrong_step",
                    format!(
                        "this kind of placement stands on standard step {}; the step maps to {}",
                        k.standard_step, s.standard_step
                    ),
                )
            }
            Some(s) if !kinds::steps_of(category).contains(&s.standard_step) => e.add(
                "step",
                "wrong_step",
                "support measures stand on standard steps 1-3",
            ),
            Some(s) => {
                step_id = Some(s.id);
                standard_step = s.standard_step;
            }
        },
        (None, Some(k)) => step_id = lookups.default_step(k.standard_step).map(|s| s.id),
        (_, None) => {}
    }

    let legal = m
        .legal_basis
        .as_ref()
        .and_then(|l| legal_basis(&mut e, l, category, m.start_date));
    let provider = m
        .provider
        .as_ref()
        .and_then(|p| provider(&mut e, p, lookups));
    let provider = match m.place_request_id {
        None => provider,
        Some(id) => bought(&mut e, provider, lookups.place_requests.get(&id).copied()),
    };

    if let Some(cost) = m.yearly_cost_dkk {
        if !(0..=MAX_YEARLY_COST_DKK).contains(&cost) {
            e.add(
                "yearly_cost_dkk",
                "out_of_range",
                format!("must be whole kroner from 0 to {MAX_YEARLY_COST_DKK}"),
            );
        }
    }
    let programme = match m
        .evidence_programme
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => match lookups.programmes.get(p) {
            Some((id, _)) => Some(*id),
            None => {
                e.add("evidence_programme", "unknown_programme", "is not the short name of a programme in the catalogue (GET /api/v1/programmes)");
                None
            }
        },
    };
    let note = e.text("note", m.note.as_deref(), MAX_NOTE);

    let (true, Some(kind)) = (e.out.is_empty(), kind) else {
        return Err(e.out);
    };
    let (legal_law, legal_paragraph, legal_stk, legal_nr, consent) = match legal {
        Some(l) => (Some(l.law), Some(l.paragraph), l.stk, l.nr, l.consent),
        None => (None, None, None, None, None),
    };
    let (provider_type, provider_name, provider_municipality_id) =
        provider.unwrap_or((None, None, None));
    Ok(MeasureValues {
        child_ref: child_ref.unwrap_or_default(),
        birth_year: m.birth_year,
        category,
        kind: kind.key,
        step_id,
        standard_step,
        legal_law,
        legal_paragraph,
        legal_stk,
        legal_nr,
        consent,
        start_date: m.start_date,
        end_date: m.end_date,
        provider_type,
        provider_name,
        provider_municipality_id,
        yearly_cost_dkk: m.yearly_cost_dkk,
        evidence_programme_id: programme,
        note,
        place_request_id: m.place_request_id,
    })
}

/// The provider of a measure bought through a place request whose provider is `request`
/// (`None`: no such request of the municipality in a state a measure may name): the request's
/// municipality, filled in when the measure names no provider, and a named provider must agree.
fn bought(
    e: &mut Errors<'_>,
    provider: Option<ProviderValues>,
    request: Option<i64>,
) -> Option<ProviderValues> {
    let Some(request) = request else {
        // The same answer for another municipality's request as for a missing one.
        e.add(
            "place_request_id",
            "unknown_place_request",
            "is not a place request of the municipality (as buyer) that is accepted, active or ended",
        );
        return provider;
    };
    match provider {
        None => Some((Some(MeasureProviderType::Municipality), None, Some(request))),
        Some((Some(MeasureProviderType::Municipality), name, Some(m))) if m == request => {
            Some((Some(MeasureProviderType::Municipality), name, Some(m)))
        }
        Some((Some(MeasureProviderType::Municipality), _, _)) => {
            e.add(
                "provider.municipality",
                "not_request_provider",
                "a measure bought through a place request is delivered by the request's provider",
            );
            None
        }
        Some(_) => {
            e.add(
                "provider.type",
                "not_request_provider",
                "a measure bought through a place request is delivered by a municipality (the request's provider)",
            );
            None
        }
    }
}

fn legal_basis(
    e: &mut Errors<'_>,
    l: &LegalBasis,
    category: MeasureCategory,
    start: NaiveDate,
) -> Option<LegalBasisView> {
    let before = e.out.len();
    let law = MeasureLaw::parse(&l.law.trim().to_ascii_uppercase());
    match law {
        None => e.add(
            "legal_basis.law",
            "invalid",
            "must be SEL (Serviceloven) or BL (Barnets lov)",
        ),
        Some(law) if law != kinds::law_in_force(start) => e.add(
            "legal_basis.law",
            "not_in_force",
            "SEL applies to measures starting before 2024-01-01, BL (Barnets lov) to measures starting from then",
        ),
        Some(_) => {}
    }
    let paragraph = l
        .paragraph
        .trim()
        .trim_start_matches('§')
        .trim()
        .to_ascii_lowercase();
    if !retning_kernel::legal::valid_paragraph(&paragraph) {
        e.add(
            "legal_basis.paragraph",
            "invalid",
            "must be a paragraph number, optionally with a letter (52, 76a)",
        );
    }
    for (field, value) in [("legal_basis.stk", l.stk), ("legal_basis.nr", l.nr)] {
        if value.is_some_and(|v| !(1..=99).contains(&v)) {
            e.add(field, "out_of_range", "must be from 1 to 99");
        }
    }
    if category == MeasureCategory::Placement && l.consent.is_none() {
        e.add(
            "legal_basis.consent",
            "required",
            "a placement is made with consent (true) or without (false)",
        );
    }
    law.filter(|_| e.out.len() == before)
        .map(|law| LegalBasisView {
            law,
            paragraph,
            stk: l.stk,
            nr: l.nr,
            consent: l.consent,
        })
}

type ProviderValues = (Option<MeasureProviderType>, Option<String>, Option<i64>);

fn provider(e: &mut Errors<'_>, p: &Provider, lookups: &Lookups) -> Option<ProviderValues> {
    let before = e.out.len();
    let name = e.text("provider.name", p.name.as_deref(), MAX_NAME);
    let slug = p
        .municipality
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let municipality = match (p.type_, slug) {
        (MeasureProviderType::Municipality, None) => {
            e.add(
                "provider.municipality",
                "required",
                "a municipality's offer names the municipality (its slug)",
            );
            None
        }
        (MeasureProviderType::Municipality, Some(s)) => match lookups.municipalities.get(s) {
            Some(id) => Some(*id),
            None => {
                e.add(
                    "provider.municipality",
                    "unknown_municipality",
                    "is not the slug of a municipality",
                );
                None
            }
        },
        (_, Some(_)) => {
            e.add(
                "provider.municipality",
                "not_allowed",
                "only a municipality's offer names a municipality",
            );
            None
        }
        (_, None) => None,
    };
    (e.out.len() == before).then_some((Some(p.type_), name, municipality))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MeasureCategory as C;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn base() -> NewMeasure {
        NewMeasure {
            child_ref: "A-1".into(),
            birth_year: 2010,
            category: C::Placement,
            kind: "almen_plejefamilie".into(),
            step: None,
            legal_basis: Some(LegalBasis {
                law: "SEL".into(),
                paragraph: "52".into(),
                stk: Some(3),
                nr: Some(7),
                consent: Some(true),
            }),
            start_date: d(2020, 3, 1),
            end_date: None,
            provider: None,
            yearly_cost_dkk: Some(400_000),
            evidence_programme: None,
            note: None,
            place_request_id: None,
        }
    }

    fn fields(m: &NewMeasure) -> Vec<String> {
        match measure(m, &Lookups::default(), &JsonFields, d(2025, 1, 1)) {
            Ok(_) => Vec::new(),
            Err(errs) => errs.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn law_follows_the_start_date() {
        assert!(fields(&base()).is_empty());
        let mut m = base();
        m.start_date = d(2024, 1, 1);
        assert_eq!(fields(&m), vec!["legal_basis.law"]);
        m.legal_basis = Some(LegalBasis {
            law: "BL".into(),
            paragraph: "46".into(),
            stk: None,
            nr: None,
            consent: Some(false),
        });
        assert!(fields(&m).is_empty());
        m.legal_basis = Some(LegalBasis {
            law: "XYZ".into(),
            paragraph: "46".into(),
            stk: None,
            nr: None,
            consent: Some(false),
        });
        assert_eq!(fields(&m), vec!["legal_basis.law"]);
        m.legal_basis = Some(LegalBasis {
            law: "BL".into(),
            paragraph: "46".into(),
            stk: None,
            nr: None,
            consent: None,
        });
        assert_eq!(fields(&m), vec!["legal_basis.consent"]);
    }

    #[test]
    fn kinds_belong_to_their_category() {
        let mut m = base();
        m.kind = "familiebehandling".into();
        assert_eq!(fields(&m), vec!["kind"]);
        m.category = C::Support;
        m.legal_basis = None;
        assert!(fields(&m).is_empty());
    }

    #[test]
    fn dates_and_ages() {
        let mut m = base();
        m.end_date = Some(d(2020, 2, 29));
        m.birth_year = 1990;
        assert_eq!(fields(&m), vec!["end_date", "birth_year"]);
        m.end_date = None;
        for extreme in [i32::MIN, i32::MAX] {
            m.birth_year = extreme;
            assert_eq!(fields(&m), vec!["birth_year"]);
        }
    }
}
