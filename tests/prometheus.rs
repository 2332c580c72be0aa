//! The Prometheus source against a real Prometheus (Debian's `prometheus`
//! 2.42, installed by `.ci/run` or, when missing, by `tools/install-prometheus.sh`
//! from here): samples written as OpenMetrics, loaded with `promtool tsdb
//! create-blocks-from openmetrics`, served on 127.0.0.1. Every report is
//! compared with the files source on per-period counts computed here, by the
//! letter of slo-math.md ("Prometheus series"): equal to the last bit.
//!
//! The data: 2.5 days of 15-second scrapes with ±2 s jitter of two instances
//! of the seed's backend (`http_requests_total` by status,
//! `http_request_duration_seconds` buckets and count), instance `a`
//! restarting twice (counter resets), instance `b` starting mid-range and
//! silent for 10 minutes, and a gauge that a `query:` reads.

use crate::cloudwatch::{fmt, same};
use crate::prom_server::{free_port, Server};
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

const DAY: i64 = 86_400;
/// T of the reports: 2026-11-23T00:00:00Z.
const T: i64 = 1_795_392_000;

/// xorshift64, for the jitter.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// One series: its labels (OpenMetrics text, without the name) and samples
/// `(time in ms, value)` in time order.
struct Series {
    name: &'static str,
    labels: String,
    samples: Vec<(i64, f64)>,
}

/// The scenario's series.
fn scenario() -> Vec<Series> {
    let start = T - 5 * DAY / 2;
    let mut rng = Rng(0x5EED_F00D);
    let mut out = Vec::new();
    for inst in ["a", "b"] {
        // b starts mid-range and is silent for 10 minutes one afternoon.
        let from = if inst == "b" { start + DAY } else { start };
        let gap = if inst == "b" {
            (T - DAY + 14 * 3_600, T - DAY + 14 * 3_600 + 600)
        } else {
            // Across where a short report starts looking (T - 2h - 5m).
            (T - 2 * 3_600 - 720, T - 2 * 3_600 + 60)
        };
        let resets = [T - 2 * DAY + 3_600 * 5, T - 10 * 3_600 + 7];
        let mut totals = [0.0f64; 5]; // 200, 500, le=2.0, count, le=+Inf
        let mut series: Vec<Series> = [
            ("http_requests_total", "status=\"200\""),
            ("http_requests_total", "status=\"500\""),
            ("http_request_duration_seconds_bucket", "le=\"2.0\""),
            ("http_request_duration_seconds_count", ""),
            ("http_request_duration_seconds_bucket", "le=\"+Inf\""),
        ]
        .iter()
        .map(|(n, l)| Series {
            name: n,
            labels: if l.is_empty() {
                format!("job=\"wwhd-backend\",instance=\"{inst}\"")
            } else {
                format!("job=\"wwhd-backend\",instance=\"{inst}\",{l}")
            },
            samples: Vec::new(),
        })
        .collect();
        let mut t = from;
        while t < T + 600 {
            let jitter = (rng.next() % 4_001) as i64 - 2_000;
            let at = t * 1_000 + jitter;
            t += 15;
            if (gap.0..gap.1).contains(&(at / 1_000)) {
                continue;
            }
            if inst == "a" && resets.iter().any(|r| (r - 15..*r).contains(&(at / 1_000))) {
                totals = [0.0; 5]; // a restart: every counter from zero
            }
            let ok = 40 + rng.next() % 20;
            let hour = (at / 1_000).rem_euclid(DAY) / 3_600;
            let errors = if hour == 13 {
                6 + rng.next() % 5
            } else {
                rng.next() % 2
            };
            let slow = if hour == 13 { 10 } else { rng.next() % 3 };
            totals[0] += ok as f64;
            totals[1] += errors as f64;
            totals[3] += (ok + errors) as f64;
            totals[2] += (ok + errors).saturating_sub(slow) as f64;
            totals[4] += (ok + errors) as f64;
            for (s, v) in series.iter_mut().zip(totals) {
                s.samples.push((at, v));
            }
        }
        out.extend(series);
    }
    // A gauge for `query:`: the p95 latency, slow at 13h.
    let mut g = Series {
        name: "latency_p95_seconds",
        labels: "job=\"wwhd-backend\"".into(),
        samples: Vec::new(),
    };
    let mut t = start;
    while t < T + 600 {
        let hour = t.rem_euclid(DAY) / 3_600;
        g.samples
            .push((t * 1_000, if hour == 13 { 3.0 } else { 0.5 }));
        t += 15;
    }
    out.push(g);
    out
}

