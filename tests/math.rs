//! slo-math.md, number by number, against values computed by hand.

use crate::common::*;
use slo::compute::Status;
use slo::series::DataSet;

const T: &str = "2026-11-24T00:00:00Z";

/// 30 days at 10,000 requests a minute; errors a minute given by `bad(t)`.
fn availability(
    objective: &str,
    bad: impl Fn(i64) -> Option<f64>,
    extra: &str,
) -> slo::compute::Report {
    let t = ts(T);
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        &format!("  - {{ name: a, objective: {objective}, window: 30d, sli: {{ bad: errors, total: requests }} }}\n"),
        extra,
    );
    let mut d = DataSet::new();
    d.insert(
        "requests".into(),
        series(t - 40 * 86_400, t, 60, |_| Some(10_000.0)),
    );
    d.insert("errors".into(), series(t - 40 * 86_400, t, 60, bad));
    run(&y, d, t)
}

#[test]
fn seed_budget_is_43_2_minutes() {
    let r = availability("99.9%", |_| None, "");
    let s = slo(&r, "a");
    close(s.error_budget.budget_minutes, 43.2);
    close(s.error_budget.budget_events.unwrap(), 432_000.0);
    close_opt(s.error_budget.remaining_ratio, 1.0);
    close_opt(s.sli, 1.0);
    assert_eq!(s.objective, 0.999);
    assert_eq!(s.status, Status::Ok);
    assert_eq!(s.exhaustion_at, None, "no burn, no exhaustion");
}

/// SRE Workbook table 5-8: 14.4 for 1 h spends 2 %, 6 for 6 h 5 %, 1 for 3 d 10 %.
#[test]
fn workbook_table_budget_spent() {
    let t = ts(T);
    for (rate, hours, spent) in [(14.4, 1, 0.02), (6.0, 6, 0.05), (1.0, 72, 0.10)] {
        let per_min = 10_000.0 * 0.001 * rate;
        let r = availability("99.9%", |x| (x >= t - hours * 3600).then_some(per_min), "");
        let s = slo(&r, "a");
        close_opt(s.error_budget.remaining_ratio, 1.0 - spent);
        close_opt(s.error_budget.consumed_minutes, 43.2 * spent);
        close_opt(s.error_budget.remaining_minutes, 43.2 * (1.0 - spent));
        let lookback = match hours {
            1 => "1h",
            6 => "6h",
            _ => "3d",
        };
        close_opt(s.burn_rates[lookback], rate);
    }
}

/// A burn rate exactly on the threshold does not fire ("greater than").
#[test]
fn exact_tie_does_not_fire_and_one_more_error_does() {
    let t = ts(T);
    // 144 errors a minute over the last hour: burn rate 14.4 over 1h and 5m.
    let r = availability("99.9%", |x| (x >= t - 3600).then_some(144.0), "");
    let s = slo(&r, "a");
    let page = &s.alerts[0];
    assert_eq!((page.long.as_str(), page.short.as_str()), ("1h", "5m"));
    close_opt(page.long_burn_rate, 14.4);
    close_opt(page.short_burn_rate, 14.4);
    assert!(!page.firing, "14.4 is not greater than 14.4");
    let r = availability("99.9%", |x| (x >= t - 3600).then_some(145.0), "");
    assert!(slo(&r, "a").alerts[0].firing);
    // 99.9/100 would make 1 - objective smaller and the tie fire: parse exactly.
    let r = availability("0.999", |x| (x >= t - 3600).then_some(144.0), "");
    assert!(!slo(&r, "a").alerts[0].firing);
}

/// Objectives whose double lies above the decimal (0.9) must not turn ties into fires.
#[test]
fn tie_with_objective_90_percent() {
    let t = ts(T);
    // 10 % allowed; 1,440 errors of 10,000 = 14.4 % → burn 1.44 exactly.
    let r = availability(
        "90%",
        |x| (x >= t - 3600).then_some(1_440.0),
        "alerts:\n  - { severity: page, long: 1h, short: 5m, burn_rate: 1.44 }\n",
    );
    let a = &slo(&r, "a").alerts[0];
    close_opt(a.long_burn_rate, 1.44);
    assert!(!a.firing);
}

