//! Municipalities, their module switches, and their audit log.

use actix_web::{get, patch, post, put, web, HttpResponse};
use retning_kernel::audit::{self, AuditEntry, AuditFilter};
use retning_kernel::auth::Authenticated;
use retning_kernel::module::ModuleCatalog;
use retning_kernel::pagination::{
    Cursor, ListParams, ListQuery, MunicipalityPath, NoFilter, Page, Unsorted,
};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{tenancy, ApiError, Db};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ModuleState, ModuleSwitch, MunicipalityPatch, MunicipalityView, NewMunicipality};
use super::{ops, perm, repo};

/// List municipalities, ordered by name.
#[utoipa::path(
    operation_id = "platform_list_municipalities",
    tag = "municipalities",
    params(ListParams<Unsorted>),
    responses((status = 200, description = "Municipalities", body = Page<MunicipalityView>)),
    security(())
)]
#[get("/municipalities")]
pub async fn list(
    db: web::Data<Db>,
    q: ListQuery<NoFilter>,
) -> Result<web::Json<Page<MunicipalityView>>, ApiError> {
    let q = q.public()?;
    let (limit, offset) = (q.page.limit()?, q.page.offset()?);
    let (rows, total) = db
        .run(move |conn| Ok(repo::municipalities_page(conn, limit, offset)?))
        .await?;
    Ok(web::Json(
        Page::from_offset(rows, offset, limit, Some(total)).map(MunicipalityView::from_row),
    ))
}

/// One municipality.
#[utoipa::path(
    operation_id = "platform_get_municipality",
    tag = "municipalities",
    params(MunicipalityPath),
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
    Ok(web::Json(MunicipalityView::from_row(m)))
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
    let m = db
        .write(move |conn| {
            let input = ops::MunicipalityInput {
                slug: &body.slug,
                code: &body.code,
                name: &body.name,
                region: &body.region,
            };
            ops::create_municipality(conn, &who, "create", &input)
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{}", m.slug),
        &MunicipalityView::from_row(m),
    ))
}

/// Change a municipality's code, name or region (platform operator). The slug never changes.
#[utoipa::path(
    operation_id = "platform_update_municipality",
    tag = "municipalities",
    params(MunicipalityPath),
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
    let slug = slug.into_inner();
    let m = db
        .write(move |conn| {
            let current = tenancy::find_by_slug(conn, &slug)?
                .ok_or_else(|| ApiError::not_found("municipality"))?;
            ops::update_municipality(
                conn,
                &who,
                current,
                body.code.as_deref(),
                body.name.as_deref(),
                body.region.as_deref(),
            )
        })
        .await?;
    Ok(web::Json(MunicipalityView::from_row(m)))
}

/// The modules and whether each is switched on for this municipality.
#[utoipa::path(
    operation_id = "platform_list_modules",
    tag = "municipalities",
    params(MunicipalityPath),
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
        MunicipalityPath,
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
        ops::switch_module(conn, &who, m.id, name, enabled)
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
    params(MunicipalityPath, ListParams<Unsorted>, AuditQuery),
    responses((status = 200, description = "Audit entries, newest first", body = Page<AuditEntry>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/audit")]
pub async fn audit_log(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let (mut rows, limit) = Scoped::new(who, slug.into_inner(), super::NAME, perm::AUDIT_READ)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, before) = (q.page.limit()?, q.page.before_id()?);
            let q = q.filter;
            let filter = AuditFilter {
                object_type: q.object_type,
                object_id: q.object_id,
                actor_name: q.actor,
                action: q.action,
            };
            Ok((
                audit::list(conn, scope.id(), &filter, before, limit + 1)?,
                limit,
            ))
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
