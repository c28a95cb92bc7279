//! CSV import of measures, read row by row while the body arrives (never held whole): every row
//! is checked, every error is collected, and the rows are inserted in one transaction only when
//! none has an error.
//!
//! The file: UTF-8 (a byte-order mark is skipped), a header row naming the columns in any order,
//! `,` or `;` between fields (taken from the header row), dates `YYYY-MM-DD`, empty = none.
//! Columns ([`COLUMNS`]; the first five are required):
//! `child_ref, birth_year, category, kind, start_date, end_date, step, legal_law,
//! legal_paragraph, legal_stk, legal_nr, consent, provider_type, provider_name,
//! provider_municipality, yearly_cost_dkk, evidence_programme, note`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};

use actix_web::web::Bytes;
use chrono::NaiveDate;
use retning_kernel::FieldError;

use crate::dto::{LegalBasis, NewMeasure, Provider};
use crate::model::{MeasureCategory, MeasureProviderType, MeasureValues};
use crate::validate::{self, CsvFields, Lookups};

pub const COLUMNS: &[&str] = &[
    "child_ref",
    "birth_year",
    "category",
    "kind",
    "start_date",
    "end_date",
    "step",
    "legal_law",
    "legal_paragraph",
    "legal_stk",
    "legal_nr",
    "consent",
    "provider_type",
    "provider_name",
    "provider_municipality",
    "yearly_cost_dkk",
    "evidence_programme",
    "note",
];
pub const REQUIRED: &[&str] = &["child_ref", "birth_year", "category", "kind", "start_date"];
/// Errors listed in a refusal; the count says how many there were in all.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// What the body's chunks turn into on the parsing side.
pub type Chunk = Result<Bytes, ()>;

/// A blocking reader over chunks sent from the request's payload stream. `Err(())` aborts (the
/// body passed the size limit).
pub struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    buf: Bytes,
    pos: usize,
}

impl ChannelReader {
    pub fn new(rx: tokio::sync::mpsc::Receiver<Chunk>) -> Self {
        Self {
            rx,
            buf: Bytes::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.buf.len() {
                let n = out.len().min(self.buf.len() - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => {
                    self.buf = b;
                    self.pos = 0;
                }
                Some(Err(())) => return Err(io::Error::other(ABORTED)),
                None => return Ok(0),
            }
        }
    }
}

const ABORTED: &str = "import aborted";

#[derive(Debug)]
pub enum Outcome {
    /// Every row is valid.
    Valid(Vec<MeasureValues>),
    /// The first [`MAX_LISTED_ERRORS`] errors, how many there were, and in how many rows.
    Invalid {
        errors: Vec<FieldError>,
        total: usize,
        rows: usize,
    },
    /// The body was cut off (too large, or the client went away).
    Aborted,
}

struct Collector {
    listed: Vec<FieldError>,
    total: usize,
    rows: usize,
}

impl Collector {
    fn row(&mut self, errors: Vec<FieldError>) {
        if errors.is_empty() {
            return;
        }
        self.rows += 1;
        self.total += errors.len();
        let room = MAX_LISTED_ERRORS.saturating_sub(self.listed.len());
        self.listed.extend(errors.into_iter().take(room));
    }
}

/// Reads and checks the whole file from `reader`.
pub fn parse(reader: impl Read, lookups: &Lookups, today: NaiveDate) -> Outcome {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(_) => return Outcome::Aborted,
    };
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    if bom {
        reader.consume(3);
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut errors = Collector {
        listed: Vec::new(),
        total: 0,
        rows: 0,
    };

    let header = match csv.headers() {
        Ok(h) => h.clone(),
        Err(e) if is_abort(&e) => return Outcome::Aborted,
        Err(_) => {
            errors.row(vec![FieldError::new(
                "header",
                "invalid",
                "the header row is not UTF-8 CSV",
            )]);
            return invalid(errors);
        }
    };
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    let mut header_errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
            Some(c) if columns.contains_key(c) => header_errors.push(FieldError::new(
                "header",
                "duplicate_column",
                format!("the column {c} appears twice"),
            )),
            Some(c) => {
                columns.insert(c, i);
            }
            None if name.is_empty() => header_errors.push(FieldError::new(
                "header",
                "unknown_column",
                format!("column {} has no name", i + 1),
            )),
            None => header_errors.push(FieldError::new(
                "header",
                "unknown_column",
                format!(
                    "{name:?} is not a column; the columns are {}",
                    COLUMNS.join(", ")
                ),
            )),
        }
    }
    for c in REQUIRED {
        if !columns.contains_key(c) {
            header_errors.push(FieldError::new(
                "header",
                "missing_column",
                format!("the column {c} is required"),
            ));
        }
    }
    if !header_errors.is_empty() {
        errors.row(header_errors);
        return invalid(errors);
    }

    let mut valid = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut n: u64 = 0;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                n += 1;
                if record.iter().all(str::is_empty) {
                    continue;
                }
                if record.len() != header.len() {
                    errors.row(vec![FieldError::new(
                        format!("rows[{n}]"),
                        "field_count",
                        format!(
                            "has {} fields; the header has {}",
                            record.len(),
                            header.len()
                        ),
                    )]);
                    continue;
                }
                match row(&record, &columns, n, lookups, today) {
                    Ok(values) if errors.total == 0 => valid.push(values),
                    // Once any row fails nothing will be inserted: keep checking, stop keeping.
                    Ok(_) => {}
                    Err(e) => {
                        valid = Vec::new();
                        errors.row(e);
                    }
                }
            }
            Err(e) if is_abort(&e) => return Outcome::Aborted,
            Err(e) => {
                n += 1;
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "is not UTF-8 (save the file as UTF-8)",
                    _ => "is not valid CSV",
                };
                errors.row(vec![FieldError::new(
                    format!("rows[{n}]"),
                    "invalid",
                    message,
                )]);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return invalid(errors);
                }
            }
        }
    }
    if errors.total > 0 {
        return invalid(errors);
    }
    if valid.is_empty() {
        errors.row(vec![FieldError::new(
            "body",
            "empty",
            "the file has no rows after the header",
        )]);
        return invalid(errors);
    }
    Outcome::Valid(valid)
}

