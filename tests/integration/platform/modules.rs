//! Module switches per municipality.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(module_switches,);

async fn module_switches(app: TestApp) {
    let modules = app
        .get("/api/v1/municipalities/vejle/modules")
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = modules
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"platform") && names.contains(&"goals"),
        "{names:?}"
    );
    assert!(modules
        .as_array()
        .is_some_and(|a| a.iter().all(|m| m["enabled"] == true)));

    let admin = app.token("vejle", Role::Admin);
    let off = json!({"enabled": false});
    app.put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&admin)
        .json(&off)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let op = app.operator_token();
    let state = app
        .put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&op)
        .json(&off)
        .send()
        .await
        .ok(200);
    assert_eq!(
        state,
        json!({"name": "goals", "enabled": false, "switchable": true})
    );
    let modules = app
        .get("/api/v1/municipalities/vejle/modules")
        .send()
        .await
        .ok(200);
    assert!(modules.as_array().is_some_and(|a| a
        .iter()
        .any(|m| m["name"] == "goals" && m["enabled"] == false)));
    // Only Vejle is affected.
    let randers = app
        .get("/api/v1/municipalities/randers/modules")
        .send()
        .await
        .ok(200);
    assert!(randers
        .as_array()
        .is_some_and(|a| a.iter().all(|m| m["enabled"] == true)));
    // Switching off twice is one change; the platform cannot be switched off; unknown modules are 404.
    app.put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&op)
        .json(&off)
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("disable", "module"), 1);
    app.put("/api/v1/municipalities/vejle/modules/platform")
        .bearer(&op)
        .json(&off)
        .send()
        .await
        .field_error(422, "platform.module.not_switchable", "module");
    app.put("/api/v1/municipalities/vejle/modules/astrology")
        .bearer(&op)
        .json(&off)
        .send()
        .await
        .problem(404, "not_found");
    app.put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&op)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("enable", "module"), 1);
}
