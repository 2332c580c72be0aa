//! `*.json`: what `aws cloudwatch get-metric-data` prints.

use super::values::{check_time, check_value, parse_timestamp};
use super::{Chunks, Wanted};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::Path;

#[derive(Deserialize)]
struct CliOutput<'a> {
    #[serde(rename = "MetricDataResults", borrow)]
    results: Vec<CliResult<'a>>,
    #[serde(rename = "Messages", default)]
    messages: Vec<CliMessage>,
}

#[derive(Deserialize)]
struct CliResult<'a> {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Timestamps", borrow, default)]
    timestamps: Vec<Cow<'a, str>>,
    #[serde(rename = "Values", default)]
    values: Vec<f64>,
    #[serde(rename = "StatusCode", default)]
    status: Option<String>,
    #[serde(rename = "Messages", default)]
    messages: Vec<CliMessage>,
}

#[derive(Deserialize)]
struct CliMessage {
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "Value", default)]
    value: Option<String>,
}

pub(super) fn read(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    let doc: CliOutput = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => return Err(explain_json(path, bytes, e)),
    };
    for m in &doc.messages {
        crate::warn(&format!(
            "{}: CloudWatch message {}: {}",
            path.display(),
            m.code.as_deref().unwrap_or("-"),
            m.value.as_deref().unwrap_or("")
        ));
    }
    let mut out = Chunks::default();
    for r in doc.results {
        if !names.keep(&r.id, r.values.len() as u64, &mut out.unread) {
            continue;
        }
        if r.timestamps.len() != r.values.len() {
            return Err(Error::data(format!(
                "{}: metric `{}` has {} timestamps but {} values",
                path.display(),
                r.id,
                r.timestamps.len(),
                r.values.len()
            )));
        }
        match r.status.as_deref() {
            None | Some("Complete") => {}
            Some(s) => crate::warn(&format!(
                "{}: metric `{}` has StatusCode {s}: its series may be incomplete",
                path.display(),
                r.id
            )),
        }
        for m in &r.messages {
            crate::warn(&format!(
                "{}: metric `{}`: {} {}",
                path.display(),
                r.id,
                m.code.as_deref().unwrap_or("-"),
                m.value.as_deref().unwrap_or("")
            ));
        }
        let b = out.builder(&r.id, names);
        b.reserve(r.values.len());
        for (ts, v) in r.timestamps.iter().zip(r.values) {
            let t = parse_timestamp(ts).ok_or_else(|| {
                Error::data(format!(
                    "{}: metric `{}`: `{ts}` is not an RFC 3339 timestamp",
                    path.display(),
                    r.id
                ))
            })?;
            let t = check_time(path, &r.id, t, names.limit)?;
            b.push(t, check_value(path, &r.id, t, v)?);
        }
    }
    Ok(out)
}

/// serde_json's error says line and column; this finds the metric and the
/// timestamp of a bad value when the document is otherwise well formed.
fn explain_json(path: &Path, bytes: &[u8], e: serde_json::Error) -> Error {
    let generic = Error::data(format!(
        "{}: not the JSON of `aws cloudwatch get-metric-data`: {e}",
        path.display()
    ));
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return generic;
    };
    let Some(results) = doc.get("MetricDataResults").and_then(|r| r.as_array()) else {
        return Error::data(format!(
            "{}: no `MetricDataResults` list: not the JSON of `aws cloudwatch get-metric-data`",
            path.display()
        ));
    };
    for r in results {
        let id = r.get("Id").and_then(|i| i.as_str()).unwrap_or("?");
        let ts = r.get("Timestamps").and_then(|t| t.as_array());
        if let Some(vals) = r.get("Values").and_then(|v| v.as_array()) {
            for (i, v) in vals.iter().enumerate() {
                if !v.is_number() {
                    let at = ts
                        .and_then(|t| t.get(i))
                        .and_then(|t| t.as_str())
                        .unwrap_or("an unknown time");
                    return Error::data(format!(
                        "{}: metric `{id}` at {at}: value {v} is not a number",
                        path.display()
                    ));
                }
            }
        }
    }
    generic
}
