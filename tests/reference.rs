//! A second, naive implementation of slo-math.md — every window re-scanned point
//! by point, in plain f64, no prefix sums — run against the real one on a few
//! hundred random scenarios: gaps, skew, zero totals, missing policies, rolling
//! and calendar windows, other periods. Both must agree to 1e-9.

use crate::common::*;
use chrono::{Datelike, TimeZone};
use slo::compute::{evaluate, EvalOptions, Status};
use slo::series::{DataSet, TimeSeries};
use std::collections::BTreeMap;
use std::path::Path;

fn points(s: &TimeSeries) -> BTreeMap<i64, f64> {
    s.iter().collect()
}

/// Naive window start and whole length for the reference.
fn naive_window(window: &str, tz: &str, t: i64) -> (i64, i64) {
    match window {
        "week" | "month" => {
            let tz: chrono_tz::Tz = tz.parse().unwrap();
            let before =
                chrono::DateTime::from_timestamp(t, 0).unwrap() - chrono::Duration::nanoseconds(1);
            let d = before.with_timezone(&tz).date_naive();
            let (first, next) = if window == "week" {
                let m = d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
                (m, m + chrono::Duration::days(7))
            } else {
                let f = chrono::NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap();
                let n = if d.month() == 12 {
                    chrono::NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap()
                } else {
                    chrono::NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1).unwrap()
                };
                (f, n)
            };
            let start = tz
                .from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap())
                .earliest()
                .unwrap()
                .timestamp();
            (start, (next - first).num_days() * 86_400)
        }
        w => {
            let secs = slo::duration::Dur::parse(w).unwrap().secs();
            (t - secs, secs)
        }
    }
}

enum Kind {
    Good,
    Bad,
    Slice {
        missing: &'static str,
        per_second: bool,
    },
}

/// (good, total, missing, clamped) over [a, b), by the letter of slo-math.md.
fn naive_counts(
    kind: &Kind,
    num: &BTreeMap<i64, f64>,
    total: &BTreeMap<i64, f64>,
    period: i64,
    threshold: f64,
    a: i64,
    b: i64,
) -> (f64, f64, u64, u64) {
    match kind {
        Kind::Good | Kind::Bad => {
            let (mut g, mut n, mut miss, mut clamp) = (0.0, 0.0, 0, 0);
            for (&t, &tv) in total.range(a..b) {
                if tv <= 0.0 {
                    continue;
                }
                let nv = num.get(&t).copied();
                let good = match kind {
                    Kind::Good => match nv {
                        None => {
                            miss += 1;
                            continue;
                        }
                        Some(v) if v > tv => {
                            clamp += 1;
                            tv
                        }
                        Some(v) => v,
                    },
                    _ => {
                        let bv = nv.unwrap_or(0.0);
                        if bv > tv {
                            clamp += 1;
                            0.0
                        } else {
                            tv - bv
                        }
                    }
                };
                g += good;
                n += tv;
            }
            (g, n, miss, clamp)
        }
        Kind::Slice {
            missing,
            per_second,
        } => {
            let (mut g, mut n, mut miss) = (0.0, 0.0, 0);
            let mut t = b - period;
            while t >= a {
                let v = num
                    .get(&t)
                    .map(|v| if *per_second { v / period as f64 } else { *v });
                match v {
                    Some(v) => {
                        n += 1.0;
                        if v < threshold {
                            g += 1.0;
                        }
                    }
                    None => {
                        miss += 1;
                        match *missing {
                            "good" => {
                                g += 1.0;
                                n += 1.0
                            }
                            "bad" => n += 1.0,
                            _ => {}
                        }
                    }
                }
                t -= period;
            }
            let _ = total;
            (g, n, miss, 0)
        }
    }
}

/// The contributions `(t, good, total)` of every period (slice) of the window
/// ending at `t_end` that starts in `[a, b)`, one by one: what the days and
/// hours of slo-math.md's "Where the budget went" add up.
fn naive_parts(
    kind: &Kind,
    num: &BTreeMap<i64, f64>,
    total: &BTreeMap<i64, f64>,
    period: i64,
    a: i64,
    t_end: i64,
) -> Vec<(i64, f64, f64)> {
    let mut out = Vec::new();
    match kind {
        Kind::Slice { .. } => {
            let mut t = t_end - period;
            while t >= a {
                let (g, n, _, _) = naive_counts(kind, num, total, period, 2.0, t, t + period);
                out.push((t, g, n));
                t -= period;
            }
            out.reverse();
        }
        _ => {
            for &t in total.keys().filter(|t| (a..t_end).contains(*t)) {
                let (g, n, _, _) = naive_counts(kind, num, total, period, 2.0, t, t + 1);
                out.push((t, g, n));
            }
        }
    }
    out
}

