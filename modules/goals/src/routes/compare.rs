//! Side by side: the municipalities' nodes and targets on one theme, and their assessments.

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::http::{json_with_etag, Query};
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
    let result = db
        .run(move |conn| {
            views::comparison(
                conn,
                &who,
                &indicators,
                &q.theme,
                q.municipalities.as_deref(),
                as_of,
            )
        })
        .await?;
    json_with_etag(&req, &result)
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
    let result = db
        .run(move |conn| views::overview(conn, &who, &indicators, as_of))
        .await?;
    json_with_etag(&req, &result)
}
