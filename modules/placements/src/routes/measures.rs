//! Measures: placements and support measures of individual children (pseudonymous), readable by
//! the municipality's own users only; every other caller gets 404.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{Page, PageParams};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::*;
use crate::model::{MeasureRow, MeasureValues};
use crate::repo::{self, MeasureFilter};
use crate::validate::{self, JsonFields, Lookups};
use crate::views::Names;
use crate::{perm, NAME};

fn audit_details(v: &MeasureValues) -> serde_json::Value {
    serde_json::json!({
        "category": v.category, "kind": v.kind, "standard_step": v.standard_step, "start_date": v.start_date,
        "end_date": v.end_date, "legal_law": v.legal_law, "legal_paragraph": v.legal_paragraph,
        "yearly_cost_dkk": v.yearly_cost_dkk, "evidence_programme_id": v.evidence_programme_id,
    })
}

fn values_of(r: &MeasureRow) -> MeasureValues {
    MeasureValues {
        child_ref: r.child_ref.clone(),
        birth_year: r.birth_year,
        category: r.category.clone(),
        kind: r.kind.clone(),
        step_id: r.step_id,
        standard_step: r.standard_step,
        legal_law: r.legal_law.clone(),
        legal_paragraph: r.legal_paragraph.clone(),
        legal_stk: r.legal_stk,
        legal_nr: r.legal_nr,
        consent: r.consent,
        start_date: r.start_date,
        end_date: r.end_date,
        provider_type: r.provider_type.clone(),
        provider_name: r.provider_name.clone(),
        provider_municipality_id: r.provider_municipality_id,
        yearly_cost_dkk: r.yearly_cost_dkk,
        evidence_programme_id: r.evidence_programme_id,
        note: r.note.clone(),
    }
}

/// Validates a measure for this municipality (422 listing every field).
pub(crate) fn check(m: &NewMeasure, lookups: &Lookups) -> Result<MeasureValues, ApiError> {
    validate::measure(m, lookups, &JsonFields, validate::today()).map_err(ApiError::validation)
}

