//! slo.yaml → the validated [`Config`]: every error names the file, the line,
//! the key path (`slos[2].sli.total`) and the bad value, with a hint where one helps.

mod alerts;
pub mod expr;

/// The JSON Schema of slo.yaml (docs/slo.schema.json), for editors: `slo schema`.
pub const SCHEMA: &str = include_str!("../../docs/slo.schema.json");
pub mod init;
mod locate;
mod metrics;
pub mod openslo;
pub mod raw;
mod slos;
mod yaml;

pub use metrics::is_query_id;
pub use yaml::MAX_YAML_DEPTH;

use crate::duration::Dur;
use crate::error::{Error, Result};
use crate::exact::Exact;
use crate::model::*;
use raw::{Num, RawConfig, RawSource};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The multiwindow burn-rate alerts of the SRE Workbook (table 5-8), kept as data.
const DEFAULT_ALERTS: &str = include_str!("sre-workbook-30d.yaml");
const DEFAULT_LOOKBACKS: [&str; 6] = ["5m", "30m", "1h", "6h", "1d", "3d"];

/// The largest slo.yaml read: far above any real file (a fleet of 10,000
/// SLOs is about 3 MB), far below what would exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Reads and validates slo.yaml: a regular file (not a FIFO or a device, which
/// could block or never end) of at most [`MAX_CONFIG_BYTES`].
pub fn load(path: &Path) -> Result<Config> {
    parse(path, &read(path, true)?)
}

/// The text of an input file of documents (OpenSLO): a regular file of at
/// most [`MAX_CONFIG_BYTES`], UTF-8.
pub fn read_text(path: &Path) -> Result<String> {
    read(path, false)
}

/// The text of slo.yaml (`config`: its errors hint at --config) or of
/// another input file.
fn read(path: &Path, config: bool) -> Result<String> {
    let fail = |message: String, hint: Option<String>| Error::Config {
        file: path.to_path_buf(),
        line: None,
        message,
        hint,
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            format!("cannot read: {e}"),
            (config && e.kind() == std::io::ErrorKind::NotFound)
                .then(|| "pass --config PATH, or run slo where slo.yaml is".to_string()),
        )
    })?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(if config {
            fail(
                format!("is {what}, not a slo.yaml file"),
                Some("pass --config PATH with the path of slo.yaml".into()),
            )
        } else {
            fail(format!("is {what}, not a file"), None)
        });
    }
    let too_big = || {
        fail(
            format!("is larger than {} MiB", MAX_CONFIG_BYTES >> 20),
            Some("is this the right file?".into()),
        )
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    use std::io::Read;
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read: {e}"), None))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(
            format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            None,
        )
    })?;
    Ok(text)
}

/// Validates slo.yaml's text; `path` names it in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let (depth, line) = yaml::yaml_depth(text);
    if depth > MAX_YAML_DEPTH {
        return Err(Error::Config {
            file: path.to_path_buf(),
            line: Some(line),
            message: format!("the YAML is nested more than {MAX_YAML_DEPTH} levels deep"),
            hint: Some("slo.yaml needs about six levels; is this the right file?".into()),
        });
    }
    let de = serde_yaml::Deserializer::from_str(text);
    let raw: RawConfig = match serde_path_to_error::deserialize(de) {
        Ok(raw) => raw,
        Err(e) => {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let first = shape_error(
                path,
                text,
                &key,
                inner.to_string(),
                inner.location().map(|l| l.line()),
            );
            // The other metrics, SLOs and alerts are read on their own, so
            // that every misspelt key is reported at once, not one a run.
            let mut all = vec![first];
            for (k, e) in each_shape_error(path, text) {
                if k != key {
                    all.push(e);
                }
            }
            return Err(crate::error::configs(all)
                .unwrap_or_else(|| Error::usage("slo.yaml: unreadable without an error")));
        }
    };
    Validator {
        path,
        text,
        metric_names: raw.metrics.keys().cloned().collect(),
    }
    .validate(raw)
}

