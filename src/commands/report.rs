//! `slo report`: the report on stdout, and with `--out` a folder for the wiki.

use crate::cli::Common;
use crate::error::{exit, Result};
use crate::report::{markdown, output, renderer, Format, Renderer};
use std::io::IsTerminal;

pub fn run(c: &Common, format: Format) -> Result<u8> {
    let (_cfg, report) = super::evaluate(c)?;
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if let Some(dir) = &c.out {
        let md = markdown::Markdown::default();
        let files = vec![
            ("report.md".to_string(), md.render(&report)),
            (
                "report.json".to_string(),
                crate::report::json::Json.render(&report),
            ),
        ];
        output::replace_dir(dir, &files)?;
        if !c.quiet {
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    output::stdout(&renderer(format, color).render(&report))?;
    Ok(exit::OK)
}