/// The OpenMetrics text: series grouped by metric family, samples in time
/// order, timestamps in seconds, `# EOF` at the end.
fn openmetrics(series: &[Series]) -> String {
    let mut by_name: BTreeMap<&str, Vec<&Series>> = BTreeMap::new();
    for s in series {
        by_name.entry(s.name).or_default().push(s);
    }
    let mut o = String::new();
    for (name, ss) in by_name {
        let (family, kind) = if let Some(f) = name.strip_suffix("_total") {
            (f.to_string(), "counter")
        } else if name.ends_with("_bucket") || name.ends_with("_count") {
            (name.to_string(), "unknown")
        } else {
            (name.to_string(), "gauge")
        };
        o.push_str(&format!("# TYPE {family} {kind}\n"));
        for s in ss {
            for (t, v) in &s.samples {
                o.push_str(&format!(
                    "{name}{{{}}} {v} {}.{:03}\n",
                    s.labels,
                    t.div_euclid(1_000),
                    t.rem_euclid(1_000)
                ));
            }
        }
    }
    o.push_str("# EOF\n");
    o
}

/// The metric's per-period increases by slo-math.md, over samples at or after
/// `fetch_from` (seconds): the expected series of a `counter:`.
fn increases(series: &[&Series], period: i64, from: i64, fetch_from: i64) -> BTreeMap<i64, f64> {
    let mut sums = BTreeMap::new();
    for s in series {
        let mut prev: Option<f64> = None;
        for &(t, v) in s.samples.iter().filter(|(t, _)| *t >= fetch_from * 1_000) {
            let d = match prev {
                None => 0.0,
                Some(p) if v >= p => v - p,
                Some(_) => v,
            };
            prev = Some(v);
            let start = t.div_euclid(period * 1_000) * period;
            if start >= from && start < T {
                *sums.entry(start).or_insert(0.0) += d;
            }
        }
    }
    sums
}

fn select<'a>(all: &'a [Series], name: &str, label: &str) -> Vec<&'a Series> {
    all.iter()
        .filter(|s| s.name == name && s.labels.contains(label))
        .collect()
}

