//! The data-protection screen: a step of the request pipeline that every request passes, before
//! authentication and before any handler or extractor sees it.
//!
//! It refuses, naming the field and never repeating the value:
//! - a CPR-shaped number anywhere a client can put text: path segments, query parameter names
//!   and values, every string, number and object key of a JSON body, every CSV cell and header;
//!   any other body is screened as text;
//! - control characters (NUL and the like) in paths, queries and JSON text, which PostgreSQL
//!   cannot store and no person types; tab, line feed and carriage return stay allowed in JSON
//!   strings;
//! - JSON arrays longer than [`MAX_ARRAY_ITEMS`], so no handler has to bound its own lists
//!   (SQLite's variable limit, memory) and none can forget to.
//!
//! A body is read whole here (up to the body limit, or the import limit for CSV) and handed on
//! unchanged, so handlers and extractors never see an unscreened byte.

use std::borrow::Cow;

use actix_web::dev::ServiceRequest;
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use futures_util::StreamExt;
use serde_json::Value;

use crate::cpr;
use crate::error::{ApiError, FieldError};
use crate::http::{BodyLimit, RouteMethods};
use crate::ImportLimit;

/// The most items a JSON array in a request body may hold.
pub const MAX_ARRAY_ITEMS: usize = 1000;
/// At most this many fields are named in one refusal.
const MAX_ERRORS: usize = 50;

pub const CONTROL_CODE: &str = "control_character";
const CONTROL_MESSAGE: &str = "contains a control character (such as NUL), which is not accepted";
pub const TOO_MANY_CODE: &str = "too_many_items";

/// A control character that text never needs. `allow_lines` keeps tab, line feed and carriage
/// return (free text in JSON); paths and queries take none.
fn has_control(text: &str, allow_lines: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(allow_lines && matches!(c, '\t' | '\n' | '\r')))
}

fn control_error(field: impl Into<String>) -> FieldError {
    FieldError::new(field, CONTROL_CODE, CONTROL_MESSAGE)
}

/// The longest request target (path and query) answered with a problem: actix's own parser
/// refuses targets over 65,534 bytes with a bare 400, so ours is stricter and says why.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes and headers answered with a problem; actix refuses a head over 128 KiB
/// or with more than 96 headers with a bare 431 before any middleware runs.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
pub const MAX_HEADERS: usize = 64;

/// Screens path, query and body; on success the body (if any) has been put back for the handler.
pub async fn screen(req: &mut ServiceRequest) -> Result<(), ApiError> {
    screen_size(req)?;
    screen_path(req)?;
    screen_query(req.query_string())?;
    if may_have_body(req) {
        let body = read_body(req).await?;
        screen_body(req, &body)?;
        req.set_payload(payload_of(body));
    }
    Ok(())
}

