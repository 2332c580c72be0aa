//! `slo export prometheus-rules`, checked by the real `promtool`: `check
//! rules` on the exported files, and `test rules` on series that burn far
//! above and far below each alert's rate, where the alerts expected to fire
//! are the ones `slo report` says fire on the same per-minute counts.

use crate::prom_server::{in_ci, tools};
use assert_cmd::Command;
use std::path::Path;

const OBJ_A: f64 = 0.001; // 1 - 99.9 %
/// 2026-11-01T00:00:00Z: where the files source's copy of the series starts
/// (promtool's start at 0, shifted; rolling windows do not mind).
const BASE: i64 = 1_793_491_200;
/// promtool's evaluation time, in minutes after the start.
const EVAL_MIN: i64 = 4_400;

const SLOS: &str = "slos:
  - { name: availability, objective: 99.9%, window: 30d, sli: { bad: errors, total: requests } }
  - { name: fast, objective: 99%, window: 30d, sli: { timeslice: { metric: p95, op: \"<\", threshold: 2, missing: ignore } } }
";

fn prom_yaml() -> String {
    format!(
        "version: 1\nservice: api\nsource: {{ type: prometheus, url: 'http://127.0.0.1:1' }}\nmetrics:
  requests: {{ counter: 'http_requests_total{{job=\"api\"}}' }}
  errors: {{ counter: 'http_requests_total{{job=\"api\",status=\"500\"}}' }}
  p95: {{ query: 'max(latency_p95_seconds{{job=\"api\"}})' }}
{SLOS}"
    )
}

fn files_yaml() -> String {
    let m = |n: &str| format!("  {n}: {{ namespace: P, name: {n}, stat: Sum }}\n");
    format!(
        "version: 1\nservice: api\nsource: {{ type: files, path: data }}\nmetrics:\n{}{}{}{SLOS}",
        m("requests"),
        m("errors"),
        m("p95")
    )
}

fn slo(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("slo")
        .unwrap()
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn promtool(args: &[&str], dir: &Path) -> (bool, String) {
    let o = std::process::Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn fmt(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One scenario: 1,000 requests a minute with errors burning `burn` times
/// the availability budget, and one minute in `slow_every` with a p95 of 3 s.
struct Scenario {
    burn: f64,
    slow_every: i64,
}

impl Scenario {
    fn errors_per_min(&self) -> f64 {
        1_000.0 * self.burn * OBJ_A
    }

    /// promtool's input series (1m interval).
    fn input(&self) -> String {
        let n = EVAL_MIN + 10;
        let e = self.errors_per_min();
        let p95: Vec<String> = (0..=n)
            .map(|k| if k % self.slow_every == 0 { "3" } else { "0.5" }.to_string())
            .collect();
        format!(
            "      - series: 'http_requests_total{{job=\"api\",status=\"200\"}}'\n        values: '0+{}x{n}'\n\
             \x20     - series: 'http_requests_total{{job=\"api\",status=\"500\"}}'\n        values: '0+{e}x{n}'\n\
             \x20     - series: 'latency_p95_seconds{{job=\"api\"}}'\n        values: '{}'\n",
            1_000.0 - e,
            p95.join(" ")
        )
    }

    /// The same, as the files source's per-minute points: a counter's
    /// increase per minute, the query's value at the end of each minute.
    fn csv(&self) -> String {
        let mut o = String::from("timestamp,metric,value\n");
        for k in 1..=EVAL_MIN + 10 {
            let t = BASE + (k - 1) * 60; // the minute that ends at sample k
            o.push_str(&format!("{},requests,1000\n", fmt(t)));
            o.push_str(&format!("{},errors,{}\n", fmt(t), self.errors_per_min()));
            let v = if k % self.slow_every == 0 { 3.0 } else { 0.5 };
            o.push_str(&format!("{},p95,{v}\n", fmt(t)));
        }
        o
    }
}

#[test]
fn exported_alerts_fire_exactly_when_the_report_says() {
    if let Err(e) = tools() {
        assert!(!in_ci(), "promtool is required under CI=true: {e}");
        eprintln!("skipping: {e}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("prom.yaml"), prom_yaml()).unwrap();
    std::fs::write(d.join("files.yaml"), files_yaml()).unwrap();
    let o = slo(
        d,
        &[
            "--config",
            "prom.yaml",
            "export",
            "prometheus-rules",
            "--out",
            "rules.yml",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ok, out) = promtool(&["check", "rules", "rules.yml"], d);
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");

    // Far above and far below each rate: 14.4 (1h/5m), 6 (6h/30m), 1 (3d/6h).
    let scenarios = [
        Scenario {
            burn: 30.0,
            slow_every: 4,
        }, // every alert of both SLOs
        Scenario {
            burn: 9.0,
            slow_every: 10,
        }, // 6 and 1; time slices 10×: 6 and 1
        Scenario {
            burn: 3.0,
            slow_every: 40,
        }, // 1 only; slices 2.5×: 1 only
        Scenario {
            burn: 0.3,
            slow_every: 1_000,
        }, // none
    ];
    let mut tests = String::from("rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n");
    let mut fired = 0;
    for (i, sc) in scenarios.iter().enumerate() {
        // What the report says at the same moment, from the same counts.
        std::fs::create_dir_all(d.join("data")).unwrap();
        std::fs::write(d.join("data/points.csv"), sc.csv()).unwrap();
        let t = fmt(BASE + EVAL_MIN * 60);
        let o = slo(
            d,
            &[
                "--config",
                "files.yaml",
                "report",
                "--format",
                "json",
                "--as-of",
                &t,
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut exp = String::new();
        for s in r["slos"].as_array().unwrap() {
            for a in s["alerts"].as_array().unwrap() {
                // Far from every rate: the extrapolated PromQL cannot tip it.
                let margin = |b: &serde_json::Value| {
                    let (b, rate) = (b.as_f64().unwrap(), a["burn_rate"].as_f64().unwrap());
                    (b / rate).max(rate / b) > 1.3
                };
                assert!(
                    margin(&a["long_burn_rate"]) && margin(&a["short_burn_rate"]),
                    "case {i}: {a}"
                );
                if a["firing"] == true {
                    fired += 1;
                    let (name, sev, long, short) = (
                        s["name"].as_str().unwrap(),
                        a["severity"].as_str().unwrap(),
                        a["long"].as_str().unwrap(),
                        a["short"].as_str().unwrap(),
                    );
                    let rate = a["burn_rate"].as_f64().unwrap();
                    exp.push_str(&format!(
                        "          - exp_labels: {{ service: api, slo: {name}, severity: {sev}, long: '{long}', short: '{short}' }}\n\
                         \x20           exp_annotations: {{ summary: '{name}: error budget burning faster than {rate}x over {long} and {short}' }}\n"
                    ));
                }
            }
        }
        tests.push_str(&format!(
            "  - name: case {i} (burn {})\n    interval: 1m\n    input_series:\n{}    alert_rule_test:\n      - eval_time: {EVAL_MIN}m\n        alertname: ErrorBudgetBurn\n        exp_alerts:{}\n",
            sc.burn,
            sc.input(),
            if exp.is_empty() { " []".to_string() } else { format!("\n{exp}") }
        ));
    }
    // 6 + 4 + 2 + 0 alerts fire in the report.
    assert_eq!(fired, 12);
    std::fs::write(d.join("tests.yml"), &tests).unwrap();
    let (ok, out) = promtool(&["test", "rules", "tests.yml"], d);
    assert!(ok, "{out}\n{tests}");
}

#[test]
fn cloudwatch_slos_are_left_out_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = slo(repo, &["export", "prometheus-rules", "--out"])
        .status
        .code();
    assert_eq!(o, Some(2), "--out needs a file");
    let out = dir.path().join("rules.yml");
    let o = slo(
        repo,
        &["export", "prometheus-rules", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("SLO `availability` is left out of the export: metric `requests` is a CloudWatch metric"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().last(),
        Some("groups: []")
    );
}

/// The repository's Prometheus example exports rules that promtool accepts,
/// one group per SLO, time slices recorded once a minute.
#[test]
fn the_prometheus_example_exports_valid_rules() {
    if let Err(e) = tools() {
        assert!(!in_ci(), "promtool is required under CI=true: {e}");
        eprintln!("skipping: {e}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = dir.path().join("rules.yml");
    let o = slo(
        repo,
        &[
            "--config",
            "examples/prometheus/slo.yaml",
            "export",
            "prometheus-rules",
            "--as-of",
            "2026-11-23T00:00:00Z",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "no SLO left out");
    let (ok, text) = promtool(&["check", "rules", out.to_str().unwrap()], dir.path());
    assert!(ok, "{text}");
    let rules = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rules.matches("  - name: ").count(), 5);
    assert_eq!(rules.matches("alert: ErrorBudgetBurn").count(), 15);
    assert_eq!(rules.matches("record: slo:slice_good").count(), 2);
    // The 7-day SLOs' default windows, scaled: 14m/2m, 84m/7m, 1008m/84m.
    assert!(rules.contains("record: slo:error_ratio:1008m"), "{rules}");
}

/// A CloudWatch metric-math expression of the shapes the export writes
/// (`FILL(m, 0)`, `+ - * /`, parentheses, numbers, query ids), evaluated on
/// one datapoint per query: a query without a datapoint is `None`, FILL
/// gives it its value, a missing operand or a division by 0 has none.
fn metric_math(e: &str, vals: &std::collections::HashMap<String, Option<f64>>) -> Option<f64> {
    struct P<'a> {
        s: &'a [u8],
        i: usize,
        vals: &'a std::collections::HashMap<String, Option<f64>>,
    }
    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i] == b' ' {
                self.i += 1;
            }
        }
        fn peek(&mut self) -> u8 {
            self.ws();
            self.s.get(self.i).copied().unwrap_or(0)
        }
        fn expr(&mut self) -> Option<f64> {
            let mut v = self.term();
            while matches!(self.peek(), b'+' | b'-') {
                let op = self.s[self.i];
                self.i += 1;
                let r = self.term();
                v = match (v, r) {
                    (Some(a), Some(b)) => Some(if op == b'+' { a + b } else { a - b }),
                    _ => None,
                };
            }
            v
        }
        fn term(&mut self) -> Option<f64> {
            let mut v = self.factor();
            while matches!(self.peek(), b'*' | b'/') {
                let op = self.s[self.i];
                self.i += 1;
                let r = self.factor();
                v = match (v, r) {
                    (Some(a), Some(b)) if op == b'*' => Some(a * b),
                    (Some(a), Some(b)) if b != 0.0 => Some(a / b),
                    _ => None,
                };
            }
            v
        }
        fn factor(&mut self) -> Option<f64> {
            match self.peek() {
                b'-' => {
                    self.i += 1;
                    self.factor().map(|v| -v)
                }
                b'(' => {
                    self.i += 1;
                    let v = self.expr();
                    assert_eq!(self.peek(), b')');
                    self.i += 1;
                    v
                }
                c if c.is_ascii_digit() => {
                    let st = self.i;
                    while self.i < self.s.len()
                        && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
                    {
                        self.i += 1;
                    }
                    std::str::from_utf8(&self.s[st..self.i])
                        .unwrap()
                        .parse()
                        .ok()
                }
                _ => {
                    let st = self.i;
                    while self.i < self.s.len()
                        && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                    {
                        self.i += 1;
                    }
                    let name = std::str::from_utf8(&self.s[st..self.i]).unwrap();
                    if name == "FILL" {
                        assert_eq!(self.peek(), b'(');
                        self.i += 1;
                        let v = self.expr();
                        assert_eq!(self.peek(), b',');
                        self.i += 1;
                        let fill = self.expr();
                        assert_eq!(self.peek(), b')');
                        self.i += 1;
                        v.or(fill)
                    } else {
                        *self
                            .vals
                            .get(name)
                            .unwrap_or_else(|| panic!("unknown id {name}"))
                    }
                }
            }
        }
    }
    let mut p = P {
        s: e.as_bytes(),
        i: 0,
        vals,
    };
    let v = p.expr();
    assert_eq!(p.peek(), 0, "trailing text in {e}");
    v
}

/// The exported alarms, evaluated with CloudWatch's semantics (each query's
/// datapoint is the sum of its metric over the alarm's period, aligned to
/// the clock; FILL; the ReturnData value against the threshold; the
/// composite when both children are in ALARM) on the bundled sample at every
/// hour of its last 21 days where both windows are whole periods before T,
/// against the report's alerts at that T.
#[test]
fn cloudwatch_alarms_fire_exactly_when_the_report_says() {
    use slo::compute::{evaluate, EvalOptions, Reach};
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = slo::config::load(&repo.join("slo.yaml")).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
        .unwrap()
        .timestamp();
    let (text, _) = slo::export::cloudformation::template(&cfg, end);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let res = doc["Resources"].as_object().unwrap();
    let needs = slo::compute::needs(
        &cfg,
        end,
        Reach {
            series_range: 8 * 86_400,
            history: 0,
        },
    );
    let data = slo::source::load(&cfg, &needs, &Default::default())
        .unwrap()
        .data;
    let sum = |metric: &str, a: i64, b: i64| -> Option<f64> {
        let s = data.get(metric)?;
        let pts: Vec<f64> = s
            .iter()
            .filter(|(t, _)| (a..b).contains(t))
            .map(|(_, v)| v)
            .collect();
        (!pts.is_empty()).then(|| pts.iter().sum())
    };
    let alarm_state = |id: &str, t: i64| -> bool {
        let p = &res[id]["Properties"];
        let mut vals = std::collections::HashMap::new();
        let mut out = None;
        for q in p["Metrics"].as_array().unwrap() {
            let qid = q["Id"].as_str().unwrap().to_string();
            let v = if let Some(ms) = q.get("MetricStat") {
                let period = ms["Period"].as_i64().unwrap();
                assert_eq!(t % period, 0);
                sum(&qid, t - period, t)
            } else {
                metric_math(q["Expression"].as_str().unwrap(), &vals)
            };
            if q["ReturnData"] == true {
                out = v;
            }
            vals.insert(qid, v);
        }
        // TreatMissingData: notBreaching.
        out.is_some_and(|v| v > p["Threshold"].as_f64().unwrap())
    };
    let (mut checked, mut fired) = (0, 0);
    // Every hour of 21 days, and every minute around the sample's incidents
    // (Nov 12 14:00, Nov 21 09:00–11:00), where the shorter windows end.
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let mut times: Vec<i64> = (0..=21 * 24).map(|h| end - h * 3_600).collect();
    for (a, b) in [
        (at("2026-11-12T13:00:00Z"), at("2026-11-12T17:00:00Z")),
        (at("2026-11-21T08:00:00Z"), at("2026-11-21T12:00:00Z")),
    ] {
        times.extend((a..b).step_by(60).filter(|t| t % 3_600 != 0));
    }
    for t in times {
        let report = evaluate(
            &cfg,
            &data,
            &EvalOptions {
                as_of: t,
                as_of_requested: None,
                series_range: 0,
                series_step: 0,
                history: 0,
            },
        )
        .unwrap();
        for (id, r) in res {
            if r["Type"] != "AWS::CloudWatch::CompositeAlarm" {
                continue;
            }
            let rule = r["Properties"]["AlarmRule"]["Fn::Sub"].as_str().unwrap();
            let kids: Vec<&str> = rule
                .split("${")
                .skip(1)
                .map(|s| s.split(".Arn").next().unwrap())
                .collect();
            let periods: Vec<i64> = kids
                .iter()
                .map(|k| {
                    res[*k]["Properties"]["Metrics"][0]["MetricStat"]["Period"]
                        .as_i64()
                        .unwrap()
                })
                .collect();
            if periods.iter().any(|p| t % p != 0) {
                continue; // the alarm's periods do not end at T
            }
            let composite = kids.iter().all(|k| alarm_state(k, t));
            let name = r["Properties"]["AlarmName"].as_str().unwrap();
            let (slo_name, alert) = report
                .slos
                .iter()
                .flat_map(|s| s.alerts.iter().map(move |a| (s.name.as_str(), a)))
                .find(|(s, a)| {
                    name == format!("wwhd-backend-{s}-{}-{}-{}", a.severity, a.long, a.short)
                })
                .unwrap_or_else(|| panic!("{id}: no alert of the report"));
            assert_eq!(
                composite,
                alert.firing,
                "{slo_name} {}/{} at {}: alarm {composite}, report {}",
                alert.long,
                alert.short,
                fmt(t),
                alert.firing
            );
            checked += 1;
            fired += composite as usize;
        }
    }
    eprintln!("{checked} alarm states checked, {fired} in ALARM");
    assert!(checked > 1_000, "{checked}");
    assert!(
        fired > 0 && fired < checked,
        "{fired} of {checked}: both outcomes seen"
    );
}

/// `cfn-lint` (installed by `.ci/run`; pip-installed here when missing).
fn cfn_lint() -> Result<(), String> {
    static OK: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    OK.get_or_init(|| {
        let have = || {
            std::process::Command::new("cfn-lint")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !have() {
            let _ = std::process::Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "cfn-lint"])
                .output();
        }
        if have() {
            Ok(())
        } else {
            Err("cfn-lint is not installed (python3 -m pip install cfn-lint)".into())
        }
    })
    .clone()
}

/// The repository's slo.yaml, with the seed's SNS topics as `notify:`: a
/// template cfn-lint accepts, a composite per exportable tier with its
/// topic, lower tiers suppressed by higher ones, and what CloudWatch cannot
/// express left out with a warning naming the SLO.
#[test]
fn the_cloudformation_export_passes_cfn_lint() {
    if let Err(e) = cfn_lint() {
        assert!(!in_ci(), "cfn-lint is required under CI=true: {e}");
        eprintln!("skipping: {e}");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(repo.join("slo.yaml"))
        .unwrap()
        .replace("path: examples/data", &format!("path: {}", repo.join("examples/data").display()))
        + "notify:\n  page: arn:aws:sns:us-west-2:123456789012:critical-alerts\n  ticket: [arn:aws:sns:us-west-2:123456789012:warning-alerts]\n";
    std::fs::write(dir.path().join("slo.yaml"), yaml).unwrap();
    let o = slo(
        dir.path(),
        &[
            "export",
            "cloudformation",
            "--as-of",
            "2026-11-23T00:00:00Z",
            "--out",
            "alarms.json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("SLO `availability` has its ticket alert (3d/6h) left out"),
        "{err}"
    );
    assert!(
        err.contains("SLO `throughput` is left out of the export: a time-slice SLI"),
        "{err}"
    );
    let lint = std::process::Command::new("cfn-lint")
        .arg(dir.path().join("alarms.json"))
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("alarms.json")).unwrap())
            .unwrap();
    let r = t["Resources"].as_object().unwrap();
    let composites: Vec<&serde_json::Value> = r
        .values()
        .filter(|v| v["Type"] == "AWS::CloudWatch::CompositeAlarm")
        .collect();
    // availability 2 tiers, latency 3, error-rate 3.
    assert_eq!(composites.len(), 8);
    assert_eq!(r.len(), 8 * 3);
    let page = &r["AvailabilityPage1h5m"]["Properties"];
    assert_eq!(
        page["AlarmActions"][0],
        "arn:aws:sns:us-west-2:123456789012:critical-alerts"
    );
    assert!(
        page.get("ActionsSuppressor").is_none(),
        "the top tier is never suppressed"
    );
    let slower = &r["AvailabilityPage6h30m"]["Properties"];
    assert_eq!(
        slower["ActionsSuppressor"]["Fn::GetAtt"][0],
        "AvailabilityPage1h5m"
    );
    let ticket = &r["LatencyTicket1008m84m"]["Properties"];
    assert_eq!(
        ticket["AlarmActions"][0],
        "arn:aws:sns:us-west-2:123456789012:warning-alerts"
    );
    // Thresholds exact: 14.4 × 0.1 %.
    assert_eq!(
        r["AvailabilityPage1h5mLong"]["Properties"]["Threshold"],
        0.0144
    );
    // A notify: severity that no alert has is a config error.
    let bad = std::fs::read_to_string(dir.path().join("slo.yaml"))
        .unwrap()
        .replace("  page: arn", "  pager: arn");
    std::fs::write(dir.path().join("bad.yaml"), bad).unwrap();
    let o = slo(dir.path(), &["--config", "bad.yaml", "validate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("notify.pager: no alert has the severity `pager`"));
}
