//! The evaluated report: what every format renders (terminal table,
//! Markdown, JSON, charts). Times are integers (epoch seconds) or a
//! `DateTime`, durations `Dur`, kinds enums; serde writes the JSON contract
//! (docs/interface.md), times as RFC 3339.

use crate::duration::Dur;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// Times in the JSON contract: RFC 3339 UTC, whole seconds.
mod as_rfc3339 {
    pub fn time<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::series::fmt_time(*t))
    }

    pub fn instant<S: serde::Serializer>(
        t: &Option<chrono::DateTime<chrono::Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&super::fmt_instant(t)),
            None => s.serialize_none(),
        }
    }
}

/// An instant as the report writes it: RFC 3339 UTC, with as many fraction
/// digits as it has (`2027-01-12T00:00:00Z`, `…T03:25:43.200000Z`).
pub fn fmt_instant(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The whole evaluation: what every report format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub service: String,
    /// T, epoch seconds (RFC 3339 UTC in JSON).
    #[serde(serialize_with = "as_rfc3339::time")]
    pub as_of: i64,
    /// The `--as-of` asked for, when it fell inside a period and was floored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of_requested: Option<String>,
    pub slos: Vec<SloReport>,
    /// Labels of the data that slo.yaml does not name, with their row counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unread_metrics: BTreeMap<String, u64>,
    /// slo.yaml's `warning_below`: the budget ratio under which an SLO is in
    /// warning (the budget chart draws it).
    #[serde(skip)]
    pub warning_below: f64,
}

/// How an SLO's budget is counted: events (ratio SLIs) or time slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Budgeting {
    Occurrences,
    Timeslices,
}

impl std::fmt::Display for Budgeting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Budgeting::Occurrences => "occurrences",
            Budgeting::Timeslices => "timeslices",
        })
    }
}

/// An alert's window: its length, and the text reports write (as slo.yaml
/// wrote it, or the default scaled to the window: `1h`, `62m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertWindow {
    pub dur: Dur,
    pub text: String,
}

impl AlertWindow {
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Serialize for AlertWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl std::fmt::Display for AlertWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warning,
    Breached,
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Breached => "breached",
            Status::NoData => "no_data",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorBudget {
    pub remaining_ratio: Option<f64>,
    pub budget_minutes: f64,
    pub consumed_minutes: Option<f64>,
    pub remaining_minutes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_events: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertState {
    pub severity: String,
    pub long: AlertWindow,
    pub short: AlertWindow,
    pub burn_rate: f64,
    pub firing: bool,
    pub long_burn_rate: Option<f64>,
    pub short_burn_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    /// The end of the window, epoch seconds (RFC 3339 in JSON).
    #[serde(serialize_with = "as_rfc3339::time")]
    pub t: i64,
    pub sli: Option<f64>,
    pub remaining_ratio: Option<f64>,
}

/// One calendar day of the window: its bad and total events (slices for a
/// time-slice SLI) and its share of the window's budget.
#[derive(Debug, Clone, Serialize)]
pub struct DaySpend {
    /// The local date, `2026-11-21`.
    pub date: String,
    pub bad: f64,
    pub total: f64,
    /// `null` when the window holds no events.
    pub share: Option<f64>,
    /// The part of the window on that day, `[start, end)`, epoch seconds.
    #[serde(skip)]
    pub start: i64,
    #[serde(skip)]
    pub end: i64,
}

/// One clock hour (UTC) of the window.
#[derive(Debug, Clone, Serialize)]
pub struct HourSpend {
    /// The start of the hour (RFC 3339 UTC).
    #[serde(serialize_with = "as_rfc3339::time")]
    pub start: i64,
    pub bad: f64,
    pub total: f64,
    pub share: Option<f64>,
    /// `(bad / total) / (1 - objective)`; `null` when the hour holds no events.
    pub burn_rate: Option<f64>,
}

/// The SLO judged over an earlier window ending at `as_of`.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    #[serde(serialize_with = "as_rfc3339::time")]
    pub as_of: i64,
    /// The start of that window, epoch seconds.
    #[serde(skip)]
    pub window_start: i64,
    pub sli: Option<f64>,
    pub remaining_ratio: Option<f64>,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct SloReport {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub objective: f64,
    pub window: String,
    pub budgeting: Budgeting,
    pub status: Status,
    pub sli: Option<f64>,
    pub good: f64,
    pub total: f64,
    pub bad: f64,
    pub missing_periods: u64,
    pub clamped_periods: u64,
    pub error_budget: ErrorBudget,
    pub burn_rates: IndexMap<String, Option<f64>>,
    pub alerts: Vec<AlertState>,
    #[serde(serialize_with = "as_rfc3339::instant")]
    pub exhaustion_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Seconds per period (slice) of the SLI's metrics.
    pub period: i64,
    #[serde(serialize_with = "as_rfc3339::time")]
    pub window_start: i64,
    pub window_minutes: f64,
    /// A time slice's threshold, for people: `p95 < 2` or `rate > 100/s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice_rule: Option<String>,
    /// The SLO's time zone (IANA name): the days of `budget_by_day`.
    #[serde(skip)]
    pub timezone: String,
    /// The window's bad events (or slices) by calendar day of the SLO's zone.
    pub budget_by_day: Vec<DaySpend>,
    /// The (up to five) clock hours of the window with the most bad events.
    pub worst_hours: Vec<HourSpend>,
    /// The SLO judged over its earlier windows, newest first (`--history`).
    pub history: Vec<HistoryPoint>,
    pub series: Vec<SeriesPoint>,
    /// Query metrics this SLO reads that have no point at all in the data
    /// (and are not `allow_empty`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_metrics: Vec<String>,
}
