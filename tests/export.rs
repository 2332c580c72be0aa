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
