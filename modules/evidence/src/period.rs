//! Reporting periods: a year (`2024`), a half (`2024-H1`) or a quarter (`2024-Q3`).
//!
//! One label shape for figures and referrals, so that a period is a natural key (idempotent
//! PUTs) and sums per calendar year are exact: every period lies inside one year.

use chrono::NaiveDate;

pub const MIN_YEAR: i32 = 1990;
pub const MAX_YEAR: i32 = 2100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The canonical label (`2024-H1`).
    pub label: String,
    pub year: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub const SHAPE: &str = "must be a year (2024), a half (2024-H1) or a quarter (2024-Q3)";

impl Period {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (year, part) = match s.split_once('-') {
            Some((y, p)) => (y, Some(p)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        let (first_month, months, label) = match part.map(str::to_ascii_uppercase).as_deref() {
            None => (1, 12, format!("{year}")),
            Some("H1") => (1, 6, format!("{year}-H1")),
            Some("H2") => (7, 6, format!("{year}-H2")),
            Some(q @ ("Q1" | "Q2" | "Q3" | "Q4")) => {
                let n: u32 = q[1..].parse().ok()?;
                (1 + 3 * (n - 1), 3, format!("{year}-{q}"))
            }
            Some(_) => return None,
        };
        let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
        let end = start
            .checked_add_months(chrono::Months::new(months))?
            .pred_opt()?;
        Some(Self {
            label,
            year,
            start,
            end,
        })
    }
}

/// Whether `[start, end]` (either bound open when `None`) contains any day of `period`.
pub fn touches(period: &Period, start: Option<NaiveDate>, end: Option<NaiveDate>) -> bool {
    start.is_none_or(|s| s <= period.end) && end.is_none_or(|e| period.start <= e)
}

/// The twelve months ending on `on`: from the day after `on` a year earlier, through `on`.
pub fn year_ending(on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = on
        .checked_sub_months(chrono::Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(on);
    (start, on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn parses_the_three_shapes() {
        let p = Period::parse("2024").unwrap_or_else(|| panic!("year"));
        assert_eq!(
            (p.label.as_str(), p.start, p.end),
            ("2024", d(2024, 1, 1), d(2024, 12, 31))
        );
        let p = Period::parse("2024-h2").unwrap_or_else(|| panic!("half"));
        assert_eq!(
            (p.label.as_str(), p.start, p.end),
            ("2024-H2", d(2024, 7, 1), d(2024, 12, 31))
        );
        let p = Period::parse("2023-Q1").unwrap_or_else(|| panic!("quarter"));
        assert_eq!(
            (p.start, p.end, p.year),
            (d(2023, 1, 1), d(2023, 3, 31), 2023)
        );
        let p = Period::parse("2024-Q4").unwrap_or_else(|| panic!("quarter"));
        assert_eq!(p.end, d(2024, 12, 31));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", "24", "2024-", "2024-H3", "2024-Q0", "2024-Q5", "1200", "20245", "2024-01",
            "x2024", "2024-Q1-",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn touches_with_open_bounds() {
        let q = Period::parse("2020-Q4").unwrap_or_else(|| panic!("quarter"));
        assert!(touches(&q, None, None));
        assert!(touches(&q, Some(d(2020, 12, 31)), None));
        assert!(!touches(&q, Some(d(2021, 1, 1)), None));
        assert!(!touches(&q, None, Some(d(2020, 9, 30))));
        assert!(touches(&q, None, Some(d(2020, 10, 1))));
    }

    #[test]
    fn year_ending_is_twelve_months() {
        assert_eq!(
            year_ending(d(2024, 12, 31)),
            (d(2024, 1, 1), d(2024, 12, 31))
        );
        assert_eq!(year_ending(d(2024, 6, 30)), (d(2023, 7, 1), d(2024, 6, 30)));
        assert_eq!(year_ending(d(2024, 2, 29)), (d(2023, 3, 1), d(2024, 2, 29)));
    }
}
