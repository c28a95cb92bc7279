//! Referrals within a partner's share.

use super::{accept, refer, tfco_partnership};
use retning_kernel::auth::Role;
use retning_tests::join_all;
use retning_tests::{both_backends, TestApp};
use serde_json::json;

both_backends!(
    referrals_respect_shares,
    concurrent_referrals_never_exceed_a_share,
);

async fn referrals_respect_shares(app: TestApp) {
    let (_, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 3}, {"municipality": "faxe", "yearly_share": 2}]),
        false,
    )
    .await;
    accept(&app, "lolland", id).await;
    let lolland = app.member("lolland", Role::Editor);
    let r = refer(&app, lolland.token(), "lolland", id, "2025-Q1", 2).await;
    let first = r.ok(201);
    assert_eq!(first["year"], 2025);
    assert_eq!(first["over_share"], false);
    assert_eq!(first["partner"]["slug"], "lolland");
    let location = r.header("location").unwrap_or_default().to_owned();
    let viewer = app.member("lolland", Role::Viewer);
    viewer.get(&location).send().await.ok(200);
    // Beyond the share: refused with a clear problem naming what is left.
    let refused = refer(&app, lolland.token(), "lolland", id, "2025-Q3", 2)
        .await
        .field_error(409, "evidence.share_exceeded", "referred");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 left")),
        "{refused}"
    );
    refer(&app, lolland.token(), "lolland", id, "2025-Q3", 1)
        .await
        .ok(201);
    refer(&app, lolland.token(), "lolland", id, "2025", 1)
        .await
        .problem(409, "evidence.share_exceeded");
    // Each year has its own share; outside the period is refused.
    refer(&app, lolland.token(), "lolland", id, "2026-H1", 3)
        .await
        .ok(201);
    refer(&app, lolland.token(), "lolland", id, "2027", 1)
        .await
        .field_error(422, "evidence.referral.outside_period", "period");
    // Bad input is named, never a 500.
    refer(&app, lolland.token(), "lolland", id, "2025-Q5", 1)
        .await
        .field_error(422, "validation.failed", "period");
    refer(&app, lolland.token(), "lolland", id, "2025-Q1", 0)
        .await
        .field_error(422, "validation.failed", "referred");
    let viewer_refers = refer(&app, viewer.token(), "lolland", id, "2025-Q1", 1).await;
    viewer_refers.problem(403, "auth.forbidden");
    refer(&app, lolland.token(), "lolland", 999_999, "2025-Q1", 1)
        .await
        .problem(404, "not_found");

    // The host allows over-share: accepted, and marked.
    let host_editor = app.member("vordingborg", Role::Editor);
    host_editor
        .patch(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}"
        ))
        .json(&json!({"allow_over_share": true}))
        .send()
        .await
        .ok(200);
    let over = refer(&app, lolland.token(), "lolland", id, "2025-Q4", 2)
        .await
        .ok(201);
    assert_eq!(over["over_share"], true);

    // The host sees use per partner and year.
    let host_viewer = app.member("vordingborg", Role::Viewer);
    let host = host_viewer
        .get(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(
        host["partners"][0]["use"],
        json!([
            {"year": 2025, "share": 3, "referred": 5, "remaining": 0, "over_share": 2},
            {"year": 2026, "share": 3, "referred": 3, "remaining": 0, "over_share": 0}
        ])
    );
    assert_eq!(host["partners"][1]["use"], json!([]));
    let listed = host_viewer
        .get(&format!("/api/v1/municipalities/vordingborg/partnerships/{id}/referrals?partner=lolland&year=2025"))
        .send()
        .await
        .ok(200);
    assert_eq!(listed["total"], 3);
    host_viewer
        .get(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}/referrals?partner=atlantis"
        ))
        .send()
        .await
        .field_error(422, "validation.failed", "query.partner");

    // A partner withdraws a referral made by mistake; the share is free again.
    let over_id = over["id"].as_i64().unwrap_or_default();
    let referral_path =
        format!("/api/v1/municipalities/lolland/partnerships/{id}/referrals/{over_id}");
    viewer
        .delete(&referral_path)
        .send()
        .await
        .problem(403, "auth.forbidden");
    lolland.delete(&referral_path).send().await.ok(204);
    lolland
        .delete(&referral_path)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.audit_count("create", "evidence_referral"),
        2 * 4,
        "one row for each party"
    );
    assert_eq!(app.audit_count("delete", "evidence_referral"), 2);
}

async fn concurrent_referrals_never_exceed_a_share(app: TestApp) {
    let (_, id) = tfco_partnership(
        &app,
        json!([{"municipality": "lolland", "yearly_share": 5}, {"municipality": "faxe", "yearly_share": 3}]),
        false,
    )
    .await;
    accept(&app, "lolland", id).await;
    accept(&app, "faxe", id).await;
    let lolland = app.member("lolland", Role::Editor);
    let faxe = app.member("faxe", Role::Editor);
    // 20 requests for Lolland's share of 5 and 10 for Faxe's share of 3, all at once.
    let mut requests = Vec::new();
    for i in 0..30 {
        let (token, partner) = if i % 3 == 2 {
            (&faxe, "faxe")
        } else {
            (&lolland, "lolland")
        };
        requests.push(refer(&app, token.token(), partner, id, "2025-Q2", 1));
    }
    let responses = join_all(requests).await;
    let mut created = [0, 0];
    for (i, r) in responses.iter().enumerate() {
        let who = usize::from(i % 3 == 2);
        match r.status {
            201 => created[who] += 1,
            409 => {
                r.problem(409, "evidence.share_exceeded");
            }
            s => panic!("unexpected {s}: {}", r.text()),
        }
    }
    assert_eq!(created, [5, 3], "exactly the shares are used");
    let host_viewer = app.member("vordingborg", Role::Viewer);
    let host = host_viewer
        .get(&format!(
            "/api/v1/municipalities/vordingborg/partnerships/{id}"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(host["partners"][0]["use"][0]["referred"], 5);
    assert_eq!(host["partners"][1]["use"][0]["referred"], 3);
    #[derive(diesel::QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let stored = app.with_conn(|c| {
        use diesel::prelude::*;
        diesel::sql_query(
            "SELECT CAST(COALESCE(SUM(referred), 0) AS BIGINT) AS n FROM evidence_referrals WHERE partnership_id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .get_result::<Sum>(c)
        .map(|s| s.n)
        .unwrap_or_else(|e| panic!("{e}"))
    });
    assert_eq!(stored, 8, "referrals stored");
}
