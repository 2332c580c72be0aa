//! `source: { type: cloudwatch }` end to end, against the local CloudWatch
//! emulator of tools/cw-emulator (fakecloud behind a fault layer).
//!
//! Each test starts its own emulator on 127.0.0.1 (port 0, read from its first
//! stdout line), seeds it with PutMetricData through the real SDK, writes the
//! same points to a CSV, and checks that `slo report --format json` gives the
//! same numbers from CloudWatch as from the files; then that pagination,
//! throttling, 5xx and a timeout change nothing, and that a second run fetches
//! only the newest part (the emulator's statistics count the calls).
//!
//! The emulator is built on first use (`cargo build --release --manifest-path
//! tools/cw-emulator/Cargo.toml`, into `$CW_EMULATOR_TARGET_DIR`, default
//! `$HOME/.cache/slo/emu-target`); `CW_EMULATOR_BIN` names a ready binary. When
//! it cannot be built or started the tests fail under `CI=true` and are
//! skipped (with a message) otherwise.

use assert_cmd::Command;
use aws_config::BehaviorVersion;
use aws_sdk_cloudwatch::config::{Credentials, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::OnceLock;

const NAMESPACE: &str = "Test/slo";
const REGION: &str = "us-east-1";
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The emulator binary: `CW_EMULATOR_BIN`, or built once per test run.
fn emulator_bin() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(b) = std::env::var_os("CW_EMULATOR_BIN") {
            let b = PathBuf::from(b);
            return if b.is_file() {
                Ok(b)
            } else {
                Err(format!("CW_EMULATOR_BIN={} is not a file", b.display()))
            };
        }
        let target = std::env::var_os("CW_EMULATOR_TARGET_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/slo/emu-target"))
            })
            .unwrap_or_else(|| std::env::temp_dir().join("slo-emu-target"));
        let bin = target
            .join("release")
            .join(format!("cw-emulator{}", std::env::consts::EXE_SUFFIX));
        let manifest = repo().join("tools/cw-emulator/Cargo.toml");
        if !manifest.is_file() {
            return Err(format!("{} is missing", manifest.display()));
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        // Always ask cargo: a no-op when the binary is up to date.
        let built = std::process::Command::new(&cargo)
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &target)
            .stdout(Stdio::null())
            .output();
        match built {
            Ok(o) if o.status.success() && bin.is_file() => Ok(bin),
            Ok(o) if bin.is_file() => {
                eprintln!(
                    "warning: rebuilding the emulator failed; using the existing {}:\n{}",
                    bin.display(),
                    String::from_utf8_lossy(&o.stderr)
                );
                Ok(bin)
            }
            Ok(o) => Err(format!(
                "building the emulator failed ({}):\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(format!("cannot run {}: {e}", Path::new(&cargo).display())),
        }
    })
    .clone()
}

/// A running emulator; killed on drop (and it exits when its stdin closes).
struct Emulator {
    child: Child,
    _stdin: Option<ChildStdin>,
    port: u16,
}

impl Emulator {
    /// Starts one; `None` (test skipped) only outside CI.
    fn start() -> Option<Emulator> {
        match Self::try_start() {
            Ok(e) => Some(e),
            Err(e) if in_ci() => panic!("the CloudWatch emulator is required under CI=true: {e}"),
            Err(e) => {
                eprintln!("skipping: the CloudWatch emulator is not available: {e}");
                None
            }
        }
    }

    fn try_start() -> Result<Emulator, String> {
        let bin = emulator_bin()?;
        let mut child = std::process::Command::new(&bin)
            .args(["--port", "0", "--exit-on-stdin-eof", "--region", REGION])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading its first line: {e}"))?;
        let port = line
            .trim_end()
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok());
        match port {
            Some(port) => Ok(Emulator {
                child,
                _stdin: stdin,
                port,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("unexpected first line {line:?}"))
            }
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One control request: (HTTP status, JSON body).
    fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the emulator");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("receive");
        let status = resp
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (
            status,
            serde_json::from_str(body).unwrap_or(Value::String(body.into())),
        )
    }