fn invalid(c: Collector) -> Outcome {
    Outcome::Invalid {
        errors: c.listed,
        total: c.total,
        rows: c.rows,
    }
}

fn is_abort(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io) if io.to_string() == ABORTED)
}

/// One data row: its cells screened for CPR numbers, parsed, and validated like a JSON body.
fn row(
    record: &csv::StringRecord,
    columns: &HashMap<&'static str, usize>,
    n: u64,
    lookups: &Lookups,
    today: NaiveDate,
) -> Result<MeasureValues, Vec<FieldError>> {
    let field = |c: &str| format!("rows[{n}].{c}");
    let mut errors = Vec::new();
    let mut cells: HashMap<&'static str, &str> = HashMap::new();
    for (name, i) in columns {
        let value = record.get(*i).unwrap_or_default();
        if !value.is_empty() {
            cells.insert(name, value);
        }
    }
    if !errors.is_empty() {
        // Sorted so that the listed order follows the columns, whatever the file's order.
        errors.sort_by_key(|e: &FieldError| COLUMNS.iter().position(|c| field(c) == e.field));
        return Err(errors);
    }
    let get = |c: &str| cells.get(c).copied();
    let mut bad =
        |c: &str, code: &str, message: &str| errors.push(FieldError::new(field(c), code, message));

    let required = |c: &str, bad: &mut dyn FnMut(&str, &str, &str)| {
        let v = get(c);
        if v.is_none() {
            bad(c, "required", "must not be empty");
        }
        v
    };
    let child_ref = required("child_ref", &mut bad);
    let birth_year = required("birth_year", &mut bad).and_then(|v| {
        v.parse::<i32>()
            .map_err(|_| bad("birth_year", "invalid", "must be a year (2009)"))
            .ok()
    });
    let category = required("category", &mut bad).and_then(|v| {
        MeasureCategory::parse(&v.to_ascii_lowercase()).or_else(|| {
            bad("category", "invalid", "must be placement or support");
            None
        })
    });
    let kind = required("kind", &mut bad);
    let start_date = required("start_date", &mut bad).and_then(|v| {
        date(v).or_else(|| {
            bad("start_date", "invalid", "must be a date YYYY-MM-DD");
            None
        })
    });
    let end_date = get("end_date").and_then(|v| {
        date(v).or_else(|| {
            bad("end_date", "invalid", "must be a date YYYY-MM-DD");
            None
        })
    });
    let mut int = |c: &str| -> Option<i32> {
        get(c).and_then(|v| {
            v.parse::<i32>()
                .map_err(|_| bad(c, "invalid", "must be a whole number"))
                .ok()
        })
    };
    let stk = int("legal_stk");
    let nr = int("legal_nr");
    let consent = get("consent").and_then(|v| match v.to_ascii_lowercase().as_str() {
        "true" | "ja" | "yes" | "1" => Some(true),
        "false" | "nej" | "no" | "0" => Some(false),
        _ => {
            bad("consent", "invalid", "must be true or false (ja or nej)");
            None
        }
    });
    let legal_basis = match (get("legal_law"), get("legal_paragraph")) {
        (Some(law), Some(paragraph)) => Some(LegalBasis {
            law: law.to_owned(),
            paragraph: paragraph.to_owned(),
            stk,
            nr,
            consent,
        }),
        (None, None) if stk.is_none() && nr.is_none() && consent.is_none() => None,
        (None, _) => {
            bad(
                "legal_law",
                "required",
                "a legal basis names the law (SEL or BL)",
            );
            None
        }
        (Some(_), None) => {
            bad(
                "legal_paragraph",
                "required",
                "a legal basis names the paragraph",
            );
            None
        }
    };
    let provider = match get("provider_type") {
        Some(t) => match MeasureProviderType::parse(&t.to_ascii_lowercase()) {
            Some(type_) => Some(Provider {
                type_,
                name: get("provider_name").map(str::to_owned),
                municipality: get("provider_municipality").map(str::to_owned),
            }),
            None => {
                bad(
                    "provider_type",
                    "invalid",
                    "must be own, municipality or private",
                );
                None
            }
        },
        None if get("provider_name").is_some() || get("provider_municipality").is_some() => {
            bad(
                "provider_type",
                "required",
                "a provider has a type (own, municipality or private)",
            );
            None
        }
        None => None,
    };
    let yearly_cost_dkk = get("yearly_cost_dkk").and_then(|v| {
        v.parse::<i64>()
            .map_err(|_| {
                bad(
                    "yearly_cost_dkk",
                    "invalid",
                    "must be whole kroner (digits only)",
                )
            })
            .ok()
    });

    let (Some(child_ref), Some(birth_year), Some(category), Some(kind), Some(start_date)) =
        (child_ref, birth_year, category, kind, start_date)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let m = NewMeasure {
        child_ref: child_ref.to_owned(),
        birth_year,
        category,
        kind: kind.to_owned(),
        step: get("step").map(str::to_owned),
        legal_basis,
        start_date,
        end_date,
        provider,
        yearly_cost_dkk,
        evidence_programme: get("evidence_programme").map(str::to_owned),
        note: get("note").map(str::to_owned),
        place_request_id: None,
    };
    validate::measure(&m, lookups, &CsvFields(n), today)
}

