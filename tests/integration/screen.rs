//! The kernel's data-protection screen: every module, every place a client puts text.

use retning_kernel::auth::Role;
use retning_kernel::cpr::find_cpr;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    cpr_refused_in_every_module_and_never_repeated,
    cpr_in_path_query_and_request_id,
    control_characters_never_reach_the_database,
    long_arrays_are_refused_before_any_handler,
    serde_refusals_do_not_quote_the_value,
    literal_route_with_wrong_method_is_405,
    oversized_requests_get_a_problem,
);

const M: &str = "/api/v1/municipalities";

/// The refusal names `field` with the CPR code and holds none of the digits.
fn assert_cpr_refusal(resp: &retning_tests::Resp, field: &str, value: &str) {
    let body = resp.field_error(422, "validation.failed", field);
    assert_eq!(body["errors"][0]["code"], "cpr_number", "{field}: {body}");
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    assert!(
        !resp.text().contains(&digits[..6]),
        "the value was repeated: {}",
        resp.text()
    );
}

/// Every text column of the tables that the calls below would have written, and the audit log.
fn stored_texts(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        t: Option<String>,
    }
    let queries = [
        "SELECT title AS t FROM strategies UNION ALL SELECT summary FROM strategies",
        "SELECT title AS t FROM nodes UNION ALL SELECT body FROM nodes",
        "SELECT username AS t FROM users",
        "SELECT name AS t FROM api_keys",
        "SELECT name AS t FROM municipalities",
        "SELECT details AS t FROM audit_log",
    ];
    app.with_conn(|c| {
        queries
            .iter()
            .flat_map(|q| {
                diesel::sql_query(*q)
                    .load::<T>(c)
                    .unwrap_or_else(|e| panic!("{q}: {e}"))
            })
            .filter_map(|r| r.t)
            .collect()
    })
}

async fn cpr_refused_in_every_module_and_never_repeated(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let admin = app.token("vejle", Role::Admin);
    let operator = app.operator_token();
    let spellings = [
        "010190-1234",
        "0101901234",
        "010190 1234",
        "010190\u{2010}1234",
        "01.01.90-1234",
        "01-01-90-1234",
    ];
    let strategy = app
        .post(&format!("{M}/vejle/strategies"))
        .bearer(&editor)
        .json(&json!({"title": "Strategi", "visibility": "internal"}))
        .send()
        .await
        .ok(201);
    let nodes = format!("{M}/vejle/strategies/{}/nodes", strategy["id"]);
    for value in spellings {
        let text = format!("barnet {value} bor hos");
        let cases: Vec<(String, Value, &str, &str)> = vec![
            (
                format!("{M}/vejle/strategies"),
                json!({"title": text, "visibility": "internal"}),
                "title",
                &editor,
            ),
            (
                format!("{M}/vejle/strategies"),
                json!({"title": "ok", "summary": text}),
                "summary",
                &editor,
            ),
            (
                nodes.clone(),
                json!({"kind": "mål", "title": "ok", "body": text}),
                "body",
                &editor,
            ),
            (
                nodes.clone(),
                json!({"kind": "mål", "title": "ok", "themes": ["early-detection", text]}),
                "themes[1]",
                &editor,
            ),
            (
                format!("{M}/vejle/users"),
                json!({"username": value, "password": "a long enough password", "role": "viewer"}),
                "username",
                &admin,
            ),
            (
                format!("{M}/vejle/api-keys"),
                json!({"name": text}),
                "name",
                &admin,
            ),
            (
                M.to_owned(),
                json!({"slug": "ny", "code": "999", "name": text, "region": "Sjælland"}),
                "name",
                &operator,
            ),
        ];
        for (url, body, field, token) in cases {
            let resp = app.post(&url).bearer(token).json(&body).send().await;
            assert_cpr_refusal(&resp, field, value);
        }
        // As an object key: the object holding it is named, never the key.
        let resp = app
            .post(&format!("{M}/vejle/strategies"))
            .bearer(&editor)
            .json(&json!({"title": "ok", "source": {value: "x"}}))
            .send()
            .await;
        assert_cpr_refusal(&resp, "source", value);
    }
    // Anonymous callers too: the screen comes before authentication and learns nothing of it.
    let resp = app
        .post(&format!("{M}/vejle/strategies"))
        .json(&json!({"title": "010190-1234"}))
        .send()
        .await;
    assert_cpr_refusal(&resp, "title", "010190-1234");
    // Any other body is screened as text.
    let resp = app
        .post(&format!("{M}/vejle/strategies"))
        .bearer(&editor)
        .raw("text/plain", "cpr 0101901234")
        .send()
        .await;
    assert_cpr_refusal(&resp, "body", "0101901234");

    let texts = stored_texts(&app);
    assert!(texts.len() > 10, "{texts:?}");
    for t in &texts {
        assert!(!find_cpr(t), "a CPR-shaped value was stored: {t}");
    }
}

