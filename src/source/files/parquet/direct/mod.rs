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

pub use super::super::assemble::Unsupported;

use super::super::assemble::{Assembly, Coder, Local, Part, Table, FLUSH, UNREAD};
use super::super::Wanted;
use column::{Buffers, ColumnReader};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

/// Rows decoded at once per row group.
const BATCH: usize = 1 << 16;

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
    let mut assembly = Assembly::new(room);
    // A row group of one label that no SLO reads, by its statistics, is not
    // decoded: a metric of slo.yaml read by no SLO is skipped, a label
    // slo.yaml does not name is counted by the group's rows.
    let mut skipped: Vec<Option<Part>> = (0..groups).map(|_| None).collect();
    let mut coder = Local::new(&table, names);
    for (g, rg) in meta.row_groups.iter().enumerate() {
        if let Some(label) = &rg.label {
            let c = coder.code(label)?;
            if c & UNREAD != 0 {
                let mut part = Part::new(0, room);
                part.count_rows(c, rg.rows);
                part.last = true;
                skipped[g] = Some(part);
            }
        }
    }
    let decoded: Vec<usize> = (0..groups).filter(|g| skipped[*g].is_none()).collect();
    if std::env::var_os("SLO_DEBUG").is_some() {
        eprintln!(
            "debug: {} of {groups} row groups decoded (the others hold one label no SLO reads)",
            decoded.len()
        );
    }
    let workers = workers.min(decoded.len()).max(1);
    std::thread::scope(|scope| -> Result<(), Unsupported> {
        let mut rx: Vec<Receiver<Msg>> = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, r) = sync_channel::<Msg>(1);
            rx.push(r);
            let (meta, table, decoded) = (&meta, &table, &decoded);
            scope.spawn(move || {
                let mut coder = Local::new(table, names);
                let mut bufs: [Buffers; 3] = Default::default();
                for &g in decoded.iter().skip(w).step_by(workers) {
                    let with = (names, &mut coder, &mut bufs);
                    let sent = decode_group(input, meta, g, with, &mut |m| tx.send(m).is_ok());
                    if !sent {
                        return;
                    }
                }
            });
        }
        // The parts in file order: the k-th decoded row group comes from
        // worker k % workers.
        let mut k = 0;
        for slot in skipped.iter_mut() {
            if let Some(part) = slot.take() {
                assembly.take(part, &table)?;
                continue;
            }
            let w = k % workers;
            k += 1;
            loop {
                let part = rx[w]
                    .recv()
                    .map_err(|_| Unsupported::new("a worker stopped"))??;
                let last = part.last;
                assembly.take(part, &table)?;
                if last {
                    break;
                }
            }
        }
        Ok(())
    })?;
    assembly.finish(table)
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
    let new_part = |left: usize| Part::new(left.min(FLUSH), (meta.newest, rows));
    let mut part = new_part(left);
    loop {
        let n = left.min(BATCH);
        left -= n;
        let decoded = (|| -> Result<(), Unsupported> {
            metric.codes(n, coder, &mut codes)?;
            // The columns move on even when no row of the batch is read.
            times.times(n, &mut t)?;
            values.numbers(n, &mut v)?;
            part.add_checked((&codes, &t, &v), coder, names.limit)
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