fn date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(csv: &str) -> Outcome {
        let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        parse(csv.as_bytes(), &Lookups::default(), today)
    }

    fn fields(o: &Outcome) -> Vec<String> {
        match o {
            Outcome::Invalid { errors, .. } => errors
                .iter()
                .map(|e| format!("{}:{}", e.field, e.code))
                .collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn valid_rows_with_either_delimiter() {
        let comma = "child_ref,birth_year,category,kind,start_date,end_date\nA-1,2010,placement,almen_plejefamilie,2016-01-01,\nA-2,2008,support,familiebehandling,2016-02-01,2016-08-31\n";
        assert!(matches!(run(comma), Outcome::Valid(v) if v.len() == 2));
        let semicolon = "\u{feff}child_ref;birth_year;category;kind;start_date;note\nA-1;2010;placement;almen_plejefamilie;2016-01-01;\"a, b\"\n";
        assert!(
            matches!(run(semicolon), Outcome::Valid(v) if v.len() == 1 && v[0].note.as_deref() == Some("a, b"))
        );
    }

    #[test]
    fn every_row_error_is_listed() {
        let csv = "child_ref,birth_year,category,kind,start_date\n\
                   A-1,2010,placement,almen_plejefamilie,2016-01-01\n\
                   A-2,x,placement,almen_plejefamilie,2016-01-01\n\
                   A-3,2010,placement,almen_plejefamilie,\n\
                   A-4,2010,placement,nope,2016-13-01\n";
        let o = run(csv);
        assert_eq!(
            fields(&o),
            vec![
                "rows[2].birth_year:invalid",
                "rows[3].start_date:required",
                "rows[4].start_date:invalid",
            ]
        );
        assert!(matches!(
            o,
            Outcome::Invalid {
                total: 3,
                rows: 3,
                ..
            }
        ));
    }

    #[test]
    fn header_problems() {
        assert_eq!(
            fields(&run("child_ref,birth_year,category,kind\n")),
            vec!["header:missing_column"]
        );
        assert_eq!(
            fields(&run(
                "child_ref,birth_year,category,kind,start_date,colour\n"
            )),
            vec!["header:unknown_column"]
        );
        assert_eq!(
            fields(&run("child_ref,birth_year,category,kind,start_date\n")),
            vec!["body:empty"]
        );
    }

    #[test]
    fn errors_are_capped_but_counted() {
        let mut csv = String::from("child_ref,birth_year,category,kind,start_date\n");
        for i in 0..1500 {
            csv.push_str(&format!(
                "A-{i},x,placement,almen_plejefamilie,2016-01-01\n"
            ));
        }
        match run(&csv) {
            Outcome::Invalid {
                errors,
                total,
                rows,
            } => assert_eq!((errors.len(), total, rows), (MAX_LISTED_ERRORS, 1500, 1500)),
            other => panic!("{other:?}"),
        }
    }
}
