//! Measurements: one value per target and date; corrections keep the earlier value.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::ops::{self, sees_internal};
use crate::repo;
use crate::{perm, NAME};

/// A target's measurements in date order; `history=true` adds corrected and removed values.
#[utoipa::path(
    operation_id = "goals_list_measurements",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The target's id"), MeasurementQuery),
    responses((status = 200, description = "Measurements (ETag)", body = Vec<MeasurementView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets/{id}/measurements")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<MeasurementQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let items = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            ops::visible_target(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            let q = q.open(scope)?;
            let rows =
                repo::measurement_history(conn, id, q.history.unwrap_or(false), q.from, q.to)?;
            Ok(rows
                .into_iter()
                .map(MeasurementView::from_row)
                .collect::<Vec<_>>())
        })
        .await?;
    json_with_etag(&req, &items)
}

/// Record the value for a date (editors). Idempotent: the same value again changes nothing; a
/// different value replaces it and keeps the earlier one in the history with who and when.
#[utoipa::path(
    operation_id = "goals_put_measurement",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The target's id"),
        ("date" = NaiveDate, Path, description = "The date the value is for (YYYY-MM-DD)"),
    ),
    request_body = MeasurementInput,
    responses(
        (status = 201, description = "Recorded for a new date", body = MeasurementView),
        (status = 200, description = "Corrected, or unchanged", body = MeasurementView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/targets/{id}/measurements/{date}")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
    body: JsonBody<MeasurementInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    let location = format!("/api/v1/municipalities/{slug}/targets/{id}/measurements/{date}");
    let (is_new, view) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            ops::put_measurement(conn, scope, id, date, &body)
        })
        .await?;
    Ok(if is_new {
        created(location, &view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Remove the value for a date (editors); it stays in the history as removed.
#[utoipa::path(
    operation_id = "goals_delete_measurement",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The target's id"),
        ("date" = NaiveDate, Path, description = "The date (YYYY-MM-DD)"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/targets/{id}/measurements/{date}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::remove_measurement(conn, scope, id, date)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
