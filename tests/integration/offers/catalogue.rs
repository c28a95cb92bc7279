//! A provider's offers: CRUD by the provider's editors and who sees what (all / partners / outsider / draft).

use super::{id, offer};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, items, strs, TestApp};
use serde_json::json;

both_backends!(
    the_provider_publishes_changes_and_removes_an_offer,
    drafts_and_partner_offers_are_seen_only_by_whom_they_are_for,
    bad_offers_are_refused_naming_the_field,
    vejles_seeded_offers_quote_the_document_and_invent_nothing,
);

async fn the_provider_publishes_changes_and_removes_an_offer(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let created = offer(
        &app,
        "vejle",
        "Testhuset",
        Some(6),
        json!({"status": "draft", "provider_unit": "Testhuset", "target_groups": ["unge 14-17 år", "børn med ADHD"],
            "legal_basis": {"law": "BL", "paragraph": "§ 66", "stk": 1, "nr": 6}, "programme": "mst",
            "age_min": 12, "age_max": 17, "staircase_step": 6, "rate_dkk": 4200, "rate_period": "day",
            "rate_occupancy_percent": 90, "typical_duration": "6 måneder", "contact": "Forstander"}),
    )
    .await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["provider"]["slug"], "vejle");
    assert_eq!(
        created["legal_basis"],
        json!({"law": "BL", "paragraph": "66", "stk": 1, "nr": 6})
    );
    assert_eq!(
        created["target_groups"],
        json!(["unge 14-17 år", "børn med ADHD"])
    );
    assert_eq!(created["programme"]["short_name"], "mst");
    assert_eq!(created["vacant_places"], 6);
    assert_eq!(created["partners"], json!([]));
    let path = format!("/api/v1/municipalities/vejle/offers/{}", id(&created));
    let changed = editor
        .patch(&path)
        .json(&json!({"status": "open", "approved_places": null, "rate_dkk": null, "rate_period": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(changed["status"], "open");
    assert_eq!(changed["approved_places"], json!(null));
    assert_eq!(changed["vacant_places"], json!(null));
    assert_eq!(
        changed["target_groups"], created["target_groups"],
        "absent fields stay"
    );
    // Viewers read, they do not write; others' editors meet 404.
    let viewer = app.member("vejle", Role::Viewer);
    viewer.get(&path).send().await.ok(200);
    viewer
        .patch(&path)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(403, "auth.forbidden");
    app.member("randers", Role::Editor)
        .patch(&path)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .problem(404, "not_found");
    // Names are unique per provider.
    editor
        .post("/api/v1/municipalities/vejle/offers")
        .json(&json!({"name": "Testhuset", "offer_type": "other"}))
        .send()
        .await
        .field_error(409, "conflict.duplicate", "name");
    editor.delete(&path).send().await.ok(204);
    editor.get(&path).send().await.problem(404, "not_found");
    assert_eq!(
        app.audit_count("create", "offer") - 8,
        1,
        "8 seeded, one created"
    );
    assert_eq!(app.audit_count("update", "offer"), 1);
    assert_eq!(app.audit_count("delete", "offer"), 1);
}

async fn drafts_and_partner_offers_are_seen_only_by_whom_they_are_for(app: TestApp) {
    let public = offer(&app, "vordingborg", "Offentligt tilbud", Some(4), json!({})).await;
    let draft = offer(
        &app,
        "vordingborg",
        "Kladde",
        Some(4),
        json!({"status": "draft"}),
    )
    .await;
    let partners = offer(
        &app,
        "vordingborg",
        "Partnertilbud",
        Some(4),
        json!({"visibility": "partners", "partners": ["lolland", "faxe"]}),
    )
    .await;
    assert_eq!(partners["partners"], json!(["faxe", "lolland"]));
    let base = "/api/v1/municipalities/vordingborg/offers";
    let names = |page: &serde_json::Value| {
        let mut n: Vec<String> = strs(&items(page), "name")
            .into_iter()
            .map(str::to_owned)
            .collect();
        n.sort();
        n
    };
    let own = app.member("vordingborg", Role::Viewer);
    let lolland = app.member("lolland", Role::Viewer);
    let randers = app.member("randers", Role::Viewer);
    let anonymous = app.anonymous();
    assert_eq!(
        names(&own.get(base).send().await.ok(200)),
        ["Kladde", "Offentligt tilbud", "Partnertilbud"]
    );
    assert_eq!(
        names(&lolland.get(base).send().await.ok(200)),
        ["Offentligt tilbud", "Partnertilbud"]
    );
    assert_eq!(
        names(&randers.get(base).send().await.ok(200)),
        ["Offentligt tilbud"]
    );
    assert_eq!(
        names(&anonymous.get(base).send().await.ok(200)),
        ["Offentligt tilbud"]
    );
    // One at a time: what one may not see is 404, exactly like a missing offer.
    for (caller, visible) in [
        (&own, [true, true, true]),
        (&lolland, [true, false, true]),
        (&randers, [true, false, false]),
        (&anonymous, [true, false, false]),
    ] {
        for (o, seen) in [&public, &draft, &partners].into_iter().zip(visible) {
            let r = caller.get(&format!("{base}/{}", id(o))).send().await;
            if seen {
                let v = r.ok(200);
                assert_eq!(
                    v["partners"].is_array(),
                    caller.name() == own.name(),
                    "partners only to the provider: {v}"
                );
            } else {
                r.problem(404, "not_found");
            }
        }
    }
    let missing = randers
        .get(&format!("{base}/999999"))
        .send()
        .await
        .problem(404, "not_found");
    let hidden = randers
        .get(&format!("{base}/{}", id(&draft)))
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(missing["detail"], hidden["detail"]);
    // Under another municipality's path an offer is not found either.
    own.get(&format!(
        "/api/v1/municipalities/lolland/offers/{}",
        id(&public)
    ))
    .send()
    .await
    .problem(404, "not_found");
    // Turning a partners offer public drops its partners.
    let opened = app
        .member("vordingborg", Role::Editor)
        .patch(&format!("{base}/{}", id(&partners)))
        .json(&json!({"visibility": "all"}))
        .send()
        .await
        .ok(200);
    assert_eq!(opened["partners"], json!([]));
    assert_eq!(
        names(&randers.get(base).send().await.ok(200)),
        ["Offentligt tilbud", "Partnertilbud"]
    );
}

async fn bad_offers_are_refused_naming_the_field(app: TestApp) {
    let editor = app.member("vejle", Role::Editor);
    let post = |body: serde_json::Value| {
        editor
            .post("/api/v1/municipalities/vejle/offers")
            .json(&body)
            .send()
    };
    let base = json!({"name": "Nyt", "offer_type": "other"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("name", json!("  ")), "name"),
        (
            with("legal_basis", json!({"law": "SEL", "paragraph": "66"})),
            "legal_basis.law",
        ),
        (
            with("legal_basis", json!({"law": "BL", "paragraph": "sex"})),
            "legal_basis.paragraph",
        ),
        (with("age_min", json!(40)), "age_min"),
        (with("staircase_step", json!(7)), "staircase_step"),
        (with("rate_dkk", json!(100)), "rate_period"),
        (with("target_groups", json!(["a", "a"])), "target_groups[1]"),
        (with("visibility", json!("partners")), "partners"),
        (with("partners", json!(["lolland"])), "partners"),
    ] {
        post(body)
            .await
            .field_error(422, "validation.failed", field);
    }
    post(with("programme", json!("no-such"))).await.field_error(
        422,
        "validation.failed",
        "programme",
    );
    let mut b = with("visibility", json!("partners"));
    b["partners"] = json!(["atlantis"]);
    post(b.clone())
        .await
        .field_error(422, "validation.failed", "partners[0]");
    b["partners"] = json!(["vejle"]);
    post(b)
        .await
        .field_error(422, "validation.failed", "partners[0]");
    post(with("offer_type", json!("castle"))).await.field_error(
        422,
        "validation.failed",
        "offer_type",
    );
    // The CPR guard screens every text.
    post(with("description", json!("Barn 010203-1234 er visiteret")))
        .await
        .problem(422, "validation.failed");
}

async fn vejles_seeded_offers_quote_the_document_and_invent_nothing(app: TestApp) {
    let page = app
        .get("/api/v1/municipalities/vejle/offers?limit=50")
        .send()
        .await
        .ok(200);
    let offers = items(&page);
    let mut names: Vec<&str> = strs(&offers, "name");
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Bifrost aflastning",
            "Bifrost døgntilbud",
            "Brummersvej",
            "Familieplejen",
            "Fårupgaard",
            "Horisonten",
            "Kærnehuset",
            "Perlen/Vejen Frem"
        ]
    );
    for o in &offers {
        assert_eq!(o["approved_places"], json!(null), "{o}");
        assert_eq!(o["rate_dkk"], json!(null), "{o}");
        assert_eq!(o["rate_occupancy_percent"], json!(null), "{o}");
        assert_eq!(o["source_document"], "002_1ad0395416b620d1.txt");
        assert_eq!(o["status"], "open");
    }
    let horisonten = offers
        .iter()
        .find(|o| o["name"] == "Horisonten")
        .cloned()
        .unwrap_or_default();
    assert_eq!(horisonten["provider_unit"], "Fårupgaard");
    assert!(horisonten["description"]
        .as_str()
        .is_some_and(|d| d.contains("korttids tilbud; Horisonten")));
    let perlen = offers
        .iter()
        .find(|o| o["name"] == "Perlen/Vejen Frem")
        .cloned()
        .unwrap_or_default();
    assert!(perlen["typical_duration"]
        .as_str()
        .is_some_and(|d| d.contains("halvt år")));
    // Seeding again adds nothing.
    let before = app.audit_count("create", "offer");
    app.with_conn(|conn| {
        let registry =
            retning_api::registry::Registry::new(retning_api::registry::compiled_modules())
                .unwrap_or_else(|e| panic!("{e}"));
        let files = retning_tests::seed_files();
        let ctx = retning_kernel::module::SeedContext {
            files: &files,
            indicators: &registry.indicators,
        };
        for m in &registry.modules {
            if m.name() == "offers" {
                m.seed(conn, &ctx).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    });
    assert_eq!(app.audit_count("create", "offer"), before);
    // Without approved places an offer takes no requests.
    let r = super::request(
        &app,
        "lolland",
        super::id(&horisonten),
        1,
        "2030-01-01",
        "2030-01-31",
    )
    .await;
    r.problem(409, "offers.offer.without_places");
}
