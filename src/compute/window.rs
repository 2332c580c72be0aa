//! Windows in time: rolling `[T - W, T)` and calendar `[start, T)`, where `start`
//! opens the calendar week (Monday) or month, in the SLO's time zone, that
//! contains `T - 1ns`. Alert lookbacks are scaled to the window here.

use crate::duration::Dur;
use crate::model::{AlertRule, CalendarUnit, Window};
use chrono::{Datelike, NaiveDate, TimeZone};

/// Thirty days: the window the SRE Workbook's alert table is written for.
pub const THIRTY_DAYS: i64 = 30 * 86_400;

/// The window ending at `t`: `(start, whole_length)` in seconds. A rolling
/// window's length is W; a calendar window's is its whole period in calendar
/// days (a 31-day month counts 31 days even when `t` falls on its 3rd, and a
/// week 7 days, also across a DST change; `start` is the real instant of the
/// period's first local midnight).
pub fn bounds(window: &Window, t: i64) -> (i64, i64) {
    match window {
        Window::Rolling(d) => (t - d.secs(), d.secs()),
        Window::Calendar { unit, tz } => {
            let (start, _, days) = calendar(*unit, *tz, t);
            (start, days * 86_400)
        }
    }
}

/// The calendar period that contains the instant just before `t`: `(start, end)`.
pub fn calendar_period(unit: CalendarUnit, tz: chrono_tz::Tz, t: i64) -> (i64, i64) {
    let (start, end, _) = calendar(unit, tz, t);
    (start, end)
}