/// A serde error at `key` as the error the user sees: the line (a duplicate
/// key's second occurrence), the key path once, a hint.
fn shape_error(
    path: &Path,
    text: &str,
    key: &str,
    mut message: String,
    line: Option<usize>,
) -> Error {
    let mut line = line.or_else(|| locate::line_of(text, key));
    // serde_yaml appends " at line L column C"; the line is printed up front already.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    // A duplicate key: point at its second occurrence, not at the mapping.
    if let Some(dup) = message
        .split_once("duplicate key `")
        .and_then(|(_, r)| r.split_once('`'))
        .map(|(k, _)| k.to_string())
    {
        let first = locate::line_of(text, &format!("{key}.{dup}"));
        line = first
            .and_then(|l| locate::repeated_key(text, l, &dup))
            .or(line);
    }
    // serde_yaml may name the enclosing mapping (`slos[0]: unknown field
    // ...`): the full key path is printed instead, once.
    if let Some((head, rest)) = message.split_once(": ") {
        if !head.is_empty() && key.starts_with(head) && !head.contains(' ') {
            message = rest.to_string();
        }
    }
    let message = if key.is_empty() || key == "." || message.starts_with(key) {
        message
    } else {
        format!("{key}: {message}")
    };
    Error::Config {
        file: path.to_path_buf(),
        line,
        hint: hint_for(&message),
        message,
    }
}

