//! Nodes of a strategy's tree: levels named by the municipality.

use actix_web::{delete, patch, post, web, HttpResponse};
use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, DbConnection, Validator};

use crate::dto::*;
use crate::model::NodeRow;
use crate::ops::writable_strategy;
use crate::repo;
use crate::schema::{nodes, targets};
use crate::views::{self, Lookup};
use crate::{perm, NAME};

pub(crate) fn validate_node(
    v: &mut Validator,
    kind: &str,
    code: Option<&str>,
    title: &str,
    body: Option<&str>,
) {
    v.text("kind", kind, 60);
    v.opt_text("code", code, 30);
    v.text("title", title, 1000);
    v.opt_text("body", body, 20_000);
}

/// Inserts a node (shared by the API and the seed loader); the parent must be in the strategy.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_node(
    conn: &mut DbConnection,
    municipality_id: i64,
    strategy_id: i64,
    parent_id: Option<i64>,
    position: Option<i32>,
    input: &NewNode,
    unit_id: Option<i64>,
    theme_ids: &[i64],
) -> Result<NodeRow, ApiError> {
    if let Some(parent) = parent_id {
        let p = repo::node(conn, municipality_id, parent).map_err(|_| {
            ApiError::field(
                "parent_id",
                "unknown_node",
                "is not a node of this strategy",
            )
        })?;
        if p.strategy_id != strategy_id {
            return Err(ApiError::field(
                "parent_id",
                "unknown_node",
                "is not a node of this strategy",
            ));
        }
    }
    let position = match position {
        Some(p) => p,
        None => repo::next_node_position(conn, strategy_id, parent_id)?,
    };
    let now = retning_kernel::now();
    let row: NodeRow = diesel::insert_into(nodes::table)
        .values((
            nodes::municipality_id.eq(municipality_id),
            nodes::strategy_id.eq(strategy_id),
            nodes::parent_id.eq(parent_id),
            nodes::position.eq(position),
            nodes::kind.eq(input.kind.trim()),
            nodes::code.eq(&input.code),
            nodes::title.eq(input.title.trim()),
            nodes::body.eq(&input.body),
            nodes::unit_id.eq(unit_id),
            nodes::created_at.eq(now),
            nodes::updated_at.eq(now),
        ))
        .returning(nodes::all_columns)
        .get_result(conn)?;
    repo::set_node_themes(conn, municipality_id, row.id, theme_ids)?;
    Ok(row)
}

/// Add a node to a strategy's tree (editors).
#[utoipa::path(
    operation_id = "goals_create_node",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The strategy's id")),
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
            writable_strategy(conn, scope.id(), strategy_id)?;
            let mut v = Validator::new();
            validate_node(&mut v, &body.kind, body.code.as_deref(), &body.title, body.body.as_deref());
            v.finish()?;
            let unit_id = body.unit.as_deref().map(|k| repo::unit_id(conn, scope.id(), "unit", k)).transpose()?;
            let theme_ids = repo::theme_ids(conn, "themes", &body.themes)?;
            let row = insert_node(conn, scope.id(), strategy_id, body.parent_id, body.position, &body, unit_id, &theme_ids)?;
            audit::record(conn, &scope.who, Change {
                municipality_id: Some(scope.id()),
                action: "create",
                object_type: "node",
                object_id: Some(row.id),
                details: serde_json::json!({"strategy_id": strategy_id, "kind": row.kind, "title": row.title, "themes": body.themes}),
            })?;
            let lookup = Lookup::load(conn, &[scope.id()])?;
            let themes = repo::node_themes_of(conn, &[row.id])?;
            Ok((views::node_view(&row, &lookup, themes.get(&row.id)), scope.slug().to_owned()))
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
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The node's id")),
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
            let cur = repo::node(conn, scope.id(), id)?;
            writable_strategy(conn, scope.id(), cur.strategy_id)?;
            let kind = p.kind.clone().unwrap_or_else(|| cur.kind.clone());
            let code = p.code.clone().unwrap_or_else(|| cur.code.clone());
            let title = p.title.clone().unwrap_or_else(|| cur.title.clone());
            let body = p.body.clone().unwrap_or_else(|| cur.body.clone());
            let mut v = Validator::new();
            validate_node(&mut v, &kind, code.as_deref(), &title, body.as_deref());
            v.finish()?;
            let unit_id = match &p.unit {
                Some(Some(k)) => Some(repo::unit_id(conn, scope.id(), "unit", k)?),
                Some(None) => None,
                None => cur.unit_id,
            };
            let row: NodeRow = diesel::update(nodes::table.find(id))
                .set((
                    nodes::kind.eq(kind.trim()),
                    nodes::code.eq(&code),
                    nodes::title.eq(title.trim()),
                    nodes::body.eq(&body),
                    nodes::unit_id.eq(unit_id),
                    nodes::position.eq(p.position.unwrap_or(cur.position)),
                    nodes::updated_at.eq(retning_kernel::now()),
                ))
                .returning(nodes::all_columns)
                .get_result(conn)?;
            if let Some(themes) = &p.themes {
                let ids = repo::theme_ids(conn, "themes", themes)?;
                repo::set_node_themes(conn, scope.id(), id, &ids)?;
            }
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "update",
                    object_type: "node",
                    object_id: Some(id),
                    details: serde_json::json!({
                        "before": {"kind": cur.kind, "code": cur.code, "title": cur.title},
                        "after": {"kind": row.kind, "code": row.code, "title": row.title},
                        "themes": p.themes,
                    }),
                },
            )?;
            let lookup = Lookup::load(conn, &[scope.id()])?;
            let themes = repo::node_themes_of(conn, &[id])?;
            Ok(views::node_view(&row, &lookup, themes.get(&id)))
        })
        .await?;
    Ok(web::Json(view))
}

/// Remove a node that has no children and no targets (editors).
#[utoipa::path(
    operation_id = "goals_delete_node",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The node's id")),
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
        .write(&db, move |conn, scope| {
            let cur = repo::node(conn, scope.id(), id)?;
            writable_strategy(conn, scope.id(), cur.strategy_id)?;
            let children: i64 = nodes::table.filter(nodes::parent_id.eq(id)).count().get_result(conn)?;
            let own_targets: i64 = targets::table.filter(targets::node_id.eq(id)).count().get_result(conn)?;
            if children > 0 || own_targets > 0 {
                return Err(ApiError::conflict(
                    crate::codes::NODE_NOT_EMPTY,
                    format!("the node has {children} child node(s) and {own_targets} target(s); remove or move them first"),
                ));
            }
            repo::set_node_themes(conn, scope.id(), id, &[])?;
            diesel::delete(nodes::table.find(id)).execute(conn)?;
            audit::record(conn, &scope.who, Change {
                municipality_id: Some(scope.id()),
                action: "delete",
                object_type: "node",
                object_id: Some(id),
                details: serde_json::json!({"strategy_id": cur.strategy_id, "kind": cur.kind, "title": cur.title}),
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
