//! The placements module's domain rules and write operations. Every write records its one audit
//! entry here, inside the write's transaction; the routes, the seed and the demo call these.

use std::collections::HashSet;

use retning_kernel::audit::{record_change, Subject};
use retning_kernel::scope::Scope;
use retning_kernel::{ApiError, DbConnection, Validator};

use crate::dto::*;
use crate::model::{KindKey, MeasureRow, MeasureValues};
use crate::repo::{self, MeasureCriteria};
use crate::validate::{self, JsonFields, Lookups};
use crate::views::Names;

/// The audit log's object types.
const MEASURE: &str = "measure";
const STAIRCASE: &str = "staircase";

/// An object of the scope's municipality without an id of its own (the staircase, a batch).
fn whole<'a>(scope: &'a Scope, object_type: &'a str) -> Subject<'a> {
    Subject {
        object_type,
        object_id: None,
        municipalities: std::slice::from_ref(&scope.municipality.id),
    }
}

// ------------------------------------------------------------------------------------------
// Staircase

/// Checks a whole staircase: keys unique, standard steps 1-6 never going down along the order.
pub fn validate_staircase(input: &StaircaseInput) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        (1..=12).contains(&input.steps.len()),
        "steps",
        "out_of_range",
        "a staircase has 1 to 12 steps",
    );
    let mut keys = HashSet::new();
    let mut previous = 0;
    for (i, s) in input.steps.iter().enumerate() {
        let key = s.key.trim();
        let valid_key = (1..=40).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        v.check(
            valid_key,
            &format!("steps[{i}].key"),
            "invalid",
            "1-40 lower-case letters, digits and dashes",
        );
        v.check(
            !valid_key || keys.insert(key.to_owned()),
            &format!("steps[{i}].key"),
            "duplicate",
            "each key once",
        );
        v.text(&format!("steps[{i}].name"), &s.name, 200);
        v.opt_text(
            &format!("steps[{i}].description"),
            s.description.as_deref(),
            1000,
        );
        if !(1..=6).contains(&s.standard_step) {
            v.add(
                format!("steps[{i}].standard_step"),
                "out_of_range",
                "must be 1-6",
            );
        } else if s.standard_step < previous {
            v.add(
                format!("steps[{i}].standard_step"),
                "descending",
                "along the staircase the standard steps never go down",
            );
        } else {
            previous = s.standard_step;
        }
    }
    v.finish()
}

