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
    let b = s.as_bytes();
    if b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
    {
        // Bytes, not a str slice: byte 19 may fall inside a multi-byte
        // character (found by fuzzing: `2026-11-01T00:00:0Ч,...` panicked).
        let tail = &b[19..];
        if tail == b"Z" || tail == b"+00:00" || tail == b"z" {
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
            let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
            let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
            if (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && sec < 60 {
                let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
                let days = date
                    .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
                    .num_days();
                return Some(days * 86_400 + h * 3600 + mi * 60 + sec);
            }
            return None;
        }
    }
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp())
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
}
