//! Snapshots of every output format on one small, deterministic report: a change
//! in a table, the Markdown page or the JSON contract shows up as a diff.

use crate::common::*;
use slo::compute::{evaluate, EvalOptions, Report};
use slo::report::{renderer, Format};
use slo::series::DataSet;
use std::path::Path;

fn report() -> Report {
    let t = ts("2026-11-24T00:00:00Z");
    let y = yaml(
        &(metric("requests", 60) + &metric("errors", 60) + &metric("p95", 60)
            + "  good: { expression: requests - errors }\n"),
        "  - { name: availability, objective: 99.9%, window: 30d, sli: { good: good, total: requests } }
  - { name: error|rate, objective: 99%, calendar: week, sli: { bad: errors, total: requests } }
  - { name: latency, objective: 95%, window: 1d, sli: { timeslice: { metric: p95, op: \"<\", threshold: 2, missing: bad } } }
  - { name: empty, objective: 99%, window: 1h, sli: { bad: errors, total: p95 } }
",
        "",
    );
    let cfg = slo::config::parse(Path::new("slo.yaml"), &y).unwrap();
    let mut d = DataSet::new();
    d.insert(
        "requests".into(),
        series(t - 31 * 86_400, t, 60, |x| {
            Some(1_000.0 + (x / 60 % 7) as f64)
        }),
    );
    d.insert(
        "errors".into(),
        series(t - 31 * 86_400, t, 60, |x| {
            if x >= t - 2 * 3600 {
                Some(30.0)
            } else if x % 3600 == 0 {
                Some(5.0)
            } else {
                None
            }
        }),
    );
    // p95 is fast (0.4 s) and stops an hour before T: the `latency` SLO's
    // last hour of slices is missing (bad), the `empty` SLO has no events.
    d.insert(
        "p95".into(),
        series(t - 86_400 + 3600, t - 3600, 60, |_| Some(0.4)),
    );
    evaluate(
        &cfg,
        &d,
        &EvalOptions {
            as_of: t,
            as_of_requested: None,
            series_range: 4 * 3600,
            series_step: 3600,
            history: 2,
        },
    )
    .unwrap()
}

fn render(f: Format) -> String {
    String::from_utf8(renderer(f, false, None).render(&report())).unwrap()
}

#[test]
fn table() {
    insta::assert_snapshot!(render(Format::Table));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(Format::Markdown));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json));
}

#[test]
fn coloured_table_marks_status() {
    let s = String::from_utf8(renderer(Format::Table, true, None).render(&report())).unwrap();
    assert!(s.contains("\x1b[1;31mBREACHED\x1b[0m"), "{s}");
    assert!(s.contains("\x1b[90mno data\x1b[0m"), "{s}");
}

// The table fits the terminal: columns go by priority (trend, worst burn,
// window, objective, alerts), then long SLO names are cut; what went is said.
#[test]
fn the_table_fits_the_terminal() {
    let width = |s: &str| {
        s.lines()
            .skip(1)
            .take_while(|l| l.starts_with(['╭', '│', '├', '╰']))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    let full = String::from_utf8(renderer(Format::Table, false, None).render(&report())).unwrap();
    let wide = width(&full);
    assert!(!full.contains("too narrow"), "{full}");
    for cols in [200, wide, wide - 1, 90, 70, 40] {
        let s = String::from_utf8(renderer(Format::Table, false, Some(cols)).render(&report()))
            .unwrap();
        let w = width(&s);
        // (The four columns that stay, names cut to 8 characters, take 54.)
        assert!(w <= cols.max(54), "{cols} columns: {w} wide\n{s}");
        for always in ["SLO", "status", "budget left", "SLI"] {
            assert!(s.lines().nth(2).unwrap().contains(always), "{cols}: {s}");
        }
        if cols >= wide {
            assert_eq!(s, full);
        } else {
            let note = s
                .lines()
                .find(|l| l.contains("too narrow for"))
                .unwrap_or("");
            assert!(note.contains("trend"), "{cols}: {s}");
        }
    }
    // 130 columns: trend and worst burn go first, the firing alerts stay.
    let s = String::from_utf8(renderer(Format::Table, false, Some(130)).render(&report())).unwrap();
    let head = s.lines().nth(2).unwrap();
    assert!(
        !head.contains("trend") && !head.contains("worst burn"),
        "{s}"
    );
    assert!(
        head.contains("alerts") && s.contains("ticket (144m/12m)"),
        "{s}"
    );
    // Narrower than the four columns that stay: long SLO names are cut.
    let s = String::from_utf8(renderer(Format::Table, false, Some(40)).render(&report())).unwrap();
    assert!(s.contains("availab…"), "{s}");
}
