//! The municipality's own staircase: public to read, replaced whole by its admins.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::{JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{StaircaseInput, StaircaseView};
use crate::{ops, perm, repo, NAME};

/// The municipality's staircase: its own steps, lowest first, each mapped to one of the six
/// standard steps of the indsatstrappe.
#[utoipa::path(
    operation_id = "placements_get_staircase",
    tag = "placements",
    params(MunicipalityPath),
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
            Ok(StaircaseView::new(
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
    params(MunicipalityPath),
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
            ops::replace_staircase(conn, scope, &input, "replace")
        })
        .await?;
    Ok(web::Json(view))
}
