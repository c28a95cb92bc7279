//! Referrals: an accepted partner uses its yearly share of the host's programme. The host sees
//! every partner's referrals; a partner its own.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::error::FieldError;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::Page;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::tenancy::{self, Municipality};
use retning_kernel::{ApiError, Db, DbConnection, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{audit_in, check_range, clean, page};
use crate::dto::{NewReferral, ReferralView};
use crate::model::{MunicipalityName, PartnershipRow};
use crate::period::{self, Period};
use crate::repo;
use crate::{perm, NAME};

const MAX_REFERRED: i32 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only this partner's referrals (its slug; the host's view).
    partner: Option<String>,
    /// Only referrals against this calendar year's share.
    #[param(minimum = 1990, maximum = 2100)]
    year: Option<i32>,
}

fn name_of(m: &Municipality) -> MunicipalityName {
    MunicipalityName {
        id: m.id,
        slug: m.slug.clone(),
        name: m.name.clone(),
    }
}

/// The partnership as `m` reads its referrals: the host reads all (`None`), an accepted
/// partner its own (`Some(m)`); anyone else, declined partners included, gets 404.
fn readable(
    conn: &mut DbConnection,
    m: &Municipality,
    id: i64,
) -> Result<(PartnershipRow, Option<i64>), ApiError> {
    if let Some(p) = repo::find_partnership(conn, m.id, id)? {
        return Ok((p, None));
    }
    let partner = repo::find_partner(conn, m.id, id)?
        .filter(|r| r.status == repo::ACCEPTED)
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    let p = repo::find_partnership(conn, partner.municipality_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    Ok((p, Some(m.id)))
}

/// Referrals of a partnership: the host sees every partner's, an accepted partner its own.
#[utoipa::path(
    operation_id = "evidence_list_referrals",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The slug of the host or of an accepted partner"),
        ("id" = i64, Path, description = "The partnership's id"),
        ReferralQuery,
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
    q: Query<ReferralQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let mut v = Validator::new();
    check_range(
        &mut v,
        "query.year",
        q.year,
        period::MIN_YEAR,
        period::MAX_YEAR,
    );
    v.finish()?;
    let (slug, id) = path.into_inner();
    let page = Scoped::new(who, slug, NAME, perm::PARTNERSHIP_READ)
        .read(&db, move |conn, scope| {
            let (p, only) = readable(conn, &scope.municipality, id)?;
            let partner = match (only, q.partner.as_deref()) {
                (Some(own), _) => Some(own),
                (None, Some(s)) => Some(tenancy::find_by_slug(conn, s)?.map(|m| m.id).ok_or_else(
                    || ApiError::field("query.partner", "unknown", "no such municipality"),
                )?),
                (None, None) => None,
            };
            let (rows, total) =
                repo::list_referrals(conn, p.municipality_id, id, partner, q.year, offset, limit)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.partner_municipality_id).collect();
            let names = repo::municipality_names(conn, &ids)?;
            let page = Page::from_offset(rows, offset, limit, Some(total));
            Ok(page.map(|r| {
                let name =
                    names
                        .get(&r.partner_municipality_id)
                        .cloned()
                        .unwrap_or(MunicipalityName {
                            id: r.partner_municipality_id,
                            slug: String::new(),
                            name: String::new(),
                        });
                ReferralView::new(r, &name)
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
        ("municipality" = String, Path, description = "The slug of the host or of the referring partner"),
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
            let (p, only) = readable(conn, &scope.municipality, id)?;
            let r = repo::find_referral(conn, p.municipality_id, id, referral_id)?
                .filter(|r| only.is_none_or(|own| r.partner_municipality_id == own))
                .ok_or_else(|| ApiError::not_found("referral"))?;
            let names = repo::municipality_names(conn, &[r.partner_municipality_id])?;
            let name = names
                .get(&r.partner_municipality_id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("municipality"))?;
            Ok(ReferralView::new(r, &name))
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
        ("municipality" = String, Path, description = "The referring partner's slug", example = "lolland"),
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
            let m = &scope.municipality;
            let period = Period::parse(&b.period);
            let mut v = Validator::new();
            v.check(period.is_some(), "period", "invalid", period::SHAPE);
            check_range(&mut v, "referred", Some(b.referred), 1, MAX_REFERRED);
            let note = clean(b.note);
            v.opt_text("note", note.as_deref(), 500);
            v.finish()?;
            let period = period.ok_or_else(|| ApiError::field("period", "invalid", period::SHAPE))?;
            let first = repo::find_partner(conn, m.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            // Lock order everywhere: adoption, partnership, partner. The partner row's lock
            // makes the check of its share and the insert one step for concurrent requests.
            let partnership = repo::lock_partnership(conn, first.municipality_id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            let partner = repo::lock_partner(conn, m.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            if partner.status != repo::ACCEPTED {
                return Err(ApiError::conflict(
                    crate::codes::PARTNERSHIP_NOT_ACCEPTED,
                    format!(
                        "the invitation is {}; only an accepted partner refers against a share",
                        partner.status
                    ),
                ));
            }
            if !period::touches(&period, partnership.period_start, partnership.period_end) {
                return Err(ApiError::rule(
                    crate::codes::REFERRAL_OUTSIDE_PERIOD,
                    "period",
                    "lies outside the partnership's period",
                ));
            }
            let Some(share) = partner.yearly_share else {
                return Err(ApiError::conflict(
                    crate::codes::SHARE_NOT_AGREED,
                    "no yearly share is agreed yet; the host sets it",
                ));
            };
            let used = repo::referred_in_year(conn, partner.municipality_id, partner.id, period.year)?;
            let after = used + i64::from(b.referred);
            let over = after > i64::from(share);
            if over && !partnership.allow_over_share {
                let left = (i64::from(share) - used).max(0);
                return Err(ApiError::with_fields(
                    StatusCode::CONFLICT,
                    crate::codes::SHARE_EXCEEDED,
                    format!(
                        "the share for {} is {share}, {used} used; {} more do not fit ({left} left)",
                        period.year, b.referred
                    ),
                    vec![FieldError::new(
                        "referred",
                        "share_exceeded",
                        format!("at most {left} more in {}", period.year),
                    )],
                ));
            }
            let row = repo::insert_referral(conn, &partner, &period, b.referred, over, note.as_deref())?;
            audit_in(
                conn,
                &scope.who,
                &[m.id, partner.municipality_id],
                "create",
                "evidence_referral",
                Some(row.id),
                serde_json::json!({
                    "partnership_id": id,
                    "partner": m.slug,
                    "period": row.period,
                    "referred": row.referred,
                    "over_share": row.over_share,
                    "used_after": after,
                    "yearly_share": share,
                }),
            )?;
            Ok((m.slug.clone(), ReferralView::new(row, &name_of(m))))
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
        ("municipality" = String, Path, description = "The referring partner's slug"),
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
            let m = &scope.municipality;
            let first = repo::find_partner(conn, m.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            repo::lock_partnership(conn, first.municipality_id, id)?;
            let partner = repo::lock_partner(conn, m.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            let r = repo::find_referral(conn, partner.municipality_id, id, referral_id)?
                .filter(|r| r.partner_id == partner.id)
                .ok_or_else(|| ApiError::not_found("referral"))?;
            repo::delete_referral(conn, partner.municipality_id, r.id)?;
            audit_in(
                conn,
                &scope.who,
                &[m.id, partner.municipality_id],
                "delete",
                "evidence_referral",
                Some(r.id),
                serde_json::json!({
                    "partnership_id": id,
                    "partner": m.slug,
                    "period": r.period,
                    "referred": r.referred,
                }),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
