//! Where series come from: data files or CloudWatch. A source returns the raw
//! series of the CloudWatch queries that the SLOs read; expressions are
//! evaluated afterwards by compute, the same way for every source.

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
}

/// Loads the series of every needed query from the configured source.
pub fn load(cfg: &Config, _opts: &LoadOptions) -> Result<DataSet> {
    let needed = needed_queries(cfg);
    match &cfg.source {
        Source::Files { path } => files::load(path, &needed),
        Source::CloudWatch { .. } => Err(crate::error::Error::data(
            "source `cloudwatch`: this build reads data files only so far; export the series \
             with `aws cloudwatch get-metric-data` and use `source: { type: files }`",
        )),
    }
}
