//! Rights follow the user, not the token; the operator holds no keys to a municipality's house.

use diesel::prelude::*;
use retning_kernel::auth::Role;
use retning_kernel::schema::users;
use retning_tests::{both_backends, Options, TestApp, PASSWORD};
use serde_json::{json, Value};

both_backends!(
    demoted_admin_token_acts_as_viewer_at_once,
    disabled_user_token_is_revoked,
    password_change_revokes_older_tokens,
    deleted_user_token_is_revoked,
    operator_creates_only_a_first_admin,
    operator_may_only_disable,
    operator_reads_nothing_private,
);

const U: &str = "/api/v1/municipalities/vejle/users";

async fn login(app: &TestApp, username: &str, password: &str) -> String {
    let body = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .ok(200);
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {body}"))
        .to_owned()
}

/// A user created through the CLI path's table, logged in through the API.
async fn user_with_token(app: &TestApp, username: &str, role: Role) -> (i64, String) {
    let id = app.create_user(Some("vejle"), username, role);
    (id, login(app, username, PASSWORD).await)
}

fn new_key() -> Value {
    json!({"name": "dashboard", "scope": "read"})
}

async fn demoted_admin_token_acts_as_viewer_at_once(app: TestApp) {
    let (_, boss) = user_with_token(&app, "boss", Role::Admin).await;
    let (ida, ida_token) = user_with_token(&app, "ida", Role::Admin).await;
    let keys = "/api/v1/municipalities/vejle/api-keys";
    app.post(keys)
        .bearer(&ida_token)
        .json(&new_key())
        .send()
        .await
        .ok(201);
    app.patch(&format!("{U}/{ida}"))
        .bearer(&boss)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .ok(200);
    // The old token carries no admin right any more: no API keys, no users, no audit.
    app.post(keys)
        .bearer(&ida_token)
        .json(&new_key())
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.get(U)
        .bearer(&ida_token)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let me = app
        .get("/api/v1/auth/me")
        .bearer(&ida_token)
        .send()
        .await
        .ok(200);
    assert_eq!(me["role"], "viewer", "{me}");
    // A viewer still reads.
    app.get("/api/v1/municipalities/vejle/measures")
        .bearer(&ida_token)
        .send()
        .await
        .ok(200);
}

async fn disabled_user_token_is_revoked(app: TestApp) {
    let (_, boss) = user_with_token(&app, "boss", Role::Admin).await;
    let (ida, ida_token) = user_with_token(&app, "ida", Role::Editor).await;
    app.patch(&format!("{U}/{ida}"))
        .bearer(&boss)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/auth/me")
        .bearer(&ida_token)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    // Enabled again, the tokens from before stay dead; a new login works.
    app.patch(&format!("{U}/{ida}"))
        .bearer(&boss)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/auth/me")
        .bearer(&ida_token)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    let fresh = login(&app, "ida", PASSWORD).await;
    app.get("/api/v1/auth/me")
        .bearer(&fresh)
        .send()
        .await
        .ok(200);
}

async fn password_change_revokes_older_tokens(app: TestApp) {
    let (_, boss) = user_with_token(&app, "boss", Role::Admin).await;
    let (ida, old) = user_with_token(&app, "ida", Role::Editor).await;
    let new_password = "a brand new long passphrase";
    let changed = app
        .patch(&format!("{U}/{ida}"))
        .bearer(&boss)
        .json(&json!({"password": new_password}))
        .send()
        .await
        .ok(200);
    assert_eq!(changed["role"], "editor");
    app.get("/api/v1/auth/me")
        .bearer(&old)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    let new = login(&app, "ida", new_password).await;
    app.get("/api/v1/auth/me").bearer(&new).send().await.ok(200);
    // The boss's own token is untouched by another user's change.
    app.get(U).bearer(&boss).send().await.ok(200);
}

