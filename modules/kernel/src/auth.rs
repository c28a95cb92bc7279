//! Who is calling, and what they may do.
//!
//! Credentials decide what may be done; the path's municipality decides whose data is addressed.
//! Every handler states its permission through [`Principal::require`]; nothing is allowed by
//! default.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use diesel::prelude::*;
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::ApiError;
use crate::schema::{api_keys, users};

crate::text_enum! {
    /// A user's role in their municipality; `operator` is the platform operator, who belongs to
    /// none. Ordered from least to most.
    pub enum Role {
        Viewer = "viewer",
        Editor = "editor",
        Admin = "admin",
        Operator = "operator",
    }
}

crate::text_enum! {
    /// What an API key may do: `read` keys read, `write` keys also do what an editor does.
    /// Keys never manage users, keys or modules.
    pub enum KeyScope {
        Read = "read",
        Write = "write",
    }
}

/// A named permission, declared by the module that checks it.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    pub name: &'static str,
    pub description: &'static str,
    /// The least role of a member of the addressed municipality; `None`: members never.
    pub member_role: Option<Role>,
    /// The least API key scope; `None`: keys never.
    pub key_scope: Option<KeyScope>,
    /// Whether the platform operator has it (in any municipality).
    pub operator: bool,
}

impl Permission {
    pub const fn read(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            member_role: Some(Role::Viewer),
            key_scope: Some(KeyScope::Read),
            operator: false,
        }
    }
    pub const fn write(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            member_role: Some(Role::Editor),
            key_scope: Some(KeyScope::Write),
            operator: false,
        }
    }
    pub const fn admin(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            member_role: Some(Role::Admin),
            key_scope: None,
            operator: false,
        }
    }
    pub const fn operator(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            member_role: None,
            key_scope: None,
            operator: true,
        }
    }
    pub const fn and_operator(mut self) -> Self {
        self.operator = true;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    /// The server itself (seeding, migrations of data).
    System,
    User {
        id: i64,
        username: String,
    },
    ApiKey {
        id: i64,
        name: String,
    },
}

/// The caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    /// The municipality the user or key belongs to (none for the operator and anonymous callers).
    pub municipality_id: Option<i64>,
    pub role: Option<Role>,
    pub key_scope: Option<KeyScope>,
    /// Captured at extraction so that audit rows written off the async task still carry it.
    pub request_id: Option<String>,
}

impl Principal {
    pub fn anonymous() -> Self {
        Self {
            actor: Actor::Anonymous,
            municipality_id: None,
            role: None,
            key_scope: None,
            request_id: crate::request_id::current(),
        }
    }

    /// The server acting on its own (seed loading); has no permissions.
    pub fn system() -> Self {
        Self {
            actor: Actor::System,
            municipality_id: None,
            role: None,
            key_scope: None,
            request_id: None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self.actor, Actor::Anonymous | Actor::System)
    }

    pub fn is_operator(&self) -> bool {
        self.role == Some(Role::Operator)
    }

    /// Belongs to this municipality (user of any role, or key of any scope).
    pub fn is_member(&self, municipality_id: i64) -> bool {
        !self.is_anonymous() && self.municipality_id == Some(municipality_id)
    }

