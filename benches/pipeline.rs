//! `cargo bench`: the cost of a report as the fleet grows (issue 5).
//!
//! For N = 1, 100 and 1,000 SLOs (four per service, like the seed's) over 35
//! days at 1 minute, and for 7 days at N = 1,000, it prints the time to load
//! the series from Parquet and from AWS CLI JSON, to compute every window,
//! burn rate, alert and hourly series, and to render the reports, the time per
//! point of each phase, and the peak memory of a whole `slo report` run
//! against the raw series (16 bytes per point).
//!
//! Data is generated once into `target/bench-data/` (deterministic). Set
//! `SLO_BENCH_QUICK=1` for N = 1 and 100 only.

#[path = "../tests/support/generate.rs"]
mod generate;

use slo::compute::{evaluate, EvalOptions};
use slo::report::{renderer, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const END: &str = "2026-11-23T00:00:00Z";

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

/// A fleet of `ceil(slos / 4)` services; its slo.yaml keeps the first `slos` SLOs.
fn fleet(slos: usize, days: i64, format: &str) -> PathBuf {
    let services = slos.div_ceil(4);
    let dir = data_dir().join(format!("{format}-{services}x{days}d"));
    if !dir.join("slo.yaml").exists() {
        generate::write(&dir, services, days, END, format, true).expect("generate");
    }
    let full = std::fs::read_to_string(dir.join("slo.yaml")).expect("slo.yaml");
    let (head, list) = full.split_once("slos:\n").expect("slos");
    let kept: Vec<&str> = list.lines().take(slos).collect();
    let path = dir.join(format!("slo-{slos}.yaml"));
    std::fs::write(&path, format!("{head}slos:\n{}\n", kept.join("\n"))).expect("write");
    path
}

fn dir_bytes(dir: &Path, ext: &str) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The best of `runs` timings (the machine is noisy; the minimum is the cost).
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("one run"))
}

/// Peak resident memory of `slo report` on this config, from the kernel.
fn peak_rss(config: &Path) -> Option<u64> {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/slo");
    let bin = std::env::var_os("CARGO_TARGET_DIR")
        .map(|t| PathBuf::from(t).join("release/slo"))
        .filter(|p| p.exists())
        .unwrap_or(bin);
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(&bin)
        .args(["report", "--format", "json", "--as-of", END, "--config"])
        .arg(config)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .last()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|kb| kb * 1024)
}

struct Row {
    label: String,
    points: usize,
    load_parquet: Duration,
    load_json: Option<(Duration, u64)>,
    compute: Duration,
    render: Duration,
    peak: Option<u64>,
}

fn run(slos: usize, days: i64, with_json: bool) -> Row {
    let cfg_path = fleet(slos, days, "parquet");
    let cfg = slo::config::load(&cfg_path).expect("config");
    let opts = slo::source::LoadOptions::default();
    let as_of = slo::config::parse_time(END).expect("end").timestamp();
    let needs = slo::compute::needs(
        &cfg,
        as_of,
        slo::compute::Reach {
            series_range: 7 * 86_400,
            history: 4,
        },
    );
    let (load_parquet, data) = best(3, || {
        slo::source::load(&cfg, &needs, &opts).expect("load").data
    });
    let points: usize = data.values().map(|s| s.len()).sum();
    let load_json = with_json.then(|| {
        let json_cfg_path = fleet(slos, days, "json");
        let json_cfg = slo::config::load(&json_cfg_path).expect("config");
        let bytes = dir_bytes(json_cfg_path.parent().expect("dir"), "json");
        let (t, d) = best(2, || {
            slo::source::load(&json_cfg, &needs, &opts)
                .expect("load")
                .data
        });
        assert_eq!(d, data, "JSON and Parquet hold the same series");
        (t, bytes)
    });
    let eval = EvalOptions {
        as_of,
        as_of_requested: None,
        series_range: 7 * 86_400,
        series_step: 3_600,
        history: 4,
    };
    let (compute, report) = best(3, || evaluate(&cfg, &data, &eval).expect("evaluate"));
    let (render, _) = best(3, || {
        [Format::Table, Format::Markdown, Format::Json]
            .map(|f| renderer(f, false, None).render(&report).len())
    });
    drop(data);
    Row {
        label: format!("{slos} SLOs × {days} d"),
        points,
        load_parquet,
        load_json,
        compute,
        render,
        peak: peak_rss(&cfg_path),
    }
}

fn ns_per_point(d: Duration, points: usize) -> f64 {
    d.as_nanos() as f64 / points.max(1) as f64
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this once, quickly.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let quick = std::env::var_os("SLO_BENCH_QUICK").is_some();
    let mut rows = vec![run(1, 35, true), run(100, 35, true)];
    if !quick {
        rows.push(run(1000, 7, false));
        rows.push(run(1000, 35, false));
    }
    println!(
        "\n| fleet | points | load Parquet | load JSON (MB/s) | compute | render | ns/point load+compute | peak RSS / raw |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let json = r
            .load_json
            .map(|(t, b)| {
                format!(
                    "{:.0} ms ({:.0} MB/s)",
                    t.as_secs_f64() * 1e3,
                    b as f64 / 1e6 / t.as_secs_f64()
                )
            })
            .unwrap_or_else(|| "–".into());
        let raw = r.points as f64 * 16.0;
        println!(
            "| {} | {} | {:.0} ms | {} | {:.0} ms | {:.1} ms | {:.1} | {} |",
            r.label,
            r.points,
            r.load_parquet.as_secs_f64() * 1e3,
            json,
            r.compute.as_secs_f64() * 1e3,
            r.render.as_secs_f64() * 1e3,
            ns_per_point(r.load_parquet + r.compute, r.points),
            r.peak
                .map(|p| format!(
                    "{:.0} MB / {:.0} MB = {:.2}×",
                    p as f64 / 1e6,
                    raw / 1e6,
                    p as f64 / raw
                ))
                .unwrap_or_else(|| "–".into()),
        );
    }
}
