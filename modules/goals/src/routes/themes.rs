//! Themes (platform-wide), computed indicators, and a municipality's units.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::json_with_etag;
use retning_kernel::indicators::{IndicatorInfo, IndicatorRegistry};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, DbConnection, Validator};

use crate::dto::*;
use crate::model::{ThemeRow, UnitRow};
use crate::repo;
use crate::schema::{themes, units};
use crate::{perm, NAME};

fn theme_views(rows: Vec<ThemeRow>) -> Vec<ThemeView> {
    let slugs: std::collections::HashMap<i64, String> =
        rows.iter().map(|r| (r.id, r.slug.clone())).collect();
    rows.into_iter()
        .map(|r| ThemeView {
            parent: r.parent_id.and_then(|p| slugs.get(&p).cloned()),
            slug: r.slug,
            name: r.name,
            description: r.description,
            kind: r.kind,
        })
        .collect()
}

pub(crate) fn theme_view(conn: &mut DbConnection, row: ThemeRow) -> Result<ThemeView, ApiError> {
    let parent = match row.parent_id {
        Some(p) => themes::table
            .find(p)
            .select(themes::slug)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    Ok(ThemeView {
        slug: row.slug,
        name: row.name,
        description: row.description,
        kind: row.kind,
        parent,
    })
}

fn valid_theme_slug(slug: &str) -> bool {
    (2..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The shared themes: KL's three pejlemærker and the finer themes under them.
#[utoipa::path(operation_id = "goals_list_themes", tag = "goals", responses((status = 200, description = "Themes (ETag)", body = Vec<ThemeView>)), security(()))]
#[get("/themes")]
pub async fn list(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let rows = db.run(|conn| Ok(repo::list_themes(conn)?)).await?;
    json_with_etag(&req, &theme_views(rows))
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
    let mut v = Validator::new();
    v.check(
        valid_theme_slug(&body.slug),
        "slug",
        "invalid",
        "must be 2-60 lower-case letters, digits or dashes",
    );
    v.text("name", &body.name, 200);
    v.opt_text("description", body.description.as_deref(), 2000);
    let kind = body.kind.clone().unwrap_or_else(|| "theme".to_owned());
    v.check(
        kind == "theme" || kind == "pejlemaerke",
        "kind",
        "invalid",
        "must be theme or pejlemaerke",
    );
    v.finish()?;
    let view = db
        .write(move |conn| {
            let parent_id = match &body.parent {
                Some(p) => Some(
                    repo::theme_by_slug(conn, p)?
                        .ok_or_else(|| {
                            ApiError::field("parent", "unknown_theme", "is not a theme")
                        })?
                        .id,
                ),
                None => None,
            };
            if repo::theme_by_slug(conn, &body.slug)?.is_some() {
                return Err(ApiError::rule(
                    crate::codes::THEME_EXISTS,
                    "slug",
                    "is already a theme",
                ));
            }
            let row = insert_theme(
                conn,
                &body.slug,
                body.name.trim(),
                body.description.as_deref(),
                &kind,
                parent_id,
            )?;
            audit::record(
                conn,
                &who,
                Change {
                    municipality_id: None,
                    action: "create",
                    object_type: "theme",
                    object_id: Some(row.id),
                    details: serde_json::json!({"slug": row.slug, "name": row.name}),
                },
            )?;
            theme_view(conn, row)
        })
        .await?;
    Ok(created(format!("/api/v1/themes/{}", view.slug), &view))
}

pub(crate) fn insert_theme(
    conn: &mut DbConnection,
    slug: &str,
    name: &str,
    description: Option<&str>,
    kind: &str,
    parent_id: Option<i64>,
) -> Result<ThemeRow, ApiError> {
    let now = retning_kernel::now();
    Ok(diesel::insert_into(themes::table)
        .values((
            themes::slug.eq(slug),
            themes::name.eq(name),
            themes::description.eq(description),
            themes::kind.eq(kind),
            themes::parent_id.eq(parent_id),
            themes::created_at.eq(now),
            themes::updated_at.eq(now),
        ))
        .returning(themes::all_columns)
        .get_result(conn)?)
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
    let mut v = Validator::new();
    if let Some(n) = &p.name {
        v.text("name", n, 200);
    }
    if let Some(Some(d)) = &p.description {
        v.opt_text("description", Some(d), 2000);
    }
    v.finish()?;
    let slug = slug.into_inner();
    let view = db
        .write(move |conn| {
            let cur = repo::theme_by_slug(conn, &slug)?.ok_or_else(|| ApiError::not_found("theme"))?;
            let row: ThemeRow = diesel::update(themes::table.find(cur.id))
                .set((
                    themes::name.eq(p.name.as_deref().map_or(cur.name.as_str(), str::trim)),
                    themes::description.eq(p.description.clone().unwrap_or(cur.description.clone())),
                    themes::updated_at.eq(retning_kernel::now()),
                ))
                .returning(themes::all_columns)
                .get_result(conn)?;
            audit::record(conn, &who, Change {
                municipality_id: None,
                action: "update",
                object_type: "theme",
                object_id: Some(row.id),
                details: serde_json::json!({"slug": row.slug, "before": {"name": cur.name}, "after": {"name": row.name}}),
            })?;
            theme_view(conn, row)
        })
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

fn unit_views(rows: Vec<UnitRow>) -> Vec<UnitView> {
    let keys: std::collections::HashMap<i64, String> =
        rows.iter().map(|r| (r.id, r.key.clone())).collect();
    rows.into_iter()
        .map(|r| UnitView {
            id: r.id,
            parent: r.parent_id.and_then(|p| keys.get(&p).cloned()),
            key: r.key,
            name: r.name,
            kind: r.kind,
        })
        .collect()
}

/// The municipality's organisational units (public: they are named in the strategies).
#[utoipa::path(
    operation_id = "goals_list_units",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug")),
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
    json_with_etag(&req, &unit_views(rows))
}

pub(crate) fn insert_unit(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: &str,
    name: &str,
    kind: &str,
    parent_id: Option<i64>,
) -> Result<UnitRow, ApiError> {
    Ok(diesel::insert_into(units::table)
        .values((
            units::municipality_id.eq(municipality_id),
            units::key.eq(key),
            units::name.eq(name),
            units::kind.eq(kind),
            units::parent_id.eq(parent_id),
            units::created_at.eq(retning_kernel::now()),
        ))
        .returning(units::all_columns)
        .get_result(conn)?)
}

/// Add a unit (editors).
#[utoipa::path(
    operation_id = "goals_create_unit",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug")),
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
            let mut v = Validator::new();
            v.check(
                valid_theme_slug(&body.key),
                "key",
                "invalid",
                "must be 2-60 lower-case letters, digits or dashes",
            );
            v.text("name", &body.name, 200);
            v.text("kind", &body.kind, 60);
            v.finish()?;
            let parent_id = body
                .parent
                .as_deref()
                .map(|p| repo::unit_id(conn, scope.id(), "parent", p))
                .transpose()?;
            let exists: i64 = units::table
                .filter(units::municipality_id.eq(scope.id()))
                .filter(units::key.eq(&body.key))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                return Err(ApiError::rule(
                    crate::codes::UNIT_EXISTS,
                    "key",
                    "is already a unit of this municipality",
                ));
            }
            let row = insert_unit(
                conn,
                scope.id(),
                &body.key,
                body.name.trim(),
                body.kind.trim(),
                parent_id,
            )?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "create",
                    object_type: "unit",
                    object_id: Some(row.id),
                    details: serde_json::json!({"key": row.key, "name": row.name}),
                },
            )?;
            Ok(UnitView {
                id: row.id,
                key: row.key,
                name: row.name,
                kind: row.kind,
                parent: body.parent,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
