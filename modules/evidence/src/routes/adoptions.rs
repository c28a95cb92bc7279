//! Adoptions: which municipality runs which programme. Public standing, written by the
//! municipality's editors.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, CsvExport, Query};
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, Page, Unsorted};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::{
    AdoptionFilter, AdoptionPatch, AdoptionView, NewAdoption, ProgrammeAdoptionFilter,
};
use crate::model::AdoptionListing;
use crate::repo::{self, AdoptionSelection};
use crate::{ops, perm, NAME};

/// The most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;

/// Who runs this programme: its adoptions in every municipality that has the module on.
#[utoipa::path(
    operation_id = "evidence_list_programme_adoptions",
    tag = "evidence",
    params(
        ("id" = i64, Path, description = "The programme's id"),
        ListParams<Unsorted>,
        ProgrammeAdoptionFilter,
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
    q: ListQuery<ProgrammeAdoptionFilter>,
) -> Result<HttpResponse, ApiError> {
    let q = q.public()?;
    let (limit, offset) = (q.page.limit()?, q.page.offset()?);
    let id = id.into_inner();
    let filter = AdoptionSelection {
        municipality_id: None,
        programme_id: Some(id),
        status: q.filter.status,
    };
    let (rows, total) = db
        .run(move |conn| {
            repo::find_programme(conn, id)?.ok_or_else(|| ApiError::not_found("programme"))?;
            Ok(repo::list_adoptions(conn, &filter, offset, limit)?)
        })
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(AdoptionView::from_row);
    json_with_etag(&req, &page)
}

/// The municipality's adoptions (public standing: programme, status, dates, capacity).
#[utoipa::path(
    operation_id = "evidence_list_adoptions",
    tag = "evidence",
    params(
        MunicipalityPath,
        ListParams<Unsorted>,
        AdoptionFilter,
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
    q: ListQuery<AdoptionFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let filter = AdoptionSelection {
                municipality_id: Some(scope.id()),
                programme_id: q.filter.programme_id,
                status: q.filter.status,
            };
            let (rows, total) = repo::list_adoptions(conn, &filter, offset, limit)?;
            Ok(Page::from_offset(rows, offset, limit, Some(total)).map(AdoptionView::from_row))
        })
        .await?;
    json_with_etag(&req, &page)
}

fn csv_export(rows: Vec<AdoptionListing>) -> Result<CsvExport, ApiError> {
    let mut w = CsvExport::new([
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
    ])?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for l in rows {
        let a = l.adoption;
        w.row([
            a.id.to_string(),
            l.municipality_slug,
            l.programme_short_name,
            l.programme_name,
            a.status.to_string(),
            opt(a.started_on.map(|d| d.to_string())),
            opt(a.ended_on.map(|d| d.to_string())),
            opt(a.yearly_capacity.map(|n| n.to_string())),
            opt(a.capacity_unit.map(|u| u.to_string())),
            opt(a.certified_practitioners.map(|n| n.to_string())),
            opt(a.operating_unit),
            opt(a.notes),
        ])?;
    }
    Ok(w)
}

/// The municipality's adoptions as CSV (UTF-8, header row, at most 10,000 rows).
#[utoipa::path(
    operation_id = "evidence_export_adoptions_csv",
    tag = "evidence",
    params(
        MunicipalityPath,
        AdoptionFilter,
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
    q: Query<AdoptionFilter>,
) -> Result<HttpResponse, ApiError> {
    let rows = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let filter = AdoptionSelection {
                municipality_id: Some(scope.id()),
                programme_id: q.programme_id,
                status: q.status,
            };
            Ok(repo::list_adoptions(conn, &filter, 0, CSV_MAX_ROWS - 1)?.0)
        })
        .await?;
    csv_export(rows)?.respond(&req, "adoptions.csv")
}

/// One adoption.
#[utoipa::path(
    operation_id = "evidence_get_adoption",
    tag = "evidence",
    params(
        MunicipalityPath,
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
    json_with_etag(&req, &AdoptionView::from_row(row))
}

/// Record that the municipality runs (or plans) a programme (editors). Each programme once.
#[utoipa::path(
    operation_id = "evidence_create_adoption",
    tag = "evidence",
    params(MunicipalityPath),
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
    let view = Scoped::new(who, slug.into_inner(), NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, ops::create_adoption)
        .await?;
    let location = format!(
        "/api/v1/municipalities/{}/adoptions/{}",
        view.municipality.slug, view.id
    );
    Ok(created(location, &view))
}

/// Change an adoption (editors). A capacity below the shares promised to partners is refused.
#[utoipa::path(
    operation_id = "evidence_update_adoption",
    tag = "evidence",
    params(
        MunicipalityPath,
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
    let view = Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_adoption(conn, scope, id, p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove an adoption and its figures (editors); refused while a partnership shares it.
#[utoipa::path(
    operation_id = "evidence_delete_adoption",
    tag = "evidence",
    params(
        MunicipalityPath,
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
            ops::delete_adoption(conn, scope, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
