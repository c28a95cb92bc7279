//! The indicator this module computes for the goals module's targets.

use std::sync::Arc;

use chrono::{Months, NaiveDate};
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{ApiError, DbConnection};

use crate::repo;

pub fn all() -> Vec<Arc<dyn ComputedIndicator>> {
    vec![Arc::new(Occupancy)]
}

/// `offers.occupancy`: of the place-days the municipality's offers with approved places (drafts
/// left out) could take in the twelve months up to and including the day, the percent that
/// accepted, active and ended place requests used.
struct Occupancy;

/// The twelve months up to and including `on`: from the day after the same date a year
/// earlier (a calendar year on 31 December; 366 days when they hold a 29 February).
pub fn twelve_months_to(on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = on
        .checked_sub_months(Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(on);
    (from, on)
}

impl ComputedIndicator for Occupancy {
    fn key(&self) -> &'static str {
        "offers.occupancy"
    }
    fn description(&self) -> &'static str {
        "Occupancy of the municipality's offers (as provider): place-days used by accepted, active and ended place \
         requests in the twelve months up to and including the day ÷ approved places × the days of those months, over \
         its offers with approved places (drafts left out)"
    }
    fn unit(&self) -> &'static str {
        "percent"
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        let (from, to) = twelve_months_to(on);
        Ok(repo::occupancy(conn, municipality_id, from, to)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_up_to_a_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(
            twelve_months_to(d(2030, 12, 31)),
            (d(2030, 1, 1), d(2030, 12, 31))
        );
        assert_eq!(
            twelve_months_to(d(2032, 6, 30)),
            (d(2031, 7, 1), d(2032, 6, 30))
        );
        assert_eq!(
            twelve_months_to(d(2032, 2, 29)),
            (d(2031, 3, 1), d(2032, 2, 29))
        );
    }
}
