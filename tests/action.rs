//! The GitHub Action (action.yml): its inputs reach the step script
//! (tools/action/run.sh), which the tests run as the action runs it: the
//! check's exit code, the step summary, the outputs and the report folder.

use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo().join("action.yml")).unwrap()).unwrap()
}

#[test]
fn the_action_passes_every_input_to_its_step() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_sequence().unwrap();
    let run = steps
        .iter()
        .find(|s| s["id"] == "run")
        .expect("the run step");
    assert_eq!(
        run["run"].as_str().unwrap().trim(),
        "bash \"$GITHUB_ACTION_PATH/tools/action/run.sh\""
    );
    let env = run["env"].as_mapping().unwrap();
    let inputs = a["inputs"].as_mapping().unwrap();
    for (name, var) in [
        ("config", "SLO_CONFIG"),
        ("command", "SLO_COMMAND"),
        ("fail-on", "SLO_FAIL_ON"),
        ("out", "SLO_OUT"),
        ("as-of", "SLO_AS_OF"),
    ] {
        assert!(inputs.contains_key(name), "input {name}");
        let v = env[var].as_str().unwrap_or("");
        assert!(v.contains(&format!("inputs.{name}")), "{var}: {v}");
    }
    // The report is uploaded even when the check fails.
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .expect("the upload step");
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    for out in ["exit-code", "report"] {
        let v = a["outputs"][out]["value"].as_str().unwrap_or("");
        assert!(
            v.contains(&format!("steps.run.outputs.{out}")),
            "{out}: {v}"
        );
    }
}

/// Runs the step script as the action does: (exit code, stdout, the step
/// summary, the outputs).
fn step(dir: &Path, env: &[(&str, &str)]) -> (i32, String, String, String) {
    // Each step has a summary and outputs of its own, as on GitHub.
    let summary = dir.join("summary.md");
    let outputs = dir.join("outputs");
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&outputs);
    let bin = assert_cmd::cargo::cargo_bin("slo");
    let mut c = Command::new("bash");
    c.arg(repo().join("tools/action/run.sh"))
        .current_dir(repo())
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .env("SLO_BIN", &bin)
        .env("SLO_CONFIG", repo().join("slo.yaml"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        read(&summary),
        read(&outputs),
    )
}

#[test]
fn the_step_gates_summarises_and_keeps_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("slo-report");
    let reports_s = reports.to_str().unwrap();
    // The sample's throughput SLO is breached: the check fails the job.
    let (code, stdout, summary, outputs) = step(
        dir.path(),
        &[("SLO_COMMAND", "check"), ("SLO_OUT", reports_s)],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("::error::slo check failed"), "{stdout}");
    assert!(
        summary.contains("| throughput |") || summary.contains("throughput"),
        "{summary}"
    );
    assert!(outputs.contains("exit-code=1"), "{outputs}");
    assert!(
        outputs.contains(&format!("report={reports_s}")),
        "{outputs}"
    );
    assert!(reports.join("report.md").is_file() && reports.join("report.json").is_file());
    // Failing only on what is not there: it passes.
    let (code, _, _, outputs) = step(
        dir.path(),
        &[
            ("SLO_COMMAND", "check"),
            ("SLO_FAIL_ON", "no-data"),
            ("SLO_OUT", ""),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        outputs.contains("exit-code=0") && !outputs.contains("report="),
        "{outputs}"
    );
    // The weekly report: the Markdown report in the summary, never a failure.
    let (code, stdout, summary, _) =
        step(dir.path(), &[("SLO_COMMAND", "report"), ("SLO_OUT", "")]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        summary.starts_with("# SLO report: wwhd-backend"),
        "{summary}"
    );
    assert_eq!(summary, stdout);
    // A wrong command, and a wrong slo.yaml.
    let (code, stdout, _, outputs) = step(dir.path(), &[("SLO_COMMAND", "gate")]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("command must be check or report") && outputs.contains("exit-code=2"));
    let (code, stdout, _, _) = step(
        dir.path(),
        &[
            ("SLO_COMMAND", "check"),
            ("SLO_CONFIG", "/nonexistent/slo.yaml"),
        ],
    );
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("::error::slo: usage or slo.yaml error"),
        "{stdout}"
    );
}
