//! `slo export prometheus-rules`: the report's multiwindow burn-rate alerts as
//! a Prometheus rule file (what `promtool check rules` reads).
//!
//! Per SLO and per alert window `L` (the windows exactly as the report
//! computes them: scaled to the SLO's window and rounded up to whole periods,
//! or as slo.yaml writes them), a recording rule `slo:error_ratio:<L>` with
//! the labels `service` and `slo`: the share of bad events (or slices) over
//! `L`. Per alert, an alerting rule `ErrorBudgetBurn` whose expression holds
//! when both windows burn faster than its rate, with the labels `severity`,
//! `long` and `short` (written as in the JSON report) beside `service` and
//! `slo`, and no `for:`. The threshold is compared on the error ratio,
//! `rate · (1 − objective)`, computed exactly and written as a decimal.
//!
//! PromQL for the metrics:
//! - a `counter:` over `L`: `sum(increase(SEL[L]))` (Prometheus' own
//!   increase, extrapolated: the report's sums are exact, the rule's error
//!   ratio differs from it where a window's edges cut between scrapes);
//! - a `query:` over `L`: `sum_over_time((Q)[L:P])`, its points summed;
//! - an `expression:`: the same arithmetic, each operand `(… or vector(0))`
//!   (a missing operand counts 0, as in the report);
//! - a time slice: a recording rule `slo:slice_good` judges each period
//!   (`(V) op bool threshold`, the group evaluated every period `P`, `V` the
//!   value over `P`); the windows read it with `avg_over_time` (or, with
//!   `missing: bad`/`good`, against the `L / P` slices a window holds).
//!
//! SLOs over CloudWatch metrics are left out with a warning naming them.

use crate::compute::window;
use crate::model::{Config, Expr, Metric, MetricKind, Missing, PromQuery, Sli, SliceValue, Slo};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::fmt::Write;

/// Why an SLO cannot be written as PromQL.
type Refusal = String;

/// The rule file, and the SLOs left out (name, why).
pub fn rules(cfg: &Config, t: i64) -> (String, Vec<(String, Refusal)>) {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Burn-rate alerts of {} by slo (slo export prometheus-rules).\n\
         # The alert windows are those of the report; edit slo.yaml, not this file.\ngroups:",
        yaml_str(&cfg.service)
    );
    let mut skipped = Vec::new();
    for slo in &cfg.slos {
        match group(cfg, slo, t) {
            Ok(g) => o.push_str(&g),
            Err(why) => skipped.push((
                slo.name.clone(),
                format!("is left out of the export: {why}"),
            )),
        }
    }
    if skipped.len() == cfg.slos.len() {
        // A file `promtool` reads: no group at all.
        o = o.replace("groups:", "groups: []");
    }
    (o, skipped)
}

