//! The direct reader: the Parquet files users have (pandas, pyarrow, polars,
//! DuckDB, Spark, Athena: a flat `timestamp, metric, value` table, PLAIN or
//! dictionary-encoded, any codec) read page by page without polars, so a
//! file costs what its points cost, in any row order.
//!
//! Row groups are decoded on every core, in batches of [`BATCH`] rows: the
//! metric column becomes a code per row (a dictionary's entries are looked up
//! once, a PLAIN run of one metric once), timestamps become seconds, values
//! f64, and every row an SLO reads is checked. This thread then puts each
//! batch's points, in file order, into their metric's [`SeriesBuilder`] (a
//! grid of the metric's period: one store a point).
//!
//! What it does not read (nested or repeated columns, integer or text
//! timestamps, other encodings, a null, a bad value) is [`Unsupported`]: the
//! general reader then reads the file, or names what is wrong with it.

mod column;
mod input;
mod meta;
mod rle;

pub use input::Input;

use super::super::Wanted;
use crate::series::SeriesBuilder;
use column::{Buffers, Coder, ColumnReader};
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

/// Why the direct reader leaves a file to the general one.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl Unsupported {
    pub fn new(why: impl Into<String>) -> Unsupported {
        Unsupported(why.into())
    }
}

/// Rows decoded at once per row group.
const BATCH: usize = 1 << 16;

/// A metric code: a read metric's index, or an unread label's index with
/// this bit set, or [`SKIP`] (a metric of slo.yaml no SLO reads).
const UNREAD: u32 = 1 << 31;
const SKIP: u32 = u32::MAX;

/// The codes of a file's metric names, shared by the workers.
#[derive(Default)]
struct Table {
    codes: HashMap<Box<[u8]>, u32>,
    /// Read metrics by code: name, period.
    read: Vec<(Box<str>, i64)>,
    unread: Vec<Box<str>>,
}

/// A worker's coder: its own map of the names it has met, in front of the
/// table, and the period of each read code it has met.
struct Local<'a> {
    table: &'a Mutex<Table>,
    names: &'a Wanted<'a>,
    seen: HashMap<Box<[u8]>, u32>,
    periods: Vec<i64>,
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
struct Part {
    runs: Vec<Run>,
    /// Each read code's run, by code (`usize::MAX`: none yet).
    run_of: Vec<usize>,
    unread: Vec<(u32, u64)>,
    rows: usize,
    /// The rows the part will hold (for room in its runs).
    expect: usize,
    /// The file's newest time and rows (room for a whole series, see [`room`]).
    file: (Option<i64>, usize),
    /// The newest time of a read row so far.
    newest: i64,
    /// The last part of its row group.
    last: bool,
}

/// Rows a part holds before it is sent (a time-ordered row group of a day
/// of 2,000 minute metrics is one part: each metric's day is one copy).
const FLUSH: usize = 1 << 22;

impl Part {
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

type Msg = Result<Part, Unsupported>;

/// Reads the file, or says why it leaves it to the general reader.
pub fn read(input: &(impl Input + ?Sized), names: &Wanted) -> Result<super::Chunks, Unsupported> {
    let len = input.len();
    if len < 12 {
        return Err(Unsupported::new("too short"));
    }
    let mut tail = [0u8; 8];
    input.read_at(len - 8, &mut tail)?;
    if &tail[4..] != b"PAR1" {
        return Err(Unsupported::new("no PAR1 magic"));
    }
    let meta_len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    if meta_len + 12 > len {
        return Err(Unsupported::new("a footer longer than the file"));
    }
    let mut footer = vec![0u8; meta_len as usize];
    input.read_at(len - 8 - meta_len, &mut footer)?;
    let meta = meta::read(&footer, len)?;
    drop(footer);

    let table = Mutex::new(Table::default());
    let groups = meta.row_groups.len();
    let rows: u64 = meta.row_groups.iter().map(|g| g.rows).sum();
    let room = (meta.newest, rows as usize);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(groups)
        .max(1);
    let mut series: Vec<SeriesBuilder> = Vec::new();
    let mut unread: Vec<u64> = Vec::new();
    std::thread::scope(|scope| -> Result<(), Unsupported> {
        let mut rx: Vec<Receiver<Msg>> = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, r) = sync_channel::<Msg>(1);
            rx.push(r);
            let (meta, table) = (&meta, &table);
            scope.spawn(move || {
                let mut coder = Local {
                    table,
                    names,
                    seen: HashMap::new(),
                    periods: Vec::new(),
                };
                let mut bufs: [Buffers; 3] = Default::default();
                for g in (w..groups).step_by(workers) {
                    let with = (names, &mut coder, &mut bufs);
                    let sent = decode_group(input, meta, g, with, &mut |m| tx.send(m).is_ok());
                    if !sent {
                        return;
                    }
                }
            });
        }
        // The batches in file order: row group g comes from worker g % workers.
        for g in 0..groups {
            loop {
                let part = rx[g % workers]
                    .recv()
                    .map_err(|_| Unsupported::new("a worker stopped"))??;
                let last = part.last;
                scatter(part, room, &table, &mut series, &mut unread)?;
                if last {
                    break;
                }
            }
        }
        Ok(())
    })?;

    let table = table
        .into_inner()
        .map_err(|_| Unsupported::new("a worker failed"))?;
    let mut out = super::Chunks::default();
    for ((name, _), b) in table.read.into_iter().zip(series) {
        if !b.is_empty() {
            out.series.insert(name.into_string(), b);
        }
    }
    for (name, n) in table.unread.into_iter().zip(unread) {
        if n > 0 {
            out.unread.insert(name.into_string(), n);
        }
    }
    Ok(out)
}

