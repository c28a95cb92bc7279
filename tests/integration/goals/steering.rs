//! What municipalities steer by besides targets: durations, key figures, the lineage of
//! strategies and the policy level above them.

use super::make_target;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    durations_are_judged_in_both_directions,
    key_figures_are_followed_without_a_target_and_may_get_one,
    a_strategy_builds_on_an_earlier_one_and_the_tree_shows_the_line,
    policy_objectives_are_served_by_nodes,
);

fn target_url(t: &Value) -> String {
    format!("/api/v1/municipalities/vejle/targets/{}", t["id"])
}

async fn judged(app: &TestApp, t: &Value, as_of: &str) -> Value {
    app.get(&format!("{}?as_of={as_of}", target_url(t)))
        .send()
        .await
        .ok(200)
}

async fn durations_are_judged_in_both_directions(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    // A waiting time: lower is better. 30 days at the start of 2024, at most 14 by the end of 2025.
    let wait = make_target(&app, editor.token(), json!({"title": "§ 11,3 tilbud iværksættes i løbet af 14 dage", "indicator": "Dage til opstart",
        "unit": "days", "direction": "decrease", "baseline_value": 30, "baseline_date": "2024-01-01", "target_value": 14,
        "deadline": "2025-12-31", "frequency": "quarterly"})).await;
    assert_eq!(
        (wait["unit"].as_str(), wait["kind"].as_str()),
        (Some("days"), Some("target"))
    );
    for (date, value) in [("2024-06-30", 20), ("2024-12-31", 22)] {
        editor
            .put(&format!("{}/measurements/{date}", target_url(&wait)))
            .json(&json!({"value": value}))
            .send()
            .await
            .ok(201);
    }
    // (30 - 22) / (30 - 14) = 50 % of the way, half the time gone: likely; 20 → 22 days is worse.
    let t = judged(&app, &wait, "2024-12-31").await;
    assert_eq!(t["progress"].as_f64(), Some(50.0));
    assert_eq!(t["assessment"], "likely");
    assert_eq!(t["trend"], "negative");
    editor
        .put(&format!("{}/measurements/2025-06-30", target_url(&wait)))
        .json(&json!({"value": 12}))
        .send()
        .await
        .ok(201);
    let t = judged(&app, &wait, "2025-07-01").await;
    assert_eq!(
        (
            t["assessment"].as_str(),
            t["progress"].as_f64(),
            t["trend"].as_str()
        ),
        (Some("achieved"), Some(100.0), Some("positive"))
    );
    // After the deadline with 22 days again: not achieved.
    editor
        .put(&format!("{}/measurements/2025-12-31", target_url(&wait)))
        .json(&json!({"value": 22}))
        .send()
        .await
        .ok(201);
    assert_eq!(
        judged(&app, &wait, "2026-01-15").await["assessment"],
        "not_achieved"
    );

    // A time in a stable placement: higher is better. 6 months, at least 12 by the end of 2025.
    let stay = make_target(&app, editor.token(), json!({"title": "Længere tid i samme anbringelse", "indicator": "Måneder i samme anbringelse",
        "unit": "months", "direction": "increase", "baseline_value": 6, "baseline_date": "2024-01-01", "target_value": 12,
        "deadline": "2025-12-31", "frequency": "half_yearly"})).await;
    editor
        .put(&format!("{}/measurements/2024-12-31", target_url(&stay)))
        .json(&json!({"value": 7.5}))
        .send()
        .await
        .ok(201);
    // (7.5 - 6) / (12 - 6) = 25 % of the way with half the time gone: 25 points behind, uncertain.
    let t = judged(&app, &stay, "2024-12-31").await;
    assert_eq!(
        (t["progress"].as_f64(), t["assessment"].as_str()),
        (Some(25.0), Some("uncertain"))
    );
    editor
        .put(&format!("{}/measurements/2025-06-30", target_url(&stay)))
        .json(&json!({"value": 13}))
        .send()
        .await
        .ok(201);
    assert_eq!(
        judged(&app, &stay, "2025-06-30").await["assessment"],
        "achieved"
    );

    // A duration is never negative, and the refusal names the field.
    editor
        .put(&format!("{}/measurements/2025-09-30", target_url(&stay)))
        .json(&json!({"value": -1}))
        .send()
        .await
        .field_error(422, "validation.failed", "value");
    editor
        .patch(&target_url(&wait))
        .json(&json!({"target_value": -3}))
        .send()
        .await
        .field_error(422, "validation.failed", "target_value");
    editor
        .patch(&target_url(&wait))
        .json(&json!({"unit": "weeks"}))
        .send()
        .await
        .field_error(422, "validation.failed", "unit");
}

