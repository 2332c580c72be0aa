//! Prefix sums over an SLI's periods, so that any window `[a, b)` costs two binary
//! searches: O(n) to build, O(log n) per window, whatever the number of windows,
//! lookbacks and evaluation times.
//!
//! Event counts are summed in 64.64 fixed point (`i128`): exact for every value
//! from 2^-12 to 2^62, so a window's sum, and `bad = total - good`, carry no
//! rounding error at all. Floating-point prefix sums would: `P[b] - P[a]` of
//! two large sums leaves noise where the true difference is 0, and a burn rate
//! exactly on an alert threshold would then fire or not by chance.

use crate::error::{Error, Result};
use crate::model::{Missing, Op};
use crate::series::{fmt_time, TimeSeries};
use std::collections::HashMap;

/// 2^64: the scale of the fixed-point sums.
pub const ONE: f64 = 18_446_744_073_709_551_616.0;
const MAX_VALUE: f64 = 4_611_686_018_427_387_904.0; // 2^62

/// `v * 2^64` exactly, for `0 <= v < 2^62`: the integer and fraction parts go
/// through hardware conversions (a direct f64 → i128 cast is a slow library call).
#[inline]
fn fixed(v: f64) -> i128 {
    let int = v as u64; // truncates; exact below 2^62
    ((int as i128) << 64) | ((v - int as f64) * ONE) as u64 as i128
}

/// Sums of a ratio SLI over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RatioSums {
    /// Fixed point (`/ 2^64`).
    pub good: i128,
    pub total: i128,
    pub missing: u64,
    pub clamped: u64,
}

/// A ratio SLI's periods, ready for window queries.
pub struct RatioIndex {
    ts: Vec<i64>,
    good: Vec<i128>,
    total: Vec<i128>,
    missing: Vec<u32>,
    clamped: Vec<u32>,
}

/// An index's buffers, without the index's `Drop`.
#[derive(Default)]
struct Buffers {
    ts: Vec<i64>,
    good: Vec<i128>,
    total: Vec<i128>,
    missing: Vec<u32>,
    clamped: Vec<u32>,
}

thread_local! {
    /// The buffers of the last index this thread dropped. SLOs are evaluated
    /// one after another on each thread, each building an index of about
    /// 48 bytes a point and dropping it: reusing the buffers keeps the
    /// allocator from handing the memory back to the kernel and faulting it
    /// in (zeroed) again for the next index.
    static SPARE: std::cell::RefCell<Option<Buffers>> = const { std::cell::RefCell::new(None) };
}

impl Drop for RatioIndex {
    fn drop(&mut self) {
        let bufs = Buffers {
            ts: std::mem::take(&mut self.ts),
            good: std::mem::take(&mut self.good),
            total: std::mem::take(&mut self.total),
            missing: std::mem::take(&mut self.missing),
            clamped: std::mem::take(&mut self.clamped),
        };
        if bufs.ts.capacity() == 0 {
            return;
        }
        // (try_with: a thread being torn down has no spare to keep.)
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                // Keep the larger set; the other is freed when this returns.
                if s.as_ref()
                    .is_none_or(|o| o.ts.capacity() < bufs.ts.capacity())
                {
                    *s = Some(bufs);
                }
            }
        });
    }
}

impl RatioIndex {
    /// Empty buffers with room for `n` points: the thread's spare ones when it has them.
    fn with_room(n: usize) -> RatioIndex {
        let b = SPARE
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.take()))
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut idx = RatioIndex {
            ts: b.ts,
            good: b.good,
            total: b.total,
            missing: b.missing,
            clamped: b.clamped,
        };
        idx.ts.clear();
        idx.good.clear();
        idx.total.clear();
        idx.missing.clear();
        idx.clamped.clear();
        idx.ts.reserve(n);
        idx.good.reserve(n + 1);
        idx.total.reserve(n + 1);
        idx.missing.reserve(n + 1);
        idx.clamped.reserve(n + 1);
        idx
    }
}

/// Which series a ratio SLI reads: `good` or `bad`, and `total`.
pub enum Numerator<'a> {
    Good(&'a str, &'a TimeSeries),
    Bad(&'a str, &'a TimeSeries),
}

