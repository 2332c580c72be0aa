//! Alert rules from slo.yaml, so that the page and the weekly report never
//! disagree: the report's burn-rate alerts written for the system that pages.
//! One file per target; [`run`] does all the writing (stdout, or `--out
//! FILE` atomically).

pub mod cloudformation;
pub mod openslo;
pub mod prometheus;

use crate::error::Result;
use crate::model::Config;
use std::path::Path;

/// What `slo export` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// A Prometheus rule file: recording rules and `ErrorBudgetBurn` alerts.
    PrometheusRules,
    /// A CloudFormation template: metric-math alarms and a composite alarm per alert.
    Cloudformation,
    /// OpenSLO v1 documents (SLO, DataSource, Service, AlertPolicy), which
    /// `slo import openslo` reads back.
    Openslo,
}

/// Writes the export of `cfg` for `target`, evaluated for the windows at `t`
/// (a calendar window's alert windows follow its period's length), to `out`
/// or stdout; warns about every SLO it leaves out.
pub fn run(cfg: &Config, target: Target, t: i64, out: Option<&Path>) -> Result<()> {
    let (text, skipped) = match target {
        Target::PrometheusRules => prometheus::rules(cfg, t),
        Target::Cloudformation => cloudformation::template(cfg, t),
        Target::Openslo => openslo::documents(cfg),
    };
    for (name, why) in &skipped {
        if name.is_empty() {
            crate::warn(why);
        } else {
            crate::warn(&format!("SLO `{name}` {why}"));
        }
    }
    match out {
        Some(path) => crate::report::output::write_atomic(path, text.as_bytes()),
        None => crate::report::output::stdout(text.as_bytes()),
    }
}