async fn key_figures_are_followed_without_a_target_and_may_get_one(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let k = make_target(&app, editor.token(), json!({"title": "I ca. 60 % af de § 11 forløb lukkes sagerne helt", "indicator": "Andel lukkede sager",
        "unit": "percent", "direction": "increase", "frequency": "annual", "themes": ["early-preventive-effort"]})).await;
    assert_eq!(k["kind"], "key_figure");
    for (date, value) in [("2023-12-31", 55), ("2024-12-31", 60)] {
        editor
            .put(&format!("{}/measurements/{date}", target_url(&k)))
            .json(&json!({"value": value}))
            .send()
            .await
            .ok(201);
    }
    // Followed: the latest value, a trend and staleness, never an assessment or progress.
    let t = judged(&app, &k, "2025-06-30").await;
    assert_eq!(
        (
            t["latest"]["value"].as_f64(),
            t["trend"].as_str(),
            t["stale"].as_bool(),
            t["assessment"].as_str(),
            t["progress"].as_f64()
        ),
        (
            Some(60.0),
            Some("positive"),
            Some(false),
            Some("not_assessed"),
            None
        )
    );
    assert_eq!(judged(&app, &k, "2026-06-30").await["stale"], true);
    // The list tells key figures and targets apart.
    let strategy = k["strategy_id"].as_i64().unwrap_or_default();
    let listed = |kind: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get(&format!(
                    "/api/v1/municipalities/vejle/targets?strategy={strategy}&kind={kind}"
                ))
                .send()
                .await
                .ok(200);
            page["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|t| t["id"].as_i64().unwrap_or_default())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("key_figure").await,
        vec![k["id"].as_i64().unwrap_or_default()]
    );
    assert!(listed("target").await.is_empty());
    app.get("/api/v1/municipalities/vejle/targets?kind=goal")
        .send()
        .await
        .field_error(422, "validation.failed", "query.kind");
    // It may get a target later: then it is judged.
    let t = editor
        .patch(&target_url(&k))
        .json(&json!({"target_value": 70, "baseline_value": 55, "baseline_date": "2023-12-31", "deadline": "2025-12-31"}))
        .send()
        .await
        .ok(200);
    assert_eq!(t["kind"], "target");
    let t = judged(&app, &k, "2024-12-31").await;
    // (60 - 55) / (70 - 55) = 33.33 % with half the time gone: 16.7 points behind, uncertain.
    assert_eq!(
        (t["progress"].as_f64(), t["assessment"].as_str()),
        (Some(33.33), Some("uncertain"))
    );
    assert_eq!(
        listed("target").await,
        vec![k["id"].as_i64().unwrap_or_default()]
    );
}

