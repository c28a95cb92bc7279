//! Targets: measurable goals on any node, listed with what is derived from their measurements.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::cache::{self, DependsOn};
use retning_kernel::http::{json_with_etag, CsvExport, Query, Rendered};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Sort};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::ops::{self, sees_internal};
use crate::views::{self, as_of, Lookup};
use crate::{perm, NAME};

/// Add a target to a node (editors).
#[utoipa::path(
    operation_id = "goals_create_target",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The node's id")),
    request_body = NewTarget,
    responses((status = 201, description = "Created", body = TargetView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/nodes/{id}/targets")]
pub async fn create(
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NewTarget>,
) -> Result<HttpResponse, ApiError> {
    let (slug, node_id) = path.into_inner();
    let (view, slug) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            let view = ops::create_target(conn, scope, &indicators, node_id, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/targets/{}", view.id),
        &view,
    ))
}

/// The municipality's targets with latest value, progress and assessment; filter by theme,
/// node (and its descendants), strategy, assessment and staleness.
#[utoipa::path(
    operation_id = "goals_list_targets",
    tag = "goals",
    params(MunicipalityPath, ListParams<TargetSort>, TargetFilter),
    responses((status = 200, description = "Targets (ETag)", body = Page<TargetView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    slug: web::Path<String>,
    q: ListQuery<TargetFilter, TargetSort>,
) -> Result<HttpResponse, ApiError> {
    let caches = db.caches().clone();
    let page = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let window = (
                usize::try_from(offset).unwrap_or(0),
                usize::try_from(limit + 1).unwrap_or(0),
            );
            // What the caller may see is part of the key: with or without internal strategies.
            let key = format!(
                "goals.targets|{}|{}|{}|{limit}|{offset}|{:?}|{:?}",
                scope.id(),
                sees_internal(&scope.who, &scope.municipality),
                as_of(q.filter.as_of),
                q.filter,
                q.sort,
            );
            cache::rendered(
                &caches,
                conn,
                key,
                DependsOn::Municipality(scope.id()),
                |conn| {
                    let (rows, total) = ops::select_targets(
                        conn,
                        &indicators,
                        scope,
                        &q.filter,
                        q.sort,
                        Some(window),
                    )?;
                    Rendered::json(&Page::from_offset(rows, offset, limit, Some(total as i64)))
                },
            )
        })
        .await?;
    Ok(page.respond(&req))
}

/// The same targets as CSV (UTF-8 with a byte-order mark and a header row, so a spreadsheet
/// opens it with Danish letters intact).
#[utoipa::path(
    operation_id = "goals_export_targets_csv",
    tag = "goals",
    params(MunicipalityPath, TargetFilter),
    responses((status = 200, description = "CSV, one row per target", content_type = "text/csv", body = String)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<TargetFilter>,
) -> Result<HttpResponse, ApiError> {
    let (all, _) = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            ops::select_targets(
                conn,
                &indicators,
                scope,
                &q.open(scope)?,
                Sort {
                    key: TargetSort::Position,
                    descending: false,
                },
                None,
            )
        })
        .await?;
    let mut csv = CsvExport::new([
        "target_id",
        "strategy_id",
        "node_id",
        "title",
        "indicator",
        "unit",
        "direction",
        "baseline_value",
        "baseline_date",
        "target_value",
        "deadline",
        "frequency",
        "source",
        "latest_date",
        "latest_value",
        "progress",
        "assessment",
        "trend",
        "stale",
        "themes",
    ])?;
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for t in &all {
        csv.row([
            t.id.to_string(),
            t.strategy_id.to_string(),
            t.node_id.to_string(),
            t.title.clone(),
            t.indicator.clone(),
            t.unit.as_str().to_owned(),
            t.direction.as_str().to_owned(),
            num(t.baseline_value),
            date(t.baseline_date),
            num(t.target_value),
            date(t.deadline),
            t.frequency.as_str().to_owned(),
            t.source.as_str().to_owned(),
            date(t.latest.as_ref().map(|l| l.date)),
            num(t.latest.as_ref().map(|l| l.value)),
            num(t.progress),
            t.assessment.as_str().to_owned(),
            t.trend
                .map(|tr| {
                    serde_json::to_value(tr)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            t.stale.to_string(),
            t.themes.join(";"),
        ])?;
    }
    csv.respond(&req, "targets.csv")
}

/// One target with its latest value, progress and assessment.
#[utoipa::path(
    operation_id = "goals_get_target",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The target's id"), AsOfQuery),
    responses((status = 200, description = "The target (ETag)", body = TargetView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let (t, _) = ops::visible_target(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            let as_of = as_of(q.open(scope)?.as_of);
            let lookup = Lookup::load(conn, &[scope.id()])?;
            views::target_view(conn, &lookup, &indicators, t, as_of)
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change a target (editors); the whole target is validated after the change.
#[utoipa::path(
    operation_id = "goals_update_target",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The target's id")),
    request_body = TargetPatch,
    responses((status = 200, description = "Updated", body = TargetView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/targets/{id}")]
pub async fn update(
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<TargetPatch>,
) -> Result<web::Json<TargetView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_target(conn, scope, &indicators, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}
