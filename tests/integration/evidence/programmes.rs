//! The programme catalogue: seeded and public, written by the operator only.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, Method, TestApp};
use retning_tests::{items, strs};
use serde_json::{json, Value};

both_backends!(catalogue_is_seeded_and_public, catalogue_permissions,);

async fn catalogue_is_seeded_and_public(app: TestApp) {
    let page = app.get("/api/v1/programmes").send().await.ok(200);
    assert_eq!(page["total"], 8, "{page}");
    let all = items(&page);
    let mut names = strs(&all, "short_name");
    names.sort_unstable();
    assert_eq!(
        names,
        vec![
            "de-utrolige-aar",
            "familieraadslagning",
            "fft",
            "keep",
            "mst",
            "mst-can",
            "pmto",
            "tfco-a"
        ]
    );
    // Grades are left empty rather than guessed.
    assert!(all.iter().all(|p| p["knowledge_declaration"]
        == json!({"target_group": null, "method": null, "implementation": null, "effect": null, "economy": null})));
    let fft = all
        .iter()
        .find(|p| p["short_name"] == "fft")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (fft["age_min"].as_i64(), fft["age_max"].as_i64()),
        (Some(11), Some(17))
    );
    // Socialstyrelsen's FFT page: the Danish course is about 12 sessions over 3-4 months.
    assert_eq!(fft["typical_duration"], "Ca. 12 sessioner over 3-4 måneder");
    assert_eq!(fft["kind"], "programme");
    assert_eq!(fft["staircase_steps"], json!([3]));
    let by = |name: &str| {
        all.iter()
            .find(|p| p["short_name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    // KEEP serves foster and network foster families: steps 4 and 5; its age range has a history.
    let keep = by("keep");
    assert_eq!(keep["staircase_steps"], json!([4, 5]));
    assert_eq!(
        keep["target_group"],
        "Pleje- og netværksfamilier med plejebørn 4-16 år"
    );
    assert_eq!(
        keep["age_note"],
        "Afprøvet 2015-2017 for børn 4-12 år (KEEP BØRN); udvidet i 2019 med KEEP TEENAGER for unge 12-16 år"
    );
    // Familierådslagning is a method, the rest manual-based programmes; no entry on several
    // steps is pinned to one.
    let kinds: Vec<(String, String, Value)> = {
        let mut k: Vec<_> = all
            .iter()
            .map(|p| {
                (
                    p["short_name"].as_str().unwrap_or_default().to_owned(),
                    p["kind"].as_str().unwrap_or_default().to_owned(),
                    p["staircase_steps"].clone(),
                )
            })
            .collect();
        k.sort_by(|a, b| a.0.cmp(&b.0));
        k
    };
    let row = |n: &str, k: &str, s: Value| (n.to_owned(), k.to_owned(), s);
    assert_eq!(
        kinds,
        vec![
            row("de-utrolige-aar", "programme", json!([])),
            row("familieraadslagning", "method", json!([])),
            row("fft", "programme", json!([3])),
            row("keep", "programme", json!([4, 5])),
            row("mst", "programme", json!([3])),
            row("mst-can", "programme", json!([3])),
            row("pmto", "programme", json!([])),
            row("tfco-a", "programme", json!([5])),
        ]
    );
    // Every entry has a short Danish description from its cited page.
    assert!(
        all.iter().all(|p| p["description"]
            .as_str()
            .is_some_and(|d| (40..=400).contains(&d.chars().count()))
            && p["source_reference"]
                .as_str()
                .is_some_and(|r| r.contains("https://"))),
        "{page}"
    );
    assert!(by("mst")["description"]
        .as_str()
        .is_some_and(|d| d.starts_with(
            "\"Multisystemisk Terapi (MST) er et behandlingstilbud til unge mellem 12 og 17 år"
        )));

    // Filters: step (a range serves each of its steps), kind and age (a bound not stated does
    // not exclude).
    let step5 = app
        .get("/api/v1/programmes?step=5&sort=short_name")
        .send()
        .await
        .ok(200);
    assert_eq!(strs(&items(&step5), "short_name"), vec!["keep", "tfco-a"]);
    let step4 = app.get("/api/v1/programmes?step=4").send().await.ok(200);
    assert_eq!(strs(&items(&step4), "short_name"), vec!["keep"]);
    let step3 = app
        .get("/api/v1/programmes?step=3&sort=short_name")
        .send()
        .await
        .ok(200);
    assert_eq!(
        strs(&items(&step3), "short_name"),
        vec!["fft", "mst", "mst-can"]
    );
    let methods = app
        .get("/api/v1/programmes?kind=method")
        .send()
        .await
        .ok(200);
    assert_eq!(
        strs(&items(&methods), "short_name"),
        vec!["familieraadslagning"]
    );
    let programmes = app
        .get("/api/v1/programmes?kind=programme&step=4")
        .send()
        .await
        .ok(200);
    assert_eq!(programmes["total"], 1);
    let age14 = app
        .get("/api/v1/programmes?age=14&sort=short_name")
        .send()
        .await
        .ok(200);
    assert_eq!(
        strs(&items(&age14), "short_name"),
        vec![
            "familieraadslagning",
            "fft",
            "keep",
            "mst",
            "mst-can",
            "tfco-a"
        ]
    );
    let age2 = app
        .get("/api/v1/programmes?age=2&sort=-short_name")
        .send()
        .await
        .ok(200);
    assert_eq!(
        strs(&items(&age2), "short_name"),
        vec!["familieraadslagning", "de-utrolige-aar"]
    );
    // Pagination.
    let first = app.get("/api/v1/programmes?limit=5").send().await.ok(200);
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = app
        .get(&format!("/api/v1/programmes?limit=5&cursor={cursor}"))
        .send()
        .await
        .ok(200);
    assert_eq!((items(&first).len(), items(&second).len()), (5, 3));
    assert!(second["next_cursor"].is_null());

    // Bad queries name the parameter; nothing is a 500.
    app.get("/api/v1/programmes?step=7")
        .send()
        .await
        .field_error(422, "validation.failed", "query.step");
    app.get("/api/v1/programmes?kind=manual")
        .send()
        .await
        .field_error(422, "validation.failed", "query.kind");
    app.get("/api/v1/programmes?age=-1")
        .send()
        .await
        .field_error(422, "validation.failed", "query.age");
    app.get("/api/v1/programmes?age=x")
        .send()
        .await
        .field_error(422, "validation.failed", "query.age");
    app.get("/api/v1/programmes?sort=grade")
        .send()
        .await
        .field_error(422, "validation.failed", "query.sort");
    app.get("/api/v1/programmes/abc").send().await.field_error(
        400,
        "request.invalid_path",
        "path.id",
    );
    app.get("/api/v1/programmes/999999")
        .send()
        .await
        .problem(404, "not_found");

    // ETag: the same list answers 304.
    let r = app.get("/api/v1/programmes").send().await;
    let etag = r.header("etag").unwrap_or_default().to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    let again = app
        .get("/api/v1/programmes")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    let id = fft["id"].as_i64().unwrap_or_default();
    let one = app.get(&format!("/api/v1/programmes/{id}")).send().await;
    assert_eq!(one.ok(200)["name"], "FFT – Funktionel Familieterapi");
    let tag = one.header("etag").unwrap_or_default().to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/programmes/{id}"))
            .header("if-none-match", &tag)
            .send()
            .await
            .status,
        304
    );
}

async fn catalogue_permissions(app: TestApp) {
    let body = json!({
        "short_name": "sfb",
        "name": "Stærkere Familier",
        "age_min": 0,
        "age_max": 17,
        "staircase_steps": [2],
        "knowledge_declaration": {"method": "B"}
    });
    // Only the operator writes: anonymous 401; members of any role 403.
    app.access(Method::POST, "/api/v1/programmes")
        .json(&body)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&app.member("vejle", Role::Viewer), 403, "auth.forbidden")
        .answers(&app.member("vejle", Role::Editor), 403, "auth.forbidden")
        .answers(&app.member("vejle", Role::Admin), 403, "auth.forbidden")
        .check()
        .await;
    let op = app.operator();
    let r = op.post("/api/v1/programmes").json(&body).send().await;
    let created = r.ok(201);
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/programmes/{id}").as_str())
    );
    assert_eq!(created["knowledge_declaration"]["method"], "B");
    assert_eq!(created["kind"], "programme");
    assert_eq!(created["staircase_steps"], json!([2]));
    assert!(created["knowledge_declaration"]["effect"].is_null());
    assert!(created["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(app.audit_count("create", "evidence_programme"), 1);

    // PATCH: absent unchanged, null clears, grades one by one.
    let patch = json!({"age_min": null, "kind": "method", "staircase_steps": [3, 2],
        "knowledge_declaration": {"effect": "C", "method": null}});
    let admin = app.member("vejle", Role::Admin);
    admin
        .patch(&format!("/api/v1/programmes/{id}"))
        .json(&patch)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let updated = op
        .patch(&format!("/api/v1/programmes/{id}"))
        .json(&patch)
        .send()
        .await
        .ok(200);
    assert!(updated["age_min"].is_null());
    assert_eq!(updated["age_max"], 17);
    assert_eq!(updated["name"], "Stærkere Familier");
    assert_eq!(updated["knowledge_declaration"]["effect"], "C");
    assert!(updated["knowledge_declaration"]["method"].is_null());
    assert_eq!(updated["kind"], "method");
    assert_eq!(updated["staircase_steps"], json!([2, 3]));
    assert_eq!(app.audit_count("update", "evidence_programme"), 1);
    let cleared = op
        .patch(&format!("/api/v1/programmes/{id}"))
        .json(&json!({"staircase_steps": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(cleared["staircase_steps"], json!([]));
    assert_eq!(cleared["kind"], "method");

    // Validation names the field.
    let bad = |b: Value| op.post("/api/v1/programmes").json(&b).send();
    bad(json!({"short_name": "mst", "name": "Dublet"}))
        .await
        .field_error(422, "evidence.programme.short_name_taken", "short_name");
    bad(json!({"short_name": "Not A Slug", "name": "x"}))
        .await
        .field_error(422, "validation.failed", "short_name");
    bad(json!({"short_name": "ok-name", "name": "x", "age_min": 12, "age_max": 6}))
        .await
        .field_error(422, "validation.failed", "age_max");
    bad(json!({"short_name": "ok-name", "name": "x", "staircase_steps": [6, 7]}))
        .await
        .field_error(422, "validation.failed", "staircase_steps");
    bad(json!({"short_name": "ok-name", "name": "x", "staircase_steps": [3, 5]}))
        .await
        .field_error(422, "validation.failed", "staircase_steps");
    bad(json!({"short_name": "ok-name", "name": "x", "kind": "manual"}))
        .await
        .field_error(422, "validation.failed", "kind");
    bad(json!({"short_name": "ok-name", "name": "x", "knowledge_declaration": {"effect": "E"}}))
        .await
        .field_error(422, "validation.failed", "knowledge_declaration.effect");
    bad(json!({"short_name": "ok-name", "name": " "}))
        .await
        .field_error(422, "validation.failed", "name");
    op.patch(&format!("/api/v1/programmes/{id}"))
        .json(&json!({"short_name": "fft"}))
        .send()
        .await
        .field_error(422, "evidence.programme.short_name_taken", "short_name");
    op.patch("/api/v1/programmes/999999")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(404, "not_found");
}
