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
pub fn add_problem_responses(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
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
            if has_body || has_params {
                add("422", "Invalid fields, named in `errors`");
            }
            add("500", "Internal error; the body carries the request id");
            add("503", "Database busy or unreachable; retry");
        }
    }
}
