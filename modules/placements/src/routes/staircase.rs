//! The municipality's own staircase: public to read, replaced whole by its admins.

use std::collections::HashSet;

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::scope::{JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Validator};

use crate::dto::{StaircaseInput, StaircaseView};
use crate::{perm, repo, views, NAME};

/// Checks a whole staircase: keys unique, standard steps 1-6 never going down along the order.
pub(crate) fn validate(input: &StaircaseInput) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        (1..=12).contains(&input.steps.len()),
        "steps",
        "out_of_range",
        "a staircase has 1 to 12 steps",
    );
    let mut keys = HashSet::new();
    let mut previous = 0;
    for (i, s) in input.steps.iter().enumerate() {
        let key = s.key.trim();
        let valid_key = (1..=40).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        v.check(
            valid_key,
            &format!("steps[{i}].key"),
            "invalid",
            "1-40 lower-case letters, digits and dashes",
        );
        v.check(
            !valid_key || keys.insert(key.to_owned()),
            &format!("steps[{i}].key"),
            "duplicate",
            "each key once",
        );
        v.text(&format!("steps[{i}].name"), &s.name, 200);
        v.opt_text(
            &format!("steps[{i}].description"),
            s.description.as_deref(),
            1000,
        );
        if !(1..=6).contains(&s.standard_step) {
            v.add(
                format!("steps[{i}].standard_step"),
                "out_of_range",
                "must be 1-6",
            );
        } else if s.standard_step < previous {
            v.add(
                format!("steps[{i}].standard_step"),
                "descending",
                "along the staircase the standard steps never go down",
            );
        } else {
            previous = s.standard_step;
        }
    }
    v.finish()
}

/// The municipality's staircase: its own steps, lowest first, each mapped to one of the six
/// standard steps of the indsatstrappe.
#[utoipa::path(
    operation_id = "placements_get_staircase",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    responses((status = 200, description = "The staircase (ETag)", body = StaircaseView)),
    security(())
)]
#[get("/municipalities/{municipality}/staircase")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, |conn, scope| {
            Ok(views::staircase(
                scope.slug(),
                repo::steps(conn, scope.id())?,
            ))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Replace the staircase (admins). Steps are matched by key; a step that measures stand on may
/// be renamed or moved, not removed or mapped to another standard step (409
/// `placements.staircase.step_in_use`).
#[utoipa::path(
    operation_id = "placements_put_staircase",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = StaircaseInput,
    responses((status = 200, description = "The new staircase", body = StaircaseView)),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/staircase")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<StaircaseInput>,
) -> Result<web::Json<StaircaseView>, ApiError> {
    let view = Scoped::new(who, slug.into_inner(), NAME, perm::STAIRCASE_MANAGE)
        .write_body(&db, body, |conn, scope, input| {
            validate(&input)?;
            let before: Vec<String> = repo::steps(conn, scope.id())?.into_iter().map(|s| s.key).collect();
            let steps = repo::replace_staircase(conn, scope.id(), &input.steps)?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "replace",
                    object_type: "staircase",
                    object_id: None,
                    details: serde_json::json!({
                        "before": before,
                        "after": steps.iter().map(|s| serde_json::json!({"key": s.key, "name": s.name, "standard_step": s.standard_step})).collect::<Vec<_>>(),
                    }),
                },
            )?;
            Ok(views::staircase(scope.slug(), steps))
        })
        .await?;
    Ok(web::Json(view))
}