/// Decodes row group `g` in batches, sending each (or the reason it cannot
/// be read); `false` when the receiver has gone.
fn decode_group(
    input: &(impl Input + ?Sized),
    meta: &meta::Meta,
    g: usize,
    (names, coder, bufs): (&Wanted, &mut Local, &mut [Buffers; 3]),
    send: &mut dyn FnMut(Msg) -> bool,
) -> bool {
    let rg = &meta.row_groups[g];
    let mut open = |c: usize| {
        ColumnReader::new(
            input,
            meta.columns[c],
            &rg.chunks[c],
            std::mem::take(&mut bufs[c]),
        )
    };
    let readers = (|| Ok((open(0)?, open(1)?, open(2)?)))();
    let (mut times, mut metric, mut values) = match readers {
        Ok(r) => r,
        Err(e) => return send(Err(e)),
    };
    let mut left = rg.rows as usize;
    let (mut codes, mut t, mut v) = (Vec::new(), Vec::new(), Vec::new());
    let rows = meta.row_groups.iter().map(|g| g.rows as usize).sum();
    let new_part = |left: usize| Part {
        expect: left.min(FLUSH),
        file: (meta.newest, rows),
        newest: i64::MIN,
        ..Part::default()
    };
    let mut part = new_part(left);
    loop {
        let n = left.min(BATCH);
        left -= n;
        let decoded = (|| -> Result<(), Unsupported> {
            metric.codes(n, coder, &mut codes)?;
            // The columns move on even when no row of the batch is read.
            times.times(n, &mut t)?;
            values.numbers(n, &mut v)?;
            if codes.iter().any(|c| c & UNREAD == 0) {
                check(&codes, &v)?;
            }
            part.add(&codes, &t, &v, &coder.periods);
            if part.newest > names.limit {
                return Err(Unsupported::new("a point to report"));
            }
            Ok(())
        })();
        if let Err(e) = decoded {
            send(Err(e));
            return false;
        }
        if left == 0 || part.rows >= FLUSH {
            part.last = left == 0;
            let next = new_part(left);
            if !send(Ok(std::mem::replace(&mut part, next))) {
                return false;
            }
        }
        if left == 0 {
            bufs[0] = times.into_buffers();
            bufs[1] = metric.into_buffers();
            bufs[2] = values.into_buffers();
            return true;
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

/// Appends a part's runs to their metrics' builders (a run whose times step
/// by its metric's period as one copy), and counts the rows of unread labels.
fn scatter(
    part: Part,
    (newest, rows): (Option<i64>, usize),
    table: &Mutex<Table>,
    series: &mut Vec<SeriesBuilder>,
    unread: &mut Vec<u64>,
) -> Result<(), Unsupported> {
    for (c, n) in part.unread {
        let k = (c & !UNREAD) as usize;
        if k >= unread.len() {
            unread.resize(k + 1, 0);
        }
        unread[k] += n;
    }
    for r in part.runs {
        let k = r.code as usize;
        if k >= series.len() {
            let t = table
                .lock()
                .map_err(|_| Unsupported::new("a worker failed"))?;
            while series.len() <= k {
                let period = t.read.get(series.len()).map_or(0, |r| r.1);
                series.push(SeriesBuilder::new(period));
            }
        }
        let s = &mut series[k];
        let room = room((newest, rows), r.t0, r.step);
        match &r.times {
            // A grid ends at the file's newest time: room for all of it at
            // once, not grown by doubling; a run that has that room is taken
            // whole.
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
