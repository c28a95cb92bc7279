//! HTTP plumbing shared by all modules: the request middleware, body and query extractors that
//! name the offending field, framework errors turned into problems, and ETags.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::error::{ApiError, FieldError, Problem, PROBLEM_CONTENT_TYPE};
use crate::request_id;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    /// The first query parameter of the request that its operation does not declare.
    static UNKNOWN_QUERY: Option<String>;
}

/// The refusal of a query parameter the operation does not declare, if the request has one.
/// Checked once the caller is admitted: by [`crate::scope::Scoped`] (every municipality route),
/// by the body decoders of platform-wide writes, and for reads by the request middleware, which
/// replaces a successful answer by this refusal; so an unknown parameter is never silently
/// ignored, and an outsider still gets the 401/403/404 it would get without it.
pub fn unknown_query_refusal() -> Option<ApiError> {
    UNKNOWN_QUERY
        .try_with(|u| u.as_deref().map(unknown_parameter))
        .ok()
        .flatten()
}

fn unknown_parameter(name: &str) -> ApiError {
    // A name that does not read like a parameter is not repeated back.
    let field = if is_plain_key(name) {
        format!("query.{name}")
    } else {
        "query".to_owned()
    };
    ApiError::field(
        field,
        "unknown_parameter",
        "is not a parameter of this operation (see the OpenAPI document)",
    )
}

/// The first query key the operation at `path` with `method` does not declare.
fn unknown_query(routes: &RouteMethods, path: &str, method: &str, query: &str) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    let route = routes.operation(path, method)?;
    let declared = route
        .queries
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, names)| names.as_slice())
        .unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k)
        .find(|k| !declared.iter().any(|d| d == k))
        .map(|k| k.into_owned())
}

/// Whether the request asks for CSV rather than JSON (`Accept: text/csv`, without JSON or
/// `*/*` ranked at least as high).
fn wants_csv(req: &ServiceRequest) -> bool {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let quality = |want: &str| {
        accept
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let media = bits.next()?.trim();
                (media.eq_ignore_ascii_case(want)).then(|| {
                    bits.find_map(|b| b.trim().strip_prefix("q=").map(str::to_owned))
                        .and_then(|q| q.parse::<f32>().ok())
                        .unwrap_or(1.0)
                })
            })
            .fold(0.0_f32, f32::max)
    };
    let csv = quality("text/csv");
    csv > 0.0 && csv > quality("application/json") && csv > quality("*/*")
}

