//! `metrics:`: CloudWatch queries and expressions, their periods, cycles.

use super::{expr, raw, Validator};
use crate::error::{Error, Result};
use crate::model::*;
use indexmap::IndexMap;
use std::collections::{BTreeMap, HashMap, HashSet};

impl Validator<'_> {
    /// The valid metrics, and the names of those that are not (their errors
    /// go to `errs`, one per metric).
    pub(super) fn metrics(
        &self,
        raw: &IndexMap<String, raw::RawMetric>,
        prometheus: bool,
        errs: &mut Vec<Error>,
    ) -> (Vec<Metric>, HashSet<String>) {
        // (the caller passes the map of a `UniqueMap`: no key repeats)
        if raw.is_empty() {
            errs.push(self.err("metrics", "defines no metric", None));
        }
        let mut out: Vec<Metric> = Vec::new();
        let mut exprs: HashMap<String, Expr> = HashMap::new();
        let mut failed = HashSet::new();
        for (name, m) in raw {
            match self.metric(name, m, raw, prometheus) {
                Ok((metric, expr)) => {
                    if let Some(e) = expr {
                        exprs.insert(name.clone(), e);
                    }
                    out.push(metric);
                }
                Err(e) => {
                    errs.push(e);
                    failed.insert(name.clone());
                }
            }
        }
        // Periods of expressions, with cycle detection (depth-first, three colours).
        let mut period: HashMap<String, i64> = out
            .iter()
            .filter(|m| m.kind.is_query())
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
        // A cycle is reported once, at the first of its metrics; the others
        // (and whatever reads them) fail with it.
        let mut in_cycle: HashSet<String> = HashSet::new();
        for m in &mut out {
            if matches!(m.kind, MetricKind::Expression { .. }) {
                match visit(&m.name, &exprs, &mut period, &mut Vec::new()) {
                    Ok(p) => m.period = p,
                    Err(cycle) => {
                        if !cycle.iter().any(|c| in_cycle.contains(c)) {
                            errs.push(self.err(
                                &format!("metrics.{}.expression", m.name),
                                format!("the expressions form a cycle: {}", cycle.join(" → ")),
                                Some("an expression cannot depend on itself".into()),
                            ));
                        }
                        in_cycle.extend(cycle);
                        failed.insert(m.name.clone());
                    }
                }
            }
        }
        out.retain(|m| !failed.contains(&m.name));
        (out, failed)
    }

    /// One metric of `metrics:` (`all` is the whole map, for operands).
    fn metric(
        &self,
        name: &String,
        m: &raw::RawMetric,
        raw: &IndexMap<String, raw::RawMetric>,
        prometheus: bool,
    ) -> Result<(Metric, Option<Expr>)> {
        let key = format!("metrics.{name}");
        if !is_query_id(name) {
            return Err(self.err(
                &key,
                format!("`{name}` is not a valid metric name"),
                Some(
                    "names are CloudWatch query ids: a lowercase letter, then letters, digits or _"
                        .into(),
                ),
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
                ("counter", m.counter.is_some()),
                ("query", m.query.is_some()),
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
            return Ok((
                Metric {
                    name: name.clone(),
                    period: 0,
                    kind: MetricKind::Expression {
                        text: text.clone(),
                        expr: expr.clone(),
                    },
                    allow_empty: false,
                },
                Some(expr),
            ));
        }
        if prometheus {
            return Ok((self.prometheus_metric(&key, name, m)?, None));
        }
        for (k, set) in [
            ("counter", m.counter.is_some()),
            ("query", m.query.is_some()),
        ] {
            if set {
                return Err(self.err(
                        &format!("{key}.{k}"),
                        format!("`{k}:` belongs to the Prometheus source"),
                        Some("this source reads CloudWatch-shaped metrics (namespace, name, stat, period); `source: { type: prometheus }` reads counter: and query: metrics".into()),
                    ));
            }
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
                    "e.g. Sum, SampleCount, Average, Minimum, Maximum, p95, TC(:2), PR(:2)".into(),
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
        Ok((
            Metric {
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
            },
            None,
        ))
    }
}

impl Validator<'_> {
    /// A metric of the Prometheus source: `counter:` or `query:`, a period.
    fn prometheus_metric(&self, key: &str, name: &str, m: &raw::RawMetric) -> Result<Metric> {
        for (k, set) in [
            ("namespace", m.namespace.is_some()),
            ("name", m.name.is_some()),
            ("dimensions", m.dimensions.is_some()),
            ("stat", m.stat.is_some()),
        ] {
            if set {
                return Err(self.err(
                    &format!("{key}.{k}"),
                    format!("`{k}:` belongs to CloudWatch, not to the Prometheus source"),
                    Some("a Prometheus metric is a `counter:` selector or a `query:`".into()),
                ));
            }
        }
        let period = m.period.unwrap_or(60);
        if !(1..=86_400).contains(&period) {
            return Err(self.err(
                &format!("{key}.period"),
                format!("{period} is not a period in seconds from 1 to 86400"),
                None,
            ));
        }
        let text = |k: &str, v: &str| -> Result<String> {
            if v.trim().is_empty() {
                return Err(self.err(&format!("{key}.{k}"), "must not be empty", None));
            }
            Ok(v.trim().to_string())
        };
        let kind = match (&m.counter, &m.query) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &format!("{key}.query"),
                    "a metric has either `counter:` or `query:`, not both",
                    None,
                ))
            }
            (None, None) => {
                return Err(self.err(
                    key,
                    format!("`{name}` has no `counter:` (a series selector) or `query:` (PromQL)"),
                    Some("e.g. counter: 'http_requests_total{job=\"api\"}'".into()),
                ))
            }
            (Some(sel), None) => {
                let selector = text("counter", sel)?;
                if let Err(why) = check_selector(&selector) {
                    return Err(self.err(
                        &format!("{key}.counter"),
                        format!("`{}` is not a series selector: {why}", crate::text::clip(&selector, 80)),
                        Some("a metric name and label matchers, no functions or ranges: http_requests_total{status=~\"5..\"}; use `query:` for PromQL".into()),
                    ));
                }
                PromQuery::Counter { selector, period }
            }
            (None, Some(q)) => PromQuery::Query {
                expr: text("query", q)?,
                period,
            },
        };
        Ok(Metric {
            name: name.to_string(),
            period,
            kind: MetricKind::Prometheus(kind),
            allow_empty: m.allow_empty.unwrap_or(false),
        })
    }
}

