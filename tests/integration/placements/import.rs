//! CSV import of measures.

use super::M;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp};
use serde_json::json;

both_backends!(import_is_all_or_nothing_with_row_errors,);
each_backend!(import_above_the_limit_is_413_and_imports_nothing,);

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
    let editor = app.member("vordingborg", Role::Editor);
    let mut csv = String::from("child_ref,birth_year,category,kind,start_date\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "L-{i},2010,support,familiebehandling,2020-01-01\n"
        ));
    }
    assert!(csv.len() > 4096);
    let url = format!("{M}/vordingborg/measures/import");
    editor
        .post(&url)
        .raw("text/csv", csv.clone())
        .send()
        .await
        .problem(413, "request.too_large");
    let listed = editor
        .get(&format!("{M}/vordingborg/measures"))
        .send()
        .await
        .ok(200);
    assert_eq!(listed["total"], 0, "nothing of a refused import is kept");
    // The same rows under the limit go in.
    let small: String = csv.lines().take(20).map(|l| format!("{l}\n")).collect();
    let done = editor
        .post(&url)
        .raw("text/csv", small)
        .send()
        .await
        .ok(201);
    assert_eq!(done["imported"], 19);
}

async fn import_is_all_or_nothing_with_row_errors(app: TestApp) {
    let editor = app.member("vordingborg", Role::Editor);
    let viewer = app.member("vordingborg", Role::Viewer);
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
    viewer
        .post(&url)
        .raw("text/csv", good)
        .send()
        .await
        .problem(403, "auth.forbidden");
    editor
        .post(&url)
        .json(&json!({"rows": []}))
        .send()
        .await
        .problem(415, "request.unsupported_media_type");
    let imported = editor
        .post(&url)
        .raw("text/csv; charset=utf-8", good)
        .send()
        .await
        .ok(201);
    assert_eq!(imported, json!({"imported": 3}));
    assert_eq!(count(&app), 3);
    assert_eq!(app.audit_count("import", "measure"), 1);
    let listed = viewer
        .get(&format!("{M}/vordingborg/measures?child_ref=V-2"))
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
    let resp = editor.post(&url).raw("text/csv", mixed).send().await;
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
    editor
        .post(&url)
        .raw("text/csv", "child_ref,birth_year\nA,2010\n")
        .send()
        .await
        .field_error(422, "validation.failed", "header");
    let ragged = "child_ref,birth_year,category,kind,start_date\nA,2010,support,aflastning,2016-01-01,extra\n";
    editor
        .post(&url)
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
    let imported = editor.post(&url).raw("text/csv", big).send().await.ok(201);
    assert_eq!(imported["imported"], 2000);
    assert_eq!(count(&app), 2003);
}
