//! Price and occupancy figures, occupancy by buying municipality, and the `offers.occupancy`
//! indicator: every figure computed by hand here, a period crossing the year end and a leap
//! year among them.

use chrono::NaiveDate;
use retning_kernel::auth::Role;
use retning_kernel::Module;
use retning_tests::{both_backends, Method, TestApp};
use serde_json::{json, Value};

use super::{act, id, offer, request};

both_backends!(
    provider_and_buyer_figures_per_year,
    occupancy_by_buyer_is_exact_for_members_and_suppressed_for_others,
    occupancy_indicator_over_twelve_months,
);

/// A request by `buyer` taken through `actions` by the two parties; its id.
async fn booked(
    app: &TestApp,
    buyer: &str,
    offer: i64,
    places: i32,
    (from, to): (&str, &str),
    actions: &[&str],
) -> i64 {
    let r = id(&request(app, buyer, offer, places, from, to).await.ok(201));
    for a in actions {
        let party = if *a == "withdraw" { buyer } else { "vejle" };
        act(app, party, r, a).await.ok(200);
    }
    r
}

fn by_offer(list: &Value, offer: i64) -> &Value {
    list.as_array()
        .and_then(|a| a.iter().find(|f| f["offer"]["id"] == offer))
        .unwrap_or_else(|| panic!("no figures of offer {offer} in {list}"))
}

/// (requests, place_days, occupancy_percent, revenue_dkk) of a figures object.
fn figures(f: &Value) -> (i64, i64, Option<f64>, Option<i64>) {
    (
        f["requests"].as_i64().unwrap_or(-1),
        f["place_days"].as_i64().unwrap_or(-1),
        f["occupancy_percent"].as_f64(),
        f["revenue_dkk"].as_i64(),
    )
}

