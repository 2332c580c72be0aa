//! Each format's two readers agree. Parquet: every shape in fixtures/parquet (made by
//! tools/fixtures/parquet_shapes.py: pyarrow's defaults, PLAIN, data pages
//! v2, every codec, many pages and row groups, a dictionary that falls back
//! to PLAIN, other units and value types, required columns, categoricals,
//! grouped and time-ordered rows) reads the same points and unread labels
//! with the direct reader as with polars. The `general-*` shapes are the
//! ones the direct reader leaves to polars: it must say so, and what slo
//! does with them is what polars does.

use slo::series::TimeSeries;
use slo::source::files::{read_bytes, read_csv_with, read_parquet_with, ParquetReader, Wanted};
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
    Ok(finish(chunks))
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

/// CSV: what both readers make of `text` (`direct`: the direct reader alone).
fn read_csv(text: &[u8], direct: bool) -> Result<Read, String> {
    let path = Path::new("fleet.csv");
    let chunks = read_csv_with(path, text, &wanted(), direct).map_err(|e| e.to_string())?;
    Ok(finish(chunks))
}

fn finish(chunks: slo::source::files::Chunks) -> Read {
    let series = chunks
        .series
        .into_iter()
        .map(|(m, b)| (m, b.finish().unwrap()))
        .collect();
    (series, chunks.unread.into_iter().collect())
}

/// `minutes` of `requests`, `errors_5xx`, `latency_p95` (read by no SLO) and
/// `cpu` (named nowhere), ordered by time or grouped by metric.
fn csv(minutes: i64, by_time: bool, header: &str, order: [usize; 3], eol: &str) -> String {
    // (Ending at 2026-11-01 plus two hours at most: before the "now" of the test.)
    let start = 1_793_491_200 + 7_200 - 60 * minutes.max(120);
    let mut rows = Vec::new();
    let names = ["requests", "errors_5xx", "latency_p95", "cpu"];
    for (m, name) in names.iter().enumerate() {
        for k in 0..minutes {
            if m == 1 && (40..55).contains(&k) {
                continue;
            }
            let t = start + 60 * k;
            let v = match m {
                0 => format!("{}", 1000 + (k * 37) % 400),
                1 => format!("{}", (k * 7) % 5),
                2 => format!("{}", 0.25 + (k % 9) as f64 / 8.0),
                _ => format!("{}.5", 50 + k % 13),
            };
            rows.push((k, m, t, name.to_string(), v));
        }
    }
    if by_time {
        rows.sort_by_key(|r| (r.0, r.1));
    }
    let mut out = format!("{header}{eol}");
    for (_, _, t, name, v) in rows {
        let ts = chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let f = [ts, name, v];
        out.push_str(&format!(
            "{},{},{}{eol}",
            f[order[0]], f[order[1]], f[order[2]]
        ));
    }
    out
}

#[test]
fn both_csv_readers_read_every_shape_alike() {
    let plain = "timestamp,metric,value";
    let shapes: Vec<(&str, String)> = vec![
        ("by time", csv(120, true, plain, [0, 1, 2], "\n")),
        ("grouped", csv(120, false, plain, [0, 1, 2], "\n")),
        ("crlf", csv(120, true, plain, [0, 1, 2], "\r\n")),
        (
            "other order, header in capitals",
            csv(120, true, " Metric , VALUE,Timestamp", [1, 2, 0], "\n"),
        ),
        (
            "no newline at the end",
            csv(120, false, plain, [0, 1, 2], "\n")
                .trim_end()
                .to_string(),
        ),
        // Several blocks of 8 MiB, a line cut at each block's end.
        ("blocks", csv(140_000, true, plain, [0, 1, 2], "\n")),
    ];
    for (name, text) in &shapes {
        let direct = read_csv(text.as_bytes(), true).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            Ok(direct.clone()),
            read_csv(text.as_bytes(), false),
            "{name}"
        );
        let (series, unread) = direct;
        let minutes = if *name == "blocks" { 140_000 } else { 120 };
        assert_eq!(series["requests"].len(), minutes, "{name}");
        assert!(series["requests"].grid().is_some(), "{name}");
        assert_eq!(series["errors_5xx"].len(), minutes - 15, "{name}");
        assert!(!series.contains_key("latency_p95"), "{name}");
        assert_eq!(unread["cpu"], minutes as u64, "{name}");
    }
    // What the direct reader leaves: the general reader reads it (or names
    // what is wrong), and slo does what it does.
    let base = csv(60, true, plain, [0, 1, 2], "\n");
    let with = |from: &str, to: &str| base.replacen(from, to, 1);
    let left: Vec<(&str, Vec<u8>)> = vec![
        (
            "a quoted field",
            with(",requests,", ",\"requests\",").into_bytes(),
        ),
        ("a blank line", with("\n", "\n\n").into_bytes()),
        (
            "a field with space",
            with(",requests,", ", requests,").into_bytes(),
        ),
        (
            "a carriage return",
            with(",requests,", ",req\ruests,").into_bytes(),
        ),
        (
            "a bad timestamp",
            with("2026-11-01T00:00:00Z,requests", "2026-11-01 0:00,requests").into_bytes(),
        ),
        (
            "a far-future time",
            with(
                "2026-11-01T00:00:00Z,requests",
                "2027-11-01T00:00:00Z,requests",
            )
            .into_bytes(),
        ),
        (
            "a negative value",
            with(",errors_5xx,0", ",errors_5xx,-1").into_bytes(),
        ),
        (
            "a value that is no number",
            with(",errors_5xx,0", ",errors_5xx,zero").into_bytes(),
        ),
        (
            "a short record",
            with(",errors_5xx,0\n", ",errors_5xx\n").into_bytes(),
        ),
        ("a byte-order mark", format!("\u{feff}{base}").into_bytes()),
        ("text not in UTF-8", {
            let mut b = base.clone().into_bytes();
            let at = b.len() - 3;
            b[at] = 0xff;
            b
        }),
    ];
    for (name, bytes) in &left {
        let err = read_csv(bytes, true).unwrap_err();
        assert!(err.contains("the direct reader leaves it"), "{name}: {err}");
        let any = read_bytes(Path::new("fleet.csv"), bytes, &wanted())
            .map(finish)
            .map_err(|e| e.to_string());
        assert_eq!(any, read_csv(bytes, false), "{name}");
    }
}
