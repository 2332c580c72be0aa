//! Time series as compute sees them: sorted, unique timestamps (seconds since the
//! epoch, the start of each period) and finite values.
//!
//! A series whose points lie on one grid (`start + k * step`, the metric's
//! period) with few gaps is stored as that grid: 8 bytes a slot, a gap being
//! a NaN, which no value of a series can be (every source refuses
//! non-finite values, and expressions drop them). Any other series keeps
//! its timestamps: 16 bytes a point. A fleet's minute series are grids, so
//! memory holds about the values alone, and compute finds a window's slots
//! by arithmetic instead of a search.

use std::collections::HashMap;

/// A gap in a grid: no point in that slot.
const GAP: f64 = f64::NAN;

/// Slots a grid may hold beyond twice its points before it is stored as a
/// list instead (a grid never takes much more than a list would).
const GRID_SLACK: usize = 1024;

#[derive(Debug, Clone)]
enum Repr {
    /// Slot `i` is the period starting at `start + i * step`; a NaN is a gap.
    /// The first and the last slot hold points; `n` counts the points.
    Grid {
        start: i64,
        step: i64,
        vs: Vec<f64>,
        n: usize,
    },
    /// Strictly increasing times and their values.
    List { ts: Vec<i64>, vs: Vec<f64> },
}

#[derive(Debug, Clone)]
pub struct TimeSeries {
    repr: Repr,
}

impl Default for TimeSeries {
    fn default() -> Self {
        TimeSeries::empty()
    }
}

/// Two series are equal when they hold the same points, however stored.
impl PartialEq for TimeSeries {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

/// A series stored as a grid, borrowed: slot `i` starts at `start + i * step`,
/// a NaN is a gap.
#[derive(Debug, Clone, Copy)]
pub struct Grid<'a> {
    pub start: i64,
    pub step: i64,
    pub vs: &'a [f64],
}

impl Grid<'_> {
    /// The value in the slot that starts at `t`, if it holds a point.
    #[inline]
    pub fn at(&self, t: i64) -> Option<f64> {
        let off = t - self.start;
        if off < 0 || off % self.step != 0 {
            return None;
        }
        let v = *self.vs.get((off / self.step) as usize)?;
        (!v.is_nan()).then_some(v)
    }
}

impl TimeSeries {
    pub const fn empty() -> TimeSeries {
        TimeSeries {
            repr: Repr::List {
                ts: Vec::new(),
                vs: Vec::new(),
            },
        }
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Grid { n, .. } => *n,
            Repr::List { ts, .. } => ts.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points in time order.
    pub fn iter(&self) -> Points<'_> {
        match &self.repr {
            Repr::Grid {
                start, step, vs, ..
            } => Points::Grid {
                start: *start,
                step: *step,
                vs: vs.iter().enumerate(),
            },
            Repr::List { ts, vs } => Points::List(ts.iter().zip(vs.iter())),
        }
    }

    /// The timestamps, in order (a copy).
    pub fn times(&self) -> Vec<i64> {
        self.iter().map(|p| p.0).collect()
    }

    /// The values, in time order (a copy).
    pub fn values(&self) -> Vec<f64> {
        self.iter().map(|p| p.1).collect()
    }

