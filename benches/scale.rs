//! `cargo bench --bench scale`: a fleet in one long file, in the layouts users
//! have (issue 10).
//!
//! N services (default 1,000; `SLO_SCALE_SERVICES`) × 2 metrics (`requests`,
//! `errors_5xx`) × 35 days at 1 minute, 2 SLOs per service (availability
//! 99.9 % over 30 days, error rate 99 % over 1 day), in one Parquet file
//! `timestamp, metric, value` written two ways:
//!
//! - grouped: the rows of one metric together, a row group per metric;
//! - by time: every metric of a minute, then the next minute, a row group
//!   per day (what a time-ordered export or an Athena dump writes).
//!
//! and, at a tenth of N, as CSV ordered by time and as AWS CLI JSON. For each
//! it runs the release binary, `slo report --format json`, and prints wall
//! time, peak RSS (from the kernel, via /usr/bin/time), ns per point, peak
//! against the raw series at 16 bytes a point, and input MB/s; and, where
//! pandas and pyarrow are installed, the same numbers from
//! `benches/scale_pandas.py` on the same file, for the ratio.
//!
//! Data is generated once into `target/bench-data/scale-*` (deterministic).
//! `SLO_SCALE_SERVICES=5000 SLO_SCALE_PANDAS=0 cargo bench --bench scale` is
//! the 504 M-value fleet.

use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const END: i64 = 1_795_392_000; // 2026-11-23T00:00:00Z
const DAYS: i64 = 35;
const MINUTES: i64 = DAYS * 1440;

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

fn bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release/slo")
}

