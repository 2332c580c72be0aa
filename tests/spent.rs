//! "Where the budget went" and "how did we do before" (slo-math.md), number
//! by number against values computed by hand: a DST month in Europe/Berlin,
//! a window that starts mid-day, ties between hours, a time slice with
//! `missing: bad`, days of a zone off the slice grid, an SLO with no data.

use crate::common::*;
use slo::compute::{SloReport, Status};
use slo::series::DataSet;

fn dates(s: &SloReport) -> Vec<&str> {
    s.budget_by_day.iter().map(|d| d.date.as_str()).collect()
}

fn day<'a>(s: &'a SloReport, date: &str) -> &'a slo::compute::DaySpend {
    s.budget_by_day.iter().find(|d| d.date == date).unwrap()
}

fn share_sum(s: &SloReport) -> f64 {
    s.budget_by_day.iter().map(|d| d.share.unwrap()).sum()
}

/// October 2026 in Berlin: 31 days, the 25th lasts 25 hours (DST ends).
/// 100 requests a minute; one error a minute all through the local 25th.
#[test]
fn berlin_month_with_its_25_hour_day() {
    let t = ts("2026-10-31T23:00:00Z"); // 2026-11-01 00:00 in Berlin
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        "  - { name: m, objective: 99.9%, calendar: month, timezone: Europe/Berlin, sli: { bad: errors, total: requests } }\n",
        "",
    );
    let (d25, d26) = (ts("2026-10-24T22:00:00Z"), ts("2026-10-25T23:00:00Z"));
    assert_eq!(d26 - d25, 25 * 3_600);
    // September (Berlin) has 3 errors a minute on its 10th: 4,320 errors,
    // exactly its budget. August has data from its 15th on and no error.
    let (s10, s11) = (ts("2026-09-09T22:00:00Z"), ts("2026-09-10T22:00:00Z"));
    let mut d = DataSet::new();
    d.insert(
        "requests".into(),
        series(ts("2026-08-15T00:00:00Z"), t, 60, |_| Some(100.0)),
    );
    d.insert(
        "errors".into(),
        series(ts("2026-08-15T00:00:00Z"), t, 60, |x| {
            if (d25..d26).contains(&x) {
                Some(1.0)
            } else if (s10..s11).contains(&x) {
                Some(3.0)
            } else {
                None
            }
        }),
    );
    let r = run_with(&y, d, t, 3);
    let s = slo(&r, "m");
    assert_eq!(s.budget_by_day.len(), 31);
    assert_eq!(dates(s)[0], "2026-10-01");
    assert_eq!(dates(s)[30], "2026-10-31");
    let total = 30.0 * 144_000.0 + 150_000.0;
    close(s.total, total);
    let d = day(s, "2026-10-25");
    close(d.total, 150_000.0);
    close(d.bad, 1_500.0);
    close_opt(d.share, 1_500.0 / (0.001 * total));
    let other = day(s, "2026-10-24");
    close(other.total, 144_000.0);
    assert_eq!((other.bad, other.share), (0.0, Some(0.0)));
    close(share_sum(s), 1.0 - s.error_budget.remaining_ratio.unwrap());
    // 25 hours tie at 60 errors: the five earliest, from local midnight.
    let hours: Vec<i64> = s.worst_hours.iter().map(|h| h.start).collect();
    assert_eq!(hours, (0..5).map(|k| d25 + k * 3_600).collect::<Vec<_>>());
    for h in &s.worst_hours {
        close(h.bad, 60.0);
        close(h.total, 6_000.0);
        close_opt(h.burn_rate, 10.0);
        close_opt(h.share, 60.0 / (0.001 * total));
    }
    // History: September whole, then August (from its 15th), then July (none).
    let h = &s.history;
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].as_of, ts("2026-09-30T22:00:00Z"));
    assert_eq!(h[1].as_of, ts("2026-08-31T22:00:00Z"));
    assert_eq!(h[2].as_of, ts("2026-07-31T22:00:00Z"));
    close_opt(h[0].sli, 0.999);
    close_opt(h[0].remaining_ratio, 0.0);
    assert_eq!(
        h[0].status,
        Status::Warning,
        "exactly spent is not breached"
    );
    close_opt(h[1].sli, 1.0);
    assert_eq!(h[1].status, Status::Ok);
    assert_eq!((h[2].sli, h[2].status), (None, Status::NoData));
}

