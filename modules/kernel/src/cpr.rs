//! CPR numbers never enter Retning: a detector every module runs over what it is given.
//!
//! A CPR number is `DDMMYY-SSSS` or `DDMMYYSSSS`. Since 2007 numbers without the modulus-11
//! check are issued, so the shape and a valid calendar date decide, never a checksum. A match
//! must not be part of a longer run of digits (`20160101123456` is not one); letters around it do
//! not save it (`sag0101901234` is one). Besides `-`, a space and the Unicode hyphens and en dash
//! are taken as the separator, as people write them.
//!
//! The offending value is never repeated: a refusal names the field, not what it held, and
//! nothing here logs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, FieldError};
use crate::http::{decode_json, Json};

/// The field error code of a refused CPR-shaped value.
pub const CODE: &str = "cpr_number";
pub const MESSAGE: &str =
    "looks like a CPR number; CPR numbers are never accepted (use the municipality's own case key)";

/// Whether `text` contains a CPR-shaped number anywhere.
pub fn find_cpr(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &b[start..i];
        if run.len() == 10 && valid_date(run) {
            return true;
        }
        if run.len() == 6 && valid_date(run) {
            if let Some(after) = separator_len(&b[i..]) {
                let s = i + after;
                let mut e = s;
                while e < b.len() && b[e].is_ascii_digit() {
                    e += 1;
                }
                if e - s == 4 {
                    return true;
                }
            }
        }
    }
    false
}

/// The length in bytes of a separator at the start of `rest`, if there is one.
fn separator_len(rest: &[u8]) -> Option<usize> {
    match rest {
        [b'-' | b' ', ..] => Some(1),
        // U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure dash, U+2013 en dash.
        [0xE2, 0x80, 0x90..=0x93, ..] => Some(3),
        // U+00A0 no-break space.
        [0xC2, 0xA0, ..] => Some(2),
        _ => None,
    }
}

/// `DDMMYY` at the start of `d` is a calendar date in some century: 29 February only where
/// `YY` is divisible by four (00 included).
fn valid_date(d: &[u8]) -> bool {
    let num = |k: usize| u32::from(d[k] - b'0') * 10 + u32::from(d[k + 1] - b'0');
    let (day, month, year) = (num(0), num(2), num(4));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The JSON path (`legal_basis.paragraph`, `rows[2].note`) of the first string or number in
/// `value` holding a CPR-shaped number. An object key holding one is reported as the object
/// that contains it (`body` at the top), so the key itself is never repeated.
pub fn find_cpr_in_json(value: &Value) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        let here = || {
            if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            }
        };
        match value {
            Value::String(s) => find_cpr(s).then(here),
            Value::Number(n) => find_cpr(&n.to_string()).then(here),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                if find_cpr(k) {
                    return Some(here());
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &p)
            }),
            Value::Null | Value::Bool(_) => None,
        }
    }
    walk(value, "")
}

/// The field error for a CPR-shaped value in `field`.
pub fn field_error(field: impl Into<String>) -> FieldError {
    FieldError::new(field, CODE, MESSAGE)
}

/// 422 naming the first field of `value` that holds a CPR-shaped number.
pub fn check_json(value: &Value) -> Result<(), ApiError> {
    match find_cpr_in_json(value) {
        Some(path) => Err(ApiError::validation(vec![field_error(path)])),
        None => Ok(()),
    }
}

/// 422 naming `field` when `text` holds a CPR-shaped number (query parameters, CSV cells).
pub fn check_text(field: &str, text: &str) -> Result<(), ApiError> {
    if find_cpr(text) {
        Err(ApiError::validation(vec![field_error(field)]))
    } else {
        Ok(())
    }
}