/// A list asked for as CSV is answered by its CSV export: `GET …/targets` with
/// `Accept: text/csv` is routed to `…/targets.csv`, with the same query.
fn route_to_csv(req: &mut ServiceRequest, routes: &RouteMethods) {
    let path = req.path().to_owned();
    let Some(route) = routes.operation(&path, "GET") else {
        return;
    };
    let csv_template = format!("{}.csv", route.template);
    if routes
        .by_template(&csv_template)
        .is_none_or(|r| !r.methods.contains(&"GET"))
    {
        return;
    }
    let target = match req.query_string() {
        "" => format!("{path}.csv"),
        q => format!("{path}.csv?{q}"),
    };
    if let Ok(uri) = target.parse::<actix_web::http::Uri>() {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
}

/// The largest JSON body accepted (app data; default 1 MiB).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Request id, access log, security headers, and a problem body for every error response that
/// the framework produced without one (unknown route, wrong method, …).
pub async fn request_middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(request_id::accept_incoming)
        .unwrap_or_else(request_id::generate);
    let method = req.method().clone();
    let started = Instant::now();
    // The data-protection screen runs before anything else looks at the request; a refused
    // request's path is not logged, since the path may be what was refused.
    let screened = request_id::REQUEST_ID
        .scope(id.clone(), crate::screen::screen(&mut req))
        .await;
    let path = match screened {
        Ok(()) => req.path().to_owned(),
        Err(_) => "(refused by the screen)".to_owned(),
    };
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let metrics = req
        .app_data::<web::Data<crate::Db>>()
        .map(|db| std::sync::Arc::clone(db.metrics()));
    let mut res = match screened {
        Ok(()) => {
            let mut unknown = None;
            if let Some(routes) = req.app_data::<web::Data<RouteMethods>>().cloned() {
                if method == actix_web::http::Method::GET && wants_csv(&req) {
                    route_to_csv(&mut req, &routes);
                }
                unknown = unknown_query(&routes, req.path(), method.as_str(), req.query_string());
            }
            let refuse_after = unknown.is_some();
            let result = request_id::REQUEST_ID
                .scope(
                    id.clone(),
                    UNKNOWN_QUERY.scope(unknown.clone(), next.call(req).instrument(span.clone())),
                )
                .await;
            // Handlers and extractors turn their errors into responses; an `Err` here comes from
            // a middleware and is rendered by actix itself.
            let res = result?.map_into_boxed_body();
            // A read that went through (the caller was admitted) but named a parameter its
            // operation does not declare is refused as such, not answered as if it were absent.
            if refuse_after
                && (res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED)
            {
                let refusal = request_id::REQUEST_ID.sync_scope(id.clone(), || {
                    unknown
                        .as_deref()
                        .map(unknown_parameter)
                        .map(|e| e.error_response())
                });
                match refusal {
                    Some(r) => res.into_response(r),
                    None => res,
                }
            } else {
                res
            }
        }
        Err(refusal) => {
            let response = request_id::REQUEST_ID
                .sync_scope(id.clone(), || span.in_scope(|| refusal.error_response()));
            req.into_response(response)
        }
    };
    let status = res.status();
    if status.is_client_error() || status.is_server_error() {
        let is_problem = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()));
        if !is_problem {
            let allow = res.headers().get(header::ALLOW).cloned();
            let problem = framework_problem(status, &id);
            res = res.into_response(problem);
            if let Some(allow) = allow {
                res.headers_mut().insert(header::ALLOW, allow);
            }
        }
    }
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(header::HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if path == "/" || path.starts_with("/dashboard/") {
        // The reference dashboard: its own script and style, reading this API only.
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    } else if path.starts_with("/docs") {
        // Swagger UI: its own scripts and styles, served from this binary.
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    // A handler that serves a document of its own (a printable report) may set a policy
    // that fits it; every other answer gets the one above.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        let route = res.request().match_pattern();
        metrics.request(
            route.as_deref().unwrap_or("unmatched"),
            method.as_str(),
            status.as_u16(),
            elapsed,
        );
    }
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), elapsed_ms, "request done");
        } else {
            tracing::info!(status = status.as_u16(), elapsed_ms, "request done");
        }
    });
    Ok(res)
}

/// Every successful GET carries an entity tag, and `If-None-Match` with it gets `304 Not
/// Modified`: a dashboard polling any view, list or object pays for the body only when it
/// changed. Views that keep their rendered answer ([`Rendered`]) set their tag themselves;
/// everything else gets the digest of its body here. Wrapped inside compression, so the tag
/// names the representation before encoding.
pub async fn etag_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_get = req.method() == actix_web::http::Method::GET;
    let res = next.call(req).await?;
    if !is_get || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let failed = ApiError::internal("the answer could not be read for its entity tag");
            return Ok(ServiceResponse::new(req, failed.error_response()));
        }
    };
    let etag = entity_tag(&bytes);
    let unchanged = if_none_match(&req, &etag);
    let mut res = if unchanged {
        let mut r = HttpResponse::NotModified().finish();
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = head.headers().get(&name) {
                r.headers_mut().insert(name, v.clone());
            }
        }
        r
    } else {
        let mut r = head.set_body(BoxBody::new(bytes));
        if !r.headers().contains_key(header::CACHE_CONTROL) {
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        r
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    Ok(ServiceResponse::new(req, res))
}

/// A strong tag: the first 16 bytes of the body's SHA-256, quoted.
fn entity_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether `If-None-Match` names `etag` (or `*`); weak comparison, as RFC 9110 asks for GET.
fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == etag
            })
        })
}

