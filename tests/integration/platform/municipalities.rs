//! The seeded municipalities.

use retning_tests::{both_backends, TestApp};

both_backends!(
    seeded_municipalities_are_listed,
    seeding_twice_changes_nothing,
);

async fn seeded_municipalities_are_listed(app: TestApp) {
    let list = app.get("/api/v1/municipalities").send().await.ok(200);
    assert_eq!(list["total"], 8);
    let got: Vec<(String, String, String)> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["slug"].as_str().unwrap_or("").to_owned(),
                        m["code"].as_str().unwrap_or("").to_owned(),
                        m["region"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for (slug, code, region) in [
        ("randers", "730", "Region Midtjylland"),
        ("vejle", "630", "Region Syddanmark"),
        ("skanderborg", "746", "Region Midtjylland"),
        ("vordingborg", "390", "Region Sjælland"),
        ("faxe", "320", "Region Sjælland"),
        ("lolland", "360", "Region Sjælland"),
        ("naestved", "370", "Region Sjælland"),
        ("guldborgsund", "376", "Region Sjælland"),
    ] {
        assert!(
            got.contains(&(slug.to_owned(), code.to_owned(), region.to_owned())),
            "{slug} missing from {got:?}"
        );
    }
    let one = app
        .get("/api/v1/municipalities/naestved")
        .send()
        .await
        .ok(200);
    assert_eq!(one["name"], "Næstved Kommune");
    assert!(one["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    // Pagination: two pages of 5 and 3, in name order, no overlap.
    let first = app
        .get("/api/v1/municipalities?limit=5")
        .send()
        .await
        .ok(200);
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = app
        .get(&format!("/api/v1/municipalities?limit=5&cursor={cursor}"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            first["items"].as_array().map(Vec::len),
            second["items"].as_array().map(Vec::len)
        ),
        (Some(5), Some(3))
    );
    assert!(second["next_cursor"].is_null());
    let names: Vec<&str> = first["items"]
        .as_array()
        .into_iter()
        .chain(second["items"].as_array())
        .flatten()
        .filter_map(|m| m["name"].as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

async fn seeding_twice_changes_nothing(app: TestApp) {
    let before = app.audit_count("seed", "municipality");
    assert_eq!(before, 8);
    retning_api::seed::load(app.db(), &app.ctx.registry, &retning_tests::seed_files())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.audit_count("seed", "municipality"), 8);
    let list = app.get("/api/v1/municipalities").send().await.ok(200);
    assert_eq!(list["total"], 8);
}
