//! The platform's rules and writes, shared by the routes, the seed and the CLI: each write checks
//! what the data must satisfy, runs its SQL through `repo`, and records one audit entry.

use actix_web::http::StatusCode;
use retning_kernel::audit::{record_change, Subject};
use retning_kernel::auth::{self, KeyScope, Role, UserRow};
use retning_kernel::tenancy::{self, Municipality};
use retning_kernel::{ApiError, DbConnection, Principal, Validator};
use serde::Serialize;

use super::codes;
use super::dto::{ApiKeyView, MunicipalityView, UserView};
use super::repo::{self, KeyRow};

// ---------------------------------------------------------------------------------------------
// Rules

pub fn valid_username(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

pub fn check_username(v: &mut Validator, name: &str) {
    v.check(
        valid_username(name),
        "username",
        "invalid",
        "must be 2-64 letters, digits or . _ - @",
    );
}

pub fn check_role(v: &mut Validator, role: Role) {
    v.check(
        role != Role::Operator,
        "role",
        "invalid",
        "must be viewer, editor or admin",
    );
}

pub fn check_password(v: &mut Validator, password: &str) {
    if let Some(problem) = auth::password_problem(password) {
        v.add("password", "weak", problem);
    }
}

pub fn check_code(v: &mut Validator, code: &str) {
    v.check(
        code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()),
        "code",
        "invalid",
        "must be the three-digit municipality code",
    );
}

pub fn operator_limited(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::OPERATOR_LIMITED,
        format!("the operator {what}; the municipality's admins manage its users"),
    )
}

// ---------------------------------------------------------------------------------------------
// Users

/// What the audit log keeps of a user: the view, and whether the password was set by the change
/// (never the hash) and the token generation (a bump ends every token issued before).
#[derive(Serialize)]
struct AuditedUser<'a> {
    #[serde(flatten)]
    view: &'a UserView,
    password_changed: bool,
    token_version: i64,
}

/// Creates a user of a municipality (or the operator, with none); shared by the API and the CLI.
pub fn create_user(
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
                e if e.status() == StatusCode::CONFLICT => {
                    ApiError::rule(codes::USERNAME_TAKEN, "username", "is already taken")
                }
                e => e,
            }
        })?;
    let view = UserView::from_row(user.clone());
    let municipalities: Vec<i64> = municipality_id.into_iter().collect();
    record_change(
        conn,
        who,
        "create",
        Subject {
            object_type: "user",
            object_id: Some(user.id),
            municipalities: &municipalities,
        },
        None,
        Some(&AuditedUser {
            view: &view,
            password_changed: true,
            token_version: user.token_version,
        }),
    )?;
    Ok(user)
}

/// The change asked of a user; `password_hash` is the new password, already hashed.
pub struct UserUpdate {
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
}

/// Changes a user of the municipality. A new password or disabling ends every token issued
/// before (the token version goes up).
pub fn update_user(
    conn: &mut DbConnection,
    who: &Principal,
    municipality_id: i64,
    id: i64,
    update: &UserUpdate,
) -> Result<UserRow, ApiError> {
    let current =
        repo::user(conn, municipality_id, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let disabled_at = match update.disabled {
        Some(true) => current.disabled_at.or(Some(retning_kernel::now())),
        Some(false) => None,
        None => current.disabled_at,
    };
    let revokes =
        update.password_hash.is_some() || (disabled_at.is_some() && current.disabled_at.is_none());
    let change = repo::UserChange {
        role: update.role.unwrap_or(current.role),
        password_hash: update
            .password_hash
            .as_deref()
            .unwrap_or(&current.password_hash),
        disabled_at,
        token_version: current.token_version + i64::from(revokes),
    };
    let updated = repo::update_user(conn, id, &change)?;
    let (before, after) = (
        UserView::from_row(current.clone()),
        UserView::from_row(updated.clone()),
    );
    record_change(
        conn,
        who,
        "update",
        Subject::of(&municipality_id, "user", id),
        Some(&AuditedUser {
            view: &before,
            password_changed: false,
            token_version: current.token_version,
        }),
        Some(&AuditedUser {
            view: &after,
            password_changed: update.password_hash.is_some(),
            token_version: updated.token_version,
        }),
    )?;
    Ok(updated)
}

// ---------------------------------------------------------------------------------------------
// API keys

/// Creates an API key; returns the key as stored and the secret, which is shown once.
pub fn create_key(
    conn: &mut DbConnection,
    who: &Principal,
    municipality_id: i64,
    name: &str,
    scope: KeyScope,
) -> Result<(KeyRow, String), ApiError> {
    let created_by = match who.actor {
        auth::Actor::User { id, .. } => Some(id),
        _ => None,
    };
    let (secret, prefix, hash) = auth::new_api_key();
    let row = repo::insert_key(
        conn,
        &repo::NewKey {
            municipality_id,
            name: name.trim(),
            prefix: &prefix,
            key_hash: &hash,
            scope,
            created_by,
            created_at: retning_kernel::now(),
        },
    )?;
    let view = ApiKeyView::from_row(row.clone());
    record_change(
        conn,
        who,
        "create",
        Subject::of(&municipality_id, "api_key", row.id),
        None,
        Some(&view),
    )?;
    Ok((row, secret))
}

/// Revokes a key of the municipality; revoking a revoked key changes (and records) nothing.
pub fn revoke_key(
    conn: &mut DbConnection,
    who: &Principal,
    municipality_id: i64,
    id: i64,
) -> Result<(), ApiError> {
    let current =
        repo::key(conn, municipality_id, id)?.ok_or_else(|| ApiError::not_found("API key"))?;
    if current.revoked_at.is_some() {
        return Ok(());
    }
    let revoked = repo::revoke_key(conn, id)?;
    record_change(
        conn,
        who,
        "revoke",
        Subject::of(&municipality_id, "api_key", id),
        Some(&ApiKeyView::from_row(current)),
        Some(&ApiKeyView::from_row(revoked)),
    )
}

// ---------------------------------------------------------------------------------------------
// Municipalities and module switches

/// A municipality's fields as the caller gave them; trimmed and checked here.
pub struct MunicipalityInput<'a> {
    pub slug: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub region: &'a str,
}