fn framework_problem(status: StatusCode, request_id: &str) -> HttpResponse {
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => (crate::codes::NOT_FOUND, "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => (
            crate::codes::METHOD_NOT_ALLOWED,
            "the resource does not support this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (crate::codes::TOO_LARGE, "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            crate::codes::UNSUPPORTED_MEDIA_TYPE,
            "unsupported content type",
        ),
        StatusCode::BAD_REQUEST => (
            crate::codes::BAD_REQUEST,
            "the request could not be understood",
        ),
        StatusCode::UNAUTHORIZED => (crate::codes::AUTH_REQUIRED, "authentication is required"),
        StatusCode::FORBIDDEN => (crate::codes::FORBIDDEN, "not allowed"),
        s if s.is_server_error() => (
            crate::codes::INTERNAL,
            "an internal error occurred; quote the request id when reporting it",
        ),
        _ => (crate::codes::REQUEST_FAILED, "the request failed"),
    };
    let problem = Problem {
        type_: format!("urn:retning:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: Some(detail.to_owned()),
        code: code.to_owned(),
        request_id: Some(request_id.to_owned()),
        errors: Vec::new(),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE))
        .body(serde_json::to_string(&problem).unwrap_or_default())
}

/// One documented route: its matcher, its template as the spec writes it, and its methods.
pub struct Route {
    pub def: actix_web::dev::ResourceDef,
    pub template: String,
    pub methods: Vec<&'static str>,
    /// The query parameters each method's operation declares.
    pub queries: Vec<(&'static str, Vec<String>)>,
}

/// The routes and their methods (app data, built from the same registration as the spec), so
/// that a known route asked with another method gets 405 with `Allow`, and a refused path
/// segment can be named by its parameter.
#[derive(Default)]
pub struct RouteMethods(pub Vec<Route>);

impl RouteMethods {
    /// The most literal route matching `path` that has `method` (`/measures/import` over
    /// `/measures/{id}`).
    pub fn operation(&self, path: &str, method: &str) -> Option<&Route> {
        self.0
            .iter()
            .filter(|r| r.methods.contains(&method) && r.def.is_match(path))
            .min_by_key(|r| r.template.matches('{').count())
    }

    /// A route by its exact template.
    pub fn by_template(&self, template: &str) -> Option<&Route> {
        self.0.iter().find(|r| r.template == template)
    }

    /// Each route's matcher with its template.
    pub fn templates(&self) -> impl Iterator<Item = (&actix_web::dev::ResourceDef, &str)> {
        self.0.iter().map(|r| (&r.def, r.template.as_str()))
    }

