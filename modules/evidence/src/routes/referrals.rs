//! Referrals: an accepted partner uses its yearly share of the host's programme. The host sees
//! every partner's referrals; a partner its own.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Unsorted};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{MunicipalityRef, NewReferral, ReferralFilter, ReferralView};
use crate::model::MunicipalityName;
use crate::{ops, perm, repo, NAME};

/// Referrals of a partnership: the host sees every partner's, an accepted partner its own.
#[utoipa::path(
    operation_id = "evidence_list_referrals",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
        ListParams<Unsorted>,
        ReferralFilter,
    ),
    responses(
        (status = 200, description = "Referrals, newest first (ETag)", body = Page<ReferralView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/partnerships/{id}/referrals")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    q: ListQuery<ReferralFilter>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let page =
        Scoped::new(who, slug, NAME, perm::PARTNERSHIP_READ)
            .read(&db, move |conn, scope| {
                let q = q.open(scope)?;
                let (limit, offset) = (q.page.limit()?, q.page.offset()?);
                ops::check_referral_filter(&q.filter)?;
                let (p, only) = ops::readable(conn, &scope.municipality, id)?;
                let partner = ops::referral_partner(conn, only, q.filter.partner.as_deref())?;
                let (rows, total) = repo::list_referrals(
                    conn,
                    p.municipality_id,
                    id,
                    partner,
                    q.filter.year,
                    offset,
                    limit,
                )?;
                let ids: Vec<i64> = rows.iter().map(|r| r.partner_municipality_id).collect();
                let names = repo::municipality_names(conn, &ids)?;
                let page = Page::from_offset(rows, offset, limit, Some(total));
                Ok(page.map(|r| {
                    let name = names.get(&r.partner_municipality_id).cloned().unwrap_or(
                        MunicipalityName {
                            id: r.partner_municipality_id,
                            slug: String::new(),
                            name: String::new(),
                        },
                    );
                    ReferralView::from_row(r, MunicipalityRef::from_row(name))
                }))
            })
            .await?;
    json_with_etag(&req, &page)
}

/// One referral (the host, or the partner that made it).
#[utoipa::path(
    operation_id = "evidence_get_referral",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
        ("referral_id" = i64, Path, description = "The referral's id"),
    ),
    responses(
        (status = 200, description = "The referral (ETag)", body = ReferralView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/partnerships/{id}/referrals/{referral_id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, referral_id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::PARTNERSHIP_READ)
        .read(&db, move |conn, scope| {
            let (p, only) = ops::readable(conn, &scope.municipality, id)?;
            let r = repo::find_referral(conn, p.municipality_id, id, referral_id)?
                .filter(|r| only.is_none_or(|own| r.partner_municipality_id == own))
                .ok_or_else(|| ApiError::not_found("referral"))?;
            let names = repo::municipality_names(conn, &[r.partner_municipality_id])?;
            let name = names
                .get(&r.partner_municipality_id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("municipality"))?;
            Ok(ReferralView::from_row(r, MunicipalityRef::from_row(name)))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Record referrals against the partner's share (the partner's editors). Refused with
/// `evidence.share_exceeded` when the year's share would be exceeded, unless the host allows
/// over-share; then it is recorded as over-share.
#[utoipa::path(
    operation_id = "evidence_create_referral",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
    ),
    request_body = NewReferral,
    responses(
        (status = 201, description = "Recorded", body = ReferralView),
        (status = 409, description = "`evidence.share_exceeded`, `evidence.share_not_agreed` or `evidence.partnership.not_accepted`", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/partnerships/{id}/referrals")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NewReferral>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (slug, view) = Scoped::new(who, slug, NAME, perm::REFERRAL_WRITE)
        .write_body(&db, body, move |conn, scope, b| {
            let view = ops::create_referral(conn, scope, id, b)?;
            Ok((scope.slug().to_owned(), view))
        })
        .await?;
    Ok(created(
        format!(
            "/api/v1/municipalities/{slug}/partnerships/{id}/referrals/{}",
            view.id
        ),
        &view,
    ))
}

/// Withdraw a referral recorded by mistake (the referring partner's editors).
#[utoipa::path(
    operation_id = "evidence_delete_referral",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
        ("referral_id" = i64, Path, description = "The referral's id"),
    ),
    responses((status = 204, description = "Withdrawn")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/partnerships/{id}/referrals/{referral_id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, referral_id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::REFERRAL_WRITE)
        .write(&db, move |conn, scope| {
            ops::delete_referral(conn, scope, id, referral_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
