//! Request and response bodies of the platform module.

use retning_kernel::auth::{KeyScope, Role, UserRow};
use retning_kernel::tenancy::Municipality;
use retning_kernel::Timestamp;

use super::repo::KeyRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A municipality (kommune): the tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityView {
    pub id: i64,
    /// Lower-case name used in URLs (`vejle`).
    pub slug: String,
    /// The official three-digit municipality code (`630`).
    pub code: String,
    pub name: String,
    pub region: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl MunicipalityView {
    pub fn from_row(row: Municipality) -> Self {
        let Municipality {
            id,
            slug,
            code,
            name,
            region,
            created_at,
            updated_at,
        } = row;
        Self {
            id,
            slug,
            code,
            name,
            region,
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMunicipality {
    #[schema(
        example = "faxe",
        pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        min_length = 2,
        max_length = 40
    )]
    pub slug: String,
    #[schema(example = "320", pattern = "^[0-9]{3}$")]
    pub code: String,
    #[schema(example = "Faxe Kommune", min_length = 1, max_length = 120)]
    pub name: String,
    #[schema(example = "Region Sjælland", min_length = 1, max_length = 120)]
    pub region: String,
}

/// Only the fields present are changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityPatch {
    #[schema(pattern = "^[0-9]{3}$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    pub region: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleState {
    pub name: String,
    pub enabled: bool,
    /// Whether the operator may switch it off for a municipality.
    pub switchable: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleSwitch {
    pub enabled: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// The caller, as the credentials say.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user` or `api_key`.
    pub kind: String,
    pub id: i64,
    /// The username, or the API key's name.
    pub name: String,
    /// The municipality's slug (null for the platform operator).
    pub municipality: Option<String>,
    pub role: Option<Role>,
    pub scope: Option<KeyScope>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl UserView {
    pub fn from_row(row: UserRow) -> Self {
        let UserRow {
            id,
            municipality_id: _,
            username,
            password_hash: _,
            role,
            created_at,
            updated_at,
            disabled_at,
            token_version: _,
        } = row;
        Self {
            id,
            username,
            role,
            disabled: disabled_at.is_some(),
            created_at: Timestamp(created_at),
            updated_at: Timestamp(updated_at),
        }
    }
}

/// The roles a municipality's user can be given (the platform operator is not one of them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum MemberRole {
    Viewer,
    Editor,
    Admin,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(pattern = "^[A-Za-z0-9._@-]{2,64}$")]
    pub username: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12, max_length = 256)]
    pub password: String,
    /// `viewer`, `editor` or `admin`.
    #[schema(value_type = MemberRole)]
    pub role: Role,
}

/// Only the fields present are changed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(value_type = Option<MemberRole>)]
    pub role: Option<Role>,
    #[schema(format = Password, min_length = 12, max_length = 256)]
    pub password: Option<String>,
    /// A disabled user cannot log in (tokens already issued run out within their lifetime).
    pub disabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to recognise it by.
    pub prefix: String,
    pub scope: KeyScope,
    pub created_by: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl ApiKeyView {
    pub fn from_row(row: KeyRow) -> Self {
        let KeyRow {
            id,
            name,
            prefix,
            scope,
            created_by,
            created_at,
            revoked_at,
        } = row;
        Self {
            id,
            name,
            prefix,
            scope,
            created_by,
            created_at: Timestamp(created_at),
            revoked_at: revoked_at.map(Timestamp),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(example = "Dashboard i Power BI", min_length = 1, max_length = 100)]
    pub name: String,
    /// `read` (default) or `write`.
    pub scope: Option<KeyScope>,
}

/// The new key. `key` is shown only in this response; store it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// Send as `Authorization: Bearer <key>`.
    pub key: String,
}
