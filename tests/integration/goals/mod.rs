//! The goals module: seeded strategies, CRUD and permissions, visibility, targets and
//! measurements, derived progress, computed indicators, comparison, ETag, CSV.

mod compare;
mod indicators;
mod progress;
mod strategies;
mod targets;

use retning_tests::TestApp;
use serde_json::{json, Value};

pub(super) async fn strategy_id(app: &TestApp, municipality: &str) -> i64 {
    let list = app
        .get(&format!("/api/v1/municipalities/{municipality}/strategies"))
        .send()
        .await
        .ok(200);
    list["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no strategy for {municipality}: {list}"))
}

pub(super) async fn tree(app: &TestApp, municipality: &str) -> Value {
    let id = strategy_id(app, municipality).await;
    app.get(&format!(
        "/api/v1/municipalities/{municipality}/strategies/{id}/tree"
    ))
    .send()
    .await
    .ok(200)
}

pub(super) fn new_strategy() -> Value {
    json!({"title": "Strategi for tidlig indsats", "visibility": "public", "period_start": "2025-01-01", "period_end": "2028-12-31",
           "level_names": ["fokusområde", "mål"], "source": {"file": "intern.pdf"}, "follow_up_rhythm": "quarterly",
           "follow_ups": [{"date": "2025-06-30", "label": "Første opfølgning"}]})
}

pub(super) async fn make_target(app: &TestApp, editor: &str, body: Value) -> Value {
    let s = app
        .post("/api/v1/municipalities/vejle/strategies")
        .bearer(editor)
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let node = app
        .post(&format!(
            "/api/v1/municipalities/vejle/strategies/{}/nodes",
            s["id"]
        ))
        .bearer(editor)
        .json(&json!({"kind": "fokusområde", "title": "Anbringelser"}))
        .send()
        .await
        .ok(201);
    app.post(&format!(
        "/api/v1/municipalities/vejle/nodes/{}/targets",
        node["id"]
    ))
    .bearer(editor)
    .json(&body)
    .send()
    .await
    .ok(201)
}
