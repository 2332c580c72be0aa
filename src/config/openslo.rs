//! `slo import openslo`: slo.yaml from OpenSLO v1 documents (`SLO`, `SLI`,
//! `DataSource`, `AlertPolicy`, `AlertCondition`, `AlertNotificationTarget`)
//! whose metric sources are CloudWatch as Nobl9 writes them (`region`,
//! `namespace`, `metricName`, `stat`, `dimensions: [{name, value}]`).
//!
//! What maps, exactly:
//! - `ratioMetric` (`good` or `bad`, and `total`) with `Occurrences`: a ratio
//!   SLI; with `Timeslices`: a time slice good when `bad / total <= 1 -
//!   timeSliceTarget` (good / total at least the target).
//! - `thresholdMetric` (with either method): a time slice on the metric's
//!   value, `op` and `value` the slice's rule, fetched at `timeSliceWindow`
//!   (one point a slice: any `timeSliceTarget` then judges it alike; 1 minute
//!   with `Occurrences`, a point being an occurrence).
//! - `timeWindow`: rolling durations; calendar `1M` and `1w` whose
//!   `startTime` begins a month (a Monday) at midnight, with its `timeZone`.
//! - several `objectives`: one SLO each (`NAME-DISPLAYNAME`).
//! - `AlertPolicy` (one `burnrate` condition, `op: gt`, no `alertAfter`):
//!   an alert whose long window is `lookbackWindow` and short window the
//!   condition's annotation `slo/short-window` (else the same window: one
//!   window, as OpenSLO says); SNS topics among its notification targets go
//!   to `notify`. slo.yaml's alerts are the same for every SLO, so every SLO
//!   must name the same policies.
//!
//! Everything else (a `raw` ratio, `RatioTimeslices`, another metric source,
//! Metrics Insights `sql` or `json` queries, a calendar starting mid-month,
//! `alertAfter`, ...) is refused, naming the document and the field. The
//! slo.yaml written is parsed before it is returned.

use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The annotation that carries an alert's short window.
pub const SHORT_WINDOW: &str = "slo/short-window";
/// SLI annotations that carry slo.yaml's metric names (`slo/good`, `slo/bad`,
/// `slo/total`, `slo/metric`).
pub const METRIC_NAME: &str = "slo/";

/// One document, where it came from (for messages).
#[derive(Clone)]
pub struct Doc {
    pub file: String,
    pub index: usize,
    pub value: Value,
}

impl Doc {
    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }

    /// `FILE: KIND NAME` (or the document's place when it has no name).
    fn at(&self) -> String {
        if self.name().is_empty() {
            format!("{} (document {})", self.file, self.index + 1)
        } else {
            format!("{}: {} `{}`", self.file, self.kind(), self.name())
        }
    }
}

/// Reads the documents of one file (YAML, `---` between documents).
pub fn documents(file: &str, text: &str) -> Result<Vec<Doc>, String> {
    let (depth, line) = super::yaml::yaml_depth(text);
    if depth > super::MAX_YAML_DEPTH {
        return Err(format!(
            "{file}:{line}: the YAML is nested more than {} levels deep",
            super::MAX_YAML_DEPTH
        ));
    }
    let mut out = Vec::new();
    for (index, d) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(d)
            .map_err(|e| format!("{file} (document {}): not YAML: {e}", index + 1))?;
        if value.is_null() {
            continue;
        }
        let doc = Doc {
            file: file.to_string(),
            index,
            value,
        };
        match doc.value["apiVersion"].as_str() {
            Some("openslo/v1") => {}
            Some(v) => {
                return Err(format!(
                    "{}: apiVersion `{v}`: slo reads openslo/v1 documents",
                    doc.at()
                ))
            }
            None => return Err(format!("{}: no apiVersion (expected openslo/v1)", doc.at())),
        }
        out.push(doc);
    }
    Ok(out)
}

use serde::Deserialize;

/// A refusal: the document, the field, what is wrong.
fn refuse(doc: &Doc, field: &str, why: impl std::fmt::Display) -> String {
    format!("{}: {field}: {why}", doc.at())
}

/// A CloudWatch metric of a metric source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CwMetric {
    namespace: String,
    name: String,
    stat: String,
    dimensions: BTreeMap<String, String>,
    period: i64,
}

