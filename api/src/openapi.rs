//! The OpenAPI document: paths come from route registration; this adds what is common.

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{self, ContentBuilder, OpenApi, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Retning",
        description = "Danish municipalities' strategies for vulnerable children and families, side by side, \
            with the facts they steer by. Errors are RFC 9457 problem details (`application/problem+json`) with a \
            stable `code`; validation errors list the fields in `errors`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(retning_kernel::Problem, retning_kernel::FieldError)),
    tags(
        (name = "municipalities", description = "The tenants, their module switches and their audit log"),
        (name = "auth", description = "Login and the caller"),
        (name = "users", description = "A municipality's users (admins)"),
        (name = "api-keys", description = "API keys for dashboards (admins)"),
        (name = "health", description = "Liveness and readiness"),
        (name = "goals", description = "Strategies as trees, measurable targets, measurements, derived progress and assessment, themes, comparison"),
        (name = "placements", description = "Measures on the staircase and the statistics the targets are written in (no CPR number, ever)"),
        (name = "evidence", description = "Evidence programmes: the catalogue, which municipality runs what, partnerships and their shares"),
        (name = "offers", description = "Inter-municipal shared offers: places published by one municipality, requested by others, never overbooked"),
    ),
    modifiers(&Common)
)]
pub struct BaseDoc;

struct Common;

impl Modify for Common {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or API key")
                    .description(Some(
                        "An access token from POST /api/v1/auth/login, or an API key (rtn_…).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key (rtn_…), as an alternative to `Authorization: Bearer <key>`; send one of the two headers, not both.",
            ))),
        );
    }
}

pub fn base() -> OpenApi {
    BaseDoc::openapi()
}

/// What the kernel adds to every operation the modules declare: one parameter per name, the
/// problem responses, and the rules of request texts.
pub fn complete(doc: &mut OpenApi) {
    one_parameter_per_name(doc);
    add_api_key_header(doc);
    add_problem_responses(doc);
    add_request_rules(doc);
    add_conditional_get(doc);
    add_request_id(doc);
    add_examples(doc);
}

fn operations(
    item: &mut openapi::PathItem,
) -> [(&'static str, Option<&mut openapi::path::Operation>); 5] {
    [
        ("GET", item.get.as_mut()),
        ("POST", item.post.as_mut()),
        ("PUT", item.put.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("DELETE", item.delete.as_mut()),
    ]
}

/// Every operation that takes a bearer credential takes an API key in `X-API-Key` as well.
fn add_api_key_header(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            let Some(op) = op else { continue };
            let Some(security) = op.security.as_mut() else {
                continue;
            };
            let bearer = security
                .iter()
                .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()));
            if bearer {
                security.push(SecurityRequirement::new("api_key", Vec::<String>::new()));
            }
        }
    }
}

fn string_header(description: &str) -> openapi::header::Header {
    openapi::header::HeaderBuilder::new()
        .schema(openapi::ObjectBuilder::new().schema_type(openapi::schema::Type::String))
        .description(Some(description))
        .build()
}

/// Every successful GET carries an `ETag` and answers `If-None-Match` with that tag by `304 Not
/// Modified` (`http::etag_middleware`, or the cached views' own tags): documented on every GET.
fn add_conditional_get(doc: &mut OpenApi) {
    use openapi::path::{ParameterBuilder, ParameterIn};
    for item in doc.paths.paths.values_mut() {
        let Some(op) = item.get.as_mut() else {
            continue;
        };
        let params = op.parameters.get_or_insert_with(Vec::new);
        if !params.iter().any(|p| p.name == "If-None-Match") {
            params.push(
                ParameterBuilder::new()
                    .name("If-None-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(openapi::Required::False)
                    .description(Some(
                        "An `ETag` of an earlier answer: when the answer is still the same, `304 Not Modified` with no body.",
                    ))
                    .schema(Some(
                        openapi::ObjectBuilder::new().schema_type(openapi::schema::Type::String),
                    ))
                    .build(),
            );
        }
        if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
            ok.headers.insert(
                "ETag".to_owned(),
                string_header("The answer's entity tag; send it back in `If-None-Match`."),
            );
        }
        let mut unchanged = ResponseBuilder::new()
            .description("Unchanged since the ETag in If-None-Match (no body)")
            .build();
        unchanged.headers.insert(
            "ETag".to_owned(),
            string_header("The entity tag, unchanged."),
        );
        op.responses
            .responses
            .insert("304".to_owned(), RefOr::T(unchanged));
    }
}

/// Every answer carries `x-request-id` (the caller's, when it is short and plain, else a new
/// one); problems repeat it as `request_id`.
fn add_request_id(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            let Some(op) = op else { continue };
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response.headers.insert(
                        "x-request-id".to_owned(),
                        string_header(
                            "The request's id: the caller's own `x-request-id` when it is at most 64 letters, digits, `-`, `_` or `.`, else a new one. Quote it when reporting a problem; it is in the server's log.",
                        ),
                    );
                }
            }
        }
    }
}

