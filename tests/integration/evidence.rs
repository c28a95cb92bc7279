//! The evidence module: catalogue, adoptions, figures, partnerships, referrals, indicators.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use chrono::NaiveDate;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    catalogue_is_seeded_and_public,
    catalogue_permissions,
    seeded_adoptions_and_partnership,
    adoptions_crud_by_role,
    adoptions_csv,
    figures_are_idempotent_and_private,
    partnership_invitation_and_visibility,
    share_limits_on_create_and_update,
    referrals_respect_shares,
    concurrent_referrals_never_exceed_a_share,
    computed_indicators,
    switched_off_module_hides_adoptions,
    seeding_twice_adds_nothing,
);

/// Polls every future to completion together (requests overlap in the blocking pool).
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futures.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn strs<'a>(values: &'a [Value], key: &str) -> Vec<&'a str> {
    values.iter().filter_map(|v| v[key].as_str()).collect()
}

fn municipality_slugs(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .filter_map(|a| a["municipality"]["slug"].as_str().map(str::to_owned))
        .collect()
}

async fn programme_id(app: &TestApp, short_name: &str) -> i64 {
    let page = app
        .get(&format!("/api/v1/programmes?short_name={short_name}"))
        .send()
        .await
        .ok(200);
    page["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("programme {short_name} missing: {page}"))
}

/// An adoption of `short_name` by `municipality` (its editor), returning its id.
async fn adopt(app: &TestApp, municipality: &str, short_name: &str, capacity: Option<i32>) -> i64 {
    let editor = app.token(municipality, Role::Editor);
    let programme = programme_id(app, short_name).await;
    let body = app
        .post(&format!("/api/v1/municipalities/{municipality}/adoptions"))
        .bearer(&editor)
        .json(&json!({
            "programme_id": programme,
            "status": "active",
            "started_on": "2024-01-01",
            "yearly_capacity": capacity,
            "capacity_unit": capacity.map(|_| "families"),
        }))
        .send()
        .await
        .ok(201);
    body["id"].as_i64().unwrap_or_default()
}

/// Vordingborg shares a TFCO-A adoption (capacity 10) for 2025-2026 with the given partners.
async fn tfco_partnership(app: &TestApp, partners: Value, allow_over_share: bool) -> (i64, i64) {
    let adoption = adopt(app, "vordingborg", "tfco-a", Some(10)).await;
    let editor = app.token("vordingborg", Role::Editor);
    let body = app
        .post("/api/v1/municipalities/vordingborg/partnerships")
        .bearer(&editor)
        .json(&json!({
            "adoption_id": adoption,
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
            "allow_over_share": allow_over_share,
            "partners": partners,
        }))
        .send()
        .await
        .ok(201);
    (adoption, body["id"].as_i64().unwrap_or_default())
}

async fn accept(app: &TestApp, partner: &str, partnership: i64) -> Value {
    let admin = app.token(partner, Role::Admin);
    app.post(&format!(
        "/api/v1/municipalities/{partner}/partnership-invitations/{partnership}/accept"
    ))
    .bearer(&admin)
    .send()
    .await
    .ok(200)
}

async fn refer(
    app: &TestApp,
    token: &str,
    partner: &str,
    partnership: i64,
    period: &str,
    n: i32,
) -> retning_tests::Resp {
    app.post(&format!(
        "/api/v1/municipalities/{partner}/partnerships/{partnership}/referrals"
    ))
    .bearer(token)
    .json(&json!({"period": period, "referred": n}))
    .send()
    .await
}

// ---------------------------------------------------------------------------------------------

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
    app.post("/api/v1/programmes")
        .json(&body)
        .send()
        .await
        .problem(401, "auth.required");
    for role in [Role::Viewer, Role::Editor, Role::Admin] {
        let token = app.token("vejle", role);
        app.post("/api/v1/programmes")
            .bearer(&token)
            .json(&body)
            .send()
            .await
            .problem(403, "auth.forbidden");
    }
    let op = app.operator_token();
    let r = app
        .post("/api/v1/programmes")
        .bearer(&op)
        .json(&body)
        .send()
        .await;
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
    let admin = app.token("vejle", Role::Admin);
    app.patch(&format!("/api/v1/programmes/{id}"))
        .bearer(&admin)
        .json(&patch)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let updated = app
        .patch(&format!("/api/v1/programmes/{id}"))
        .bearer(&op)
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
    let bad = |b: Value| app.post("/api/v1/programmes").bearer(&op).json(&b).send();
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
    app.patch(&format!("/api/v1/programmes/{id}"))
        .bearer(&op)
        .json(&json!({"short_name": "fft"}))
        .send()
        .await
        .field_error(422, "evidence.programme.short_name_taken", "short_name");
    app.patch("/api/v1/programmes/999999")
        .bearer(&op)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(404, "not_found");
}

