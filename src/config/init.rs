//! The slo.yaml that `slo init` writes: a commented template, or the seed's
//! four SLOs (availability, latency, throughput, error rate) over the
//! CloudWatch metrics of one load balancer, target group or REST API.
//! Whatever is written parses: [`render`] checks it with the same parser
//! every command uses.

use crate::source::cloudwatch::discover::{Found, Resource};
use std::collections::BTreeMap;

/// What slo.yaml is written for.
pub enum Start<'a> {
    /// A template reading files, every key explained.
    Template,
    /// A resource found in CloudWatch.
    Resource {
        kind: Resource,
        found: &'a Found,
        profile: Option<&'a str>,
        endpoint_url: Option<&'a str>,
    },
}

/// The text of slo.yaml for `service`, and what the user should know about
/// it (metrics CloudWatch does not list yet, SLOs left out).
pub fn render(service: &str, start: &Start, today: &str) -> Result<(String, Vec<String>), String> {
    let (text, notes) = match start {
        Start::Template => (template(service), Vec::new()),
        Start::Resource {
            kind,
            found,
            profile,
            endpoint_url,
        } => for_resource(service, *kind, found, *profile, *endpoint_url, today)?,
    };
    // Never write what slo itself would refuse.
    super::parse(std::path::Path::new("slo.yaml"), &text)
        .map_err(|e| format!("the slo.yaml written for you does not parse (a bug): {e}"))?;
    Ok((text, notes))
}

/// `"text"` as a YAML string: plain words stay plain, anything else quoted.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
        && !s.starts_with(['-', '.'])
        && s.parse::<f64>().is_err()
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("'{}'", s.replace('\'', "''")))
    }
}

fn dims(d: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = d
        .iter()
        .map(|(k, v)| format!("{}: {}", yaml_str(k), yaml_str(v)))
        .collect();
    format!("{{ {} }}", inner.join(", "))
}

/// The CloudWatch metric names of a resource kind: requests, 5XX errors,
/// latency, and the latency a request must not exceed, in its unit.
struct Names {
    requests: &'static str,
    errors: &'static str,
    latency: &'static str,
    fast: &'static str,
    latency_unit: &'static str,
}

fn names(kind: Resource) -> Names {
    match kind {
        Resource::Alb | Resource::TargetGroup => Names {
            requests: "RequestCount",
            errors: "HTTPCode_Target_5XX_Count",
            latency: "TargetResponseTime",
            fast: "TC(:2)",
            latency_unit: "seconds",
        },
        Resource::ApiGateway => Names {
            requests: "Count",
            errors: "5XXError",
            latency: "Latency",
            fast: "TC(:2000)",
            latency_unit: "milliseconds",
        },
    }
}

