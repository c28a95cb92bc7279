//! Every framework error is a problem: malformed JSON, wrong content type, wrong field types,
//! bad path and query parameters, body too large, unknown route, wrong method; and the basics
//! every response carries.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp};
use serde_json::json;

both_backends!(
    framework_errors_are_problems,
    allow_names_only_the_most_literal_route,
    responses_carry_request_id_and_security_headers,
    health_checks
);
each_backend!(body_too_large_is_413);

async fn framework_errors_are_problems(app: TestApp) {
    let op = app.operator_token();
    let admin = app.token("vejle", Role::Admin);
    // Malformed JSON.
    let r = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .raw("application/json", "{\"slug\": ")
        .send()
        .await;
    r.problem(400, "request.malformed_json");
    // Wrong content type.
    let r = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .raw("text/plain", "slug=x")
        .send()
        .await;
    r.problem(415, "request.unsupported_media_type");
    // A field of the wrong type, named.
    let r = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .json(&json!({"slug": "x", "code": 320, "name": "n", "region": "r"}))
        .send()
        .await;
    r.field_error(422, "validation.failed", "code");
    // An unknown field, named.
    let r = app
        .post("/api/v1/municipalities")
        .bearer(&op)
        .json(&json!({"slug": "xy", "code": "320", "name": "n", "region": "r", "mayor": "x"}))
        .send()
        .await;
    let body = r.problem(422, "validation.failed");
    assert!(body.to_string().contains("mayor"), "{body}");
    // A path parameter that is not a number.
    let r = app
        .patch("/api/v1/municipalities/vejle/users/abc")
        .bearer(&admin)
        .json(&json!({"role": "viewer"}))
        .send()
        .await;
    r.field_error(400, "request.invalid_path", "path.id");
    // Query parameters: wrong type, out of range, forged cursor.
    app.get("/api/v1/municipalities?limit=lots")
        .send()
        .await
        .field_error(422, "validation.failed", "query.limit");
    app.get("/api/v1/municipalities?limit=501")
        .send()
        .await
        .field_error(422, "validation.failed", "limit");
    app.get("/api/v1/municipalities?cursor=%21%21")
        .send()
        .await
        .field_error(422, "validation.failed", "cursor");
    // Unknown route, wrong method.
    app.get("/api/v1/no-such-thing")
        .send()
        .await
        .problem(404, "not_found");
    app.get("/nothing-here")
        .send()
        .await
        .problem(404, "not_found");
    app.delete("/api/v1/municipalities")
        .bearer(&op)
        .send()
        .await
        .problem(405, "request.method_not_allowed");
    app.request(actix_web::http::Method::PUT, "/api/v1/auth/login")
        .send()
        .await
        .problem(405, "request.method_not_allowed");
    // An unknown municipality.
    app.get("/api/v1/municipalities/atlantis")
        .send()
        .await
        .problem(404, "not_found");
    // Nothing was written by any of it.
    assert_eq!(app.audit_count("create", "municipality"), 0);
}

/// `/measures/import` also matches `/measures/{id}`; every method it does not take, OPTIONS
/// included, is 405 with `Allow: POST`, never the methods of `/measures/{id}` (schemathesis found
/// OPTIONS answering `Allow: DELETE, GET, PATCH, POST`, advertising three methods that are 405).
async fn allow_names_only_the_most_literal_route(app: TestApp) {
    use actix_web::http::Method;
    let editor = app.token("vejle", Role::Editor);
    let import = "/api/v1/municipalities/vejle/measures/import";
    for method in [
        Method::OPTIONS,
        Method::GET,
        Method::PATCH,
        Method::DELETE,
        Method::PUT,
    ] {
        let r = app
            .request(method.clone(), import)
            .bearer(&editor)
            .send()
            .await;
        assert_eq!(r.status, 405, "{method} {import}");
        assert_eq!(r.header("allow"), Some("POST"), "{method} {import}");
    }
    // The templated route keeps its own methods.
    let r = app
        .request(Method::OPTIONS, "/api/v1/municipalities/vejle/measures/1")
        .bearer(&editor)
        .send()
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("DELETE, GET, PATCH"));
}

async fn body_too_large_is_413(backend: Backend) {
    let Some(app) = TestApp::with(
        backend,
        Options {
            body_limit: Some(1024),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    let op = app.operator_token();
    let big = json!({"slug": "big", "code": "321", "name": "x".repeat(2000), "region": "r"});
    app.post("/api/v1/municipalities")
        .bearer(&op)
        .json(&big)
        .send()
        .await
        .problem(413, "request.too_large");
    app.get("/api/v1/municipalities/big")
        .send()
        .await
        .problem(404, "not_found");
}

async fn responses_carry_request_id_and_security_headers(app: TestApp) {
    let r = app.get("/api/v1/municipalities").send().await;
    let id = r.header("x-request-id").unwrap_or_default().to_owned();
    assert_eq!(id.len(), 24, "{id}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert!(r.header("content-security-policy").is_some());
    // A sane incoming id is kept; a hostile one is replaced.
    let r = app
        .get("/api/v1/municipalities")
        .header("x-request-id", "dashboard-42")
        .send()
        .await;
    assert_eq!(r.header("x-request-id"), Some("dashboard-42"));
    let r = app
        .get("/api/v1/municipalities")
        .header("x-request-id", "bad id\twith tab")
        .send()
        .await;
    assert_ne!(r.header("x-request-id"), Some("bad id\twith tab"));
    // Problems carry the same id as the header.
    let r = app.get("/api/v1/municipalities/atlantis").send().await;
    assert_eq!(r.json()["request_id"].as_str(), r.header("x-request-id"));
}

async fn health_checks(app: TestApp) {
    assert_eq!(
        app.get("/health/live").send().await.ok(200),
        json!({"status": "ok"})
    );
    let ready = app.get("/health/ready").send().await.ok(200);
    let backend = match app.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready, json!({"status": "ok", "database": backend}));
    // Swagger UI is served from the binary, and /docs leads there.
    let r = app.get("/docs").send().await;
    assert_eq!((r.status, r.header("location")), (308, Some("/docs/")));
    let r = app.get("/docs/").send().await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("swagger"), "{}", r.text());
    let spec = app.get("/api-docs/openapi.json").send().await.ok(200);
    assert!(spec["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
}
