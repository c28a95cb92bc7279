//! CORS.

use retning_tests::TestApp;

retning_tests::each_backend!(cors_is_off_by_default_and_configurable,);

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
