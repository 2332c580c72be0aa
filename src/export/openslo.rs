//! `slo export openslo`: slo.yaml as OpenSLO v1 documents, with CloudWatch
//! metric sources as Nobl9 writes them (`region`, `namespace`, `metricName`,
//! `stat`, `dimensions: [{name, value}]`); `slo import openslo` reads them
//! back to the same SLOs (see `config::openslo`).
//!
//! Written: a `DataSource` (`cloudWatch`), a `Service`, one `SLO` per SLO with
//! its indicator inline, and, when slo.yaml writes its own `alerts:`, one
//! `AlertPolicy` per alert (a `burnrate` condition, `op: gt`, the long window
//! as `lookbackWindow` and the short one in the annotation
//! `slo/short-window`; `notify:`'s SNS topics as notification targets). The
//! SRE Workbook defaults are not written: they scale with each SLO's window,
//! which a fixed policy cannot say, and an import without policies gets them
//! back.
//!
//! What maps:
//! - a ratio SLI whose metrics are CloudWatch queries: `ratioMetric`,
//!   `Occurrences`; `good: A - B, total: A` (the usual expression) is written
//!   `bad: B, total: A`, the same numbers wherever B <= A. A period other
//!   than 60 s is kept in the SLI annotation `slo/period`.
//! - a time slice on a metric (`per_second: false`, `missing: ignore`):
//!   `thresholdMetric`, `Timeslices`, `timeSliceWindow` the period,
//!   `timeSliceTarget: 1` (one point a slice).
//! - a time slice on a ratio with `op: "<="` and `missing: ignore`:
//!   `ratioMetric` with `Timeslices`, `timeSliceTarget = 1 - threshold` (a
//!   slice is good when good / total reaches it).
//! - rolling windows in whole minutes; calendar months (`1M`) and weeks
//!   (`1w`) with their time zone.
//!
//! Everything else (other expressions, Prometheus metrics, `per_second`,
//! `missing: good|bad`, other time-slice operators) is left out with a
//! warning naming the SLO. The metric names of slo.yaml ride along as SLI
//! annotations (`slo/good`, `slo/bad`, `slo/total`, `slo/metric`).

use crate::config::openslo::{METRIC_NAME, SHORT_WINDOW};
use crate::model::{
    BinOp, CalendarUnit, Config, Expr, Metric, MetricKind, Missing, Op, Query, Sli, SliceValue,
    Slo, Window,
};
use num_rational::BigRational;
use num_traits::One;
use std::collections::BTreeSet;
use std::fmt::Write;

/// The name of the DataSource the metric sources refer to.
pub const DATA_SOURCE: &str = "cloudwatch";

/// The documents, and the SLOs left out (name, why).
pub fn documents(cfg: &Config) -> (String, Vec<(String, String)>) {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# OpenSLO v1 documents of {} by slo (slo export openslo); `slo import openslo` reads them back.",
        yaml_str(&cfg.service)
    );
    let region = match &cfg.source {
        crate::model::Source::CloudWatch { region, .. } => region.clone(),
        _ => None,
    };
    let _ = writeln!(
        o,
        "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: {DATA_SOURCE}\nspec:\n  type: cloudWatch\n  connectionDetails: {{{}}}",
        region
            .as_deref()
            .map(|r| format!(" region: {} ", yaml_str(r)))
            .unwrap_or_default()
    );
    let service = label(&cfg.service, &mut BTreeSet::new());
    let _ = write!(
        o,
        "---\napiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {service}\n  displayName: {}\nspec: {{}}\n",
        yaml_str(&cfg.service)
    );
    let mut skipped = Vec::new();
    let policies = if cfg.custom_alerts {
        alert_policies(cfg, &mut o, &mut skipped)
    } else {
        Vec::new()
    };
    let mut taken = BTreeSet::new();
    for slo in &cfg.slos {
        match slo_doc(cfg, slo, &service, region.as_deref(), &policies, &mut taken) {
            Ok(doc) => o.push_str(&doc),
            Err(why) => skipped.push((
                slo.name.clone(),
                format!("is left out of the OpenSLO export: {why}"),
            )),
        }
    }
    (o, skipped)
}

