//! The wiki page: a summary table, then a section per SLO with its numbers,
//! burn rates, alerts and (when charts were drawn) its charts.

use super::{fmt, Renderer};
use crate::compute::{Budgeting, Report, SloReport};
use crate::series::fmt_time;
use std::fmt::Write;

/// `charts`: per SLO name, the relative paths of its images (alt text, path);
/// `overview`: the overview image at the top.
#[derive(Default)]
pub struct Markdown {
    pub overview: Option<String>,
    pub charts: Vec<(String, Vec<(String, String)>)>,
}

/// A table cell that no `|`, newline, link or HTML in a name can break.
pub fn cell(s: &str) -> String {
    text(&s.replace('\\', "\\\\").replace('|', "\\|"))
}

/// Text for a heading or a paragraph: one line, no HTML, no link or image
/// syntax (`[x](url)`, `![x](url)` need a bracket), no control characters.
fn text(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

impl Renderer for Markdown {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut o = String::new();
        let _ = writeln!(o, "# SLO report: {}\n", text(&r.service));
        let _ = write!(o, "As of **{}**", fmt_time(r.as_of));
        if let Some(req) = &r.as_of_requested {
            let _ = write!(o, " (asked for {req}, floored to the period boundary)");
        }
        let count = |st| r.slos.iter().filter(|s| s.status == st).count();
        use crate::compute::Status::*;
        let _ = writeln!(
            o,
            " · {} SLOs: {} ok, {} warning, {} breached, {} without data\n",
            r.slos.len(),
            count(Ok),
            count(Warning),
            count(Breached),
            count(NoData)
        );
        if let Some(img) = &self.overview {
            let _ = writeln!(o, "![SLI trends of every SLO]({img})\n");
        }
        o.push_str("| SLO | Objective | Window | SLI | Budget left | Worst burn rate | Firing alerts | Status |\n");
        o.push_str("|---|---:|---|---:|---:|---:|---|---|\n");
        for s in &r.slos {
            let alerts = fmt::firing(s);
            let _ = writeln!(
                o,
                "| [{}](#{}) | {} | {} | {} | {} | {} | {} | {} {} |",
                cell(&s.name),
                anchor(&s.name),
                fmt::pct(s.objective, 4),
                cell(&s.window),
                fmt::sli(s),
                fmt::budget_left(s),
                fmt::worst_burn(s),
                if alerts.is_empty() {
                    "–".into()
                } else {
                    cell(&alerts)
                },
                fmt::status_icon(s.status),
                fmt::status_label(s.status)
            );
        }
        for s in &r.slos {
            self.section(&mut o, s);
        }
        o.into_bytes()
    }
}

/// GitHub-style heading anchor.
pub fn anchor(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

impl Markdown {
    fn section(&self, o: &mut String, s: &SloReport) {
        let _ = writeln!(o, "\n## {}\n", text(&s.name));
        if let Some(d) = &s.description {
            let _ = writeln!(o, "{}\n", text(d));
        }
        let unit = if s.budgeting == Budgeting::Timeslices {
            "slices"
        } else {
            "events"
        };
        let _ = writeln!(
            o,
            "- **Status:** {} {}",
            fmt::status_icon(s.status),
            fmt::status_label(s.status)
        );
        let _ = writeln!(
            o,
            "- **Objective:** {} over {} (budgeting by {}{}), window from {}",
            fmt::pct(s.objective, 4),
            s.window,
            s.budgeting,
            s.slice_rule
                .as_ref()
                .map(|r| format!(": a slice is good when {}", text(r)))
                .unwrap_or_default(),
            fmt_time(s.window_start)
        );
        let _ = writeln!(
            o,
            "- **SLI:** {} ({} good of {} {unit}; {} missing, {} clamped periods)",
            fmt::sli(s),
            num(s.good),
            num(s.total),
            s.missing_periods,
            s.clamped_periods
        );
        let eb = &s.error_budget;
        let _ = writeln!(
            o,
            "- **Error budget:** {} left of {}{}",
            fmt::budget_left(s),
            fmt::minutes(eb.budget_minutes),
            eb.budget_events
                .map(|e| format!(" ({} events)", num(e)))
                .unwrap_or_default()
        );
        let _ = writeln!(
            o,
            "- **Budget exhausted:** {}",
            match (&s.exhaustion_at, s.error_budget.remaining_ratio) {
                (Some(t), _) => crate::compute::fmt_instant(t),
                (None, Some(r)) if r <= 0.0 => "already exhausted".into(),
                (None, None) => "not forecast (no data)".into(),
                (None, Some(_)) => "not forecast at the current burn rate".into(),
            }
        );
        o.push_str("\n| Lookback | Burn rate |\n|---|---:|\n");
        for (k, v) in &s.burn_rates {
            let _ = writeln!(o, "| {k} | {} |", fmt::opt_burn(*v));
        }
        o.push_str("\n| Alert | Long | Short | Fires above | Long burn | Short burn | Firing |\n|---|---|---|---:|---:|---:|---|\n");
        for a in &s.alerts {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&a.severity),
                a.long,
                a.short,
                a.burn_rate,
                fmt::opt_burn(a.long_burn_rate),
                fmt::opt_burn(a.short_burn_rate),
                if a.firing { "🔥 yes" } else { "no" }
            );
        }
        spent(o, s, unit);
        history(o, s);
        if let Some((_, imgs)) = self.charts.iter().find(|(n, _)| *n == s.name) {
            o.push('\n');
            for (alt, path) in imgs {
                let _ = writeln!(o, "![{}]({path})\n", cell(alt));
            }
        }
    }
}

