//! Login, tokens, API keys, roles.

use jsonwebtoken::{encode, EncodingKey, Header};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp, PASSWORD};
use serde_json::json;

both_backends!(
    login_good_bad_unknown,
    tokens_that_must_be_refused,
    api_key_lifecycle,
    roles_decide_what_may_be_done,
    other_municipality_is_not_found,
    disabled_user_cannot_log_in,
);
each_backend!(repeated_failures_are_rate_limited, expired_token_is_refused);

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
    use base64_decode::decode;
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

mod base64_decode {
    pub fn decode(s: &str) -> Vec<u8> {
        const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = Vec::new();
        let (mut buf, mut bits) = (0u32, 0);
        for c in s.bytes() {
            let Some(v) = TABLE.iter().position(|t| *t == c) else {
                continue;
            };
            buf = (buf << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buf >> bits) as u8);
                buf &= (1 << bits) - 1;
            }
        }
        out
    }
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

async fn expired_token_is_refused(backend: Backend) {
    let Some(app) = TestApp::with(
        backend,
        Options {
            token_ttl_secs: Some(1),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    let id = app.create_user(Some("vejle"), "kim.vejle", Role::Admin);
    // A token that expired well beyond the leeway: sign one by hand with the server's own key.
    let secret = std::fs::read(app.settings.data_dir.join("jwt-secret")).unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": "retning", "aud": "retning-api", "sub": id.to_string(), "exp": now - 60, "iat": now - 960,
        "municipality": "vejle", "municipality_id": app.municipality_id("vejle"), "role": "admin", "username": "kim.vejle"});
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(app.ctx.auth.keys.kid().to_owned());
    let token = encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap_or_default();
    app.get("/api/v1/auth/me")
        .bearer(&token)
        .send()
        .await
        .problem(401, "auth.token_expired");
}

async fn tokens_that_must_be_refused(app: TestApp) {
    let id = app.create_user(Some("vejle"), "lis.vejle", Role::Admin);
    let secret = std::fs::read(app.settings.data_dir.join("jwt-secret")).unwrap_or_default();
    let kid = app.ctx.auth.keys.kid().to_owned();
    let now = chrono::Utc::now().timestamp();
    let claims = |iss: &str, aud: &str| {
        json!({"iss": iss, "aud": aud, "sub": id.to_string(), "exp": now + 600, "iat": now,
            "municipality": "vejle", "municipality_id": app.municipality_id("vejle"), "role": "admin", "username": "lis.vejle"})
    };
    let sign = |claims: &serde_json::Value, secret: &[u8], kid: Option<String>| {
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid;
        encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap_or_default()
    };
    let good = sign(
        &claims("retning", "retning-api"),
        &secret,
        Some(kid.clone()),
    );
    app.get("/api/v1/auth/me")
        .bearer(&good)
        .send()
        .await
        .ok(200);

    let wrong_audience = sign(
        &claims("retning", "someone-else"),
        &secret,
        Some(kid.clone()),
    );
    let wrong_issuer = sign(&claims("evil", "retning-api"), &secret, Some(kid.clone()));
    let wrong_key = sign(
        &claims("retning", "retning-api"),
        b"another secret that is long enough!!",
        Some(kid.clone()),
    );
    let no_kid = sign(&claims("retning", "retning-api"), &secret, None);
    // Not valid yet, or issued in the future (beyond the 5 s leeway).
    let mut later = claims("retning", "retning-api");
    later["nbf"] = json!(now + 600);
    let not_yet = sign(&later, &secret, Some(kid.clone()));
    let mut future = claims("retning", "retning-api");
    future["iat"] = json!(now + 600);
    let issued_later = sign(&future, &secret, Some(kid.clone()));
    // Tampered: the payload says operator, the signature is of the original.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let forged_claims = claims("retning", "retning-api")
        .to_string()
        .replace("\"admin\"", "\"operator\"");
    parts[1] = b64url(forged_claims.as_bytes());
    let tampered = parts.join(".");
    // alg: none, unsigned.
    let none = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none","typ":"JWT"}"#),
        b64url(claims("retning", "retning-api").to_string().as_bytes())
    );
    for (what, token) in [
        ("wrong audience", wrong_audience),
        ("wrong issuer", wrong_issuer),
        ("wrong key", wrong_key),
        ("no kid", no_kid),
        ("nbf in the future", not_yet),
        ("iat in the future", issued_later),
        ("tampered", tampered),
        ("alg none", none),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let resp = app.get("/api/v1/auth/me").bearer(&token).send().await;
        assert_eq!(resp.status, 401, "{what}: {}", resp.text());
        resp.problem(401, "auth.invalid_token");
    }
    let basic = app
        .get("/api/v1/auth/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await;
    basic.problem(401, "auth.invalid_token");
}

