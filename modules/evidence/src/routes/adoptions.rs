//! Adoptions: which municipality runs which programme. Public standing, written by the
//! municipality's editors.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, with_etag, Query};
use retning_kernel::pagination::Page;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{check_range, clean, diff, page};
use crate::dto::{AdoptionPatch, AdoptionStatus, AdoptionView, NewAdoption};
use crate::model::{AdoptionData, AdoptionListing};
use crate::repo::{self, AdoptionFilter};
use crate::{perm, NAME};

/// The most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdoptionQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only adoptions with this status.
    status: Option<AdoptionStatus>,
    /// Only adoptions of this programme.
    programme_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeAdoptionQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only adoptions with this status.
    status: Option<AdoptionStatus>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// Only adoptions with this status.
    status: Option<AdoptionStatus>,
    /// Only adoptions of this programme.
    programme_id: Option<i64>,
}

/// Checks an adoption's whole state (after a PATCH is applied, too).
fn validate(d: &AdoptionData) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if let (Some(from), Some(to)) = (d.started_on, d.ended_on) {
        v.check(
            from <= to,
            "ended_on",
            "before_start",
            "must not be before started_on",
        );
    }
    check_range(&mut v, "yearly_capacity", d.yearly_capacity, 0, 100_000);
    v.check(
        d.yearly_capacity.is_none() || d.capacity_unit.is_some(),
        "capacity_unit",
        "required",
        "is required with yearly_capacity (families or children)",
    );
    check_range(
        &mut v,
        "certified_practitioners",
        d.certified_practitioners,
        0,
        10_000,
    );
    v.opt_text("operating_unit", d.operating_unit.as_deref(), 200);
    v.opt_text("notes", d.notes.as_deref(), 2000);
    v.finish()
}

/// Who runs this programme: its adoptions in every municipality that has the module on.
#[utoipa::path(
    operation_id = "evidence_list_programme_adoptions",
    tag = "evidence",
    params(
        ("id" = i64, Path, description = "The programme's id"),
        ProgrammeAdoptionQuery,
    ),
    responses(
        (status = 200, description = "Adoptions, by municipality name (ETag)", body = Page<AdoptionView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/programmes/{id}/adoptions")]
pub async fn of_programme(
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    q: Query<ProgrammeAdoptionQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let id = id.into_inner();
    let filter = AdoptionFilter {
        municipality_id: None,
        programme_id: Some(id),
        status: q.status.map(|s| s.as_str().to_owned()),
    };
    let (rows, total) = db
        .run(move |conn| {
            repo::find_programme(conn, id)?.ok_or_else(|| ApiError::not_found("programme"))?;
            Ok(repo::list_adoptions(conn, &filter, offset, limit)?)
        })
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(AdoptionView::from);
    json_with_etag(&req, &page)
}

/// The municipality's adoptions (public standing: programme, status, dates, capacity).
#[utoipa::path(
    operation_id = "evidence_list_adoptions",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug", example = "vordingborg"),
        AdoptionQuery,
    ),
    responses(
        (status = 200, description = "Adoptions, by programme name (ETag)", body = Page<AdoptionView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/municipalities/{municipality}/adoptions")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    slug: web::Path<String>,
    q: Query<AdoptionQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let (rows, total) = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let filter = AdoptionFilter {
                municipality_id: Some(scope.id()),
                programme_id: q.programme_id,
                status: q.status.map(|s| s.as_str().to_owned()),
            };
            Ok(repo::list_adoptions(conn, &filter, offset, limit)?)
        })
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(AdoptionView::from);
    json_with_etag(&req, &page)
}

fn csv_bytes(rows: Vec<AdoptionListing>) -> Result<Vec<u8>, ApiError> {
    let fail = |e: ::csv::Error| ApiError::internal(format!("csv: {e}"));
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "municipality",
        "programme_short_name",
        "programme_name",
        "status",
        "started_on",
        "ended_on",
        "yearly_capacity",
        "capacity_unit",
        "certified_practitioners",
        "operating_unit",
        "notes",
    ])
    .map_err(fail)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for l in rows {
        let a = l.adoption;
        w.write_record([
            a.id.to_string(),
            l.municipality_slug,
            l.programme_short_name,
            l.programme_name,
            a.status,
            opt(a.started_on.map(|d| d.to_string())),
            opt(a.ended_on.map(|d| d.to_string())),
            opt(a.yearly_capacity.map(|n| n.to_string())),
            opt(a.capacity_unit),
            opt(a.certified_practitioners.map(|n| n.to_string())),
            opt(a.operating_unit),
            opt(a.notes),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))
}

/// The municipality's adoptions as CSV (UTF-8, header row, at most 10,000 rows).
#[utoipa::path(
    operation_id = "evidence_export_adoptions_csv",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        CsvQuery,
    ),
    responses(
        (status = 200, description = "Adoptions as CSV (ETag)", content_type = "text/csv", body = String),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/municipalities/{municipality}/adoptions.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    slug: web::Path<String>,
    q: Query<CsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let rows = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let filter = AdoptionFilter {
                municipality_id: Some(scope.id()),
                programme_id: q.programme_id,
                status: q.status.map(|s| s.as_str().to_owned()),
            };
            Ok(repo::list_adoptions(conn, &filter, 0, CSV_MAX_ROWS - 1)?.0)
        })
        .await?;
    Ok(with_etag(&req, csv_bytes(rows)?, "text/csv; charset=utf-8"))
}