    /// The series as a grid, when it is stored as one.
    pub fn grid(&self) -> Option<Grid<'_>> {
        match &self.repr {
            Repr::Grid {
                start, step, vs, ..
            } => Some(Grid {
                start: *start,
                step: *step,
                vs,
            }),
            Repr::List { .. } => None,
        }
    }

    /// The times and values of a series stored as a list.
    pub fn list(&self) -> Option<(&[i64], &[f64])> {
        match &self.repr {
            Repr::List { ts, vs } => Some((ts, vs)),
            Repr::Grid { .. } => None,
        }
    }

    /// The oldest and the newest timestamp.
    pub fn first_last(&self) -> Option<(i64, i64)> {
        match &self.repr {
            Repr::Grid {
                start, step, vs, ..
            } if !vs.is_empty() => Some((*start, start + (vs.len() as i64 - 1) * step)),
            Repr::Grid { .. } => None,
            Repr::List { ts, .. } => Some((*ts.first()?, *ts.last()?)),
        }
    }

    /// Builds a series from points in any order; `Err(t)` names a duplicated timestamp.
    pub fn from_points(mut points: Vec<(i64, f64)>) -> Result<TimeSeries, i64> {
        if !points.windows(2).all(|w| w[0].0 < w[1].0) {
            points.sort_unstable_by_key(|p| p.0);
            if let Some(w) = points.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(w[0].0);
            }
        }
        Ok(TimeSeries {
            repr: Repr::List {
                ts: points.iter().map(|p| p.0).collect(),
                vs: points.iter().map(|p| p.1).collect(),
            },
        })
    }

    /// Builds a series from columns in any order; `Err(t)` names the
    /// earliest duplicated timestamp.
    pub fn from_columns(ts: Vec<i64>, vs: Vec<f64>) -> Result<TimeSeries, i64> {
        debug_assert_eq!(ts.len(), vs.len());
        if ts.windows(2).all(|w| w[0] < w[1]) {
            return Ok(TimeSeries {
                repr: Repr::List { ts, vs },
            });
        }
        if ts.windows(2).all(|w| w[0] > w[1]) {
            // Newest first, as `aws cloudwatch get-metric-data` prints by default.
            let (mut ts, mut vs) = (ts, vs);
            ts.reverse();
            vs.reverse();
            return Ok(TimeSeries {
                repr: Repr::List { ts, vs },
            });
        }
        TimeSeries::from_points(ts.into_iter().zip(vs).collect())
    }

    /// The same points, stored as a grid of `step` when they all lie on one
    /// and it takes at most about twice the room of a list (see
    /// [`SeriesBuilder`]), else as they are.
    pub fn compact(self, step: i64) -> TimeSeries {
        let Repr::List { ts, vs } = &self.repr else {
            return self;
        };
        let (Some(&first), Some(&last)) = (ts.first(), ts.last()) else {
            return self;
        };
        if step <= 0 || ts.iter().any(|t| (t - first) % step != 0) || vs.iter().any(|v| v.is_nan())
        {
            return self;
        }
        let slots = ((last - first) / step) as u64 + 1;
        if slots > 2 * ts.len() as u64 + GRID_SLACK as u64 {
            return self;
        }
        let mut grid = vec![GAP; slots as usize];
        for (t, v) in ts.iter().zip(vs) {
            grid[((t - first) / step) as usize] = *v;
        }
        TimeSeries {
            repr: Repr::Grid {
                start: first,
                step,
                n: ts.len(),
                vs: grid,
            },
        }
    }

    /// Appends the points of another series (in any order); `Err(t)` names a duplicate.
    pub fn merge(self, other: TimeSeries) -> Result<TimeSeries, i64> {
        if other.is_empty() {
            return Ok(self);
        }
        if self.is_empty() {
            return Ok(other);
        }
        // Two grids of one step, on one grid, that share no slot: one grid.
        if let (Some(a), Some(b)) = (self.grid(), other.grid()) {
            if a.step == b.step && (a.start - b.start).rem_euclid(a.step) == 0 {
                let mut builder = SeriesBuilder::new(a.step);
                let (first, second) = if a.start <= b.start {
                    (&self, &other)
                } else {
                    (&other, &self)
                };
                builder.extend_grid(first);
                let ok = second.iter().all(|(t, v)| builder.put(t, v));
                if ok {
                    if let Some(s) = builder.finish().ok().filter(|s| s.grid().is_some()) {
                        return Ok(s);
                    }
                }
            }
        }
        let mut ts = self.times();
        let mut vs = self.values();
        ts.extend(other.times());
        vs.extend(other.values());
        TimeSeries::from_columns(ts, vs)
    }

    /// The end of the newest period: the newest timestamp plus `period`.
    pub fn end(&self, period: i64) -> Option<i64> {
        self.first_last().map(|(_, last)| last + period)
    }
}

/// The points of a series, in time order.
pub enum Points<'a> {
    Grid {
        start: i64,
        step: i64,
        vs: std::iter::Enumerate<std::slice::Iter<'a, f64>>,
    },
    List(std::iter::Zip<std::slice::Iter<'a, i64>, std::slice::Iter<'a, f64>>),
}

