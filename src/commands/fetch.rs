//! `slo fetch`: fills the local cache from the configured source.

use crate::cli::{Common, FetchFormat};
use crate::error::{exit, Result};
use crate::model::Source;

pub fn run(c: &Common, format: FetchFormat) -> Result<u8> {
    let cfg = crate::config::load(&c.config)?;
    let summary = match &cfg.source {
        Source::Files { path } => {
            // Files are their own cache: check that they read, and say so.
            let data = crate::source::load(&cfg, &super::load_options(c, &cfg, None)?)?.data;
            let points: usize = data.values().map(|s| s.len()).sum();
            if !c.quiet && format == FetchFormat::Text {
                eprintln!(
                    "source is files ({}): nothing to fetch; {} series, {points} points read",
                    path.display(),
                    data.len()
                );
            }
            serde_json::json!({
                "source": "files",
                "path": path,
                "series": data.len(),
                "points": points,
                "calls": 0,
            })
        }
        Source::CloudWatch { .. } => {
            // The range of T: --as-of, slo.yaml's as_of, or now.
            let pinned = match &c.as_of {
                Some(s) => Some(super::parse_as_of(s)?),
                None => None,
            };
            let s = crate::source::cloudwatch::fetch(&cfg, &super::load_options(c, &cfg, pinned)?)?;
            serde_json::json!({
                "source": "cloudwatch",
                "calls": s.calls,
                "planned_calls": s.planned_calls,
                "datapoints": s.datapoints,
                "queries": s.queries,
                "series": s.series,
                "cache_dir": s.cache_dir,
            })
        }
    };
    if format == FetchFormat::Json {
        let mut out = serde_json::to_vec_pretty(&summary).unwrap_or_default();
        out.push(b'\n');
        crate::report::output::stdout(&out)?;
    }
    Ok(exit::OK)
}
