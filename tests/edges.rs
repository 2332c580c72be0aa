//! Trust at the edges, as a careless user meets them: `--out` never loses a
//! file, the gate cannot pass on data it did not read, and hostile input gets
//! a message and an exit code, never a crash or a hang. Each test is one
//! numbered behaviour of the "trust at the edges" issue, run for real
//! (processes at once, `kill -9`), not simulated.

use crate::cli::{check, project, repo, report, run_in, slo, stderr, stdout, CHECK_CONFIG, CONFIG};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// An hour of per-minute requests (100) and 5XX (1): 1 % errors.
fn hour_csv(errors_label: &str) -> String {
    let mut csv = String::from("timestamp,metric,value\n");
    for m in 0..60 {
        csv.push_str(&format!(
            "2026-11-01T00:{m:02}:00Z,requests,100\n2026-11-01T00:{m:02}:00Z,{errors_label},1\n"
        ));
    }
    csv
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// A complete report: report.md, report.json and every image report.md links.
#[track_caller]
fn assert_complete_report(dir: &Path) {
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert!(json["slos"].as_array().is_some_and(|s| !s.is_empty()));
    let mut images = 0;
    for part in md.split("](").skip(1) {
        let name = part.split(')').next().unwrap();
        if name.ends_with(".png") {
            assert!(dir.join(name).is_file(), "report.md links {name}, missing");
            images += 1;
        }
    }
    assert!(images >= 4, "{images} images");
}

// 1. --out never deletes or rewrites a file that slo did not write.
#[test]
fn out_leaves_every_foreign_file_alone() {
    let dir = project(CONFIG, "a.csv", &hour_csv("errors_5xx"));
    let out_dir = dir.path().join("wiki");
    std::fs::create_dir(&out_dir).unwrap();
    let foreign = [
        ("architecture.png", "a diagram"),
        ("logo.svg", "<svg/>"),
        ("report.csv", "a,b\n"),
        ("report.yaml", "x: 1\n"),
        (".gitignore", "*\n"),
    ];
    for (n, body) in foreign {
        std::fs::write(out_dir.join(n), body).unwrap();
    }
    for _ in 0..2 {
        let out = report(dir.path(), &["--out", out_dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for (n, body) in foreign {
            assert_eq!(
                std::fs::read_to_string(out_dir.join(n)).unwrap(),
                body,
                "{n}"
            );
        }
        assert_complete_report(&out_dir);
    }

    // --out . in the project: slo.yaml and the data stay as they are.
    let yaml = std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap();
    let out = slo()
        .current_dir(dir.path())
        .args(["report", "--as-of", "2026-11-01T01:00:00Z", "--out", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap(),
        yaml
    );
    assert!(dir.path().join("data/a.csv").is_file());
    assert!(out_dir.join("architecture.png").is_file());
    assert_complete_report(dir.path());

    // A user's report.md where slo would write: refused, kept, and told how to proceed.
    let other = dir.path().join("notes");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("report.md"), "my notes").unwrap();
    let out = report(dir.path(), &["--out", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("`report.md` is already there"), "{err}");
    assert!(
        err.contains("hint: move it away, or pass another folder"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(other.join("report.md")).unwrap(),
        "my notes"
    );
    assert_eq!(names_in(&other), ["report.md"], "nothing else written");

    // An SLO dropped from slo.yaml: its charts (slo's own files) go.
    let before = names_in(&out_dir);
    assert!(
        before.iter().any(|n| n.starts_with("availability")),
        "{before:?}"
    );
    let renamed = CONFIG.replace("name: availability", "name: uptime");
    std::fs::write(dir.path().join("slo.yaml"), renamed).unwrap();
    let out = report(dir.path(), &["--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = names_in(&out_dir);
    assert!(
        !after.iter().any(|n| n.starts_with("availability")),
        "{after:?}"
    );
    assert!(after.iter().any(|n| n.starts_with("uptime")), "{after:?}");
    assert!(after.contains(&"architecture.png".to_string()));
}

// 2. DIR keeps its mode, group and ownership; replaced files keep their mode.
#[test]
fn out_keeps_the_folders_mode_and_group() {
    let dir = project(CONFIG, "a.csv", &hour_csv("errors_5xx"));
    let out_dir = dir.path().join("shared");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let gid = 4242;
    let can_chown = std::os::unix::fs::chown(&out_dir, None, Some(gid)).is_ok();
    let out = report(dir.path(), &["--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::set_permissions(
        out_dir.join("report.md"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = report(dir.path(), &["--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&out_dir).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o2770, "the folder's mode");
    if can_chown {
        assert_eq!(meta.gid(), gid, "the folder's group");
        // setgid: new files take the folder's group.
        let chart = std::fs::metadata(out_dir.join("overview.png")).unwrap();
        assert_eq!(chart.gid(), gid);
    }
    let md = std::fs::metadata(out_dir.join("report.md")).unwrap();
    assert_eq!(md.mode() & 0o777, 0o640, "a replaced file keeps its mode");
}

/// A fleet slo.yaml and data (N services × 4 SLOs), as the benchmarks make it.
fn fleet(services: usize, days: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::generate::write(
        dir.path(),
        services,
        days,
        crate::generate::SAMPLE_END,
        "parquet",
        false,
    )
    .unwrap();
    dir
}

fn fleet_report(dir: &Path, out_dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    c.arg("report")
        .arg("--config")
        .arg(dir.join("slo.yaml"))
        .args([
            "--as-of",
            "2026-11-23T00:00:00Z",
            "--quiet",
            "--format",
            "json",
        ])
        .arg("--out")
        .arg(out_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    c
}

// 3. Four runs at once on one folder: all succeed, the folder holds one
// complete report, the user's file survives.
#[test]
fn concurrent_runs_take_turns() {
    let dir = fleet(3, 2);
    let out_dir = dir.path().join("reports");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("README.txt"), "the team's notes").unwrap();
    for round in 0..8 {
        let children: Vec<_> = (0..4)
            .map(|_| fleet_report(dir.path(), &out_dir).spawn().unwrap())
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                stderr(&out)
            );
        }
        assert_complete_report(&out_dir);
        assert_eq!(
            std::fs::read_to_string(out_dir.join("README.txt")).unwrap(),
            "the team's notes"
        );
        let temps: Vec<String> = names_in(&out_dir)
            .into_iter()
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(temps.is_empty(), "{temps:?}");
    }
}

// 4. kill -9 in the middle of a run: the next run cleans what it left, and
// stale staging folders of older versions (dead processes) are removed.
#[test]
fn a_killed_run_leaves_nothing_the_next_run_does_not_clean() {
    let dir = fleet(25, 2);
    let out_dir = dir.path().join("reports");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("keep.txt"), "mine").unwrap();
    // A first complete run, so that later kills land on a folder with a report.
    let out = fleet_report(dir.path(), &out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // What an older slo left when killed: a staging copy of a dead process.
    let legacy = dir.path().join(".reports.new-999999999");
    std::fs::create_dir(&legacy).unwrap();
    std::fs::write(legacy.join("report.md"), "old").unwrap();
    let live = dir
        .path()
        .join(format!(".reports.old-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();

    let mut killed_mid_write = 0;
    for round in 0..12u64 {
        let mut child = fleet_report(dir.path(), &out_dir).spawn().unwrap();
        // Wait until it writes (a temporary file appears), then kill it.
        let start = std::time::Instant::now();
        let mut seen = false;
        while start.elapsed() < std::time::Duration::from_secs(20) {
            if names_in(&out_dir).iter().any(|n| n.contains(".tmp-")) {
                seen = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200 + 300 * round));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if seen {
            killed_mid_write += 1;
        }
        let out = fleet_report(dir.path(), &out_dir).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round}: {}",
            stderr(&out)
        );
        let names = names_in(&out_dir);
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
        assert_complete_report(&out_dir);
        assert_eq!(
            std::fs::read_to_string(out_dir.join("keep.txt")).unwrap(),
            "mine"
        );
    }
    assert!(
        killed_mid_write > 0,
        "no kill landed while files were written"
    );
    assert!(
        !legacy.exists(),
        "the dead process's staging copy is removed"
    );
    assert!(live.exists(), "a live process's staging copy is left alone");
    let beside: Vec<String> = names_in(dir.path())
        .into_iter()
        .filter(|n| n.starts_with(".reports."))
        .collect();
    assert_eq!(beside, [format!(".reports.old-{}", std::process::id())]);
}

#[test]
fn an_out_folder_that_cannot_be_made_names_it() {
    let dir = project(CONFIG, "a.csv", &hour_csv("errors_5xx"));
    // A path through a regular file cannot be created, even by root.
    let blocked = dir.path().join("slo.yaml").join("reports");
    let out = report(dir.path(), &["--out", blocked.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "--out {}: cannot create the folder",
            blocked.display()
        )),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    let file = dir.path().join("data/a.csv");
    let out = report(dir.path(), &["--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
}

// 5. Labels the config does not read are reported; a metric with no point
// while the data holds such labels fails the gate whatever --fail-on says.
#[test]
fn a_mislabelled_metric_fails_the_gate() {
    // `Errors_5xx` instead of `errors_5xx`: breached data that slo cannot see.
    let dir = project(CHECK_CONFIG, "a.csv", &hour_csv("Errors_5xx"));
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("slo.yaml does not name") && err.contains("`Errors_5xx` (60 rows)"),
        "{err}"
    );
    assert!(
        err.contains(
            "metric `errors_5xx` has no point at all in the data: no data file holds a point of it; did you mean `Errors_5xx`?"
        ),
        "{err}"
    );
    for fail_on in [None, Some("breached"), Some("alert:page")] {
        let mut args = vec![];
        if let Some(f) = fail_on {
            args.extend(["--fail-on", f]);
        }
        let out = check(dir.path(), &args, None);
        assert_eq!(out.status.code(), Some(1), "{fail_on:?}: {}", stdout(&out));
        let text = stdout(&out);
        assert!(text.contains("[missing-data"), "{text}");
        assert!(text.contains("the data holds `Errors_5xx`"), "{text}");
        assert!(text.contains("slo check: FAIL: 2 of 2 SLOs"), "{text}");
    }
    let out = check(dir.path(), &["--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["unread_metrics"]["Errors_5xx"], 60);
    assert_eq!(v["slos"][0]["missing_metrics"][0], "errors_5xx");
}

#[test]
fn a_metric_with_no_point_is_its_own_fail_on_class() {
    // No 5XX rows at all, and nothing else in the data.
    let mut csv = String::from("timestamp,metric,value\n");
    for m in 0..60 {
        csv.push_str(&format!("2026-11-01T00:{m:02}:00Z,requests,100\n"));
    }
    let dir = project(CHECK_CONFIG, "a.csv", &csv);
    let out = check(dir.path(), &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("[missing-data]"), "{}", stdout(&out));
    assert!(stderr(&out).contains("metric `errors_5xx` has no point at all"));
    let out = check(dir.path(), &["--fail-on", "breached,alert"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // allow_empty: a series that may legitimately be empty.
    let cfg = CHECK_CONFIG.replace(
        "errors_5xx: { namespace: N, name: E, stat: Sum }",
        "errors_5xx: { namespace: N, name: E, stat: Sum, allow_empty: true }",
    );
    std::fs::write(dir.path().join("slo.yaml"), cfg).unwrap();
    let out = check(dir.path(), &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        !stderr(&out).contains("no point at all"),
        "{}",
        stderr(&out)
    );
}

// 6. A point far in the future is a data error naming file, metric and time.
#[test]
fn far_future_points_are_data_errors() {
    let csv = "timestamp,metric,value\n2026-11-01T00:10:00Z,requests,1\n9999-12-31T00:00:00Z,requests,1\n";
    let dir = project(CONFIG, "a.csv", csv);
    let out = check(dir.path(), &[], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("a.csv") && err.contains("`requests`"), "{err}");
    assert!(err.contains("9999-12-31T00:00:00Z"), "{err}");
    assert!(
        err.contains("more than a day after the current time"),
        "{err}"
    );
    let json = "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2999-01-01T00:00:00Z\"], \"Values\": [1]}]}";
    let dir = project(CONFIG, "a.json", json);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2999-01-01T00:00:00Z"),
        "{}",
        stderr(&out)
    );
    // Clock skew of a few hours is not an error.
    let soon = chrono::Utc::now() + chrono::Duration::hours(3);
    let csv = format!(
        "timestamp,metric,value\n{},requests,1\n",
        soon.format("%Y-%m-%dT%H:00:00Z")
    );
    let dir = project(CONFIG, "a.csv", &csv);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// 7. --offline with nothing cached is an error (CloudWatch; no call is made).
#[test]
fn offline_with_an_empty_cache_is_an_error() {
    let cfg = CONFIG.replace(
        "source: { type: files, path: data }",
        "source: { type: cloudwatch, region: us-east-1, endpoint_url: \"http://127.0.0.1:9\" }",
    );
    let dir = project(&cfg, "unused.csv", "");
    let out = check(dir.path(), &["--offline"], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--offline: the cache holds nothing for `errors_5xx`")
            || stderr(&out).contains("--offline: the cache holds nothing for `requests`"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

// 8. Options a command ignores are refused; check --out writes the folder.
#[test]
fn options_a_command_ignores_are_refused() {
    let dir = project(CHECK_CONFIG, "a.csv", &hour_csv("errors_5xx"));
    for (cmd, args) in [
        ("validate", vec!["--out", "x"]),
        ("validate", vec!["--as-of", "2026-11-01T00:00:00Z"]),
        ("validate", vec!["--offline"]),
        ("fetch", vec!["--out", "x"]),
        ("fetch", vec!["--offline"]),
        ("fetch", vec!["--series-step", "1h"]),
    ] {
        let out = run_in(dir.path(), cmd, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd} {args:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("unexpected argument"),
            "{cmd} {args:?}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("x").exists());
    }
    let artifact = dir.path().join("artifact");
    let out = check(dir.path(), &["--out", artifact.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_complete_report(&artifact);
}

// 9. Deep nesting: a config error, not a stack overflow or a long wait.
#[test]
fn deep_nesting_is_refused() {
    let cases = [
        format!("{}requests{}", "(".repeat(20_000), ")".repeat(20_000)),
        format!("{}requests", "-".repeat(50_000)),
        format!("{}requests{}", "(".repeat(40), ")".repeat(40)),
    ];
    for e in cases {
        let cfg = CONFIG.replace(
            "slos:",
            &format!("  deep: {{ expression: \"{e}\" }}\nslos:"),
        );
        let dir = project(&cfg, "a.csv", "timestamp,metric,value\n");
        let out = run_in(dir.path(), "validate", &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("metrics.deep.expression"), "{err}");
        assert!(
            err.contains("at most 1024") || err.contains("levels deep"),
            "{err}"
        );
        assert!(err.len() < 400, "the message quotes a clipped value: {err}");
    }
    // YAML nested 100,000 deep (flow and block): refused before parsing.
    for text in [
        format!(
            "version: 1\nservice: {}x{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        (0..20_000)
            .map(|i| format!("{}- \n", " ".repeat(i % 200 * 2)))
            .collect(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slo.yaml"), text).unwrap();
        let out = run_in(dir.path(), "validate", &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("nested more than"),
            "{}",
            stderr(&out)
        );
    }
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/data").join(name)
}

/// A project reading one fixture data file.
fn project_with_file(src: &Path) -> tempfile::TempDir {
    let dir = project(CONFIG, "x.csv", "timestamp,metric,value\n");
    std::fs::remove_file(dir.path().join("data/x.csv")).unwrap();
    std::fs::copy(src, dir.path().join("data").join(src.file_name().unwrap())).unwrap();
    dir
}

// 10. Parquet as pandas and pyarrow write it.
#[test]
fn parquet_as_pandas_writes_it() {
    let mut results = Vec::new();
    for name in [
        "categorical-metric.parquet",
        "epoch-seconds.parquet",
        "epoch-millis.parquet",
        "epoch-nanos.parquet",
        "time-ordered.parquet",
    ] {
        let dir = project_with_file(&fixture(name));
        let out = report(dir.path(), &["--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let s = &v["slos"][0];
        // 60 minutes × 100 requests; 5XX 0,1,2,0,1,2… = 60.
        assert_eq!(s["total"], 6000.0, "{name}");
        assert_eq!(s["bad"], 60.0, "{name}");
        results.push(v["slos"].clone());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    let dir = project_with_file(&fixture("decimal-value.parquet"));
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("decimal-value.parquet"), "{err}");
    assert!(
        err.contains("the `value` column") && err.contains("Decimal"),
        "{err}"
    );
    assert!(err.contains("cast decimals to float64"), "{err}");
}

// 11. What is not a regular file, or is huge, is refused at once.
#[test]
fn a_config_that_is_not_a_file_is_refused() {
    let out = slo()
        .args(["validate", "--config", "/dev/zero"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/dev/zero: is not a regular file"),
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("slo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = slo()
        .arg("validate")
        .arg("--config")
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = slo()
        .arg("validate")
        .arg("--config")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(17 << 20).unwrap();
    let out = slo()
        .arg("validate")
        .arg("--config")
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("larger than 16 MiB"),
        "{}",
        stderr(&out)
    );
}

// 12. A key twice under `metrics:` or `dimensions:` is an error naming it.
#[test]
fn duplicate_keys_are_refused() {
    let cfg = CONFIG.replace(
        "slos:",
        "  requests: { namespace: N, name: Other, stat: Sum }\nslos:",
    );
    let dir = project(&cfg, "a.csv", "timestamp,metric,value\n");
    let out = run_in(dir.path(), "validate", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("duplicate key `requests`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("slo.yaml:"), "{}", stderr(&out));
    let cfg = CONFIG.replace(
        "{ namespace: N, name: R, stat: Sum }",
        "{ namespace: N, name: R, stat: Sum, dimensions: { A: x, A: y } }",
    );
    let dir = project(&cfg, "a.csv", "timestamp,metric,value\n");
    let out = run_in(dir.path(), "validate", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("duplicate key `A`"),
        "{}",
        stderr(&out)
    );
}

// 13. Control characters never reach the terminal; Markdown links are escaped.
#[test]
fn names_cannot_drive_the_terminal_or_the_wiki() {
    let cfg = CHECK_CONFIG
        .replace("name: fine", "name: \"fine\\e[2J\\a\"")
        .replace("name: broken", "name: \"[click](https://evil.example)\"");
    let dir = project(&cfg, "a.csv", &hour_csv("errors_5xx"));
    for cmd in ["report", "check"] {
        let out = run_in(dir.path(), cmd, &["--as-of", "2026-11-01T01:00:00Z"]);
        assert!(!out.stdout.contains(&0x1b), "{cmd}: {}", stdout(&out));
        assert!(!out.stdout.contains(&0x07), "{cmd}");
        assert!(!out.stderr.contains(&0x1b), "{cmd}");
        assert!(
            stdout(&out).contains("fine\\u{1b}[2J\\u{7}"),
            "{}",
            stdout(&out)
        );
    }
    let out = report(dir.path(), &["--format", "markdown"]);
    let md = stdout(&out);
    assert!(!md.contains("[click](https"), "{md}");
    assert!(md.contains("\\[click\\](https://evil.example)"), "{md}");
    assert!(!md.contains('\x1b'), "{md}");
    // CloudWatch messages from a data file are escaped too.
    let json = "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2026-11-01T00:10:00Z\"], \"Values\": [1], \"StatusCode\": \"Complete\"}], \"Messages\": [{\"Code\": \"X\", \"Value\": \"\\u001b]0;pwned\\u0007\"}]}";
    let dir = project(CONFIG, "a.json", json);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!out.stderr.contains(&0x1b), "{}", stderr(&out));
    assert!(stderr(&out).contains("\\u{1b}]0;pwned"), "{}", stderr(&out));
}

// 14. The smaller ones.
#[test]
fn messages_say_what_is_meant() {
    let cfg = CONFIG.replace("objective: 99%", "objective: 150%");
    let dir = project(&cfg, "a.csv", "timestamp,metric,value\n");
    let out = run_in(dir.path(), "validate", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains("150%%"), "{err}");
    assert!(err.contains("strictly between 0 and 100 %"), "{err}");
    let cfg = CONFIG.replace("window: 1h", "window: 30D");
    let dir = project(&cfg, "a.csv", "timestamp,metric,value\n");
    let err = stderr(&run_in(dir.path(), "validate", &[]));
    assert!(err.contains("units are lowercase; write `30d`"), "{err}");

    // An SLO already past its budget says so.
    let dir = project(
        CONFIG,
        "a.csv",
        &hour_csv("errors_5xx").replace(",1\n", ",50\n"),
    );
    let md = stdout(&report(dir.path(), &["--format", "markdown"]));
    assert!(
        md.contains("- **Budget exhausted:** already exhausted"),
        "{md}"
    );

    // as_of_requested is an RFC 3339 time, fraction included.
    let out = run_in(
        dir.path(),
        "report",
        &["--as-of", "2026-11-01T01:00:30.25Z", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["as_of_requested"], "2026-11-01T01:00:30.250Z");
    assert_eq!(v["as_of"], "2026-11-01T01:00:00Z");

    // The generator (a dev tool now, no longer inside slo) never overwrites
    // without --force.
    let dir = fleet(1, 1);
    let yaml = std::fs::read(dir.path().join("slo.yaml")).unwrap();
    let err = crate::generate::write(
        dir.path(),
        1,
        2,
        crate::generate::SAMPLE_END,
        "parquet",
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("pass --force"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("slo.yaml")).unwrap(), yaml);
    let out = slo().args(["generate", "--dir", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "slo has no generate command");
}

// 15. What the fuzzers found stays fixed: a Parquet footer that made polars'
// decoder panic ("thrift bool field") is exit 3 with a message, no panic.
#[test]
fn a_damaged_parquet_footer_is_a_data_error() {
    // A panic in the decoder, a list of 76 GB in the footer, a page of -121
    // values (2^61 bytes reserved), a varint of more than 10 bytes, fields of
    // the wrong Thrift type that polars read as lists of 33 and 38 GB, a
    // version field written as a list that put polars out of step with the
    // footer check (a list of 124 GB): all but the first aborted the process,
    // which nothing can catch.
    for (name, why) in [
        (
            "parquet/thrift-bool-field",
            "field 3 has Thrift type 2 where an integer is expected",
        ),
        (
            "cache/footer-list-76gb",
            "field 5 has Thrift type 10 where a list is expected",
        ),
        (
            "parquet/negative-num-values",
            "a page header with num_values -121",
        ),
        ("parquet/slow-6s", "a varint longer than 10 bytes"),
        (
            "parquet/mistyped-field-33gb",
            "field 4 has Thrift type 1 where a list is expected",
        ),
        (
            "cache/mistyped-field-38gb",
            "field 4 has Thrift type 8 where a list is expected",
        ),
        (
            "parquet/metadata-list-124gb",
            "field 1 has Thrift type 9 where an integer is expected",
        ),
        (
            "cache/metadata-list-136gb",
            "field 1 has Thrift type 1 where an integer is expected",
        ),
        ("parquet/view-capacity-11tb", "a row group declares"),
        (
            "parquet/page-header-bool-count-2eb",
            "field 1 has Thrift type 1 where an integer is expected",
        ),
        (
            "parquet/page-values-mismatch",
            "a column chunk of 435 values whose pages hold 434",
        ),
    ] {
        let crash = repo().join("fuzz/regressions").join(name);
        let dir = project(CONFIG, "x.csv", "timestamp,metric,value\n");
        std::fs::remove_file(dir.path().join("data/x.csv")).unwrap();
        let bytes = std::fs::read(&crash).unwrap();
        // The cache target's input is a sidecar length, a sidecar, then Parquet.
        let bytes = if name.starts_with("cache/") {
            let n = u16::from_be_bytes([bytes[0], bytes[1]]) as usize;
            bytes[(2 + n).min(bytes.len())..].to_vec()
        } else {
            bytes
        };
        std::fs::write(dir.path().join("data/damaged.parquet"), bytes).unwrap();
        let out = report(dir.path(), &[]);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("damaged.parquet: not a readable Parquet file"),
            "{name}: {err}"
        );
        assert!(err.contains(why), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

// The fuzzers found that a multi-byte character where a timestamp's seconds
// end (`2026-11-01T00:00:0Ч`) panicked the fast timestamp parser, in CSV and
// JSON alike: now an error naming the file and the value.
#[test]
fn a_multibyte_character_in_a_timestamp_is_a_data_error() {
    let csv = "timestamp,metric,value\n2026-11-01T00:00:0Ч,requests,10\n";
    let dir = project(CONFIG, "a.csv", csv);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "a.csv:2: metric `requests`: `2026-11-01T00:00:0Ч` is not an RFC 3339 timestamp"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
    let json = "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2026-11-01T00:00:0ЦZ\"], \"Values\": [1]}]}";
    let dir = project(CONFIG, "a.json", json);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// Links `](target)` of a Markdown page.
fn links(md: &str) -> Vec<String> {
    md.split("](")
        .skip(1)
        .map(|p| p.split(')').next().unwrap().to_string())
        .collect()
}

// A fleet past 100 SLOs gets a wiki page a wiki renders: report.md holds the
// overview, the 100 SLOs with the least budget left and an index; the
// sections are on pages of 100, every link lands on a heading or a file; a
// fleet that shrinks leaves no stale page; the step summary stays small.
#[test]
fn a_large_fleet_report_is_paged() {
    let dir = fleet(26, 2); // 104 SLOs
    let out_dir = dir.path().join("reports");
    let out = fleet_report(dir.path(), &out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let names = names_in(&out_dir);
    assert!(names.contains(&"slos-001.md".to_string()), "{names:?}");
    assert!(names.contains(&"slos-002.md".to_string()), "{names:?}");
    assert!(!names.contains(&"slos-003.md".to_string()), "{names:?}");
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        md.contains("## The 100 SLOs with the least budget left"),
        "{md}"
    );
    assert!(!md.contains("- **Status:**"), "report.md holds no sections");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    let slos = json["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 104);
    // The table: 100 rows, breached first, then warning, no-data, ok; each
    // within its status by budget left.
    let rank = |st: &str| {
        ["breached", "warning", "no_data", "ok"]
            .iter()
            .position(|s| *s == st)
    };
    let table_links: Vec<String> = links(&md)
        .into_iter()
        .filter(|l| l.starts_with("slos-"))
        .collect();
    let ranked: Vec<String> = table_links
        .iter()
        .filter(|l| l.contains('#'))
        .cloned()
        .collect();
    assert_eq!(ranked.len(), 100, "{ranked:?}");
    let mut keys = Vec::new();
    for l in &ranked {
        let (page, anchor) = l.split_once('#').unwrap();
        let text = std::fs::read_to_string(out_dir.join(page)).unwrap();
        let s = slos
            .iter()
            .find(|s| s["name"].as_str().unwrap().to_lowercase().replace(' ', "-") == anchor)
            .unwrap_or_else(|| panic!("{l}: no SLO"));
        let name = s["name"].as_str().unwrap();
        assert!(
            text.contains(&format!("\n## {name}\n")),
            "{l}: no heading on {page}"
        );
        let left = s["error_budget"]["remaining_ratio"]
            .as_f64()
            .unwrap_or(f64::INFINITY);
        keys.push((rank(s["status"].as_str().unwrap()).unwrap(), left));
    }
    for w in keys.windows(2) {
        assert!(
            w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 <= w[1].1),
            "out of order: {w:?}"
        );
    }
    // Every section is on its page, in slo.yaml's order, with its charts.
    let mut sections = Vec::new();
    for page in ["slos-001.md", "slos-002.md"] {
        let text = std::fs::read_to_string(out_dir.join(page)).unwrap();
        assert!(text.contains("[the report](report.md)"), "{page}");
        for l in links(&text) {
            if l.ends_with(".png") {
                assert!(out_dir.join(&l).is_file(), "{page} links {l}, missing");
            }
        }
        sections.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("## "))
                .map(str::to_string),
        );
    }
    let want: Vec<String> = slos
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sections, want);
    assert!(md.contains("- [slos-002.md](slos-002.md): "), "{md}");

    // The step summary of `slo check` on the same fleet: under GitHub's 1 MiB.
    let summary = dir.path().join("summary.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slo"))
        .args([
            "check",
            "--quiet",
            "--as-of",
            "2026-11-23T00:00:00Z",
            "--config",
        ])
        .arg(dir.path().join("slo.yaml"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.contains("## The 100 SLOs with the least budget left (of 104)"),
        "{text}"
    );
    assert!(text.contains("passing SLOs not listed"), "{text}");
    assert!(!text.contains("\npass "), "{text}");

    // The fleet shrinks to 3 services: the pages go with the old report.
    let small = fleet(3, 2);
    let out = fleet_report(small.path(), &out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let names = names_in(&out_dir);
    assert!(!names.iter().any(|n| n.starts_with("slos-")), "{names:?}");
    assert_complete_report(&out_dir);
}
