//! Strategies: list, get, create, update, archive, and the whole tree.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::cache::{self, DependsOn};
use retning_kernel::http::{json_with_etag, Query, Rendered};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::ops::{self, sees_internal};
use crate::repo::{self, StrategyListing};
use crate::views::{self, as_of};
use crate::{perm, NAME};

/// A municipality's strategies: public ones for everyone, internal ones for its own users.
#[utoipa::path(
    operation_id = "goals_list_strategies",
    tag = "goals",
    params(MunicipalityPath, ListParams<StrategySort>, StrategyFilter),
    responses((status = 200, description = "Strategies (ETag; 304 on If-None-Match)", body = Page<StrategyView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
    q: ListQuery<StrategyFilter, StrategySort>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let status = ops::strategy_status_filter(q.filter.status.as_deref())?;
            let theme_id = match &q.filter.theme {
                Some(t) => Some(
                    repo::theme_by_slug(conn, t)?
                        .ok_or_else(|| ApiError::field("theme", "unknown_theme", "is not a theme"))?
                        .id,
                ),
                None => None,
            };
            let listing = StrategyListing {
                include_internal: sees_internal(&scope.who, &scope.municipality),
                status,
                visibility: q.filter.visibility,
                theme_id,
                sort: q.sort,
            };
            let (rows, total) = repo::list_strategies(conn, scope.id(), &listing, offset, limit)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut follow_ups = repo::follow_ups(conn, &ids)?;
            let page = Page::from_offset(rows, offset, limit, Some(total));
            Ok(page.map(|r| {
                let f = follow_ups.remove(&r.id).unwrap_or_default();
                StrategyView::from_row(r, scope.slug(), f)
            }))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Add a strategy (editors).
#[utoipa::path(
    operation_id = "goals_create_strategy",
    tag = "goals",
    params(MunicipalityPath),
    request_body = NewStrategy,
    responses((status = 201, description = "Created", body = StrategyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/strategies")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewStrategy>,
) -> Result<HttpResponse, ApiError> {
    let (view, slug) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, |conn, scope, body| {
            let view = ops::create_strategy(conn, scope, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/strategies/{}", view.id),
        &view,
    ))
}

/// One strategy (public, or internal for the municipality's own users).
#[utoipa::path(
    operation_id = "goals_get_strategy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id")),
    responses((status = 200, description = "The strategy (ETag)", body = StrategyView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let row = repo::strategy(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            views::strategy_view(conn, row, scope.slug())
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change a strategy (editors). Archived strategies are read-only.
#[utoipa::path(
    operation_id = "goals_update_strategy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id")),
    request_body = StrategyPatch,
    responses((status = 200, description = "Updated", body = StrategyView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/strategies/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<StrategyPatch>,
) -> Result<web::Json<StrategyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_strategy(conn, scope, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Archive a strategy (editors). It stays readable (`status=archived`), is never deleted, and
/// can no longer be changed.
#[utoipa::path(
    operation_id = "goals_archive_strategy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id")),
    responses((status = 200, description = "Archived", body = StrategyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/strategies/{id}/archive")]
pub async fn archive(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<StrategyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::archive_strategy(conn, scope, id)
        })
        .await?;
    Ok(web::Json(view))
}

/// The whole strategy: every node in order, each target with its latest measurement, progress
/// and assessment, in one response (a fixed number of queries, whatever its size).
#[utoipa::path(
    operation_id = "goals_get_strategy_tree",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The strategy's id"),
        AsOfQuery,
    ),
    responses((status = 200, description = "The tree (ETag)", body = StrategyTree)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/tree")]
pub async fn tree(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let caches = db.caches().clone();
    let tree = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            // Whether the caller may see the strategy comes before what the query asks.
            let internal = sees_internal(&scope.who, &scope.municipality);
            let row = repo::strategy(conn, scope.id(), id, internal)?;
            let as_of = as_of(q.open(scope)?.as_of);
            // Anyone who may see the strategy sees the same tree.
            let key = format!("goals.tree|{id}|{as_of}");
            cache::rendered(
                &caches,
                conn,
                key,
                DependsOn::Municipality(scope.id()),
                |conn| {
                    Rendered::json(&views::strategy_tree(
                        conn,
                        &scope.municipality,
                        row,
                        &indicators,
                        as_of,
                    )?)
                },
            )
        })
        .await?;
    Ok(tree.respond(&req))
}

/// The strategy's status report for a follow-up meeting: the tree with every target's value,
/// progress, assessment and trend as of a date, and what changed since the previous follow-up
/// date (the strategy's latest `follow_ups` date before it). A printable HTML document (no
/// script; print it to PDF from a browser) or the same as Markdown.
#[utoipa::path(
    operation_id = "goals_get_strategy_report",
    tag = "goals",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The strategy's id"),
        ReportQuery,
    ),
    responses((status = 200, description = "The report (ETag)", content(
        (String = "text/html"),
        (String = "text/markdown"),
    ))),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/report")]
pub async fn report(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (report, format) = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let internal = sees_internal(&scope.who, &scope.municipality);
            let row = repo::strategy(conn, scope.id(), id, internal)?;
            let q = q.open(scope)?;
            let as_of = as_of(q.as_of);
            let now =
                views::strategy_tree(conn, &scope.municipality, row.clone(), &indicators, as_of)?;
            let previous = now
                .strategy
                .follow_ups
                .iter()
                .filter(|f| f.date < as_of)
                .max_by_key(|f| f.date)
                .map(|f| (f.date, f.label.clone()));
            let previous = match previous {
                Some((date, label)) => Some((
                    date,
                    label,
                    views::strategy_tree(conn, &scope.municipality, row, &indicators, date)?,
                )),
                None => None,
            };
            Ok((
                crate::report::Report::new(now, previous),
                q.format.unwrap_or(ReportFormat::Html),
            ))
        })
        .await?;
    let (body, content_type) = match format {
        ReportFormat::Html => (report.html(), "text/html; charset=utf-8"),
        ReportFormat::Markdown => (report.markdown(), "text/markdown; charset=utf-8"),
    };
    let mut resp = retning_kernel::http::with_etag(&req, body.into_bytes(), content_type);
    // The report's styles are inline (one self-contained document to save or print); it has no
    // script, and loads nothing.
    resp.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    Ok(resp)
}
