//! The staircase: seeded, public, replaced by admins.

use super::{create, measure, M};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, Method, TestApp};
use serde_json::json;

both_backends!(staircase_is_seeded_public_and_replaced_by_admins,);

async fn staircase_is_seeded_public_and_replaced_by_admins(app: TestApp) {
    // Vejle's own staircase from its text; the others the standard six.
    let vejle = app
        .get(&format!("{M}/vejle/staircase"))
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = vejle["steps"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        vec![
            "Forebyggende indsatser",
            "Indsatser i hjemmet",
            "Anbringelse i netværket",
            "Anbringelse i plejefamilie",
            "Anbringelse på en døgninstitution"
        ]
    );
    // The national six, word for word (social.dk, "Indsatstrappen for udsatte børn og unge").
    let national = vec![
        "Tidligere indsatser i almenområdet",
        "Forebyggende indsatser",
        "Hjemmebaserede foranstaltninger",
        "Anbringelse i slægt eller netværk",
        "Anbringelse i plejefamilie",
        "Anbringelse på institution",
    ];
    let standard: Vec<&str> = vejle["standard_steps"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(standard, national);
    assert_eq!(
        vejle["steps"][1]["standard_name"],
        "Hjemmebaserede foranstaltninger"
    );
    for m in ["randers", "skanderborg", "vordingborg"] {
        let s = app.get(&format!("{M}/{m}/staircase")).send().await.ok(200);
        let own: Vec<&str> = s["steps"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(own, national, "{m} copies the standard names");
        let steps: Vec<i64> = s["steps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["standard_step"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(steps, vec![1, 2, 3, 4, 5, 6], "{m}");
    }

    let url = format!("{M}/vordingborg/staircase");
    let steps = json!({"steps": [
        {"key": "forebyggelse", "name": "Forebyggelse", "standard_step": 2},
        {"key": "netvaerk", "name": "Slægt og netværk", "standard_step": 4},
        {"key": "plejefamilie", "name": "Familiepleje", "standard_step": 5},
        {"key": "forstaerket", "name": "Forstærket familiepleje", "standard_step": 5},
        {"key": "institution", "name": "Døgninstitution og opholdssted", "standard_step": 6}
    ]});
    let editor = app.member("vordingborg", Role::Editor);
    let other_admin = app.member("vejle", Role::Admin);
    app.access(Method::PUT, &url)
        .json(&steps)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&editor, 403, "auth.forbidden")
        .answers(&other_admin, 404, "not_found")
        .check()
        .await;
    let admin = app.member("vordingborg", Role::Admin);
    let bad = json!({"steps": [{"key": "a", "name": "A", "standard_step": 5}, {"key": "b", "name": "B", "standard_step": 3}]});
    admin.put(&url).json(&bad).send().await.field_error(
        422,
        "validation.failed",
        "steps[1].standard_step",
    );
    let dup = json!({"steps": [{"key": "a", "name": "A", "standard_step": 1}, {"key": "a", "name": "B", "standard_step": 3}]});
    admin
        .put(&url)
        .json(&dup)
        .send()
        .await
        .field_error(422, "validation.failed", "steps[1].key");
    let replaced = admin.put(&url).json(&steps).send().await.ok(200);
    assert_eq!(replaced["steps"][3]["key"], "forstaerket");
    assert_eq!(replaced["steps"][3]["position"], 4);
    assert_eq!(app.audit_count("replace", "staircase"), 1);

    // A placement on a step: the step may be renamed, not removed or re-mapped.
    let mut body = measure(
        "VB-1",
        "placement",
        "forstaerket_plejefamilie",
        "2020-01-01",
        None,
    );
    body["step"] = json!("forstaerket");
    let m = create(&app, editor.token(), "vordingborg", body).await;
    assert_eq!(
        (m["step"]["key"].as_str(), m["standard_step"].as_i64()),
        (Some("forstaerket"), Some(5))
    );
    let defaulted = create(
        &app,
        editor.token(),
        "vordingborg",
        measure("VB-2", "placement", "opholdssted", "2020-01-01", None),
    )
    .await;
    assert_eq!(
        defaulted["step"]["key"], "institution",
        "the first step on the kind's standard step"
    );
    let mut removed = steps.clone();
    if let Some(a) = removed["steps"].as_array_mut() {
        a.remove(3);
    }
    admin
        .put(&url)
        .json(&removed)
        .send()
        .await
        .problem(409, "placements.staircase.step_in_use");
    let mut remapped = steps.clone();
    remapped["steps"][3]["standard_step"] = json!(6);
    admin
        .put(&url)
        .json(&remapped)
        .send()
        .await
        .problem(409, "placements.staircase.step_in_use");
    let mut renamed = steps.clone();
    renamed["steps"][3]["name"] = json!("Forstærket plejefamilie");
    admin.put(&url).json(&renamed).send().await.ok(200);
    let m = editor
        .get(&format!("{M}/vordingborg/measures/{}", m["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(m["step"]["name"], "Forstærket plejefamilie");

    // Seeding again keeps a municipality's own staircase.
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    let after = app.get(&url).send().await.ok(200);
    assert_eq!(after["steps"].as_array().map(Vec::len), Some(5));
    assert_eq!(app.audit_count("seed", "staircase"), 4);
}