    /// The methods of the routes matching `path`; with `literal_over`, only routes with fewer
    /// parameters than that template (`/measures/import` over `/measures/{id}`). Only the most
    /// literal of the matching routes count: `/measures/import` is not `/measures/{id}`, whatever
    /// the method, so its `Allow` never lists the methods of `/measures/{id}`.
    fn allowed(&self, path: &str, literal_over: Option<&str>) -> Vec<&'static str> {
        let params = |t: &str| t.matches('{').count();
        let matching: Vec<&Route> = self
            .0
            .iter()
            .filter(|r| r.def.is_match(path))
            .filter(|r| literal_over.is_none_or(|over| params(&r.template) < params(over)))
            .collect();
        let fewest = matching.iter().map(|r| params(&r.template)).min();
        let mut methods: Vec<&str> = matching
            .iter()
            .filter(|r| Some(params(&r.template)) == fewest)
            .flat_map(|r| r.methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

fn method_not_allowed(req: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        crate::codes::METHOD_NOT_ALLOWED,
        format!("{} is not supported here", req.method()),
    )
    .error_response();
    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}

/// The default service: an unknown route is 404, a known route with another method is 405.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<RouteMethods>>()
        .map(|routes| routes.allowed(req.path(), None))
        .unwrap_or_default();
    if allowed.is_empty() {
        return ApiError::not_found("route").error_response();
    }
    method_not_allowed(&req, &allowed)
}

/// Turns a path-parameter error into a problem naming the parameter.
///
/// A literal route that the method missed (`PATCH /measures/import`, which only takes POST, but
/// also matches `/measures/{id}`) is 405 with that route's `Allow`, not a bad id.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    if let (Some(routes), Some(pattern)) = (
        req.app_data::<web::Data<RouteMethods>>(),
        req.match_pattern(),
    ) {
        let literal = routes.allowed(req.path(), Some(&pattern));
        if !literal.is_empty() && !literal.contains(&req.method().as_str()) {
            let resp = method_not_allowed(req, &literal);
            return actix_web::error::InternalError::from_response(err, resp).into();
        }
    }
    let fields: Vec<FieldError> = req
        .match_info()
        .iter()
        .filter(|(name, value)| {
            (name.ends_with("id") || *name == "date") && value.parse::<i64>().is_err()
        })
        .map(|(name, _)| {
            FieldError::new(
                format!("path.{name}"),
                "invalid",
                "is not a valid value here",
            )
        })
        .collect();
    let fields = if fields.is_empty() {
        vec![FieldError::new("path", "invalid", err.to_string())]
    } else {
        fields
    };
    ApiError::with_fields(
        StatusCode::BAD_REQUEST,
        crate::codes::INVALID_PATH,
        "a path parameter is not valid",
        fields,
    )
    .into()
}

pub(crate) fn is_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

pub(crate) async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<web::BytesMut, ApiError> {
    let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            crate::codes::TOO_LARGE,
            format!("the body may be at most {limit} bytes"),
        )
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > limit {
            return Err(too_large());
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                crate::codes::BAD_BODY,
                format!("could not read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Decodes JSON, reporting the exact field (`targets[2].unit`) of a wrong type or missing value.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(de);
    result.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
                crate::codes::MALFORMED_JSON,
                format!(
                    "the body is not valid JSON (line {}, column {})",
                    inner.line(),
                    inner.column()
                ),
            ),
            Category::Data => {
                let raw = strip_position(&inner.to_string());
                // An unknown key is the client's: it is named only when it reads as a field
                // name (the screen has already refused CPR-shaped keys); anything else is
                // reported on the object that holds it.
                let path = if raw.starts_with("unknown field") && !is_plain_key(last_key(&path)) {
                    parent_path(&path)
                } else {
                    path
                };
                let field = if path == "." {
                    missing_field(&raw).unwrap_or_else(|| "body".to_owned())
                } else {
                    match missing_field(&raw) {
                        Some(f) => format!("{path}.{f}"),
                        None => path,
                    }
                };
                let (code, message) = safe_message(&raw);
                ApiError::field(field, code, message)
            }
        }
    })
}

/// A serde error turned into a reason that never quotes the client's value: serde writes the
/// offending value or key into its message (``unknown variant `x` ``, `invalid type: string "x"`),
/// so only the part that describes what was expected (our own types' words) is kept.
pub fn safe_message(serde_message: &str) -> (&'static str, String) {
    let expected = serde_message
        .split_once(", expected ")
        .map(|(_, e)| e.trim_end_matches('.'));
    let with_expected = |reason: &str| match expected {
        Some(e) => format!("{reason}; expected {e}"),
        None => reason.to_owned(),
    };
    if serde_message.starts_with("missing field") {
        ("required", "is required".to_owned())
    } else if serde_message.starts_with("unknown variant") {
        (
            "invalid",
            with_expected("is not one of the accepted values"),
        )
    } else if serde_message.starts_with("unknown field") {
        (
            "unknown_field",
            with_expected("holds a field that is not known"),
        )
    } else if serde_message.starts_with("duplicate field") {
        ("duplicate_field", "holds a field twice".to_owned())
    } else if serde_message.starts_with("invalid type") {
        ("invalid", with_expected("has the wrong type"))
    } else if serde_message.starts_with("invalid length") {
        ("invalid", with_expected("has the wrong length"))
    } else if serde_message.starts_with("invalid value") {
        ("invalid", with_expected("is not a valid value"))
    } else {
        // Messages of other parsers (numbers, dates) name no value but are not ours to vouch
        // for; a fixed reason is safe.
        ("invalid", "is not a valid value".to_owned())
    }
}

