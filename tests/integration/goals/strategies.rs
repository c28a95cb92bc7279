//! Strategies: the seeded documents, CRUD and permissions, visibility, ETag, the tree's query
//! count, the module switch.

use super::{new_strategy, strategy_id, tree};
use retning_kernel::auth::{KeyScope, Role};
use retning_tests::tree::{all_targets, target_by_key};
use retning_tests::{both_backends, Method, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

both_backends!(
    seeded_randers_strategy_matches_its_document,
    seeded_vejle_strategy_matches_its_document,
    seeded_skanderborg_strategy_matches_its_document,
    seeded_vordingborg_strategy_matches_its_document,
    seeded_themes_are_listed,
    strategy_crud_and_permissions,
    internal_strategies_are_invisible_to_others,
    etag_and_304,
    switched_off_module_is_404,
    tree_takes_a_fixed_number_of_queries,
);

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

async fn seeded_randers_strategy_matches_its_document(app: TestApp) {
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
}

async fn seeded_vejle_strategy_matches_its_document(app: TestApp) {
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
    // The foundation's 2016 targets belong to Faglig Omstilling 2.0, which this strategy builds
    // on: see goals::seeded.
    assert_eq!(vejle["lineage"][0]["title"], "Faglig Omstilling 2.0");
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
}

async fn seeded_skanderborg_strategy_matches_its_document(app: TestApp) {
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
}

async fn seeded_vordingborg_strategy_matches_its_document(app: TestApp) {
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
    // Seven targets and four key figures (#13).
    assert_eq!(t.len(), 11);
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
}

async fn seeded_themes_are_listed(app: TestApp) {
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

async fn strategy_crud_and_permissions(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let viewer = app.member("vejle", Role::Viewer);
    let outsider = app.member("randers", Role::Admin);
    let url = "/api/v1/municipalities/vejle/strategies";
    app.access(Method::POST, url)
        .json(&new_strategy())
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&outsider, 404, "not_found")
        .check()
        .await;
    let created = editor.post(url).json(&new_strategy()).send().await;
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
    let body = editor
        .post(url)
        .json(&bad)
        .send()
        .await
        .problem(422, "validation.failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, vec!["title", "period_end"]);
    editor
        .post(url)
        .json(&json!({"title": "x", "period_start": "2025-13-01"}))
        .send()
        .await
        .field_error(422, "validation.failed", "period_start");
    editor
        .post(url)
        .json(&json!({"title": "x", "visibility": "secret"}))
        .send()
        .await
        .field_error(422, "validation.failed", "visibility");
    // Update: only the fields given; null clears.
    let patched = editor
        .patch(&format!("{url}/{id}"))
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
    viewer
        .patch(&format!("{url}/{id}"))
        .json(&json!({"title": "y"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    // Nodes: any depth, the municipality's own words.
    let top = editor.post(&format!("{url}/{id}/nodes")).json(&json!({"kind": "fokusområde", "title": "Tidlig opsporing", "themes": ["early-detection"]})).send().await.ok(201);
    let child = editor.post(&format!("{url}/{id}/nodes")).json(&json!({"kind": "mål", "title": "Alle dagtilbud bruger samme model", "parent_id": top["id"]})).send().await.ok(201);
    let grandchild = editor.post(&format!("{url}/{id}/nodes")).json(&json!({"kind": "delmål", "title": "Uddannelse", "parent_id": child["id"], "unit": "sundhedsplejen"})).send().await.ok(201);
    assert_eq!(grandchild["unit"]["name"], "Sundhedsplejen");
    editor
        .post(&format!("{url}/{id}/nodes"))
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
    editor
        .delete(&format!("/api/v1/municipalities/vejle/nodes/{}", top["id"]))
        .send()
        .await
        .problem(409, "goals.node.not_empty");
    editor
        .delete(&format!(
            "/api/v1/municipalities/vejle/nodes/{}",
            grandchild["id"]
        ))
        .send()
        .await
        .ok(204);
    // Archive: not deleted, read-only, listed under status=archived.
    let archived = editor
        .post(&format!("{url}/{id}/archive"))
        .send()
        .await
        .ok(200);
    assert_eq!(archived["status"], "archived");
    editor
        .patch(&format!("{url}/{id}"))
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
    let admin = app.member("vejle", Role::Admin);
    for (scope, status) in [(KeyScope::Read, 403), (KeyScope::Write, 201)] {
        let key = admin
            .post("/api/v1/municipalities/vejle/api-keys")
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
    let editor = app.member("vejle", Role::Editor);
    let mut body = new_strategy();
    body["visibility"] = json!("internal");
    body["title"] = json!("Intern handleplan");
    let s = editor
        .post("/api/v1/municipalities/vejle/strategies")
        .json(&body)
        .send()
        .await
        .ok(201);
    let id = s["id"].as_i64().unwrap_or_default();
    let node = editor
        .post(&format!(
            "/api/v1/municipalities/vejle/strategies/{id}/nodes"
        ))
        .json(&json!({"kind": "mål", "title": "Hemmeligt mål", "themes": ["placement-pattern"]}))
        .send()
        .await
        .ok(201);
    let target = editor.post(&format!("/api/v1/municipalities/vejle/nodes/{}/targets", node["id"]))
        .json(&json!({"title": "Færre anbringelser", "indicator": "Antal", "unit": "count", "direction": "decrease", "target_value": 10, "frequency": "annual", "themes": ["placement-pattern"]})).send().await.ok(201);
    let tid = target["id"].as_i64().unwrap_or_default();
    let viewer = app.member("vejle", Role::Viewer);
    let outsider = app.member("randers", Role::Admin);
    let paths = [
        format!("/api/v1/municipalities/vejle/strategies/{id}"),
        format!("/api/v1/municipalities/vejle/strategies/{id}/tree"),
        format!("/api/v1/municipalities/vejle/targets/{tid}"),
        format!("/api/v1/municipalities/vejle/targets/{tid}/measurements"),
    ];
    for p in &paths {
        app.access(Method::GET, p)
            .answers(&app.anonymous(), 404, "not_found")
            .answers(&outsider, 404, "not_found")
            .check()
            .await;
        viewer.get(p).send().await.ok(200);
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
    outsider
        .put(&format!(
            "/api/v1/municipalities/vejle/targets/{tid}/measurements/2024-01-01"
        ))
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
    let own_list = viewer
        .get("/api/v1/municipalities/vejle/strategies")
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
    let cmp = outsider
        .get("/api/v1/compare?theme=placement-pattern")
        .send()
        .await
        .ok(200);
    assert!(!cmp.to_string().contains("Færre anbringelser"));
    let own = viewer
        .get("/api/v1/compare?theme=placement-pattern")
        .send()
        .await
        .ok(200);
    assert!(own.to_string().contains("Færre anbringelser"));
    // A read key of the municipality sees it.
    let admin = app.member("vejle", Role::Admin);
    let key = admin
        .post("/api/v1/municipalities/vejle/api-keys")
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
    let editor = app.member("vordingborg", Role::Editor);
    let tree = app.get(&url).send().await.ok(200);
    let mut t = Vec::new();
    all_targets(&tree["nodes"], &mut t);
    let target = t
        .iter()
        .find(|x| x["source"] == "manual")
        .cloned()
        .unwrap_or_default();
    editor
        .put(&format!(
            "/api/v1/municipalities/vordingborg/targets/{}/measurements/2016-12-31",
            target["id"]
        ))
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

async fn switched_off_module_is_404(app: TestApp) {
    let op = app.operator();
    op.put("/api/v1/municipalities/vejle/modules/goals")
        .json(&json!({"enabled": false}))
        .send()
        .await
        .ok(200);
    app.get("/api/v1/municipalities/vejle/strategies")
        .send()
        .await
        .problem(404, "not_found");
    let editor = app.member("vejle", Role::Editor);
    editor
        .post("/api/v1/municipalities/vejle/strategies")
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
    op.put("/api/v1/municipalities/vejle/modules/goals")
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
    let editor = app.member("vordingborg", Role::Editor);
    let s = editor
        .post("/api/v1/municipalities/vordingborg/strategies")
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let sid = s["id"].as_i64().unwrap_or_default();
    for i in 0..10 {
        let area = editor.post(&format!("/api/v1/municipalities/vordingborg/strategies/{sid}/nodes"))
            .json(&json!({"kind": "indsatsområde", "title": format!("Område {i}"), "themes": ["early-detection"]})).send().await.ok(201);
        for j in 0..5 {
            let goal = editor.post(&format!("/api/v1/municipalities/vordingborg/strategies/{sid}/nodes"))
                .json(&json!({"kind": "mål", "title": format!("Mål {i}.{j}"), "parent_id": area["id"], "unit": "ppr-og-forebyggelse"})).send().await.ok(201);
            let t = editor.post(&format!("/api/v1/municipalities/vordingborg/nodes/{}/targets", goal["id"]))
                .json(&json!({"title": format!("Andel {i}.{j}"), "indicator": "Andel", "unit": "percent", "direction": "increase",
                    "baseline_value": 10, "baseline_date": "2024-01-01", "target_value": 50, "deadline": "2027-12-31", "frequency": "quarterly",
                    "themes": ["data-knowledge"]})).send().await.ok(201);
            for date in ["2024-06-30", "2024-12-31"] {
                editor
                    .put(&format!(
                        "/api/v1/municipalities/vordingborg/targets/{}/measurements/{date}",
                        t["id"]
                    ))
                    .json(&json!({"value": 20 + j}))
                    .send()
                    .await
                    .ok(201);
            }
            // An initiative per goal, linked to its target, with a follow-up.
            let i = editor.post(&format!("/api/v1/municipalities/vordingborg/nodes/{}/initiatives", goal["id"]))
                .json(&json!({"title": format!("Handling {i}.{j}"), "planned_end": "2025-12-31", "targets": [t["id"]], "programmes": ["FFT"]}))
                .send().await.ok(201);
            editor
                .put(&format!(
                    "/api/v1/municipalities/vordingborg/initiatives/{}/updates/2025-06-30",
                    i["id"]
                ))
                .json(&json!({"status": "started", "note": "I gang"}))
                .send()
                .await
                .ok(201);
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
            let row = retning_goals::repo::strategy(conn, m.id, id, true)
                .unwrap_or_else(|e| panic!("{e}"));
            let tree = retning_goals::views::strategy_tree(
                conn,
                &m,
                row,
                &none,
                chrono::Utc::now().date_naive(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            (
                retning_kernel::db::queries_on_this_thread() - before,
                tree.counts.nodes,
                tree.counts.targets,
                tree.counts.initiatives,
            )
        })
    };
    let (q_small, n_small, t_small, i_small) = count(small);
    let (q_big, n_big, t_big, i_big) = count(sid);
    assert_eq!(
        (n_small, t_small, i_small, n_big, t_big, i_big),
        (7, 11, 5, 60, 50, 50)
    );
    // The small tree has computed targets (their data versions are read once), the big one
    // none: the big one may take fewer, never more.
    assert!(
        q_big <= q_small,
        "the tree's queries must not grow with its size: {q_small} then {q_big}"
    );
    // Ten, and three for the initiatives (them, their latest follow-ups, their links).
    assert!(q_small <= 13, "{q_small} queries");
}