/// One AlertPolicy per alert of slo.yaml; their names.
fn alert_policies(
    cfg: &Config,
    o: &mut String,
    skipped: &mut Vec<(String, String)>,
) -> Vec<String> {
    let mut taken = BTreeSet::new();
    let mut names = Vec::new();
    for a in &cfg.alerts {
        let (Some(long), Some(short)) = (minutes(a.long.secs()), minutes(a.short.secs())) else {
            skipped.push((
                String::new(),
                format!(
                    "the {} alert ({}/{}) is left out of the OpenSLO export: its windows are not whole minutes",
                    a.severity, a.long_text, a.short_text
                ),
            ));
            continue;
        };
        let name = label(&format!("{}-{long}-{short}", a.severity), &mut taken);
        let _ = write!(
            o,
            "---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: {name}\nspec:\n  \
             alertWhenBreaching: true\n  alertWhenResolved: false\n  alertWhenNoData: false\n  \
             conditions:\n    - kind: AlertCondition\n      metadata:\n        name: {name}\n        \
             annotations:\n          {SHORT_WINDOW}: {short}\n      spec:\n        severity: {}\n        \
             condition:\n          kind: burnrate\n          op: gt\n          threshold: {}\n          \
             lookbackWindow: {long}\n          alertAfter: 0m\n",
            yaml_str(&a.severity),
            super::prometheus::decimal(&a.burn_rate.ratio),
        );
        let topics = cfg.notify.get(&a.severity).cloned().unwrap_or_default();
        if topics.is_empty() {
            o.push_str("  notificationTargets: []\n");
        } else {
            o.push_str("  notificationTargets:\n");
            for (i, arn) in topics.iter().enumerate() {
                let _ = write!(
                    o,
                    "    - kind: AlertNotificationTarget\n      metadata:\n        name: {name}-{}\n      spec:\n        target: {}\n",
                    i + 1,
                    yaml_str(arn)
                );
            }
        }
        names.push(name);
    }
    names
}

/// A duration in OpenSLO's units (the largest whole one), if whole minutes.
fn minutes(secs: i64) -> Option<String> {
    if secs <= 0 || secs % 60 != 0 {
        return None;
    }
    let m = secs / 60;
    Some(if m % 10_080 == 0 {
        format!("{}w", m / 10_080)
    } else if m % 1_440 == 0 {
        format!("{}d", m / 1_440)
    } else if m % 60 == 0 {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    })
}

/// A DNS label (RFC 1123: `[a-z0-9-]`, at most 63, alphanumeric at both
/// ends) for `name`, unique among `taken`.
fn label(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut s = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s: String = s.trim_end_matches('-').chars().take(56).collect();
    s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        s = "slo".into();
    }
    let mut cand = s.clone();
    let mut k = 2;
    while taken.contains(&cand) {
        cand = format!("{s}-{k}");
        k += 1;
    }
    taken.insert(cand.clone());
    cand
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The CloudWatch query of metric `name`, or why there is none.
fn query<'a>(cfg: &'a Config, name: &str) -> Result<&'a Query, String> {
    match cfg.metric(name).map(|m| &m.kind) {
        Some(MetricKind::Query(q)) => Ok(q),
        Some(MetricKind::Prometheus(_)) => Err(format!("metric `{name}` is a Prometheus series")),
        Some(MetricKind::Expression { text, .. }) => Err(format!(
            "metric `{name}` is the expression `{text}`, which OpenSLO cannot say"
        )),
        None => Err(format!("no metric `{name}`")),
    }
}