/// Examples of what a dashboard reads most, and of a problem.
fn add_examples(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, example) in [
        ("TargetView", target_example()),
        ("Problem", problem_example()),
    ] {
        if let Some(RefOr::T(openapi::Schema::Object(obj))) = components.schemas.get_mut(name) {
            obj.examples = vec![example];
        }
    }
}

/// One of Vordingborg's targets as the seed has it, judged from (synthetic) demo measurements.
fn target_example() -> serde_json::Value {
    serde_json::json!({
        "id": 212,
        "strategy_id": 4,
        "node_id": 131,
        "title": "Andelen af anbringelser i plejefamilie øges",
        "indicator": "Andel af anbragte børn og unge, der er anbragt i plejefamilie",
        "unit": "percent",
        "direction": "increase",
        "baseline_value": 50.0,
        "baseline_date": "2013-12-31",
        "target_value": 60.0,
        "deadline": "2018-12-31",
        "frequency": "annual",
        "owner_unit": {"key": "familieafdelingen", "name": "Familieafdelingen"},
        "source": "manual",
        "computed_indicator": null,
        "themes": ["placement-pattern"],
        "latest": {"date": "2017-12-31", "value": 57.5, "note": "Syntetisk demodata", "computed": false},
        "progress": 75.0,
        "progress_unclamped": 75.0,
        "assessment": "likely",
        "trend": "positive",
        "stale": false,
        "created_at": "2026-12-01T08:00:00Z",
        "updated_at": "2026-12-01T08:00:00Z"
    })
}

fn problem_example() -> serde_json::Value {
    serde_json::json!({
        "type": "urn:retning:problem:validation.failed",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "the request has invalid fields",
        "code": "validation.failed",
        "request_id": "6f1c0a9e2b7d4c3a8e5f1b2c",
        "errors": [{"field": "target_value", "code": "required", "message": "is required for a target with a deadline"}]
    })
}

/// utoipa adds a path parameter it finds in the handler's arguments (`web::Path<String>`) even
/// when the operation declares it through a shared `IntoParams` type (`MunicipalityPath`); the
/// declared one, which comes first and carries the description and pattern, is kept.
fn one_parameter_per_name(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            if let Some(params) = op.parameters.as_mut() {
                let mut seen = Vec::new();
                params.retain(|p| {
                    let key = (p.name.clone(), p.parameter_in.clone());
                    let first = !seen.contains(&key);
                    seen.push(key);
                    first
                });
            }
        }
    }
}

fn problem(status: &str, description: &str) -> RefOr<openapi::Response> {
    let (code, detail) = match status {
        "400" => ("request.malformed_json", "the body is not valid JSON"),
        "401" => (
            "auth.required",
            "this action needs a bearer token or API key",
        ),
        "403" => ("auth.forbidden", "your role does not allow this action"),
        "404" => ("not_found", "strategy not found"),
        "409" => (
            "conflict.duplicate",
            "an object with this key exists already",
        ),
        "413" => ("request.too_large", "the request body is too large"),
        "415" => (
            "request.unsupported_media_type",
            "the body must be application/json",
        ),
        "500" => (
            "internal",
            "an internal error occurred; quote the request id when reporting it",
        ),
        "503" => ("unavailable", "the database is busy or unreachable; retry"),
        _ => ("validation.failed", "the request has invalid fields"),
    };
    let mut example = problem_example();
    if status != "422" {
        example["type"] = format!("urn:retning:problem:{code}").into();
        example["title"] = actix_web::http::StatusCode::from_bytes(status.as_bytes())
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
            .into();
        example["status"] = status.parse::<u16>().unwrap_or(500).into();
        example["detail"] = detail.into();
        example["code"] = code.into();
        example["errors"] = serde_json::json!([]);
    }
    problem_with(description, example)
}

fn problem_with(description: &str, example: serde_json::Value) -> RefOr<openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                retning_kernel::error::PROBLEM_CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(openapi::Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build(),
    )
}

/// Adds the problem responses every operation can give, by what the operation takes.
fn add_problem_responses(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ];
        for (write, op) in ops {
            let Some(op) = op else { continue };
            let secured = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().any(|r| {
                    serde_json::to_value(r)
                        .is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                })
            });
            let has_body = op.request_body.is_some();
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(status, description));
            };
            if has_body || has_params {
                add("400", "Malformed request (JSON syntax, path parameter)");
            }
            if secured {
                add("401", "Missing, expired or invalid credentials");
                add("403", "The credentials lack the permission");
            }
            add("404", "Not found, or another municipality's private object");
            if has_body {
                add("413", "Body too large");
                add("415", "Body is not application/json");
            }
            if write && secured {
                // Any write can meet a concurrent one (`conflict.duplicate`, `conflict.reference`,
                // `conflict.retry`, from the database), and some refuse by the object's state.
                add(
                    "409",
                    "A conflicting or concurrent change, or the object's state forbids it (`code` says which)",
                );
            }
            if has_body || has_params {
                add("422", "Invalid fields, named in `errors`");
            }
            add("500", "Internal error; the body carries the request id");
            add("503", "Database busy or unreachable; retry");
        }
    }
}

