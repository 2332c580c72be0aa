//! The SLO math of docs/math.md: SLI, error budget, burn rates, alerts, status and
//! forecast, for every SLO at the evaluation time T, plus the rolling SLI and
//! budget as an hourly series for the charts.
//!
//! Reported numbers are computed in exact rational arithmetic from exact sums and
//! rounded once to f64; every decision (status, a firing alert, a forecast) is
//! taken on the exact values, so a tie is a tie.

pub mod expr;
pub mod index;
pub mod needs;
mod report;
mod spent;
pub mod window;

pub use needs::{needs, Need, Needs, Reach};

use crate::duration::Dur;
use crate::error::Result;
use crate::model::{Config, Sli, Slo};
use crate::series::{fmt_time, DataSet};
use index::{Numerator, RatioIndex, SliceIndex, ONE};
use indexmap::IndexMap;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::BTreeMap;

pub use report::*;

/// What the evaluation needs besides the config and the data.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// T, epoch seconds, already floored to the largest period.
    pub as_of: i64,
    pub as_of_requested: Option<String>,
    /// The series: points every `series_step` seconds over `series_range` before T.
    pub series_range: i64,
    pub series_step: i64,
    /// How many earlier windows `history` judges (`--history`).
    pub history: usize,
}

/// Evaluates every SLO of `cfg` on `data` at `opts.as_of`.
pub fn evaluate(cfg: &Config, data: &DataSet, opts: &EvalOptions) -> Result<Report> {
    use rayon::prelude::*;
    // SLOs are independent, but SLOs with the same SLI (the same inputs and,
    // for time slices, the same rule and period) share one index: a fleet's
    // availability and error-rate SLOs over one service's requests and errors
    // build it once. Each group builds its index (and its expressions) on its
    // own thread and drops it when done, so memory holds the data plus one
    // index per core.
    let mut groups: IndexMap<String, Vec<usize>> = IndexMap::new();
    for (i, slo) in cfg.slos.iter().enumerate() {
        groups
            .entry(format!("{:?}|{}", slo.sli, slo.period))
            .or_default()
            .push(i);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let done = groups
        .par_iter()
        .map(|group| {
            let mut resolver = expr::Resolver::new(cfg, data);
            let mut ix = Indexed::build(&cfg.slos[group[0]], &mut resolver)?;
            Ok(group
                .iter()
                .map(|&i| {
                    let slo = &cfg.slos[i];
                    let mut r = evaluate_slo(cfg, slo, &mut ix, opts);
                    r.missing_metrics = cfg
                        .queries_of(slo.sli.inputs())
                        .into_iter()
                        .filter(|m| {
                            !m.allow_empty && data.get(&m.name).is_none_or(|s| s.is_empty())
                        })
                        .map(|m| m.name.clone())
                        .collect();
                    (i, r)
                })
                .collect::<Vec<_>>())
        })
        .collect::<Result<Vec<_>>>()?;
    let mut slos: Vec<Option<SloReport>> = (0..cfg.slos.len()).map(|_| None).collect();
    for (i, r) in done.into_iter().flatten() {
        slos[i] = Some(r);
    }
    let slos: Vec<SloReport> = slos.into_iter().flatten().collect();
    Ok(Report {
        service: cfg.service.clone(),
        as_of: opts.as_of,
        as_of_requested: opts.as_of_requested.clone(),
        slos,
        unread_metrics: BTreeMap::new(),
        warning_below: cfg.warning_below.value,
    })
}

/// T: `pinned` (`--as-of`), else slo.yaml's `as_of`, else (for `as_of:
/// latest`) the end of the newest data in `data`, else now; floored to the
/// largest period. The one place T is settled: before the data (`data` empty,
/// for the planner) and after it. The second value is the time asked for
/// (RFC 3339) when flooring moved it.
pub fn settle_t(cfg: &Config, pinned: Option<(i64, u32)>, data: &DataSet) -> (i64, Option<String>) {
    let p = largest_period(cfg);
    let floor = |t: i64| t - t.rem_euclid(p);
    let pinned = pinned.or(match &cfg.as_of {
        Some(crate::model::AsOfSetting::At(t)) => Some((t.timestamp(), t.timestamp_subsec_nanos())),
        _ => None,
    });
    if let Some((t, nanos)) = pinned {
        let f = floor(t);
        let asked = (f != t || nanos != 0).then(|| {
            chrono::DateTime::from_timestamp(t, nanos)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_else(|| fmt_time(t))
        });
        return (f, asked);
    }
    if cfg.as_of == Some(crate::model::AsOfSetting::Latest) {
        let end = cfg
            .metrics
            .iter()
            .filter_map(|m| data.get(&m.name).and_then(|s| s.end(m.period)))
            .max();
        if let Some(end) = end {
            return (floor(end), None);
        }
    }
    (floor(chrono::Utc::now().timestamp()), None)
}

/// What the data leaves out of the SLOs' windows at `t`, as warnings: SLOs
/// whose data ends well before T (an hour, or two periods, whichever is
/// longer: the end of the window holds nothing), and SLOs whose data starts
/// after their window does (they are judged on part of it). One warning per
/// kind, naming the SLOs; metrics with no point at all are warned about
/// where they are read.
pub fn coverage_warnings(cfg: &Config, data: &DataSet, t: i64) -> Vec<String> {
    const SHOWN: usize = 5;
    let mut late = Vec::new();
    let mut short = Vec::new();
    for slo in &cfg.slos {
        let inputs = cfg.queries_of(slo.sli.inputs());
        let spans: Vec<(i64, i64)> = inputs
            .iter()
            .filter_map(|m| {
                let (first, last) = data.get(&m.name)?.first_last()?;
                Some((first, last + m.period))
            })
            .collect();
        let (Some(first), Some(end)) = (
            spans.iter().map(|s| s.0).min(),
            spans.iter().map(|s| s.1).max(),
        ) else {
            continue;
        };
        let gap = t - end;
        if gap >= (2 * slo.period).max(3_600) {
            late.push(format!(
                "`{}` (its data ends {}, {} before T)",
                slo.name,
                fmt_time(end),
                roughly(gap)
            ));
        }
        let (start, _) = window::bounds(&slo.window, t);
        if first > start && first < t {
            short.push(format!(
                "`{}` (data from {}, window from {})",
                slo.name,
                fmt_time(first),
                fmt_time(start)
            ));
        }
    }
    let list = |v: &[String]| {
        let mut s = v.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > SHOWN {
            s.push_str(&format!(" and {} more", v.len() - SHOWN));
        }
        s
    };
    let mut out = Vec::new();
    if !late.is_empty() {
        out.push(format!(
            "the evaluation time {} is well past the newest data of {} SLO{}: {}; the end of {} window{} holds no data (pass --as-of latest to report at the end of the data)",
            fmt_time(t),
            late.len(),
            if late.len() == 1 { "" } else { "s" },
            list(&late),
            if late.len() == 1 { "its" } else { "their" },
            if late.len() == 1 { "" } else { "s" },
        ));
    }
    if !short.is_empty() {
        out.push(format!(
            "the data does not cover the whole window of {} SLO{}: {}; {} judged on the part the data covers",
            short.len(),
            if short.len() == 1 { "" } else { "s" },
            list(&short),
            if short.len() == 1 { "it is" } else { "they are" },
        ));
    }
    out
}

/// A duration for people, to the minute: `14 d 3 h`, `2 h 5 min`, `45 min`.
fn roughly(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// The largest period of the metrics of slo.yaml: T is floored to it.
pub fn largest_period(cfg: &Config) -> i64 {
    cfg.metrics
        .iter()
        .map(|m| m.period)
        .max()
        .unwrap_or(60)
        .max(1)
}

/// An SLO's prefix index, ratio or time slice.
enum Indexed {
    Ratio(RatioIndex),
    Slices(SliceIndex),
}

/// Exact counts over one window: `good` and `total` (events or slices).
struct Counts {
    good: BigRational,
    total: BigRational,
    missing: u64,
    clamped: u64,
}

fn from_fixed(x: i128) -> BigRational {
    BigRational::new(BigInt::from(x), BigInt::from(1u128 << 64))
}

fn f(x: &BigRational) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

impl Indexed {
    fn build(slo: &Slo, r: &mut expr::Resolver) -> Result<Indexed> {
        Ok(match &slo.sli {
            Sli::Ratio { good, bad, total } => {
                let ts = r.series(total);
                let num = if let Some(g) = good {
                    let gs = r.series(g);
                    return Ok(Indexed::Ratio(RatioIndex::build(
                        Numerator::Good(g, &gs),
                        total,
                        &ts,
                    )?));
                } else {
                    bad.clone().unwrap_or_default()
                };
                let bs = r.series(&num);
                Indexed::Ratio(RatioIndex::build(Numerator::Bad(&num, &bs), total, &ts)?)
            }
            Sli::TimeSlice {
                value,
                op,
                threshold,
                missing,
            } => {
                use crate::model::SliceValue;
                use index::SliceInput;
                let build =
                    |input| SliceIndex::build(input, slo.period, *op, threshold.value, *missing);
                Indexed::Slices(match value {
                    SliceValue::Metric { metric, per_second } => {
                        let s = r.series(metric);
                        build(SliceInput::Metric {
                            series: (metric, s.as_ref()),
                            per_second: *per_second,
                        })?
                    }
                    SliceValue::Ratio { bad, total } => {
                        let (b, t) = (r.series(bad), r.series(total));
                        build(SliceInput::Ratio {
                            bad: (bad, b.as_ref()),
                            total: (total, t.as_ref()),
                        })?
                    }
                })
            }
        })
    }

    fn exact(&mut self, a: i64, b: i64) -> Counts {
        match self {
            Indexed::Ratio(ix) => {
                let s = ix.sums(a, b);
                Counts {
                    good: from_fixed(s.good),
                    total: from_fixed(s.total),
                    missing: s.missing,
                    clamped: s.clamped,
                }
            }
            Indexed::Slices(ix) => {
                let c = ix.counts(a, b);
                Counts {
                    good: BigRational::from_integer(c.good.into()),
                    total: BigRational::from_integer(c.total.into()),
                    missing: c.missing,
                    clamped: 0,
                }
            }
        }
    }

    /// `(good, total)` as f64, cheaply, for the hourly series.
    fn approx(&mut self, a: i64, b: i64) -> (f64, f64) {
        match self {
            Indexed::Ratio(ix) => {
                let s = ix.sums(a, b);
                (s.good as f64 / ONE, s.total as f64 / ONE)
            }
            Indexed::Slices(ix) => {
                let c = ix.counts(a, b);
                (c.good as f64, c.total as f64)
            }
        }
    }
}

/// The exact burn rate over `[a, b)`; `None` when the lookback holds no events.
fn burn(ix: &mut Indexed, a: i64, b: i64, one_minus_o: &BigRational) -> Option<BigRational> {
    let c = ix.exact(a, b);
    if c.total.is_zero() {
        return None;
    }
    let bad = &c.total - &c.good;
    Some(bad / c.total / one_minus_o)
}

/// An SLO judged over the window ending at `t`: its exact counts, SLI,
/// remaining budget and status (what history repeats at earlier ends).
struct Judged {
    start: i64,
    /// The whole window's length in seconds (a calendar period's whole length).
    w: i64,
    c: Counts,
    bad: BigRational,
    one_minus_o: BigRational,
    w_minutes: BigRational,
    budget_minutes: BigRational,
    sli: Option<BigRational>,
    remaining: Option<BigRational>,
    consumed: Option<BigRational>,
    status: Status,
}

fn judge(cfg: &Config, slo: &Slo, ix: &mut Indexed, t: i64) -> Judged {
    let (start, w) = window::bounds(&slo.window, t);
    let one_minus_o = BigRational::one() - &slo.objective.ratio;
    let w_minutes = BigRational::new(w.into(), 60.into());
    let budget_minutes = &one_minus_o * &w_minutes;
    let c = ix.exact(start, t);
    let bad = &c.total - &c.good;
    let timeslices = matches!(slo.sli, Sli::TimeSlice { .. });

    // remaining_ratio and the minutes, exactly; None without events.
    let (sli, remaining, consumed) = if c.total.is_zero() {
        (None, None, None)
    } else {
        let sli = &c.good / &c.total;
        let (remaining, consumed) = if timeslices {
            let consumed = &bad * BigRational::new(slo.period.into(), 60.into());
            let remaining = (&budget_minutes - &consumed) / &budget_minutes;
            (remaining, consumed)
        } else {
            let budget_events = &one_minus_o * &c.total;
            let remaining = BigRational::one() - &bad / budget_events;
            let consumed = (BigRational::one() - &sli) * &w_minutes;
            (remaining, consumed)
        };
        (Some(sli), Some(remaining), Some(consumed))
    };

    let status = match &remaining {
        None => Status::NoData,
        Some(r) if r.is_negative() => Status::Breached,
        Some(r) if *r < cfg.warning_below.ratio => Status::Warning,
        Some(_) => Status::Ok,
    };
    Judged {
        start,
        w,
        c,
        bad,
        one_minus_o,
        w_minutes,
        budget_minutes,
        sli,
        remaining,
        consumed,
        status,
    }
}

fn evaluate_slo(cfg: &Config, slo: &Slo, ix: &mut Indexed, opts: &EvalOptions) -> SloReport {
    let t = opts.as_of;
    let j = judge(cfg, slo, ix, t);
    let timeslices = matches!(slo.sli, Sli::TimeSlice { .. });
    let (start, w, one_minus_o) = (j.start, j.w, &j.one_minus_o);
    let (c, remaining) = (&j.c, &j.remaining);

    // No events in the window: every burn rate is null (and no alert fires).
    let no_data = c.total.is_zero();
    let burn_over = |ix: &mut Indexed, lookback: Dur| {
        if no_data {
            None
        } else {
            burn(ix, t - lookback.secs(), t, one_minus_o)
        }
    };
    let burn_rates = cfg
        .burn_lookbacks
        .iter()
        .map(|l| (l.to_string(), burn_over(ix, *l).map(|b| f(&b))))
        .collect();

    let alerts = window::alert_windows(&cfg.alerts, cfg.custom_alerts, w, slo.period)
        .into_iter()
        .map(|rule| {
            let long = burn_over(ix, rule.long);
            let short = burn_over(ix, rule.short);
            let over =
                |b: &Option<BigRational>| b.as_ref().is_some_and(|b| *b > rule.burn_rate.ratio);
            AlertState {
                firing: over(&long) && over(&short),
                long_burn_rate: long.as_ref().map(f),
                short_burn_rate: short.as_ref().map(f),
                severity: rule.severity,
                long: AlertWindow {
                    dur: rule.long,
                    text: rule.long_text,
                },
                short: AlertWindow {
                    dur: rule.short,
                    text: rule.short_text,
                },
                burn_rate: rule.burn_rate.value,
            }
        })
        .collect();

    let forecast = burn_over(ix, cfg.forecast_lookback);
    let exhaustion_at = match (&remaining, &forecast) {
        (Some(r), Some(b)) if r.is_positive() && b.is_positive() => {
            let secs = r * BigRational::from_integer(w.into()) / b;
            exhaustion_time(t, f(&secs))
        }
        _ => None,
    };

    let series = series(slo, ix, opts);
    let spent = spent::spent(slo, ix, &j, t);
    let history = spent::history(cfg, slo, ix, t, opts.history);

    SloReport {
        name: slo.name.clone(),
        description: slo.description.clone(),
        objective: slo.objective.value,
        window: slo.window_label.clone(),
        budgeting: if timeslices {
            Budgeting::Timeslices
        } else {
            Budgeting::Occurrences
        },
        status: j.status,
        sli: j.sli.as_ref().map(f),
        good: f(&c.good),
        total: f(&c.total),
        bad: f(&j.bad),
        missing_periods: c.missing,
        clamped_periods: c.clamped,
        error_budget: ErrorBudget {
            remaining_ratio: remaining.as_ref().map(f),
            budget_minutes: f(&j.budget_minutes),
            consumed_minutes: j.consumed.as_ref().map(f),
            remaining_minutes: j.consumed.as_ref().map(|c| f(&(&j.budget_minutes - c))),
            budget_events: (!timeslices).then(|| f(&(one_minus_o * &c.total))),
        },
        burn_rates,
        alerts,
        exhaustion_at,
        period: slo.period,
        window_start: start,
        window_minutes: f(&j.w_minutes),
        slice_rule: match &slo.sli {
            Sli::TimeSlice {
                value,
                op,
                threshold,
                ..
            } => Some(match value {
                crate::model::SliceValue::Metric { metric, per_second } => format!(
                    "{metric}{} {} {}",
                    if *per_second { " per second" } else { "" },
                    op.symbol(),
                    threshold.text
                ),
                crate::model::SliceValue::Ratio { bad, total } => {
                    format!("{bad} / {total} {} {}", op.symbol(), threshold.text)
                }
            }),
            Sli::Ratio { .. } => None,
        },
        timezone: slo.tz.name().to_string(),
        budget_by_day: spent.days,
        worst_hours: spent.hours,
        history,
        series,
        missing_metrics: Vec::new(),
    }
}

/// T + seconds, to the microsecond; `None` past the year 9999.
fn exhaustion_time(t: i64, secs: f64) -> Option<chrono::DateTime<chrono::Utc>> {
    if !(0.0..=300_000_000_000.0).contains(&secs) {
        return None;
    }
    let micros = (secs * 1e6).round() as i64;
    let at = chrono::DateTime::from_timestamp(t, 0)?
        .checked_add_signed(chrono::Duration::microseconds(micros))?;
    if at.timestamp() > 253_402_300_799 {
        return None;
    }
    Some(at)
}

/// The SLI and the remaining budget of the window ending at each step.
fn series(slo: &Slo, ix: &mut Indexed, opts: &EvalOptions) -> Vec<SeriesPoint> {
    if opts.series_step <= 0 || opts.series_range <= 0 {
        return Vec::new();
    }
    let one_minus_o = 1.0 - slo.objective.value;
    let n = opts.series_range / opts.series_step;
    (0..=n)
        .rev()
        .map(|k| {
            let at = opts.as_of - k * opts.series_step;
            let (start, w) = window::bounds(&slo.window, at);
            let (good, total) = ix.approx(start, at);
            let (sli, remaining) = if total > 0.0 {
                let bad = total - good;
                let remaining = match slo.sli {
                    Sli::TimeSlice { .. } => {
                        let budget = one_minus_o * w as f64 / 60.0;
                        (budget - bad * slo.period as f64 / 60.0) / budget
                    }
                    Sli::Ratio { .. } => 1.0 - bad / (one_minus_o * total),
                };
                (Some(good / total), Some(remaining))
            } else {
                (None, None)
            };
            SeriesPoint {
                t: at,
                sli,
                remaining_ratio: remaining,
            }
        })
        .collect()
}
