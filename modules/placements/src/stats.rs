//! Placement statistics for a period or a date, and what of them may be shown to whom.
//!
//! Definitions (the same in the statistics, the monthly series and the computed indicators):
//! - A measure runs from `start_date` to `end_date`, both days included; without an end date it
//!   is still running. Counts are of measures (placements), except where children are named.
//! - **Placed on a date**: placements running on that day (the period's last day).
//! - **Full-year placements** (helårsanbringelser): the days placements ran within the period
//!   ÷ the days of the period (a placement over a whole leap year counts 366/366 = 1).
//! - **New** / **ended**: placements that started / ended within the period.
//! - **Shares** of types and steps are of full-year placements. The foster-family share counts
//!   every kind of family care, network foster families included; the network share counts
//!   network foster families (netværksplejefamilie) alone.
//! - **Duration**: start to end, both days counted, of the placements that ended in the period.
//! - **Cost per year**: Σ yearly cost × days placed in the period ÷ days of the period.
//! - **New over 14**: new placements of young people who turn 15 or more in the year the
//!   placement starts (only the birth year is known: "over 14 år").
//!
//! # Suppression (everyone but the municipality's own users and keys)
//!
//! Outsiders see aggregated figures only, chosen so that no withheld value can be computed from
//! what is shown, by subtraction or from other breakdowns:
//!
//! 1. *Primary*: a cell resting on fewer than [`MIN_COUNT`] distinct children is withheld
//!    (`{"suppressed": true}`, never a zero). Zero is below five too.
//! 2. *Secondary*, in every breakdown whose total is shown: if any cell is withheld, further cells
//!    (the smallest first) are withheld until at least two are, together resting on at least
//!    [`MIN_COUNT`] children. The total minus the shown cells then gives only the sum of two or
//!    more withheld cells, which does not pin down any one of them.
//! 3. Breakdowns nest: total → standard step (4 network, 5 foster family, 6 institution) → type
//!    (a placement's type decides its standard step). A withheld step withholds all its types,
//!    so a step cannot be rebuilt from its types either. The municipality's own steps, which
//!    may cut across types, are shown to members only.
//! 4. Figures derived from withheld cells are withheld with them: a type's full-year value and
//!    share; the foster-family share when step 4 or 5 is withheld; the network share with step
//!    4; cost and duration with their counts; shares with a numerator or a remainder (the
//!    measures without a programme) below [`MIN_COUNT`].
//! 5. Flows are withheld in pairs: new and ended placements of a period satisfy
//!    `placed(end) = placed(start) + new − ended`, and the number placed is published for month
//!    ends, so if either is below the threshold both are withheld.
//! 6. Outsiders ask for calendar years (`year`) or single month ends (`on`) only: periods that
//!    overlap (two years against the same span, or a day against the next) would let flows be
//!    computed as differences. Counts of measures running during a period are members only (with
//!    the number placed on the period's eve they would give the new ones).

use chrono::{Datelike, Months, NaiveDate};
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, DbConnection, Principal};

use crate::dto::*;
use crate::kinds;
use crate::model::MeasureCategory;
use crate::repo::{self, GroupRow, TotalsRow};
use crate::validate::Lookups;

/// Exact figures for the municipality's own users and keys; suppressed ones for everyone else.
pub fn audience(who: &Principal, m: &Municipality) -> Audience {
    if who.may(&crate::perm::READ, Some(m.id)) {
        Audience::Member
    } else {
        Audience::Public
    }
}

/// The kernel's suppression of small counts, applied here to children.
pub use retning_kernel::suppression::{protect, MIN_COUNT};

