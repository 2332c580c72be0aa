//! The time range each metric is needed over, for an evaluation at T.
//!
//! An SLO at T reads `[T - need, T)` where `need` is the longest of its window
//! (a calendar window from the start of its calendar period), its burn-rate
//! lookbacks, its alert windows (scaled to the window, as compute scales them)
//! and the forecast lookback. The hourly series of the report evaluates the
//! *window* (only the window) ending at each hour of the `series_range` before
//! T, so the range also reaches back to the start of the window ending at
//! `T - series_range`. A metric's range is the union over the SLOs that read
//! it, directly or through expressions.
//!
//! The part needed at T is kept apart (`strict_start`): a time-slice SLI must
//! have it at its own period (the slice), while the older part feeds only the
//! history series.

use crate::compute::window;
use crate::model::{Config, MetricKind, Sli, Slo};
use std::collections::{BTreeMap, HashSet};

/// What one SLO reads, at T.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SloSpan {
    /// Start of what the numbers at T read.
    pub strict_start: i64,
    /// Start of everything, the history series included.
    pub start: i64,
}

/// The span of one SLO evaluated at `t` with a history series of `series_range` seconds.
pub fn slo_span(cfg: &Config, slo: &Slo, t: i64, series_range: i64) -> SloSpan {
    let (wstart, w) = window::bounds(&slo.window, t);
    let mut need = t - wstart;
    for l in &cfg.burn_lookbacks {
        need = need.max(l.secs());
    }
    need = need.max(cfg.forecast_lookback.secs());
    for r in window::alert_windows(&cfg.alerts, cfg.custom_alerts, w, slo.period) {
        need = need.max(r.long.secs()).max(r.short.secs());
    }
    let strict_start = t - need;
    let series_start = if series_range > 0 {
        window::bounds(&slo.window, t - series_range).0
    } else {
        strict_start
    };
    SloSpan {
        strict_start,
        start: strict_start.min(series_start),
    }
}

/// The query metrics an SLO reads, through expressions.
pub fn slo_queries(cfg: &Config, slo: &Slo) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<String> = slo.sli.inputs().into_iter().map(String::from).collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        match cfg.metrics.iter().find(|m| m.name == name).map(|m| &m.kind) {
            Some(MetricKind::Expression { expr, .. }) => stack.extend(expr.operands()),
            Some(MetricKind::Query(_)) => {
                out.insert(name);
            }
            None => {}
        }
    }
    out
}

/// The range of one query metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRange {
    pub start: i64,
    pub end: i64,
    /// The time-slice SLOs that read it and where their numbers at T start.
    pub slices: Vec<(String, i64)>,
}

/// The range of every query metric the SLOs read, by name, evaluated at `t`.
/// `margin` widens every range at its old end (for `as_of: latest`, whose T
/// is known only once the data is in).
pub fn metric_ranges(
    cfg: &Config,
    t: i64,
    series_range: i64,
    margin: i64,
) -> BTreeMap<String, MetricRange> {
    let mut out: BTreeMap<String, MetricRange> = BTreeMap::new();
    for slo in &cfg.slos {
        let span = slo_span(cfg, slo, t, series_range);
        for name in slo_queries(cfg, slo) {
            let r = out.entry(name).or_insert(MetricRange {
                start: i64::MAX,
                end: t,
                slices: Vec::new(),
            });
            r.start = r.start.min(span.start - margin);
            if matches!(slo.sli, Sli::TimeSlice { .. }) {
                r.slices
                    .push((slo.name.clone(), span.strict_start - margin));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const DAY: i64 = 86_400;

    fn ts(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    fn cfg(slos: &str, extra: &str) -> Config {
        let y = format!(
            "version: 1\nservice: t\nsource: {{ type: cloudwatch }}\nmetrics:\n  \
             req: {{ namespace: N, name: R, stat: Sum }}\n  \
             err: {{ namespace: N, name: E, stat: Sum }}\n  \
             p95: {{ namespace: N, name: L, stat: p95 }}\n  \
             good: {{ expression: req - err }}\nslos:\n{slos}{extra}"
        );
        crate::config::parse(Path::new("slo.yaml"), &y).unwrap()
    }

    #[test]
    fn rolling_window_plus_series_and_lookbacks() {
        let c = cfg(
            "  - { name: a, objective: 99.9%, window: 30d, sli: { good: good, total: req } }\n",
            "",
        );
        let t = ts("2026-11-23T00:00:00Z");
        // Default lookbacks up to 3d and alerts up to 3d: the window (30d) is longest.
        assert_eq!(
            slo_span(&c, &c.slos[0], t, 7 * DAY),
            SloSpan {
                strict_start: t - 30 * DAY,
                start: t - 37 * DAY
            }
        );
        let r = metric_ranges(&c, t, 7 * DAY, 0);
        assert_eq!(r.keys().collect::<Vec<_>>(), vec!["err", "req"]);
        assert_eq!(r["err"].start, t - 37 * DAY);
        assert!(r["err"].slices.is_empty());
    }

    #[test]
    fn short_window_is_led_by_its_lookbacks() {
        let c = cfg(
            "  - { name: a, objective: 99%, window: 1d, sli: { bad: err, total: req } }\n",
            "burn_rate_lookbacks: [5m, 2d]\nforecast_lookback: 4d\n",
        );
        let t = ts("2026-11-23T00:00:00Z");
        let s = slo_span(&c, &c.slos[0], t, 7 * DAY);
        assert_eq!(s.strict_start, t - 4 * DAY); // forecast lookback
        assert_eq!(s.start, t - 8 * DAY); // the window ending 7 days before T
    }

    #[test]
    fn calendar_month_from_its_first_day_and_time_slices_flagged() {
        let c = cfg(
            "  - { name: m, objective: 99%, calendar: month, sli: { bad: err, total: req } }\n  \
             - name: s\n    objective: 99%\n    window: 7d\n    sli: { timeslice: { metric: p95, op: \"<\", threshold: 2 } }\n",
            "",
        );
        let t = ts("2026-11-03T00:00:00Z");
        let m = slo_span(&c, &c.slos[0], t, 7 * DAY);
        // Two days into November: the 3d lookbacks reach further than the window.
        assert_eq!(m.strict_start, t - 3 * DAY);
        let r = metric_ranges(&c, t, 7 * DAY, 3600);
        // The series' oldest window (ending Oct 27) opens October.
        assert_eq!(r["req"].start, ts("2026-10-01T00:00:00Z") - 3600);
        assert_eq!(r["p95"].slices, vec![("s".to_string(), t - 7 * DAY - 3600)]);
        assert_eq!(r["p95"].start, t - 14 * DAY - 3600);
    }
}