/// Replaces the staircase, matching steps by key. A step that measures stand on may be renamed
/// or moved, never removed or mapped to another standard step (409). `action` is `replace` for
/// an admin's change and `seed` for the seed files'.
pub fn replace_staircase(
    conn: &mut DbConnection,
    scope: &Scope,
    input: &StaircaseInput,
    action: &str,
) -> Result<StaircaseView, ApiError> {
    validate_staircase(input)?;
    let current = repo::steps(conn, scope.id())?;
    let in_use = repo::steps_in_use(conn, scope.id())?;
    for s in &current {
        let kept = input.steps.iter().find(|i| i.key.trim() == s.key);
        let remapped = kept.is_some_and(|i| i.standard_step != s.standard_step);
        if in_use.contains(&s.id) && (kept.is_none() || remapped) {
            return Err(ApiError::conflict(
                crate::codes::STEP_IN_USE,
                format!("measures stand on the step {:?}: it may be renamed or moved, not removed or mapped to another standard step", s.key),
            ));
        }
    }
    let steps = repo::write_staircase(conn, scope.id(), &current, &input.steps)?;
    let before = StaircaseView::new(scope.slug(), current);
    let after = StaircaseView::new(scope.slug(), steps);
    record_change(
        conn,
        &scope.who,
        action,
        whole(scope, STAIRCASE),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

// ------------------------------------------------------------------------------------------
// Measures

/// Validates a measure for this municipality (422 listing every field).
fn check(m: &NewMeasure, lookups: &Lookups) -> Result<MeasureValues, ApiError> {
    validate::measure(m, lookups, &JsonFields, validate::today()).map_err(ApiError::validation)
}

/// The list's filters resolved against the municipality (a step key must be one of its steps).
pub fn measure_criteria(
    conn: &mut DbConnection,
    municipality_id: i64,
    f: MeasureFilter,
) -> Result<MeasureCriteria, ApiError> {
    let step_id = match &f.step {
        Some(key) => Some(
            repo::steps(conn, municipality_id)?
                .into_iter()
                .find(|s| &s.key == key)
                .ok_or_else(|| {
                    ApiError::field(
                        "query.step",
                        "unknown_step",
                        "is not a step of the municipality's staircase",
                    )
                })?
                .id,
        ),
        None => None,
    };
    Ok(MeasureCriteria {
        category: f.category,
        kind: f.kind,
        step_id,
        open: f.open,
        active_on: f.active_on,
        from: f.from,
        to: f.to,
        child_ref: f.child_ref,
        synthetic: f.synthetic,
    })
}

/// Records a measure.
pub fn create_measure(
    conn: &mut DbConnection,
    scope: &Scope,
    input: NewMeasure,
) -> Result<MeasureView, ApiError> {
    let lookups = repo::lookups(conn, scope.id())?;
    let values = check(&input, &lookups)?;
    let row = repo::insert_measure(conn, scope.id(), &values, false)?;
    let view = MeasureView::from_row(row, &Names::load(conn, scope.id())?);
    record_change(
        conn,
        &scope.who,
        "create",
        Subject::of(&scope.municipality.id, MEASURE, view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// The measure as a whole input with the patch applied (references back to keys and slugs).
fn merged(cur: &MeasureRow, p: &MeasurePatch, lookups: &Lookups) -> NewMeasure {
    let category = p.category.unwrap_or(cur.category);
    let kind = p
        .kind
        .clone()
        .unwrap_or_else(|| cur.kind.as_str().to_owned());
    let kind_changed = category != cur.category || KindKey::parse(&kind) != Some(cur.kind);
    let current_step = cur
        .step_id
        .and_then(|id| lookups.steps.iter().find(|s| s.id == id))
        .map(|s| s.key.clone());
    let step = match &p.step {
        Some(s) => s.clone(),
        // A new kind stands on its own default step.
        None if kind_changed => None,
        None => current_step,
    };
    let legal = match (cur.legal_law, &cur.legal_paragraph) {
        (Some(law), Some(paragraph)) => Some(LegalBasis {
            law: law.as_str().to_owned(),
            paragraph: paragraph.clone(),
            stk: cur.legal_stk,
            nr: cur.legal_nr,
            consent: cur.consent,
        }),
        _ => None,
    };
    let slug_of = |id: i64| {
        lookups
            .municipalities
            .iter()
            .find(|(_, v)| **v == id)
            .map(|(k, _)| k.clone())
    };
    let provider = cur.provider_type.map(|type_| Provider {
        type_,
        name: cur.provider_name.clone(),
        municipality: cur.provider_municipality_id.and_then(slug_of),
    });
    let programme = cur.evidence_programme_id.and_then(|id| {
        lookups
            .programmes
            .iter()
            .find(|(_, (pid, _))| *pid == id)
            .map(|(k, _)| k.clone())
    });
    NewMeasure {
        child_ref: p.child_ref.clone().unwrap_or_else(|| cur.child_ref.clone()),
        birth_year: p.birth_year.unwrap_or(cur.birth_year),
        category,
        kind,
        step,
        legal_basis: p.legal_basis.clone().unwrap_or(legal),
        start_date: p.start_date.unwrap_or(cur.start_date),
        end_date: p.end_date.unwrap_or(cur.end_date),
        provider: match &p.provider {
            Some(named) => named.clone(),
            // A newly named request brings its own provider.
            None if matches!(p.place_request_id, Some(Some(r)) if Some(r) != cur.place_request_id) => {
                None
            }
            None => provider,
        },
        yearly_cost_dkk: p.yearly_cost_dkk.unwrap_or(cur.yearly_cost_dkk),
        evidence_programme: p.evidence_programme.clone().unwrap_or(programme),
        note: p.note.clone().unwrap_or_else(|| cur.note.clone()),
        place_request_id: p.place_request_id.unwrap_or(cur.place_request_id),
    }
}

/// Changes a measure: absent fields stay, `null` clears; the whole measure is validated after.
pub fn update_measure(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    patch: MeasurePatch,
) -> Result<MeasureView, ApiError> {
    let cur = repo::measure_for_update(conn, scope.id(), id)?;
    let mut lookups = repo::lookups(conn, scope.id())?;
    // A kept link stays valid when its request has moved on (withdrawn after acceptance): only
    // a newly named request must be one a measure may be bought through.
    if let (Some(kept), None) = (cur.place_request_id, patch.place_request_id) {
        if let Some(provider) = repo::request_provider(conn, scope.id(), kept)? {
            lookups.place_requests.entry(kept).or_insert(provider);
        }
    }
    let values = check(&merged(&cur, &patch, &lookups), &lookups)?;
    let names = Names::load(conn, scope.id())?;
    let before = MeasureView::from_row(cur, &names);
    let row = repo::update_measure(conn, scope.id(), id, &values)?;
    let after = MeasureView::from_row(row, &names);
    record_change(
        conn,
        &scope.who,
        "update",
        Subject::of(&scope.municipality.id, MEASURE, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Deletes a measure.
pub fn delete_measure(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    let cur = repo::measure_for_update(conn, scope.id(), id)?;
    let before = MeasureView::from_row(cur, &Names::load(conn, scope.id())?);
    repo::delete_measure(conn, scope.id(), id)?;
    record_change(
        conn,
        &scope.who,
        "delete",
        Subject::of(&scope.municipality.id, MEASURE, id),
        Some(&before),
        None,
    )
}

/// Inserts the measures of an import whose every row was valid (`import::parse`): one audited
/// change with the count.
pub fn import_measures(
    conn: &mut DbConnection,
    scope: &Scope,
    values: Vec<MeasureValues>,
) -> Result<ImportResult, ApiError> {
    let n = repo::insert_measures(conn, scope.id(), values, false)?;
    let result = ImportResult {
        imported: i64::try_from(n).unwrap_or(i64::MAX),
    };
    record_change(
        conn,
        &scope.who,
        "import",
        whole(scope, MEASURE),
        None,
        Some(&result),
    )?;
    Ok(result)
}

/// Replaces the municipality's synthetic measures with `values` (`crate::demo`): one audited
/// change with the counts.
pub fn replace_demo_measures(
    conn: &mut DbConnection,
    scope: &Scope,
    values: Vec<MeasureValues>,
) -> Result<DemoLoad, ApiError> {
    let replaced = repo::delete_synthetic(conn, scope.id())?;
    let generated = repo::insert_measures(conn, scope.id(), values, true)?;
    let load = DemoLoad {
        synthetic: true,
        generated,
        replaced,
    };
    record_change(
        conn,
        &scope.who,
        "demo",
        whole(scope, MEASURE),
        None,
        Some(&load),
    )?;
    Ok(load)
}
