//! End-to-end tests of the `cw-emulator` binary with the real
//! aws-sdk-cloudwatch client (rpcv2Cbor), as slo uses it.
//!
//! Each test starts its own emulator (`--port 0 --exit-on-stdin-eof`), seeds
//! two metrics 30 days in the past over 3 hours at 60 s resolution, and checks
//! values, timestamps and the fault layer through the SDK and the
//! `/_emulator/*` control API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_sdk_cloudwatch::config::retry::RetryConfig;
use aws_sdk_cloudwatch::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatch::config::{Credentials, Region};
use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat, ScanBy, StatusCode,
};
use aws_sdk_cloudwatch::Client;
use serde_json::{json, Value};

const NAMESPACE: &str = "SloTest";
/// Minutes of seeded data.
const MINUTES: i64 = 180;

/// A running emulator; killed on drop.
struct Emulator {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl Emulator {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cw-emulator"))
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn cw-emulator");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let port = line
            .trim_end()
            .strip_prefix("listening on 127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("port number");
        Emulator { child, stdin, port }
    }

    /// One control request; answers (HTTP status, JSON body).
    fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("receive");
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad response {response:?}"));
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let json = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
        (status, json)
    }

    fn faults(&self, patch: Value) -> Value {
        let (status, body) = self.control("POST", "/_emulator/faults", Some(patch));
        assert_eq!(status, 200, "{body}");
        body
    }

    fn stats(&self) -> Value {
        let (status, body) = self.control("GET", "/_emulator/stats", None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// An SDK client for this emulator: standard retry mode, `max_attempts`
    /// attempts, short backoff so tests stay fast.
    async fn client(&self, max_attempts: u32, attempt_timeout: Option<Duration>) -> Client {
        let mut timeouts = TimeoutConfig::builder();
        if let Some(t) = attempt_timeout {
            timeouts = timeouts.operation_attempt_timeout(t);
        }
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-west-2"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(format!("http://127.0.0.1:{}", self.port))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(max_attempts)
                    .with_initial_backoff(Duration::from_millis(10)),
            )
            .timeout_config(timeouts.build())
            .load()
            .await;
        Client::new(&config)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start of the seeded data: 30 days ago (older than CloudWatch's 14-day
/// PutMetricData limit), on an hour boundary.
fn t0() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let t = now - 30 * 86_400;
    t - t.rem_euclid(3600)
}

/// Expected 60 s sums of the seeded metrics at minute `i`.
fn requests_at(i: i64) -> f64 {
    (100 + i % 7) as f64
}
fn errors_at(i: i64) -> f64 {
    (i % 3) as f64
}

fn dimension() -> Dimension {
    Dimension::builder().name("Service").value("api").build()
}

fn datum(name: &str, ts: i64, value: f64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .dimensions(dimension())
        .timestamp(DateTime::from_secs(ts))
        .value(value)
        .build()
}

/// Seed `Requests` (two samples a minute: at +5 s and +35 s, summing to
/// `requests_at`) and `Errors` (one sample a minute at +17 s) in 4 calls.
async fn seed(client: &Client, t0: i64) {
    let mut data = Vec::new();
    for i in 0..MINUTES {
        let minute = t0 + 60 * i;
        data.push(datum("Requests", minute + 5, requests_at(i) - 40.0));
        data.push(datum("Requests", minute + 35, 40.0));
        data.push(datum("Errors", minute + 17, errors_at(i)));
    }
    for chunk in data.chunks(135) {
        client
            .put_metric_data()
            .namespace(NAMESPACE)
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .expect("PutMetricData");
    }
}

fn stat_query(id: &str, metric: &str, stat: &str, period: i32) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace(NAMESPACE)
                        .metric_name(metric)
                        .dimensions(dimension())
                        .build(),
                )
                .period(period)
                .stat(stat)
                .build(),
        )
        .build()
}

/// `a` = Requests Sum, `b` = Errors Sum, `good` = `a - b`, all at 60 s.
fn queries() -> Vec<MetricDataQuery> {
    vec![
        stat_query("a", "Requests", "Sum", 60),
        stat_query("b", "Errors", "Sum", 60),
        MetricDataQuery::builder()
            .id("good")
            .expression("a - b")
            .build(),
    ]
}

type Series = Vec<(i64, f64)>;

/// (id, points, status) of every result in a response.
fn results(out: &GetMetricDataOutput) -> Vec<(String, Series, StatusCode)> {
    out.metric_data_results()
        .iter()
        .map(|r| {
            assert_eq!(r.timestamps().len(), r.values().len());
            let points = r
                .timestamps()
                .iter()
                .zip(r.values())
                .map(|(t, v)| (t.secs(), *v))
                .collect();
            let status = r.status_code().cloned().expect("StatusCode");
            (r.id().unwrap_or_default().to_string(), points, status)
        })
        .collect()
}

