//! Yearly figures of an adoption.

use super::adopt;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, Method, TestApp};
use retning_tests::{items, strs};
use serde_json::json;

both_backends!(figures_are_idempotent_and_private,);

async fn figures_are_idempotent_and_private(app: TestApp) {
    let adoption = adopt(&app, "randers", "pmto", Some(20)).await;
    let base = format!("/api/v1/municipalities/randers/adoptions/{adoption}/figures");
    let editor = app.member("randers", Role::Editor);
    let figures = json!({"started": 5, "completed": 2, "dropped_out": 1});
    let r = editor
        .put(&format!("{base}/2025-h1"))
        .json(&figures)
        .send()
        .await;
    let created = r.ok(201);
    assert_eq!(created["period"], "2025-H1");
    assert_eq!(created["period_start"], "2025-01-01");
    assert_eq!(created["period_end"], "2025-06-30");
    assert_eq!(
        r.header("location"),
        Some(format!("{base}/2025-H1").as_str())
    );
    // The same PUT again: 200, nothing new recorded.
    editor
        .put(&format!("{base}/2025-H1"))
        .json(&figures)
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("create", "evidence_figures"), 1);
    assert_eq!(app.audit_count("update", "evidence_figures"), 0);
    let changed = json!({"started": 6, "completed": 2, "dropped_out": 1});
    let replaced = editor
        .put(&format!("{base}/2025-H1"))
        .json(&changed)
        .send()
        .await
        .ok(200);
    assert_eq!(replaced["started"], 6);
    assert_eq!(app.audit_count("update", "evidence_figures"), 1);
    editor
        .put(&format!("{base}/2025-Q3"))
        .json(&figures)
        .send()
        .await
        .ok(201);
    // Overlapping periods would count twice.
    editor
        .put(&format!("{base}/2025"))
        .json(&figures)
        .send()
        .await
        .field_error(422, "evidence.figures.period_overlaps", "path.period");
    editor
        .put(&format!("{base}/2025-Q2"))
        .json(&figures)
        .send()
        .await
        .field_error(422, "evidence.figures.period_overlaps", "path.period");
    for bad in ["2025-H3", "25", "2025-05", "juni"] {
        editor
            .put(&format!("{base}/{bad}"))
            .json(&figures)
            .send()
            .await
            .field_error(422, "validation.failed", "path.period");
    }
    editor
        .put(&format!("{base}/2026"))
        .json(&json!({"started": -1, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "started");
    editor
        .put(&format!("{base}/2026"))
        .json(&json!({"started": 1, "completed": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "dropped_out");
    let viewer = app.member("randers", Role::Viewer);
    viewer
        .put(&format!("{base}/2026"))
        .json(&figures)
        .send()
        .await
        .problem(403, "auth.forbidden");

    // Read: the municipality's members; nobody else (no partnership here).
    let list = viewer
        .get(&format!("{base}?year=2025"))
        .send()
        .await
        .ok(200);
    assert_eq!(list["total"], 2);
    assert_eq!(strs(&items(&list), "period"), vec!["2025-H1", "2025-Q3"]);
    let other = app.member("vejle", Role::Admin);
    let op = app.operator();
    app.access(Method::GET, &base)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&other, 404, "not_found")
        .answers(&op, 404, "not_found")
        .check()
        .await;
    viewer.get(&format!("{base}/2025-H1")).send().await.ok(200);
    viewer
        .get(&format!("{base}/2024"))
        .send()
        .await
        .problem(404, "not_found");
    viewer
        .get(&format!("{base}?year=20"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");

    // Delete one period.
    editor
        .delete(&format!("{base}/2025-Q3"))
        .send()
        .await
        .ok(204);
    editor
        .delete(&format!("{base}/2025-Q3"))
        .send()
        .await
        .problem(404, "not_found");
    let list = viewer.get(&base).send().await.ok(200);
    assert_eq!(list["total"], 1);
}
