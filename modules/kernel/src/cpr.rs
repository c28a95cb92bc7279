//! CPR numbers never enter Retning: the detector that the request screen ([`crate::screen`])
//! runs over everything a client sends, whatever module serves it.
//!
//! A CPR number is `DDMMYY-SSSS` or `DDMMYYSSSS`. Since 2007 numbers without the modulus-11
//! check are issued, so the shape and a valid calendar date decide, never a checksum. A match
//! must not be part of a longer run of digits (`20160101123456` is not one); letters around it do
//! not save it (`sag0101901234` is one). Besides `-`, a space and the Unicode hyphens and en dash
//! are taken as the separator, as people write them.
//!
//! The offending value is never repeated: a refusal names the field, not what it held, and
//! nothing here logs.

use crate::error::FieldError;

/// The field error code of a refused CPR-shaped value.
pub const CODE: &str = "cpr_number";
pub const MESSAGE: &str =
    "looks like a CPR number; CPR numbers are never accepted (use the municipality's own case key)";

/// Whether `text` contains a CPR-shaped number anywhere.
///
/// Three spellings, each bounded by non-digits: `DDMMYYSSSS`; `DDMMYY`, a separator, `SSSS`;
/// and `DD.MM.YY` or `DD-MM-YY` (the same mark twice), a separator, `SSSS`.
pub fn find_cpr(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let end = digit_run_end(b, start);
        i = end;
        let run = &b[start..end];
        match run.len() {
            10 if valid_date(run) => return true,
            6 if valid_date(run) && serial_follows(b, end) => return true,
            2 if grouped_date(b, start) => return true,
            _ => {}
        }
    }
    false
}

fn digit_run_end(b: &[u8], from: usize) -> usize {
    let mut e = from;
    while e < b.len() && b[e].is_ascii_digit() {
        e += 1;
    }
    e
}

/// A separator and then exactly four digits, at `at`.
fn serial_follows(b: &[u8], at: usize) -> bool {
    let Some(sep) = separator_len(&b[at..]) else {
        return false;
    };
    let s = at + sep;
    digit_run_end(b, s) - s == 4
}

/// `DD.MM.YY` or `DD-MM-YY` starting at `start` (the first run, two digits, already read),
/// then a separator and four digits.
fn grouped_date(b: &[u8], start: usize) -> bool {
    let Some(&mark) = b.get(start + 2) else {
        return false;
    };
    if mark != b'.' && mark != b'-' {
        return false;
    }
    let two = |at: usize| b.len() >= at + 2 && digit_run_end(b, at) == at + 2;
    let (month, year) = (start + 3, start + 6);
    if !(two(month) && b.get(month + 2) == Some(&mark) && two(year)) {
        return false;
    }
    let date = [
        b[start],
        b[start + 1],
        b[month],
        b[month + 1],
        b[year],
        b[year + 1],
    ];
    valid_date(&date) && serial_follows(b, year + 2)
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

/// The field error for a CPR-shaped value in `field`.
pub fn field_error(field: impl Into<String>) -> FieldError {
    FieldError::new(field, CODE, MESSAGE)
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
            // day, month and year apart, with dots or dashes
            ("01.01.90-1234", true),
            ("01-01-90-1234", true),
            ("01.01.90 1234", true),
            ("01.01.90\u{2013}1234", true),
            ("født 31.12.99-0001.", true),
            ("01.01-90-1234", false),
            ("32.01.90-1234", false),
            ("01.01.90-123", false),
            ("01.01.90-12345", false),
            ("101.01.90-1234", false),
            ("01.01.1990-1234", false),
            // look-alikes written every day
            ("27.24.00-A00-1-16", false),
            ("00.01.00-A00-1-16", false),
            ("01.01.00-G01", false),
            ("+45 12 34 56 78", false),
            ("+4512345678", false),
            ("4760 Vordingborg", false),
            ("SAG-2024-0113", false),
            ("01-01-2016", false),
            ("01.01.2016", false),
            ("kl. 10.30-12.00", false),
            ("1234567890123", false),
        ];
        for (text, expected) in table {
            assert_eq!(find_cpr(text), *expected, "{text:?}");
        }
    }
}