#[inline]
fn check(metric: &str, t: i64, v: f64) -> Result<f64> {
    if (0.0..MAX_VALUE).contains(&v) {
        Ok(v)
    } else {
        Err(bad_value(metric, t, v))
    }
}

#[cold]
fn too_large(metric: &str) -> Error {
    Error::data(format!(
        "metric `{metric}`: its sum exceeds 2^62 and cannot be counted exactly"
    ))
}

#[cold]
fn bad_value(metric: &str, t: i64, v: f64) -> Error {
    // Sources apply the rule of every series; compute adds the exact-sum limit.
    let what = crate::series::value_problem(v).unwrap_or("too large to count exactly");
    Error::data(format!(
        "metric `{metric}` at {}: value {v} is {what}",
        fmt_time(t)
    ))
}

impl RatioIndex {
    /// Joins the numerator and `total` on their timestamps and applies docs/math.md's
    /// rules: no `total` (or 0) holds no events; a missing `good` is a missing
    /// period; a missing `bad` is 0; `good`/`bad` above `total` is clamped.
    pub fn build(num: Numerator, total_name: &str, total: &TimeSeries) -> Result<RatioIndex> {
        let (num_name, ns, is_good) = match num {
            Numerator::Good(n, s) => (n, s, true),
            Numerator::Bad(n, s) => (n, s, false),
        };
        // Only periods with a `total` can hold events: the index has one row per
        // point of `total`, and the numerator is matched to it by time.
        let n = total.len();
        let mut idx = RatioIndex::with_room(n);
        let (mut g_acc, mut t_acc, mut m_acc, mut c_acc) = (0i128, 0i128, 0u32, 0u32);
        idx.good.push(0);
        idx.total.push(0);
        idx.missing.push(0);
        idx.clamped.push(0);
        let aligned = ns.ts == total.ts;
        let mut i = 0;
        for (j, (&t, &tv)) in total.ts.iter().zip(&total.vs).enumerate() {
            check(total_name, t, tv)?;
            let nv = if aligned {
                Some(ns.vs[j])
            } else {
                while i < ns.len() && ns.ts[i] < t {
                    i += 1;
                }
                if i < ns.len() && ns.ts[i] == t {
                    i += 1;
                    Some(ns.vs[i - 1])
                } else {
                    None
                }
            };
            if tv > 0.0 {
                // The numerator is judged only where it counts: a period with
                // events (an expression such as `requests - errors_5xx` may go
                // negative where `requests` has no point, and that period
                // holds no events).
                if let Some(v) = nv {
                    check(num_name, t, v)?;
                }
                match (is_good, nv) {
                    (true, None) => m_acc += 1,
                    (true, Some(gv)) => {
                        let tf = fixed(tv);
                        t_acc = t_acc.checked_add(tf).ok_or_else(|| too_large(total_name))?;
                        if gv > tv {
                            c_acc += 1;
                            g_acc += tf;
                        } else {
                            g_acc += fixed(gv);
                        }
                    }
                    (false, bv) => {
                        let tf = fixed(tv);
                        t_acc = t_acc.checked_add(tf).ok_or_else(|| too_large(total_name))?;
                        let bv = bv.unwrap_or(0.0);
                        if bv > tv {
                            c_acc += 1;
                        } else {
                            g_acc += tf - fixed(bv);
                        }
                    }
                }
            }
            idx.ts.push(t);
            idx.good.push(g_acc);
            idx.total.push(t_acc);
            idx.missing.push(m_acc);
            idx.clamped.push(c_acc);
        }
        Ok(idx)
    }

    /// `(bad, total)` over each of the consecutive parts `[bounds[i],
    /// bounds[i + 1])` (`bounds` ascending), in fixed point: one search per
    /// bound, each from where the last one ended.
    pub fn parts(&self, bounds: &[i64]) -> Vec<(i128, i128)> {
        let mut at = Vec::with_capacity(bounds.len());
        let mut i = 0;
        for &x in bounds {
            i += self.ts[i..].partition_point(|t| *t < x);
            at.push((self.good[i], self.total[i]));
        }
        at.windows(2)
            .map(|w| {
                let total = w[1].1 - w[0].1;
                (total - (w[1].0 - w[0].0), total)
            })
            .collect()
    }

