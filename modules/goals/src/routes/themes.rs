//! Themes (platform-wide), computed indicators, and a municipality's units.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::indicators::{IndicatorInfo, IndicatorRegistry};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use retning_kernel::pagination::MunicipalityPath;

use crate::dto::*;
use crate::{ops, repo, views};
use crate::{perm, NAME};

/// The shared themes: KL's three pejlemærker and the finer themes under them.
#[utoipa::path(operation_id = "goals_list_themes", tag = "goals", responses((status = 200, description = "Themes (ETag)", body = Vec<ThemeView>)), security(()))]
#[get("/themes")]
pub async fn list(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let rows = db.run(|conn| Ok(repo::list_themes(conn)?)).await?;
    json_with_etag(&req, &views::theme_views(rows))
}

/// Add a theme (platform operator).
#[utoipa::path(operation_id = "goals_create_theme", tag = "goals", request_body = NewTheme, responses((status = 201, description = "Created", body = ThemeView)), security(("bearer" = [])))]
#[post("/themes")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    body: JsonBody<NewTheme>,
) -> Result<HttpResponse, ApiError> {
    let body = body.decode_for(&who, &perm::THEME_MANAGE)?;
    ops::validate_new_theme(&body)?;
    let view = db
        .write(move |conn| ops::create_theme(conn, &who, &body))
        .await?;
    Ok(created(format!("/api/v1/themes/{}", view.slug), &view))
}

/// Rename or describe a theme (platform operator); its slug never changes.
#[utoipa::path(
    operation_id = "goals_update_theme",
    tag = "goals",
    params(("slug" = String, Path, description = "The theme's slug")),
    request_body = ThemePatch,
    responses((status = 200, description = "Updated", body = ThemeView)),
    security(("bearer" = []))
)]
#[patch("/themes/{slug}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<ThemePatch>,
) -> Result<web::Json<ThemeView>, ApiError> {
    let p = body.decode_for(&who, &perm::THEME_MANAGE)?;
    ops::validate_theme_patch(&p)?;
    let slug = slug.into_inner();
    let view = db
        .write(move |conn| ops::update_theme(conn, &who, &slug, &p))
        .await?;
    Ok(web::Json(view))
}

/// The indicators other modules compute, for targets with `source = computed`.
#[utoipa::path(operation_id = "goals_list_indicators", tag = "goals", responses((status = 200, description = "Computed indicators", body = Vec<IndicatorInfo>)), security(()))]
#[get("/indicators")]
pub async fn indicators(
    req: HttpRequest,
    registry: web::Data<IndicatorRegistry>,
) -> Result<HttpResponse, ApiError> {
    json_with_etag(&req, &registry.list())
}

/// The municipality's organisational units (public: they are named in the strategies).
#[utoipa::path(
    operation_id = "goals_list_units",
    tag = "goals",
    params(MunicipalityPath),
    responses((status = 200, description = "Units (ETag)", body = Vec<UnitView>)),
    security(())
)]
#[get("/municipalities/{municipality}/units")]
pub async fn list_units(
    req: HttpRequest,
    db: web::Data<Db>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = Scoped::anyone(slug.into_inner(), NAME)
        .read(&db, |conn, scope| Ok(repo::list_units(conn, scope.id())?))
        .await?;
    json_with_etag(&req, &views::unit_views(rows))
}

/// Add a unit (editors).
#[utoipa::path(
    operation_id = "goals_create_unit",
    tag = "goals",
    params(MunicipalityPath),
    request_body = NewUnit,
    responses((status = 201, description = "Created", body = UnitView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/units")]
pub async fn create_unit(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewUnit>,
) -> Result<HttpResponse, ApiError> {
    let view = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, |conn, scope, body| {
            ops::create_unit(conn, scope, &body)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
