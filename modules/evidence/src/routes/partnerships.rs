//! Partnerships: a host runs a programme for partner municipalities with agreed yearly shares.
//! Visible to the parties only (see `PartnershipView` for who sees what).

use std::collections::HashSet;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::Page;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, Db, DbConnection, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{check_range, clean, diff, page, partnership_view};
use crate::dto::{NewPartnership, PartnerInput, PartnershipPatch, PartnershipView, PartyRole};
use crate::repo::{self, NewPartnershipData, PartyFilter, ShareSpec};
use crate::{perm, NAME};

const MAX_PARTNERS: usize = 50;
const MAX_SHARE: i32 = 100_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnershipQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only partnerships the municipality hosts (`host`) or is invited to (`partner`).
    role: Option<PartyRole>,
    /// Only partnerships on this adoption of the host.
    adoption_id: Option<i64>,
}

fn check_period(v: &mut Validator, start: Option<NaiveDate>, end: Option<NaiveDate>) {
    if let (Some(s), Some(e)) = (start, end) {
        v.check(
            s <= e,
            "period_end",
            "before_start",
            "must not be before period_start",
        );
    }
}

/// Resolves the listed partners to municipalities that have the module on, naming each bad
/// entry (`partners[1].municipality`).
fn resolve_partners(
    conn: &mut DbConnection,
    v: &mut Validator,
    host: &Municipality,
    partners: &[PartnerInput],
) -> Result<Vec<Option<Municipality>>, ApiError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(partners.len());
    for (i, p) in partners.iter().enumerate() {
        let field = format!("partners[{i}].municipality");
        check_range(
            v,
            &format!("partners[{i}].yearly_share"),
            p.yearly_share,
            0,
            MAX_SHARE,
        );
        let slug = p.municipality.trim();
        if slug == host.slug {
            v.add(field, "host", "the host cannot be its own partner");
            out.push(None);
            continue;
        }
        if !seen.insert(slug.to_owned()) {
            v.add(field, "duplicate", "is listed twice");
            out.push(None);
            continue;
        }
        match retning_kernel::tenancy::find_enabled(conn, slug, NAME)? {
            Some(m) => out.push(Some(m)),
            None => {
                v.add(
                    field,
                    "unknown",
                    "no such municipality, or the evidence module is switched off for it",
                );
                out.push(None);
            }
        }
    }
    Ok(out)
}