async fn cpr_in_path_query_and_request_id(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let resp = app
        .get("/api/v1/programmes?short_name=010190-1234")
        .send()
        .await;
    assert_cpr_refusal(&resp, "query.short_name", "010190-1234");
    let resp = app.get("/api/v1/programmes?01.01.90-1234=x").send().await;
    assert_cpr_refusal(&resp, "query", "01.01.90-1234");
    let resp = app
        .get(&format!("{M}/vejle/strategies?visibility=0101901234"))
        .bearer(&editor)
        .send()
        .await;
    assert_cpr_refusal(&resp, "query.visibility", "0101901234");

    // Path segments: 400 naming the route's parameter.
    let resp = app.get(&format!("{M}/010190-1234")).send().await;
    let body = resp.field_error(400, "request.invalid_path", "path.municipality");
    assert_eq!(body["errors"][0]["code"], "cpr_number");
    assert!(!resp.text().contains("010190"));
    let resp = app
        .get(&format!("{M}/vejle/strategies/0101901234"))
        .bearer(&editor)
        .send()
        .await;
    resp.field_error(400, "request.invalid_path", "path.id");
    assert!(!resp.text().contains("010190"));

    // x-request-id: a sane one is kept, a CPR-shaped one is replaced, never echoed.
    let resp = app
        .get("/api/v1/municipalities")
        .header("x-request-id", "dash-board.42")
        .send()
        .await;
    assert_eq!(resp.header("x-request-id"), Some("dash-board.42"));
    for id in ["0101901234", "010190-1234", "01.01.90-1234"] {
        let resp = app
            .get("/api/v1/municipalities")
            .header("x-request-id", id)
            .send()
            .await;
        resp.ok(200);
        let echoed = resp.header("x-request-id").unwrap_or_default().to_owned();
        assert!(
            !echoed.is_empty() && echoed != id && !find_cpr(&echoed),
            "{echoed}"
        );
    }
}

async fn control_characters_never_reach_the_database(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    // In the path: 400; in a query: 422; both anonymous, on both backends, never 500.
    app.get(&format!("{M}/%00")).send().await.field_error(
        400,
        "request.invalid_path",
        "path.municipality",
    );
    let resp = app.get("/api/v1/programmes?short_name=%00").send().await;
    let body = resp.field_error(422, "validation.failed", "query.short_name");
    assert_eq!(body["errors"][0]["code"], "control_character");
    // In JSON text, before the body reaches a handler.
    let resp = app
        .post("/api/v1/auth/login")
        .json(&json!({"username": "a\u{0}b", "password": "whatever password"}))
        .send()
        .await;
    let body = resp.field_error(422, "validation.failed", "username");
    assert_eq!(body["errors"][0]["code"], "control_character");
    app.post(&format!("{M}/vejle/strategies"))
        .bearer(&editor)
        .json(&json!({"title": "ok\u{7}", "visibility": "internal"}))
        .send()
        .await
        .field_error(422, "validation.failed", "title");
    // Line breaks and tabs in free text are text, not control.
    let created = app
        .post(&format!("{M}/vejle/strategies"))
        .bearer(&editor)
        .json(&json!({"title": "ok", "summary": "linje 1\nlinje 2\tmed tab", "visibility": "internal"}))
        .send()
        .await
        .ok(201);
    assert_eq!(created["summary"], "linje 1\nlinje 2\tmed tab");
    assert!(stored_texts(&app).iter().all(|t| !t.contains('\u{0}')));
}

