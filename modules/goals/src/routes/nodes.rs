//! Nodes of a strategy's tree: levels named by the municipality.

use actix_web::{delete, patch, post, web, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db};

use retning_kernel::pagination::MunicipalityPath;

use crate::dto::*;
use crate::ops;
use crate::{perm, NAME};

/// Add a node to a strategy's tree (editors).
#[utoipa::path(
    operation_id = "goals_create_node",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The strategy's id")),
    request_body = NewNode,
    responses((status = 201, description = "Created", body = NodeView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/strategies/{id}/nodes")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NewNode>,
) -> Result<HttpResponse, ApiError> {
    let (slug, strategy_id) = path.into_inner();
    let (view, slug) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            let view = ops::create_node(conn, scope, strategy_id, &body)?;
            Ok((view, scope.slug().to_owned()))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/nodes/{}", view.id),
        &view,
    ))
}

/// Change a node (editors); `themes` replaces its themes.
#[utoipa::path(
    operation_id = "goals_update_node",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The node's id")),
    request_body = NodePatch,
    responses((status = 200, description = "Updated", body = NodeView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/nodes/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<NodePatch>,
) -> Result<web::Json<NodeView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            ops::update_node(conn, scope, id, &p)
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove a node that has no children and no targets (editors).
#[utoipa::path(
    operation_id = "goals_delete_node",
    tag = "goals",
    params(MunicipalityPath, ("id" = i64, Path, description = "The node's id")),
    responses((status = 204, description = "Removed"), (status = 409, description = "The node has children or targets", body = retning_kernel::Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/nodes/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| ops::remove_node(conn, scope, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
