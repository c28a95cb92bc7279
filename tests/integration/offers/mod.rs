//! The offers module: offers and their visibility (`catalogue`), the market, place requests and capacity.

mod capacity;
mod catalogue;
mod figures;
mod links;
mod market;
mod requests;

use retning_kernel::auth::Role;
use retning_tests::TestApp;
use serde_json::{json, Value};

/// A new offer of `provider` (its editor) with `extra` fields over an open, public default with
/// `places` approved places; returns the created view.
pub(super) async fn offer(
    app: &TestApp,
    provider: &str,
    name: &str,
    places: Option<i32>,
    extra: Value,
) -> Value {
    let mut body = json!({
        "name": name,
        "offer_type": "residential_institution",
        "status": "open",
        "approved_places": places,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    app.member(provider, Role::Editor)
        .post(&format!("/api/v1/municipalities/{provider}/offers"))
        .json(&body)
        .send()
        .await
        .ok(201)
}

pub(super) fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// `buyer`'s editor requests `places` in `offer` for the period; the response.
pub(super) async fn request(
    app: &TestApp,
    buyer: &str,
    offer: i64,
    places: i32,
    from: &str,
    to: &str,
) -> retning_tests::Resp {
    app.member(buyer, Role::Editor)
        .post(&format!("/api/v1/municipalities/{buyer}/place-requests"))
        .json(
            &json!({"offer_id": offer, "places": places, "period_start": from, "period_end": to,
            "case_reference": "SAG-2030-17", "note": "Anbringelse efter visitationsmøde"}),
        )
        .send()
        .await
}

/// `party`'s editor makes a transition of request `id` on its own path.
pub(super) async fn act(app: &TestApp, party: &str, id: i64, action: &str) -> retning_tests::Resp {
    app.member(party, Role::Editor)
        .post(&format!(
            "/api/v1/municipalities/{party}/place-requests/{id}/{action}"
        ))
        .send()
        .await
}
