//! Measures: CRUD and permissions, validation, the CPR guard, the module switch.

use super::{create, measure, M};
use retning_kernel::auth::Role;
use retning_kernel::cpr::find_cpr;
use retning_tests::{both_backends, Method, TestApp};
use serde_json::{json, Value};

both_backends!(
    measures_crud_and_permissions,
    measures_validate_law_kind_step_and_references,
    cpr_guard_on_every_write_path,
    switched_off_module_is_not_found,
);

async fn measures_crud_and_permissions(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let viewer = app.member("vejle", Role::Viewer);
    let outsider = app.member("randers", Role::Admin);
    let operator = app.operator();
    let list = format!("{M}/vejle/measures");
    let body = json!({
        "child_ref": "VEJ-2020-17", "birth_year": 2006, "category": "placement", "kind": "netvaerksplejefamilie",
        "legal_basis": {"law": "SEL", "paragraph": "52", "stk": 3, "nr": 7, "consent": true},
        "start_date": "2021-03-01", "provider": {"type": "own", "name": "Familieplejen"},
        "yearly_cost_dkk": 210000, "evidence_programme": "keep", "note": "Hos moster"
    });
    app.access(Method::POST, &list)
        .json(&body)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&outsider, 404, "not_found")
        .answers(&operator, 404, "not_found")
        .check()
        .await;
    let resp = editor.post(&list).json(&body).send().await;
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
    let got = viewer.get(&one).send().await;
    assert_eq!(got.ok(200)["child_ref"], "VEJ-2020-17");
    let etag = got.header("etag").unwrap_or_default().to_owned();
    let again = viewer.get(&one).header("if-none-match", &etag).send().await;
    assert_eq!(again.status, 304);
    for token in [&outsider, &operator] {
        app.get(&one)
            .bearer(token.token())
            .send()
            .await
            .problem(404, "not_found");
        app.get(&list)
            .bearer(token.token())
            .send()
            .await
            .problem(404, "not_found");
        app.patch(&one)
            .bearer(token.token())
            .json(&json!({"note": "x"}))
            .send()
            .await
            .problem(404, "not_found");
        app.delete(&one)
            .bearer(token.token())
            .send()
            .await
            .problem(404, "not_found");
    }
    app.get(&one).send().await.problem(401, "auth.required");
    // The same id under another municipality is another municipality's object: 404.
    let randers_editor = app.member("randers", Role::Editor);
    randers_editor
        .get(&format!("{M}/randers/measures/{id}"))
        .send()
        .await
        .problem(404, "not_found");
    viewer
        .get(&format!("{list}/999999"))
        .send()
        .await
        .problem(404, "not_found");

    // Update: absent stays, null clears; the whole measure is checked again.
    viewer
        .patch(&one)
        .json(&json!({"note": null}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    let updated = editor
        .patch(&one)
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
    editor
        .patch(&one)
        .json(&json!({"end_date": "2020-01-01"}))
        .send()
        .await
        .field_error(422, "validation.failed", "end_date");
    let moved = editor
        .patch(&one)
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
            editor.token(),
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
    let page = viewer
        .get(&format!("{list}?category=support&limit=2"))
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
    let page2 = viewer
        .get(&format!("{list}?category=support&limit=2&cursor={next}"))
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
    let active = viewer
        .get(&format!("{list}?active_on=2022-01-01&category=placement"))
        .send()
        .await
        .ok(200);
    assert_eq!(active["total"], 1);
    let ended_before = viewer
        .get(&format!("{list}?active_on=2022-07-01&category=placement"))
        .send()
        .await
        .ok(200);
    assert_eq!(ended_before["total"], 0);
    let open = viewer
        .get(&format!("{list}?open=true"))
        .send()
        .await
        .ok(200);
    assert_eq!(open["total"], 3);
    let by_child = viewer
        .get(&format!("{list}?child_ref=VEJ-2020-17"))
        .send()
        .await
        .ok(200);
    assert_eq!(by_child["total"], 1);
    let by_step = viewer
        .get(&format!("{list}?step=doegninstitution"))
        .send()
        .await
        .ok(200);
    assert_eq!(by_step["total"], 1);
    viewer
        .get(&format!("{list}?step=nope"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.step");

    // Delete.
    viewer
        .delete(&one)
        .send()
        .await
        .problem(403, "auth.forbidden");
    assert_eq!(editor.delete(&one).send().await.status, 204);
    viewer.get(&one).send().await.problem(404, "not_found");
    editor.delete(&one).send().await.problem(404, "not_found");
    assert_eq!(
        (
            app.audit_count("update", "measure"),
            app.audit_count("delete", "measure")
        ),
        (2, 1)
    );
}

async fn measures_validate_law_kind_step_and_references(app: TestApp) {
    let editor = app.member("randers", Role::Editor);
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
        let resp = editor.post(&url).json(&with(patch.clone())).send().await;
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
    let m = editor.post(&url).json(&ok).send().await.ok(201);
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
    editor.post(&url).json(&support).send().await.ok(201);
}

/// CPR-shaped values (with and without the dash, inside text) are refused on every write path,
/// naming the field and never repeating the value; invalid dates are not CPR numbers.
async fn cpr_guard_on_every_write_path(app: TestApp) {
    let editor = app.member("skanderborg", Role::Editor);
    let admin = app.member("skanderborg", Role::Admin);
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
            let resp = editor.post(&url).json(&body).send().await;
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
    editor.post(&url).json(&nested).send().await.field_error(
        422,
        "validation.failed",
        "legal_basis.paragraph",
    );
    let mut kind = base.clone();
    kind["kind"] = json!("010190-1234");
    editor
        .post(&url)
        .json(&kind)
        .send()
        .await
        .field_error(422, "validation.failed", "kind");
    let mut number = base.clone();
    number["yearly_cost_dkk"] = json!(1501901234_i64);
    editor.post(&url).json(&number).send().await.field_error(
        422,
        "validation.failed",
        "yearly_cost_dkk",
    );
    let mut key = base.clone();
    key["0101901234"] = json!(1);
    let resp = editor.post(&url).json(&key).send().await;
    resp.field_error(422, "validation.failed", "body");
    assert!(!resp.text().contains("010190"), "{}", resp.text());
    // PATCH.
    let m = create(&app, editor.token(), "skanderborg", base.clone()).await;
    let one = format!("{url}/{}", m["id"]);
    editor
        .patch(&one)
        .json(&json!({"note": "cpr 010190-1234"}))
        .send()
        .await
        .field_error(422, "validation.failed", "note");
    editor
        .patch(&one)
        .json(&json!({"child_ref": "0101901234"}))
        .send()
        .await
        .field_error(422, "validation.failed", "child_ref");
    // The staircase.
    let stairs = json!({"steps": [{"key": "a", "name": "Trin 010190-1234", "standard_step": 1}]});
    admin
        .put(&format!("{M}/skanderborg/staircase"))
        .json(&stairs)
        .send()
        .await
        .field_error(422, "validation.failed", "steps[0].name");
    // The import, cell by cell and in the header.
    let csv = "child_ref,birth_year,category,kind,start_date,note\nI-1,2010,support,aflastning,2020-01-01,ok\nI-2,2010,support,aflastning,2020-01-01,ring 0101901234\n0101901234,2010,support,aflastning,2020-01-01,\n";
    let resp = editor
        .post(&format!("{url}/import"))
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
    editor
        .post(&format!("{url}/import"))
        .raw("text/csv", header)
        .send()
        .await
        .field_error(422, "validation.failed", "header");
    // Queries, before they are decoded (an unknown category would otherwise be repeated).
    let resp = editor
        .get(&format!("{url}?category=0101901234"))
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
    editor
        .get(&format!("{url}?child_ref=010190-1234"))
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

/// The stored texts of a measure: child_ref, note, provider_name, legal_paragraph, kind.
type MeasureTexts = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

async fn switched_off_module_is_not_found(app: TestApp) {
    let op = app.operator();
    let editor = app.member("randers", Role::Editor);
    op.put(&format!("{M}/randers/modules/placements"))
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
    editor
        .get(&format!("{M}/randers/measures"))
        .send()
        .await
        .problem(404, "not_found");
    editor
        .post(&format!("{M}/randers/measures"))
        .json(&measure("R", "support", "aflastning", "2020-01-01", None))
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{M}/vejle/staircase"))
        .send()
        .await
        .ok(200);
}
