//! The terminal table: one row per SLO, readable at a glance.

use super::{fmt, Renderer};
use crate::compute::{Report, Status};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

pub struct Table {
    pub color: bool,
}

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

impl Renderer for Table {
    fn render(&self, report: &Report) -> Vec<u8> {
        let mut b = Builder::default();
        b.push_record([
            "SLO",
            "objective",
            "window",
            "SLI",
            "trend",
            "budget left",
            "worst burn",
            "alerts",
            "status",
        ]);
        for s in &report.slos {
            let alerts = fmt::firing(s);
            b.push_record([
                crate::text::line(&s.name),
                fmt::pct(s.objective, 4),
                s.window.clone(),
                fmt::sli(s),
                fmt::trend(s),
                fmt::budget_left(s),
                fmt::worst_burn(s),
                if alerts.is_empty() {
                    "–".into()
                } else {
                    paint(self.color, Status::Breached, &alerts)
                },
                paint(self.color, s.status, fmt::status_label(s.status)),
            ]);
        }
        let mut t = b.build();
        t.with(Style::rounded());
        t.modify(Columns::new(1..7), Alignment::right());
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