fn host_view(conn: &mut DbConnection, host_id: i64, id: i64) -> Result<PartnershipView, ApiError> {
    let row = repo::find_partnership(conn, host_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    let bundle = repo::bundle(conn, row)?;
    partnership_view(&bundle, host_id).ok_or_else(|| ApiError::not_found("partnership"))
}

/// Partnerships the municipality hosts or is invited to, each as the municipality may see it.
#[utoipa::path(
    operation_id = "evidence_list_partnerships",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug", example = "vordingborg"),
        PartnershipQuery,
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
    q: Query<PartnershipQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let party = match q.role {
        None => PartyFilter::Any,
        Some(PartyRole::Host) => PartyFilter::Host,
        Some(PartyRole::Partner) => PartyFilter::Partner,
    };
    let page = Scoped::new(who, slug.into_inner(), NAME, perm::PARTNERSHIP_READ)
        .read(&db, move |conn, scope| {
            let (rows, total) =
                repo::list_partnerships(conn, scope.id(), party, q.adoption_id, offset, limit)?;
            let page = Page::from_offset(rows, offset, limit, Some(total));
            let views: Vec<PartnershipView> = repo::bundles(conn, page.items)?
                .iter()
                .filter_map(|b| partnership_view(b, scope.id()))
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
        ("municipality" = String, Path, description = "The slug of the host or of a partner"),
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
            let bundle = repo::bundle(conn, row)?;
            partnership_view(&bundle, scope.id()).ok_or_else(|| ApiError::not_found("partnership"))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Create a partnership on one of the host's adoptions and invite the partners (host editors).
/// The yearly shares may not exceed the adoption's yearly capacity.
#[utoipa::path(
    operation_id = "evidence_create_partnership",
    tag = "evidence",
    params(("municipality" = String, Path, description = "The host's slug")),
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
            let host = &scope.municipality;
            let mut v = Validator::new();
            check_period(&mut v, b.period_start, b.period_end);
            v.opt_text("notes", b.notes.as_deref(), 2000);
            v.check(
                (1..=MAX_PARTNERS).contains(&b.partners.len()),
                "partners",
                "out_of_range",
                format!("must list 1-{MAX_PARTNERS} partners"),
            );
            let resolved = resolve_partners(conn, &mut v, host, &b.partners)?;
            let adoption = repo::lock_adoption(conn, host.id, b.adoption_id)?;
            v.check(
                adoption.is_some(),
                "adoption_id",
                "unknown",
                "no such adoption of the host",
            );
            v.finish()?;
            let adoption = adoption.ok_or_else(|| ApiError::not_found("adoption"))?;
            let specs: Vec<ShareSpec> = b
                .partners
                .iter()
                .enumerate()
                .map(|(i, p)| ShareSpec {
                    index: Some(i),
                    yearly_share: p.yearly_share,
                })
                .collect();
            let range = (b.period_start, b.period_end);
            repo::check_shares(conn, &adoption, None, range, &specs, "partners")?;
            let row = repo::insert_partnership(
                conn,
                host.id,
                &NewPartnershipData {
                    adoption_id: adoption.id,
                    period_start: b.period_start,
                    period_end: b.period_end,
                    allow_over_share: b.allow_over_share,
                    notes: clean(b.notes),
                },
            )?;
            for (p, m) in b.partners.iter().zip(resolved.iter().flatten()) {
                repo::insert_partner(conn, host.id, row.id, m.id, p.yearly_share)?;
            }
            let view = host_view(conn, host.id, row.id)?;
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(host.id),
                    action: "create",
                    object_type: "evidence_partnership",
                    object_id: Some(row.id),
                    details: serde_json::to_value(&view).unwrap_or_default(),
                },
            )?;
            Ok((host.slug.clone(), view))
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
        ("municipality" = String, Path, description = "The host's slug"),
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
            let host = &scope.municipality;
            let current = repo::find_partnership(conn, host.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            // Lock order everywhere: adoption, partnership, partner.
            let adoption = repo::lock_adoption(conn, host.id, current.adoption_id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let current = repo::lock_partnership(conn, host.id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            let before = host_view(conn, host.id, id)?;
            let start = p.period_start.unwrap_or(current.period_start);
            let end = p.period_end.unwrap_or(current.period_end);
            let notes = match p.notes {
                Some(n) => clean(n),
                None => current.notes.clone(),
            };
            let listed = p.partners.unwrap_or_default();
            let mut v = Validator::new();
            check_period(&mut v, start, end);
            v.opt_text("notes", notes.as_deref(), 2000);
            let resolved = resolve_partners(conn, &mut v, host, &listed)?;
            let existing = repo::partners_of(conn, host.id, id)?;
            let listed_ids: Vec<i64> = resolved.iter().flatten().map(|m| m.id).collect();
            let added = listed_ids
                .iter()
                .filter(|m| !existing.iter().any(|r| r.partner_municipality_id == **m))
                .count();
            v.check(
                existing.len() + added <= MAX_PARTNERS,
                "partners",
                "out_of_range",
                format!("a partnership has at most {MAX_PARTNERS} partners"),
            );
            v.finish()?;
            let mut specs: Vec<ShareSpec> = existing
                .iter()
                .filter(|r| {
                    r.status != repo::DECLINED && !listed_ids.contains(&r.partner_municipality_id)
                })
                .map(|r| ShareSpec {
                    index: None,
                    yearly_share: r.yearly_share,
                })
                .collect();
            specs.extend(listed.iter().enumerate().map(|(i, l)| ShareSpec {
                index: Some(i),
                yearly_share: l.yearly_share,
            }));
            repo::check_shares(
                conn,
                &adoption,
                Some(id),
                (start, end),
                &specs,
                "period_start",
            )?;
            repo::update_partnership(
                conn,
                host.id,
                id,
                start,
                end,
                p.allow_over_share.unwrap_or(current.allow_over_share),
                notes.as_deref(),
            )?;
            for (l, m) in listed.iter().zip(resolved.iter().flatten()) {
                match existing.iter().find(|r| r.partner_municipality_id == m.id) {
                    Some(row) => {
                        repo::reinvite_partner(conn, host.id, row, l.yearly_share)?;
                    }
                    None => {
                        repo::insert_partner(conn, host.id, id, m.id, l.yearly_share)?;
                    }
                }
            }
            let after = host_view(conn, host.id, id)?;
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(host.id),
                    action: "update",
                    object_type: "evidence_partnership",
                    object_id: Some(id),
                    details: diff(&before, &after),
                },
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(view))
}
