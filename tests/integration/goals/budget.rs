//! Budget figures of strategy areas, and the share of the spend that goes to placements.

use super::new_strategy;
use actix_web::http::Method;
use chrono::NaiveDate;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    budget_figures_are_set_replaced_listed_and_removed,
    a_node_and_its_ancestor_never_both_have_a_year,
    budget_figures_are_read_and_written_as_targets_are,
    placement_cost_and_share_of_budget_match_hand_computed_figures,
);

const M: &str = "/api/v1/municipalities";

/// A strategy of Vejle (`visibility`) with an area and two sub-areas, arranged through the
/// goals module's own operations: (strategy id, area, placements sub-area, prevention sub-area).
fn areas(app: &TestApp, visibility: &str) -> (i64, i64, i64, i64) {
    app.arrange("vejle", |conn, scope| {
        let mut s = new_strategy();
        s["visibility"] = json!(visibility);
        let s = serde_json::from_value(s).unwrap_or_else(|e| panic!("{e}"));
        let s = retning_goals::ops::create_strategy(conn, scope, &s)?;
        let mut node = |parent: Option<i64>, title: &str| {
            let n = json!({"parent_id": parent, "kind": "område", "title": title});
            let n = serde_json::from_value(n).unwrap_or_else(|e| panic!("{e}"));
            retning_goals::ops::create_node(conn, scope, s.id, &n).map(|v| v.id)
        };
        let area = node(None, "Børn og unge")?;
        let placements = node(Some(area), "Anbringelser")?;
        let prevention = node(Some(area), "Forebyggelse")?;
        Ok((s.id, area, placements, prevention))
    })
}

fn budget_url(node: i64, year: i32) -> String {
    format!("{M}/vejle/nodes/{node}/budget/{year}")
}

