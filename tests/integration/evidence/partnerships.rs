//! Partnerships: invitations, visibility, share limits.

use super::{accept, adopt, refer, tfco_partnership};
use retning_kernel::auth::Role;
use retning_tests::items;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    partnership_invitations_are_answered_by_partner_admins,
    partnership_visibility_follows_each_partners_answer,
    share_limits_on_create_and_update,
);

/// TFCO-A shared by Vordingborg with Lolland (3), Guldborgsund (2) and Faxe (2) for 2025-2026,
/// with the host's figures for 2025-Q1; returns the adoption and the partnership.
async fn tfco_for_three(app: &TestApp) -> (i64, i64) {
    let (adoption, id) = tfco_partnership(
        app,
        json!([
            {"municipality": "lolland", "yearly_share": 3},
            {"municipality": "guldborgsund", "yearly_share": 2},
            {"municipality": "faxe", "yearly_share": 2}
        ]),
        false,
    )
    .await;
    let figures_path = format!("/api/v1/municipalities/vordingborg/adoptions/{adoption}/figures");
    let host_editor = app.member("vordingborg", Role::Editor);
    host_editor
        .put(&format!("{figures_path}/2025-Q1"))
        .json(&json!({"started": 2, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .ok(201);
    (adoption, id)
}

async fn partnership_invitations_are_answered_by_partner_admins(app: TestApp) {
    let (_, id) = tfco_for_three(&app).await;
    // Answers: the partner's admins only.
    let lolland_editor = app.member("lolland", Role::Editor);
    lolland_editor
        .post(&format!(
            "/api/v1/municipalities/lolland/partnership-invitations/{id}/accept"
        ))
        .send()
        .await
        .problem(403, "auth.forbidden");
    let host_admin = app.member("vordingborg", Role::Admin);
    host_admin
        .post(&format!(
            "/api/v1/municipalities/vordingborg/partnership-invitations/{id}/accept"
        ))
        .send()
        .await
        .problem(404, "not_found");
    let accepted = accept(&app, "lolland", id).await;
    assert_eq!(accepted["role"], "partner");
    // Accepting again changes nothing.
    accept(&app, "lolland", id).await;
    assert_eq!(
        app.audit_count("accept", "evidence_partnership_invitation"),
        2,
        "one row for each party"
    );
    let guldborgsund_admin = app.member("guldborgsund", Role::Admin);
    let declined = guldborgsund_admin
        .post(&format!(
            "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/decline"
        ))
        .send()
        .await
        .ok(200);
    assert_eq!(declined["partners"][0]["status"], "declined");
    guldborgsund_admin
        .post(&format!(
            "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/accept"
        ))
        .send()
        .await
        .problem(409, "evidence.invitation.already_answered");
    let lolland_admin = app.member("lolland", Role::Admin);
    lolland_admin
        .post(&format!(
            "/api/v1/municipalities/lolland/partnership-invitations/{id}/decline"
        ))
        .send()
        .await
        .problem(409, "evidence.invitation.already_answered");
    // The answer is in both parties' audit logs.
    for (m, admin) in [("lolland", &lolland_admin), ("vordingborg", &host_admin)] {
        let log = admin
            .get(&format!("/api/v1/municipalities/{m}/audit?object_type=evidence_partnership_invitation&action=accept"))
            .send()
            .await
            .ok(200);
        assert_eq!(items(&log).len(), 1, "{m}: {log}");
    }
}

async fn partnership_visibility_follows_each_partners_answer(app: TestApp) {
    let (adoption, id) = tfco_for_three(&app).await;
    let figures_path = format!("/api/v1/municipalities/vordingborg/adoptions/{adoption}/figures");
    accept(&app, "lolland", id).await;
    let guldborgsund_admin = app.member("guldborgsund", Role::Admin);
    guldborgsund_admin
        .post(&format!(
            "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/decline"
        ))
        .send()
        .await
        .ok(200);
    let host_editor = app.member("vordingborg", Role::Editor);
    let refer_as = |m: &str| app.token(m, Role::Editor);
    let path = |m: &str| format!("/api/v1/municipalities/{m}/partnerships/{id}");

    // Host: everything, use per partner.
    let host_viewer = app.member("vordingborg", Role::Viewer);
    let lolland_token = refer_as("lolland");
    refer(&app, &lolland_token, "lolland", id, "2025-Q2", 1)
        .await
        .ok(201);
    let host = host_viewer.get(&path("vordingborg")).send().await.ok(200);
    assert_eq!(host["role"], "host");
    let statuses: Vec<(&str, &str)> = host["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["municipality"]["slug"].as_str().unwrap_or(""),
                p["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("lolland", "accepted"),
            ("guldborgsund", "declined"),
            ("faxe", "invited")
        ]
    );
    assert!(host["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|p| p["use"].is_array()));
    assert_eq!(
        host["partners"][0]["use"],
        json!([{"year": 2025, "share": 3, "referred": 1, "remaining": 2, "over_share": 0}])
    );
    host_viewer.get(&figures_path).send().await.ok(200);

    // Accepted partner: every partner and share, its own use, the adoption's figures.
    let lolland_viewer = app.member("lolland", Role::Viewer);
    let partner = lolland_viewer.get(&path("lolland")).send().await.ok(200);
    assert_eq!(partner["role"], "partner");
    assert_eq!(partner["partners"].as_array().map(Vec::len), Some(3));
    assert!(partner["partners"][0]["use"].is_array());
    assert!(
        partner["partners"][1].get("use").is_none() && partner["partners"][2].get("use").is_none()
    );
    let figures = lolland_viewer.get(&figures_path).send().await.ok(200);
    assert_eq!(figures["items"][0]["started"], 2);
    let refs = lolland_viewer
        .get(&format!("{}/referrals", path("lolland")))
        .send()
        .await
        .ok(200);
    assert_eq!(refs["total"], 1);
    // Its token addresses its own municipality only.
    lolland_viewer
        .get(&path("vordingborg"))
        .send()
        .await
        .problem(404, "not_found");

    // Declined partner: its own invitation, nothing more.
    let g_viewer = app.member("guldborgsund", Role::Viewer);
    let g = g_viewer.get(&path("guldborgsund")).send().await.ok(200);
    assert_eq!(g["partners"].as_array().map(Vec::len), Some(1));
    assert_eq!(g["partners"][0]["status"], "declined");
    assert!(g["partners"][0].get("use").is_none());
    g_viewer
        .get(&figures_path)
        .send()
        .await
        .problem(404, "not_found");
    g_viewer
        .get(&format!("{}/referrals", path("guldborgsund")))
        .send()
        .await
        .problem(404, "not_found");
    refer(
        &app,
        &refer_as("guldborgsund"),
        "guldborgsund",
        id,
        "2025-Q2",
        1,
    )
    .await
    .problem(409, "evidence.partnership.not_accepted");

    // Invited partner: its own invitation; no referrals before it accepts.
    let f_viewer = app.member("faxe", Role::Viewer);
    let f = f_viewer.get(&path("faxe")).send().await.ok(200);
    assert_eq!(f["partners"].as_array().map(Vec::len), Some(1));
    assert_eq!(f["partners"][0]["yearly_share"], 2);
    refer(&app, &refer_as("faxe"), "faxe", id, "2025-Q2", 1)
        .await
        .problem(409, "evidence.partnership.not_accepted");
    f_viewer
        .get(&figures_path)
        .send()
        .await
        .problem(404, "not_found");

    // An unrelated municipality: nothing at all.
    let n_viewer = app.member("naestved", Role::Viewer);
    n_viewer
        .get(&path("naestved"))
        .send()
        .await
        .problem(404, "not_found");
    n_viewer
        .get(&figures_path)
        .send()
        .await
        .problem(404, "not_found");
    let list = n_viewer
        .get("/api/v1/municipalities/naestved/partnerships")
        .send()
        .await
        .ok(200);
    assert!(items(&list).iter().all(|p| p["id"] != id), "{list}");
    refer(&app, &refer_as("naestved"), "naestved", id, "2025-Q2", 1)
        .await
        .problem(404, "not_found");
    // Anonymous callers are asked to authenticate.
    app.get(&path("vordingborg"))
        .send()
        .await
        .problem(401, "auth.required");
    app.get(&figures_path)
        .send()
        .await
        .problem(401, "auth.required");

    // The host invites the declined partner again: it is invited anew.
    let again = host_editor
        .patch(&path("vordingborg"))
        .json(&json!({"partners": [{"municipality": "guldborgsund", "yearly_share": 2}]}))
        .send()
        .await
        .ok(200);
    assert_eq!(again["partners"][1]["status"], "invited");
    guldborgsund_admin
        .post(&format!(
            "/api/v1/municipalities/guldborgsund/partnership-invitations/{id}/accept"
        ))
        .send()
        .await
        .ok(200);
    g_viewer.get(&figures_path).send().await.ok(200);
}

async fn share_limits_on_create_and_update(app: TestApp) {
    let adoption = adopt(&app, "vordingborg", "mst-can", Some(6)).await;
    let editor = app.member("vordingborg", Role::Editor);
    let path = "/api/v1/municipalities/vordingborg/partnerships";
    let create = |body: Value| editor.post(path).json(&body).send();
    let body = |partners: Value| json!({"adoption_id": adoption, "period_start": "2025-01-01", "period_end": "2025-12-31", "partners": partners});
    // The third share tips the sum over the adoption's capacity of 6.
    create(body(json!([
        {"municipality": "lolland", "yearly_share": 2},
        {"municipality": "faxe", "yearly_share": 3},
        {"municipality": "naestved", "yearly_share": 2}
    ])))
    .await
    .field_error(
        422,
        "evidence.shares_exceed_capacity",
        "partners[2].yearly_share",
    );
    // Bad partners, named.
    create(body(
        json!([{"municipality": "vordingborg", "yearly_share": 1}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[0].municipality");
    create(body(
        json!([{"municipality": "lolland"}, {"municipality": "atlantis"}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[1].municipality");
    create(body(
        json!([{"municipality": "lolland"}, {"municipality": "lolland"}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[1].municipality");
    create(body(
        json!([{"municipality": "lolland", "yearly_share": -2}]),
    ))
    .await
    .field_error(422, "validation.failed", "partners[0].yearly_share");
    create(body(json!([])))
        .await
        .field_error(422, "validation.failed", "partners");
    create(json!({"adoption_id": adoption, "period_start": "2025-01-01", "period_end": "2024-12-31", "partners": [{"municipality": "lolland"}]}))
        .await
        .field_error(422, "validation.failed", "period_end");
    // Another municipality's adoption is not the host's to share.
    let randers_adoption = adopt(&app, "randers", "mst-can", Some(50)).await;
    create(json!({"adoption_id": randers_adoption, "partners": [{"municipality": "lolland", "yearly_share": 1}]}))
        .await
        .field_error(422, "validation.failed", "adoption_id");
    // Shares need a known capacity; shares not yet agreed do not.
    let unknown = adopt(&app, "vordingborg", "keep", None).await;
    create(json!({"adoption_id": unknown, "partners": [{"municipality": "lolland", "yearly_share": 1}]}))
        .await
        .field_error(422, "evidence.capacity_unknown", "partners[0].yearly_share");
    create(json!({"adoption_id": unknown, "partners": [{"municipality": "lolland"}]}))
        .await
        .ok(201);
    // Only editors of the host create.
    let viewer = app.member("vordingborg", Role::Viewer);
    viewer
        .post(path)
        .json(&body(
            json!([{"municipality": "lolland", "yearly_share": 1}]),
        ))
        .send()
        .await
        .problem(403, "auth.forbidden");

    // Exactly the capacity is fine.
    let ok = create(body(json!([
        {"municipality": "lolland", "yearly_share": 2},
        {"municipality": "faxe", "yearly_share": 3}
    ])))
    .await
    .ok(201);
    let id = ok["id"].as_i64().unwrap_or_default();
    // An overlapping second partnership on the same adoption counts too; a later one does not.
    create(body(
        json!([{"municipality": "naestved", "yearly_share": 2}]),
    ))
    .await
    .field_error(
        422,
        "evidence.shares_exceed_capacity",
        "partners[0].yearly_share",
    );
    create(json!({"adoption_id": adoption, "period_start": "2026-01-01", "partners": [{"municipality": "naestved", "yearly_share": 6}]}))
        .await
        .ok(201);
    // Update: a share raised beyond capacity is refused and names the entry.
    let patch = |b: Value| editor.patch(&format!("{path}/{id}")).json(&b).send();
    patch(json!({"partners": [{"municipality": "guldborgsund", "yearly_share": 1}, {"municipality": "faxe", "yearly_share": 4}]}))
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "partners[1].yearly_share");
    patch(json!({"partners": [{"municipality": "faxe", "yearly_share": 5}]}))
        .await
        .field_error(
            422,
            "evidence.shares_exceed_capacity",
            "partners[0].yearly_share",
        );
    // Stretching the period into the later partnership's years is refused as well.
    patch(json!({"period_end": "2026-06-30"}))
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "period_start");
    // A changed share re-opens an accepted invitation.
    accept(&app, "lolland", id).await;
    let changed = patch(json!({"partners": [{"municipality": "lolland", "yearly_share": 1}], "allow_over_share": true}))
        .await
        .ok(200);
    assert_eq!(changed["partners"][0]["status"], "invited");
    assert_eq!(changed["partners"][0]["yearly_share"], 1);
    assert_eq!(changed["allow_over_share"], true);
    assert_eq!(app.audit_count("update", "evidence_partnership"), 1);
    // The adoption's capacity cannot drop below what partners hold.
    let adoption_path = format!("/api/v1/municipalities/vordingborg/adoptions/{adoption}");
    editor
        .patch(&adoption_path)
        .json(&json!({"yearly_capacity": 5}))
        .send()
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "yearly_capacity");
    editor
        .patch(&adoption_path)
        .json(&json!({"yearly_capacity": null, "capacity_unit": null}))
        .send()
        .await
        .field_error(422, "evidence.shares_exceed_capacity", "yearly_capacity");
    editor
        .patch(&adoption_path)
        .json(&json!({"yearly_capacity": 8}))
        .send()
        .await
        .ok(200);
    // A shared adoption cannot be removed.
    editor
        .delete(&adoption_path)
        .send()
        .await
        .problem(409, "evidence.adoption.shared");
}
