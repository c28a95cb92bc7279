//! The foster-family shares as computed indicators, with and without network foster families.

use super::MeasureRow;
use chrono::NaiveDate;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(foster_family_shares_with_and_without_the_network,);

/// Twenty children placed all of 2016 in Faxe: 5 in network foster families (step 4), 10 in
/// other foster families (step 5), 5 in a residential institution (step 6). Every cell holds five
/// children or more, so outsiders see the values too.
async fn foster_family_shares_with_and_without_the_network(app: TestApp) {
    let mut rows: Vec<MeasureRow<'_>> = Vec::new();
    let children: Vec<String> = (0..20).map(|i| format!("C{i:02}")).collect();
    for (i, child) in children.iter().enumerate() {
        let kind = match i {
            0..=4 => "netvaerksplejefamilie",
            5..=14 => "almen_plejefamilie",
            _ => "doegninstitution",
        };
        rows.push((
            child,
            "placement",
            kind,
            "2016-01-01",
            None,
            2008,
            None,
            None,
        ));
    }
    for (child, category, kind, start, end, birth, cost, programme) in rows {
        let body = json!({"child_ref": child, "birth_year": birth, "category": category, "kind": kind,
            "start_date": start, "end_date": end, "yearly_cost_dkk": cost, "evidence_programme": programme});
        let input = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        app.arrange("faxe", |conn, scope| {
            retning_placements::ops::create_measure(conn, scope, input)
        });
    }
    let indicators = &app.ctx.registry.indicators;
    let compute = |key: &str, on: &str| -> Option<f64> {
        let indicator = indicators.get(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(indicator.unit(), "percent", "{key}");
        let m = app.municipality_id("faxe");
        let on = NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap_or_default();
        app.with_conn(|c| {
            indicator
                .compute(c, m, on)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    // Family care with the network: 15 of 20 full-year placements; without it: 10 of 20.
    assert_eq!(
        compute("placements.share_foster_family", "2016-12-31"),
        Some(75.0)
    );
    assert_eq!(
        compute(
            "placements.share_foster_family_excluding_network",
            "2016-12-31"
        ),
        Some(50.0)
    );
    assert_eq!(
        compute("placements.share_network", "2016-12-31"),
        Some(25.0)
    );
    // The same twelve months asked for on a day that is not a month end (taken back to
    // 30 November: the twelve months December 2015 - November 2016, all in 2016's placements
    // except December 2015, when nobody was placed).
    assert_eq!(
        compute(
            "placements.share_foster_family_excluding_network",
            "2016-12-30"
        ),
        Some(50.0)
    );
    // Another municipality without measures has no value.
    let none = indicators
        .get("placements.share_foster_family_excluding_network")
        .map(|i| {
            let m = app.municipality_id("lolland");
            app.with_conn(|c| {
                i.compute(
                    c,
                    m,
                    NaiveDate::from_ymd_opt(2016, 12, 31).unwrap_or_default(),
                )
                .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    assert_eq!(none, Some(None));
}
