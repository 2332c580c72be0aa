//! Deterministic sample data: the bundled sample of the repository's slo.yaml
//! (35 days at 1 minute of an ALB in front of the seed's FastAPI backend, with a
//! diurnal cycle, weekends, two incidents, a traffic drop and a gap), and fleets
//! of such services for the benchmarks. Same arguments, same bytes.
//!
//! A development tool, not part of slo: the tests, the benchmarks and
//! `cargo run --release --example generate` include this file.

#![allow(dead_code)] // each includer uses a part

use polars::prelude::ParquetCompression;
use slo::error::{Error, Result};
use slo::series::fmt_time;
use std::fmt::Write as _;
use std::path::Path;

/// The end of the bundled sample (and the default `--end`).
pub const SAMPLE_END: &str = "2026-11-23T00:00:00Z";

/// splitmix64: small, fast and good enough for synthetic traffic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal (Irwin–Hall of 4), mean 0, sd 1.
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

/// One service's five series, per minute.
pub struct ServiceData {
    pub ts: Vec<i64>,
    pub requests: Vec<f64>,
    pub errors_5xx: Vec<Option<f64>>,
    pub fast_requests: Vec<f64>,
    pub latency_samples: Vec<f64>,
    pub latency_p95: Vec<Option<f64>>,
}

/// Generates `days` of 1-minute data ending at `end` for service number `seed`.
pub fn service(seed: u64, end: i64, days: i64) -> ServiceData {
    let mut rng = Rng(0x5EED_0000 + seed);
    let n = (days * 1440) as usize;
    let start = end - days * 86_400;
    let scale = 1.0 + (seed % 7) as f64 * 0.15;
    // Incidents, relative to the end so fleets of any length carry them.
    let inc1 = (
        end - 11 * 86_400 + 14 * 3600 + 600,
        end - 11 * 86_400 + 14 * 3600 + 3300,
    );
    let inc2 = (
        end - 2 * 86_400 + 9 * 3600 + 1800,
        end - 2 * 86_400 + 10 * 3600 + 2400,
    );
    let drop = (end - 86_400 + 2 * 3600, end - 86_400 + 2 * 3600 + 2400);
    let gap = (
        end - 5 * 86_400 + 3 * 3600,
        end - 5 * 86_400 + 3 * 3600 + 1200,
    );
    let mut d = ServiceData {
        ts: Vec::with_capacity(n),
        requests: Vec::with_capacity(n),
        errors_5xx: Vec::with_capacity(n),
        fast_requests: Vec::with_capacity(n),
        latency_samples: Vec::with_capacity(n),
        latency_p95: Vec::with_capacity(n),
    };
    let within = |t: i64, w: (i64, i64)| t >= w.0 && t < w.1;
    for k in 0..n {
        let t = start + k as i64 * 60;
        let hour = (t.rem_euclid(86_400)) as f64 / 3600.0;
        let weekday = ((t.div_euclid(86_400) + 3).rem_euclid(7)) as u32; // 0 = Monday
        let weekend = if weekday >= 5 { 0.8 } else { 1.0 };
        let diurnal = 1.0 + 0.45 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin();
        let mut rps = 280.0 * scale * diurnal * weekend * (1.0 + 0.04 * rng.normal());
        let mut err_rate = 0.0003 * (1.0 + 0.5 * rng.unit());
        let mut slow_share = 0.004 * (1.0 + 0.5 * rng.unit());
        let mut p95 = 0.45 + 0.08 * rng.normal().abs();
        if within(t, inc1) {
            err_rate = 0.06;
            slow_share = 0.12;
            p95 = 3.2 + 0.3 * rng.unit();
        }
        if within(t, inc2) {
            err_rate = 0.008;
            slow_share = 0.07;
            p95 = 2.3 + 0.2 * rng.unit();
        }
        if within(t, drop) {
            rps = 60.0 * (1.0 + 0.1 * rng.normal());
            err_rate = 0.02;
        }
        let requests = (rps * 60.0).round().max(0.0);
        let errors = (requests * err_rate + rng.unit()).floor();
        let slow = (requests * slow_share + rng.unit()).floor().min(requests);
        d.ts.push(t);
        d.requests.push(requests);
        // CloudWatch publishes no 5XX datapoint in a minute without errors.
        d.errors_5xx.push((errors > 0.0).then_some(errors));
        d.latency_samples.push(requests);
        d.fast_requests.push(requests - slow);
        d.latency_p95
            .push((!within(t, gap)).then_some((p95 * 1e4).round() / 1e4));
    }
    d
}

