//! Tokens that must be refused.

use jsonwebtoken::{encode, EncodingKey, Header};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp};
use serde_json::json;

both_backends!(tokens_that_must_be_refused,);
each_backend!(expired_token_is_refused,);

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
