//! Targets and their measurements: validation, history, CSV.

use super::make_target;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, Caller, TestApp};
use serde_json::{json, Value};

both_backends!(
    targets_validate_on_create_and_patch,
    measurements_keep_history,
    targets_csv_parses_back,
);

/// A percent target of Vejle's foster-family share, made by its editor; returns the editor, the
/// body it was made from and the target.
async fn foster_family_target(app: &TestApp) -> (Caller<'_>, Value, Value) {
    let editor = app.member("vejle", Role::Editor);
    let valid = json!({"title": "Andel i plejefamilie", "indicator": "Andel anbragte i plejefamilie", "unit": "percent", "direction": "increase",
        "baseline_value": 55, "baseline_date": "2024-12-31", "target_value": 64, "deadline": "2026-12-31", "frequency": "quarterly",
        "owner_unit": "familieplejen", "themes": ["placement-pattern"]});
    let t = make_target(app, editor.token(), valid.clone()).await;
    (editor, valid, t)
}

async fn targets_validate_on_create_and_patch(app: TestApp) {
    let (editor, valid, t) = foster_family_target(&app).await;
    assert_eq!(
        (
            t["owner_unit"]["key"].as_str(),
            t["themes"][0].as_str(),
            t["source"].as_str()
        ),
        (
            Some("familieplejen"),
            Some("placement-pattern"),
            Some("manual")
        )
    );
    let node_url = format!(
        "/api/v1/municipalities/vejle/nodes/{}/targets",
        t["node_id"]
    );
    let with = |patch: Value| {
        let mut b = valid.clone();
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            b[k] = v;
        }
        b
    };
    let cases = [
        (
            json!({"target_value": 120}),
            "validation.failed",
            "target_value",
        ),
        (
            json!({"baseline_value": -1}),
            "validation.failed",
            "baseline_value",
        ),
        (
            json!({"deadline": "2020-01-01"}),
            "goals.target.deadline_before_baseline",
            "deadline",
        ),
        (
            json!({"themes": ["astrology"]}),
            "validation.failed",
            "themes[0]",
        ),
        (
            json!({"owner_unit": "nowhere"}),
            "validation.failed",
            "owner_unit",
        ),
        (json!({"unit": "kg"}), "validation.failed", "unit"),
        (
            json!({"direction": "sideways"}),
            "validation.failed",
            "direction",
        ),
        (
            json!({"source": "computed"}),
            "validation.failed",
            "computed_indicator",
        ),
        (
            json!({"source": "computed", "computed_indicator": "nothing.here"}),
            "validation.failed",
            "computed_indicator",
        ),
        (
            json!({"computed_indicator": "x.y"}),
            "validation.failed",
            "computed_indicator",
        ),
        (
            json!({"unit": "dkk", "target_value": 10.5, "baseline_value": 1}),
            "validation.failed",
            "target_value",
        ),
        (
            json!({"frequency": "daily"}),
            "validation.failed",
            "frequency",
        ),
    ];
    for (patch, code, field) in cases {
        let r = editor
            .post(&node_url)
            .json(&with(patch.clone()))
            .send()
            .await;
        assert_eq!(r.status, 422, "{patch}: {}", r.text());
        r.field_error(422, code, field);
    }
    // A PATCH is validated as a whole.
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    editor
        .patch(&turl)
        .json(&json!({"baseline_date": "2030-01-01"}))
        .send()
        .await
        .field_error(422, "goals.target.deadline_before_baseline", "deadline");
    let p = editor
        .patch(&turl)
        .json(&json!({"target_value": 66, "owner_unit": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (p["target_value"].as_f64(), p["owner_unit"].is_null()),
        (Some(66.0), true)
    );
}

async fn measurements_keep_history(app: TestApp) {
    let (editor, _, t) = foster_family_target(&app).await;
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    // Measurements: idempotent PUT per date, corrections kept with who and when.
    let m = format!("{turl}/measurements/2025-06-30");
    let first = editor
        .put(&m)
        .json(&json!({"value": 58, "note": "Første opgørelse"}))
        .send()
        .await
        .ok(201);
    assert_eq!(
        (first["value"].as_f64(), first["current"].as_bool()),
        (Some(58.0), Some(true))
    );
    editor
        .put(&m)
        .json(&json!({"value": 58, "note": "Første opgørelse"}))
        .send()
        .await
        .ok(200);
    let other_editor = app.member("vejle", Role::Editor);
    let corrected = other_editor
        .put(&m)
        .json(&json!({"value": 59.5, "note": "Rettet"}))
        .send()
        .await
        .ok(200);
    assert_eq!(corrected["value"].as_f64(), Some(59.5));
    let current = app
        .get(&format!("{turl}/measurements"))
        .send()
        .await
        .ok(200);
    assert_eq!(current.as_array().map(Vec::len), Some(1));
    let history = app
        .get(&format!("{turl}/measurements?history=true"))
        .send()
        .await
        .ok(200);
    assert_eq!(history.as_array().map(Vec::len), Some(2));
    let old = &history[0];
    assert_eq!(
        (old["value"].as_f64(), old["current"].as_bool()),
        (Some(58.0), Some(false))
    );
    assert!(
        old["superseded_by"]
            .as_str()
            .is_some_and(|s| s.starts_with("editor-vejle"))
            && old["superseded_at"].is_string()
    );
    assert_eq!(
        (
            app.audit_count("record", "measurement"),
            app.audit_count("correct", "measurement")
        ),
        (1, 1)
    );
    // Bad values lose nothing.
    for (body, field) in [
        (json!({"value": 101}), "value"),
        (json!({"value": "high"}), "value"),
        (json!({}), "value"),
        (json!({"value": 50, "note": "x".repeat(2001)}), "note"),
    ] {
        editor
            .put(&m)
            .json(&body)
            .send()
            .await
            .field_error(422, "validation.failed", field);
    }
    editor
        .put(&format!("{turl}/measurements/2999-01-01"))
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(422, "validation.failed", "date");
    editor
        .put(&format!("{turl}/measurements/yesterday"))
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(400, "request.invalid_path", "path.date");
    let viewer = app.member("vejle", Role::Viewer);
    viewer
        .put(&m)
        .json(&json!({"value": 1}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    let still = app
        .get(&format!("{turl}/measurements"))
        .send()
        .await
        .ok(200);
    assert_eq!(still[0]["value"].as_f64(), Some(59.5));
    // Delete keeps the removed value in the history.
    editor.delete(&m).send().await.ok(204);
    editor.delete(&m).send().await.problem(404, "not_found");
    assert_eq!(
        app.get(&format!("{turl}/measurements"))
            .send()
            .await
            .ok(200),
        json!([])
    );
    assert_eq!(
        app.get(&format!("{turl}/measurements?history=true"))
            .send()
            .await
            .ok(200)
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

async fn targets_csv_parses_back(app: TestApp) {
    let r = app
        .get("/api/v1/municipalities/vordingborg/targets.csv?as_of=2017-06-30")
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/csv")));
    let text = r.text();
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("no byte-order mark"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    for h in [
        "target_id",
        "title",
        "baseline_value",
        "target_value",
        "deadline",
        "latest_value",
        "progress",
        "assessment",
        "stale",
        "themes",
    ] {
        assert!(headers.iter().any(|x| x == h), "{h} missing");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap_or_default()).collect();
    let json = app
        .get("/api/v1/municipalities/vordingborg/targets?as_of=2017-06-30")
        .send()
        .await
        .ok(200);
    assert_eq!(rows.len() as u64, json["total"].as_u64().unwrap_or(0));
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or(0);
    let full_year = rows
        .iter()
        .find(|r| r[col("title")].starts_with("Antallet af helårsanbringelser"))
        .unwrap_or_else(|| panic!("row"));
    assert_eq!(
        (
            &full_year[col("baseline_value")],
            &full_year[col("target_value")],
            &full_year[col("deadline")]
        ),
        ("194", "170", "2017-12-31")
    );
    for row in &rows {
        let id = &row[col("target_id")];
        let j = json["items"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|t| t["id"].as_i64().map(|v| v.to_string()).as_deref() == Some(id))
                    .cloned()
            })
            .unwrap_or_default();
        assert_eq!(
            row[col("assessment")],
            j["assessment"].as_str().unwrap_or("-").to_owned(),
            "{id}"
        );
    }
}
