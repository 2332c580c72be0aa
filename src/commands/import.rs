//! `slo import openslo FILE...`: slo.yaml from OpenSLO documents. The text
//! written has been parsed as slo.yaml; an existing file is never replaced
//! without --force.

use crate::cli::{Global, ImportFormat};
use crate::config::openslo;
use crate::error::{exit, Error, Result};
use std::path::Path;

pub fn run(
    g: &Global,
    format: ImportFormat,
    files: &[std::path::PathBuf],
    out: Option<&Path>,
    force: bool,
) -> Result<u8> {
    let ImportFormat::Openslo = format;
    let mut docs = Vec::new();
    for f in files {
        let text = crate::config::read_text(f)?;
        docs.extend(openslo::documents(&f.display().to_string(), &text).map_err(Error::usage)?);
    }
    if docs.is_empty() {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        return Err(Error::usage(format!(
            "{}: no OpenSLO documents",
            names.join(", ")
        )));
    }
    let text = openslo::import(&docs).map_err(Error::usage)?;
    let path = out.unwrap_or(&g.config);
    if path == Path::new("-") {
        crate::report::output::stdout(text.as_bytes())?;
        return Ok(exit::OK);
    }
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::usage(format!(
            "{}: already there; slo import leaves it as it is",
            path.display()
        ))
        .hint(
            "pass --force to replace it, --out FILE to write another file, or --out - for stdout",
        ));
    }
    crate::report::output::write_atomic(path, text.as_bytes())?;
    if !g.quiet {
        let slos = text.lines().filter(|l| l.starts_with("  - name: ")).count();
        eprintln!(
            "wrote {} ({slos} SLO{} from {} document{})\nnext: slo validate --config {0}, then slo report --config {0}",
            path.display(),
            if slos == 1 { "" } else { "s" },
            docs.len(),
            if docs.len() == 1 { "" } else { "s" },
        );
    }
    Ok(exit::OK)
}
