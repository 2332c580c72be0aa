//! `*.parquet`: `timestamp`, `metric`, `value` columns, as pandas, pyarrow,
//! polars or Athena write them; the schema is checked before anything is
//! decoded.

use super::values::{check_time, check_value, copy_run, parse_timestamp};
use super::{Chunks, Wanted};
use crate::error::{Error, Result};
use crate::series::fmt_time;
use std::path::Path;

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
    // Rows of one metric usually stand together: find the runs, then copy
    // each kept run's columns at once.
    let mut out = Chunks::default();
    let mut names_iter = metric.iter().enumerate().peekable();
    while let Some((start, m)) = names_iter.next() {
        let Some(m) = m else {
            return Err(bad(format!("row {start}: the metric is null")));
        };
        let mut end = start + 1;
        while let Some((_, Some(next))) = names_iter.peek() {
            if *next != m {
                break;
            }
            names_iter.next();
            end += 1;
        }
        let len = end - start;
        if !names.keep(m, len as u64, &mut out.unread) {
            continue;
        }
        let ts = phys.slice(start as i64, len);
        let vs = values.slice(start as i64, len);
        let (tcol, vcol) = out.series.entry(m.to_string()).or_default();
        tcol.reserve(len);
        vcol.reserve(len);
        let limit = names.limit;
        if ts.null_count() == 0 && vs.null_count() == 0 {
            // The division by a constant compiles to a multiplication.
            let rows = ts.into_no_null_iter().zip(vs.into_no_null_iter());
            match div {
                1 => copy_run::<1>(rows, tcol, vcol, path, m, limit)?,
                1_000 => copy_run::<1_000>(rows, tcol, vcol, path, m, limit)?,
                1_000_000 => copy_run::<1_000_000>(rows, tcol, vcol, path, m, limit)?,
                _ => copy_run::<1_000_000_000>(rows, tcol, vcol, path, m, limit)?,
            }
        } else {
            for (k, (t, v)) in ts.iter().zip(vs.iter()).enumerate() {
                let Some(t) = t.map(|t| t.div_euclid(div)) else {
                    return Err(bad(format!(
                        "row {}: metric `{m}` has a null timestamp",
                        start + k
                    )));
                };
                let Some(v) = v else {
                    return Err(bad(format!(
                        "metric `{m}` at {}: the value is null",
                        fmt_time(t)
                    )));
                };
                tcol.push(check_time(path, m, t, limit)?);
                vcol.push(check_value(path, m, t, v)?);
            }
        }
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