#[test]
fn exhaustion_forecast() {
    let t = ts(T);
    let r = availability("99.9%", |x| (x >= t - 3600).then_some(144.0), "");
    let s = slo(&r, "a");
    // Remaining 98 %, 1d burn = 8,640 / 14.4M / 0.001 = 0.6: 0.98 * 30 d / 0.6 = 49 d.
    close_opt(s.burn_rates["1d"], 0.6);
    assert_eq!(
        s.exhaustion_at
            .as_ref()
            .map(slo::compute::fmt_instant)
            .as_deref(),
        Some("2027-01-12T00:00:00Z")
    );
}

#[test]
fn breached_and_warning_status() {
    let t = ts(T);
    // Exactly half the budget: 216,000 errors over the last 1,440 minutes = 150/min.
    let r = availability("99.9%", |x| (x >= t - 86_400).then_some(150.0), "");
    let s = slo(&r, "a");
    close_opt(s.error_budget.remaining_ratio, 0.5);
    assert_eq!(s.status, Status::Ok, "0.5 is not below warning_below 0.5");
    let r = availability("99.9%", |x| (x >= t - 86_400).then_some(151.0), "");
    assert_eq!(slo(&r, "a").status, Status::Warning);
    // Exactly the whole budget: not breached (remaining 0 is not < 0), no forecast.
    let r = availability("99.9%", |x| (x >= t - 86_400).then_some(300.0), "");
    let s = slo(&r, "a");
    close_opt(s.error_budget.remaining_ratio, 0.0);
    assert_eq!(s.status, Status::Warning);
    assert_eq!(s.exhaustion_at, None);
    let r = availability("99.9%", |x| (x >= t - 86_400).then_some(301.0), "");
    let s = slo(&r, "a");
    assert_eq!(s.status, Status::Breached);
    assert!(s.sli.unwrap() < 0.999);
    let r = availability(
        "99.9%",
        |x| (x >= t - 86_400).then_some(151.0),
        "warning_below: 40%\n",
    );
    assert_eq!(slo(&r, "a").status, Status::Ok);
}

#[test]
fn missing_good_and_clamped_periods() {
    let t = ts(T);
    let y = yaml(
        &(metric("good", 60) + &metric("total", 60)),
        "  - { name: r, objective: 99%, window: 1h, sli: { good: good, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    // Total 100 every minute; good missing in the last 10 minutes, 120 (skew) in
    // the 10 before, 99 otherwise; no total at all 50 minutes back.
    d.insert(
        "total".into(),
        series(t - 3600, t, 60, |x| (x != t - 3000).then_some(100.0)),
    );
    d.insert(
        "good".into(),
        series(t - 3600, t, 60, |x| {
            if x >= t - 600 {
                None
            } else if x >= t - 1200 {
                Some(120.0)
            } else {
                Some(99.0)
            }
        }),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "r");
    assert_eq!(s.missing_periods, 10);
    assert_eq!(s.clamped_periods, 10);
    // 49 periods count: 39 at 99/100, 10 clamped at 100/100.
    close(s.total, 4_900.0);
    close(s.good, 39.0 * 99.0 + 1_000.0);
    close_opt(s.sli, (39.0 * 99.0 + 1_000.0) / 4_900.0);
    // budget 1 % of 4,900 = 49 events; 39 bad → remaining 10/49.
    close_opt(s.error_budget.remaining_ratio, 10.0 / 49.0);
    close_opt(s.error_budget.consumed_minutes, 39.0 / 4_900.0 * 60.0);
    close(s.error_budget.budget_minutes, 0.6);
}

#[test]
fn no_events_is_no_data() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: r, objective: 99%, window: 1d, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert("total".into(), series(t - 86_400, t, 60, |_| Some(0.0)));
    let r = run(&y, d, t);
    let s = slo(&r, "r");
    assert_eq!(s.status, Status::NoData);
    assert_eq!(s.sli, None);
    assert_eq!(s.error_budget.remaining_ratio, None);
    assert_eq!(s.error_budget.consumed_minutes, None);
    close(s.error_budget.budget_minutes, 14.4);
    assert!(s.burn_rates.values().all(Option::is_none));
    assert!(s.alerts.iter().all(|a| !a.firing));
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["slos"][0]["sli"].is_null());
    assert!(json["slos"][0]["burn_rates"]["5m"].is_null());
}