async fn long_arrays_are_refused_before_any_handler(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let strategy = app
        .post(&format!("{M}/vejle/strategies"))
        .bearer(&editor)
        .json(&json!({"title": "Strategi", "visibility": "internal"}))
        .send()
        .await
        .ok(201);
    let themes: Vec<String> = (0..32_767).map(|i| format!("t{i}")).collect();
    let resp = app
        .post(&format!("{M}/vejle/strategies/{}/nodes", strategy["id"]))
        .bearer(&editor)
        .json(&json!({"kind": "mål", "title": "ok", "themes": themes}))
        .send()
        .await;
    let body = resp.field_error(422, "validation.failed", "themes");
    assert_eq!(body["errors"][0]["code"], "too_many_items");
    // At the bound, the handler judges the content (unknown themes), still no 500.
    let themes: Vec<String> = (0..retning_kernel::screen::MAX_ARRAY_ITEMS)
        .map(|i| format!("t{i}"))
        .collect();
    let resp = app
        .post(&format!("{M}/vejle/strategies/{}/nodes", strategy["id"]))
        .bearer(&editor)
        .json(&json!({"kind": "mål", "title": "ok", "themes": themes}))
        .send()
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
}

async fn serde_refusals_do_not_quote_the_value(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let secret = "zqxw-hemmelig-vaerdi";
    for body in [
        json!({"title": "ok", "visibility": secret}),
        json!({"title": ["x"], "visibility": "internal", "note": secret}),
        json!({"title": "ok", secret: 1}),
    ] {
        let resp = app
            .post(&format!("{M}/vejle/strategies"))
            .bearer(&editor)
            .json(&body)
            .send()
            .await;
        assert_eq!(resp.status, 422, "{}", resp.text());
        assert!(!resp.text().contains(secret), "{}", resp.text());
    }
    let resp = app
        .get(&format!("{M}/vejle/strategies?visibility={secret}"))
        .bearer(&editor)
        .send()
        .await;
    let body = resp.field_error(422, "validation.failed", "query.visibility");
    assert!(!resp.text().contains(secret), "{body}");
    // What was expected is still said: the accepted values are ours.
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("internal")),
        "{body}"
    );
}

async fn literal_route_with_wrong_method_is_405(app: TestApp) {
    let editor = app.token("vordingborg", Role::Editor);
    for method in ["PATCH", "GET", "DELETE"] {
        let resp = app
            .request(
                method.parse().unwrap_or_default(),
                &format!("{M}/vordingborg/measures/import"),
            )
            .bearer(&editor)
            .send()
            .await;
        resp.problem(405, "request.method_not_allowed");
        assert_eq!(resp.header("allow"), Some("POST"), "{method}");
    }
    // A bad id is still a bad id.
    app.get(&format!("{M}/vordingborg/measures/abc"))
        .bearer(&editor)
        .send()
        .await
        .field_error(400, "request.invalid_path", "path.id");
}

async fn oversized_requests_get_a_problem(app: TestApp) {
    let long = "a".repeat(retning_kernel::screen::MAX_URI_BYTES);
    let resp = app
        .get(&format!("/api/v1/programmes?q={long}"))
        .send()
        .await;
    resp.problem(414, "request.uri_too_long");
    let resp = app.get(&format!("{M}/{long}")).send().await;
    resp.problem(414, "request.uri_too_long");
    let big = "a".repeat(retning_kernel::screen::MAX_HEADER_BYTES);
    let resp = app
        .get("/api/v1/municipalities")
        .header("x-big", &big)
        .send()
        .await;
    resp.problem(431, "request.headers_too_large");
    // Below the bounds nothing changes.
    let fine = "a".repeat(4000);
    app.get(&format!("/api/v1/programmes?short_name={fine}"))
        .header("x-big", &fine)
        .send()
        .await
        .ok(200);
}
