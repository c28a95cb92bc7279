//! The list and request conventions every operation keeps, read from the OpenAPI document so a
//! route added tomorrow is held to them: unknown query parameters are refused by name (after
//! authorization), every successful GET has an ETag and answers 304, a list with a CSV export
//! answers `Accept: text/csv` with it, `X-API-Key` carries keys, targets sort.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    unknown_query_parameters_are_refused_by_name_on_every_operation,
    unknown_query_parameters_come_after_authorization_and_write_nothing,
    every_successful_get_has_an_etag_and_answers_304,
    lists_with_a_csv_export_answer_accept_text_csv,
    api_keys_are_accepted_in_x_api_key,
    targets_sort_by_title_deadline_progress_and_assessment,
    measures_sort_by_start_end_step_and_change,
);

/// Every GET path of the document with its parameters filled by real values of Vejle.
async fn get_paths(app: &TestApp) -> Vec<(String, String)> {
    let spec = app.get("/api-docs/openapi.json").send().await.ok(200);
    let strategy = app
        .get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .as_i64()
        .unwrap_or(1);
    let target = app
        .get("/api/v1/municipalities/vejle/targets?limit=1")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .as_i64()
        .unwrap_or(1);
    let mut out = Vec::new();
    for (template, item) in spec["paths"].as_object().into_iter().flatten() {
        if item.get("get").is_none() {
            continue;
        }
        let id = if template.contains("/strategies/") {
            strategy
        } else if template.contains("/targets/") {
            target
        } else {
            1
        };
        let path = template
            .replace("{municipality}", "vejle")
            .replace("{id}", &id.to_string())
            .replace("{period}", "2024")
            .replace("{referral_id}", "1");
        out.push((template.clone(), path));
    }
    out
}

async fn unknown_query_parameters_are_refused_by_name_on_every_operation(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    let mut refused = 0;
    for (template, path) in get_paths(&app).await {
        let plain = admin.get(&path).send().await;
        let sep = if path.contains('?') { '&' } else { '?' };
        let bogus = admin
            .get(&format!("{path}{sep}bogus_filter=1"))
            .send()
            .await;
        if (200..300).contains(&plain.status) {
            // What the operation would have answered is refused, naming the parameter.
            let problem = bogus.problem(422, "validation.failed");
            assert_eq!(
                problem["errors"][0]["field"], "query.bogus_filter",
                "{template}: {problem}"
            );
            assert_eq!(problem["errors"][0]["code"], "unknown_parameter");
            refused += 1;
        } else if [401, 403].contains(&plain.status) {
            // A refusal of the caller comes before the query is judged.
            assert_eq!(bogus.status, plain.status, "{template}: {}", bogus.text());
        } else {
            // Otherwise the caller was admitted: the parameter is judged before the object is
            // looked up, or the lookup's refusal stands; never a success.
            assert!(
                [plain.status, 422].contains(&bogus.status),
                "{template}: {}",
                bogus.text()
            );
        }
    }
    assert!(
        refused >= 30,
        "only {refused} operations answered and refused"
    );
    // Declared parameters still pass, and a value that is not a plain key is not echoed.
    admin
        .get("/api/v1/municipalities/vejle/targets?limit=2&sort=title")
        .send()
        .await
        .ok(200);
    let odd = admin
        .get("/api/v1/municipalities/vejle/targets?%3Cscript%3E=1")
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(odd["errors"][0]["field"], "query");
    assert!(!odd.to_string().contains("script"));
}

async fn unknown_query_parameters_come_after_authorization_and_write_nothing(app: TestApp) {
    let targets = app
        .get("/api/v1/municipalities/vejle/targets?limit=1")
        .send()
        .await
        .ok(200);
    let id = targets["items"][0]["id"].as_i64().unwrap_or_default();
    let url = format!("/api/v1/municipalities/vejle/targets/{id}/measurements");
    let count = |v: &Value| v.as_array().map(Vec::len).unwrap_or_default();
    let before = count(&app.get(&url).send().await.ok(200));
    let put = format!("{url}/2026-06-30?bogus=1");
    let body = json!({"value": 12.0});
    // Anonymous: 401 first. An outsider: 404 first. A viewer: 403 first.
    app.put(&put)
        .json(&body)
        .send()
        .await
        .problem(401, "auth.required");
    app.member("randers", Role::Editor)
        .put(&put)
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    app.member("vejle", Role::Viewer)
        .put(&put)
        .json(&body)
        .send()
        .await
        .problem(403, "auth.forbidden");
    // The editor is refused by name, and nothing is written.
    let problem = app
        .member("vejle", Role::Editor)
        .put(&put)
        .json(&body)
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(problem["errors"][0]["field"], "query.bogus");
    assert_eq!(count(&app.get(&url).send().await.ok(200)), before);
    // Platform-wide writes too (signing in takes no query).
    let login = app
        .post("/api/v1/auth/login?remember=1")
        .json(&json!({"username": "nobody", "password": "a long enough password"}))
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(login["errors"][0]["field"], "query.remember");
}