/// An inclusive span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        Self { from, to }
    }
    pub fn year(year: i32) -> Option<Self> {
        Some(Self {
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }
    pub fn day(on: NaiveDate) -> Self {
        Self { from: on, to: on }
    }
    /// The twelve months ending on `on`: the calendar year when `on` is 31 December, else the 365
    /// or 366 days after the same day a year earlier.
    pub fn year_ending(on: NaiveDate) -> Self {
        let from = on
            .checked_sub_months(Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(on);
        Self { from, to: on }
    }
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

pub fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_some_and(|n| n.month() != d.month())
}

/// The period a statistics query asks for; outsiders only calendar years and month ends.
pub fn period(q: &StatisticsQuery, audience: Audience) -> Result<Period, ApiError> {
    let bad =
        |field: &str, message: &str| ApiError::field(format!("query.{field}"), "invalid", message);
    let p = match (q.year, q.from, q.to, q.on) {
        (Some(y), None, None, None) => {
            if !(1990..=2100).contains(&y) {
                return Err(ApiError::field(
                    "query.year",
                    "out_of_range",
                    "must be from 1990 to 2100",
                ));
            }
            Period::year(y).ok_or_else(|| bad("year", "is not a year"))?
        }
        (None, Some(from), Some(to), None) => {
            if audience == Audience::Public {
                return Err(ApiError::field(
                    "query.from",
                    "members_only",
                    "free periods are for the municipality's own users; others ask for a calendar year (year) or a month end (on)",
                ));
            }
            if to < from {
                return Err(ApiError::field(
                    "query.to",
                    "before_from",
                    "must not be before from",
                ));
            }
            if (to - from).num_days() > 366 * 50 {
                return Err(ApiError::field(
                    "query.to",
                    "out_of_range",
                    "a period is at most 50 years",
                ));
            }
            Period::new(from, to)
        }
        (None, None, None, Some(on)) => {
            if audience == Audience::Public && !is_month_end(on) {
                return Err(ApiError::field(
                    "query.on",
                    "members_only",
                    "other dates than month ends are for the municipality's own users",
                ));
            }
            Period::day(on)
        }
        (None, Some(_), None, None) => {
            return Err(ApiError::field("query.to", "required", "from needs to"))
        }
        (None, None, Some(_), None) => {
            return Err(ApiError::field("query.from", "required", "to needs from"))
        }
        (None, None, None, None) => {
            return Err(ApiError::field(
                "query.year",
                "required",
                "give a year, a period (from and to) or a date (on)",
            ))
        }
        _ => {
            return Err(ApiError::field(
                "query",
                "conflict",
                "give only one of: year, from and to, on",
            ))
        }
    };
    Ok(p)
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| round1(part / whole * 100.0))
}

fn members(audience: Audience) -> bool {
    audience == Audience::Member
}

/// The placement figures of a period (four statements; five for members).
pub fn placement_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    p: Period,
    audience: Audience,
    lookups: &Lookups,
) -> Result<(PlacementFigures, TotalsRow), ApiError> {
    let totals = repo::placement_totals(conn, municipality_id, p.from, p.to)?;
    let by_kind = repo::placements_by_kind(conn, municipality_id, p.from, p.to)?;
    let by_std = repo::placements_by_standard_step(conn, municipality_id, p.from, p.to)?;
    let durations = repo::durations(conn, municipality_id, p.from, p.to)?;
    let by_step = if members(audience) {
        Some(repo::placements_by_step(
            conn,
            municipality_id,
            p.from,
            p.to,
        )?)
    } else {
        None
    };
    let figures = build_placements(
        p,
        audience,
        &totals,
        &by_kind,
        &by_std,
        by_step.as_deref(),
        &durations,
        lookups,
    );
    Ok((figures, totals))
}

