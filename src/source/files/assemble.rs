//! What the direct readers (Parquet, CSV) share: each worker turns rows
//! into metric codes (a name is looked up once per worker) and gathers each
//! metric's rows of a part of the file into one run; this thread then puts
//! the parts, in file order, into each metric's [`SeriesBuilder`] (a run
//! that continues a grid is one copy, or becomes the grid), and counts the
//! rows of labels slo.yaml does not name.
//!
//! A reader that meets what it does not read returns [`Unsupported`]: the
//! file then goes, whole, to the general reader of its format, which names
//! what is wrong with it exactly as it always has.

use super::Wanted;
use crate::series::SeriesBuilder;
use std::collections::HashMap;
use std::sync::Mutex;

/// Why a direct reader leaves a file to the general one.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl Unsupported {
    pub fn new(why: impl Into<String>) -> Unsupported {
        Unsupported(why.into())
    }
}

/// A metric code: a read metric's index, or an unread label's index with
/// this bit set, or [`SKIP`] (a metric of slo.yaml no SLO reads).
pub(super) const UNREAD: u32 = 1 << 31;
pub(super) const SKIP: u32 = u32::MAX;

/// The metric codes of text: a code per distinct name.
pub trait Coder {
    fn code(&mut self, text: &[u8]) -> Result<u32, Unsupported>;
}

/// The codes of a file's metric names, shared by the workers.
#[derive(Default)]
pub(super) struct Table {
    codes: HashMap<Box<[u8]>, u32>,
    /// Read metrics by code: name, period.
    read: Vec<(Box<str>, i64)>,
    unread: Vec<Box<str>>,
}

/// A worker's coder: its own map of the names it has met, in front of the
/// table, and the period of each read code it has met.
pub(super) struct Local<'a> {
    table: &'a Mutex<Table>,
    names: &'a Wanted<'a>,
    seen: HashMap<Box<[u8]>, u32>,
    pub(super) periods: Vec<i64>,
}

impl<'a> Local<'a> {
    pub(super) fn new(table: &'a Mutex<Table>, names: &'a Wanted<'a>) -> Local<'a> {
        Local {
            table,
            names,
            seen: HashMap::new(),
            periods: Vec::new(),
        }
    }
}

impl Coder for Local<'_> {
    fn code(&mut self, text: &[u8]) -> Result<u32, Unsupported> {
        if let Some(c) = self.seen.get(text) {
            return Ok(*c);
        }
        let mut t = self
            .table
            .lock()
            .map_err(|_| Unsupported::new("a worker failed"))?;
        let c = match t.codes.get(text) {
            Some(c) => *c,
            None => {
                let name = std::str::from_utf8(text)
                    .map_err(|_| Unsupported::new("a metric name that is not UTF-8"))?;
                let c = match self.names.get(name) {
                    Some(true) => {
                        t.read.push((name.into(), self.names.period(name)));
                        (t.read.len() - 1) as u32
                    }
                    Some(false) => SKIP,
                    None => {
                        t.unread.push(name.into());
                        UNREAD | (t.unread.len() - 1) as u32
                    }
                };
                if c != SKIP && c & !UNREAD >= UNREAD - 1 {
                    return Err(Unsupported::new("more metric names than codes"));
                }
                t.codes.insert(text.into(), c);
                c
            }
        };
        if c & UNREAD == 0 {
            let k = c as usize;
            if self.periods.len() <= k {
                self.periods.resize(k + 1, 0);
            }
            self.periods[k] = t.read[k].1;
        }
        self.seen.insert(text.into(), c);
        Ok(c)
    }
}

/// One metric's points of a part of a row group, in file order: values
/// alone while their times step by the metric's period from `t0`, times
/// too once they do not.
struct Run {
    code: u32,
    t0: i64,
    step: i64,
    next: i64,
    values: Vec<f64>,
    times: Option<Vec<i64>>,
}

impl Run {
    /// Adds the rows `rows` of a batch: their values alone when their times
    /// continue the run's steps (one check, one copy), else point by point.
    /// Returns the newest time added.
    #[inline]
    fn extend(&mut self, rows: impl Iterator<Item = usize> + Clone, t: &[i64], v: &[f64]) -> i64 {
        let mut it = rows.clone();
        if let (None, Some(first)) = (&self.times, it.next()) {
            let start = if self.values.is_empty() {
                t[first]
            } else {
                self.next
            };
            let step = self.step;
            let mut expect = start;
            let regular = rows.clone().all(|i| {
                let ok = t[i] == expect;
                expect += step;
                ok
            });
            if regular {
                if self.values.is_empty() {
                    self.t0 = start;
                }
                self.values.extend(rows.map(|i| v[i]));
                self.next = expect;
                return expect - step;
            }
        }
        let mut newest = i64::MIN;
        for i in rows {
            newest = newest.max(t[i]);
            self.push(t[i], v[i]);
        }
        newest
    }

