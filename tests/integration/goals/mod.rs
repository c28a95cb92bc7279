//! The goals module: seeded strategies, CRUD and permissions, visibility, targets and
//! measurements, derived progress, computed indicators, comparison, ETag, CSV.

mod budget;
mod compare;
mod dashboard;
mod indicators;
mod initiatives;
mod progress;
mod report;
mod seeded;
mod steering;
mod strategies;
mod targets;

use retning_tests::TestApp;
use serde_json::{json, Value};

pub(super) async fn strategy_id(app: &TestApp, municipality: &str) -> i64 {
    let list = app
        .get(&format!(
            "/api/v1/municipalities/{municipality}/strategies?sort=-period_start"
        ))
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

/// A target on a new strategy's node of Vejle: the strategy and the node are arranged through
/// the goals module's own operations, the target is created through the API under test.
pub(super) async fn make_target(app: &TestApp, editor: &str, body: Value) -> Value {
    let node = app.arrange("vejle", |conn, scope| {
        let strategy = serde_json::from_value(new_strategy()).unwrap_or_else(|e| panic!("{e}"));
        let s = retning_goals::ops::create_strategy(conn, scope, &strategy)?;
        let node = json!({"kind": "fokusområde", "title": "Anbringelser"});
        let node = serde_json::from_value(node).unwrap_or_else(|e| panic!("{e}"));
        retning_goals::ops::create_node(conn, scope, s.id, &node)
    });
    app.post(&format!(
        "/api/v1/municipalities/vejle/nodes/{}/targets",
        node.id
    ))
    .bearer(editor)
    .json(&body)
    .send()
    .await
    .ok(201)
}