/// A 1-day rolling window ending at noon: two partial days, two hours with errors.
#[test]
fn window_starting_mid_day() {
    let t = ts("2026-11-24T12:00:00Z");
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        "  - { name: d, objective: 99%, window: 1d, sli: { bad: errors, total: requests } }\n",
        "",
    );
    let (a, b) = (ts("2026-11-23T20:00:00Z"), ts("2026-11-24T03:00:00Z"));
    let mut d = DataSet::new();
    d.insert(
        "requests".into(),
        series(t - 3 * 86_400, t, 60, |_| Some(100.0)),
    );
    d.insert(
        "errors".into(),
        series(t - 3 * 86_400, t, 60, |x| {
            if (a..a + 3_600).contains(&x) {
                Some(2.0)
            } else if (b..b + 1_800).contains(&x) {
                Some(1.0)
            } else {
                None
            }
        }),
    );
    let r = run_with(&y, d, t, 2);
    let s = slo(&r, "d");
    assert_eq!(dates(s), ["2026-11-23", "2026-11-24"]);
    let (d1, d2) = (&s.budget_by_day[0], &s.budget_by_day[1]);
    close(d1.total, 72_000.0);
    close(d1.bad, 120.0);
    close_opt(d1.share, 120.0 / 1_440.0);
    close(d2.total, 72_000.0);
    close(d2.bad, 30.0);
    close_opt(d2.share, 30.0 / 1_440.0);
    close(share_sum(s), 1.0 - s.error_budget.remaining_ratio.unwrap());
    assert_eq!(s.worst_hours.len(), 2, "hours without errors are left out");
    let (w1, w2) = (&s.worst_hours[0], &s.worst_hours[1]);
    assert_eq!((w1.start, w2.start), (a, b));
    close(w1.bad, 120.0);
    close_opt(w1.burn_rate, 2.0);
    close(w2.bad, 30.0);
    close_opt(w2.burn_rate, 0.5);
    // History: the two days before, at T - 1d and T - 2d, no errors.
    let h: Vec<i64> = s.history.iter().map(|h| h.as_of).collect();
    assert_eq!(h, [t - 86_400, t - 2 * 86_400]);
    assert!(s.history.iter().all(|h| h.sli == Some(1.0)));
    assert_eq!(slo::report::fmt::trend(s), "▼ 0.104 pp");
}

/// Seven hours with errors 5, 7, 7, 3, 9, 7, 1: the top five, ties earlier first.
#[test]
fn ties_between_hours_keep_time_order() {
    let t = ts("2026-11-24T00:00:00Z");
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        "  - { name: h, objective: 99%, window: 1d, sli: { bad: errors, total: requests } }\n",
        "",
    );
    let first = t - 10 * 3_600;
    let per_hour = [5.0, 7.0, 7.0, 3.0, 9.0, 7.0, 1.0];
    let mut d = DataSet::new();
    d.insert("requests".into(), series(t - 86_400, t, 60, |_| Some(10.0)));
    // All of an hour's errors in its 17th minute.
    d.insert(
        "errors".into(),
        series(t - 86_400, t, 60, |x| {
            let k = (x - first).div_euclid(3_600);
            ((0..7).contains(&k) && (x - first) % 3_600 == 16 * 60).then(|| per_hour[k as usize])
        }),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "h");
    let got: Vec<(i64, f64)> = s
        .worst_hours
        .iter()
        .map(|h| ((h.start - first) / 3_600, h.bad))
        .collect();
    assert_eq!(got, [(4, 9.0), (1, 7.0), (2, 7.0), (5, 7.0), (0, 5.0)]);
    close_opt(s.worst_hours[0].burn_rate, 9.0 / 600.0 / 0.01);
    close_opt(s.worst_hours[0].share, 9.0 / (0.01 * 14_400.0));
}

/// Time slices with `missing: bad`: 10 slow minutes one evening, 20 minutes
/// without a point the next night.
#[test]
fn time_slices_with_missing_bad() {
    let t = ts("2026-11-24T06:00:00Z");
    let y = yaml(
        &metric("p95", 60),
        "  - { name: s, objective: 99%, window: 1d, sli: { timeslice: { metric: p95, op: \"<\", threshold: 2, missing: bad } } }\n",
        "",
    );
    let (slow, gap) = (ts("2026-11-23T22:00:00Z"), ts("2026-11-24T02:00:00Z"));
    let mut d = DataSet::new();
    d.insert(
        "p95".into(),
        series(t - 3 * 86_400, t, 60, |x| {
            if (gap..gap + 1_200).contains(&x) {
                None
            } else if (slow..slow + 600).contains(&x) {
                Some(3.0)
            } else {
                Some(0.5)
            }
        }),
    );
    let r = run_with(&y, d, t, 1);
    let s = slo(&r, "s");
    assert_eq!(dates(s), ["2026-11-23", "2026-11-24"]);
    let (d1, d2) = (&s.budget_by_day[0], &s.budget_by_day[1]);
    assert_eq!((d1.bad, d1.total), (10.0, 1_080.0));
    assert_eq!((d2.bad, d2.total), (20.0, 360.0));
    // budget: 1 % of 1,440 minutes = 14.4 minutes of bad slices.
    close_opt(d1.share, 10.0 / 14.4);
    close_opt(d2.share, 20.0 / 14.4);
    close(share_sum(s), 1.0 - s.error_budget.remaining_ratio.unwrap());
    let w: Vec<(i64, f64, f64)> = s
        .worst_hours
        .iter()
        .map(|h| (h.start, h.bad, h.total))
        .collect();
    assert_eq!(w, [(gap, 20.0, 60.0), (slow, 10.0, 60.0)]);
    close_opt(s.worst_hours[0].burn_rate, 20.0 / 60.0 / 0.01);
    assert_eq!(s.history[0].status, Status::Ok);
    close_opt(s.history[0].sli, 1.0);
}

