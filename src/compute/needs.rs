//! The planner: what an evaluation at T reads, per query metric. Every
//! source serves these [`Needs`] (CloudWatch turns them into calls), so the
//! SLO math that decides them lives here, beside the math that reads them.
//!
//! An SLO at T reads `[T - need, T)` where `need` is the longest of its window
//! (a calendar window from the start of its calendar period), its burn-rate
//! lookbacks, its alert windows (scaled to the window, as compute scales them)
//! and the forecast lookback. The hourly series of the report evaluates the
//! *window* (only the window) ending at each hour of the `series_range` before
//! T, so the span also reaches back to the start of the window ending at
//! `T - series_range`; the report's `history` (`--history N`) judges the N
//! windows before the one at T, back to the start of the oldest. A metric's
//! span is the union over the SLOs that read it, directly or through
//! expressions.
//!
//! The part needed at T is kept apart (`strict_start`): a time-slice SLI must
//! have it at its own period (the slice), while the older part feeds only the
//! history series and the earlier windows (CloudWatch serves what is past the
//! retention of a period at a coarser one, and its fetch summary says so).

use crate::compute::window;
use crate::model::{AsOfSetting, Config, Sli, Slo};
use std::collections::BTreeMap;

/// With `as_of: latest`, T is known only once the data is in: every span
/// reaches back this much more for it.
pub const LATEST_MARGIN: i64 = 3_600;

/// What one SLO reads, at T.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SloSpan {
    /// Start of what the numbers at T read.
    pub strict_start: i64,
    /// Start of everything, the history series included.
    pub start: i64,
}

/// The span of one SLO evaluated at `t` with a history series of
/// `series_range` seconds and `history` earlier windows.
pub fn slo_span(cfg: &Config, slo: &Slo, t: i64, reach: Reach) -> SloSpan {
    let Reach {
        series_range,
        history,
    } = reach;
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
    // The earlier windows judged by `history`: back to the start of the last one.
    let history_start = window::history_ends(&slo.window, t, history)
        .last()
        .map_or(strict_start, |at| window::bounds(&slo.window, *at).0);
    SloSpan {
        strict_start,
        start: strict_start.min(series_start).min(history_start),
    }
}

/// How far an evaluation looks back beyond its numbers at T: the history
/// series (`--series-range`) and the earlier windows (`--history`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub series_range: i64,
    pub history: usize,
}

/// What one query metric is needed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// `[start, end)`: everything read, the history series included.
    pub start: i64,
    pub end: i64,
    /// The time-slice SLOs that read it and where their numbers at T start:
    /// from there on the metric is needed at its own period (the slice).
    pub slices: Vec<(String, i64)>,
}

impl Need {
    /// Where the exact period is required from, if any SLO requires it.
    pub fn exact_from(&self) -> Option<i64> {
        self.slices.iter().map(|(_, s)| *s).min()
    }
}

/// The plan of one evaluation: T as known before the data, and what every
/// query metric the SLOs read is needed over, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    pub t: i64,
    pub metrics: BTreeMap<String, Need>,
}

impl Needs {
    /// The earliest start over every metric (T when nothing is read).
    pub fn earliest(&self) -> i64 {
        self.metrics
            .values()
            .map(|n| n.start)
            .min()
            .unwrap_or(self.t)
    }
}

/// What an evaluation of `cfg` at `t` (already floored, see
/// [`super::settle_t`]) that reaches back as `reach` says reads.
pub fn needs(cfg: &Config, t: i64, reach: Reach) -> Needs {
    let margin = if cfg.as_of == Some(AsOfSetting::Latest) {
        LATEST_MARGIN
    } else {
        0
    };
    let mut out: BTreeMap<String, Need> = BTreeMap::new();
    for slo in &cfg.slos {
        let span = slo_span(cfg, slo, t, reach);
        for m in cfg.queries_of(slo.sli.inputs()) {
            let r = out.entry(m.name.clone()).or_insert(Need {
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
    Needs { t, metrics: out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const DAY: i64 = 86_400;

    fn week() -> Reach {
        Reach {
            series_range: 7 * DAY,
            history: 0,
        }
    }

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
            slo_span(&c, &c.slos[0], t, week()),
            SloSpan {
                strict_start: t - 30 * DAY,
                start: t - 37 * DAY
            }
        );
        let r = needs(&c, t, week()).metrics;
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
        let s = slo_span(&c, &c.slos[0], t, week());
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
        let m = slo_span(&c, &c.slos[0], t, week());
        // Two days into November: the 3d lookbacks reach further than the window.
        assert_eq!(m.strict_start, t - 3 * DAY);
        let r = needs(&c, t, week()).metrics;
        // The series' oldest window (ending Oct 27) opens October.
        assert_eq!(r["req"].start, ts("2026-10-01T00:00:00Z"));
        assert_eq!(r["p95"].slices, vec![("s".to_string(), t - 7 * DAY)]);
        assert_eq!(r["p95"].exact_from(), Some(t - 7 * DAY));
        assert_eq!(r["p95"].start, t - 14 * DAY);
        assert_eq!(r["req"].exact_from(), None);
        // `as_of: latest` reaches an hour further back, for the T the data settles.
        let l = cfg(
            "  - name: s\n    objective: 99%\n    window: 7d\n    sli: { timeslice: { metric: p95, op: \"<\", threshold: 2 } }\n",
            "as_of: latest\n",
        );
        let n = needs(&l, t, week());
        assert_eq!(n.metrics["p95"].start, t - 14 * DAY - LATEST_MARGIN);
        assert_eq!(n.earliest(), t - 14 * DAY - LATEST_MARGIN);
    }
}