impl Iterator for Points<'_> {
    type Item = (i64, f64);

    #[inline]
    fn next(&mut self) -> Option<(i64, f64)> {
        match self {
            Points::Grid { start, step, vs } => {
                for (i, v) in vs.by_ref() {
                    if !v.is_nan() {
                        return Some((*start + i as i64 * *step, *v));
                    }
                }
                None
            }
            Points::List(it) => it.next().map(|(t, v)| (*t, *v)),
        }
    }
}

/// Collects a metric's points as they come, as a grid of the metric's period
/// while they fit one: the next period's point is one store, a later one
/// leaves gaps. A point before the grid's start or off it, a second point
/// in a slot, or gaps that would make the grid take more than twice the
/// room of the points, turn it into a list (sorted and checked for
/// duplicates at the end).
pub struct SeriesBuilder {
    step: i64,
    mode: Mode,
}

enum Mode {
    Grid {
        start: i64,
        vs: Vec<f64>,
        n: usize,
        /// The time of the slot after the last: where the next point usually goes.
        next: i64,
    },
    List {
        ts: Vec<i64>,
        vs: Vec<f64>,
    },
}

impl SeriesBuilder {
    /// A builder for a metric of period `step` seconds (0 or less: a list).
    pub fn new(step: i64) -> SeriesBuilder {
        let mode = if step > 0 {
            Mode::Grid {
                start: 0,
                vs: Vec::new(),
                n: 0,
                next: 0,
            }
        } else {
            Mode::List {
                ts: Vec::new(),
                vs: Vec::new(),
            }
        };
        SeriesBuilder { step, mode }
    }

    /// Room for `n` more points.
    pub fn reserve(&mut self, n: usize) {
        match &mut self.mode {
            Mode::Grid { vs, .. } => vs.reserve(n),
            Mode::List { ts, vs } => {
                ts.reserve(n);
                vs.reserve(n);
            }
        }
    }