fn screen_size(req: &ServiceRequest) -> Result<(), ApiError> {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            crate::codes::URI_TOO_LONG,
            format!("the path and query may be at most {MAX_URI_BYTES} bytes"),
        ));
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            crate::codes::HEADERS_TOO_LARGE,
            format!(
                "at most {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes in all are accepted"
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Path

fn screen_path(req: &ServiceRequest) -> Result<(), ApiError> {
    let raw = req.path();
    let mut bad: Option<(usize, &'static str)> = None;
    for (i, segment) in raw.split('/').enumerate() {
        let decoded = percent_encoding::percent_decode_str(segment);
        let Ok(text) = decoded.decode_utf8() else {
            bad = Some((i, "invalid_utf8"));
            break;
        };
        if has_control(&text, false) {
            bad = Some((i, CONTROL_CODE));
            break;
        }
        if cpr::find_cpr(&text) {
            bad = Some((i, cpr::CODE));
            break;
        }
    }
    let Some((index, code)) = bad else {
        return Ok(());
    };
    let field = path_parameter_name(req, index)
        .map_or_else(|| "path".to_owned(), |name| format!("path.{name}"));
    let message = match code {
        c if c == cpr::CODE => cpr::MESSAGE,
        c if c == CONTROL_CODE => CONTROL_MESSAGE,
        _ => "is not valid UTF-8",
    };
    Err(ApiError::with_fields(
        StatusCode::BAD_REQUEST,
        crate::codes::INVALID_PATH,
        "a path segment is not accepted",
        vec![FieldError::new(field, code, message)],
    ))
}

/// The name of the route parameter at segment `index` of the request path, from the routes the
/// spec documents (`{municipality}`, `{id}`).
fn path_parameter_name(req: &ServiceRequest, index: usize) -> Option<String> {
    let routes = req.app_data::<web::Data<RouteMethods>>()?;
    let path = req.path();
    routes
        .templates()
        .filter(|(def, _)| def.is_match(path))
        .find_map(|(_, template)| {
            let segment = template.split('/').nth(index)?;
            let name = segment.strip_prefix('{')?.strip_suffix('}')?;
            Some(name.split(':').next().unwrap_or(name).to_owned())
        })
}

// ---------------------------------------------------------------------------------------------
// Query

fn screen_query(query: &str) -> Result<(), ApiError> {
    if query.is_empty() {
        return Ok(());
    }
    let mut errors = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        // A name that is itself unacceptable is never repeated: the query as a whole is named.
        let name_ok = !has_control(&name, false) && !cpr::find_cpr(&name) && plain_name(&name);
        let field = if name_ok {
            format!("query.{name}")
        } else {
            "query".to_owned()
        };
        if has_control(&name, false) || has_control(&value, false) {
            errors.push(control_error(field));
        } else if cpr::find_cpr(&name) || cpr::find_cpr(&value) {
            errors.push(cpr::field_error(field));
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    finish(errors)
}

/// A parameter or key name that may be repeated in a problem: short, letters, digits, `_`, `-`, `.`.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'))
}

fn finish(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Body

fn may_have_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0");
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    (declared || chunked) && req.method() != Method::HEAD
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Csv,
    Other,
}

fn kind(req: &ServiceRequest) -> Kind {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Kind::Json
    } else if mime == "text/csv" || mime == "application/csv" {
        Kind::Csv
    } else {
        Kind::Other
    }
}

async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let limit = match kind(req) {
        Kind::Csv => req
            .app_data::<ImportLimit>()
            .map_or(16 * 1024 * 1024, |l| l.0),
        _ => req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0),
    };
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
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        if len > limit {
            return Err(too_large());
        }
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(crate::codes::BAD_BODY, "the body could not be read")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn payload_of(body: Bytes) -> actix_web::dev::Payload {
    actix_web::dev::Payload::from(body)
}

fn screen_body(req: &ServiceRequest, body: &[u8]) -> Result<(), ApiError> {
    match kind(req) {
        Kind::Json => match serde_json::from_slice::<Value>(body) {
            Ok(value) => finish(json_errors(&value)),
            // Malformed JSON is refused by the body extractor (with line and column only); its
            // text is still screened so nothing CPR-shaped passes in any form.
            Err(_) => screen_text(body),
        },
        Kind::Csv => finish(csv_errors(body)),
        Kind::Other => screen_text(body),
    }
}

fn screen_text(body: &[u8]) -> Result<(), ApiError> {
    let text = String::from_utf8_lossy(body);
    if cpr::find_cpr(&text) {
        Err(ApiError::validation(vec![cpr::field_error("body")]))
    } else {
        Ok(())
    }
}

/// Every refused field of a JSON document, by JSON path (`targets[2].unit`; `body` for the top).
/// An object key that is refused is reported as the object that holds it.
pub fn json_errors(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, &mut String::new(), &mut errors);
    errors
}

