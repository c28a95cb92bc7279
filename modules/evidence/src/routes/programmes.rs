//! The programme catalogue: platform-wide, read by everyone, written by the operator.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::Page;
use retning_kernel::scope::{created, JsonBody};
use retning_kernel::{tenancy, ApiError, Db, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{check_range, clean, diff, page};
use crate::dto::{Grade, NewProgramme, ProgrammePatch, ProgrammeView};
use crate::model::ProgrammeData;
use crate::perm;
use crate::repo::{self, ProgrammeFilter, ProgrammeSort};

pub const MAX_AGE: i32 = 25;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only programmes serving this step of the standard staircase (1-6).
    #[param(minimum = 1, maximum = 6)]
    step: Option<i32>,
    /// Only programmes whose age range covers this age in years (a bound the catalogue does not
    /// state does not exclude).
    #[param(minimum = 0, maximum = 25)]
    age: Option<i32>,
    /// Only the programme with this short name.
    short_name: Option<String>,
    /// `name` (default), `short_name` or `id`; prefix `-` for descending.
    #[param(pattern = "^-?(name|short_name|id)$")]
    sort: Option<String>,
}

fn parse_sort(s: Option<&str>) -> Result<ProgrammeSort, ApiError> {
    Ok(match s {
        None | Some("name") => ProgrammeSort::Name,
        Some("-name") => ProgrammeSort::NameDesc,
        Some("short_name") => ProgrammeSort::ShortName,
        Some("-short_name") => ProgrammeSort::ShortNameDesc,
        Some("id") => ProgrammeSort::Id,
        Some("-id") => ProgrammeSort::IdDesc,
        Some(_) => {
            return Err(ApiError::field(
                "query.sort",
                "invalid",
                "must be name, short_name or id, optionally prefixed with -",
            ))
        }
    })
}

fn grade(g: Option<Grade>) -> Option<String> {
    g.map(|g| g.as_str().to_owned())
}

/// Checks a programme's whole state (after a PATCH is applied, too).
fn validate(d: &ProgrammeData) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        tenancy::valid_slug(&d.short_name),
        "short_name",
        "invalid",
        "must be 2-40 lower-case letters, digits or dashes (mst-can)",
    );
    v.text("name", &d.name, 200);
    v.opt_text("description", d.description.as_deref(), 4000);
    v.opt_text("target_group", d.target_group.as_deref(), 500);
    v.opt_text("age_note", d.age_note.as_deref(), 200);
    v.opt_text("typical_duration", d.typical_duration.as_deref(), 200);
    v.opt_text("source_reference", d.source_reference.as_deref(), 1000);
    check_range(&mut v, "age_min", d.age_min, 0, MAX_AGE);
    check_range(&mut v, "age_max", d.age_max, 0, MAX_AGE);
    if let (Some(min), Some(max)) = (d.age_min, d.age_max) {
        v.check(
            min <= max,
            "age_max",
            "before_min",
            "must not be below age_min",
        );
    }
    check_range(&mut v, "staircase_step", d.staircase_step, 1, 6);
    v.finish()
}

/// The catalogue of evidence programmes, filtered by staircase step or age.
#[utoipa::path(
    operation_id = "evidence_list_programmes",
    tag = "evidence",
    params(ProgrammeQuery),
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
    q: Query<ProgrammeQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let mut v = Validator::new();
    check_range(&mut v, "query.step", q.step, 1, 6);
    check_range(&mut v, "query.age", q.age, 0, MAX_AGE);
    v.finish()?;
    let filter = ProgrammeFilter {
        staircase_step: q.step,
        age: q.age,
        short_name: q.short_name,
        sort: parse_sort(q.sort.as_deref())?,
    };
    let (rows, total) = db
        .run(move |conn| Ok(repo::list_programmes(conn, &filter, offset, limit)?))
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(ProgrammeView::from);
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
    json_with_etag(&req, &ProgrammeView::from(row))
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
    let b = body.decode_for(&who, &perm::PROGRAMME_MANAGE)?;
    let grades = b.knowledge_declaration.unwrap_or_default();
    let data = ProgrammeData {
        short_name: b.short_name.trim().to_owned(),
        name: b.name.trim().to_owned(),
        description: clean(b.description),
        target_group: clean(b.target_group),
        age_min: b.age_min,
        age_max: b.age_max,
        age_note: clean(b.age_note),
        typical_duration: clean(b.typical_duration),
        staircase_step: b.staircase_step,
        grade_target_group: grade(grades.target_group),
        grade_method: grade(grades.method),
        grade_implementation: grade(grades.implementation),
        grade_effect: grade(grades.effect),
        grade_economy: grade(grades.economy),
        source_reference: clean(b.source_reference),
    };
    validate(&data)?;
    let row = db
        .write(move |conn| {
            let row = repo::insert_programme(conn, &data)?;
            let view = ProgrammeView::from(row.clone());
            retning_kernel::audit::record(
                conn,
                &who,
                retning_kernel::audit::Change {
                    municipality_id: None,
                    action: "create",
                    object_type: "evidence_programme",
                    object_id: Some(row.id),
                    details: serde_json::to_value(&view).unwrap_or_default(),
                },
            )?;
            Ok(row)
        })
        .await?;
    Ok(created(
        format!("/api/v1/programmes/{}", row.id),
        &ProgrammeView::from(row),
    ))
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
    let row = db
        .write(move |conn| {
            let current =
                repo::find_programme(conn, id)?.ok_or_else(|| ApiError::not_found("programme"))?;
            let mut d = ProgrammeData::from(current.clone());
            if let Some(s) = p.short_name {
                d.short_name = s.trim().to_owned();
            }
            if let Some(s) = p.name {
                d.name = s.trim().to_owned();
            }
            let text = |new: Option<Option<String>>, old: Option<String>| match new {
                Some(v) => clean(v),
                None => old,
            };
            d.description = text(p.description, d.description);
            d.target_group = text(p.target_group, d.target_group);
            d.age_note = text(p.age_note, d.age_note);
            d.typical_duration = text(p.typical_duration, d.typical_duration);
            d.source_reference = text(p.source_reference, d.source_reference);
            d.age_min = p.age_min.unwrap_or(d.age_min);
            d.age_max = p.age_max.unwrap_or(d.age_max);
            d.staircase_step = p.staircase_step.unwrap_or(d.staircase_step);
            if let Some(g) = p.knowledge_declaration {
                let set = |new: Option<Option<Grade>>, old: Option<String>| match new {
                    Some(v) => grade(v),
                    None => old,
                };
                d.grade_target_group = set(g.target_group, d.grade_target_group);
                d.grade_method = set(g.method, d.grade_method);
                d.grade_implementation = set(g.implementation, d.grade_implementation);
                d.grade_effect = set(g.effect, d.grade_effect);
                d.grade_economy = set(g.economy, d.grade_economy);
            }
            validate(&d)?;
            let row = repo::update_programme(conn, id, &d)?;
            retning_kernel::audit::record(
                conn,
                &who,
                retning_kernel::audit::Change {
                    municipality_id: None,
                    action: "update",
                    object_type: "evidence_programme",
                    object_id: Some(id),
                    details: diff(
                        &ProgrammeView::from(current),
                        &ProgrammeView::from(row.clone()),
                    ),
                },
            )?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
