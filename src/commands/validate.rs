//! `slo validate`: parses and checks slo.yaml; touches no data source.

use crate::cli::Common;
use crate::error::{exit, Result};

pub fn run(c: &Common) -> Result<u8> {
    let cfg = crate::config::load(&c.config)?;
    let queries = cfg.needed_queries().len();
    crate::report::output::stdout(
        format!(
            "{}: ok: service {}, {} SLOs, {} metrics ({} queries read)\n",
            c.config.display(),
            cfg.service,
            cfg.slos.len(),
            cfg.metrics.len(),
            queries
        )
        .as_bytes(),
    )?;
    Ok(exit::OK)
}