    /// Sums over the periods with `a <= t < b`.
    pub fn sums(&self, a: i64, b: i64) -> RatioSums {
        let i = self.ts.partition_point(|t| *t < a);
        let j = self.ts.partition_point(|t| *t < b).max(i);
        RatioSums {
            good: self.good[j] - self.good[i],
            total: self.total[j] - self.total[i],
            missing: (self.missing[j] - self.missing[i]) as u64,
            clamped: (self.clamped[j] - self.clamped[i]) as u64,
        }
    }
}

/// Slice counts of a time-slice SLI over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SliceCounts {
    pub good: u64,
    pub total: u64,
    /// Slices with no value, whatever the policy.
    pub missing: u64,
}

/// A time-slice SLI's judged periods, ready for window queries.
pub struct SliceIndex {
    period: i64,
    missing: Missing,
    /// Periods that have a value: their time and whether the slice is good.
    ts: Vec<i64>,
    good: Vec<bool>,
    /// Prefix counts over the periods of one residue class modulo the period
    /// (the slices of a window are `T - k * period`), built when first asked.
    by_residue: HashMap<i64, (Vec<i64>, Vec<u32>)>,
}

/// What a time slice judges, with the series it reads (each with its metric's
/// name, for messages).
pub enum SliceInput<'a> {
    /// The metric's value (per second when `per_second`).
    Metric {
        series: (&'a str, &'a TimeSeries),
        per_second: bool,
    },
    /// `bad / total` of the period; periods without total hold no value.
    Ratio {
        bad: (&'a str, &'a TimeSeries),
        total: (&'a str, &'a TimeSeries),
    },
}

impl SliceIndex {
    /// Judges every period that has a value: `v <op> threshold`.
    pub fn build(
        input: SliceInput<'_>,
        period: i64,
        op: Op,
        threshold: f64,
        missing: Missing,
    ) -> Result<SliceIndex> {
        let mut ts = Vec::new();
        let mut good = Vec::new();
        match input {
            SliceInput::Metric {
                series: (name, s),
                per_second,
            } => {
                ts.reserve(s.len());
                good.reserve(s.len());
                for (t, v) in s.ts.iter().zip(&s.vs) {
                    let v = check(name, *t, *v)?;
                    let v = if per_second { v / period as f64 } else { v };
                    ts.push(*t);
                    good.push(op.holds(v, threshold));
                }
            }
            SliceInput::Ratio {
                bad: (bn, bad),
                total: (tn, total),
            } => {
                let mut i = 0;
                for (t, tv) in total.ts.iter().zip(&total.vs) {
                    let tv = check(tn, *t, *tv)?;
                    while i < bad.len() && bad.ts[i] < *t {
                        i += 1;
                    }
                    if tv > 0.0 {
                        let bv = if i < bad.len() && bad.ts[i] == *t {
                            check(bn, *t, bad.vs[i])?
                        } else {
                            0.0
                        };
                        ts.push(*t);
                        good.push(op.holds(bv / tv, threshold));
                    }
                }
            }
        }
        Ok(SliceIndex {
            period,
            missing,
            ts,
            good,
            by_residue: HashMap::new(),
        })
    }

    /// The slices `b - k * period` (k >= 1) with `a <= t < b`.
    pub fn counts(&mut self, a: i64, b: i64) -> SliceCounts {
        self.counts_on(a, b, b)
    }