async fn every_successful_get_has_an_etag_and_answers_304(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    let mut checked = 0;
    for (template, path) in get_paths(&app).await {
        let first = admin.get(&path).send().await;
        if first.status != 200 {
            continue;
        }
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{template}: no ETag"))
            .to_owned();
        let again = admin.get(&path).header("if-none-match", &etag).send().await;
        assert_eq!(again.status, 304, "{template}: {}", again.text());
        assert!(again.body.is_empty(), "{template}");
        assert_eq!(again.header("etag"), Some(etag.as_str()), "{template}");
        let other = admin
            .get(&path)
            .header("if-none-match", "\"not-this-one\"")
            .send()
            .await;
        assert_eq!(other.status, 200, "{template}");
        assert_eq!(other.body, first.body, "{template}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} GETs answered 200");
    // The municipalities a dashboard polls first: a change gives a new tag.
    let list = app.get("/api/v1/municipalities").send().await;
    let tag = list.header("etag").unwrap_or_default().to_owned();
    app.get("/api/v1/municipalities")
        .header("if-none-match", &tag)
        .send()
        .await
        .ok(304);
    app.operator()
        .patch("/api/v1/municipalities/vejle")
        .json(&json!({"name": "Vejle Kommune (test)"}))
        .send()
        .await
        .ok(200);
    let changed = app
        .get("/api/v1/municipalities")
        .header("if-none-match", &tag)
        .send()
        .await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
    assert!(changed.text().contains("Vejle Kommune (test)"));
}

async fn lists_with_a_csv_export_answer_accept_text_csv(app: TestApp) {
    let spec = app.get("/api-docs/openapi.json").send().await.ok(200);
    let csv_lists: Vec<String> = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(p, _)| p.strip_suffix(".csv").map(str::to_owned))
        .collect();
    assert!(csv_lists.len() >= 3, "{csv_lists:?}");
    // A list under an object (a strategy's initiatives) is read on Vejle's public strategy.
    let strategy = app
        .get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .clone();
    for list in &csv_lists {
        let path = list
            .replace("{municipality}", "vejle")
            .replace("{id}", &strategy.to_string());
        let csv = app.get(&path).header("accept", "text/csv").send().await;
        assert_eq!(csv.status, 200, "{list}: {}", csv.text());
        assert!(
            csv.header("content-type")
                .is_some_and(|c| c.starts_with("text/csv")),
            "{list}"
        );
        assert!(csv.body.starts_with("\u{feff}".as_bytes()), "{list}: BOM");
        let disposition = csv.header("content-disposition").unwrap_or_default();
        assert!(
            disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""),
            "{list}: {disposition}"
        );
        assert!(csv.header("etag").is_some(), "{list}");
        // The same as the export's own path.
        let direct = app.get(&format!("{path}.csv")).send().await;
        assert_eq!(direct.body, csv.body, "{list}");
        // JSON stays the default, and wins when ranked higher.
        for accept in [
            "application/json",
            "application/json, text/csv;q=0.5",
            "*/*",
        ] {
            let json = app.get(&path).header("accept", accept).send().await;
            assert!(
                json.header("content-type")
                    .is_some_and(|c| c.starts_with("application/json")),
                "{list} with {accept}"
            );
        }
    }
    // The CSV honours the list's filters: as many rows as the JSON list has items.
    let theme = "placement-pattern";
    let json = app
        .get(&format!(
            "/api/v1/municipalities/vejle/targets?theme={theme}&limit=200"
        ))
        .send()
        .await
        .ok(200);
    let csv = app
        .get(&format!(
            "/api/v1/municipalities/vejle/targets?theme={theme}"
        ))
        .header("accept", "text/csv")
        .send()
        .await;
    let rows = csv.text().lines().count() - 1;
    assert_eq!(rows, json["items"].as_array().map(Vec::len).unwrap_or(0));
    assert!(rows > 0 && rows < 1000);
    // A CSV export is not paginated: `limit` is not one of its parameters.
    let paged = app
        .get("/api/v1/municipalities/vejle/targets?limit=5")
        .header("accept", "text/csv")
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(paged["errors"][0]["field"], "query.limit");
}