/// `(start, end, calendar days)` of the period that contains the instant just before `t`.
fn calendar(unit: CalendarUnit, tz: chrono_tz::Tz, t: i64) -> (i64, i64, i64) {
    let just_before = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default()
        - chrono::Duration::nanoseconds(1);
    let local = just_before.with_timezone(&tz).date_naive();
    let (first, next) = match unit {
        CalendarUnit::Week => {
            let monday =
                local - chrono::Duration::days(local.weekday().num_days_from_monday() as i64);
            (monday, monday + chrono::Duration::days(7))
        }
        CalendarUnit::Month => {
            let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
            let next = if local.month() == 12 {
                NaiveDate::from_ymd_opt(local.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(local.year(), local.month() + 1, 1)
            }
            .unwrap_or(local);
            (first, next)
        }
    };
    (
        local_midnight(tz, first),
        local_midnight(tz, next),
        (next - first).num_days(),
    )
}

/// The ends of the `n` windows before the one ending at `t`, newest first
/// (slo-math.md, "history"): `t - k·W` for a rolling window; for a calendar
/// window the starts of the current period and of the ones before it, so that
/// each earlier period is judged whole.
pub fn history_ends(window: &Window, t: i64, n: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(n);
    let mut at = t;
    for _ in 0..n {
        at = match window {
            Window::Rolling(d) => at - d.secs(),
            Window::Calendar { .. } => bounds(window, at).0,
        };
        out.push(at);
    }
    out
}

/// The calendar days of `tz` that overlap `[a, b)`, oldest first: each day's
/// date and its `[start, end)` instants (a DST day lasts 23 or 25 hours).
pub fn days(tz: chrono_tz::Tz, a: i64, b: i64) -> Vec<(NaiveDate, i64, i64)> {
    let mut out = Vec::new();
    if b <= a {
        return out;
    }
    let first = chrono::DateTime::from_timestamp(a, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive();
    let mut d = first;
    let mut start = local_midnight(tz, d);
    while start < b {
        let Some(next) = d.succ_opt() else { break };
        let end = local_midnight(tz, next);
        out.push((d, start, end));
        d = next;
        start = end;
    }
    out
}

/// The first instant of a local date (midnight, or the first minute after a DST gap).
fn local_midnight(tz: chrono_tz::Tz, d: NaiveDate) -> i64 {
    let mut naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..48 {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.timestamp();
        }
        naive += chrono::Duration::minutes(30);
    }
    naive.and_utc().timestamp()
}

/// A lookback scaled to a window of `w` seconds: `ceil(L * W / (30d * period)) * period`,
/// in integers (floating point turns 62 minutes into 63), never below one period.
pub fn scale(lookback: Dur, w: i64, period: i64) -> Dur {
    let num = lookback.secs() as i128 * w as i128;
    let den = THIRTY_DAYS as i128 * period as i128;
    let periods = ((num + den - 1) / den).max(1);
    Dur((periods * period as i128) as i64)
}

/// The alerts of an SLO: the defaults scaled to its window `w` and rounded up to
/// whole periods (for 30 days the factor is 1, and only the rounding can act:
/// with hourly metrics the 5m short window becomes 1h rather than a window that
/// can hold no point), or the ones written in slo.yaml, as written.
pub fn alert_windows(rules: &[AlertRule], custom: bool, w: i64, period: i64) -> Vec<AlertRule> {
    rules
        .iter()
        .map(|r| {
            if custom {
                r.clone()
            } else {
                let (long, short) = (scale(r.long, w, period), scale(r.short, w, period));
                AlertRule {
                    long,
                    short,
                    long_text: long.to_string(),
                    short_text: short.to_string(),
                    ..r.clone()
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn scaling_is_exact_in_integers() {
        let month31 = 31 * 86_400;
        assert_eq!(scale(Dur(3_600), month31, 60), Dur(3_720)); // 62m, not 63m
        assert_eq!(scale(Dur(300), month31, 60), Dur(360)); // 5m * 31/30 = 5.1666m -> 6m
        let week = 7 * 86_400;
        assert_eq!(scale(Dur(3_600), week, 60), Dur(840)); // 14m
        assert_eq!(scale(Dur(300), week, 60), Dur(120)); // 70 s -> 2m
        assert_eq!(scale(Dur(259_200), week, 60), Dur(60_480)); // 3d -> 1008m
        let day = 86_400;
        assert_eq!(scale(Dur(300), day, 60), Dur(60)); // 10 s -> one period
        assert_eq!(scale(Dur(300), day, 300), Dur(300));
    }

    #[test]
    fn thirty_days_rounds_to_whole_periods_only() {
        let rule = |l: i64, s: i64| AlertRule {
            severity: "page".into(),
            long: Dur(l),
            short: Dur(s),
            long_text: String::new(),
            short_text: String::new(),
            burn_rate: crate::exact::Exact::parse("14.4").unwrap(),
        };
        let a = alert_windows(&[rule(3_600, 300)], false, THIRTY_DAYS, 60);
        assert_eq!(
            (a[0].long_text.as_str(), a[0].short_text.as_str()),
            ("1h", "5m")
        );
        let a = alert_windows(&[rule(3_600, 300)], false, THIRTY_DAYS, 3_600);
        assert_eq!(
            (a[0].long_text.as_str(), a[0].short_text.as_str()),
            ("1h", "1h")
        );
        // Written in slo.yaml: as written, whatever the period.
        let a = alert_windows(&[rule(3_600, 300)], true, THIRTY_DAYS, 3_600);
        assert_eq!(a[0].short, Dur(300));
    }

    #[test]
    fn calendar_month_contains_t_minus_1ns() {
        let utc = chrono_tz::UTC;
        let (s, e) = calendar_period(CalendarUnit::Month, utc, ts("2026-11-24T10:00:00Z"));
        assert_eq!(
            (s, e),
            (ts("2026-11-01T00:00:00Z"), ts("2026-12-01T00:00:00Z"))
        );
        // T exactly on the first of the month: the whole previous month.
        let (s, e) = calendar_period(CalendarUnit::Month, utc, ts("2026-12-01T00:00:00Z"));
        assert_eq!(
            (s, e),
            (ts("2026-11-01T00:00:00Z"), ts("2026-12-01T00:00:00Z"))
        );
        let (s, e) = calendar_period(CalendarUnit::Month, utc, ts("2027-01-15T00:00:00Z"));
        assert_eq!(e - s, 31 * 86_400);
    }

    #[test]
    fn calendar_week_starts_on_monday_in_its_zone() {
        let utc = chrono_tz::UTC;
        // 2026-11-24 is a Tuesday.
        let (s, e) = calendar_period(CalendarUnit::Week, utc, ts("2026-11-24T10:00:00Z"));
        assert_eq!(
            (s, e),
            (ts("2026-11-23T00:00:00Z"), ts("2026-11-30T00:00:00Z"))
        );
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let (s, _) = calendar_period(CalendarUnit::Month, berlin, ts("2026-11-24T10:00:00Z"));
        assert_eq!(s, ts("2026-10-31T23:00:00Z"));
        // October 2026 in Berlin lasts 31 days and one hour (DST ends on the
        // 25th); its budget counts its 31 calendar days.
        let (s, e) = calendar_period(CalendarUnit::Month, berlin, ts("2026-10-15T00:00:00Z"));
        assert_eq!(e - s, 31 * 86_400 + 3_600);
        let month = Window::Calendar {
            unit: CalendarUnit::Month,
            tz: berlin,
        };
        assert_eq!(bounds(&month, ts("2026-10-15T00:00:00Z")), (s, 31 * 86_400));
    }

    #[test]
    fn days_follow_the_zone_across_dst() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let d = days(
            berlin,
            ts("2026-10-24T10:00:00Z"),
            ts("2026-10-26T05:00:00Z"),
        );
        let got: Vec<(String, i64)> = d
            .iter()
            .map(|(d, a, b)| (d.to_string(), (b - a) / 3_600))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-10-24".to_string(), 24),
                ("2026-10-25".to_string(), 25),
                ("2026-10-26".to_string(), 24)
            ]
        );
        assert_eq!(d[1].1, ts("2026-10-24T22:00:00Z"));
        // An end on midnight does not open the next day.
        assert_eq!(
            days(
                chrono_tz::UTC,
                ts("2026-11-23T00:00:00Z"),
                ts("2026-11-24T00:00:00Z")
            )
            .len(),
            1
        );
        assert!(days(chrono_tz::UTC, 10, 10).is_empty());
    }

    #[test]
    fn history_ends_rolling_and_calendar() {
        let t = ts("2026-11-24T10:00:00Z");
        assert_eq!(
            history_ends(&Window::Rolling(Dur(86_400)), t, 2),
            [t - 86_400, t - 2 * 86_400]
        );
        let month = Window::Calendar {
            unit: CalendarUnit::Month,
            tz: chrono_tz::UTC,
        };
        assert_eq!(
            history_ends(&month, t, 3),
            [
                ts("2026-11-01T00:00:00Z"),
                ts("2026-10-01T00:00:00Z"),
                ts("2026-09-01T00:00:00Z")
            ]
        );
        // T on a period boundary: the current window is the whole previous
        // period, and history starts from its start.
        assert_eq!(
            history_ends(&month, ts("2026-12-01T00:00:00Z"), 1),
            [ts("2026-11-01T00:00:00Z")]
        );
        let week = Window::Calendar {
            unit: CalendarUnit::Week,
            tz: chrono_tz::UTC,
        };
        assert_eq!(
            history_ends(&week, t, 2),
            [ts("2026-11-23T00:00:00Z"), ts("2026-11-16T00:00:00Z")]
        );
        assert!(history_ends(&month, t, 0).is_empty());
    }
}
