//! `*.parquet`: `timestamp`, `metric`, `value` columns, as pandas, pyarrow,
//! polars or Athena write them; the schema is checked before anything is
//! decoded.

use super::values::{check_time, check_value, parse_timestamp};
use super::{Chunks, Columns, Wanted};
use crate::error::{Error, Result};
use crate::series::fmt_time;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// The Fx hash (rustc's): a multiply and a rotate per word. Metric names are
/// looked up once per row of a time-ordered file; SipHash's protection
/// against chosen keys is not needed for a map that lives one file long.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The unit of an integer `timestamp` column, from its magnitude: epoch
/// seconds, milliseconds, microseconds or nanoseconds (pandas' `int64` view of
/// a datetime). Every time from 1973 to 5138 has one reading only.
fn integer_unit(max_abs: i64) -> i64 {
    const E11: i64 = 100_000_000_000;
    if max_abs < E11 {
        1
    } else if max_abs < E11 * 1_000 {
        1_000
    } else if max_abs < E11 * 1_000_000 {
        1_000_000
    } else {
        1_000_000_000
    }
}

/// Refuses, from the schema alone, column types that the reader cannot take,
/// naming the column, its type and what to write instead.
fn check_parquet_schema(path: &Path, schema: &polars::prelude::ArrowSchema) -> Result<()> {
    use polars::prelude::ArrowDataType as A;
    let bad = |m: String| Error::data(format!("{}: {m}", path.display()));
    for (name, field) in schema.iter() {
        let dt = &field.dtype;
        let inner = match dt {
            A::Dictionary(_, v, _) => v.as_ref(),
            other => other,
        };
        let ok = match name.as_str() {
            "metric" => matches!(inner, A::Utf8 | A::LargeUtf8 | A::Utf8View),
            "value" => matches!(
                inner,
                A::Int8
                    | A::Int16
                    | A::Int32
                    | A::Int64
                    | A::UInt8
                    | A::UInt16
                    | A::UInt32
                    | A::UInt64
                    | A::Float16
                    | A::Float32
                    | A::Float64
            ),
            "timestamp" => matches!(
                inner,
                A::Timestamp(..)
                    | A::Utf8
                    | A::LargeUtf8
                    | A::Utf8View
                    | A::Int32
                    | A::Int64
                    | A::UInt32
                    | A::UInt64
            ),
            _ => true,
        };
        if !ok {
            let want = match name.as_str() {
                "metric" => "text (a string or a categorical of strings)",
                "value" => "an integer or floating-point number (cast decimals to float64)",
                _ => "a timestamp, RFC 3339 text, or integer epoch seconds, milliseconds, microseconds or nanoseconds",
            };
            return Err(bad(format!(
                "the `{name}` column has the Parquet/Arrow type {dt:?}; it must be {want}"
            )));
        }
    }
    Ok(())
}