    #[inline]
    fn push(&mut self, t: i64, v: f64) {
        if self.times.is_none() {
            if t == self.next || self.values.is_empty() {
                if self.values.is_empty() {
                    self.t0 = t;
                }
                self.values.push(v);
                self.next = t + self.step;
                return;
            }
            let (t0, step) = (self.t0, self.step);
            self.times = Some(
                (0..self.values.len() as i64)
                    .map(|k| t0 + k * step)
                    .collect(),
            );
        }
        if let Some(ts) = &mut self.times {
            ts.push(t);
        }
        self.values.push(v);
    }
}

/// The runs of a part of a row group (at most [`FLUSH`] rows), and the rows
/// of unread labels.
#[derive(Default)]
pub(super) struct Part {
    runs: Vec<Run>,
    /// Each read code's run, by code (`usize::MAX`: none yet).
    run_of: Vec<usize>,
    unread: Vec<(u32, u64)>,
    pub(super) rows: usize,
    /// The rows the part will hold (for room in its runs).
    expect: usize,
    /// The file's newest time and rows (room for a whole series, see [`room`]).
    file: (Option<i64>, usize),
    /// The newest time of a read row so far.
    newest: i64,
    /// The last part of its row group (or block).
    pub(super) last: bool,
}

/// Rows a part holds before it is sent (a time-ordered row group of a day
/// of 2,000 minute metrics is one part: each metric's day is one copy).
pub(super) const FLUSH: usize = 1 << 22;

impl Part {
    /// A part that will hold about `expect` rows of a file whose newest time
    /// and rows are `file` (both for room).
    pub(super) fn new(expect: usize, file: (Option<i64>, usize)) -> Part {
        Part {
            expect,
            file,
            newest: i64::MIN,
            ..Part::default()
        }
    }

    /// Adds a batch of rows (their metric codes, times in seconds, values)
    /// after checking the rows read: `Unsupported` when one breaks a rule.
    pub(super) fn add_checked(
        &mut self,
        (codes, t, v): (&[u32], &[i64], &[f64]),
        coder: &Local,
        limit: i64,
    ) -> Result<(), Unsupported> {
        if codes.iter().any(|c| c & UNREAD == 0) {
            check(codes, v)?;
        }
        self.add(codes, t, v, &coder.periods);
        if self.newest > limit {
            return Err(Unsupported::new("a point to report"));
        }
        Ok(())
    }

    /// The run of read code `c`.
    #[inline]
    fn run(&mut self, c: u32, periods: &[i64]) -> &mut Run {
        let k = c as usize;
        if self.run_of.len() <= k {
            self.run_of.resize(k + 1, usize::MAX);
        }
        if self.run_of[k] == usize::MAX {
            self.run_of[k] = self.runs.len();
            let step = periods.get(k).copied().filter(|p| *p > 0).unwrap_or(1);
            self.runs.push(Run {
                code: c,
                t0: 0,
                step,
                next: 0,
                values: Vec::new(),
                times: None,
            });
        }
        &mut self.runs[self.run_of[k]]
    }

    /// Rows of a code no SLO reads (counted when slo.yaml does not name it).
    pub(super) fn count_rows(&mut self, c: u32, n: u64) {
        if c != SKIP && c & UNREAD != 0 {
            self.count(c, n);
        }
    }

    /// Rows of unread code `c`.
    fn count(&mut self, c: u32, n: u64) {
        match self.unread.iter_mut().find(|(u, _)| *u == c) {
            Some((_, k)) => *k += n,
            None => self.unread.push((c, n)),
        }
    }

    /// Adds a batch of rows, checked: for rows ordered by time (codes that
    /// repeat one sequence) one metric at a time, every p-th row; else a run
    /// of one metric at a time.
    fn add(&mut self, codes: &[u32], t: &[i64], v: &[f64], periods: &[i64]) {
        let n = codes.len();
        self.rows += n;
        if let Some(p) = cycle(codes) {
            // Each metric's rows are every p-th row; a metric has `expect`
            // rows in the whole part.
            let expect = self.expect.div_ceil(p);
            for (j, &c) in codes[..p].iter().enumerate() {
                if c == SKIP {
                } else if c & UNREAD != 0 {
                    self.count(c, (n - j).div_ceil(p) as u64);
                } else {
                    let run = self.run(c, periods);
                    run.values.reserve(expect.saturating_sub(run.values.len()));
                    let newest = run.extend((j..n).step_by(p), t, v);
                    self.newest = self.newest.max(newest);
                }
            }
            return;
        }
        let mut i = 0;
        while i < n {
            let c = codes[i];
            let mut j = i + 1;
            while j < n && codes[j] == c {
                j += 1;
            }
            if c == SKIP {
            } else if c & UNREAD != 0 {
                self.count(c, (j - i) as u64);
            } else {
                // A metric's rows together (grouped by metric): the run
                // gets room for the whole series, and becomes it.
                let file = self.file;
                let run = self.run(c, periods);
                if run.values.is_empty() {
                    if let Some(n) = room(file, t[i], run.step) {
                        run.values.reserve(n);
                    }
                }
                let newest = run.extend(i..j, t, v);
                self.newest = self.newest.max(newest);
            }
            i = j;
        }
    }
}

