//! Periodic figures of an adoption (started, completed, dropped out). Small counts about
//! children: visible to the municipality and to accepted partners of a partnership on the
//! adoption, to nobody else.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Unsorted};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{FiguresFilter, FiguresInput, FiguresView};
use crate::{ops, perm, repo, NAME};

/// An adoption's figures per period (the municipality, and accepted partners).
#[utoipa::path(
    operation_id = "evidence_list_figures",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The adoption's id"),
        ListParams<Unsorted>,
        FiguresFilter,
    ),
    responses(
        (status = 200, description = "Figures, oldest period first (ETag)", body = Page<FiguresView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/adoptions/{id}/figures")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    q: ListQuery<FiguresFilter>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let page = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            ops::require_figures_read(conn, &scope.who, &scope.municipality, id)?;
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            ops::check_figures_filter(&q.filter)?;
            repo::find_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let (rows, total) =
                repo::list_figures(conn, scope.id(), id, q.filter.year, offset, limit)?;
            Ok(Page::from_offset(rows, offset, limit, Some(total)).map(FiguresView::from_row))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Set an adoption's figures for a period (editors); idempotent. `201` when the period is new.
#[utoipa::path(
    operation_id = "evidence_put_figure",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`; periods of one adoption may not overlap", example = "2024-H1"),
    ),
    request_body = FiguresInput,
    responses(
        (status = 200, description = "Replaced", body = FiguresView),
        (status = 201, description = "Created", body = FiguresView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
    body: JsonBody<FiguresInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    let (view, replaced, slug) = Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, move |conn, scope, b| {
            let (view, replaced) = ops::put_figures(conn, scope, id, &period, b)?;
            Ok((view, replaced, scope.slug().to_owned()))
        })
        .await?;
    Ok(if replaced {
        HttpResponse::Ok().json(view)
    } else {
        let location = format!(
            "/api/v1/municipalities/{slug}/adoptions/{}/figures/{}",
            id, view.period
        );
        created(location, &view)
    })
}

/// An adoption's figures for one period (the municipality, and accepted partners).
#[utoipa::path(
    operation_id = "evidence_get_figure",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`"),
    ),
    responses(
        (status = 200, description = "The figures (ETag)", body = FiguresView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    let row = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            ops::require_figures_read(conn, &scope.who, &scope.municipality, id)?;
            let period = ops::parse_period(&period)?;
            repo::find_figures(conn, scope.id(), id, &period.label)?
                .ok_or_else(|| ApiError::not_found("figures"))
        })
        .await?;
    json_with_etag(&req, &FiguresView::from_row(row))
}

/// Remove an adoption's figures for a period (editors).
#[utoipa::path(
    operation_id = "evidence_delete_figure",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write(&db, move |conn, scope| {
            ops::delete_figures(conn, scope, id, &period)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