fn series(out: &GetMetricDataOutput, id: &str) -> Series {
    results(out)
        .into_iter()
        .find(|(i, _, _)| i == id)
        .unwrap_or_else(|| panic!("no result {id}"))
        .1
}

fn expected(t0: i64, f: impl Fn(i64) -> f64) -> Series {
    (0..MINUTES).map(|i| (t0 + 60 * i, f(i))).collect()
}

async fn get(
    client: &Client,
    t0: i64,
    qs: Vec<MetricDataQuery>,
    scan: Option<ScanBy>,
) -> Result<
    GetMetricDataOutput,
    SdkError<aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataError>,
> {
    client
        .get_metric_data()
        .set_metric_data_queries(Some(qs))
        .start_time(DateTime::from_secs(t0))
        .end_time(DateTime::from_secs(t0 + 60 * MINUTES))
        .set_scan_by(scan)
        .send()
        .await
}

#[tokio::test]
async fn put_then_get_values_timestamps_and_math() {
    let emu = Emulator::start();
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;

    let out = get(&client, t0, queries(), Some(ScanBy::TimestampAscending))
        .await
        .expect("GetMetricData");
    assert_eq!(out.next_token(), None);
    let rs = results(&out);
    assert_eq!(
        rs.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["a", "b", "good"]
    );
    assert!(rs.iter().all(|r| r.2 == StatusCode::Complete), "{rs:?}");
    // Timestamps are the period starts (T0 + 60 i), not the sample times.
    assert_eq!(series(&out, "a"), expected(t0, requests_at));
    assert_eq!(series(&out, "b"), expected(t0, errors_at));
    assert_eq!(
        series(&out, "good"),
        expected(t0, |i| requests_at(i) - errors_at(i))
    );

    // Default ScanBy is TimestampDescending: newest first.
    let out = get(&client, t0, queries(), None)
        .await
        .expect("GetMetricData");
    let mut newest_first = expected(t0, requests_at);
    newest_first.reverse();
    assert_eq!(series(&out, "a"), newest_first);

    // StartTime is inclusive and EndTime exclusive.
    let out = client
        .get_metric_data()
        .metric_data_queries(stat_query("a", "Requests", "Sum", 60))
        .start_time(DateTime::from_secs(t0 + 1800))
        .end_time(DateTime::from_secs(t0 + 3600))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .expect("GetMetricData");
    let want: Series = (30..60).map(|i| (t0 + 60 * i, requests_at(i))).collect();
    assert_eq!(series(&out, "a"), want);

    // Other statistics and a 5-minute period.
    let out = get(
        &client,
        t0,
        vec![
            stat_query("n", "Requests", "SampleCount", 60),
            stat_query("avg", "Requests", "Average", 60),
            stat_query("max", "Requests", "Maximum", 60),
            stat_query("p5", "Requests", "Sum", 300),
        ],
        Some(ScanBy::TimestampAscending),
    )
    .await
    .expect("GetMetricData");
    assert_eq!(series(&out, "n"), expected(t0, |_| 2.0));
    assert_eq!(series(&out, "avg"), expected(t0, |i| requests_at(i) / 2.0));
    assert_eq!(
        series(&out, "max"),
        expected(t0, |i| (requests_at(i) - 40.0).max(40.0))
    );
    let five: Series = (0..MINUTES / 5)
        .map(|k| (t0 + 300 * k, (5 * k..5 * k + 5).map(requests_at).sum()))
        .collect();
    assert_eq!(series(&out, "p5"), five);

    let stats = emu.stats();
    assert_eq!(stats["put_metric_data_calls"], 4);
    assert_eq!(stats["get_metric_data_calls"], 4);
    assert_eq!(stats["metric_data_queries"], 3 + 3 + 1 + 4);
    assert_eq!(stats["datapoints_returned"], 540 + 540 + 30 + 3 * 180 + 36);
    assert_eq!(stats["next_token_calls"], 0);
    assert_eq!(
        stats["last_get_metric_data"]["MetricDataQueries"][3]["Id"],
        "p5"
    );
}

/// Follow NextToken to the end; answers the merged series by id and the
/// number of pages, asserting each page holds at most `page_size` points.
async fn get_all_pages(
    client: &Client,
    t0: i64,
    max_datapoints: Option<i32>,
    page_size: usize,
) -> (Vec<(String, Series)>, usize) {
    let mut merged: Vec<(String, Series)> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries()))
            .start_time(DateTime::from_secs(t0))
            .end_time(DateTime::from_secs(t0 + 60 * MINUTES))
            .scan_by(ScanBy::TimestampAscending)
            .set_max_datapoints(max_datapoints)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("GetMetricData page");
        pages += 1;
        let page = results(&out);
        let points: usize = page.iter().map(|r| r.1.len()).sum();
        assert!(points <= page_size, "page {pages} has {points} points");
        for (id, points, status) in page {
            let so_far = match merged.iter_mut().find(|(m, _)| m == &id) {
                Some((_, s)) => {
                    s.extend(points);
                    s.len()
                }
                None => {
                    merged.push((id.clone(), points));
                    merged.last().map_or(0, |m| m.1.len())
                }
            };
            // Every series has MINUTES points: a result is Complete exactly
            // on the page that brings its last point.
            let want = if so_far == MINUTES as usize {
                StatusCode::Complete
            } else {
                StatusCode::PartialData
            };
            assert_eq!(status, want, "{id} on page {pages}");
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 100, "NextToken never ends");
    }
    (merged, pages)
}

