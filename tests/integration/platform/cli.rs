//! The CLI: users, keys, the signing secret.

use retning_tests::TestApp;
use serde_json::json;

retning_tests::each_backend!(
    cli_creates_users_and_keys,
    signing_secret_is_generated_once,
    writing_commands_refuse_a_database_no_server_set_up,
    healthcheck_asks_the_running_server,
    serve_demo_loads_demo_measures_on_the_first_start_only,
);

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

async fn writing_commands_refuse_a_database_no_server_set_up(backend: retning_tests::Backend) {
    // A folder nothing was ever started in: refused, named, and left without a database.
    let dir = std::env::temp_dir().join(format!("retning-nodb-{}", rand::random::<u64>()));
    let overrides = retning_api::settings::Overrides {
        data_dir: Some(dir.clone()),
        ..Default::default()
    };
    let settings =
        retning_api::settings::Settings::load(&overrides).unwrap_or_else(|e| panic!("{e}"));
    let err = retning_api::cli::existing_database(&settings)
        .err()
        .unwrap_or_else(|| panic!("accepted a missing database"));
    assert!(
        err.contains(&dir.join("retning.db").display().to_string())
            && err.contains("retning serve"),
        "{err}"
    );
    assert!(!dir.exists(), "the refusal created {}", dir.display());

    // A database that exists but holds nothing (migrated, never seeded): refused and named.
    let Some(app) = TestApp::with(
        backend,
        retning_tests::Options {
            unseeded: true,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let err = retning_api::cli::existing_database(&app.settings)
        .err()
        .unwrap_or_else(|| panic!("accepted an empty database"));
    assert!(err.contains("holds no municipalities"), "{err}");
    let shown = app
        .settings
        .database_url()
        .map(|u| u.display().to_string())
        .unwrap_or_default();
    assert!(err.contains(&shown), "{err} names {shown}");
    // A set-up database is accepted.
    let Some(seeded) = TestApp::start(backend).await else {
        return;
    };
    assert!(retning_api::cli::existing_database(&seeded.settings).is_ok());
}

async fn healthcheck_asks_the_running_server(backend: retning_tests::Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let ctx = app.ctx.clone();
    let server = actix_web::HttpServer::new(move || retning_api::server::build_app(&ctx))
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addrs()[0];
    let running = server.run();
    let handle = running.handle();
    actix_web::rt::spawn(running);
    let settings = app.settings.clone();
    let address = addr.to_string();
    let ok =
        actix_web::web::block(move || retning_api::cli::healthcheck(&settings, Some(&address)))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok, Ok(()));
    handle.stop(true).await;
    // Nobody listening: not ready, saying where it asked.
    let settings = app.settings.clone();
    let address = addr.to_string();
    let err =
        actix_web::web::block(move || retning_api::cli::healthcheck(&settings, Some(&address)))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    let err = err.err().unwrap_or_default();
    assert!(
        err.starts_with("not ready") && err.contains(&addr.to_string()),
        "{err}"
    );
}

async fn serve_demo_loads_demo_measures_on_the_first_start_only(backend: retning_tests::Backend) {
    let Some(app) = TestApp::with(
        backend,
        retning_tests::Options {
            unseeded: true,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    // The empty database the harness migrated: the first start seeds it and adds the demo.
    let mut settings = app.settings.clone();
    settings.seed.on_start = true;
    let registry = retning_api::registry::Registry::new(retning_api::registry::compiled_modules())
        .unwrap_or_else(|e| panic!("{e}"));
    let demo_measures = |app: &TestApp| -> i64 {
        app.with_conn(|c| {
            use diesel::prelude::*;
            diesel::sql_query("SELECT COUNT(*) AS n FROM placement_measures WHERE synthetic = TRUE")
                .get_result::<Count>(c)
                .map(|r| r.n)
                .unwrap_or(-1)
        })
    };
    retning_api::cli::prepare_demo(&settings, registry.clone(), true)
        .unwrap_or_else(|e| panic!("{e}"));
    let first = demo_measures(&app);
    assert!(first > 100, "{first} demo measures");
    // Vordingborg's targets show progress at once.
    let targets = app
        .get("/api/v1/municipalities/vordingborg/targets?limit=200")
        .send()
        .await
        .ok(200);
    assert!(targets["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|t| t["progress"].is_f64())));
    // A later start with --demo leaves the data as it is.
    app.with_conn(|c| {
        use diesel::prelude::*;
        diesel::sql_query("DELETE FROM placement_measures WHERE id IN (SELECT MIN(id) FROM placement_measures WHERE synthetic = TRUE)")
            .execute(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    retning_api::cli::prepare_demo(&settings, registry, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(demo_measures(&app), first - 1);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
