//! What the columns of a Parquet data file may be, checked from the schema
//! before anything is decoded, and the unit of integer timestamps.

use crate::error::{Error, Result};
use std::path::Path;

/// The unit of an integer `timestamp` column, from its magnitude: epoch
/// seconds, milliseconds, microseconds or nanoseconds (pandas' `int64` view of
/// a datetime). Every time from 1973 to 5138 has one reading only.
pub(super) fn integer_unit(max_abs: i64) -> i64 {
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
pub(super) fn check_parquet_schema(
    path: &Path,
    schema: &polars::prelude::ArrowSchema,
) -> Result<()> {
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