fn walk(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
    if errors.len() >= MAX_ERRORS {
        return;
    }
    let here = |path: &str| -> String {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(s) => {
            if has_control(s, true) {
                errors.push(control_error(here(path)));
            } else if cpr::find_cpr(s) {
                errors.push(cpr::field_error(here(path)));
            }
        }
        Value::Number(n) => {
            if cpr::find_cpr(&n.to_string()) {
                errors.push(cpr::field_error(here(path)));
            }
        }
        Value::Array(items) => {
            if items.len() > MAX_ARRAY_ITEMS {
                errors.push(FieldError::new(
                    here(path),
                    TOO_MANY_CODE,
                    format!("may hold at most {MAX_ARRAY_ITEMS} items"),
                ));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if has_control(key, false) {
                    errors.push(control_error(here(path)));
                    continue;
                }
                if cpr::find_cpr(key) {
                    errors.push(cpr::field_error(here(path)));
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if plain_name(key) {
                    path.push_str(key);
                } else {
                    path.push_str("(key)");
                }
                walk(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
}

/// Every refused CSV cell as `rows[N].column` (N counts data rows from 1), or `header`.
pub fn csv_errors(body: &[u8]) -> Vec<FieldError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut errors = Vec::new();
    let mut columns: Vec<Cow<'_, str>> = Vec::new();
    for (n, record) in reader.byte_records().enumerate() {
        let Ok(record) = record else {
            // Not CSV (the import refuses it as such); screen what it holds as text.
            if let Err(e) = screen_text(body) {
                return e.errors().to_vec();
            }
            break;
        };
        for (i, cell) in record.iter().enumerate() {
            let cell = String::from_utf8_lossy(cell);
            let field = if n == 0 {
                "header".to_owned()
            } else {
                let column = columns
                    .get(i)
                    .map_or_else(|| format!("column{}", i + 1), |c| c.to_string());
                format!("rows[{n}].{column}")
            };
            if cpr::find_cpr(&cell) {
                errors.push(cpr::field_error(field));
            } else if has_control(&cell, true) {
                errors.push(control_error(field));
            }
            if n == 0 {
                let name = cell.trim().to_ascii_lowercase();
                columns.push(if plain_name(&name) && !cpr::find_cpr(&name) {
                    Cow::Owned(name)
                } else {
                    Cow::Owned(format!("column{}", i + 1))
                });
            }
            if errors.len() >= MAX_ERRORS {
                return errors;
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn json_names_every_refused_field() {
        let v = serde_json::json!({
            "title": "ok",
            "note": "a\u{0}b",
            "body": "line\nbreak\tand tab",
            "themes": ["x", "cpr 010190-1234"],
            "nested": {"0101901234": 1, "n": 1501901234_i64},
        });
        assert_eq!(
            fields(&json_errors(&v)),
            vec![
                ("nested", "cpr_number"),
                ("nested.n", "cpr_number"),
                ("note", "control_character"),
                ("themes[1]", "cpr_number"),
            ]
        );
        let long = Value::Array(vec![Value::from("x"); MAX_ARRAY_ITEMS + 1]);
        let v = serde_json::json!({"themes": long});
        assert_eq!(fields(&json_errors(&v)), vec![("themes", "too_many_items")]);
        let ok = Value::Array(vec![Value::from("x"); MAX_ARRAY_ITEMS]);
        assert!(json_errors(&ok).is_empty());
        let v = serde_json::json!({"a\u{0}": 1});
        assert_eq!(
            fields(&json_errors(&v)),
            vec![("body", "control_character")]
        );
    }

    #[test]
    fn csv_cells_are_named_by_row_and_column() {
        let csv = "child_ref,note\nA-1,ok\nA-2,ring 0101901234\n0101901234,\n";
        assert_eq!(
            fields(&csv_errors(csv.as_bytes())),
            vec![
                ("rows[2].note", "cpr_number"),
                ("rows[3].child_ref", "cpr_number")
            ]
        );
        let csv = "child_ref,010190-1234\n";
        assert_eq!(
            fields(&csv_errors(csv.as_bytes())),
            vec![("header", "cpr_number")]
        );
        let csv = "a,b\n\"x\u{0}\",y\n";
        assert_eq!(
            fields(&csv_errors(csv.as_bytes())),
            vec![("rows[1].a", "control_character")]
        );
    }

    #[test]
    fn queries_name_the_parameter_never_the_value() {
        let e = screen_query("short_name=010190-1234").err();
        assert_eq!(
            e.as_ref().map(|e| fields(e.errors())),
            Some(vec![("query.short_name", "cpr_number")])
        );
        let e = screen_query("010190-1234=x").err();
        assert_eq!(
            e.as_ref().map(|e| fields(e.errors())),
            Some(vec![("query", "cpr_number")])
        );
        let e = screen_query("short_name=%00").err();
        assert_eq!(
            e.as_ref().map(|e| fields(e.errors())),
            Some(vec![("query.short_name", "control_character")])
        );
        assert!(screen_query("limit=50&sort=-title&q=SAG-2016-0042").is_ok());
    }
}
