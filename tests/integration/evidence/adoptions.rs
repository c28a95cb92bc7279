//! Adoptions: the seeded ones, CRUD by role, CSV, the module switch, seeding twice.

use super::{adopt, programme_id};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, Method, TestApp};
use retning_tests::{items, municipality_slugs};
use serde_json::{json, Value};

both_backends!(
    seeded_adoptions_and_partnership,
    adoptions_crud_by_role,
    adoptions_csv,
    switched_off_module_hides_adoptions,
    seeding_twice_adds_nothing,
);

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
    let viewer = app.member("vordingborg", Role::Viewer);
    let list = viewer
        .get("/api/v1/municipalities/vordingborg/partnerships")
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
    let lolland = app.member("lolland", Role::Viewer);
    let theirs = lolland
        .get("/api/v1/municipalities/lolland/partnerships?role=partner")
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
    let viewer = app.member("vejle", Role::Viewer);
    let outsider = app.member("randers", Role::Editor);
    let op = app.operator();
    app.access(Method::POST, path)
        .json(&body)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&outsider, 404, "not_found")
        .answers(&op, 404, "not_found")
        .check()
        .await;
    let editor = app.member("vejle", Role::Editor);
    let r = editor.post(path).json(&body).send().await;
    let created = r.ok(201);
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(r.header("location"), Some(format!("{path}/{id}").as_str()));
    assert_eq!(created["programme"]["short_name"], "fft");
    assert_eq!(created["municipality"]["slug"], "vejle");
    assert_eq!(created["capacity_unit"], "families");
    assert_eq!(created["started_on"], "2025-08-01");
    editor
        .post(path)
        .json(&body)
        .send()
        .await
        .problem(409, "evidence.adoption.exists");

    // Validation names the field.
    let bad = |b: Value| editor.post(path).json(&b).send();
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
    app.access(Method::PATCH, &format!("{path}/{id}"))
        .json(&patch)
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&outsider, 404, "not_found")
        .check()
        .await;
    let updated = editor
        .patch(&format!("{path}/{id}"))
        .json(&patch)
        .send()
        .await
        .ok(200);
    assert_eq!(updated["status"], "active");
    assert!(updated["certified_practitioners"].is_null());
    assert_eq!(updated["yearly_capacity"], 15);
    assert_eq!(updated["operating_unit"], "Børne- og Familiecentret");
    editor
        .patch(&format!("{path}/{id}"))
        .json(&json!({"capacity_unit": null}))
        .send()
        .await
        .field_error(422, "validation.failed", "capacity_unit");
    editor
        .patch(&format!("{path}/{id}"))
        .json(&json!({"programme_id": mst}))
        .send()
        .await
        .problem(422, "validation.failed");

    // A write API key writes; a read key does not.
    let admin = app.member("vejle", Role::Admin);
    let key = |scope: &str| {
        let admin = admin.clone();
        let scope = scope.to_owned();
        async move {
            admin
                .post("/api/v1/municipalities/vejle/api-keys")
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
    viewer
        .delete(&format!("{path}/{pmto_id}"))
        .send()
        .await
        .problem(403, "auth.forbidden");
    editor
        .delete(&format!("{path}/{pmto_id}"))
        .send()
        .await
        .ok(204);
    app.get(&format!("{path}/{pmto_id}"))
        .send()
        .await
        .problem(404, "not_found");
    editor
        .delete(&format!("{path}/{pmto_id}"))
        .send()
        .await
        .problem(404, "not_found");

    assert_eq!(app.audit_count("create", "evidence_adoption"), 2);
    assert_eq!(app.audit_count("update", "evidence_adoption"), 1);
    assert_eq!(app.audit_count("delete", "evidence_adoption"), 1);
    let audit = admin
        .get("/api/v1/municipalities/vejle/audit?object_type=evidence_adoption&action=update")
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

async fn switched_off_module_hides_adoptions(app: TestApp) {
    let op = app.operator();
    op.put("/api/v1/municipalities/randers/modules/evidence")
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
    let editor = app.member("vordingborg", Role::Editor);
    let adoption = adopt(&app, "vordingborg", "fft", Some(4)).await;
    editor.post("/api/v1/municipalities/vordingborg/partnerships")
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
