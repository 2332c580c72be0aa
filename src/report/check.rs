//! `slo check`: which SLOs fail the `--fail-on` conditions, a line per SLO.

use super::fmt;
use crate::compute::{Report, SloReport, Status};
use crate::error::{Error, Result};
use serde::Serialize;

/// One condition of `--fail-on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailOn {
    Breached,
    Warning,
    NoData,
    /// Any firing alert, or (`Some`) one of that severity.
    Alert(Option<String>),
}

/// Parses `breached,alert:page,no-data`.
pub fn parse_fail_on(text: &str) -> Result<Vec<FailOn>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        out.push(match part {
            "breached" => FailOn::Breached,
            "warning" => FailOn::Warning,
            "no-data" | "no_data" => FailOn::NoData,
            "alert" => FailOn::Alert(None),
            p => match p.strip_prefix("alert:") {
                Some(sev) if !sev.is_empty() => FailOn::Alert(Some(sev.to_string())),
                _ => {
                    return Err(Error::Usage(format!(
                        "--fail-on: `{p}` is not a condition; use breached, warning, no-data, alert or alert:SEVERITY"
                    )))
                }
            },
        });
    }
    if out.is_empty() {
        return Err(Error::Usage("--fail-on lists no condition".into()));
    }
    Ok(out)
}

/// The reasons an SLO fails, in the words of `--fail-on`.
pub fn reasons(slo: &SloReport, fail_on: &[FailOn]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fail_on {
        match f {
            FailOn::Breached if slo.status == Status::Breached => out.push("breached".into()),
            FailOn::Warning if slo.status == Status::Warning => out.push("warning".into()),
            FailOn::NoData if slo.status == Status::NoData => out.push("no-data".into()),
            FailOn::Alert(sev) => {
                for a in slo.alerts.iter().filter(|a| a.firing) {
                    if sev.as_ref().is_none_or(|s| *s == a.severity) {
                        let r = format!("alert:{}", a.severity);
                        if !out.contains(&r) {
                            out.push(r);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[derive(Serialize)]
pub struct Verdict<'a> {
    pub pass: bool,
    pub failing: Vec<FailingSlo>,
    #[serde(flatten)]
    pub report: &'a Report,
}

#[derive(Serialize)]
pub struct FailingSlo {
    pub name: String,
    pub reasons: Vec<String>,
}

pub fn verdict<'a>(report: &'a Report, fail_on: &[FailOn]) -> Verdict<'a> {
    let failing: Vec<FailingSlo> = report
        .slos
        .iter()
        .map(|s| FailingSlo {
            name: s.name.clone(),
            reasons: reasons(s, fail_on),
        })
        .filter(|f| !f.reasons.is_empty())
        .collect();
    Verdict {
        pass: failing.is_empty(),
        failing,
        report,
    }
}

/// A line per SLO, then the verdict.
pub fn text(v: &Verdict) -> String {
    let width = v
        .report
        .slos
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut o = String::new();
    for s in &v.report.slos {
        let fail = v.failing.iter().find(|f| f.name == s.name);
        let mark = if fail.is_some() { "FAIL" } else { "pass" };
        let alerts = fmt::firing(s);
        o.push_str(&format!(
            "{mark}  {:<width$}  {:<8}  SLI {} (objective {}), budget left {}, worst burn {}{}{}\n",
            s.name.replace(['\n', '\r'], " "),
            fmt::status_label(s.status),
            fmt::sli(s),
            fmt::pct(s.objective, 4),
            fmt::budget_left(s),
            fmt::worst_burn(s),
            if alerts.is_empty() {
                String::new()
            } else {
                format!(", firing: {alerts}")
            },
            fail.map(|f| format!("  [{}]", f.reasons.join(", ")))
                .unwrap_or_default(),
        ));
    }
    if v.pass {
        o.push_str(&format!(
            "slo check: pass ({} SLOs, as of {})\n",
            v.report.slos.len(),
            v.report.as_of
        ));
    } else {
        o.push_str(&format!(
            "slo check: FAIL: {} of {} SLOs ({})\n",
            v.failing.len(),
            v.report.slos.len(),
            v.failing
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_parses() {
        assert_eq!(
            parse_fail_on("breached, alert:page,no-data").unwrap(),
            vec![
                FailOn::Breached,
                FailOn::Alert(Some("page".into())),
                FailOn::NoData
            ]
        );
        assert!(parse_fail_on("broken").is_err());
        assert!(parse_fail_on("alert:").is_err());
        assert!(parse_fail_on("").is_err());
    }
}