async fn provider_and_buyer_figures_per_year(app: TestApp) {
    // A: 4 places at 2,000 kr. a day. B: 2 places at 45,000 kr. a month. C: no places, no rate.
    let a = id(&offer(
        &app,
        "vejle",
        "Figurer A",
        Some(4),
        json!({"rate_dkk": 2000, "rate_period": "day"}),
    )
    .await);
    let b = id(&offer(
        &app,
        "vejle",
        "Figurer B",
        Some(2),
        json!({"rate_dkk": 45000, "rate_period": "month"}),
    )
    .await);
    let c = id(&offer(&app, "vejle", "Figurer C", None, json!({})).await);
    // A, 2 places over the year end: 12 days in 2029 (24 place-days), 10 in 2030 (20).
    booked(
        &app,
        "lolland",
        a,
        2,
        ("2029-12-20", "2030-01-10"),
        &["accept"],
    )
    .await;
    // A, ended: March 2030, 31 place-days.
    booked(
        &app,
        "faxe",
        a,
        1,
        ("2030-03-01", "2030-03-31"),
        &["accept", "start", "end"],
    )
    .await;
    // A, active: December 2030 counts 31, January 2031 belongs to 2031.
    booked(
        &app,
        "lolland",
        a,
        1,
        ("2030-12-01", "2031-01-31"),
        &["accept", "start"],
    )
    .await;
    // Not sold: requested, declined, withdrawn.
    booked(&app, "faxe", a, 3, ("2030-06-01", "2030-06-30"), &[]).await;
    booked(
        &app,
        "naestved",
        a,
        1,
        ("2030-05-01", "2030-05-10"),
        &["decline"],
    )
    .await;
    booked(
        &app,
        "naestved",
        a,
        1,
        ("2030-08-01", "2030-08-10"),
        &["accept", "withdraw"],
    )
    .await;
    // B in the leap year 2032: February (29 days) and March, 2 places: 120 place-days.
    booked(
        &app,
        "lolland",
        b,
        2,
        ("2032-02-01", "2032-03-31"),
        &["accept"],
    )
    .await;
    // B over the year end 2031/2032: 15 days in each.
    booked(
        &app,
        "faxe",
        b,
        1,
        ("2031-12-17", "2032-01-15"),
        &["accept"],
    )
    .await;

    let vejle = app.member("vejle", Role::Viewer);
    let one = |o: i64, year: i32| {
        let path = format!("/api/v1/municipalities/vejle/offers/{o}/figures?year={year}");
        let vejle = &vejle;
        async move { vejle.get(&path).send().await.ok(200) }
    };
    // A 2030: 20 + 31 + 31 = 82 place-days of 4 × 365 = 1,460: 5.616 % → 5.6; 82 × 2,000 kr.
    let a2030 = one(a, 2030).await;
    assert_eq!(figures(&a2030), (3, 82, Some(5.6), Some(164_000)));
    assert_eq!(
        (a2030["days"].as_i64(), a2030["provider"]["slug"].as_str()),
        (Some(365), Some("vejle"))
    );
    // A 2029: 24 of 1,460 = 1.644 % → 1.6; 48,000 kr.
    assert_eq!(
        figures(&one(a, 2029).await),
        (1, 24, Some(1.6), Some(48_000))
    );
    // A 2031: the active request's January, 31 place-days: 2.123 % → 2.1.
    assert_eq!(
        figures(&one(a, 2031).await),
        (1, 31, Some(2.1), Some(62_000))
    );
    // B 2032 (366 days): 120 + 15 = 135 of 2 × 366 = 732: 18.44 % → 18.4; a month is 12/366
    // of a year: 45,000 × 12 × 135 / 366 = 199,180.33 → 199,180 kr.
    let b2032 = one(b, 2032).await;
    assert_eq!(figures(&b2032), (2, 135, Some(18.4), Some(199_180)));
    assert_eq!(b2032["days"].as_i64(), Some(366));
    // B 2031: 15 of 730 = 2.05 % → 2.1; 45,000 × 12 × 15 / 365 = 22,191.78 → 22,192 kr.
    assert_eq!(
        figures(&one(b, 2031).await),
        (1, 15, Some(2.1), Some(22_192))
    );
    // C: nothing sold, no approved places (no occupancy) and no rate (no revenue).
    assert_eq!(figures(&one(c, 2030).await), (0, 0, None, None));

    // Every offer of the provider in a year, the same figures.
    let all = vejle
        .get("/api/v1/municipalities/vejle/offer-figures?year=2032")
        .send()
        .await
        .ok(200);
    assert_eq!(
        figures(by_offer(&all, b)),
        (2, 135, Some(18.4), Some(199_180))
    );
    assert_eq!(figures(by_offer(&all, a)), (0, 0, Some(0.0), Some(0)));

    // Buyers see what they bought, their own requests only, under their own path.
    let bought = |m: &'static str, year: i32| {
        let caller = app.member(m, Role::Viewer);
        let path = format!("/api/v1/municipalities/{m}/purchase-figures?year={year}");
        async move { caller.get(&path).send().await.ok(200) }
    };
    // Lolland in 2030: A's 20 + 31 place-days: 51 of 1,460 = 3.49 % → 3.5; 102,000 kr.
    let l2030 = bought("lolland", 2030).await;
    assert_eq!(l2030.as_array().map(Vec::len), Some(1));
    assert_eq!(
        figures(by_offer(&l2030, a)),
        (2, 51, Some(3.5), Some(102_000))
    );
    // Faxe in 2030: the ended request, 31 place-days (the requested one is not bought).
    assert_eq!(
        figures(by_offer(&bought("faxe", 2030).await, a)),
        (1, 31, Some(2.1), Some(62_000))
    );
    // Lolland in 2032: 120 of 732 = 16.39 % → 16.4; 45,000 × 12 × 120 / 366 = 177,049.18.
    assert_eq!(
        figures(by_offer(&bought("lolland", 2032).await, b)),
        (1, 120, Some(16.4), Some(177_049))
    );
    // Faxe in 2032: 15 of 732 = 2.05 % → 2.0; 45,000 × 12 × 15 / 366 = 22,131.15.
    assert_eq!(
        figures(by_offer(&bought("faxe", 2032).await, b)),
        (1, 15, Some(2.0), Some(22_131))
    );
    // Declined and withdrawn are not bought.
    assert_eq!(bought("naestved", 2030).await, json!([]));

    // The provider's figures are its own: 404 to another municipality, like a missing offer.
    let path = format!("/api/v1/municipalities/vejle/offers/{a}/figures?year=2030");
    app.access(Method::GET, &path)
        .answers(&app.anonymous(), 401, "auth.required")
        .answers(&app.member("lolland", Role::Admin), 404, "not_found")
        .check()
        .await;
    // Lolland asking on its own path for Vejle's offer: no offer of Lolland's has this id.
    app.member("lolland", Role::Admin)
        .get(&format!(
            "/api/v1/municipalities/lolland/offers/{a}/figures?year=2030"
        ))
        .send()
        .await
        .problem(404, "not_found");
    // The year is required and bounded, named in the problem.
    vejle
        .get(&format!("/api/v1/municipalities/vejle/offers/{a}/figures"))
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");
    vejle
        .get(&format!(
            "/api/v1/municipalities/vejle/offers/{a}/figures?year=1800"
        ))
        .send()
        .await
        .field_error(422, "validation.failed", "query.year");
}

