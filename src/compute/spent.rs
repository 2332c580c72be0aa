//! Where the budget went (slo-math.md, "Where the budget went"): the window's
//! bad events by calendar day and by clock hour, each with its share of the
//! budget, and the SLO judged over its earlier windows. All of it comes from
//! the SLO's prefix index: one search per day or hour bound, one judgement per
//! earlier window.

use super::report::{DaySpend, HistoryPoint, HourSpend};
use super::{f, judge, window, Indexed, Judged};
use crate::model::{Config, Sli, Slo};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

/// How many worst hours the report keeps.
pub const WORST_HOURS: usize = 5;
const HOUR: i64 = 3_600;

/// `budget_by_day` and `worst_hours` of one SLO.
pub struct Spent {
    pub days: Vec<DaySpend>,
    pub hours: Vec<HourSpend>,
}

/// `(bad, total)` over each consecutive part `[bounds[i], bounds[i + 1])` of
/// the window ending at `t`, in the index's own units: fixed-point events
/// (`/ 2^64`) or slices (on the window's grid, `missing:` applied).
fn parts(ix: &mut Indexed, bounds: &[i64], t: i64) -> Vec<(i128, i128)> {
    match ix {
        Indexed::Ratio(r) => r.parts(bounds),
        Indexed::Slices(s) => bounds
            .windows(2)
            .map(|w| {
                let c = s.counts_on(w[0], w[1], t);
                ((c.total - c.good) as i128, c.total as i128)
            })
            .collect(),
    }
}

/// An amount in the index's units, as a count for people and JSON.
fn count(ix: &Indexed, x: i128) -> f64 {
    match ix {
        Indexed::Ratio(_) => x as f64 / super::ONE,
        Indexed::Slices(_) => x as f64,
    }
}

fn big(x: i128) -> BigRational {
    BigRational::from_integer(BigInt::from(x))
}

/// The budget of the window in the index's units, the denominator of every
/// share: `(1 - objective) · total` events for a ratio SLI, the budget's
/// minutes in slices (`budget_minutes · 60 / period`) for a time slice.
/// `None` when the window holds no events.
fn budget_units(slo: &Slo, j: &Judged) -> Option<BigRational> {
    if j.c.total.is_zero() {
        return None;
    }
    Some(match slo.sli {
        Sli::Ratio { .. } => {
            // j.c.total is exact events; in fixed point that is · 2^64.
            let one = big(1i128 << 64);
            &j.one_minus_o * &j.c.total * one
        }
        Sli::TimeSlice { .. } => &j.budget_minutes * BigRational::new(60.into(), slo.period.into()),
    })
}

/// The days and worst hours of the window ending at `t`.
pub fn spent(slo: &Slo, ix: &mut Indexed, j: &Judged, t: i64) -> Spent {
    let (start, end) = (j.start, t);
    let budget = budget_units(slo, j);
    let share = |bad: i128| budget.as_ref().map(|b| f(&(big(bad) / b)));

    let days = window::days(slo.tz, start, end);
    let mut bounds: Vec<i64> = days.iter().map(|(_, a, _)| *a.max(&start)).collect();
    bounds.push(end);
    let by_day = parts(ix, &bounds, t);
    let days = days
        .iter()
        .zip(&by_day)
        .map(|((date, a, b), &(bad, total))| DaySpend {
            date: date.format("%Y-%m-%d").to_string(),
            bad: count(ix, bad),
            total: count(ix, total),
            share: share(bad),
            start: (*a).max(start),
            end: (*b).min(end),
        })
        .collect();

    let mut bounds = vec![start];
    let mut h = start.div_euclid(HOUR) * HOUR + HOUR;
    while h < end {
        bounds.push(h);
        h += HOUR;
    }
    if end > start {
        bounds.push(end);
    }
    let by_hour = parts(ix, &bounds, t);
    let mut worst: Vec<(i64, i128, i128)> = bounds
        .iter()
        .zip(&by_hour)
        .filter(|(_, (bad, _))| *bad > 0)
        .map(|(a, &(bad, total))| (a.div_euclid(HOUR) * HOUR, bad, total))
        .collect();
    // Most bad first; ties keep time order (the sort is stable).
    worst.sort_by_key(|w| std::cmp::Reverse(w.1));
    worst.truncate(WORST_HOURS);
    let hours = worst
        .into_iter()
        .map(|(h, bad, total)| HourSpend {
            start: h,
            bad: count(ix, bad),
            total: count(ix, total),
            share: share(bad),
            burn_rate: (total > 0).then(|| f(&(big(bad) / big(total) / &j.one_minus_o))),
        })
        .collect();
    Spent { days, hours }
}

/// The SLO judged exactly as at `t`, at the ends of its `n` earlier windows.
pub fn history(cfg: &Config, slo: &Slo, ix: &mut Indexed, t: i64, n: usize) -> Vec<HistoryPoint> {
    window::history_ends(&slo.window, t, n)
        .into_iter()
        .map(|at| {
            let j = judge(cfg, slo, ix, at);
            HistoryPoint {
                as_of: at,
                window_start: j.start,
                sli: j.sli.as_ref().map(f),
                remaining_ratio: j.remaining.as_ref().map(f),
                status: j.status,
            }
        })
        .collect()
}
