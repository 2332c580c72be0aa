//! `slo fetch`: fills the local cache from the configured source.

use crate::cli::Common;
use crate::error::{exit, Result};
use crate::model::Source;

pub fn run(c: &Common) -> Result<u8> {
    let cfg = crate::config::load(&c.config)?;
    match &cfg.source {
        Source::Files { path } => {
            // Files are their own cache: check that they read, and say so.
            let data = crate::source::load(&cfg, &super::load_options(c, &cfg, None))?;
            if !c.quiet {
                let points: usize = data.values().map(|s| s.len()).sum();
                eprintln!(
                    "source is files ({}): nothing to fetch; {} series, {points} points read",
                    path.display(),
                    data.len()
                );
            }
            Ok(exit::OK)
        }
        Source::CloudWatch { .. } => {
            // The range of T: --as-of, slo.yaml's as_of, or now.
            let pinned = match &c.as_of {
                Some(s) => Some(super::parse_as_of(s)?),
                None => None,
            };
            crate::source::cloudwatch::fetch(&cfg, &super::load_options(c, &cfg, pinned))?;
            Ok(exit::OK)
        }
    }
}
