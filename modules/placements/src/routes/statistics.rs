//! Statistics of placements and support measures: exact for the municipality's own users,
//! aggregated with small counts suppressed for everyone else (see `crate::stats`).

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::cache::{self, DependsOn};
use retning_kernel::http::{json_with_etag, Query, Rendered};
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::Scoped;
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::{MonthlyQuery, MonthlyView, StatisticsQuery, StatisticsView};
use crate::stats::audience;
use crate::{stats, NAME};

/// Placement statistics for a calendar year (`year`), a period (`from` and `to`) or a date
/// (`on`): placed on the last day, full-year placements, new and ended, shares by type and by
/// step (with the foster-family and network shares), duration of ended placements, cost per
/// year, and the support measures' evidence share. The municipality's own users see exact
/// figures; everyone else sees calendar years and month ends only, with every count resting on
/// fewer than five children suppressed (`{"suppressed": true}`), together with whatever would let
/// it be computed back.
#[utoipa::path(
    operation_id = "placements_get_statistics",
    tag = "placements",
    params(MunicipalityPath, StatisticsQuery),
    responses((status = 200, description = "Statistics (ETag)", body = StatisticsView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/placements/statistics")]
pub async fn statistics(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let caches = db.caches().clone();
    let view = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let m = &scope.municipality;
            let audience = audience(&scope.who, m);
            let period = stats::period(&q, audience)?;
            // Computed once per change of the municipality's data (a year of a large
            // municipality is hundreds of thousands of measures).
            let key = format!(
                "placements.statistics|{}|{}|{}|{audience:?}",
                m.id, period.from, period.to
            );
            cache::rendered(&caches, conn, key, DependsOn::Municipality(m.id), |conn| {
                Rendered::json(&stats::statistics(conn, &m.slug, m.id, period, audience)?)
            })
        })
        .await?;
    Ok(view.respond(&req))
}

/// Placements month by month (`from` and `to` name the first and last month): placed on each
/// month's last day for everyone (suppressed below five children), and for the municipality's own
/// users also full-year placements, new and ended in the month.
#[utoipa::path(
    operation_id = "placements_get_monthly_statistics",
    tag = "placements",
    params(MunicipalityPath, MonthlyQuery),
    responses((status = 200, description = "The months (ETag)", body = MonthlyView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/placements/statistics/monthly")]
pub async fn monthly(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<MonthlyQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let m = &scope.municipality;
            stats::monthly(conn, &m.slug, m.id, &q, audience(&scope.who, m))
        })
        .await?;
    json_with_etag(&req, &view)
}
