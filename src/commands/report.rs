//! `slo report`: the report on stdout, and with `--out` a folder for the wiki
//! (report.md with its charts, report.json).

use crate::cli::Common;
use crate::error::{exit, Result};
use crate::report::charts::{self, ChartFormat, ChartOptions};
use crate::report::{markdown, output, renderer, Format, Renderer};
use std::io::IsTerminal;

pub fn run(c: &Common, format: Format, chart_format: ChartFormat) -> Result<u8> {
    let (cfg, report) = super::evaluate(c)?;
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if let Some(dir) = &c.out {
        let charts = charts::render_with(
            &report,
            &ChartOptions {
                format: chart_format,
                warning_below: cfg.warning_below.value,
            },
        )?;
        let (overview, links) = charts.links();
        let md = markdown::Markdown {
            overview: Some(overview),
            charts: links,
        };
        let mut files = vec![
            ("report.md".to_string(), md.render(&report)),
            (
                "report.json".to_string(),
                crate::report::json::Json.render(&report),
            ),
        ];
        files.extend(charts.files());
        output::replace_dir(dir, &files)?;
        if !c.quiet {
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    output::stdout(&renderer(format, color).render(&report))?;
    Ok(exit::OK)
}
