//! API keys for dashboards: random, shown once, stored hashed, scoped, revocable.

use actix_web::{delete, get, post, web, HttpResponse};
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::auth::{self, Actor, KeyScope};
use retning_kernel::http::Query;
use retning_kernel::pagination::{Page, PageParams};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Timestamp, Validator};

use super::dto::{ApiKeyView, CreatedApiKey, NewApiKey};
use super::perm;
use super::repo::{self, KeyRow};

fn view((id, name, prefix, scope, created_by, created_at, revoked_at): KeyRow) -> ApiKeyView {
    ApiKeyView {
        id,
        name,
        prefix,
        scope: KeyScope::parse(&scope).unwrap_or(KeyScope::Read),
        created_by,
        created_at: Timestamp(created_at),
        revoked_at: revoked_at.map(Timestamp),
    }
}

/// The municipality's API keys, without their secrets (admins).
#[utoipa::path(
    operation_id = "platform_list_api_keys",
    tag = "api-keys",
    params(("municipality" = String, Path, description = "The municipality's slug"), PageParams),
    responses((status = 200, description = "API keys, newest first", body = Page<ApiKeyView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/api-keys")]
pub async fn list(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    page: Query<PageParams>,
) -> Result<web::Json<Page<ApiKeyView>>, ApiError> {
    let (limit, offset) = (page.0.limit()?, page.0.offset()?);
    let (rows, total) = Scoped::new(who, slug.into_inner(), super::NAME, perm::KEY_MANAGE)
        .read(&db, move |conn, scope| {
            Ok(repo::keys_page(conn, scope.id(), limit, offset)?)
        })
        .await?;
    Ok(web::Json(
        Page::from_offset(rows, offset, limit, Some(total)).map(view),
    ))
}

/// Create an API key. The key is in this response only.
#[utoipa::path(
    operation_id = "platform_create_api_key",
    tag = "api-keys",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = NewApiKey,
    responses((status = 201, description = "Created; `key` is shown only now", body = CreatedApiKey)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/api-keys")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewApiKey>,
) -> Result<HttpResponse, ApiError> {
    let (slug, new_key) = Scoped::new(who, slug.into_inner(), super::NAME, perm::KEY_MANAGE)
        .write_body(&db, body, |conn, call, body: NewApiKey| {
            let mut v = Validator::new();
            v.text("name", &body.name, 100);
            v.finish()?;
            let scope = body.scope.unwrap_or(KeyScope::Read);
            let (who, m) = (&call.who, &call.municipality);
            let created_by = match who.actor {
                Actor::User { id, .. } => Some(id),
                _ => None,
            };
            let (secret, prefix, hash) = auth::new_api_key();
            let row = repo::insert_key(
                conn,
                &repo::NewKey {
                    municipality_id: m.id,
                    name: body.name.trim(),
                    prefix: &prefix,
                    hash: &hash,
                    scope: scope.as_str(),
                    created_by,
                },
            )?;
            audit::record(
                conn,
                who,
                Change {
                    municipality_id: Some(m.id),
                    action: "create",
                    object_type: "api_key",
                    object_id: Some(row.0),
                    details: serde_json::json!({"name": row.1, "prefix": row.2, "scope": row.3}),
                },
            )?;
            Ok((
                m.slug.clone(),
                CreatedApiKey {
                    view: view(row),
                    key: secret,
                },
            ))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/api-keys/{}", new_key.view.id),
        &new_key,
    ))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(
    operation_id = "platform_revoke_api_key",
    tag = "api-keys",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The key's id"),
    ),
    responses((status = 204, description = "Revoked (or already revoked)")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/api-keys/{id}")]
pub async fn revoke(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    Scoped::new(who, slug, super::NAME, perm::KEY_MANAGE)
        .write(&db, move |conn, scope| {
            let (who, m) = (&scope.who, &scope.municipality);
            let revoked_at = repo::key_revoked_at(conn, m.id, id)?
                .ok_or_else(|| ApiError::not_found("API key"))?;
            if revoked_at.is_none() {
                repo::revoke_key(conn, id)?;
                audit::record(
                    conn,
                    who,
                    Change {
                        municipality_id: Some(m.id),
                        action: "revoke",
                        object_type: "api_key",
                        object_id: Some(id),
                        details: serde_json::json!({}),
                    },
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
