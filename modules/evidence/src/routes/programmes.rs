//! The programme catalogue: platform-wide, read by everyone, written by the operator.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::{ListParams, ListQuery, Page};
use retning_kernel::scope::{created, JsonBody};
use retning_kernel::{ApiError, Db};

use crate::dto::{NewProgramme, ProgrammeFilter, ProgrammePatch, ProgrammeSort, ProgrammeView};
use crate::{ops, perm, repo};

/// The catalogue of evidence programmes, filtered by staircase step or age.
#[utoipa::path(
    operation_id = "evidence_list_programmes",
    tag = "evidence",
    params(ListParams<ProgrammeSort>, ProgrammeFilter),
    responses(
        (status = 200, description = "Programmes (ETag)", body = Page<ProgrammeView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/programmes")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    q: ListQuery<ProgrammeFilter, ProgrammeSort>,
) -> Result<HttpResponse, ApiError> {
    let q = q.public()?;
    let (limit, offset) = (q.page.limit()?, q.page.offset()?);
    ops::check_programme_filter(&q.filter)?;
    let (rows, total) = db
        .run(move |conn| {
            Ok(repo::list_programmes(
                conn, &q.filter, q.sort, offset, limit,
            )?)
        })
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(ProgrammeView::from_row);
    json_with_etag(&req, &page)
}

/// One programme of the catalogue.
#[utoipa::path(
    operation_id = "evidence_get_programme",
    tag = "evidence",
    params(("id" = i64, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The programme (ETag)", body = ProgrammeView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/programmes/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = db
        .run(move |conn| {
            repo::find_programme(conn, id)?.ok_or_else(|| ApiError::not_found("programme"))
        })
        .await?;
    json_with_etag(&req, &ProgrammeView::from_row(row))
}

/// Add a programme to the catalogue (platform operator).
#[utoipa::path(
    operation_id = "evidence_create_programme",
    tag = "evidence",
    request_body = NewProgramme,
    responses((status = 201, description = "Created", body = ProgrammeView)),
    security(("bearer" = []))
)]
#[post("/programmes")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    body: JsonBody<NewProgramme>,
) -> Result<HttpResponse, ApiError> {
    let data = ops::new_programme(body.decode_for(&who, &perm::PROGRAMME_MANAGE)?)?;
    let view = db
        .write(move |conn| ops::create_programme(conn, &who, &data))
        .await?;
    Ok(created(format!("/api/v1/programmes/{}", view.id), &view))
}

/// Change a programme (platform operator). Absent fields stay; `null` clears.
#[utoipa::path(
    operation_id = "evidence_update_programme",
    tag = "evidence",
    params(("id" = i64, Path, description = "The programme's id")),
    request_body = ProgrammePatch,
    responses((status = 200, description = "Updated", body = ProgrammeView)),
    security(("bearer" = []))
)]
#[patch("/programmes/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    id: web::Path<i64>,
    body: JsonBody<ProgrammePatch>,
) -> Result<web::Json<ProgrammeView>, ApiError> {
    let p = body.decode_for(&who, &perm::PROGRAMME_MANAGE)?;
    let id = id.into_inner();
    let view = db
        .write(move |conn| ops::update_programme(conn, &who, id, p))
        .await?;
    Ok(web::Json(view))
}
