//! Budget figures: a year's budget and spend of a strategy area (a node), and a strategy's
//! figures with their yearly totals.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, CsvExport, Query};
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::ops;
use crate::{perm, NAME};

/// Set a node's budget figure for a year (editors, on a strategy that is not archived):
/// replaces what the year held. A node and one of its ancestors never both have a figure for
/// a year (409 `goals.budget.nested`), so a strategy's totals never count an area twice.
#[utoipa::path(
    operation_id = "goals_put_budget",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The node's id"),
        ("year" = i32, Path, description = "The year (1900-2200)"),
    ),
    request_body = BudgetInput,
    responses(
        (status = 201, description = "Set for a new year", body = BudgetFigureView),
        (status = 200, description = "Replaced", body = BudgetFigureView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/nodes/{id}/budget/{year}")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, i32)>,
    body: JsonBody<BudgetInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, year) = path.into_inner();
    let location = format!("/api/v1/municipalities/{slug}/nodes/{id}/budget/{year}");
    let (is_new, view) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            ops::put_budget(conn, scope, id, year, &body)
        })
        .await?;
    Ok(if is_new {
        created(location, &view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Remove a node's budget figure for a year (editors).
#[utoipa::path(
    operation_id = "goals_delete_budget",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The node's id"),
        ("year" = i32, Path, description = "The year"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/nodes/{id}/budget/{year}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, year) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::remove_budget(conn, scope, id, year)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A strategy's budget figures by year and area, with the totals of each year (added up in
/// the database); readable where the strategy is.
#[utoipa::path(
    operation_id = "goals_get_strategy_budget",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id"), BudgetQuery),
    responses((status = 200, description = "The figures and totals (ETag)", body = StrategyBudget)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/budget")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<BudgetQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            // The strategy first: an outsider gets 404 whatever the query holds.
            let s = ops::readable_strategy(conn, scope, id)?;
            ops::strategy_budget(conn, &s, &q.open(scope)?)
        })
        .await?;
    json_with_etag(&req, &view)
}

/// The same figures as CSV, one row per area and year (UTF-8 with a byte-order mark).
#[utoipa::path(
    operation_id = "goals_export_strategy_budget_csv",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id"), BudgetQuery),
    responses((status = 200, description = "CSV, one row per area and year", content_type = "text/csv", body = String)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/budget.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<BudgetQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let budget = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            // The strategy first: an outsider gets 404 whatever the query holds.
            let s = ops::readable_strategy(conn, scope, id)?;
            ops::strategy_budget(conn, &s, &q.open(scope)?)
        })
        .await?;
    let mut csv = CsvExport::new([
        "strategy_id",
        "node_id",
        "node_title",
        "year",
        "budget_dkk",
        "spend_dkk",
        "note",
    ])?;
    let amount = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for f in &budget.figures {
        csv.row([
            budget.strategy_id.to_string(),
            f.node_id.to_string(),
            f.node_title.clone(),
            f.year.to_string(),
            amount(f.budget_dkk),
            amount(f.spend_dkk),
            f.note.clone().unwrap_or_default(),
        ])?;
    }
    csv.respond(&req, "budget.csv")
}
