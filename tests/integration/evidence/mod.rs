//! The evidence module: catalogue, adoptions, figures, partnerships, referrals, indicators.

mod adoptions;
mod figures;
mod indicators;
mod partnerships;
mod programmes;
mod referrals;

use retning_kernel::auth::Role;
use retning_tests::TestApp;
use serde_json::{json, Value};

pub(super) async fn programme_id(app: &TestApp, short_name: &str) -> i64 {
    let page = app
        .get(&format!("/api/v1/programmes?short_name={short_name}"))
        .send()
        .await
        .ok(200);
    page["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("programme {short_name} missing: {page}"))
}

/// An adoption of `short_name` by `municipality` (its editor), returning its id.
pub(super) async fn adopt(
    app: &TestApp,
    municipality: &str,
    short_name: &str,
    capacity: Option<i32>,
) -> i64 {
    let editor = app.member(municipality, Role::Editor);
    let programme = programme_id(app, short_name).await;
    let body = editor
        .post(&format!("/api/v1/municipalities/{municipality}/adoptions"))
        .json(&json!({
            "programme_id": programme,
            "status": "active",
            "started_on": "2024-01-01",
            "yearly_capacity": capacity,
            "capacity_unit": capacity.map(|_| "families"),
        }))
        .send()
        .await
        .ok(201);
    body["id"].as_i64().unwrap_or_default()
}

/// Vordingborg shares a TFCO-A adoption (capacity 10) for 2025-2026 with the given partners.
pub(super) async fn tfco_partnership(
    app: &TestApp,
    partners: Value,
    allow_over_share: bool,
) -> (i64, i64) {
    let adoption = adopt(app, "vordingborg", "tfco-a", Some(10)).await;
    let editor = app.member("vordingborg", Role::Editor);
    let body = editor
        .post("/api/v1/municipalities/vordingborg/partnerships")
        .json(&json!({
            "adoption_id": adoption,
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
            "allow_over_share": allow_over_share,
            "partners": partners,
        }))
        .send()
        .await
        .ok(201);
    (adoption, body["id"].as_i64().unwrap_or_default())
}

pub(super) async fn accept(app: &TestApp, partner: &str, partnership: i64) -> Value {
    let admin = app.member(partner, Role::Admin);
    admin
        .post(&format!(
            "/api/v1/municipalities/{partner}/partnership-invitations/{partnership}/accept"
        ))
        .send()
        .await
        .ok(200)
}

pub(super) async fn refer(
    app: &TestApp,
    token: &str,
    partner: &str,
    partnership: i64,
    period: &str,
    n: i32,
) -> retning_tests::Resp {
    app.post(&format!(
        "/api/v1/municipalities/{partner}/partnerships/{partnership}/referrals"
    ))
    .bearer(token)
    .json(&json!({"period": period, "referred": n}))
    .send()
    .await
}
