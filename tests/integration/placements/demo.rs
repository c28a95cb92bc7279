//! The demo data reproduces the documents and feeds the goals' targets.

use super::{create, fig, measure, M};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::Value;

both_backends!(demo_data_reproduces_the_documents_and_feeds_the_targets,);

/// `retning seed --demo`: the documents' figures through the public statistics, the seeded
/// targets computed from them, and a second run that duplicates nothing.
async fn demo_data_reproduces_the_documents_and_feeds_the_targets(app: TestApp) {
    // Before any measure: the indicators are registered, the targets computed, without a value.
    let indicators = app.get("/api/v1/indicators").send().await.ok(200);
    for (key, unit) in [
        ("placements.full_year_placements", "count"),
        ("placements.placed_on_date", "count"),
        ("placements.share_foster_family", "percent"),
        ("placements.share_network", "percent"),
        ("placements.share_preventive_evidence", "percent"),
        (
            "placements.share_new_placements_over_14_evidence",
            "percent",
        ),
    ] {
        assert!(
            indicators
                .as_array()
                .is_some_and(|a| a.iter().any(|i| i["key"] == key && i["unit"] == unit)),
            "{key}"
        );
    }
    let targets = |municipality: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("{M}/{municipality}/targets"))
                .send()
                .await
                .ok(200)["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let by_indicator = |items: &[Value], key: &str| {
        items
            .iter()
            .find(|t| t["computed_indicator"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no target computed by {key}"))
    };
    let before = targets("vordingborg").await;
    assert!(by_indicator(&before, "placements.full_year_placements")["latest"].is_null());

    // A real measure, which the demo must never touch.
    let editor = app.member("vejle", Role::Editor);
    create(
        &app,
        editor.token(),
        "vejle",
        measure("REAL-1", "support", "aflastning", "2016-05-01", None),
    )
    .await;
    let count = |app: &TestApp| -> (i64, i64) {
        app.with_conn(|c| {
            use diesel::prelude::*;
            use retning_placements::schema::placement_measures as pm;
            let all: i64 = pm::table
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"));
            let synthetic: i64 = pm::table
                .filter(pm::synthetic.eq(true))
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"));
            (all, synthetic)
        })
    };
    let summary =
        app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(
        summary.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
        vec!["vordingborg", "vejle", "randers", "skanderborg"]
    );
    let first = count(&app);
    assert!(first.1 > 10_000 && first.0 == first.1 + 1, "{first:?}");

    // The documents' figures, as anyone sees them (synthetic, and said so).
    let stats = |municipality: &'static str, year: i32| {
        let app = &app;
        async move {
            app.get(&format!(
                "{M}/{municipality}/placements/statistics?year={year}"
            ))
            .send()
            .await
            .ok(200)
        }
    };
    let near = |v: Option<f64>, expected: f64, tolerance: f64, what: &str| {
        let v = v.unwrap_or_else(|| panic!("{what}: no value"));
        assert!(
            (v - expected).abs() <= tolerance,
            "{what}: {v}, expected {expected} ± {tolerance}"
        );
    };
    let vb2010 = stats("vordingborg", 2010).await;
    assert_eq!(
        (vb2010["synthetic"].as_bool(), vb2010["audience"].as_str()),
        (Some(true), Some("public"))
    );
    near(
        fig(&vb2010["placements"]["full_year_placements"]),
        250.0,
        7.5,
        "Vordingborg 2010",
    );
    near(
        fig(&stats("vordingborg", 2014).await["placements"]["full_year_placements"]),
        194.0,
        6.0,
        "Vordingborg 2014",
    );
    let vejle = stats("vejle", 2016).await;
    near(
        fig(&vejle["placements"]["full_year_placements"]),
        290.0,
        9.0,
        "Vejle 2016",
    );
    // 64 % in foster families without the network, 10 % in the network: 74 % in family care.
    near(
        fig(&vejle["placements"]["foster_family_share"]),
        74.0,
        2.0,
        "Vejle family-care share (network included)",
    );
    near(
        fig(&vejle["placements"]["network_share"]),
        10.0,
        1.0,
        "Vejle network share",
    );
    let randers = stats("randers", 2016).await;
    assert!(
        fig(&randers["placements"]["full_year_placements"]).is_some_and(|v| v > 200.0)
            && randers["synthetic"] == true
    );
    // Members are told how much is synthetic.
    let viewer = app.member("vejle", Role::Viewer);
    let own = viewer
        .get(&format!("{M}/vejle/placements/statistics?year=2016"))
        .send()
        .await
        .ok(200);
    assert!(
        own["synthetic_share"]
            .as_f64()
            .is_some_and(|s| s > 99.0 && s < 100.0),
        "{}",
        own["synthetic_share"]
    );
    let listed = viewer
        .get(&format!("{M}/vejle/measures?synthetic=true&limit=1"))
        .send()
        .await
        .ok(200);
    assert!(
        listed["items"][0]["child_ref"]
            .as_str()
            .is_some_and(|c| c.starts_with("SYN-VEJ-"))
            && listed["items"][0]["synthetic"] == true
    );

    // The seeded targets are computed from them.
    let vb = targets("vordingborg").await;
    let full_year = by_indicator(&vb, "placements.full_year_placements");
    assert_eq!(full_year["latest"]["date"], "2017-12-31");
    near(
        full_year["latest"]["value"].as_f64(),
        174.0,
        6.0,
        "Vordingborg 2017 target",
    );
    near(
        by_indicator(&vb, "placements.share_preventive_evidence")["latest"]["value"].as_f64(),
        5.0,
        1.5,
        "evidence in preventive measures 2017",
    );
    near(
        by_indicator(&vb, "placements.share_new_placements_over_14_evidence")["latest"]["value"]
            .as_f64(),
        25.0,
        5.0,
        "evidence in new placements over 14",
    );
    let vj = targets("vejle").await;
    let foster = by_indicator(&vj, "placements.share_foster_family_excluding_network");
    assert_eq!(foster["latest"]["date"], "2016-12-31");
    near(
        foster["latest"]["value"].as_f64(),
        64.0,
        1.5,
        "Vejle foster-family target",
    );
    assert!(
        by_indicator(&vj, "placements.share_network")["latest"]["value"]
            .as_f64()
            .is_some()
    );

    // Again: the same synthetic measures, nothing duplicated, the real one kept.
    app.with_conn(|c| retning_placements::demo::generate(c).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(count(&app), first);
    let again = stats("vejle", 2016).await;
    assert_eq!(
        again["placements"]["full_year_placements"],
        vejle["placements"]["full_year_placements"]
    );
    assert_eq!(app.audit_count("demo", "measure"), 8);
}
