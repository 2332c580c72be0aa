//! `slo export cloudformation`: the report's burn-rate alerts as CloudWatch
//! alarms, in a CloudFormation template (JSON).
//!
//! Per SLO and alert tier: two metric-math alarms, one per window, whose
//! `Period` is the window (the CloudWatch metrics of the SLI with `Stat` as
//! slo.yaml writes it, slo.yaml's expressions with every operand
//! `FILL(m, 0)`, and the error ratio as the one query with `ReturnData`),
//! `GreaterThanThreshold` on `rate · (1 − objective)` written exactly,
//! `EvaluationPeriods: 1`, `TreatMissingData: notBreaching` (a quiet window
//! burns nothing; sparse 5XX counts are filled with 0); and an
//! `AWS::CloudWatch::CompositeAlarm` that is in ALARM when both are, with
//! `AlarmActions` from slo.yaml's `notify:` for its severity, and suppressed
//! (`ActionsSuppressor`) while the tier with the next higher burn rate fires.
//!
//! CloudWatch's limits decide what can be written: an alarm's period is at
//! most one day and 10, 30 or a multiple of 60 seconds, so a tier with a
//! longer window (the SRE Workbook's 3-day ticket) is left out with a
//! warning; at most 10 metrics and 10 expressions an alarm; time-slice SLIs
//! and Prometheus metrics are left out with a warning naming the SLO.
//!
//! CloudWatch aligns an alarm's periods to the clock, so an alarm's window
//! equals the report's `[T - L, T)` at times T on a multiple of L.

use crate::compute::window;
use crate::model::{Config, Expr, Metric, MetricKind, Sli, Slo};
use num_rational::BigRational;
use num_traits::One;
use serde_json::{json, Map, Value};

/// The longest alarm period CloudWatch takes.
pub const MAX_PERIOD: i64 = 86_400;
/// At most this many metrics, and this many expressions, in one alarm.
pub const MAX_QUERIES: usize = 10;

/// The template, and what was left out (the SLO's name, why).
pub fn template(cfg: &Config, t: i64) -> (String, Vec<(String, String)>) {
    let mut resources = Map::new();
    let mut skipped = Vec::new();
    for slo in &cfg.slos {
        match slo_alarms(cfg, slo, t, &mut skipped) {
            Ok(r) => resources.extend(r),
            Err(why) => skipped.push((
                slo.name.clone(),
                format!("is left out of the export: {why}"),
            )),
        }
    }
    let doc = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "Burn-rate alarms of {} by slo (slo export cloudformation); edit slo.yaml, not this file.",
            cfg.service
        ),
        "Resources": Value::Object(resources),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    (text, skipped)
}

/// A CloudFormation logical id: letters and digits.
fn logical(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|p| {
            let mut up = true;
            p.chars()
                .filter_map(move |c| {
                    if c.is_ascii_alphanumeric() {
                        let c = if up { c.to_ascii_uppercase() } else { c };
                        up = false;
                        Some(c)
                    } else {
                        up = true;
                        None
                    }
                })
                .collect::<Vec<_>>()
        })
        .take(255)
        .collect()
}

fn slo_alarms(
    cfg: &Config,
    slo: &Slo,
    t: i64,
    skipped: &mut Vec<(String, String)>,
) -> Result<Map<String, Value>, String> {
    let Sli::Ratio { good, bad, total } = &slo.sli else {
        return Err(
            "a time-slice SLI has no CloudWatch alarm that counts its slices exactly".into(),
        );
    };
    let (_, w) = window::bounds(&slo.window, t);
    let mut alerts = window::alert_windows(&cfg.alerts, cfg.custom_alerts, w, slo.period);
    // Highest burn rate first: each tier is suppressed by the one above it.
    alerts.sort_by(|a, b| b.burn_rate.ratio.cmp(&a.burn_rate.ratio));
    let one_minus_o = BigRational::one() - &slo.objective.ratio;
    let mut out = Map::new();
    let mut above: Option<String> = None;
    for a in &alerts {
        let too_long = [a.long, a.short].into_iter().find(|d| {
            d.secs() > MAX_PERIOD || !(matches!(d.secs(), 10 | 30) || d.secs() % 60 == 0)
        });
        if let Some(d) = too_long {
            skipped.push((
                slo.name.clone(),
                format!(
                    "has its {} alert ({}/{}) left out of the export: a CloudWatch alarm's period \
                     is at most 1 day, 10 s, 30 s or whole minutes, and {d} is not",
                    a.severity, a.long_text, a.short_text
                ),
            ));
            continue;
        }
        let threshold: f64 = super::prometheus::decimal(&(&a.burn_rate.ratio * &one_minus_o))
            .parse()
            .unwrap_or(f64::NAN);
        let tier = logical(&[&slo.name, &a.severity, &a.long_text, &a.short_text]);
        let mut children = Vec::new();
        for (which, d, text) in [
            ("Long", a.long, &a.long_text),
            ("Short", a.short, &a.short_text),
        ] {
            let metrics = queries(cfg, good.as_deref(), bad.as_deref(), total, d.secs())?;
            let id = format!("{tier}{which}");
            out.insert(
                id.clone(),
                json!({
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "AlarmDescription": format!(
                            "{} {}: error ratio over {text} above {} ({}x the budget of {}); part of {tier}",
                            cfg.service, slo.name, threshold, a.burn_rate.text, slo.objective.text
                        ),
                        "ComparisonOperator": "GreaterThanThreshold",
                        "EvaluationPeriods": 1,
                        "DatapointsToAlarm": 1,
                        "Threshold": threshold,
                        "TreatMissingData": "notBreaching",
                        "Metrics": metrics,
                    }
                }),
            );
            children.push(id);
        }
        let name = format!(
            "{}-{}-{}-{}-{}",
            cfg.service, slo.name, a.severity, a.long_text, a.short_text
        );
        let mut props = json!({
            "AlarmName": crate::text::clip(&name, 255),
            "AlarmDescription": format!(
                "{} {}: the error budget burns faster than {}x over {} and {} ({})",
                cfg.service, slo.name, a.burn_rate.text, a.long_text, a.short_text, a.severity
            ),
            "AlarmRule": { "Fn::Sub": format!(
                "ALARM(\"${{{}.Arn}}\") AND ALARM(\"${{{}.Arn}}\")",
                children[0], children[1]
            )},
            "ActionsEnabled": true,
        });
        if let Some(arns) = cfg.notify.get(&a.severity) {
            props["AlarmActions"] = json!(arns);
        }
        if let Some(up) = &above {
            props["ActionsSuppressor"] = json!({ "Fn::GetAtt": [up, "Arn"] });
            props["ActionsSuppressorWaitPeriod"] = json!(120);
            props["ActionsSuppressorExtensionPeriod"] = json!(1800);
        }
        out.insert(
            tier.clone(),
            json!({ "Type": "AWS::CloudWatch::CompositeAlarm", "Properties": props }),
        );
        above = Some(tier);
    }
    Ok(out)
}

