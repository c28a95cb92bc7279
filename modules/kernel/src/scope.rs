//! The one way a handler reaches a municipality's data, in the order the platform promises:
//!
//! 1. the municipality the path names (404 when it does not exist or the module is switched off
//!    for it; the transaction is scoped to it, see [`crate::db::scope_to_municipality`]);
//! 2. the caller's permission (401 anonymous, 404 outsiders, 403 members lacking the role or key
//!    scope; see [`Principal::require`]);
//! 3. only then the body: a [`JsonBody`] is read by the extractor but decoded and validated only
//!    here, so an outsider never learns from a validation message what the endpoint expects;
//! 4. the handler's work, inside [`Db::run`] or [`Db::write`] (one transaction with its audit row).
//!
//! ```ignore
//! let view = Scoped::new(who, slug, NAME, perm::WRITE)
//!     .write_body(&db, body, move |conn, scope, body: NewMeasure| {
//!         ops::create_measure(conn, scope, body)
//!     })
//!     .await?;
//! Ok(created(format!("/api/v1/municipalities/{}/measures/{}", view.slug, view.id), &view))
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::{Permission, Principal};
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::tenancy::{self, Municipality};

/// The municipality a request addresses and the caller, decided before any handler work.
#[derive(Debug, Clone)]
pub struct Scope {
    pub municipality: Municipality,
    pub who: Principal,
}

impl Scope {
    pub fn id(&self) -> i64 {
        self.municipality.id
    }
    pub fn slug(&self) -> &str {
        &self.municipality.slug
    }
    /// Whether the caller holds `permission` here: for public reads that show members more.
    pub fn may(&self, permission: &Permission) -> bool {
        self.who.may(permission, Some(self.municipality.id))
    }
}

/// What the caller must hold before the handler runs.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, signed in or not: the handler shows each caller what it may see (public reads).
    Anyone,
    Needs(Permission),
}

/// A call scoped to the municipality a path names. See the module documentation.
#[must_use = "a scoped call does nothing until it is run with read, write or write_body"]
pub struct Scoped {
    who: Principal,
    slug: String,
    module: &'static str,
    access: Access,
    guard: Option<Guard>,
    /// A query parameter the operation does not declare, refused once the caller is admitted.
    unknown_query: Option<ApiError>,
}

/// A rule about the caller that needs the database and comes before the body is judged (the
/// operator may create only a municipality's first admin).
pub type Guard = fn(&mut DbConnection, &Scope) -> Result<(), ApiError>;

impl Scoped {
    /// A call that needs `permission` in the addressed municipality.
    pub fn new(
        who: Principal,
        slug: impl Into<String>,
        module: &'static str,
        permission: Permission,
    ) -> Self {
        Self {
            who,
            slug: slug.into(),
            module,
            access: Access::Needs(permission),
            guard: None,
            unknown_query: crate::http::unknown_query_refusal(),
        }
    }

    /// A read anyone may make; the handler filters by what `scope.who` may see.
    pub fn public(who: Principal, slug: impl Into<String>, module: &'static str) -> Self {
        Self {
            who,
            slug: slug.into(),
            module,
            access: Access::Anyone,
            guard: None,
            unknown_query: crate::http::unknown_query_refusal(),
        }
    }

    /// A public read that shows every caller the same (the caller is not asked for).
    pub fn anyone(slug: impl Into<String>, module: &'static str) -> Self {
        Self::public(Principal::anonymous(), slug, module)
    }

    /// Adds a rule checked after the permission and before the body.
    pub fn guard(mut self, guard: Guard) -> Self {
        self.guard = Some(guard);
        self
    }

    fn enter(self, conn: &mut DbConnection) -> Result<Scope, ApiError> {
        let municipality = tenancy::resolve(conn, &self.slug, self.module)?;
        // The changes of this unit of work are the module's (see `versions`).
        crate::versions::in_module(self.module);
        if let Access::Needs(permission) = self.access {
            self.who.require(&permission, Some(municipality.id))?;
        }
        let scope = Scope {
            municipality,
            who: self.who,
        };
        if let Some(guard) = self.guard {
            guard(conn, &scope)?;
        }
        if let Some(refusal) = self.unknown_query {
            return Err(refusal);
        }
        Ok(scope)
    }

    /// Reads (no transaction of its own beyond the unit of work).
    pub async fn read<T, F>(self, db: &Db, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &Scope) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        db.run(move |conn| {
            let scope = self.enter(conn)?;
            f(conn, &scope)
        })
        .await
    }

    /// A write without a body (archive, delete, answer an invitation), in one write transaction.
    pub async fn write<T, F>(self, db: &Db, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &Scope) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        db.write(move |conn| {
            let scope = self.enter(conn)?;
            f(conn, &scope)
        })
        .await
    }

    /// A unit of work with a JSON body, decoded only once the caller may make it, where the
    /// closure opens its own write transaction (to do slow work such as hashing a password
    /// before taking the write lock).
    pub async fn run_body<B, T, F>(self, db: &Db, body: JsonBody<B>, f: F) -> Result<T, ApiError>
    where
        B: DeserializeOwned + 'static,
        F: FnOnce(&mut DbConnection, &Scope, B) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        db.run(move |conn| {
            let scope = self.enter(conn)?;
            let body = body.decode()?;
            f(conn, &scope, body)
        })
        .await
    }

    /// A write with a JSON body, decoded only once the caller may make it.
    pub async fn write_body<B, T, F>(self, db: &Db, body: JsonBody<B>, f: F) -> Result<T, ApiError>
    where
        B: DeserializeOwned + 'static,
        F: FnOnce(&mut DbConnection, &Scope, B) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        db.write(move |conn| {
            let scope = self.enter(conn)?;
            let body = body.decode()?;
            f(conn, &scope, body)
        })
        .await
    }
}

/// A JSON body, read (within the size limit) but not decoded: the only ways to its value pass a
/// permission check first ([`Scoped::write_body`], [`JsonBody::decode_for`]) or say that none is
/// needed ([`JsonBody::decode_public`]).
pub struct JsonBody<T> {
    bytes: Result<actix_web::web::BytesMut, ApiError>,
    unknown_query: Option<ApiError>,
    kind: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// For a platform-wide action: checks `permission` (no municipality), then decodes.
    pub fn decode_for(self, who: &Principal, permission: &Permission) -> Result<T, ApiError> {
        who.require(permission, None)?;
        self.decode_query_too()
    }

    /// For an action anyone may attempt (signing in).
    pub fn decode_public(self) -> Result<T, ApiError> {
        self.decode_query_too()
    }

    /// The body of a platform-wide action, whose query must hold no undeclared parameter.
    fn decode_query_too(mut self) -> Result<T, ApiError> {
        if let Some(refusal) = self.unknown_query.take() {
            return Err(refusal);
        }
        self.decode()
    }

    fn decode(self) -> Result<T, ApiError> {
        crate::http::decode_json(&self.bytes?)
    }
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        let unknown_query = crate::http::unknown_query_refusal();
        Box::pin(async move {
            // Reading is transport: a body over the limit is refused now (413). Whether it is
            // the right type and shape is for after the permission check.
            let bytes = crate::http::read_body(&req, &mut payload).await?;
            let bytes = if crate::http::is_json_content_type(&req) {
                Ok(bytes)
            } else {
                Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    crate::codes::UNSUPPORTED_MEDIA_TYPE,
                    "the body must be application/json",
                ))
            };
            Ok(JsonBody {
                bytes,
                unknown_query,
                kind: PhantomData,
            })
        })
    }
}

/// `201 Created` with `Location` and the new resource as JSON.
pub fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(body)
}
