//! Indicators computed by the goals module.
//!
//! `goals.share_of_budget_on_placements`: the cost of placements in the twelve months ending on
//! the day (`placements.placement_cost`, asked of the registry, so goals does not depend on the
//! placements crate) ÷ what the municipality spent in the calendar year of that period's end
//! (the day, or the end of the month before when the day is not a month end, as the placements
//! indicators take it) × 100,
//! rounded to one decimal. The spend is the sum over the budget figures of that year of each
//! figure's spend, else its budget, of the municipality's public strategies only: the value is
//! shown on targets to anyone, and internal strategies' figures are the municipality's own.
//! A year's area is to be recorded on one strategy (the figures of two strategies for the same
//! year are added up). `None` when either amount is missing or the spend is zero.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use retning_kernel::indicators::{ComputedIndicator, IndicatorRegistry};
use retning_kernel::{ApiError, DbConnection};

use crate::repo;

/// The indicator of another module this one divides.
const PLACEMENT_COST: &str = "placements.placement_cost";

pub fn all() -> Vec<Arc<dyn ComputedIndicator>> {
    vec![Arc::new(ShareOfBudgetOnPlacements)]
}

struct ShareOfBudgetOnPlacements;

impl ComputedIndicator for ShareOfBudgetOnPlacements {
    fn key(&self) -> &'static str {
        "goals.share_of_budget_on_placements"
    }
    fn description(&self) -> &'static str {
        "Share of the area's spending that goes to placements: the cost of placements in the twelve months ending on \
         the day (placements.placement_cost) ÷ the spend (else the budget) in the budget figures of the municipality's \
         public strategies for the calendar year of the period's end × 100"
    }
    fn unit(&self) -> &'static str {
        "percent"
    }
    // inputs(): all of the municipality's data (the placements' and the budget figures).
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        // Without a registry there is no placement cost to divide.
        self.compute_with(conn, &IndicatorRegistry::default(), municipality_id, on)
    }
    fn compute_with(
        &self,
        conn: &mut DbConnection,
        registry: &IndicatorRegistry,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        let Some(cost) = registry.compute(conn, PLACEMENT_COST, municipality_id, on)? else {
            return Ok(None);
        };
        let year = period_end(on).year();
        let spend = repo::public_spend_of_year(conn, municipality_id, year)?;
        Ok(share(cost, spend))
    }
}

/// The last day of the placements' period for `on`: `on` when it is the last day of its month,
/// else the last day of the month before (the placements indicators' convention).
fn period_end(on: NaiveDate) -> NaiveDate {
    if on.succ_opt().is_some_and(|n| n.month() != on.month()) {
        on
    } else {
        on.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(on)
    }
}

/// `cost` ÷ `spend` × 100 to one decimal; `None` without a positive spend.
fn share(cost: f64, spend: Option<i64>) -> Option<f64> {
    let spend = spend.filter(|s| *s > 0)? as f64;
    Some((cost / spend * 1000.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_rounded_to_one_decimal_and_needs_a_spend() {
        assert_eq!(share(2_000_000.0, Some(3_000_000)), Some(66.7));
        assert_eq!(share(1.0, Some(0)), None);
        assert_eq!(share(1.0, None), None);
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(period_end(d(2017, 12, 31)).year(), 2017);
        assert_eq!(period_end(d(2018, 1, 15)).year(), 2017);
    }
}