/// Every row read follows the rules of every point: a finite value, not
/// negative, no later than a day after now. A row that does not goes to the
/// general reader, which names it as it always has.
fn check(codes: &[u32], v: &[f64]) -> Result<(), Unsupported> {
    // Every value at once first (two comparisons each, no branch:
    // vectorized; NaN fails both); row by row, skipping the rows not read,
    // only when that finds one. Times are checked by the runs they join.
    let ok = |v: &f64| (0.0 <= *v) & (*v <= f64::MAX);
    let all = v.iter().fold(true, |all, v| all & ok(v));
    if all || codes.iter().zip(v).all(|(c, v)| c & UNREAD != 0 || ok(v)) {
        Ok(())
    } else {
        Err(Unsupported::new("a point to report"))
    }
}

/// The period `p` of codes that repeat one sequence (`codes[i] == codes[i -
/// p]`), `1 < p <= len / 2`: rows ordered by time, every metric of a minute
/// then the next minute.
fn cycle(codes: &[u32]) -> Option<usize> {
    let first = *codes.first()?;
    let p = codes.iter().skip(1).position(|c| *c == first)? + 1;
    (p >= 2 && p <= codes.len() / 2 && codes[p..] == codes[..codes.len() - p]).then_some(p)
}

/// Room for a whole series of `step` starting at `t0`, when the file's
/// newest time is known: never more than the file's rows.
fn room((newest, rows): (Option<i64>, usize), t0: i64, step: i64) -> Option<usize> {
    let newest = newest.filter(|n| *n >= t0 && step > 0)?;
    Some((((newest - t0) / step) as usize + 1).min(rows))
}

/// The series of a file, put together from its parts in file order.
pub(super) struct Assembly {
    /// The file's newest time and rows (room for a whole series).
    file: (Option<i64>, usize),
    series: Vec<SeriesBuilder>,
    unread: Vec<u64>,
}

impl Assembly {
    pub(super) fn new(file: (Option<i64>, usize)) -> Assembly {
        Assembly {
            file,
            series: Vec::new(),
            unread: Vec::new(),
        }
    }

    /// Appends a part's runs to their metrics' builders (a run whose times
    /// step by its metric's period as one copy), and counts the rows of
    /// unread labels.
    pub(super) fn take(&mut self, part: Part, table: &Mutex<Table>) -> Result<(), Unsupported> {
        for (c, n) in part.unread {
            let k = (c & !UNREAD) as usize;
            if k >= self.unread.len() {
                self.unread.resize(k + 1, 0);
            }
            self.unread[k] += n;
        }
        for r in part.runs {
            let k = r.code as usize;
            if k >= self.series.len() {
                let t = table
                    .lock()
                    .map_err(|_| Unsupported::new("a worker failed"))?;
                while self.series.len() <= k {
                    let period = t.read.get(self.series.len()).map_or(0, |r| r.1);
                    self.series.push(SeriesBuilder::new(period));
                }
            }
            let s = &mut self.series[k];
            let room = room(self.file, r.t0, r.step);
            match &r.times {
                // A grid ends at the file's newest time: room for all of it
                // at once, not grown by doubling; a run that has that room is
                // taken whole.
                None => s.extend_owned(r.t0, r.step, r.values, room.unwrap_or(0)),
                Some(times) => {
                    for (t, v) in times.iter().zip(&r.values) {
                        s.push(*t, *v);
                    }
                }
            }
        }
        Ok(())
    }

    /// The file's series and unread labels.
    pub(super) fn finish(self, table: Mutex<Table>) -> Result<super::Chunks, Unsupported> {
        let table = table
            .into_inner()
            .map_err(|_| Unsupported::new("a worker failed"))?;
        let mut out = super::Chunks::default();
        for ((name, _), b) in table.read.into_iter().zip(self.series) {
            if !b.is_empty() {
                out.series.insert(name.into_string(), b);
            }
        }
        for (name, n) in table.unread.into_iter().zip(self.unread) {
            if n > 0 {
                out.unread.insert(name.into_string(), n);
            }
        }
        Ok(out)
    }
}