async fn budget_figures_are_set_replaced_listed_and_removed(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let (s, _, placements, prevention) = areas(&app, "public");
    let created = editor
        .put(&budget_url(placements, 2024))
        .json(&json!({"budget_dkk": 1_100_000, "note": "Vedtaget budget"}))
        .send()
        .await;
    assert_eq!(
        created.header("location"),
        Some(budget_url(placements, 2024).as_str())
    );
    let created = created.ok(201);
    assert_eq!(
        created,
        json!({"node_id": placements, "node_title": "Anbringelser", "year": 2024, "budget_dkk": 1_100_000,
               "spend_dkk": null, "note": "Vedtaget budget"})
    );
    // A PUT replaces the whole year: the budget it leaves out is gone.
    let replaced = editor
        .put(&budget_url(placements, 2024))
        .json(&json!({"spend_dkk": 1_200_000}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            replaced["budget_dkk"].clone(),
            replaced["spend_dkk"].as_i64(),
            replaced["note"].clone()
        ),
        (Value::Null, Some(1_200_000), Value::Null)
    );
    for (node, year, body) in [
        (prevention, 2024, json!({"budget_dkk": 473_250})),
        (
            placements,
            2023,
            json!({"budget_dkk": 1_000_000, "spend_dkk": 990_000}),
        ),
        (
            prevention,
            2023,
            json!({"budget_dkk": 400_000, "spend_dkk": 410_001}),
        ),
        (placements, 2025, json!({"budget_dkk": 1_300_000})),
    ] {
        editor
            .put(&budget_url(node, year))
            .json(&body)
            .send()
            .await
            .ok(201);
    }
    // Totals per year, added up in the database; a year without any spend has a null total.
    let list = app
        .get(&format!(
            "{M}/vejle/strategies/{s}/budget?year_from=2023&year_to=2024"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(
        list["totals"],
        json!([
            {"year": 2023, "budget_dkk": 1_400_000, "spend_dkk": 1_400_001, "areas": 2},
            {"year": 2024, "budget_dkk": 473_250, "spend_dkk": 1_200_000, "areas": 2},
        ])
    );
    let rows: Vec<(i64, i64)> = list["figures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["year"].as_i64().unwrap_or(0),
                        f["node_id"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        rows,
        vec![
            (2023, placements),
            (2023, prevention),
            (2024, placements),
            (2024, prevention)
        ]
    );
    let all = app
        .get(&format!("{M}/vejle/strategies/{s}/budget"))
        .send()
        .await
        .ok(200);
    assert_eq!(all["totals"].as_array().map(Vec::len), Some(3));
    app.get(&format!(
        "{M}/vejle/strategies/{s}/budget?year_from=2025&year_to=2024"
    ))
    .send()
    .await
    .field_error(422, "validation.failed", "query.year_to");
    app.get(&format!("{M}/vejle/strategies/{s}/budget?year=2024"))
        .send()
        .await
        .problem(422, "validation.failed");

    // The CSV has the same rows.
    let r = app
        .get(&format!(
            "{M}/vejle/strategies/{s}/budget.csv?year_from=2024&year_to=2024"
        ))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap_or_default().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        records,
        vec![
            vec![
                s.to_string(),
                placements.to_string(),
                "Anbringelser".into(),
                "2024".into(),
                "".into(),
                "1200000".into(),
                "".into()
            ],
            vec![
                s.to_string(),
                prevention.to_string(),
                "Forebyggelse".into(),
                "2024".into(),
                "473250".into(),
                "".into(),
                "".into()
            ],
        ]
    );

    // Amounts are whole, non-negative kroner, and a year needs at least one.
    let url = budget_url(placements, 2026);
    editor
        .put(&url)
        .json(&json!({"budget_dkk": -1}))
        .send()
        .await
        .field_error(422, "validation.failed", "budget_dkk");
    editor
        .put(&url)
        .json(&json!({"spend_dkk": 10.5}))
        .send()
        .await
        .field_error(422, "validation.failed", "spend_dkk");
    editor
        .put(&url)
        .json(&json!({"note": "intet beløb"}))
        .send()
        .await
        .field_error(422, "validation.failed", "budget_dkk");
    editor
        .put(&budget_url(placements, 1800))
        .json(&json!({"budget_dkk": 1}))
        .send()
        .await
        .field_error(422, "validation.failed", "year");

    // Removing: 204, then 404; a node with figures is not removed.
    editor
        .delete(&format!("{M}/vejle/nodes/{prevention}"))
        .send()
        .await
        .problem(409, "goals.node.not_empty");
    editor
        .delete(&budget_url(placements, 2025))
        .send()
        .await
        .ok(204);
    editor
        .delete(&budget_url(placements, 2025))
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit_count("create", "budget_figure"), 5);
    assert_eq!(app.audit_count("update", "budget_figure"), 1);
    assert_eq!(app.audit_count("delete", "budget_figure"), 1);
}

async fn a_node_and_its_ancestor_never_both_have_a_year(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let (s, area, placements, prevention) = areas(&app, "public");
    editor
        .put(&budget_url(area, 2024))
        .json(&json!({"budget_dkk": 2_000_000}))
        .send()
        .await
        .ok(201);
    // Below the area, and (another year on the sub-area) above it.
    editor
        .put(&budget_url(placements, 2024))
        .json(&json!({"budget_dkk": 1}))
        .send()
        .await
        .problem(409, "goals.budget.nested");
    editor
        .put(&budget_url(prevention, 2025))
        .json(&json!({"budget_dkk": 5}))
        .send()
        .await
        .ok(201);
    editor
        .put(&budget_url(area, 2025))
        .json(&json!({"budget_dkk": 7}))
        .send()
        .await
        .problem(409, "goals.budget.nested");
    // Siblings may both have a year; the area's own year may be replaced.
    editor
        .put(&budget_url(placements, 2025))
        .json(&json!({"budget_dkk": 6}))
        .send()
        .await
        .ok(201);
    editor
        .put(&budget_url(area, 2024))
        .json(&json!({"budget_dkk": 2_100_000}))
        .send()
        .await
        .ok(200);
    let list = app
        .get(&format!("{M}/vejle/strategies/{s}/budget"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        list["totals"],
        json!([
            {"year": 2024, "budget_dkk": 2_100_000, "spend_dkk": null, "areas": 1},
            {"year": 2025, "budget_dkk": 11, "spend_dkk": null, "areas": 2},
        ])
    );
    assert_eq!(app.audit_count("create", "budget_figure"), 3);
}

async fn budget_figures_are_read_and_written_as_targets_are(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let viewer = app.member("vejle", Role::Viewer);
    let outsider = app.member("randers", Role::Editor);
    let anonymous = app.anonymous();
    let (internal, _, node, _) = areas(&app, "internal");
    editor
        .put(&budget_url(node, 2024))
        .json(&json!({"budget_dkk": 10, "note": "Intern note"}))
        .send()
        .await
        .ok(201);
    let read = format!("{M}/vejle/strategies/{internal}/budget");
    let figures = viewer.get(&read).send().await.ok(200);
    assert_eq!(figures["figures"][0]["note"], "Intern note");
    app.access(Method::GET, &read)
        .answers(&anonymous, 404, "not_found")
        .answers(&outsider, 404, "not_found")
        .check()
        .await;
    app.access(Method::GET, &format!("{read}.csv"))
        .answers(&anonymous, 404, "not_found")
        .check()
        .await;
    // Writes: editors of the municipality only; another municipality's node is not found.
    let body = json!({"budget_dkk": 11});
    app.access(Method::PUT, &budget_url(node, 2024))
        .json(&body)
        .answers(&viewer, 403, "auth.forbidden")
        .answers(&anonymous, 401, "auth.required")
        .check()
        .await;
    outsider
        .put(&format!("{M}/randers/nodes/{node}/budget/2024"))
        .json(&body)
        .send()
        .await
        .problem(404, "not_found");
    // A public strategy's figures are anyone's to read.
    let (public, _, pnode, _) = areas(&app, "public");
    editor
        .put(&budget_url(pnode, 2024))
        .json(&json!({"spend_dkk": 3}))
        .send()
        .await
        .ok(201);
    let seen = anonymous
        .get(&format!("{M}/vejle/strategies/{public}/budget"))
        .send()
        .await
        .ok(200);
    assert_eq!(seen["totals"][0]["spend_dkk"], 3);
    // An archived strategy is read-only.
    editor
        .post(&format!("{M}/vejle/strategies/{public}/archive"))
        .send()
        .await
        .ok(200);
    editor
        .put(&budget_url(pnode, 2025))
        .json(&json!({"spend_dkk": 3}))
        .send()
        .await
        .problem(409, "goals.strategy.archived");
    editor
        .delete(&budget_url(pnode, 2024))
        .send()
        .await
        .problem(409, "goals.strategy.archived");
}

/// A compact measure: child_ref, category, kind, start, end, yearly cost.
type Measure<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<i64>,
);

/// Creates placements and support measures through the placements module's own operation.
fn measures(app: &TestApp, municipality: &str, rows: &[Measure<'_>]) {
    for (child, category, kind, start, end, cost) in rows {
        let body = json!({"child_ref": child, "birth_year": 2010, "category": category, "kind": kind,
            "start_date": start, "end_date": end, "yearly_cost_dkk": cost});
        let input = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        app.arrange(municipality, |conn, scope| {
            retning_placements::ops::create_measure(conn, scope, input)
        });
    }
}

fn indicator(app: &TestApp, key: &str, municipality: &str, on: &str) -> Option<f64> {
    let mid = app.municipality_id(municipality);
    let on: NaiveDate = on.parse().unwrap_or_default();
    app.with_conn(|conn| {
        app.ctx
            .registry
            .indicators
            .compute(conn, key, mid, on)
            .unwrap_or_else(|e| panic!("{key}: {e}"))
    })
}

const COST: &str = "placements.placement_cost";
const SHARE: &str = "goals.share_of_budget_on_placements";

async fn placement_cost_and_share_of_budget_match_hand_computed_figures(app: TestApp) {
    let listed = app.get("/api/v1/indicators").send().await.ok(200);
    let unit = |key: &str| {
        listed
            .as_array()
            .and_then(|a| a.iter().find(|i| i["key"] == key))
            .map(|i| i["unit"].clone())
    };
    assert_eq!(
        (unit(COST), unit(SHARE)),
        (Some(json!("dkk")), Some(json!("percent")))
    );
    // 2024 is a leap year: 366 days, so a yearly cost is 1/366 of it per day placed.
    measures(
        &app,
        "vejle",
        &[
            // A: the whole year: 366 000 × 366/366 = 366 000.
            (
                "A",
                "placement",
                "almen_plejefamilie",
                "2024-01-01",
                None,
                Some(366_000),
            ),
            // B: 1 July - 31 December, 184 days: 1 098 000 ÷ 366 × 184 = 3 000 × 184 = 552 000.
            (
                "B",
                "placement",
                "doegninstitution",
                "2024-07-01",
                None,
                Some(1_098_000),
            ),
            // C: from 2023, until 31 March 2024: 91 days of 2024: 2 000 × 91 = 182 000.
            (
                "C",
                "placement",
                "opholdssted",
                "2023-06-01",
                Some("2024-03-31"),
                Some(732_000),
            ),
            // D: January, no cost: counts 0.
            (
                "D",
                "placement",
                "netvaerksplejefamilie",
                "2024-01-01",
                Some("2024-01-31"),
                None,
            ),
            // E: December, 31 days: 183 000 ÷ 366 × 31 = 500 × 31 = 15 500.
            (
                "E",
                "placement",
                "almen_plejefamilie",
                "2024-12-01",
                None,
                Some(183_000),
            ),
            // A support measure's cost is not a placement's.
            (
                "F",
                "support",
                "aflastning",
                "2024-01-01",
                None,
                Some(999_999),
            ),
        ],
    );
    // 366 000 + 552 000 + 182 000 + 0 + 15 500 = 1 115 500 kr., five children.
    assert_eq!(
        indicator(&app, COST, "vejle", "2024-12-31"),
        Some(1_115_500.0)
    );
    // 2023 rests on one child (C): withheld as the statistics withhold it.
    assert_eq!(indicator(&app, COST, "vejle", "2023-12-31"), None);
    // No budget figures yet: no share.
    assert_eq!(indicator(&app, SHARE, "vejle", "2024-12-31"), None);

    let editor = app.member("vejle", Role::Editor);
    let (_, _, placements, prevention) = areas(&app, "public");
    // 2024 spend: 1 200 000 (spend) + 473 250 (no spend, so its budget) = 1 673 250 kr.
    editor
        .put(&budget_url(placements, 2024))
        .json(&json!({"budget_dkk": 1_000_000, "spend_dkk": 1_200_000}))
        .send()
        .await
        .ok(201);
    editor
        .put(&budget_url(prevention, 2024))
        .json(&json!({"budget_dkk": 473_250}))
        .send()
        .await
        .ok(201);
    // An internal strategy's figures are left out (a target's value is anyone's to see).
    let (_, _, hidden, _) = areas(&app, "internal");
    editor
        .put(&budget_url(hidden, 2024))
        .json(&json!({"spend_dkk": 9_000_000}))
        .send()
        .await
        .ok(201);
    // 1 115 500 ÷ 1 673 250 × 100 = 66.666… → 66.7 (two thirds, as Vordingborg's text has it).
    assert_eq!(indicator(&app, SHARE, "vejle", "2024-12-31"), Some(66.7));
    // 2023: no figures and a withheld cost.
    assert_eq!(indicator(&app, SHARE, "vejle", "2023-12-31"), None);

    // A target computed from it shows the value, judged at its deadline.
    let t = super::make_target(&app, editor.token(), json!({"title": "Andel af budgettet til anbringelser", "indicator": "Andel af forbruget",
        "unit": "percent", "direction": "decrease", "baseline_value": 70, "baseline_date": "2023-12-31", "target_value": 60,
        "deadline": "2024-12-31", "frequency": "annual", "source": "computed", "computed_indicator": SHARE})).await;
    let seen = app
        .get(&format!("{M}/vejle/targets/{}?as_of=2025-03-01", t["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            seen["latest"]["date"].as_str(),
            seen["latest"]["value"].as_f64(),
            seen["latest"]["computed"].as_bool()
        ),
        (Some("2024-12-31"), Some(66.7), Some(true))
    );
    // A changed figure moves the value (the cache follows the data): 1 115 500 ÷ 2 231 000 = 50 %.
    editor
        .put(&budget_url(prevention, 2024))
        .json(&json!({"budget_dkk": 1_031_000}))
        .send()
        .await
        .ok(200);
    let seen = app
        .get(&format!("{M}/vejle/targets/{}?as_of=2025-03-01", t["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(seen["latest"]["value"].as_f64(), Some(50.0));

    // Five placements none of which has a cost: no cost, so no share.
    let no_cost: Vec<(String, &str)> = (1..=5)
        .map(|i| (format!("R{i}"), "almen_plejefamilie"))
        .collect();
    let rows: Vec<Measure<'_>> = no_cost
        .iter()
        .map(|(c, k)| (c.as_str(), "placement", *k, "2024-01-01", None, None))
        .collect();
    measures(&app, "randers", &rows);
    assert_eq!(
        indicator(
            &app,
            "placements.full_year_placements",
            "randers",
            "2024-12-31"
        ),
        Some(5.0)
    );
    assert_eq!(indicator(&app, COST, "randers", "2024-12-31"), None);
    assert_eq!(indicator(&app, SHARE, "randers", "2024-12-31"), None);
}
