//! Login: good, bad and unknown; rate limits; disabled users.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp, PASSWORD};
use serde_json::json;

both_backends!(login_good_bad_unknown, disabled_user_cannot_log_in,);
each_backend!(repeated_failures_are_rate_limited,);

async fn login_good_bad_unknown(app: TestApp) {
    app.create_user(Some("vejle"), "ida.vejle", Role::Editor);
    let ok = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "ida.vejle", "password": PASSWORD}))
        .send()
        .await;
    let body = ok.ok(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap_or_default();
    let me = app
        .get("/api/v1/auth/me")
        .bearer(token)
        .send()
        .await
        .ok(200);
    assert_eq!(
        me,
        json!({"kind": "user", "id": me["id"], "name": "ida.vejle", "municipality": "vejle", "role": "editor", "scope": null})
    );

    // The claims the issue names are all there.
    let payload = token.split('.').nth(1).unwrap_or_default();
    use super::base64_decode::decode;
    let claims: serde_json::Value = serde_json::from_slice(&decode(payload)).unwrap_or_default();
    for claim in ["iss", "aud", "sub", "exp", "municipality", "role"] {
        assert!(!claims[claim].is_null(), "claim {claim} missing: {claims}");
    }
    let header: serde_json::Value =
        serde_json::from_slice(&decode(token.split('.').next().unwrap_or_default()))
            .unwrap_or_default();
    assert_eq!(header["alg"], "HS256");
    assert!(header["kid"].is_string());

    let wrong = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "ida.vejle", "password": "wrong password!"}))
        .send()
        .await;
    let wrong = wrong.problem(401, "auth.invalid_credentials");
    let unknown = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "nobody", "password": PASSWORD}))
        .send()
        .await;
    let unknown = unknown.problem(401, "auth.invalid_credentials");
    assert_eq!(
        wrong["detail"], unknown["detail"],
        "an unknown user must look like a wrong password"
    );

    let missing = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "ida.vejle"}))
        .send()
        .await;
    missing.field_error(422, "validation.failed", "password");
    app.get("/api/v1/auth/me")
        .send()
        .await
        .problem(401, "auth.required");
}

async fn repeated_failures_are_rate_limited(backend: Backend) {
    let Some(app) = TestApp::with(
        backend,
        Options {
            account_burst: Some(3),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    app.create_user(Some("vejle"), "bo.vejle", Role::Viewer);
    for _ in 0..3 {
        app.post("/api/v1/auth/login")
            .json(&json!({"username": "bo.vejle", "password": "not the password"}))
            .send()
            .await
            .problem(401, "auth.invalid_credentials");
    }
    // Even the right password is refused while the account is locked.
    let locked = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "bo.vejle", "password": PASSWORD}))
        .send()
        .await;
    locked.problem(429, "auth.too_many_attempts");
    let retry: u64 = locked
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=61).contains(&retry), "Retry-After {retry}");
    // Another account from the same address still gets through (the address limit is higher).
    app.create_user(Some("vejle"), "eva.vejle", Role::Viewer);
    app.post("/api/v1/auth/login")
        .json(&json!({"username": "eva.vejle", "password": PASSWORD}))
        .send()
        .await
        .ok(200);
}

async fn disabled_user_cannot_log_in(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    let id = app.create_user(Some("vejle"), "leaving.person", Role::Editor);
    let login = json!({"username": "leaving.person", "password": PASSWORD});
    app.post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await
        .ok(200);
    let updated = admin
        .patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .ok(200);
    assert_eq!(updated["disabled"], true);
    app.post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await
        .problem(401, "auth.invalid_credentials");
    // The change was audited with who did it.
    let audit = admin
        .get("/api/v1/municipalities/vejle/audit?object_type=user")
        .send()
        .await
        .ok(200);
    let entry = &audit["items"][0];
    assert_eq!(
        (
            entry["action"].as_str(),
            entry["object_id"].as_i64(),
            entry["actor_kind"].as_str()
        ),
        (Some("update"), Some(id), Some("user"))
    );
    assert!(entry["actor_name"]
        .as_str()
        .is_some_and(|n| n.starts_with("admin-vejle")));
    assert_eq!(
        entry["details"]["disabled"],
        json!({"before": false, "after": true})
    );
    // Password change lets a re-enabled user in with the new password only.
    let changed = json!({"disabled": false, "password": "a brand new password"});
    admin
        .patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .json(&changed)
        .send()
        .await
        .ok(200);
    app.post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await
        .problem(401, "auth.invalid_credentials");
    app.post("/api/v1/auth/login")
        .json(&json!({"username": "leaving.person", "password": "a brand new password"}))
        .send()
        .await
        .ok(200);
}
