//! Large files read in batches: the result does not depend on row order or
//! on where batches of row groups begin and end.

use polars::prelude::*;
use slo::model::Metric;
use std::path::Path;

const T0: i64 = 1_761_955_200; // 2025-11-01T00:00:00Z

/// `a`, `b` and `c` at one point a minute for `n` minutes, ordered by time
/// (`a, b, c` of a minute, then the next minute) or grouped by metric, in row
/// groups of `group` rows.
fn write(path: &Path, n: i64, by_time: bool, group: usize) {
    let (mut ts, mut ms, mut vs) = (Vec::new(), Vec::new(), Vec::new());
    let mut push = |m: usize, k: i64| {
        ts.push((T0 + 60 * k) * 1000);
        ms.push(["a", "b", "c"][m]);
        vs.push(((k * 7 + m as i64 * 3) % 1000) as f64);
    };
    if by_time {
        for k in 0..n {
            for m in 0..3 {
                push(m, k);
            }
        }
    } else {
        for m in 0..3 {
            for k in 0..n {
                push(m, k);
            }
        }
    }
    let time = Series::new("timestamp".into(), ts)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap();
    let mut df = DataFrame::new_infer_height(vec![
        time.into(),
        Series::new("metric".into(), ms).into(),
        Series::new("value".into(), vs).into(),
    ])
    .unwrap();
    let f = std::fs::File::create(path).unwrap();
    ParquetWriter::new(f)
        .with_row_group_size(Some(group))
        .finish(&mut df)
        .unwrap();
}

#[test]
fn batches_of_row_groups_read_like_one_whole_file() {
    let cfg = slo::config::parse(
        Path::new("slo.yaml"),
        "version: 1\nservice: s\nsource: { type: files, path: x.parquet }\nmetrics:\n  \
         a: { namespace: N, name: A, stat: Sum }\n  b: { namespace: N, name: B, stat: Sum }\n\
         slos:\n  - { name: s, objective: 99%, window: 30d, sli: { bad: b, total: a } }\n",
    )
    .unwrap();
    let needed: Vec<&Metric> = cfg.needed_queries();
    let dir = tempfile::tempdir().unwrap();
    // 3 × 450,000 rows: batches of about 2^20 rows end inside a metric's run
    // (grouped) and every batch holds every metric (by time).
    let n = 450_000;
    let mut results = Vec::new();
    for (by_time, group) in [
        (true, 65_536),
        (false, 65_536),
        (true, 1_000_000),
        (false, 7_777),
    ] {
        let path = dir.path().join(format!("{by_time}-{group}.parquet"));
        write(&path, n, by_time, group);
        let (data, unread) = slo::source::files::load(&path, &["a", "b"], &needed).unwrap();
        assert_eq!(unread.get("c"), Some(&(n as u64)), "{by_time} {group}");
        for m in ["a", "b"] {
            let s = &data[m];
            assert_eq!(s.len(), n as usize, "{m}");
            assert!(
                s.times().windows(2).all(|w| w[0] + 60 == w[1]),
                "{m} in time order"
            );
        }
        results.push(data);
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "every layout reads the same series"
    );
    let a: f64 = results[0]["a"].values().iter().sum();
    let want: f64 = (0..n).map(|k| ((k * 7) % 1000) as f64).sum();
    assert_eq!(a, want);
}
