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

    let admin = app.member("vejle", Role::Admin);
    let off = json!({"enabled": false});
    admin
        .put("/api/v1/municipalities/vejle/modules/goals")
        .json(&off)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let op = app.operator();
    let state = op
        .put("/api/v1/municipalities/vejle/modules/goals")
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
    op.put("/api/v1/municipalities/vejle/modules/goals")
        .json(&off)
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("disable", "module"), 1);
    op.put("/api/v1/municipalities/vejle/modules/platform")
        .json(&off)
        .send()
        .await
        .field_error(422, "platform.module.not_switchable", "module");
    op.put("/api/v1/municipalities/vejle/modules/astrology")
        .json(&off)
        .send()
        .await
        .problem(404, "not_found");
    op.put("/api/v1/municipalities/vejle/modules/goals")
        .json(&json!({"enabled": true}))
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("enable", "module"), 1);
}