/// One adoption.
#[utoipa::path(
    operation_id = "evidence_get_adoption",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The adoption's id"),
    ),
    responses(
        (status = 200, description = "The adoption (ETag)", body = AdoptionView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/municipalities/{municipality}/adoptions/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let row = Scoped::anyone(slug, NAME)
        .read(&db, move |conn, scope| {
            repo::find_adoption_listing(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))
        })
        .await?;
    json_with_etag(&req, &AdoptionView::from(row))
}

/// Record that the municipality runs (or plans) a programme (editors). Each programme once.
#[utoipa::path(
    operation_id = "evidence_create_adoption",
    tag = "evidence",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = NewAdoption,
    responses((status = 201, description = "Created", body = AdoptionView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/adoptions")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewAdoption>,
) -> Result<HttpResponse, ApiError> {
    let listing = Scoped::new(who, slug.into_inner(), NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, |conn, scope, b| {
            let data = AdoptionData {
                programme_id: b.programme_id,
                status: b.status.as_str().to_owned(),
                started_on: b.started_on,
                ended_on: b.ended_on,
                yearly_capacity: b.yearly_capacity,
                capacity_unit: b.capacity_unit.map(|u| u.as_str().to_owned()),
                certified_practitioners: b.certified_practitioners,
                operating_unit: clean(b.operating_unit),
                notes: clean(b.notes),
            };
            validate(&data)?;
            if repo::find_programme(conn, data.programme_id)?.is_none() {
                return Err(ApiError::field(
                    "programme_id",
                    "unknown",
                    "no such programme",
                ));
            }
            let row = repo::insert_adoption(conn, scope.id(), &data)?;
            let listing = repo::find_adoption_listing(conn, scope.id(), row.id)?
                .ok_or_else(|| ApiError::internal("adoption vanished after insert"))?;
            let view = AdoptionView::from(listing.clone());
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(scope.id()),
                    action: "create",
                    object_type: "evidence_adoption",
                    object_id: Some(row.id),
                    details: serde_json::to_value(&view).unwrap_or_default(),
                },
            )?;
            Ok(listing)
        })
        .await?;
    let location = format!(
        "/api/v1/municipalities/{}/adoptions/{}",
        listing.municipality_slug, listing.adoption.id
    );
    Ok(created(location, &AdoptionView::from(listing)))
}

/// Change an adoption (editors). A capacity below the shares promised to partners is refused.
#[utoipa::path(
    operation_id = "evidence_update_adoption",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The adoption's id"),
    ),
    request_body = AdoptionPatch,
    responses((status = 200, description = "Updated", body = AdoptionView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/adoptions/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<AdoptionPatch>,
) -> Result<web::Json<AdoptionView>, ApiError> {
    let (slug, id) = path.into_inner();
    let listing = Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            let current = repo::lock_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let before = repo::find_adoption_listing(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let mut d = AdoptionData::from(&current);
            if let Some(s) = p.status {
                d.status = s.as_str().to_owned();
            }
            d.started_on = p.started_on.unwrap_or(d.started_on);
            d.ended_on = p.ended_on.unwrap_or(d.ended_on);
            d.yearly_capacity = p.yearly_capacity.unwrap_or(d.yearly_capacity);
            if let Some(u) = p.capacity_unit {
                d.capacity_unit = u.map(|u| u.as_str().to_owned());
            }
            d.certified_practitioners = p
                .certified_practitioners
                .unwrap_or(d.certified_practitioners);
            if let Some(u) = p.operating_unit {
                d.operating_unit = clean(u);
            }
            if let Some(n) = p.notes {
                d.notes = clean(n);
            }
            validate(&d)?;
            if d.yearly_capacity != current.yearly_capacity {
                let (peak, any_share) = repo::committed_peak(conn, scope.id(), id)?;
                let problem = match d.yearly_capacity {
                    None if any_share => Some(
                        "partners hold agreed shares of this adoption; it needs a capacity"
                            .to_owned(),
                    ),
                    Some(c) if i64::from(c) < peak => Some(format!(
                        "partners hold yearly shares of {peak}; the capacity cannot be less"
                    )),
                    _ => None,
                };
                if let Some(message) = problem {
                    return Err(ApiError::rule(
                        crate::codes::SHARES_EXCEED_CAPACITY,
                        "yearly_capacity",
                        message,
                    ));
                }
            }
            repo::update_adoption(conn, scope.id(), id, &d)?;
            let after = repo::find_adoption_listing(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(scope.id()),
                    action: "update",
                    object_type: "evidence_adoption",
                    object_id: Some(id),
                    details: diff(
                        &AdoptionView::from(before),
                        &AdoptionView::from(after.clone()),
                    ),
                },
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(listing.into()))
}

/// Remove an adoption and its figures (editors); refused while a partnership shares it.
#[utoipa::path(
    operation_id = "evidence_delete_adoption",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The adoption's id"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/adoptions/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write(&db, move |conn, scope| {
            let current = repo::lock_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            if repo::count_partnerships_on(conn, scope.id(), id)? > 0 {
                return Err(ApiError::conflict(
                    crate::codes::ADOPTION_SHARED,
                    "a partnership shares this adoption; it cannot be removed (set its status to ended)",
                ));
            }
            let figures = repo::delete_adoption(conn, scope.id(), id)?;
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(scope.id()),
                    action: "delete",
                    object_type: "evidence_adoption",
                    object_id: Some(id),
                    details: serde_json::json!({
                        "programme_id": current.programme_id,
                        "status": current.status,
                        "figures_removed": figures,
                    }),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
