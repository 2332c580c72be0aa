//! Time series as compute sees them: sorted, unique timestamps (seconds since the
//! epoch, the start of each period) and finite values.

use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeSeries {
    pub ts: Vec<i64>,
    pub vs: Vec<f64>,
}

impl TimeSeries {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Builds a series from points in any order; `Err(t)` names a duplicated timestamp.
    pub fn from_points(mut points: Vec<(i64, f64)>) -> Result<TimeSeries, i64> {
        if !points.windows(2).all(|w| w[0].0 < w[1].0) {
            points.sort_unstable_by_key(|p| p.0);
            if let Some(w) = points.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(w[0].0);
            }
        }
        Ok(TimeSeries {
            ts: points.iter().map(|p| p.0).collect(),
            vs: points.iter().map(|p| p.1).collect(),
        })
    }

    /// Builds a series from columns in any order; `Err(t)` names a duplicated timestamp.
    pub fn from_columns(ts: Vec<i64>, vs: Vec<f64>) -> Result<TimeSeries, i64> {
        debug_assert_eq!(ts.len(), vs.len());
        if ts.windows(2).all(|w| w[0] < w[1]) {
            return Ok(TimeSeries { ts, vs });
        }
        if ts.windows(2).all(|w| w[0] > w[1]) {
            // Newest first, as `aws cloudwatch get-metric-data` prints by default.
            let (mut ts, mut vs) = (ts, vs);
            ts.reverse();
            vs.reverse();
            return Ok(TimeSeries { ts, vs });
        }
        TimeSeries::from_points(ts.into_iter().zip(vs).collect())
    }

    /// Appends the points of another series (in any order); `Err(t)` names a duplicate.
    pub fn merge(self, other: TimeSeries) -> Result<TimeSeries, i64> {
        if other.is_empty() {
            return Ok(self);
        }
        if self.is_empty() {
            return Ok(other);
        }
        let (mut ts, mut vs) = (self.ts, self.vs);
        ts.extend(other.ts);
        vs.extend(other.vs);
        TimeSeries::from_columns(ts, vs)
    }

    /// The end of the newest period: the newest timestamp plus `period`.
    pub fn end(&self, period: i64) -> Option<i64> {
        self.ts.last().map(|t| t + period)
    }
}

/// The series of one run, by metric name (the query id of slo.yaml).
pub type DataSet = HashMap<String, TimeSeries>;

/// Formats epoch seconds as RFC 3339 UTC (`2026-11-24T00:00:00Z`).
/// The one rule every value of a series follows, whatever its source: every
/// statistic slo reads is a count, a rate or a duration, so a value is finite
/// and not negative. `None` when `v` follows it, else what is wrong with it.
#[inline]
pub fn value_problem(v: f64) -> Option<&'static str> {
    if v >= 0.0 && v.is_finite() {
        None
    } else if v.is_finite() {
        Some("negative")
    } else {
        Some("not a finite number")
    }
}

pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{t}s since 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_rejects_duplicates() {
        let s = TimeSeries::from_points(vec![(120, 2.0), (60, 1.0)]).unwrap();
        assert_eq!(s.ts, vec![60, 120]);
        assert_eq!(s.vs, vec![1.0, 2.0]);
        assert_eq!(
            TimeSeries::from_points(vec![(60, 1.0), (0, 0.0), (60, 2.0)]),
            Err(60)
        );
        assert_eq!(fmt_time(0), "1970-01-01T00:00:00Z");
        let s = TimeSeries::from_columns(vec![120, 60, 0], vec![3.0, 2.0, 1.0]).unwrap();
        assert_eq!(
            (s.ts.clone(), s.vs.clone()),
            (vec![0, 60, 120], vec![1.0, 2.0, 3.0])
        );
        let m = s
            .clone()
            .merge(TimeSeries::from_columns(vec![180], vec![4.0]).unwrap())
            .unwrap();
        assert_eq!(m.ts, vec![0, 60, 120, 180]);
        assert_eq!(s.clone().merge(s), Err(0));
    }
}
