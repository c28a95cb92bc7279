//! The audit log.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(audit_is_paginated_newest_first,);

async fn audit_is_paginated_newest_first(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    for i in 0..5 {
        let body = json!({"name": format!("key {i}")});
        admin
            .post("/api/v1/municipalities/vejle/api-keys")
            .json(&body)
            .send()
            .await
            .ok(201);
    }
    let page1 = admin
        .get("/api/v1/municipalities/vejle/audit?limit=2&object_type=api_key")
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = page1["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["details"]["name"]["after"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, vec!["key 4", "key 3"]);
    let mut seen = names.len();
    let mut cursor = page1["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = admin
            .get(&format!(
                "/api/v1/municipalities/vejle/audit?limit=2&object_type=api_key&cursor={c}"
            ))
            .send()
            .await
            .ok(200);
        seen += page["items"].as_array().map_or(0, Vec::len);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5);
    // Another municipality's admin sees none of it.
    let randers = app.member("randers", Role::Admin);
    let theirs = randers
        .get("/api/v1/municipalities/randers/audit?object_type=api_key")
        .send()
        .await
        .ok(200);
    assert_eq!(theirs["items"], json!([]));
    // Every entry records a request id that matches a response header.
    let r = admin
        .post("/api/v1/municipalities/vejle/api-keys")
        .json(&json!({"name": "traced"}))
        .send()
        .await;
    let rid = r.header("x-request-id").unwrap_or_default().to_owned();
    let latest = admin
        .get("/api/v1/municipalities/vejle/audit?limit=1")
        .send()
        .await
        .ok(200);
    assert_eq!(latest["items"][0]["request_id"], rid.as_str());
}
