//! A municipality's users, managed by its admins (and the platform operator).

use actix_web::{get, patch, post, web, HttpResponse};
use retning_kernel::auth::{self, AuthState, Authenticated, Role};
use retning_kernel::pagination::{ListParams, ListQuery, MunicipalityPath, NoFilter, Page};
use retning_kernel::scope::{created, JsonBody, Scope, Scoped};
use retning_kernel::{ApiError, Db, DbConnection, Validator};

use super::dto::{NewUser, UserPatch, UserView};
use super::{ops, perm, repo};

/// The municipality's users (admins, operator).
#[utoipa::path(
    operation_id = "platform_list_users",
    tag = "users",
    params(MunicipalityPath, ListParams<retning_kernel::pagination::Unsorted>),
    responses((status = 200, description = "Users, ordered by username", body = Page<UserView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/users")]
pub async fn list(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    q: ListQuery<NoFilter>,
) -> Result<web::Json<Page<UserView>>, ApiError> {
    let page = Scoped::new(who, slug.into_inner(), super::NAME, perm::USER_MANAGE)
        .read(&db, move |conn, scope| {
            let q = q.open(scope)?;
            let (limit, offset) = (q.page.limit()?, q.page.offset()?);
            let (rows, total) = repo::users_page(conn, scope.id(), limit, offset)?;
            Ok(Page::from_offset(rows, offset, limit, Some(total)))
        })
        .await?;
    Ok(web::Json(page.map(UserView::from_row)))
}

/// Add a user to the municipality (admins). The operator may only create a municipality's first
/// admin, while it has no admin who is not disabled.
#[utoipa::path(
    operation_id = "platform_create_user",
    tag = "users",
    params(MunicipalityPath),
    request_body = NewUser,
    responses((status = 201, description = "Created", body = UserView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/users")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let (slug, user) = Scoped::new(who, slug.into_inner(), super::NAME, perm::USER_MANAGE)
        .guard(operator_only_while_no_admin)
        .run_body(&db, body, |conn, scope, body: NewUser| {
            let (who, m) = (&scope.who, &scope.municipality);
            if who.is_operator() && body.role != Role::Admin {
                return Err(ops::operator_limited(
                    "may only create a municipality's first admin",
                ));
            }
            let mut v = Validator::new();
            ops::check_username(&mut v, &body.username);
            ops::check_password(&mut v, &body.password);
            ops::check_role(&mut v, body.role);
            v.finish()?;
            // Hashing is slow: done before the write transaction takes the write lock.
            let hash = auth::hash_password(&body.password)?;
            retning_kernel::write_transaction(conn, |conn| {
                // Checked inside the write so two operators cannot both create a "first" admin.
                operator_only_while_no_admin(conn, scope)?;
                ops::create_user(conn, who, Some(m.id), &body.username, &hash, body.role)
            })
            .map(|u| (m.slug.clone(), u))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/users/{}", user.id),
        &UserView::from_row(user),
    ))
}

/// The operator may create a user only while the municipality has no admin (decided before the
/// body is read, like any other permission).
fn operator_only_while_no_admin(conn: &mut DbConnection, scope: &Scope) -> Result<(), ApiError> {
    if scope.who.is_operator() && repo::has_enabled_admin(conn, scope.id())? {
        return Err(ops::operator_limited(
            "may only create a municipality's first admin",
        ));
    }
    Ok(())
}

/// Change a user's role or password, or disable them (admins). The operator may only disable a
/// user (`{"disabled": true}`). A new password or disabling ends the user's tokens at once; a new
/// role applies to the user's next request.
#[utoipa::path(
    operation_id = "platform_update_user",
    tag = "users",
    params(MunicipalityPath, ("id" = i64, Path, description = "The user's id")),
    request_body = UserPatch,
    responses((status = 200, description = "Updated", body = UserView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/users/{id}")]
pub async fn update(
    db: web::Data<Db>,
    auth_state: web::Data<AuthState>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<UserPatch>,
) -> Result<web::Json<UserView>, ApiError> {
    let (slug, id) = path.into_inner();
    let user = Scoped::new(who, slug, super::NAME, perm::USER_MANAGE)
        .run_body(&db, body, move |conn, scope, body: UserPatch| {
            let (who, m) = (&scope.who, &scope.municipality);
            if who.is_operator()
                && (body.disabled != Some(true) || body.role.is_some() || body.password.is_some())
            {
                return Err(ops::operator_limited("may only disable a user"));
            }
            let mut v = Validator::new();
            if let Some(p) = body.password.as_deref() {
                ops::check_password(&mut v, p);
            }
            if let Some(role) = body.role {
                ops::check_role(&mut v, role);
            }
            v.finish()?;
            let update = ops::UserUpdate {
                role: body.role,
                password_hash: body
                    .password
                    .as_deref()
                    .map(auth::hash_password)
                    .transpose()?,
                disabled: body.disabled,
            };
            retning_kernel::write_transaction(conn, |conn| {
                ops::update_user(conn, who, m.id, id, &update)
            })
        })
        .await?;
    auth_state.rights.forget(user.id);
    Ok(web::Json(UserView::from_row(user)))
}
