//! The two Parquet readers agree: every shape in fixtures/parquet (made by
//! tools/fixtures/parquet_shapes.py: pyarrow's defaults, PLAIN, data pages
//! v2, every codec, many pages and row groups, a dictionary that falls back
//! to PLAIN, other units and value types, required columns, categoricals,
//! grouped and time-ordered rows) reads the same points and unread labels
//! with the direct reader as with polars. The `general-*` shapes are the
//! ones the direct reader leaves to polars: it must say so, and what slo
//! does with them is what polars does.

use slo::series::TimeSeries;
use slo::source::files::{read_parquet_with, ParquetReader, Wanted};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A reader's result: each metric's points, and the unread labels' rows.
type Read = (BTreeMap<String, TimeSeries>, BTreeMap<String, u64>);

fn wanted() -> Wanted<'static> {
    Wanted::new(
        ["requests", "errors_5xx", "latency_p95"],
        &[("requests", 60), ("errors_5xx", 60)],
        1_796_083_200, // 2026-12-01
    )
}

fn read(path: &Path, how: ParquetReader) -> Result<Read, String> {
    let f = std::fs::File::open(path).unwrap();
    let chunks = read_parquet_with(path, f, &wanted(), how).map_err(|e| e.to_string())?;
    let series = chunks
        .series
        .into_iter()
        .map(|(m, b)| (m, b.finish().unwrap()))
        .collect();
    Ok((series, chunks.unread.into_iter().collect()))
}

fn shapes() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parquet");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 25, "{} shapes", files.len());
    files
}

#[test]
fn both_readers_read_every_shape_alike() {
    let mut direct = 0;
    for path in shapes() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let general = read(&path, ParquetReader::General);
        let any = read(&path, ParquetReader::Any);
        assert_eq!(any, general, "{name}: slo reads what polars reads");
        if name.starts_with("general-") {
            let err = read(&path, ParquetReader::Direct).unwrap_err();
            assert!(err.contains("the direct reader leaves it"), "{name}: {err}");
            continue;
        }
        let (series, unread) = read(&path, ParquetReader::Direct)
            .unwrap_or_else(|e| panic!("{name}: the direct reader: {e}"));
        assert_eq!(Ok((series.clone(), unread.clone())), general, "{name}");
        // The points themselves: 120 minutes of requests, errors_5xx with
        // a 15-minute gap (none in the shape without gaps), on a grid.
        let requests = &series["requests"];
        assert_eq!(requests.len(), 120, "{name}");
        assert!(requests.grid().is_some(), "{name}: a grid");
        let errors = series["errors_5xx"].len();
        assert!(errors == 105 || errors == 120, "{name}: {errors}");
        assert!(
            !series.contains_key("latency_p95"),
            "{name}: read by no SLO"
        );
        let cpu = unread["cpu"];
        assert!(cpu == 90 || cpu == 120, "{name}: {cpu}");
        direct += 1;
    }
    assert!(direct >= 20, "{direct} shapes read directly");
}

#[test]
fn a_bad_row_is_named_by_the_general_reader() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parquet");
    let null = read(&dir.join("general-null-value.parquet"), ParquetReader::Any).unwrap_err();
    assert!(
        null.contains("errors_5xx") && null.contains("null"),
        "{null}"
    );
    let neg = read(
        &dir.join("general-negative-value.parquet"),
        ParquetReader::Any,
    )
    .unwrap_err();
    assert!(
        neg.contains("errors_5xx") && neg.contains("value -1 is negative"),
        "{neg}"
    );
}
