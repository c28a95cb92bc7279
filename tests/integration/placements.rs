//! The placements module: staircase, measures (CRUD, permissions, CPR guard), CSV import,
//! statistics against hand-computed figures, suppression, computed indicators, demo data.

use retning_kernel::auth::Role;
use retning_kernel::cpr::find_cpr;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp};
use serde_json::{json, Value};

both_backends!(
    staircase_is_seeded_public_and_replaced_by_admins,
    measures_crud_and_permissions,
    measures_validate_law_kind_step_and_references,
    cpr_guard_on_every_write_path,
    import_is_all_or_nothing_with_row_errors,
    statistics_match_hand_computed_figures,
    public_statistics_suppress_small_counts,
    suppression_cannot_be_undone_by_subtracting,
    switched_off_module_is_not_found,
    demo_data_reproduces_the_documents_and_feeds_the_targets,
);

each_backend!(import_above_the_limit_is_413_and_imports_nothing);

const M: &str = "/api/v1/municipalities";

async fn import_above_the_limit_is_413_and_imports_nothing(backend: Backend) {
    let Some(app) = TestApp::with(
        backend,
        Options {
            import_limit: Some(4096),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    let editor = app.token("vordingborg", Role::Editor);
    let mut csv = String::from("child_ref,birth_year,category,kind,start_date\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "L-{i},2010,support,familiebehandling,2020-01-01\n"
        ));
    }
    assert!(csv.len() > 4096);
    let url = format!("{M}/vordingborg/measures/import");
    app.post(&url)
        .bearer(&editor)
        .raw("text/csv", csv.clone())
        .send()
        .await
        .problem(413, "request.too_large");
    let listed = app
        .get(&format!("{M}/vordingborg/measures"))
        .bearer(&editor)
        .send()
        .await
        .ok(200);
    assert_eq!(listed["total"], 0, "nothing of a refused import is kept");
    // The same rows under the limit go in.
    let small: String = csv.lines().take(20).map(|l| format!("{l}\n")).collect();
    let done = app
        .post(&url)
        .bearer(&editor)
        .raw("text/csv", small)
        .send()
        .await
        .ok(201);
    assert_eq!(done["imported"], 19);
}

fn measure(child_ref: &str, category: &str, kind: &str, start: &str, end: Option<&str>) -> Value {
    json!({"child_ref": child_ref, "birth_year": 2008, "category": category, "kind": kind, "start_date": start, "end_date": end})
}

async fn create(app: &TestApp, token: &str, municipality: &str, body: Value) -> Value {
    app.post(&format!("{M}/{municipality}/measures"))
        .bearer(token)
        .json(&body)
        .send()
        .await
        .ok(201)
}

fn fig(v: &Value) -> Option<f64> {
    v["value"].as_f64()
}

fn hidden(v: &Value) -> bool {
    v["suppressed"] == true && v.get("value").is_none()
}