/// The value of metric `m` (0 requests, 1 errors) of service `s` at minute `k`:
/// deterministic, a daily cycle, an error burst on some services.
fn value(s: usize, m: usize, k: i64) -> f64 {
    let h = (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (k as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let noise = (h >> 40) % 50;
    let req = 1_000 + ((k % 1440) - 720).unsigned_abs() + noise;
    if m == 0 {
        req as f64
    } else {
        let burst = s.is_multiple_of(7) && (k % 10_000) < 90;
        (if burst { req / 20 } else { (h >> 20) % 3 }) as f64
    }
}

fn name(s: usize, m: usize) -> String {
    format!("s{s}_{}", ["requests", "errors_5xx"][m])
}

fn frame(ts: Vec<i64>, ms: Vec<String>, vs: Vec<f64>) -> DataFrame {
    let time = Series::new("timestamp".into(), ts)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .expect("cast");
    DataFrame::new_infer_height(vec![
        time.into(),
        Series::new("metric".into(), ms).into(),
        Series::new("value".into(), vs).into(),
    ])
    .expect("frame")
}

/// One Parquet file of `services`, grouped by metric or ordered by time.
fn parquet(path: &Path, services: usize, by_time: bool) {
    let start = END - MINUTES * 60;
    let tmp = path.with_extension("tmp");
    let f = std::fs::File::create(&tmp).expect("create");
    let schema = frame(vec![], vec![], vec![]).schema().as_ref().clone();
    let mut w = ParquetWriter::new(f)
        .with_compression(ParquetCompression::Snappy)
        .batched(&schema)
        .expect("writer");
    if by_time {
        for day in 0..DAYS {
            let (mut ts, mut ms, mut vs) = (Vec::new(), Vec::new(), Vec::new());
            let names: Vec<String> = (0..services)
                .flat_map(|s| [name(s, 0), name(s, 1)])
                .collect();
            for k in day * 1440..(day + 1) * 1440 {
                for s in 0..services {
                    for m in 0..2 {
                        ts.push((start + k * 60) * 1000);
                        ms.push(names[2 * s + m].clone());
                        vs.push(value(s, m, k));
                    }
                }
            }
            w.write_batch(&frame(ts, ms, vs)).expect("write");
        }
    } else {
        for s in 0..services {
            for m in 0..2 {
                let n = name(s, m);
                let ts: Vec<i64> = (0..MINUTES).map(|k| (start + k * 60) * 1000).collect();
                let vs: Vec<f64> = (0..MINUTES).map(|k| value(s, m, k)).collect();
                w.write_batch(&frame(ts, vec![n; MINUTES as usize], vs))
                    .expect("write");
            }
        }
    }
    w.finish().expect("finish");
    std::fs::rename(&tmp, path).expect("rename");
}

/// CSV ordered by time.
fn csv(path: &Path, services: usize) {
    use std::io::Write;
    let start = END - MINUTES * 60;
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create"));
    writeln!(f, "timestamp,metric,value").expect("write");
    for k in 0..MINUTES {
        let t = chrono::DateTime::from_timestamp(start + k * 60, 0)
            .expect("time")
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        for s in 0..services {
            for m in 0..2 {
                writeln!(f, "{t},{},{}", name(s, m), value(s, m, k)).expect("write");
            }
        }
    }
    f.flush().expect("flush");
    drop(f);
    std::fs::rename(&tmp, path).expect("rename");
}

/// What `aws cloudwatch get-metric-data` prints, one file for the fleet.
fn json(path: &Path, services: usize) {
    use std::io::Write;
    let start = END - MINUTES * 60;
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create"));
    write!(f, "{{\"MetricDataResults\": [").expect("write");
    for s in 0..services {
        for m in 0..2 {
            if s + m > 0 {
                write!(f, ",").expect("write");
            }
            write!(
                f,
                "{{\"Id\": \"{0}\", \"Label\": \"{0}\", \"Timestamps\": [",
                name(s, m)
            )
            .expect("write");
            for k in (0..MINUTES).rev() {
                let t = chrono::DateTime::from_timestamp(start + k * 60, 0)
                    .expect("time")
                    .format("%Y-%m-%dT%H:%M:%S+00:00");
                write!(f, "{}\"{t}\"", if k + 1 < MINUTES { "," } else { "" }).expect("write");
            }
            write!(f, "], \"Values\": [").expect("write");
            for k in (0..MINUTES).rev() {
                write!(
                    f,
                    "{}{}",
                    if k + 1 < MINUTES { "," } else { "" },
                    value(s, m, k)
                )
                .expect("write");
            }
            write!(f, "], \"StatusCode\": \"Complete\"}}").expect("write");
        }
    }
    writeln!(f, "], \"Messages\": []}}").expect("write");
    f.flush().expect("flush");
    drop(f);
    std::fs::rename(&tmp, path).expect("rename");
}

fn config(path: &Path, data: &str, services: usize) {
    let mut o =
        format!("version: 1\nservice: fleet\nsource: {{ type: files, path: {data} }}\nmetrics:\n");
    for s in 0..services {
        for (m, cw) in [(0, "RequestCount"), (1, "HTTPCode_Target_5XX_Count")] {
            o.push_str(&format!(
                "  {}: {{ namespace: AWS/ApplicationELB, name: {cw}, dimensions: {{ Service: s{s} }}, stat: Sum }}\n",
                name(s, m)
            ));
        }
    }
    o.push_str("slos:\n");
    for s in 0..services {
        o.push_str(&format!(
            "  - {{ name: s{s}-availability, objective: 99.9%, window: 30d, sli: {{ bad: {}, total: {} }} }}\n",
            name(s, 1),
            name(s, 0)
        ));
        o.push_str(&format!(
            "  - {{ name: s{s}-error-rate, objective: 99%, window: 1d, sli: {{ bad: {}, total: {} }} }}\n",
            name(s, 1),
            name(s, 0)
        ));
    }
    std::fs::write(path, o).expect("config");
}

/// Wall seconds and peak RSS bytes of a command.
fn measure(cmd: &mut Command) -> (f64, u64, String) {
    let t = Instant::now();
    let out = cmd.output().expect("run");
    let wall = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let rss = err
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0);
    assert!(out.status.success(), "{cmd:?} failed: {err}");
    (wall, rss, String::from_utf8_lossy(&out.stdout).to_string())
}

/// `slo report --format json` of `config` (and `--out DIR`): the best wall
/// time of three runs and its peak RSS.
fn slo_best_of_three(config: &Path, out: Option<&Path>) -> (f64, u64) {
    let mut best = (f64::MAX, 0u64);
    for _ in 0..3 {
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args(["-f", "%M"])
            .arg(bin())
            .args(["report", "--format", "json", "--quiet", "--as-of"])
            .arg("2026-11-23T00:00:00Z")
            .arg("--config")
            .arg(config);
        if let Some(dir) = out {
            cmd.arg("--out").arg(dir);
        }
        let (wall, rss, _) = measure(&mut cmd);
        if wall < best.0 {
            best = (wall, rss);
        }
    }
    best
}

struct Case {
    label: String,
    services: usize,
    file: PathBuf,
    config: PathBuf,
    pandas: bool,
}

fn main() {
    let services: usize = std::env::var("SLO_SCALE_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let small = (services / 10).max(1);
    let dir = data_dir().join(format!("scale-{services}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut cases = Vec::new();
    for (label, file, n, pandas) in [
        (
            "Parquet, grouped by metric",
            "grouped.parquet",
            services,
            true,
        ),
        (
            "Parquet, ordered by time",
            "by-time.parquet",
            services,
            true,
        ),
        ("CSV, ordered by time", "by-time.csv", small, false),
        ("AWS CLI JSON", "fleet.json", small, false),
    ] {
        let path = dir.join(file);
        if !path.exists() {
            let t = Instant::now();
            match file {
                "grouped.parquet" => parquet(&path, n, false),
                "by-time.parquet" => parquet(&path, n, true),
                "by-time.csv" => csv(&path, n),
                _ => json(&path, n),
            }
            eprintln!(
                "generated {} in {:.1} s",
                path.display(),
                t.elapsed().as_secs_f64()
            );
        }
        let cfg = dir.join(format!("slo-{file}.yaml"));
        config(&cfg, file, n);
        cases.push(Case {
            label: label.into(),
            services: n,
            file: path,
            config: cfg,
            pandas,
        });
    }
    // Freshly generated files are still being written back to disk: wait,
    // or the first runs pay for it.
    let _ = Command::new("sync").status();
    // SLO_SCALE_PANDAS=0 skips the baseline (at 5,000 services pandas needs
    // about 90 GB).
    let want_pandas = std::env::var("SLO_SCALE_PANDAS").map_or(true, |v| v != "0");
    let has_pandas = want_pandas
        && Command::new("python3")
            .args(["-c", "import pandas, pyarrow"])
            .status()
            .is_ok_and(|s| s.success());
    if want_pandas && !has_pandas {
        eprintln!("pandas/pyarrow not found (pip install pandas pyarrow): no baseline");
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/scale_pandas.py");
    println!(
        "| input | values | SLOs | file | slo wall | ns/point | MB/s | slo peak RSS | peak / raw (16 B/point) | pandas wall | pandas peak | pandas / slo |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &cases {
        let points = (c.services as i64 * 2 * MINUTES) as f64;
        let bytes = std::fs::metadata(&c.file).map(|m| m.len()).unwrap_or(0) as f64;
        // Best of three runs (the machine is noisy); the page cache is warm.
        let (wall, rss) = slo_best_of_three(&c.config, None);
        let (pw, prss) = if c.pandas && has_pandas {
            let (pwall, prss, _) = measure(
                Command::new("/usr/bin/time")
                    .args(["-f", "%M", "python3"])
                    .arg(&script)
                    .arg(&c.file)
                    .arg(END.to_string())
                    .arg(c.services.to_string()),
            );
            (Some(pwall), Some(prss))
        } else {
            (None, None)
        };
        let gb = |b: u64| format!("{:.2} GB", b as f64 / 1e9);
        println!(
            "| {} | {:.1} M | {} | {:.0} MB | {:.2} s | {:.1} | {:.0} | {} | {:.2}× | {} | {} | {} |",
            c.label,
            points / 1e6,
            c.services * 2,
            bytes / 1e6,
            wall,
            wall * 1e9 / points,
            bytes / 1e6 / wall,
            gb(rss),
            rss as f64 / (points * 16.0),
            pw.map(|s| format!("{s:.1} s")).unwrap_or("–".into()),
            prss.map(gb).unwrap_or("–".into()),
            pw.map(|s| format!("{:.1}×", s / wall)).unwrap_or("–".into()),
        );
    }
    // The wiki folder of the whole fleet: every SLO's four charts, the
    // overview, report.md and report.json (best of three; the folder is
    // replaced in place the second time, as a weekly job does).
    let by_time = cases
        .iter()
        .find(|c| c.file.ends_with("by-time.parquet"))
        .expect("the time-ordered case");
    let out = dir.join("out");
    let best = slo_best_of_three(&by_time.config, Some(&out));
    let (files, bytes) = std::fs::read_dir(&out)
        .expect("the report folder")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .fold((0u64, 0u64), |(n, b), m| (n + 1, b + m.len()));
    let overview = std::fs::read(out.join("overview.png")).unwrap_or_default();
    let size = |at: usize| {
        overview
            .get(at..at + 4)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    println!();
    println!(
        "`slo report --out` for {} SLOs: {:.2} s, peak {:.2} GB, {files} files, {:.0} MB; overview {} × {} px",
        by_time.services * 2,
        best.0,
        best.1 as f64 / 1e9,
        bytes as f64 / 1e6,
        size(16),
        size(20),
    );
}
