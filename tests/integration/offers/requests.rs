//! Place requests: every transition by the right and by the wrong party, visibility to the two
//! parties only, audit in both logs, touching periods, the CPR guard.

use super::{act, id, offer, request};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, items, TestApp};
use serde_json::json;

both_backends!(
    a_request_walks_every_state_by_the_right_party,
    the_wrong_party_and_illegal_transitions_are_refused,
    a_request_is_invisible_to_a_third_municipality,
    touching_periods_do_not_overlap_and_the_same_day_does,
    requests_are_checked_before_they_are_stored,
    approved_places_cannot_fall_below_what_is_booked,
);

async fn a_request_walks_every_state_by_the_right_party(app: TestApp) {
    let o = offer(&app, "vejle", "Horisonten 2", Some(2), json!({})).await;
    let r = request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-06-30").await;
    let created = r.ok(201);
    assert_eq!(created["status"], "requested");
    assert_eq!(created["viewer"], "buyer");
    assert_eq!(created["allowed"], json!(["withdraw"]));
    assert_eq!(created["buyer"]["slug"], "lolland");
    assert_eq!(created["provider"]["slug"], "vejle");
    let rid = id(&created);
    let location = r.header("location").unwrap_or_default().to_owned();
    assert_eq!(
        location,
        format!("/api/v1/municipalities/lolland/place-requests/{rid}")
    );
    // The provider sees it under its own path, with its own transitions.
    let seen = app
        .member("vejle", Role::Viewer)
        .get(&format!(
            "/api/v1/municipalities/vejle/place-requests/{rid}"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(seen["viewer"], "provider");
    assert_eq!(seen["allowed"], json!(["accept", "decline"]));
    assert_eq!(seen["case_reference"], "SAG-2030-17");
    let accepted = act(&app, "vejle", rid, "accept").await.ok(200);
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["allowed"], json!(["start"]));
    let vacancy = app
        .get(&format!(
            "/api/v1/municipalities/vejle/offers/{}?vacancy_date=2030-03-01",
            id(&o)
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(vacancy["vacant_places"], 1);
    assert_eq!(vacancy["vacancy_date"], "2030-03-01");
    assert_eq!(
        act(&app, "vejle", rid, "start").await.ok(200)["status"],
        "active"
    );
    assert_eq!(
        act(&app, "vejle", rid, "end").await.ok(200)["status"],
        "ended"
    );
    // Declined and withdrawn.
    let r2 = id(
        &request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    assert_eq!(
        act(&app, "vejle", r2, "decline").await.ok(200)["status"],
        "declined"
    );
    let r3 = id(
        &request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    assert_eq!(
        act(&app, "lolland", r3, "withdraw").await.ok(200)["status"],
        "withdrawn"
    );
    let r4 = id(
        &request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    act(&app, "vejle", r4, "accept").await.ok(200);
    assert_eq!(
        act(&app, "lolland", r4, "withdraw").await.ok(200)["status"],
        "withdrawn"
    );
    // Each change is in both parties' logs: one entry per party.
    for action in ["create", "accept", "start", "end", "decline", "withdraw"] {
        let n = app.audit_count(action, "place_request");
        assert!(n > 0 && n % 2 == 0, "{action}: {n}");
    }
    assert_eq!(app.audit_count("accept", "place_request"), 4);
    let log = |m: &str| {
        let admin = app.member(m, Role::Admin);
        let path =
            format!("/api/v1/municipalities/{m}/audit?object_type=place_request&object_id={rid}");
        async move { admin.get(&path).send().await.ok(200) }
    };
    assert_eq!(items(&log("vejle").await).len(), 4);
    assert_eq!(items(&log("lolland").await).len(), 4);
    // Lists per party.
    let mine = app
        .member("lolland", Role::Viewer)
        .get("/api/v1/municipalities/lolland/place-requests?party=buyer&status=withdrawn")
        .send()
        .await
        .ok(200);
    assert_eq!(mine["total"], 2);
    let theirs = app
        .member("vejle", Role::Viewer)
        .get("/api/v1/municipalities/vejle/place-requests?party=buyer")
        .send()
        .await
        .ok(200);
    assert_eq!(theirs["total"], 0);
}

async fn the_wrong_party_and_illegal_transitions_are_refused(app: TestApp) {
    let o = offer(&app, "vejle", "Brummersvej 2", Some(2), json!({})).await;
    let rid = id(
        &request(&app, "faxe", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    for action in ["accept", "decline", "start", "end"] {
        act(&app, "faxe", rid, action)
            .await
            .problem(403, "offers.request.wrong_party");
    }
    act(&app, "vejle", rid, "withdraw")
        .await
        .problem(403, "offers.request.wrong_party");
    // Requested: start and end are not allowed; the problem names what is.
    for action in ["start", "end"] {
        let p = act(&app, "vejle", rid, action)
            .await
            .problem(409, "offers.request.illegal_transition");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("accept (provider), decline (provider), withdraw (buyer)"),
            "{detail}"
        );
        let allowed: Vec<&str> = p["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["code"].as_str())
            .collect();
        assert_eq!(allowed, ["accept", "decline", "withdraw"]);
    }
    act(&app, "vejle", rid, "accept").await.ok(200);
    for action in ["accept", "decline", "end"] {
        act(&app, "vejle", rid, action)
            .await
            .problem(409, "offers.request.illegal_transition");
    }
    act(&app, "vejle", rid, "start").await.ok(200);
    act(&app, "faxe", rid, "withdraw")
        .await
        .problem(409, "offers.request.illegal_transition");
    act(&app, "vejle", rid, "end").await.ok(200);
    let p = act(&app, "vejle", rid, "end")
        .await
        .problem(409, "offers.request.illegal_transition");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.ends_with("allowed: none")),
        "{p}"
    );
    // Viewers do not act.
    app.member("vejle", Role::Viewer)
        .post(&format!(
            "/api/v1/municipalities/vejle/place-requests/{rid}/end"
        ))
        .send()
        .await
        .problem(403, "auth.forbidden");
}

async fn a_request_is_invisible_to_a_third_municipality(app: TestApp) {
    let o = offer(&app, "vejle", "Fårupgaard 2", Some(2), json!({})).await;
    let rid = id(
        &request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    let randers = app.member("randers", Role::Editor);
    let hidden = randers
        .get(&format!(
            "/api/v1/municipalities/randers/place-requests/{rid}"
        ))
        .send()
        .await
        .problem(404, "not_found");
    let missing = randers
        .get("/api/v1/municipalities/randers/place-requests/999999")
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(hidden["detail"], missing["detail"]);
    for action in ["accept", "withdraw"] {
        randers
            .post(&format!(
                "/api/v1/municipalities/randers/place-requests/{rid}/{action}"
            ))
            .send()
            .await
            .problem(404, "not_found");
    }
    // Nor under a party's path.
    randers
        .get(&format!(
            "/api/v1/municipalities/vejle/place-requests/{rid}"
        ))
        .send()
        .await
        .problem(404, "not_found");
    let list = randers
        .get("/api/v1/municipalities/randers/place-requests")
        .send()
        .await
        .ok(200);
    assert_eq!(list["total"], 0);
}

async fn touching_periods_do_not_overlap_and_the_same_day_does(app: TestApp) {
    let o = offer(&app, "vejle", "Én plads", Some(1), json!({})).await;
    let first = id(
        &request(&app, "lolland", id(&o), 1, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    let next_day = id(
        &request(&app, "faxe", id(&o), 1, "2030-02-01", "2030-02-28")
            .await
            .ok(201),
    );
    let same_day = id(
        &request(&app, "naestved", id(&o), 1, "2030-01-31", "2030-02-15")
            .await
            .ok(201),
    );
    let day_before = id(
        &request(&app, "guldborgsund", id(&o), 1, "2029-12-01", "2029-12-31")
            .await
            .ok(201),
    );
    act(&app, "vejle", first, "accept").await.ok(200);
    act(&app, "vejle", next_day, "accept").await.ok(200);
    act(&app, "vejle", day_before, "accept").await.ok(200);
    let p = act(&app, "vejle", same_day, "accept").await;
    let p = p.field_error(409, "offers.capacity_exceeded", "places");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2030-01-31")),
        "{p}"
    );
    // A withdrawn acceptance frees its days.
    act(&app, "lolland", first, "withdraw").await.ok(200);
    act(&app, "vejle", same_day, "decline").await.ok(200);
    let again = id(
        &request(&app, "naestved", id(&o), 1, "2030-01-10", "2030-01-31")
            .await
            .ok(201),
    );
    act(&app, "vejle", again, "accept").await.ok(200);
}

async fn requests_are_checked_before_they_are_stored(app: TestApp) {
    let o = offer(&app, "vejle", "Kontrol", Some(3), json!({})).await;
    request(&app, "lolland", id(&o), 0, "2030-01-01", "2030-01-31")
        .await
        .field_error(422, "validation.failed", "places");
    request(&app, "lolland", id(&o), 1, "2030-02-01", "2030-01-31")
        .await
        .field_error(422, "validation.failed", "period_end");
    request(&app, "lolland", 999_999, 1, "2030-01-01", "2030-01-31")
        .await
        .field_error(422, "validation.failed", "offer_id");
    request(&app, "vejle", id(&o), 1, "2030-01-01", "2030-01-31")
        .await
        .field_error(422, "offers.request.own_offer", "offer_id");
    // A draft is not shown to the buyer; a closed offer takes no requests.
    let draft = offer(
        &app,
        "vejle",
        "Kladde 2",
        Some(3),
        json!({"status": "draft"}),
    )
    .await;
    request(&app, "lolland", id(&draft), 1, "2030-01-01", "2030-01-31")
        .await
        .field_error(422, "validation.failed", "offer_id");
    let closed = offer(
        &app,
        "vejle",
        "Lukket",
        Some(3),
        json!({"status": "closed"}),
    )
    .await;
    request(&app, "lolland", id(&closed), 1, "2030-01-01", "2030-01-31")
        .await
        .problem(409, "offers.offer.not_open");
    // A partners offer only to its partners.
    let partners = offer(
        &app,
        "vejle",
        "Kun Faxe",
        Some(3),
        json!({"visibility": "partners", "partners": ["faxe"]}),
    )
    .await;
    request(
        &app,
        "lolland",
        id(&partners),
        1,
        "2030-01-01",
        "2030-01-31",
    )
    .await
    .field_error(422, "validation.failed", "offer_id");
    request(&app, "faxe", id(&partners), 1, "2030-01-01", "2030-01-31")
        .await
        .ok(201);
    // The CPR guard on the case reference and the note.
    let editor = app.member("lolland", Role::Editor);
    for (field, value) in [
        ("case_reference", "010203-1234"),
        ("note", "barnet 0102031234 kommer"),
    ] {
        let mut body = json!({"offer_id": id(&o), "places": 1, "period_start": "2030-01-01", "period_end": "2030-01-31"});
        body[field] = json!(value);
        let p = editor
            .post("/api/v1/municipalities/lolland/place-requests")
            .json(&body)
            .send()
            .await
            .field_error(422, "validation.failed", field);
        assert_eq!(p["errors"][0]["code"], "cpr_number");
    }
    // Viewers do not request.
    app.member("lolland", Role::Viewer)
        .post("/api/v1/municipalities/lolland/place-requests")
        .json(&json!({"offer_id": id(&o), "places": 1, "period_start": "2030-01-01", "period_end": "2030-01-31"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
}

async fn approved_places_cannot_fall_below_what_is_booked(app: TestApp) {
    let o = offer(&app, "vejle", "Tre pladser", Some(3), json!({})).await;
    let a = id(
        &request(&app, "lolland", id(&o), 2, "2030-01-01", "2030-01-31")
            .await
            .ok(201),
    );
    let b = id(
        &request(&app, "faxe", id(&o), 1, "2030-01-15", "2030-02-15")
            .await
            .ok(201),
    );
    act(&app, "vejle", a, "accept").await.ok(200);
    act(&app, "vejle", b, "accept").await.ok(200);
    let editor = app.member("vejle", Role::Editor);
    let path = format!("/api/v1/municipalities/vejle/offers/{}", id(&o));
    for places in [json!(2), json!(null)] {
        editor
            .patch(&path)
            .json(&json!({"approved_places": places}))
            .send()
            .await
            .field_error(409, "offers.places_booked", "approved_places");
    }
    assert_eq!(
        editor.get(&path).send().await.ok(200)["approved_places"],
        3,
        "unchanged"
    );
    act(&app, "lolland", a, "withdraw").await.ok(200);
    editor
        .patch(&path)
        .json(&json!({"approved_places": 1}))
        .send()
        .await
        .ok(200);
}