/// The last key of a serde path (`a.b[2].c` → `c`).
fn last_key(path: &str) -> &str {
    path.rsplit(['.', '[']).next().unwrap_or(path)
}

/// A key that reads like a field name (`mayor`, `target_id`): a letter, then at most 63 letters,
/// digits or underscores. Such a key can be named back without repeating a client's data.
fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.chars().filter(char::is_ascii_digit).nth(5).is_none()
}

/// `a.b[2].c` → `a.b[2]`; a top-level key → `.` (the body).
fn parent_path(path: &str) -> String {
    match path.rfind(['.', '[']) {
        Some(0) | None => ".".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The parameter a query gives twice, when it is one of ours (a declared field's name).
fn duplicate_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("duplicate field `")?;
    Some(rest.split('`').next()?.to_owned()).filter(|k| is_plain_key(k))
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// The raw body with the size limit applied (for CSV uploads and the like).
pub struct LimitedBody(pub web::BytesMut);

impl FromRequest for LimitedBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { read_body(&req, &mut payload).await.map(LimitedBody) })
    }
}

/// Query parameters, with errors that name the parameter (`query.limit`). Decoded by the
/// extractor but handed over only to a caller who may make the call: [`Query::open`] takes the
/// [`crate::scope::Scope`] that [`crate::scope::Scoped`] gives once the municipality and the
/// permission are settled, so an outsider with a wrong parameter gets the same 404 as with a
/// right one. [`Query::public`] is for operations anyone may call that address no municipality.
#[derive(Debug)]
pub struct Query<T>(Result<T, ApiError>);

impl<T> Query<T> {
    /// The parameters, for a caller the scope admitted.
    pub fn open(self, _admitted: &crate::scope::Scope) -> Result<T, ApiError> {
        self.0
    }

    /// The parameters of an operation anyone may call that addresses no municipality.
    pub fn public(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Query(decode_query(req.query_string()))))
    }
}

pub fn decode_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let raw = err.into_inner().to_string();
        let path = if raw.starts_with("unknown field") && !is_plain_key(last_key(&path)) {
            parent_path(&path)
        } else {
            path
        };
        let field = match missing_field(&raw).or_else(|| duplicate_field(&raw)) {
            Some(f) => format!("query.{f}"),
            None if path != "." => format!("query.{path}"),
            None => "query".to_owned(),
        };
        if raw.starts_with("unknown field") {
            // The same refusal as the middleware's for an undeclared parameter.
            return unknown_parameter(field.strip_prefix("query.").unwrap_or("\u{0}"));
        }
        let (code, message) = safe_message(&raw);
        ApiError::field(field, code, message)
    })
}

/// A GET answered with an ETag computed from the body; `If-None-Match` with the same tag gets 304.
pub fn json_with_etag<T: Serialize>(
    req: &HttpRequest,
    value: &T,
) -> Result<HttpResponse, ApiError> {
    let body =
        serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("serialize: {e}")))?;
    Ok(with_etag(req, body, "application/json"))
}

pub fn with_etag(req: &HttpRequest, body: Vec<u8>, content_type: &'static str) -> HttpResponse {
    Rendered::new(body, content_type).respond(req)
}

