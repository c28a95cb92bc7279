//! RFC 9457 problem details: the one error shape of the API.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON path into the request (`period_end`, `targets[2].unit`, `query.limit`).
    pub field: String,
    /// Stable machine-readable reason (`required`, `too_long`, `out_of_range`, `cpr_number`, …).
    pub code: String,
    /// The reason for a person.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response (`application/problem+json`, RFC 9457).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:retning:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable, lower-case, dotted (`validation.failed`, `auth.invalid_credentials`).
    pub code: String,
    /// The request id, also in the `x-request-id` header and in every log line of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The error type of every handler and repository.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: Option<String>,
    errors: Vec<FieldError>,
    /// Logged, never shown.
    internal: Option<String>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: Some(detail.into()),
            errors: Vec::new(),
            internal: None,
            retry_after_secs: None,
        }
    }

    pub fn with_fields(
        status: StatusCode,
        code: &'static str,
        detail: impl Into<String>,
        errors: Vec<FieldError>,
    ) -> Self {
        Self {
            errors,
            ..Self::new(status, code, detail)
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            crate::codes::NOT_FOUND,
            format!("{what} not found"),
        )
    }
    pub fn bad_request(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, crate::codes::FORBIDDEN, detail)
    }
    pub fn conflict(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    /// 422 with one named field.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }
    /// 422 listing every invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::codes::VALIDATION_FAILED,
                detail,
            )
        }
    }
    /// 422 with a module-specific code, still naming the fields.
    pub fn rule(
        code: impl Into<Cow<'static, str>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        let field = field.into();
        Self {
            errors: vec![FieldError::new(field.clone(), "rule", message.clone())],
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                format!("{field}: {message}"),
            )
        }
    }
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                crate::codes::TOO_MANY_ATTEMPTS,
                "too many attempts; try again later",
            )
        }
    }
    pub fn unavailable(internal: impl Into<String>) -> Self {
        Self {
            internal: Some(internal.into()),
            retry_after_secs: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                crate::codes::UNAVAILABLE,
                "the service is busy; try again",
            )
        }
    }
    pub fn internal(internal: impl Into<String>) -> Self {
        Self {
            internal: Some(internal.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                crate::codes::INTERNAL,
                "an internal error occurred; quote the request id when reporting it",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            type_: format!("urn:retning:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            request_id: crate::request_id::current(),
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(code = %self.code, cause = self.internal.as_deref().unwrap_or("-"), "request failed");
        } else {
            tracing::debug!(code = %self.code, "request refused");
        }
        let mut resp = HttpResponse::build(self.status);
        resp.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(secs) = self.retry_after_secs {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.body(serde_json::to_string(&self.to_problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => ApiError::not_found("object"),
            E::DatabaseError(K::UniqueViolation, _) => ApiError::conflict(
                crate::codes::CONFLICT_DUPLICATE,
                "an object with the same unique value exists",
            ),
            E::DatabaseError(K::ForeignKeyViolation, _) => ApiError::conflict(
                crate::codes::CONFLICT_REFERENCE,
                "the change refers to an object that does not exist, or is still referred to",
            ),
            E::DatabaseError(K::SerializationFailure, _) => ApiError {
                retry_after_secs: Some(1),
                ..ApiError::conflict(
                    crate::codes::CONFLICT_RETRY,
                    "a concurrent change won; retry",
                )
            },
            // SQLite's busy timeout ran out while other writers held the database: the request
            // did nothing and may be repeated, like a pool that has no connection to give.
            E::DatabaseError(_, info) if info.message().contains("database is locked") => {
                ApiError::unavailable(format!("database busy: {e}"))
            }
            E::DatabaseError(K::CheckViolation, _) | E::DatabaseError(K::NotNullViolation, _) => {
                ApiError::internal(format!("constraint not caught by validation: {e}"))
            }
            _ => ApiError::internal(format!("database: {e}")),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::unavailable(format!("database pool: {e}"))
    }
}

/// Collects field errors while validating a request.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(
        &mut self,
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(FieldError::new(field, code, message));
    }
    /// A required text: not blank, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "required", "must not be blank");
        } else if value.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            );
        }
    }
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            if v.chars().count() > max {
                self.add(
                    field,
                    "too_long",
                    format!("must be at most {max} characters"),
                );
            }
        }
    }
    pub fn check(&mut self, ok: bool, field: &str, code: &str, message: impl Into<String>) {
        if !ok {
            self.add(field, code, message);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn internal_errors_show_only_the_request_id() {
        let err =
            ApiError::internal("SELECT * FROM users; /var/lib/retning/secret.db: disk I/O error");
        let resp = crate::request_id::REQUEST_ID
            .scope("abc123".to_owned(), async { err.error_response() })
            .await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(resp.into_body())
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("\"request_id\":\"abc123\""), "{text}");
        for leak in ["SELECT", "/var/lib", "disk I/O"] {
            assert!(!text.contains(leak), "{leak} leaked: {text}");
        }
    }

    #[test]
    fn database_errors_map_to_statuses() {
        let busy = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new(String::from("database is locked")),
        );
        let busy = ApiError::from(busy);
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.code(), crate::codes::UNAVAILABLE);
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        struct Info;
        impl diesel::result::DatabaseErrorInformation for Info {
            fn message(&self) -> &str {
                "duplicate key value violates unique constraint \"users_username_key\""
            }
            fn details(&self) -> Option<&str> {
                None
            }
            fn hint(&self) -> Option<&str> {
                None
            }
            fn table_name(&self) -> Option<&str> {
                None
            }
            fn column_name(&self) -> Option<&str> {
                None
            }
            fn constraint_name(&self) -> Option<&str> {
                None
            }
            fn statement_position(&self) -> Option<i32> {
                None
            }
        }
        assert_eq!(ApiError::from(E::NotFound).status(), StatusCode::NOT_FOUND);
        let dup = ApiError::from(E::DatabaseError(K::UniqueViolation, Box::new(Info)));
        assert_eq!(
            (dup.status(), dup.code()),
            (StatusCode::CONFLICT, crate::codes::CONFLICT_DUPLICATE)
        );
        assert!(!dup
            .to_problem()
            .detail
            .unwrap_or_default()
            .contains("users_username_key"));
        let fk = ApiError::from(E::DatabaseError(K::ForeignKeyViolation, Box::new(Info)));
        assert_eq!(fk.status(), StatusCode::CONFLICT);
        assert_eq!(
            ApiError::from(E::RollbackTransaction).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