#[track_caller]
fn agree(what: &str, got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            let tol = 1e-9 * w.abs().max(1.0);
            assert!((g - w).abs() <= tol, "{what}: got {g}, want {w}");
        }
        _ => panic!("{what}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn random_scenarios_agree_with_a_naive_implementation() {
    let mut rng = Rng(0x5EED_1234_5678_9ABC);
    let objectives = ["99.9%", "99%", "95%", "90%", "0.995", "99.5%", "75%"];
    let windows = ["1h", "6h", "1d", "3d", "7d", "week", "month"];
    let mut checked = 0;
    for case in 0..300 {
        let period = [60i64, 60, 60, 300][rng.below(4) as usize];
        let objective = objectives[rng.below(objectives.len() as u64) as usize];
        let window = windows[rng.below(windows.len() as u64) as usize];
        let tz = if rng.chance(50) {
            "UTC"
        } else {
            "Europe/Berlin"
        };
        let kind = match rng.below(4) {
            0 => Kind::Good,
            1 => Kind::Bad,
            2 => Kind::Slice {
                missing: ["ignore", "good", "bad"][rng.below(3) as usize],
                per_second: false,
            },
            _ => Kind::Slice {
                missing: "ignore",
                per_second: true,
            },
        };
        // T somewhere in 2026, on the period grid.
        let base = ts("2026-01-01T00:00:00Z") + rng.below(360) as i64 * 86_400;
        let t = base + (rng.below(86_400 / period as u64) as i64) * period;
        let span = 40 * 86_400 / period;
        let gap_from = rng.below(span as u64) as i64;
        let gap_len = rng.below(3000) as i64;
        let mut total = Vec::new();
        let mut num = Vec::new();
        let start = t - span * period;
        let burst = rng.below(span as u64) as i64;
        for k in 0..span {
            let at = start + k * period;
            if k >= gap_from && k < gap_from + gap_len {
                continue;
            }
            let tv = if rng.chance(3) {
                0.0
            } else {
                (50 + rng.below(200)) as f64
            };
            if !rng.chance(2) {
                total.push((at, tv));
            }
            let errors = if (k - burst).abs() < 120 {
                rng.below(60)
            } else {
                rng.below(3)
            } as f64;
            match kind {
                Kind::Good => {
                    if !rng.chance(2) {
                        // 1 % skew: more good than total.
                        num.push((
                            at,
                            if rng.chance(1) {
                                tv + 5.0
                            } else {
                                (tv - errors).max(0.0)
                            },
                        ));
                    }
                }
                Kind::Bad => {
                    if errors > 0.0 {
                        num.push((
                            at,
                            if rng.chance(1) {
                                tv + 1.0
                            } else {
                                errors.min(tv)
                            },
                        ));
                    }
                }
                Kind::Slice { per_second, .. } => {
                    if !rng.chance(5) {
                        let v = if per_second {
                            // around 2 per second, with exact ties
                            (period as f64) * [1.0, 2.0, 3.0][rng.below(3) as usize]
                        } else {
                            [0.5, 1.0, 2.0, 2.0, 3.0][rng.below(5) as usize]
                        };
                        num.push((at, v));
                    }
                }
            }
        }
        let total = TimeSeries::from_points(total).unwrap();
        let num = TimeSeries::from_points(num).unwrap();
        let win_yaml = match window {
            "week" | "month" => format!("calendar: {window}, timezone: {tz}"),
            w => format!("window: {w}"),
        };
        let sli = match kind {
            Kind::Good => "{ good: num, total: total }".to_string(),
            Kind::Bad => "{ bad: num, total: total }".to_string(),
            Kind::Slice { missing, per_second } => format!(
                "{{ timeslice: {{ metric: num, per_second: {per_second}, op: \"<\", threshold: 2, missing: {missing} }} }}"
            ),
        };
        let y = yaml(
            &(metric("num", period) + &metric("total", period)),
            &format!("  - {{ name: s, objective: {objective}, {win_yaml}, sli: {sli} }}\n"),
            "",
        );
        let cfg = slo::config::parse(Path::new("slo.yaml"), &y).unwrap();
        let mut d = DataSet::new();
        d.insert("num".into(), num.clone());
        d.insert("total".into(), total.clone());
        let r = evaluate(
            &cfg,
            &d,
            &EvalOptions {
                as_of: t,
                as_of_requested: None,
                series_range: 0,
                series_step: 0,
                history: 3,
            },
        )
        .unwrap();
        // The same points stored as grids (8 bytes a slot, found by
        // arithmetic), and one of each: every layout gives the same report.
        let grids = [
            (num.clone().compact(period), total.clone().compact(period)),
            (num.clone(), total.clone().compact(period)),
            (num.clone().compact(period), total.clone()),
        ];
        assert!(
            grids[0].1.grid().is_some() || total.len() < 2,
            "case {case}: a grid"
        );
        for (gn, gt) in grids {
            let mut d = DataSet::new();
            d.insert("num".into(), gn);
            d.insert("total".into(), gt);
            let r2 = evaluate(
                &cfg,
                &d,
                &EvalOptions {
                    as_of: t,
                    as_of_requested: None,
                    series_range: 0,
                    series_step: 0,
                    history: 3,
                },
            )
            .unwrap();
            assert_eq!(
                serde_json::to_string(&r2).unwrap(),
                serde_json::to_string(&r).unwrap(),
                "case {case}: grid and list reports differ"
            );
        }
        let s = &r.slos[0];

        // The reference.
        let (nm, tm) = (points(&num), points(&total));
        let o = slo::exact::Exact::parse(objective).unwrap().value;
        let (ws, w) = naive_window(window, tz, t);
        let (g, n, miss, clamp) = naive_counts(&kind, &nm, &tm, period, 2.0, ws, t);
        let ctx = format!("case {case}: {objective} {window} {tz} period {period}");
        agree(&format!("{ctx} good"), Some(s.good), Some(g));
        agree(&format!("{ctx} total"), Some(s.total), Some(n));
        assert_eq!(
            (s.missing_periods, s.clamped_periods),
            (miss, clamp),
            "{ctx}"
        );
        let wmin = w as f64 / 60.0;
        agree(
            &format!("{ctx} budget_minutes"),
            Some(s.error_budget.budget_minutes),
            Some((1.0 - o) * wmin),
        );
        let slices = matches!(kind, Kind::Slice { .. });
        let (sli, rr, consumed) = if n == 0.0 {
            (None, None, None)
        } else {
            let sli = g / n;
            if slices {
                let consumed = (n - g) * period as f64 / 60.0;
                let budget = (1.0 - o) * wmin;
                (
                    Some(sli),
                    Some((budget - consumed) / budget),
                    Some(consumed),
                )
            } else {
                (
                    Some(sli),
                    Some(1.0 - (n - g) / ((1.0 - o) * n)),
                    Some((1.0 - sli) * wmin),
                )
            }
        };
        agree(&format!("{ctx} sli"), s.sli, sli);
        agree(
            &format!("{ctx} remaining_ratio"),
            s.error_budget.remaining_ratio,
            rr,
        );
        agree(
            &format!("{ctx} consumed"),
            s.error_budget.consumed_minutes,
            consumed,
        );
        let burn = |l: i64| -> Option<f64> {
            if n == 0.0 {
                return None;
            }
            let (g, n, _, _) = naive_counts(&kind, &nm, &tm, period, 2.0, t - l, t);
            (n > 0.0).then(|| ((n - g) / n) / (1.0 - o))
        };
        for (k, l) in [
            ("5m", 300),
            ("30m", 1800),
            ("1h", 3600),
            ("6h", 21_600),
            ("1d", 86_400),
            ("3d", 259_200),
        ] {
            agree(&format!("{ctx} burn {k}"), s.burn_rates[k], burn(l));
        }
        // Alerts: the scaled windows, and firing wherever no tie makes f64 unsure.
        for (a, (long, short, rate)) in s.alerts.iter().zip([
            (3600i64, 300i64, 14.4),
            (21_600, 1800, 6.0),
            (259_200, 21_600, 1.0),
        ]) {
            let scale = |l: i64| {
                ((l as i128 * w as i128 + (2_592_000 * period as i128) - 1)
                    / (2_592_000 * period as i128))
                    .max(1) as i64
                    * period
            };
            let (bl, bs) = (burn(scale(long)), burn(scale(short)));
            assert_eq!(slo::duration::Dur(scale(long)), a.long.dur, "{ctx}");
            assert_eq!(a.long.dur.to_string(), a.long.as_str(), "{ctx}");
            agree(&format!("{ctx} alert long"), a.long_burn_rate, bl);
            agree(&format!("{ctx} alert short"), a.short_burn_rate, bs);
            let sure = |b: Option<f64>| b.is_none_or(|b| (b - rate).abs() > 1e-9);
            if sure(bl) && sure(bs) {
                let want = bl.is_some_and(|b| b > rate) && bs.is_some_and(|b| b > rate);
                assert_eq!(a.firing, want, "{ctx} firing");
            }
        }
        if let Some(rr) = rr {
            if (rr.abs() > 1e-9) && ((rr - 0.5).abs() > 1e-9) {
                let want = if rr < 0.0 {
                    Status::Breached
                } else if rr < 0.5 {
                    Status::Warning
                } else {
                    Status::Ok
                };
                assert_eq!(s.status, want, "{ctx}");
            }
            let b = burn(86_400).unwrap_or(0.0);
            if rr > 1e-9 && b > 1e-12 {
                let want = t as f64 + rr * w as f64 / b;
                let got = s
                    .exhaustion_at
                    .unwrap_or_else(|| panic!("{ctx}: exhaustion"));
                let got = got.timestamp() as f64 + got.timestamp_subsec_nanos() as f64 * 1e-9;
                assert!(
                    (got - want).abs() < 1e-3 * want.abs().max(1.0) * 1e-6 + 1e-3,
                    "{ctx}: {got} vs {want}"
                );
            }
        } else {
            assert_eq!(s.status, Status::NoData, "{ctx}");
        }

        // Where the budget went: days of the zone, UTC hours, by summing the
        // window's periods one by one.
        let zone: chrono_tz::Tz = if matches!(window, "week" | "month") {
            tz.parse().unwrap()
        } else {
            chrono_tz::UTC
        };
        let date_of = |x: i64| {
            chrono::DateTime::from_timestamp(x, 0)
                .unwrap()
                .with_timezone(&zone)
                .date_naive()
        };
        let parts = naive_parts(&kind, &nm, &tm, period, ws, t);
        let mut days: Vec<chrono::NaiveDate> = Vec::new();
        let mut d = date_of(ws);
        while d <= date_of(t - 1) {
            days.push(d);
            d = d.succ_opt().unwrap();
        }
        let budget_units = if slices {
            (1.0 - o) * wmin * 60.0 / period as f64
        } else {
            (1.0 - o) * n
        };
        assert_eq!(s.budget_by_day.len(), days.len(), "{ctx} days");
        for (got, day) in s.budget_by_day.iter().zip(&days) {
            assert_eq!(got.date, day.format("%Y-%m-%d").to_string(), "{ctx}");
            let (dg, dn) = parts
                .iter()
                .filter(|p| date_of(p.0) == *day)
                .fold((0.0, 0.0), |(g, n), p| (g + p.1, n + p.2));
            agree(&format!("{ctx} {day} bad"), Some(got.bad), Some(dn - dg));
            agree(&format!("{ctx} {day} total"), Some(got.total), Some(dn));
            let share = (n > 0.0).then(|| (dn - dg) / budget_units);
            agree(&format!("{ctx} {day} share"), got.share, share);
        }
        let mut hours: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
        for p in &parts {
            let e = hours.entry(p.0.div_euclid(3_600) * 3_600).or_default();
            e.0 += p.2 - p.1;
            e.1 += p.2;
        }
        let mut worst: Vec<(i64, f64, f64)> = hours
            .into_iter()
            .filter(|(_, (bad, _))| *bad > 0.0)
            .map(|(h, (bad, n))| (h, bad, n))
            .collect();
        worst.sort_by(|x, y| y.1.partial_cmp(&x.1).unwrap().then(x.0.cmp(&y.0)));
        worst.truncate(5);
        let got: Vec<(i64, f64, f64)> = s
            .worst_hours
            .iter()
            .map(|h| (h.start, h.bad, h.total))
            .collect();
        assert_eq!(got, worst, "{ctx} worst hours");
        for (h, (_, bad, hn)) in s.worst_hours.iter().zip(&worst) {
            agree(
                &format!("{ctx} hour share"),
                h.share,
                Some(bad / budget_units),
            );
            let burn = (*hn > 0.0).then(|| bad / hn / (1.0 - o));
            agree(&format!("{ctx} hour burn"), h.burn_rate, burn);
        }

        // History: the three windows before, judged as at T.
        let mut at = t;
        assert_eq!(s.history.len(), 3, "{ctx}");
        for h in &s.history {
            at = if matches!(window, "week" | "month") {
                naive_window(window, tz, at).0
            } else {
                at - w
            };
            assert_eq!(h.as_of, at, "{ctx} history end");
            let (hs, hw) = naive_window(window, tz, at);
            let (g, n, _, _) = naive_counts(&kind, &nm, &tm, period, 2.0, hs, at);
            let (sli, rr) = if n == 0.0 {
                (None, None)
            } else if slices {
                let budget = (1.0 - o) * hw as f64 / 60.0;
                let consumed = (n - g) * period as f64 / 60.0;
                (Some(g / n), Some((budget - consumed) / budget))
            } else {
                (Some(g / n), Some(1.0 - (n - g) / ((1.0 - o) * n)))
            };
            agree(&format!("{ctx} history sli"), h.sli, sli);
            agree(&format!("{ctx} history remaining"), h.remaining_ratio, rr);
            if rr.is_none() {
                assert_eq!(h.status, Status::NoData, "{ctx}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 300);
}
