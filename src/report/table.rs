//! The terminal table: one row per SLO, readable at a glance.

use super::{fmt, Renderer};
use crate::compute::{Report, Status};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

pub struct Table {
    pub color: bool,
    /// The terminal's width in columns, when the table should fit it.
    pub width: Option<usize>,
}

/// The columns, most important first: when the table is wider than the
/// terminal, columns go from the end of this list (trend first), then long
/// SLO names are cut.
const COLUMNS: [&str; 9] = [
    "SLO",
    "status",
    "budget left",
    "SLI",
    "alerts",
    "objective",
    "window",
    "worst burn",
    "trend",
];

/// The order the table shows its columns in.
const SHOWN: [&str; 9] = [
    "SLO",
    "objective",
    "window",
    "SLI",
    "trend",
    "budget left",
    "worst burn",
    "alerts",
    "status",
];

fn paint(color: bool, status: Status, text: &str) -> String {
    if !color {
        return text.to_string();
    }
    let code = match status {
        Status::Ok => "32",
        Status::Warning => "33",
        Status::Breached => "1;31",
        Status::NoData => "90",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

impl Table {
    /// The cells of every row, by column name.
    fn cells(&self, report: &Report) -> Vec<Vec<(&'static str, String)>> {
        report
            .slos
            .iter()
            .map(|s| {
                let alerts = fmt::firing(s);
                vec![
                    ("SLO", crate::text::line(&s.name)),
                    ("objective", fmt::pct(s.objective, 4)),
                    ("window", s.window.clone()),
                    ("SLI", fmt::sli(s)),
                    ("trend", fmt::trend(s)),
                    ("budget left", fmt::budget_left(s)),
                    ("worst burn", fmt::worst_burn(s)),
                    (
                        "alerts",
                        if alerts.is_empty() {
                            "–".into()
                        } else {
                            paint(self.color, Status::Breached, &alerts)
                        },
                    ),
                    (
                        "status",
                        paint(self.color, s.status, fmt::status_label(s.status)),
                    ),
                ]
            })
            .collect()
    }

    /// The table of the columns `keep`, SLO names cut to `name_width`.
    fn build(
        rows: &[Vec<(&'static str, String)>],
        keep: &[&str],
        name_width: Option<usize>,
    ) -> tabled::Table {
        let cols: Vec<&str> = SHOWN.iter().copied().filter(|c| keep.contains(c)).collect();
        let mut b = Builder::default();
        b.push_record(cols.iter().copied());
        for row in rows {
            b.push_record(cols.iter().map(|c| {
                let cell = row
                    .iter()
                    .find(|(n, _)| n == c)
                    .map_or("", |x| x.1.as_str());
                match name_width {
                    Some(w) if *c == "SLO" => cut(cell, w),
                    _ => cell.to_string(),
                }
            }));
        }
        let mut t = b.build();
        t.with(Style::rounded());
        // Numbers right-aligned: every column but the SLO's, the alerts' and the status'.
        for (i, c) in cols.iter().enumerate() {
            if !matches!(*c, "SLO" | "alerts" | "status") {
                t.modify(Columns::new(i..i + 1), Alignment::right());
            }
        }
        t
    }
}

/// How many columns the table takes on a terminal (its widest line; the
/// ANSI colours take none).
fn shown_width(t: &tabled::Table) -> usize {
    t.to_string()
        .lines()
        .map(|l| crate::text::strip_ansi(l).chars().count())
        .max()
        .unwrap_or(0)
}

/// `text` cut to `width` characters, the last one an ellipsis when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

impl Renderer for Table {
    fn render(&self, report: &Report) -> Vec<u8> {
        let rows = self.cells(report);
        let mut keep: Vec<&str> = COLUMNS.to_vec();
        let mut t = Self::build(&rows, &keep, None);
        if let Some(width) = self.width {
            // Drop columns from the least important on until the table fits
            // (the four first always stay), then cut long SLO names.
            while shown_width(&t) > width && keep.len() > 4 {
                keep.pop();
                t = Self::build(&rows, &keep, None);
            }
            let longest = rows
                .iter()
                .map(|r| r[0].1.chars().count())
                .max()
                .unwrap_or(0);
            let over = shown_width(&t).saturating_sub(width);
            if over > 0 && longest > 8 {
                t = Self::build(&rows, &keep, Some(longest.saturating_sub(over).max(8)));
            }
        }
        let mut out = format!(
            "{} · as of {}",
            crate::text::line(&report.service),
            crate::series::fmt_time(report.as_of)
        );
        if let Some(req) = &report.as_of_requested {
            out.push_str(&format!(" (asked for {req}, floored to the period)"));
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
        let dropped: Vec<&str> = SHOWN
            .iter()
            .copied()
            .filter(|c| !keep.contains(c))
            .collect();
        if !dropped.is_empty() {
            out.push_str(&format!(
                "  (too narrow for {}: widen the terminal, or --format markdown|json)\n",
                dropped.join(", ")
            ));
        }
        for s in &report.slos {
            if s.missing_periods > 0 || s.clamped_periods > 0 {
                out.push_str(&format!(
                    "  {}: {} missing and {} clamped periods in the window\n",
                    crate::text::line(&s.name),
                    s.missing_periods,
                    s.clamped_periods
                ));
            }
        }
        out.into_bytes()
    }
}
