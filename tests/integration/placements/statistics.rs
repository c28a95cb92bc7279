//! Statistics against hand-computed figures, and suppression of small counts.

use super::{create, fig, hidden, MeasureRow, M};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, Caller, TestApp};
use serde_json::{json, Value};

both_backends!(
    statistics_match_hand_computed_figures,
    statistics_of_a_day_a_span_and_the_next_year,
    monthly_statistics_match_hand_computed_figures,
    statistics_refuse_unknown_parameters_naming_them,
    statistics_answer_304_to_their_etag,
    public_statistics_suppress_small_counts,
    suppression_cannot_be_undone_by_subtracting,
);

/// Creates measures straight from compact descriptions.
/// The measures are arranged through the placements module's own operation (the statistics
/// are under test, not the measure endpoint), with its validation and audit as through the API.
fn fixture(app: &TestApp, municipality: &str, rows: &[MeasureRow<'_>]) {
    for (child, category, kind, start, end, birth, cost, programme) in rows {
        let body = json!({"child_ref": child, "birth_year": birth, "category": category, "kind": kind, "start_date": start, "end_date": end,
            "yearly_cost_dkk": cost, "evidence_programme": programme});
        let input = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        app.arrange(municipality, |conn, scope| {
            retning_placements::ops::create_measure(conn, scope, input)
        });
    }
}

/// A small fixture computed by hand: placements crossing year ends, open-ended, ending on
/// 29 February of a leap year (Faxe's measures A-F); returns a viewer of Faxe.
async fn faxe_fixture(app: &TestApp) -> Caller<'_> {
    let viewer = app.member("faxe", Role::Viewer);
    fixture(
        app,
        "faxe",
        &[
            // A: 2015-07-01..2016-03-31 crosses the year end: 91 days of 2016; lasts 275 days.
            (
                "A",
                "placement",
                "almen_plejefamilie",
                "2015-07-01",
                Some("2016-03-31"),
                2008,
                Some(366_000),
                None,
            ),
            // B: from 15 February 2016, open: 321 days of 2016; over 14 when it starts, TFCO-A.
            (
                "B",
                "placement",
                "netvaerksplejefamilie",
                "2016-02-15",
                None,
                2000,
                Some(183_000),
                Some("tfco-a"),
            ),
            // C: 2016-12-01..2017-02-28: 31 days of 2016; 15 in its start year, no programme.
            (
                "C",
                "placement",
                "opholdssted",
                "2016-12-01",
                Some("2017-02-28"),
                2001,
                Some(732_000),
                None,
            ),
            // D: 2014-01-01..2016-02-29, ends on the leap day: 60 days of 2016; lasts 790 days.
            (
                "D",
                "placement",
                "doegninstitution",
                "2014-01-01",
                Some("2016-02-29"),
                2003,
                Some(366_000),
                None,
            ),
            // E: the whole leap year: 366 days; lasts 366.
            (
                "E",
                "placement",
                "almen_plejefamilie",
                "2016-01-01",
                Some("2016-12-31"),
                2010,
                Some(400_000),
                None,
            ),
            // F: after the year.
            (
                "F",
                "placement",
                "almen_plejefamilie",
                "2017-01-01",
                None,
                2010,
                None,
                None,
            ),
            (
                "G",
                "support",
                "familiebehandling",
                "2016-05-01",
                Some("2016-10-31"),
                2010,
                None,
                Some("pmto"),
            ),
            (
                "H",
                "support",
                "raadgivning",
                "2015-01-01",
                None,
                2010,
                None,
                None,
            ),
        ],
    );
    viewer
}