fn b64url(bytes: &[u8]) -> String {
    const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn api_key_lifecycle(app: TestApp) {
    let admin = app.token("vejle", Role::Admin);
    let created = app
        .post("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
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
    let list = app
        .get("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
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
    app.delete(&format!("/api/v1/municipalities/vejle/api-keys/{id}"))
        .bearer(&admin)
        .send()
        .await
        .ok(204);
    app.get("/api/v1/auth/me")
        .bearer(&key)
        .send()
        .await
        .problem(401, "auth.invalid_api_key");
    app.delete(&format!("/api/v1/municipalities/vejle/api-keys/{id}"))
        .bearer(&admin)
        .send()
        .await
        .ok(204);
    let randers_admin = app.token("randers", Role::Admin);
    app.delete(&format!("/api/v1/municipalities/randers/api-keys/{id}"))
        .bearer(&randers_admin)
        .send()
        .await
        .problem(404, "not_found");
    let listed = app
        .get("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
        .send()
        .await
        .ok(200);
    assert!(listed["items"][0]["revoked_at"].is_string());
    assert_eq!(app.audit_count("revoke", "api_key"), 1);

    // Scope validation and an unknown key.
    app.post("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
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
    let editor = app.token("vejle", Role::Editor);
    app.post("/api/v1/municipalities/vejle/api-keys")
        .bearer(&editor)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
}

async fn roles_decide_what_may_be_done(app: TestApp) {
    let new_user =
        json!({"username": "new.person", "password": "a long enough password", "role": "viewer"});
    for role in [Role::Viewer, Role::Editor] {
        let token = app.token("vejle", role);
        app.post("/api/v1/municipalities/vejle/users")
            .bearer(&token)
            .json(&new_user)
            .send()
            .await
            .problem(403, "auth.forbidden");
        app.get("/api/v1/municipalities/vejle/audit")
            .bearer(&token)
            .send()
            .await
            .problem(403, "auth.forbidden");
    }
    app.post("/api/v1/municipalities/vejle/users")
        .json(&new_user)
        .send()
        .await
        .problem(401, "auth.required");
    let admin = app.token("vejle", Role::Admin);
    let created = app
        .post("/api/v1/municipalities/vejle/users")
        .bearer(&admin)
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
    app.post("/api/v1/municipalities/vejle/users")
        .bearer(&admin)
        .json(&new_user)
        .send()
        .await
        .field_error(422, "platform.user.username_taken", "username");
    let weak = json!({"username": "weak.one", "password": "short", "role": "operator"});
    let body = app
        .post("/api/v1/municipalities/vejle/users")
        .bearer(&admin)
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
    app.post("/api/v1/municipalities")
        .bearer(&admin)
        .json(&faroe)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let op = app.operator_token();
    let created = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .json(&faroe)
        .send()
        .await;
    created.ok(201);
    assert_eq!(
        created.header("location"),
        Some("/api/v1/municipalities/test-by")
    );
    app.post("/api/v1/municipalities")
        .bearer(&op)
        .json(&faroe)
        .send()
        .await
        .problem(409, "municipality.exists");
    let bad = json!({"slug": "Bad Slug", "code": "12", "name": " ", "region": "x"});
    let body = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation.failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, vec!["slug", "code", "name"]);
    let patched = app
        .patch("/api/v1/municipalities/test-by")
        .bearer(&op)
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
    app.post("/api/v1/municipalities/test-by/users")
        .bearer(&op)
        .json(&first)
        .send()
        .await
        .ok(201);
    app.get("/api/v1/municipalities/test-by/audit")
        .bearer(&op)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit_count("create", "municipality"), 1);
    assert_eq!(app.audit_count("update", "municipality"), 1);
}

async fn other_municipality_is_not_found(app: TestApp) {
    let vejle_admin = app.token("vejle", Role::Admin);
    let randers_admin = app.token("randers", Role::Admin);
    let user = app.post("/api/v1/municipalities/vejle/users").bearer(&vejle_admin)
        .json(&json!({"username": "vejle.person", "password": "a long enough password", "role": "viewer"})).send().await.ok(201);
    let id = user["id"].as_i64().unwrap_or_default();
    let patch = json!({"role": "admin"});
    // Addressed through Vejle: Randers' admin sees nothing there.
    app.get("/api/v1/municipalities/vejle/users")
        .bearer(&randers_admin)
        .send()
        .await
        .problem(404, "not_found");
    app.patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .bearer(&randers_admin)
        .json(&patch)
        .send()
        .await
        .problem(404, "not_found");
    // Addressed through Randers: Vejle's user id does not exist there, exactly like a missing id.
    let foreign = app
        .patch(&format!("/api/v1/municipalities/randers/users/{id}"))
        .bearer(&randers_admin)
        .json(&patch)
        .send()
        .await;
    let missing = app
        .patch("/api/v1/municipalities/randers/users/999999")
        .bearer(&randers_admin)
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
    let list = app
        .get("/api/v1/municipalities/vejle/users")
        .bearer(&vejle_admin)
        .send()
        .await
        .ok(200);
    let person = list["items"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["username"] == "vejle.person").cloned())
        .unwrap_or_default();
    assert_eq!(person["role"], "viewer");
}

async fn disabled_user_cannot_log_in(app: TestApp) {
    let admin = app.token("vejle", Role::Admin);
    let id = app.create_user(Some("vejle"), "leaving.person", Role::Editor);
    let login = json!({"username": "leaving.person", "password": PASSWORD});
    app.post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await
        .ok(200);
    let updated = app
        .patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .bearer(&admin)
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
    let audit = app
        .get("/api/v1/municipalities/vejle/audit?object_type=user")
        .bearer(&admin)
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
    app.patch(&format!("/api/v1/municipalities/vejle/users/{id}"))
        .bearer(&admin)
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