/// Text the screen lets through in a JSON string: no control character but tab, line feed and
/// carriage return (`retning_kernel::screen`).
const JSON_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// Text the screen lets through in a path segment or a query parameter: no control character.
const PARAMETER_TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// A required text (`Validator::text`, documented with exactly `min_length = 1`): JSON text with at least
/// one character that is neither a control character nor white space as Rust's `trim` sees it.
const REQUIRED_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\u0000-\u001F\u007F-\u009F\u0020\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// Writes into the document what every request is held to before any handler sees it, so that
/// the document is not looser than the API: the screen's refusal of control characters, as a
/// `pattern` on every string a request can carry (parameters and JSON bodies) that has no
/// pattern, enum or date format of its own; a required text (exactly `min_length = 1`) must not
/// be blank; and integers keep to the width of their format (`int32`, `int64`), as the decoder
/// does. Components reached from a request body get the rules too (they describe the same text
/// in answers, where it is true as well: nothing else gets in).
fn add_request_rules(doc: &mut OpenApi) {
    use std::collections::BTreeSet;
    let mut refs = BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            for param in op.parameters.iter_mut().flatten() {
                if let Some(schema) = param.schema.as_mut() {
                    request_rules(schema, PARAMETER_TEXT, &mut refs);
                }
            }
            if let Some(body) = op.request_body.as_mut() {
                if let Some(schema) = body
                    .content
                    .get_mut("application/json")
                    .and_then(|c| c.schema.as_mut())
                {
                    request_rules(schema, JSON_TEXT, &mut refs);
                }
            }
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut done = BTreeSet::new();
    while let Some(name) = refs.iter().find(|n| !done.contains(*n)).cloned() {
        if let Some(schema) = components.schemas.get_mut(&name) {
            request_rules(schema, JSON_TEXT, &mut refs);
        }
        done.insert(name);
    }
}

fn request_rules(
    schema: &mut RefOr<openapi::Schema>,
    text: &'static str,
    refs: &mut std::collections::BTreeSet<String>,
) {
    use openapi::schema::{
        AdditionalProperties, ArrayItems, KnownFormat, Schema, SchemaFormat, SchemaType, Type,
    };
    let has = |t: &SchemaType, want: Type| match t {
        SchemaType::Type(t) => *t == want,
        SchemaType::Array(ts) => ts.contains(&want),
        SchemaType::AnyValue => false,
    };
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                refs.insert(name.to_owned());
            }
        }
        RefOr::T(Schema::Object(obj)) => {
            let format = match &obj.format {
                Some(SchemaFormat::KnownFormat(f)) => Some(f.clone()),
                _ => None,
            };
            if has(&obj.schema_type, Type::String)
                && obj.enum_values.is_none()
                && obj.pattern.is_none()
                && !matches!(format, Some(KnownFormat::Date | KnownFormat::DateTime))
            {
                let pattern = if obj.min_length == Some(1) && text == JSON_TEXT {
                    REQUIRED_TEXT
                } else {
                    text
                };
                obj.pattern = Some(pattern.to_owned());
            }
            if has(&obj.schema_type, Type::Integer) && obj.enum_values.is_none() {
                let width: Option<(i64, i64)> = match format {
                    Some(KnownFormat::Int32) => Some((i32::MIN.into(), i32::MAX.into())),
                    Some(KnownFormat::Int64) => Some((i64::MIN, i64::MAX)),
                    _ => None,
                };
                if let Some((min, max)) = width {
                    obj.minimum.get_or_insert(utoipa::Number::from(min));
                    obj.maximum.get_or_insert(utoipa::Number::from(max));
                }
            }
            for inner in obj.properties.values_mut() {
                request_rules(inner, text, refs);
            }
            if let Some(extra) = obj.additional_properties.as_mut() {
                if let AdditionalProperties::RefOr(inner) = extra.as_mut() {
                    request_rules(inner, text, refs);
                }
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(inner) = &mut array.items {
                request_rules(inner, text, refs);
            }
        }
        RefOr::T(Schema::OneOf(one)) => {
            for inner in &mut one.items {
                request_rules(inner, text, refs);
            }
        }
        RefOr::T(Schema::AllOf(all)) => {
            for inner in &mut all.items {
                request_rules(inner, text, refs);
            }
        }
        RefOr::T(Schema::AnyOf(any)) => {
            for inner in &mut any.items {
                request_rules(inner, text, refs);
            }
        }
        RefOr::T(_) => {}
    }
}