/// The alarm's queries: every CloudWatch metric the SLI reads at `period`,
/// its expressions, and the error ratio (`ReturnData`).
fn queries(
    cfg: &Config,
    good: Option<&str>,
    bad: Option<&str>,
    total: &str,
    period: i64,
) -> Result<Vec<Value>, String> {
    let inputs: Vec<&str> = [good, bad, Some(total)].into_iter().flatten().collect();
    let mut stats = Vec::new();
    let mut exprs = Vec::new();
    // Expressions first seen last: operands before the expressions that read them.
    let mut order: Vec<&Metric> = Vec::new();
    fn visit<'a>(cfg: &'a Config, name: &str, order: &mut Vec<&'a Metric>) -> Result<(), String> {
        let m = cfg
            .metrics
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| format!("metric `{name}` is not defined"))?;
        if order.iter().any(|o| o.name == m.name) {
            return Ok(());
        }
        if let MetricKind::Expression { expr, .. } = &m.kind {
            for op in expr.operands() {
                visit(cfg, &op, order)?;
            }
        }
        order.push(m);
        Ok(())
    }
    for i in &inputs {
        visit(cfg, i, &mut order)?;
    }
    for m in order {
        match &m.kind {
            MetricKind::Query(q) => stats.push(json!({
                "Id": m.name,
                "ReturnData": false,
                "MetricStat": {
                    "Metric": {
                        "Namespace": q.namespace,
                        "MetricName": q.name,
                        "Dimensions": q.dimensions.iter()
                            .map(|(k, v)| json!({ "Name": k, "Value": v }))
                            .collect::<Vec<_>>(),
                    },
                    "Period": period,
                    "Stat": q.stat,
                },
            })),
            MetricKind::Expression { expr, .. } => exprs.push(json!({
                "Id": m.name,
                "ReturnData": false,
                "Expression": render(expr),
            })),
            MetricKind::Prometheus(_) => {
                return Err(format!(
                    "metric `{}` is a Prometheus metric, which a CloudWatch alarm cannot read",
                    m.name
                ))
            }
        }
    }
    let fill = |n: &str| format!("FILL({n}, 0)");
    let ratio = match (good, bad) {
        (Some(g), _) => format!("1 - {} / {total}", fill(g)),
        (None, Some(b)) => format!("{} / {total}", fill(b)),
        (None, None) => return Err("its SLI has neither good nor bad".into()),
    };
    exprs.push(json!({
        "Id": "error_ratio",
        "Label": "error ratio",
        "ReturnData": true,
        "Expression": ratio,
    }));
    if stats.len() > MAX_QUERIES || exprs.len() > MAX_QUERIES {
        return Err(format!(
            "an alarm would need {} metrics and {} expressions (CloudWatch allows {MAX_QUERIES} each)",
            stats.len(),
            exprs.len()
        ));
    }
    stats.extend(exprs);
    Ok(stats)
}

/// A slo.yaml expression as CloudWatch metric math, a missing operand 0.
fn render(e: &Expr) -> String {
    match e {
        Expr::Num(v) => format!("{v}"),
        Expr::Metric(m) => format!("FILL({m}, 0)"),
        Expr::Neg(a) => format!("-({})", render(a)),
        Expr::Bin(a, op, b) => {
            let sym = op.symbol();
            format!("({} {sym} {})", render(a), render(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids() {
        assert_eq!(
            logical(&["latency-p95", "page", "1h", "5m"]),
            "LatencyP95Page1h5m"
        );
    }
}
