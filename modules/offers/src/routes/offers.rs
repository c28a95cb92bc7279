//! A provider's offers: read by whoever may see each one, written by the provider's editors.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::{NewOfferInput, OfferListFilter, OfferPatch, OfferView, VacancyQuery};
use crate::model::OfferSort;
use crate::repo::{self, OfferSelection};
use crate::{ops, perm, NAME};

/// The municipality's offers the caller may see: its own members see drafts and partners-only
/// offers too; a partner municipality sees the offers naming it.
#[utoipa::path(
    operation_id = "offers_list_offers",
    tag = "offers",
    params(MunicipalityPath, ListParams<OfferSort>, OfferListFilter),
    responses(
        (status = 200, description = "Offers (ETag)", body = Page<OfferView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/offers")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
    q: ListQuery<OfferListFilter, OfferSort>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let viewer = ops::viewer_of(&scope.who);
            let selection = OfferSelection {
                provider_id: Some(scope.id()),
                status: q.filter.status,
                ..OfferSelection::default()
            };
            let (rows, total) = repo::list_offers(conn, viewer, &selection, q.sort, offset, limit)?;
            let day = q.filter.vacancy_date.unwrap_or_else(ops::today);
            let Page {
                items,
                next_cursor,
                total,
            } = Page::from_offset(rows, offset, limit, Some(total));
            Ok(Page {
                items: ops::offer_views(conn, items, viewer, day)?,
                next_cursor,
                total,
            })
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Publish an offer (the provider's editors). `draft` unless a status is given.
#[utoipa::path(
    operation_id = "offers_create_offer",
    tag = "offers",
    params(MunicipalityPath),
    request_body = NewOfferInput,
    responses(
        (status = 201, description = "Created", body = OfferView),
        (status = 409, description = "`conflict.duplicate`: the municipality has an offer with this name", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/offers")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewOfferInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, view) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, b| {
            let view = ops::create_offer(conn, scope, b)?;
            Ok((scope.slug().to_owned(), view))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/offers/{}", view.id),
        &view,
    ))
}

/// One offer, if the caller may see it (a draft or a partners-only offer is `404` to others,
/// exactly like a missing one).
#[utoipa::path(
    operation_id = "offers_get_offer",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The offer's id"),
        VacancyQuery,
    ),
    responses(
        (status = 200, description = "The offer (ETag)", body = OfferView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/offers/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<VacancyQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let viewer = ops::viewer_of(&scope.who);
            let row = repo::visible_offer(conn, viewer, id)?
                .filter(|r| r.municipality_id == scope.id())
                .ok_or_else(|| ApiError::not_found("offer"))?;
            // Whether the caller may see the offer comes before what the query asks.
            let q = q.open(scope)?;
            ops::offer_view(conn, row, viewer, q.vacancy_date.unwrap_or_else(ops::today))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change an offer (the provider's editors). Absent fields stay; `null` clears.
#[utoipa::path(
    operation_id = "offers_update_offer",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The offer's id"),
    ),
    request_body = OfferPatch,
    responses(
        (status = 200, description = "Updated", body = OfferView),
        (status = 409, description = "`offers.places_booked`: approved places below what is booked", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/offers/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<OfferPatch>,
) -> Result<web::Json<OfferView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_offer(conn, scope, id, p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove an offer no place request names (the provider's editors); close it otherwise.
#[utoipa::path(
    operation_id = "offers_delete_offer",
    tag = "offers",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The offer's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "`conflict.reference`: place requests name the offer", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/offers/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| ops::delete_offer(conn, scope, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
