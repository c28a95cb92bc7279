//! Danish legal bases of children's cases, shared by every module that records one.

use chrono::NaiveDate;

/// Since 1 January 2024 children's cases fall under Barnets lov (BL), before under
/// Serviceloven (SEL).
pub fn barnets_lov_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Whether Barnets lov (rather than Serviceloven) is in force on `day`.
pub fn barnets_lov_in_force(day: NaiveDate) -> bool {
    day >= barnets_lov_from()
}

/// A paragraph number as stored: one to four digits, then at most two lower-case letters
/// (`66`, `76a`).
pub fn valid_paragraph(p: &str) -> bool {
    let digits = p.bytes().take_while(u8::is_ascii_digit).count();
    (1..=4).contains(&digits)
        && p.len() - digits <= 2
        && p.bytes().skip(digits).all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_changes_on_the_first_of_january_2024() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        assert!(!barnets_lov_in_force(day(2023, 12, 31)));
        assert!(barnets_lov_in_force(day(2024, 1, 1)));
    }

    #[test]
    fn paragraphs() {
        for ok in ["66", "76a", "1", "1234", "52ab"] {
            assert!(valid_paragraph(ok), "{ok}");
        }
        for bad in ["", "a", "12345", "66A", "66abc", "§66", "6 6"] {
            assert!(!valid_paragraph(bad), "{bad}");
        }
    }
}
