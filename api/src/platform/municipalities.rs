//! Municipalities, their module switches, and their audit log.

use actix_web::{get, patch, post, put, web, HttpResponse};
use retning_kernel::audit::{self, AuditEntry, AuditFilter, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::Query;
use retning_kernel::pagination::{Cursor, Page, PageParams};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::tenancy::{self, Municipality};
use retning_kernel::{ApiError, Db, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ModuleState, ModuleSwitch, MunicipalityPatch, MunicipalityView, NewMunicipality};
use super::{perm, repo};
use retning_kernel::module::ModuleCatalog;

fn check_code(v: &mut Validator, code: &str) {
    v.check(
        code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()),
        "code",
        "invalid",
        "must be the three-digit municipality code",
    );
}

/// List municipalities, ordered by name.
#[utoipa::path(
    operation_id = "platform_list_municipalities",
    tag = "municipalities",
    params(PageParams),
    responses((status = 200, description = "Municipalities", body = Page<MunicipalityView>)),
    security(())
)]
#[get("/municipalities")]
pub async fn list(
    db: web::Data<Db>,
    page: Query<PageParams>,
) -> Result<web::Json<Page<MunicipalityView>>, ApiError> {
    let (limit, offset) = (page.0.limit()?, page.0.offset()?);
    let (rows, total) = db
        .run(move |conn| Ok(repo::municipalities_page(conn, limit, offset)?))
        .await?;
    Ok(web::Json(
        Page::from_offset(rows, offset, limit, Some(total)).map(MunicipalityView::from),
    ))
}

/// One municipality.
#[utoipa::path(
    operation_id = "platform_get_municipality",
    tag = "municipalities",
    params(("municipality" = String, Path, description = "The municipality's slug", example = "vejle")),
    responses((status = 200, description = "The municipality", body = MunicipalityView)),
    security(())
)]
#[get("/municipalities/{municipality}")]
pub async fn get(
    db: web::Data<Db>,
    slug: web::Path<String>,
) -> Result<web::Json<MunicipalityView>, ApiError> {
    let slug = slug.into_inner();
    let m = db
        .run(move |conn| {
            tenancy::find_by_slug(conn, &slug)?.ok_or_else(|| ApiError::not_found("municipality"))
        })
        .await?;
    Ok(web::Json(m.into()))
}

/// Add a municipality (platform operator).
#[utoipa::path(
    operation_id = "platform_create_municipality",
    tag = "municipalities",
    request_body = NewMunicipality,
    responses((status = 201, description = "Created", body = MunicipalityView)),
    security(("bearer" = []))
)]
#[post("/municipalities")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    body: JsonBody<NewMunicipality>,
) -> Result<HttpResponse, ApiError> {
    let body = body.decode_for(&who, &perm::MUNICIPALITY_MANAGE)?;
    let mut v = Validator::new();
    v.check(
        tenancy::valid_slug(&body.slug),
        "slug",
        "invalid",
        "must be 2-40 lower-case letters, digits or dashes",
    );
    check_code(&mut v, &body.code);
    v.text("name", &body.name, 120);
    v.text("region", &body.region, 120);
    v.finish()?;
    let m = db
        .write(move |conn| {
            let fields = repo::MunicipalityFields {
                code: &body.code,
                name: body.name.trim(),
                region: body.region.trim(),
            };
            let m: Municipality = repo::insert_municipality(conn, &body.slug, &fields)
                .map_err(|e| match ApiError::from(e) {
                    e if e.status().as_u16() == 409 => ApiError::conflict(super::codes::MUNICIPALITY_EXISTS, "a municipality with this slug or code exists"),
                    e => e,
                })?;
            audit::record(conn, &who, Change {
                municipality_id: Some(m.id),
                action: "create",
                object_type: "municipality",
                object_id: Some(m.id),
                details: serde_json::json!({"slug": m.slug, "code": m.code, "name": m.name, "region": m.region}),
            })?;
            Ok(m)
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{}", m.slug),
        &MunicipalityView::from(m),
    ))
}