fn group(cfg: &Config, slo: &Slo, t: i64) -> Result<String, Refusal> {
    let (_, w) = window::bounds(&slo.window, t);
    let alerts = window::alert_windows(&cfg.alerts, cfg.custom_alerts, w, slo.period);
    let mut windows: Vec<(crate::duration::Dur, String)> = Vec::new();
    for a in &alerts {
        for (d, text) in [(a.long, &a.long_text), (a.short, &a.short_text)] {
            if !windows.iter().any(|(x, _)| *x == d) {
                windows.push((d, text.clone()));
            }
        }
    }
    let labels = format!(
        "{{service={}, slo={}}}",
        prom_str(&cfg.service),
        prom_str(&slo.name)
    );
    let mut o = String::new();
    let _ = writeln!(o, "  - name: {}", yaml_str(&format!("slo-{}", slo.name)));
    if let Some(good) = slice_good(cfg, slo)? {
        // A time slice: judged once a period into a series of 1 (good) and
        // 0 (bad), which the windows then read as raw samples.
        let _ = writeln!(o, "    interval: {}", crate::duration::Dur(slo.period));
        let _ = writeln!(o, "    rules:");
        let _ = writeln!(o, "      - record: slo:slice_good");
        let _ = writeln!(o, "        expr: {}", yaml_str(&good));
        let _ = writeln!(o, "        labels:");
        let _ = writeln!(o, "          service: {}", yaml_str(&cfg.service));
        let _ = writeln!(o, "          slo: {}", yaml_str(&slo.name));
    } else {
        let _ = writeln!(o, "    rules:");
    }
    for (d, text) in &windows {
        let expr = error_ratio(cfg, slo, *d, &labels)?;
        let _ = writeln!(o, "      - record: slo:error_ratio:{text}");
        let _ = writeln!(o, "        expr: {}", yaml_str(&expr));
        let _ = writeln!(o, "        labels:");
        let _ = writeln!(o, "          service: {}", yaml_str(&cfg.service));
        let _ = writeln!(o, "          slo: {}", yaml_str(&slo.name));
    }
    let one_minus_o = BigRational::one() - &slo.objective.ratio;
    for a in &alerts {
        let threshold = decimal(&(&a.burn_rate.ratio * &one_minus_o));
        let expr = format!(
            "slo:error_ratio:{l}{labels} > {threshold} and slo:error_ratio:{s}{labels} > {threshold}",
            l = a.long_text,
            s = a.short_text,
        );
        let _ = writeln!(o, "      - alert: ErrorBudgetBurn");
        let _ = writeln!(o, "        expr: {}", yaml_str(&expr));
        // service and slo also come from the expression; written here too, so
        // that rules of two SLOs with the same windows differ (promtool's lint).
        let _ = writeln!(o, "        labels:");
        let _ = writeln!(o, "          service: {}", yaml_str(&cfg.service));
        let _ = writeln!(o, "          slo: {}", yaml_str(&slo.name));
        let _ = writeln!(o, "          severity: {}", yaml_str(&a.severity));
        let _ = writeln!(o, "          long: {}", yaml_str(&a.long_text));
        let _ = writeln!(o, "          short: {}", yaml_str(&a.short_text));
        let _ = writeln!(o, "        annotations:");
        let _ = writeln!(
            o,
            "          summary: {}",
            yaml_str(&format!(
                "{}: error budget burning faster than {}x over {} and {}",
                slo.name, a.burn_rate.text, a.long_text, a.short_text
            ))
        );
    }
    Ok(o)
}

/// A time slice's judgement of one period, `((V) op bool threshold)`: 1
/// good, 0 bad, no sample without a value. `None` for a ratio SLI.
fn slice_good(cfg: &Config, slo: &Slo) -> Result<Option<String>, Refusal> {
    let Sli::TimeSlice {
        value,
        op,
        threshold,
        ..
    } = &slo.sli
    else {
        return Ok(None);
    };
    let p = slo.period;
    let v = match value {
        SliceValue::Metric { metric, per_second } => {
            let m = per_period(cfg, &metric_expr(cfg, metric)?, p)?;
            if *per_second {
                format!("({m}) / {p}")
            } else {
                m
            }
        }
        // A missing bad is 0; no total (or 0) is no value.
        SliceValue::Ratio { bad, total } => format!(
            "(({}) or vector(0)) / (({}) > 0)",
            per_period(cfg, &metric_expr(cfg, bad)?, p)?,
            per_period(cfg, &metric_expr(cfg, total)?, p)?
        ),
    };
    Ok(Some(format!(
        "({v}) {} bool {}",
        op.symbol(),
        threshold.text
    )))
}

/// The share of bad events or slices over the last `d`, as PromQL.
fn error_ratio(
    cfg: &Config,
    slo: &Slo,
    d: crate::duration::Dur,
    labels: &str,
) -> Result<String, Refusal> {
    let l = d.to_string();
    match &slo.sli {
        Sli::Ratio { good, bad, total } => {
            let total = sum_over(cfg, &metric_expr(cfg, total)?, &l)?;
            Ok(match (good, bad) {
                (Some(g), _) => format!(
                    "1 - ({}) / ({total})",
                    sum_over(cfg, &metric_expr(cfg, g)?, &l)?
                ),
                (None, Some(b)) => format!(
                    "({}) / ({total})",
                    sum_over(cfg, &metric_expr(cfg, b)?, &l)?
                ),
                (None, None) => return Err("its SLI has neither good nor bad".into()),
            })
        }
        Sli::TimeSlice { missing, .. } => {
            let x = format!("slo:slice_good{labels}[{l}]");
            let slots = d.secs() / slo.period;
            Ok(match missing {
                Missing::Ignore => format!("1 - avg_over_time({x})"),
                Missing::Bad => format!("1 - sum_over_time({x}) / {slots}"),
                Missing::Good => {
                    format!("(count_over_time({x}) - sum_over_time({x})) / {slots}")
                }
            })
        }
    }
}

