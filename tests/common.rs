//! Helpers shared by the test modules.

use slo::compute::{evaluate, EvalOptions, Report, SloReport};
use slo::series::{DataSet, TimeSeries};
use std::path::Path;

pub fn ts(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

/// A metric block for slo.yaml.
pub fn metric(name: &str, period: i64) -> String {
    format!("  {name}: {{ namespace: Test, name: {name}, stat: Sum, period: {period} }}\n")
}

/// slo.yaml text with the given metrics block and SLO list.
pub fn yaml(metrics: &str, slos: &str, extra: &str) -> String {
    format!(
        "version: 1\nservice: test\nsource: {{ type: files, path: data }}\nmetrics:\n{metrics}slos:\n{slos}{extra}"
    )
}

/// Points every `period` seconds over `[from, to)`, valued by `f(t)` (None: no point).
pub fn series(from: i64, to: i64, period: i64, f: impl Fn(i64) -> Option<f64>) -> TimeSeries {
    let pts = (0..)
        .map(|k| from + k * period)
        .take_while(|t| *t < to)
        .filter_map(|t| f(t).map(|v| (t, v)))
        .collect();
    TimeSeries::from_points(pts).unwrap()
}

pub fn run(yaml: &str, data: DataSet, as_of: i64) -> Report {
    run_with(yaml, data, as_of, 4)
}

/// [`run`] with `history` earlier windows.
pub fn run_with(yaml: &str, data: DataSet, as_of: i64, history: usize) -> Report {
    let cfg = slo::config::parse(Path::new("slo.yaml"), yaml).unwrap();
    evaluate(
        &cfg,
        &data,
        &EvalOptions {
            as_of,
            as_of_requested: None,
            series_range: 0,
            series_step: 0,
            history,
        },
    )
    .unwrap()
}

pub fn slo<'a>(r: &'a Report, name: &str) -> &'a SloReport {
    r.slos.iter().find(|s| s.name == name).unwrap()
}

/// Equal to 1e-12, relative.
#[track_caller]
pub fn close(got: f64, want: f64) {
    let tol = 1e-12 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "got {got}, want {want}");
}

#[track_caller]
pub fn close_opt(got: Option<f64>, want: f64) {
    close(got.expect("a value, not null"), want)
}

/// xorshift64: deterministic random scenarios without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
