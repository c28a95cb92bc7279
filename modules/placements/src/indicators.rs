//! Indicators computed for the goals module.
//!
//! The kernel asks for a municipality and a day `on`. A target may be public, so an indicator
//! gives what anyone may see in the statistics, on the dates anyone may ask for:
//! - The day is taken back to the last day of its month when it is not one (31 December stays
//!   31 December): outsiders see month ends only, since the difference between two consecutive
//!   days would show single placements starting or ending.
//! - Yearly figures are for the twelve months ending on that day ([`Period::year_ending`]): the
//!   calendar year on 31 December, otherwise the twelve whole months before. The definitions are
//!   those of the statistics (see [`crate::stats`]); "placed on a date" is the number running on
//!   that day.
//! - Money: `placements.placement_cost` is the statistics' cost per year of the placements
//!   (category placement) over those twelve months: Σ over placements of yearly cost × days
//!   placed in the period ÷ days of the period (365, or 366 when it holds a 29 February), summed
//!   in SQL on both backends and rounded to whole kroner. A placement running the whole period
//!   costs its yearly cost, one running 73 of 365 days a fifth of it; a placement without a cost
//!   counts 0, and the value is `None` when no placement of the period has a cost.
//! - `None` where the statistics withhold the value from outsiders (counts resting on fewer than
//!   five children, see [`crate::stats`]), and when the municipality has no measures at all.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{ApiError, DbConnection};

use crate::dto::{Audience, Figure};
use crate::repo;
use crate::stats::{self, Period};
use crate::validate::Lookups;

pub fn all() -> Vec<Arc<dyn ComputedIndicator>> {
    [
        Which::FullYear,
        Which::PlacedOnDate,
        Which::ShareFosterFamily,
        Which::ShareFosterFamilyExcludingNetwork,
        Which::ShareNetwork,
        Which::SharePreventiveEvidence,
        Which::ShareNewOver14Evidence,
        Which::PlacementCost,
    ]
    .into_iter()
    .map(|w| Arc::new(Indicator(w)) as Arc<dyn ComputedIndicator>)
    .collect()
}

#[derive(Debug, Clone, Copy)]
enum Which {
    FullYear,
    PlacedOnDate,
    ShareFosterFamily,
    /// Foster families without network foster families (staircase step 5 alone): the reading of
    /// a target that counts the network apart, as Vejle's Faglig Omstilling 2.0 does ("64 % være
    /// i plejefamilie" beside "10 % af alle anbringelser sker nu i netværket").
    ShareFosterFamilyExcludingNetwork,
    ShareNetwork,
    SharePreventiveEvidence,
    ShareNewOver14Evidence,
    PlacementCost,
}

struct Indicator(Which);

/// `on` when it is the last day of its month, else the last day of the month before.
pub fn month_end_on_or_before(on: NaiveDate) -> NaiveDate {
    if stats::is_month_end(on) {
        on
    } else {
        on.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(on)
    }
}

fn value(f: Figure) -> Option<f64> {
    if f.is_suppressed() {
        None
    } else {
        f.value
    }
}

