//! A placement measure bought through a place request: the buyer's measure names the accepted
//! request and shows its provider; only the buyer's own accepted, active or ended requests may
//! be named (another municipality's is answered exactly like a missing one).

use super::{act, id, offer, request};
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(
    a_measure_bought_through_a_request_shows_its_provider,
    only_the_buyers_accepted_requests_may_be_named,
);

const MEASURES: &str = "/api/v1/municipalities/lolland/measures";

/// A placement of a Lolland child at a residential institution, with `extra` fields.
fn placement(extra: Value) -> Value {
    let mut body = json!({
        "child_ref": "LOL-2030-4", "birth_year": 2016, "category": "placement",
        "kind": "doegninstitution", "start_date": "2026-01-05",
        "legal_basis": {"law": "BL", "paragraph": "46", "consent": true},
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

/// An offer of Vejle's and a request of `buyer`'s for one place in it, accepted by Vejle.
async fn accepted(app: &TestApp, buyer: &str, offer_id: i64) -> i64 {
    let r = id(
        &request(app, buyer, offer_id, 1, "2026-01-05", "2026-12-31")
            .await
            .ok(201),
    );
    act(app, "vejle", r, "accept").await.ok(200);
    r
}

async fn a_measure_bought_through_a_request_shows_its_provider(app: TestApp) {
    let o = offer(&app, "vejle", "Horisonten (køb)", Some(3), json!({})).await;
    let r = accepted(&app, "lolland", id(&o)).await;
    let editor = app.member("lolland", Role::Editor);
    let created = editor
        .post(MEASURES)
        .json(&placement(json!({"place_request_id": r})))
        .send()
        .await
        .ok(201);
    let provider = json!({
        "type": "municipality", "name": null, "municipality": "vejle",
        "municipality_name": "Vejle Kommune", "offer": "Horisonten (køb)",
    });
    assert_eq!(created["place_request_id"], r);
    assert_eq!(created["provider"], provider);
    let mid = id(&created);
    let one = format!("{MEASURES}/{mid}");
    let got = app
        .member("lolland", Role::Viewer)
        .get(&one)
        .send()
        .await
        .ok(200);
    assert_eq!(got["provider"], provider);
    let listed = editor.get(MEASURES).send().await.ok(200);
    let row = listed["items"]
        .as_array()
        .and_then(|a| a.iter().find(|m| m["id"] == mid).cloned())
        .unwrap_or_default();
    assert_eq!(row["provider"], provider);
    assert_eq!(app.audit_count("create", "measure"), 1);

    // A provider named with the link must be the request's; its own name is kept.
    let named = editor
        .post(MEASURES)
        .json(&placement(
            json!({"place_request_id": r, "child_ref": "LOL-2030-5",
            "provider": {"type": "municipality", "municipality": "vejle", "name": "Horisonten"}}),
        ))
        .send()
        .await
        .ok(201);
    assert_eq!(named["provider"]["name"], "Horisonten");
    assert_eq!(named["provider"]["offer"], "Horisonten (køb)");

    // The child arrives, the stay ends: the measure keeps showing its provider, and a change
    // to another field keeps the link.
    act(&app, "vejle", r, "start").await.ok(200);
    let changed = editor
        .patch(&one)
        .json(&json!({"note": "Ankommet"}))
        .send()
        .await
        .ok(200);
    assert_eq!(changed["provider"], provider);
    act(&app, "vejle", r, "end").await.ok(200);
    assert_eq!(editor.get(&one).send().await.ok(200)["provider"], provider);

    // A link kept while its request was withdrawn after acceptance stays; clearing it keeps
    // the recorded provider without the offer.
    let o2 = offer(&app, "vejle", "Bifrost (køb)", Some(2), json!({})).await;
    let r2 = accepted(&app, "lolland", id(&o2)).await;
    let m2 = id(&editor
        .post(MEASURES)
        .json(&placement(
            json!({"place_request_id": r2, "child_ref": "LOL-2030-6"}),
        ))
        .send()
        .await
        .ok(201));
    act(&app, "lolland", r2, "withdraw").await.ok(200);
    let kept = editor
        .patch(&format!("{MEASURES}/{m2}"))
        .json(&json!({"note": "Trukket tilbage"}))
        .send()
        .await
        .ok(200);
    assert_eq!(kept["place_request_id"], r2);
    assert_eq!(kept["provider"]["offer"], "Bifrost (køb)");
    let cleared = editor
        .patch(&format!("{MEASURES}/{m2}"))
        .json(&json!({"place_request_id": null}))
        .send()
        .await
        .ok(200);
    assert_eq!(cleared["place_request_id"], Value::Null);
    assert_eq!(
        cleared["provider"],
        json!({"type": "municipality", "name": null, "municipality": "vejle",
            "municipality_name": null, "offer": null})
    );
    // Naming a request again brings its provider, replacing the recorded one.
    let relinked = editor
        .patch(&format!("{MEASURES}/{m2}"))
        .json(&json!({"place_request_id": r}))
        .send()
        .await
        .ok(200);
    assert_eq!(relinked["provider"], provider);
}

async fn only_the_buyers_accepted_requests_may_be_named(app: TestApp) {
    let o = offer(&app, "vejle", "Perlen (køb)", Some(5), json!({})).await;
    let editor = app.member("lolland", Role::Editor);
    let refused = |body: Value| {
        let editor = &editor;
        async move {
            editor.post(MEASURES).json(&body).send().await.field_error(
                422,
                "validation.failed",
                "place_request_id",
            )["errors"]
                .clone()
        }
    };
    // Requested, then declined: not (yet) bought.
    let requested = id(
        &request(&app, "lolland", id(&o), 1, "2026-01-05", "2026-06-30")
            .await
            .ok(201),
    );
    let errors = refused(placement(json!({"place_request_id": requested}))).await;
    assert_eq!(errors[0]["code"], "unknown_place_request");
    act(&app, "vejle", requested, "decline").await.ok(200);
    refused(placement(json!({"place_request_id": requested}))).await;
    // Faxe's accepted request: the same answer as a request that does not exist.
    let faxes = accepted(&app, "faxe", id(&o)).await;
    let foreign = refused(placement(json!({"place_request_id": faxes}))).await;
    let missing = refused(placement(json!({"place_request_id": 999_999}))).await;
    assert_eq!(foreign, missing);
    // The provider cannot name the buyer's request in its own measures.
    let lollands = accepted(&app, "lolland", id(&o)).await;
    app.member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/measures")
        .json(&placement(json!({"place_request_id": lollands})))
        .send()
        .await
        .field_error(422, "validation.failed", "place_request_id");
    // A provider other than the request's is refused, naming the field.
    editor
        .post(MEASURES)
        .json(&placement(json!({"place_request_id": lollands,
            "provider": {"type": "municipality", "municipality": "faxe"}})))
        .send()
        .await
        .field_error(422, "validation.failed", "provider.municipality");
    editor
        .post(MEASURES)
        .json(&placement(json!({"place_request_id": lollands,
            "provider": {"type": "own", "name": "Eget tilbud"}})))
        .send()
        .await
        .field_error(422, "validation.failed", "provider.type");
    // A change to another municipality's request is refused like a creation.
    let mine = id(&editor
        .post(MEASURES)
        .json(&placement(json!({"place_request_id": lollands})))
        .send()
        .await
        .ok(201));
    editor
        .patch(&format!("{MEASURES}/{mine}"))
        .json(&json!({"place_request_id": faxes}))
        .send()
        .await
        .field_error(422, "validation.failed", "place_request_id");
    // The CPR guard is untouched: a linked measure with a CPR number in its note is refused.
    let cpr = editor
        .post(MEASURES)
        .json(&placement(
            json!({"place_request_id": lollands, "note": "barn 010190-1234"}),
        ))
        .send()
        .await
        .field_error(422, "validation.failed", "note");
    assert_eq!(cpr["errors"][0]["code"], "cpr_number");
    assert!(!cpr.to_string().contains("010190"));
    // Nothing refused was stored.
    assert_eq!(app.audit_count("create", "measure"), 1);
}