/// Change a municipality's code, name or region (platform operator). The slug never changes.
#[utoipa::path(
    operation_id = "platform_update_municipality",
    tag = "municipalities",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = MunicipalityPatch,
    responses((status = 200, description = "Updated", body = MunicipalityView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<MunicipalityPatch>,
) -> Result<web::Json<MunicipalityView>, ApiError> {
    let body = body.decode_for(&who, &perm::MUNICIPALITY_MANAGE)?;
    let mut v = Validator::new();
    if let Some(code) = &body.code {
        check_code(&mut v, code);
    }
    if let Some(name) = &body.name {
        v.text("name", name, 120);
    }
    if let Some(region) = &body.region {
        v.text("region", region, 120);
    }
    v.finish()?;
    let slug = slug.into_inner();
    let m = db
        .write(move |conn| {
            let current = tenancy::find_by_slug(conn, &slug)?.ok_or_else(|| ApiError::not_found("municipality"))?;
            let fields = repo::MunicipalityFields {
                code: body.code.as_deref().unwrap_or(&current.code),
                name: body.name.as_deref().map_or(current.name.as_str(), str::trim),
                region: body.region.as_deref().map_or(current.region.as_str(), str::trim),
            };
            let m = repo::update_municipality(conn, current.id, &fields)?;
            audit::record(conn, &who, Change {
                municipality_id: Some(m.id),
                action: "update",
                object_type: "municipality",
                object_id: Some(m.id),
                details: serde_json::json!({
                    "before": {"code": current.code, "name": current.name, "region": current.region},
                    "after": {"code": m.code, "name": m.name, "region": m.region},
                }),
            })?;
            Ok(m)
        })
        .await?;
    Ok(web::Json(m.into()))
}

/// The modules and whether each is switched on for this municipality.
#[utoipa::path(
    operation_id = "platform_list_modules",
    tag = "municipalities",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    responses((status = 200, description = "Module states", body = Vec<ModuleState>)),
    security(())
)]
#[get("/municipalities/{municipality}/modules")]
pub async fn list_modules(
    db: web::Data<Db>,
    catalog: web::Data<ModuleCatalog>,
    slug: web::Path<String>,
) -> Result<web::Json<Vec<ModuleState>>, ApiError> {
    let slug = slug.into_inner();
    let disabled: Vec<String> = db
        .run(move |conn| {
            let m = tenancy::find_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::not_found("municipality"))?;
            Ok(repo::disabled_modules(conn, m.id)?)
        })
        .await?;
    Ok(web::Json(
        catalog
            .modules
            .iter()
            .map(|(name, switchable)| ModuleState {
                name: (*name).to_owned(),
                enabled: !disabled.iter().any(|d| d == name),
                switchable: *switchable,
            })
            .collect(),
    ))
}

/// Switch a module on or off for a municipality (platform operator). A switched-off module's
/// routes answer 404 for that municipality.
#[utoipa::path(
    operation_id = "platform_switch_module",
    tag = "municipalities",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("module" = String, Path, description = "The module's name", example = "goals"),
    ),
    request_body = ModuleSwitch,
    responses((status = 200, description = "The module's new state", body = ModuleState)),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/modules/{module}")]
pub async fn switch_module(
    db: web::Data<Db>,
    catalog: web::Data<ModuleCatalog>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, String)>,
    body: JsonBody<ModuleSwitch>,
) -> Result<web::Json<ModuleState>, ApiError> {
    let body = body.decode_for(&who, &perm::MODULE_SWITCH)?;
    let (slug, module) = path.into_inner();
    let Some((name, switchable)) = catalog.modules.iter().find(|(n, _)| *n == module).copied()
    else {
        return Err(ApiError::not_found("module"));
    };
    if !switchable {
        return Err(ApiError::rule(
            super::codes::MODULE_NOT_SWITCHABLE,
            "module",
            format!("{name} cannot be switched off"),
        ));
    }
    let enabled = body.enabled;
    db.write(move |conn| {
        let m = tenancy::find_by_slug(conn, &slug)?
            .ok_or_else(|| ApiError::not_found("municipality"))?;
        if repo::switch_module(conn, m.id, name, enabled)? {
            audit::record(
                conn,
                &who,
                Change {
                    municipality_id: Some(m.id),
                    action: if enabled { "enable" } else { "disable" },
                    object_type: "module",
                    object_id: None,
                    details: serde_json::json!({"module": name}),
                },
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(web::Json(ModuleState {
        name: name.to_owned(),
        enabled,
        switchable,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    cursor: Option<String>,
    /// Only changes of this object type (`strategy`, `user`, …).
    object_type: Option<String>,
    /// Only changes of this object (with `object_type`).
    object_id: Option<i64>,
    /// Only changes made by this username or API key name.
    actor: Option<String>,
    /// Only this action (`create`, `update`, …).
    action: Option<String>,
}

/// Who changed what in this municipality, newest first (admins).
#[utoipa::path(
    operation_id = "platform_list_audit",
    tag = "municipalities",
    params(("municipality" = String, Path, description = "The municipality's slug"), AuditQuery),
    responses((status = 200, description = "Audit entries, newest first", body = Page<AuditEntry>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/audit")]
pub async fn audit_log(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let q = q.0;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let (limit, before) = (page.limit()?, page.before_id()?);
    let filter = AuditFilter {
        object_type: q.object_type,
        object_id: q.object_id,
        actor_name: q.actor,
        action: q.action,
    };
    let mut rows = Scoped::new(who, slug.into_inner(), super::NAME, perm::AUDIT_READ)
        .read(&db, move |conn, scope| {
            Ok(audit::list(conn, scope.id(), &filter, before, limit + 1)?)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last().map(|r| Cursor::After(r.id).encode())
    } else {
        None
    };
    Ok(web::Json(Page {
        items: rows.into_iter().map(AuditEntry::from).collect(),
        next_cursor,
        total: None,
    }))
}