async fn statistics_match_hand_computed_figures(app: TestApp) {
    let viewer = faxe_fixture(&app).await;
    let s = viewer
        .get(&format!("{M}/faxe/placements/statistics?year=2016"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            s["audience"].as_str(),
            s["period"]["days"].as_i64(),
            s["synthetic"].as_bool()
        ),
        (Some("member"), Some(366), Some(false))
    );
    let p = &s["placements"];
    // 91 + 321 + 31 + 60 + 366 = 869 days ÷ 366.
    assert_eq!(fig(&p["full_year_placements"]), Some(2.4));
    assert_eq!(
        (
            p["placed_on_date"]["value"].as_i64(),
            p["new"]["value"].as_i64(),
            p["ended"]["value"].as_i64()
        ),
        (Some(3), Some(3), Some(3))
    );
    assert_eq!(
        (
            p["placements"]["value"].as_i64(),
            p["children"]["value"].as_i64()
        ),
        (Some(5), Some(5))
    );
    // Foster family (A, B, E): 778 of 869 days; network (B): 321.
    assert_eq!(
        (fig(&p["foster_family_share"]), fig(&p["network_share"])),
        (Some(89.5), Some(36.9))
    );
    let kind = |k: &str| {
        p["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == k).cloned())
            .unwrap_or_default()
    };
    assert_eq!(fig(&kind("almen_plejefamilie")["full_year"]), Some(1.2)); // 457 / 366
    assert_eq!(fig(&kind("netvaerksplejefamilie")["full_year"]), Some(0.9)); // 321 / 366
    assert_eq!(fig(&kind("opholdssted")["full_year"]), Some(0.1)); // 31 / 366
    assert_eq!(fig(&kind("doegninstitution")["full_year"]), Some(0.2)); // 60 / 366
    assert_eq!(fig(&kind("almen_plejefamilie")["share"]), Some(52.6)); // 457 / 869
    assert_eq!(kind("almen_plejefamilie")["placed_on_date"]["value"], 1);
    let step = |n: i64| {
        p["by_standard_step"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["standard_step"] == n).cloned())
            .unwrap_or_default()
    };
    assert_eq!(
        (
            fig(&step(4)["share"]),
            fig(&step(5)["share"]),
            fig(&step(6)["share"])
        ),
        (Some(36.9), Some(52.6), Some(10.5))
    );
    // Ended in 2016: A 275, D 790, E 366 days.
    assert_eq!(
        (
            fig(&p["duration"]["average_days"]),
            fig(&p["duration"]["median_days"])
        ),
        (Some(477.0), Some(366.0))
    );
    // Σ yearly cost × days ÷ 366 = 283,101,000 ÷ 366.
    assert_eq!(p["cost_per_year_dkk"]["value"], 773_500);
    assert_eq!(
        p["cost_per_full_year_placement_dkk"]["value"],
        (283_101_000.0_f64 / 869.0).round() as i64
    );
    // New and over 14: B (16) with TFCO-A, C (15) without.
    assert_eq!(
        (
            p["new_over_14"]["value"].as_i64(),
            fig(&p["new_over_14_evidence_share"])
        ),
        (Some(2), Some(50.0))
    );
    let sup = &s["support"];
    assert_eq!(
        (
            sup["measures"]["value"].as_i64(),
            sup["with_evidence_programme"]["value"].as_i64(),
            fig(&sup["evidence_share"])
        ),
        (Some(2), Some(1), Some(50.0))
    );
    assert_eq!(
        (
            sup["new"]["value"].as_i64(),
            sup["ended"]["value"].as_i64(),
            sup["active_on_date"]["value"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
}

async fn statistics_of_a_day_a_span_and_the_next_year(app: TestApp) {
    let viewer = faxe_fixture(&app).await;
    // A single day: the leap day itself (A, B, D, E placed; D's last day).
    let day = viewer
        .get(&format!("{M}/faxe/placements/statistics?on=2016-02-29"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            day["placements"]["placed_on_date"]["value"].as_i64(),
            fig(&day["placements"]["full_year_placements"])
        ),
        (Some(4), Some(4.0))
    );
    assert_eq!(
        (
            day["placements"]["ended"]["value"].as_i64(),
            day["period"]["days"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // A period across the year end: A and D 62 days each, E 31: 155 ÷ 62.
    let span = viewer
        .get(&format!(
            "{M}/faxe/placements/statistics?from=2015-12-01&to=2016-01-31"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            fig(&span["placements"]["full_year_placements"]),
            span["placements"]["new"]["value"].as_i64()
        ),
        (Some(2.5), Some(1))
    );
    // 2017: B and F open, C until February.
    let y2017 = viewer
        .get(&format!("{M}/faxe/placements/statistics?year=2017"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        fig(&y2017["placements"]["full_year_placements"]),
        Some(((365.0 + 365.0 + 59.0) / 365.0 * 10.0_f64).round() / 10.0)
    );
}

async fn monthly_statistics_match_hand_computed_figures(app: TestApp) {
    let viewer = faxe_fixture(&app).await;
    // Month by month.
    let m = viewer
        .get(&format!(
            "{M}/faxe/placements/statistics/monthly?from=2016-01-01&to=2016-03-15"
        ))
        .send()
        .await
        .ok(200);
    let months: Vec<(String, i64, f64, i64, i64)> = m["months"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["month"].as_str().unwrap_or("").to_owned(),
                        x["placed_on_date"]["value"].as_i64().unwrap_or(-1),
                        x["full_year_placements"]["value"].as_f64().unwrap_or(-1.0),
                        x["new"]["value"].as_i64().unwrap_or(-1),
                        x["ended"]["value"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        months,
        vec![
            ("2016-01".to_owned(), 3, 3.0, 1, 0),
            ("2016-02".to_owned(), 4, 3.5, 1, 1),
            ("2016-03".to_owned(), 3, 3.0, 0, 1)
        ]
    );
}

async fn statistics_refuse_unknown_parameters_naming_them(app: TestApp) {
    let viewer = faxe_fixture(&app).await;
    // Unknown parameters and shapes are refused, naming them.
    viewer
        .get(&format!("{M}/faxe/placements/statistics"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");
    viewer
        .get(&format!(
            "{M}/faxe/placements/statistics?year=2016&on=2016-01-01"
        ))
        .send()
        .await
        .field_error(422, "validation.failed", "query");
    viewer
        .get(&format!(
            "{M}/faxe/placements/statistics?from=2016-02-01&to=2016-01-01"
        ))
        .send()
        .await
        .field_error(422, "validation.failed", "query.to");
}

async fn statistics_answer_304_to_their_etag(app: TestApp) {
    let viewer = faxe_fixture(&app).await;
    // ETag.
    let first = viewer
        .get(&format!("{M}/faxe/placements/statistics?year=2016"))
        .send()
        .await;
    let etag = first.header("etag").unwrap_or_default().to_owned();
    assert_eq!(
        viewer
            .get(&format!("{M}/faxe/placements/statistics?year=2016"))
            .header("if-none-match", &etag)
            .send()
            .await
            .status,
        304
    );
}

/// The same fixture, seen by outsiders: everything resting on fewer than five children withheld.
async fn public_statistics_suppress_small_counts(app: TestApp) {
    fixture(
        &app,
        "lolland",
        &[
            (
                "A",
                "placement",
                "almen_plejefamilie",
                "2015-07-01",
                Some("2016-03-31"),
                2008,
                Some(366_000),
                None,
            ),
            (
                "B",
                "placement",
                "netvaerksplejefamilie",
                "2016-02-15",
                None,
                2000,
                Some(183_000),
                Some("tfco-a"),
            ),
            (
                "C",
                "placement",
                "opholdssted",
                "2016-12-01",
                Some("2017-02-28"),
                2001,
                Some(732_000),
                None,
            ),
            (
                "D",
                "placement",
                "doegninstitution",
                "2014-01-01",
                Some("2016-02-29"),
                2003,
                Some(366_000),
                None,
            ),
            (
                "E",
                "placement",
                "almen_plejefamilie",
                "2016-01-01",
                Some("2016-12-31"),
                2010,
                Some(400_000),
                None,
            ),
        ],
    );
    let other = app.member("vejle", Role::Admin);
    for token in [None, Some(other.token())] {
        let mut req = app.get(&format!("{M}/lolland/placements/statistics?year=2016"));
        if let Some(t) = token {
            req = req.bearer(t);
        }
        let s = req.send().await.ok(200);
        assert_eq!(s["audience"], "public");
        let p = &s["placements"];
        // Five children in all: the total is shown; every breakdown below it rests on fewer.
        assert_eq!(fig(&p["full_year_placements"]), Some(2.4));
        assert_eq!(p["cost_per_year_dkk"]["value"], 773_500);
        for cell in [
            &p["placed_on_date"],
            &p["new"],
            &p["ended"],
            &p["foster_family_share"],
            &p["network_share"],
            &p["new_over_14_evidence_share"],
            &p["duration"]["average_days"],
            &p["duration"]["median_days"],
        ] {
            assert!(hidden(cell), "{cell} in {p}");
        }
        for row in p["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(p["by_standard_step"].as_array().into_iter().flatten())
        {
            assert!(hidden(&row["full_year"]) && hidden(&row["share"]), "{row}");
            assert!(
                row.get("placed_on_date").is_none() && row.get("placements").is_none(),
                "members only: {row}"
            );
        }
        assert!(
            p.get("children").is_none()
                && p.get("placements").is_none()
                && p.get("by_step").is_none()
                && p.get("new_over_14").is_none()
        );
        assert!(s.get("synthetic_share").is_none() && s["support"].get("measures").is_none());
    }
    // Outsiders ask for calendar years and month ends only.
    app.get(&format!(
        "{M}/lolland/placements/statistics?from=2016-01-01&to=2016-06-30"
    ))
    .send()
    .await
    .field_error(422, "validation.failed", "query.from");
    app.get(&format!("{M}/lolland/placements/statistics?on=2016-06-15"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.on");
    let month_end = app
        .get(&format!("{M}/lolland/placements/statistics?on=2016-06-30"))
        .send()
        .await
        .ok(200);
    assert!(hidden(&month_end["placements"]["placed_on_date"]));
    let monthly = app
        .get(&format!(
            "{M}/lolland/placements/statistics/monthly?from=2016-01-01&to=2016-02-01"
        ))
        .send()
        .await
        .ok(200);
    for month in monthly["months"].as_array().into_iter().flatten() {
        assert!(
            hidden(&month["placed_on_date"])
                && month.get("new").is_none()
                && month.get("full_year_placements").is_none(),
            "{month}"
        );
    }
}

/// A breakdown with small cells, seen from outside: no withheld value can be had by subtracting
/// the shown cells from their total, at either level, nor from the shares.
async fn suppression_cannot_be_undone_by_subtracting(app: TestApp) {
    let editor = app.member("guldborgsund", Role::Editor);
    let viewer = app.member("guldborgsund", Role::Viewer);
    let mut rows = Vec::new();
    let plan: &[(&str, usize, &str, Option<&str>)] = &[
        ("almen_plejefamilie", 12, "2015-03-01", None),
        ("opholdssted", 8, "2015-05-01", Some("2016-09-30")),
        ("doegninstitution", 7, "2015-06-01", None),
        ("netvaerksplejefamilie", 2, "2015-01-15", Some("2016-04-30")),
        (
            "sikret_doegninstitution",
            1,
            "2016-03-01",
            Some("2016-05-31"),
        ),
    ];
    let mut names = Vec::new();
    for (kind, n, start, end) in plan {
        for i in 0..*n {
            names.push(format!("{kind}-{i}"));
            rows.push((kind.to_string(), *start, *end));
        }
    }
    for ((kind, start, end), name) in rows.iter().zip(&names) {
        create(&app, editor.token(), "guldborgsund", json!({"child_ref": name, "birth_year": 2006, "category": "placement", "kind": kind, "start_date": start, "end_date": end})).await;
    }
    let url = format!("{M}/guldborgsund/placements/statistics?year=2016");
    let public = app.get(&url).send().await.ok(200);
    let member = viewer.get(&url).send().await.ok(200);
    let (pp, mp) = (&public["placements"], &member["placements"]);

    // Level 1: total → standard steps 4, 5, 6 (2, 12 and 16 children).
    let steps_pub = pp["by_standard_step"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let steps_mem = mp["by_standard_step"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check_breakdown(
        fig(&pp["full_year_placements"]),
        &steps_pub,
        &steps_mem,
        "standard steps",
    );
    let withheld: Vec<i64> = steps_pub
        .iter()
        .filter(|s| hidden(&s["full_year"]))
        .filter_map(|s| s["standard_step"].as_i64())
        .collect();
    assert_eq!(
        withheld,
        vec![4, 5],
        "network (2) primary, foster family (12) the smallest to go with it"
    );
    // The shares built on step 4 would give it back: withheld too.
    assert!(hidden(&pp["network_share"]) && hidden(&pp["foster_family_share"]));
    assert_eq!(fig(&mp["network_share"]).map(|v| v > 0.0), Some(true));

    // Level 2: each shown step → its types; a withheld step withholds all of its types.
    for sp in &steps_pub {
        let n = sp["standard_step"].as_i64();
        let kinds_pub: Vec<Value> = pp["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["standard_step"].as_i64() == n)
            .cloned()
            .collect();
        let kinds_mem: Vec<Value> = mp["by_kind"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["standard_step"].as_i64() == n)
            .cloned()
            .collect();
        if hidden(&sp["full_year"]) {
            assert!(
                kinds_pub.iter().all(|k| hidden(&k["full_year"])),
                "step {n:?} withheld, its types too"
            );
        } else {
            check_breakdown(fig(&sp["full_year"]), &kinds_pub, &kinds_mem, "types");
        }
    }
    let kind = |k: &str| {
        pp["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == k).cloned())
            .unwrap_or_default()
    };
    assert!(
        hidden(&kind("sikret_doegninstitution")["full_year"]),
        "one child"
    );
    assert!(
        hidden(&kind("doegninstitution")["full_year"]),
        "the smallest shown type goes with it"
    );
    assert_eq!(
        fig(&kind("opholdssted")["full_year"]),
        fig(&member["placements"]["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["kind"] == "opholdssted").cloned())
            .unwrap_or_default()["full_year"])
    );

    // Flows go in pairs: 1 new (the secured placement), 11 ended: both withheld, so the stock
    // on the eve and at the end of the year do not give either.
    assert_eq!(
        (mp["new"]["value"].as_i64(), mp["ended"]["value"].as_i64()),
        (Some(1), Some(11))
    );
    assert!(hidden(&pp["new"]) && hidden(&pp["ended"]));
    let eve = app
        .get(&format!(
            "{M}/guldborgsund/placements/statistics?on=2015-12-31"
        ))
        .send()
        .await
        .ok(200);
    let end = &pp["placed_on_date"]["value"];
    assert_eq!(
        (
            eve["placements"]["placed_on_date"]["value"].as_i64(),
            end.as_i64()
        ),
        (Some(29), Some(19))
    );
    // 29 + new − ended = 19 leaves new − ended = −10: (0, 10), (1, 11), (2, 12), … all fit.
    // And the member sees it all.
    assert!(mp["by_kind"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|k| !hidden(&k["full_year"])));
}

/// In a breakdown whose parent is shown: no withheld cell, or at least two whose true values
/// (from the member's view) together rest on five or more placements, and the parent minus the
/// shown cells never equals any single withheld cell.
fn check_breakdown(parent: Option<f64>, public: &[Value], member: &[Value], what: &str) {
    let Some(parent) = parent else {
        panic!("{what}: the parent is shown")
    };
    let withheld: Vec<usize> = public
        .iter()
        .enumerate()
        .filter(|(_, c)| hidden(&c["full_year"]))
        .map(|(i, _)| i)
        .collect();
    if withheld.is_empty() {
        return;
    }
    assert!(
        withheld.len() >= 2,
        "{what}: a single withheld cell is the parent minus the others"
    );
    let placements: i64 = withheld
        .iter()
        .map(|i| member[*i]["placements"]["value"].as_i64().unwrap_or(0))
        .sum();
    assert!(
        placements >= 5,
        "{what}: the withheld cells rest on {placements} placements"
    );
    let shown: f64 = public.iter().filter_map(|c| fig(&c["full_year"])).sum();
    let residual = parent - shown;
    for i in &withheld {
        let own = fig(&member[*i]["full_year"]).unwrap_or(0.0);
        let others: f64 = withheld
            .iter()
            .filter(|j| *j != i)
            .map(|j| fig(&member[*j]["full_year"]).unwrap_or(0.0))
            .sum();
        assert!(
            others > 0.0 || own == 0.0,
            "{what}: the residual {residual} is one cell's value"
        );
    }
}