#[allow(clippy::too_many_arguments)]
fn build_placements(
    p: Period,
    audience: Audience,
    totals: &TotalsRow,
    by_kind: &[GroupRow],
    by_std: &[GroupRow],
    by_step: Option<&[GroupRow]>,
    durations: &repo::DurationRow,
    lookups: &Lookups,
) -> PlacementFigures {
    let public = !members(audience);
    let days = p.days() as f64;
    let fy = |d: i64| round1(d as f64 / days);
    let total_fy = totals.days as f64 / days;
    let root_hidden = public && totals.children < MIN_COUNT;

    // Standard steps 4-6 and the types on each.
    let steps: Vec<i32> = kinds::steps_of(MeasureCategory::Placement).collect();
    let std_row = |s: i32| by_std.iter().find(|r| r.group_key == s.to_string());
    let step_counts: Vec<i64> = steps
        .iter()
        .map(|s| std_row(*s).map_or(0, |r| r.children))
        .collect();
    let step_hidden = if public {
        protect(&step_counts, root_hidden)
    } else {
        vec![false; steps.len()]
    };
    let mut by_standard_step = Vec::new();
    let mut kind_figures = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let row = std_row(*s).cloned().unwrap_or_default();
        by_standard_step.push(StepFigures {
            key: None,
            name: kinds::standard_step_name(*s).to_owned(),
            standard_step: *s,
            full_year: Figure::new(Some(fy(row.days)), step_hidden[i]),
            share: Figure::new(share(row.days as f64 / days, total_fy), step_hidden[i]),
            placed_on_date: (!public).then(|| Count::shown(row.on_end)),
            placements: (!public).then(|| Count::shown(row.measures)),
        });
        let on_step: Vec<&kinds::Kind> = kinds::kinds_of(MeasureCategory::Placement)
            .filter(|k| k.standard_step == *s)
            .collect();
        let rows: Vec<GroupRow> = on_step
            .iter()
            .map(|k| {
                by_kind
                    .iter()
                    .find(|r| r.group_key == k.key.as_str())
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let counts: Vec<i64> = rows.iter().map(|r| r.children).collect();
        let hidden = if public {
            protect(&counts, step_hidden[i])
        } else {
            vec![false; rows.len()]
        };
        for ((k, r), h) in on_step.iter().zip(&rows).zip(hidden) {
            kind_figures.push(KindFigures {
                kind: k.key,
                label: k.label.to_owned(),
                standard_step: k.standard_step,
                full_year: Figure::new(Some(fy(r.days)), h),
                share: Figure::new(share(r.days as f64 / days, total_fy), h),
                placed_on_date: (!public).then(|| Count::shown(r.on_end)),
                placements: (!public).then(|| Count::shown(r.measures)),
            });
        }
    }
    let step_days = |s: i32| std_row(s).map_or(0, |r| r.days) as f64 / days;
    let network_hidden = step_hidden[0];
    let foster_hidden = step_hidden[0] || step_hidden[1];

    let own_steps = by_step.map(|rows| {
        let mut out: Vec<StepFigures> = lookups
            .steps
            .iter()
            .filter(|s| kinds::steps_of(MeasureCategory::Placement).contains(&s.standard_step))
            .map(|s| {
                let r = rows
                    .iter()
                    .find(|r| r.group_key == s.id.to_string())
                    .cloned()
                    .unwrap_or_default();
                StepFigures {
                    key: Some(s.key.clone()),
                    name: s.name.clone(),
                    standard_step: s.standard_step,
                    full_year: Figure::shown(Some(fy(r.days))),
                    share: Figure::shown(share(r.days as f64 / days, total_fy)),
                    placed_on_date: Some(Count::shown(r.on_end)),
                    placements: Some(Count::shown(r.measures)),
                }
            })
            .collect();
        if let Some(r) = rows.iter().find(|r| r.group_key.is_empty()) {
            out.push(StepFigures {
                key: None,
                name: "Uden trin på kommunens trappe".to_owned(),
                standard_step: 0,
                full_year: Figure::shown(Some(fy(r.days))),
                share: Figure::shown(share(r.days as f64 / days, total_fy)),
                placed_on_date: Some(Count::shown(r.on_end)),
                placements: Some(Count::shown(r.measures)),
            });
        }
        out
    });

    let flows_hidden =
        public && (totals.started_children < MIN_COUNT || totals.ended_children < MIN_COUNT);
    let duration_value = |v: Option<f64>| v.map(round1);
    let cost_per_year = (totals.cost_days / days).round() as i64;
    let over_14_hidden = public
        && (totals.new_over_14_programme_children < MIN_COUNT
            || totals.new_over_14_other_children < MIN_COUNT);

    PlacementFigures {
        placed_on_date: Count::new(totals.on_end, public && totals.on_end_children < MIN_COUNT),
        full_year_placements: Figure::new(Some(round1(total_fy)), root_hidden),
        placements: (!public).then(|| Count::shown(totals.measures)),
        children: (!public).then(|| Count::shown(totals.children)),
        new: Count::new(totals.started, flows_hidden),
        ended: Count::new(totals.ended, flows_hidden),
        foster_family_share: Figure::new(
            share(step_days(4) + step_days(5), total_fy),
            foster_hidden,
        ),
        network_share: Figure::new(share(step_days(4), total_fy), network_hidden),
        by_standard_step,
        by_kind: kind_figures,
        by_step: own_steps,
        duration: DurationFigures {
            average_days: Figure::new(duration_value(durations.average_days), flows_hidden),
            median_days: Figure::new(duration_value(durations.median_days), flows_hidden),
        },
        cost_per_year_dkk: Count::new(cost_per_year, root_hidden),
        cost_per_full_year_placement_dkk: Count::new(
            if total_fy > 0.0 {
                (totals.cost_days / days / total_fy).round() as i64
            } else {
                0
            },
            root_hidden,
        ),
        new_over_14: (!public).then(|| Count::shown(totals.new_over_14)),
        new_over_14_evidence_share: Figure::new(
            share(
                totals.new_over_14_programme as f64,
                totals.new_over_14 as f64,
            ),
            over_14_hidden,
        ),
    }
}

/// The support-measure figures of a period (one statement).
pub fn support_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    p: Period,
    audience: Audience,
) -> Result<(SupportFigures, TotalsRow), ApiError> {
    let t = repo::support_totals(conn, municipality_id, p.from, p.to)?;
    let public = !members(audience);
    let share_hidden = public
        && (t.with_programme_children < MIN_COUNT || t.without_programme_children < MIN_COUNT);
    let figures = SupportFigures {
        measures: (!public).then(|| Count::shown(t.measures)),
        new: Count::new(t.started, public && t.started_children < MIN_COUNT),
        active_on_date: (!public).then(|| Count::shown(t.on_end)),
        ended: (!public).then(|| Count::shown(t.ended)),
        with_evidence_programme: (!public).then(|| Count::shown(t.with_programme)),
        evidence_share: Figure::new(
            share(t.with_programme as f64, t.measures as f64),
            share_hidden,
        ),
    };
    Ok((figures, t))
}

