//! The HTTP application: the same route registration serves requests and collects the spec.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{get, http::header, web, App, HttpResponse};
use retning_kernel::auth::AuthState;
use retning_kernel::http::{self as khttp, BodyLimit};
use retning_kernel::{ApiError, Db};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::platform::LoginLimiter;
use crate::registry::Registry;

/// Everything the application shares between workers.
#[derive(Clone)]
pub struct AppContext {
    pub db: Db,
    pub auth: web::Data<AuthState>,
    pub limiter: web::Data<LoginLimiter>,
    pub registry: Registry,
    pub body_limit: usize,
    pub import_limit: usize,
    pub cors_allowed_origins: Vec<String>,
}

pub use retning_kernel::ImportLimit;

fn register<T>(app: UtoipaApp<T>, registry: &Registry) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let modules = registry.modules.clone();
    app.openapi(crate::openapi::base())
        .service(live)
        .service(ready)
        .service(utoipa_actix_web::scope("/api/v1").configure(move |cfg| {
            for m in &modules {
                m.configure(cfg);
            }
        }))
}

/// The OpenAPI document of these modules.
pub fn openapi_document(registry: &Registry) -> OpenApi {
    let (_, mut doc) = register(App::new().into_utoipa_app(), registry).split_for_parts();
    crate::openapi::complete(&mut doc);
    doc
}

pub fn build_app(
    ctx: &AppContext,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, mut doc) = register(App::new().into_utoipa_app(), &ctx.registry).split_for_parts();
    crate::openapi::complete(&mut doc);
    let routes = route_methods(&doc);
    let cors_on = !ctx.cors_allowed_origins.is_empty();
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in &ctx.cors_allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    app.app_data(web::Data::new(ctx.db.clone()))
        .app_data(ctx.auth.clone())
        .app_data(ctx.limiter.clone())
        .app_data(web::Data::new(ctx.registry.catalog()))
        .app_data(web::Data::new(ctx.registry.indicators.for_db(&ctx.db)))
        .app_data(BodyLimit(ctx.body_limit))
        .app_data(ImportLimit(ctx.import_limit))
        .app_data(web::PathConfig::default().error_handler(khttp::path_error))
        .app_data(web::Data::new(routes))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", doc))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(khttp::fallback))
        .wrap(Compress::default())
        .wrap(Condition::new(cors_on, cors))
        .wrap(from_fn(khttp::request_middleware))
}

/// Every documented route with its methods (the document is collected from registration).
fn route_methods(doc: &OpenApi) -> khttp::RouteMethods {
    let routes = doc
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods = Vec::new();
            for (present, name) in [
                (item.get.is_some(), "GET"),
                (item.post.is_some(), "POST"),
                (item.put.is_some(), "PUT"),
                (item.patch.is_some(), "PATCH"),
                (item.delete.is_some(), "DELETE"),
            ] {
                if present {
                    methods.push(name);
                }
            }
            khttp::Route {
                def: actix_web::dev::ResourceDef::new(path.as_str()),
                template: path.clone(),
                methods,
            }
        })
        .collect();
    khttp::RouteMethods(routes)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(operation_id = "health_live", tag = "health", responses((status = 200, description = "Alive", body = Health)), security(()))]
#[get("/health/live")]
pub async fn live() -> web::Json<Health> {
    web::Json(Health {
        status: "ok",
        database: None,
    })
}

/// The process can serve requests: the database answers.
#[utoipa::path(operation_id = "health_ready", tag = "health", responses((status = 200, description = "Ready", body = Health)), security(()))]
#[get("/health/ready")]
pub async fn ready(db: web::Data<Db>) -> Result<web::Json<Health>, ApiError> {
    use diesel::connection::SimpleConnection;
    db.run(|conn| {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ApiError::unavailable(format!("readiness: {e}")))
    })
    .await?;
    Ok(web::Json(Health {
        status: "ok",
        database: Some(db.backend().name()),
    }))
}

pub fn auth_state(
    db: &Db,
    keys: retning_kernel::auth::TokenKeys,
    rights_cache: std::time::Duration,
) -> web::Data<AuthState> {
    web::Data::new(AuthState {
        keys: Arc::new(keys),
        db: db.clone(),
        rights: Arc::new(retning_kernel::auth::RightsCache::new(rights_cache)),
    })
}