/// A `metricSource` block at `indent` spaces.
fn source(q: &Query, region: Option<&str>, indent: usize) -> String {
    let p = " ".repeat(indent);
    let mut o = format!("{p}metricSource:\n{p}  metricSourceRef: {DATA_SOURCE}\n{p}  type: cloudWatch\n{p}  spec:\n");
    if let Some(r) = region {
        let _ = writeln!(o, "{p}    region: {}", yaml_str(r));
    }
    let _ = writeln!(
        o,
        "{p}    namespace: {}\n{p}    metricName: {}\n{p}    stat: {}",
        yaml_str(&q.namespace),
        yaml_str(&q.name),
        yaml_str(&q.stat)
    );
    if q.dimensions.is_empty() {
        let _ = writeln!(o, "{p}    dimensions: []");
    } else {
        let _ = writeln!(o, "{p}    dimensions:");
        for (k, v) in &q.dimensions {
            let _ = writeln!(
                o,
                "{p}      - name: {}\n{p}        value: {}",
                yaml_str(k),
                yaml_str(v)
            );
        }
    }
    o
}

/// `good: A - B, total: A` as `bad: B`; any other good expression is refused.
fn bad_of_good(cfg: &Config, good: &str, total: &str) -> Result<Option<String>, String> {
    let Some(Metric {
        kind: MetricKind::Expression { expr, text },
        ..
    }) = cfg.metric(good)
    else {
        return Ok(None);
    };
    match expr {
        Expr::Bin(a, BinOp::Sub, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Metric(a), Expr::Metric(b)) if a == total => Ok(Some(b.clone())),
            _ => Err(format!(
                "good is the expression `{text}`; OpenSLO says `{total} - BAD` as bad: BAD, and nothing else"
            )),
        },
        _ => Err(format!(
            "good is the expression `{text}`; OpenSLO says `{total} - BAD` as bad: BAD, and nothing else"
        )),
    }
}