    /// The number of points so far.
    pub fn len(&self) -> usize {
        match &self.mode {
            Mode::Grid { n, .. } => *n,
            Mode::List { ts, .. } => ts.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a point.
    #[inline]
    pub fn push(&mut self, t: i64, v: f64) {
        if let Mode::Grid { vs, n, next, .. } = &mut self.mode {
            if t == *next && *n > 0 && !v.is_nan() {
                vs.push(v);
                *n += 1;
                *next += self.step;
                return;
            }
        }
        self.push_slow(t, v);
    }

    /// [`Self::extend_steps`], taking `values` as the grid itself when the
    /// builder is empty and `values` has room for `room` slots; else, when
    /// empty, reserving that room first.
    pub fn extend_owned(&mut self, t0: i64, step: i64, values: Vec<f64>, room: usize) {
        if let Mode::Grid { start, vs, n, next } = &mut self.mode {
            if *n == 0 && step == self.step && !values.is_empty() {
                if values.capacity() >= room && !values.iter().any(|v| v.is_nan()) {
                    *start = t0;
                    *n = values.len();
                    *next = t0 + values.len() as i64 * step;
                    *vs = values;
                    return;
                }
                vs.reserve(room);
            }
        }
        self.extend_steps(t0, step, &values);
    }

    /// Adds the points `(t0 + k * step, values[k])`, in order: one copy
    /// when they continue the grid (or start it).
    pub fn extend_steps(&mut self, t0: i64, step: i64, values: &[f64]) {
        if let Mode::Grid { start, vs, n, next } = &mut self.mode {
            let fits = step == self.step && (t0 == *next || *n == 0);
            if fits && !values.is_empty() && !values.iter().any(|v| v.is_nan()) {
                if *n == 0 {
                    *start = t0;
                    vs.clear();
                }
                vs.extend_from_slice(values);
                *n += values.len();
                *next = t0 + values.len() as i64 * step;
                return;
            }
        }
        for (k, v) in values.iter().enumerate() {
            self.push(t0 + k as i64 * step, *v);
        }
    }

    #[cold]
    fn push_slow(&mut self, t: i64, v: f64) {
        if !self.put(t, v) {
            self.make_list();
            if let Mode::List { ts, vs } = &mut self.mode {
                ts.push(t);
                vs.push(v);
            }
        }
    }

    /// Puts a point into the grid; `false` when it does not fit there (the
    /// builder is unchanged).
    fn put(&mut self, t: i64, v: f64) -> bool {
        let step = self.step;
        match &mut self.mode {
            Mode::List { ts, vs } => {
                ts.push(t);
                vs.push(v);
                true
            }
            Mode::Grid { .. } if v.is_nan() => false,
            Mode::Grid { start, vs, n, next } => {
                if *n == 0 {
                    *start = t;
                    vs.clear();
                    vs.push(v);
                    *n = 1;
                    *next = t + step;
                    return true;
                }
                let off = t - *start;
                if off < 0 || off % step != 0 {
                    return false;
                }
                let Ok(slot) = usize::try_from(off / step) else {
                    return false;
                };
                if slot < vs.len() {
                    if !vs[slot].is_nan() {
                        return false; // a second point in a slot: the list finds it
                    }
                    vs[slot] = v;
                    *n += 1;
                    return true;
                }
                if slot + 1 > 2 * (*n + 1) + GRID_SLACK {
                    return false;
                }
                vs.resize(slot, GAP);
                vs.push(v);
                *n += 1;
                *next = t + step;
                true
            }
        }
    }

    /// Appends a whole grid series (the builder is empty, or ends before it).
    fn extend_grid(&mut self, s: &TimeSeries) {
        for (t, v) in s.iter() {
            self.push(t, v);
        }
    }

    fn make_list(&mut self) {
        if let Mode::Grid { start, vs, .. } = &mut self.mode {
            let mut ts = Vec::with_capacity(vs.len());
            let mut out = Vec::with_capacity(vs.len());
            for (i, v) in vs.iter().enumerate() {
                if !v.is_nan() {
                    ts.push(*start + i as i64 * self.step);
                    out.push(*v);
                }
            }
            self.mode = Mode::List { ts, vs: out };
        }
    }

    /// The series; `Err(t)` names the earliest timestamp that has two points.
    pub fn finish(self) -> Result<TimeSeries, i64> {
        match self.mode {
            Mode::Grid { n: 0, .. } => Ok(TimeSeries::empty()),
            // (Room reserved beyond the last slot is never touched: it
            // costs address space, not memory.)
            Mode::Grid { start, vs, n, .. } => Ok(TimeSeries {
                repr: Repr::Grid {
                    start,
                    step: self.step,
                    vs,
                    n,
                },
            }),
            // Points that came in another order (newest first) may still
            // lie on the grid.
            Mode::List { ts, vs } => TimeSeries::from_columns(ts, vs).map(|s| s.compact(self.step)),
        }
    }
}

/// The series of one run, by metric name (the query id of slo.yaml).
pub type DataSet = HashMap<String, TimeSeries>;

/// The one rule every value of a series follows, whatever its source: every
/// statistic slo reads is a count, a rate or a duration, so a value is finite
/// and not negative. `None` when `v` follows it, else what is wrong with it.
#[inline]
pub fn value_problem(v: f64) -> Option<&'static str> {
    if v >= 0.0 && v.is_finite() {
        None
    } else if v.is_finite() {
        Some("negative")
    } else {
        Some("not a finite number")
    }
}

/// Formats epoch seconds as RFC 3339 UTC (`2026-11-24T00:00:00Z`).
pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{t}s since 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_rejects_duplicates() {
        let s = TimeSeries::from_points(vec![(120, 2.0), (60, 1.0)]).unwrap();
        assert_eq!(s.times(), vec![60, 120]);
        assert_eq!(s.values(), vec![1.0, 2.0]);
        assert_eq!(
            TimeSeries::from_points(vec![(60, 1.0), (0, 0.0), (60, 2.0)]),
            Err(60)
        );
        assert_eq!(fmt_time(0), "1970-01-01T00:00:00Z");
        let s = TimeSeries::from_columns(vec![120, 60, 0], vec![3.0, 2.0, 1.0]).unwrap();
        assert_eq!(
            (s.times(), s.values()),
            (vec![0, 60, 120], vec![1.0, 2.0, 3.0])
        );
        let m = s
            .clone()
            .merge(TimeSeries::from_columns(vec![180], vec![4.0]).unwrap())
            .unwrap();
        assert_eq!(m.times(), vec![0, 60, 120, 180]);
        assert_eq!(s.clone().merge(s), Err(0));
    }

    fn build(step: i64, pts: &[(i64, f64)]) -> Result<TimeSeries, i64> {
        let mut b = SeriesBuilder::new(step);
        for &(t, v) in pts {
            b.push(t, v);
        }
        b.finish()
    }