async fn occupancy_by_buyer_is_exact_for_members_and_suppressed_for_others(app: TestApp) {
    let d = id(&offer(&app, "vejle", "Belægning", Some(10), json!({})).await);
    // Lolland: 5 requests of 1 place × 10 days = 50. Randers: 6 × 28 = 168. Faxe: 2 × 20 = 40.
    // Næstved: 1 request of 2 places × 5 days = 10. In all 14 requests, 268 place-days.
    for _ in 0..5 {
        booked(
            &app,
            "lolland",
            d,
            1,
            ("2030-01-01", "2030-01-10"),
            &["accept"],
        )
        .await;
    }
    for _ in 0..6 {
        booked(
            &app,
            "randers",
            d,
            1,
            ("2030-02-01", "2030-02-28"),
            &["accept"],
        )
        .await;
    }
    for _ in 0..2 {
        booked(
            &app,
            "faxe",
            d,
            1,
            ("2030-03-01", "2030-03-20"),
            &["accept"],
        )
        .await;
    }
    booked(
        &app,
        "naestved",
        d,
        2,
        ("2030-04-01", "2030-04-05"),
        &["accept"],
    )
    .await;
    let path = |year: i32| format!("/api/v1/municipalities/vejle/offers/{d}/occupancy?year={year}");
    let cells = |v: &Value| -> Vec<(String, Value)> {
        v["buyers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|b| {
                        (
                            b["buyer"]["slug"].as_str().unwrap_or("").to_owned(),
                            b["place_days"].clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let n = |v: i64| json!({"value": v});
    let hidden = json!({"suppressed": true});
    // The provider's members: exact, by buyer name.
    let exact = app
        .member("vejle", Role::Viewer)
        .get(&path(2030))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (exact["audience"].as_str(), &exact["place_days"]),
        (Some("member"), &n(268))
    );
    assert_eq!(
        cells(&exact),
        vec![
            ("faxe".to_owned(), n(40)),
            ("lolland".to_owned(), n(50)),
            ("naestved".to_owned(), n(10)),
            ("randers".to_owned(), n(168)),
        ]
    );
    // Everyone else: Faxe (2 requests) and Næstved (1) are below five; together they rest on 3,
    // so the smallest shown cell, Lolland (5), is withheld too. Randers (6) and the total (14)
    // stay: 268 − 168 gives only the sum of three withheld cells.
    for caller in [
        app.anonymous(),
        app.member("lolland", Role::Admin),
        app.operator(),
    ] {
        let public = caller.get(&path(2030)).send().await.ok(200);
        assert_eq!(
            (public["audience"].as_str(), &public["place_days"]),
            (Some("public"), &n(268))
        );
        assert_eq!(
            cells(&public),
            vec![
                ("faxe".to_owned(), hidden.clone()),
                ("lolland".to_owned(), hidden.clone()),
                ("naestved".to_owned(), hidden.clone()),
                ("randers".to_owned(), n(168)),
            ]
        );
    }
    // A year with fewer than five requests: the total is withheld from outsiders too.
    let none = app.anonymous().get(&path(2031)).send().await.ok(200);
    assert_eq!((&none["place_days"], cells(&none).len()), (&hidden, 0));
    let own = app
        .member("vejle", Role::Viewer)
        .get(&path(2031))
        .send()
        .await
        .ok(200);
    assert_eq!(own["place_days"], n(0));
    // An offer the caller may not see is 404, exactly like a missing one.
    let draft = id(&offer(
        &app,
        "vejle",
        "Belægning kladde",
        Some(3),
        json!({"status": "draft"}),
    )
    .await);
    app.anonymous()
        .get(&format!(
            "/api/v1/municipalities/vejle/offers/{draft}/occupancy?year=2030"
        ))
        .send()
        .await
        .problem(404, "not_found");
    app.anonymous()
        .get(&format!(
            "/api/v1/municipalities/lolland/offers/{d}/occupancy?year=2030"
        ))
        .send()
        .await
        .problem(404, "not_found");
}

async fn occupancy_indicator_over_twelve_months(app: TestApp) {
    // E: 4 places; F: 6 places; G: a draft with 5 places, not offered and not counted.
    let e = id(&offer(&app, "vejle", "Indikator E", Some(4), json!({})).await);
    let f = id(&offer(&app, "vejle", "Indikator F", Some(6), json!({})).await);
    offer(
        &app,
        "vejle",
        "Indikator G",
        Some(5),
        json!({"status": "draft"}),
    )
    .await;
    // E: 2 places, 2029-12-20..2030-01-10 (22 days: 12 in 2029, 10 in 2030).
    booked(
        &app,
        "lolland",
        e,
        2,
        ("2029-12-20", "2030-01-10"),
        &["accept"],
    )
    .await;
    // F: 3 places through February 2030 (28 days), ended: 84 place-days.
    booked(
        &app,
        "faxe",
        f,
        3,
        ("2030-02-01", "2030-02-28"),
        &["accept", "start", "end"],
    )
    .await;
    // F: requested only, not used.
    booked(&app, "faxe", f, 1, ("2030-06-01", "2030-06-30"), &[]).await;
    // E: 1 place 2032-02-01..2032-03-15, in the leap year.
    booked(
        &app,
        "randers",
        e,
        1,
        ("2032-02-01", "2032-03-15"),
        &["accept"],
    )
    .await;

    let indicators = retning_offers::OffersModule.indicators();
    let occupancy = indicators
        .iter()
        .find(|i| i.key() == "offers.occupancy")
        .unwrap_or_else(|| panic!("offers.occupancy is not registered"));
    assert_eq!(occupancy.unit(), "percent");
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let at = |m: &str, on: NaiveDate| {
        app.with_conn(|conn| {
            let id = retning_kernel::tenancy::find_by_slug(conn, m)
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no municipality {m}"))
                .id;
            occupancy
                .compute(conn, id, on)
                .unwrap_or_else(|e| panic!("{e:?}"))
        })
    };
    // 2030 (365 days): 20 + 84 = 104 of 10 × 365 = 3,650 place-days: 2.85 % → 2.8.
    assert_eq!(at("vejle", d(2030, 12, 31)), Some(2.8));
    // 2029-07-01..2030-06-30 (365 days): 44 + 84 = 128 of 3,650: 3.51 % → 3.5.
    assert_eq!(at("vejle", d(2030, 6, 30)), Some(3.5));
    // 2031-03-01..2032-02-29 (366 days): 29 of 10 × 366 = 3,660: 0.79 % → 0.8.
    assert_eq!(at("vejle", d(2032, 2, 29)), Some(0.8));
    // Nothing used in the twelve months: 0, not None.
    assert_eq!(at("vejle", d(2031, 6, 30)), Some(0.0));
    // A municipality without offers with approved places: no value.
    assert_eq!(at("lolland", d(2030, 12, 31)), None);

    // The same number on a computed target of the provider, judged on its deadline (a past
    // one, so the day is fixed): 1 place × 10 days in 2025, of 10 × 365: 0.27 % → 0.3.
    booked(
        &app,
        "lolland",
        e,
        1,
        ("2025-03-01", "2025-03-10"),
        &["accept"],
    )
    .await;
    assert_eq!(at("vejle", d(2025, 12, 31)), Some(0.3));
    let editor = app.member("vejle", Role::Editor);
    let target = crate::goals::make_target(
        &app,
        editor.token(),
        json!({"title": "Belægning på vores tilbud", "indicator": "Belægning", "unit": "percent",
            "direction": "increase", "baseline_value": 0, "baseline_date": "2025-01-01",
            "target_value": 80, "deadline": "2025-12-31", "frequency": "annual",
            "source": "computed", "computed_indicator": "offers.occupancy"}),
    )
    .await;
    assert_eq!(
        (
            target["latest"]["date"].as_str(),
            target["latest"]["value"].as_f64()
        ),
        (Some("2025-12-31"), Some(0.3))
    );
}
