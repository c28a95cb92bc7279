//! CPR numbers over the whole spec: every string field of every request body schema (nested
//! objects and arrays included, enums too), every column of the CSV import, every query parameter
//! and every path parameter of `openapi/openapi.json` gets each spelling of the table below, and
//! must be refused without the value coming back. Afterwards every table of the database and
//! everything the server logged are searched for the digits.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::http::Method;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, repo_dir, Backend, TestApp};
use serde_json::{json, Map, Value};

both_backends!(cpr_numbers_are_refused_everywhere_the_spec_takes_text);

/// The spellings people type, each with its own digits so that the scan can tell them apart.
const SPELLINGS: &[&str] = &[
    "010190-1234",
    "0202911235",
    "030392 1236",
    "040493\u{2010}1237",
    "050594\u{2011}1238",
    "060695\u{2013}1239",
    "07.07.96-1240",
    "08-08-97-1241",
    "09.09.98 1242",
    "barnet 101099-1243 bor hos moster",
    "sag1111001244",
];

/// What a municipality writes every day and must keep being able to write.
const LOOK_ALIKES: &[&str] = &[
    "Sag 27.15.08-P20-1-24",
    "tlf. 89 15 15 15",
    "tlf. +45 76 81 00 00",
    "2025-01-01 til 2026-12-31",
    "7100 Vejle",
    "j.nr. 2024-012345",
    "CVR 29189838",
    "1.234.567 kr",
    "20160101123456",
];

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

// ---------------------------------------------------------------------------------------------
// The spec

struct Spec(Value);

impl Spec {
    fn load() -> Self {
        let text = std::fs::read_to_string(repo_dir().join("openapi/openapi.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        Self(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}")))
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                self.resolve(&self.0["components"]["schemas"][name])
            }
            None => schema,
        }
    }

    /// Every place in a body schema that takes a scalar, as a path of steps from the root.
    fn string_fields(&self, schema: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        if at.len() > 6 {
            return;
        }
        let schema = self.resolve(schema);
        for key in ["oneOf", "anyOf", "allOf"] {
            for alt in schema[key].as_array().into_iter().flatten() {
                self.string_fields(alt, at, out);
            }
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        // Strings, and every other scalar too: a CPR number typed where a number belongs must
        // be refused as well, and never quoted by the decoder's complaint.
        let scalar = types
            .iter()
            .any(|t| matches!(*t, "string" | "integer" | "number" | "boolean"));
        if scalar && !at.is_empty() && !out.contains(at) {
            out.push(at.clone());
        }
        if types.contains(&"array") {
            at.push(Step::Index);
            self.string_fields(&schema["items"], at, out);
            at.pop();
        }
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            at.push(Step::Key(name.clone()));
            self.string_fields(prop, at, out);
            at.pop();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index,
}

/// A body holding `value` at `path` and nothing else.
fn body_at(path: &[Step], value: &str) -> Value {
    match path.split_first() {
        None => Value::String(value.to_owned()),
        Some((Step::Index, rest)) => json!([body_at(rest, value)]),
        Some((Step::Key(k), rest)) => {
            let mut m = Map::new();
            m.insert(k.clone(), body_at(rest, value));
            Value::Object(m)
        }
    }
}

/// How the screen names a place: `partners[0].municipality`.
fn field_name(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Index => s.push_str("[0]"),
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The log

/// Everything the server logs at any level while the test runs, in the production text format.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// The database

/// Every row of every table, as text.
fn every_row(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Text};
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Nullable<Text>)]
        t: Option<String>,
    }
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    app.with_conn(|c| {
        let load = |c: &mut retning_kernel::DbConnection, q: &str| -> Vec<String> {
            diesel::sql_query(q)
                .load::<T>(c)
                .unwrap_or_else(|e| panic!("{q}: {e}"))
                .into_iter()
                .filter_map(|r| r.t)
                .collect()
        };
        match app.backend() {
            Backend::Postgres => {
                let tables = diesel::sql_query(
                    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
                )
                .load::<Name>(c)
                .unwrap_or_else(|e| panic!("{e}"));
                tables
                    .iter()
                    .flat_map(|t| load(c, &format!("SELECT x::text AS t FROM \"{}\" x", t.name)))
                    .collect()
            }
            Backend::Sqlite => {
                let tables = diesel::sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .load::<Name>(c)
                .unwrap_or_else(|e| panic!("{e}"));
                let mut rows = Vec::new();
                for t in &tables {
                    let columns = diesel::sql_query(format!(
                        "SELECT name FROM pragma_table_info('{}')",
                        t.name
                    ))
                    .load::<Name>(c)
                    .unwrap_or_else(|e| panic!("{e}"));
                    let concat = columns
                        .iter()
                        .map(|col| format!("COALESCE(CAST(\"{}\" AS TEXT), '')", col.name))
                        .collect::<Vec<_>>()
                        .join(" || '|' || ");
                    rows.extend(load(c, &format!("SELECT {concat} AS t FROM \"{}\"", t.name)));
                }
                rows
            }
        }
    })
}