fn slo_doc(
    cfg: &Config,
    slo: &Slo,
    service: &str,
    region: Option<&str>,
    policies: &[String],
    taken: &mut BTreeSet<String>,
) -> Result<String, String> {
    let window = match &slo.window {
        Window::Rolling(d) => {
            // As slo.yaml writes it when OpenSLO has the unit (`7d` stays `7d`).
            let as_written = &slo.window_label;
            let text = if as_written.len() > 1
                && as_written.ends_with(['m', 'h', 'd', 'w'])
                && as_written[..as_written.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            {
                as_written.clone()
            } else {
                minutes(d.secs()).ok_or_else(|| {
                    format!("its window {d} is not whole minutes, OpenSLO's smallest unit")
                })?
            };
            format!("    - duration: {text}\n      isRolling: true\n")
        }
        Window::Calendar { unit, tz } => {
            // 2024-01-01 was a Monday: the start of a month and of a week.
            let duration = match unit {
                CalendarUnit::Month => "1M",
                CalendarUnit::Week => "1w",
            };
            format!(
                "    - duration: {duration}\n      isRolling: false\n      calendar:\n        startTime: \"2024-01-01 00:00:00\"\n        timeZone: {}\n",
                yaml_str(tz.name())
            )
        }
    };
    let mut annotations: Vec<(String, String)> = Vec::new();
    let (method, indicator, slice) = match &slo.sli {
        Sli::Ratio { good, bad, total } => {
            let (role, name) = match (good, bad) {
                (Some(g), _) => match bad_of_good(cfg, g, total)? {
                    Some(b) => ("bad", b),
                    None => ("good", g.clone()),
                },
                (None, Some(b)) => ("bad", b.clone()),
                _ => return Err("its SLI has neither good nor bad".into()),
            };
            let (q, t) = (query(cfg, &name)?, query(cfg, total)?);
            annotations.push((role.into(), name.clone()));
            annotations.push(("total".into(), total.clone()));
            if slo.period != 60 {
                annotations.push(("period".into(), slo.period.to_string()));
            }
            let body = format!(
                "      ratioMetric:\n        counter: false\n        {role}:\n{}        total:\n{}",
                source(q, region, 10),
                source(t, region, 10)
            );
            ("Occurrences", body, None)
        }
        Sli::TimeSlice {
            value,
            op,
            threshold,
            missing,
        } => {
            if *missing != Missing::Ignore {
                return Err(format!(
                    "its time slice counts slices with no value as {} (missing: {}), which OpenSLO cannot say",
                    if *missing == Missing::Good { "good" } else { "bad" },
                    if *missing == Missing::Good { "good" } else { "bad" },
                ));
            }
            let period = minutes(slo.period)
                .ok_or_else(|| format!("its slice of {} s is not whole minutes", slo.period))?;
            match value {
                SliceValue::Metric { metric, per_second } => {
                    if *per_second {
                        return Err(
                            "its time slice is per second (per_second: true), which OpenSLO cannot say".into(),
                        );
                    }
                    let q = query(cfg, metric)?;
                    annotations.push(("metric".into(), metric.clone()));
                    let op = match op {
                        Op::Lt => "lt",
                        Op::Le => "lte",
                        Op::Gt => "gt",
                        Op::Ge => "gte",
                    };
                    let body = format!("      thresholdMetric:\n{}", source(q, region, 8));
                    let slice = format!(
                        "      op: {op}\n      value: {}\n      timeSliceTarget: 1\n      timeSliceWindow: {period}\n",
                        super::prometheus::decimal(&threshold.ratio)
                    );
                    ("Timeslices", body, Some(slice))
                }
                SliceValue::Ratio { bad, total } => {
                    if *op != Op::Le {
                        return Err(format!(
                            "its ratio slice is judged with `{}`; OpenSLO's timeSliceTarget says bad / total <= 1 - target only",
                            op.symbol()
                        ));
                    }
                    let target = BigRational::one() - &threshold.ratio;
                    if target <= BigRational::from_integer(0.into()) || target > BigRational::one()
                    {
                        return Err(format!(
                            "its ratio slice's threshold {} is not in [0, 1)",
                            threshold.text
                        ));
                    }
                    let (q, t) = (query(cfg, bad)?, query(cfg, total)?);
                    annotations.push(("bad".into(), bad.clone()));
                    annotations.push(("total".into(), total.clone()));
                    let body = format!(
                        "      ratioMetric:\n        counter: false\n        bad:\n{}        total:\n{}",
                        source(q, region, 10),
                        source(t, region, 10)
                    );
                    let slice = format!(
                        "      timeSliceTarget: {}\n      timeSliceWindow: {period}\n",
                        super::prometheus::decimal(&target)
                    );
                    ("Timeslices", body, Some(slice))
                }
            }
        }
    };
    let name = label(&slo.name, taken);
    let mut o = format!("---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\n");
    if name != slo.name {
        let _ = writeln!(o, "  displayName: {}", yaml_str(&slo.name));
    }
    o.push_str("spec:\n");
    if let Some(d) = &slo.description {
        let _ = writeln!(o, "  description: {}", yaml_str(d));
    }
    let _ = write!(
        o,
        "  service: {service}\n  indicator:\n    metadata:\n      name: {name}-sli\n      annotations:\n"
    );
    for (role, metric) in &annotations {
        let _ = writeln!(o, "        {METRIC_NAME}{role}: {}", yaml_str(metric));
    }
    let _ = write!(
        o,
        "    spec:\n{indicator}  timeWindow:\n{window}  budgetingMethod: {method}\n  objectives:\n    - target: {}\n",
        super::prometheus::decimal(&slo.objective.ratio)
    );
    if let Some(s) = slice {
        o.push_str(&s);
    }
    if policies.is_empty() {
        o.push_str("  alertPolicies: []\n");
    } else {
        o.push_str("  alertPolicies:\n");
        for p in policies {
            let _ = writeln!(o, "    - alertPolicyRef: {p}");
        }
    }
    Ok(o)
}
