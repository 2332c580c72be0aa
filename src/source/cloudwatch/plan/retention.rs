//! CloudWatch's retention: how long it keeps data at each period, and the
//! time arithmetic on period boundaries.

/// Leeway between planning a call and CloudWatch checking its start time.
pub const RETENTION_MARGIN: i64 = 600;

pub(super) const HOUR: i64 = 3_600;
pub(super) const DAY: i64 = 86_400;

/// How long CloudWatch serves data at this period (seconds).
pub fn retention(period: i64) -> i64 {
    if period < 60 {
        3 * HOUR
    } else if period % 300 != 0 {
        15 * DAY
    } else if period % 3_600 != 0 {
        63 * DAY
    } else {
        455 * DAY
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

pub fn lcm(a: i64, b: i64) -> i64 {
    a / gcd(a, b) * b
}

pub fn floor_to(t: i64, unit: i64) -> i64 {
    t - t.rem_euclid(unit)
}

pub fn ceil_to(t: i64, unit: i64) -> i64 {
    let r = t.rem_euclid(unit);
    if r == 0 {
        t
    } else {
        t + unit - r
    }
}

/// The periods that can serve a series of period `p`, finest first:
/// `p`, then the coarser multiples CloudWatch keeps longer.
pub fn period_chain(p: i64) -> Vec<i64> {
    let mut out = vec![p];
    for unit in [60, 300, 3_600] {
        let q = lcm(p, unit);
        if q > *out.last().unwrap_or(&0) {
            out.push(q);
        }
    }
    out
}

/// The unit every region boundary of a series of period `p` falls on.
pub fn align_unit(p: i64) -> i64 {
    lcm(p, 3_600)
}

/// The oldest aligned time from which CloudWatch serves period `period` at `now`.
pub fn servable_from(period: i64, now: i64, unit: i64) -> i64 {
    ceil_to(now - retention(period) + RETENTION_MARGIN, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_retention() {
        assert_eq!(period_chain(60), vec![60, 300, 3600]);
        assert_eq!(period_chain(1), vec![1, 60, 300, 3600]);
        assert_eq!(period_chain(300), vec![300, 3600]);
        assert_eq!(period_chain(420), vec![420, 2100, 25200]);
        assert_eq!(period_chain(3600), vec![3600]);
        assert_eq!(retention(60), 15 * DAY);
        assert_eq!(retention(120), 15 * DAY);
        assert_eq!(retention(600), 63 * DAY);
        assert_eq!(retention(7200), 455 * DAY);
        assert_eq!(retention(10), 3 * HOUR);
    }
}