    fn faults(&self, patch: Value) {
        let (status, body) = self.control("POST", "/_emulator/faults", Some(patch));
        assert_eq!(status, 200, "{body}");
    }

    fn clear_faults(&self) {
        let (status, body) = self.control("DELETE", "/_emulator/faults", None);
        assert_eq!(status, 200, "{body}");
    }

    fn stats(&self) -> Value {
        let (status, body) = self.control("GET", "/_emulator/stats", None);
        assert_eq!(status, 200, "{body}");
        body
    }

    fn stat(&self, name: &str) -> i64 {
        self.stats()[name].as_i64().unwrap_or(0)
    }

    /// Seeds `(time, value)` points of one CloudWatch metric (namespace,
    /// dimensions, name) with PutMetricData.
    fn seed_metric(
        &self,
        namespace: &str,
        dims: &[(&str, &str)],
        name: &str,
        points: &[(i64, f64)],
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let conf = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(REGION))
                .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
                .endpoint_url(self.url())
                .load()
                .await;
            let client = aws_sdk_cloudwatch::Client::new(&conf);
            let dimensions: Vec<Dimension> = dims
                .iter()
                .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                .collect();
            let data: Vec<MetricDatum> = points
                .iter()
                .map(|(t, v)| {
                    MetricDatum::builder()
                        .metric_name(name)
                        .set_dimensions(Some(dimensions.clone()))
                        // Inside the minute, as a real sample would be.
                        .timestamp(DateTime::from_secs(t + 7))
                        .value(*v)
                        .build()
                })
                .collect();
            for chunk in data.chunks(500) {
                client
                    .put_metric_data()
                    .namespace(namespace)
                    .set_metric_data(Some(chunk.to_vec()))
                    .send()
                    .await
                    .expect("PutMetricData");
            }
        });
    }

    /// Seeds the points (metric name of slo.yaml, time, value) with
    /// PutMetricData, in the test namespace with dimension Service=web.
    fn seed(&self, points: &[(&str, i64, f64)]) {
        let mut by_metric: Vec<(&str, Vec<(i64, f64)>)> = Vec::new();
        for &(m, t, v) in points {
            match by_metric.iter_mut().find(|(n, _)| *n == m) {
                Some((_, pts)) => pts.push((t, v)),
                None => by_metric.push((m, vec![(t, v)])),
            }
        }
        for (m, pts) in by_metric {
            self.seed_metric(NAMESPACE, &[("Service", "web")], cw_name(m), &pts);
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CloudWatch metric name of each slo.yaml metric.
fn cw_name(m: &str) -> &'static str {
    match m {
        "requests" => "RequestCount",
        "errors" => "HTTPCode_5XX",
        _ => "LatencyP95",
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A fixed T: two hours before the current hour (so every range is final).
fn base_t() -> i64 {
    let n = now();
    n - n.rem_euclid(HOUR) - 2 * HOUR
}

/// One point a minute over `[from, to)`: requests always, errors in some
/// minutes (an incident among them), latency with a 20-minute gap.
fn points(from: i64, to: i64) -> Vec<(&'static str, i64, f64)> {
    let mut out = Vec::new();
    let mut t = from - from.rem_euclid(60);
    while t < to {
        let k = t / 60;
        out.push(("requests", t, (100 + k % 17) as f64));
        if k % 7 == 0 || (k % 1440) / 30 == 13 {
            out.push((
                "errors",
                t,
                (1 + k % 3) as f64 * if k % 7 == 0 { 1.0 } else { 9.0 },
            ));
        }
        if (k % 1440) / 20 != 40 {
            out.push(("latency", t, 0.5 + (k % 11) as f64 * 0.17));
        }
        t += 60;
    }
    out
}

fn write_csv(dir: &Path, pts: &[(&str, i64, f64)]) {
    let mut s = String::from("timestamp,metric,value\n");
    for (m, t, v) in pts {
        let at = chrono::DateTime::from_timestamp(*t, 0).unwrap();
        s.push_str(&format!(
            "{},{m},{v}\n",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("points.csv"), s).unwrap();
}

/// slo.yaml with the given source block: a ratio SLO, a ratio SLO on an
/// expression (windows `w1`, `w2`) and a 1-day time-slice SLO.
fn yaml_with(source: &str, w1: &str, w2: &str) -> String {
    let dims = "dimensions: { Service: web }";
    format!(
        "version: 1\nservice: cw-test\nsource: {source}\nmetrics:\n\
         \x20 requests: {{ namespace: {NAMESPACE}, name: RequestCount, {dims}, stat: Sum }}\n\
         \x20 errors: {{ namespace: {NAMESPACE}, name: HTTPCode_5XX, {dims}, stat: Sum }}\n\
         \x20 latency: {{ namespace: {NAMESPACE}, name: LatencyP95, {dims}, stat: p95 }}\n\
         \x20 ok: {{ expression: requests - errors }}\n\
         slos:\n\
         \x20 - {{ name: availability, objective: 99%, window: {w1}, sli: {{ bad: errors, total: requests }} }}\n\
         \x20 - {{ name: ok-ratio, objective: 99.5%, window: {w2}, sli: {{ good: ok, total: requests }} }}\n\
         \x20 - name: latency\n\
         \x20   objective: 95%\n\
         \x20   window: 1d\n\
         \x20   sli: {{ timeslice: {{ metric: latency, op: \"<\", threshold: 2, missing: bad }} }}\n"
    )
}

/// A test directory with a files setup (data/points.csv) and a CloudWatch one.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// slo.yaml (1d and 2d ratio windows) and slo30.yaml (30d) for files and CloudWatch.
    fn new(emu: Option<&Emulator>, pts: &[(&str, i64, f64)]) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        write_csv(&dir.path().join("files/data"), pts);
        let endpoint = emu
            .map(|e| format!(", endpoint_url: \"{}\"", e.url()))
            .unwrap_or_default();
        let cw = format!("{{ type: cloudwatch, region: {REGION}{endpoint} }}");
        std::fs::create_dir_all(dir.path().join("cw")).unwrap();
        for (name, w1, w2) in [("slo.yaml", "1d", "2d"), ("slo30.yaml", "30d", "4w")] {
            let files = yaml_with("{ type: files, path: data }", w1, w2);
            std::fs::write(dir.path().join("files").join(name), files).unwrap();
            std::fs::write(dir.path().join("cw").join(name), yaml_with(&cw, w1, w2)).unwrap();
        }
        Setup { dir }
    }

    fn files_config(&self) -> PathBuf {
        self.dir.path().join("files/slo.yaml")
    }

    fn cw_config(&self) -> PathBuf {
        self.dir.path().join("cw/slo.yaml")
    }

    /// The same SLOs with 30-day and 4-week ratio windows.
    fn config30(&self, kind: &str) -> PathBuf {
        self.dir.path().join(kind).join("slo30.yaml")
    }

    /// A cache directory of its own, inside the test directory.
    fn cache(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// `slo` with an isolated AWS environment and static test credentials.
fn slo(config: &Path) -> Command {
    let mut c = Command::cargo_bin("slo").unwrap();
    let home = config.parent().unwrap();
    c.env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_CLOUDWATCH")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_MAX_ATTEMPTS")
        .env_remove("AWS_RETRY_MODE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDSLOTEST")
        .env("AWS_SECRET_ACCESS_KEY", "slo-test-secret-value")
        .arg("--config")
        .arg(config);
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command, args: &[&str]) -> Run {
    let o = c.args(args).output().unwrap();
    if std::env::var_os("SLO_TEST_SHOW_STDERR").is_some() {
        eprintln!(
            "$ slo {}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

/// `slo report --format json`, which must succeed.
fn report(c: Command, as_of: Option<i64>, extra: &[&str]) -> Value {
    let t = as_of.map(fmt);
    let mut args = vec!["report", "--format", "json"];
    if let Some(t) = &t {
        args.extend(["--as-of", t.as_str()]);
    }
    args.extend(extra);
    let r = run(c, &args);
    assert_eq!(r.code, 0, "slo {args:?} failed:\n{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

pub(crate) fn fmt(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Equal JSON, or the first path where they differ.
#[track_caller]
pub(crate) fn same(a: &Value, b: &Value) {
    fn diff(a: &Value, b: &Value, path: String) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys()) {
                    let (p, q) = (
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    );
                    if let Some(d) = diff(p, q, format!("{path}.{k}")) {
                        return Some(d);
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| diff(p, q, format!("{path}[{i}]"))),
            _ if a == b => None,
            _ => Some(format!("{path}: {a} vs {b}")),
        }
    }
    if let Some(d) = diff(a, b, String::new()) {
        panic!("reports differ at {d}");
    }
}

#[test]
fn cloudwatch_report_equals_files_and_refetches_only_the_newest_part() {
    let Some(emu) = Emulator::start() else { return };
    let t = base_t();
    // Data from 10 days before T to a few minutes ahead of now.
    let pts = points(t - 10 * DAY, now() + 10 * 60);
    emu.seed(&pts);
    let s = Setup::new(Some(&emu), &pts);
    let want = report(slo(&s.files_config()), Some(t), &[]);
    assert_eq!(want["slos"].as_array().unwrap().len(), 3);
    assert!(want["slos"][0]["total"].as_f64().unwrap() > 0.0);

    // slo fetch: a summary line, calls as planned, the queries' ranges end at T.
    let calls0 = emu.stat("get_metric_data_calls");
    let f = run(slo(&s.cw_config()), &["fetch", "--as-of", &fmt(t)]);
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(f.stderr.contains("cloudwatch: "), "{}", f.stderr);
    assert!(!f.stderr.contains("slo-test-secret-value"));
    let calls = emu.stat("get_metric_data_calls") - calls0;
    // requests+errors (2-day SLO: from T-9d) and latency (1-day SLO: from
    // T-8d): two time ranges ending at T, one call (about 39,000 points).
    assert_eq!(calls, 1, "{}", f.stderr);
    assert!(f.stderr.contains("1 call,"), "{}", f.stderr);
    let last = &emu.stats()["last_get_metric_data"];
    assert!(last.to_string().contains(&t.to_string()), "{last}");
    assert!(s.dir.path().join("cw/.slo-cache/cloudwatch").is_dir());

    // The report from the cache equals the files report; no call made.
    let got = report(slo(&s.cw_config()), Some(t), &[]);
    same(&got, &want);
    assert_eq!(emu.stat("get_metric_data_calls") - calls0, 1);
    let off = report(slo(&s.cw_config()), Some(t), &["--offline"]);
    same(&off, &want);

    // An hour later: only that hour is fetched, exactly the points the data
    // holds in it (60 a metric at most; errors come in some minutes only and
    // latency has a 20-minute gap at 13:20 UTC, so the count depends on the
    // hour the test runs in).
    let dp0 = emu.stat("datapoints_returned");
    let got = report(slo(&s.cw_config()), Some(t + HOUR), &[]);
    same(&got, &report(slo(&s.files_config()), Some(t + HOUR), &[]));
    let dp = emu.stat("datapoints_returned") - dp0;
    let want = points(t, t + HOUR).len() as i64;
    assert_eq!(dp, want, "datapoints for one more hour");

    // Now, twice: the second run fetches only the newest ~15 minutes again.
    let r = run(slo(&s.cw_config()), &["fetch"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (dp0, c0) = (
        emu.stat("datapoints_returned"),
        emu.stat("get_metric_data_calls"),
    );
    let r = run(slo(&s.cw_config()), &["fetch", "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "--quiet prints nothing");
    let (dp, c) = (
        emu.stat("datapoints_returned") - dp0,
        emu.stat("get_metric_data_calls") - c0,
    );
    assert!((1..=2).contains(&c), "{c} calls");
    // 15 minutes revisable, plus the minute boundary and the time between runs.
    assert!((10..=3 * 20).contains(&dp), "{dp} datapoints re-fetched");

    // Offline with an empty cache: says what is missing, makes no call.
    let c0 = emu.stat("get_metric_data_calls");
    let empty = s.dir.path().join("empty-cache");
    let r = run(
        slo(&s.cw_config()),
        &[
            "report",
            "--offline",
            "--cache-dir",
            empty.to_str().unwrap(),
            "--as-of",
            &fmt(t),
        ],
    );
    assert_eq!(
        r.code, 3,
        "an empty cache is an error, not a pass: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("--offline: the cache holds nothing for `requests`"),
        "{}",
        r.stderr
    );
    assert_eq!(emu.stat("get_metric_data_calls"), c0);
}

#[test]
fn faults_change_nothing_in_the_report() {
    let Some(emu) = Emulator::start() else { return };
    let t = base_t();
    let pts = points(t - 10 * DAY, t + HOUR);
    emu.seed(&pts);
    let s = Setup::new(Some(&emu), &pts);
    let want = report(slo(&s.files_config()), Some(t), &[]);

    // Small pages, throttling and 5xx: retried, pages merged by id.
    emu.faults(
        json!({ "page_size": 1000, "throttle_next": 2, "fail_next": 2, "fail_status": 503 }),
    );
    let mut c = slo(&s.cw_config());
    c.env("AWS_MAX_ATTEMPTS", "6");
    let got = report(c, Some(t), &["--cache-dir", &s.cache("cache-1")]);
    same(&got, &want);
    let st = emu.stats();
    assert!(st["next_token_calls"].as_i64().unwrap() > 10, "{st}");
    assert_eq!(st["throttled"], 2, "{st}");
    assert_eq!(st["failed"], 2, "{st}");

    // A call slower than the attempt timeout: retried.
    emu.clear_faults();
    emu.faults(json!({ "delay_ms": 3000, "delay_next": 1 }));
    let mut c = slo(&s.cw_config());
    c.env("SLO_CW_ATTEMPT_TIMEOUT", "1");
    let got = report(c, Some(t), &["--cache-dir", &s.cache("cache-2")]);
    same(&got, &want);
    assert_eq!(emu.stat("delayed"), 1);

    // PartialData: a warning, the same numbers.
    emu.clear_faults();
    emu.faults(json!({ "partial_data": true }));
    let r = run(
        slo(&s.cw_config()),
        &[
            "report",
            "--format",
            "json",
            "--as-of",
            &fmt(t),
            "--cache-dir",
            &s.cache("cache-3"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("partial data"), "{}", r.stderr);
    same(&serde_json::from_str(&r.stdout).unwrap(), &want);

    // Forbidden: exit 3, naming the metric.
    emu.clear_faults();
    emu.faults(json!({ "forbidden_ids": ["errors"] }));
    let r = run(
        slo(&s.cw_config()),
        &[
            "report",
            "--as-of",
            &fmt(t),
            "--cache-dir",
            &s.cache("cache-4"),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("Forbidden for metric `errors`"),
        "{}",
        r.stderr
    );

    // Failing after every retry: exit 3; the calls that completed stay cached.
    emu.clear_faults();
    emu.faults(json!({ "fail_next": 100 }));
    let mut c = slo(&s.cw_config());
    c.env("AWS_MAX_ATTEMPTS", "2");
    let r = run(
        c,
        &[
            "fetch",
            "--as-of",
            &fmt(t),
            "--cache-dir",
            &s.cache("cache-5"),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("GetMetricData failed"), "{}", r.stderr);
    assert!(!r.stderr.contains("slo-test-secret-value"));
}

/// Older than 15 days, 1-minute data is read at 5 minutes: ratio sums stay
/// exact (the windows fall on whole hours), time slices need the flag.
#[test]
fn old_data_is_read_at_coarser_periods_with_the_same_ratio_numbers() {
    let Some(emu) = Emulator::start() else { return };
    let t = base_t();
    let pts = points(t - 38 * DAY, t + HOUR);
    emu.seed(&pts);
    let s = Setup::new(Some(&emu), &pts);

    let f = run(slo(&s.config30("cw")), &["fetch", "--as-of", &fmt(t)]);
    assert_eq!(f.code, 0, "{}", f.stderr);
    // 1-minute requests+errors and latency in one call, 5-minute requests+errors
    // in another, and 1-hour ones for the report's history (four windows back,
    // 150 days: CloudWatch keeps 5-minute data for 63).
    assert!(f.stderr.contains("cloudwatch: 3 calls"), "{}", f.stderr);
    assert!(f.stderr.contains("read at 1h"), "{}", f.stderr);
    assert!(f.stderr.contains("read at 5m"), "{}", f.stderr);
    let want = report(slo(&s.config30("files")), Some(t), &[]);
    same(&report(slo(&s.config30("cw")), Some(t), &[]), &want);

    // 20 days back: requests and errors from the 5-minute cache, latency in
    // one call at 5 minutes. The ratio numbers are the files' numbers; the
    // time slices need --allow-coarser-slices and then count a 5-minute slice
    // as five 1-minute ones.
    let c0 = emu.stat("get_metric_data_calls");
    let old = Some(t - 20 * DAY);
    let want = report(slo(&s.files_config()), old, &[]);
    let r = run(
        slo(&s.cw_config()),
        &["report", "--as-of", &fmt(t - 20 * DAY)],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let got = report(slo(&s.cw_config()), old, &["--allow-coarser-slices"]);
    assert_eq!(emu.stat("get_metric_data_calls"), c0 + 1);
    for i in 0..2 {
        for k in [
            "status",
            "sli",
            "good",
            "total",
            "bad",
            "error_budget",
            "burn_rates",
            "series",
            "exhaustion_at",
            "budget_by_day",
            "worst_hours",
            "history",
        ] {
            same(&got["slos"][i][k], &want["slos"][i][k]);
        }
    }
    let (g, w) = (&got["slos"][2], &want["slos"][2]);
    assert_eq!(g["total"], 1440.0);
    assert!(w["missing_periods"].as_u64().unwrap() > 0);
    same(&g["missing_periods"], &w["missing_periods"]);
}

#[test]
fn no_credentials_is_a_clear_data_error() {
    let s = Setup::new(None, &[]);
    let mut c = slo(&s.cw_config());
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_PROFILE", "nobody");
    let r = run(c, &["fetch", "--as-of", &fmt(base_t())]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    for want in [
        "no AWS credentials",
        "AWS_ACCESS_KEY_ID",
        "profile `nobody`",
        REGION,
    ] {
        assert!(r.stderr.contains(want), "missing {want:?} in {}", r.stderr);
    }
}

#[test]
fn time_slices_older_than_their_period_is_kept_fail_unless_allowed() {
    let s = Setup::new(None, &[]);
    // T 20 days ago: CloudWatch no longer keeps its 1-minute slices.
    let t = fmt(base_t() - 20 * DAY);
    let r = run(slo(&s.cw_config()), &["report", "--as-of", &t]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    for want in [
        "slo `latency`",
        "1m",
        "15 days",
        "a period of 5m would work",
        "--allow-coarser-slices",
    ] {
        assert!(r.stderr.contains(want), "missing {want:?} in {}", r.stderr);
    }
    // Allowed (and offline, so nothing is fetched): it gets past the check,
    // to the empty cache, which offline is an error of its own.
    let r = run(
        slo(&s.cw_config()),
        &[
            "report",
            "--as-of",
            &t,
            "--allow-coarser-slices",
            "--offline",
        ],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(!r.stderr.contains("--allow-coarser-slices"), "{}", r.stderr);
    assert!(r.stderr.contains("the cache holds nothing"), "{}", r.stderr);
}

/// Runs that share a cache take turns on its lock: four fetches and two
/// reports at once all succeed, and the cache they leave serves the same
/// report offline as the files do.
#[test]
fn concurrent_runs_share_the_cache_safely() {
    let Some(emu) = Emulator::start() else { return };
    let t = base_t();
    let pts = points(t - 10 * DAY, t + HOUR);
    emu.seed(&pts);
    let s = Setup::new(Some(&emu), &pts);
    let want = report(slo(&s.files_config()), Some(t), &[]);
    let cfg = s.cw_config();
    for round in 0..3 {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let cfg = cfg.clone();
                let at = fmt(t - (round * 6 + i) * HOUR);
                std::thread::spawn(move || {
                    let cmd = if i < 4 { "fetch" } else { "report" };
                    run(slo(&cfg), &[cmd, "--quiet", "--as-of", &at])
                })
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        }
    }
    let off = report(slo(&cfg), Some(t), &["--offline"]);
    same(&off, &want);
    let cache = s.dir.path().join("cw/.slo-cache/cloudwatch");
    let temps: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

// slo init --alb asks CloudWatch (ListMetrics) what the load balancer has and
// writes the usual four SLOs over it; the file validates, reports on the
// emulator's data, and is never replaced without --force.
#[test]
fn init_writes_the_slos_of_a_load_balancer() {
    let Some(emu) = Emulator::start() else { return };
    let alb = "app/shop-alb/0f1e2d3c4b5a6978";
    let t = base_t();
    let minutes: Vec<i64> = (0..180).map(|k| t - HOUR * 3 + 60 * k).collect();
    let elb = "AWS/ApplicationELB";
    let by_alb = [("LoadBalancer", alb)];
    emu.seed_metric(
        elb,
        &by_alb,
        "RequestCount",
        &minutes.iter().map(|m| (*m, 6_600.0)).collect::<Vec<_>>(),
    );
    emu.seed_metric(
        elb,
        &by_alb,
        "HTTPCode_Target_5XX_Count",
        &[(minutes[10], 3.0)],
    );
    emu.seed_metric(
        elb,
        &by_alb,
        "TargetResponseTime",
        &minutes.iter().map(|m| (*m, 0.25)).collect::<Vec<_>>(),
    );
    // Another load balancer, and the same one per zone: not it.
    emu.seed_metric(
        elb,
        &[("LoadBalancer", "app/other/1")],
        "RequestCount",
        &[(minutes[0], 1.0)],
    );
    emu.seed_metric(
        elb,
        &[("LoadBalancer", alb), ("AvailabilityZone", "us-east-1a")],
        "RequestCount",
        &[(minutes[0], 1.0)],
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("slo.yaml");
    let init = |extra: &[&str]| {
        let out = slo(&config)
            .args(["init", "--region", REGION, "--endpoint-url", &emu.url()])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = init(&["--alb", "shop-alb"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("LoadBalancer app/shop-alb/0f1e2d3c4b5a6978 (3 metrics listed"),
        "{err}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    for want in [
        "service: shop-alb",
        "type: cloudwatch",
        "region: us-east-1",
        "dimensions: { LoadBalancer: app/shop-alb/0f1e2d3c4b5a6978 }",
        "name: HTTPCode_Target_5XX_Count",
        "stat: \"TC(:2)\"",
        "- name: latency",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    assert!(!text.contains("allow_empty"), "{text}");
    // It validates, and reports on the emulator's minutes.
    let out = slo(&config).arg("validate").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = slo(&config)
        .args(["report", "--format", "json", "--history", "0", "--as-of"])
        .arg(chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let availability = &v["slos"][0];
    assert_eq!(availability["total"], json!(180.0 * 6_600.0));
    assert_eq!(availability["bad"], json!(3.0));
    // (The emulator computes Sum, Average, Minimum, Maximum, SampleCount and
    // pNN, not TC(:2): the latency SLO has no data here.)
    assert_eq!(v["slos"][1]["name"], json!("latency"));
    assert_eq!(v["slos"][2]["name"], json!("throughput"));
    // 110 requests a second in each of the 180 minutes with data.
    assert_eq!(v["slos"][2]["good"], json!(180.0));
    assert_eq!(v["slos"][3]["bad"], json!(3.0));
    // Kept unless --force; a name that is no load balancer names those there are.
    std::fs::write(&config, "mine").unwrap();
    let (code, err) = init(&["--alb", "shop-alb"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("already there") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "mine");
    let (code, err) = init(&["--alb", "shop-alb", "--force"]);
    assert_eq!(code, Some(0), "{err}");
    assert_ne!(std::fs::read_to_string(&config).unwrap(), "mine");
    let (code, err) = init(&["--alb", "shopp-alb", "--force"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("`app/shop-alb/0f1e2d3c4b5a6978`") && err.contains("`app/other/1`"),
        "{err}"
    );
}