async fn a_strategy_builds_on_an_earlier_one_and_the_tree_shows_the_line(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let create = |body: Value| {
        let editor = &editor;
        async move {
            editor
                .post("/api/v1/municipalities/vejle/strategies")
                .json(&body)
                .send()
                .await
        }
    };
    let first = create(json!({"title": "Forebyggelse i Forandring", "visibility": "internal", "period_start": "2012-01-01"}))
        .await
        .ok(201);
    let second = create(json!({"title": "Faglig Omstilling 2.0", "visibility": "public", "period_start": "2013-01-01", "period_end": "2016-12-31",
        "builds_on": first["id"]}))
        .await
        .ok(201);
    let third = create(json!({"title": "Vi vil MER' – sammen", "visibility": "public", "period_start": "2017-01-01", "period_end": "2020-12-31",
        "builds_on": second["id"], "follow_up_recipients": ["Børne- og Familieudvalget"]}))
        .await
        .ok(201);
    assert_eq!(
        (
            third["builds_on"].clone(),
            third["follow_up_recipients"].clone()
        ),
        (second["id"].clone(), json!(["Børne- og Familieudvalget"]))
    );
    let tree = |id: &Value, who: Option<&str>| {
        let app = &app;
        let url = format!("/api/v1/municipalities/vejle/strategies/{id}/tree");
        let token = who.map(str::to_owned);
        async move {
            let req = app.get(&url);
            let req = match &token {
                Some(t) => req.bearer(t),
                None => req,
            };
            req.send().await.ok(200)
        }
    };
    let titles = |t: &Value| {
        t["lineage"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| s["title"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    // A public strategy shows the public line only, the same to everyone who may see it.
    assert_eq!(
        titles(&tree(&third["id"], None).await),
        vec!["Faglig Omstilling 2.0"]
    );
    assert_eq!(
        titles(&tree(&third["id"], Some(editor.token())).await),
        vec!["Faglig Omstilling 2.0"]
    );
    assert_eq!(
        tree(&third["id"], None).await["lineage"][0]["period_end"],
        "2016-12-31"
    );
    // Made internal, its readers are members: they see the whole line.
    editor
        .patch(&format!(
            "/api/v1/municipalities/vejle/strategies/{}",
            third["id"]
        ))
        .json(&json!({"visibility": "internal"}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        titles(&tree(&third["id"], Some(editor.token())).await),
        vec!["Faglig Omstilling 2.0", "Forebyggelse i Forandring"]
    );
    // No circle, and no other municipality's strategy.
    editor
        .patch(&format!(
            "/api/v1/municipalities/vejle/strategies/{}",
            first["id"]
        ))
        .json(&json!({"builds_on": third["id"]}))
        .send()
        .await
        .field_error(422, "goals.strategy.lineage_cycle", "builds_on");
    let randers = super::strategy_id(&app, "randers").await;
    create(json!({"title": "Lånt", "builds_on": randers}))
        .await
        .field_error(422, "validation.failed", "builds_on");
    // Cleared with null.
    let cleared = editor
        .patch(&format!(
            "/api/v1/municipalities/vejle/strategies/{}",
            second["id"]
        ))
        .json(&json!({"builds_on": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(cleared["builds_on"], Value::Null);
}

async fn policy_objectives_are_served_by_nodes(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let base = "/api/v1/municipalities/vejle";
    let created_before = app.audit_count("create", "policy");
    let policy = editor
        .post(&format!("{base}/policies"))
        .json(&json!({"title": "Børne- og Ungepolitik (udkast)", "visibility": "internal", "adopted_by": "Byrådet",
            "objectives": [{"title": "Børn og unge i vækst"}, {"title": "Fællesskab rykker", "body": "Alle skal være med."}]}))
        .send()
        .await
        .ok(201);
    assert_eq!(app.audit_count("create", "policy"), created_before + 1);
    let objectives: Vec<i64> = policy["objectives"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| o["id"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(objectives.len(), 2);
    assert_eq!(policy["objectives"][1]["body"], "Alle skal være med.");
    // A node serves an objective.
    let strategy = editor
        .post(&format!("{base}/strategies"))
        .json(&json!({"title": "Strategi", "visibility": "internal"}))
        .send()
        .await
        .ok(201);
    let node = editor
        .post(&format!("{base}/strategies/{}/nodes", strategy["id"]))
        .json(&json!({"kind": "mål", "title": "Tidlig indsats", "serves": [objectives[0]]}))
        .send()
        .await
        .ok(201);
    assert_eq!(node["serves"], json!([objectives[0]]));
    let p = editor
        .get(&format!("{base}/policies/{}", policy["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(p["objectives"][0]["served_by"][0]["node_id"], node["id"]);
    assert_eq!(p["objectives"][1]["served_by"], json!([]));
    let tree = editor
        .get(&format!("{base}/strategies/{}/tree", strategy["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(tree["nodes"][0]["serves"], json!([objectives[0]]));
    // Only objectives of the municipality.
    editor
        .patch(&format!("{base}/nodes/{}", node["id"]))
        .json(&json!({"serves": [objectives[1], 999_999]}))
        .send()
        .await
        .field_error(422, "validation.failed", "serves[1]");
    // A served objective stays until nothing serves it.
    editor
        .delete(&format!("{base}/objectives/{}", objectives[0]))
        .send()
        .await
        .problem(409, "goals.objective.served");
    editor
        .patch(&format!("{base}/nodes/{}", node["id"]))
        .json(&json!({"serves": [objectives[1]]}))
        .send()
        .await
        .ok(200);
    editor
        .delete(&format!("{base}/objectives/{}", objectives[0]))
        .send()
        .await;
    let p = editor
        .get(&format!("{base}/policies/{}", policy["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(p["objectives"].as_array().map(Vec::len), Some(1));
    let p = editor
        .post(&format!("{base}/policies/{}/objectives", policy["id"]))
        .json(&json!({"title": "Verden venter"}))
        .send()
        .await
        .ok(201);
    assert_eq!(p["objectives"][1]["title"], "Verden venter");
    // An internal policy is the municipality's own: 404 for others and for the public.
    let url = format!("{base}/policies/{}", policy["id"]);
    app.get(&url).send().await.problem(404, "not_found");
    app.member("randers", Role::Admin)
        .get(&url)
        .send()
        .await
        .problem(404, "not_found");
    app.member("randers", Role::Admin)
        .patch(&url)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .problem(404, "not_found");
    let public: Vec<String> = app
        .get(&format!("{base}/policies"))
        .send()
        .await
        .ok(200)
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        !public.contains(&"Børne- og Ungepolitik (udkast)".to_owned()),
        "{public:?}"
    );
    // Validation names the field.
    editor
        .post(&format!("{base}/policies"))
        .json(&json!({"title": "P", "objectives": [{"title": ""}]}))
        .send()
        .await
        .field_error(422, "validation.failed", "objectives[0].title");
}