/// What is being built.
#[derive(Default)]
struct Build {
    service: Option<String>,
    region: Option<String>,
    /// Metric name → its definition (a query, or an expression's text).
    metrics: BTreeMap<String, MetricDef>,
    order: Vec<String>,
    slos: Vec<String>,
    policies: Option<Vec<String>>,
    alerts: Vec<String>,
    notify: BTreeMap<String, BTreeSet<String>>,
    /// DataSource documents by name: their `spec`.
    sources: BTreeMap<String, Value>,
    /// Service documents by name: their display names.
    services: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
enum MetricDef {
    Query(CwMetric),
    Expression(String),
}

/// `s` as a slo.yaml metric name (a CloudWatch query id).
fn metric_id(s: &str) -> String {
    let mut out: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'm');
    }
    out
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A number field (YAML number or numeric string).
fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// A number as slo.yaml text (the shortest that reads back the same).
fn num_text(x: f64) -> String {
    format!("{x}")
}

/// An OpenSLO duration (`<int><m|h|d|w|M|Q|Y>`, or a bare number of minutes
/// where `timeSliceWindow` allows it) in seconds; `None` for months,
/// quarters and years, which have no fixed length.
fn duration_secs(v: &Value, bare_minutes: bool) -> Result<Option<i64>, String> {
    // Bare numbers (timeSliceWindow's minutes) read as minutes.
    let text = match v {
        Value::Number(n) if bare_minutes => format!("{n}m"),
        Value::String(s) if bare_minutes && s.trim().parse::<i64>().is_ok() => {
            format!("{}m", s.trim())
        }
        Value::String(s) => s.trim().to_string(),
        other => return Err(format!("`{}` is not a duration", yaml_text(other))),
    };
    let (num, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| {
        format!("`{text}` is not a duration (a whole number and m, h, d, w, M, Q or Y)")
    })?;
    if n < 0 {
        return Err(format!("`{text}` is negative"));
    }
    let unit = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        "M" | "Q" | "Y" => return Ok(None),
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit (m, h, d, w, M, Q or Y)"
            ))
        }
    };
    n.checked_mul(unit)
        .filter(|s| *s <= 100 * 366 * 86_400)
        .map(Some)
        .ok_or_else(|| format!("`{text}` is too long (at most 100 years)"))
}