    #[test]
    fn a_grid_holds_the_same_points_as_a_list() {
        // In order with a gap: a grid of 4 slots, 3 points.
        let pts = [(60, 1.0), (120, 0.0), (240, 3.5)];
        let s = build(60, &pts).unwrap();
        let g = s.grid().expect("a grid");
        assert_eq!((g.start, g.step, g.vs.len()), (60, 60, 4));
        assert!(g.vs[2].is_nan());
        assert_eq!(s.len(), 3);
        assert_eq!(s, TimeSeries::from_points(pts.to_vec()).unwrap());
        assert_eq!(g.at(240), Some(3.5));
        assert_eq!(g.at(180), None);
        assert_eq!(g.at(250), None);
        assert_eq!(s.end(60), Some(300));
        // A slot filled later (out of order, but after the start) stays a grid.
        let s = build(60, &[(0, 1.0), (120, 3.0), (60, 2.0)]).unwrap();
        assert!(s.grid().is_some());
        assert_eq!(s.values(), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn points_that_do_not_fit_a_grid_make_a_list() {
        // Off the grid, or far apart.
        for pts in [
            vec![(0, 1.0), (90, 2.0), (120, 3.0)],
            vec![(0, 1.0), (60 * 100_000, 2.0)],
        ] {
            let s = build(60, &pts).unwrap();
            assert!(s.grid().is_none(), "{pts:?}");
            assert_eq!(s, TimeSeries::from_points(pts).unwrap());
        }
        // Newest first: a list while it comes, a grid in the end.
        let pts = vec![(120, 3.0), (60, 2.0), (0, 1.0)];
        let s = build(60, &pts).unwrap();
        assert!(s.grid().is_some());
        assert_eq!(s, TimeSeries::from_points(pts).unwrap());
        // A duplicate is found in either form, and the earliest one named.
        assert_eq!(build(60, &[(0, 1.0), (60, 1.0), (0, 2.0)]), Err(0));
        assert_eq!(
            build(
                60,
                &[(0, 1.0), (60, 1.0), (120, 1.0), (120, 2.0), (60, 3.0)]
            ),
            Err(60)
        );
    }

    #[test]
    fn runs_are_appended_whole() {
        // A run with room becomes the grid; the next run continues it; a
        // run off the steps goes point by point (a list if it must).
        let mut b = SeriesBuilder::new(60);
        let mut first = Vec::with_capacity(10);
        first.extend([1.0, 2.0, 3.0]);
        let ptr = first.as_ptr();
        b.extend_owned(600, 60, first, 10);
        b.extend_steps(780, 60, &[4.0, 5.0]);
        let s = b.finish().unwrap();
        let g = s.grid().unwrap();
        assert_eq!(g.vs.as_ptr(), ptr, "taken whole, not copied");
        assert_eq!(s.times(), vec![600, 660, 720, 780, 840]);
        assert_eq!(s.values(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        let mut b = SeriesBuilder::new(60);
        b.extend_owned(0, 60, vec![1.0, 2.0], 1000);
        b.extend_steps(30, 60, &[9.0]);
        b.extend_steps(120, 60, &[3.0]);
        let s = b.finish().unwrap();
        assert!(s.grid().is_none());
        assert_eq!(s.times(), vec![0, 30, 60, 120]);
    }

    #[test]
    fn grids_merge_into_a_grid() {
        let a = build(60, &[(0, 1.0), (60, 2.0)]).unwrap();
        let b = build(60, &[(180, 4.0), (240, 5.0)]).unwrap();
        let m = b.clone().merge(a.clone()).unwrap();
        assert!(m.grid().is_some());
        assert_eq!(m.times(), vec![0, 60, 180, 240]);
        assert_eq!(a.clone().merge(a.clone()), Err(0));
        // Another residue: a list, same points.
        let c = build(60, &[(30, 9.0)]).unwrap();
        let m = a.merge(c).unwrap();
        assert!(m.grid().is_none());
        assert_eq!(m.times(), vec![0, 30, 60]);
        // compact() finds the grid of a list.
        let l = TimeSeries::from_points(vec![(0, 1.0), (120, 2.0)]).unwrap();
        assert!(l.grid().is_none());
        let g = l.clone().compact(60);
        assert!(g.grid().is_some());
        assert_eq!(g, l);
    }
}
