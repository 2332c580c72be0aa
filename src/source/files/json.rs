//! `*.json`: what `aws cloudwatch get-metric-data` prints.

use super::values::{check_time, check_value};
use super::{Chunks, Wanted};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::Path;

/// One result of `MetricDataResults`, its timestamps already in seconds.
#[derive(Deserialize)]
struct CliResult {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Timestamps", default)]
    timestamps: Times,
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

/// A result's timestamps, parsed as they are read (8 bytes each, not the
/// text): the first that does not parse is kept, with its place, for the
/// message.
#[derive(Default)]
struct Times {
    secs: Vec<i64>,
    bad: Option<(usize, String)>,
}

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Times;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of timestamps")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Times, A::Error> {
                let mut t = Times {
                    secs: Vec::with_capacity(seq.size_hint().unwrap_or(0)),
                    bad: None,
                };
                let mut cache = super::values::TimeCache::default();
                while let Some(s) = seq.next_element::<Cow<'de, str>>()? {
                    match cache.parse(&s) {
                        Some(secs) => t.secs.push(secs),
                        None => {
                            if t.bad.is_none() {
                                t.bad = Some((t.secs.len(), s.into_owned()));
                            }
                            t.secs.push(0);
                        }
                    }
                }
                Ok(t)
            }
        }
        d.deserialize_seq(V)
    }
}

/// What reading the document leaves to say, in the order it was always
/// said: the document's messages, then each result's warnings, up to the
/// first error.
struct Reading<'w> {
    path: &'w Path,
    names: &'w Wanted<'w>,
    out: Chunks,
    warnings: Vec<String>,
    error: Option<Error>,
}

impl Reading<'_> {
    /// One result, as soon as it is read: its points go to its metric's
    /// builder, then it is dropped.
    fn take(&mut self, r: CliResult) {
        if self.error.is_some() {
            return;
        }
        let path = self.path;
        if !self
            .names
            .keep(&r.id, r.values.len() as u64, &mut self.out.unread)
        {
            return;
        }
        if r.timestamps.secs.len() != r.values.len() {
            self.error = Some(Error::data(format!(
                "{}: metric `{}` has {} timestamps but {} values",
                path.display(),
                r.id,
                r.timestamps.secs.len(),
                r.values.len()
            )));
            return;
        }
        match r.status.as_deref() {
            None | Some("Complete") => {}
            Some(s) => self.warnings.push(format!(
                "{}: metric `{}` has StatusCode {s}: its series may be incomplete",
                path.display(),
                r.id
            )),
        }
        for m in &r.messages {
            self.warnings.push(format!(
                "{}: metric `{}`: {} {}",
                path.display(),
                r.id,
                m.code.as_deref().unwrap_or("-"),
                m.value.as_deref().unwrap_or("")
            ));
        }
        let b = self.out.builder(&r.id, self.names);
        b.reserve(r.values.len());
        let bad_at = r.timestamps.bad.as_ref().map_or(usize::MAX, |b| b.0);
        for (i, (&t, v)) in r.timestamps.secs.iter().zip(r.values).enumerate() {
            let point = if i == bad_at {
                let ts = r.timestamps.bad.as_ref().map_or("", |b| &b.1);
                Err(Error::data(format!(
                    "{}: metric `{}`: `{ts}` is not an RFC 3339 timestamp",
                    path.display(),
                    r.id
                )))
            } else {
                check_time(path, &r.id, t, self.names.limit)
                    .and_then(|t| Ok((t, check_value(path, &r.id, t, v)?)))
            };
            match point {
                Ok((t, v)) => b.push(t, v),
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
    }
}

/// The document: `MetricDataResults` read a result at a time, `Messages`
/// kept, anything else skipped.
struct Doc<'r, 'w>(&'r mut Reading<'w>);

impl<'de> serde::de::DeserializeSeed<'de> for Doc<'_, '_> {
    type Value = Vec<CliMessage>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Vec<CliMessage>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Doc<'_, '_> {
    type Value = Vec<CliMessage>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the output of `aws cloudwatch get-metric-data`")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Vec<CliMessage>, A::Error> {
        let mut messages = Vec::new();
        let (mut results, mut got_messages) = (false, false);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "MetricDataResults" if results => {
                    return Err(serde::de::Error::duplicate_field("MetricDataResults"))
                }
                "MetricDataResults" => {
                    map.next_value_seed(Results(&mut *self.0))?;
                    results = true;
                }
                "Messages" if got_messages => {
                    return Err(serde::de::Error::duplicate_field("Messages"))
                }
                "Messages" => {
                    messages = map.next_value()?;
                    got_messages = true;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !results {
            return Err(serde::de::Error::missing_field("MetricDataResults"));
        }
        Ok(messages)
    }
}

struct Results<'r, 'w>(&'r mut Reading<'w>);

impl<'de> serde::de::DeserializeSeed<'de> for Results<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Results<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of metric data results")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(r) = seq.next_element::<CliResult>()? {
            self.0.take(r);
        }
        Ok(())
    }
}

pub(super) fn read(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    use serde::de::DeserializeSeed;
    let mut reading = Reading {
        path,
        names,
        out: Chunks::default(),
        warnings: Vec::new(),
        error: None,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let messages = match Doc(&mut reading)
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|_| m))
    {
        Ok(m) => m,
        Err(e) => return Err(explain_json(path, bytes, e)),
    };
    for m in &messages {
        crate::warn(&format!(
            "{}: CloudWatch message {}: {}",
            path.display(),
            m.code.as_deref().unwrap_or("-"),
            m.value.as_deref().unwrap_or("")
        ));
    }
    for w in &reading.warnings {
        crate::warn(w);
    }
    match reading.error {
        Some(e) => Err(e),
        None => Ok(reading.out),
    }
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
