//! Measures: placements and support measures of individual children (pseudonymous), readable by
//! the municipality's own users only; every other caller gets 404.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::*;
use crate::views::Names;
use crate::{ops, perm, repo, NAME};

/// The municipality's measures, newest start first unless `sort` says otherwise; filter by category, kind, step, open,
/// running on a date, overlapping a period, one child's case key, synthetic (members).
#[utoipa::path(
    operation_id = "placements_list_measures",
    tag = "placements",
    params(MunicipalityPath, ListParams<MeasureSort>, MeasureFilter),
    responses((status = 200, description = "Measures (ETag)", body = Page<MeasureView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/measures")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<MeasureFilter, MeasureSort>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::new(who, slug.into_inner(), NAME, perm::READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let criteria = ops::measure_criteria(conn, scope.id(), q.filter)?;
            let (rows, total) =
                repo::list_measures(conn, scope.id(), &criteria, q.sort, offset, limit + 1)?;
            let names = Names::load(conn, scope.id())?;
            Ok(Page::from_offset(rows, offset, limit, Some(total))
                .map(|r| MeasureView::from_row(r, &names)))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Record a measure (editors). A CPR-shaped value in any field is refused with 422 naming the
/// field (`cpr_number`), and never stored or logged.
#[utoipa::path(
    operation_id = "placements_create_measure",
    tag = "placements",
    params(MunicipalityPath),
    request_body = NewMeasure,
    responses((status = 201, description = "Created", body = MeasureView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/measures")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewMeasure>,
) -> Result<HttpResponse, ApiError> {
    let view = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, ops::create_measure)
        .await?;
    Ok(created(
        format!(
            "/api/v1/municipalities/{}/measures/{}",
            view.municipality, view.id
        ),
        &view,
    ))
}

/// One measure (the municipality's own users).
#[utoipa::path(
    operation_id = "placements_get_measure",
    tag = "placements",
    params(MunicipalityPath, ("id" = i64, Path, description = "The measure's id")),
    responses((status = 200, description = "The measure (ETag)", body = MeasureView)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/measures/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::READ)
        .read(&db, move |conn, scope| {
            let row = repo::measure(conn, scope.id(), id)?;
            Ok(MeasureView::from_row(row, &Names::load(conn, scope.id())?))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change a measure (editors): absent fields stay, `null` clears (`step: null`: the default
/// step of its kind); the whole measure is validated after the change.
#[utoipa::path(
    operation_id = "placements_update_measure",
    tag = "placements",
    params(MunicipalityPath, ("id" = i64, Path, description = "The measure's id")),
    request_body = MeasurePatch,
    responses((status = 200, description = "Updated", body = MeasureView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/measures/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<MeasurePatch>,
) -> Result<web::Json<MeasureView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, patch| {
            ops::update_measure(conn, scope, id, patch)
        })
        .await?;
    Ok(web::Json(view))
}

/// Delete a measure (editors).
#[utoipa::path(
    operation_id = "placements_delete_measure",
    tag = "placements",
    params(MunicipalityPath, ("id" = i64, Path, description = "The measure's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/measures/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| ops::delete_measure(conn, scope, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
