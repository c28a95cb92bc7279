//! `/metrics`: off by default, behind its token when one is set, and the Prometheus text
//! exposition of requests per route template and status class, their latency, the database
//! pool, computed-indicator time and build info. (The exposition is parsed by the reference
//! parser, Python's `prometheus_client`, against the release binary in `verify/metrics.sh`; the
//! `prometheus-parse` crate cannot read label values holding `{`, which route templates do.)

use retning_tests::{Backend, Options, TestApp};

retning_tests::each_backend!(metrics_are_off_by_default, metrics_describe_the_traffic,);

async fn metrics_are_off_by_default(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    app.get("/metrics").send().await.problem(404, "not_found");
}

async fn metrics_describe_the_traffic(backend: Backend) {
    let Some(app) = TestApp::with(
        backend,
        Options {
            metrics: Some(Some("a-metrics-token".into())),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    // Traffic: five reads of a list, two trees with computed targets, one 404, one 422.
    for _ in 0..5 {
        app.get("/api/v1/municipalities/vejle/targets")
            .send()
            .await
            .ok(200);
    }
    let strategy = app
        .get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .as_i64()
        .unwrap_or_default();
    for _ in 0..2 {
        app.get(&format!(
            "/api/v1/municipalities/vejle/strategies/{strategy}/tree"
        ))
        .send()
        .await
        .ok(200);
    }
    app.get("/api/v1/municipalities/nowhere/targets")
        .send()
        .await
        .problem(404, "not_found");
    app.get("/api/v1/municipalities/vejle/targets?limit=x")
        .send()
        .await
        .problem(422, "validation.failed");

    // The token is required.
    app.get("/metrics")
        .send()
        .await
        .problem(401, "auth.required");
    app.get("/metrics")
        .bearer("wrong")
        .send()
        .await
        .problem(401, "auth.required");
    let resp = app.get("/metrics").bearer("a-metrics-token").send().await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let text = resp.text();
    // One sample: the line of `name` whose labels include every `want` pair.
    let value = |name: &str, want: &[(&str, &str)]| -> Option<f64> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .find(|l| {
                want.iter()
                    .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    let targets = "/api/v1/municipalities/{municipality}/targets";
    assert_eq!(
        value(
            "retning_http_requests_total",
            &[("route", targets), ("method", "GET"), ("status", "2xx")]
        ),
        Some(5.0),
        "{text}"
    );
    assert_eq!(
        value(
            "retning_http_requests_total",
            &[("route", targets), ("method", "GET"), ("status", "4xx")]
        ),
        Some(2.0),
        "the unknown municipality and the bad limit"
    );
    // The latency histogram: buckets rising to every request in +Inf, and its count.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| {
            l.starts_with("retning_http_request_duration_seconds_bucket{")
                && l.contains(&format!("route=\"{targets}\""))
                && l.contains("status=\"2xx\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    assert!(buckets.len() >= 10, "{text}");
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(buckets.last(), Some(&5.0));
    assert_eq!(
        value(
            "retning_http_request_duration_seconds_count",
            &[("route", targets), ("status", "2xx")]
        ),
        Some(5.0)
    );
    // No path with a value in it is a label: only templates.
    assert!(
        !text.contains("/municipalities/vejle"),
        "paths leak into labels"
    );
    assert!(!text.contains("nowhere"));
    // The pool, the indicators, the build.
    let in_use = value("retning_db_pool_connections", &[("state", "in_use")]);
    let idle = value("retning_db_pool_connections", &[("state", "idle")]);
    assert!(in_use.is_some() && idle.is_some(), "{text}");
    assert_eq!(value("retning_db_pool_max_connections", &[]), Some(4.0));
    assert!(value("retning_db_pool_wait_seconds_count", &[]).unwrap_or_default() >= 8.0);
    assert!(
        value("retning_indicator_compute_seconds_count", &[]).unwrap_or_default() >= 1.0,
        "a tree with computed targets computes indicators: {text}"
    );
    let backend_name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(
        value(
            "retning_build_info",
            &[
                ("version", env!("CARGO_PKG_VERSION")),
                ("backend", backend_name)
            ]
        ),
        Some(1.0)
    );
}
