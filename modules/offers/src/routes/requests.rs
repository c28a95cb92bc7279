//! Place requests: a buying municipality requests places in another municipality's offer; the
//! two parties see the request under their own municipality's path, nobody else does.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Unsorted};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{NewPlaceRequest, PlaceRequestFilter, PlaceRequestView};
use crate::model::RequestAction;
use crate::repo::{self, RequestSelection};
use crate::{ops, perm, NAME};

/// The place requests the municipality is a party to (as buyer or provider), newest first.
#[utoipa::path(
    operation_id = "offers_list_place_requests",
    tag = "offers",
    params(MunicipalityPath, ListParams<Unsorted>, PlaceRequestFilter),
    responses(
        (status = 200, description = "Place requests, newest first (ETag)", body = Page<PlaceRequestView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/place-requests")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<PlaceRequestFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::new(who, slug.into_inner(), NAME, perm::REQUEST_READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let selection = RequestSelection {
                party: q.filter.party,
                status: q.filter.status,
                offer_id: q.filter.offer_id,
            };
            let (rows, total) = repo::list_requests(conn, scope.id(), selection, offset, limit)?;
            let Page {
                items,
                next_cursor,
                total,
            } = Page::from_offset(rows, offset, limit, Some(total));
            Ok(Page {
                items: ops::request_views(conn, items, scope.id())?,
                next_cursor,
                total,
            })
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Request places in another municipality's open offer (the buyer's editors). Capacity is
/// judged when the provider accepts.
#[utoipa::path(
    operation_id = "offers_create_place_request",
    tag = "offers",
    params(MunicipalityPath),
    request_body = NewPlaceRequest,
    responses(
        (status = 201, description = "Requested", body = PlaceRequestView),
        (status = 409, description = "`offers.offer.not_open` or `offers.offer.without_places`", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewPlaceRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, view) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, b| {
            let view = ops::create_request(conn, scope, b)?;
            Ok((scope.slug().to_owned(), view))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/place-requests/{}", view.id),
        &view,
    ))
}

/// One place request the municipality is a party to (`404` to any other, exactly like a
/// missing one).
#[utoipa::path(
    operation_id = "offers_get_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "The place request (ETag)", body = PlaceRequestView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/place-requests/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::REQUEST_READ)
        .read(&db, move |conn, scope| {
            let row = repo::find_request(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("place request"))?;
            ops::request_view(conn, row, scope.id())
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Runs one transition for the scope's municipality.
async fn transition(
    db: web::Data<Db>,
    who: retning_kernel::Principal,
    path: web::Path<(String, i64)>,
    action: RequestAction,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::transition(conn, scope, id, action)
        })
        .await?;
    Ok(web::Json(view))
}

/// Accept a request (the provider's editors): refused with `offers.capacity_exceeded` when its
/// places do not fit on every day of its period beside those already accepted.
#[utoipa::path(
    operation_id = "offers_accept_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "Accepted", body = PlaceRequestView),
        (status = 403, description = "`offers.request.wrong_party`: the buyer cannot accept", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offers.capacity_exceeded`, or `offers.request.illegal_transition` naming the allowed transitions", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests/{id}/accept")]
pub async fn accept(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    transition(db, who, path, RequestAction::Accept).await
}

/// Decline a request (the provider's editors).
#[utoipa::path(
    operation_id = "offers_decline_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "Declined", body = PlaceRequestView),
        (status = 403, description = "`offers.request.wrong_party`: the buyer cannot decline", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offers.request.illegal_transition` naming the allowed transitions", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests/{id}/decline")]
pub async fn decline(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    transition(db, who, path, RequestAction::Decline).await
}

/// Withdraw a request that is requested or accepted, not yet active (the buyer's editors).
#[utoipa::path(
    operation_id = "offers_withdraw_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "Withdrawn", body = PlaceRequestView),
        (status = 403, description = "`offers.request.wrong_party`: the provider cannot withdraw", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offers.request.illegal_transition` naming the allowed transitions", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests/{id}/withdraw")]
pub async fn withdraw(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    transition(db, who, path, RequestAction::Withdraw).await
}

/// Mark an accepted request active: the child has arrived (the provider's editors).
#[utoipa::path(
    operation_id = "offers_start_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "Active", body = PlaceRequestView),
        (status = 403, description = "`offers.request.wrong_party`: the buyer cannot start", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offers.request.illegal_transition` naming the allowed transitions", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests/{id}/start")]
pub async fn start(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    transition(db, who, path, RequestAction::Start).await
}

/// End an active request (the provider's editors).
#[utoipa::path(
    operation_id = "offers_end_place_request",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The place request's id"),
    ),
    responses(
        (status = 200, description = "Ended", body = PlaceRequestView),
        (status = 403, description = "`offers.request.wrong_party`: the buyer cannot end", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`offers.request.illegal_transition` naming the allowed transitions", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/place-requests/{id}/end")]
pub async fn end(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PlaceRequestView>, ApiError> {
    transition(db, who, path, RequestAction::End).await
}