fn for_resource(
    service: &str,
    kind: Resource,
    found: &Found,
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    today: &str,
) -> Result<(String, Vec<String>), String> {
    let n = names(kind);
    let has = |m: &str| found.metrics.contains(m);
    if !has(n.requests) {
        return Err(format!(
            "CloudWatch lists no {} for {}: slo init needs it for every SLO it writes \
             (it lists {})",
            n.requests,
            dims(&found.dimensions),
            found.metrics.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut notes = Vec::new();
    let d = dims(&found.dimensions);
    let ns = kind.namespace();
    let what = found
        .dimensions
        .get(kind.dimension())
        .map_or(String::new(), |v| v.clone());
    let mut o = String::new();
    o.push_str(&format!(
        "# The SLOs of {service}, written by `slo init {} {what}` on {today} from the\n\
         # CloudWatch metrics of {ns} {} = {what} (region {}). They are the usual\n\
         # four: availability, latency, throughput and error rate; change the\n\
         # objectives and thresholds to what the service promises.\n",
        kind.flag(),
        kind.dimension(),
        found.region
    ));
    o.push_str(&format!(
        "#\n# Next: `slo validate`, then `slo report` (or `slo check` in CI).\nversion: 1\nservice: {}\n\n",
        yaml_str(service)
    ));
    o.push_str("source:\n  type: cloudwatch\n");
    o.push_str(&format!("  region: {}\n", yaml_str(&found.region)));
    if let Some(p) = profile {
        o.push_str(&format!("  profile: {}\n", yaml_str(p)));
    }
    if let Some(u) = endpoint_url {
        o.push_str(&format!("  endpoint_url: {}\n", yaml_str(u)));
    }
    o.push_str("\nmetrics:\n");
    o.push_str(&format!(
        "  requests:\n    namespace: {ns}\n    name: {}\n    dimensions: {d}\n    stat: Sum\n    period: 60\n",
        n.requests
    ));
    o.push_str(&format!(
        "  errors_5xx:\n    namespace: {ns}\n    name: {}\n    dimensions: {d}\n    stat: Sum\n    period: 60\n",
        yaml_str(n.errors)
    ));
    if !has(n.errors) {
        o.push_str(
            "    # CloudWatch lists no such metric yet: no 5XX in the last two weeks.\n    allow_empty: true\n",
        );
        notes.push(format!(
            "CloudWatch lists no {} yet (no 5XX in the last two weeks): errors_5xx may be empty (allow_empty: true)",
            n.errors
        ));
    }
    let latency = has(n.latency);
    if latency {
        o.push_str(&format!(
            "  # Requests answered within 2 s: the trimmed count of {} ({}) up to 2 s.\n",
            n.latency, n.latency_unit
        ));
        o.push_str(&format!(
            "  fast_requests:\n    namespace: {ns}\n    name: {}\n    dimensions: {d}\n    stat: \"{}\"\n    period: 60\n",
            n.latency, n.fast
        ));
        o.push_str(&format!(
            "  latency_samples:\n    namespace: {ns}\n    name: {}\n    dimensions: {d}\n    stat: SampleCount\n    period: 60\n",
            n.latency
        ));
    } else {
        notes.push(format!(
            "CloudWatch lists no {} for it: the latency SLO is left out",
            n.latency
        ));
    }
    o.push_str("\nslos:\n");
    o.push_str(
        "  - name: availability\n    description: Requests that did not end in a 5XX.\n    objective: 99.9%\n    window: 30d\n    sli:\n      bad: errors_5xx\n      total: requests\n\n",
    );
    if latency {
        o.push_str(
            "  # \"p95 latency < 2 s\" read exactly: at least 95 % of requests within 2 s.\n  - name: latency\n    description: Requests answered within 2 s.\n    objective: 95%\n    window: 7d\n    sli:\n      good: fast_requests\n      total: latency_samples\n\n",
        );
    } else {
        o.push_str(&format!(
            "  # latency: CloudWatch lists no {} for this resource yet.\n\n",
            n.latency
        ));
    }
    o.push_str(
        "  # A minute is good when it served more than 100 requests per second:\n  # set the threshold to the traffic the service must carry.\n  - name: throughput\n    description: Minutes that served more than 100 requests per second.\n    objective: 99%\n    window: 1d\n    sli:\n      timeslice:\n        metric: requests\n        per_second: true\n        op: \">\"\n        threshold: 100\n        missing: bad\n\n",
    );
    o.push_str(
        "  - name: error-rate\n    description: 5XX responses below 1 % of requests over the day.\n    objective: 99%\n    window: 1d\n    sli:\n      bad: errors_5xx\n      total: requests\n",
    );
    Ok((o, notes))
}

fn template(service: &str) -> String {
    format!(
        r#"# slo.yaml: the SLOs of one service. Every key is in the README ("slo.yaml").
# `slo init --alb NAME` (or --target-group, --api-gateway) writes this file from
# a resource's CloudWatch metrics instead.
version: 1
service: {service}

# Where the series come from. `files` reads what `aws cloudwatch get-metric-data`
# prints (*.json), CSV or Parquet with columns timestamp, metric, value:
source:
  type: files
  path: data
# CloudWatch itself (credentials and region the AWS way, or set here):
# source:
#   type: cloudwatch
#   region: eu-west-1
#   profile: prod
# Prometheus (counter: and query: metrics instead of namespace/name/stat):
# source:
#   type: prometheus
#   url: http://127.0.0.1:9090

metrics:
  # A metric's name here is its query id (a lowercase letter, then letters,
  # digits, _). A CloudWatch metric: namespace, name, dimensions, stat, period.
  requests:
    namespace: AWS/ApplicationELB
    name: RequestCount
    dimensions: {{ LoadBalancer: app/my-alb/0123456789abcdef }}
    stat: Sum
    period: 60
  errors_5xx:
    namespace: AWS/ApplicationELB
    name: HTTPCode_Target_5XX_Count
    dimensions: {{ LoadBalancer: app/my-alb/0123456789abcdef }}
    stat: Sum
    period: 60
    # CloudWatch publishes no datapoint in a minute without a 5XX.
    allow_empty: true
  # Metric math, computed by slo for every source:
  good_requests:
    expression: requests - errors_5xx

slos:
  - name: availability
    description: Requests that did not end in a 5XX.
    objective: 99.9%          # or 0.999
    window: 30d               # rolling; or `calendar: month` (or week), with `timezone:`
    sli:
      good: good_requests     # or `bad: errors_5xx`
      total: requests

  # A time-slice SLO judges every period on its own.
  - name: throughput
    objective: 99%
    window: 1d
    sli:
      timeslice:
        metric: requests
        per_second: true
        op: ">"               # < <= > >=
        threshold: 100
        missing: bad          # ignore | good | bad

# Optional: the multiwindow burn-rate alerts (default: the SRE Workbook's,
# scaled to each window), and the share of budget left below which an SLO
# is a warning.
# alerts:
#   - {{ severity: page, long: 1h, short: 5m, burn_rate: 14.4 }}
# warning_below: 50%
"#,
        service = yaml_str(service)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(metrics: &[&str]) -> Found {
        Found {
            dimensions: [("LoadBalancer".to_string(), "app/shop/1f2e".to_string())].into(),
            metrics: metrics.iter().map(|m| m.to_string()).collect(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn the_template_and_every_resource_parse() {
        let (t, notes) = render("my-service", &Start::Template, "2026-12-07").unwrap();
        assert!(notes.is_empty() && t.contains("service: my-service"));
        let all = found(&[
            "RequestCount",
            "HTTPCode_Target_5XX_Count",
            "TargetResponseTime",
        ]);
        let start = Start::Resource {
            kind: Resource::Alb,
            found: &all,
            profile: Some("prod"),
            endpoint_url: None,
        };
        let (text, notes) = render("shop", &start, "2026-12-07").unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let cfg = crate::config::parse(std::path::Path::new("slo.yaml"), &text).unwrap();
        let names: Vec<&str> = cfg.slos.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["availability", "latency", "throughput", "error-rate"]
        );
        assert!(
            text.contains("dimensions: { LoadBalancer: app/shop/1f2e }"),
            "{text}"
        );
        assert!(text.contains("stat: \"TC(:2)\"") && text.contains("profile: prod"));
        // Only requests: no latency SLO, an errors metric that may be empty.
        let few = found(&["RequestCount"]);
        let start = Start::Resource {
            kind: Resource::Alb,
            found: &few,
            profile: None,
            endpoint_url: None,
        };
        let (text, notes) = render("odd name: yes", &start, "2026-12-07").unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        let cfg = crate::config::parse(std::path::Path::new("slo.yaml"), &text).unwrap();
        assert_eq!(cfg.service, "odd name: yes");
        assert_eq!(cfg.slos.len(), 3);
        assert!(text.contains("allow_empty: true"));
        // No requests at all: nothing to write.
        let none = found(&["HealthyHostCount"]);
        let start = Start::Resource {
            kind: Resource::Alb,
            found: &none,
            profile: None,
            endpoint_url: None,
        };
        assert!(render("x", &start, "2026-12-07")
            .unwrap_err()
            .contains("HealthyHostCount"));
    }

    #[test]
    fn api_gateway_latency_is_in_milliseconds() {
        let f = Found {
            dimensions: [("ApiName".to_string(), "orders".to_string())].into(),
            metrics: ["Count", "5XXError", "Latency"]
                .iter()
                .map(|m| m.to_string())
                .collect(),
            region: "us-east-1".into(),
        };
        let start = Start::Resource {
            kind: Resource::ApiGateway,
            found: &f,
            profile: None,
            endpoint_url: Some("http://127.0.0.1:4566"),
        };
        let (text, _) = render("orders", &start, "2026-12-07").unwrap();
        assert!(
            text.contains("stat: \"TC(:2000)\"") && text.contains("name: 5XXError"),
            "{text}"
        );
        crate::config::parse(std::path::Path::new("slo.yaml"), &text).unwrap();
    }
}