/// The names of a service's metrics: the seed's, prefixed for fleets.
fn names(prefix: &str) -> [String; 5] {
    [
        "requests",
        "errors_5xx",
        "fast_requests",
        "latency_samples",
        "latency_p95",
    ]
    .map(|n| format!("{prefix}{n}"))
}

fn columns(d: &ServiceData) -> [Vec<Option<f64>>; 5] {
    [
        d.requests.iter().map(|v| Some(*v)).collect(),
        d.errors_5xx.clone(),
        d.fast_requests.iter().map(|v| Some(*v)).collect(),
        d.latency_samples.iter().map(|v| Some(*v)).collect(),
        d.latency_p95.clone(),
    ]
}

/// Writes the sample (`services == 0`) or a fleet into `dir`.
pub fn write(
    dir: &Path,
    services: usize,
    days: i64,
    end: &str,
    format: &str,
    force: bool,
) -> Result<()> {
    let end = slo::config::parse_time(end)
        .map_err(Error::usage)?
        .timestamp();
    let end = end - end.rem_euclid(60);
    if days <= 0 {
        return Err(Error::usage("--days must be positive"));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::output(format!("{}: {e}", dir.display())))?;
    if !force {
        let mut names: Vec<String> = if services == 0 {
            vec![format!("alb.{format}")]
        } else {
            (0..services).map(|i| format!("s{i}.{format}")).collect()
        };
        if services > 0 {
            names.push("slo.yaml".into());
        }
        if let Some(n) = names.iter().find(|n| dir.join(n).exists()) {
            return Err(Error::usage(format!(
                "--dir {}: {n} is already there; pass --force to replace it, or choose another --dir",
                dir.display()
            )));
        }
    }
    let list: Vec<(u64, String)> = if services == 0 {
        vec![(0, String::new())]
    } else {
        (0..services)
            .map(|i| (i as u64, format!("s{i}_")))
            .collect()
    };
    for (seed, prefix) in &list {
        let d = service(*seed, end, days);
        let stem = if prefix.is_empty() {
            "alb".to_string()
        } else {
            prefix.trim_end_matches('_').to_string()
        };
        let bytes = match format {
            // The bundled sample is kept small (zstd); fleets are read fast
            // (snappy, the codec most writers default to).
            "parquet" if services == 0 => parquet(&d, prefix, ParquetCompression::Zstd(None))?,
            "parquet" => parquet(&d, prefix, ParquetCompression::Snappy)?,
            "json" => json(&d, prefix).into_bytes(),
            "csv" => csv(&d, prefix).into_bytes(),
            other => {
                return Err(Error::usage(format!(
                    "--format {other}: use parquet, json or csv"
                )))
            }
        };
        slo::report::output::write_atomic(&dir.join(format!("{stem}.{format}")), &bytes)?;
    }
    if services > 0 {
        slo::report::output::write_atomic(
            &dir.join("slo.yaml"),
            fleet_config(services, format).as_bytes(),
        )?;
    }
    Ok(())
}

fn parquet(d: &ServiceData, prefix: &str, compression: ParquetCompression) -> Result<Vec<u8>> {
    use polars::prelude::*;
    let (mut ts, mut metric, mut value) = (Vec::new(), Vec::new(), Vec::new());
    for (name, col) in names(prefix).iter().zip(columns(d)) {
        for (t, v) in d.ts.iter().zip(col) {
            if let Some(v) = v {
                ts.push(t * 1000);
                metric.push(name.clone());
                value.push(v);
            }
        }
    }
    let err = |e: PolarsError| Error::output(format!("parquet: {e}"));
    let time = Series::new("timestamp".into(), ts)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .map_err(err)?;
    let mut df = DataFrame::new_infer_height(vec![
        time.into(),
        Series::new("metric".into(), metric).into(),
        Series::new("value".into(), value).into(),
    ])
    .map_err(err)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(compression)
        .finish(&mut df)
        .map_err(err)?;
    Ok(buf)
}