/// The spellings whose digits occur in `texts`.
/// The spellings whose digits appear in a text as one number: digits joined only by the
/// separators a CPR number is written with (spaces, dots, hyphens and dashes), so the digits of
/// unrelated numbers on one line (a timestamp, a duration, a request id) are never run together
/// into a false find.
fn found_in(texts: &[String]) -> Vec<&'static str> {
    let is_part = |c: char| {
        c.is_ascii_digit()
            || c.is_whitespace()
            || matches!(c, '-' | '.' | '\u{2010}' | '\u{2011}' | '\u{2013}')
    };
    let all: Vec<String> = texts
        .iter()
        .flat_map(|t| t.split(|c: char| !is_part(c)).map(digits))
        .filter(|d| d.len() >= 10)
        .collect();
    SPELLINGS
        .iter()
        .copied()
        .filter(|s| all.iter().any(|t| t.contains(&digits(s))))
        .collect()
}

// ---------------------------------------------------------------------------------------------

async fn cpr_numbers_are_refused_everywhere_the_spec_takes_text(app: TestApp) {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let spec = Spec::load();
    let admin = app.token("vejle", Role::Admin);
    let operator = app.operator_token();
    let mut tally = Tally::default();
    for (template, item) in spec.0["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            if method == Method::OPTIONS || method == Method::HEAD {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or_default();
            let token = if [
                "platform_create_municipality",
                "platform_update_municipality",
                "platform_switch_module",
                "goals_create_theme",
                "goals_update_theme",
                "evidence_create_programme",
                "evidence_update_programme",
            ]
            .contains(&id)
            {
                &operator
            } else {
                &admin
            };
            // A path that reaches the operation: placeholders get plausible values.
            let plausible = |name: &str| match name {
                "municipality" => "vejle",
                "module" => "placements",
                "slug" => "early-detection",
                "date" => "2025-01-01",
                "period" => "2025-Q1",
                _ => "1",
            };
            let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            let fill = |except: Option<&str>, value: &str| {
                let mut path = template.clone();
                for p in params.iter().filter(|p| p["in"] == "path") {
                    let name = p["name"].as_str().unwrap_or_default();
                    let v = if Some(name) == except {
                        value
                    } else {
                        plausible(name)
                    };
                    path = path.replace(&format!("{{{name}}}"), &urlencode(v));
                }
                path
            };
            for value in SPELLINGS {
                for p in &params {
                    let name = p["name"].as_str().unwrap_or_default();
                    let (path, field) = match p["in"].as_str() {
                        Some("path") => (fill(Some(name), value), format!("path.{name}")),
                        Some("query") => (
                            format!("{}?{name}={}", fill(None, ""), urlencode(value)),
                            format!("query.{name}"),
                        ),
                        _ => continue,
                    };
                    let resp = app
                        .request(method.clone(), &path)
                        .bearer(token)
                        .send()
                        .await;
                    tally.check(
                        format!("{method} {path}"),
                        resp.status,
                        resp.text(),
                        &field,
                        value,
                    );
                }
                for (ct, content) in op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    let path = fill(None, "");
                    if ct == "text/csv" {
                        for column in ["child_ref", "kind", "note", "step", "provider_name"] {
                            let csv = format!("{column}\n\"{value}\"\n");
                            let resp = app
                                .request(method.clone(), &path)
                                .bearer(token)
                                .raw("text/csv", csv)
                                .send()
                                .await;
                            // The import names the cell by row and column.
                            let text = resp.text();
                            tally.tried += 1;
                            let refused = resp.status == 422
                                && text.contains("cpr_number")
                                && text.contains(column);
                            if !refused || repeats(&text, value) {
                                tally.accepted.push(format!(
                                    "{method} {path} csv {column} -> {} {text}",
                                    resp.status
                                ));
                            }
                        }
                        continue;
                    }
                    let mut fields = Vec::new();
                    spec.string_fields(&content["schema"], &mut Vec::new(), &mut fields);
                    assert!(
                        !fields.is_empty() || ct != "application/json",
                        "{id}: no field in its body schema"
                    );
                    for f in fields {
                        let body = body_at(&f, value);
                        let resp = app
                            .request(method.clone(), &path)
                            .bearer(token)
                            .json(&body)
                            .send()
                            .await;
                        tally.check(
                            format!("{method} {path} {body}"),
                            resp.status,
                            resp.text(),
                            &field_name(&f),
                            value,
                        );
                    }
                }
            }
        }
    }
    // Headers the server echoes: the request id.
    for value in SPELLINGS {
        let resp = app
            .get("/api/v1/municipalities")
            .header("x-request-id", &value.replace(' ', "-"))
            .send()
            .await;
        tally.tried += 1;
        let echoed = resp.header("x-request-id").unwrap_or_default();
        if digits(echoed).contains(&digits(value)) {
            tally.accepted.push(format!("x-request-id {value} echoed"));
        }
    }

    // What a municipality writes every day still goes through.
    let editor = app.token("vejle", Role::Editor);
    for text in LOOK_ALIKES {
        app.post("/api/v1/municipalities/vejle/strategies")
            .bearer(&editor)
            .json(&json!({"title": text, "summary": text, "visibility": "internal"}))
            .send()
            .await
            .ok(201);
    }

    let Tally { tried, accepted } = tally;
    println!(
        "cpr_spec: {tried} values tried, {} accepted ({:?})",
        accepted.len(),
        app.backend()
    );
    assert!(tried > 1000, "too few places tried: {tried}");
    assert!(
        accepted.is_empty(),
        "{} CPR-shaped values not refused cleanly:\n{}",
        accepted.len(),
        accepted.join("\n")
    );

    let rows = every_row(&app);
    assert!(
        rows.len() > 100,
        "the scan read too little: {} rows",
        rows.len()
    );
    let stored = found_in(&rows);
    assert!(stored.is_empty(), "stored in the database: {stored:?}");
    let logged = log.text();
    assert!(
        logged.len() > 1000,
        "the log capture saw nothing: {} bytes",
        logged.len()
    );
    let leaked = found_in(&logged.lines().map(str::to_owned).collect::<Vec<_>>());
    assert!(leaked.is_empty(), "logged: {leaked:?}");

    // The scans can fail: a value slipped past the API is found.
    app.with_conn(|c| {
        use diesel::prelude::*;
        diesel::sql_query(
            "UPDATE municipalities SET name = 'Vejle 010190-1234' WHERE slug = 'vejle'",
        )
        .execute(c)
        .unwrap_or_else(|e| panic!("{e}"));
    });
    assert_eq!(found_in(&every_row(&app)), vec!["010190-1234"]);
    tracing::info!(note = "0202911235", "a planted line");
    assert_eq!(found_in(&[log.text()]), vec!["0202911235"]);
}

/// Values tried, and those not refused cleanly.
#[derive(Default)]
struct Tally {
    tried: usize,
    accepted: Vec<String>,
}

impl Tally {
    /// A refusal is a 400 or 422 naming `field` with the code `cpr_number`, without the value.
    fn check(&mut self, what: String, status: u16, text: String, field: &str, value: &str) {
        self.tried += 1;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let refused = matches!(status, 400 | 422)
            && body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["code"] == "cpr_number" && e["field"].as_str() == Some(field));
        let repeated = repeats(&text, value);
        if !refused || repeated {
            self.accepted.push(format!("{what} -> {status} {text}"));
        }
    }
}

/// Whether an answer repeats the value (or its first six digits). The problem's `request_id` is
/// left out: it is the server's own random hex, and its digits can spell six of a value's by
/// chance (about once in forty runs of this test), which is no repetition of the client's value.
fn repeats(text: &str, value: &str) -> bool {
    let mut body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let text = match body.as_object_mut() {
        Some(problem) => {
            problem.remove("request_id");
            body.to_string()
        }
        None => text.to_owned(),
    };
    text.contains(&digits(value)[..6]) || text.contains(value)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