#[test]
fn timeslices_with_each_missing_policy() {
    let t = ts(T);
    for (policy, good, total, bad_minutes) in [
        ("ignore", 50.0, 55.0, 5.0),
        ("good", 55.0, 60.0, 5.0),
        ("bad", 50.0, 60.0, 10.0),
    ] {
        let y = yaml(
            &metric("p95", 60),
            &format!("  - {{ name: l, objective: 90%, window: 1h, sli: {{ timeslice: {{ metric: p95, op: \"<\", threshold: 2, missing: {policy} }} }} }}\n"),
            "",
        );
        let mut d = DataSet::new();
        // 60 slots; the 5 newest have no point, 5 before them are 2.0 (not < 2).
        d.insert(
            "p95".into(),
            series(t - 3600, t, 60, |x| {
                if x >= t - 300 {
                    None
                } else if x >= t - 600 {
                    Some(2.0)
                } else {
                    Some(0.5)
                }
            }),
        );
        let r = run(&y, d, t);
        let s = slo(&r, "l");
        close(s.good, good);
        close(s.total, total);
        assert_eq!(s.missing_periods, 5, "{policy}");
        close(s.error_budget.budget_minutes, 6.0);
        close_opt(s.error_budget.consumed_minutes, bad_minutes);
        close_opt(s.error_budget.remaining_ratio, (6.0 - bad_minutes) / 6.0);
        // 5m lookback: the 5 missing slices.
        match policy {
            "ignore" => assert_eq!(s.burn_rates["5m"], None),
            "good" => close_opt(s.burn_rates["5m"], 0.0),
            _ => close_opt(s.burn_rates["5m"], 10.0),
        }
        assert!(s.budgeting == slo::compute::Budgeting::Timeslices);
        assert!(s.error_budget.budget_events.is_none());
    }
}

#[test]
fn per_second_and_ratio_slices() {
    let t = ts(T);
    let y = yaml(
        &(metric("req", 60) + &metric("err", 60)),
        "  - { name: rps, objective: 99%, window: 1h, sli: { timeslice: { metric: req, per_second: true, op: \">\", threshold: 100 } } }\n  - { name: er, objective: 99%, window: 1h, sli: { timeslice: { ratio: { bad: err, total: req }, op: \"<\", threshold: 1% } } }\n",
        "",
    );
    let mut d = DataSet::new();
    // 6,000 a minute is exactly 100/s: not > 100. 6,060 is.
    d.insert(
        "req".into(),
        series(t - 3600, t, 60, |x| {
            Some(if x < t - 1800 { 6_000.0 } else { 6_060.0 })
        }),
    );
    // 60 errors of 6,000 is exactly 1 %: not < 1 %.
    d.insert(
        "err".into(),
        series(t - 3600, t, 60, |x| (x < t - 1800).then_some(60.0)),
    );
    let r = run(&y, d, t);
    close(slo(&r, "rps").good, 30.0);
    close(slo(&r, "rps").total, 60.0);
    close(slo(&r, "er").good, 30.0);
    close(slo(&r, "er").total, 60.0);
}

#[test]
fn calendar_month_scales_alert_windows_exactly() {
    // As of 2027-01-15: January has 31 days → 1h*31/30 = 62m, 5m → 6m (5.17m up).
    let t = ts("2027-01-15T00:00:00Z");
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: m, objective: 99.9%, calendar: month, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert(
        "total".into(),
        series(t - 40 * 86_400, t, 60, |_| Some(100.0)),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "m");
    assert_eq!(s.window, "month");
    let w: Vec<(&str, &str)> = s
        .alerts
        .iter()
        .map(|a| (a.long.as_str(), a.short.as_str()))
        .collect();
    assert_eq!(w, vec![("62m", "6m"), ("372m", "31m"), ("4464m", "372m")]);
    // The budget counts the whole month; the SLI only its first 14 days.
    close(s.error_budget.budget_minutes, 44.64);
    close(s.total, 14.0 * 1440.0 * 100.0);
    assert_eq!(
        slo::series::fmt_time(s.window_start),
        "2027-01-01T00:00:00Z"
    );
}

