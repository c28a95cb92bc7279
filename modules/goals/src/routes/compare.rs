//! Side by side: the municipalities' nodes and targets on one theme, and their assessments.

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::cache::{self, DependsOn};
use retning_kernel::http::{Query, Rendered};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::views::{self, as_of};

/// Per municipality, the nodes and targets on a theme (directly, or targets on a node with it),
/// with progress and assessment. Public strategies for everyone, plus the caller's own internal ones.
#[utoipa::path(
    operation_id = "goals_compare",
    tag = "goals",
    params(CompareQuery),
    responses((status = 200, description = "The comparison (ETag)", body = Comparison)),
    security((), ("bearer" = []))
)]
#[get("/compare")]
pub async fn compare(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    q: Query<CompareQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.public()?;
    let as_of = as_of(q.as_of);
    let caches = db.caches().clone();
    let rendered = db
        .run(move |conn| {
            let key = format!(
                "goals.compare|{}|{}|{as_of}|{:?}",
                q.theme,
                q.municipalities.as_deref().unwrap_or("*"),
                views::internal_everywhere(conn, &who)?,
            );
            cache::rendered(&caches, conn, key, DependsOn::Everything, |conn| {
                Rendered::json(&views::comparison(
                    conn,
                    &who,
                    &indicators,
                    &q.theme,
                    q.municipalities.as_deref(),
                    as_of,
                )?)
            })
        })
        .await?;
    Ok(rendered.respond(&req))
}

/// Each municipality's targets counted by assessment (public strategies, plus the caller's own).
#[utoipa::path(
    operation_id = "goals_compare_overview",
    tag = "goals",
    params(AsOfQuery),
    responses((status = 200, description = "The overview (ETag)", body = Overview)),
    security((), ("bearer" = []))
)]
#[get("/compare/overview")]
pub async fn overview(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = as_of(q.public()?.as_of);
    let caches = db.caches().clone();
    let rendered = db
        .run(move |conn| {
            let key = format!(
                "goals.overview|{as_of}|{:?}",
                views::internal_everywhere(conn, &who)?
            );
            cache::rendered(&caches, conn, key, DependsOn::Everything, |conn| {
                Rendered::json(&views::overview(conn, &who, &indicators, as_of)?)
            })
        })
        .await?;
    Ok(rendered.respond(&req))
}