/// Reads a Parquet file; a damaged file that makes the decoder panic is a
/// data error like any other unreadable file.
pub(super) fn read(
    path: &Path,
    mut input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    super::footer::check(&mut input).map_err(|why| {
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
    input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    use polars::prelude::*;
    let bad = |m: String| Error::data(format!("{}: {m}", path.display()));
    let mut reader = ParquetReader::new(input);
    let schema = reader
        .schema()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
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
    let df = reader
        .with_columns(Some(vec![
            "timestamp".into(),
            "metric".into(),
            "value".into(),
        ]))
        .finish()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let column = |name: &str| {
        df.column(name)
            .map_err(|_| bad(format!("no `{name}` column")))
    };
    let metric = column("metric")?;
    let metric = match metric.dtype() {
        DataType::String => metric.clone(),
        _ => metric
            .cast(&DataType::String)
            .map_err(|e| bad(format!("the `metric` column: {e}")))?,
    };
    let metric = metric
        .str()
        .map_err(|_| bad("the `metric` column is not text".into()))?
        .clone();
    let tcol = column("timestamp")?;
    // Timestamps as epoch seconds: a datetime column is divided per run below;
    // text is parsed up front.
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
                    Some(s) => parse_timestamp(s)
                        .map(Some)
                        .ok_or_else(|| bad(format!("row {i}: `{s}` is not an RFC 3339 timestamp"))),
                })
                .collect::<Result<_>>()?;
            (parsed.into_iter().collect(), 1)
        }
        dt if dt.is_integer() => {
            let ints = tcol
                .cast(&DataType::Int64)
                .map_err(|e| bad(format!("the `timestamp` column: {e}")))?
                .i64()
                .map_err(|e| bad(e.to_string()))?
                .clone();
            let max_abs = ints
                .iter()
                .flatten()
                .map(|t| t.saturating_abs())
                .max()
                .unwrap_or(0);
            (ints, integer_unit(max_abs))
        }
        dt => {
            return Err(bad(format!(
                "the `timestamp` column has type {dt}; use a datetime, RFC 3339 text or integer epoch time"
            )))
        }
    };
    let vcol = column("value")?;
    if !vcol.dtype().is_primitive_numeric() {
        return Err(bad(format!(
            "the `value` column has type {}; it must be numeric",
            vcol.dtype()
        )));
    }
    let values = vcol
        .cast(&DataType::Float64)
        .map_err(|e| bad(e.to_string()))?;
    let values = values.f64().map_err(|e| bad(e.to_string()))?.clone();
    // The rows go to a buffer per metric, whatever their order. A first pass
    // gives each row its metric's slot, looking the name up only where it
    // changes from the row before (once per run when rows are grouped by
    // metric, once per row when they are ordered by time) and counting the
    // rows of each; the second copies each row into buffers reserved to their
    // exact size. No name is copied per row.
    /// Where a label's rows go: a metric's buffers, or a count of unread rows.
    #[derive(Clone, Copy)]
    enum Slot {
        Read(u32),
        Skip,
        Unread(u32),
    }
    const SKIP: u32 = u32::MAX;
    let mut slots: HashMap<&str, Slot, BuildHasherDefault<FxHasher>> = HashMap::default();
    let mut read: Vec<(&str, usize)> = Vec::new();
    let mut unread: Vec<(&str, u64)> = Vec::new();
    let mut row_slot: Vec<u32> = Vec::with_capacity(metric.len());
    let mut last: Option<(&str, Slot)> = None;
    for (row, m) in metric.iter().enumerate() {
        let Some(m) = m else {
            return Err(bad(format!("row {row}: the metric is null")));
        };
        let slot = match last {
            Some((prev, slot)) if prev == m => slot,
            _ => {
                let slot = *slots.entry(m).or_insert_with(|| match names.get(m) {
                    Some(true) => {
                        read.push((m, 0));
                        Slot::Read(read.len() as u32 - 1)
                    }
                    Some(false) => Slot::Skip,
                    None => {
                        unread.push((m, 0));
                        Slot::Unread(unread.len() as u32 - 1)
                    }
                });
                last = Some((m, slot));
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
    let mut cols: Vec<Columns> = read
        .iter()
        .map(|(_, n)| (Vec::with_capacity(*n), Vec::with_capacity(*n)))
        .collect();
    let limit = names.limit;
    let mut copy = |row: usize, t: Option<i64>, v: Option<f64>| -> Result<()> {
        let k = row_slot[row];
        if k == SKIP {
            return Ok(());
        }
        let m = read[k as usize].0;
        let Some(t) = t else {
            return Err(bad(format!("row {row}: metric `{m}` has a null timestamp")));
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
        let (tcol, vcol) = &mut cols[k as usize];
        tcol.push(check_time(path, m, t, limit)?);
        vcol.push(check_value(path, m, t, v)?);
        Ok(())
    };
    if phys.null_count() == 0 && values.null_count() == 0 {
        for (row, (t, v)) in phys
            .into_no_null_iter()
            .zip(values.into_no_null_iter())
            .enumerate()
        {
            copy(row, Some(t), Some(v))?;
        }
    } else {
        for (row, (t, v)) in phys.iter().zip(values.iter()).enumerate() {
            copy(row, t, v)?;
        }
    }
    drop(row_slot);
    let mut out = Chunks::default();
    for ((m, _), c) in read.iter().zip(cols) {
        out.series.insert(m.to_string(), c);
    }
    for (m, n) in unread {
        out.unread.insert(m.to_string(), n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_timestamps_take_their_unit_from_their_size() {
        let t = 1_793_491_200i64; // 2026-11-01
        assert_eq!(integer_unit(t), 1);
        assert_eq!(integer_unit(t * 1_000), 1_000);
        assert_eq!(integer_unit(t * 1_000_000), 1_000_000);
        assert_eq!(integer_unit(t * 1_000_000_000), 1_000_000_000);
        assert_eq!(integer_unit(0), 1);
    }
}
