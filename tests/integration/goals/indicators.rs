//! Computed indicators: the mechanism and how the seed wires targets to them.

use super::{make_target, new_strategy, tree};
use chrono::NaiveDate;
use diesel::prelude::*;
use retning_kernel::auth::Role;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{ApiError, DbConnection, Module};
use retning_tests::tree::{all_targets, target_by_key};
use retning_tests::{each_backend, Backend, Options, TestApp};
use serde_json::json;
use std::sync::Arc;

each_backend!(
    computed_indicator_mechanism,
    seed_wires_targets_to_registered_indicators,
    seeding_again_wires_an_indicator_registered_later,
);

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
    let editor = app.member("vejle", Role::Editor);
    let t = make_target(&app, editor.token(), json!({"title": "Mindst to strategier", "indicator": "Strategier", "unit": "count", "direction": "increase",
        "baseline_value": 0, "baseline_date": "2020-01-01", "target_value": 4, "frequency": "annual", "source": "computed", "computed_indicator": "test.strategy_count"})).await;
    // Vejle's two seeded strategies (Faglig Omstilling 2.0 and the one building on it) plus the
    // one make_target created.
    assert_eq!(
        (
            t["source"].as_str(),
            t["latest"]["value"].as_f64(),
            t["latest"]["computed"].as_bool()
        ),
        (Some("computed"), Some(3.0), Some(true))
    );
    let turl = format!("/api/v1/municipalities/vejle/targets/{}", t["id"]);
    editor
        .post("/api/v1/municipalities/vejle/strategies")
        .json(&new_strategy())
        .send()
        .await
        .ok(201);
    let now = app.get(&turl).send().await.ok(200);
    assert_eq!(
        (now["latest"]["value"].as_f64(), now["assessment"].as_str()),
        (Some(4.0), Some("achieved"))
    );
    // It takes no hand-entered values; a unit that does not match the indicator is refused.
    editor
        .put(&format!("{turl}/measurements/2024-01-01"))
        .json(&json!({"value": 1}))
        .send()
        .await
        .field_error(422, "goals.target.computed", "value");
    editor
        .patch(&turl)
        .json(&json!({"unit": "percent", "target_value": 50, "baseline_value": 0}))
        .send()
        .await
        .field_error(422, "validation.failed", "unit");
    // Switching back to manual needs the indicator cleared.
    editor
        .patch(&turl)
        .json(&json!({"source": "manual"}))
        .send()
        .await
        .field_error(422, "validation.failed", "computed_indicator");
    let manual = editor
        .patch(&turl)
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
