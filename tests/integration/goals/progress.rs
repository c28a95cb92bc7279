//! Derived progress and assessment of targets.

use super::make_target;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(progress_and_assessment_through_the_api,);

async fn progress_and_assessment_through_the_api(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let t = make_target(&app, editor.token(), json!({"title": "Færre helårsanbringelser", "indicator": "Helårsanbringelser", "unit": "count",
        "direction": "decrease", "baseline_value": 200, "baseline_date": "2020-01-01", "target_value": 100, "deadline": "2024-01-01", "frequency": "annual"})).await;
    assert_eq!(t["assessment"], "not_assessed");
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    editor
        .put(&format!("{turl}/measurements/2021-01-01"))
        .json(&json!({"value": 180}))
        .send()
        .await
        .ok(201);
    editor
        .put(&format!("{turl}/measurements/2022-01-01"))
        .json(&json!({"value": 150}))
        .send()
        .await
        .ok(201);
    // Half the time gone, half the way: likely; improving.
    let mid = app
        .get(&format!("{turl}?as_of=2022-02-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            mid["progress"].as_f64(),
            mid["assessment"].as_str(),
            mid["trend"].as_str(),
            mid["stale"].as_bool()
        ),
        (Some(50.0), Some("likely"), Some("positive"), Some(false))
    );
    assert_eq!(mid["latest"]["date"], "2022-01-01");
    // More than a year without a measurement: stale (annual).
    let late = app
        .get(&format!("{turl}?as_of=2023-03-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(late["stale"], true);
    // After the deadline, not reached: not achieved (and no longer stale).
    let after = app
        .get(&format!("{turl}?as_of=2024-06-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (after["assessment"].as_str(), after["stale"].as_bool()),
        (Some("not_achieved"), Some(false))
    );
    // Overshooting: clamped progress 100, unclamped above.
    editor
        .put(&format!("{turl}/measurements/2023-12-31"))
        .json(&json!({"value": 90}))
        .send()
        .await
        .ok(201);
    let done = app
        .get(&format!("{turl}?as_of=2024-06-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            done["progress"].as_f64(),
            done["progress_unclamped"].as_f64(),
            done["assessment"].as_str()
        ),
        (Some(100.0), Some(110.0), Some("achieved"))
    );
    // Filters on derived values.
    let list = app
        .get("/api/v1/municipalities/vejle/targets?assessment=achieved&as_of=2024-06-01")
        .send()
        .await
        .ok(200);
    assert_eq!(
        list["items"]
            .as_array()
            .map(|a| a.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
        Some(vec![t["id"].clone()])
    );
    let stale = app
        .get("/api/v1/municipalities/vejle/targets?stale=true&as_of=2023-03-01")
        .send()
        .await
        .ok(200);
    assert!(stale["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["id"] == t["id"])));
    app.get("/api/v1/municipalities/vejle/targets?assessment=great")
        .send()
        .await
        .field_error(422, "validation.failed", "query.assessment");
    app.get("/api/v1/municipalities/vejle/targets?as_of=tomorrow")
        .send()
        .await
        .field_error(422, "validation.failed", "query.as_of");
}
