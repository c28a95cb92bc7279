//! The HTTP application: the same route registration serves requests and collects the spec.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{get, http::header, web, App, HttpResponse, ResponseError};
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
    /// `/metrics` (Prometheus text format): off unless enabled; with a token, only for
    /// `Authorization: Bearer <token>`.
    pub metrics: MetricsEndpoint,
}

#[derive(Clone, Debug, Default)]
pub struct MetricsEndpoint {
    pub enabled: bool,
    pub token: Option<String>,
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
            header::HeaderName::from_static(retning_kernel::auth::API_KEY_HEADER),
            header::ACCEPT,
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
        .route("/", web::get().to(dashboard_page))
        .route("/dashboard/{file}", web::get().to(dashboard_file))
        .configure(|cfg| {
            if ctx.metrics.enabled {
                cfg.app_data(web::Data::new(ctx.metrics.clone()))
                    .route("/metrics", web::get().to(metrics));
            }
        })
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }),
        )
        .default_service(web::to(khttp::fallback))
        .wrap(from_fn(khttp::etag_middleware))
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
            let queries = [
                ("GET", item.get.as_ref()),
                ("POST", item.post.as_ref()),
                ("PUT", item.put.as_ref()),
                ("PATCH", item.patch.as_ref()),
                ("DELETE", item.delete.as_ref()),
            ]
            .into_iter()
            .filter_map(|(method, op)| {
                let op = op?;
                let names = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                    .map(|p| p.name.clone())
                    .collect();
                Some((method, names))
            })
            .collect();
            khttp::Route {
                def: actix_web::dev::ResourceDef::new(path.as_str()),
                template: path.clone(),
                methods,
                queries,
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

/// The reference dashboard (`dashboard/` in the repository, compiled into the binary): it reads
/// the public API, and the private one with an API key the user gives it.
const DASHBOARD: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../dashboard/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../dashboard/style.css"),
    ),
];

async fn dashboard_page(req: actix_web::HttpRequest) -> HttpResponse {
    dashboard_asset(&req, "index.html")
}

async fn dashboard_file(req: actix_web::HttpRequest, file: web::Path<String>) -> HttpResponse {
    dashboard_asset(&req, &file)
}

fn dashboard_asset(req: &actix_web::HttpRequest, name: &str) -> HttpResponse {
    match DASHBOARD.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => {
            khttp::with_etag(req, body.as_bytes().to_vec(), content_type)
        }
        None => ApiError::not_found("file").error_response(),
    }
}

/// Prometheus metrics (not part of the API document: an operations endpoint, off by default).
async fn metrics(
    req: actix_web::HttpRequest,
    db: web::Data<Db>,
    endpoint: web::Data<MetricsEndpoint>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = endpoint.token.as_deref() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !retning_kernel::auth::constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return Err(ApiError::unauthorized(
                retning_kernel::codes::AUTH_REQUIRED,
                "the metrics need 'Authorization: Bearer <metrics.token>'",
            ));
        }
    }
    let text = db.render_metrics()?;
    Ok(HttpResponse::Ok()
        .content_type(retning_kernel::metrics::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
