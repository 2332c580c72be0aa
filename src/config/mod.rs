//! slo.yaml → the validated [`Config`]: every error names the file, the line,
//! the key path (`slos[2].sli.total`) and the bad value, with a hint where one helps.

pub mod expr;
mod locate;
pub mod raw;

use crate::duration::Dur;
use crate::error::{Error, Result};
use crate::exact::Exact;
use crate::model::*;
use indexmap::IndexMap;
use raw::{Num, RawConfig, RawSli, RawSlo, RawSource};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    let fail = |message: String, hint: Option<String>| Error::Config {
        file: path.to_path_buf(),
        line: None,
        message,
        hint,
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            format!("cannot read: {e}"),
            (e.kind() == std::io::ErrorKind::NotFound)
                .then(|| "pass --config PATH, or run slo where slo.yaml is".to_string()),
        )
    })?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(fail(
            format!("is {what}, not a slo.yaml file"),
            Some("pass --config PATH with the path of slo.yaml".into()),
        ));
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
    parse(path, &text)
}

/// The deepest YAML nesting read. slo.yaml nests about six levels; the YAML
/// parser recurses per level, so a hostile file is refused before parsing.
pub const MAX_YAML_DEPTH: usize = 64;

/// The deepest nesting of `text`, flow (`[ {`) and block (indentation, `- `)
/// together, and the line where it is reached; strings and comments are
/// skipped. An estimate that never undercounts what the parser will recurse.
fn yaml_depth(text: &str) -> (usize, usize) {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut worst = (0, 0);
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let mut indent = line.len() - body.len();
        if flow == 0 {
            // Block nesting: every deeper indentation opens a level, and so
            // does every `- ` that starts a sequence item on this line.
            let mut rest = body;
            loop {
                while indents.last().is_some_and(|t| *t >= indent) {
                    indents.pop();
                }
                indents.push(indent);
                match rest
                    .strip_prefix("- ")
                    .or(if rest == "-" { Some("") } else { None })
                {
                    Some(r) => {
                        let r2 = r.trim_start_matches(' ');
                        indent += 2 + (r.len() - r2.len());
                        rest = r2;
                        if rest.is_empty() {
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in body.chars() {
            match quote {
                Some(q) => {
                    if c == q && prev != '\\' {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if prev == ' ' => break,
                    '"' | '\'' => quote = Some(c),
                    '[' | '{' => flow += 1,
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            prev = c;
            let d = indents.len() + flow;
            if d > worst.0 {
                worst = (d, i + 1);
            }
        }
    }
    worst
}

/// Validates slo.yaml's text; `path` names it in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let (depth, line) = yaml_depth(text);
    if depth > MAX_YAML_DEPTH {
        return Err(Error::Config {
            file: path.to_path_buf(),
            line: Some(line),
            message: format!("the YAML is nested more than {MAX_YAML_DEPTH} levels deep"),
            hint: Some("slo.yaml needs about six levels; is this the right file?".into()),
        });
    }
    let de = serde_yaml::Deserializer::from_str(text);
    let raw: RawConfig = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let mut line = inner.location().map(|l| l.line());
        let mut message = inner.to_string();
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
        let message = if key.is_empty() || key == "." || message.starts_with(&key) {
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
    })?;
    Validator {
        path,
        text,
        metric_names: raw.metrics.keys().cloned().collect(),
    }
    .validate(raw)
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

    fn validate(&self, raw: RawConfig) -> Result<Config> {
        if raw.version != 1 {
            return Err(self.err(
                "version",
                format!("version {} is not supported", raw.version),
                Some("this slo reads `version: 1`".into()),
            ));
        }
        if raw.service.trim().is_empty() {
            return Err(self.err("service", "must not be empty", None));
        }
        let base = self.path.parent().unwrap_or(Path::new("."));
        let source = match raw.source {
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
        };
        let metrics = self.metrics(&raw.metrics.0)?;
        let periods: HashMap<&str, i64> = metrics
            .iter()
            .map(|m| (m.name.as_str(), m.period))
            .collect();
        let mut slos = Vec::new();
        let mut seen = HashSet::new();
        for (i, s) in raw.slos.into_iter().enumerate() {
            let slo = self.slo(i, s, &periods)?;
            if !seen.insert(slo.name.clone()) {
                return Err(self.err(
                    &format!("slos[{i}].name"),
                    format!("`{}` names two SLOs", slo.name),
                    Some("SLO names must be unique".into()),
                ));
            }
            slos.push(slo);
        }
        if slos.is_empty() {
            return Err(self.err("slos", "lists no SLO", None));
        }
        let custom_alerts = raw.alerts.is_some();
        let alerts = match raw.alerts {
            Some(list) => self.alerts("alerts", list)?,
            None => {
                let list: Vec<raw::RawAlert> = serde_yaml::from_str(DEFAULT_ALERTS)
                    .map_err(|e| Error::usage(format!("built-in alert table: {e}")))?;
                self.alerts("alerts", list)?
            }
        };
        let warning_below = match raw.warning_below {
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
        };
        let burn_lookbacks = match raw.burn_rate_lookbacks {
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
        };
        let forecast_lookback = match raw.forecast_lookback {
            None => Dur(86_400),
            Some(d) => self.dur("forecast_lookback", &d)?,
        };
        let as_of = match raw.as_of {
            None => None,
            Some(s) if s.trim() == "latest" => Some(AsOfSetting::Latest),
            Some(s) => Some(AsOfSetting::At(parse_time(&s).map_err(|e| {
                self.err(
                    "as_of",
                    e,
                    Some("write `latest` or an RFC 3339 time".into()),
                )
            })?)),
        };
        Ok(Config {
            path: self.path.to_path_buf(),
            service: raw.service,
            source,
            metrics,
            slos,
            alerts,
            custom_alerts,
            warning_below,
            burn_lookbacks,
            forecast_lookback,
            as_of,
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

    fn metrics(&self, raw: &IndexMap<String, raw::RawMetric>) -> Result<Vec<Metric>> {
        // (the caller passes the map of a `UniqueMap`: no key repeats)
        if raw.is_empty() {
            return Err(self.err("metrics", "defines no metric", None));
        }
        let mut out: Vec<Metric> = Vec::new();
        let mut exprs: HashMap<String, Expr> = HashMap::new();
        for (name, m) in raw {
            let key = format!("metrics.{name}");
            if !is_query_id(name) {
                return Err(self.err(
                    &key,
                    format!("`{name}` is not a valid metric name"),
                    Some("names are CloudWatch query ids: a lowercase letter, then letters, digits or _".into()),
                ));
            }
            if let Some(text) = &m.expression {
                let query_keys = [
                    ("namespace", m.namespace.is_some()),
                    ("name", m.name.is_some()),
                    ("dimensions", m.dimensions.is_some()),
                    ("stat", m.stat.is_some()),
                    ("period", m.period.is_some()),
                    ("allow_empty", m.allow_empty.is_some()),
                ];
                if let Some((k, _)) = query_keys.iter().find(|(_, set)| *set) {
                    return Err(self.err(
                        &format!("{key}.{k}"),
                        "an expression metric takes no query keys",
                        Some("its period is the largest period of its operands".into()),
                    ));
                }
                let expr = expr::parse(text).map_err(|e| {
                    self.err(
                        &format!("{key}.expression"),
                        format!("`{}`: {e}", crate::text::clip(text, 80)),
                        None,
                    )
                })?;
                for op in expr.operands() {
                    if !raw.contains_key(&op) {
                        return Err(self.unknown_metric(&format!("{key}.expression"), &op));
                    }
                }
                if expr.operands().is_empty() {
                    return Err(self.err(
                        &format!("{key}.expression"),
                        format!("`{text}` reads no metric"),
                        None,
                    ));
                }
                exprs.insert(name.clone(), expr.clone());
                out.push(Metric {
                    name: name.clone(),
                    period: 0,
                    kind: MetricKind::Expression {
                        text: text.clone(),
                        expr,
                    },
                    allow_empty: false,
                });
                continue;
            }
            let required = |k: &str, v: &Option<String>| -> Result<String> {
                match v {
                    Some(s) if !s.trim().is_empty() => Ok(s.clone()),
                    _ => Err(self.err(
                        &format!("{key}.{k}"),
                        format!("missing `{k}`"),
                        Some("a metric is a CloudWatch query (namespace, name, stat, period) or an `expression`".into()),
                    )),
                }
            };
            let namespace = required("namespace", &m.namespace)?;
            let metric_name = required("name", &m.name)?;
            let stat = required("stat", &m.stat)?;
            if !is_stat(&stat) {
                return Err(self.err(
                    &format!("{key}.stat"),
                    format!("`{stat}` is not a CloudWatch statistic"),
                    Some(
                        "e.g. Sum, SampleCount, Average, Minimum, Maximum, p95, TC(:2), PR(:2)"
                            .into(),
                    ),
                ));
            }
            let period = m.period.unwrap_or(60);
            if period <= 0 || !(matches!(period, 1 | 5 | 10 | 30) || period % 60 == 0) {
                return Err(self.err(
                    &format!("{key}.period"),
                    format!("{period} is not a CloudWatch period"),
                    Some("use 1, 5, 10, 30 or a multiple of 60 seconds".into()),
                ));
            }
            let dimensions: BTreeMap<String, String> = m
                .dimensions
                .clone()
                .map(|d| d.0)
                .unwrap_or_default()
                .into_iter()
                .collect();
            out.push(Metric {
                name: name.clone(),
                period,
                kind: MetricKind::Query(Query {
                    namespace,
                    name: metric_name,
                    dimensions,
                    stat,
                    period,
                }),
                allow_empty: m.allow_empty.unwrap_or(false),
            });
        }
        // Periods of expressions, with cycle detection (depth-first, three colours).
        let mut period: HashMap<String, i64> = out
            .iter()
            .filter(|m| matches!(m.kind, MetricKind::Query(_)))
            .map(|m| (m.name.clone(), m.period))
            .collect();
        fn visit(
            name: &str,
            exprs: &HashMap<String, Expr>,
            period: &mut HashMap<String, i64>,
            stack: &mut Vec<String>,
        ) -> std::result::Result<i64, Vec<String>> {
            if let Some(p) = period.get(name) {
                return Ok(*p);
            }
            if let Some(i) = stack.iter().position(|s| s == name) {
                let mut cycle = stack[i..].to_vec();
                cycle.push(name.to_string());
                return Err(cycle);
            }
            stack.push(name.to_string());
            let mut p = 0;
            if let Some(e) = exprs.get(name) {
                for op in e.operands() {
                    p = p.max(visit(&op, exprs, period, stack)?);
                }
            }
            stack.pop();
            period.insert(name.to_string(), p);
            Ok(p)
        }
        for m in &mut out {
            if matches!(m.kind, MetricKind::Expression { .. }) {
                m.period =
                    visit(&m.name, &exprs, &mut period, &mut Vec::new()).map_err(|cycle| {
                        self.err(
                            &format!("metrics.{}.expression", m.name),
                            format!("the expressions form a cycle: {}", cycle.join(" → ")),
                            Some("an expression cannot depend on itself".into()),
                        )
                    })?;
            }
        }
        Ok(out)
    }

    fn metric_ref(
        &self,
        key: &str,
        name: &Option<String>,
        periods: &HashMap<&str, i64>,
    ) -> Result<Option<(String, i64)>> {
        match name {
            None => Ok(None),
            Some(n) => match periods.get(n.as_str()) {
                Some(p) => Ok(Some((n.clone(), *p))),
                None => Err(self.unknown_metric(key, n)),
            },
        }
    }

    fn slo(&self, i: usize, s: RawSlo, periods: &HashMap<&str, i64>) -> Result<Slo> {
        let key = format!("slos[{i}]");
        if s.name.trim().is_empty() {
            return Err(self.err(&format!("{key}.name"), "must not be empty", None));
        }
        let objective = self.number(&format!("{key}.objective"), &s.objective)?;
        if !objective.lies_in_open_unit() {
            let percent = objective.text.trim_end().ends_with('%');
            let hint = if !percent && objective.value > 1.0 && objective.value < 100.0 {
                format!("write `{}%` for a percentage", objective.text)
            } else {
                "an objective lies strictly between 0 and 100 %: 100 % leaves no error budget"
                    .into()
            };
            return Err(self.err(
                &format!("{key}.objective"),
                format!("`{}` is not strictly between 0 % and 100 %", objective.text),
                Some(hint),
            ));
        }
        let window = match (&s.window, &s.calendar) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &format!("{key}.calendar"),
                    "an SLO has either `window:` or `calendar:`, not both",
                    None,
                ))
            }
            (None, None) => {
                return Err(self.err(
                    &key,
                    format!(
                        "`{}` has no `window:` (e.g. 30d) or `calendar:` (week or month)",
                        s.name
                    ),
                    None,
                ))
            }
            (Some(w), None) => {
                if s.timezone.is_some() {
                    return Err(self.err(
                        &format!("{key}.timezone"),
                        "a timezone applies only to `calendar:` windows",
                        None,
                    ));
                }
                Window::Rolling(self.dur(&format!("{key}.window"), w)?)
            }
            (None, Some(c)) => {
                let unit = match c.as_str() {
                    "week" => CalendarUnit::Week,
                    "month" => CalendarUnit::Month,
                    other => {
                        return Err(self.err(
                            &format!("{key}.calendar"),
                            format!("`{other}` is not a calendar period"),
                            Some("write `week` or `month`".into()),
                        ))
                    }
                };
                let tz = match &s.timezone {
                    None => chrono_tz::UTC,
                    Some(t) => t.parse::<chrono_tz::Tz>().map_err(|_| {
                        self.err(
                            &format!("{key}.timezone"),
                            format!("`{t}` is not an IANA time zone"),
                            Some("e.g. UTC, Europe/Berlin, America/New_York".into()),
                        )
                    })?,
                };
                Window::Calendar { unit, tz }
            }
        };
        let (sli, period) = self.sli(&format!("{key}.sli"), s.sli, periods)?;
        let window_label = match (&s.window, &window) {
            (Some(w), Window::Rolling(_)) => w.trim().to_string(),
            _ => window.label(),
        };
        Ok(Slo {
            name: s.name,
            window_label,
            objective,
            window,
            sli,
            period,
            description: s.description,
        })
    }

    fn same_period(&self, key: &str, refs: &[(String, i64)]) -> Result<i64> {
        let p = refs[0].1;
        if let Some((n, q)) = refs.iter().find(|(_, q)| *q != p) {
            return Err(self.err(
                key,
                format!("`{}` has a period of {p} s but `{n}` of {q} s", refs[0].0),
                Some("the metrics of one SLI must share a period".into()),
            ));
        }
        Ok(p)
    }

    fn sli(&self, key: &str, s: RawSli, periods: &HashMap<&str, i64>) -> Result<(Sli, i64)> {
        match (&s.timeslice, &s.good, &s.bad) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (Some(_), None, None) if s.total.is_some() || s.good.is_some() || s.bad.is_some() => {
                Err(self.err(
                    key,
                    "an SLI is either a ratio (`good` or `bad`, and `total`) or a `timeslice`, not both",
                    None,
                ))
            }
            (Some(ts), _, _) => self.timeslice(&format!("{key}.timeslice"), ts, periods),
            (None, Some(_), Some(_)) => Err(self.err(
                &format!("{key}.bad"),
                "a ratio SLI has `good` or `bad`, not both",
                None,
            )),
            (None, None, None) => Err(self.err(
                key,
                "an SLI needs `good` or `bad` with `total`, or a `timeslice`",
                None,
            )),
            (None, good, bad) => {
                let Some(total) = self.metric_ref(&format!("{key}.total"), &s.total, periods)? else {
                    return Err(self.err(
                        &format!("{key}.total"),
                        "missing `total`",
                        Some("a ratio SLI needs the metric of all events as `total`".into()),
                    ));
                };
                let g = self.metric_ref(&format!("{key}.good"), good, periods)?;
                let b = self.metric_ref(&format!("{key}.bad"), bad, periods)?;
                let first = g.clone().or(b.clone()).ok_or_else(|| {
                    self.err(key, "an SLI needs `good` or `bad`", None)
                })?;
                let field = if g.is_some() { "good" } else { "bad" };
                let p = self.same_period(&format!("{key}.{field}"), &[first, total.clone()])?;
                Ok((
                    Sli::Ratio {
                        good: g.map(|x| x.0),
                        bad: b.map(|x| x.0),
                        total: total.0,
                    },
                    p,
                ))
            }
        }
    }

    fn timeslice(
        &self,
        key: &str,
        ts: &raw::RawTimeslice,
        periods: &HashMap<&str, i64>,
    ) -> Result<(Sli, i64)> {
        let op = match ts.op.trim() {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            other => {
                return Err(self.err(
                    &format!("{key}.op"),
                    format!("`{other}` is not a comparison"),
                    Some("write one of < <= > >= (quoted in YAML: \"<\")".into()),
                ))
            }
        };
        let threshold = self.number(&format!("{key}.threshold"), &ts.threshold)?;
        let missing = match ts.missing.as_deref().map(str::trim) {
            None | Some("ignore") => Missing::Ignore,
            Some("good") => Missing::Good,
            Some("bad") => Missing::Bad,
            Some(other) => {
                return Err(self.err(
                    &format!("{key}.missing"),
                    format!("`{other}` is not a policy for missing slices"),
                    Some("write ignore, good or bad".into()),
                ))
            }
        };
        let (value, period) = match (&ts.metric, &ts.ratio) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    key,
                    "a timeslice reads a `metric` or a `ratio`, not both",
                    None,
                ))
            }
            (None, None) => {
                return Err(self.err(key, "a timeslice needs a `metric` or a `ratio`", None))
            }
            (Some(m), None) => {
                let (name, p) = self
                    .metric_ref(&format!("{key}.metric"), &Some(m.clone()), periods)?
                    .ok_or_else(|| self.err(key, "missing metric", None))?;
                (
                    SliceValue::Metric {
                        metric: name,
                        per_second: ts.per_second.unwrap_or(false),
                    },
                    p,
                )
            }
            (None, Some(r)) => {
                if ts.per_second.is_some() {
                    return Err(self.err(
                        &format!("{key}.per_second"),
                        "`per_second` applies to a `metric`, not to a `ratio`",
                        None,
                    ));
                }
                let b = self
                    .metric_ref(&format!("{key}.ratio.bad"), &Some(r.bad.clone()), periods)?
                    .ok_or_else(|| self.err(key, "missing bad", None))?;
                let t = self
                    .metric_ref(
                        &format!("{key}.ratio.total"),
                        &Some(r.total.clone()),
                        periods,
                    )?
                    .ok_or_else(|| self.err(key, "missing total", None))?;
                let p = self.same_period(&format!("{key}.ratio.bad"), &[b.clone(), t.clone()])?;
                (
                    SliceValue::Ratio {
                        bad: b.0,
                        total: t.0,
                    },
                    p,
                )
            }
        };
        Ok((
            Sli::TimeSlice {
                value,
                op,
                threshold,
                missing,
            },
            period,
        ))
    }

    fn alerts(&self, key: &str, list: Vec<raw::RawAlert>) -> Result<Vec<AlertRule>> {
        let mut out = Vec::new();
        for (i, a) in list.into_iter().enumerate() {
            let k = format!("{key}[{i}]");
            if a.severity.trim().is_empty() {
                return Err(self.err(&format!("{k}.severity"), "must not be empty", None));
            }
            let long = self.dur(&format!("{k}.long"), &a.long)?;
            let short = self.dur(&format!("{k}.short"), &a.short)?;
            if short > long {
                return Err(self.err(
                    &format!("{k}.short"),
                    format!("the short window ({short}) is longer than the long one ({long})"),
                    None,
                ));
            }
            let burn_rate = self.number(&format!("{k}.burn_rate"), &a.burn_rate)?;
            if burn_rate.value <= 0.0 {
                return Err(self.err(
                    &format!("{k}.burn_rate"),
                    format!("`{}` must be positive", burn_rate.text),
                    None,
                ));
            }
            out.push(AlertRule {
                severity: a.severity,
                long,
                short,
                long_text: a.long.trim().to_string(),
                short_text: a.short.trim().to_string(),
                burn_rate,
            });
        }
        Ok(out)
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

/// `[a-z][a-zA-Z0-9_]*`: CloudWatch's rule for query ids.
pub fn is_query_id(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('a'..='z')) && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// CloudWatch statistics: the named ones, percentiles and the bounded families.
fn is_stat(s: &str) -> bool {
    const NAMED: [&str; 7] = [
        "Sum",
        "SampleCount",
        "Average",
        "Minimum",
        "Maximum",
        "IQM",
        "TM",
    ];
    if NAMED.contains(&s) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    for fam in ["p", "tm", "wm", "tc", "ts", "pr"] {
        if let Some(rest) = lower.strip_prefix(fam) {
            let is_num = |t: &str| {
                !t.is_empty() && t.parse::<f64>().is_ok_and(|v| (0.0..=100.0).contains(&v))
            };
            if is_num(rest) && fam != "pr" {
                return true;
            }
            if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                if let Some((a, b)) = inner.split_once(':') {
                    let ok = |t: &str| {
                        let t = t.trim().trim_end_matches('%');
                        t.is_empty() || t.parse::<f64>().is_ok()
                    };
                    if ok(a) && ok(b) && !(a.trim().is_empty() && b.trim().is_empty()) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Parses RFC 3339 (`2026-11-24T00:00:00Z`, any offset) into UTC.
pub fn parse_time(s: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| {
            format!("`{s}` is not an RFC 3339 time ({e}); write e.g. 2026-11-24T00:00:00Z")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats() {
        for s in [
            "Sum",
            "SampleCount",
            "p95",
            "p99.9",
            "TC(:2)",
            "PR(:2)",
            "tm99",
            "TM(10%:90%)",
        ] {
            assert!(is_stat(s), "{s}");
        }
        for s in ["sum", "p", "p101", "TC()", "avg", "PR(:)"] {
            assert!(!is_stat(s), "{s}");
        }
    }

    #[test]
    fn yaml_depth_counts_flow_and_block_levels() {
        assert_eq!(yaml_depth("a: 1\nb:\n  c: 2\n").0, 2);
        assert_eq!(yaml_depth("a: [[[1]]]\n").0, 4);
        assert_eq!(yaml_depth("a: \"[[[[\"  # [[[\n").0, 1);
        assert_eq!(yaml_depth("- - - x\n").0, 4);
        let repo = include_str!("../../slo.yaml");
        assert!(yaml_depth(repo).0 <= 8, "{}", yaml_depth(repo).0);
        let deep: String = (0..100)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        assert!(yaml_depth(&deep).0 >= 100);
    }

    #[test]
    fn query_ids() {
        assert!(is_query_id("errors_5xx"));
        assert!(!is_query_id("5xx"));
        assert!(!is_query_id("Requests"));
        assert!(!is_query_id("a-b"));
    }
}
