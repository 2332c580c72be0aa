//! The rules every value and timestamp of a data file follows, whatever its
//! format: finite and not negative, no later than a day after now, RFC 3339.

use crate::error::{Error, Result};
use crate::series::fmt_time;
use std::path::Path;

/// A value follows [`crate::series::value_problem`]'s rule.
#[inline]
pub(super) fn check_value(path: &Path, metric: &str, t: i64, v: f64) -> Result<f64> {
    match crate::series::value_problem(v) {
        None => Ok(v),
        Some(what) => Err(bad_value(path, metric, t, v, what)),
    }
}

/// A timestamp must not lie more than a day after now.
#[inline]
pub(super) fn check_time(path: &Path, metric: &str, t: i64, limit: i64) -> Result<i64> {
    if t <= limit {
        return Ok(t);
    }
    Err(future_time(path, metric, t))
}

#[cold]
fn future_time(path: &Path, metric: &str, t: i64) -> Error {
    Error::data(format!(
        "{}: metric `{metric}` has a point at {}, more than a day after the current time \
         (a typo, or timestamps in another unit?)",
        path.display(),
        fmt_time(t)
    ))
}

#[cold]
fn bad_value(path: &Path, metric: &str, t: i64, v: f64, what: &str) -> Error {
    Error::data(format!(
        "{}: metric `{metric}` at {}: value {v} is {what}",
        path.display(),
        fmt_time(t)
    ))
}

/// Parses an RFC 3339 timestamp to epoch seconds; the common
/// `YYYY-MM-DDTHH:MM:SS(Z|+00:00)` takes a fast path.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    match fast_shape(s.as_bytes()) {
        Some(parts) => parts.and_then(|(date, secs)| Some(days(date)? * 86_400 + secs)),
        None => chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.timestamp()),
    }
}

/// The date (`y, m, d`) and the seconds of the day of a timestamp of the
/// fast shape (`None` inside: it has the shape but is no valid time); `None`
/// when it has another shape.
#[allow(clippy::type_complexity)]
#[inline]
fn fast_shape(b: &[u8]) -> Option<Option<((i64, i64, i64), i64)>> {
    if !(b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':')
    {
        return None;
    }
    // Bytes, not a str slice: byte 19 may fall inside a multi-byte
    // character (found by fuzzing: `2026-11-01T00:00:0Ч,...` panicked).
    let tail = &b[19..];
    if !(tail == b"Z" || tail == b"+00:00" || tail == b"z") {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + (c - b'0') as i64;
        }
        Some(n)
    };
    Some((|| {
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        ((1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && sec < 60)
            .then_some(((y, mo, d), h * 3600 + mi * 60 + sec))
    })())
}

/// Days from 1970-01-01 to a date, if it is one.
fn days((y, mo, d): (i64, i64, i64)) -> Option<i64> {
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
    Some(
        date.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
            .num_days(),
    )
}

/// [`parse_timestamp`] with a memory of the last timestamp and the last
/// date: rows of a time-ordered file repeat a timestamp, rows of a day
/// repeat its date.
#[derive(Default)]
pub struct TimeCache {
    last: String,
    last_t: i64,
    date: Option<((i64, i64, i64), i64)>,
}

impl TimeCache {
    pub fn parse(&mut self, s: &str) -> Option<i64> {
        if s == self.last && !s.is_empty() {
            return Some(self.last_t);
        }
        let t = match fast_shape(s.as_bytes()) {
            Some(parts) => {
                let (date, secs) = parts?;
                let days = match self.date {
                    Some((d, n)) if d == date => n,
                    _ => {
                        let n = days(date)?;
                        self.date = Some((date, n));
                        n
                    }
                };
                days * 86_400 + secs
            }
            None => parse_timestamp(s)?,
        };
        self.last.clear();
        self.last.push_str(s);
        self.last_t = t;
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00+00:00"),
            Some(1_793_491_200)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T01:00:00+01:00"),
            Some(1_793_491_200)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00.000Z"),
            Some(1_793_491_200)
        );
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        // A multi-byte character where the seconds end: no panic, no time.
        assert_eq!(parse_timestamp("2026-11-01T00:00:0Ч,requests"), None);
        assert_eq!(parse_timestamp("2026-11-01T00:00:0ЦZ"), None);
    }

    #[test]
    fn the_cache_parses_as_parse_timestamp_does() {
        let mut c = TimeCache::default();
        for s in [
            "2026-11-01T00:01:00Z",
            "2026-11-01T00:01:00Z",
            "2026-11-01T00:02:00+00:00",
            "2026-11-01 00:03:00z",
            "2026-11-02T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-02-28T23:59:59Z",
            "2026-02-28T24:00:00Z",
            "2026-11-01T01:00:00+01:00",
            "2026-11-01T00:00:00.000Z",
            "yesterday",
            "",
            "2026-11-01T00:00:0Ч,x",
        ] {
            assert_eq!(c.parse(s), parse_timestamp(s), "{s}");
        }
    }
}
