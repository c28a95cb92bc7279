//! The capacity race: many acceptances at once never put more places on a day than the offer
//! has approved, and every refusal was one that would have overbooked.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, join_all, TestApp};
use serde_json::json;

use super::{id, offer};

both_backends!(concurrent_acceptances_never_overbook_an_offer);

const ROUNDS: usize = 20;
const ATTEMPTS: usize = 200;
const PLACES: i64 = 10;
const BUYERS: [&str; 5] = ["lolland", "faxe", "naestved", "guldborgsund", "randers"];

struct Attempt {
    id: i64,
    places: i64,
    from: NaiveDate,
    to: NaiveDate,
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

async fn concurrent_acceptances_never_overbook_an_offer(app: TestApp) {
    let started = Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(10);
    let base = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap_or_default();
    let provider = app.member("vejle", Role::Editor);
    let buyers: Vec<_> = BUYERS
        .iter()
        .map(|b| (*b, app.member(b, Role::Editor)))
        .collect();
    let (mut accepted_total, mut refused_total) = (0, 0);
    for round in 0..ROUNDS {
        let o = id(&offer(
            &app,
            "vejle",
            &format!("Kapacitet {round}"),
            Some(10),
            json!({}),
        )
        .await);
        // The requests first: overlapping periods in a 60-day window, 1-3 places each.
        let specs: Vec<(usize, i64, NaiveDate, NaiveDate)> = (0..ATTEMPTS)
            .map(|i| {
                let from = base + Days::new(rng.random_range(0..60));
                let to = from + Days::new(rng.random_range(0..30));
                (i % BUYERS.len(), rng.random_range(1..=3), from, to)
            })
            .collect();
        let creations = specs.iter().map(|(b, places, from, to)| {
            let (slug, caller) = &buyers[*b];
            caller
                .post(&format!("/api/v1/municipalities/{slug}/place-requests"))
                .json(&json!({"offer_id": o, "places": places, "period_start": from, "period_end": to}))
                .send()
        });
        let created = join_all(creations.collect()).await;
        let attempts: Vec<Attempt> = created
            .iter()
            .zip(&specs)
            .map(|(r, (_, places, from, to))| Attempt {
                id: id(&r.ok(201)),
                places: *places,
                from: *from,
                to: *to,
            })
            .collect();
        // Then every acceptance at once.
        let accepts = attempts.iter().map(|a| {
            provider
                .post(&format!(
                    "/api/v1/municipalities/vejle/place-requests/{}/accept",
                    a.id
                ))
                .send()
        });
        let answers = join_all(accepts.collect()).await;
        let mut load: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        let mut refused = Vec::new();
        for (r, a) in answers.iter().zip(&attempts) {
            match r.status {
                200 => {
                    for d in days(a.from, a.to) {
                        *load.entry(d).or_default() += a.places;
                    }
                }
                409 => {
                    r.problem(409, "offers.capacity_exceeded");
                    refused.push(a);
                }
                s => panic!("round {round}: unexpected {s}: {}", r.text()),
            }
        }
        let peak = load.values().copied().max().unwrap_or(0);
        assert!(
            peak <= PLACES,
            "round {round}: {peak} places booked on a day"
        );
        // Maximal: a refusal fits nowhere beside the final set (which holds everything accepted
        // at the moment of the refusal), so each one would indeed have overbooked.
        for a in &refused {
            let fits =
                days(a.from, a.to).all(|d| load.get(&d).copied().unwrap_or(0) + a.places <= PLACES);
            assert!(
                !fits,
                "round {round}: request {} was refused but fits",
                a.id
            );
        }
        // What the database holds agrees with the answers, and the service's own vacancy too.
        let stored: i64 = app.with_conn(|c| {
            use diesel::prelude::*;
            use retning_offers::schema::offer_place_requests as rq;
            rq::table
                .filter(rq::offer_id.eq(o))
                .filter(rq::status.eq("accepted"))
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"))
        });
        let accepted = (ATTEMPTS - refused.len()) as i64;
        assert_eq!(stored, accepted, "round {round}");
        for (day, booked) in load.iter().step_by(7) {
            let v = provider
                .get(&format!(
                    "/api/v1/municipalities/vejle/offers/{o}?vacancy_date={day}"
                ))
                .send()
                .await
                .ok(200);
            assert_eq!(v["vacant_places"], PLACES - booked, "round {round} {day}");
        }
        accepted_total += accepted;
        refused_total += refused.len();
    }
    println!(
        "capacity race on {}: {ROUNDS} rounds x {ATTEMPTS} acceptance attempts on {PLACES} places: {accepted_total} accepted, {refused_total} refused (409 offers.capacity_exceeded), {:.1} s",
        app.backend().name(),
        started.elapsed().as_secs_f64()
    );
}
