//! The policy level above the strategies: a council policy (Børne- og Ungepolitik) and its
//! objectives (målsætninger), which nodes of strategies serve (`serves` on a node).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use retning_kernel::auth::{Authenticated, Principal};
use retning_kernel::http::json_with_etag;
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use crate::dto::*;
use crate::ops::{self, sees_internal};
use crate::{perm, repo, views, NAME};

/// A municipality's policies with their objectives and the strategy nodes serving each:
/// public ones for everyone, internal ones for its own users.
#[utoipa::path(
    operation_id = "goals_list_policies",
    tag = "goals",
    params(MunicipalityPath),
    responses((status = 200, description = "Policies (ETag)", body = Vec<PolicyView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/policies")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let views = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, |conn, scope| {
            let internal = sees_internal(&scope.who, &scope.municipality);
            let rows = repo::policies_of(conn, scope.id(), internal)?;
            views::policy_views(conn, rows, scope.slug(), internal)
        })
        .await?;
    json_with_etag(&req, &views)
}

/// One policy.
#[utoipa::path(
    operation_id = "goals_get_policy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The policy's id")),
    responses((status = 200, description = "The policy (ETag)", body = PolicyView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/policies/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let internal = sees_internal(&scope.who, &scope.municipality);
            let row = repo::policy(conn, scope.id(), id, internal)?;
            views::policy_view(conn, row, scope.slug(), internal)
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Add a policy with its objectives (editors).
#[utoipa::path(
    operation_id = "goals_create_policy",
    tag = "goals",
    params(MunicipalityPath),
    request_body = NewPolicy,
    responses((status = 201, description = "Created", body = PolicyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/policies")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewPolicy>,
) -> Result<HttpResponse, ApiError> {
    let (view, slug) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, |conn, scope, body| {
            let view = ops::create_policy(conn, scope, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/policies/{}", view.id),
        &view,
    ))
}

/// Change a policy's own fields (editors); objectives are changed one by one.
#[utoipa::path(
    operation_id = "goals_update_policy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The policy's id")),
    request_body = PolicyPatch,
    responses((status = 200, description = "Updated", body = PolicyView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/policies/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<PolicyPatch>,
) -> Result<web::Json<PolicyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_policy(conn, scope, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove a policy whose objectives no node serves (editors).
#[utoipa::path(
    operation_id = "goals_delete_policy",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The policy's id")),
    responses((status = 204, description = "Removed"), (status = 409, description = "A node serves one of its objectives", body = retning_kernel::Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/policies/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| ops::remove_policy(conn, scope, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add an objective to a policy (editors); answers the policy.
#[utoipa::path(
    operation_id = "goals_create_objective",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The policy's id")),
    request_body = NewObjective,
    responses((status = 201, description = "Added; the policy", body = PolicyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/policies/{id}/objectives")]
pub async fn create_objective(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NewObjective>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (view, slug) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            let view = ops::add_objective(conn, scope, id, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/policies/{}", view.id),
        &view,
    ))
}

/// Change an objective (editors); answers its policy.
#[utoipa::path(
    operation_id = "goals_update_objective",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The objective's id")),
    request_body = ObjectivePatch,
    responses((status = 200, description = "Updated; the policy", body = PolicyView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/objectives/{id}")]
pub async fn update_objective(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<ObjectivePatch>,
) -> Result<web::Json<PolicyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_objective(conn, scope, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove an objective no node serves (editors).
#[utoipa::path(
    operation_id = "goals_delete_objective",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The objective's id")),
    responses((status = 204, description = "Removed"), (status = 409, description = "A node serves it", body = retning_kernel::Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/objectives/{id}")]
pub async fn remove_objective(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            ops::remove_objective(conn, scope, id).map(|_| ())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
