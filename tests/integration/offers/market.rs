//! The market: filters (vacancy included), visibility, sorting, ETag and CSV.

use super::{act, id, offer, request};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, items, strs, TestApp};
use serde_json::json;

both_backends!(
    the_market_filters_in_sql_and_respects_visibility,
    the_vacancy_filter_asks_for_free_places_on_every_day,
    the_market_has_an_etag_and_a_csv,
);

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let page = app
        .get(&format!("/api/v1/offers?limit=500&{query}"))
        .send()
        .await
        .ok(200);
    strs(&items(&page), "name")
        .into_iter()
        .map(str::to_owned)
        .collect()
}

async fn the_market_filters_in_sql_and_respects_visibility(app: TestApp) {
    offer(
        &app,
        "vordingborg",
        "MST-teamet",
        Some(5),
        json!({"offer_type": "home_based", "legal_basis": {"law": "BL", "paragraph": "32"}, "programme": "mst",
            "target_groups": ["unge med adfærdsproblemer"], "age_min": 12, "age_max": 17, "staircase_step": 3,
            "method": "Multisystemisk terapi i hjemmet"}),
    )
    .await;
    offer(
        &app,
        "vordingborg",
        "Vordingborg kladde",
        Some(5),
        json!({"status": "draft"}),
    )
    .await;
    offer(
        &app,
        "vordingborg",
        "Til Lolland",
        Some(5),
        json!({"visibility": "partners", "partners": ["lolland"]}),
    )
    .await;
    assert_eq!(names(&app, "offer_type=home_based").await, ["MST-teamet"]);
    assert_eq!(names(&app, "law=BL").await, ["MST-teamet"]);
    assert_eq!(
        names(&app, "target_group=unge%20med%20adf%C3%A6rdsproblemer").await,
        ["MST-teamet"]
    );
    assert_eq!(names(&app, "programme=mst").await, ["MST-teamet"]);
    assert_eq!(names(&app, "q=MULTISYSTEMISK").await, ["MST-teamet"]);
    assert_eq!(
        names(&app, "q=100%25").await,
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    assert!(names(&app, "age=14&step=3")
        .await
        .contains(&"MST-teamet".to_owned()));
    assert!(!names(&app, "age=18&step=3")
        .await
        .contains(&"MST-teamet".to_owned()));
    let sjaelland = names(&app, "region=Region%20Sj%C3%A6lland").await;
    assert_eq!(
        sjaelland,
        ["MST-teamet"],
        "anonymous: neither the draft nor the partners offer"
    );
    let vejle = names(&app, "provider=vejle").await;
    assert_eq!(vejle.len(), 8, "the seeded offers: {vejle:?}");
    // What each caller may see.
    let as_caller = |m: &'static str| {
        let c = app.member(m, Role::Viewer);
        async move {
            let page = c
                .get("/api/v1/offers?provider=vordingborg")
                .send()
                .await
                .ok(200);
            let mut n: Vec<String> = strs(&items(&page), "name")
                .into_iter()
                .map(str::to_owned)
                .collect();
            n.sort();
            n
        }
    };
    assert_eq!(as_caller("lolland").await, ["MST-teamet", "Til Lolland"]);
    assert_eq!(as_caller("faxe").await, ["MST-teamet"]);
    assert_eq!(
        as_caller("vordingborg").await,
        ["MST-teamet", "Til Lolland", "Vordingborg kladde"]
    );
    // Sorting and paging.
    let page = app
        .get("/api/v1/offers?provider=vejle&sort=-name&limit=3")
        .send()
        .await
        .ok(200);
    assert_eq!(
        strs(&items(&page), "name"),
        ["Perlen/Vejen Frem", "Kærnehuset", "Horisonten"]
    );
    assert_eq!(page["total"], 8);
    let next = page["next_cursor"].as_str().unwrap_or_default();
    let page2 = app
        .get(&format!(
            "/api/v1/offers?provider=vejle&sort=-name&limit=3&cursor={next}"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(items(&page2).len(), 3);
    app.get("/api/v1/offers?sort=price")
        .send()
        .await
        .field_error(422, "validation.failed", "query.sort");
    app.get("/api/v1/offers?colour=red")
        .send()
        .await
        .problem(422, "validation.failed");
    app.get("/api/v1/offers?offer_type=castle")
        .send()
        .await
        .field_error(422, "validation.failed", "query.offer_type");
}

async fn the_vacancy_filter_asks_for_free_places_on_every_day(app: TestApp) {
    // Two offers of Guldborgsund: "Fuld i januar" has 2 places, both taken in January 2030;
    // "Én ledig" has 3 places with 2 taken from 15 January.
    let full = offer(&app, "guldborgsund", "Fuld i januar", Some(2), json!({})).await;
    let one = offer(&app, "guldborgsund", "Én ledig", Some(3), json!({})).await;
    offer(&app, "guldborgsund", "Uden pladser", None, json!({})).await;
    for (o, n, from, to) in [
        (&full, 2, "2030-01-01", "2030-01-31"),
        (&one, 2, "2030-01-15", "2030-03-31"),
    ] {
        let r = id(&request(&app, "lolland", id(o), n, from, to).await.ok(201));
        act(&app, "guldborgsund", r, "accept").await.ok(200);
    }
    // A request not accepted takes nothing.
    request(&app, "lolland", id(&one), 3, "2030-01-01", "2030-12-31")
        .await
        .ok(201);
    let q = |extra: &str| format!("provider=guldborgsund&{extra}");
    let mut all = names(&app, &q("vacant_from=2029-12-01&vacant_to=2029-12-31")).await;
    all.sort();
    assert_eq!(
        all,
        ["Fuld i januar", "Én ledig"],
        "an offer without places has no vacancy"
    );
    assert_eq!(
        names(&app, &q("vacant_from=2030-01-10&vacant_to=2030-01-20")).await,
        ["Én ledig"]
    );
    assert_eq!(
        names(
            &app,
            &q("vacant_from=2030-01-10&vacant_to=2030-01-20&vacant_places=2")
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &app,
            &q("vacant_from=2030-01-01&vacant_to=2030-01-14&vacant_places=3")
        )
        .await,
        ["Én ledig"]
    );
    // Touching: the day after January is free in "Fuld i januar"; the last day is not.
    let feb = names(
        &app,
        &q("vacant_from=2030-02-01&vacant_to=2030-02-10&vacant_places=2"),
    )
    .await;
    assert_eq!(feb, ["Fuld i januar"]);
    assert_eq!(
        names(&app, &q("vacant_from=2030-01-31&vacant_to=2030-02-10")).await,
        ["Én ledig"]
    );
    // Vacancy on a day, in the view.
    let page = app
        .get("/api/v1/offers?provider=guldborgsund&vacancy_date=2030-01-20&sort=name")
        .send()
        .await
        .ok(200);
    let vacant: Vec<(String, serde_json::Value)> = items(&page)
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap_or_default().to_owned(),
                o["vacant_places"].clone(),
            )
        })
        .collect();
    assert_eq!(
        vacant,
        [
            ("Fuld i januar".to_owned(), json!(0)),
            ("Uden pladser".to_owned(), json!(null)),
            ("Én ledig".to_owned(), json!(1)),
        ]
    );
    // Bad periods are named.
    app.get("/api/v1/offers?vacant_from=2030-02-01&vacant_to=2030-01-01")
        .send()
        .await
        .field_error(422, "validation.failed", "query.vacant_to");
    app.get("/api/v1/offers?vacant_from=2030-02-01")
        .send()
        .await
        .field_error(422, "validation.failed", "query.vacant_to");
    app.get("/api/v1/offers?vacant_places=2")
        .send()
        .await
        .field_error(422, "validation.failed", "query.vacant_places");
    app.get("/api/v1/offers?vacant_from=2030-13-01&vacant_to=2030-12-01")
        .send()
        .await
        .field_error(422, "validation.failed", "query.vacant_from");
}

async fn the_market_has_an_etag_and_a_csv(app: TestApp) {
    let r = app.get("/api/v1/offers?provider=vejle").send().await;
    r.ok(200);
    let etag = r.header("etag").unwrap_or_default().to_owned();
    assert!(!etag.is_empty());
    let again = app
        .get("/api/v1/offers?provider=vejle")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    let csv = app
        .get("/api/v1/offers.csv?provider=vejle&offer_type=residential_institution")
        .send()
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/csv")));
    let text = csv.text();
    assert!(text.starts_with("\u{feff}id,provider,name,"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 5,
        "header and the five residential institutions: {text}"
    );
    assert!(text.contains("Horisonten"));
    app.get("/api/v1/offers.csv?vacant_places=0")
        .send()
        .await
        .problem(422, "validation.failed");
}
