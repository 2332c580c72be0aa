//! `cargo bench --bench prometheus`: what a Prometheus fetch costs (issue 12).
//!
//! 100 counter series (`http_requests_total` of 50 instances × status 200 and
//! 500) scraped every 30 s for 33 days up to T, in a real Prometheus (Debian's
//! 2.42, a TSDB built once with promtool into `target/bench-data/prom-100`).
//! One availability SLO over 30 days reads two selectors (all 100 series, and
//! the 50 of status 500). For each case it runs the release binary and prints
//! wall time, HTTP calls and samples: a cold `slo fetch` of the 30-day window
//! (`--history 0 --series-range 1h`), the same again (cache only), and the
//! default report (7-day chart series, 4 earlier windows: 150 days asked, of
//! which the server holds 33).

#![allow(clippy::unwrap_used)] // a benchmark: a failure is a panic

#[path = "../tests/support/prometheus.rs"]
mod prom_server;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const T: i64 = 1_795_392_000; // 2026-11-23T00:00:00Z
const DAYS: i64 = 33;
const SCRAPE: i64 = 30;
const INSTANCES: usize = 50;

fn data_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-data/prom-100")
}

/// The OpenMetrics text, written once.
fn openmetrics(path: &Path) {
    if path.exists() {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
    writeln!(f, "# TYPE http_requests counter").unwrap();
    for i in 0..INSTANCES {
        for (status, per_scrape) in [("200", 300 + i as u64), ("500", 1)] {
            let mut v = 0u64;
            let mut t = T - DAYS * 86_400;
            while t < T {
                // A restart of every instance once a week: counter resets.
                if (t - T).rem_euclid(7 * 86_400) == (i as i64 * 600) % 86_400 {
                    v = 0;
                }
                v += per_scrape + (t / SCRAPE % 3) as u64;
                writeln!(
                    f,
                    "http_requests_total{{job=\"api\",instance=\"i-{i}\",status=\"{status}\"}} {v} {t}"
                )
                .unwrap();
                t += SCRAPE;
            }
        }
    }
    writeln!(f, "# EOF").unwrap();
    drop(f);
    std::fs::rename(tmp, path).unwrap();
}

fn run(config: &Path, cache: &Path, args: &[&str]) -> (f64, serde_json::Value) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let bin = target.join("release/slo");
    let t0 = Instant::now();
    let out = Command::new(&bin)
        .arg("--config")
        .arg(config)
        .args(args)
        .args(["--cache-dir", cache.to_str().unwrap(), "--format", "json"])
        .output()
        .expect("run slo");
    let wall = t0.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let v = if args[0] == "fetch" {
        serde_json::from_slice(&out.stdout).unwrap()
    } else {
        // The report prints the fetch summary line on stderr.
        let line = err
            .lines()
            .find(|l| l.starts_with("prometheus: "))
            .unwrap_or("");
        let num = |after: &str| -> u64 {
            line.split(after)
                .next()
                .and_then(|s| s.split_whitespace().last())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        serde_json::json!({ "calls": num(" call"), "samples": num(" samples") })
    };
    (wall, v)
}

fn main() {
    if let Err(e) = prom_server::tools() {
        eprintln!("skipping: {e}");
        return;
    }
    let dir = data_dir();
    let om = dir.join("data.om");
    let t0 = Instant::now();
    openmetrics(&om);
    let text = std::fs::read_to_string(&om).unwrap();
    println!(
        "{} series × {DAYS} days at {SCRAPE} s: {:.1} M samples, OpenMetrics written in {:.1} s",
        INSTANCES * 2,
        (INSTANCES * 2) as f64 * (DAYS * 86_400 / SCRAPE) as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let server = prom_server::Server::start(&text).expect("prometheus");
    drop(text);
    println!(
        "TSDB built and server ready in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let config = dir.join("slo.yaml");
    std::fs::write(
        &config,
        format!(
            "version: 1\nservice: bench\nsource: {{ type: prometheus, url: {} }}\nmetrics:
  requests: {{ counter: 'http_requests_total{{job=\"api\"}}' }}
  errors: {{ counter: 'http_requests_total{{job=\"api\",status=\"500\"}}' }}
slos:
  - {{ name: availability, objective: 99.9%, window: 30d, sli: {{ bad: errors, total: requests }} }}
",
            server.url()
        ),
    )
    .unwrap();
    let t = chrono::DateTime::from_timestamp(T, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let cache = dir.join("cache");
    let _ = std::fs::remove_dir_all(&cache);
    let window = [
        "fetch",
        "--as-of",
        &t,
        "--history",
        "0",
        "--series-range",
        "1h",
    ];
    println!("| case | wall | calls | samples |\n|---|---:|---:|---:|");
    let row = |name: &str, (wall, v): (f64, serde_json::Value)| {
        println!(
            "| {name} | {wall:.2} s | {} | {} |",
            v["calls"], v["samples"]
        );
    };
    row("cold fetch, 30-day window", run(&config, &cache, &window));
    row("the same again (cache)", run(&config, &cache, &window));
    let _ = std::fs::remove_dir_all(&cache);
    row(
        "cold default report (150 days asked)",
        run(&config, &cache, &["report", "--as-of", &t]),
    );
}
