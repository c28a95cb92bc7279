//! Municipalities, module switches, audit, CLI helpers.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(
    seeded_municipalities_are_listed,
    module_switches,
    audit_is_paginated_newest_first,
    seeding_twice_changes_nothing
);

async fn seeded_municipalities_are_listed(app: TestApp) {
    let list = app.get("/api/v1/municipalities").send().await.ok(200);
    assert_eq!(list["total"], 8);
    let got: Vec<(String, String, String)> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["slug"].as_str().unwrap_or("").to_owned(),
                        m["code"].as_str().unwrap_or("").to_owned(),
                        m["region"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for (slug, code, region) in [
        ("randers", "730", "Region Midtjylland"),
        ("vejle", "630", "Region Syddanmark"),
        ("skanderborg", "746", "Region Midtjylland"),
        ("vordingborg", "390", "Region Sjælland"),
        ("faxe", "320", "Region Sjælland"),
        ("lolland", "360", "Region Sjælland"),
        ("naestved", "370", "Region Sjælland"),
        ("guldborgsund", "376", "Region Sjælland"),
    ] {
        assert!(
            got.contains(&(slug.to_owned(), code.to_owned(), region.to_owned())),
            "{slug} missing from {got:?}"
        );
    }
    let one = app
        .get("/api/v1/municipalities/naestved")
        .send()
        .await
        .ok(200);
    assert_eq!(one["name"], "Næstved Kommune");
    assert!(one["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    // Pagination: two pages of 5 and 3, in name order, no overlap.
    let first = app
        .get("/api/v1/municipalities?limit=5")
        .send()
        .await
        .ok(200);
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = app
        .get(&format!("/api/v1/municipalities?limit=5&cursor={cursor}"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            first["items"].as_array().map(Vec::len),
            second["items"].as_array().map(Vec::len)
        ),
        (Some(5), Some(3))
    );
    assert!(second["next_cursor"].is_null());
    let names: Vec<&str> = first["items"]
        .as_array()
        .into_iter()
        .chain(second["items"].as_array())
        .flatten()
        .filter_map(|m| m["name"].as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

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

async fn audit_is_paginated_newest_first(app: TestApp) {
    let admin = app.token("vejle", Role::Admin);
    for i in 0..5 {
        let body = json!({"name": format!("key {i}")});
        app.post("/api/v1/municipalities/vejle/api-keys")
            .bearer(&admin)
            .json(&body)
            .send()
            .await
            .ok(201);
    }
    let page1 = app
        .get("/api/v1/municipalities/vejle/audit?limit=2&object_type=api_key")
        .bearer(&admin)
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = page1["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["details"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, vec!["key 4", "key 3"]);
    let mut seen = names.len();
    let mut cursor = page1["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = app
            .get(&format!(
                "/api/v1/municipalities/vejle/audit?limit=2&object_type=api_key&cursor={c}"
            ))
            .bearer(&admin)
            .send()
            .await
            .ok(200);
        seen += page["items"].as_array().map_or(0, Vec::len);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5);
    // Another municipality's admin sees none of it.
    let randers = app.token("randers", Role::Admin);
    let theirs = app
        .get("/api/v1/municipalities/randers/audit?object_type=api_key")
        .bearer(&randers)
        .send()
        .await
        .ok(200);
    assert_eq!(theirs["items"], json!([]));
    // Every entry records a request id that matches a response header.
    let r = app
        .post("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "traced"}))
        .send()
        .await;
    let rid = r.header("x-request-id").unwrap_or_default().to_owned();
    let latest = app
        .get("/api/v1/municipalities/vejle/audit?limit=1")
        .bearer(&admin)
        .send()
        .await
        .ok(200);
    assert_eq!(latest["items"][0]["request_id"], rid.as_str());
}

async fn seeding_twice_changes_nothing(app: TestApp) {
    let before = app.audit_count("seed", "municipality");
    assert_eq!(before, 8);
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_dir())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.audit_count("seed", "municipality"), 8);
    let list = app.get("/api/v1/municipalities").send().await.ok(200);
    assert_eq!(list["total"], 8);
}