    /// Checks a permission against the addressed municipality (`None` for platform-wide actions).
    ///
    /// Anonymous: 401. Outsiders to a municipality's private resources: 404, exactly as if the
    /// resource did not exist. Members lacking the role or key scope, and anyone lacking a
    /// platform permission: 403.
    pub fn require(
        &self,
        permission: &Permission,
        municipality_id: Option<i64>,
    ) -> Result<(), ApiError> {
        if self.is_anonymous() {
            return Err(ApiError::unauthorized(
                crate::codes::AUTH_REQUIRED,
                "this action needs a bearer token or API key",
            ));
        }
        if self.is_operator() {
            if permission.operator {
                return Ok(());
            }
            return Err(match municipality_id {
                Some(_) => ApiError::not_found("resource"),
                None => ApiError::forbidden(format!(
                    "the operator lacks permission {}",
                    permission.name
                )),
            });
        }
        let Some(target) = municipality_id else {
            return Err(ApiError::forbidden(format!(
                "permission {} is the platform operator's",
                permission.name
            )));
        };
        if !self.is_member(target) {
            return Err(ApiError::not_found("resource"));
        }
        let allowed = match (&self.actor, self.role, self.key_scope) {
            (Actor::User { .. }, Some(role), _) => permission
                .member_role
                .is_some_and(|min| role >= min && role != Role::Operator),
            (Actor::ApiKey { .. }, _, Some(scope)) => {
                permission.key_scope.is_some_and(|min| scope >= min)
            }
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "missing permission {}",
                permission.name
            )))
        }
    }

    /// Whether [`Principal::require`] would let the caller through: for reads anyone may make
    /// that show some callers more (internal strategies, exact figures).
    pub fn may(&self, permission: &Permission, municipality_id: Option<i64>) -> bool {
        self.require(permission, municipality_id).is_ok()
    }

    pub fn actor_kind(&self) -> &'static str {
        match self.actor {
            Actor::Anonymous => "anonymous",
            Actor::System => "system",
            Actor::User { .. } => "user",
            Actor::ApiKey { .. } => "api_key",
        }
    }
    pub fn actor_id(&self) -> Option<i64> {
        match self.actor {
            Actor::Anonymous | Actor::System => None,
            Actor::User { id, .. } | Actor::ApiKey { id, .. } => Some(id),
        }
    }
    pub fn actor_name(&self) -> &str {
        match &self.actor {
            Actor::Anonymous => "anonymous",
            Actor::System => "system",
            Actor::User { username, .. } => username,
            Actor::ApiKey { name, .. } => name,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Passwords

fn argon2() -> Argon2<'static> {
    // OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hash: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Verifies against a hash of a random password, so that an unknown user costs what a wrong
/// password costs.
pub fn burn_password_check(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| {
        hash_password(&hex::encode(rand::random::<[u8; 16]>())).unwrap_or_default()
    });
    let _ = verify_password(password, hash);
}

/// Checks a new password's shape; returns the field error message if refused.
pub fn password_problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Some(format!("must be at least {MIN_PASSWORD_LEN} characters"))
    } else if n > MAX_PASSWORD_LEN {
        Some(format!("must be at most {MAX_PASSWORD_LEN} characters"))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Not before: the issue time.
    #[serde(default)]
    pub nbf: i64,
    /// The user's token version when the token was issued; a token of an older version is
    /// refused (the password was changed or the user disabled since).
    #[serde(default)]
    pub ver: i64,
    /// The municipality's slug (absent for the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality_id: Option<i64>,
    pub role: Role,
    pub username: String,
}

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
const LEEWAY_SECS: u32 = 5;

/// Signing and verifying keys for access tokens (HS256).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
}

impl TokenKeys {
    pub const MIN_SECRET_LEN: usize = 32;

    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Result<Self, String> {
        if secret.len() < Self::MIN_SECRET_LEN {
            return Err(format!(
                "the signing secret must be at least {} bytes",
                Self::MIN_SECRET_LEN
            ));
        }
        // The key id names the key without revealing it, so tokens can be matched to a key
        // when secrets rotate.
        let kid = hex::encode(&Sha256::digest(secret)[..8]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            kid,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn issue(&self, user: &TokenSubject) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.user_id.to_string(),
            iat: now,
            nbf: now,
            ver: user.token_version,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(900),
            municipality: user.municipality_slug.clone(),
            municipality_id: user.municipality_id,
            role: user.role,
            username: user.username.clone(),
        };
        let mut header = Header::new(JwtAlg::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("jwt: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(JwtAlg::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = u64::from(LEEWAY_SECS);
        validation.validate_nbf = true;
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::ExpiredSignature => ApiError::unauthorized(
                        crate::codes::TOKEN_EXPIRED,
                        "the access token has expired",
                    ),
                    _ => ApiError::unauthorized(
                        crate::codes::INVALID_TOKEN,
                        "the access token is not valid",
                    ),
                }
            })?;
        // Issued in the future (beyond the same leeway): a forged or mis-clocked token.
        if data.claims.iat > chrono::Utc::now().timestamp() + i64::from(LEEWAY_SECS) {
            return Err(ApiError::unauthorized(
                crate::codes::INVALID_TOKEN,
                "the access token is not valid",
            ));
        }
        if data.header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(ApiError::unauthorized(
                crate::codes::INVALID_TOKEN,
                "the access token is not valid",
            ));
        }
        Ok(data.claims)
    }
}

