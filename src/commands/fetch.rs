//! `slo fetch`: fills the local cache from the configured source (files are
//! their own cache: it checks that they read).

use crate::cli::{Common, FetchFormat};
use crate::error::{exit, Result};

pub fn run(c: &Common, format: FetchFormat) -> Result<u8> {
    // The range of T: --as-of, slo.yaml's as_of, or now; only the --slo SLOs.
    let (cfg, pinned) = super::scoped(c, &crate::config::load(&c.config)?)?;
    let needs = super::plan(c, &cfg, pinned)?;
    let loaded = crate::source::fetch(&cfg, &needs, &super::load_options(c))?;
    if format == FetchFormat::Json {
        let mut out = serde_json::to_vec_pretty(&loaded.summary.json).unwrap_or_default();
        out.push(b'\n');
        crate::report::output::stdout(&out)?;
    }
    Ok(exit::OK)
}
