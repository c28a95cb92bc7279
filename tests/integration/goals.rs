//! The goals module: seeded strategies, CRUD and permissions, visibility, targets and
//! measurements, derived progress, computed indicators, comparison, ETag, CSV.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::prelude::*;
use retning_kernel::auth::{KeyScope, Role};
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{ApiError, DbConnection, Module};
use retning_tests::{both_backends, each_backend, Backend, Options, TestApp};
use serde_json::{json, Value};

both_backends!(
    seeded_strategies_match_the_documents,
    strategy_crud_and_permissions,
    internal_strategies_are_invisible_to_others,
    targets_validate_and_measurements_keep_history,
    progress_and_assessment_through_the_api,
    comparison_side_by_side,
    etag_and_304,
    targets_csv_parses_back,
    switched_off_module_is_404,
    tree_takes_a_fixed_number_of_queries,
);
each_backend!(
    computed_indicator_mechanism,
    seed_wires_targets_to_registered_indicators,
    seeding_again_wires_an_indicator_registered_later
);

async fn strategy_id(app: &TestApp, municipality: &str) -> i64 {
    let list = app
        .get(&format!("/api/v1/municipalities/{municipality}/strategies"))
        .send()
        .await
        .ok(200);
    list["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no strategy for {municipality}: {list}"))
}

async fn tree(app: &TestApp, municipality: &str) -> Value {
    let id = strategy_id(app, municipality).await;
    app.get(&format!(
        "/api/v1/municipalities/{municipality}/strategies/{id}/tree"
    ))
    .send()
    .await
    .ok(200)
}

fn all_targets(nodes: &Value, out: &mut Vec<Value>) {
    for n in nodes.as_array().into_iter().flatten() {
        out.extend(n["targets"].as_array().cloned().unwrap_or_default());
        all_targets(&n["children"], out);
    }
}

fn kinds(tree: &Value) -> BTreeMap<String, u64> {
    tree["counts"]["nodes_by_kind"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn target_by_key<'a>(targets: &'a [Value], title_start: &str) -> &'a Value {
    targets
        .iter()
        .find(|t| {
            t["title"]
                .as_str()
                .is_some_and(|s| s.starts_with(title_start))
        })
        .unwrap_or_else(|| panic!("no target {title_start}"))
}

