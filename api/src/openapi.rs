//! The OpenAPI document: paths come from route registration; this adds what is common.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    }
}

pub fn base() -> OpenApi {
    BaseDoc::openapi()
}

/// What the kernel adds to every operation the modules declare: one parameter per name, the
/// problem responses, and the rules of request texts.
pub fn complete(doc: &mut OpenApi) {
    one_parameter_per_name(doc);
    add_problem_responses(doc);
    add_request_rules(doc);
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

fn problem(description: &str) -> RefOr<openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                retning_kernel::error::PROBLEM_CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(openapi::Ref::from_schema_name("Problem")))
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
                    .or_insert_with(|| problem(description));
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