impl MunicipalityInput<'_> {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut v = Validator::new();
        v.check(
            tenancy::valid_slug(self.slug),
            "slug",
            "invalid",
            "must be 2-40 lower-case letters, digits or dashes",
        );
        check_code(&mut v, self.code);
        v.text("name", self.name, 120);
        v.text("region", self.region, 120);
        v.finish()
    }
}

/// Adds a municipality. `action` is `create` (the API) or `seed` (the seed files).
pub fn create_municipality(
    conn: &mut DbConnection,
    who: &Principal,
    action: &str,
    input: &MunicipalityInput<'_>,
) -> Result<Municipality, ApiError> {
    input.check()?;
    let fields = repo::MunicipalityFields {
        code: input.code,
        name: input.name.trim(),
        region: input.region.trim(),
    };
    let m =
        repo::insert_municipality(conn, input.slug, &fields).map_err(|e| {
            match ApiError::from(e) {
                e if e.status() == StatusCode::CONFLICT => ApiError::conflict(
                    codes::MUNICIPALITY_EXISTS,
                    "a municipality with this slug or code exists",
                ),
                e => e,
            }
        })?;
    record_change(
        conn,
        who,
        action,
        Subject::of(&m.id, "municipality", m.id),
        None,
        Some(&MunicipalityView::from_row(m.clone())),
    )?;
    Ok(m)
}

/// Changes a municipality's code, name or region (the slug never changes).
pub fn update_municipality(
    conn: &mut DbConnection,
    who: &Principal,
    current: Municipality,
    code: Option<&str>,
    name: Option<&str>,
    region: Option<&str>,
) -> Result<Municipality, ApiError> {
    let mut v = Validator::new();
    if let Some(code) = code {
        check_code(&mut v, code);
    }
    if let Some(name) = name {
        v.text("name", name, 120);
    }
    if let Some(region) = region {
        v.text("region", region, 120);
    }
    v.finish()?;
    let fields = repo::MunicipalityFields {
        code: code.unwrap_or(&current.code),
        name: name.map_or(current.name.as_str(), str::trim),
        region: region.map_or(current.region.as_str(), str::trim),
    };
    let m = repo::update_municipality(conn, current.id, &fields)?;
    record_change(
        conn,
        who,
        "update",
        Subject::of(&m.id, "municipality", m.id),
        Some(&MunicipalityView::from_row(current)),
        Some(&MunicipalityView::from_row(m.clone())),
    )?;
    Ok(m)
}

/// Switches a module on or off; records a change only when the state changed.
pub fn switch_module(
    conn: &mut DbConnection,
    who: &Principal,
    municipality_id: i64,
    module: &str,
    enabled: bool,
) -> Result<(), ApiError> {
    if repo::switch_module(conn, municipality_id, module, enabled)? {
        record_change(
            conn,
            who,
            if enabled { "enable" } else { "disable" },
            Subject {
                object_type: "module",
                object_id: None,
                municipalities: std::slice::from_ref(&municipality_id),
            },
            // Kept as `{"<module>": {"before": on, "after": on}}`: the module names itself.
            Some(&std::collections::BTreeMap::from([(module, !enabled)])),
            Some(&std::collections::BTreeMap::from([(module, enabled)])),
        )?;
    }
    Ok(())
}