async fn seeded_strategies_match_the_documents(app: TestApp) {
    // Randers: mission, 5 + 5 visions, the partnership project's 6 goals, 4 departments, the timeline.
    let randers = tree(&app, "randers").await;
    let k = kinds(&randers);
    assert_eq!(
        (
            k["mission"],
            k["vision"],
            k["visionsgruppe"],
            k["projektmål"]
        ),
        (1, 10, 2, 6),
        "{k:?}"
    );
    let groups: Vec<usize> = randers["nodes"][0]["children"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|n| n["kind"] == "visionsgruppe")
                .map(|g| g["children"].as_array().map_or(0, Vec::len))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        groups,
        vec![5, 5],
        "five citizen-oriented and five organisation-oriented visions"
    );
    assert_eq!(
        randers["strategy"]["title"],
        "Udviklingsstrategi Børn og Familie"
    );
    assert_eq!(
        randers["strategy"]["follow_ups"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(
        randers["strategy"]["source"]["file"],
        "001_0002a949c6342c9a.txt"
    );
    let units = app
        .get("/api/v1/municipalities/randers/units")
        .send()
        .await
        .ok(200);
    let names: Vec<&str> = units
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["name"].as_str()).collect())
        .unwrap_or_default();
    for name in ["PPR", "Udføreområdet", "Myndighed", "Krisecenteret"] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }

    // Vejle: values, 4 strategic goals with 2 sub-goals each, the foundation's targets, nine units.
    let vejle = tree(&app, "vejle").await;
    let k = kinds(&vejle);
    assert_eq!(
        (k["værdi"], k["strategisk mål"], k["delmål"]),
        (3, 4, 8),
        "{k:?}"
    );
    assert_eq!(vejle["strategy"]["follow_up_rhythm"], "half_yearly");
    assert_eq!(
        (
            vejle["strategy"]["period_start"].as_str(),
            vejle["strategy"]["period_end"].as_str()
        ),
        (Some("2017-01-01"), Some("2020-12-31"))
    );
    fn goals_with_subgoals(nodes: &Value, out: &mut Vec<usize>) {
        for n in nodes.as_array().into_iter().flatten() {
            if n["kind"] == "strategisk mål" {
                out.push(
                    n["children"]
                        .as_array()
                        .map_or(0, |c| c.iter().filter(|c| c["kind"] == "delmål").count()),
                );
            }
            goals_with_subgoals(&n["children"], out);
        }
    }
    let mut sub = Vec::new();
    goals_with_subgoals(&vejle["nodes"], &mut sub);
    assert_eq!(sub, vec![2, 2, 2, 2]);
    let mut vt = Vec::new();
    all_targets(&vejle["nodes"], &mut vt);
    let placements = target_by_key(&vt, "Antal anbringelser");
    assert_eq!(
        (
            placements["target_value"].as_f64(),
            placements["deadline"].as_str()
        ),
        (Some(290.0), Some("2016-12-31"))
    );
    let foster = vt
        .iter()
        .find(|t| t["target_value"].as_f64() == Some(64.0))
        .unwrap_or_else(|| panic!("64 % target"));
    assert_eq!(foster["unit"], "percent");
    let network = target_by_key(&vt, "Vi ville også anbringe flere i netværket");
    assert_eq!(network["unit"], "percent");
    // Computed once the placements module registers its indicator; else the document's 10 %.
    if network["source"] == "computed" {
        assert_eq!(network["computed_indicator"], "placements.share_network");
    } else {
        assert_eq!(network["latest"]["value"].as_f64(), Some(10.0));
    }
    let units = app
        .get("/api/v1/municipalities/vejle/units")
        .send()
        .await
        .ok(200);
    assert_eq!(
        units
            .as_array()
            .map(|a| a.iter().filter(|u| u["parent"].is_null()).count()),
        Some(9),
        "the nine institutions and departments"
    );

    // Skanderborg: vision, two purposes, three goals, two starting points, four tracks; adopted 25 April 2018.
    let sk = tree(&app, "skanderborg").await;
    let k = kinds(&sk);
    assert_eq!(
        (
            k["vision"],
            k["formål"],
            k["mål"],
            k["udgangspunkt"],
            k["strategispor"]
        ),
        (1, 2, 3, 2, 4),
        "{k:?}"
    );
    assert_eq!(
        (
            sk["strategy"]["adopted_by"].as_str(),
            sk["strategy"]["adopted_on"].as_str()
        ),
        (Some("Byrådet"), Some("2018-04-25"))
    );
    assert_eq!(sk["counts"]["targets"], 0);

    // Vordingborg: four focus areas (1.1-1.4 with 1.4.1) and every measurable target.
    let vb = tree(&app, "vordingborg").await;
    let codes: Vec<&str> = vb["nodes"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, vec!["1.1", "1.2", "1.3", "1.4"]);
    let sub = &vb["nodes"][3]["children"];
    assert!(sub
        .as_array()
        .is_some_and(|a| a.iter().any(|n| n["code"] == "1.4.1")));
    let mut t = Vec::new();
    all_targets(&vb["nodes"], &mut t);
    assert_eq!(t.len(), 7);
    let full_year = target_by_key(&t, "Antallet af helårsanbringelser");
    assert_eq!(
        (
            full_year["baseline_value"].as_f64(),
            full_year["target_value"].as_f64(),
            full_year["deadline"].as_str(),
            full_year["direction"].as_str()
        ),
        (
            Some(194.0),
            Some(170.0),
            Some("2017-12-31"),
            Some("decrease")
        )
    );
    let mut targets: Vec<f64> = t
        .iter()
        .filter_map(|t| t["target_value"].as_f64())
        .collect();
    targets.sort_by(f64::total_cmp);
    assert_eq!(targets, vec![5.0, 25.0, 60.0, 70.0, 75.0, 75.0, 170.0]);
    let advice = t
        .iter()
        .find(|t| t["baseline_value"].as_f64() == Some(25.0))
        .unwrap_or_else(|| panic!("25 % -> 75 %"));
    assert_eq!(advice["target_value"].as_f64(), Some(75.0));
    let history = app
        .get(&format!(
            "/api/v1/municipalities/vordingborg/targets/{}/measurements",
            full_year["id"]
        ))
        .send()
        .await
        .ok(200);
    let values: Vec<(String, f64)> = history
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["date"].as_str().unwrap_or("").to_owned(),
                        m["value"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        values.contains(&("2010-12-31".to_owned(), 250.0)),
        "{values:?}"
    );
    // Themes: KL's three and the finer ones.
    let themes = app.get("/api/v1/themes").send().await.ok(200);
    assert_eq!(
        themes
            .as_array()
            .map(|a| a.iter().filter(|t| t["kind"] == "pejlemaerke").count()),
        Some(3)
    );
    assert!(themes.as_array().is_some_and(|a| a.len() >= 12));
}

fn new_strategy() -> Value {
    json!({"title": "Strategi for tidlig indsats", "visibility": "public", "period_start": "2025-01-01", "period_end": "2028-12-31",
           "level_names": ["fokusområde", "mål"], "source": {"file": "intern.pdf"}, "follow_up_rhythm": "quarterly",
           "follow_ups": [{"date": "2025-06-30", "label": "Første opfølgning"}]})
}

