//! `slo export TARGET`: the burn-rate alerts as rules for the system that
//! pages (reads slo.yaml only, no data).

use crate::cli::Common;
use crate::error::{exit, Result};
use std::path::Path;

pub fn run(
    c: &Common,
    target: crate::export::Target,
    out: Option<&Path>,
    as_of: Option<&str>,
) -> Result<u8> {
    let cfg = crate::config::load(&c.config)?;
    let t = match as_of {
        Some(s) => super::parse_as_of(s)?.0,
        None => chrono::Utc::now().timestamp(),
    };
    crate::export::run(&cfg, target, t, out)?;
    Ok(exit::OK)
}
