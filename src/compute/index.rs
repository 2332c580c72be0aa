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

/// Where an index's rows lie in time: the slots of a grid (gaps included:
/// a gap adds nothing), or the points of a list.
enum Axis {
    Grid { start: i64, step: i64, n: usize },
    List(Vec<i64>),
}

impl Axis {
    /// The rows before `x` (`t < x`), searching from row `from` on.
    #[inline]
    fn pos_from(&self, from: usize, x: i64) -> usize {
        match self {
            Axis::Grid { start, step, n } => {
                if x <= *start {
                    0
                } else {
                    // ceil((x - start) / step), at most n
                    (((x - start + step - 1) / step) as u64).min(*n as u64) as usize
                }
            }
            Axis::List(ts) => from + ts[from..].partition_point(|t| *t < x),
        }
    }

    #[inline]
    fn pos(&self, x: i64) -> usize {
        self.pos_from(0, x)
    }
}

/// A ratio SLI's periods, ready for window queries: prefix sums of `good`
/// and `total` per row, and the rows that are missing or clamped periods.
pub struct RatioIndex {
    axis: Axis,
    sums: Sums,
    /// Rows (ascending) that are a missing period, or a clamped one: few or none.
    missing: Vec<usize>,
    clamped: Vec<usize>,
}

/// The prefix sums, in whole events where every value is a whole number
/// below 2^53 (the counts of every fleet: 8 bytes a row and a sum), else in
/// 64.64 fixed point. Both are exact.
enum Sums {
    /// `[good, total]` before each row.
    Whole(Vec<[u64; 2]>),
    Fixed(Vec<[i128; 2]>),
}

impl Sums {
    /// `(good, total)` before row `i`, in fixed point.
    #[inline]
    fn at(&self, i: usize) -> (i128, i128) {
        match self {
            Sums::Whole(s) => ((s[i][0] as i128) << 64, (s[i][1] as i128) << 64),
            Sums::Fixed(s) => (s[i][0], s[i][1]),
        }
    }
}

/// An index's buffers, without the index's `Drop`.
#[derive(Default)]
struct Buffers {
    ts: Vec<i64>,
    whole: Vec<[u64; 2]>,
    fixed: Vec<[i128; 2]>,
}

thread_local! {
    /// The buffers of the last index this thread dropped. SLOs are evaluated
    /// one after another on each thread, each building an index of 16 bytes
    /// a row and dropping it: reusing the buffers keeps the allocator from
    /// handing the memory back to the kernel and faulting it in (zeroed)
    /// again for the next index.
    static SPARE: std::cell::RefCell<Buffers> = std::cell::RefCell::new(Buffers::default());
}

/// Keeps the larger of two buffers (emptied).
fn keep<T>(spare: &mut Vec<T>, mut v: Vec<T>) {
    if v.capacity() > spare.capacity() {
        v.clear();
        *spare = v;
    }
}

/// Gives buffers back to the thread's spare set.
fn give_back(f: impl FnOnce(&mut Buffers)) {
    // (try_with: a thread being torn down has no spare to keep.)
    let _ = SPARE.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            f(&mut s)
        }
    });
}

impl Drop for RatioIndex {
    fn drop(&mut self) {
        let ts = match &mut self.axis {
            Axis::List(ts) => std::mem::take(ts),
            Axis::Grid { .. } => Vec::new(),
        };
        let sums = std::mem::replace(&mut self.sums, Sums::Whole(Vec::new()));
        give_back(|s| {
            keep(&mut s.ts, ts);
            match sums {
                Sums::Whole(v) => keep(&mut s.whole, v),
                Sums::Fixed(v) => keep(&mut s.fixed, v),
            }
        });
    }
}

