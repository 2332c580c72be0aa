//! OpenSLO: `slo import openslo` writes slo.yaml from OpenSLO v1 documents,
//! `slo export openslo` writes them back. Round trips keep every number;
//! what slo cannot say is refused naming the document and the field.

use crate::cli::{repo, slo, stderr, stdout};
use std::path::Path;

/// `slo import openslo FILE --out OUT` in `dir`.
fn import(dir: &Path, file: &str, out: &str, extra: &[&str]) -> std::process::Output {
    slo()
        .current_dir(dir)
        .args(["import", "openslo", file, "--out", out])
        .args(extra)
        .output()
        .unwrap()
}

/// `slo export openslo` of `config`, as text (its warnings in the second).
fn export(dir: &Path, config: &str) -> (String, String) {
    let out = slo()
        .current_dir(dir)
        .args(["--config", config, "export", "openslo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// slo.yaml text with its `source:` block swapped for the bundled sample.
fn on_the_sample(yaml: &str) -> String {
    let data = repo().join("examples/data");
    let mut out = String::new();
    let mut skipping = false;
    for line in yaml.lines() {
        if line == "source:" {
            skipping = true;
            out.push_str(&format!(
                "source:\n  type: files\n  path: {}\nas_of: latest\n",
                data.display()
            ));
            continue;
        }
        if skipping && line.starts_with("  ") {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn report_json(dir: &Path, config: &Path) -> serde_json::Value {
    let out = slo()
        .current_dir(dir)
        .args([
            "--config",
            config.to_str().unwrap(),
            "report",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The seed's slo.yaml, exported and imported again, reports the same
/// numbers for every SLO OpenSLO can hold; the one it cannot (a time slice
/// where no data is bad) is left out with a warning that names it.
#[test]
fn the_seed_round_trips_through_openslo_to_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let (text, warnings) = export(&repo(), "slo.yaml");
    assert!(
        warnings.contains("`throughput`") && warnings.contains("missing: bad"),
        "{warnings}"
    );
    assert!(text.contains("apiVersion: openslo/v1"), "{text}");
    std::fs::write(dir.path().join("seed.openslo.yaml"), &text).unwrap();
    let out = import(dir.path(), "seed.openslo.yaml", "imported.yaml", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let imported = std::fs::read_to_string(dir.path().join("imported.yaml")).unwrap();
    // The import speaks CloudWatch (OpenSLO's data source); run it on the sample.
    assert!(imported.contains("type: cloudwatch"), "{imported}");
    let local = dir.path().join("local.yaml");
    std::fs::write(&local, on_the_sample(&imported)).unwrap();

    let want = report_json(&repo(), &repo().join("slo.yaml"));
    let got = report_json(dir.path(), &local);
    assert_eq!(got["service"], want["service"]);
    assert_eq!(got["as_of"], want["as_of"]);
    let got_slos = got["slos"].as_array().unwrap();
    let mut compared = 0;
    for w in want["slos"].as_array().unwrap() {
        let name = w["name"].as_str().unwrap();
        let g = got_slos.iter().find(|g| g["name"] == w["name"]);
        if name == "throughput" {
            assert!(g.is_none(), "throughput cannot round-trip");
            continue;
        }
        assert_eq!(g, Some(w), "{name}");
        compared += 1;
    }
    assert_eq!(compared, got_slos.len());
    assert!(compared >= 4, "{compared}");
}

/// Everything OpenSLO and slo share survives export → import → export as a
/// fixed point: custom alerts and their SNS topics, a calendar month in a
/// time zone, a ratio time slice, a 5-minute period, bad/total ratios.
#[test]
fn export_import_export_is_a_fixed_point() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = r#"version: 1
service: checkout
source: { type: cloudwatch, region: eu-west-1 }
metrics:
  requests: { namespace: AWS/ApplicationELB, name: RequestCount, dimensions: { LoadBalancer: app/x/1 }, stat: Sum, period: 300 }
  errors: { namespace: AWS/ApplicationELB, name: HTTPCode_Target_5XX_Count, dimensions: { LoadBalancer: app/x/1 }, stat: Sum, period: 300 }
  ok: { expression: requests - errors }
  p99: { namespace: AWS/ApplicationELB, name: TargetResponseTime, dimensions: { LoadBalancer: app/x/1 }, stat: p99, period: 300 }
slos:
  - name: availability
    description: Answers without a 5xx.
    objective: 99.95%
    calendar: month
    timezone: America/New_York
    sli: { good: ok, total: requests }
  - name: errors-weekly
    objective: 0.99
    calendar: week
    sli: { bad: errors, total: requests }
  - name: error-slices
    objective: 0.98
    window: 4w
    sli:
      timeslice: { ratio: { bad: errors, total: requests }, op: "<=", threshold: 0.05 }
  - name: p99-slices
    objective: 0.995
    window: 7d
    sli:
      timeslice: { metric: p99, op: "<", threshold: 1.5, missing: ignore }
alerts:
  - { severity: page, long: 1h, short: 5m, burn_rate: 14.4 }
  - { severity: ticket, long: 3d, short: 6h, burn_rate: 1 }
notify:
  page: ["arn:aws:sns:eu-west-1:123456789012:pager"]
  ticket: ["arn:aws:sns:eu-west-1:123456789012:tickets"]
"#;
    std::fs::write(dir.path().join("slo.yaml"), yaml).unwrap();
    let (first, warnings) = export(dir.path(), "slo.yaml");
    assert!(!warnings.contains("left out"), "{warnings}");
    for want in [
        "kind: AlertPolicy",
        "kind: AlertNotificationTarget",
        "budgetingMethod: Timeslices",
        "timeZone: \"America/New_York\"",
        "arn:aws:sns:eu-west-1:123456789012:pager",
    ] {
        assert!(first.contains(want), "{want} missing from\n{first}");
    }
    std::fs::write(dir.path().join("first.openslo.yaml"), &first).unwrap();
    let out = import(dir.path(), "first.openslo.yaml", "again.yaml", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (second, _) = export(dir.path(), "again.yaml");
    assert_eq!(second, first);

    // And the imported slo.yaml says what the original says.
    let a = slo::config::parse(Path::new("slo.yaml"), yaml).unwrap();
    let text = std::fs::read_to_string(dir.path().join("again.yaml")).unwrap();
    let b = slo::config::parse(Path::new("again.yaml"), &text).unwrap();
    assert_eq!(a.service, b.service);
    assert_eq!(a.slos.len(), b.slos.len());
    for (x, y) in a.slos.iter().zip(&b.slos) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.objective.value, y.objective.value, "{}", x.name);
        assert_eq!(x.window, y.window, "{}", x.name);
        assert_eq!(x.period, y.period, "{}", x.name);
        assert_eq!(x.description, y.description, "{}", x.name);
        if x.name != "availability" {
            // (availability's `good: requests - errors` comes back as `bad: errors`.)
            assert_eq!(format!("{:?}", x.sli), format!("{:?}", y.sli), "{}", x.name);
        }
    }
    let alerts = |c: &slo::model::Config| -> Vec<(String, i64, i64, f64)> {
        c.alerts
            .iter()
            .map(|r| {
                (
                    r.severity.clone(),
                    r.long.secs(),
                    r.short.secs(),
                    r.burn_rate.value,
                )
            })
            .collect()
    };
    assert_eq!(alerts(&a), alerts(&b));
    assert!(b.custom_alerts);
    assert_eq!(a.notify, b.notify);
}

/// Nobl9-style files: SLI, DataSource, Service, AlertPolicy,
/// AlertCondition and AlertNotificationTarget documents, by reference.
#[test]
fn a_teams_openslo_file_imports_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/openslo/shop.yaml");
    let out = import(dir.path(), fixture.to_str().unwrap(), "slo.yaml", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 SLOs from 8 documents"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap();
    let cfg = slo::config::parse(Path::new("slo.yaml"), &text).unwrap();
    assert_eq!(cfg.service, "Shop API");
    let names: Vec<&str> = cfg.slos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "availability-monthly-gold",
            "availability-monthly-silver",
            "latency-slices"
        ]
    );
    let (gold, silver, slices) = (&cfg.slos[0], &cfg.slos[1], &cfg.slos[2]);
    assert_eq!(gold.objective.text, "99.9%");
    assert_eq!(silver.objective.value, 0.99);
    assert_eq!(
        gold.window,
        slo::model::Window::Calendar {
            unit: slo::model::CalendarUnit::Month,
            tz: chrono_tz::Europe::Berlin
        }
    );
    // Both objectives read the one SLI document's metrics, named after it.
    match (&gold.sli, &silver.sli) {
        (
            slo::model::Sli::Ratio {
                good: Some(g1),
                total: t1,
                ..
            },
            slo::model::Sli::Ratio {
                good: Some(g2),
                total: t2,
                ..
            },
        ) => {
            assert_eq!(
                (g1.as_str(), t1.as_str()),
                ("shop_availability_good", "shop_availability_total")
            );
            assert_eq!((g1, t1), (g2, t2));
        }
        other => panic!("{other:?}"),
    }
    let good = cfg.metric("shop_availability_good").unwrap();
    assert_eq!(good.period, 60);
    // Timeslices: a 5-minute slice of p99 ≤ 1.5 s.
    assert_eq!(
        slices.window,
        slo::model::Window::Rolling(slo::duration::Dur(28 * 86_400))
    );
    assert_eq!(slices.period, 300);
    match &slices.sli {
        slo::model::Sli::TimeSlice { op, threshold, .. } => {
            assert_eq!(*op, slo::model::Op::Le);
            assert_eq!(threshold.value, 1.5);
        }
        other => panic!("{other:?}"),
    }
    assert!(cfg.custom_alerts);
    assert_eq!(cfg.alerts.len(), 1);
    let a = &cfg.alerts[0];
    assert_eq!(
        (a.severity.as_str(), a.long.secs(), a.short.secs()),
        ("page", 3600, 300)
    );
    assert_eq!(a.burn_rate.value, 14.4);
    assert_eq!(
        cfg.notify["page"],
        ["arn:aws:sns:eu-central-1:123456789012:shop-pager"]
    );
    match &cfg.source {
        slo::model::Source::CloudWatch { region, .. } => {
            assert_eq!(region.as_deref(), Some("eu-central-1"))
        }
        other => panic!("{other:?}"),
    }
    let out = slo()
        .current_dir(dir.path())
        .args(["validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The OpenSLO project's own example (oslo's multi.yaml): a threshold
/// metric under Occurrences from a CloudWatch DataSource.
#[test]
fn the_oslo_example_imports() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/openslo/oslo-multi.yaml");
    let out = import(dir.path(), fixture.to_str().unwrap(), "-", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let cfg = slo::config::parse(Path::new("slo.yaml"), &text).unwrap();
    assert_eq!(cfg.slos.len(), 1);
    let s = &cfg.slos[0];
    assert_eq!(s.objective.value, 0.98);
    assert_eq!(s.period, 60);
    match &s.sli {
        slo::model::Sli::TimeSlice { op, threshold, .. } => {
            assert_eq!(*op, slo::model::Op::Ge);
            assert_eq!(threshold.value, 10.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !dir.path().join("slo.yaml").exists(),
        "--out - writes nothing"
    );
}

/// What slo cannot say is refused, exit 2, naming the file, the document
/// and the field: one edit of the team's file per case.
#[test]
fn what_slo_cannot_say_is_refused_naming_document_and_field() {
    let base = std::fs::read_to_string(repo().join("tests/fixtures/openslo/shop.yaml")).unwrap();
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "budgetingMethod: Timeslices",
            "budgetingMethod: RatioTimeslices",
            "SLO `latency-slices`",
            &["spec.budgetingMethod", "RatioTimeslices"],
        ),
        (
            "    counter: false",
            "    counter: false\n    rawType: success\n    raw:\n      metricSource: { type: cloudWatch }",
            "SLI `shop-availability`",
            &["raw"],
        ),
        (
            "  type: cloudWatch\n  connectionDetails",
            "  type: Prometheus\n  connectionDetails",
            "cw-prod",
            &["Prometheus"],
        ),
        (
            "          metricName: TargetResponseTime",
            "          sql: SELECT AVG(TargetResponseTime) FROM SCHEMA(\"AWS/ApplicationELB\")",
            "SLO `latency-slices`",
            &["sql"],
        ),
        (
            "startTime: \"2026-01-01 00:00:00\"",
            "startTime: \"2026-01-15 00:00:00\"",
            "SLO `availability-monthly`",
            &["spec.timeWindow[0].calendar.startTime", "2026-01-15"],
        ),
        (
            "    alertAfter: 0m",
            "    alertAfter: 5m",
            "AlertCondition `burn-14x`",
            &["alertAfter", "5m"],
        ),
        (
            "    op: gt\n",
            "    op: lte\n",
            "AlertCondition `burn-14x`",
            &["op", "lte"],
        ),
        (
            "    - duration: 28d\n      isRolling: true",
            "    - duration: 1M\n      isRolling: true",
            "SLO `latency-slices`",
            &["spec.timeWindow[0].duration", "month"],
        ),
        (
            "  service: shop-api\n  indicator:",
            "  service: other-api\n  indicator:",
            "SLO `latency-slices`",
            &["spec.service", "other-api"],
        ),
        (
            "  indicatorRef: shop-availability",
            "  indicatorRef: shop-avail",
            "SLO `availability-monthly`",
            &["spec.indicatorRef", "shop-avail"],
        ),
        (
            "  alertWhenNoData: false",
            "  alertWhenNoData: true",
            "AlertPolicy `fast-burn`",
            &["alertWhenNoData"],
        ),
        (
            "apiVersion: openslo/v1\nkind: DataSource",
            "apiVersion: openslo/v2alpha\nkind: DataSource",
            "shop.yaml",
            &["apiVersion", "openslo/v2alpha"],
        ),
        (
            "    threshold: 14.4",
            "    threshold: -1",
            "AlertCondition `burn-14x`",
            &["spec.condition.threshold", "`-1`"],
        ),
        (
            "    slo/short-window: 5m",
            "    slo/short-window: 2h",
            "AlertCondition `burn-14x`",
            &["metadata.annotations.slo/short-window", "2h", "1h"],
        ),
        (
            "      value: 1.5",
            "      value: .nan",
            "SLO `latency-slices`",
            &["spec.objectives[0].value", "NaN"],
        ),
        (
            "      timeSliceWindow: 5m",
            "      timeSliceWindow: 0m",
            "SLO `latency-slices`",
            &["spec.objectives[0].timeSliceWindow", "`0m`"],
        ),
        (
            "      target: 0.99",
            "      target: 1.5",
            "SLO `availability-monthly`",
            &["spec.objectives[1].target", "1.5"],
        ),
    ];
    for (from, to, doc, fields) in cases {
        assert!(base.contains(from), "{from}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shop.yaml"), base.replacen(from, to, 1)).unwrap();
        let out = import(dir.path(), "shop.yaml", "slo.yaml", &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.starts_with("error: shop.yaml"), "{to}: {err}");
        assert!(err.contains(doc), "{to}: want {doc} in {err}");
        for f in *fields {
            assert!(err.contains(f), "{to}: want {f} in {err}");
        }
        assert!(
            !dir.path().join("slo.yaml").exists(),
            "{to}: wrote slo.yaml"
        );
    }
}

/// An existing slo.yaml is kept, byte for byte, unless --force.
#[test]
fn import_keeps_an_existing_slo_yaml_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/openslo/oslo-multi.yaml");
    let fixture = fixture.to_str().unwrap();
    let mine = "# mine\nversion: 1\n";
    std::fs::write(dir.path().join("slo.yaml"), mine).unwrap();
    let out = slo()
        .current_dir(dir.path())
        .args(["import", "openslo", fixture])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap(),
        mine
    );
    let out = slo()
        .current_dir(dir.path())
        .args(["import", "openslo", fixture, "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("slo.yaml")).unwrap();
    assert!(text.contains("FOO SLO"), "{text}");
    // Nothing left beside it (the write was a rename).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// Not OpenSLO at all, or too deep, or several files: clear errors, and
/// documents from several files combine.
#[test]
fn import_reads_several_files_and_refuses_non_openslo() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo().join("tests/fixtures/openslo/shop.yaml")).unwrap();
    // Split the team's file in two: the SLO documents, the rest.
    let docs: Vec<&str> = base.split("\n---\n").collect();
    let (slos, rest): (Vec<&str>, Vec<&str>) = docs.iter().partition(|d| d.contains("kind: SLO\n"));
    std::fs::write(dir.path().join("slos.yaml"), slos.join("\n---\n")).unwrap();
    std::fs::write(dir.path().join("rest.yaml"), rest.join("\n---\n")).unwrap();
    let out = slo()
        .current_dir(dir.path())
        .args(["import", "openslo", "slos.yaml", "rest.yaml", "--out", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("availability-monthly-silver"));

    // A missing file or a directory: named, without slo.yaml's --config hint.
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    for (name, want) in [
        ("nope.yaml", "nope.yaml: cannot read"),
        ("folder", "folder: is a directory, not a file"),
    ] {
        let out = import(dir.path(), name, "-", &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("--config"), "{name}: {err}");
    }
    let deep = format!(
        "apiVersion: openslo/v1\nkind: SLO\nspec: {}{}\n",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    for (name, text, want) in [
        ("plain.yaml", "version: 1\nservice: x\n", "apiVersion"),
        ("deep.yaml", deep.as_str(), "deep"),
        ("list.yaml", "- 1\n- 2\n", "apiVersion"),
        ("empty.yaml", "", "no OpenSLO documents"),
        (
            "service.yaml",
            "apiVersion: openslo/v1\nkind: Service\nmetadata: { name: x }\n",
            "no SLO document (found Service)",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = import(dir.path(), name, "-", &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(want), "{name}: want {want} in {err}");
    }
}
