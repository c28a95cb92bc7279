//! Progress, assessment, trend and staleness: derived from a target and its measurements on
//! every read, never stored. The README states these rules for people; the tests below pin them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{Direction, Frequency};

impl Frequency {
    /// Days after which a missing measurement makes a target stale.
    pub fn interval_days(self) -> Option<i64> {
        match self {
            Frequency::Monthly => Some(31),
            Frequency::Quarterly => Some(92),
            Frequency::HalfYearly => Some(184),
            Frequency::Annual => Some(366),
            Frequency::Irregular => None,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Achieved,
    Likely,
    Uncertain,
    Unlikely,
    NotAchieved,
    /// No target value, or no measurement to judge by.
    NotAssessed,
}

impl Assessment {
    pub const ALL: [Assessment; 6] = [
        Assessment::Achieved,
        Assessment::Likely,
        Assessment::Uncertain,
        Assessment::Unlikely,
        Assessment::NotAchieved,
        Assessment::NotAssessed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Achieved => "achieved",
            Assessment::Likely => "likely",
            Assessment::Uncertain => "uncertain",
            Assessment::Unlikely => "unlikely",
            Assessment::NotAchieved => "not_achieved",
            Assessment::NotAssessed => "not_assessed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Positive,
    Unchanged,
    Negative,
}

/// What the rules need of a target.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    pub baseline_date: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub frequency: Frequency,
    /// When the target was created (for staleness when nothing was ever measured).
    pub created_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub date: NaiveDate,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// The measurement the target is judged by: the latest dated from the baseline date up to
    /// the earlier of `as_of` and the deadline.
    pub current: Option<Point>,
    /// Share of the way from baseline to target, 0-100.
    pub progress: Option<f64>,
    /// The same, not clamped (negative when moving away, above 100 when overshooting).
    pub progress_unclamped: Option<f64>,
    pub assessment: Assessment,
    pub trend: Option<Trend>,
    pub stale: bool,
}

/// How close a `keep` target must stay to its value: 2 % of it.
const KEEP_TOLERANCE: f64 = 0.02;
/// Progress this many points behind elapsed time is still `likely`; up to `UNCERTAIN_GAP` behind is `uncertain`.
const LIKELY_GAP: f64 = 10.0;
const UNCERTAIN_GAP: f64 = 25.0;

fn within_keep(value: f64, reference: f64) -> bool {
    (value - reference).abs() <= reference.abs() * KEEP_TOLERANCE + f64::EPSILON
}

/// Whether `value` meets the target in the preferred direction.
fn meets(direction: Direction, value: f64, target: f64) -> bool {
    match direction {
        Direction::Increase => value >= target,
        Direction::Decrease => value <= target,
        Direction::Keep => within_keep(value, target),
    }
}

/// `series` holds the target's current measurements, any order.
pub fn derive(spec: &Spec, series: &[Point], as_of: NaiveDate) -> Derived {
    let mut points: Vec<Point> = series.to_vec();
    points.sort_by_key(|p| p.date);
    let window_end = spec.deadline.map_or(as_of, |d| d.min(as_of));
    let in_window =
        |p: &&Point| p.date <= window_end && spec.baseline_date.is_none_or(|b| p.date >= b);
    let current = points.iter().rev().find(in_window).copied();

    let progress_unclamped = match (spec.target_value, current) {
        (Some(target), Some(cur)) => Some(match (spec.direction, spec.baseline_value) {
            (Direction::Keep, _) => {
                if within_keep(cur.value, target) {
                    100.0
                } else {
                    0.0
                }
            }
            (_, Some(base)) if (target - base).abs() > f64::EPSILON => {
                (cur.value - base) / (target - base) * 100.0
            }
            _ => {
                if meets(spec.direction, cur.value, target) {
                    100.0
                } else {
                    0.0
                }
            }
        }),
        _ => None,
    };
    let progress = progress_unclamped.map(|p| p.clamp(0.0, 100.0));

    let assessment = match (spec.target_value, current, progress) {
        (Some(target), Some(cur), Some(progress)) => {
            if meets(spec.direction, cur.value, target) {
                Assessment::Achieved
            } else if spec.deadline.is_some_and(|d| as_of >= d) {
                // On the deadline the value is final.
                Assessment::NotAchieved
            } else {
                match (spec.baseline_date, spec.deadline, spec.baseline_value) {
                    // Graded against time only where progress is graded (a real distance to go).
                    (Some(start), Some(end), Some(base))
                        if end > start
                            && spec.direction != Direction::Keep
                            && (target - base).abs() > f64::EPSILON =>
                    {
                        let total = (end - start).num_days() as f64;
                        // Time elapsed by the judging date, not by the value's date: an old
                        // value must not make a target look on track.
                        let elapsed =
                            ((as_of.min(end) - start).num_days() as f64 / total).clamp(0.0, 1.0);
                        let gap = elapsed * 100.0 - progress;
                        if gap <= LIKELY_GAP {
                            Assessment::Likely
                        } else if gap <= UNCERTAIN_GAP {
                            Assessment::Uncertain
                        } else {
                            Assessment::Unlikely
                        }
                    }
                    _ => Assessment::Uncertain,
                }
            }
        }
        _ => Assessment::NotAssessed,
    };

    let upto: Vec<&Point> = points.iter().filter(|p| p.date <= as_of).collect();
    let trend = match upto.as_slice() {
        [.., prev, last] => {
            let delta = last.value - prev.value;
            let unchanged = delta.abs() <= prev.value.abs() * 0.01 + f64::EPSILON;
            Some(match spec.direction {
                _ if unchanged => Trend::Unchanged,
                Direction::Increase if delta > 0.0 => Trend::Positive,
                Direction::Decrease if delta < 0.0 => Trend::Positive,
                Direction::Increase | Direction::Decrease => Trend::Negative,
                Direction::Keep => match spec.target_value.or(spec.baseline_value) {
                    Some(reference) => {
                        let (before, after) = (
                            (prev.value - reference).abs(),
                            (last.value - reference).abs(),
                        );
                        if after < before {
                            Trend::Positive
                        } else {
                            Trend::Negative
                        }
                    }
                    None => Trend::Unchanged,
                },
            })
        }
        _ => None,
    };

    let follow_up_over = spec.deadline.is_some_and(|d| as_of > d);
    let stale = match spec.frequency.interval_days() {
        Some(days) if !follow_up_over => {
            let last = upto
                .last()
                .map(|p| p.date)
                .or(spec.baseline_date)
                .unwrap_or(spec.created_on);
            (as_of - last).num_days() > days
        }
        _ => false,
    };

    Derived {
        current,
        progress,
        progress_unclamped,
        assessment,
        trend,
        stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn spec(direction: Direction, baseline: Option<f64>, target: Option<f64>) -> Spec {
        Spec {
            direction,
            baseline_value: baseline,
            baseline_date: baseline.map(|_| d(2014, 12, 31)),
            target_value: target,
            deadline: Some(d(2017, 12, 31)),
            frequency: Frequency::Annual,
            created_on: d(2015, 1, 1),
        }
    }

    fn p(date: NaiveDate, value: f64) -> Point {
        Point { date, value }
    }

    #[test]
    fn decrease_target_progress_and_clamping() {
        // Vordingborg: full-year placements from 194 to 170.
        let s = spec(Direction::Decrease, Some(194.0), Some(170.0));
        let r = derive(&s, &[p(d(2015, 12, 31), 182.0)], d(2016, 1, 15));
        assert_eq!(r.progress, Some(50.0));
        let r = derive(&s, &[p(d(2015, 12, 31), 200.0)], d(2016, 1, 15));
        assert_eq!(
            (r.progress, r.progress_unclamped.map(f64::round)),
            (Some(0.0), Some(-25.0))
        );
        let r = derive(&s, &[p(d(2016, 12, 31), 160.0)], d(2017, 1, 15));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(100.0), Assessment::Achieved)
        );
        assert!(r.progress_unclamped.is_some_and(|u| u > 141.0 && u < 142.0));
    }

    #[test]
    fn assessment_against_time_elapsed() {
        let s = spec(Direction::Increase, Some(25.0), Some(75.0));
        // A third of the time gone (2015-12-31 of 2014-12-31..2017-12-31), a third of the way: likely.
        let r = derive(&s, &[p(d(2015, 12, 31), 42.0)], d(2016, 1, 10));
        assert_eq!(r.assessment, Assessment::Likely);
        // Two thirds of the time gone, 40 % of the way: 27 points behind: unlikely.
        let r = derive(&s, &[p(d(2016, 12, 31), 45.0)], d(2017, 1, 10));
        assert_eq!(r.assessment, Assessment::Unlikely);
        // 20 points behind: uncertain.
        let r = derive(&s, &[p(d(2016, 12, 31), 48.0)], d(2017, 1, 10));
        assert_eq!(r.assessment, Assessment::Uncertain);
    }

    #[test]
    fn an_old_value_does_not_look_on_track() {
        // Only the baseline measured, the day before the deadline: the time gone, none of the way.
        let s = spec(Direction::Decrease, Some(194.0), Some(170.0));
        let r = derive(&s, &[p(d(2014, 12, 31), 194.0)], d(2017, 12, 30));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(0.0), Assessment::Unlikely)
        );
        let r = derive(&s, &[p(d(2014, 12, 31), 194.0)], d(2015, 1, 15));
        assert_eq!(r.assessment, Assessment::Likely, "just started");
    }

    #[test]
    fn on_the_deadline_the_value_is_final() {
        let s = spec(Direction::Decrease, Some(194.0), Some(170.0));
        let r = derive(&s, &[p(d(2017, 12, 31), 175.0)], d(2017, 12, 31));
        assert_eq!(r.assessment, Assessment::NotAchieved);
        let r = derive(&s, &[p(d(2017, 12, 31), 170.0)], d(2017, 12, 31));
        assert_eq!(r.assessment, Assessment::Achieved);
    }

    #[test]
    fn deadline_passed() {
        let s = spec(Direction::Increase, Some(25.0), Some(75.0));
        let r = derive(&s, &[p(d(2017, 6, 30), 60.0)], d(2018, 3, 1));
        assert_eq!(r.assessment, Assessment::NotAchieved);
        assert!(!r.stale, "follow-up is over after the deadline");
        // A value recorded after the deadline does not change the verdict.
        let r = derive(
            &s,
            &[p(d(2017, 6, 30), 60.0), p(d(2018, 2, 1), 80.0)],
            d(2018, 3, 1),
        );
        assert_eq!(
            (r.assessment, r.current.map(|c| c.value)),
            (Assessment::NotAchieved, Some(60.0))
        );
        // Reached by the deadline: achieved, also afterwards.
        let r = derive(&s, &[p(d(2017, 12, 31), 76.0)], d(2020, 1, 1));
        assert_eq!(r.assessment, Assessment::Achieved);
    }

    #[test]
    fn no_baseline() {
        let s = Spec {
            baseline_value: None,
            baseline_date: None,
            ..spec(Direction::Increase, None, Some(60.0))
        };
        let r = derive(&s, &[p(d(2016, 6, 1), 40.0)], d(2016, 7, 1));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(0.0), Assessment::Uncertain)
        );
        let r = derive(&s, &[p(d(2016, 6, 1), 61.0)], d(2016, 7, 1));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(100.0), Assessment::Achieved)
        );
    }

    #[test]
    fn target_equal_to_baseline() {
        let s = spec(Direction::Decrease, Some(100.0), Some(100.0));
        let r = derive(&s, &[p(d(2016, 1, 1), 101.0)], d(2016, 2, 1));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(0.0), Assessment::Uncertain)
        );
        let r = derive(&s, &[p(d(2016, 1, 1), 99.0)], d(2016, 2, 1));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(100.0), Assessment::Achieved)
        );
    }

    #[test]
    fn keep_targets() {
        let s = spec(Direction::Keep, Some(10.0), Some(10.0));
        let r = derive(&s, &[p(d(2016, 1, 1), 10.1)], d(2016, 2, 1));
        assert_eq!(r.assessment, Assessment::Achieved);
        let r = derive(&s, &[p(d(2016, 1, 1), 8.0)], d(2016, 2, 1));
        assert_eq!(
            (r.progress, r.assessment),
            (Some(0.0), Assessment::Uncertain)
        );
        let r = derive(
            &s,
            &[p(d(2015, 1, 1), 7.0), p(d(2016, 1, 1), 9.0)],
            d(2016, 2, 1),
        );
        assert_eq!(r.trend, Some(Trend::Positive));
    }

    #[test]
    fn nothing_to_judge_by() {
        let s = spec(Direction::Increase, Some(25.0), None);
        assert_eq!(
            derive(&s, &[p(d(2016, 1, 1), 30.0)], d(2016, 2, 1)).assessment,
            Assessment::NotAssessed
        );
        let s = spec(Direction::Increase, Some(25.0), Some(75.0));
        let r = derive(&s, &[], d(2016, 2, 1));
        assert_eq!(
            (r.current, r.progress, r.assessment),
            (None, None, Assessment::NotAssessed)
        );
        // Measurements before the baseline are history, not progress.
        let r = derive(&s, &[p(d(2010, 12, 31), 90.0)], d(2016, 2, 1));
        assert_eq!(r.current, None);
    }

    #[test]
    fn trends() {
        let s = spec(Direction::Decrease, Some(194.0), Some(170.0));
        let t = |a: f64, b: f64| {
            derive(
                &s,
                &[p(d(2015, 12, 31), a), p(d(2016, 12, 31), b)],
                d(2017, 1, 5),
            )
            .trend
        };
        assert_eq!(t(190.0, 180.0), Some(Trend::Positive));
        assert_eq!(t(180.0, 190.0), Some(Trend::Negative));
        assert_eq!(t(180.0, 180.5), Some(Trend::Unchanged));
        assert_eq!(
            derive(&s, &[p(d(2015, 12, 31), 190.0)], d(2016, 1, 5)).trend,
            None
        );
    }

    #[test]
    fn staleness_follows_frequency() {
        let mut s = spec(Direction::Increase, Some(25.0), Some(75.0));
        s.frequency = Frequency::Quarterly;
        assert!(!derive(&s, &[p(d(2016, 1, 1), 30.0)], d(2016, 3, 1)).stale);
        assert!(derive(&s, &[p(d(2016, 1, 1), 30.0)], d(2016, 6, 1)).stale);
        // Never measured: counted from the baseline date.
        assert!(derive(&s, &[], d(2015, 6, 1)).stale);
        s.frequency = Frequency::Irregular;
        assert!(!derive(&s, &[], d(2016, 6, 1)).stale);
    }
}
