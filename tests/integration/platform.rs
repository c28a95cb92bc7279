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
                .filter_map(|e| e["details"]["name"]["after"].as_str())
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
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.audit_count("seed", "municipality"), 8);
    let list = app.get("/api/v1/municipalities").send().await.ok(200);
    assert_eq!(list["total"], 8);
}

retning_tests::each_backend!(
    cors_is_off_by_default_and_configurable,
    cli_creates_users_and_keys,
    signing_secret_is_generated_once
);

async fn cors_is_off_by_default_and_configurable(backend: retning_tests::Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let r = app
        .get("/api/v1/municipalities")
        .header("origin", "https://dashboard.vejle.dk")
        .send()
        .await;
    assert_eq!(
        (r.status, r.header("access-control-allow-origin")),
        (200, None)
    );
    let options = retning_tests::Options {
        cors_allowed_origins: vec!["https://dashboard.vejle.dk".into()],
        ..Default::default()
    };
    let Some(app) = TestApp::with(backend, options).await else {
        return;
    };
    let r = app
        .get("/api/v1/municipalities")
        .header("origin", "https://dashboard.vejle.dk")
        .send()
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://dashboard.vejle.dk")
    );
    let pre = app
        .request(
            actix_web::http::Method::OPTIONS,
            "/api/v1/municipalities/vejle/strategies",
        )
        .header("origin", "https://dashboard.vejle.dk")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await;
    assert_eq!(pre.status, 200);
    assert!(pre
        .header("access-control-allow-methods")
        .is_some_and(|m| m.contains("POST")));
    let other = app
        .get("/api/v1/municipalities")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_ne!(
        other.header("access-control-allow-origin"),
        Some("https://evil.example")
    );
}

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
    let token = app.token("vejle", retning_kernel::auth::Role::Viewer);
    let restarted = retning_api::cli::prepare(&app.settings).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restarted.auth.keys.kid(), app.ctx.auth.keys.kid());
    assert!(restarted.auth.keys.verify(&token).is_ok());
    // Another installation does not share it.
    let Some(other) = TestApp::start(backend).await else {
        return;
    };
    assert_ne!(other.ctx.auth.keys.kid(), app.ctx.auth.keys.kid());
}
