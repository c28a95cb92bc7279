//! Partnerships: a host runs a programme for partner municipalities with agreed yearly shares.
//! Visible to the parties only (see `PartnershipView` for who sees what).

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Unsorted};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{NewPartnership, PartnershipFilter, PartnershipPatch, PartnershipView};
use crate::{ops, perm, repo, NAME};

/// Partnerships the municipality hosts or is invited to, each as the municipality may see it.
#[utoipa::path(
    operation_id = "evidence_list_partnerships",
    tag = "evidence",
    params(
        MunicipalityPath,
        ListParams<Unsorted>,
        PartnershipFilter,
    ),
    responses(
        (status = 200, description = "Partnerships, oldest first (ETag)", body = Page<PartnershipView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/partnerships")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<PartnershipFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::new(who, slug.into_inner(), NAME, perm::PARTNERSHIP_READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let (rows, total) = repo::list_partnerships(
                conn,
                scope.id(),
                q.filter.role,
                q.filter.adoption_id,
                offset,
                limit,
            )?;
            let page = Page::from_offset(rows, offset, limit, Some(total));
            let views: Vec<PartnershipView> = repo::bundles(conn, page.items)?
                .iter()
                .filter_map(|b| ops::partnership_view(b, scope.id()))
                .collect();
            Ok(Page {
                items: views,
                next_cursor: page.next_cursor,
                total: page.total,
            })
        })
        .await?;
    json_with_etag(&req, &page)
}

/// One partnership, as the addressed municipality (host or partner) may see it.
#[utoipa::path(
    operation_id = "evidence_get_partnership",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
    ),
    responses(
        (status = 200, description = "The partnership (ETag)", body = PartnershipView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/partnerships/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::PARTNERSHIP_READ)
        .read(&db, move |conn, scope| {
            let row = repo::find_for_party(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            ops::party_view(conn, scope.id(), row)
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Create a partnership on one of the host's adoptions and invite the partners (host editors).
/// The yearly shares may not exceed the adoption's yearly capacity.
#[utoipa::path(
    operation_id = "evidence_create_partnership",
    tag = "evidence",
    params(MunicipalityPath),
    request_body = NewPartnership,
    responses((status = 201, description = "Created; the partners are invited", body = PartnershipView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/partnerships")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewPartnership>,
) -> Result<HttpResponse, ApiError> {
    let (host_slug, view) = Scoped::new(who, slug.into_inner(), NAME, perm::PARTNERSHIP_MANAGE)
        .write_body(&db, body, |conn, scope, b| {
            let view = ops::create_partnership(conn, scope, b)?;
            Ok((scope.slug().to_owned(), view))
        })
        .await?;
    Ok(created(
        format!(
            "/api/v1/municipalities/{host_slug}/partnerships/{}",
            view.id
        ),
        &view,
    ))
}

/// Change a partnership's period, notes or over-share rule, invite more partners or change
/// shares (host editors). A changed share, or a declined partner listed again, re-opens that
/// partner's invitation.
#[utoipa::path(
    operation_id = "evidence_update_partnership",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
    ),
    request_body = PartnershipPatch,
    responses((status = 200, description = "Updated", body = PartnershipView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/partnerships/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<PartnershipPatch>,
) -> Result<web::Json<PartnershipView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::PARTNERSHIP_MANAGE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_partnership(conn, scope, id, p)
        })
        .await?;
    Ok(web::Json(view))
}