#[tokio::test]
async fn paging_with_next_token() {
    let emu = Emulator::start();
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;
    let want = vec![
        ("a".to_string(), expected(t0, requests_at)),
        ("b".to_string(), expected(t0, errors_at)),
        (
            "good".to_string(),
            expected(t0, |i| requests_at(i) - errors_at(i)),
        ),
    ];

    emu.faults(json!({"page_size": 50}));
    let first = get(&client, t0, queries(), Some(ScanBy::TimestampAscending))
        .await
        .expect("GetMetricData");
    assert!(first.next_token().is_some(), "page_size 50 must page");
    let points: usize = results(&first).iter().map(|r| r.1.len()).sum();
    assert_eq!(points, 50);
    assert_eq!(results(&first)[0].2, StatusCode::PartialData);

    let (merged, pages) = get_all_pages(&client, t0, None, 50).await;
    assert_eq!(merged, want);
    assert_eq!(pages, 11); // 540 points / 50

    let stats = emu.stats();
    assert_eq!(stats["get_metric_data_calls"], 12);
    assert_eq!(stats["next_token_calls"], 10);
    assert_eq!(stats["datapoints_returned"], 50 + 540);

    // The request's own MaxDatapoints pages too (no fault needed).
    emu.faults(json!({"page_size": 0}));
    let (merged, pages) = get_all_pages(&client, t0, Some(100), 100).await;
    assert_eq!(merged, want);
    assert_eq!(pages, 6);

    // A token is only valid for the request that produced it.
    emu.faults(json!({"page_size": 50}));
    let token = first.next_token().expect("token").to_string();
    let err = client
        .get_metric_data()
        .metric_data_queries(stat_query("a", "Requests", "Sum", 60))
        .start_time(DateTime::from_secs(t0))
        .end_time(DateTime::from_secs(t0 + 60 * MINUTES))
        .next_token(token)
        .send()
        .await
        .expect_err("foreign NextToken");
    assert_eq!(err.code(), Some("InvalidNextToken"));
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk() {
    let emu = Emulator::start();
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;

    emu.faults(json!({"throttle_next": 2}));
    let out = get(&client, t0, queries(), Some(ScanBy::TimestampAscending))
        .await
        .expect("succeeds on the third attempt");
    assert_eq!(series(&out, "a"), expected(t0, requests_at));
    let stats = emu.stats();
    assert_eq!(stats["get_metric_data_calls"], 3);
    assert_eq!(stats["throttled"], 2);

    emu.faults(json!({"throttle_next": 5}));
    let err = get(&client, t0, queries(), None)
        .await
        .expect_err("3 attempts, all throttled");
    assert_eq!(err.code(), Some("Throttling"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    let (_, faults) = emu.control("GET", "/_emulator/faults", None);
    assert_eq!(faults["throttle_next"], 2, "exactly 3 attempts");
    assert_eq!(emu.stats()["get_metric_data_calls"], 6);

    // PutMetricData is not affected by default (fault_ops = GetMetricData).
    seed(&client, t0).await;
    let (_, faults) = emu.control("GET", "/_emulator/faults", None);
    assert_eq!(faults["throttle_next"], 2);
}

#[tokio::test]
async fn server_errors_are_retried_by_the_sdk() {
    let emu = Emulator::start();
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;

    emu.faults(json!({"fail_next": 2}));
    get(&client, t0, queries(), None)
        .await
        .expect("succeeds on the third attempt");
    assert_eq!(emu.stats()["failed"], 2);

    emu.faults(json!({"fail_next": 3}));
    let err = get(&client, t0, queries(), None)
        .await
        .expect_err("3 attempts, all failed");
    assert_eq!(err.code(), Some("InternalFailure"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));

    emu.faults(json!({"fail_next": 3, "fail_status": 503}));
    let err = get(&client, t0, queries(), None)
        .await
        .expect_err("3 attempts, all unavailable");
    assert_eq!(err.code(), Some("ServiceUnavailable"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));

    let stats = emu.stats();
    assert_eq!(stats["failed"], 8);
    assert_eq!(stats["get_metric_data_calls"], 9);

    // Faults can target every operation.
    emu.faults(json!({"fail_next": 3, "fail_status": 500, "fault_ops": ["*"]}));
    let err = client
        .put_metric_data()
        .namespace(NAMESPACE)
        .metric_data(datum("Requests", t0, 1.0))
        .send()
        .await
        .expect_err("PutMetricData fails 3 times");
    assert_eq!(err.code(), Some("InternalFailure"));
}

#[tokio::test]
async fn delays_trip_client_timeouts() {
    let emu = Emulator::start();
    let t0 = t0();
    seed(&emu.client(3, None).await, t0).await;

    // One attempt, 300 ms timeout, 2 s delay: a timeout error.
    let client = emu.client(1, Some(Duration::from_millis(300))).await;
    emu.faults(json!({"delay_ms": 2000, "delay_next": 1}));
    let started = Instant::now();
    let err = get(&client, t0, queries(), None)
        .await
        .expect_err("times out");
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1900));

    // Two attempts: the second one is not delayed and succeeds.
    let client = emu.client(2, Some(Duration::from_millis(300))).await;
    emu.faults(json!({"delay_ms": 2000, "delay_next": 1}));
    get(&client, t0, queries(), None)
        .await
        .expect("second attempt succeeds");
    let stats = emu.stats();
    assert_eq!(stats["delayed"], 2);
    assert_eq!(stats["get_metric_data_calls"], 3);
}

#[tokio::test]
async fn partial_data_and_forbidden_ids() {
    let emu = Emulator::start();
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;

    emu.faults(json!({"partial_data": true}));
    let out = get(&client, t0, queries(), None)
        .await
        .expect("GetMetricData");
    let rs = results(&out);
    assert_eq!(rs.len(), 3);
    assert!(rs.iter().all(|r| r.2 == StatusCode::PartialData), "{rs:?}");
    assert_eq!(series(&out, "a").len(), MINUTES as usize);

    emu.faults(json!({"partial_data": false, "forbidden_ids": ["b"]}));
    let out = get(&client, t0, queries(), Some(ScanBy::TimestampAscending))
        .await
        .expect("GetMetricData");
    let rs = results(&out);
    assert_eq!(rs[0].2, StatusCode::Complete);
    assert_eq!(rs[1].0, "b");
    assert_eq!(rs[1].2, StatusCode::Forbidden);
    assert!(rs[1].1.is_empty());
    let message = &out.metric_data_results()[1].messages()[0];
    assert_eq!(message.code(), Some("Forbidden"));
    assert_eq!(series(&out, "a"), expected(t0, requests_at));

    let (status, _) = emu.control("DELETE", "/_emulator/faults", None);
    assert_eq!(status, 200);
    let out = get(&client, t0, queries(), None)
        .await
        .expect("GetMetricData");
    assert!(results(&out).iter().all(|r| r.2 == StatusCode::Complete));
}

#[tokio::test]
async fn control_api() {
    let emu = Emulator::start();
    let (status, body) = emu.control("GET", "/_emulator/health", None);
    assert_eq!((status, body), (200, Value::String("ok".into())));

    let (status, faults) = emu.control("GET", "/_emulator/faults", None);
    assert_eq!(status, 200);
    assert_eq!(faults["page_size"], 0);
    assert_eq!(faults["fault_ops"], json!(["GetMetricData"]));

    let (status, body) = emu.control("POST", "/_emulator/faults", Some(json!({"pagesize": 1})));
    assert_eq!(status, 400, "{body}");
    let (status, _) = emu.control(
        "POST",
        "/_emulator/faults",
        Some(json!({"fail_status": 502})),
    );
    assert_eq!(status, 400);
    let (status, _) = emu.control("GET", "/_emulator/nope", None);
    assert_eq!(status, 404);

    // Reset clears the stored data, the faults and the statistics.
    let client = emu.client(3, None).await;
    let t0 = t0();
    seed(&client, t0).await;
    emu.faults(json!({"throttle_next": 1}));
    let (status, _) = emu.control("POST", "/_emulator/reset", None);
    assert_eq!(status, 200);
    let stats = emu.stats();
    assert_eq!(stats["put_metric_data_calls"], 0);
    let out = get(&client, t0, queries(), None)
        .await
        .expect("GetMetricData");
    assert!(results(&out).iter().all(|r| r.1.is_empty()));
    let stats = emu.stats();
    assert_eq!(stats["get_metric_data_calls"], 1);
    assert_eq!(stats["throttled"], 0);

    let (status, stats) = emu.control("DELETE", "/_emulator/stats", None);
    assert_eq!(status, 200);
    assert_eq!(stats["get_metric_data_calls"], 0);
}

#[test]
fn exits_when_stdin_closes() {
    let mut emu = Emulator::start();
    drop(emu.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = emu.child.try_wait().expect("try_wait") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after stdin closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