#[test]
fn rolling_windows_other_than_30d_scale_alerts() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: w, objective: 99%, window: 7d, sli: { bad: bad, total: total } }\n  - { name: d, objective: 99%, window: 1d, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert("total".into(), series(t - 86_400, t, 60, |_| Some(100.0)));
    let r = run(&y, d, t);
    let w: Vec<(&str, &str)> = slo(&r, "w")
        .alerts
        .iter()
        .map(|a| (a.long.as_str(), a.short.as_str()))
        .collect();
    assert_eq!(w, vec![("14m", "2m"), ("84m", "7m"), ("1008m", "84m")]);
    let d: Vec<(&str, &str)> = slo(&r, "d")
        .alerts
        .iter()
        .map(|a| (a.long.as_str(), a.short.as_str()))
        .collect();
    assert_eq!(d, vec![("2m", "1m"), ("12m", "1m"), ("144m", "12m")]);
}

#[test]
fn lookbacks_reach_before_the_window() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: d, objective: 99%, window: 1d, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert(
        "total".into(),
        series(t - 3 * 86_400, t, 60, |_| Some(100.0)),
    );
    // 2 % errors on the day before the window, none inside it.
    d.insert(
        "bad".into(),
        series(t - 2 * 86_400, t - 86_400, 60, |_| Some(2.0)),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "d");
    close_opt(s.sli, 1.0);
    // 3d: 1/3 of the periods at 2 % → 0.667 % / 1 % = 0.667.
    close_opt(s.burn_rates["3d"], 2.0 / 3.0);
    close_opt(s.burn_rates["1d"], 0.0);
}

#[test]
fn expressions_fill_missing_operands_with_zero() {
    let t = ts(T);
    let y = yaml(
        &(metric("requests", 60)
            + &metric("errors", 60)
            + "  good: { expression: requests - errors }\n"),
        "  - { name: e, objective: 99%, window: 1h, sli: { good: good, total: requests } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert("requests".into(), series(t - 3600, t, 60, |_| Some(100.0)));
    d.insert("errors".into(), series(t - 600, t, 60, |_| Some(3.0)));
    let r = run(&y, d, t);
    let s = slo(&r, "e");
    close(s.good, 6_000.0 - 30.0);
    assert_eq!(s.missing_periods, 0);
}

#[test]
fn window_bounds_are_half_open() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: h, objective: 99%, window: 1h, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    // Points at T - 1h (in) and at T (out: it covers [T, T+60)).
    d.insert(
        "total".into(),
        TimeSeriesExt::points(&[(t - 3600, 10.0), (t, 1000.0)]),
    );
    let r = run(&y, d, t);
    close(slo(&r, "h").total, 10.0);
}

struct TimeSeriesExt;
impl TimeSeriesExt {
    fn points(p: &[(i64, f64)]) -> slo::series::TimeSeries {
        slo::series::TimeSeries::from_points(p.to_vec()).unwrap()
    }
}

/// No events in the window: every burn rate is null, even where a lookback has data.
#[test]
fn no_data_nulls_every_burn_rate() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: r, objective: 99%, window: 1h, sli: { bad: bad, total: total } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert(
        "total".into(),
        series(t - 86_400, t - 7200, 60, |_| Some(100.0)),
    );
    d.insert(
        "bad".into(),
        series(t - 86_400, t - 7200, 60, |_| Some(50.0)),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "r");
    assert_eq!(s.status, Status::NoData);
    assert!(
        s.burn_rates.values().all(Option::is_none),
        "{:?}",
        s.burn_rates
    );
    assert!(s
        .alerts
        .iter()
        .all(|a| !a.firing && a.long_burn_rate.is_none()));
    assert_eq!(s.exhaustion_at, None);
}

/// JSON writes the window and custom alert windows as slo.yaml wrote them.
#[test]
fn windows_are_written_as_in_slo_yaml() {
    let t = ts(T);
    let y = yaml(
        &(metric("bad", 60) + &metric("total", 60)),
        "  - { name: r, objective: 99%, window: 4w, sli: { bad: bad, total: total } }\n",
        "alerts:\n  - { severity: page, long: 60m, short: 5m, burn_rate: 10 }\n",
    );
    let mut d = DataSet::new();
    d.insert("total".into(), series(t - 86_400, t, 60, |_| Some(100.0)));
    let r = run(&y, d, t);
    let s = slo(&r, "r");
    assert_eq!(s.window, "4w");
    assert_eq!(
        (s.alerts[0].long.as_str(), s.alerts[0].short.as_str()),
        ("60m", "5m")
    );
    close(s.error_budget.budget_minutes, 0.01 * 28.0 * 1440.0);
}
