//! `slo report`: the report on stdout, and with `--out` a folder for the wiki
//! (report.md with its charts, report.json).

use crate::cli::Common;
use crate::compute::Report;
use crate::error::{exit, Result};
use crate::report::charts::{self, ChartOptions};
use crate::report::{markdown, output, renderer, Format, Renderer};
use std::io::IsTerminal;
use std::path::Path;

pub fn run(c: &Common, format: Format) -> Result<u8> {
    let report = super::evaluate(c)?;
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if let Some(dir) = &c.out {
        write_folder(c, &report, dir)?;
    }
    output::stdout(&renderer(format, color).render(&report))?;
    Ok(exit::OK)
}

/// `--out DIR`: report.md, report.json and the charts (`report` and `check`).
pub fn write_folder(c: &Common, report: &Report, dir: &Path) -> Result<()> {
    let charts = charts::render_with(
        report,
        &ChartOptions {
            format: c.chart_format,
        },
    )?;
    let (overview, links) = charts.links();
    let md = markdown::Markdown {
        overview: Some(overview),
        charts: links,
    };
    let mut files = vec![
        ("report.md".to_string(), md.render(report)),
        (
            "report.json".to_string(),
            crate::report::json::Json.render(report),
        ),
    ];
    files.extend(charts.files());
    output::write_report_dir(dir, &files)?;
    if !c.quiet {
        eprintln!("wrote {} files to {}", files.len(), dir.display());
    }
    Ok(())
}