fn yaml_text(v: &Value) -> String {
    serde_yaml::to_string(v)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// slo.yaml's duration text for `secs` (its largest whole unit).
fn dur_text(secs: i64) -> String {
    crate::duration::Dur(secs).to_string()
}

/// A duration as the document wrote it (`4w` stays `4w`: reports show it)
/// when slo's grammar reads it so, else [`dur_text`].
fn dur_written(v: &Value, secs: i64) -> String {
    v.as_str()
        .map(str::trim)
        .filter(|t| crate::duration::Dur::parse(t).is_ok_and(|d| d.secs() == secs))
        .map_or_else(|| dur_text(secs), str::to_string)
}

/// Sets `slot` to `value` the first time; `Err` with the value it holds
/// when that is another (slo.yaml has one service and one region).
fn one_of(slot: &mut Option<String>, value: &str) -> Result<(), String> {
    match slot {
        Some(other) if other != value => Err(other.clone()),
        _ => {
            *slot = Some(value.to_string());
            Ok(())
        }
    }
}

/// Reads `docs` into slo.yaml text.
pub fn import(docs: &[Doc]) -> Result<String, String> {
    let by = |kind: &str, name: &str| -> Option<&Doc> {
        docs.iter().find(|d| d.kind() == kind && d.name() == name)
    };
    for d in docs {
        if !matches!(
            d.kind(),
            "SLO"
                | "SLI"
                | "DataSource"
                | "AlertPolicy"
                | "AlertCondition"
                | "AlertNotificationTarget"
                | "Service"
        ) {
            return Err(refuse(
                d,
                "kind",
                format!("`{}` is not an OpenSLO v1 kind slo reads", d.kind()),
            ));
        }
    }
    let slos: Vec<&Doc> = docs.iter().filter(|d| d.kind() == "SLO").collect();
    if slos.is_empty() {
        let mut files: Vec<&str> = docs.iter().map(|d| d.file.as_str()).collect();
        files.dedup();
        let kinds: BTreeSet<&str> = docs.iter().map(|d| d.kind()).collect();
        return Err(format!(
            "{}: no SLO document (found {})",
            files.join(", "),
            kinds.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut b = Build::default();
    for d in docs {
        match d.kind() {
            "DataSource" => {
                b.sources
                    .insert(d.name().to_string(), d.value["spec"].clone());
            }
            "Service" => {
                if let Some(shown) = d.value["metadata"]["displayName"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                {
                    b.services.insert(d.name().to_string(), shown.to_string());
                }
            }
            _ => {}
        }
    }
    for slo in &slos {
        slo_doc(slo, &by, &mut b)?;
    }
    let service = b.service.clone().unwrap_or_else(|| "my-service".into());
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Written by `slo import openslo` from {} OpenSLO document{}.\nversion: 1\nservice: {}\n",
        docs.len(),
        if docs.len() == 1 { "" } else { "s" },
        yaml_str(&service)
    );
    o.push_str("source:\n  type: cloudwatch\n");
    if let Some(r) = &b.region {
        let _ = writeln!(o, "  region: {}", yaml_str(r));
    }
    o.push_str("\nmetrics:\n");
    for name in &b.order {
        match &b.metrics[name] {
            MetricDef::Query(m) => {
                let dims: Vec<String> = m
                    .dimensions
                    .iter()
                    .map(|(k, v)| format!("{}: {}", yaml_str(k), yaml_str(v)))
                    .collect();
                let _ = writeln!(
                    o,
                    "  {name}:\n    namespace: {}\n    name: {}\n    dimensions: {{ {} }}\n    stat: {}\n    period: {}",
                    yaml_str(&m.namespace),
                    yaml_str(&m.name),
                    dims.join(", "),
                    yaml_str(&m.stat),
                    m.period
                );
            }
            MetricDef::Expression(e) => {
                let _ = writeln!(o, "  {name}:\n    expression: {}", yaml_str(e));
            }
        }
    }
    o.push_str("\nslos:\n");
    for s in &b.slos {
        o.push_str(s);
    }
    if !b.alerts.is_empty() {
        o.push_str("\nalerts:\n");
        for a in &b.alerts {
            o.push_str(a);
        }
    }
    if !b.notify.is_empty() {
        o.push_str("\nnotify:\n");
        for (sev, arns) in &b.notify {
            let list: Vec<String> = arns.iter().map(|a| yaml_str(a)).collect();
            let _ = writeln!(o, "  {}: [{}]", yaml_str(sev), list.join(", "));
        }
    }
    super::parse(std::path::Path::new("slo.yaml"), &o)
        .map_err(|e| format!("the slo.yaml written from the documents does not parse: {e}"))?;
    Ok(o)
}

type Find<'d> = dyn Fn(&str, &str) -> Option<&'d Doc> + 'd;

fn slo_doc<'d>(doc: &'d Doc, by: &Find<'d>, b: &mut Build) -> Result<(), String> {
    let spec = &doc.value["spec"];
    let r = |field: &str, why: &dyn std::fmt::Display| refuse(doc, field, why);
    let name = doc.value["metadata"]["displayName"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(doc.name())
        .to_string();
    if name.is_empty() {
        return Err(r("metadata.name", &"missing"));
    }
    if let Some(s) = spec["service"].as_str() {
        // A Service document's display name is the service's name.
        let s = b.services.get(s).map_or(s, String::as_str).to_string();
        one_of(&mut b.service, &s).map_err(|other| {
            r(
                "spec.service",
                &format!("`{s}`, where other SLOs are of `{other}`: slo.yaml holds one service"),
            )
        })?;
    }
    // The indicator: inline, or a reference to an SLI document.
    let (sli_doc, sli_spec): (&Doc, &Value) =
        match (&spec["indicator"], spec["indicatorRef"].as_str()) {
            (Value::Mapping(_), _) => (doc, &spec["indicator"]["spec"]),
            (_, Some(reference)) => {
                let d = by("SLI", reference).ok_or_else(|| {
                    r(
                        "spec.indicatorRef",
                        &format!("no SLI document `{reference}`"),
                    )
                })?;
                (d, &d.value["spec"])
            }
            _ => {
                return Err(r(
                    "spec.indicator",
                    &"neither an indicator nor an indicatorRef",
                ))
            }
        };
    let sli_annotations = if std::ptr::eq(sli_doc, doc) {
        &spec["indicator"]["metadata"]["annotations"]
    } else {
        &sli_doc.value["metadata"]["annotations"]
    };
    let method = spec["budgetingMethod"].as_str().unwrap_or("");
    if !matches!(method, "Occurrences" | "Timeslices") {
        return Err(r(
            "spec.budgetingMethod",
            &format!("`{method}` has no slo equivalent (Occurrences and Timeslices do)"),
        ));
    }
    // The window.
    let windows = spec["timeWindow"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if windows.len() != 1 {
        return Err(r("spec.timeWindow", &"must hold exactly one window"));
    }
    let w = &windows[0];
    let window = match &w["calendar"] {
        Value::Mapping(_) => calendar(doc, w)?,
        _ => {
            if w["isRolling"].as_bool() == Some(false) {
                return Err(r(
                    "spec.timeWindow[0].isRolling",
                    &"false without a calendar",
                ));
            }
            match duration_secs(&w["duration"], false).map_err(|e| r("spec.timeWindow[0].duration", &e))? {
                Some(0) => return Err(r("spec.timeWindow[0].duration", &"zero")),
                Some(s) => format!("window: {}", dur_written(&w["duration"], s)),
                None => {
                    return Err(r(
                        "spec.timeWindow[0].duration",
                        &"a rolling month, quarter or year has no fixed length (use days, or a calendar window)",
                    ))
                }
            }
        }
    };
    let objectives = spec["objectives"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if objectives.is_empty() {
        return Err(r("spec.objectives", &"none"));
    }
    for (i, obj) in objectives.iter().enumerate() {
        let field = |f: &str| format!("spec.objectives[{i}].{f}");
        let objective = match (number(&obj["target"]), number(&obj["targetPercent"])) {
            (Some(t), _) if t > 0.0 && t < 1.0 => num_text(t),
            (Some(t), _) => {
                return Err(r(
                    &field("target"),
                    &format!("`{}` is not strictly between 0 and 1", num_text(t)),
                ))
            }
            (None, Some(p)) if p > 0.0 && p < 100.0 => format!("{}%", num_text(p)),
            (None, Some(p)) => {
                return Err(r(
                    &field("targetPercent"),
                    &format!("`{}` is not strictly between 0 and 100", num_text(p)),
                ))
            }
            _ => return Err(r(&field("target"), &"missing (target or targetPercent)")),
        };
        let slo_name = if objectives.len() == 1 {
            name.clone()
        } else {
            let part = obj["displayName"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}", i + 1));
            format!("{name}-{part}")
        };
        // Metric names after the SLI document's name when the indicator is
        // one (SLOs that share it share its metrics), else the SLO's name (a
        // DNS label), not its display name.
        let base = metric_id(
            if !std::ptr::eq(sli_doc, doc) && !sli_doc.name().is_empty() {
                sli_doc.name()
            } else if objectives.len() == 1 && !doc.name().is_empty() {
                doc.name()
            } else {
                &slo_name
            },
        );
        let sli = sli_yaml(
            sli_doc,
            sli_spec,
            sli_annotations,
            method,
            obj,
            &field,
            &base,
            b,
        )?;
        let mut s = format!("  - name: {}\n", yaml_str(&slo_name));
        if let Some(d) = spec["description"].as_str().filter(|d| !d.is_empty()) {
            let _ = writeln!(s, "    description: {}", yaml_str(d));
        }
        let _ = writeln!(
            s,
            "    objective: {objective}\n    {window}\n    sli:\n{sli}"
        );
        b.slos.push(s);
    }
    policies(doc, by, b)
}

/// A calendar window: `1M` or `1w` starting at a month's (a Monday's) midnight.
fn calendar(doc: &Doc, w: &Value) -> Result<String, String> {
    let r = |field: &str, why: &dyn std::fmt::Display| refuse(doc, field, why);
    let cal = &w["calendar"];
    let tz = cal["timeZone"].as_str().unwrap_or("UTC");
    if tz.parse::<chrono_tz::Tz>().is_err() {
        return Err(r(
            "spec.timeWindow[0].calendar.timeZone",
            &format!("`{tz}` is not an IANA time zone"),
        ));
    }
    let start = cal["startTime"].as_str().unwrap_or("");
    let t = chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M:%S").map_err(|_| {
        r(
            "spec.timeWindow[0].calendar.startTime",
            &format!("`{start}` is not `YYYY-MM-DD hh:mm:ss`"),
        )
    })?;
    use chrono::{Datelike, Timelike};
    let midnight = t.hour() == 0 && t.minute() == 0 && t.second() == 0;
    let unit = match w["duration"].as_str().map(str::trim) {
        Some("1M") => {
            if !(midnight && t.day() == 1) {
                return Err(r(
                    "spec.timeWindow[0].calendar.startTime",
                    &format!("`{start}`: slo's months start on the 1st at midnight"),
                ));
            }
            "month"
        }
        Some("1w") => {
            if !(midnight && t.weekday() == chrono::Weekday::Mon) {
                return Err(r(
                    "spec.timeWindow[0].calendar.startTime",
                    &format!("`{start}`: slo's weeks start on Monday at midnight"),
                ));
            }
            "week"
        }
        other => {
            return Err(r(
                "spec.timeWindow[0].duration",
                &format!(
                    "a calendar window of `{}`: slo has calendar months (1M) and weeks (1w)",
                    other.unwrap_or("")
                ),
            ))
        }
    };
    Ok(if tz == "UTC" {
        format!("calendar: {unit}")
    } else {
        format!("calendar: {unit}\n    timezone: {}", yaml_str(tz))
    })
}

/// The `sli:` block of one objective, with the metrics it defines.
#[allow(clippy::too_many_arguments)]
fn sli_yaml(
    doc: &Doc,
    spec: &Value,
    annotations: &Value,
    method: &str,
    obj: &Value,
    field: &dyn Fn(&str) -> String,
    base: &str,
    b: &mut Build,
) -> Result<String, String> {
    let r = |f: &str, why: &dyn std::fmt::Display| refuse(doc, f, why);
    // The metric's name: the SLI's annotation (what slo export wrote), else
    // the SLO's name and its role.
    let named = |role: &str| -> String {
        annotations[format!("{METRIC_NAME}{role}").as_str()]
            .as_str()
            .filter(|n| crate::config::is_query_id(n))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{base}_{role}"))
    };
    let slice_period = |default: i64| -> Result<i64, String> {
        if method != "Timeslices" {
            return Ok(default);
        }
        let secs = duration_secs(&obj["timeSliceWindow"], true)
            .map_err(|e| r(&field("timeSliceWindow"), &e))?
            .ok_or_else(|| r(&field("timeSliceWindow"), &"a month, quarter or year"))?;
        if secs <= 0 {
            return Err(r(
                &field("timeSliceWindow"),
                &format!(
                    "`{}` is not a positive duration",
                    yaml_text(&obj["timeSliceWindow"])
                ),
            ));
        }
        match obj["timeSliceTarget"].as_f64() {
            Some(t) if t > 0.0 && t <= 1.0 => Ok(secs),
            _ => Err(r(&field("timeSliceTarget"), &"missing, or not in (0, 1]")),
        }
    };
    if let Value::Mapping(_) = &spec["ratioMetric"] {
        let rm = &spec["ratioMetric"];
        if rm["counter"].as_bool() == Some(true) {
            return Err(r(
                "spec.ratioMetric.counter",
                &"true (a monotonic counter) has no CloudWatch meaning: CloudWatch's Sum is per period",
            ));
        }
        if !rm["raw"].is_null() || !rm["rawType"].is_null() {
            return Err(r(
                "spec.ratioMetric.raw",
                &"a precomputed ratio has no slo equivalent (give good or bad, and total)",
            ));
        }
        // The period of the counts (slo export writes it when not a minute).
        let counted = match annotations[format!("{METRIC_NAME}period").as_str()].as_str() {
            None => 60,
            Some(p) => p.parse::<i64>().ok().filter(|p| *p > 0).ok_or_else(|| {
                r(
                    &format!("metadata.annotations.{METRIC_NAME}period"),
                    &format!("`{p}` is not a number of seconds"),
                )
            })?,
        };
        let period = slice_period(counted)?;
        let (good, bad) = match (&rm["good"], &rm["bad"]) {
            (Value::Mapping(_), Value::Null) => {
                let g = source(
                    doc,
                    &rm["good"]["metricSource"],
                    "spec.ratioMetric.good.metricSource",
                    period,
                    b,
                )?;
                (Some(b.define(&named("good"), MetricDef::Query(g))), None)
            }
            (Value::Null, Value::Mapping(_)) => {
                let x = source(
                    doc,
                    &rm["bad"]["metricSource"],
                    "spec.ratioMetric.bad.metricSource",
                    period,
                    b,
                )?;
                (None, Some(b.define(&named("bad"), MetricDef::Query(x))))
            }
            _ => {
                return Err(r(
                    "spec.ratioMetric",
                    &"needs good or bad (one of them) and total",
                ))
            }
        };
        let total = source(
            doc,
            &rm["total"]["metricSource"],
            "spec.ratioMetric.total.metricSource",
            period,
            b,
        )?;
        let total = b.define(&named("total"), MetricDef::Query(total));
        if method == "Occurrences" {
            return Ok(match (good, bad) {
                (Some(g), _) => format!("      good: {g}\n      total: {total}"),
                (_, Some(x)) => format!("      bad: {x}\n      total: {total}"),
                _ => unreachable!("one of good and bad"),
            });
        }
        // A slice is good when good / total >= target: bad / total <= 1 - target.
        let bad = match (good, bad) {
            (_, Some(x)) => x,
            (Some(g), _) => b.define(
                &named("bad"),
                MetricDef::Expression(format!("{total} - {g}")),
            ),
            _ => unreachable!("one of good and bad"),
        };
        let target = crate::exact::Exact::from_f64(obj["timeSliceTarget"].as_f64().unwrap_or(1.0))
            .map_err(|e| r(&field("timeSliceTarget"), &e))?;
        let threshold = num_rational::BigRational::from_integer(1.into()) - &target.ratio;
        return Ok(format!(
            "      timeslice:\n        ratio: {{ bad: {bad}, total: {total} }}\n        op: \"<=\"\n        threshold: {}",
            crate::export::prometheus::decimal(&threshold)
        ));
    }
    if let Value::Mapping(_) = &spec["thresholdMetric"] {
        let period = slice_period(60)?;
        let m = source(
            doc,
            &spec["thresholdMetric"]["metricSource"],
            "spec.thresholdMetric.metricSource",
            period,
            b,
        )?;
        let metric = b.define(&named("metric"), MetricDef::Query(m));
        let op = match obj["op"].as_str() {
            Some("lt") => "<",
            Some("lte") => "<=",
            Some("gt") => ">",
            Some("gte") => ">=",
            other => {
                return Err(r(
                    &field("op"),
                    &format!("`{}`: lt, lte, gt or gte", other.unwrap_or("")),
                ))
            }
        };
        let value = number(&obj["value"]).ok_or_else(|| r(&field("value"), &"missing"))?;
        if !value.is_finite() {
            return Err(r(
                &field("value"),
                &format!("`{value}` is not a finite number"),
            ));
        }
        return Ok(format!(
            "      timeslice:\n        metric: {metric}\n        op: \"{op}\"\n        threshold: {}\n        missing: ignore",
            num_text(value)
        ));
    }
    Err(r("spec", &"neither a ratioMetric nor a thresholdMetric"))
}

impl Build {
    /// Defines metric `name` as `def` (or finds it already defined so) and
    /// returns its name; a name taken by another definition gets a suffix.
    fn define(&mut self, name: &str, def: MetricDef) -> String {
        if let Some((n, _)) = self.metrics.iter().find(|(_, d)| **d == def) {
            return n.clone();
        }
        let mut cand = name.to_string();
        let mut k = 2;
        while self.metrics.contains_key(&cand) {
            cand = format!("{name}_{k}");
            k += 1;
        }
        self.metrics.insert(cand.clone(), def);
        self.order.push(cand.clone());
        cand
    }
}

/// A `metricSource` of type cloudWatch (its own, or its DataSource's).
fn source(
    doc: &Doc,
    ms: &Value,
    field: &str,
    period: i64,
    b: &mut Build,
) -> Result<CwMetric, String> {
    let r = |f: &str, why: &dyn std::fmt::Display| refuse(doc, &format!("{field}{f}"), why);
    if !ms.is_mapping() {
        return Err(r("", &"missing"));
    }
    let kind = ms["type"].as_str().unwrap_or("cloudWatch");
    if !kind.eq_ignore_ascii_case("cloudwatch") {
        return Err(r(
            ".type",
            &format!("`{kind}`: slo imports CloudWatch metric sources"),
        ));
    }
    // The DataSource it names: CloudWatch too, and maybe the region.
    let mut source_region = None;
    if let Some(name) = ms["metricSourceRef"].as_str() {
        let Some(ds) = b.sources.get(name) else {
            return Err(r(
                ".metricSourceRef",
                &format!("no DataSource document `{name}`"),
            ));
        };
        let t = ds["type"].as_str().unwrap_or("");
        if !t.eq_ignore_ascii_case("cloudwatch") {
            return Err(r(
                ".metricSourceRef",
                &format!("DataSource `{name}` is of type `{t}`: slo imports CloudWatch"),
            ));
        }
        source_region = ds["connectionDetails"]["region"]
            .as_str()
            .map(str::to_string);
    }
    let spec = &ms["spec"];
    let Some(fields) = spec.as_mapping() else {
        return Err(r(".spec", &"missing"));
    };
    for (k, _) in fields {
        let k = k.as_str().unwrap_or("");
        match k {
            "region" | "namespace" | "metricName" | "stat" | "dimensions" => {}
            "sql" | "json" => {
                return Err(r(&format!(".spec.{k}"), &"a Metrics Insights or JSON query has no slo equivalent (give namespace, metricName, stat, dimensions)"))
            }
            "accountId" => return Err(r(".spec.accountId", &"cross-account metrics: slo reads the account of its credentials")),
            other => return Err(r(&format!(".spec.{other}"), &"not a field of a CloudWatch metric source")),
        }
    }
    let text = |k: &str| -> Result<String, String> {
        spec[k]
            .as_str()
            .map(str::to_string)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| r(&format!(".spec.{k}"), &"missing"))
    };
    if let Some(region) = spec["region"]
        .as_str()
        .map(str::to_string)
        .or(source_region)
    {
        one_of(&mut b.region, &region).map_err(|other| {
            r(
                ".spec.region",
                &format!(
                    "`{region}`, where other metrics are in `{other}`: slo.yaml reads one region"
                ),
            )
        })?;
    }
    let mut dimensions = BTreeMap::new();
    for (i, d) in spec["dimensions"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (Some(n), Some(v)) = (d["name"].as_str(), d["value"].as_str()) else {
            return Err(r(
                &format!(".spec.dimensions[{i}]"),
                &"needs name and value",
            ));
        };
        dimensions.insert(n.to_string(), v.to_string());
    }
    Ok(CwMetric {
        namespace: text("namespace")?,
        name: text("metricName")?,
        stat: text("stat")?,
        dimensions,
        period,
    })
}

/// The alert policies an SLO names: the same for every SLO (slo.yaml's
/// alerts are global), each one burn-rate condition.
fn policies<'d>(doc: &'d Doc, by: &Find<'d>, b: &mut Build) -> Result<(), String> {
    let list = doc.value["spec"]["alertPolicies"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let mut names = Vec::new();
    let mut found: Vec<(String, Doc)> = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let field = format!("spec.alertPolicies[{i}]");
        let pd = match (p["alertPolicyRef"].as_str(), p["kind"].as_str()) {
            (Some(n), _) => by("AlertPolicy", n)
                .cloned()
                .ok_or_else(|| refuse(doc, &field, format!("no AlertPolicy document `{n}`")))?,
            (None, Some("AlertPolicy")) => Doc {
                file: doc.file.clone(),
                index: doc.index,
                value: p.clone(),
            },
            _ => {
                return Err(refuse(
                    doc,
                    &field,
                    "neither an alertPolicyRef nor an inline AlertPolicy",
                ))
            }
        };
        names.push(pd.name().to_string());
        found.push((pd.name().to_string(), pd));
    }
    match &b.policies {
        Some(prev) if *prev != names => {
            return Err(refuse(
                doc,
                "spec.alertPolicies",
                format!(
                    "[{}], where an earlier SLO names [{}]: slo.yaml's alerts are the same for every SLO",
                    names.join(", "),
                    prev.join(", ")
                ),
            ))
        }
        Some(_) => return Ok(()),
        None => b.policies = Some(names),
    }
    for (_, pd) in found {
        alert(&pd, by, b)?;
    }
    Ok(())
}

fn alert<'d>(pd: &Doc, by: &Find<'d>, b: &mut Build) -> Result<(), String> {
    let spec = &pd.value["spec"];
    let r = |f: &str, why: &dyn std::fmt::Display| refuse(pd, f, why);
    if spec["alertWhenNoData"].as_bool() == Some(true) {
        return Err(r(
            "spec.alertWhenNoData",
            &"true: slo's alerts never fire without data",
        ));
    }
    let conds = spec["conditions"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if conds.len() != 1 {
        return Err(r("spec.conditions", &"must hold exactly one condition"));
    }
    let c = &conds[0];
    let cd = match (c["conditionRef"].as_str(), c["kind"].as_str()) {
        (Some(n), _) => by("AlertCondition", n).cloned().ok_or_else(|| {
            r(
                "spec.conditions[0].conditionRef",
                &format!("no AlertCondition document `{n}`"),
            )
        })?,
        (None, Some("AlertCondition")) => Doc {
            file: pd.file.clone(),
            index: pd.index,
            value: c.clone(),
        },
        _ => {
            return Err(r(
                "spec.conditions[0]",
                &"neither a conditionRef nor an inline AlertCondition",
            ))
        }
    };
    let cs = &cd.value["spec"];
    let rc = |f: &str, why: &dyn std::fmt::Display| refuse(&cd, f, why);
    let severity = cs["severity"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| rc("spec.severity", &"missing"))?;
    let cond = &cs["condition"];
    if cond["kind"].as_str() != Some("burnrate") {
        return Err(rc(
            "spec.condition.kind",
            &"only burnrate conditions have a slo equivalent",
        ));
    }
    if cond["op"].as_str() != Some("gt") {
        return Err(rc(
            "spec.condition.op",
            &format!(
                "`{}`: slo's alerts fire when the burn rate is greater than the threshold (gt)",
                cond["op"].as_str().unwrap_or("")
            ),
        ));
    }
    let threshold =
        number(&cond["threshold"]).ok_or_else(|| rc("spec.condition.threshold", &"missing"))?;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(rc(
            "spec.condition.threshold",
            &format!("`{threshold}` is not a positive burn rate"),
        ));
    }
    let long = duration_secs(&cond["lookbackWindow"], false)
        .map_err(|e| rc("spec.condition.lookbackWindow", &e))?
        .ok_or_else(|| rc("spec.condition.lookbackWindow", &"a month, quarter or year"))?;
    if long == 0 {
        return Err(rc("spec.condition.lookbackWindow", &"zero"));
    }
    if let Some(after) = cond.get("alertAfter").filter(|v| !v.is_null()) {
        if duration_secs(after, false).map_err(|e| rc("spec.condition.alertAfter", &e))? != Some(0)
        {
            let text = yaml_text(after);
            return Err(rc(
                "spec.condition.alertAfter",
                &format!(
                    "`{text}`: slo's alerts fire as soon as both windows burn (no `for:`); use 0m"
                ),
            ));
        }
    }
    let short = match cd.value["metadata"]["annotations"][SHORT_WINDOW].as_str() {
        Some(s) => duration_secs(&Value::String(s.to_string()), false)
            .map_err(|e| rc(&format!("metadata.annotations.{SHORT_WINDOW}"), &e))?
            .ok_or_else(|| {
                rc(
                    &format!("metadata.annotations.{SHORT_WINDOW}"),
                    &"a month, quarter or year",
                )
            })?,
        None => long,
    };
    if short == 0 || short > long {
        return Err(rc(
            &format!("metadata.annotations.{SHORT_WINDOW}"),
            &format!(
                "{} is not between zero and the lookbackWindow ({})",
                dur_text(short),
                dur_text(long)
            ),
        ));
    }
    b.alerts.push(format!(
        "  - {{ severity: {}, long: {}, short: {}, burn_rate: {} }}\n",
        yaml_str(severity),
        dur_written(&cond["lookbackWindow"], long),
        dur_written(&cd.value["metadata"]["annotations"][SHORT_WINDOW], short),
        num_text(threshold)
    ));
    // SNS topics among the notification targets.
    for (i, t) in spec["notificationTargets"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let field = format!("spec.notificationTargets[{i}]");
        let target = match (t["targetRef"].as_str(), &t["spec"]) {
            (Some(n), _) => by("AlertNotificationTarget", n)
                .and_then(|d| d.value["spec"]["target"].as_str().map(str::to_string))
                .ok_or_else(|| {
                    r(
                        &field,
                        &format!("no AlertNotificationTarget document `{n}` with a target"),
                    )
                })?,
            (None, Value::Mapping(_)) => t["spec"]["target"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| r(&format!("{field}.spec.target"), &"missing"))?,
            _ => {
                return Err(r(
                    &field,
                    &"neither a targetRef nor an inline AlertNotificationTarget",
                ))
            }
        };
        if !target.starts_with("arn:aws:sns:") {
            return Err(r(
                &field,
                &format!("`{target}`: slo notifies SNS topics (arn:aws:sns:...)"),
            ));
        }
        b.notify
            .entry(severity.to_string())
            .or_default()
            .insert(target);
    }
    Ok(())
}
