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
    output::stdout(&renderer(format, color, terminal_width()).render(&report))?;
    Ok(exit::OK)
}

/// The width the table fits: `COLUMNS` when set, else the terminal's when
/// stdout is one (a table piped to a file keeps every column).
fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
}

/// `--out DIR`: report.md, report.json and the charts (`report` and `check`),
/// each chart drawn as it is written.
pub fn write_folder(c: &Common, report: &Report, dir: &Path) -> Result<()> {
    let plan = charts::Plan::new(
        report,
        &ChartOptions {
            format: c.chart_format,
        },
    );
    let (overview, links) = plan.links();
    let md = markdown::Markdown {
        overview: Some(overview),
        charts: links,
    };
    let images: Vec<&charts::Planned> = plan.images().collect();
    // report.md (and past markdown::PAGE_SLOS SLOs its pages), report.json,
    // the charts.
    let mut names = markdown::Markdown::page_names(report);
    let pages = names.len();
    names.push("report.json".to_string());
    names.extend(images.iter().map(|p| p.file_name.clone()));
    output::write_report_dir_with(dir, &names, &|i| match i {
        i if i < pages => Ok(md.page(report, i)),
        i if i == pages => Ok(crate::report::json::Json.render(report)),
        _ => plan.draw(report, images[i - pages - 1]),
    })?;
    if !c.quiet {
        eprintln!("wrote {} files to {}", names.len(), dir.display());
    }
    Ok(())
}