pub struct TokenSubject {
    pub user_id: i64,
    pub username: String,
    pub municipality_id: Option<i64>,
    pub municipality_slug: Option<String>,
    pub role: Role,
    pub token_version: i64,
}

// ---------------------------------------------------------------------------------------------
// API keys

pub const API_KEY_PREFIX: &str = "rtn_";

/// Compares two secrets in time that depends on neither (their digests are compared byte by
/// byte without stopping early).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

/// The header that carries an API key as an alternative to `Authorization: Bearer <key>`.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A new random key: what is shown once, its display prefix, and the hash that is stored.
/// A fast hash suffices: the key has 256 bits of entropy, so there is nothing to brute-force.
pub fn new_api_key() -> (String, String, String) {
    let secret = format!(
        "{API_KEY_PREFIX}{}",
        hex::encode(rand::random::<[u8; 32]>())
    );
    let prefix = secret.chars().take(API_KEY_PREFIX.len() + 8).collect();
    let hash = hash_api_key(&secret);
    (secret, prefix, hash)
}

pub fn hash_api_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// The extractor

/// What the [`Principal`] extractor needs: token keys, the database (for the caller's current
/// rights and for API keys) and the short-lived cache of users' rights.
#[derive(Clone)]
pub struct AuthState {
    pub keys: Arc<TokenKeys>,
    pub db: Db,
    pub rights: Arc<RightsCache>,
}

/// A user's rights as the database holds them now. A token names its user; what the user may
/// do is read from here on every request, so a demoted, disabled or re-passworded user's old
/// token stops carrying the old rights.
#[derive(Debug, Clone)]
pub struct UserRights {
    pub username: String,
    pub municipality_id: Option<i64>,
    pub role: Role,
    pub token_version: i64,
    pub disabled: bool,
}

impl UserRights {
    /// The user's rights now; `None` if the user no longer exists.
    pub fn load(conn: &mut crate::DbConnection, user_id: i64) -> Result<Option<Self>, ApiError> {
        let row = users::table
            .find(user_id)
            .select((
                users::username,
                users::municipality_id,
                users::role,
                users::token_version,
                users::disabled_at.is_not_null(),
            ))
            .first::<(String, Option<i64>, Role, i64, bool)>(conn)
            .optional()?;
        Ok(row.map(
            |(username, municipality_id, role, token_version, disabled)| UserRights {
                username,
                municipality_id,
                role,
                token_version,
                disabled,
            },
        ))
    }
}

/// Users' rights kept for at most `ttl` (`auth.rights_cache_seconds`), so that a burst of
/// requests costs one lookup. A change made through this process is forgotten at once
/// ([`RightsCache::forget`]); a change made by another server sharing the database takes
/// effect within `ttl`. A zero `ttl` reads the database on every request.
pub struct RightsCache {
    ttl: Duration,
    entries: Mutex<HashMap<i64, (Instant, Option<UserRights>)>>,
}

impl RightsCache {
    /// Entries kept at most; beyond it the cache is emptied (it refills from the database).
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, Option<UserRights>)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached rights of a user: `None` when not cached or stale; `Some(None)` when the user
    /// was found not to exist.
    fn get(&self, user_id: i64) -> Option<Option<UserRights>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.lock();
        let (at, rights) = entries.get(&user_id)?;
        (at.elapsed() < self.ttl).then(|| rights.clone())
    }

    fn put(&self, user_id: i64, rights: Option<UserRights>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(user_id, (Instant::now(), rights));
    }

    /// Drops a user's cached rights; call after changing the user's role, password or state.
    pub fn forget(&self, user_id: i64) {
        self.lock().remove(&user_id);
    }
}

