//! The general reader: any Parquet file polars reads, in batches of whole
//! row groups, with the schema checked first ([`super::schema`]) and
//! [`super::slots`] keeping per-batch row slots small. The direct reader
//! hands it every file it does not read itself, and it names what is wrong
//! with a file that cannot be read.

use super::super::values::{check_time, check_value, parse_timestamp};
use super::super::{Chunks, Wanted};
use super::schema::{check_parquet_schema, integer_unit};
use super::slots::{batches, BatchSlots, FxHasher, Slot, SKIP};
use crate::error::{Error, Result};
use crate::series::{fmt_time, SeriesBuilder};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;

/// Reads a Parquet file; a damaged file that makes the decoder panic is a
/// data error like any other unreadable file.
pub(super) fn read(
    path: &Path,
    mut input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    super::super::footer::check(&mut input).map_err(|why| {
        Error::data(format!(
            "{}: not a readable Parquet file: {why}",
            path.display()
        ))
    })?;
    crate::guard::catch(|| read_unguarded(path, input, names)).unwrap_or_else(|why| {
        Err(Error::data(format!(
            "{}: not a readable Parquet file: the decoder failed ({why})",
            path.display()
        )))
    })
}

fn read_unguarded(
    path: &Path,
    mut input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    use polars::prelude::*;
    let bad = |m: String| Error::data(format!("{}: {m}", path.display()));
    let unreadable = |e: PolarsError| bad(format!("not a readable Parquet file: {e}"));
    let mut reader = ParquetReader::new(&mut input);
    let schema = reader.schema().map_err(unreadable)?;
    check_parquet_schema(path, &schema)?;
    let missing: Vec<&str> = ["timestamp", "metric", "value"]
        .into_iter()
        .filter(|c| schema.get(c).is_none())
        .collect();
    if let Some(name) = missing.first() {
        return Err(bad(format!(
            "no `{name}` column (expected timestamp, metric, value; found {})",
            schema
                .iter_names()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let meta = reader.get_metadata().map_err(unreadable)?.clone();
    let batches = batches(meta.row_groups.iter().map(|rg| rg.num_rows()));
    let integer_time = schema.get("timestamp").is_some_and(|f| {
        use polars::prelude::ArrowDataType as A;
        matches!(f.dtype, A::Int32 | A::Int64 | A::UInt32 | A::UInt64)
    });
    // One batch of columns, decoded.
    let mut decode = |cols: &[&str], (first, rows): (usize, usize)| -> Result<DataFrame> {
        let mut r = ParquetReader::new(&mut input);
        r.set_metadata(meta.clone());
        r.with_columns(Some(cols.iter().map(|c| c.to_string()).collect()))
            .with_slice(Some((first, rows)))
            .finish()
            .map_err(unreadable)
    };

    // The rows go to a buffer per metric, whatever their order, in two passes
    // over the batches. The first decodes the metric column only: it gives
    // each row its metric's slot (4 bytes a row), looking the name up only
    // where it changes from the row before (once per run when rows are grouped
    // by metric, once per row when they are ordered by time), and counts the
    // rows of each. The second decodes timestamps and values and copies each
    // row into buffers reserved to their exact size. A name is copied once per
    // metric, never per row.
    let mut slots: HashMap<Box<str>, Slot, BuildHasherDefault<FxHasher>> = HashMap::default();
    let mut read: Vec<(Box<str>, usize)> = Vec::new();
    let mut unread: Vec<(Box<str>, u64)> = Vec::new();
    let mut batch_slots: Vec<BatchSlots> = Vec::with_capacity(batches.len());
    let mut row_slot: Vec<u32> = Vec::new();
    let mut max_abs_time: i64 = 0;
    for &batch in &batches {
        row_slot.clear();
        let cols: &[&str] = if integer_time {
            &["metric", "timestamp"]
        } else {
            &["metric"]
        };
        let df = decode(cols, batch)?;
        if integer_time {
            let t = df
                .column("timestamp")
                .map_err(|e| bad(e.to_string()))?
                .cast(&DataType::Int64)
                .map_err(|e| bad(format!("the `timestamp` column: {e}")))?;
            let t = t.i64().map_err(|e| bad(e.to_string()))?;
            for v in t.iter().flatten() {
                max_abs_time = max_abs_time.max(v.saturating_abs());
            }
        }
        let metric = df
            .column("metric")
            .map_err(|_| bad("no `metric` column".into()))?;
        let metric = match metric.dtype() {
            DataType::String => metric.clone(),
            _ => metric
                .cast(&DataType::String)
                .map_err(|e| bad(format!("the `metric` column: {e}")))?,
        };
        let metric = metric
            .str()
            .map_err(|_| bad("the `metric` column is not text".into()))?;
        // Within one Arrow array, equal views are equal strings (a short
        // string is inside its view; a long one is named by buffer and
        // offset, and a dictionary page decodes every repeat of a value to
        // the same place). So a row's slot is found by its 16-byte view:
        // the row before's, else a small map of this array's views, and
        // only for a view not seen yet by the name itself.
        if metric.null_count() > 0 {
            let i = metric.iter().position(|m| m.is_none()).unwrap_or(0);
            return Err(bad(format!("row {}: the metric is null", batch.0 + i)));
        }
        for arr in metric.downcast_iter() {
            let views = arr.views();
            let mut by_view: HashMap<u128, Slot, BuildHasherDefault<FxHasher>> = HashMap::default();
            let mut last: Option<(u128, Slot)> = None;
            for (i, view) in views.iter().enumerate() {
                let key = view.as_u128();
                let slot = match last {
                    Some((prev, slot)) if prev == key => slot,
                    _ => {
                        let slot = match by_view.get(&key) {
                            Some(s) => *s,
                            None => {
                                let m = arr.value(i);
                                let s = match slots.get(m) {
                                    Some(s) => *s,
                                    None => {
                                        let s = match names.get(m) {
                                            Some(true) => {
                                                read.push((m.into(), 0));
                                                Slot::Read(read.len() as u32 - 1)
                                            }
                                            Some(false) => Slot::Skip,
                                            None => {
                                                unread.push((m.into(), 0));
                                                Slot::Unread(unread.len() as u32 - 1)
                                            }
                                        };
                                        slots.insert(m.into(), s);
                                        s
                                    }
                                };
                                // Views that repeat no string (a plain page)
                                // would only grow the map: keep it small.
                                if by_view.len() >= 1 << 16 {
                                    by_view.clear();
                                }
                                by_view.insert(key, s);
                                s
                            }
                        };
                        last = Some((key, slot));
                        slot
                    }
                };
                row_slot.push(match slot {
                    Slot::Read(k) => {
                        read[k as usize].1 += 1;
                        k
                    }
                    Slot::Skip => SKIP,
                    Slot::Unread(k) => {
                        unread[k as usize].1 += 1;
                        SKIP
                    }
                });
            }
        }
        batch_slots.push(BatchSlots::new(&row_slot));
    }
    drop(slots);
    drop(row_slot);

    let mut cols: Vec<SeriesBuilder> = read
        .iter()
        .map(|(m, n)| {
            let mut b = SeriesBuilder::new(names.period(m));
            b.reserve(*n);
            b
        })
        .collect();
    let limit = names.limit;
    let wanted = read.iter().any(|r| r.1 > 0);
    for (&batch, slots) in batches.iter().zip(&batch_slots).filter(|_| wanted) {
        let (first, rows) = batch;
        // Only batches with a row to read are decoded again.
        if slots.all_skipped() {
            continue;
        }
        let df = decode(&["timestamp", "value"], batch)?;
        let tcol = df
            .column("timestamp")
            .map_err(|_| bad("no `timestamp` column".into()))?;
        // Timestamps as epoch seconds: a datetime column is divided per row
        // below; text is parsed up front.
        let (phys, div): (Int64Chunked, i64) = match tcol.dtype() {
            DataType::Datetime(unit, _) => (
                tcol.to_physical_repr()
                    .i64()
                    .map_err(|e| bad(e.to_string()))?
                    .clone(),
                match unit {
                    TimeUnit::Milliseconds => 1_000,
                    TimeUnit::Microseconds => 1_000_000,
                    TimeUnit::Nanoseconds => 1_000_000_000,
                },
            ),
            DataType::String => {
                let parsed: Vec<Option<i64>> = tcol
                    .str()
                    .map_err(|e| bad(e.to_string()))?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| match s {
                        None => Ok(None),
                        Some(s) => parse_timestamp(s).map(Some).ok_or_else(|| {
                            bad(format!(
                                "row {}: `{s}` is not an RFC 3339 timestamp",
                                first + i
                            ))
                        }),
                    })
                    .collect::<Result<_>>()?;
                (parsed.into_iter().collect(), 1)
            }
            dt if dt.is_integer() => (
                tcol.cast(&DataType::Int64)
                    .map_err(|e| bad(format!("the `timestamp` column: {e}")))?
                    .i64()
                    .map_err(|e| bad(e.to_string()))?
                    .clone(),
                integer_unit(max_abs_time),
            ),
            dt => {
                return Err(bad(format!(
                    "the `timestamp` column has type {dt}; use a datetime, RFC 3339 text or integer epoch time"
                )))
            }
        };
        let vcol = df
            .column("value")
            .map_err(|_| bad("no `value` column".into()))?;
        if !vcol.dtype().is_primitive_numeric() {
            return Err(bad(format!(
                "the `value` column has type {}; it must be numeric",
                vcol.dtype()
            )));
        }
        let values = vcol
            .cast(&DataType::Float64)
            .map_err(|e| bad(e.to_string()))?;
        let values = values.f64().map_err(|e| bad(e.to_string()))?;
        let mut copy = |k: u32, i: usize, t: Option<i64>, v: Option<f64>| -> Result<()> {
            if k == SKIP {
                return Ok(());
            }
            let m = &*read[k as usize].0;
            let Some(t) = t else {
                return Err(bad(format!(
                    "row {}: metric `{m}` has a null timestamp",
                    first + i
                )));
            };
            // Division by a constant compiles to a multiplication.
            let t = match div {
                1 => t,
                1_000 => t.div_euclid(1_000),
                1_000_000 => t.div_euclid(1_000_000),
                _ => t.div_euclid(1_000_000_000),
            };
            let Some(v) = v else {
                return Err(bad(format!(
                    "metric `{m}` at {}: the value is null",
                    fmt_time(t)
                )));
            };
            let t = check_time(path, m, t, limit)?;
            cols[k as usize].push(t, check_value(path, m, t, v)?);
            Ok(())
        };
        let no_nulls = phys.null_count() == 0 && values.null_count() == 0;
        // The strided and run copies read plain slices (no nulls, one chunk).
        let strided = !matches!(slots, BatchSlots::Plain(_)) && no_nulls;
        let owned = strided.then(|| (phys.rechunk(), values.rechunk()));
        let plain = match &owned {
            Some((p, v)) => Some((
                p.cont_slice().map_err(|e| bad(e.to_string()))?,
                v.cont_slice().map_err(|e| bad(e.to_string()))?,
            )),
            None => None,
        };
        match (slots, plain) {
            (BatchSlots::Cycle(seq), Some((ts, vs))) => {
                // Rows ordered by time: the batch repeats one sequence of
                // metrics (every metric of a minute, then the next minute).
                // Each metric's rows are every p-th row: copied with a stride,
                // so reads follow one constant stride (which the hardware
                // prefetches) and writes go to one buffer at a time, not to
                // thousands at once.
                let p = seq.len();
                for (j, &k) in seq.iter().enumerate().filter(|(_, k)| **k != SKIP) {
                    for i in (j..rows).step_by(p) {
                        copy(k, i, Some(ts[i]), Some(vs[i]))?;
                    }
                }
            }
            (BatchSlots::Runs(runs), Some((ts, vs))) => {
                let mut at = 0;
                for &(k, n) in runs {
                    let end = at + n as usize;
                    if k != SKIP {
                        for i in at..end {
                            copy(k, i, Some(ts[i]), Some(vs[i]))?;
                        }
                    }
                    at = end;
                }
            }
            _ => {
                for (i, (k, (t, v))) in slots
                    .rows(rows)
                    .zip(phys.iter().zip(values.iter()))
                    .enumerate()
                {
                    copy(k, i, t, v)?;
                }
            }
        }
    }
    let mut out = Chunks::default();
    for ((m, _), c) in read.into_iter().zip(cols) {
        out.series.insert(m.into_string(), c);
    }
    for (m, n) in unread {
        out.unread.insert(m.into_string(), n);
    }
    Ok(out)
}
