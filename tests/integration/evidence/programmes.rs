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
    assert_eq!(fft["typical_duration"], "3-6 måneder");

    // Filters: step and age (a bound not stated does not exclude).
    let step5 = app
        .get("/api/v1/programmes?step=5&sort=short_name")
        .send()
        .await
        .ok(200);
    assert_eq!(strs(&items(&step5), "short_name"), vec!["keep", "tfco-a"]);
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
        "staircase_step": 2,
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
    assert!(created["knowledge_declaration"]["effect"].is_null());
    assert!(created["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(app.audit_count("create", "evidence_programme"), 1);

    // PATCH: absent unchanged, null clears, grades one by one.
    let patch = json!({"age_min": null, "knowledge_declaration": {"effect": "C", "method": null}});
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
    assert_eq!(app.audit_count("update", "evidence_programme"), 1);

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
    bad(json!({"short_name": "ok-name", "name": "x", "staircase_step": 9}))
        .await
        .field_error(422, "validation.failed", "staircase_step");
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