/// A Prometheus series selector: an optional metric name
/// (`[a-zA-Z_:][a-zA-Z0-9_:]*`), then optional `{...}` label matchers (quoted
/// values may hold anything); nothing else. Prometheus checks the matchers.
pub fn check_selector(s: &str) -> std::result::Result<(), String> {
    let s = s.trim();
    let name_len = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
        })
        .map_or(s.len(), |(i, _)| i);
    let rest = s[name_len..].trim_start();
    if rest.is_empty() {
        return if name_len == 0 {
            Err("it is empty".into())
        } else {
            Ok(())
        };
    }
    let Some(body) = rest.strip_prefix('{') else {
        return Err(format!(
            "unexpected `{}` after the metric name",
            rest.chars().next().unwrap_or(' ')
        ));
    };
    // The matchers, up to the closing brace outside quotes.
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '}' => {
                let after = body[i + 1..].trim();
                if !after.is_empty() {
                    return Err(format!(
                        "`{}` after the label matchers",
                        crate::text::clip(after, 20)
                    ));
                }
                if name_len == 0 && body[..i].trim().is_empty() {
                    return Err("`{}` selects every series".into());
                }
                return Ok(());
            }
            '(' | ')' | '[' | ']' | '{' => return Err(format!("`{c}` inside the label matchers")),
            _ => {}
        }
    }
    Err("the label matchers are not closed with `}`".into())
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
    fn selectors() {
        for s in [
            "http_requests_total",
            "http_requests_total{job=\"api\",status=~\"5..\"}",
            "{__name__=\"up\"}",
            "a:b_c{le=\"2.0\"}",
            "x{path=\"/a{b}(c)\"}",
        ] {
            assert!(check_selector(s).is_ok(), "{s}");
        }
        for s in [
            "",
            "rate(x[5m])",
            "x[5m]",
            "x{a=\"b\"",
            "x{a=\"b\"} + 1",
            "{}",
            "sum(x)",
        ] {
            assert!(check_selector(s).is_err(), "{s}");
        }
    }

    #[test]
    fn query_ids() {
        assert!(is_query_id("errors_5xx"));
        assert!(!is_query_id("5xx"));
        assert!(!is_query_id("Requests"));
        assert!(!is_query_id("a-b"));
    }
}