fn token_revoked() -> ApiError {
    ApiError::unauthorized(
        crate::codes::TOKEN_REVOKED,
        "the access token no longer holds: the user was disabled, removed or given a new password; sign in again",
    )
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AuthState>>().cloned();
        let header_value = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned));
        let key_header = req
            .headers()
            .get(API_KEY_HEADER)
            .map(|v| v.to_str().map(|s| s.trim().to_owned()));
        let request_id = crate::request_id::current();
        Box::pin(async move {
            let token = match (header_value, key_header) {
                (None, None) => {
                    return Ok(Principal {
                        request_id,
                        ..Principal::anonymous()
                    })
                }
                (Some(_), Some(_)) => {
                    return Err(ApiError::unauthorized(
                        crate::codes::INVALID_TOKEN,
                        "send credentials in one header: 'Authorization: Bearer <token>' or 'X-API-Key: <key>', not both",
                    ))
                }
                (None, Some(key)) => key.ok().filter(|k| k.starts_with(API_KEY_PREFIX)).ok_or_else(|| {
                    ApiError::unauthorized(
                        crate::codes::INVALID_API_KEY,
                        "the X-API-Key header takes an API key (rtn_…); access tokens go in 'Authorization: Bearer <token>'",
                    )
                })?,
                (Some(value), None) => {
                    let value = value.map_err(|_| {
                        ApiError::unauthorized(
                            crate::codes::INVALID_TOKEN,
                            "malformed Authorization header",
                        )
                    })?;
                    value
                        .strip_prefix("Bearer ")
                        .or_else(|| value.strip_prefix("bearer "))
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| {
                            ApiError::unauthorized(
                                crate::codes::INVALID_TOKEN,
                                "expected 'Authorization: Bearer <token>'",
                            )
                        })?
                        .to_owned()
                }
            };
            let token = token.as_str();
            let state =
                state.ok_or_else(|| ApiError::internal("AuthState missing from app data"))?;
            if token.starts_with(API_KEY_PREFIX) {
                let hash = hash_api_key(token);
                let found = state
                    .db
                    .run(move |conn| {
                        // The key names its municipality only once it is found.
                        crate::db::scope_to_platform(conn)?;
                        Ok(api_keys::table
                            .filter(api_keys::key_hash.eq(hash))
                            .filter(api_keys::revoked_at.is_null())
                            .select((
                                api_keys::id,
                                api_keys::name,
                                api_keys::municipality_id,
                                api_keys::scope,
                            ))
                            .first::<(i64, String, i64, KeyScope)>(conn)
                            .optional()?)
                    })
                    .await?;
                let (id, name, municipality_id, scope) = found.ok_or_else(|| {
                    ApiError::unauthorized(
                        crate::codes::INVALID_API_KEY,
                        "the API key is unknown or revoked",
                    )
                })?;
                return Ok(Principal {
                    actor: Actor::ApiKey { id, name },
                    municipality_id: Some(municipality_id),
                    role: None,
                    key_scope: Some(scope),
                    request_id,
                });
            }
            let claims = state.keys.verify(token)?;
            let id = claims.sub.parse::<i64>().map_err(|_| {
                ApiError::unauthorized(crate::codes::INVALID_TOKEN, "the access token is not valid")
            })?;
            // The token says who; the database says what they may do now.
            let rights = match state.rights.get(id) {
                Some(rights) => rights,
                None => {
                    let rights = state
                        .db
                        .run(move |conn| {
                            crate::db::scope_to_platform(conn)?;
                            UserRights::load(conn, id)
                        })
                        .await?;
                    state.rights.put(id, rights.clone());
                    rights
                }
            };
            let rights = rights
                .filter(|r| !r.disabled && r.token_version == claims.ver)
                .ok_or_else(token_revoked)?;
            Ok(Principal {
                actor: Actor::User {
                    id,
                    username: rights.username,
                },
                municipality_id: rights.municipality_id,
                role: Some(rights.role),
                key_scope: None,
                request_id,
            })
        })
    }
}

/// A caller with credentials. Handlers that need them take this before their other extractors,
/// so an anonymous request is refused with 401 before its body or query is judged.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let who = principal.await?;
            if who.is_anonymous() {
                return Err(ApiError::unauthorized(
                    crate::codes::AUTH_REQUIRED,
                    "this action needs a bearer token or API key",
                ));
            }
            Ok(Authenticated(who))
        })
    }
}