async fn strategy_crud_and_permissions(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let viewer = app.token("vejle", Role::Viewer);
    let outsider = app.token("randers", Role::Admin);
    let url = "/api/v1/municipalities/vejle/strategies";
    app.post(url)
        .json(&new_strategy())
        .send()
        .await
        .problem(401, "auth.required");
    app.post(url)
        .bearer(&viewer)
        .json(&new_strategy())
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.post(url)
        .bearer(&outsider)
        .json(&new_strategy())
        .send()
        .await
        .problem(404, "not_found");
    let created = app
        .post(url)
        .bearer(&editor)
        .json(&new_strategy())
        .send()
        .await;
    let s = created.ok(201);
    let id = s["id"].as_i64().unwrap_or_default();
    assert_eq!(
        created.header("location"),
        Some(format!("{url}/{id}").as_str())
    );
    assert_eq!(
        (
            s["status"].as_str(),
            s["level_names"][0].as_str(),
            s["follow_ups"][0]["label"].as_str()
        ),
        (
            Some("active"),
            Some("fokusområde"),
            Some("Første opfølgning")
        )
    );
    // Validation names the fields.
    let bad = json!({"title": " ", "period_start": "2025-01-01", "period_end": "2024-01-01"});
    let body = app
        .post(url)
        .bearer(&editor)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation.failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, vec!["title", "period_end"]);
    app.post(url)
        .bearer(&editor)
        .json(&json!({"title": "x", "period_start": "2025-13-01"}))
        .send()
        .await
        .field_error(422, "validation.failed", "period_start");
    app.post(url)
        .bearer(&editor)
        .json(&json!({"title": "x", "visibility": "secret"}))
        .send()
        .await
        .field_error(422, "validation.failed", "visibility");
    // Update: only the fields given; null clears.
    let patched = app
        .patch(&format!("{url}/{id}"))
        .bearer(&editor)
        .json(&json!({"summary": "Kort resumé", "period_end": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            patched["summary"].as_str(),
            patched["period_end"].as_str(),
            patched["title"].as_str()
        ),
        (
            Some("Kort resumé"),
            None,
            Some("Strategi for tidlig indsats")
        )
    );
    app.patch(&format!("{url}/{id}"))
        .bearer(&viewer)
        .json(&json!({"title": "y"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    // Nodes: any depth, the municipality's own words.
    let top = app.post(&format!("{url}/{id}/nodes")).bearer(&editor).json(&json!({"kind": "fokusområde", "title": "Tidlig opsporing", "themes": ["early-detection"]})).send().await.ok(201);
    let child = app.post(&format!("{url}/{id}/nodes")).bearer(&editor).json(&json!({"kind": "mål", "title": "Alle dagtilbud bruger samme model", "parent_id": top["id"]})).send().await.ok(201);
    let grandchild = app.post(&format!("{url}/{id}/nodes")).bearer(&editor).json(&json!({"kind": "delmål", "title": "Uddannelse", "parent_id": child["id"], "unit": "sundhedsplejen"})).send().await.ok(201);
    assert_eq!(grandchild["unit"]["name"], "Sundhedsplejen");
    app.post(&format!("{url}/{id}/nodes"))
        .bearer(&editor)
        .json(&json!({"kind": "mål", "title": "x", "parent_id": 999_999}))
        .send()
        .await
        .field_error(422, "validation.failed", "parent_id");
    let tree = app.get(&format!("{url}/{id}/tree")).send().await.ok(200);
    assert_eq!(
        tree["nodes"][0]["children"][0]["children"][0]["title"],
        "Uddannelse"
    );
    assert_eq!(tree["counts"]["nodes"], 3);
    // A node with children cannot be removed; a leaf can.
    app.delete(&format!("/api/v1/municipalities/vejle/nodes/{}", top["id"]))
        .bearer(&editor)
        .send()
        .await
        .problem(409, "goals.node.not_empty");
    app.delete(&format!(
        "/api/v1/municipalities/vejle/nodes/{}",
        grandchild["id"]
    ))
    .bearer(&editor)
    .send()
    .await
    .ok(204);
    // Archive: not deleted, read-only, listed under status=archived.
    let archived = app
        .post(&format!("{url}/{id}/archive"))
        .bearer(&editor)
        .send()
        .await
        .ok(200);
    assert_eq!(archived["status"], "archived");
    app.patch(&format!("{url}/{id}"))
        .bearer(&editor)
        .json(&json!({"title": "z"}))
        .send()
        .await
        .problem(409, "goals.strategy.archived");
    app.get(&format!("{url}/{id}")).send().await.ok(200);
    let active = app.get(url).send().await.ok(200);
    assert!(active["items"]
        .as_array()
        .is_some_and(|a| a.iter().all(|s| s["id"] != id)));
    let arch = app
        .get(&format!("{url}?status=archived"))
        .send()
        .await
        .ok(200);
    assert_eq!(arch["items"][0]["id"], id);
    app.get(&format!("{url}?status=deleted"))
        .send()
        .await
        .field_error(422, "validation.failed", "status");
    app.get(&format!("{url}?sort=colour"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.sort");
    // Every change was audited.
    for (action, object) in [
        ("create", "strategy"),
        ("update", "strategy"),
        ("archive", "strategy"),
        ("create", "node"),
        ("delete", "node"),
    ] {
        assert!(
            app.audit_count(action, object) >= 1,
            "{action} {object} not audited"
        );
    }
    // An API key with write scope writes; a read key does not.
    let admin = app.token("vejle", Role::Admin);
    for (scope, status) in [(KeyScope::Read, 403), (KeyScope::Write, 201)] {
        let key = app
            .post("/api/v1/municipalities/vejle/api-keys")
            .bearer(&admin)
            .json(&json!({"name": "k", "scope": scope}))
            .send()
            .await
            .ok(201);
        let resp = app
            .post(url)
            .bearer(key["key"].as_str().unwrap_or_default())
            .json(&new_strategy())
            .send()
            .await;
        assert_eq!(resp.status, status, "{scope:?}: {}", resp.text());
    }
}

async fn internal_strategies_are_invisible_to_others(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let mut body = new_strategy();
    body["visibility"] = json!("internal");
    body["title"] = json!("Intern handleplan");
    let s = app
        .post("/api/v1/municipalities/vejle/strategies")
        .bearer(&editor)
        .json(&body)
        .send()
        .await
        .ok(201);
    let id = s["id"].as_i64().unwrap_or_default();
    let node = app
        .post(&format!(
            "/api/v1/municipalities/vejle/strategies/{id}/nodes"
        ))
        .bearer(&editor)
        .json(&json!({"kind": "mål", "title": "Hemmeligt mål", "themes": ["placement-pattern"]}))
        .send()
        .await
        .ok(201);
    let target = app.post(&format!("/api/v1/municipalities/vejle/nodes/{}/targets", node["id"])).bearer(&editor)
        .json(&json!({"title": "Færre anbringelser", "indicator": "Antal", "unit": "count", "direction": "decrease", "target_value": 10, "frequency": "annual", "themes": ["placement-pattern"]})).send().await.ok(201);
    let tid = target["id"].as_i64().unwrap_or_default();
    let viewer = app.token("vejle", Role::Viewer);
    let outsider = app.token("randers", Role::Admin);
    let paths = [
        format!("/api/v1/municipalities/vejle/strategies/{id}"),
        format!("/api/v1/municipalities/vejle/strategies/{id}/tree"),
        format!("/api/v1/municipalities/vejle/targets/{tid}"),
        format!("/api/v1/municipalities/vejle/targets/{tid}/measurements"),
    ];
    for p in &paths {
        app.get(p).send().await.problem(404, "not_found");
        app.get(p)
            .bearer(&outsider)
            .send()
            .await
            .problem(404, "not_found");
        app.get(p).bearer(&viewer).send().await.ok(200);
    }
    // Exactly like a missing one.
    let missing = app
        .get("/api/v1/municipalities/vejle/strategies/999999")
        .send()
        .await
        .problem(404, "not_found");
    let hidden = app.get(&paths[0]).send().await.problem(404, "not_found");
    assert_eq!(missing["detail"], hidden["detail"]);
    // Writes from outside are 404 too, and change nothing.
    app.put(&format!(
        "/api/v1/municipalities/vejle/targets/{tid}/measurements/2024-01-01"
    ))
    .bearer(&outsider)
    .json(&json!({"value": 1}))
    .send()
    .await
    .problem(404, "not_found");
    // Lists and comparison leave it out for others, include it for the municipality.
    let anon_list = app
        .get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .ok(200);
    assert!(!anon_list.to_string().contains("Intern handleplan"));
    let own_list = app
        .get("/api/v1/municipalities/vejle/strategies")
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert!(own_list.to_string().contains("Intern handleplan"));
    let anon_targets = app
        .get("/api/v1/municipalities/vejle/targets")
        .send()
        .await
        .ok(200);
    assert!(!anon_targets.to_string().contains("Færre anbringelser"));
    let cmp = app
        .get("/api/v1/compare?theme=placement-pattern")
        .bearer(&outsider)
        .send()
        .await
        .ok(200);
    assert!(!cmp.to_string().contains("Færre anbringelser"));
    let own = app
        .get("/api/v1/compare?theme=placement-pattern")
        .bearer(&viewer)
        .send()
        .await
        .ok(200);
    assert!(own.to_string().contains("Færre anbringelser"));
    // A read key of the municipality sees it.
    let admin = app.token("vejle", Role::Admin);
    let key = app
        .post("/api/v1/municipalities/vejle/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "dashboard"}))
        .send()
        .await
        .ok(201);
    app.get(&paths[1])
        .bearer(key["key"].as_str().unwrap_or_default())
        .send()
        .await
        .ok(200);
}

async fn make_target(app: &TestApp, editor: &str, body: Value) -> Value {
    let s = app
        .post("/api/v1/municipalities/vejle/strategies")
        .bearer(editor)
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let node = app
        .post(&format!(
            "/api/v1/municipalities/vejle/strategies/{}/nodes",
            s["id"]
        ))
        .bearer(editor)
        .json(&json!({"kind": "fokusområde", "title": "Anbringelser"}))
        .send()
        .await
        .ok(201);
    app.post(&format!(
        "/api/v1/municipalities/vejle/nodes/{}/targets",
        node["id"]
    ))
    .bearer(editor)
    .json(&body)
    .send()
    .await
    .ok(201)
}

async fn targets_validate_and_measurements_keep_history(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let valid = json!({"title": "Andel i plejefamilie", "indicator": "Andel anbragte i plejefamilie", "unit": "percent", "direction": "increase",
        "baseline_value": 55, "baseline_date": "2024-12-31", "target_value": 64, "deadline": "2026-12-31", "frequency": "quarterly",
        "owner_unit": "familieplejen", "themes": ["placement-pattern"]});
    let t = make_target(&app, &editor, valid.clone()).await;
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
        let r = app
            .post(&node_url)
            .bearer(&editor)
            .json(&with(patch.clone()))
            .send()
            .await;
        assert_eq!(r.status, 422, "{patch}: {}", r.text());
        r.field_error(422, code, field);
    }
    // A PATCH is validated as a whole.
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    app.patch(&turl)
        .bearer(&editor)
        .json(&json!({"baseline_date": "2030-01-01"}))
        .send()
        .await
        .field_error(422, "goals.target.deadline_before_baseline", "deadline");
    let p = app
        .patch(&turl)
        .bearer(&editor)
        .json(&json!({"target_value": 66, "owner_unit": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (p["target_value"].as_f64(), p["owner_unit"].is_null()),
        (Some(66.0), true)
    );

    // Measurements: idempotent PUT per date, corrections kept with who and when.
    let m = format!("{turl}/measurements/2025-06-30");
    let first = app
        .put(&m)
        .bearer(&editor)
        .json(&json!({"value": 58, "note": "Første opgørelse"}))
        .send()
        .await
        .ok(201);
    assert_eq!(
        (first["value"].as_f64(), first["current"].as_bool()),
        (Some(58.0), Some(true))
    );
    app.put(&m)
        .bearer(&editor)
        .json(&json!({"value": 58, "note": "Første opgørelse"}))
        .send()
        .await
        .ok(200);
    let other_editor = app.token("vejle", Role::Editor);
    let corrected = app
        .put(&m)
        .bearer(&other_editor)
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
        app.put(&m)
            .bearer(&editor)
            .json(&body)
            .send()
            .await
            .field_error(422, "validation.failed", field);
    }
    app.put(&format!("{turl}/measurements/2999-01-01"))
        .bearer(&editor)
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(422, "validation.failed", "date");
    app.put(&format!("{turl}/measurements/yesterday"))
        .bearer(&editor)
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(400, "request.invalid_path", "path.date");
    let viewer = app.token("vejle", Role::Viewer);
    app.put(&m)
        .bearer(&viewer)
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
    app.delete(&m).bearer(&editor).send().await.ok(204);
    app.delete(&m)
        .bearer(&editor)
        .send()
        .await
        .problem(404, "not_found");
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

async fn progress_and_assessment_through_the_api(app: TestApp) {
    let editor = app.token("vejle", Role::Editor);
    let t = make_target(&app, &editor, json!({"title": "Færre helårsanbringelser", "indicator": "Helårsanbringelser", "unit": "count",
        "direction": "decrease", "baseline_value": 200, "baseline_date": "2020-01-01", "target_value": 100, "deadline": "2024-01-01", "frequency": "annual"})).await;
    assert_eq!(t["assessment"], "not_assessed");
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    app.put(&format!("{turl}/measurements/2021-01-01"))
        .bearer(&editor)
        .json(&json!({"value": 180}))
        .send()
        .await
        .ok(201);
    app.put(&format!("{turl}/measurements/2022-01-01"))
        .bearer(&editor)
        .json(&json!({"value": 150}))
        .send()
        .await
        .ok(201);
    // Half the time gone, half the way: likely; improving.
    let mid = app
        .get(&format!("{turl}?as_of=2022-02-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            mid["progress"].as_f64(),
            mid["assessment"].as_str(),
            mid["trend"].as_str(),
            mid["stale"].as_bool()
        ),
        (Some(50.0), Some("likely"), Some("positive"), Some(false))
    );
    assert_eq!(mid["latest"]["date"], "2022-01-01");
    // More than a year without a measurement: stale (annual).
    let late = app
        .get(&format!("{turl}?as_of=2023-03-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(late["stale"], true);
    // After the deadline, not reached: not achieved (and no longer stale).
    let after = app
        .get(&format!("{turl}?as_of=2024-06-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (after["assessment"].as_str(), after["stale"].as_bool()),
        (Some("not_achieved"), Some(false))
    );
    // Overshooting: clamped progress 100, unclamped above.
    app.put(&format!("{turl}/measurements/2023-12-31"))
        .bearer(&editor)
        .json(&json!({"value": 90}))
        .send()
        .await
        .ok(201);
    let done = app
        .get(&format!("{turl}?as_of=2024-06-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            done["progress"].as_f64(),
            done["progress_unclamped"].as_f64(),
            done["assessment"].as_str()
        ),
        (Some(100.0), Some(110.0), Some("achieved"))
    );
    // Filters on derived values.
    let list = app
        .get("/api/v1/municipalities/vejle/targets?assessment=achieved&as_of=2024-06-01")
        .send()
        .await
        .ok(200);
    assert_eq!(
        list["items"]
            .as_array()
            .map(|a| a.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
        Some(vec![t["id"].clone()])
    );
    let stale = app
        .get("/api/v1/municipalities/vejle/targets?stale=true&as_of=2023-03-01")
        .send()
        .await
        .ok(200);
    assert!(stale["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["id"] == t["id"])));
    app.get("/api/v1/municipalities/vejle/targets?assessment=great")
        .send()
        .await
        .field_error(422, "validation.failed", "query.assessment");
    app.get("/api/v1/municipalities/vejle/targets?as_of=tomorrow")
        .send()
        .await
        .field_error(422, "validation.failed", "query.as_of");
}

/// A module that registers a test indicator computed from real data (the strategies a
/// municipality has), as the placements and evidence modules register theirs.
struct IndicatorModule(&'static str);
struct StrategyCount(&'static str);

impl ComputedIndicator for StrategyCount {
    fn key(&self) -> &'static str {
        self.0
    }
    fn description(&self) -> &'static str {
        "test: active strategies of the municipality"
    }
    fn unit(&self) -> &'static str {
        "count"
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        _on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        use retning_goals::schema::strategies;
        let n: i64 = strategies::table
            .filter(strategies::municipality_id.eq(municipality_id))
            .filter(strategies::status.eq("active"))
            .count()
            .get_result(conn)?;
        Ok(Some(n as f64))
    }
}

impl Module for IndicatorModule {
    fn name(&self) -> &'static str {
        "test-indicators"
    }
    fn problem_codes(&self) -> &'static [&'static str] {
        &[]
    }
    fn configure(&self, _cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}
    fn indicators(&self) -> Vec<Arc<dyn ComputedIndicator>> {
        vec![Arc::new(StrategyCount(self.0))]
    }
}

async fn computed_indicator_mechanism(backend: Backend) {
    let options = Options {
        extra_modules: vec![Arc::new(IndicatorModule("test.strategy_count"))],
        ..Options::default()
    };
    let Some(app) = TestApp::with(backend, options).await else {
        return;
    };
    let listed = app.get("/api/v1/indicators").send().await.ok(200);
    assert!(listed.as_array().is_some_and(|a| a
        .iter()
        .any(|i| i["key"] == "test.strategy_count" && i["unit"] == "count")));
    let editor = app.token("vejle", Role::Editor);
    let t = make_target(&app, &editor, json!({"title": "Mindst to strategier", "indicator": "Strategier", "unit": "count", "direction": "increase",
        "baseline_value": 0, "baseline_date": "2020-01-01", "target_value": 3, "frequency": "annual", "source": "computed", "computed_indicator": "test.strategy_count"})).await;
    // Vejle's seeded strategy plus the one make_target created.
    assert_eq!(
        (
            t["source"].as_str(),
            t["latest"]["value"].as_f64(),
            t["latest"]["computed"].as_bool()
        ),
        (Some("computed"), Some(2.0), Some(true))
    );
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    app.post("/api/v1/municipalities/vejle/strategies")
        .bearer(&editor)
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let now = app.get(&turl).send().await.ok(200);
    assert_eq!(
        (now["latest"]["value"].as_f64(), now["assessment"].as_str()),
        (Some(3.0), Some("achieved"))
    );
    // It takes no hand-entered values; a unit that does not match the indicator is refused.
    app.put(&format!("{turl}/measurements/2024-01-01"))
        .bearer(&editor)
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(422, "goals.target.computed", "value");
    app.patch(&turl)
        .bearer(&editor)
        .json(&json!({"unit": "percent", "target_value": 50, "baseline_value": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "unit");
    // Switching back to manual needs the indicator cleared.
    app.patch(&turl)
        .bearer(&editor)
        .json(&json!({"source": "manual"}))
        .send()
        .await
        .field_error(422, "validation.failed", "computed_indicator");
    let manual = app
        .patch(&turl)
        .bearer(&editor)
        .json(&json!({"source": "manual", "computed_indicator": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (manual["source"].as_str(), manual["latest"].is_null()),
        (Some("manual"), true)
    );
}

async fn seed_wires_targets_to_registered_indicators(backend: Backend) {
    // With an indicator of that name registered, the seeded Vordingborg target is computed: the
    // placements module's own when it is compiled in, else a stand-in of the same name.
    let key = "placements.full_year_placements";
    let compiled = retning_api::registry::Registry::new(retning_api::registry::compiled_modules())
        .is_ok_and(|r| r.indicators.contains(key));
    let options = if compiled {
        Options::default()
    } else {
        Options {
            extra_modules: vec![Arc::new(IndicatorModule(key))],
            ..Options::default()
        }
    };
    let Some(app) = TestApp::with(backend, options).await else {
        return;
    };
    let vb = tree(&app, "vordingborg").await;
    let mut t = Vec::new();
    all_targets(&vb["nodes"], &mut t);
    let full_year = target_by_key(&t, "Antallet af helårsanbringelser");
    assert_eq!(
        (
            full_year["source"].as_str(),
            full_year["computed_indicator"].as_str()
        ),
        (Some("computed"), Some(key))
    );
    if compiled {
        // No placements recorded: nothing to compute from.
        assert!(full_year["latest"].is_null(), "{}", full_year["latest"]);
    } else {
        // Judged at its deadline: one active strategy.
        assert_eq!(
            (
                full_year["latest"]["date"].as_str(),
                full_year["latest"]["value"].as_f64()
            ),
            (Some("2017-12-31"), Some(1.0))
        );
    }
    // Only targets whose seed names a registered indicator are wired.
    for x in t.iter().filter(|x| x["id"] != full_year["id"]) {
        let wired = x["computed_indicator"]
            .as_str()
            .is_some_and(|k| app.ctx.registry.indicators.contains(k));
        assert_eq!(x["source"] == "computed", wired, "{}", x["title"]);
        assert!(
            compiled || x["source"] == "manual",
            "only registered indicators are wired"
        );
    }
}

async fn seeding_again_wires_an_indicator_registered_later(backend: Backend) {
    // First start without the indicator, as an installation from before the module existed.
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let key = "placements.share_network";
    let before = app
        .get("/api/v1/municipalities/vejle/targets")
        .send()
        .await
        .ok(200);
    let network = before["items"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| {
                    t["title"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("Vi ville også anbringe flere i netværket"))
                })
                .cloned()
        })
        .unwrap_or_default();
    let id = network["id"].as_i64().unwrap_or_default();
    // Put the target as a database from before the indicator existed holds it: by hand.
    app.with_conn(|c| {
        use retning_goals::schema::targets;
        diesel::update(targets::table.find(id))
            .set((
                targets::source.eq("manual"),
                targets::computed_indicator.eq(None::<String>),
            ))
            .execute(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    // The module arrives (compiled in, or a stand-in where it is not); `retning seed` runs again.
    let mut modules = retning_api::registry::compiled_modules();
    if !app.ctx.registry.indicators.contains(key) {
        modules.push(Arc::new(IndicatorModule(key)));
    }
    let registry = retning_api::registry::Registry::new(modules).unwrap_or_else(|e| panic!("{e}"));
    retning_api::seed::load(app.db(), &registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    let target: (String, Option<String>) = app.with_conn(|c| {
        use retning_goals::schema::targets;
        targets::table
            .find(id)
            .select((targets::source, targets::computed_indicator))
            .first(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    assert_eq!(target, ("computed".to_owned(), Some(key.to_owned())));
    assert_eq!(app.audit_count("wire", "target"), 1);
    // Seeding a third time changes nothing more.
    retning_api::seed::load(app.db(), &registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.audit_count("wire", "target"), 1);
}

async fn comparison_side_by_side(app: TestApp) {
    let cmp = app
        .get("/api/v1/compare?theme=placement-pattern&as_of=2017-06-30")
        .send()
        .await
        .ok(200);
    assert_eq!(cmp["theme"]["slug"], "placement-pattern");
    let by: BTreeMap<String, &Value> = cmp["municipalities"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["municipality"]["slug"].as_str().unwrap_or("").to_owned(),
                        m,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(by.len(), 8);
    let vb = by["vordingborg"];
    assert!(vb["targets"].as_array().is_some_and(|a| a
        .iter()
        .any(|t| t["target_value"].as_f64() == Some(170.0)
            && t["strategy_title"] == "Strategiplan 2014-17 Børn og Familie")));
    assert!(by["vejle"]["targets"]
        .as_array()
        .is_some_and(|a| a.iter().any(|t| t["target_value"].as_f64() == Some(290.0))));
    for slug in ["randers", "vejle", "skanderborg", "vordingborg"] {
        let m = by[slug];
        assert!(
            !m["nodes"].as_array().is_none_or(Vec::is_empty)
                || !m["targets"].as_array().is_none_or(Vec::is_empty),
            "{slug} has nothing on placement-pattern"
        );
        for t in m["targets"].as_array().into_iter().flatten() {
            assert!(t["assessment"].is_string() && t.get("progress").is_some());
        }
    }
    let two = app
        .get("/api/v1/compare?theme=early-detection&municipalities=vordingborg,randers")
        .send()
        .await
        .ok(200);
    let slugs: Vec<&str> = two["municipalities"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["municipality"]["slug"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(slugs, vec!["vordingborg", "randers"]);
    app.get("/api/v1/compare?theme=astrology")
        .send()
        .await
        .field_error(422, "validation.failed", "theme");
    app.get("/api/v1/compare")
        .send()
        .await
        .field_error(422, "validation.failed", "query.theme");
    app.get("/api/v1/compare?theme=early-detection&municipalities=atlantis")
        .send()
        .await
        .field_error(422, "validation.failed", "municipalities");
    let overview = app
        .get("/api/v1/compare/overview?as_of=2018-06-30")
        .send()
        .await
        .ok(200);
    let vb = overview["municipalities"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|m| m["municipality"]["slug"] == "vordingborg")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(
        (vb["strategies"].as_u64(), vb["targets"].as_u64()),
        (Some(1), Some(7))
    );
    let sum: u64 = vb["by_assessment"]
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(sum, 7);
    if app
        .ctx
        .registry
        .indicators
        .contains("placements.full_year_placements")
    {
        // Computed from placements, of which there are none here: nothing to judge.
        assert!(vb["by_assessment"]["not_assessed"]
            .as_u64()
            .is_some_and(|n| n >= 1));
    } else {
        // The 194 -> 170 target has only its baseline by the 2017 deadline: not achieved.
        assert!(vb["by_assessment"]["not_achieved"]
            .as_u64()
            .is_some_and(|n| n >= 1));
    }
}

async fn etag_and_304(app: TestApp) {
    let id = strategy_id(&app, "vordingborg").await;
    let url = format!("/api/v1/municipalities/vordingborg/strategies/{id}/tree?as_of=2020-01-01");
    let first = app.get(&url).send().await;
    first.ok(200);
    let etag = first.header("etag").unwrap_or_default().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = app.get(&url).header("if-none-match", &etag).send().await;
    assert_eq!((again.status, again.body.is_empty()), (304, true));
    // A change makes a new tag.
    let editor = app.token("vordingborg", Role::Editor);
    let tree = app.get(&url).send().await.ok(200);
    let mut t = Vec::new();
    all_targets(&tree["nodes"], &mut t);
    let target = t
        .iter()
        .find(|x| x["source"] == "manual")
        .cloned()
        .unwrap_or_default();
    app.put(&format!(
        "/api/v1/municipalities/vordingborg/targets/{}/measurements/2016-12-31",
        target["id"]
    ))
    .bearer(&editor)
    .json(&json!({"value": 50}))
    .send()
    .await
    .ok(201);
    let changed = app.get(&url).header("if-none-match", &etag).send().await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    for path in [
        "/api/v1/themes",
        "/api/v1/compare?theme=evidence-effect",
        "/api/v1/municipalities/vordingborg/targets",
        "/api/v1/municipalities/vordingborg/strategies",
    ] {
        let r = app.get(path).send().await;
        let tag = r.header("etag").unwrap_or_default().to_owned();
        assert!(!tag.is_empty(), "{path} has no ETag");
        assert_eq!(
            app.get(path)
                .header("if-none-match", &tag)
                .send()
                .await
                .status,
            304,
            "{path}"
        );
    }
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

async fn switched_off_module_is_404(app: TestApp) {
    let op = app.operator_token();
    app.put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&op)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .problem(404, "not_found");
    let editor = app.token("vejle", Role::Editor);
    app.post("/api/v1/municipalities/vejle/strategies")
        .bearer(&editor)
        .json(&new_strategy())
        .send()
        .await
        .problem(404, "not_found");
    // Other municipalities are untouched; Vejle drops out of the comparison.
    app.get("/api/v1/municipalities/randers/strategies")
        .send()
        .await
        .ok(200);
    let cmp = app
        .get("/api/v1/compare?theme=placement-pattern")
        .send()
        .await
        .ok(200);
    assert!(cmp["municipalities"]
        .as_array()
        .is_some_and(|a| a.iter().all(|m| m["municipality"]["slug"] != "vejle")));
    app.put("/api/v1/municipalities/vejle/modules/goals")
        .bearer(&op)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .ok(200);
}

async fn tree_takes_a_fixed_number_of_queries(app: TestApp) {
    // A strategy ten times the size of Vordingborg's, with measurements on every target.
    let small = strategy_id(&app, "vordingborg").await;
    let editor = app.token("vordingborg", Role::Editor);
    let s = app
        .post("/api/v1/municipalities/vordingborg/strategies")
        .bearer(&editor)
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let sid = s["id"].as_i64().unwrap_or_default();
    for i in 0..10 {
        let area = app.post(&format!("/api/v1/municipalities/vordingborg/strategies/{sid}/nodes")).bearer(&editor)
            .json(&json!({"kind": "indsatsområde", "title": format!("Område {i}"), "themes": ["early-detection"]})).send().await.ok(201);
        for j in 0..5 {
            let goal = app.post(&format!("/api/v1/municipalities/vordingborg/strategies/{sid}/nodes")).bearer(&editor)
                .json(&json!({"kind": "mål", "title": format!("Mål {i}.{j}"), "parent_id": area["id"], "unit": "ppr"})).send().await.ok(201);
            let t = app.post(&format!("/api/v1/municipalities/vordingborg/nodes/{}/targets", goal["id"])).bearer(&editor)
                .json(&json!({"title": format!("Andel {i}.{j}"), "indicator": "Andel", "unit": "percent", "direction": "increase",
                    "baseline_value": 10, "baseline_date": "2024-01-01", "target_value": 50, "deadline": "2027-12-31", "frequency": "quarterly",
                    "themes": ["data-knowledge"]})).send().await.ok(201);
            for date in ["2024-06-30", "2024-12-31"] {
                app.put(&format!(
                    "/api/v1/municipalities/vordingborg/targets/{}/measurements/{date}",
                    t["id"]
                ))
                .bearer(&editor)
                .json(&json!({"value": 20 + j}))
                .send()
                .await
                .ok(201);
            }
        }
    }
    let count = |id: i64| {
        app.with_conn(|conn| {
            let m = retning_kernel::tenancy::find_by_slug(conn, "vordingborg")
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("vordingborg"));
            let before = retning_kernel::db::queries_on_this_thread();
            // Without computed indicators: theirs are queries per indicator and date, not per target.
            let none = retning_kernel::indicators::IndicatorRegistry::default();
            let tree = retning_goals::views::strategy_tree(
                conn,
                &m,
                id,
                true,
                &none,
                chrono::Utc::now().date_naive(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            (
                retning_kernel::db::queries_on_this_thread() - before,
                tree.counts.nodes,
                tree.counts.targets,
            )
        })
    };
    let (q_small, n_small, t_small) = count(small);
    let (q_big, n_big, t_big) = count(sid);
    assert_eq!((n_small, t_small, n_big, t_big), (7, 7, 60, 50));
    assert_eq!(
        q_small, q_big,
        "the tree's queries must not grow with its size"
    );
    assert!(q_big <= 10, "{q_big} queries");
}