/// The shape errors of each source, metric, SLO and alert of slo.yaml read on
/// its own, with their key paths; nothing when the text is not YAML.
fn each_shape_error(path: &Path, text: &str) -> Vec<(String, Error)> {
    use serde_yaml::Value;
    fn one<T: serde::de::DeserializeOwned>(
        path: &Path,
        text: &str,
        key: String,
        v: &Value,
        out: &mut Vec<(String, Error)>,
    ) {
        if let Err(e) = serde_path_to_error::deserialize::<_, T>(v.clone()) {
            let inner = e.path().to_string();
            let full = if inner.is_empty() || inner == "." {
                key
            } else {
                format!("{key}.{inner}")
            };
            let err = shape_error(path, text, &full, e.into_inner().to_string(), None);
            out.push((full, err));
        }
    }
    let mut out = Vec::new();
    let Ok(Value::Mapping(top)) = serde_yaml::from_str::<Value>(text) else {
        return out;
    };
    for (k, v) in &top {
        match (k.as_str(), v) {
            (Some("source"), v) => one::<RawSource>(path, text, "source".into(), v, &mut out),
            (Some("metrics"), Value::Mapping(m)) => {
                for (name, v) in m {
                    if let Some(name) = name.as_str() {
                        one::<raw::RawMetric>(path, text, format!("metrics.{name}"), v, &mut out);
                    }
                }
            }
            (Some("slos"), Value::Sequence(list)) => {
                for (i, v) in list.iter().enumerate() {
                    one::<raw::RawSlo>(path, text, format!("slos[{i}]"), v, &mut out);
                }
            }
            (Some("alerts"), Value::Sequence(list)) => {
                for (i, v) in list.iter().enumerate() {
                    one::<raw::RawAlert>(path, text, format!("alerts[{i}]"), v, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

fn hint_for(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some("check the spelling; the keys are listed in the README (slo.yaml schema)".into())
    } else if message.contains("missing field `version`") {
        Some("start the file with `version: 1`".into())
    } else {
        None
    }
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    metric_names: Vec<String>,
}

impl Validator<'_> {
    fn err(&self, key: &str, message: impl Into<String>, hint: Option<String>) -> Error {
        Error::Config {
            file: self.path.to_path_buf(),
            line: locate::line_of(self.text, key),
            // A value quoted from a hostile file can be megabytes long.
            message: format!("{key}: {}", crate::text::clip(&message.into(), 300)),
            hint,
        }
    }

    /// Every section is checked, and every metric and SLO on its own: the
    /// errors of all of them come back together, in file order.
    fn validate(&self, raw: RawConfig) -> Result<Config> {
        let mut errs: Vec<Error> = Vec::new();
        let mut keep = |r: Result<()>| {
            if let Err(e) = r {
                errs.push(e);
            }
        };
        keep(if raw.version != 1 {
            Err(self.err(
                "version",
                format!("version {} is not supported", raw.version),
                Some("this slo reads `version: 1`".into()),
            ))
        } else {
            Ok(())
        });
        keep(if raw.service.trim().is_empty() {
            Err(self.err("service", "must not be empty", None))
        } else {
            Ok(())
        });
        let base = self.path.parent().unwrap_or(Path::new("."));
        let source = (|| -> Result<Source> {
            Ok(match raw.source {
                RawSource::Files { path } => {
                    if path.trim().is_empty() {
                        return Err(self.err("source.path", "must not be empty", None));
                    }
                    Source::Files {
                        path: resolve(base, &path),
                    }
                }
                RawSource::Cloudwatch {
                    region,
                    profile,
                    endpoint_url,
                } => {
                    if let Some(u) = &endpoint_url {
                        if !(u.starts_with("http://") || u.starts_with("https://")) {
                            return Err(self.err(
                                "source.endpoint_url",
                                format!("`{u}` is not an http(s) URL"),
                                Some("e.g. http://127.0.0.1:4566".into()),
                            ));
                        }
                    }
                    Source::CloudWatch {
                        region,
                        profile,
                        endpoint_url,
                    }
                }
                RawSource::Prometheus {
                    url,
                    bearer_token_env,
                } => {
                    if let Some(u) = &url {
                        if !(u.starts_with("http://") || u.starts_with("https://")) {
                            return Err(self.err(
                                "source.url",
                                format!("`{u}` is not an http(s) URL"),
                                Some("e.g. http://127.0.0.1:9090".into()),
                            ));
                        }
                    }
                    if let Some(v) = &bearer_token_env {
                        if v.trim().is_empty() || v.contains('=') {
                            return Err(self.err(
                                "source.bearer_token_env",
                                format!("`{v}` is not the name of an environment variable"),
                                Some(
                                    "e.g. PROM_TOKEN (the token itself never goes in slo.yaml)"
                                        .into(),
                                ),
                            ));
                        }
                    }
                    Source::Prometheus {
                        url,
                        bearer_token_env,
                    }
                }
            })
        })();
        let prometheus = matches!(source, Ok(Source::Prometheus { .. }));
        let (metrics, failed) = self.metrics(&raw.metrics.0, prometheus, &mut errs);
        let periods: HashMap<&str, i64> = metrics
            .iter()
            .map(|m| (m.name.as_str(), m.period))
            .collect();
        let mut slos = Vec::new();
        let mut seen = HashSet::new();
        let no_slo = raw.slos.is_empty();
        for (i, s) in raw.slos.into_iter().enumerate() {
            // An SLO over a metric that failed would only repeat its error.
            if s.sli.metrics().any(|m| failed.contains(m)) {
                continue;
            }
            match self.slo(i, s, &periods) {
                Err(e) => errs.push(e),
                Ok(slo) if !seen.insert(slo.name.clone()) => errs.push(self.err(
                    &format!("slos[{i}].name"),
                    format!("`{}` names two SLOs", slo.name),
                    Some("SLO names must be unique".into()),
                )),
                Ok(slo) => slos.push(slo),
            }
        }
        if no_slo {
            errs.push(self.err("slos", "lists no SLO", None));
        }
        let mut keep = |r: Result<()>| {
            if let Err(e) = r {
                errs.push(e);
            }
        };
        let custom_alerts = raw.alerts.is_some();
        let alerts = match raw.alerts {
            Some(list) => self.alerts("alerts", list),
            None => serde_yaml::from_str::<Vec<raw::RawAlert>>(DEFAULT_ALERTS)
                .map_err(|e| Error::usage(format!("built-in alert table: {e}")))
                .and_then(|list| self.alerts("alerts", list)),
        };
        let warning_below = (|| -> Result<Exact> {
            Ok(match raw.warning_below {
                None => Exact::parse("0.5").map_err(|e| self.err("warning_below", e, None))?,
                Some(n) => {
                    let e = self.number("warning_below", &n)?;
                    if e.value < 0.0 || e.value > 1.0 {
                        return Err(self.err(
                            "warning_below",
                            format!("`{}` is outside 0 % to 100 %", e.text),
                            Some("write a share of the budget, e.g. 50% or 0.5".into()),
                        ));
                    }
                    e
                }
            })
        })();
        let burn_lookbacks = (|| -> Result<Vec<Dur>> {
            Ok(match raw.burn_rate_lookbacks {
                None => DEFAULT_LOOKBACKS
                    .iter()
                    .map(|d| Dur::parse(d).map_err(|e| self.err("burn_rate_lookbacks", e, None)))
                    .collect::<Result<Vec<_>>>()?,
                Some(list) => {
                    if list.is_empty() {
                        return Err(self.err("burn_rate_lookbacks", "lists no lookback", None));
                    }
                    list.iter()
                        .enumerate()
                        .map(|(i, d)| self.dur(&format!("burn_rate_lookbacks[{i}]"), d))
                        .collect::<Result<Vec<_>>>()?
                }
            })
        })();
        let forecast_lookback = match raw.forecast_lookback {
            None => Ok(Dur(86_400)),
            Some(d) => self.dur("forecast_lookback", &d),
        };
        let as_of = (|| -> Result<Option<AsOfSetting>> {
            Ok(match raw.as_of {
                None => None,
                Some(s) if s.trim() == "latest" => Some(AsOfSetting::Latest),
                Some(s) => Some(AsOfSetting::At(parse_time(&s).map_err(|e| {
                    self.err(
                        "as_of",
                        e,
                        Some("write `latest` or an RFC 3339 time".into()),
                    )
                })?)),
            })
        })();
        let mut notify = std::collections::BTreeMap::new();
        let severities: Vec<&str> = alerts
            .as_ref()
            .map(|a| a.iter().map(|a| a.severity.as_str()).collect())
            .unwrap_or_default();
        for (sev, arns) in raw.notify.map(|n| n.0).unwrap_or_default() {
            keep((|| -> Result<()> {
                let key = format!("notify.{sev}");
                if alerts.is_ok() && !severities.contains(&sev.as_str()) {
                    return Err(self.err(
                        &key,
                        format!("no alert has the severity `{sev}`"),
                        Some(format!("the severities are: {}", severities.join(", "))),
                    ));
                }
                let arns = match arns {
                    raw::OneOrMany::One(a) => vec![a],
                    raw::OneOrMany::Many(v) => v,
                };
                for (i, a) in arns.iter().enumerate() {
                    if !a.starts_with("arn:") || a.split(':').count() < 6 {
                        return Err(self.err(
                            &format!("{key}[{i}]"),
                            format!("`{}` is not an ARN", crate::text::clip(a, 80)),
                            Some("e.g. arn:aws:sns:us-east-1:123456789012:critical-alerts".into()),
                        ));
                    }
                }
                notify.insert(sev, arns);
                Ok(())
            })());
        }
        fn take<T>(errs: &mut Vec<Error>, r: Result<T>) -> Option<T> {
            r.map_err(|e| errs.push(e)).ok()
        }
        let (source, alerts, warning_below, burn_lookbacks, forecast_lookback, as_of) = (
            take(&mut errs, source),
            take(&mut errs, alerts),
            take(&mut errs, warning_below),
            take(&mut errs, burn_lookbacks),
            take(&mut errs, forecast_lookback),
            take(&mut errs, as_of),
        );
        if let Some(e) = crate::error::configs(errs) {
            return Err(e);
        }
        let missing = || Error::usage("slo.yaml: a section failed without an error");
        Ok(Config {
            path: self.path.to_path_buf(),
            service: raw.service,
            source: source.ok_or_else(missing)?,
            metrics,
            slos,
            alerts: alerts.ok_or_else(missing)?,
            custom_alerts,
            warning_below: warning_below.ok_or_else(missing)?,
            burn_lookbacks: burn_lookbacks.ok_or_else(missing)?,
            forecast_lookback: forecast_lookback.ok_or_else(missing)?,
            as_of: as_of.ok_or_else(missing)?,
            notify,
            metric_index: Default::default(),
        })
    }

    fn dur(&self, key: &str, text: &str) -> Result<Dur> {
        Dur::parse(text).map_err(|e| self.err(key, e, None))
    }

    fn number(&self, key: &str, n: &Num) -> Result<Exact> {
        let r = match n {
            Num::Int(i) => Exact::parse(&i.to_string()),
            Num::Float(f) => Exact::from_f64(*f),
            Num::Text(t) => Exact::parse(t),
        };
        r.map_err(|e| self.err(key, e, None))
    }

    fn unknown_metric(&self, key: &str, name: &str) -> Error {
        self.err(
            key,
            format!("`{name}` is not a metric of this file"),
            Some(format!("the metrics are: {}", self.metric_names.join(", "))),
        )
    }
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Parses RFC 3339 (`2026-11-24T00:00:00Z`, any offset) into UTC.
pub fn parse_time(s: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| {
            format!("`{s}` is not an RFC 3339 time ({e}); write e.g. 2026-11-24T00:00:00Z")
        })
}
