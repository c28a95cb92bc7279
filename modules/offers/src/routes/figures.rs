//! Price and occupancy figures, computed from the place requests when asked: the provider's per
//! offer, a buyer's of what it bought, and an offer's occupancy by buying municipality.

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::Scoped;
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::{FiguresQuery, OccupancyByBuyer, OfferFigures};
use crate::{ops, perm, repo, NAME};

/// One of the provider's offers in a calendar year: place-days sold, occupancy and revenue (the
/// provider's members only; `404` to others, exactly like a missing offer).
#[utoipa::path(
    operation_id = "offers_get_offer_figures",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The offer's id"),
        FiguresQuery,
    ),
    responses(
        (status = 200, description = "The offer's figures (ETag)", body = OfferFigures),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/offers/{id}/figures")]
pub async fn offer(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    q: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::REQUEST_READ)
        .read(&db, move |conn, scope| {
            repo::own_offer(conn, scope.id(), id)?.ok_or_else(|| ApiError::not_found("offer"))?;
            let q = q.open(scope)?;
            ops::provider_figures(conn, scope.id(), Some(id), q.year)?
                .pop()
                .ok_or_else(|| ApiError::not_found("offer"))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Every offer of the provider in a calendar year (drafts and offers without sales too), by
/// name: the same figures as one offer's.
#[utoipa::path(
    operation_id = "offers_list_offer_figures",
    tag = "offers",
    params(MunicipalityPath, FiguresQuery),
    responses(
        (status = 200, description = "The offers' figures (ETag)", body = Vec<OfferFigures>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/offer-figures")]
pub async fn offers(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let views = Scoped::new(who, slug.into_inner(), NAME, perm::REQUEST_READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            ops::provider_figures(conn, scope.id(), None, q.year)
        })
        .await?;
    json_with_etag(&req, &views)
}

/// What the municipality bought in a calendar year, per offer: its own place requests only
/// (accepted, active and ended), their place-days, the share of the offer's approved place-days
/// they are, and what they cost (`revenue_dkk`, the provider's revenue from this buyer).
#[utoipa::path(
    operation_id = "offers_list_purchase_figures",
    tag = "offers",
    params(MunicipalityPath, FiguresQuery),
    responses(
        (status = 200, description = "Figures per offer bought from (ETag)", body = Vec<OfferFigures>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/purchase-figures")]
pub async fn purchases(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let views = Scoped::new(who, slug.into_inner(), NAME, perm::REQUEST_READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            ops::buyer_figures(conn, scope.id(), q.year)
        })
        .await?;
    json_with_etag(&req, &views)
}

/// An offer's place-days in a calendar year by buying municipality, for the provider's
/// statistics. Exact to the provider's members; anyone else who may see the offer gets the
/// aggregate with every count resting on fewer than five place requests withheld
/// (`{"suppressed": true}`), and further cells withheld so none can be computed from the total
/// (the placements statistics' rule).
#[utoipa::path(
    operation_id = "offers_get_offer_occupancy",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The offer's id"),
        FiguresQuery,
    ),
    responses(
        (status = 200, description = "Occupancy by buying municipality (ETag)", body = OccupancyByBuyer),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/offers/{id}/occupancy")]
pub async fn occupancy(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let viewer = ops::viewer_of(&scope.who);
            let row = repo::visible_offer(conn, viewer, id)?
                .filter(|r| r.municipality_id == scope.id())
                .ok_or_else(|| ApiError::not_found("offer"))?;
            let q = q.open(scope)?;
            ops::occupancy_by_buyer(conn, scope, row, q.year)
        })
        .await?;
    json_with_etag(&req, &view)
}