async fn seeded_adoptions_and_partnership(app: TestApp) {
    // Randers and Vordingborg run De Utrolige År; no capacity is invented.
    for m in ["randers", "vordingborg"] {
        let page = app
            .get(&format!(
                "/api/v1/municipalities/{m}/adoptions?status=active"
            ))
            .send()
            .await
            .ok(200);
        let all = items(&page);
        assert_eq!(all.len(), 1, "{page}");
        assert_eq!(all[0]["programme"]["short_name"], "de-utrolige-aar");
        assert!(all[0]["yearly_capacity"].is_null());
        assert!(all[0]["started_on"].is_null());
    }
    let dua = programme_id(&app, "de-utrolige-aar").await;
    let who = app
        .get(&format!("/api/v1/programmes/{dua}/adoptions"))
        .send()
        .await
        .ok(200);
    assert_eq!(municipality_slugs(&who), vec!["randers", "vordingborg"]);
    // The placeholder adoption says it is one.
    let planned = app
        .get("/api/v1/municipalities/vordingborg/adoptions?status=planned")
        .send()
        .await
        .ok(200);
    assert_eq!(planned["items"][0]["programme"]["short_name"], "mst");
    assert!(planned["items"][0]["notes"]
        .as_str()
        .is_some_and(|n| n.contains("Pladsholder")));

    // Vordingborg's partnership: the four neighbours invited, nothing agreed.
    let viewer = app.token("vordingborg", Role::Viewer);
    let list = app
        .get("/api/v1/municipalities/vordingborg/partnerships")
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(list["total"], 1);
    let p = &list["items"][0];
    assert_eq!(p["role"], "host");
    assert!(p["period_start"].is_null() && p["period_end"].is_null());
    let mut partners: Vec<(String, String)> = p["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            assert!(x["yearly_share"].is_null(), "{x}");
            (
                x["municipality"]["slug"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                x["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    partners.sort();
    assert_eq!(
        partners,
        ["faxe", "guldborgsund", "lolland", "naestved"]
            .map(|s| (s.to_owned(), "invited".to_owned()))
            .to_vec()
    );
    // Lolland sees its own invitation only.
    let lolland = app.token("lolland", Role::Viewer);
    let theirs = app
        .get("/api/v1/municipalities/lolland/partnerships?role=partner")
        .bearer(&lolland)
        .send()
        .await
        .ok(200);
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["role"], "partner");
    assert_eq!(
        theirs["items"][0]["partners"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(theirs["items"][0]["host"]["slug"], "vordingborg");
}

async fn adoptions_crud_by_role(app: TestApp) {
    let fft = programme_id(&app, "fft").await;
    let path = "/api/v1/municipalities/vejle/adoptions";
    let body = json!({
        "programme_id": fft,
        "status": "planned",
        "started_on": "2025-08-01",
        "yearly_capacity": 12,
        "capacity_unit": "families",
        "certified_practitioners": 3,
        "operating_unit": "Børne- og Familiecentret"
    });
    // Create: editors (and write keys) of the municipality only.
    app.post(path)
        .json(&body)
        .send()
        .await
        .problem(401, "auth.required");
    let viewer = app.token("vejle", Role::Viewer);
    app.post(path)
        .bearer(&viewer)
        .json(&body)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let outsider = app.token("randers", Role::Editor);
    app.post(path)
        .bearer(&outsider)
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    let op = app.operator_token();
    app.post(path)
        .bearer(&op)
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    let editor = app.token("vejle", Role::Editor);
    let r = app.post(path).bearer(&editor).json(&body).send().await;
    let created = r.ok(201);
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(r.header("location"), Some(format!("{path}/{id}").as_str()));
    assert_eq!(created["programme"]["short_name"], "fft");
    assert_eq!(created["municipality"]["slug"], "vejle");
    assert_eq!(created["capacity_unit"], "families");
    assert_eq!(created["started_on"], "2025-08-01");
    app.post(path)
        .bearer(&editor)
        .json(&body)
        .send()
        .await
        .problem(409, "evidence.adoption.exists");

    // Validation names the field.
    let bad = |b: Value| app.post(path).bearer(&editor).json(&b).send();
    let mst = programme_id(&app, "mst").await;
    bad(json!({"programme_id": mst, "status": "active", "yearly_capacity": 5}))
        .await
        .field_error(422, "validation.failed", "capacity_unit");
    bad(json!({"programme_id": mst, "status": "active", "started_on": "2025-01-01", "ended_on": "2024-01-01"}))
        .await
        .field_error(422, "validation.failed", "ended_on");
    bad(json!({"programme_id": 999999, "status": "active"}))
        .await
        .field_error(422, "validation.failed", "programme_id");
    bad(json!({"programme_id": mst, "status": "running"}))
        .await
        .field_error(422, "validation.failed", "status");
    bad(json!({"programme_id": mst, "status": "active", "yearly_capacity": -1, "capacity_unit": "children"}))
        .await
        .field_error(422, "validation.failed", "yearly_capacity");
    bad(json!({"programme_id": mst, "status": "active", "started_on": "2025-02-30"}))
        .await
        .field_error(422, "validation.failed", "started_on");

    // Read: public, anonymous included.
    let list = app.get(path).send().await.ok(200);
    assert_eq!(list["total"], 1);
    let one = app.get(&format!("{path}/{id}")).send().await.ok(200);
    assert_eq!(one["certified_practitioners"], 3);
    app.get("/api/v1/municipalities/vejle/adoptions/abc")
        .send()
        .await
        .field_error(400, "request.invalid_path", "path.id");
    app.get(&format!("/api/v1/municipalities/randers/adoptions/{id}"))
        .send()
        .await
        .problem(404, "not_found");

    // Update: editors; absent unchanged, null clears.
    let patch = json!({"status": "active", "certified_practitioners": null, "yearly_capacity": 15});
    app.patch(&format!("{path}/{id}"))
        .bearer(&viewer)
        .json(&patch)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.patch(&format!("{path}/{id}"))
        .bearer(&outsider)
        .json(&patch)
        .send()
        .await
        .problem(404, "not_found");
    let updated = app
        .patch(&format!("{path}/{id}"))
        .bearer(&editor)
        .json(&patch)
        .send()
        .await
        .ok(200);
    assert_eq!(updated["status"], "active");
    assert!(updated["certified_practitioners"].is_null());
    assert_eq!(updated["yearly_capacity"], 15);
    assert_eq!(updated["operating_unit"], "Børne- og Familiecentret");
    app.patch(&format!("{path}/{id}"))
        .bearer(&editor)
        .json(&json!({"capacity_unit": null}))
        .send()
        .await
        .field_error(422, "validation.failed", "capacity_unit");
    app.patch(&format!("{path}/{id}"))
        .bearer(&editor)
        .json(&json!({"programme_id": mst}))
        .send()
        .await
        .problem(422, "validation.failed");

    // A write API key writes; a read key does not.
    let admin = app.token("vejle", Role::Admin);
    let key = |scope: &str| {
        let admin = admin.clone();
        let scope = scope.to_owned();
        let app = &app;
        async move {
            app.post("/api/v1/municipalities/vejle/api-keys")
                .bearer(&admin)
                .json(&json!({"name": format!("{scope} key"), "scope": scope}))
                .send()
                .await
                .ok(201)["key"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let read_key = key("read").await;
    let write_key = key("write").await;
    let pmto = programme_id(&app, "pmto").await;
    let pmto_body = json!({"programme_id": pmto, "status": "planned"});
    app.post(path)
        .bearer(&read_key)
        .json(&pmto_body)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let by_key = app
        .post(path)
        .bearer(&write_key)
        .json(&pmto_body)
        .send()
        .await
        .ok(201);

    // Delete: editors; the adoption is gone afterwards.
    let pmto_id = by_key["id"].as_i64().unwrap_or_default();
    app.delete(&format!("{path}/{pmto_id}"))
        .bearer(&viewer)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.delete(&format!("{path}/{pmto_id}"))
        .bearer(&editor)
        .send()
        .await
        .ok(204);
    app.get(&format!("{path}/{pmto_id}"))
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&format!("{path}/{pmto_id}"))
        .bearer(&editor)
        .send()
        .await
        .problem(404, "not_found");

    assert_eq!(app.audit_count("create", "evidence_adoption"), 2);
    assert_eq!(app.audit_count("update", "evidence_adoption"), 1);
    assert_eq!(app.audit_count("delete", "evidence_adoption"), 1);
    let audit = app
        .get("/api/v1/municipalities/vejle/audit?object_type=evidence_adoption&action=update")
        .bearer(&admin)
        .send()
        .await
        .ok(200);
    let details = &audit["items"][0]["details"];
    assert_eq!(
        details["status"],
        json!({"before": "planned", "after": "active"}),
        "{details}"
    );
    assert_eq!(
        details["yearly_capacity"],
        json!({"before": 12, "after": 15})
    );
}

async fn adoptions_csv(app: TestApp) {
    let r = app
        .get("/api/v1/municipalities/vordingborg/adoptions.csv")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(r.body.as_slice());
    let headers = reader.headers().cloned().unwrap_or_default();
    assert_eq!(&headers[0], "id");
    assert_eq!(&headers[4], "status");
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(rows.len(), 2);
    let mut programmes: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    programmes.sort_unstable();
    assert_eq!(programmes, vec!["de-utrolige-aar", "mst"]);
    // The placeholder's note (commas, quotes, non-ASCII) survives quoting.
    assert!(rows
        .iter()
        .any(|r| r[11].contains("'nogle af de tungere programmer'")));
    let etag = r.header("etag").unwrap_or_default().to_owned();
    let again = app
        .get("/api/v1/municipalities/vordingborg/adoptions.csv")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    let filtered = app
        .get("/api/v1/municipalities/vordingborg/adoptions.csv?status=planned")
        .send()
        .await;
    assert_eq!(filtered.text().lines().count(), 2, "{}", filtered.text());
    app.get("/api/v1/municipalities/vordingborg/adoptions.csv?status=bogus")
        .send()
        .await
        .field_error(422, "validation.failed", "query.status");
    app.get("/api/v1/municipalities/atlantis/adoptions.csv")
        .send()
        .await
        .problem(404, "not_found");
}

async fn figures_are_idempotent_and_private(app: TestApp) {
    let adoption = adopt(&app, "randers", "pmto", Some(20)).await;
    let base = format!("/api/v1/municipalities/randers/adoptions/{adoption}/figures");
    let editor = app.token("randers", Role::Editor);
    let figures = json!({"started": 5, "completed": 2, "dropped_out": 1});
    let r = app
        .put(&format!("{base}/2025-h1"))
        .bearer(&editor)
        .json(&figures)
        .send()
        .await;
    let created = r.ok(201);
    assert_eq!(created["period"], "2025-H1");
    assert_eq!(created["period_start"], "2025-01-01");
    assert_eq!(created["period_end"], "2025-06-30");
    assert_eq!(
        r.header("location"),
        Some(format!("{base}/2025-H1").as_str())
    );
    // The same PUT again: 200, nothing new recorded.
    app.put(&format!("{base}/2025-H1"))
        .bearer(&editor)
        .json(&figures)
        .send()
        .await
        .ok(200);
    assert_eq!(app.audit_count("create", "evidence_figures"), 1);
    assert_eq!(app.audit_count("update", "evidence_figures"), 0);
    let changed = json!({"started": 6, "completed": 2, "dropped_out": 1});
    let replaced = app
        .put(&format!("{base}/2025-H1"))
        .bearer(&editor)
        .json(&changed)
        .send()
        .await
        .ok(200);
    assert_eq!(replaced["started"], 6);
    assert_eq!(app.audit_count("update", "evidence_figures"), 1);
    app.put(&format!("{base}/2025-Q3"))
        .bearer(&editor)
        .json(&figures)
        .send()
        .await
        .ok(201);
    // Overlapping periods would count twice.
    app.put(&format!("{base}/2025"))
        .bearer(&editor)
        .json(&figures)
        .send()
        .await
        .field_error(422, "evidence.figures.period_overlaps", "path.period");
    app.put(&format!("{base}/2025-Q2"))
        .bearer(&editor)
        .json(&figures)
        .send()
        .await
        .field_error(422, "evidence.figures.period_overlaps", "path.period");
    for bad in ["2025-H3", "25", "2025-05", "juni"] {
        app.put(&format!("{base}/{bad}"))
            .bearer(&editor)
            .json(&figures)
            .send()
            .await
            .field_error(422, "validation.failed", "path.period");
    }
    app.put(&format!("{base}/2026"))
        .bearer(&editor)
        .json(&json!({"started": -1, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "started");
    app.put(&format!("{base}/2026"))
        .bearer(&editor)
        .json(&json!({"started": 1, "completed": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "dropped_out");
    let viewer = app.token("randers", Role::Viewer);
    app.put(&format!("{base}/2026"))
        .bearer(&viewer)
        .json(&figures)
        .send()
        .await
        .problem(403, "auth.forbidden");

    // Read: the municipality's members; nobody else (no partnership here).
    let list = app
        .get(&format!("{base}?year=2025"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(list["total"], 2);
    assert_eq!(strs(&items(&list), "period"), vec!["2025-H1", "2025-Q3"]);
    app.get(&base).send().await.problem(401, "auth.required");
    let other = app.token("vejle", Role::Admin);
    app.get(&base)
        .bearer(&other)
        .send()
        .await
        .problem(404, "not_found");
    let op = app.operator_token();
    app.get(&base)
        .bearer(&op)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{base}/2025-H1"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    app.get(&format!("{base}/2024"))
        .bearer(&viewer)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{base}?year=20"))
        .bearer(&viewer)
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");

    // Delete one period.
    app.delete(&format!("{base}/2025-Q3"))
        .bearer(&editor)
        .send()
        .await
        .ok(204);
    app.delete(&format!("{base}/2025-Q3"))
        .bearer(&editor)
        .send()
        .await
        .problem(404, "not_found");
    let list = app.get(&base).bearer(&viewer).send().await.ok(200);
    assert_eq!(list["total"], 1);
}

async fn partnership_invitation_and_visibility(app: TestApp) {
    let (adoption, id) = tfco_partnership(
        &app,
        json!([
            {"municipality": "lolland", "yearly_share": 3},
            {"municipality": "guldborgsund", "yearly_share": 2},
            {"municipality": "faxe", "yearly_share": 2}
        ]),
        false,
    )
    .await;
    let figures_path = format!("/api/v1/municipalities/vordingborg/adoptions/{adoption}/figures");
    let host_editor = app.token("vordingborg", Role::Editor);
    app.put(&format!("{figures_path}/2025-Q1"))
        .bearer(&host_editor)
        .json(&json!({"started": 2, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .ok(201);

    // Answers: the partner's admins only.
    let lolland_editor = app.token("lolland", Role::Editor);
    app.post(&format!(
        "/api/v1/municipalities/lolland/partnership-invitations/{id}/accept"
    ))
    .bearer(&lolland_editor)
    .send()
    .await
    .problem(403, "auth.forbidden");
    let host_admin = app.token("vordingborg", Role::Admin);
    app.post(&format!(
        "/api/v1/municipalities/vordingborg/partnership-invitations/{id}/accept"
    ))
    .bearer(&host_admin)
    .send()
    .await
    .problem(404, "not_found");
    let accepted = accept(&app, "lolland", id).await;
    assert_eq!(accepted["role"], "partner");
    // Accepting again changes nothing.
    accept(&app, "lolland", id).await;
    assert_eq!(
        app.audit_count("accept", "evidence_partnership_invitation"),
        2,
        "one row for each party"
    );
    let guldborgsund_admin = app.token("guldborgsund", Role::Admin);
    let declined = app
        .post(&format!(
            "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/decline"
        ))
        .bearer(&guldborgsund_admin)
        .send()
        .await
        .ok(200);
    assert_eq!(declined["partners"][0]["status"], "declined");
    app.post(&format!(
        "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/accept"
    ))
    .bearer(&guldborgsund_admin)
    .send()
    .await
    .problem(409, "evidence.invitation.already_answered");
    let lolland_admin = app.token("lolland", Role::Admin);
    app.post(&format!(
        "/api/v1/municipalities/lolland/partnership-invitations/{id}/decline"
    ))
    .bearer(&lolland_admin)
    .send()
    .await
    .problem(409, "evidence.invitation.already_answered");
    // The answer is in both parties' audit logs.
    for (m, admin) in [("lolland", &lolland_admin), ("vordingborg", &host_admin)] {
        let log = app
            .get(&format!("/api/v1/municipalities/{m}/audit?object_type=evidence_partnership_invitation&action=accept"))
            .bearer(admin)
            .send()
            .await
            .ok(200);
        assert_eq!(items(&log).len(), 1, "{m}: {log}");
    }
    let refer_as = |m: &str| app.token(m, Role::Editor);
    let path = |m: &str| format!("/api/v1/municipalities/{m}/partnerships/{id}");

    // Host: everything, use per partner.
    let host_viewer = app.token("vordingborg", Role::Viewer);
    let lolland_token = refer_as("lolland");
    refer(&app, &lolland_token, "lolland", id, "2025-Q2", 1)
        .await
        .ok(201);
    let host = app
        .get(&path("vordingborg"))
        .bearer(&host_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(host["role"], "host");
    let statuses: Vec<(&str, &str)> = host["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["municipality"]["slug"].as_str().unwrap_or(""),
                p["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("lolland", "accepted"),
            ("guldborgsund", "declined"),
            ("faxe", "invited")
        ]
    );
    assert!(host["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|p| p["use"].is_array()));
    assert_eq!(
        host["partners"][0]["use"],
        json!([{"year": 2025, "share": 3, "referred": 1, "remaining": 2, "over_share": 0}])
    );
    app.get(&figures_path)
        .bearer(&host_viewer)
        .send()
        .await
        .ok(200);

    // Accepted partner: every partner and share, its own use, the adoption's figures.
    let lolland_viewer = app.token("lolland", Role::Viewer);
    let partner = app
        .get(&path("lolland"))
        .bearer(&lolland_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(partner["role"], "partner");
    assert_eq!(partner["partners"].as_array().map(Vec::len), Some(3));
    assert!(partner["partners"][0]["use"].is_array());
    assert!(
        partner["partners"][1].get("use").is_none() && partner["partners"][2].get("use").is_none()
    );
    let figures = app
        .get(&figures_path)
        .bearer(&lolland_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(figures["items"][0]["started"], 2);
    let refs = app
        .get(&format!("{}/referrals", path("lolland")))
        .bearer(&lolland_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(refs["total"], 1);
    // Its token addresses its own municipality only.
    app.get(&path("vordingborg"))
        .bearer(&lolland_viewer)
        .send()
        .await
        .problem(404, "not_found");

    // Declined partner: its own invitation, nothing more.
    let g_viewer = app.token("guldborgsund", Role::Viewer);
    let g = app
        .get(&path("guldborgsund"))
        .bearer(&g_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(g["partners"].as_array().map(Vec::len), Some(1));
    assert_eq!(g["partners"][0]["status"], "declined");
    assert!(g["partners"][0].get("use").is_none());
    app.get(&figures_path)
        .bearer(&g_viewer)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{}/referrals", path("guldborgsund")))
        .bearer(&g_viewer)
        .send()
        .await
        .problem(404, "not_found");
    refer(
        &app,
        &refer_as("guldborgsund"),
        "guldborgsund",
        id,
        "2025-Q2",
        1,
    )
    .await
    .problem(409, "evidence.partnership.not_accepted");

    // Invited partner: its own invitation; no referrals before it accepts.
    let f_viewer = app.token("faxe", Role::Viewer);
    let f = app
        .get(&path("faxe"))
        .bearer(&f_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(f["partners"].as_array().map(Vec::len), Some(1));
    assert_eq!(f["partners"][0]["yearly_share"], 2);
    refer(&app, &refer_as("faxe"), "faxe", id, "2025-Q2", 1)
        .await
        .problem(409, "evidence.partnership.not_accepted");
    app.get(&figures_path)
        .bearer(&f_viewer)
        .send()
        .await
        .problem(404, "not_found");

    // An unrelated municipality: nothing at all.
    let n_viewer = app.token("naestved", Role::Viewer);
    app.get(&path("naestved"))
        .bearer(&n_viewer)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&figures_path)
        .bearer(&n_viewer)
        .send()
        .await
        .problem(404, "not_found");
    let list = app
        .get("/api/v1/municipalities/naestved/partnerships")
        .bearer(&n_viewer)
        .send()
        .await
        .ok(200);
    assert!(items(&list).iter().all(|p| p["id"] != id), "{list}");
    refer(&app, &refer_as("naestved"), "naestved", id, "2025-Q2", 1)
        .await
        .problem(404, "not_found");
    // Anonymous callers are asked to authenticate.
    app.get(&path("vordingborg"))
        .send()
        .await
        .problem(401, "auth.required");
    app.get(&figures_path)
        .send()
        .await
        .problem(401, "auth.required");

    // The host invites the declined partner again: it is invited anew.
    let again = app
        .patch(&path("vordingborg"))
        .bearer(&host_editor)
        .json(&json!({"partners": [{"municipality": "guldborgsund", "yearly_share": 2}]}))
        .send()
        .await
        .ok(200);
    assert_eq!(again["partners"][1]["status"], "invited");
    app.post(&format!(
        "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/accept"
    ))
    .bearer(&guldborgsund_admin)
    .send()
    .await
    .ok(200);
    app.get(&figures_path)
        .bearer(&g_viewer)
        .send()
        .await
        .ok(200);
}

async fn share_limits_on_create_and_update(app: TestApp) {
    let adoption = adopt(&app, "vordingborg", "mst-can", Some(6)).await;
    let editor = app.token("vordingborg", Role::Editor);
    let path = "/api/v1/municipalities/vordingborg/partnerships";
    let create = |body: Value| app.post(path).bearer(&editor).json(&body).send();
    let body = |partners: Value| json!({"adoption_id": adoption, "period_start": "2025-01-01", "period_end": "2025-12-31", "partners": partners});
    // The third share tips the sum over the adoption's capacity of 6.
    create(body(json!([
        {"municipality": "lolland", "yearly_share": 2},
        {"municipality": "faxe", "yearly_share": 3},
        {"municipality": "naestved", "yearly_share": 2}
    ])))
    .await
    .field_error(
        422,
        "evidence.shares_exceed_capacity",
        "partners[2].yearly_share",
    );
    // Bad partners, named.
    create(body(
        json!([{"municipality": "vordingborg", "yearly_share": 1}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[0].municipality");
    create(body(
        json!([{"municipality": "lolland"}, {"municipality": "atlantis"}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[1].municipality");
    create(body(
        json!([{"municipality": "lolland"}, {"municipality": "lolland"}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[1].municipality");
    create(body(
        json!([{"municipality": "lolland", "yearly_share": -2}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[0].yearly_share");
    create(body(json!([])))
        .await
        .field_error(422, "validation.failed", "partners");
    create(json!({"adoption_id": adoption, "period_start": "2025-01-01", "period_end": "2024-12-31", "partners": [{"municipality": "lolland"}]}))
        .await
        .field_error(422, "validation.failed", "period_end");
    // Another municipality's adoption is not the host's to share.
    let randers_adoption = adopt(&app, "randers", "mst-can", Some(50)).await;
    create(json!({"adoption_id": randers_adoption, "partners": [{"municipality": "lolland", "yearly_share": 1}]}))
        .await
        .field_error(422, "validation.failed", "adoption_id");
    // Shares need a known capacity; shares not yet agreed do not.
    let unknown = adopt(&app, "vordingborg", "keep", None).await;
    create(json!({"adoption_id": unknown, "partners": [{"municipality": "lolland", "yearly_share": 1}]}))
        .await
        .field_error(422, "evidence.capacity_unknown", "partners[0].yearly_share");
    create(json!({"adoption_id": unknown, "partners": [{"municipality": "lolland"}]}))
        .await
        .ok(201);
    // Only editors of the host create.
    let viewer = app.token("vordingborg", Role::Viewer);
    app.post(path)
        .bearer(&viewer)
        .json(&body(
            json!([{"municipality": "lolland", "yearly_share": 1}]),
        ))
        .send()
        .await
        .problem(403, "auth.forbidden");

    // Exactly the capacity is fine.
    let ok = create(body(json!([
        {"municipality": "lolland", "yearly_share": 2},
        {"municipality": "faxe", "yearly_share": 3}
    ])))
    .await
    .ok(201);
    let id = ok["id"].as_i64().unwrap_or_default();
    // An overlapping second partnership on the same adoption counts too; a later one does not.
    create(body(
        json!([{"municipality": "naestved", "yearly_share": 2}]),
    ))
    .await
    .field_error(
        422,
        "evidence.shares_exceed_capacity",
        "partners[0].yearly_share",
    );
    create(json!({"adoption_id": adoption, "period_start": "2026-01-01", "partners": [{"municipality": "naestved", "yearly_share": 6}]}))
        .await
        .ok(201);
    // Update: a share raised beyond capacity is refused and names the entry.
    let patch = |b: Value| {
        app.patch(&format!("{path}/{id}"))
            .bearer(&editor)
            .json(&b)
            .send()
    };
    patch(json!({"partners": [{"municipality": "guldborgsund", "yearly_share": 1}, {"municipality": "faxe", "yearly_share": 4}]}))
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "partners[1].yearly_share");
    patch(json!({"partners": [{"municipality": "faxe", "yearly_share": 5}]}))
        .await
        .field_error(
            422,
            "evidence.shares_exceed_capacity",
            "partners[0].yearly_share",
        );
    // Stretching the period into the later partnership's years is refused as well.
    patch(json!({"period_end": "2026-06-30"}))
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "period_start");
    // A changed share re-opens an accepted invitation.
    accept(&app, "lolland", id).await;
    let changed = patch(json!({"partners": [{"municipality": "lolland", "yearly_share": 1}], "allow_over_share": true}))
        .await
        .ok(200);
    assert_eq!(changed["partners"][0]["status"], "invited");
    assert_eq!(changed["partners"][0]["yearly_share"], 1);
    assert_eq!(changed["allow_over_share"], true);
    assert_eq!(app.audit_count("update", "evidence_partnership"), 1);
    // The adoption's capacity cannot drop below what partners hold.
    let adoption_path = format!("/api/v1/municipalities/vordingborg/adoptions/{adoption}");
    app.patch(&adoption_path)
        .bearer(&editor)
        .json(&json!({"yearly_capacity": 5}))
        .send()
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "yearly_capacity");
    app.patch(&adoption_path)
        .bearer(&editor)
        .json(&json!({"yearly_capacity": null, "capacity_unit": null}))
        .send()
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "yearly_capacity");
    app.patch(&adoption_path)
        .bearer(&editor)
        .json(&json!({"yearly_capacity": 8}))
        .send()
        .await
        .ok(200);
    // A shared adoption cannot be removed.
    app.delete(&adoption_path)
        .bearer(&editor)
        .send()
        .await
        .problem(409, "evidence.adoption.shared");
}

async fn referrals_respect_shares(app: TestApp) {
    let (_, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 3}, {"municipality": "faxe", "yearly_share": 2}]),
        false,
    )
    .await;
    accept(&app, "lolland", id).await;
    let lolland = app.token("lolland", Role::Editor);
    let r = refer(&app, &lolland, "lolland", id, "2025-Q1", 2).await;
    let first = r.ok(201);
    assert_eq!(first["year"], 2025);
    assert_eq!(first["over_share"], false);
    assert_eq!(first["partner"]["slug"], "lolland");
    let location = r.header("location").unwrap_or_default().to_owned();
    let viewer = app.token("lolland", Role::Viewer);
    app.get(&location).bearer(&viewer).send().await.ok(200);
    // Beyond the share: refused with a clear problem naming what is left.
    let refused = refer(&app, &lolland, "lolland", id, "2025-Q3", 2)
        .await
        .field_error(409, "evidence.share_exceeded", "referred");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 left")),
        "{refused}"
    );
    refer(&app, &lolland, "lolland", id, "2025-Q3", 1)
        .await
        .ok(201);
    refer(&app, &lolland, "lolland", id, "2025", 1)
        .await
        .problem(409, "evidence.share_exceeded");
    // Each year has its own share; outside the period is refused.
    refer(&app, &lolland, "lolland", id, "2026-H1", 3)
        .await
        .ok(201);
    refer(&app, &lolland, "lolland", id, "2027", 1)
        .await
        .field_error(422, "evidence.referral.outside_period", "period");
    // Bad input is named, never a 500.
    refer(&app, &lolland, "lolland", id, "2025-Q5", 1)
        .await
        .field_error(422, "validation.failed", "period");
    refer(&app, &lolland, "lolland", id, "2025-Q1", 0)
        .await
        .field_error(422, "validation.failed", "referred");
    let viewer_refers = refer(&app, &viewer, "lolland", id, "2025-Q1", 1).await;
    viewer_refers.problem(403, "auth.forbidden");
    refer(&app, &lolland, "lolland", 999_999, "2025-Q1", 1)
        .await
        .problem(404, "not_found");

    // The host allows over-share: accepted, and marked.
    let host_editor = app.token("vordingborg", Role::Editor);
    app.patch(&format!(
        "/api/v1/municipalities/vordingborg/partnerships/{id}"
    ))
    .bearer(&host_editor)
    .json(&json!({"allow_over_share": true}))
    .send()
    .await
    .ok(200);
    let over = refer(&app, &lolland, "lolland", id, "2025-Q4", 2)
        .await
        .ok(201);
    assert_eq!(over["over_share"], true);

    // The host sees use per partner and year.
    let host_viewer = app.token("vordingborg", Role::Viewer);
    let host = app
        .get(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}"
        ))
        .bearer(&host_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        host["partners"][0]["use"],
        json!([
            {"year": 2025, "share": 3, "referred": 5, "remaining": 0, "over_share": 2},
            {"year": 2026, "share": 3, "referred": 3, "remaining": 0, "over_share": 0}
        ])
    );
    assert_eq!(host["partners"][1]["use"], json!([]));
    let listed = app
        .get(&format!("/api/v1/municipalities/vordingborg/partnerships/{id}/referrals?partner=lolland&year=2025"))
        .bearer(&host_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(listed["total"], 3);
    app.get(&format!(
        "/api/v1/municipalities/vordingborg/partnerships/{id}/referrals?partner=atlantis"
    ))
    .bearer(&host_viewer)
    .send()
    .await
    .field_error(422, "validation.failed", "query.partner");

    // A partner withdraws a referral made by mistake; the share is free again.
    let over_id = over["id"].as_i64().unwrap_or_default();
    let referral_path =
        format!("/api/v1/municipalities/lolland/partnerships/{id}/referrals/{over_id}");
    app.delete(&referral_path)
        .bearer(&viewer)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.delete(&referral_path)
        .bearer(&lolland)
        .send()
        .await
        .ok(204);
    app.delete(&referral_path)
        .bearer(&lolland)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.audit_count("create", "evidence_referral"),
        2 * 4,
        "one row for each party"
    );
    assert_eq!(app.audit_count("delete", "evidence_referral"), 2);
}

async fn concurrent_referrals_never_exceed_a_share(app: TestApp) {
    let (_, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 5}, {"municipality": "faxe", "yearly_share": 3}]),
        false,
    )
    .await;
    accept(&app, "lolland", id).await;
    accept(&app, "faxe", id).await;
    let lolland = app.token("lolland", Role::Editor);
    let faxe = app.token("faxe", Role::Editor);
    // 20 requests for Lolland's share of 5 and 10 for Faxe's share of 3, all at once.
    let mut requests = Vec::new();
    for i in 0..30 {
        let (token, partner) = if i % 3 == 2 {
            (&faxe, "faxe")
        } else {
            (&lolland, "lolland")
        };
        requests.push(refer(&app, token, partner, id, "2025-Q2", 1));
    }
    let responses = join_all(requests).await;
    let mut created = [0, 0];
    for (i, r) in responses.iter().enumerate() {
        let who = usize::from(i % 3 == 2);
        match r.status {
            201 => created[who] += 1,
            409 => {
                r.problem(409, "evidence.share_exceeded");
            }
            s => panic!("unexpected {s}: {}", r.text()),
        }
    }
    assert_eq!(created, [5, 3], "exactly the shares are used");
    let host_viewer = app.token("vordingborg", Role::Viewer);
    let host = app
        .get(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}"
        ))
        .bearer(&host_viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(host["partners"][0]["use"][0]["referred"], 5);
    assert_eq!(host["partners"][1]["use"][0]["referred"], 3);
    #[derive(diesel::QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let stored = app.with_conn(|c| {
        use diesel::prelude::*;
        diesel::sql_query(
            "SELECT CAST(COALESCE(SUM(referred), 0) AS BIGINT) AS n FROM evidence_referrals WHERE partnership_id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .get_result::<Sum>(c)
        .map(|s| s.n)
        .unwrap_or_else(|e| panic!("{e}"))
    });
    assert_eq!(stored, 8, "referrals stored");
}

async fn computed_indicators(app: TestApp) {
    let indicators = &app.ctx.registry.indicators;
    let keys: Vec<String> = indicators.list().into_iter().map(|i| i.key).collect();
    for key in [
        "evidence.adoption_capacity_use",
        "evidence.partnership_capacity_use",
        "evidence.partner_share_use",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
    }
    let compute = |key: &str, slug: &str, on: &str| -> Option<f64> {
        let indicator = indicators.get(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(indicator.unit(), "percent");
        let m = app.municipality_id(slug);
        let on = NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap_or_default();
        app.with_conn(|c| {
            indicator
                .compute(c, m, on)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let (adoption, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 4}, {"municipality": "faxe", "yearly_share": 2}]),
        false,
    )
    .await;
    // Nothing to compute from yet.
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    let editor = app.token("vordingborg", Role::Editor);
    for (period, started) in [("2025-H1", 3), ("2025-H2", 4), ("2024-H2", 9)] {
        app.put(&format!(
            "/api/v1/municipalities/vordingborg/adoptions/{adoption}/figures/{period}"
        ))
        .bearer(&editor)
        .json(&json!({"started": started, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .ok(201);
    }
    // 3 + 4 started in 2025 against a capacity of 10; a mid-year day takes the twelve months before it.
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(70.0)
    );
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-06-30"
        ),
        Some(120.0)
    );
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2023-12-31"
        ),
        None
    );
    assert_eq!(
        compute("evidence.adoption_capacity_use", "randers", "2025-12-31"),
        None
    );

    // Shares count once accepted: Lolland's 4 (Faxe has not answered).
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    accept(&app, "lolland", id).await;
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(0.0)
    );
    let lolland = app.token("lolland", Role::Editor);
    refer(&app, &lolland, "lolland", id, "2025-Q1", 2)
        .await
        .ok(201);
    refer(&app, &lolland, "lolland", id, "2025-Q3", 1)
        .await
        .ok(201);
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(75.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "lolland", "2025-12-31"),
        Some(75.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "lolland", "2025-03-31"),
        Some(50.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "faxe", "2025-12-31"),
        None
    );
    // Outside the partnership's period there is nothing to use.
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2030-12-31"
        ),
        None
    );
}

async fn switched_off_module_hides_adoptions(app: TestApp) {
    let op = app.operator_token();
    app.put("/api/v1/municipalities/randers/modules/evidence")
        .bearer(&op)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/municipalities/randers/adoptions")
        .send()
        .await
        .problem(404, "not_found");
    app.get("/api/v1/municipalities/randers/adoptions.csv")
        .send()
        .await
        .problem(404, "not_found");
    let dua = programme_id(&app, "de-utrolige-aar").await;
    let who = app
        .get(&format!("/api/v1/programmes/{dua}/adoptions"))
        .send()
        .await
        .ok(200);
    assert_eq!(municipality_slugs(&who), vec!["vordingborg"]);
    assert_eq!(who["total"], 1);
    // It cannot be invited either.
    let editor = app.token("vordingborg", Role::Editor);
    let adoption = adopt(&app, "vordingborg", "fft", Some(4)).await;
    app.post("/api/v1/municipalities/vordingborg/partnerships")
        .bearer(&editor)
        .json(&json!({"adoption_id": adoption, "partners": [{"municipality": "randers", "yearly_share": 1}]}))
        .send()
        .await
        .field_error(422, "validation.failed", "partners[0].municipality");
    // The catalogue is platform-wide and stays.
    app.get("/api/v1/programmes").send().await.ok(200);
}

async fn seeding_twice_adds_nothing(app: TestApp) {
    let count = |t: &str| app.audit_count("seed", t);
    let before = (
        count("evidence_programme"),
        count("evidence_adoption"),
        count("evidence_partnership"),
    );
    assert_eq!(before, (8, 3, 1));
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            count("evidence_programme"),
            count("evidence_adoption"),
            count("evidence_partnership")
        ),
        before
    );
    let page = app.get("/api/v1/programmes").send().await.ok(200);
    assert_eq!(page["total"], 8);
}