async fn staircase_is_seeded_public_and_replaced_by_admins(app: TestApp) {
    // Vejle's own staircase from its text; the others the standard six.
    let vejle = app
        .get(&format!("{M}/vejle/staircase"))
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = vejle["steps"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        vec![
            "Forebyggende indsatser",
            "Indsatser i hjemmet",
            "Anbringelse i netværket",
            "Anbringelse i plejefamilie",
            "Anbringelse på en døgninstitution"
        ]
    );
    assert_eq!(vejle["standard_steps"].as_array().map(Vec::len), Some(6));
    for m in ["randers", "skanderborg", "vordingborg"] {
        let s = app.get(&format!("{M}/{m}/staircase")).send().await.ok(200);
        let steps: Vec<i64> = s["steps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["standard_step"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(steps, vec![1, 2, 3, 4, 5, 6], "{m}");
    }

    let url = format!("{M}/vordingborg/staircase");
    let steps = json!({"steps": [
        {"key": "forebyggelse", "name": "Forebyggelse", "standard_step": 2},
        {"key": "netvaerk", "name": "Slægt og netværk", "standard_step": 4},
        {"key": "plejefamilie", "name": "Familiepleje", "standard_step": 5},
        {"key": "forstaerket", "name": "Forstærket familiepleje", "standard_step": 5},
        {"key": "institution", "name": "Døgninstitution og opholdssted", "standard_step": 6}
    ]});
    app.put(&url)
        .json(&steps)
        .send()
        .await
        .problem(401, "auth.required");
    let editor = app.token("vordingborg", Role::Editor);
    app.put(&url)
        .bearer(&editor)
        .json(&steps)
        .send()
        .await
        .problem(403, "auth.forbidden");
    let other_admin = app.token("vejle", Role::Admin);
    app.put(&url)
        .bearer(&other_admin)
        .json(&steps)
        .send()
        .await
        .problem(404, "not_found");
    let admin = app.token("vordingborg", Role::Admin);
    let bad = json!({"steps": [{"key": "a", "name": "A", "standard_step": 5}, {"key": "b", "name": "B", "standard_step": 3}]});
    app.put(&url)
        .bearer(&admin)
        .json(&bad)
        .send()
        .await
        .field_error(422, "validation.failed", "steps[1].standard_step");
    let dup = json!({"steps": [{"key": "a", "name": "A", "standard_step": 1}, {"key": "a", "name": "B", "standard_step": 3}]});
    app.put(&url)
        .bearer(&admin)
        .json(&dup)
        .send()
        .await
        .field_error(422, "validation.failed", "steps[1].key");
    let replaced = app
        .put(&url)
        .bearer(&admin)
        .json(&steps)
        .send()
        .await
        .ok(200);
    assert_eq!(replaced["steps"][3]["key"], "forstaerket");
    assert_eq!(replaced["steps"][3]["position"], 4);
    assert_eq!(app.audit_count("replace", "staircase"), 1);

    // A placement on a step: the step may be renamed, not removed or re-mapped.
    let mut body = measure(
        "VB-1",
        "placement",
        "forstaerket_plejefamilie",
        "2020-01-01",
        None,
    );
    body["step"] = json!("forstaerket");
    let m = create(&app, &editor, "vordingborg", body).await;
    assert_eq!(
        (m["step"]["key"].as_str(), m["standard_step"].as_i64()),
        (Some("forstaerket"), Some(5))
    );
    let defaulted = create(
        &app,
        &editor,
        "vordingborg",
        measure("VB-2", "placement", "opholdssted", "2020-01-01", None),
    )
    .await;
    assert_eq!(
        defaulted["step"]["key"], "institution",
        "the first step on the kind's standard step"
    );
    let mut removed = steps.clone();
    if let Some(a) = removed["steps"].as_array_mut() {
        a.remove(3);
    }
    app.put(&url)
        .bearer(&admin)
        .json(&removed)
        .send()
        .await
        .problem(409, "placements.staircase.step_in_use");
    let mut remapped = steps.clone();
    remapped["steps"][3]["standard_step"] = json!(6);
    app.put(&url)
        .bearer(&admin)
        .json(&remapped)
        .send()
        .await
        .problem(409, "placements.staircase.step_in_use");
    let mut renamed = steps.clone();
    renamed["steps"][3]["name"] = json!("Forstærket plejefamilie");
    app.put(&url)
        .bearer(&admin)
        .json(&renamed)
        .send()
        .await
        .ok(200);
    let m = app
        .get(&format!("{M}/vordingborg/measures/{}", m["id"]))
        .bearer(&editor)
        .send()
        .await
        .ok(200);
    assert_eq!(m["step"]["name"], "Forstærket plejefamilie");

    // Seeding again keeps a municipality's own staircase.
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    let after = app.get(&url).send().await.ok(200);
    assert_eq!(after["steps"].as_array().map(Vec::len), Some(5));
    assert_eq!(app.audit_count("seed", "staircase"), 4);
}

async fn measures_crud_and_permissions(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let viewer = app.token("vejle", Role::Viewer);
    let outsider = app.token("randers", Role::Admin);
    let operator = app.operator_token();
    let list = format!("{M}/vejle/measures");
    let body = json!({
        "child_ref": "VEJ-2020-17", "birth_year": 2006, "category": "placement", "kind": "netvaerksplejefamilie",
        "legal_basis": {"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7, "consent": true},
        "start_date": "2021-03-01", "provider": {"type": "own", "name": "Familieplejen"},
        "yearly_cost_dkk": 210000, "evidence_programme": "keep", "note": "Hos moster"
    });
    app.post(&list)
        .json(&body)
        .send()
        .await
        .problem(401, "auth.required");
    app.post(&list)
        .bearer(&viewer)
        .json(&body)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.post(&list)
        .bearer(&outsider)
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    app.post(&list)
        .bearer(&operator)
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    let resp = app.post(&list).bearer(&editor).json(&body).send().await;
    let created = resp.ok(201);
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(
        resp.header("location"),
        Some(format!("/api/v1/municipalities/vejle/measures/{id}").as_str())
    );
    assert_eq!(created["step"]["key"], "netvaerk");
    assert_eq!(created["standard_step"], 4);
    assert_eq!(
        created["legal_basis"],
        json!({"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7, "consent": true})
    );
    assert_eq!(created["evidence_programme"]["short_name"], "keep");
    assert_eq!(
        (created["open"].as_bool(), created["synthetic"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(app.audit_count("create", "measure"), 1);

    // Reading: members only; everyone else 404 (anonymous 401), whatever the id.
    let one = format!("{list}/{id}");
    let got = app.get(&one).bearer(&viewer).send().await;
    assert_eq!(got.ok(200)["child_ref"], "VEJ-2020-17");
    let etag = got.header("etag").unwrap_or_default().to_owned();
    let again = app
        .get(&one)
        .bearer(&viewer)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    for token in [&outsider, &operator] {
        app.get(&one)
            .bearer(token)
            .send()
            .await
            .problem(404, "not_found");
        app.get(&list)
            .bearer(token)
            .send()
            .await
            .problem(404, "not_found");
        app.patch(&one)
            .bearer(token)
            .json(&json!({"note": "x"}))
            .send()
            .await
            .problem(404, "not_found");
        app.delete(&one)
            .bearer(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    app.get(&one).send().await.problem(401, "auth.required");
    // The same id under another municipality is another municipality's object: 404.
    let randers_editor = app.token("randers", Role::Editor);
    app.get(&format!("{M}/randers/measures/{id}"))
        .bearer(&randers_editor)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{list}/999999"))
        .bearer(&viewer)
        .send()
        .await
        .problem(404, "not_found");

    // Update: absent stays, null clears; the whole measure is checked again.
    app.patch(&one)
        .bearer(&viewer)
        .json(&json!({"note": null}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    let updated = app
        .patch(&one)
        .bearer(&editor)
        .json(&json!({"end_date": "2022-06-30", "note": null, "evidence_programme": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            updated["end_date"].as_str(),
            updated["note"].is_null(),
            updated["evidence_programme"].is_null()
        ),
        (Some("2022-06-30"), true, true)
    );
    assert_eq!(
        (
            updated["open"].as_bool(),
            updated["yearly_cost_dkk"].as_i64()
        ),
        (Some(false), Some(210000))
    );
    app.patch(&one)
        .bearer(&editor)
        .json(&json!({"end_date": "2020-01-01"}))
        .send()
        .await
        .field_error(422, "validation.failed", "end_date");
    let moved = app
        .patch(&one)
        .bearer(&editor)
        .json(&json!({"kind": "opholdssted"}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            moved["step"]["key"].as_str(),
            moved["standard_step"].as_i64()
        ),
        (Some("doegninstitution"), Some(6)),
        "a new kind takes its default step"
    );

    // List with filters and pagination.
    for i in 1..=3 {
        create(
            &app,
            &editor,
            "vejle",
            measure(
                &format!("S-{i}"),
                "support",
                "familiebehandling",
                &format!("2021-01-0{i}"),
                None,
            ),
        )
        .await;
    }
    let page = app
        .get(&format!("{list}?category=support&limit=2"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().map(Vec::len)
        ),
        (Some(3), Some(2))
    );
    let next = page["next_cursor"].as_str().unwrap_or_default();
    let page2 = app
        .get(&format!("{list}?category=support&limit=2&cursor={next}"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            page2["items"].as_array().map(Vec::len),
            page2["next_cursor"].is_null()
        ),
        (Some(1), true)
    );
    let active = app
        .get(&format!("{list}?active_on=2022-01-01&category=placement"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(active["total"], 1);
    let ended_before = app
        .get(&format!("{list}?active_on=2022-07-01&category=placement"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(ended_before["total"], 0);
    let open = app
        .get(&format!("{list}?open=true"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(open["total"], 3);
    let by_child = app
        .get(&format!("{list}?child_ref=VEJ-2020-17"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(by_child["total"], 1);
    let by_step = app
        .get(&format!("{list}?step=doegninstitution"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(by_step["total"], 1);
    app.get(&format!("{list}?step=nope"))
        .bearer(&viewer)
        .send()
        .await
        .field_error(422, "validation.failed", "query.step");

    // Delete.
    app.delete(&one)
        .bearer(&viewer)
        .send()
        .await
        .problem(403, "auth.forbidden");
    assert_eq!(app.delete(&one).bearer(&editor).send().await.status, 204);
    app.get(&one)
        .bearer(&viewer)
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&one)
        .bearer(&editor)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(
        (
            app.audit_count("update", "measure"),
            app.audit_count("delete", "measure")
        ),
        (2, 1)
    );
}

async fn measures_validate_law_kind_step_and_references(app: TestApp) {
    let editor = app.token("randers", Role::Editor);
    let url = format!("{M}/randers/measures");
    let with = |patch: Value| {
        let mut b = json!({"child_ref": "R-1", "birth_year": 2010, "category": "placement", "kind": "almen_plejefamilie", "start_date": "2023-06-01",
            "legal_basis": {"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7, "consent": true}});
        if let (Some(o), Some(p)) = (b.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                o.insert(k.clone(), v.clone());
            }
        }
        b
    };
    let cases = [
        // SEL before 2024, Barnets lov from 1 January 2024.
        (json!({"start_date": "2024-01-01"}), "legal_basis.law"),
        (
            json!({"legal_basis": {"law": "BL", "paragraph": "46", "consent": true}}),
            "legal_basis.law",
        ),
        (
            json!({"legal_basis": {"law": "ABC", "paragraph": "46", "consent": true}}),
            "legal_basis.law",
        ),
        (
            json!({"legal_basis": {"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7}}),
            "legal_basis.consent",
        ),
        (
            json!({"legal_basis": {"law": "SEL", "paragraph": "femtito", "consent": false}}),
            "legal_basis.paragraph",
        ),
        (json!({"kind": "familiebehandling"}), "kind"),
        (json!({"kind": "rumraket"}), "kind"),
        (json!({"step": "hjemmet"}), "step"),
        (json!({"step": "ingen"}), "step"),
        (json!({"end_date": "2023-05-31"}), "end_date"),
        (json!({"birth_year": 1990}), "birth_year"),
        (json!({"child_ref": "  "}), "child_ref"),
        (json!({"yearly_cost_dkk": -1}), "yearly_cost_dkk"),
        (
            json!({"evidence_programme": "ukendt"}),
            "evidence_programme",
        ),
        (
            json!({"provider": {"type": "municipality"}}),
            "provider.municipality",
        ),
        (
            json!({"provider": {"type": "municipality", "municipality": "atlantis"}}),
            "provider.municipality",
        ),
        (
            json!({"provider": {"type": "private", "municipality": "vejle"}}),
            "provider.municipality",
        ),
        (json!({"category": "other"}), "category"),
        (json!({"colour": "blue"}), "body"),
    ];
    for (patch, field) in cases {
        let resp = app
            .post(&url)
            .bearer(&editor)
            .json(&with(patch.clone()))
            .send()
            .await;
        assert_eq!(resp.status, 422, "{patch}: {}", resp.text());
        let body = resp.json();
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields
                .iter()
                .any(|f| *f == field || (field == "body" && !f.is_empty())),
            "{patch}: expected {field} in {fields:?}"
        );
    }
    // Valid: BL from 2024, without consent; a shared offer of another municipality.
    let ok = with(
        json!({"start_date": "2024-02-01", "legal_basis": {"law": "BL", "paragraph": "47", "consent": false},
        "provider": {"type": "municipality", "municipality": "vejle", "name": "Fårupgaard"}, "kind": "doegninstitution"}),
    );
    let m = app
        .post(&url)
        .bearer(&editor)
        .json(&ok)
        .send()
        .await
        .ok(201);
    assert_eq!(
        (
            m["provider"]["municipality"].as_str(),
            m["legal_basis"]["consent"].as_bool()
        ),
        (Some("vejle"), Some(false))
    );
    // Support measures need no consent.
    let support = json!({"child_ref": "R-2", "birth_year": 2015, "category": "support", "kind": "familiebehandling", "start_date": "2024-03-01",
        "legal_basis": {"law": "BL", "paragraph": "32", "stk": 1}, "evidence_programme": "pmto"});
    app.post(&url)
        .bearer(&editor)
        .json(&support)
        .send()
        .await
        .ok(201);
}

/// CPR-shaped values (with and without the dash, inside text) are refused on every write path,
/// naming the field and never repeating the value; invalid dates are not CPR numbers.
async fn cpr_guard_on_every_write_path(app: TestApp) {
    let editor = app.token("skanderborg", Role::Editor);
    let admin = app.token("skanderborg", Role::Admin);
    let url = format!("{M}/skanderborg/measures");
    let shapes: &[(&str, bool)] = &[
        ("010190-1234", true),
        ("0101901234", true),
        ("290200-4321", true),
        ("311299 0001", true),
        ("barnet 150608-1234 bor hos", true),
        ("sag2807111234x", true),
        ("320190-1234", false),
        ("011390-1234", false),
        ("290201-1234", false),
        ("10101901234", false),
        ("SKA-2016-0042", false),
    ];
    let mut n = 0;
    for (shape, is_cpr) in shapes {
        n += 1;
        // As the child reference, as a note, nested in the legal basis and the provider.
        for (field, body) in [
            (
                "child_ref",
                json!({"child_ref": shape, "birth_year": 2010, "category": "support", "kind": "aflastning", "start_date": "2020-01-01"}),
            ),
            (
                "note",
                json!({"child_ref": format!("S-{n}"), "birth_year": 2010, "category": "support", "kind": "aflastning", "start_date": "2020-01-01", "note": shape}),
            ),
            (
                "provider.name",
                json!({"child_ref": format!("P-{n}"), "birth_year": 2010, "category": "support", "kind": "aflastning", "start_date": "2020-01-01", "provider": {"type": "private", "name": shape}}),
            ),
        ] {
            let resp = app.post(&url).bearer(&editor).json(&body).send().await;
            if *is_cpr {
                let problem = resp.field_error(422, "validation.failed", field);
                assert_eq!(problem["errors"][0]["code"], "cpr_number", "{shape}");
                let digits: String = shape.chars().filter(char::is_ascii_digit).take(6).collect();
                assert!(
                    !resp.text().contains(&digits),
                    "the value was repeated: {}",
                    resp.text()
                );
            } else {
                assert_eq!(resp.status, 201, "{shape} in {field}: {}", resp.text());
            }
        }
    }
    // Nested, numeric and key positions, where the struct would otherwise echo the value.
    let base = json!({"child_ref": "K-1", "birth_year": 2010, "category": "placement", "kind": "opholdssted", "start_date": "2020-01-01"});
    let mut nested = base.clone();
    nested["legal_basis"] = json!({"law": "SEL", "paragraph": "0101901234", "consent": true});
    app.post(&url)
        .bearer(&editor)
        .json(&nested)
        .send()
        .await
        .field_error(422, "validation.failed", "legal_basis.paragraph");
    let mut kind = base.clone();
    kind["kind"] = json!("010190-1234");
    app.post(&url)
        .bearer(&editor)
        .json(&kind)
        .send()
        .await
        .field_error(422, "validation.failed", "kind");
    let mut number = base.clone();
    number["yearly_cost_dkk"] = json!(1501901234_i64);
    app.post(&url)
        .bearer(&editor)
        .json(&number)
        .send()
        .await
        .field_error(422, "validation.failed", "yearly_cost_dkk");
    let mut key = base.clone();
    key["0101901234"] = json!(1);
    let resp = app.post(&url).bearer(&editor).json(&key).send().await;
    resp.field_error(422, "validation.failed", "body");
    assert!(!resp.text().contains("010190"), "{}", resp.text());
    // PATCH.
    let m = create(&app, &editor, "skanderborg", base.clone()).await;
    let one = format!("{url}/{}", m["id"]);
    app.patch(&one)
        .bearer(&editor)
        .json(&json!({"note": "cpr 010190-1234"}))
        .send()
        .await
        .field_error(422, "validation.failed", "note");
    app.patch(&one)
        .bearer(&editor)
        .json(&json!({"child_ref": "0101901234"}))
        .send()
        .await
        .field_error(422, "validation.failed", "child_ref");
    // The staircase.
    let stairs = json!({"steps": [{"key": "a", "name": "Trin 010190-1234", "standard_step": 1}]});
    app.put(&format!("{M}/skanderborg/staircase"))
        .bearer(&admin)
        .json(&stairs)
        .send()
        .await
        .field_error(422, "validation.failed", "steps[0].name");
    // The import, cell by cell and in the header.
    let csv = "child_ref,birth_year,category,kind,start_date,note\nI-1,2010,support,aflastning,2020-01-01,ok\nI-2,2010,support,aflastning,2020-01-01,ring 0101901234\n0101901234,2010,support,aflastning,2020-01-01,\n";
    let resp = app
        .post(&format!("{url}/import"))
        .bearer(&editor)
        .raw("text/csv", csv)
        .send()
        .await;
    let problem = resp.problem(422, "validation.failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, vec!["rows[2].note", "rows[3].child_ref"]);
    assert!(!resp.text().contains("010190"));
    let header = "child_ref,birth_year,category,kind,start_date,010190-1234\n";
    app.post(&format!("{url}/import"))
        .bearer(&editor)
        .raw("text/csv", header)
        .send()
        .await
        .field_error(422, "validation.failed", "header");
    // Queries, before they are decoded (an unknown category would otherwise be repeated).
    let resp = app
        .get(&format!("{url}?category=0101901234"))
        .bearer(&editor)
        .send()
        .await;
    resp.field_error(422, "validation.failed", "query.category");
    assert!(!resp.text().contains("010190"), "{}", resp.text());
    app.get(&format!(
        "{M}/skanderborg/placements/statistics?year=0101901234"
    ))
    .send()
    .await
    .field_error(422, "validation.failed", "query.year");
    app.get(&format!("{url}?child_ref=010190-1234"))
        .bearer(&editor)
        .send()
        .await
        .field_error(422, "validation.failed", "query.child_ref");

    // Nothing CPR-shaped reached the database: not the measures, not the audit log.
    let texts: Vec<String> = app.with_conn(|c| {
        use diesel::prelude::*;
        use retning_placements::schema::placement_measures as pm;
        let rows: Vec<MeasureTexts> = pm::table
            .select((
                pm::child_ref,
                pm::note,
                pm::provider_name,
                pm::legal_paragraph,
                pm::kind,
            ))
            .load(c)
            .unwrap_or_else(|e| panic!("{e}"));
        let audit: Vec<String> = retning_kernel::schema::audit_log::table
            .select(retning_kernel::schema::audit_log::details)
            .load(c)
            .unwrap_or_else(|e| panic!("{e}"));
        rows.into_iter()
            .flat_map(|(a, b, c, d, e)| [Some(a), b, c, d, Some(e)])
            .flatten()
            .chain(audit)
            .collect()
    });
    assert!(texts.len() > 20);
    for t in texts {
        assert!(
            !find_cpr(&t),
            "a CPR-shaped value reached the database: {t}"
        );
    }
}

async fn import_is_all_or_nothing_with_row_errors(app: TestApp) {
    let editor = app.token("vordingborg", Role::Editor);
    let viewer = app.token("vordingborg", Role::Viewer);
    let url = format!("{M}/vordingborg/measures/import");
    let count = |app: &TestApp| -> i64 {
        app.with_conn(|c| {
            use diesel::prelude::*;
            retning_placements::schema::placement_measures::table
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let good = "child_ref,birth_year,category,kind,start_date,end_date,step,legal_law,legal_paragraph,legal_stk,legal_nr,consent,provider_type,provider_name,provider_municipality,yearly_cost_dkk,evidence_programme,note\n\
        V-1,2005,placement,almen_plejefamilie,2016-03-01,,plejefamilie,SEL,52,3,7,ja,own,Familieplejen,,350000,,\n\
        V-2,2002,placement,doegninstitution,2015-11-15,2016-08-31,,SEL,58,1,,false,municipality,Døgninstitution,naestved,900000,,\"Flyttet, se note\"\n\
        V-3,2012,support,familiebehandling,2016-01-10,2016-12-31,,SEL,52,3,3,,,,,60000,pmto,\n";
    app.post(&url)
        .bearer(&viewer)
        .raw("text/csv", good)
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.post(&url)
        .bearer(&editor)
        .json(&json!({"rows": []}))
        .send()
        .await
        .problem(415, "request.unsupported_media_type");
    let imported = app
        .post(&url)
        .bearer(&editor)
        .raw("text/csv; charset=utf-8", good)
        .send()
        .await
        .ok(201);
    assert_eq!(imported, json!({"imported": 3}));
    assert_eq!(count(&app), 3);
    assert_eq!(app.audit_count("import", "measure"), 1);
    let listed = app
        .get(&format!("{M}/vordingborg/measures?child_ref=V-2"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    let v2 = &listed["items"][0];
    assert_eq!(
        (
            v2["provider"]["municipality"].as_str(),
            v2["legal_basis"]["paragraph"].as_str(),
            v2["note"].as_str()
        ),
        (Some("naestved"), Some("58"), Some("Flyttet, se note"))
    );

    // Two good rows around three bad ones: nothing is imported, every bad row is named.
    let mixed = "kind;child_ref;birth_year;category;start_date;end_date;legal_law;legal_paragraph;consent\n\
        opholdssted;W-1;2004;placement;2016-01-01;;;;\n\
        opholdssted;W-2;2004;placement;2024-02-01;;SEL;52;ja\n\
        opholdssted;W-3;2004;placement;2016-02-30;;;;\n\
        opholdssted;W-4;2004;placement;2016-01-01;;;;\n\
        trappe;W-5;20x4;placement;2016-01-01;2015-01-01;;;\n";
    let resp = app
        .post(&url)
        .bearer(&editor)
        .raw("text/csv", mixed)
        .send()
        .await;
    let problem = resp.problem(422, "validation.failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        vec![
            "rows[2].legal_law",
            "rows[3].start_date",
            "rows[5].birth_year"
        ],
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("3 errors in 3 rows")),
        "{problem}"
    );
    assert_eq!(count(&app), 3, "all or nothing");

    // Header problems and a ragged row.
    app.post(&url)
        .bearer(&editor)
        .raw("text/csv", "child_ref,birth_year\nA,2010\n")
        .send()
        .await
        .field_error(422, "validation.failed", "header");
    let ragged = "child_ref,birth_year,category,kind,start_date\nA,2010,support,aflastning,2016-01-01,extra\n";
    app.post(&url)
        .bearer(&editor)
        .raw("text/csv", ragged)
        .send()
        .await
        .field_error(422, "validation.failed", "rows[1]");
    // A larger file in one go.
    let mut big = String::from("child_ref,birth_year,category,kind,start_date,end_date\n");
    for i in 0..2000 {
        big.push_str(&format!(
            "B-{i},2010,support,aflastning,2016-{:02}-01,2016-12-31\n",
            i % 12 + 1
        ));
    }
    let imported = app
        .post(&url)
        .bearer(&editor)
        .raw("text/csv", big)
        .send()
        .await
        .ok(201);
    assert_eq!(imported["imported"], 2000);
    assert_eq!(count(&app), 2003);
}

/// The stored texts of a measure: child_ref, note, provider_name, legal_paragraph, kind.
type MeasureTexts = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// A compact measure: child_ref, category, kind, start, end, birth year, yearly cost, programme.
type MeasureRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    i64,
    Option<i64>,
    Option<&'a str>,
);

/// Creates a measure straight from a compact description (the member's editor).
async fn fixture(app: &TestApp, editor: &str, municipality: &str, rows: &[MeasureRow<'_>]) {
    for (child, category, kind, start, end, birth, cost, programme) in rows {
        let body = json!({"child_ref": child, "birth_year": birth, "category": category, "kind": kind, "start_date": start, "end_date": end,
            "yearly_cost_dkk": cost, "evidence_programme": programme});
        create(app, editor, municipality, body).await;
    }
}

/// A small fixture computed by hand: placements crossing year ends, open-ended, ending on
/// 29 February of a leap year.
async fn statistics_match_hand_computed_figures(app: TestApp) {
    let editor = app.token("faxe", Role::Editor);
    let viewer = app.token("faxe", Role::Viewer);
    fixture(
        &app,
        &editor,
        "faxe",
        &[
            // A: 2015-07-01..2016-03-31 crosses the year end: 91 days of 2016; lasts 275 days.
            (
                "A",
                "placement",
                "almen_plejefamilie",
                "2015-07-01",
                Some("2016-03-31"),
                2008,
                Some(366_000),
                None,
            ),
            // B: from 15 February 2016, open: 321 days of 2016; over 14 when it starts, TFCO-A.
            (
                "B",
                "placement",
                "netvaerksplejefamilie",
                "2016-02-15",
                None,
                2000,
                Some(183_000),
                Some("tfco-a"),
            ),
            // C: 2016-12-01..2017-02-28: 31 days of 2016; 15 in its start year, no programme.
            (
                "C",
                "placement",
                "opholdssted",
                "2016-12-01",
                Some("2017-02-28"),
                2001,
                Some(732_000),
                None,
            ),
            // D: 2014-01-01..2016-02-29, ends on the leap day: 60 days of 2016; lasts 790 days.
            (
                "D",
                "placement",
                "doegninstitution",
                "2014-01-01",
                Some("2016-02-29"),
                2003,
                Some(366_000),
                None,
            ),
            // E: the whole leap year: 366 days; lasts 366.
            (
                "E",
                "placement",
                "almen_plejefamilie",
                "2016-01-01",
                Some("2016-12-31"),
                2010,
                Some(400_000),
                None,
            ),
            // F: after the year.
            (
                "F",
                "placement",
                "almen_plejefamilie",
                "2017-01-01",
                None,
                2010,
                None,
                None,
            ),
            (
                "G",
                "support",
                "familiebehandling",
                "2016-05-01",
                Some("2016-10-31"),
                2010,
                None,
                Some("pmto"),
            ),
            (
                "H",
                "support",
                "raadgivning",
                "2015-01-01",
                None,
                2010,
                None,
                None,
            ),
        ],
    )
    .await;
    let s = app
        .get(&format!("{M}/faxe/placements/statistics?year=2016"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            s["audience"].as_str(),
            s["period"]["days"].as_i64(),
            s["synthetic"].as_bool()
        ),
        (Some("member"), Some(366), Some(false))
    );
    let p = &s["placements"];
    // 91 + 321 + 31 + 60 + 366 = 869 days ÷ 366.
    assert_eq!(fig(&p["full_year_placements"]), Some(2.4));
    assert_eq!(
        (
            p["placed_on_date"]["value"].as_i64(),
            p["new"]["value"].as_i64(),
            p["ended"]["value"].as_i64()
        ),
        (Some(3), Some(3), Some(3))
    );
    assert_eq!(
        (
            p["placements"]["value"].as_i64(),
            p["children"]["value"].as_i64()
        ),
        (Some(5), Some(5))
    );
    // Foster family (A, B, E): 778 of 869 days; network (B): 321.
    assert_eq!(
        (fig(&p["foster_family_share"]), fig(&p["network_share"])),
        (Some(89.5), Some(36.9))
    );
    let kind = |k: &str| {
        p["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == k).cloned())
            .unwrap_or_default()
    };
    assert_eq!(fig(&kind("almen_plejefamilie")["full_year"]), Some(1.2)); // 457 / 366
    assert_eq!(fig(&kind("netvaerksplejefamilie")["full_year"]), Some(0.9)); // 321 / 366
    assert_eq!(fig(&kind("opholdssted")["full_year"]), Some(0.1)); // 31 / 366
    assert_eq!(fig(&kind("doegninstitution")["full_year"]), Some(0.2)); // 60 / 366
    assert_eq!(fig(&kind("almen_plejefamilie")["share"]), Some(52.6)); // 457 / 869
    assert_eq!(kind("almen_plejefamilie")["placed_on_date"]["value"], 1);
    let step = |n: i64| {
        p["by_standard_step"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["standard_step"] == n).cloned())
            .unwrap_or_default()
    };
    assert_eq!(
        (
            fig(&step(4)["share"]),
            fig(&step(5)["share"]),
            fig(&step(6)["share"])
        ),
        (Some(36.9), Some(52.6), Some(10.5))
    );
    // Ended in 2016: A 275, D 790, E 366 days.
    assert_eq!(
        (
            fig(&p["duration"]["average_days"]),
            fig(&p["duration"]["median_days"])
        ),
        (Some(477.0), Some(366.0))
    );
    // Σ yearly cost × days ÷ 366 = 283,101,000 ÷ 366.
    assert_eq!(p["cost_per_year_dkk"]["value"], 773_500);
    assert_eq!(
        p["cost_per_full_year_placement_dkk"]["value"],
        (283_101_000.0_f64 / 869.0).round() as i64
    );
    // New and over 14: B (16) with TFCO-A, C (15) without.
    assert_eq!(
        (
            p["new_over_14"]["value"].as_i64(),
            fig(&p["new_over_14_evidence_share"])
        ),
        (Some(2), Some(50.0))
    );
    let sup = &s["support"];
    assert_eq!(
        (
            sup["measures"]["value"].as_i64(),
            sup["with_evidence_programme"]["value"].as_i64(),
            fig(&sup["evidence_share"])
        ),
        (Some(2), Some(1), Some(50.0))
    );
    assert_eq!(
        (
            sup["new"]["value"].as_i64(),
            sup["ended"]["value"].as_i64(),
            sup["active_on_date"]["value"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );

    // A single day: the leap day itself (A, B, D, E placed; D's last day).
    let day = app
        .get(&format!("{M}/faxe/placements/statistics?on=2016-02-29"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            day["placements"]["placed_on_date"]["value"].as_i64(),
            fig(&day["placements"]["full_year_placements"])
        ),
        (Some(4), Some(4.0))
    );
    assert_eq!(
        (
            day["placements"]["ended"]["value"].as_i64(),
            day["period"]["days"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // A period across the year end: A and D 62 days each, E 31: 155 ÷ 62.
    let span = app
        .get(&format!(
            "{M}/faxe/placements/statistics?from=2015-12-01&to=2016-01-31"
        ))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            fig(&span["placements"]["full_year_placements"]),
            span["placements"]["new"]["value"].as_i64()
        ),
        (Some(2.5), Some(1))
    );
    // 2017: B and F open, C until February.
    let y2017 = app
        .get(&format!("{M}/faxe/placements/statistics?year=2017"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert_eq!(
        fig(&y2017["placements"]["full_year_placements"]),
        Some(((365.0 + 365.0 + 59.0) / 365.0 * 10.0_f64).round() / 10.0)
    );

    // Month by month.
    let m = app
        .get(&format!(
            "{M}/faxe/placements/statistics/monthly?from=2016-01-01&to=2016-03-15"
        ))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    let months: Vec<(String, i64, f64, i64, i64)> = m["months"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["month"].as_str().unwrap_or("").to_owned(),
                        x["placed_on_date"]["value"].as_i64().unwrap_or(-1),
                        x["full_year_placements"]["value"].as_f64().unwrap_or(-1.0),
                        x["new"]["value"].as_i64().unwrap_or(-1),
                        x["ended"]["value"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        months,
        vec![
            ("2016-01".to_owned(), 3, 3.0, 1, 0),
            ("2016-02".to_owned(), 4, 3.5, 1, 1),
            ("2016-03".to_owned(), 3, 3.0, 0, 1)
        ]
    );
    // Unknown parameters and shapes are refused, naming them.
    app.get(&format!("{M}/faxe/placements/statistics"))
        .bearer(&viewer)
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");
    app.get(&format!(
        "{M}/faxe/placements/statistics?year=2016&on=2016-01-01"
    ))
    .bearer(&viewer)
    .send()
    .await
    .field_error(422, "validation.failed", "query");
    app.get(&format!(
        "{M}/faxe/placements/statistics?from=2016-02-01&to=2016-01-01"
    ))
    .bearer(&viewer)
    .send()
    .await
    .field_error(422, "validation.failed", "query.to");

    // ETag.
    let first = app
        .get(&format!("{M}/faxe/placements/statistics?year=2016"))
        .bearer(&viewer)
        .send()
        .await;
    let etag = first.header("etag").unwrap_or_default().to_owned();
    assert_eq!(
        app.get(&format!("{M}/faxe/placements/statistics?year=2016"))
            .bearer(&viewer)
            .header("if-none-match", &etag)
            .send()
            .await
            .status,
        304
    );
}

/// The same fixture, seen by outsiders: everything resting on fewer than five children withheld.
async fn public_statistics_suppress_small_counts(app: TestApp) {
    let editor = app.token("lolland", Role::Editor);
    fixture(
        &app,
        &editor,
        "lolland",
        &[
            (
                "A",
                "placement",
                "almen_plejefamilie",
                "2015-07-01",
                Some("2016-03-31"),
                2008,
                Some(366_000),
                None,
            ),
            (
                "B",
                "placement",
                "netvaerksplejefamilie",
                "2016-02-15",
                None,
                2000,
                Some(183_000),
                Some("tfco-a"),
            ),
            (
                "C",
                "placement",
                "opholdssted",
                "2016-12-01",
                Some("2017-02-28"),
                2001,
                Some(732_000),
                None,
            ),
            (
                "D",
                "placement",
                "doegninstitution",
                "2014-01-01",
                Some("2016-02-29"),
                2003,
                Some(366_000),
                None,
            ),
            (
                "E",
                "placement",
                "almen_plejefamilie",
                "2016-01-01",
                Some("2016-12-31"),
                2010,
                Some(400_000),
                None,
            ),
        ],
    )
    .await;
    let other = app.token("vejle", Role::Admin);
    for token in [None, Some(other.as_str())] {
        let mut req = app.get(&format!("{M}/lolland/placements/statistics?year=2016"));
        if let Some(t) = token {
            req = req.bearer(t);
        }
        let s = req.send().await.ok(200);
        assert_eq!(s["audience"], "public");
        let p = &s["placements"];
        // Five children in all: the total is shown; every breakdown below it rests on fewer.
        assert_eq!(fig(&p["full_year_placements"]), Some(2.4));
        assert_eq!(p["cost_per_year_dkk"]["value"], 773_500);
        for cell in [
            &p["placed_on_date"],
            &p["new"],
            &p["ended"],
            &p["foster_family_share"],
            &p["network_share"],
            &p["new_over_14_evidence_share"],
            &p["duration"]["average_days"],
            &p["duration"]["median_days"],
        ] {
            assert!(hidden(cell), "{cell} in {p}");
        }
        for row in p["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(p["by_standard_step"].as_array().into_iter().flatten())
        {
            assert!(hidden(&row["full_year"]) && hidden(&row["share"]), "{row}");
            assert!(
                row.get("placed_on_date").is_none() && row.get("placements").is_none(),
                "members only: {row}"
            );
        }
        assert!(
            p.get("children").is_none()
                && p.get("placements").is_none()
                && p.get("by_step").is_none()
                && p.get("new_over_14").is_none()
        );
        assert!(s.get("synthetic_share").is_none() && s["support"].get("measures").is_none());
    }
    // Outsiders ask for calendar years and month ends only.
    app.get(&format!(
        "{M}/lolland/placements/statistics?from=2016-01-01&to=2016-06-30"
    ))
    .send()
    .await
    .field_error(422, "validation.failed", "query.from");
    app.get(&format!("{M}/lolland/placements/statistics?on=2016-06-15"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.on");
    let month_end = app
        .get(&format!("{M}/lolland/placements/statistics?on=2016-06-30"))
        .send()
        .await
        .ok(200);
    assert!(hidden(&month_end["placements"]["placed_on_date"]));
    let monthly = app
        .get(&format!(
            "{M}/lolland/placements/statistics/monthly?from=2016-01-01&to=2016-02-01"
        ))
        .send()
        .await
        .ok(200);
    for month in monthly["months"].as_array().into_iter().flatten() {
        assert!(
            hidden(&month["placed_on_date"])
                && month.get("new").is_none()
                && month.get("full_year_placements").is_none(),
            "{month}"
        );
    }
}

/// A breakdown with small cells, seen from outside: no withheld value can be had by subtracting
/// the shown cells from their total, at either level, nor from the shares.
async fn suppression_cannot_be_undone_by_subtracting(app: TestApp) {
    let editor = app.token("guldborgsund", Role::Editor);
    let viewer = app.token("guldborgsund", Role::Viewer);
    let mut rows = Vec::new();
    let plan: &[(&str, usize, &str, Option<&str>)] = &[
        ("almen_plejefamilie", 12, "2015-03-01", None),
        ("opholdssted", 8, "2015-05-01", Some("2016-09-30")),
        ("doegninstitution", 7, "2015-06-01", None),
        ("netvaerksplejefamilie", 2, "2015-01-15", Some("2016-04-30")),
        (
            "sikret_doegninstitution",
            1,
            "2016-03-01",
            Some("2016-05-31"),
        ),
    ];
    let mut names = Vec::new();
    for (kind, n, start, end) in plan {
        for i in 0..*n {
            names.push(format!("{kind}-{i}"));
            rows.push((kind.to_string(), *start, *end));
        }
    }
    for ((kind, start, end), name) in rows.iter().zip(&names) {
        create(&app, &editor, "guldborgsund", json!({"child_ref": name, "birth_year": 2006, "category": "placement", "kind": kind, "start_date": start, "end_date": end})).await;
    }
    let url = format!("{M}/guldborgsund/placements/statistics?year=2016");
    let public = app.get(&url).send().await.ok(200);
    let member = app.get(&url).bearer(&viewer).send().await.ok(200);
    let (pp, mp) = (&public["placements"], &member["placements"]);

    // Level 1: total → standard steps 4, 5, 6 (2, 12 and 16 children).
    let steps_pub = pp["by_standard_step"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let steps_mem = mp["by_standard_step"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check_breakdown(
        fig(&pp["full_year_placements"]),
        &steps_pub,
        &steps_mem,
        "standard steps",
    );
    let withheld: Vec<i64> = steps_pub
        .iter()
        .filter(|s| hidden(&s["full_year"]))
        .filter_map(|s| s["standard_step"].as_i64())
        .collect();
    assert_eq!(
        withheld,
        vec![4, 5],
        "network (2) primary, foster family (12) the smallest to go with it"
    );
    // The shares built on step 4 would give it back: withheld too.
    assert!(hidden(&pp["network_share"]) && hidden(&pp["foster_family_share"]));
    assert_eq!(fig(&mp["network_share"]).map(|v| v > 0.0), Some(true));

    // Level 2: each shown step → its types; a withheld step withholds all of its types.
    for sp in &steps_pub {
        let n = sp["standard_step"].as_i64();
        let kinds_pub: Vec<Value> = pp["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["standard_step"].as_i64() == n)
            .cloned()
            .collect();
        let kinds_mem: Vec<Value> = mp["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["standard_step"].as_i64() == n)
            .cloned()
            .collect();
        if hidden(&sp["full_year"]) {
            assert!(
                kinds_pub.iter().all(|k| hidden(&k["full_year"])),
                "step {n:?} withheld, its types too"
            );
        } else {
            check_breakdown(fig(&sp["full_year"]), &kinds_pub, &kinds_mem, "types");
        }
    }
    let kind = |k: &str| {
        pp["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == k).cloned())
            .unwrap_or_default()
    };
    assert!(
        hidden(&kind("sikret_doegninstitution")["full_year"]),
        "one child"
    );
    assert!(
        hidden(&kind("doegninstitution")["full_year"]),
        "the smallest shown type goes with it"
    );
    assert_eq!(
        fig(&kind("opholdssted")["full_year"]),
        fig(&member["placements"]["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == "opholdssted").cloned())
            .unwrap_or_default()["full_year"])
    );

    // Flows go in pairs: 1 new (the secured placement), 11 ended: both withheld, so the stock
    // on the eve and at the end of the year do not give either.
    assert_eq!(
        (mp["new"]["value"].as_i64(), mp["ended"]["value"].as_i64()),
        (Some(1), Some(11))
    );
    assert!(hidden(&pp["new"]) && hidden(&pp["ended"]));
    let eve = app
        .get(&format!(
            "{M}/guldborgsund/placements/statistics?on=2015-12-31"
        ))
        .send()
        .await
        .ok(200);
    let end = &pp["placed_on_date"]["value"];
    assert_eq!(
        (
            eve["placements"]["placed_on_date"]["value"].as_i64(),
            end.as_i64()
        ),
        (Some(29), Some(19))
    );
    // 29 + new − ended = 19 leaves new − ended = −10: (0, 10), (1, 11), (2, 12), … all fit.
    // And the member sees it all.
    assert!(mp["by_kind"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|k| !hidden(&k["full_year"])));
}

/// In a breakdown whose parent is shown: no withheld cell, or at least two whose true values
/// (from the member's view) together rest on five or more placements, and the parent minus the
/// shown cells never equals any single withheld cell.
fn check_breakdown(parent: Option<f64>, public: &[Value], member: &[Value], what: &str) {
    let Some(parent) = parent else {
        panic!("{what}: the parent is shown")
    };
    let withheld: Vec<usize> = public
        .iter()
        .enumerate()
        .filter(|(_, c)| hidden(&c["full_year"]))
        .map(|(i, _)| i)
        .collect();
    if withheld.is_empty() {
        return;
    }
    assert!(
        withheld.len() >= 2,
        "{what}: a single withheld cell is the parent minus the others"
    );
    let placements: i64 = withheld
        .iter()
        .map(|i| member[*i]["placements"]["value"].as_i64().unwrap_or(0))
        .sum();
    assert!(
        placements >= 5,
        "{what}: the withheld cells rest on {placements} placements"
    );
    let shown: f64 = public.iter().filter_map(|c| fig(&c["full_year"])).sum();
    let residual = parent - shown;
    for i in &withheld {
        let own = fig(&member[*i]["full_year"]).unwrap_or(0.0);
        let others: f64 = withheld
            .iter()
            .filter(|j| *j != i)
            .map(|j| fig(&member[*j]["full_year"]).unwrap_or(0.0))
            .sum();
        assert!(
            others > 0.0 || own == 0.0,
            "{what}: the residual {residual} is one cell's value"
        );
    }
}

async fn switched_off_module_is_not_found(app: TestApp) {
    let op = app.operator_token();
    let editor = app.token("randers", Role::Editor);
    app.put(&format!("{M}/randers/modules/placements"))
        .bearer(&op)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .ok(200);
    app.get(&format!("{M}/randers/staircase"))
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{M}/randers/placements/statistics?year=2016"))
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{M}/randers/measures"))
        .bearer(&editor)
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("{M}/randers/measures"))
        .bearer(&editor)
        .json(&measure("R", "support", "aflastning", "2020-01-01", None))
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{M}/vejle/staircase"))
        .send()
        .await
        .ok(200);
}

/// `retning seed --demo`: the documents' figures through the public statistics, the seeded
/// targets computed from them, and a second run that duplicates nothing.
async fn demo_data_reproduces_the_documents_and_feeds_the_targets(app: TestApp) {
    // Before any measure: the indicators are registered, the targets computed, without a value.
    let indicators = app.get("/api/v1/indicators").send().await.ok(200);
    for (key, unit) in [
        ("placements.full_year_placements", "count"),
        ("placements.placed_on_date", "count"),
        ("placements.share_foster_family", "percent"),
        ("placements.share_network", "percent"),
        ("placements.share_preventive_evidence", "percent"),
        (
            "placements.share_new_placements_over_14_evidence",
            "percent",
        ),
    ] {
        assert!(
            indicators
                .as_array()
                .is_some_and(|a| a.iter().any(|i| i["key"] == key && i["unit"] == unit)),
            "{key}"
        );
    }
    let targets = |municipality: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("{M}/{municipality}/targets"))
                .send()
                .await
                .ok(200)["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let by_indicator = |items: &[Value], key: &str| {
        items
            .iter()
            .find(|t| t["computed_indicator"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no target computed by {key}"))
    };
    let before = targets("vordingborg").await;
    assert!(by_indicator(&before, "placements.full_year_placements")["latest"].is_null());

    // A real measure, which the demo must never touch.
    let editor = app.token("vejle", Role::Editor);
    create(
        &app,
        &editor,
        "vejle",
        measure("REAL-1", "support", "aflastning", "2016-05-01", None),
    )
    .await;
    let count = |app: &TestApp| -> (i64, i64) {
        app.with_conn(|c| {
            use diesel::prelude::*;
            use retning_placements::schema::placement_measures as pm;
            let all: i64 = pm::table
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"));
            let synthetic: i64 = pm::table
                .filter(pm::synthetic.eq(true))
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"));
            (all, synthetic)
        })
    };
    let summary =
        app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(
        summary.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
        vec!["vordingborg", "vejle", "randers", "skanderborg"]
    );
    let first = count(&app);
    assert!(first.1 > 10_000 && first.0 == first.1 + 1, "{first:?}");

    // The documents' figures, as anyone sees them (synthetic, and said so).
    let stats = |municipality: &'static str, year: i32| {
        let app = &app;
        async move {
            app.get(&format!(
                "{M}/{municipality}/placements/statistics?year={year}"
            ))
            .send()
            .await
            .ok(200)
        }
    };
    let near = |v: Option<f64>, expected: f64, tolerance: f64, what: &str| {
        let v = v.unwrap_or_else(|| panic!("{what}: no value"));
        assert!(
            (v - expected).abs() <= tolerance,
            "{what}: {v}, expected {expected} ± {tolerance}"
        );
    };
    let vb2010 = stats("vordingborg", 2010).await;
    assert_eq!(
        (vb2010["synthetic"].as_bool(), vb2010["audience"].as_str()),
        (Some(true), Some("public"))
    );
    near(
        fig(&vb2010["placements"]["full_year_placements"]),
        250.0,
        7.5,
        "Vordingborg 2010",
    );
    near(
        fig(&stats("vordingborg", 2014).await["placements"]["full_year_placements"]),
        194.0,
        6.0,
        "Vordingborg 2014",
    );
    let vejle = stats("vejle", 2016).await;
    near(
        fig(&vejle["placements"]["full_year_placements"]),
        290.0,
        9.0,
        "Vejle 2016",
    );
    near(
        fig(&vejle["placements"]["foster_family_share"]),
        64.0,
        1.5,
        "Vejle foster-family share",
    );
    near(
        fig(&vejle["placements"]["network_share"]),
        10.0,
        1.0,
        "Vejle network share",
    );
    let randers = stats("randers", 2016).await;
    assert!(
        fig(&randers["placements"]["full_year_placements"]).is_some_and(|v| v > 200.0)
            && randers["synthetic"] == true
    );
    // Members are told how much is synthetic.
    let viewer = app.token("vejle", Role::Viewer);
    let own = app
        .get(&format!("{M}/vejle/placements/statistics?year=2016"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert!(
        own["synthetic_share"]
            .as_f64()
            .is_some_and(|s| s > 99.0 && s < 100.0),
        "{}",
        own["synthetic_share"]
    );
    let listed = app
        .get(&format!("{M}/vejle/measures?synthetic=true&limit=1"))
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert!(
        listed["items"][0]["child_ref"]
            .as_str()
            .is_some_and(|c| c.starts_with("SYN-VEJ-"))
            && listed["items"][0]["synthetic"] == true
    );

    // The seeded targets are computed from them.
    let vb = targets("vordingborg").await;
    let full_year = by_indicator(&vb, "placements.full_year_placements");
    assert_eq!(full_year["latest"]["date"], "2017-12-31");
    near(
        full_year["latest"]["value"].as_f64(),
        174.0,
        6.0,
        "Vordingborg 2017 target",
    );
    near(
        by_indicator(&vb, "placements.share_preventive_evidence")["latest"]["value"].as_f64(),
        5.0,
        1.5,
        "evidence in preventive measures 2017",
    );
    near(
        by_indicator(&vb, "placements.share_new_placements_over_14_evidence")["latest"]["value"]
            .as_f64(),
        25.0,
        5.0,
        "evidence in new placements over 14",
    );
    let vj = targets("vejle").await;
    let foster = by_indicator(&vj, "placements.share_foster_family");
    assert_eq!(foster["latest"]["date"], "2016-12-31");
    near(
        foster["latest"]["value"].as_f64(),
        64.0,
        1.5,
        "Vejle foster-family target",
    );
    assert!(
        by_indicator(&vj, "placements.share_network")["latest"]["value"]
            .as_f64()
            .is_some()
    );

    // Again: the same synthetic measures, nothing duplicated, the real one kept.
    app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(count(&app), first);
    let again = stats("vejle", 2016).await;
    assert_eq!(
        again["placements"]["full_year_placements"],
        vejle["placements"]["full_year_placements"]
    );
    assert_eq!(app.audit_count("demo", "measure"), 8);
}