/// "Where the budget went": the days with any spend and the worst hours.
fn spent(o: &mut String, s: &SloReport, unit: &str) {
    if s.total == 0.0 {
        o.push_str("\n**Where the budget went:** no events in the window.\n");
        return;
    }
    let days: Vec<_> = s.budget_by_day.iter().filter(|d| d.bad > 0.0).collect();
    if days.is_empty() {
        o.push_str("\n**Where the budget went:** no budget spent in the window.\n");
        return;
    }
    let _ = writeln!(
        o,
        "\n**Where the budget went:** the days that spent budget, {} of {} (in {}):\n",
        days.len(),
        s.budget_by_day.len(),
        cell(&s.timezone)
    );
    let _ = writeln!(
        o,
        "| Day | Bad {unit} | {} | Share of the budget |\n|---|---:|---:|---:|",
        capitalized(unit)
    );
    for d in days {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            d.date,
            num(d.bad),
            num(d.total),
            share(d.share)
        );
    }
    let _ = writeln!(
        o,
        "\nThe hours with the most bad {unit}:\n\n| Hour (UTC) | Bad {unit} | {} | Share of the budget | Burn rate |\n|---|---:|---:|---:|---:|",
        capitalized(unit)
    );
    for h in &s.worst_hours {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            fmt::hour(h.start),
            num(h.bad),
            num(h.total),
            share(h.share),
            fmt::opt_burn(h.burn_rate)
        );
    }
}

/// The history line: the earlier windows, newest first.
fn history(o: &mut String, s: &SloReport) {
    if s.history.is_empty() {
        return;
    }
    let items: Vec<String> = s
        .history
        .iter()
        .map(|h| {
            format!(
                "{} {} to {}",
                fmt::sli_value(s, h.sli),
                fmt::status_icon(h.status),
                fmt_time(h.as_of)
            )
        })
        .collect();
    let _ = writeln!(
        o,
        "\n**History**, the {} windows before this one, newest first: {}. This window against the previous: {}.",
        s.history.len(),
        items.join(" · "),
        fmt::trend(s)
    );
}

fn share(v: Option<f64>) -> String {
    v.map(|v| format!("{:.2}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn capitalized(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Counts without noise: integers as integers, others with three decimals.
fn num(v: f64) -> String {
    let text = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    };
    // Thousands separators in the integer part: 676,962,762.
    let (sign, rest) = text.split_at(if text.starts_with('-') { 1 } else { 0 });
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let grouped = fmt::thousands(int);
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(anchor("Error rate (1d)"), "error-rate-1d");
        assert_eq!(num(676_962_762.0), "676,962,762");
        assert_eq!(num(677_292.093), "677,292.093");
        assert_eq!(num(-1234.0), "-1,234");
        assert_eq!(num(12.0), "12");
    }
}