/// What `aws cloudwatch get-metric-data` prints: newest first.
fn json(d: &ServiceData, prefix: &str) -> String {
    let mut o = String::from("{\n    \"MetricDataResults\": [\n");
    let results: Vec<String> = names(prefix)
        .iter()
        .zip(columns(d))
        .map(|(name, col)| {
            let pts: Vec<(i64, f64)> = d.ts.iter().zip(col).filter_map(|(t, v)| v.map(|v| (*t, v))).rev().collect();
            let mut r = format!("        {{\n            \"Id\": \"{name}\",\n            \"Label\": \"{name}\",\n            \"Timestamps\": [\n");
            let ts: Vec<String> = pts
                .iter()
                .map(|(t, _)| format!("                \"{}\"", fmt_time(*t).replace('Z', "+00:00")))
                .collect();
            r.push_str(&ts.join(",\n"));
            r.push_str("\n            ],\n            \"Values\": [\n");
            let vs: Vec<String> = pts.iter().map(|(_, v)| format!("                {v:?}")).collect();
            r.push_str(&vs.join(",\n"));
            r.push_str("\n            ],\n            \"StatusCode\": \"Complete\"\n        }");
            r
        })
        .collect();
    o.push_str(&results.join(",\n"));
    o.push_str("\n    ],\n    \"Messages\": []\n}\n");
    o
}

fn csv(d: &ServiceData, prefix: &str) -> String {
    let mut o = String::from("timestamp,metric,value\n");
    for (name, col) in names(prefix).iter().zip(columns(d)) {
        for (t, v) in d.ts.iter().zip(col) {
            if let Some(v) = v {
                let _ = writeln!(o, "{},{name},{v}", fmt_time(*t));
            }
        }
    }
    o
}

/// slo.yaml for a fleet: four SLOs like the seed's per service.
pub fn fleet_config(services: usize, format: &str) -> String {
    let _ = format;
    let mut o =
        String::from("version: 1\nservice: fleet\nsource: { type: files, path: . }\nmetrics:\n");
    for i in 0..services {
        let p = format!("s{i}_");
        for (n, stat) in [
            ("requests", "Sum"),
            ("errors_5xx", "Sum"),
            ("fast_requests", "TC(:2)"),
            ("latency_samples", "SampleCount"),
            ("latency_p95", "p95"),
        ] {
            let metric = if n.starts_with("requests") {
                "RequestCount"
            } else if n.starts_with("errors") {
                "HTTPCode_Target_5XX_Count"
            } else {
                "TargetResponseTime"
            };
            let _ = writeln!(
                o,
                "  {p}{n}: {{ namespace: AWS/ApplicationELB, name: {metric}, dimensions: {{ LoadBalancer: app/svc-{i}/0 }}, stat: \"{stat}\" }}"
            );
        }
        let _ = writeln!(
            o,
            "  {p}good_requests: {{ expression: {p}requests - {p}errors_5xx }}"
        );
    }
    o.push_str("slos:\n");
    for i in 0..services {
        let p = format!("s{i}_");
        let _ = writeln!(o, "  - {{ name: s{i}-availability, objective: 99.9%, window: 30d, sli: {{ good: {p}good_requests, total: {p}requests }} }}");
        let _ = writeln!(o, "  - {{ name: s{i}-latency, objective: 95%, window: 7d, sli: {{ good: {p}fast_requests, total: {p}latency_samples }} }}");
        let _ = writeln!(o, "  - {{ name: s{i}-throughput, objective: 99%, window: 1d, sli: {{ timeslice: {{ metric: {p}requests, per_second: true, op: \">\", threshold: 100, missing: bad }} }} }}");
        let _ = writeln!(o, "  - {{ name: s{i}-error-rate, objective: 99%, window: 1d, sli: {{ bad: {p}errors_5xx, total: {p}requests }} }}");
    }
    o
}

#[cfg(test)]
#[allow(clippy::unwrap_used, unused_imports)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        slo::config::parse_time(s).unwrap().timestamp()
    }

    #[test]
    fn deterministic_and_shaped() {
        let end = at("2026-11-23T00:00:00Z");
        let a = service(0, end, 2);
        let b = service(0, end, 2);
        assert_eq!(a.requests, b.requests);
        assert_eq!(a.ts.len(), 2880);
        assert_eq!(*a.ts.last().unwrap(), end - 60);
        assert!(a.fast_requests.iter().zip(&a.requests).all(|(f, r)| f <= r));
        // The traffic drop of the last day is below 100 requests per second.
        let i =
            a.ts.iter()
                .position(|t| *t == end - 86_400 + 2 * 3600 + 60)
                .unwrap();
        assert!(a.requests[i] / 60.0 < 100.0);
        assert!(a.latency_p95.iter().any(|v| v.is_none()) || a.ts.len() < 5 * 1440);
    }
}