    /// The slices of the grid of a window ending at `anchor` (`anchor - k *
    /// period`) with `a <= t < b`: a part (a day, an hour) of that window.
    pub fn counts_on(&mut self, a: i64, b: i64, anchor: i64) -> SliceCounts {
        let p = self.period;
        let r = anchor.rem_euclid(p);
        // The first slot at or after a, and how many fit before b.
        let lo = a + (r - a).rem_euclid(p);
        let slots = if b > lo {
            ((b - 1 - lo) / p + 1) as u64
        } else {
            0
        };
        let (ts, good) = (&self.ts, &self.good);
        let (rts, pre) = self.by_residue.entry(r).or_insert_with(|| {
            let mut rts = Vec::new();
            let mut pre = vec![0u32];
            for (t, g) in ts.iter().zip(good) {
                if t.rem_euclid(p) == r {
                    rts.push(*t);
                    pre.push(pre[pre.len() - 1] + *g as u32);
                }
            }
            (rts, pre)
        });
        let i = rts.partition_point(|t| *t < lo);
        let j = rts.partition_point(|t| *t < b).max(i);
        let valued = (j - i) as u64;
        let good_valued = (pre[j] - pre[i]) as u64;
        let missing = slots - valued;
        let (good, total) = match self.missing {
            Missing::Ignore => (good_valued, valued),
            Missing::Good => (good_valued + missing, slots),
            Missing::Bad => (good_valued, slots),
        };
        SliceCounts {
            good,
            total,
            missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(pts: &[(i64, f64)]) -> TimeSeries {
        TimeSeries::from_points(pts.to_vec()).unwrap()
    }

    #[test]
    fn ratio_rules() {
        // t=0: normal; 60: good missing; 120: total 0; 180: good > total (clamped);
        // 240: no total at all.
        let good = s(&[(0, 9.0), (120, 1.0), (180, 12.0), (240, 5.0)]);
        let total = s(&[(0, 10.0), (60, 10.0), (120, 0.0), (180, 10.0)]);
        let idx = RatioIndex::build(Numerator::Good("g", &good), "t", &total).unwrap();
        let w = idx.sums(0, 300);
        assert_eq!(w.good as f64 / ONE, 19.0);
        assert_eq!(w.total as f64 / ONE, 20.0);
        assert_eq!((w.missing, w.clamped), (1, 1));
        let w = idx.sums(60, 180);
        assert_eq!((w.good, w.total, w.missing), (0, 0, 1));
    }

    #[test]
    fn bad_numerator() {
        let bad = s(&[(0, 1.0), (120, 15.0)]);
        let total = s(&[(0, 10.0), (60, 10.0), (120, 10.0)]);
        let idx = RatioIndex::build(Numerator::Bad("b", &bad), "t", &total).unwrap();
        let w = idx.sums(0, 180);
        assert_eq!(w.good as f64 / ONE, 19.0); // 9 + 10 + 0 (clamped)
        assert_eq!(w.total as f64 / ONE, 30.0);
        assert_eq!((w.missing, w.clamped), (0, 1));
    }

    #[test]
    fn indexes_reuse_a_spare_and_drop_cleanly() {
        let total = s(&[(0, 10.0), (60, 10.0), (120, 10.0)]);
        let bad = s(&[(0, 1.0)]);
        let build = || RatioIndex::build(Numerator::Bad("b", &bad), "t", &total).unwrap();
        // Two alive at once, dropped while a spare is held; then a third
        // built from the spare gives the same sums.
        let (a, b) = (build(), build());
        let want = a.sums(0, 180);
        drop(a);
        drop(b);
        let c = build();
        assert_eq!(c.sums(0, 180), want);
        assert_eq!(c.ts.len(), 3);
    }

    #[test]
    fn fixed_conversion_is_exact() {
        for v in [
            0.0,
            0.1,
            1.0,
            12_345.678,
            2f64.powi(-12),
            2f64.powi(61) + 2048.0,
            1e15 + 0.5,
        ] {
            let want = num_rational::BigRational::from_float(v).unwrap()
                * num_rational::BigRational::from_integer(num_bigint::BigInt::from(1u128 << 64));
            assert_eq!(
                num_rational::BigRational::from_integer(fixed(v).into()),
                want,
                "{v}"
            );
        }
    }

    #[test]
    fn fixed_point_sums_are_exact() {
        let pts: Vec<(i64, f64)> = (0..1000).map(|i| (i * 60, 0.1)).collect();
        let total = s(&pts);
        let idx = RatioIndex::build(Numerator::Bad("b", &s(&[])), "t", &total).unwrap();
        let w = idx.sums(500 * 60, 510 * 60);
        // Ten times the double nearest 0.1, exactly: no noise from the prefix.
        assert_eq!(w.total, 10 * fixed(0.1));
        assert_eq!(idx.sums(0, 60_000).total, 1000 * fixed(0.1));
    }

    #[test]
    fn negative_values_are_errors_where_they_count() {
        let err = RatioIndex::build(
            Numerator::Good("good", &s(&[(60, -1.0)])),
            "t",
            &s(&[(60, 1.0)]),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("`good` at 1970-01-01T00:01:00Z"),
            "{err}"
        );
        // Where `total` has no point (or 0) the period holds no events: a
        // negative `good = requests - errors` there is not looked at.
        let idx = RatioIndex::build(
            Numerator::Good("good", &s(&[(0, -3.0), (60, 5.0), (120, -1.0)])),
            "t",
            &s(&[(60, 10.0), (120, 0.0)]),
        )
        .unwrap();
        assert_eq!(idx.sums(0, 180).total as f64 / ONE, 10.0);
        assert!(RatioIndex::build(Numerator::Good("g", &s(&[])), "t", &s(&[(0, -1.0)])).is_err());
    }

    #[test]
    fn slices_follow_the_missing_policy() {
        let v = s(&[(0, 1.0), (60, 3.0), (180, 1.0), (210, 1.0)]);
        for (policy, want) in [
            (Missing::Ignore, (2, 3, 1)),
            (Missing::Good, (3, 4, 1)),
            (Missing::Bad, (2, 4, 1)),
        ] {
            let input = SliceInput::Metric {
                series: ("m", &v),
                per_second: false,
            };
            let mut idx = SliceIndex::build(input, 60, Op::Lt, 2.0, policy).unwrap();
            // Slices 0, 60, 120, 180 (210 is off the grid of T = 240).
            let c = idx.counts(0, 240);
            assert_eq!((c.good, c.total, c.missing), want, "{policy:?}");
        }
    }

    #[test]
    fn ratio_slices() {
        let bad = s(&[(0, 1.0), (60, 5.0)]);
        let total = s(&[(0, 100.0), (60, 100.0), (120, 0.0)]);
        let input = SliceInput::Ratio {
            bad: ("b", &bad),
            total: ("t", &total),
        };
        let mut idx = SliceIndex::build(input, 60, Op::Lt, 0.01, Missing::Ignore).unwrap();
        let c = idx.counts(0, 180);
        // 1 % is not < 1 %; 5 % is bad; total 0 holds no value.
        assert_eq!((c.good, c.total, c.missing), (0, 2, 1));
    }

    #[test]
    fn slice_parts_on_the_window_grid() {
        // Hourly slices at whole hours; parts bounded off the grid (:30).
        let v = s(&(0..10)
            .map(|k| (k * 3_600, if k == 3 { 5.0 } else { 1.0 }))
            .collect::<Vec<_>>());
        let input = SliceInput::Metric {
            series: ("m", &v),
            per_second: false,
        };
        let mut idx = SliceIndex::build(input, 3_600, Op::Lt, 2.0, Missing::Bad).unwrap();
        let t = 12 * 3_600; // slices 0 .. 11 h; 10 and 11 have no point
        let whole = idx.counts(0, t);
        let parts: Vec<SliceCounts> = [
            (0, 5_400),
            (5_400, 5 * 3_600 + 1_800),
            (5 * 3_600 + 1_800, t),
        ]
        .iter()
        .map(|&(a, b)| idx.counts_on(a, b, t))
        .collect();
        // [0, 1.5h): 0 h, 1 h; [1.5h, 5.5h): 2..5 h (3 h bad); [5.5h, 12h): 6..11 h.
        assert_eq!(parts.iter().map(|c| c.total).collect::<Vec<_>>(), [2, 4, 6]);
        assert_eq!(
            parts.iter().map(|c| c.total - c.good).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(parts.iter().map(|c| c.total).sum::<u64>(), whole.total);
        assert_eq!(parts.iter().map(|c| c.good).sum::<u64>(), whole.good);
        // Another grid (T at :30): the slices of 0 h .. are not on it.
        assert_eq!(idx.counts_on(0, t, t + 1_800).good, 0);
    }

    #[test]
    fn ratio_parts_add_up() {
        let total = s(&(0..6).map(|k| (k * 60, 10.0)).collect::<Vec<_>>());
        let bad = s(&[(60, 2.0), (240, 3.0)]);
        let idx = RatioIndex::build(Numerator::Bad("b", &bad), "t", &total).unwrap();
        let p = idx.parts(&[0, 120, 200, 360]);
        let f = |x: i128| x as f64 / ONE;
        let got: Vec<(f64, f64)> = p.iter().map(|&(b, t)| (f(b), f(t))).collect();
        assert_eq!(got, [(2.0, 20.0), (0.0, 20.0), (3.0, 20.0)]);
    }
}
