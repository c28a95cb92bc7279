//! The kernel's problem codes: the `code` of a problem+json answer (and the last part of its
//! `type`, `urn:retning:problem:<code>`). Every module keeps its own in `codes.rs` beside these
//! and lists them in `Module::problem_codes`; a test holds the README's table of codes and these
//! lists equal both ways.

pub const VALIDATION_FAILED: &str = "validation.failed";
pub const MALFORMED_JSON: &str = "request.malformed_json";
pub const INVALID_PATH: &str = "request.invalid_path";
pub const UNSUPPORTED_MEDIA_TYPE: &str = "request.unsupported_media_type";
pub const TOO_LARGE: &str = "request.too_large";
pub const URI_TOO_LONG: &str = "request.uri_too_long";
pub const HEADERS_TOO_LARGE: &str = "request.headers_too_large";
pub const METHOD_NOT_ALLOWED: &str = "request.method_not_allowed";
pub const BAD_BODY: &str = "request.bad_body";
pub const BAD_REQUEST: &str = "request.bad";
pub const REQUEST_FAILED: &str = "request.failed";
pub const NOT_FOUND: &str = "not_found";
pub const AUTH_REQUIRED: &str = "auth.required";
pub const INVALID_CREDENTIALS: &str = "auth.invalid_credentials";
pub const INVALID_TOKEN: &str = "auth.invalid_token";
pub const TOKEN_EXPIRED: &str = "auth.token_expired";
pub const TOKEN_REVOKED: &str = "auth.token_revoked";
pub const INVALID_API_KEY: &str = "auth.invalid_api_key";
pub const FORBIDDEN: &str = "auth.forbidden";
pub const TOO_MANY_ATTEMPTS: &str = "auth.too_many_attempts";
pub const CONFLICT_DUPLICATE: &str = "conflict.duplicate";
pub const CONFLICT_REFERENCE: &str = "conflict.reference";
pub const CONFLICT_RETRY: &str = "conflict.retry";
pub const UNAVAILABLE: &str = "unavailable";
pub const INTERNAL: &str = "internal";

pub const ALL: &[&str] = &[
    VALIDATION_FAILED,
    MALFORMED_JSON,
    INVALID_PATH,
    UNSUPPORTED_MEDIA_TYPE,
    TOO_LARGE,
    URI_TOO_LONG,
    HEADERS_TOO_LARGE,
    METHOD_NOT_ALLOWED,
    BAD_BODY,
    BAD_REQUEST,
    REQUEST_FAILED,
    NOT_FOUND,
    AUTH_REQUIRED,
    INVALID_CREDENTIALS,
    INVALID_TOKEN,
    TOKEN_EXPIRED,
    TOKEN_REVOKED,
    INVALID_API_KEY,
    FORBIDDEN,
    TOO_MANY_ATTEMPTS,
    CONFLICT_DUPLICATE,
    CONFLICT_REFERENCE,
    CONFLICT_RETRY,
    UNAVAILABLE,
    INTERNAL,
];