/// The municipality's measures, newest start first; filter by category, kind, step, open,
/// running on a date, overlapping a period, one child's case key, synthetic (members).
#[utoipa::path(
    operation_id = "placements_list_measures",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug"), MeasureQuery),
    responses((status = 200, description = "Measures (ETag)", body = Page<MeasureView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/measures")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = req.query_string().to_owned();
    let page = Scoped::new(who, slug.into_inner(), NAME, perm::READ)
        .read(&db, move |conn, scope| {
            // The query is judged once the caller may read here.
            let q: MeasureQuery = retning_kernel::http::decode_query(&query)?;
            let page = PageParams {
                limit: q.limit,
                cursor: q.cursor.clone(),
            };
            let (limit, offset) = (page.limit()?, page.offset()?);
            let m = &scope.municipality;
            let names = Names::load(conn, m.id)?;
            let step_id = match &q.step {
                Some(key) => Some(
                    repo::steps(conn, m.id)?
                        .into_iter()
                        .find(|s| &s.key == key)
                        .ok_or_else(|| {
                            ApiError::field(
                                "query.step",
                                "unknown_step",
                                "is not a step of the municipality's staircase",
                            )
                        })?
                        .id,
                ),
                None => None,
            };
            let filter = MeasureFilter {
                category: q.category.map(|c| c.kernel().as_str()),
                kind: q.kind.clone(),
                step_id,
                open: q.open,
                active_on: q.active_on,
                from: q.from,
                to: q.to,
                child_ref: q.child_ref.clone(),
                synthetic: q.synthetic,
            };
            let (rows, total) = repo::list_measures(conn, m.id, &filter, offset, limit + 1)?;
            Ok(Page::from_offset(rows, offset, limit, Some(total)).map(|r| names.measure(r)))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Record a measure (editors). A CPR-shaped value in any field is refused with 422 naming the
/// field (`cpr_number`), and never stored or logged.
#[utoipa::path(
    operation_id = "placements_create_measure",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = NewMeasure,
    responses((status = 201, description = "Created", body = MeasureView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/measures")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewMeasure>,
) -> Result<HttpResponse, ApiError> {
    let (view, slug) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, |conn, scope, body| {
            let lookups = repo::lookups(conn, scope.id())?;
            let values = check(&body, &lookups)?;
            let row = repo::insert_measure(conn, scope.id(), &values, false)?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "create",
                    object_type: "measure",
                    object_id: Some(row.id),
                    details: audit_details(&values),
                },
            )?;
            Ok((
                Names::load(conn, scope.id())?.measure(row),
                scope.slug().to_owned(),
            ))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/measures/{}", view.id),
        &view,
    ))
}

/// One measure (the municipality's own users).
#[utoipa::path(
    operation_id = "placements_get_measure",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The measure's id")),
    responses((status = 200, description = "The measure (ETag)", body = MeasureView)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/measures/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::READ)
        .read(&db, move |conn, scope| {
            let row = repo::measure(conn, scope.id(), id)?;
            Ok(Names::load(conn, scope.id())?.measure(row))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// The measure as a whole input with the patch applied (references back to keys and slugs).
fn merged(cur: &MeasureRow, p: &MeasurePatch, lookups: &Lookups) -> NewMeasure {
    let category = p.category.unwrap_or(if cur.category == "placement" {
        Category::Placement
    } else {
        Category::Support
    });
    let kind = p.kind.clone().unwrap_or_else(|| cur.kind.clone());
    let kind_changed = category.kernel().as_str() != cur.category || kind != cur.kind;
    let current_step = cur
        .step_id
        .and_then(|id| lookups.steps.iter().find(|s| s.id == id))
        .map(|s| s.key.clone());
    let step = match &p.step {
        Some(s) => s.clone(),
        // A new kind stands on its own default step.
        None if kind_changed => None,
        None => current_step,
    };
    let legal = match (&cur.legal_law, &cur.legal_paragraph) {
        (Some(law), Some(paragraph)) => Some(LegalBasis {
            law: law.clone(),
            paragraph: paragraph.clone(),
            stk: cur.legal_stk,
            nr: cur.legal_nr,
            consent: cur.consent,
        }),
        _ => None,
    };
    let slug_of = |id: i64| {
        lookups
            .municipalities
            .iter()
            .find(|(_, v)| **v == id)
            .map(|(k, _)| k.clone())
    };
    let provider = cur
        .provider_type
        .as_deref()
        .and_then(ProviderType::parse)
        .map(|type_| Provider {
            type_,
            name: cur.provider_name.clone(),
            municipality: cur.provider_municipality_id.and_then(slug_of),
        });
    let programme = cur.evidence_programme_id.and_then(|id| {
        lookups
            .programmes
            .iter()
            .find(|(_, (pid, _))| *pid == id)
            .map(|(k, _)| k.clone())
    });
    NewMeasure {
        child_ref: p.child_ref.clone().unwrap_or_else(|| cur.child_ref.clone()),
        birth_year: p.birth_year.unwrap_or(cur.birth_year),
        category,
        kind,
        step,
        legal_basis: p.legal_basis.clone().unwrap_or(legal),
        start_date: p.start_date.unwrap_or(cur.start_date),
        end_date: p.end_date.unwrap_or(cur.end_date),
        provider: p.provider.clone().unwrap_or(provider),
        yearly_cost_dkk: p.yearly_cost_dkk.unwrap_or(cur.yearly_cost_dkk),
        evidence_programme: p.evidence_programme.clone().unwrap_or(programme),
        note: p.note.clone().unwrap_or_else(|| cur.note.clone()),
    }
}

/// Change a measure (editors): absent fields stay, `null` clears (`step: null`: the default
/// step of its kind); the whole measure is validated after the change.
#[utoipa::path(
    operation_id = "placements_update_measure",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The measure's id")),
    request_body = MeasurePatch,
    responses((status = 200, description = "Updated", body = MeasureView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/measures/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<MeasurePatch>,
) -> Result<web::Json<MeasureView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, patch| {
            let cur = repo::measure_for_update(conn, scope.id(), id)?;
            let lookups = repo::lookups(conn, scope.id())?;
            let input = merged(&cur, &patch, &lookups);
            let values = check(&input, &lookups)?;
            let before = values_of(&cur);
            let row = repo::update_measure(conn, scope.id(), id, &values)?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "update",
                    object_type: "measure",
                    object_id: Some(id),
                    details: serde_json::json!({"before": audit_details(&before), "after": audit_details(&values)}),
                },
            )?;
            Ok(Names::load(conn, scope.id())?.measure(row))
        })
        .await?;
    Ok(web::Json(view))
}

/// Delete a measure (editors).
#[utoipa::path(
    operation_id = "placements_delete_measure",
    tag = "placements",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The measure's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/measures/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            let cur = repo::measure_for_update(conn, scope.id(), id)?;
            repo::delete_measure(conn, scope.id(), id)?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "delete",
                    object_type: "measure",
                    object_id: Some(id),
                    details: audit_details(&values_of(&cur)),
                },
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
