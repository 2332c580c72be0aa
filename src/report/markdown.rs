//! The wiki page: a summary table, then a section per SLO with its numbers,
//! burn rates, alerts and (when charts were drawn) its charts.

use super::{fmt, Renderer};
use crate::compute::{Budgeting, Report, SloReport, Status};
use crate::series::fmt_time;
use std::collections::HashMap;
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

/// SLOs on one page of `--out`'s wiki folder. Past it, `report.md` holds the
/// overview, the [`PAGE_SLOS`] SLOs with the least budget left and an index
/// of pages `slos-001.md`, … of [`PAGE_SLOS`] sections each, in slo.yaml's
/// order: a 10,000-SLO fleet's page would hold 40,000 images.
pub const PAGE_SLOS: usize = 100;

impl Renderer for Markdown {
    /// Everything on one page (stdout's `--format markdown`).
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut o = String::new();
        header(&mut o, r, "");
        self.overview(&mut o, r);
        table(&mut o, r.slos.iter(), |s| format!("#{}", anchor(&s.name)));
        let charts = self.chart_index();
        for s in &r.slos {
            section(&mut o, s, charts.get(s.name.as_str()).copied());
        }
        o.into_bytes()
    }
}

impl Markdown {
    /// The Markdown pages of `--out` for `r`: `report.md`, and past
    /// [`PAGE_SLOS`] SLOs the pages of sections.
    pub fn page_names(r: &Report) -> Vec<String> {
        let mut names = vec!["report.md".to_string()];
        let n = r.slos.len();
        if n > PAGE_SLOS {
            let pages = n.div_ceil(PAGE_SLOS);
            let width = pages.to_string().len().max(3);
            names.extend((1..=pages).map(|k| format!("slos-{k:0width$}.md")));
        }
        names
    }

    /// Page `i` of [`Markdown::page_names`].
    pub fn page(&self, r: &Report, i: usize) -> Vec<u8> {
        let names = Self::page_names(r);
        if names.len() == 1 {
            return self.render(r);
        }
        let mut o = String::new();
        let page_of = |k: usize| &names[1 + k / PAGE_SLOS];
        if i == 0 {
            header(&mut o, r, "");
            self.overview(&mut o, r);
            let worst = crate::report::least_budget_first(r);
            let position: HashMap<*const SloReport, usize> = r
                .slos
                .iter()
                .enumerate()
                .map(|(k, s)| (s as *const SloReport, k))
                .collect();
            let _ = writeln!(
                o,
                "## The {PAGE_SLOS} SLOs with the least budget left\n\nBreached first, then warning, then without data, then ok. Every SLO's section is on the pages listed [below](#every-slo).\n"
            );
            table(&mut o, worst.into_iter().take(PAGE_SLOS), |s| {
                let k = position[&(s as *const SloReport)];
                format!("{}#{}", page_of(k), anchor(&s.name))
            });
            let _ = writeln!(
                o,
                "\n## Every SLO\n\nThe {} SLOs in slo.yaml's order, {PAGE_SLOS} a page:\n",
                r.slos.len()
            );
            for (p, chunk) in r.slos.chunks(PAGE_SLOS).enumerate() {
                let bad = chunk
                    .iter()
                    .filter(|s| s.status == Status::Breached)
                    .count();
                let warn = chunk.iter().filter(|s| s.status == Status::Warning).count();
                let _ = writeln!(
                    o,
                    "- [{}]({}): {} to {} ({bad} breached, {warn} warning)",
                    names[p + 1],
                    names[p + 1],
                    text(&chunk[0].name),
                    text(&chunk[chunk.len() - 1].name),
                );
            }
            return o.into_bytes();
        }
        let Some(chunk) = r.slos.chunks(PAGE_SLOS).nth(i - 1) else {
            return Vec::new();
        };
        let first = (i - 1) * PAGE_SLOS;
        header(
            &mut o,
            r,
            &format!(
                ", SLOs {} to {} of {}",
                first + 1,
                first + chunk.len(),
                r.slos.len()
            ),
        );
        let mut nav = vec!["[the report](report.md)".to_string()];
        if i > 1 {
            nav.push(format!("[previous]({})", names[i - 1]));
        }
        if i + 1 < names.len() {
            nav.push(format!("[next]({})", names[i + 1]));
        }
        let _ = writeln!(o, "{}\n", nav.join(" · "));
        table(&mut o, chunk.iter(), |s| format!("#{}", anchor(&s.name)));
        let charts = self.chart_index();
        for s in chunk {
            section(&mut o, s, charts.get(s.name.as_str()).copied());
        }
        o.into_bytes()
    }

    /// A shorter page for a size-limited place (GitHub's step summary takes
    /// 1 MiB): the whole page up to [`PAGE_SLOS`] SLOs, else the counts and
    /// the table of the [`PAGE_SLOS`] with the least budget left.
    pub fn summary(&self, r: &Report) -> Vec<u8> {
        if r.slos.len() <= PAGE_SLOS {
            return self.render(r);
        }
        let mut o = String::new();
        header(&mut o, r, "");
        let _ = writeln!(
            o,
            "## The {PAGE_SLOS} SLOs with the least budget left (of {})\n",
            r.slos.len()
        );
        table(
            &mut o,
            crate::report::least_budget_first(r)
                .into_iter()
                .take(PAGE_SLOS),
            |_| String::new(),
        );
        o.into_bytes()
    }

    fn overview(&self, o: &mut String, r: &Report) {
        use crate::report::charts::overview::MAX_PANELS;
        if let Some(img) = &self.overview {
            if r.slos.len() > MAX_PANELS {
                let _ = writeln!(
                    o,
                    "![SLI trends of the {MAX_PANELS} SLOs with the least budget left]({img})\n"
                );
            } else {
                let _ = writeln!(o, "![SLI trends of every SLO]({img})\n");
            }
        }
    }

    /// Each SLO's chart links, by name.
    fn chart_index(&self) -> HashMap<&str, &[(String, String)]> {
        self.charts
            .iter()
            .map(|(n, imgs)| (n.as_str(), imgs.as_slice()))
            .collect()
    }
}

/// The title and the line of counts; `suffix` follows the service's name.
fn header(o: &mut String, r: &Report, suffix: &str) {
    let _ = writeln!(o, "# SLO report: {}{suffix}\n", text(&r.service));
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
}

/// The summary table of `slos`, each name linked to `link(slo)` (none when
/// it is empty).
fn table<'a>(
    o: &mut String,
    slos: impl Iterator<Item = &'a SloReport>,
    link: impl Fn(&SloReport) -> String,
) {
    o.push_str("| SLO | Objective | Window | SLI | Budget left | Worst burn rate | Firing alerts | Status |\n");
    o.push_str("|---|---:|---|---:|---:|---:|---|---|\n");
    for s in slos {
        let alerts = fmt::firing(s);
        let target = link(s);
        let name = if target.is_empty() {
            cell(&s.name)
        } else {
            format!("[{}]({target})", cell(&s.name))
        };
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} | {} | {} | {} {} |",
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

/// An SLO's section: its numbers, burn rates, alerts, where its budget went,
/// its history and its charts.
fn section(o: &mut String, s: &SloReport, charts: Option<&[(String, String)]>) {
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
    if let Some(imgs) = charts {
        o.push('\n');
        for (alt, path) in imgs {
            let _ = writeln!(o, "![{}]({path})\n", cell(alt));
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
