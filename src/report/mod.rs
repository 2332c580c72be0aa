//! Renderers turn a [`Report`] into bytes and never touch the file system;
//! [`output`] does all the writing (stdout, or files written atomically).

pub mod charts;
pub mod check;
pub mod fmt;
pub mod json;
pub mod markdown;
pub mod output;
pub mod table;

use crate::compute::{Report, SloReport, Status};

/// The SLOs of `report` that need attention first: breached, then warning,
/// then without data, then ok; within each the least budget left first (the
/// overview's panels and the wiki page's "least budget left" table).
pub fn least_budget_first(report: &Report) -> Vec<&SloReport> {
    let rank = |s: &SloReport| match s.status {
        Status::Breached => 0,
        Status::Warning => 1,
        Status::NoData => 2,
        Status::Ok => 3,
    };
    let left = |s: &SloReport| s.error_budget.remaining_ratio.unwrap_or(f64::INFINITY);
    let mut all: Vec<&SloReport> = report.slos.iter().collect();
    // Stable: ties keep slo.yaml's order.
    all.sort_by(|a, b| rank(a).cmp(&rank(b)).then(left(a).total_cmp(&left(b))));
    all
}

/// One output format.
pub trait Renderer {
    fn render(&self, report: &Report) -> Vec<u8>;
}

/// `--format` of `slo report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal (coloured unless NO_COLOR is set or stdout is not a terminal).
    Table,
    /// A wiki page: a summary table and a section per SLO.
    Markdown,
    /// The JSON report of docs/interface.md.
    Json,
}

/// The renderer of `format`; `width`: the terminal's, for the table.
pub fn renderer(format: Format, color: bool, width: Option<usize>) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(table::Table { color, width }),
        Format::Markdown => Box::new(markdown::Markdown::default()),
        Format::Json => Box::new(json::Json),
    }
}
