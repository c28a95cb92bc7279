//! Roles and municipalities decide what may be done.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, Method, TestApp};
use serde_json::json;

both_backends!(
    roles_decide_what_may_be_done,
    other_municipality_is_not_found,
);

async fn roles_decide_what_may_be_done(app: TestApp) {
    let new_user =
        json!({"username": "new.person", "password": "a long enough password", "role": "viewer"});
    let viewer = app.member("vejle", Role::Viewer);
    let editor = app.member("vejle", Role::Editor);
    app.access(Method::GET, "/api/v1/municipalities/vejle/audit")
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&editor, 403, "auth.forbidden")
        .check()
        .await;
    app.access(Method::POST, "/api/v1/municipalities/vejle/users")
        .json(&new_user)
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&editor, 403, "auth.forbidden")
        .answers(&app.anonymous(), 401, "auth.required")
        .check()
        .await;
    let admin = app.member("vejle", Role::Admin);
    let created = admin
        .post("/api/v1/municipalities/vejle/users")
        .json(&new_user)
        .send()
        .await;
    let user = created.ok(201);
    assert_eq!(
        (
            user["username"].as_str(),
            user["role"].as_str(),
            user["disabled"].as_bool()
        ),
        (Some("new.person"), Some("viewer"), Some(false))
    );
    assert!(user.get("password_hash").is_none() && !created.text().contains("argon2"));
    admin
        .post("/api/v1/municipalities/vejle/users")
        .json(&new_user)
        .send()
        .await
        .field_error(422, "platform.user.username_taken", "username");
    let weak = json!({"username": "weak.one", "password": "short", "role": "operator"});
    let body = admin
        .post("/api/v1/municipalities/vejle/users")
        .json(&weak)
        .send()
        .await
        .field_error(422, "validation.failed", "password");
    assert!(
        body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == "role")),
        "{body}"
    );

    // Only the operator manages municipalities.
    let faroe = json!({"slug": "test-by", "code": "999", "name": "Testby Kommune", "region": "Region Test"});
    admin
        .post("/api/v1/municipalities")
        .json(&faroe)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let op = app.operator();
    let created = op.post("/api/v1/municipalities").json(&faroe).send().await;
    created.ok(201);
    assert_eq!(
        created.header("location"),
        Some("/api/v1/municipalities/test-by")
    );
    op.post("/api/v1/municipalities")
        .json(&faroe)
        .send()
        .await
        .problem(409, "municipality.exists");
    let bad = json!({"slug": "Bad Slug", "code": "12", "name": " ", "region": "x"});
    let body = op
        .post("/api/v1/municipalities")
        .json(&bad)
        .send()
        .await
        .problem(422, "validation.failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, vec!["slug", "code", "name"]);
    let patched = op
        .patch("/api/v1/municipalities/test-by")
        .json(&json!({"name": "Nyby Kommune"}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (patched["name"].as_str(), patched["code"].as_str()),
        (Some("Nyby Kommune"), Some("999"))
    );
    // The operator may create a municipality's first admin, but reads nothing private of it.
    let first =
        json!({"username": "first.admin", "password": "a long enough password", "role": "admin"});
    op.post("/api/v1/municipalities/test-by/users")
        .json(&first)
        .send()
        .await
        .ok(201);
    op.get("/api/v1/municipalities/test-by/audit")
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit_count("create", "municipality"), 1);
    assert_eq!(app.audit_count("update", "municipality"), 1);
}

async fn other_municipality_is_not_found(app: TestApp) {
    let vejle_admin = app.member("vejle", Role::Admin);
    let randers_admin = app.member("randers", Role::Admin);
    let user = vejle_admin.post("/api/v1/municipalities/vejle/users")
        .json(&json!({"username": "vejle.person", "password": "a long enough password", "role": "viewer"})).send().await.ok(201);
    let id = user["id"].as_i64().unwrap_or_default();
    let patch = json!({"role": "admin"});
    // Addressed through Vejle: Randers' admin sees nothing there.
    randers_admin
        .get("/api/v1/municipalities/vejle/users")
        .send()
        .await
        .problem(404, "not_found");
    randers_admin
        .patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .json(&patch)
        .send()
        .await
        .problem(404, "not_found");
    // Addressed through Randers: Vejle's user id does not exist there, exactly like a missing id.
    let foreign = randers_admin
        .patch(&format!("/api/v1/municipalities/randers/users/{id}"))
        .json(&patch)
        .send()
        .await;
    let missing = randers_admin
        .patch("/api/v1/municipalities/randers/users/999999")
        .json(&patch)
        .send()
        .await;
    let (a, b) = (
        foreign.problem(404, "not_found"),
        missing.problem(404, "not_found"),
    );
    assert_eq!(
        (a["detail"].clone(), a["errors"].clone()),
        (b["detail"].clone(), b["errors"].clone())
    );
    // Nothing changed.
    let list = vejle_admin
        .get("/api/v1/municipalities/vejle/users")
        .send()
        .await
        .ok(200);
    let person = list["items"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["username"] == "vejle.person").cloned())
        .unwrap_or_default();
    assert_eq!(person["role"], "viewer");
}