async fn api_keys_are_accepted_in_x_api_key(app: TestApp) {
    let admin = app.member("vordingborg", Role::Admin);
    let key = admin
        .post("/api/v1/municipalities/vordingborg/api-keys")
        .json(&json!({"name": "Dashboard", "scope": "write"}))
        .send()
        .await
        .ok(201)["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let target = app
        .get("/api/v1/municipalities/vordingborg/targets?limit=1")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .as_i64()
        .unwrap_or_default();
    let url = format!("/api/v1/municipalities/vordingborg/targets/{target}/measurements");
    let body = json!({"value": 41.0});
    let made = app
        .put(&format!("{url}/2026-03-31"))
        .header("x-api-key", &key)
        .json(&body)
        .send()
        .await
        .ok(201);
    assert_eq!(made["value"].as_f64(), Some(41.0));
    // The same key as a bearer works as before.
    app.put(&format!("{url}/2026-04-30"))
        .bearer(&key)
        .json(&json!({"value": 42.0}))
        .send()
        .await
        .ok(201);
    // One header, not both; an access token is not a key; an unknown key is refused.
    app.put(&format!("{url}/2026-05-31"))
        .header("x-api-key", &key)
        .bearer(&key)
        .json(&body)
        .send()
        .await
        .problem(401, "auth.invalid_token");
    let token = app.token("vordingborg", Role::Editor);
    app.put(&format!("{url}/2026-05-31"))
        .header("x-api-key", &token)
        .json(&body)
        .send()
        .await
        .problem(401, "auth.invalid_api_key");
    app.put(&format!("{url}/2026-05-31"))
        .header("x-api-key", "rtn_unknown")
        .json(&body)
        .send()
        .await
        .problem(401, "auth.invalid_api_key");
    // A key reaches only its own municipality.
    app.post("/api/v1/municipalities/vejle/strategies")
        .header("x-api-key", &key)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .problem(404, "not_found");
    // The document offers both.
    let spec = app.get("/api-docs/openapi.json").send().await.ok(200);
    assert_eq!(
        spec["components"]["securitySchemes"]["api_key"]["name"],
        "X-API-Key"
    );
    let security = &spec["paths"]
        ["/api/v1/municipalities/{municipality}/targets/{id}/measurements/{date}"]["put"]
        ["security"];
    assert!(security.to_string().contains("api_key"), "{security}");
}

async fn targets_sort_by_title_deadline_progress_and_assessment(app: TestApp) {
    app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    let list = |sort: &'static str| {
        let app = &app;
        async move {
            app.get(&format!(
                "/api/v1/municipalities/vordingborg/targets?limit=200&sort={sort}"
            ))
            .send()
            .await
            .ok(200)["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let default = list("position").await;
    assert!(default.len() >= 5);
    let titles: Vec<String> = list("title")
        .await
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut danish = titles.clone();
    let key = |s: &String| {
        s.chars()
            .map(|c| match c {
                'æ' => '\u{10FFF0}',
                'ø' => '\u{10FFF1}',
                'å' => '\u{10FFF2}',
                c => c,
            })
            .collect::<String>()
    };
    danish.sort_by_key(key);
    assert_eq!(titles, danish);
    let reversed: Vec<String> = list("-title")
        .await
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert_eq!(reversed.first(), titles.last());

    let progress: Vec<Option<f64>> = list("-progress")
        .await
        .iter()
        .map(|t| t["progress"].as_f64())
        .collect();
    let known: Vec<f64> = progress.iter().flatten().copied().collect();
    assert!(!known.is_empty(), "demo data gives progress");
    assert!(known.windows(2).all(|w| w[0] >= w[1]), "{known:?}");
    let first_none = progress
        .iter()
        .position(Option::is_none)
        .unwrap_or(progress.len());
    assert!(
        progress[first_none..].iter().all(Option::is_none),
        "no progress last"
    );

    let order = [
        "achieved",
        "likely",
        "uncertain",
        "unlikely",
        "not_achieved",
        "not_assessed",
    ];
    let ranks: Vec<usize> = list("assessment")
        .await
        .iter()
        .map(|t| {
            order
                .iter()
                .position(|a| t["assessment"] == *a)
                .unwrap_or(99)
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");

    let deadlines: Vec<Option<String>> = list("deadline")
        .await
        .iter()
        .map(|t| t["deadline"].as_str().map(str::to_owned))
        .collect();
    let dated: Vec<&String> = deadlines.iter().flatten().collect();
    assert!(dated.windows(2).all(|w| w[0] <= w[1]), "{dated:?}");
    let first_none = deadlines
        .iter()
        .position(Option::is_none)
        .unwrap_or(deadlines.len());
    assert!(deadlines[first_none..].iter().all(Option::is_none));

    // Pages follow the order: the second page continues the first.
    let page1 = app
        .get("/api/v1/municipalities/vordingborg/targets?limit=3&sort=title")
        .send()
        .await
        .ok(200);
    let cursor = page1["next_cursor"].as_str().unwrap_or_default();
    let page2 = app
        .get(&format!(
            "/api/v1/municipalities/vordingborg/targets?limit=3&sort=title&cursor={cursor}"
        ))
        .send()
        .await
        .ok(200);
    let joined: Vec<String> = [page1, page2]
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .map(|t| t["title"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert_eq!(joined, titles[..joined.len()].to_vec());

    let bad = app
        .get("/api/v1/municipalities/vordingborg/targets?sort=colour")
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(bad["errors"][0]["field"], "query.sort");
}

async fn measures_sort_by_start_end_step_and_change(app: TestApp) {
    let editor = app.member("skanderborg", Role::Editor);
    let specs = [
        (
            "S-1",
            "placement",
            "opholdssted",
            "2020-01-01",
            Some("2021-06-30"),
        ),
        ("S-2", "support", "familiebehandling", "2021-03-01", None),
        (
            "S-3",
            "placement",
            "almen_plejefamilie",
            "2019-05-01",
            Some("2022-01-31"),
        ),
        ("S-4", "support", "aflastning", "2022-02-01", None),
        (
            "S-5",
            "placement",
            "doegninstitution",
            "2021-03-01",
            Some("2020-12-31"),
        ),
    ];
    for (child, category, kind, start, end) in specs {
        let end = if child == "S-5" {
            Some("2023-12-31")
        } else {
            end
        };
        editor
            .post("/api/v1/municipalities/skanderborg/measures")
            .json(
                &json!({"child_ref": child, "birth_year": 2010, "category": category,
                          "kind": kind, "start_date": start, "end_date": end}),
            )
            .send()
            .await
            .ok(201);
    }
    let list = |sort: &'static str| {
        let editor = &editor;
        async move {
            let q = if sort.is_empty() {
                String::new()
            } else {
                format!("?sort={sort}")
            };
            editor
                .get(&format!("/api/v1/municipalities/skanderborg/measures{q}"))
                .send()
                .await
                .ok(200)["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|m| m["child_ref"].as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    // The default is the newest start first, as before sorting existed (ties: newest id first).
    assert_eq!(list("").await, ["S-4", "S-5", "S-2", "S-1", "S-3"]);
    assert_eq!(list("-start_date").await, list("").await);
    assert_eq!(
        list("start_date").await,
        ["S-3", "S-1", "S-2", "S-5", "S-4"]
    );
    // Open measures (no end) last in both directions, on both backends.
    assert_eq!(list("end_date").await, ["S-1", "S-3", "S-5", "S-2", "S-4"]);
    assert_eq!(list("-end_date").await, ["S-5", "S-3", "S-1", "S-4", "S-2"]);
    let steps = editor
        .get("/api/v1/municipalities/skanderborg/measures?sort=-standard_step")
        .send()
        .await
        .ok(200)["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["standard_step"].as_i64())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(
        steps.windows(2).all(|w| w[0] >= w[1]) && steps.first() > steps.last(),
        "{steps:?}"
    );
    let bad = editor
        .get("/api/v1/municipalities/skanderborg/measures?sort=child_ref")
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(bad["errors"][0]["field"], "query.sort");
}
