//! The placements module: staircase, measures (CRUD, permissions, CPR guard), CSV import,
//! statistics against hand-computed figures, suppression, computed indicators, demo data.

mod demo;
mod import;
mod indicators;
mod measures;
mod staircase;
mod statistics;

use retning_tests::TestApp;
use serde_json::{json, Value};

pub(super) const M: &str = "/api/v1/municipalities";

pub(super) fn measure(
    child_ref: &str,
    category: &str,
    kind: &str,
    start: &str,
    end: Option<&str>,
) -> Value {
    json!({"child_ref": child_ref, "birth_year": 2008, "category": category, "kind": kind, "start_date": start, "end_date": end})
}

pub(super) async fn create(app: &TestApp, token: &str, municipality: &str, body: Value) -> Value {
    app.post(&format!("{M}/{municipality}/measures"))
        .bearer(token)
        .json(&body)
        .send()
        .await
        .ok(201)
}

pub(super) fn fig(v: &Value) -> Option<f64> {
    v["value"].as_f64()
}

pub(super) fn hidden(v: &Value) -> bool {
    v["suppressed"] == true && v.get("value").is_none()
}

/// A compact measure: child_ref, category, kind, start, end, birth year, yearly cost, programme.
pub(super) type MeasureRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    i64,
    Option<i64>,
    Option<&'a str>,
);