/// A user row as the login needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub municipality_id: Option<i64>,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub disabled_at: Option<chrono::NaiveDateTime>,
    pub token_version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &[7u8; 32],
            "retning",
            "retning-api",
            Duration::from_secs(900),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn subject() -> TokenSubject {
        TokenSubject {
            user_id: 5,
            username: "ida".into(),
            municipality_id: Some(2),
            municipality_slug: Some("vejle".into()),
            role: Role::Editor,
            token_version: 3,
        }
    }

    #[test]
    fn token_round_trip() {
        let k = keys();
        let token = k.issue(&subject()).unwrap_or_default();
        let claims = k.verify(&token).map_err(|e| e.to_string());
        let claims = claims.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.sub, "5");
        assert_eq!(claims.role, Role::Editor);
        assert_eq!(claims.municipality.as_deref(), Some("vejle"));
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.nbf, claims.iat);
    }

    fn rights(role: Role) -> UserRights {
        UserRights {
            username: "ida".into(),
            municipality_id: Some(2),
            role,
            token_version: 0,
            disabled: false,
        }
    }

    #[test]
    fn rights_cache_keeps_for_ttl_and_forgets_on_demand() {
        let cache = RightsCache::new(Duration::from_secs(60));
        assert!(cache.get(1).is_none());
        cache.put(1, Some(rights(Role::Admin)));
        cache.put(2, None);
        assert_eq!(
            cache.get(1).flatten().map(|r| r.role),
            Some(Role::Admin),
            "a fresh entry is served"
        );
        assert!(
            matches!(cache.get(2), Some(None)),
            "a missing user is remembered"
        );
        cache.forget(1);
        assert!(cache.get(1).is_none(), "a forgotten entry is read again");
        let off = RightsCache::new(Duration::ZERO);
        off.put(1, Some(rights(Role::Admin)));
        assert!(off.get(1).is_none(), "ttl 0 reads the database every time");
        let short = RightsCache::new(Duration::from_millis(1));
        short.put(1, Some(rights(Role::Viewer)));
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get(1).is_none(), "a stale entry is read again");
    }

    #[test]
    fn short_secret_refused() {
        assert!(TokenKeys::new(&[1u8; 31], "i", "a", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn password_hash_verifies_only_the_password() {
        let h = hash_password("correct horse battery").unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn permission_matrix() {
        let perm = Permission::write("x.write", "");
        let member = |role| Principal {
            actor: Actor::User {
                id: 1,
                username: "u".into(),
            },
            municipality_id: Some(1),
            role: Some(role),
            key_scope: None,
            request_id: None,
        };
        assert_eq!(
            member(Role::Viewer)
                .require(&perm, Some(1))
                .map_err(|e| e.status().as_u16()),
            Err(403)
        );
        assert!(member(Role::Editor).require(&perm, Some(1)).is_ok());
        assert!(member(Role::Admin).require(&perm, Some(1)).is_ok());
        assert_eq!(
            member(Role::Admin)
                .require(&perm, Some(2))
                .map_err(|e| e.status().as_u16()),
            Err(404)
        );
        assert_eq!(
            Principal::anonymous()
                .require(&perm, Some(1))
                .map_err(|e| e.status().as_u16()),
            Err(401)
        );
        let key = |scope| Principal {
            actor: Actor::ApiKey {
                id: 1,
                name: "k".into(),
            },
            municipality_id: Some(1),
            role: None,
            key_scope: Some(scope),
            request_id: None,
        };
        assert_eq!(
            key(KeyScope::Read)
                .require(&perm, Some(1))
                .map_err(|e| e.status().as_u16()),
            Err(403)
        );
        assert!(key(KeyScope::Write).require(&perm, Some(1)).is_ok());
        let admin_perm = Permission::admin("x.admin", "");
        assert_eq!(
            key(KeyScope::Write)
                .require(&admin_perm, Some(1))
                .map_err(|e| e.status().as_u16()),
            Err(403)
        );
        let op = Principal {
            actor: Actor::User {
                id: 9,
                username: "op".into(),
            },
            municipality_id: None,
            role: Some(Role::Operator),
            key_scope: None,
            request_id: None,
        };
        assert_eq!(
            op.require(&perm, Some(1)).map_err(|e| e.status().as_u16()),
            Err(404)
        );
        assert!(op.require(&Permission::operator("p", ""), None).is_ok());
        assert_eq!(
            member(Role::Admin)
                .require(&Permission::operator("p", ""), None)
                .map_err(|e| e.status().as_u16()),
            Err(403)
        );
    }
}
