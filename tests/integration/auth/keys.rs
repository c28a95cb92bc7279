//! API keys.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(api_key_lifecycle,);

async fn api_key_lifecycle(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    let created = admin
        .post("/api/v1/municipalities/vejle/api-keys")
        .json(&json!({"name": "Dashboard"}))
        .send()
        .await;
    let body = created.ok(201);
    assert!(created
        .header("location")
        .is_some_and(|l| l.starts_with("/api/v1/municipalities/vejle/api-keys/")));
    let key = body["key"].as_str().unwrap_or_default().to_owned();
    assert!(key.starts_with("rtn_") && key.len() > 40, "{key}");
    assert_eq!(body["scope"], "read");
    assert!(key.starts_with(body["prefix"].as_str().unwrap_or("-")));

    // Listed without the secret; stored only as a hash.
    let list = admin
        .get("/api/v1/municipalities/vejle/api-keys")
        .send()
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(&key));
    assert!(list["items"][0].get("key").is_none());
    let stored: Vec<String> = app.with_conn(|c| {
        use diesel::prelude::*;
        use retning_kernel::schema::api_keys;
        api_keys::table
            .select(api_keys::key_hash)
            .load(c)
            .unwrap_or_default()
    });
    assert!(
        stored.iter().all(|h| !h.contains(&key[4..])),
        "the key must be stored hashed"
    );

    // The key reads as its municipality, and can do nothing an admin-only permission needs.
    let me = app.get("/api/v1/auth/me").bearer(&key).send().await.ok(200);
    assert_eq!(
        (
            me["kind"].as_str(),
            me["municipality"].as_str(),
            me["scope"].as_str()
        ),
        (Some("api_key"), Some("vejle"), Some("read"))
    );
    app.get("/api/v1/municipalities/vejle/users")
        .bearer(&key)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.get("/api/v1/municipalities/randers/users")
        .bearer(&key)
        .send()
        .await
        .problem(404, "not_found");

    // Revoked: refused at once; revoking again is harmless; another municipality's key id is 404.
    let id = body["id"].as_i64().unwrap_or_default();
    admin
        .delete(&format!("/api/v1/municipalities/vejle/api-keys/{id}"))
        .send()
        .await
        .ok(204);
    app.get("/api/v1/auth/me")
        .bearer(&key)
        .send()
        .await
        .problem(401, "auth.invalid_api_key");
    admin
        .delete(&format!("/api/v1/municipalities/vejle/api-keys/{id}"))
        .send()
        .await
        .ok(204);
    let randers_admin = app.member("randers", Role::Admin);
    randers_admin
        .delete(&format!("/api/v1/municipalities/randers/api-keys/{id}"))
        .send()
        .await
        .problem(404, "not_found");
    let listed = admin
        .get("/api/v1/municipalities/vejle/api-keys")
        .send()
        .await
        .ok(200);
    assert!(listed["items"][0]["revoked_at"].is_string());
    assert_eq!(app.audit_count("revoke", "api_key"), 1);

    // Scope validation and an unknown key.
    admin
        .post("/api/v1/municipalities/vejle/api-keys")
        .json(&json!({"name": "x", "scope": "admin"}))
        .send()
        .await
        .field_error(422, "validation.failed", "scope");
    app.get("/api/v1/auth/me")
        .bearer("rtn_0000")
        .send()
        .await
        .problem(401, "auth.invalid_api_key");
    // Editors do not manage keys.
    let editor = app.member("vejle", Role::Editor);
    editor
        .post("/api/v1/municipalities/vejle/api-keys")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
}