async fn deleted_user_token_is_revoked(_app: TestApp) {
    // Removed behind the server's back (as another server or a DBA would): with the rights cache
    // off, the next request sees it.
    let app = TestApp::with(
        _app.backend(),
        Options {
            rights_cache_seconds: Some(0),
            ..Options::default()
        },
    )
    .await
    .unwrap_or_else(|| unreachable!());
    let (ida, token) = user_with_token(&app, "ida", Role::Admin).await;
    let (_, other) = user_with_token(&app, "other", Role::Admin).await;
    app.with_conn(|c| {
        diesel::update(users::table.find(ida))
            .set(users::role.eq("viewer"))
            .execute(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    app.get(U)
        .bearer(&token)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.with_conn(|c| {
        diesel::delete(retning_kernel::schema::api_keys::table)
            .execute(c)
            .unwrap_or_else(|e| panic!("{e}"));
        diesel::delete(users::table.find(ida))
            .execute(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    app.get("/api/v1/auth/me")
        .bearer(&token)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    app.get(U).bearer(&other).send().await.ok(200);
}

fn admin_body(username: &str) -> Value {
    json!({"username": username, "password": "a long enough password", "role": "admin"})
}

async fn operator_creates_only_a_first_admin(app: TestApp) {
    let op = app.operator_token();
    // Vejle has no admin yet: the operator may create the first, and only an admin.
    app.post(U)
        .bearer(&op)
        .json(&json!({"username": "v", "password": "a long enough password", "role": "viewer"}))
        .send()
        .await
        .problem(403, "platform.user.operator_limited");
    let first = app
        .post(U)
        .bearer(&op)
        .json(&admin_body("first.admin"))
        .send()
        .await
        .ok(201);
    // Now it has one: a second is the municipality's own business.
    app.post(U)
        .bearer(&op)
        .json(&admin_body("second.admin"))
        .send()
        .await
        .problem(403, "platform.user.operator_limited");
    // Refused before the body is judged: a weak password changes nothing in the answer.
    app.post(U)
        .bearer(&op)
        .json(&json!({"username": "x", "password": "short", "role": "admin"}))
        .send()
        .await
        .problem(403, "platform.user.operator_limited");
    // Once the only admin is disabled, the operator may create a new first admin.
    let admin = login(&app, "first.admin", "a long enough password").await;
    let boss = app.token("vejle", Role::Admin);
    let id = first["id"].as_i64().unwrap_or_default();
    app.patch(&format!("{U}/{id}"))
        .bearer(&boss)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .ok(200);
    app.post(U)
        .bearer(&op)
        .json(&admin_body("third.admin"))
        .send()
        .await
        .problem(403, "platform.user.operator_limited");
    let boss_id = app.with_conn(|c| {
        users::table
            .filter(users::role.eq("admin"))
            .filter(users::disabled_at.is_null())
            .select(users::id)
            .first::<i64>(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    app.patch(&format!("{U}/{boss_id}"))
        .bearer(&op)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .ok(200);
    app.post(U)
        .bearer(&op)
        .json(&admin_body("third.admin"))
        .send()
        .await
        .ok(201);
    app.get("/api/v1/auth/me")
        .bearer(&admin)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    assert_eq!(app.audit_count("create", "user"), 2);
}

async fn operator_may_only_disable(app: TestApp) {
    let op = app.operator_token();
    let (_, boss) = user_with_token(&app, "boss", Role::Admin).await;
    let (ida, ida_token) = user_with_token(&app, "ida", Role::Editor).await;
    let path = format!("{U}/{ida}");
    for body in [
        json!({"password": "operator chosen password"}),
        json!({"role": "admin"}),
        json!({"role": "viewer"}),
        json!({"disabled": false}),
        json!({"disabled": true, "role": "viewer"}),
        json!({"disabled": true, "password": "operator chosen password"}),
        json!({}),
    ] {
        app.patch(&path)
            .bearer(&op)
            .json(&body)
            .send()
            .await
            .problem(403, "platform.user.operator_limited");
    }
    // Nothing changed: ida still works as an editor with the old password and token.
    let me = app
        .get("/api/v1/auth/me")
        .bearer(&ida_token)
        .send()
        .await
        .ok(200);
    assert_eq!(me["role"], "editor");
    login(&app, "ida", PASSWORD).await;
    let disabled = app
        .patch(&path)
        .bearer(&op)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .ok(200);
    assert_eq!(disabled["disabled"], true);
    app.get("/api/v1/auth/me")
        .bearer(&ida_token)
        .send()
        .await
        .problem(401, "auth.token_revoked");
    // The municipality sees in its audit log that the operator did it.
    let audit = app
        .get("/api/v1/municipalities/vejle/audit?limit=500")
        .bearer(&boss)
        .send()
        .await
        .ok(200);
    let entry = audit["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["object_type"] == "user" && e["object_id"] == ida && e["action"] == "update")
        .unwrap_or_else(|| panic!("no audit entry for the operator's change: {audit}"));
    assert!(
        entry.to_string().contains("operator-"),
        "the audit entry names the operator: {entry}"
    );
}

async fn operator_reads_nothing_private(app: TestApp) {
    let op = app.operator_token();
    let editor = app.token("vejle", Role::Editor);
    app.post("/api/v1/municipalities/vejle/measures")
        .bearer(&editor)
        .json(&json!({
            "child_ref": "VEJ-2020-17", "birth_year": 2006, "category": "placement",
            "kind": "netvaerksplejefamilie",
            "legal_basis": {"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7, "consent": true},
            "start_date": "2021-03-01", "provider": {"type": "own", "name": "Familieplejen"},
            "yearly_cost_dkk": 210000
        }))
        .send()
        .await
        .ok(201);
    for path in [
        "/api/v1/municipalities/vejle/measures",
        "/api/v1/municipalities/vejle/audit",
        "/api/v1/municipalities/vejle/api-keys",
        "/api/v1/municipalities/vejle/partnerships",
    ] {
        app.get(path)
            .bearer(&op)
            .send()
            .await
            .problem(404, "not_found");
    }
}
