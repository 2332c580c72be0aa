//! Where series come from: data files or CloudWatch. A source returns the raw
//! series of the CloudWatch queries that the SLOs read; expressions are
//! evaluated afterwards by compute, the same way for every source.

pub mod cloudwatch;
pub mod files;

use crate::error::Result;
use crate::model::{Config, Metric, MetricKind, Source};
use crate::series::DataSet;
use std::collections::HashSet;

/// The query metrics (not expressions) that the SLOs read, directly or through
/// expressions, in slo.yaml order.
pub fn needed_queries(cfg: &Config) -> Vec<&Metric> {
    let mut want: HashSet<String> = HashSet::new();
    let mut stack: Vec<String> = cfg
        .slos
        .iter()
        .flat_map(|s| s.sli.inputs())
        .map(String::from)
        .collect();
    while let Some(name) = stack.pop() {
        if !want.insert(name.clone()) {
            continue;
        }
        if let Some(Metric {
            kind: MetricKind::Expression { expr, .. },
            ..
        }) = cfg.metrics.iter().find(|m| m.name == name)
        {
            stack.extend(expr.operands());
        }
    }
    cfg.metrics
        .iter()
        .filter(|m| matches!(m.kind, MetricKind::Query(_)) && want.contains(&m.name))
        .collect()
}

/// Options of the commands that read data.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub offline: bool,
    pub quiet: bool,
    pub cache_dir: Option<std::path::PathBuf>,
    /// T, epoch seconds, for sources that fetch a range (CloudWatch); None: now.
    pub as_of: Option<i64>,
    /// Seconds of the report's history series before T (its windows are read too).
    pub series_range: i64,
    /// Time-slice SLIs may read coarser slices where CloudWatch no longer keeps their period.
    pub allow_coarser_slices: bool,
}

/// Loads the series of every needed query from the configured source.
pub fn load(cfg: &Config, opts: &LoadOptions) -> Result<DataSet> {
    let needed = needed_queries(cfg);
    match &cfg.source {
        Source::Files { path } => files::load(path, &needed),
        Source::CloudWatch { .. } => cloudwatch::load(cfg, opts),
    }
}
