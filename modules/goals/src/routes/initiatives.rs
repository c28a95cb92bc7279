//! Initiatives (handlinger): dated actions on a node with an owner, linked targets and
//! programmes, and follow-ups that record their status on a date.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, CsvExport, Query};
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Sort};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::ops::{self, sees_internal};
use crate::repo;
use crate::views::{self, as_of};
use crate::{perm, NAME};

/// Add an initiative to a node (editors).
#[utoipa::path(
    operation_id = "goals_create_initiative",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The node's id")),
    request_body = NewInitiative,
    responses((status = 201, description = "Created", body = InitiativeDetail)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/nodes/{id}/initiatives")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NewInitiative>,
) -> Result<HttpResponse, ApiError> {
    let (slug, node_id) = path.into_inner();
    let (view, slug) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            let view = ops::create_initiative(conn, scope, node_id, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!(
            "/api/v1/municipalities/{slug}/initiatives/{}",
            view.initiative.id
        ),
        &view,
    ))
}

/// A strategy's initiatives with their status as of a date (default today); filter by status.
#[utoipa::path(
    operation_id = "goals_list_initiatives",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The strategy's id"),
        ListParams<InitiativeSort>,
        InitiativeFilter,
    ),
    responses((status = 200, description = "Initiatives (ETag)", body = Page<InitiativeView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/initiatives")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: ListQuery<InitiativeFilter, InitiativeSort>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let page = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            // Whether the caller may see the strategy comes before what the query asks.
            let internal = sees_internal(&scope.who, &scope.municipality);
            repo::strategy(conn, scope.id(), id, internal)?;
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let all = ops::select_initiatives(conn, scope, id, &q.filter, q.sort)?;
            let total = all.len() as i64;
            let rows: Vec<InitiativeView> = all
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit + 1).unwrap_or(0))
                .collect();
            Ok(Page::from_offset(rows, offset, limit, Some(total)))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// The same initiatives as CSV (UTF-8 with a byte-order mark and a header row).
#[utoipa::path(
    operation_id = "goals_export_initiatives_csv",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The strategy's id"),
        InitiativeFilter,
    ),
    responses((status = 200, description = "CSV, one row per initiative", content_type = "text/csv", body = String)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/initiatives.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<InitiativeFilter>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let all = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let internal = sees_internal(&scope.who, &scope.municipality);
            repo::strategy(conn, scope.id(), id, internal)?;
            ops::select_initiatives(
                conn,
                scope,
                id,
                &q.open(scope)?,
                Sort {
                    key: InitiativeSort::Position,
                    descending: false,
                },
            )
        })
        .await?;
    let mut csv = CsvExport::new([
        "initiative_id",
        "strategy_id",
        "node_id",
        "title",
        "owner_unit",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "as_of",
        "status",
        "status_date",
        "note",
        "overdue",
        "targets",
        "programmes",
    ])?;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for i in &all {
        csv.row([
            i.id.to_string(),
            i.strategy_id.to_string(),
            i.node_id.to_string(),
            i.title.clone(),
            i.owner_unit
                .as_ref()
                .map(|u| u.key.clone())
                .unwrap_or_default(),
            date(i.planned_start),
            date(i.planned_end),
            date(i.actual_start),
            date(i.actual_end),
            i.as_of.to_string(),
            i.status.as_str().to_owned(),
            date(i.latest_update.as_ref().map(|u| u.date)),
            i.latest_update
                .as_ref()
                .and_then(|u| u.note.clone())
                .unwrap_or_default(),
            i.overdue.to_string(),
            i.targets
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            i.programmes.join(";"),
        ])?;
    }
    csv.respond(&req, "initiatives.csv")
}

/// One initiative with its status as of a date (default today) and every follow-up.
#[utoipa::path(
    operation_id = "goals_get_initiative",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The initiative's id"), AsOfQuery),
    responses((status = 200, description = "The initiative (ETag)", body = InitiativeDetail)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/initiatives/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let row = ops::visible_initiative(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            let as_of = as_of(q.open(scope)?.as_of);
            views::initiative_detail(conn, scope.id(), row, as_of)
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change an initiative (editors); the whole initiative is validated after the change.
#[utoipa::path(
    operation_id = "goals_update_initiative",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The initiative's id")),
    request_body = InitiativePatch,
    responses((status = 200, description = "Updated", body = InitiativeDetail)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/initiatives/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<InitiativePatch>,
) -> Result<web::Json<InitiativeDetail>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_initiative(conn, scope, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove an initiative with its follow-ups (editors); the audit log keeps what it was.
#[utoipa::path(
    operation_id = "goals_delete_initiative",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The initiative's id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/initiatives/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::remove_initiative(conn, scope, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record the follow-up of a date (editors): the initiative's status then, with a note. The
/// same again changes nothing; another status or note replaces it.
#[utoipa::path(
    operation_id = "goals_put_initiative_update",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The initiative's id"),
        ("date" = NaiveDate, Path, description = "The follow-up's date (YYYY-MM-DD), not in the future"),
    ),
    request_body = InitiativeUpdateInput,
    responses(
        (status = 201, description = "Recorded for a new date", body = InitiativeUpdateView),
        (status = 200, description = "Replaced, or unchanged", body = InitiativeUpdateView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/initiatives/{id}/updates/{date}")]
pub async fn put_update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
    body: JsonBody<InitiativeUpdateInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    let location = format!("/api/v1/municipalities/{slug}/initiatives/{id}/updates/{date}");
    let (is_new, view) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            ops::put_initiative_update(conn, scope, id, date, &body)
        })
        .await?;
    Ok(if is_new {
        created(location, &view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Remove the follow-up of a date (editors).
#[utoipa::path(
    operation_id = "goals_delete_initiative_update",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The initiative's id"),
        ("date" = NaiveDate, Path, description = "The follow-up's date (YYYY-MM-DD)"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/initiatives/{id}/updates/{date}")]
pub async fn remove_update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::remove_initiative_update(conn, scope, id, date)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