/// A CSV export, the one way every list's CSV is written: UTF-8 with a byte-order mark (so a
/// spreadsheet opens Danish letters intact), a header row, RFC 4180 quoting and CRLF line ends,
/// answered with an entity tag and `Content-Disposition: attachment; filename="…"`.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    pub fn new<I, T>(header: I) -> Result<Self, ApiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::from("\u{feff}".as_bytes()));
        writer.write_record(header).map_err(csv_failed)?;
        Ok(Self { writer })
    }

    /// One row. A text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage
    /// return first, and not a number) is written with a `'` before it.
    pub fn row<I, T>(&mut self, fields: I) -> Result<(), ApiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let fields: Vec<T> = fields.into_iter().collect();
        let defused: Vec<std::borrow::Cow<'_, str>> = fields
            .iter()
            .map(|f| {
                let f = f.as_ref();
                if f.starts_with(['=', '+', '-', '@', '\t', '\r']) && f.parse::<f64>().is_err() {
                    std::borrow::Cow::Owned(format!("'{f}"))
                } else {
                    std::borrow::Cow::Borrowed(f)
                }
            })
            .collect();
        self.writer
            .write_record(defused.iter().map(|f| f.as_bytes()))
            .map_err(csv_failed)
    }

    /// The export as `filename` (a plain name: letters, digits, `-`, `_`, `.`).
    pub fn respond(
        self,
        req: &HttpRequest,
        filename: &'static str,
    ) -> Result<HttpResponse, ApiError> {
        let body = self
            .writer
            .into_inner()
            .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
        let mut resp = with_etag(req, body, "text/csv; charset=utf-8");
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(resp)
    }
}

fn csv_failed(e: csv::Error) -> ApiError {
    ApiError::internal(format!("csv: {e}"))
}

/// A serialized answer with its entity tag: rendered once, answered many times (a cached view
/// is neither serialized nor hashed again).
pub struct Rendered {
    body: web::Bytes,
    etag: String,
    content_type: &'static str,
}

impl Rendered {
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        Self {
            etag: entity_tag(&body),
            body: web::Bytes::from(body),
            content_type,
        }
    }

    pub fn json<T: Serialize>(value: &T) -> Result<Self, ApiError> {
        let body =
            serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("serialize: {e}")))?;
        Ok(Self::new(body, "application/json"))
    }

    /// `304 Not Modified` when the request names this tag, else the body.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let etag = self.etag.as_str();
        if if_none_match(req, etag) {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish();
        }
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .content_type(self.content_type)
            .body(self.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        unit: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        title: String,
        targets: Vec<Inner>,
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = decode_json::<Outer>(br#"{"title": 5, "targets": []}"#).err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("title")
        );
        let e = decode_json::<Outer>(br#"{"title": "x", "targets": [{"unit": "a"}, {"unit": 1}]}"#)
            .err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("targets[1].unit")
        );
        let e = decode_json::<Outer>(br#"{"targets": []}"#).err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("title")
        );
        let e = decode_json::<Outer>(br#"{"title": "x", "targets": [{}]}"#).err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("targets[0].unit")
        );
        let e = decode_json::<Outer>(br#"{"title": "#).err();
        assert_eq!(
            e.as_ref().map(|e| e.code()),
            Some(crate::codes::MALFORMED_JSON)
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<i64>,
        theme: String,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = decode_query::<Q>("limit=abc&theme=x").err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("query.limit")
        );
        let e = decode_query::<Q>("limit=5").err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("query.theme")
        );
        assert!(decode_query::<Q>("theme=x").is_ok());
        let e = decode_query::<Q>("theme=x&theme=y").err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("query.theme")
        );
        let e = decode_query::<Q>("").err();
        assert_eq!(
            e.as_ref().map(|e| e.errors()[0].field.as_str()),
            Some("query.theme")
        );
    }
}