/// A spare buffer of the thread (empty), or a new one, with room for `n`.
fn spare<T>(pick: impl FnOnce(&mut Buffers) -> &mut Vec<T>, n: usize) -> Vec<T> {
    let mut v = SPARE
        .try_with(|s| {
            s.try_borrow_mut()
                .map(|mut s| std::mem::take(pick(&mut s)))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    v.clear();
    v.reserve(n);
    v
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

/// Finds another series' point at each time of a walk forward in time: by
/// slot when both are grids of one step on one grid, else by moving along it.
enum Lookup<'a> {
    /// `vs[row + offset]`, a NaN being no point.
    Offset {
        vs: &'a [f64],
        offset: i64,
    },
    Walk(std::iter::Peekable<crate::series::Points<'a>>),
}

impl<'a> Lookup<'a> {
    /// A lookup in `s` for the rows of `axis`.
    fn new(s: &'a TimeSeries, axis: &Axis) -> Lookup<'a> {
        if let (Some(g), Axis::Grid { start, step, .. }) = (s.grid(), axis) {
            if g.step == *step && (start - g.start) % step == 0 {
                return Lookup::Offset {
                    vs: g.vs,
                    offset: (start - g.start) / step,
                };
            }
        }
        Lookup::Walk(s.iter().peekable())
    }

    /// The point at `t`, row `row` of the axis (rows come in order).
    #[inline]
    fn at(&mut self, row: usize, t: i64) -> Option<f64> {
        match self {
            Lookup::Offset { vs, offset } => {
                let i = row as i64 + *offset;
                if i < 0 {
                    return None;
                }
                vs.get(i as usize).copied().filter(|v| !v.is_nan())
            }
            Lookup::Walk(it) => {
                while it.peek().is_some_and(|p| p.0 < t) {
                    it.next();
                }
                it.next_if(|p| p.0 == t).map(|p| p.1)
            }
        }
    }
}

/// The units of prefix sums: whole events (`u64`), or 64.64 fixed point.
trait Units: Copy + Default {
    /// Whether an overflow is an error (fixed point), not a reason to widen.
    const WIDEST: bool;
    /// `v` in these units (`v` is in [0, 2^62)); `None` when these cannot
    /// hold it exactly.
    fn of(v: f64) -> Option<Self>;
    /// `None` on overflow.
    fn add(self, o: Self) -> Option<Self>;
    fn sub(self, o: Self) -> Self;
}

impl Units for u64 {
    const WIDEST: bool = false;
    #[inline]
    fn of(v: f64) -> Option<u64> {
        let w = v as u64;
        (w as f64 == v && v < 9_007_199_254_740_992.0).then_some(w)
    }
    #[inline]
    fn add(self, o: u64) -> Option<u64> {
        self.checked_add(o)
    }
    #[inline]
    fn sub(self, o: u64) -> u64 {
        self - o
    }
}

impl Units for i128 {
    const WIDEST: bool = true;
    #[inline]
    fn of(v: f64) -> Option<i128> {
        Some(fixed(v))
    }
    #[inline]
    fn add(self, o: i128) -> Option<i128> {
        self.checked_add(o)
    }
    #[inline]
    fn sub(self, o: i128) -> i128 {
        self - o
    }
}

/// Why a build in whole events stops: a value that is not one, or a sum
/// past 2^64 (fixed point then holds it).
struct NotWhole;

/// Whether every value is a gap (NaN) or a whole number in [0, 2^52):
/// comparisons only (no branch), so the check is vectorized.
fn all_whole(vs: &[f64]) -> bool {
    const M: f64 = 4_503_599_627_370_496.0; // 2^52: x + M rounds x to a whole number
    vs.iter().fold(true, |ok, &x| {
        ok & (x.is_nan() | ((0.0..M).contains(&x) & ((x + M) - M == x)))
    })
}

/// What a row of a build leads to: on, or widen the units.
type Widen = std::result::Result<(), NotWhole>;

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
        // slot (or point) of `total`, and the numerator is matched to it by time.
        let names = (num_name, total_name, is_good);
        let (axis, n) = match total.grid() {
            Some(g) => (
                Axis::Grid {
                    start: g.start,
                    step: g.step,
                    n: g.vs.len(),
                },
                g.vs.len(),
            ),
            None => {
                let mut ts = spare(|b| &mut b.ts, total.len());
                ts.extend(total.iter().map(|p| p.0));
                (Axis::List(ts), total.len())
            }
        };
        let mut idx = RatioIndex {
            axis,
            sums: Sums::Whole(Vec::new()),
            missing: Vec::new(),
            clamped: Vec::new(),
        };
        // Whole events first; fixed point if a value is not a whole number.
        let mut sums = spare(|b| &mut b.whole, n + 1);
        // The common case first: a grid of whole counts, the numerator on
        // the same slots (or none at all).
        if let Some(g) = total.grid() {
            let num = match (ns.grid(), ns.is_empty()) {
                (_, true) => Some((&[][..], 0)),
                (Some(ng), _) if ng.step == g.step && (g.start - ng.start) % g.step == 0 => {
                    Some((ng.vs, (g.start - ng.start) / g.step))
                }
                _ => None,
            };
            if let Some((nv, offset)) = num {
                if idx.whole_on_grid(g.vs, nv, offset, is_good, &mut sums) {
                    idx.sums = Sums::Whole(sums);
                    return Ok(idx);
                }
                sums.clear();
                idx.missing.clear();
                idx.clamped.clear();
            }
        }
        if idx.fill(total, ns, names, &mut sums)?.is_ok() {
            idx.sums = Sums::Whole(sums);
            return Ok(idx);
        }
        give_back(|s| {
            keep(&mut s.whole, sums);
        });
        let mut sums = spare(|b| &mut b.fixed, n + 1);
        idx.missing.clear();
        idx.clamped.clear();
        // (Fixed point holds every value that passes `check`.)
        let _ = idx.fill(total, ns, names, &mut sums)?;
        idx.sums = Sums::Fixed(sums);
        Ok(idx)
    }

    /// [`Self::rows`] in whole events for a grid `total` whose numerator
    /// `nv` lies on the same slots (`nv[row + offset]`): when every value of
    /// both is a whole count below 2^52 (or a gap), one straight loop;
    /// `false` (nothing kept) otherwise, and the general build decides.
    fn whole_on_grid(
        &mut self,
        tv: &[f64],
        nv: &[f64],
        offset: i64,
        is_good: bool,
        sums: &mut Vec<[u64; 2]>,
    ) -> bool {
        if !(all_whole(tv) && all_whole(nv)) {
            return false;
        }
        let (mut g, mut t) = (0u64, 0u64);
        sums.push([0, 0]);
        for (row, &x) in tv.iter().enumerate() {
            // (A gap is NaN: not > 0. Whole values below 2^52 convert exactly,
            // and through i64 in one instruction.)
            if x > 0.0 {
                let xu = x as i64 as u64;
                let i = row as i64 + offset;
                let b = if i >= 0 && (i as usize) < nv.len() {
                    nv[i as usize]
                } else {
                    f64::NAN
                };
                if is_good {
                    if b.is_nan() {
                        self.missing.push(row);
                    } else {
                        let Some(sum) = t.checked_add(xu) else {
                            return false;
                        };
                        t = sum;
                        g += if b > x {
                            self.clamped.push(row);
                            xu
                        } else {
                            b as i64 as u64
                        };
                    }
                } else {
                    let Some(sum) = t.checked_add(xu) else {
                        return false;
                    };
                    t = sum;
                    if b > x {
                        self.clamped.push(row);
                    } else if !b.is_nan() {
                        g += xu - b as i64 as u64;
                    } else {
                        g += xu;
                    }
                }
            }
            sums.push([g, t]);
        }
        true
    }

    /// The prefix sums over `total`'s rows, in units `A`.
    fn fill<A: Units>(
        &mut self,
        total: &TimeSeries,
        ns: &TimeSeries,
        names: (&str, &str, bool),
        sums: &mut Vec<[A; 2]>,
    ) -> Result<Widen> {
        let lookup = Lookup::new(ns, &self.axis);
        match total.grid() {
            Some(g) => {
                let (start, step) = (g.start, g.step);
                let rows =
                    g.vs.iter()
                        .enumerate()
                        .map(move |(i, v)| (start + i as i64 * step, (!v.is_nan()).then_some(*v)));
                self.rows(rows, lookup, names, sums)
            }
            None => self.rows(total.iter().map(|(t, v)| (t, Some(v))), lookup, names, sums),
        }
    }

    /// Appends the prefix sums of `rows` (`None`: a gap of the grid).
    fn rows<A: Units>(
        &mut self,
        rows: impl Iterator<Item = (i64, Option<f64>)>,
        mut lookup: Lookup,
        (num_name, total_name, is_good): (&str, &str, bool),
        sums: &mut Vec<[A; 2]>,
    ) -> Result<Widen> {
        let (mut g_acc, mut t_acc) = (A::default(), A::default());
        // In whole events an overflow widens the units; in fixed point it is an error.
        let add = |a: A, b: A| -> Result<std::result::Result<A, NotWhole>> {
            match a.add(b) {
                Some(s) => Ok(Ok(s)),
                None if A::WIDEST => Err(too_large(total_name)),
                None => Ok(Err(NotWhole)),
            }
        };
        macro_rules! or_widen {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(NotWhole) => return Ok(Err(NotWhole)),
                }
            };
        }
        sums.push([A::default(); 2]);
        for (row, (t, tv)) in rows.enumerate() {
            if let Some(tv) = tv {
                check(total_name, t, tv)?;
                let nv = lookup.at(row, t);
                if tv > 0.0 {
                    // The numerator is judged only where it counts: a period with
                    // events (an expression such as `requests - errors_5xx` may go
                    // negative where `requests` has no point, and that period
                    // holds no events).
                    if let Some(v) = nv {
                        check(num_name, t, v)?;
                    }
                    let tu = or_widen!(A::of(tv).ok_or(NotWhole));
                    match (is_good, nv) {
                        (true, None) => self.missing.push(row),
                        (true, Some(gv)) => {
                            t_acc = or_widen!(add(t_acc, tu)?);
                            let gu = if gv > tv {
                                self.clamped.push(row);
                                tu
                            } else {
                                or_widen!(A::of(gv).ok_or(NotWhole))
                            };
                            g_acc = or_widen!(add(g_acc, gu)?);
                        }
                        (false, bv) => {
                            t_acc = or_widen!(add(t_acc, tu)?);
                            let bv = bv.unwrap_or(0.0);
                            if bv > tv {
                                self.clamped.push(row);
                            } else {
                                let bu = or_widen!(A::of(bv).ok_or(NotWhole));
                                g_acc = or_widen!(add(g_acc, tu.sub(bu))?);
                            }
                        }
                    }
                }
            }
            sums.push([g_acc, t_acc]);
        }
        Ok(Ok(()))
    }

    /// Rows of `rows` (ascending) in `[i, j)`.
    #[inline]
    fn count(rows: &[usize], i: usize, j: usize) -> u64 {
        if rows.is_empty() {
            return 0;
        }
        (rows.partition_point(|r| *r < j) - rows.partition_point(|r| *r < i)) as u64
    }

    /// `(bad, total)` over each of the consecutive parts `[bounds[i],
    /// bounds[i + 1])` (`bounds` ascending), in fixed point: one search per
    /// bound, each from where the last one ended.
    pub fn parts(&self, bounds: &[i64]) -> Vec<(i128, i128)> {
        let mut at = Vec::with_capacity(bounds.len());
        let mut i = 0;
        for &x in bounds {
            i = self.axis.pos_from(i, x).max(i);
            at.push(self.sums.at(i));
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
        let i = self.axis.pos(a);
        let j = self.axis.pos_from(i, b).max(i);
        let ((gi, ti), (gj, tj)) = (self.sums.at(i), self.sums.at(j));
        RatioSums {
            good: gj - gi,
            total: tj - ti,
            missing: Self::count(&self.missing, i, j),
            clamped: Self::count(&self.clamped, i, j),
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
                for (t, v) in s.iter() {
                    let v = check(name, t, v)?;
                    let v = if per_second { v / period as f64 } else { v };
                    ts.push(t);
                    good.push(op.holds(v, threshold));
                }
            }
            SliceInput::Ratio {
                bad: (bn, bad),
                total: (tn, total),
            } => {
                let mut bad = bad.iter().peekable();
                for (t, tv) in total.iter() {
                    let tv = check(tn, t, tv)?;
                    while bad.peek().is_some_and(|p| p.0 < t) {
                        bad.next();
                    }
                    let bv = bad.next_if(|p| p.0 == t);
                    if tv > 0.0 {
                        let bv = match bv {
                            Some((_, v)) => check(bn, t, v)?,
                            None => 0.0,
                        };
                        ts.push(t);
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
        assert_eq!(c.axis.pos(i64::MAX), 3);
    }

    #[test]
    fn whole_counts_and_fixed_point_agree() {
        // Whole counts: summed as u64; one fractional value anywhere: the
        // whole index in fixed point. The sums are the same exact numbers.
        let total = s(&(0..100)
            .map(|k| (k * 60, (k % 7 * 100) as f64))
            .collect::<Vec<_>>());
        let bad = s(&(0..100)
            .filter(|k| k % 3 == 0)
            .map(|k| (k * 60, (k % 5) as f64))
            .collect::<Vec<_>>());
        let mut frac = bad.values();
        frac[30] += 0.5;
        let bad_frac = TimeSeries::from_columns(bad.times(), frac).unwrap();
        let whole = RatioIndex::build(Numerator::Bad("b", &bad), "t", &total).unwrap();
        let fixed_ix = RatioIndex::build(Numerator::Bad("b", &bad_frac), "t", &total).unwrap();
        assert!(matches!(whole.sums, Sums::Whole(_)));
        assert!(matches!(fixed_ix.sums, Sums::Fixed(_)));
        for (a, b) in [(0, 6000), (60, 1800), (1800, 5400), (-60, 60)] {
            let (w, f) = (whole.sums(a, b), fixed_ix.sums(a, b));
            assert_eq!(w.total, f.total, "{a}..{b}");
            let half = if (a..b).contains(&(90 * 60)) {
                ONE as i128 / 2
            } else {
                0
            };
            assert_eq!(w.good - half, f.good, "{a}..{b}");
        }
        let want: f64 = (0..100).map(|k| (k % 7 * 100) as f64).sum();
        assert_eq!(whole.sums(0, 6000).total as f64 / ONE, want);
        // Clamped and missing periods are counted by row.
        let good = s(&[(0, 700.0), (120, 5.0)]);
        let ix = RatioIndex::build(Numerator::Good("g", &good), "t", &total).unwrap();
        let w = ix.sums(0, 300);
        // rows 0 (700 > 0 events: no events, total 0), 1 (missing), 2 (5 of 200), 3, 4 (missing)
        assert_eq!((w.missing, w.clamped), (3, 0));
        assert_eq!(ix.sums(60, 120).missing, 1);
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