const SLOS: &str = "slos:
  - { name: availability, objective: 99.5%, window: 1d, sli: { bad: errors_5xx, total: requests } }
  - { name: latency, objective: 95%, window: 1d, sli: { good: fast_requests, total: latency_count } }
  - { name: error-rate, objective: 90%, window: 1d, sli: { timeslice: { ratio: { bad: errors_5xx, total: requests }, op: \"<\", threshold: 0.02, missing: bad } } }
  - { name: p95-slices, objective: 90%, window: 1d, sli: { timeslice: { metric: latency_p95, op: \"<\", threshold: 2, missing: ignore } } }
";

fn prom_config(url: &str) -> String {
    format!(
        "version: 1\nservice: wwhd-backend\nsource: {{ type: prometheus, url: {url} }}\nmetrics:
  requests: {{ counter: 'http_requests_total{{job=\"wwhd-backend\"}}' }}
  errors_5xx: {{ counter: 'http_requests_total{{job=\"wwhd-backend\",status=~\"5..\"}}' }}
  fast_requests: {{ counter: 'http_request_duration_seconds_bucket{{job=\"wwhd-backend\",le=\"2.0\"}}' }}
  latency_count: {{ counter: 'http_request_duration_seconds_count{{job=\"wwhd-backend\"}}' }}
  latency_p95: {{ query: 'max(latency_p95_seconds{{job=\"wwhd-backend\"}})', period: 30 }}
{SLOS}"
    )
}

fn files_config() -> String {
    let m =
        |n: &str, p: i64| format!("  {n}: {{ namespace: P, name: {n}, stat: Sum, period: {p} }}\n");
    format!(
        "version: 1\nservice: wwhd-backend\nsource: {{ type: files, path: data }}\nmetrics:\n{}{}{}{}{}{SLOS}",
        m("requests", 60),
        m("errors_5xx", 60),
        m("fast_requests", 60),
        m("latency_count", 60),
        m("latency_p95", 30)
    )
}

/// The files source's data: the expected per-period series, as CSV.
fn files_csv(all: &[Series], fetch_from: i64) -> String {
    let mut o = String::from("timestamp,metric,value\n");
    let put = |o: &mut String, name: &str, pts: &BTreeMap<i64, f64>| {
        for (t, v) in pts {
            o.push_str(&format!("{},{name},{v}\n", fmt(*t)));
        }
    };
    let inc = |name, label| increases(&select(all, name, label), 60, fetch_from + 300, fetch_from);
    put(&mut o, "requests", &inc("http_requests_total", ""));
    put(
        &mut o,
        "errors_5xx",
        &inc("http_requests_total", "status=\"500\""),
    );
    put(
        &mut o,
        "fast_requests",
        &inc("http_request_duration_seconds_bucket", "le=\"2.0\""),
    );
    put(
        &mut o,
        "latency_count",
        &inc("http_request_duration_seconds_count", ""),
    );
    // max(gauge) at t + 30: the newest sample at or before it (within 5 min).
    let g = &select(all, "latency_p95_seconds", "")[0].samples;
    let mut p95 = BTreeMap::new();
    let mut t = T - 3 * DAY;
    while t < T {
        let tau = (t + 30) * 1_000;
        let i = g.partition_point(|s| s.0 <= tau);
        if i > 0 && tau - g[i - 1].0 <= 300_000 {
            p95.insert(t, g[i - 1].1);
        }
        t += 30;
    }
    put(&mut o, "latency_p95", &p95);
    o
}

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(url: &str, csv: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("prom.yaml"), prom_config(url)).unwrap();
        std::fs::write(dir.path().join("files.yaml"), files_config()).unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/expected.csv"), csv).unwrap();
        Project { dir }
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn slo(p: &Project, config: &str, args: &[&str]) -> Run {
    let o = Command::cargo_bin("slo")
        .unwrap()
        .env("NO_COLOR", "1")
        .env_remove("PROMETHEUS_URL")
        .env("SLO_PROM_ATTEMPTS", "2")
        .env("SLO_PROM_TIMEOUT", "20")
        .arg("--config")
        .arg(p.path(config))
        .args(args)
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

fn json_report(p: &Project, config: &str, extra: &[&str]) -> (Value, String) {
    let t = fmt(T);
    let mut args = vec!["report", "--format", "json", "--as-of", &t];
    args.extend(extra);
    let r = slo(p, config, &args);
    assert_eq!(r.code, 0, "slo {args:?}: {}", r.stderr);
    (serde_json::from_str(&r.stdout).unwrap(), r.stderr)
}

/// Where the default report starts reading: its earliest period (the chart
/// series of 7 days of 1-day windows, the 3d lookback, 4 earlier windows),
/// then 5 minutes before it.
const FETCH_FROM: i64 = T - 8 * DAY - 300;

#[test]
fn prometheus_equals_files_to_the_last_bit_and_caches() {
    let all = scenario();
    let Some(server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let p = Project::new(&server.url(), &files_csv(&all, FETCH_FROM));
    let (want, _) = json_report(&p, "files.yaml", &[]);
    let (got, err) = json_report(&p, "prom.yaml", &[]);
    assert!(err.contains("prometheus: "), "{err}");
    same(&got, &want);
    // The scenario is not trivial: budget spent, resets crossed, slices bad.
    let s = &got["slos"];
    assert!(s[0]["total"].as_f64().unwrap() > 500_000.0);
    assert!(s[0]["bad"].as_f64().unwrap() > 1_000.0);
    assert!(s[2]["bad"].as_f64().unwrap() > 0.0);
    assert!(s[3]["bad"].as_f64().unwrap() == 120.0, "{}", s[3]["bad"]); // 13h: 120 slices of 30 s

    // Again: from the cache, no call.
    let (again, err) = json_report(&p, "prom.yaml", &[]);
    same(&again, &want);
    assert!(!err.contains("prometheus: "), "no call, no summary: {err}");
    let (offline, _) = json_report(&p, "prom.yaml", &["--offline"]);
    same(&offline, &want);

    // slo fetch --format json: what was fetched, from a cold cache.
    let t = fmt(T);
    let cold = p.path("cold-cache");
    let r = slo(
        &p,
        "prom.yaml",
        &[
            "fetch",
            "--as-of",
            &t,
            "--format",
            "json",
            "--cache-dir",
            cold.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(f["source"], "prometheus");
    assert_eq!(f["metrics"], 5);
    // 4 counters in 2 chunks each (a day, then the week and 5 minutes up to T), and the
    // gauge's 8 days at 30 s in 3 query_range calls of at most 10,000 steps.
    assert_eq!(f["calls"], 11, "{f}");
    // Series per selector: 4 + 2 + 2 + 2, and the query's one.
    assert_eq!(f["series"], 11, "{f}");
}

#[test]
fn the_first_sample_after_a_long_gap_at_the_start_adds_nothing() {
    // A short report (1h window, 5m lookbacks, no history, 1h chart series)
    // reads from T - 2h: it looks for predecessors from T - 2h - 5m only.
    let all = scenario();
    let Some(server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let extra = "burn_rate_lookbacks: [5m]\nforecast_lookback: 5m\n";
    let cfg = |c: String| c.replace("window: 1d", "window: 1h") + extra;
    let from = T - 2 * 3_600 - 300;
    let p = Project::new(&server.url(), &files_csv(&all, from));
    std::fs::write(p.path("prom.yaml"), cfg(prom_config(&server.url()))).unwrap();
    std::fs::write(p.path("files.yaml"), cfg(files_config())).unwrap();
    let args = ["--history", "0", "--series-range", "1h"];
    let (want, _) = json_report(&p, "files.yaml", &args);
    let (got, _) = json_report(&p, "prom.yaml", &args);
    same(&got, &want);
}

#[test]
fn prometheus_errors_name_the_metric_and_exit_3() {
    let all = scenario();
    let Some(server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let p = Project::new(&server.url(), "timestamp,metric,value\n");
    let t = fmt(T);
    // A PromQL error: Prometheus' own message.
    let bad =
        prom_config(&server.url()).replace("max(latency_p95_seconds", "max(latency_p95_seconds[");
    std::fs::write(p.path("bad.yaml"), bad).unwrap();
    let r = slo(&p, "bad.yaml", &["report", "--as-of", &t]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("metric `latency_p95`"), "{}", r.stderr);
    assert!(r.stderr.contains("bad_data"), "{}", r.stderr);
    // A query that returns several series.
    let many = prom_config(&server.url()).replace(
        "max(latency_p95_seconds{job=\"wwhd-backend\"})",
        "http_requests_total",
    );
    std::fs::write(p.path("many.yaml"), many).unwrap();
    let r = slo(&p, "many.yaml", &["report", "--as-of", &t]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("returned 4 series"), "{}", r.stderr);
    // Unreachable.
    let gone = prom_config(&format!("http://127.0.0.1:{}", free_port()));
    std::fs::write(p.path("gone.yaml"), gone).unwrap();
    let r = slo(&p, "gone.yaml", &["report", "--as-of", &t]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("unreachable"), "{}", r.stderr);
    assert!(r.stderr.contains("metric `requests`"), "{}", r.stderr);
    // Offline with an empty cache names what is missing.
    let r = slo(&p, "prom.yaml", &["report", "--as-of", &t, "--offline"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--offline"), "{}", r.stderr);
    // CloudWatch keys are refused under Prometheus, counter: elsewhere (exit 2).
    let mixed = prom_config(&server.url()).replace(
        "  requests: {",
        "  requests: { namespace: AWS/ApplicationELB,",
    );
    std::fs::write(p.path("mixed.yaml"), mixed).unwrap();
    let r = slo(&p, "mixed.yaml", &["validate"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("metrics.requests.namespace"),
        "{}",
        r.stderr
    );
    let files = files_config().replace(
        "  requests: { namespace: P, name: requests, stat: Sum, period: 60 }",
        "  requests: { counter: 'x' }",
    );
    std::fs::write(p.path("files-counter.yaml"), files).unwrap();
    let r = slo(&p, "files-counter.yaml", &["validate"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("belongs to the Prometheus source"),
        "{}",
        r.stderr
    );
}

/// A proxy in front of Prometheus that forwards a budget of requests, then
/// kills the server: a fetch dies midway.
struct Proxy {
    port: u16,
    budget: Arc<AtomicI64>,
    /// Requests answered `503 Service Unavailable` before any is forwarded.
    unavailable: Arc<AtomicI64>,
    upstream: Arc<Mutex<u16>>,
    killed: Arc<Mutex<bool>>,
}

impl Proxy {
    fn start(upstream: u16) -> Proxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let budget = Arc::new(AtomicI64::new(i64::MAX));
        let unavailable = Arc::new(AtomicI64::new(0));
        let up = Arc::new(Mutex::new(upstream));
        let killed = Arc::new(Mutex::new(false));
        let (b, u, k, n) = (
            budget.clone(),
            up.clone(),
            killed.clone(),
            unavailable.clone(),
        );
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut c) = conn else { continue };
                if n.fetch_sub(1, Ordering::SeqCst) > 0 {
                    let mut buf = [0u8; 4096];
                    let _ = c.read(&mut buf);
                    let _ = c.write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    continue;
                }
                if b.fetch_sub(1, Ordering::SeqCst) <= 0 {
                    *k.lock().unwrap() = true;
                    continue; // dropped: the connection closes unanswered
                }
                let port = *u.lock().unwrap();
                std::thread::spawn(move || {
                    let _ = forward(&mut c, port);
                });
            }
        });
        Proxy {
            port,
            budget,
            unavailable,
            upstream: up,
            killed,
        }
    }
}

/// One request from `c` to `127.0.0.1:port`, with `Connection: close`.
fn forward(c: &mut TcpStream, port: u16) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = c.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = c.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut lines: Vec<&str> = head.trim_end().split("\r\n").collect();
    lines.retain(|l| !l.to_ascii_lowercase().starts_with("connection:"));
    let mut req = lines.join("\r\n").into_bytes();
    req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    req.extend_from_slice(&buf[head_end..]);
    let mut up = TcpStream::connect(("127.0.0.1", port))?;
    up.write_all(&req)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    c.write_all(&answer)?;
    Ok(())
}

#[test]
fn a_server_killed_mid_fetch_keeps_what_arrived_and_the_next_run_completes() {
    let all = scenario();
    let Some(mut server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let proxy = Proxy::start(server.port);
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let p = Project::new(&url, &files_csv(&all, FETCH_FROM));
    let (want, _) = json_report(&p, "files.yaml", &[]);

    // Three requests get through, then the server dies.
    proxy.budget.store(3, Ordering::SeqCst);
    let t = fmt(T);
    let r = slo(
        &p,
        "prom.yaml",
        &["report", "--as-of", &t, "--format", "json"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("metric `"), "{}", r.stderr);
    assert!(*proxy.killed.lock().unwrap());
    server.kill();
    let cached: Vec<String> = std::fs::read_dir(p.path(".slo-cache/prometheus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".parquet"))
        .collect();
    assert!(!cached.is_empty(), "the chunks that arrived are cached");

    // The server is back: the next run fetches the rest, and equals files.
    server.port = free_port();
    server.spawn();
    *proxy.upstream.lock().unwrap() = server.port;
    proxy.budget.store(i64::MAX, Ordering::SeqCst);
    let (got, err) = json_report(&p, "prom.yaml", &[]);
    same(&got, &want);
    let calls: u64 = err
        .split("prometheus: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!((1..11).contains(&calls), "only the rest is fetched: {err}");
}

/// examples/prometheus/slo.yaml, the seed's SLOs in PromQL, runs against
/// the test server: every SLO has data, the p95 query returns one series.
#[test]
fn the_prometheus_example_reports_every_seed_slo() {
    let all = scenario();
    let Some(server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let p = Project::new(&server.url(), "timestamp,metric,value\n");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prometheus/slo.yaml");
    let text = std::fs::read_to_string(example)
        .unwrap()
        .replace("http://127.0.0.1:9090", &server.url());
    std::fs::write(p.path("example.yaml"), text).unwrap();
    let (r, _) = json_report(&p, "example.yaml", &[]);
    let names: Vec<&str> = r["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "availability",
            "latency",
            "latency-p95-minutes",
            "throughput",
            "error-rate"
        ]
    );
    for s in r["slos"].as_array().unwrap() {
        assert!(
            s["sli"].as_f64().is_some(),
            "{}: {}",
            s["name"],
            s["status"]
        );
    }
    // The 13h burst of slow requests: some minutes' p95 is over 2 s… capped
    // at the highest finite bucket (2.0), which is not under 2: bad.
    assert!(r["slos"][2]["bad"].as_f64().unwrap() > 0.0);
}

/// 503s are retried with backoff; when they outlast the attempts, exit 3
/// with the status.
#[test]
fn server_errors_are_retried_then_reported() {
    let all = scenario();
    let Some(server) = Server::start(&openmetrics(&all)) else {
        return;
    };
    let proxy = Proxy::start(server.port);
    let url = format!("http://127.0.0.1:{}", proxy.port);
    let p = Project::new(&url, &files_csv(&all, FETCH_FROM));
    let (want, _) = json_report(&p, "files.yaml", &[]);
    // One 503, then answers: the run completes (SLO_PROM_ATTEMPTS=2), one call more.
    proxy.unavailable.store(1, Ordering::SeqCst);
    let (got, err) = json_report(&p, "prom.yaml", &[]);
    same(&got, &want);
    assert!(err.contains("prometheus: 12 calls"), "{err}");
    // More 503s than attempts: exit 3 naming the metric and the status.
    proxy.unavailable.store(100, Ordering::SeqCst);
    let cold = p.path("cold");
    let t = fmt(T);
    let r = slo(
        &p,
        "prom.yaml",
        &[
            "report",
            "--as-of",
            &t,
            "--cache-dir",
            cold.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("metric `requests`"), "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 503"), "{}", r.stderr);
    assert!(r.stderr.contains("after 2 attempts"), "{}", r.stderr);
}
