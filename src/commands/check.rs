//! `slo check`: the CI gate. Exit 1 when an SLO fails a `--fail-on` condition;
//! with GITHUB_STEP_SUMMARY set, the Markdown summary is appended there.

use crate::cli::{CheckFormat, Common};
use crate::error::{exit, Result};
use crate::report::{check, markdown::Markdown, output};

pub fn run(c: &Common, format: CheckFormat, fail_on: &str) -> Result<u8> {
    let cfg = crate::config::load(&c.config)?;
    let severities: Vec<&str> = cfg.alerts.iter().map(|a| a.severity.as_str()).collect();
    let fail_on = check::parse_fail_on(fail_on, &severities)?;
    let report = super::evaluate_with(c, &cfg)?;
    if let Some(dir) = &c.out {
        super::report::write_folder(c, &report, dir)?;
    }
    let verdict = check::verdict(&report, &fail_on);
    let text = check::text(&verdict);
    let out = match format {
        CheckFormat::Text => text.clone().into_bytes(),
        CheckFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&verdict).unwrap_or_default();
            v.push(b'\n');
            v
        }
        CheckFormat::Markdown => summary(&report, &text),
    };
    output::stdout(&out)?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        output::append(std::path::Path::new(&path), &summary(&report, &text))?;
    }
    Ok(if verdict.pass {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// The step summary: the Markdown page and the check's lines. GitHub takes
/// 1 MiB a step: past markdown::PAGE_SLOS SLOs the page is the table of the
/// SLOs with the least budget left and the lines those of failing SLOs.
fn summary(report: &crate::compute::Report, text: &str) -> Vec<u8> {
    let mut md = Markdown::default().summary(report);
    md.extend_from_slice(b"\n```\n");
    if report.slos.len() <= crate::report::markdown::PAGE_SLOS {
        md.extend_from_slice(text.as_bytes());
    } else {
        let passing = text.lines().filter(|l| l.starts_with("pass ")).count();
        for line in text.lines().filter(|l| !l.starts_with("pass ")) {
            md.extend_from_slice(line.as_bytes());
            md.push(b'\n');
        }
        md.extend_from_slice(format!("({passing} passing SLOs not listed)\n").as_bytes());
    }
    md.extend_from_slice(b"```\n");
    md
}
