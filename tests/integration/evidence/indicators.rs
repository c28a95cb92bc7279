//! The evidence module's computed indicators.

use super::{accept, refer, tfco_partnership};
use chrono::NaiveDate;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(computed_indicators,);

async fn computed_indicators(app: TestApp) {
    let indicators = &app.ctx.registry.indicators;
    let keys: Vec<String> = indicators.list().into_iter().map(|i| i.key).collect();
    for key in [
        "evidence.adoption_capacity_use",
        "evidence.partnership_capacity_use",
        "evidence.partner_share_use",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
    }
    let compute = |key: &str, slug: &str, on: &str| -> Option<f64> {
        let indicator = indicators.get(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(indicator.unit(), "percent");
        let m = app.municipality_id(slug);
        let on = NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap_or_default();
        app.with_conn(|c| {
            indicator
                .compute(c, m, on)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let (adoption, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 4}, {"municipality": "faxe", "yearly_share": 2}]),
        false,
    )
    .await;
    // Nothing to compute from yet.
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    let editor = app.member("vordingborg", Role::Editor);
    for (period, started) in [("2025-H1", 3), ("2025-H2", 4), ("2024-H2", 9)] {
        editor
            .put(&format!(
                "/api/v1/municipalities/vordingborg/adoptions/{adoption}/figures/{period}"
            ))
            .json(&json!({"started": started, "completed": 0, "dropped_out": 0}))
            .send()
            .await
            .ok(201);
    }
    // 3 + 4 started in 2025 against a capacity of 10; a mid-year day takes the twelve months before it.
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(70.0)
    );
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2025-06-30"
        ),
        Some(120.0)
    );
    assert_eq!(
        compute(
            "evidence.adoption_capacity_use",
            "vordingborg",
            "2023-12-31"
        ),
        None
    );
    assert_eq!(
        compute("evidence.adoption_capacity_use", "randers", "2025-12-31"),
        None
    );

    // Shares count once accepted: Lolland's 4 (Faxe has not answered).
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        None
    );
    accept(&app, "lolland", id).await;
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(0.0)
    );
    let lolland = app.member("lolland", Role::Editor);
    refer(&app, lolland.token(), "lolland", id, "2025-Q1", 2)
        .await
        .ok(201);
    refer(&app, lolland.token(), "lolland", id, "2025-Q3", 1)
        .await
        .ok(201);
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2025-12-31"
        ),
        Some(75.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "lolland", "2025-12-31"),
        Some(75.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "lolland", "2025-03-31"),
        Some(50.0)
    );
    assert_eq!(
        compute("evidence.partner_share_use", "faxe", "2025-12-31"),
        None
    );
    // Outside the partnership's period there is nothing to use.
    assert_eq!(
        compute(
            "evidence.partnership_capacity_use",
            "vordingborg",
            "2030-12-31"
        ),
        None
    );
}
