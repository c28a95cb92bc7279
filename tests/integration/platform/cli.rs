//! The CLI: users, keys, the signing secret.

use retning_tests::TestApp;
use serde_json::json;

retning_tests::each_backend!(cli_creates_users_and_keys, signing_secret_is_generated_once,);

async fn cli_creates_users_and_keys(backend: retning_tests::Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    retning_api::cli::create_user(
        app.db(),
        Some("skanderborg"),
        "anne",
        Some("admin"),
        false,
        "a long enough password",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    retning_api::cli::create_user(
        app.db(),
        None,
        "platform-op",
        None,
        true,
        "a long enough password",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let login = |u: &str| json!({"username": u, "password": "a long enough password"});
    let me = app
        .post("/api/v1/auth/login")
        .json(&login("anne"))
        .send()
        .await
        .ok(200);
    let me = app
        .get("/api/v1/auth/me")
        .bearer(me["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .ok(200);
    assert_eq!(
        (me["municipality"].as_str(), me["role"].as_str()),
        (Some("skanderborg"), Some("admin"))
    );
    let op = app
        .post("/api/v1/auth/login")
        .json(&login("platform-op"))
        .send()
        .await
        .ok(200);
    let op = app
        .get("/api/v1/auth/me")
        .bearer(op["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .ok(200);
    assert_eq!(
        (op["municipality"].is_null(), op["role"].as_str()),
        (true, Some("operator"))
    );
    // Refusals name the problem.
    for (m, role, err) in [
        (Some("atlantis"), Some("admin"), "no municipality"),
        (Some("vejle"), Some("operator"), "--role"),
        (Some("vejle"), Some("boss"), "--role"),
    ] {
        let e = retning_api::cli::create_user(
            app.db(),
            m,
            "someone",
            role,
            false,
            "a long enough password",
        )
        .err()
        .unwrap_or_default();
        assert!(e.contains(err), "{e}");
    }
    let dup = retning_api::cli::create_user(
        app.db(),
        Some("vejle"),
        "anne",
        Some("viewer"),
        false,
        "a long enough password",
    )
    .err()
    .unwrap_or_default();
    assert!(dup.contains("taken"), "{dup}");
    let key = retning_api::cli::create_key(app.db(), "vejle", "Power BI", "read")
        .unwrap_or_else(|e| panic!("{e}"));
    let me = app.get("/api/v1/auth/me").bearer(&key).send().await.ok(200);
    assert_eq!(
        (
            me["kind"].as_str(),
            me["municipality"].as_str(),
            me["scope"].as_str()
        ),
        (Some("api_key"), Some("vejle"), Some("read"))
    );
    assert_eq!(app.audit_count("create", "api_key"), 1);
    assert!(retning_api::cli::create_key(app.db(), "vejle", "x", "admin").is_err());
}

async fn signing_secret_is_generated_once(backend: retning_tests::Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let path = app.settings.data_dir.join("jwt-secret");
    let first = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(first.len() >= 64, "a 32-byte secret, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o600);
    }
    // Loading the settings again (a restart) keeps the same secret, so issued tokens stay valid.
    assert_eq!(
        app.settings.jwt_secret().ok(),
        Some(first.trim().as_bytes().to_vec())
    );
    let token = app.member("vejle", retning_kernel::auth::Role::Viewer);
    let restarted = retning_api::cli::prepare(&app.settings).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restarted.auth.keys.kid(), app.ctx.auth.keys.kid());
    assert!(restarted.auth.keys.verify(token.token()).is_ok());
    // Another installation does not share it.
    let Some(other) = TestApp::start(backend).await else {
        return;
    };
    assert_ne!(other.ctx.auth.keys.kid(), app.ctx.auth.keys.kid());
}
