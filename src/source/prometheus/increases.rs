//! Exact per-period increases of counters (slo-math.md, "Prometheus series"),
//! from raw samples: never `increase()` or `rate()`, whose extrapolation turns
//! integer counts into fractions and makes good exceed total.
//!
//! For each series, in time order, every sample that has a predecessor adds
//! `v_i - v_{i-1}` (or `v_i` after a reset: the counter restarted from zero)
//! to the period that contains its time; the first sample of a series adds
//! nothing. A period that holds any sample of any matching series has a point
//! (0 when nothing increased); a period without samples has none.

use crate::error::{Error, Result};
use crate::series::fmt_time;
use std::collections::BTreeMap;

/// One series' last sample: `(time in ms, value)`.
pub type Sample = (i64, f64);

/// Per-period sums over every series of one selector.
#[derive(Debug, Clone, Default)]
pub struct Increases {
    /// Period start (epoch seconds) → the sum of the increases in it.
    pub sums: BTreeMap<i64, f64>,
}

impl Increases {
    /// Adds the samples of one series (sorted by time, times in ms) that
    /// follow `prev`, its last sample before them if there is one. Only
    /// samples at or after `from` (epoch seconds) make points; earlier ones
    /// only serve as predecessors. Returns the series' last sample.
    pub fn add_series(
        &mut self,
        metric: &str,
        period: i64,
        from: i64,
        mut prev: Option<Sample>,
        samples: &[Sample],
    ) -> Result<Option<Sample>> {
        let period_ms = period * 1_000;
        for &(t, v) in samples {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::data(format!(
                    "metric `{metric}` at {}: counter value {v} is {}",
                    fmt_ms(t),
                    if v.is_finite() {
                        "negative"
                    } else {
                        "not finite"
                    }
                )));
            }
            if prev.is_some_and(|(pt, _)| pt >= t) {
                // A repeated timestamp (chunks overlap by design): already counted.
                continue;
            }
            let delta = match prev {
                None => 0.0,
                Some((_, pv)) if v >= pv => v - pv,
                Some(_) => v, // a reset: the counter restarted from zero
            };
            prev = Some((t, v));
            let start = t.div_euclid(period_ms) * period;
            if start < from {
                continue;
            }
            *self.sums.entry(start).or_insert(0.0) += delta;
        }
        Ok(prev)
    }
}

/// A sample time in ms, as RFC 3339 (with the milliseconds when it has them).
pub fn fmt_ms(t: i64) -> String {
    if t.rem_euclid(1_000) == 0 {
        return fmt_time(t.div_euclid(1_000));
    }
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{t} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(series: &[(Option<Sample>, Vec<Sample>)], from: i64) -> Vec<(i64, f64)> {
        let mut inc = Increases::default();
        for (prev, s) in series {
            inc.add_series("m", 60, from, *prev, s).unwrap();
        }
        inc.sums.into_iter().collect()
    }

    #[test]
    fn first_sample_adds_nothing_and_resets_restart_from_zero() {
        // Scrapes at :15 of each minute (jitter: one at :59.5).
        let s = vec![
            (15_000, 10.0),
            (75_000, 13.0),
            (119_500, 13.0),
            (135_000, 2.0), // reset: +2
            (195_000, 7.0),
        ];
        assert_eq!(
            run(&[(None, s)], 0),
            [(0, 0.0), (60, 3.0), (120, 2.0), (180, 5.0)]
        );
    }

    #[test]
    fn series_add_up_and_a_predecessor_carries_over() {
        let a = (Some((50_000, 5.0)), vec![(70_000, 6.0), (130_000, 9.0)]);
        let b = (None, vec![(61_000, 100.0), (121_000, 104.0)]); // starts mid-range
        assert_eq!(run(&[a, b], 0), [(60, 1.0), (120, 7.0)]);
    }

    #[test]
    fn samples_before_from_are_predecessors_only() {
        let s = vec![(30_000, 1.0), (90_000, 4.0), (150_000, 6.0)];
        assert_eq!(run(&[(None, s)], 60), [(60, 3.0), (120, 2.0)]);
    }

    #[test]
    fn a_long_gap_still_connects() {
        // Ten minutes without a sample: the increase lands where it is seen.
        let s = vec![(0, 1.0), (600_000, 21.0)];
        assert_eq!(run(&[(None, s)], 0), [(0, 0.0), (600, 20.0)]);
    }

    #[test]
    fn repeated_times_count_once_and_bad_values_are_errors() {
        let s = vec![(0, 1.0), (60_000, 2.0), (60_000, 2.0), (120_000, 3.0)];
        assert_eq!(run(&[(None, s)], 0), [(0, 0.0), (60, 1.0), (120, 1.0)]);
        let mut inc = Increases::default();
        let e = inc
            .add_series("req", 60, 0, None, &[(1_500, f64::NAN)])
            .unwrap_err();
        assert!(
            e.to_string().contains("`req` at 1970-01-01T00:00:01.500Z"),
            "{e}"
        );
    }
}