/// Hourly slices, days of Asia/Kolkata (UTC+5:30): a day boundary falls
/// between two slices, and `missing: ignore` leaves the gaps out.
#[test]
fn days_off_the_slice_grid() {
    let t = ts("2026-11-24T00:00:00Z");
    let y = yaml(
        &metric("p95", 3_600),
        "  - { name: k, objective: 90%, window: 2d, timezone: Asia/Kolkata, sli: { timeslice: { metric: p95, op: \"<\", threshold: 2 } } }\n",
        "",
    );
    let missing = ts("2026-11-23T20:00:00Z");
    let mut d = DataSet::new();
    d.insert(
        "p95".into(),
        series(t - 3 * 86_400, t, 3_600, |x| {
            (x != missing).then_some(if x == ts("2026-11-22T18:00:00Z") {
                5.0
            } else {
                1.0
            })
        }),
    );
    let r = run(&y, d, t);
    let s = slo(&r, "k");
    assert_eq!(dates(s), ["2026-11-22", "2026-11-23", "2026-11-24"]);
    let got: Vec<(f64, f64)> = s.budget_by_day.iter().map(|d| (d.bad, d.total)).collect();
    // 00:00–18:00Z is the 22nd in Kolkata (19 slices, the bad one at 18:00Z
    // the last of them); 19:00Z–18:00Z the 23rd; 19:00Z–23:00Z the 24th,
    // less the missing 20:00Z.
    assert_eq!(got, [(1.0, 19.0), (0.0, 24.0), (0.0, 4.0)]);
    // budget: 10 % of 2 days = 288 minutes; one bad hour is 60 of them.
    close_opt(s.budget_by_day[0].share, 60.0 / 288.0);
    assert_eq!(s.missing_periods, 1);
}

/// No data at all: days with nothing and null shares, no worst hour, and
/// every earlier window without data.
#[test]
fn no_data_has_days_but_no_shares() {
    let t = ts("2026-11-24T00:00:00Z");
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        "  - { name: n, objective: 99%, window: 2d, sli: { bad: errors, total: requests } }\n",
        "",
    );
    let r = run_with(&y, DataSet::new(), t, 3);
    let s = slo(&r, "n");
    assert_eq!(s.status, Status::NoData);
    assert_eq!(dates(s), ["2026-11-22", "2026-11-23"]);
    assert!(s
        .budget_by_day
        .iter()
        .all(|d| d.bad == 0.0 && d.total == 0.0 && d.share.is_none()));
    assert!(s.worst_hours.is_empty());
    assert_eq!(s.history.len(), 3);
    assert!(s
        .history
        .iter()
        .all(|h| h.status == Status::NoData && h.sli.is_none() && h.remaining_ratio.is_none()));
    assert_eq!(slo::report::fmt::trend(s), "–");
}

/// The JSON contract: snake_case fields, RFC 3339 times, dates as dates.
#[test]
fn json_shape() {
    let t = ts("2026-11-24T12:00:00Z");
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60)),
        "  - { name: j, objective: 99%, window: 1d, sli: { bad: errors, total: requests } }\n",
        "",
    );
    let mut d = DataSet::new();
    d.insert(
        "requests".into(),
        series(t - 2 * 86_400, t, 60, |_| Some(10.0)),
    );
    d.insert(
        "errors".into(),
        series(t - 86_400, t, 60, |x| (x == t - 60).then_some(1.0)),
    );
    let r = run_with(&y, d, t, 1);
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    let s = &v["slos"][0];
    assert_eq!(
        s["budget_by_day"][0],
        serde_json::json!({"date": "2026-11-23", "bad": 0.0, "total": 7_200.0, "share": 0.0})
    );
    let h = &s["worst_hours"][0];
    let mut keys: Vec<&str> = h.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["bad", "burn_rate", "share", "start", "total"]);
    assert_eq!(h["start"], "2026-11-24T11:00:00Z");
    assert_eq!(
        (h["bad"].as_f64(), h["total"].as_f64()),
        (Some(1.0), Some(600.0))
    );
    close(h["share"].as_f64().unwrap(), 1.0 / 144.0);
    close(h["burn_rate"].as_f64().unwrap(), 1.0 / 6.0);
    assert_eq!(
        s["history"][0],
        serde_json::json!({"as_of": "2026-11-23T12:00:00Z", "sli": 1.0, "remaining_ratio": 1.0, "status": "ok"})
    );
}
