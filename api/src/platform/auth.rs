//! Login and "who am I".

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, post, web, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use retning_kernel::auth::Authenticated;
use retning_kernel::auth::{self, Actor, AuthState, TokenSubject};
use retning_kernel::scope::JsonBody;
use retning_kernel::{ApiError, Db};

use super::dto::{LoginRequest, Me, TokenResponse};

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub account_burst: u32,
    pub account_refill: Duration,
    pub address_burst: u32,
    pub address_refill: Duration,
    pub trust_forwarded_for: bool,
}

/// Login attempts per account and per client address (the `governor` crate's GCRA).
pub struct LoginLimiter {
    accounts: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<String>,
    trust_forwarded_for: bool,
}

fn quota(burst: u32, refill: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(refill.max(Duration::from_millis(1)))
        .map_or(Quota::per_second(burst), |q| q.allow_burst(burst))
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            accounts: RateLimiter::keyed(quota(limits.account_burst, limits.account_refill)),
            addresses: RateLimiter::keyed(quota(limits.address_burst, limits.address_refill)),
            trust_forwarded_for: limits.trust_forwarded_for,
        }
    }

    /// Counts an attempt; refuses with 429 and `Retry-After` once the account or the address
    /// has used up its attempts.
    fn attempt(&self, username: &str, address: &str) -> Result<(), ApiError> {
        let clock = DefaultClock::default();
        // Keep memory bounded whatever names are tried.
        if self.accounts.len() > 10_000 {
            self.accounts.retain_recent();
            self.addresses.retain_recent();
        }
        let check = |limiter: &DefaultKeyedRateLimiter<String>, key: String| {
            limiter.check_key(&key).map_err(|not_until| {
                ApiError::too_many_requests(not_until.wait_time_from(clock.now()).as_secs() + 1)
            })
        };
        check(&self.addresses, address.to_owned())?;
        check(&self.accounts, username.to_lowercase())
    }

    fn client_address(&self, req: &HttpRequest) -> String {
        let info = req.connection_info();
        let addr = if self.trust_forwarded_for {
            info.realip_remote_addr()
        } else {
            info.peer_addr()
        };
        addr.map(|a| a.rsplit_once(':').map_or(a, |(host, _)| host).to_owned())
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// Exchange a username and password for an access token.
#[utoipa::path(
    operation_id = "platform_login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 401, description = "Unknown user or wrong password (the same answer for both)", body = retning_kernel::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this account or address; see Retry-After", body = retning_kernel::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    state: web::Data<AuthState>,
    limiter: web::Data<LoginLimiter>,
    body: JsonBody<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let LoginRequest { username, password } = body.decode_public()?;
    if username.is_empty() || username.len() > 100 || password.len() > auth::MAX_PASSWORD_LEN {
        return Err(invalid_credentials());
    }
    limiter.attempt(&username, &limiter.client_address(&req))?;
    let keys = Arc::clone(&state.keys);
    let subject = db
        .run(move |conn| {
            // A username names its municipality only once it is found.
            retning_kernel::db::scope_to_platform(conn)?;
            let found = super::repo::user_for_login(conn, &username)?;
            let Some((user, slug)) = found else {
                auth::burn_password_check(&password);
                return Err(invalid_credentials());
            };
            if !auth::verify_password(&password, &user.password_hash) || user.disabled_at.is_some()
            {
                return Err(invalid_credentials());
            }
            let role = user.role;
            Ok(TokenSubject {
                user_id: user.id,
                username: user.username,
                municipality_id: user.municipality_id,
                municipality_slug: slug,
                role,
                token_version: user.token_version,
            })
        })
        .await?;
    tracing::info!(user_id = subject.user_id, "login");
    let token = keys.issue(&subject)?;
    Ok(web::Json(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: keys.ttl.as_secs(),
    }))
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(
        retning_kernel::codes::INVALID_CREDENTIALS,
        "unknown user or wrong password",
    )
}

/// The caller: user or API key, municipality, role or scope.
#[utoipa::path(
    operation_id = "platform_get_me",
    tag = "auth",
    responses((status = 200, description = "The caller", body = Me)),
    security(("bearer" = []))
)]
#[get("/auth/me")]
pub async fn me(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
) -> Result<web::Json<Me>, ApiError> {
    let (kind, id, name) = match &who.actor {
        Actor::Anonymous | Actor::System => {
            return Err(ApiError::unauthorized(
                retning_kernel::codes::AUTH_REQUIRED,
                "this action needs a bearer token or API key",
            ))
        }
        Actor::User { id, username } => ("user", *id, username.clone()),
        Actor::ApiKey { id, name } => ("api_key", *id, name.clone()),
    };
    let municipality = match who.municipality_id {
        Some(mid) => Some(
            db.run(move |conn| Ok(super::repo::municipality_slug(conn, mid)?))
                .await?,
        ),
        None => None,
    };
    Ok(web::Json(Me {
        kind: kind.to_owned(),
        id,
        name,
        municipality,
        role: who.role,
        scope: who.key_scope,
    }))
}
