//! A municipality's users, managed by its admins (and the platform operator).

use actix_web::{get, patch, post, web, HttpResponse};
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::{self, AuthState, Authenticated, Role, UserRow};
use retning_kernel::http::Query;
use retning_kernel::pagination::{Page, PageParams};
use retning_kernel::scope::{created, JsonBody, Scope, Scoped};
use retning_kernel::{ApiError, Db, DbConnection, Principal, Timestamp, Validator};

use super::dto::{NewUser, UserPatch, UserView};
use super::{perm, repo};

fn view(u: UserRow) -> UserView {
    UserView {
        id: u.id,
        role: Role::parse(&u.role).unwrap_or(Role::Viewer),
        username: u.username,
        disabled: u.disabled_at.is_some(),
        created_at: Timestamp(u.created_at),
        updated_at: Timestamp(u.updated_at),
    }
}

pub fn valid_username(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

fn check_role(v: &mut Validator, role: Role) {
    v.check(
        role != Role::Operator,
        "role",
        "invalid",
        "must be viewer, editor or admin",
    );
}

fn operator_limited(what: &str) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        super::codes::OPERATOR_LIMITED,
        format!("the operator {what}; the municipality's admins manage its users"),
    )
}

/// Creates a user of a municipality; shared by the API and the CLI.
pub fn insert_user(
    conn: &mut DbConnection,
    who: &Principal,
    municipality_id: Option<i64>,
    username: &str,
    password_hash: &str,
    role: Role,
) -> Result<UserRow, ApiError> {
    let user =
        repo::insert_user(conn, municipality_id, username, password_hash, role).map_err(|e| {
            match ApiError::from(e) {
                e if e.status().as_u16() == 409 => {
                    ApiError::rule(super::codes::USERNAME_TAKEN, "username", "is already taken")
                }
                e => e,
            }
        })?;
    audit::record(
        conn,
        who,
        Change {
            municipality_id,
            action: "create",
            object_type: "user",
            object_id: Some(user.id),
            details: serde_json::json!({"username": user.username, "role": user.role}),
        },
    )?;
    Ok(user)
}

/// The municipality's users (admins, operator).
#[utoipa::path(
    operation_id = "platform_list_users",
    tag = "users",
    params(("municipality" = String, Path, description = "The municipality's slug"), PageParams),
    responses((status = 200, description = "Users, ordered by username", body = Page<UserView>)),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/users")]
pub async fn list(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    page: Query<PageParams>,
) -> Result<web::Json<Page<UserView>>, ApiError> {
    let (limit, offset) = (page.0.limit()?, page.0.offset()?);
    let (rows, total) = Scoped::new(who, slug.into_inner(), super::NAME, perm::USER_MANAGE)
        .read(&db, move |conn, scope| {
            Ok(repo::users_page(conn, scope.id(), limit, offset)?)
        })
        .await?;
    Ok(web::Json(
        Page::from_offset(rows, offset, limit, Some(total)).map(view),
    ))
}

/// Add a user to the municipality (admins). The operator may only create a municipality's first
/// admin, while it has no admin who is not disabled.
#[utoipa::path(
    operation_id = "platform_create_user",
    tag = "users",
    params(("municipality" = String, Path, description = "The municipality's slug")),
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
                return Err(operator_limited(
                    "may only create a municipality's first admin",
                ));
            }
            let mut v = Validator::new();
            v.check(
                valid_username(&body.username),
                "username",
                "invalid",
                "must be 2-64 letters, digits or . _ - @",
            );
            if let Some(problem) = auth::password_problem(&body.password) {
                v.add("password", "weak", problem);
            }
            check_role(&mut v, body.role);
            v.finish()?;
            let hash = auth::hash_password(&body.password)?;
            retning_kernel::write_transaction(conn, |conn| {
                // Checked inside the write so two operators cannot both create a "first" admin.
                if who.is_operator() && repo::has_enabled_admin(conn, m.id)? {
                    return Err(operator_limited(
                        "may only create a municipality's first admin",
                    ));
                }
                insert_user(conn, who, Some(m.id), &body.username, &hash, body.role)
            })
            .map(|u| (m.slug.clone(), u))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/users/{}", user.id),
        &view(user),
    ))
}

/// The operator may create a user only while the municipality has no admin (decided before the
/// body is read, like any other permission).
fn operator_only_while_no_admin(conn: &mut DbConnection, scope: &Scope) -> Result<(), ApiError> {
    if scope.who.is_operator() && repo::has_enabled_admin(conn, scope.id())? {
        return Err(operator_limited(
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
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The user's id"),
    ),
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
                return Err(operator_limited("may only disable a user"));
            }
            let mut v = Validator::new();
            if let Some(p) = body.password.as_deref().and_then(auth::password_problem) {
                v.add("password", "weak", p);
            }
            if let Some(role) = body.role {
                check_role(&mut v, role);
            }
            v.finish()?;
            let hash = body
                .password
                .as_deref()
                .map(auth::hash_password)
                .transpose()?;
            retning_kernel::write_transaction(conn, |conn| {
                let current =
                    repo::user(conn, m.id, id)?.ok_or_else(|| ApiError::not_found("user"))?;
                let now = retning_kernel::now();
                let disabled_at = match body.disabled {
                    Some(true) => current.disabled_at.or(Some(now)),
                    Some(false) => None,
                    None => current.disabled_at,
                };
                // A new password or disabling ends every token issued before.
                let revokes =
                    hash.is_some() || (disabled_at.is_some() && current.disabled_at.is_none());
                let token_version = current.token_version + i64::from(revokes);
                let role = match body.role {
                    Some(r) => r.as_str(),
                    None => current.role.as_str(),
                };
                let change = repo::UserChange {
                    role,
                    password_hash: hash.as_deref().unwrap_or(&current.password_hash),
                    disabled_at,
                    token_version,
                };
                let updated = repo::update_user(conn, id, &change)?;
                audit::record(
                    conn,
                    who,
                    Change {
                        municipality_id: Some(m.id),
                        action: "update",
                        object_type: "user",
                        object_id: Some(id),
                        details: serde_json::json!({
                            "role": {"before": current.role, "after": updated.role},
                            "password_changed": hash.is_some(),
                            "disabled": updated.disabled_at.is_some(),
                            "tokens_revoked": revokes,
                        }),
                    },
                )?;
                Ok(updated)
            })
        })
        .await?;
    auth_state.rights.forget(user.id);
    Ok(web::Json(view(user)))
}