impl ComputedIndicator for Indicator {
    fn key(&self) -> &'static str {
        match self.0 {
            Which::FullYear => "placements.full_year_placements",
            Which::PlacedOnDate => "placements.placed_on_date",
            Which::ShareFosterFamily => "placements.share_foster_family",
            Which::ShareFosterFamilyExcludingNetwork => {
                "placements.share_foster_family_excluding_network"
            }
            Which::ShareNetwork => "placements.share_network",
            Which::SharePreventiveEvidence => "placements.share_preventive_evidence",
            Which::ShareNewOver14Evidence => "placements.share_new_placements_over_14_evidence",
            Which::PlacementCost => "placements.placement_cost",
        }
    }
    fn description(&self) -> &'static str {
        match self.0 {
            Which::FullYear => {
                "Full-year placements (helårsanbringelser): days placed in the twelve months ending on the day (a calendar \
                 year on 31 December) ÷ the days of those months (a day that is not the last of its month is taken back to the end of the month before)"
            }
            Which::PlacedOnDate => "Placements running on the day (a day that is not the last of its month is taken back to the end of the month before)",
            Which::ShareFosterFamily => {
                "Share of full-year placements in family care (foster families, network foster families included) in the \
                 twelve months ending on the day"
            }
            Which::ShareFosterFamilyExcludingNetwork => {
                "Share of full-year placements in foster families other than network foster families (standard step 5 \
                 alone) in the twelve months ending on the day"
            }
            Which::ShareNetwork => {
                "Share of full-year placements in network foster families (slægt og netværk) in the twelve months ending on \
                 the day"
            }
            Which::SharePreventiveEvidence => {
                "Share of the support (preventive) measures running in the twelve months ending on the day that are linked \
                 to an evidence programme"
            }
            Which::ShareNewOver14Evidence => {
                "Share of the placements started in the twelve months ending on the day of young people over 14 (15 or more \
                 in the start year) that are linked to an evidence programme"
            }
            Which::PlacementCost => {
                "Cost of placements in the twelve months ending on the day (a calendar year on 31 December), in whole \
                 kroner: Σ yearly cost × days placed in the period ÷ days of the period (placements without a cost count 0; \
                 none when no placement has a cost)"
            }
        }
    }
    fn inputs(&self) -> Option<&'static [&'static str]> {
        // Measures, steps and their links are written by this module's calls only.
        Some(&[crate::NAME])
    }
    fn unit(&self) -> &'static str {
        match self.0 {
            Which::FullYear | Which::PlacedOnDate => "count",
            Which::PlacementCost => "dkk",
            _ => "percent",
        }
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        if !repo::has_measures(conn, municipality_id)? {
            return Ok(None);
        }
        let on = month_end_on_or_before(on);
        let public = Audience::Public;
        let none = Lookups::default();
        Ok(match self.0 {
            Which::PlacedOnDate => {
                let (f, _) = stats::placement_figures(
                    conn,
                    municipality_id,
                    Period::day(on),
                    public,
                    &none,
                )?;
                if f.placed_on_date.is_suppressed() {
                    None
                } else {
                    f.placed_on_date.value.map(|v| v as f64)
                }
            }
            Which::SharePreventiveEvidence => {
                let (f, _) =
                    stats::support_figures(conn, municipality_id, Period::year_ending(on), public)?;
                value(f.evidence_share)
            }
            Which::PlacementCost => {
                let (f, totals) = stats::placement_figures(
                    conn,
                    municipality_id,
                    Period::year_ending(on),
                    public,
                    &none,
                )?;
                if totals.with_cost == 0 || f.cost_per_year_dkk.is_suppressed() {
                    None
                } else {
                    f.cost_per_year_dkk.value.map(|v| v as f64)
                }
            }
            which => {
                let (f, _) = stats::placement_figures(
                    conn,
                    municipality_id,
                    Period::year_ending(on),
                    public,
                    &none,
                )?;
                value(match which {
                    Which::FullYear => f.full_year_placements,
                    Which::ShareFosterFamily => f.foster_family_share,
                    // The statistics' own step-5 share, hidden from outsiders with its cell.
                    Which::ShareFosterFamilyExcludingNetwork => {
                        match f
                            .by_standard_step
                            .into_iter()
                            .find(|s| s.standard_step == 5)
                        {
                            Some(step) => step.share,
                            None => return Ok(None),
                        }
                    }
                    Which::ShareNetwork => f.network_share,
                    _ => f.new_over_14_evidence_share,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_taken_back_to_month_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(month_end_on_or_before(d(2017, 12, 31)), d(2017, 12, 31));
        assert_eq!(month_end_on_or_before(d(2016, 12, 30)), d(2016, 11, 30));
        assert_eq!(month_end_on_or_before(d(2016, 3, 1)), d(2016, 2, 29));
        assert_eq!(month_end_on_or_before(d(2016, 2, 29)), d(2016, 2, 29));
        assert_eq!(all().len(), 8);
    }
}