/// The statistics of a period as the audience may see them.
pub fn statistics(
    conn: &mut DbConnection,
    municipality: &str,
    municipality_id: i64,
    p: Period,
    audience: Audience,
) -> Result<StatisticsView, ApiError> {
    let lookups = if members(audience) {
        repo::lookups(conn, municipality_id)?
    } else {
        Lookups::default()
    };
    let (placements, pt) = placement_figures(conn, municipality_id, p, audience, &lookups)?;
    let (support, st) = support_figures(conn, municipality_id, p, audience)?;
    let synthetic = pt.synthetic + st.synthetic;
    let all = pt.measures + st.measures;
    Ok(StatisticsView {
        municipality: municipality.to_owned(),
        audience,
        period: PeriodView {
            from: p.from,
            to: p.to,
            days: p.days(),
        },
        synthetic: synthetic > 0,
        synthetic_share: members(audience)
            .then(|| share(synthetic as f64, all as f64).unwrap_or(0.0)),
        placements,
        support,
    })
}

/// Months of `first` through `last` (at most 240): placed on each month's last day, and for
/// members full-year placements, new and ended in the month.
pub fn monthly(
    conn: &mut DbConnection,
    municipality: &str,
    municipality_id: i64,
    q: &MonthlyQuery,
    audience: Audience,
) -> Result<MonthlyView, ApiError> {
    let first = q.from.with_day(1).unwrap_or(q.from);
    let last = q.to.with_day(1).unwrap_or(q.to);
    if last < first {
        return Err(ApiError::field(
            "query.to",
            "before_from",
            "must not be before from",
        ));
    }
    let span = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
    if span > 240 {
        return Err(ApiError::field(
            "query.to",
            "out_of_range",
            "at most 240 months",
        ));
    }
    let rows = repo::months(conn, municipality_id, first, last)?;
    let public = !members(audience);
    let months = rows
        .iter()
        .map(|r| {
            let next = r
                .month_start
                .checked_add_months(Months::new(1))
                .unwrap_or(r.month_start);
            let days = (next - r.month_start).num_days().max(1) as f64;
            MonthFigures {
                month: r.month_start.format("%Y-%m").to_string(),
                placed_on_date: Count::new(r.on_end, public && r.on_end_children < MIN_COUNT),
                full_year_placements: (!public)
                    .then(|| Figure::shown(Some(round1(r.days as f64 / days)))),
                new: (!public).then(|| Count::shown(r.started)),
                ended: (!public).then(|| Count::shown(r.ended)),
            }
        })
        .collect();
    Ok(MonthlyView {
        municipality: municipality.to_owned(),
        audience,
        synthetic: rows.iter().any(|r| r.synthetic > 0),
        months,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn year_windows() {
        assert_eq!(
            Period::year_ending(d(2017, 12, 31)),
            Period::new(d(2017, 1, 1), d(2017, 12, 31))
        );
        assert_eq!(Period::year_ending(d(2016, 12, 31)).days(), 366);
        assert_eq!(
            Period::year_ending(d(2016, 6, 30)),
            Period::new(d(2015, 7, 1), d(2016, 6, 30))
        );
        assert_eq!(
            Period::year_ending(d(2016, 2, 29)),
            Period::new(d(2015, 3, 1), d(2016, 2, 29))
        );
        assert_eq!(Period::year_ending(d(2017, 3, 1)).days(), 365);
        assert!(
            is_month_end(d(2016, 2, 29))
                && !is_month_end(d(2016, 2, 28))
                && is_month_end(d(2015, 2, 28))
        );
    }

    #[test]
    fn primary_and_secondary_suppression() {
        // Nothing small: nothing withheld.
        assert_eq!(protect(&[10, 7, 5], false), vec![false, false, false]);
        // One small cell: the next smallest goes with it.
        assert_eq!(protect(&[10, 3, 7], false), vec![false, true, true]);
        // Two small cells that together rest on five children are enough.
        assert_eq!(protect(&[10, 3, 2], false), vec![false, true, true]);
        // Two small cells below five together: a third joins.
        assert_eq!(
            protect(&[10, 1, 2, 6], false),
            vec![false, true, true, true]
        );
        // Zeros are small too.
        assert_eq!(protect(&[0, 0, 20], false), vec![true, true, true]);
        assert_eq!(protect(&[0, 9, 20], false), vec![true, true, false]);
        // A withheld parent withholds all its cells.
        assert_eq!(protect(&[10, 20], true), vec![true, true]);
        // A single cell equal to its shown parent is never small.
        assert_eq!(protect(&[12], false), vec![false]);
    }

    #[test]
    fn no_withheld_cell_follows_from_total_minus_shown() {
        // Every breakdown of up to four cells with values 0-9: whenever something is withheld,
        // the total minus the shown cells is the sum of at least two withheld cells resting on
        // at least five children, so it never equals a single withheld cell's own value alone.
        for a in 0..10 {
            for b in 0..10 {
                for c in 0..10 {
                    for e in 0..10 {
                        let counts = [a, b, c, e];
                        let total: i64 = counts.iter().sum();
                        if total < MIN_COUNT {
                            continue; // the total itself is withheld, and with it every cell
                        }
                        let hidden = protect(&counts, false);
                        let withheld: Vec<i64> = counts
                            .iter()
                            .zip(&hidden)
                            .filter(|(_, h)| **h)
                            .map(|(c, _)| *c)
                            .collect();
                        if withheld.is_empty() {
                            continue;
                        }
                        assert!(withheld.len() >= 2, "{counts:?} {hidden:?}");
                        assert!(
                            withheld.iter().sum::<i64>() >= MIN_COUNT,
                            "{counts:?} {hidden:?}"
                        );
                        for (c, h) in counts.iter().zip(&hidden) {
                            assert!(*h || *c >= MIN_COUNT, "{counts:?}: a small cell is shown");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn public_periods() {
        let q = |year, from, to, on| StatisticsQuery { year, from, to, on };
        assert!(period(&q(Some(2016), None, None, None), Audience::Public).is_ok());
        assert!(period(
            &q(None, None, None, Some(d(2016, 12, 31))),
            Audience::Public
        )
        .is_ok());
        assert!(period(
            &q(None, None, None, Some(d(2016, 12, 30))),
            Audience::Public
        )
        .is_err());
        assert!(period(
            &q(None, None, None, Some(d(2016, 12, 30))),
            Audience::Member
        )
        .is_ok());
        assert!(period(
            &q(None, Some(d(2016, 1, 1)), Some(d(2016, 6, 30)), None),
            Audience::Public
        )
        .is_err());
        assert!(period(
            &q(None, Some(d(2016, 1, 1)), Some(d(2016, 6, 30)), None),
            Audience::Member
        )
        .is_ok());
        assert!(period(
            &q(Some(2016), None, None, Some(d(2016, 12, 31))),
            Audience::Member
        )
        .is_err());
        assert!(period(&q(None, None, None, None), Audience::Member).is_err());
    }
}
