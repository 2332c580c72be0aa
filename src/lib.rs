//! slo: turns CloudWatch metrics into SLO reports.
//!
//! The pipeline, one folder a stage: [`config`] (slo.yaml → [`model`]) →
//! [`source`] (files or CloudWatch → series) → [`compute`] (the SLO math) →
//! [`report`] (table, Markdown, JSON, charts). [`commands`] wires them per
//! subcommand; `main.rs` only maps the outcome to an exit code.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cli;
pub mod commands;
pub mod compute;
pub mod config;
pub mod duration;
pub mod error;
pub mod exact;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod model;
pub mod report;
pub mod series;
pub mod source;
pub mod text;

/// A warning on stderr: something the user should know that does not stop the run.
/// Control characters in `msg` (from names, files, CloudWatch) are escaped.
pub fn warn(msg: &str) {
    eprintln!("warning: {}", text::escape(msg, true));
}
