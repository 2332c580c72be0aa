//! The entries of the fuzz targets (`fuzz/`, cargo fuzz) and of the test that
//! replays their corpora (`tests/fuzz_corpus.rs`): each feeds bytes to a real
//! reader and must return, never panic, whatever the bytes.

use crate::source::files::{read_bytes, Wanted};
use std::path::Path;

/// The current time the readers judge "far future" against: fixed, so a
/// corpus replays the same way on any day.
const NOW: i64 = 1_796_083_200; // 2026-12-01

fn wanted() -> Wanted<'static> {
    Wanted::new(
        ["requests", "errors_5xx", "latency_p95"],
        &[("requests", 60), ("errors_5xx", 60)],
        NOW,
    )
}

/// slo.yaml: parse and validate; a valid file is also evaluated on no data.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = crate::config::parse(Path::new("slo.yaml"), text) {
        let _ = crate::compute::evaluate(
            &cfg,
            &crate::series::DataSet::new(),
            &crate::compute::EvalOptions {
                as_of: NOW,
                as_of_requested: None,
                series_range: 3_600,
                series_step: 3_600,
                history: 2,
            },
        );
    }
}

/// A metric-math expression.
pub fn expression(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(e) = crate::config::expr::parse(text) {
            let _ = e.operands();
        }
    }
}

fn file(name: &str, data: &[u8]) {
    if let Ok(chunks) = read_bytes(Path::new(name), data, &wanted()) {
        for points in chunks.series.into_values() {
            let _ = points.finish();
        }
    }
}

/// What `aws cloudwatch get-metric-data` prints.
pub fn json(data: &[u8]) {
    file("fuzz.json", data)
}

/// `timestamp,metric,value` CSV.
pub fn csv(data: &[u8]) {
    file("fuzz.csv", data)
}

/// `timestamp,metric,value` Parquet.
pub fn parquet(data: &[u8]) {
    file("fuzz.parquet", data)
}

/// A cache entry: two bytes of sidecar length (big-endian), the sidecar
/// JSON, then the Parquet file of points.
pub fn cache(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let n = u16::from_be_bytes([data[0], data[1]]) as usize;
    let rest = &data[2..];
    let (side, points) = rest.split_at(n.min(rest.len()));
    let _ = crate::source::cache::decode(
        &cache_key(),
        side,
        Path::new("fuzz.parquet"),
        std::io::Cursor::new(points.to_vec()),
    );
}

/// The key every cache seed is written for.
pub fn cache_key() -> crate::source::cloudwatch::key::CacheKey {
    crate::source::cloudwatch::key::CacheKey {
        namespace: "AWS/ApplicationELB".into(),
        name: "RequestCount".into(),
        dimensions: [("LoadBalancer".to_string(), "app/x/1".to_string())].into(),
        stat: "Sum".into(),
        period: 60,
        region: "us-east-1".into(),
        endpoint: String::new(),
        profile: String::new(),
    }
}