/// A metric's expression tree, resolved to Prometheus metrics.
fn metric_expr(cfg: &Config, name: &str) -> Result<Expr, Refusal> {
    let m = find(cfg, name)?;
    match &m.kind {
        MetricKind::Expression { expr, .. } => Ok(expr.clone()),
        MetricKind::Prometheus(_) => Ok(Expr::Metric(name.to_string())),
        MetricKind::Query(_) => Err(format!(
            "metric `{name}` is a CloudWatch metric, which a Prometheus rule cannot read"
        )),
    }
}

fn find<'a>(cfg: &'a Config, name: &str) -> Result<&'a Metric, Refusal> {
    cfg.metrics
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| format!("metric `{name}` is not defined"))
}

/// `e` summed over the window `l`: each Prometheus operand becomes its sum
/// over `l`, missing operands 0.
fn sum_over(cfg: &Config, e: &Expr, l: &str) -> Result<String, Refusal> {
    render(cfg, e, true, &|q| match q {
        PromQuery::Counter { selector, .. } => format!("sum(increase({selector}[{l}]))"),
        PromQuery::Query { expr, period } => format!(
            "sum(sum_over_time(({expr})[{l}:{}]))",
            crate::duration::Dur(*period)
        ),
    })
}

/// `e`'s value over one period `p` (a time slice's value): a period without
/// a point stays without a value (the `missing:` policy judges it).
fn per_period(cfg: &Config, e: &Expr, p: i64) -> Result<String, Refusal> {
    let step = crate::duration::Dur(p).to_string();
    render(cfg, e, false, &|q| match q {
        PromQuery::Counter { selector, .. } => format!("sum(increase({selector}[{step}]))"),
        PromQuery::Query { expr, .. } => format!("sum({expr})"),
    })
}

/// `e` as PromQL, `leaf` writing each Prometheus metric; with `fill`, a
/// missing operand counts 0 (`or vector(0)`).
fn render(
    cfg: &Config,
    e: &Expr,
    fill: bool,
    leaf: &dyn Fn(&PromQuery) -> String,
) -> Result<String, Refusal> {
    Ok(match e {
        Expr::Num(v) => format!("{v}"),
        Expr::Metric(name) => {
            let m = find(cfg, name)?;
            match &m.kind {
                MetricKind::Prometheus(q) if fill => format!("({} or vector(0))", leaf(q)),
                MetricKind::Prometheus(q) => format!("({})", leaf(q)),
                MetricKind::Expression { expr, .. } => {
                    format!("({})", render(cfg, expr, fill, leaf)?)
                }
                MetricKind::Query(_) => {
                    return Err(format!(
                    "metric `{name}` is a CloudWatch metric, which a Prometheus rule cannot read"
                ))
                }
            }
        }
        Expr::Neg(a) => format!("-({})", render(cfg, a, fill, leaf)?),
        Expr::Bin(a, op, b) => {
            let sym = op.symbol();
            format!(
                "({} {sym} {})",
                render(cfg, a, fill, leaf)?,
                render(cfg, b, fill, leaf)?
            )
        }
    })
}

/// A rational with a terminating decimal expansion, exactly: `0.0144`.
pub fn decimal(x: &BigRational) -> String {
    let neg = x.is_negative();
    let x = x.abs();
    let (mut num, den) = (x.numer().clone(), x.denom().clone());
    let int = &num / &den;
    num -= &int * &den;
    let mut out = format!("{}{int}", if neg { "-" } else { "" });
    if !num.is_zero() {
        out.push('.');
        let ten = BigInt::from(10);
        for _ in 0..60 {
            if num.is_zero() {
                break;
            }
            num *= &ten;
            let digit = &num / &den;
            num -= &digit * &den;
            out.push_str(&digit.to_string());
        }
    }
    out
}

/// A PromQL string literal.
fn prom_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A YAML scalar that stays a string whatever it holds (double-quoted JSON
/// escapes are valid YAML).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let r = |a: i64, b: i64| BigRational::new(a.into(), b.into());
        assert_eq!(
            decimal(&(r(144, 10) * (BigRational::one() - r(999, 1000)))),
            "0.0144"
        );
        assert_eq!(decimal(&r(6, 1)), "6");
        assert_eq!(decimal(&r(-1, 8)), "-0.125");
    }
}
