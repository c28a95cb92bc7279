//! The reads a dashboard polls, at two sizes: a fixed number of statements whatever the number of
//! targets and measurements (the tree with computed targets, the targets list, the comparison,
//! the overview), and cached figures that always equal a recomputation, in this process and in
//! a second one on the same database.

use chrono::NaiveDate;
use retning_goals::dto::TargetFilter;
use retning_kernel::auth::Role;
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::scope::Scope;
use retning_kernel::{tenancy, DbConnection, Principal};
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

use super::{new_strategy, strategy_id};

both_backends!(
    dashboard_reads_take_a_fixed_number_of_statements,
    cached_figures_always_equal_a_recomputation,
);

const THEME: &str = "placement-pattern";

/// A public strategy of Vejle with `areas` nodes on the theme, each with three measured
/// targets (four quarterly values each, one before its baseline) and one computed target (the
/// foster-family share, as Vejle's seeded target): the data grows, the indicators do not.
async fn grow(app: &TestApp, areas: usize) -> i64 {
    let editor = app.member("vejle", Role::Editor);
    let m = "/api/v1/municipalities/vejle";
    let s = editor
        .post(&format!("{m}/strategies"))
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let sid = s["id"].as_i64().unwrap_or_default();
    for i in 0..areas {
        let node = editor
            .post(&format!("{m}/strategies/{sid}/nodes"))
            .json(
                &json!({"kind": "fokusområde", "title": format!("Område {i}"), "themes": [THEME]}),
            )
            .send()
            .await
            .ok(201);
        let node_id = node["id"].as_i64().unwrap_or_default();
        for j in 0..3 {
            let t = editor
                .post(&format!("{m}/nodes/{node_id}/targets"))
                .json(&json!({"title": format!("Andel {i}.{j}"), "indicator": "Andel", "unit": "percent",
                    "direction": if j == 1 { "decrease" } else { "increase" },
                    "baseline_value": 30, "baseline_date": "2024-01-01", "target_value": if j == 1 { 10 } else { 60 },
                    "deadline": "2026-12-31", "frequency": "quarterly"}))
                .send()
                .await
                .ok(201);
            for (k, date) in ["2023-12-31", "2024-06-30", "2024-12-31", "2025-06-30"]
                .iter()
                .enumerate()
            {
                editor
                    .put(&format!(
                        "{m}/targets/{}/measurements/{date}",
                        t["id"].as_i64().unwrap_or_default()
                    ))
                    .json(&json!({"value": 30 + (k as i64) * (i as i64 % 4 + j)}))
                    .send()
                    .await
                    .ok(201);
            }
        }
        editor
            .post(&format!("{m}/nodes/{node_id}/targets"))
            .json(&json!({"title": format!("Plejefamilier {i}"), "indicator": "Andel i plejefamilie", "unit": "percent",
                "direction": "increase", "target_value": 64, "deadline": "2016-12-31", "frequency": "annual",
                "source": "computed", "computed_indicator": "placements.share_foster_family"}))
            .send()
            .await
            .ok(201);
    }
    sid
}

fn statements(app: &TestApp, f: impl FnOnce(&mut DbConnection)) -> u64 {
    app.with_conn(|conn| {
        let before = retning_kernel::db::queries_on_this_thread();
        f(conn);
        retning_kernel::db::queries_on_this_thread() - before
    })
}

/// Statements of each dashboard read, with the indicator cache cold and then warm.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    tree: (u64, u64),
    list: (u64, u64),
    compare: (u64, u64),
    overview: (u64, u64),
}

