//! `slo check`: which SLOs fail the `--fail-on` conditions, a line per SLO.

use super::fmt;
use crate::compute::{Report, SloReport, Status};
use crate::error::{Error, Result};
use serde::Serialize;

/// One condition of `--fail-on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailOn {
    Breached,
    /// Warning or worse: a breached SLO fails it too.
    Warning,
    NoData,
    /// A metric the SLO reads has no point at all in the data.
    MissingData,
    /// Any firing alert, or (`Some`) one of that severity.
    Alert(Option<String>),
}

/// Parses `breached,alert:page,no-data`; `severities` are those of the
/// alerts in slo.yaml, so that a misspelt severity cannot switch the gate off.
pub fn parse_fail_on(text: &str, severities: &[&str]) -> Result<Vec<FailOn>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        out.push(match part {
            "breached" => FailOn::Breached,
            "warning" => FailOn::Warning,
            "no-data" | "no_data" => FailOn::NoData,
            "missing-data" | "missing_data" => FailOn::MissingData,
            "alert" => FailOn::Alert(None),
            p => match p.strip_prefix("alert:") {
                Some(sev) if severities.contains(&sev) => FailOn::Alert(Some(sev.to_string())),
                Some(sev) if !sev.is_empty() => {
                    let mut known: Vec<&str> = severities.to_vec();
                    known.dedup();
                    return Err(Error::usage(format!(
                        "--fail-on: no alert has the severity `{sev}`; the alerts' severities are: {}",
                        known.join(", ")
                    )));
                }
                _ => {
                    return Err(Error::usage(format!(
                        "--fail-on: `{p}` is not a condition; use breached, warning, no-data, missing-data, alert or alert:SEVERITY"
                    )))
                }
            },
        });
    }
    if out.is_empty() {
        return Err(Error::usage("--fail-on lists no condition"));
    }
    Ok(out)
}

/// The reasons an SLO fails, in the words of `--fail-on`. A metric with no
/// point while the data holds labels slo.yaml does not name (`Errors` for
/// `errors`) fails whatever `--fail-on` says: the SLI would be computed on
/// nothing and pass.
pub fn reasons(slo: &SloReport, fail_on: &[FailOn], mislabelled: bool) -> Vec<String> {
    let mut out = Vec::new();
    if mislabelled && !slo.missing_metrics.is_empty() {
        out.push("missing-data".to_string());
    }
    for f in fail_on {
        match f {
            FailOn::Breached if slo.status == Status::Breached => out.push("breached".into()),
            FailOn::Warning if matches!(slo.status, Status::Warning | Status::Breached) => {
                out.push("warning".into())
            }
            FailOn::NoData if slo.status == Status::NoData => out.push("no-data".into()),
            FailOn::MissingData
                if !slo.missing_metrics.is_empty() && !out.iter().any(|r| r == "missing-data") =>
            {
                out.push("missing-data".into())
            }
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
            reasons: reasons(s, fail_on, !report.unread_metrics.is_empty()),
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
            crate::text::line(&s.name),
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
        for m in &s.missing_metrics {
            let culprits = crate::source::likely_culprits(m, &v.report.unread_metrics);
            o.push_str(&format!(
                "      metric `{m}` has no point at all in the data"
            ));
            if !culprits.is_empty() {
                o.push_str(&format!(
                    "; the data holds {}, which slo.yaml does not name",
                    culprits
                        .iter()
                        .map(|c| format!("`{}`", crate::text::line(c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else if !v.report.unread_metrics.is_empty() {
                o.push_str(&format!(
                    "; the data holds labels slo.yaml does not name: {}",
                    crate::text::line(&crate::source::fmt_unread(&v.report.unread_metrics))
                ));
            }
            o.push('\n');
        }
    }
    if v.pass {
        o.push_str(&format!(
            "slo check: pass ({} SLOs, as of {})\n",
            v.report.slos.len(),
            crate::series::fmt_time(v.report.as_of)
        ));
    } else {
        o.push_str(&format!(
            "slo check: FAIL: {} of {} SLOs ({})\n",
            v.failing.len(),
            v.report.slos.len(),
            v.failing
                .iter()
                .map(|f| crate::text::line(&f.name))
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
        let sev = ["page", "ticket"];
        assert_eq!(
            parse_fail_on("breached, alert:page,no-data,missing-data", &sev).unwrap(),
            vec![
                FailOn::Breached,
                FailOn::Alert(Some("page".into())),
                FailOn::NoData,
                FailOn::MissingData
            ]
        );
        assert!(parse_fail_on("broken", &sev).is_err());
        assert!(parse_fail_on("alert:", &sev).is_err());
        assert!(parse_fail_on("", &sev).is_err());
        let e = parse_fail_on("alert:pgae", &sev).unwrap_err().to_string();
        assert!(e.contains("`pgae`") && e.contains("page, ticket"), "{e}");
    }
}