/// A JSON body screened for CPR numbers before it is decoded into `T`, so that a CPR number
/// is refused (422 naming the field) even where `T` would have refused the value with a
/// message repeating it.
#[derive(Debug)]
pub struct NoCpr<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for NoCpr<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let Json(value) = body.await?;
            check_json(&value)?;
            let bytes = serde_json::to_vec(&value)
                .map_err(|e| ApiError::internal(format!("re-encode: {e}")))?;
            decode_json(&bytes).map(NoCpr)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpr_shapes() {
        let table: &[(&str, bool)] = &[
            // with and without the dash
            ("010190-1234", true),
            ("0101901234", true),
            ("311299-0001", true),
            ("3112990001", true),
            // other separators people type
            ("010190 1234", true),
            ("010190\u{2013}1234", true),
            ("010190\u{2011}1234", true),
            ("010190\u{a0}1234", true),
            // inside longer text, next to letters and punctuation
            ("barnets cpr er 010190-1234, se sagen", true),
            ("sag0101901234", true),
            ("(0101901234)", true),
            ("ref:010190-1234x", true),
            ("a\n150690-1234\n", true),
            // leap days: 29 February only in years divisible by four (00 included)
            ("290200-1234", true),
            ("2902001234", true),
            ("290296-1234", true),
            ("290297-1234", false),
            ("2902971234", false),
            ("300200-1234", false),
            // invalid dates
            ("320190-1234", false),
            ("000190-1234", false),
            ("011390-1234", false),
            ("010090-1234", false),
            ("310490-1234", false),
            ("3104901234", false),
            ("310590-1234", true),
            // modulus 11 is never checked: 010190-1235 fails it and is still a CPR number
            ("010190-1235", true),
            // part of a longer digit run
            ("10101901234", false),
            ("01019012345", false),
            ("1010190-1234", false),
            ("010190-12345", false),
            ("20160101123456", false),
            // too short, split differently, or not digits
            ("010190-123", false),
            ("01019-01234", false),
            ("0101-901234", false),
            ("010190--1234", false),
            ("010190_1234", false),
            ("", false),
            ("SYN-VOR-000123", false),
            ("2016-01-01", false),
            ("tlf. 12345678", false),
            ("birth year 2009, case 4711", false),
            // a second candidate after a first that fails
            ("320190-1234 og 010190-1234", true),
            ("1234567890123 010190-1234", true),
        ];
        for (text, expected) in table {
            assert_eq!(find_cpr(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn json_paths_name_the_field_never_the_value() {
        let v: Value = serde_json::json!({
            "child_ref": "A-17",
            "legal_basis": {"law": "BL", "paragraph": "46"},
            "rows": [{"note": "ok"}, {"note": "cpr 0101901234"}]
        });
        assert_eq!(find_cpr_in_json(&v).as_deref(), Some("rows[1].note"));
        let v: Value = serde_json::json!({"legal_basis": {"paragraph": "010190-1234"}});
        assert_eq!(
            find_cpr_in_json(&v).as_deref(),
            Some("legal_basis.paragraph")
        );
        let v: Value = serde_json::json!({"yearly_cost_dkk": 1501901234_i64});
        assert_eq!(find_cpr_in_json(&v).as_deref(), Some("yearly_cost_dkk"));
        let v: Value = serde_json::json!({"0101901234": 1});
        assert_eq!(find_cpr_in_json(&v).as_deref(), Some("body"));
        let v: Value = serde_json::json!({"provider": {"010190-1234": "x"}});
        assert_eq!(find_cpr_in_json(&v).as_deref(), Some("provider"));
        let v: Value = serde_json::json!("0101901234");
        assert_eq!(find_cpr_in_json(&v).as_deref(), Some("body"));
        let v: Value = serde_json::json!({"birth_year": 2009, "start_date": "2016-01-01", "ok": true, "n": null});
        assert_eq!(find_cpr_in_json(&v), None);

        let err = check_json(&serde_json::json!({"note": "010190-1234"})).err();
        let problem = err.as_ref().map(ApiError::to_problem);
        let text = serde_json::to_string(&problem).unwrap_or_default();
        assert!(
            text.contains("\"field\":\"note\"") && text.contains(CODE),
            "{text}"
        );
        assert!(
            !text.contains("010190"),
            "the value must not be repeated: {text}"
        );
    }
}
