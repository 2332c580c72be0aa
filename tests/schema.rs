//! The JSON Schema of slo.yaml (docs/slo.schema.json, `slo schema`) for
//! editors: every slo.yaml of the repository and its docs validates against
//! it, what slo refuses for its shape the schema refuses too, and every
//! section lists exactly the keys slo reads.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    serde_json::from_str(slo::config::SCHEMA).unwrap()
}

/// slo.yaml text as the JSON value an editor's YAML server checks.
fn json_of(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap()
}

/// The schema's complaints about `yaml` (none: it validates).
fn complaints(yaml: &str) -> Vec<String> {
    let s = schema();
    let v = jsonschema::validator_for(&s).unwrap();
    let doc = json_of(yaml);
    v.iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The slo.yaml blocks of a Markdown file (fenced `yaml`, starting `version: 1`).
fn yaml_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => cur = Some(String::new()),
            (Some(b), l) if l.starts_with("```") => {
                if b.trim_start().starts_with("version: 1") || b.contains("\nversion: 1") {
                    out.push(std::mem::take(b));
                }
                cur = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_slo_yaml_of_the_repository_validates() {
    let mut checked: Vec<String> = Vec::new();
    let mut check = |name: &str, text: &str| {
        // What slo itself accepts, the schema accepts.
        if slo::config::parse(Path::new("slo.yaml"), text).is_err() {
            return;
        }
        let c = complaints(text);
        assert!(c.is_empty(), "{name}: {c:#?}");
        checked.push(name.to_string());
    };
    for f in ["slo.yaml", "examples/prometheus/slo.yaml"] {
        check(f, &std::fs::read_to_string(repo().join(f)).unwrap());
    }
    for md in ["README.md", "docs/interface.md"] {
        for (i, b) in yaml_blocks(&std::fs::read_to_string(repo().join(md)).unwrap())
            .iter()
            .enumerate()
        {
            check(&format!("{md} block {i}"), b);
        }
    }
    // What slo init writes.
    use slo::config::init::{render, Start};
    use slo::source::cloudwatch::discover::{Found, Resource};
    let (t, _) = render("shop", &Start::Template, "2026-12-07").unwrap();
    check("init template", &t);
    for (kind, dim, metrics) in [
        (
            Resource::Alb,
            ("LoadBalancer", "app/shop/1"),
            vec![
                "RequestCount",
                "HTTPCode_Target_5XX_Count",
                "TargetResponseTime",
            ],
        ),
        (Resource::ApiGateway, ("ApiName", "orders"), vec!["Count"]),
    ] {
        let found = Found {
            dimensions: [(dim.0.to_string(), dim.1.to_string())].into(),
            metrics: metrics.iter().map(|m| m.to_string()).collect(),
            region: "eu-west-1".into(),
        };
        let start = Start::Resource {
            kind,
            found: &found,
            profile: None,
            endpoint_url: None,
        };
        check(
            &format!("init {kind:?}"),
            &render("shop", &start, "2026-12-07").unwrap().0,
        );
    }
    for want in [
        "slo.yaml",
        "examples/prometheus/slo.yaml",
        "README.md block 0",
        "init template",
    ] {
        assert!(
            checked.iter().any(|c| c == want),
            "{want} not checked: {checked:?}"
        );
    }
}

#[test]
fn what_slo_refuses_for_its_shape_the_schema_refuses() {
    let dir = repo().join("tests/fixtures/config");
    for f in [
        "unknown-key.yaml",
        "two-unknown-keys.yaml",
        "bad-version.yaml",
        "bad-window.yaml",
        "bad-op.yaml",
        "bad-period.yaml",
        "bad-source.yaml",
        "bad-metric-name.yaml",
        "prometheus-cloudwatch-key.yaml",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(!complaints(&text).is_empty(), "{f}: the schema accepts it");
    }
}

/// The keys slo reads in a section: serde's own list, from the error an
/// unknown key `zz_unknown` there gets.
fn serde_keys(yaml: &str) -> BTreeSet<String> {
    let err = match slo::config::parse(Path::new("slo.yaml"), yaml) {
        Ok(_) => panic!("an unknown key is an error:\n{yaml}"),
        Err(e) => e.to_string(),
    };
    // "expected one of `a`, `b`", "expected `a` or `b`", "expected `a`".
    let list = err
        .split_once("expected ")
        .unwrap_or_else(|| panic!("{err}"))
        .1
        .lines()
        .next()
        .unwrap_or("");
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(|k| k.to_string())
        .collect()
}

fn schema_keys(at: &Value) -> BTreeSet<String> {
    at["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_section_lists_exactly_the_keys_slo_reads() {
    let s = schema();
    let d = &s["definitions"];
    let base = |source: &str, metric: &str, slo: &str, extra: &str| {
        format!(
            "version: 1\nservice: s\nsource: {source}\nmetrics:\n  m: {metric}\nslos:\n  - {slo}\n{extra}"
        )
    };
    let m = "{ namespace: N, name: R, stat: Sum }";
    let slo = "{ name: a, objective: 99%, window: 1d, sli: { bad: m, total: m } }";
    let files = "{ type: files, path: data }";
    for (what, yaml, at) in [
        ("top level", base(files, m, slo, "zz_unknown: 1\n"), &s),
        ("metric", base(files, "{ namespace: N, name: R, stat: Sum, zz_unknown: 1 }", slo, ""), &d["metric"]),
        (
            "slo",
            base(files, m, "{ name: a, objective: 99%, window: 1d, sli: { bad: m, total: m }, zz_unknown: 1 }", ""),
            &d["slo"],
        ),
        ("sli", base(files, m, "{ name: a, objective: 99%, window: 1d, sli: { bad: m, total: m, zz_unknown: m } }", ""), &d["sli"]),
        (
            "timeslice",
            base(files, m, "{ name: a, objective: 99%, window: 1d, sli: { timeslice: { metric: m, op: '<', threshold: 1, zz_unknown: 1 } } }", ""),
            &d["timeslice"],
        ),
        (
            "ratio",
            base(files, m, "{ name: a, objective: 99%, window: 1d, sli: { timeslice: { ratio: { bad: m, total: m, zz_unknown: m }, op: '<', threshold: 1 } } }", ""),
            &d["timeslice"]["properties"]["ratio"],
        ),
        (
            "alert",
            base(files, m, slo, "alerts:\n  - { severity: page, long: 1h, short: 5m, burn_rate: 14.4, zz_unknown: 1 }\n"),
            &d["alert"],
        ),
        ("files source", base("{ type: files, path: data, zz_unknown: 1 }", m, slo, ""), &d["source"]["oneOf"][0]),
        ("cloudwatch source", base("{ type: cloudwatch, zz_unknown: 1 }", m, slo, ""), &d["source"]["oneOf"][1]),
        ("prometheus source", base("{ type: prometheus, zz_unknown: 1 }", "{ counter: 'x' }", slo, ""), &d["source"]["oneOf"][2]),
    ] {
        let mut want = serde_keys(&yaml);
        // (serde's list of a tagged enum's variant leaves out the tag.)
        if what.ends_with("source") {
            want.insert("type".into());
        }
        assert_eq!(schema_keys(at), want, "{what}");
    }
}

#[test]
fn slo_schema_prints_the_schema() {
    let out = assert_cmd::Command::cargo_bin("slo")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, schema());
    assert_eq!(
        printed["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );
}
