//! The binary, end to end: every exit code, one fixture per bad input with the
//! message it must print, and the files `--out` writes.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn slo() -> Command {
    let mut c = Command::cargo_bin("slo").unwrap();
    c.env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1");
    c
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Every file in fixtures/config is an invalid slo.yaml whose `# stderr:`
/// lines are the whole of what `slo validate` prints (run beside it, so the
/// path is its name): the message, the line, the key path and the hint.
#[test]
fn every_bad_config_fixture_exits_2_with_its_message() {
    let dir = repo().join("tests/fixtures/config");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let want: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("# stderr: "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!want.is_empty(), "{name} has no # stderr: line");
        let out = slo()
            .current_dir(&dir)
            .args(["validate", "--config", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert_eq!(stderr(&out), want, "{name}");
        n += 1;
    }
    assert!(n >= 25, "only {n} fixtures");
}

#[test]
fn validate_accepts_the_repository_config() {
    let out = slo()
        .arg("validate")
        .arg("--config")
        .arg(repo().join("slo.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("5 SLOs"), "{}", stdout(&out));
}

// The binary switches mimalloc's eager arena commit off before its first
// allocation (src/main.rs, by the option's index in mimalloc's enum): the
// allocator's own report of its options says whether that took, and would
// catch the index naming another option after an upgrade.
#[cfg(target_os = "linux")]
#[test]
fn the_allocator_commits_memory_as_it_is_used() {
    let out = slo()
        .env("MIMALLOC_VERBOSE", "1")
        .current_dir(repo())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("option 'arena_eager_commit': 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_config_exits_2_with_a_hint() {
    let out = slo()
        .args(["validate", "--config", "/nonexistent/slo.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/slo.yaml"));
    assert!(stderr(&out).contains("hint"));
}

#[test]
fn bad_flags_exit_2() {
    let out = slo().args(["report", "--format", "yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = slo()
        .arg("report")
        .arg("--config")
        .arg(repo().join("slo.yaml"))
        .args(["--as-of", "last tuesday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of"), "{}", stderr(&out));
    let out = slo()
        .arg("check")
        .arg("--config")
        .arg(repo().join("slo.yaml"))
        .args(["--fail-on", "explodes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`explodes` is not a condition"));
}

pub const CONFIG: &str = "version: 1
service: fixture
source: { type: files, path: data }
metrics:
  requests: { namespace: N, name: R, stat: Sum }
  errors_5xx: { namespace: N, name: E, stat: Sum }
slos:
  - { name: availability, objective: 99%, window: 1h, sli: { bad: errors_5xx, total: requests } }
";

/// A temporary project: slo.yaml and one data file.
pub fn project(config: &str, file: &str, content: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slo.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data").join(file), content).unwrap();
    dir
}

/// One CSV point of `requests`: enough for a project that reads.
const ONE_POINT: &str = "timestamp,metric,value\n2026-11-01T00:10:00Z,requests,1\n";

/// `slo COMMAND --config DIR/slo.yaml ARGS…`
pub fn run_in(dir: &Path, command: &str, args: &[&str]) -> std::process::Output {
    slo()
        .arg(command)
        .arg("--config")
        .arg(dir.join("slo.yaml"))
        .args(args)
        .output()
        .unwrap()
}

/// `slo report` at 2026-11-01T01:00:00Z.
pub fn report(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--as-of", "2026-11-01T01:00:00Z"];
    args.extend_from_slice(extra);
    run_in(dir, "report", &args)
}

fn cli_json(ids: &[(&str, &[&str], &str)]) -> String {
    let results: Vec<String> = ids
        .iter()
        .map(|(id, ts, vals)| {
            let ts: Vec<String> = ts.iter().map(|t| format!("\"{t}\"")).collect();
            format!(
                "{{\"Id\": \"{id}\", \"Label\": \"{id}\", \"Timestamps\": [{}], \"Values\": [{vals}], \"StatusCode\": \"Complete\"}}",
                ts.join(", ")
            )
        })
        .collect();
    format!(
        "{{\"MetricDataResults\": [{}], \"Messages\": []}}",
        results.join(", ")
    )
}

/// Each bad data file exits 3 with a message naming the file, the metric and the time.
#[test]
fn bad_data_exits_3_naming_the_culprit() {
    let t0 = "2026-11-01T00:10:00+00:00";
    let t1 = "2026-11-01T00:11:00+00:00";
    let cases: Vec<(&str, &str, String, Vec<&str>)> = vec![
        ("malformed-json", "a.json", "{\"MetricDataResults\": [".into(), vec!["a.json", "get-metric-data"]),
        ("not-cli-json", "a.json", "{\"foo\": 1}".into(), vec!["a.json", "MetricDataResults"]),
        (
            "non-numeric-json",
            "a.json",
            "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2026-11-01T00:10:00Z\"], \"Values\": [\"lots\"]}]}".into(),
            vec!["a.json", "`requests`", "2026-11-01T00:10:00Z", "\"lots\" is not a number"],
        ),
        (
            "negative-json",
            "a.json",
            cli_json(&[("requests", &[t0], "-5")]),
            vec!["a.json", "`requests`", "2026-11-01T00:10:00Z", "-5 is negative"],
        ),
        (
            "length-mismatch",
            "a.json",
            cli_json(&[("requests", &[t0, t1], "5")]),
            vec!["a.json", "`requests`", "2 timestamps but 1 values"],
        ),
        (
            "bad-timestamp-json",
            "a.json",
            cli_json(&[("requests", &["yesterday"], "5")]),
            vec!["a.json", "`requests`", "`yesterday` is not an RFC 3339 timestamp"],
        ),
        (
            "duplicate-json",
            "a.json",
            cli_json(&[("requests", &[t0, t0], "5, 6")]),
            vec!["a.json", "`requests`", "two points at 2026-11-01T00:10:00Z"],
        ),
        (
            "nan-csv",
            "a.csv",
            "timestamp,metric,value\n2026-11-01T00:10:00Z,requests,NaN\n".into(),
            vec!["a.csv", "`requests`", "2026-11-01T00:10:00Z", "not a finite number"],
        ),
        (
            "text-csv",
            "a.csv",
            "timestamp,metric,value\n2026-11-01T00:10:00Z,requests,ten\n".into(),
            vec!["a.csv:2", "`requests`", "`ten` is not a number"],
        ),
        (
            "bad-timestamp-csv",
            "a.csv",
            "timestamp,metric,value\n11/01/2026 00:10,requests,1\n".into(),
            vec!["a.csv:2", "`11/01/2026 00:10` is not an RFC 3339 timestamp"],
        ),
        (
            "bad-header-csv",
            "a.csv",
            "time,name,value\n".into(),
            vec!["a.csv", "no `timestamp` column"],
        ),
        (
            "not-parquet",
            "a.parquet",
            "this is not parquet".into(),
            vec!["a.parquet", "not a readable Parquet file"],
        ),
    ];
    for (name, file, content, expects) in cases {
        let dir = project(CONFIG, file, &content);
        let out = report(dir.path(), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{name}: {err}");
        for e in expects {
            assert!(err.contains(e), "{name}: expected `{e}` in: {err}");
        }
        assert!(stdout(&out).is_empty(), "{name}: nothing on stdout");
    }
}

#[test]
fn a_missing_data_directory_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slo.yaml"), CONFIG).unwrap();
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("data"), "{}", stderr(&out));
}

#[test]
fn duplicates_across_files_name_both_files() {
    let dir = project(CONFIG, "a.csv", ONE_POINT);
    std::fs::write(dir.path().join("data/b.csv"), ONE_POINT).unwrap();
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("a.csv") && err.contains("b.csv"), "{err}");
}

#[test]
fn json_csv_and_status_warnings() {
    // requests in JSON (newest first, PartialData), errors in CSV.
    let json = "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2026-11-01T00:59:00+00:00\", \"2026-11-01T00:00:00+00:00\"], \"Values\": [100, 100], \"StatusCode\": \"PartialData\"}], \"Messages\": []}";
    let dir = project(CONFIG, "a.json", json);
    std::fs::write(
        dir.path().join("data/b.csv"),
        "timestamp,metric,value\n2026-11-01T00:59:00Z,errors_5xx,1\n",
    )
    .unwrap();
    let out = report(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("PartialData"), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["slos"][0];
    assert_eq!(s["good"], 199.0);
    assert_eq!(s["total"], 200.0);
    assert_eq!(s["sli"], 0.995);
    assert_eq!(v["as_of"], "2026-11-01T01:00:00Z");
}

#[test]
fn as_of_inside_a_period_is_floored_and_said() {
    let dir = project(CONFIG, "a.csv", ONE_POINT);
    let out = run_in(
        dir.path(),
        "report",
        &["--as-of", "2026-11-01T01:00:30+00:00", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["as_of"], "2026-11-01T01:00:00Z");
    assert_eq!(v["as_of_requested"], "2026-11-01T01:00:30Z");
}

pub const CHECK_CONFIG: &str = "version: 1
service: fixture
source: { type: files, path: data }
metrics:
  requests: { namespace: N, name: R, stat: Sum }
  errors_5xx: { namespace: N, name: E, stat: Sum }
slos:
  - { name: fine, objective: 50%, window: 1h, sli: { bad: errors_5xx, total: requests } }
  - { name: broken, objective: 99.9%, window: 1h, sli: { bad: errors_5xx, total: requests } }
";

pub fn check(dir: &Path, extra: &[&str], summary: Option<&Path>) -> std::process::Output {
    let mut c = slo();
    if let Some(s) = summary {
        c.env("GITHUB_STEP_SUMMARY", s);
    }
    c.arg("check")
        .arg("--config")
        .arg(dir.join("slo.yaml"))
        .args(["--as-of", "2026-11-01T01:00:00Z"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn check_fails_on_breach_and_passes_otherwise() {
    // 1 % errors: `broken` (99.9 %) is breached, `fine` (50 %) is not.
    let mut csv = String::from("timestamp,metric,value\n");
    for m in 0..60 {
        csv.push_str(&format!(
            "2026-11-01T00:{m:02}:00Z,requests,100\n2026-11-01T00:{m:02}:00Z,errors_5xx,1\n"
        ));
    }
    let dir = project(CHECK_CONFIG, "a.csv", &csv);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = check(dir.path(), &[], Some(&summary));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FAIL  broken"), "{text}");
    assert!(text.contains("pass  fine"), "{text}");
    assert!(
        text.contains("[breached, alert:page, alert:ticket]"),
        "{text}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n"), "appended, not replaced");
    assert!(md.contains("| [broken](#broken)"), "{md}");

    // `warning` means warning or worse: a breached SLO fails it too.
    let out = check(dir.path(), &["--fail-on", "warning"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("FAIL  broken"), "{}", stdout(&out));
    assert!(stdout(&out).contains("[warning]"), "{}", stdout(&out));
    assert!(stdout(&out).contains("pass  fine"), "{}", stdout(&out));
    // A severity that does not fire passes.
    let out = check(dir.path(), &["--fail-on", "alert:ticket"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the ticket alert fires too: {}",
        stdout(&out)
    );
    // A severity no alert has is a typo, not a gate that always passes.
    let out = check(dir.path(), &["--fail-on", "alert:nonexistent"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no alert has the severity `nonexistent`")
            && stderr(&out).contains("page, ticket"),
        "{}",
        stderr(&out)
    );

    let out = check(dir.path(), &["--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pass"], false);
    assert_eq!(v["failing"][0]["name"], "broken");
    assert_eq!(v["slos"].as_array().unwrap().len(), 2);
}

#[test]
fn check_no_data_fails_only_when_asked() {
    // Data for other times only: the 1-hour window holds nothing (no data),
    // but every metric has points (no missing data).
    let csv = "timestamp,metric,value\n2026-10-30T00:00:00Z,requests,1\n2026-10-30T00:00:00Z,errors_5xx,0\n";
    let dir = project(CHECK_CONFIG, "a.csv", csv);
    let out = check(dir.path(), &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no data"), "{}", stdout(&out));
    let out = check(dir.path(), &["--fail-on", "no-data"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[no-data]"), "{}", stdout(&out));
}

#[test]
fn report_out_writes_markdown_and_json_atomically() {
    let mut csv = String::from("timestamp,metric,value\n");
    for m in 0..60 {
        csv.push_str(&format!("2026-11-01T00:{m:02}:00Z,requests,100\n"));
    }
    let config = CONFIG.replace("name: availability", "name: \"avail|ability\\nx\"");
    let dir = project(&config, "a.csv", &csv);
    let out_dir = dir.path().join("out");
    let out = report(
        dir.path(),
        &["--out", out_dir.to_str().unwrap(), "--format", "markdown"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    let page = stdout(&out);
    let row = page.lines().find(|l| l.starts_with("| [avail")).unwrap();
    assert!(
        md.contains(row),
        "report.md holds the summary of stdout: {md}"
    );
    assert!(
        md.contains("![SLI trends of every SLO](overview.png)"),
        "{md}"
    );
    assert!(out_dir.join("overview.png").exists());
    assert!(
        md.contains("avail\\|ability x"),
        "a | in a name is escaped: {md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["slos"][0]["name"], "avail|ability\nx");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The repository's own slo.yaml and sample: the README's first command.
#[test]
fn the_embedded_default_reports() {
    let out = slo()
        .current_dir(repo())
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["service"], "wwhd-backend");
    assert_eq!(v["as_of"], "2026-11-23T00:00:00Z");
    let slos = v["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 5);
    for s in slos {
        assert!(s["sli"].as_f64().is_some(), "{}", s["name"]);
        assert_eq!(s["series"].as_array().unwrap().len(), 169);
        for k in ["5m", "30m", "1h", "6h", "1d", "3d"] {
            assert!(s["burn_rates"].get(k).is_some());
        }
    }
    // Where the budget went, and history (four earlier windows by default).
    let a = &slos[0];
    assert_eq!(a["budget_by_day"].as_array().unwrap().len(), 30);
    let shares: f64 = a["budget_by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["share"].as_f64().unwrap())
        .sum();
    let remaining = a["error_budget"]["remaining_ratio"].as_f64().unwrap();
    assert!(
        (shares - (1.0 - remaining)).abs() < 1e-9,
        "{shares} {remaining}"
    );
    let hours = a["worst_hours"].as_array().unwrap();
    assert_eq!(hours.len(), 5);
    assert!(hours
        .windows(2)
        .all(|w| w[0]["bad"].as_f64() >= w[1]["bad"].as_f64()));
    let h = a["history"].as_array().unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(h[0]["as_of"], "2026-10-24T00:00:00Z");
    let two = slo()
        .current_dir(repo())
        .args(["report", "--format", "json", "--history", "2"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&two.stdout).unwrap();
    assert_eq!(v["slos"][0]["history"].as_array().unwrap().len(), 2);
    let bad = slo()
        .current_dir(repo())
        .args(["report", "--history", "-1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let table = slo().current_dir(repo()).arg("report").output().unwrap();
    assert_eq!(table.status.code(), Some(0));
    assert!(stdout(&table).contains("trend"), "{}", stdout(&table));
    assert!(stdout(&table).contains("availability"));
    assert!(
        !stdout(&table).contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

/// Values too large to sum exactly are refused, never wrapped or panicked on.
#[test]
fn sums_beyond_exact_range_exit_3() {
    let mut csv = String::from("timestamp,metric,value\n");
    for m in 0..3 {
        csv.push_str(&format!("2026-11-01T00:{m:02}:00Z,requests,4e18\n"));
    }
    let dir = project(CONFIG, "a.csv", &csv);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be counted exactly"),
        "{}",
        stderr(&out)
    );
    let csv = "timestamp,metric,value\n2026-11-01T00:00:00Z,requests,1e300\n";
    let dir = project(CONFIG, "a.csv", csv);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("too large"), "{}", stderr(&out));
}

/// `slo fetch` takes the shared options, `--format json` included.
#[test]
fn fetch_on_files_reads_and_reports_as_json() {
    let dir = project(CONFIG, "a.csv", ONE_POINT);
    let out = run_in(
        dir.path(),
        "fetch",
        &["--format", "json", "--as-of", "2026-11-01T01:00:00Z"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "files");
    assert_eq!(v["points"], 1);
    assert_eq!(v["calls"], 0);
    let bad = project(CONFIG, "a.csv", "timestamp,metric,value\nx,requests,1\n");
    let out = slo()
        .arg("fetch")
        .arg("--config")
        .arg(bad.path().join("slo.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn series_range_and_step_shape_the_history() {
    let dir = project(CONFIG, "a.csv", ONE_POINT);
    let out = report(
        dir.path(),
        &[
            "--format",
            "json",
            "--series-range",
            "1d",
            "--series-step",
            "6h",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = v["slos"][0]["series"].as_array().unwrap();
    assert_eq!(series.len(), 5);
    assert_eq!(series[0]["t"], "2026-10-31T01:00:00Z");
    assert_eq!(series[4]["t"], "2026-11-01T01:00:00Z");
    let out = report(dir.path(), &["--series-range", "1h", "--series-step", "1d"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--series-step 1d is longer"),
        "{}",
        stderr(&out)
    );
}

/// The bundled sample is what the generator in the repository writes, byte for byte.
#[test]
fn the_bundled_sample_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    crate::generate::write(
        dir.path(),
        0,
        35,
        crate::generate::SAMPLE_END,
        "parquet",
        false,
    )
    .unwrap();
    let made = std::fs::read(dir.path().join("alb.parquet")).unwrap();
    let kept = std::fs::read(repo().join("examples/data/alb.parquet")).unwrap();
    assert!(
        made == kept,
        "examples/data/alb.parquet differs from `slo generate`"
    );
}

/// `--slo NAME` (repeatable) reports a subset; an unknown name is exit 2
/// naming the SLOs; `--as-of latest` and `--as-of now` are T's shortcuts.
#[test]
fn slo_subsets_and_as_of_shortcuts() {
    let run = |args: &[&str]| slo().current_dir(repo()).args(args).output().unwrap();
    let out = run(&[
        "report",
        "--format",
        "json",
        "--slo",
        "error-rate",
        "--slo",
        "availability",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["availability", "error-rate"], "slo.yaml order");
    let out = run(&["check", "--slo", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--slo `nope`: slo.yaml has no such SLO"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("the SLOs are: availability, latency"),
        "{}",
        stderr(&out)
    );
    // latest: the end of the sample, as slo.yaml's own `as_of: latest`.
    let out = run(&[
        "report", "--format", "json", "--as-of", "latest", "--slo", "latency",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["as_of"], "2026-11-23T00:00:00Z");
    // now: far past the sample, so the 1-day SLO has no data.
    let out = run(&[
        "report",
        "--format",
        "json",
        "--as-of",
        "now",
        "--slo",
        "error-rate",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["as_of"].as_str().unwrap() > "2026-12-01",
        "{}",
        v["as_of"]
    );
    assert_eq!(v["slos"][0]["status"], "no_data");
}

/// Completions for every shell clap_complete knows, and a man page.
#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "_slo()"),
        ("zsh", "#compdef slo"),
        ("fish", "complete -c slo"),
    ] {
        let out = slo().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..text.len().min(200)]
        );
        assert!(
            text.contains("history") && text.contains("export"),
            "{shell}"
        );
    }
    let out = slo().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let man = stdout(&out);
    assert!(man.starts_with(".ie") && man.contains(".TH slo 1"), "{man}");
    assert!(man.contains("report") && man.contains("completions"));
    assert_eq!(
        slo()
            .args(["completions", "tcsh"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

// What the data leaves out of the windows is said once, naming the SLOs: a
// T well past the newest data, and windows that start before the data.
#[test]
fn data_that_does_not_cover_the_windows_is_warned_about() {
    let run = |as_of: Option<&str>| {
        let mut c = slo();
        c.current_dir(repo()).args(["report", "--format", "json"]);
        if let Some(t) = as_of {
            c.args(["--as-of", t]);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stderr(&out)
    };
    // slo.yaml pins T at the end of the sample: nothing to say.
    assert_eq!(run(None), "");
    // Two weeks later: every SLO's data ends 14 days before T.
    let late = run(Some("2026-12-07T00:00:00Z"));
    assert!(
        late.contains("well past the newest data of 5 SLOs")
            && late.contains("`availability` (its data ends 2026-11-23T00:00:00Z, 14 d before T)")
            && late.contains("--as-of latest"),
        "{late}"
    );
    // Early in the sample: the 30-day window starts before the data (the
    // 7-day windows barely, the 1-day ones not at all).
    let short = run(Some("2026-10-25T00:00:00Z"));
    assert!(
        short.contains("does not cover the whole window of 3 SLOs")
            && short.contains(
                "`availability` (data from 2026-10-19T00:00:00Z, window from 2026-09-25T00:00:00Z)"
            )
            && !short.contains("`throughput`"),
        "{short}"
    );
    assert!(!short.contains("well past"), "{short}");
}

// A terminal's width (COLUMNS, as shells set it) is what the table fits.
#[test]
fn the_table_fits_columns() {
    let out = slo()
        .current_dir(repo())
        .env("COLUMNS", "80")
        .arg("report")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let widest = text
        .lines()
        .filter(|l| l.starts_with(['╭', '│', '╰']))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(widest <= 80, "{widest}\n{text}");
    assert!(text.contains("too narrow for"), "{text}");
    // Piped, without COLUMNS: every column.
    let out = slo().current_dir(repo()).arg("report").output().unwrap();
    assert!(stdout(&out).contains("worst burn"), "{}", stdout(&out));
}

// slo init without a resource writes a template that validates, and never
// replaces a file without --force.
#[test]
fn init_writes_a_template_and_keeps_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let init = |extra: &[&str]| {
        slo()
            .current_dir(dir.path())
            .arg("init")
            .args(extra)
            .output()
            .unwrap()
    };
    let out = init(&["--service", "checkout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap();
    assert!(
        text.contains("service: checkout") && text.contains("type: files"),
        "{text}"
    );
    let v = slo()
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    assert!(stdout(&v).contains("2 SLOs"), "{}", stdout(&v));
    let out = init(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("slo.yaml: already there"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap(),
        text
    );
    let out = init(&["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(dir.path().join("slo.yaml"))
        .unwrap()
        .contains("service: my-service"));
    // One resource at a time.
    let out = init(&["--alb", "a", "--api-gateway", "b"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