fn count(app: &TestApp, strategy: i64) -> Counts {
    let cached = app.ctx.registry.indicators.for_db(app.db());
    let on = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap_or_default();
    let who = Principal::anonymous();
    let vejle = app.with_conn(|c| {
        tenancy::find_by_slug(c, "vejle")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("vejle"))
    });
    let twice = |read: &dyn Fn(&mut DbConnection, &IndicatorRegistry)| {
        app.db().caches().indicators.clear();
        let cold = statements(app, |c| read(c, &cached));
        let warm = statements(app, |c| read(c, &cached));
        (cold, warm)
    };
    let tree = twice(&|c, reg| {
        let row = retning_goals::repo::strategy(c, vejle.id, strategy, false)
            .unwrap_or_else(|e| panic!("{e}"));
        retning_goals::views::strategy_tree(c, &vejle, row, reg, on)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let list = twice(&|c, reg| {
        let scope = Scope {
            municipality: vejle.clone(),
            who: Principal::anonymous(),
        };
        let filter: TargetFilter =
            serde_json::from_value(json!({"as_of": on})).unwrap_or_else(|e| panic!("{e}"));
        let (page, _) =
            retning_goals::ops::select_targets(c, reg, &scope, &filter, TREE_ORDER, Some((0, 50)))
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(!page.is_empty());
    });
    let compare = twice(&|c, reg| {
        retning_goals::views::comparison(c, &who, reg, THEME, None, on)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let overview = twice(&|c, reg| {
        retning_goals::views::overview(c, &who, reg, on).unwrap_or_else(|e| panic!("{e}"));
    });
    Counts {
        tree,
        list,
        compare,
        overview,
    }
}

async fn dashboard_reads_take_a_fixed_number_of_statements(app: TestApp) {
    app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    let small = grow(&app, 2).await;
    let at_small = count(&app, small);
    // Ten times the targets and measurements, in the tree, the list, the comparison and the
    // overview alike.
    let big = grow(&app, 20).await;
    let at_big = count(&app, big);
    assert_eq!(
        at_small, at_big,
        "statements must not grow with the data (small: {at_small:?}, big: {at_big:?})"
    );
    let Counts {
        tree,
        list,
        compare,
        overview,
    } = at_big;
    // Warm: the computed values come from the cache, so only their versions are read.
    for (name, (cold, warm)) in [
        ("tree", tree),
        ("list", list),
        ("compare", compare),
        ("overview", overview),
    ] {
        assert!(warm < cold, "{name}: warm {warm} not below cold {cold}");
    }
    // A goals write leaves the cached values of the placements indicators alone: after a
    // measurement is written, the tree computes no indicator again (its own statements only).
    let tree_json = app
        .get(&format!(
            "/api/v1/municipalities/vejle/strategies/{big}/tree"
        ))
        .send()
        .await
        .ok(200);
    let mut targets = Vec::new();
    retning_tests::tree::all_targets(&tree_json["nodes"], &mut targets);
    let manual = targets
        .iter()
        .find(|t| t["source"] == "manual")
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("a measured target"));
    app.member("vejle", Role::Editor)
        .put(&format!(
            "/api/v1/municipalities/vejle/targets/{manual}/measurements/2025-09-30"
        ))
        .json(&json!({"value": 44}))
        .send()
        .await
        .ok(201);
    let cached = app.ctx.registry.indicators.for_db(app.db());
    let on = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap_or_default();
    let after_write = statements(&app, |c| {
        let vejle = tenancy::find_by_slug(c, "vejle")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("vejle"));
        let row = retning_goals::repo::strategy(c, vejle.id, big, false)
            .unwrap_or_else(|e| panic!("{e}"));
        retning_goals::views::strategy_tree(c, &vejle, row, &cached, on)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    assert_eq!(
        after_write,
        tree.1 + 1,
        "after a measurement the tree recomputed an indicator (warm: {} + finding Vejle)",
        tree.1
    );
    // The tree: follow-ups, units, the objectives nodes serve, nodes, themes, targets, latest
    // values, versions, the strategies of its lineage, initiatives, their latest follow-ups,
    // their links (+ the strategy itself, loaded by the caller).
    assert!(tree.1 <= 13, "tree takes {} statements", tree.1);
    assert!(compare.1 <= 12, "compare takes {} statements", compare.1);
    assert!(overview.1 <= 8, "overview takes {} statements", overview.1);
}

/// Every cached read answered by `app`, as JSON.
async fn cached_reads(app: &TestApp, strategy: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/api/v1/municipalities/vejle/strategies/{strategy}/tree"),
        format!("/api/v1/compare?theme={THEME}"),
        "/api/v1/compare/overview".to_owned(),
        "/api/v1/municipalities/vejle/placements/statistics?year=2016".to_owned(),
        "/api/v1/municipalities/vejle/targets?limit=50".to_owned(),
    ] {
        out.push(app.get(&path).send().await.ok(200));
    }
    out
}

/// The same reads computed without any cache.
fn recomputed(app: &TestApp, strategy: i64) -> Vec<Value> {
    let uncached = app.ctx.registry.indicators.clone();
    let today = chrono::Utc::now().date_naive();
    let who = Principal::anonymous();
    app.with_conn(|c| {
        let vejle = tenancy::find_by_slug(c, "vejle")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("vejle"));
        let row = retning_goals::repo::strategy(c, vejle.id, strategy, false)
            .unwrap_or_else(|e| panic!("{e}"));
        let tree = retning_goals::views::strategy_tree(c, &vejle, row, &uncached, today);
        let compare = retning_goals::views::comparison(c, &who, &uncached, THEME, None, today);
        let overview = retning_goals::views::overview(c, &who, &uncached, today);
        let period = retning_placements::stats::Period::year(2016).unwrap_or_else(|| panic!());
        let stats = retning_placements::stats::statistics(
            c,
            "vejle",
            vejle.id,
            period,
            retning_placements::dto::Audience::Public,
        );
        let scope = Scope {
            municipality: vejle.clone(),
            who: Principal::anonymous(),
        };
        let filter: TargetFilter =
            serde_json::from_value(json!({})).unwrap_or_else(|e| panic!("{e}"));
        let (rows, total) = retning_goals::ops::select_targets(
            c,
            &uncached,
            &scope,
            &filter,
            TREE_ORDER,
            Some((0, 51)),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let list = retning_kernel::Page::from_offset(rows, 0, 50, Some(total as i64));
        let json = |v: Result<Value, serde_json::Error>| v.unwrap_or_else(|e| panic!("{e}"));
        vec![
            json(serde_json::to_value(tree.unwrap_or_else(|e| panic!("{e}")))),
            json(serde_json::to_value(
                compare.unwrap_or_else(|e| panic!("{e}")),
            )),
            json(serde_json::to_value(
                overview.unwrap_or_else(|e| panic!("{e}")),
            )),
            json(serde_json::to_value(
                stats.unwrap_or_else(|e| panic!("{e}")),
            )),
            json(serde_json::to_value(list)),
        ]
    })
}

async fn cached_figures_always_equal_a_recomputation(app: TestApp) {
    app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    let strategy = strategy_id(&app, "vejle").await;
    let other = app.second_process().await;
    let editor = app.member("vejle", Role::Editor);
    let operator = app.operator();
    let target = {
        let tree = app
            .get(&format!(
                "/api/v1/municipalities/vejle/strategies/{strategy}/tree"
            ))
            .send()
            .await
            .ok(200);
        let mut targets = Vec::new();
        retning_tests::tree::all_targets(&tree["nodes"], &mut targets);
        targets
            .iter()
            .find(|t| t["source"] == "manual" && t["themes"].to_string().contains(THEME))
            .or_else(|| targets.iter().find(|t| t["source"] == "manual"))
            .and_then(|t| t["id"].as_i64())
            .unwrap_or_else(|| panic!("a hand-entered target in Vejle's tree"))
    };
    let check = |step: &'static str| {
        let (app, other) = (&app, &other);
        async move {
            // Read twice in each process, so the second answer is the cached one.
            for process in [app, other] {
                let _ = cached_reads(process, strategy).await;
                let cached = cached_reads(process, strategy).await;
                let fresh = recomputed(app, strategy);
                for (c, f) in cached.iter().zip(&fresh) {
                    assert_eq!(
                        c, f,
                        "after {step}: a cached read differs from a recomputation"
                    );
                }
            }
        }
    };
    check("start").await;
    // Every kind of write the cached reads depend on, made through one process and read
    // through both: a measurement (tree, comparison, overview), a placement (computed
    // indicators, statistics), the module switched off and on (comparison, overview), a
    // theme renamed (comparison).
    editor
        .put(&format!(
            "/api/v1/municipalities/vejle/targets/{target}/measurements/2016-06-30"
        ))
        .json(&json!({"value": 42}))
        .send()
        .await
        .ok(201);
    check("a measurement").await;
    for i in 0..6 {
        editor
            .post("/api/v1/municipalities/vejle/measures")
            .json(&json!({"child_ref": format!("TEST-{i}"), "birth_year": 2005, "category": "placement",
                "kind": "netvaerksplejefamilie", "start_date": "2016-01-01", "end_date": "2016-12-31"}))
            .send()
            .await
            .ok(201);
    }
    check("placements").await;
    for enabled in [false, true] {
        operator
            .put("/api/v1/municipalities/vejle/modules/goals")
            .json(&json!({"enabled": enabled}))
            .send()
            .await
            .ok(200);
        if enabled {
            check("the module switched on again").await;
        } else {
            // Vejle's own views are gone; the comparison and overview drop it.
            for process in [&app, &other] {
                let cmp = process
                    .get(&format!("/api/v1/compare?theme={THEME}"))
                    .send()
                    .await
                    .ok(200);
                assert!(!cmp.to_string().contains("\"vejle\""), "{cmp}");
            }
        }
    }
    operator
        .patch(&format!("/api/v1/themes/{THEME}"))
        .json(&json!({"name": "Anbringelsesmønster (omdøbt)"}))
        .send()
        .await
        .ok(200);
    check("a theme renamed").await;
}

const TREE_ORDER: retning_kernel::pagination::Sort<retning_goals::dto::TargetSort> =
    retning_kernel::pagination::Sort {
        key: retning_goals::dto::TargetSort::Position,
        descending: false,
    };
