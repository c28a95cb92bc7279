//! API keys for dashboards: random, shown once, stored hashed, scoped, revocable.

use actix_web::{delete, get, post, web, HttpResponse};
use retning_kernel::auth::{Authenticated, KeyScope};
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, NoFilter, Page};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Validator};

use super::dto::{ApiKeyView, CreatedApiKey, NewApiKey};
use super::{ops, perm, repo};

/// The municipality's API keys, without their secrets (admins).
#[utoipa::path(
    operation_id = "platform_list_api_keys",
    tag = "api-keys",
    params(MunicipalityPath, ListParams<retning_kernel::pagination::Unsorted>),
    responses((status = 200, description = "API keys, newest first", body = Page<ApiKeyView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/api-keys")]
pub async fn list(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<NoFilter>,
) -> Result<web::Json<Page<ApiKeyView>>, ApiError> {
    let page = Scoped::new(who, slug.into_inner(), super::NAME, perm::KEY_MANAGE)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let (rows, total) = repo::keys_page(conn, scope.id(), limit, offset)?;
            Ok(Page::from_offset(rows, offset, limit, Some(total)))
        })
        .await?;
    Ok(web::Json(page.map(ApiKeyView::from_row)))
}

/// Create an API key. The key is in this response only.
#[utoipa::path(
    operation_id = "platform_create_api_key",
    tag = "api-keys",
    params(MunicipalityPath),
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
        .write_body(&db, body, |conn, scope, body: NewApiKey| {
            let mut v = Validator::new();
            v.text("name", &body.name, 100);
            v.finish()?;
            let key_scope = body.scope.unwrap_or(KeyScope::Read);
            let (row, key) = ops::create_key(conn, &scope.who, scope.id(), &body.name, key_scope)?;
            Ok((
                scope.slug().to_owned(),
                CreatedApiKey {
                    view: ApiKeyView::from_row(row),
                    key,
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
    params(MunicipalityPath, ("id" = i64, Path, description = "The key's id")),
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
            ops::revoke_key(conn, &scope.who, scope.id(), id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
