//! What `slo init` asks CloudWatch: which metrics a resource has
//! (ListMetrics), to write slo.yaml for them.

use super::client::{connect, Settings};
use crate::error::{Error, Result};
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::types::DimensionFilter;
use std::collections::{BTreeMap, BTreeSet};

/// A kind of resource `slo init` knows, and how CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// An Application Load Balancer (`LoadBalancer: app/NAME/ID`).
    Alb,
    /// An ALB target group (`TargetGroup: targetgroup/NAME/ID`, with its `LoadBalancer`).
    TargetGroup,
    /// An API Gateway REST API (`ApiName: NAME`).
    ApiGateway,
}

impl Resource {
    pub fn namespace(self) -> &'static str {
        match self {
            Resource::Alb | Resource::TargetGroup => "AWS/ApplicationELB",
            Resource::ApiGateway => "AWS/ApiGateway",
        }
    }

    /// The dimension that names the resource.
    pub fn dimension(self) -> &'static str {
        match self {
            Resource::Alb => "LoadBalancer",
            Resource::TargetGroup => "TargetGroup",
            Resource::ApiGateway => "ApiName",
        }
    }

    /// The flag that asks for it, for messages.
    pub fn flag(self) -> &'static str {
        match self {
            Resource::Alb => "--alb",
            Resource::TargetGroup => "--target-group",
            Resource::ApiGateway => "--api-gateway",
        }
    }

    /// Whether the dimension value `value` is the resource called `name`:
    /// the value itself, or (for ALBs and target groups) its name part
    /// (`app/NAME/ID`, `targetgroup/NAME/ID`).
    pub fn matches(self, value: &str, name: &str) -> bool {
        value == name
            || match self {
                Resource::Alb | Resource::TargetGroup => {
                    value.split('/').nth(1).is_some_and(|n| n == name)
                }
                Resource::ApiGateway => false,
            }
    }
}

/// The resource found: its dimensions (the name's and, for a target group,
/// its load balancer's) and the names of its metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub dimensions: BTreeMap<String, String>,
    pub metrics: BTreeSet<String>,
    pub region: String,
}

/// Lists the metrics of the resource `name` of kind `kind`: exactly one
/// resource must match (else a data error that names the candidates).
pub fn discover(settings: &Settings, kind: Resource, name: &str) -> Result<Found> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::data(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let conn = connect(settings).await?;
        // Every metric of the namespace with the resource's dimension; the
        // dimension sets are grouped, and only those whose value names the
        // resource (and no other dimension than the resource's own) kept.
        let mut sets: BTreeMap<BTreeMap<String, String>, BTreeSet<String>> = BTreeMap::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut pages = conn
            .client
            .list_metrics()
            .namespace(kind.namespace())
            .dimensions(DimensionFilter::builder().name(kind.dimension()).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                let why = match e.as_service_error() {
                    Some(se) => format!(
                        "{}: {}",
                        se.code().unwrap_or("error"),
                        se.message().unwrap_or("(no message)")
                    ),
                    None => super::client::chain(&e),
                };
                Error::data(format!(
                    "CloudWatch ({}): ListMetrics in {} failed: {why}",
                    conn.target,
                    kind.namespace()
                ))
            })?;
            for m in page.metrics() {
                let dims: BTreeMap<String, String> = m
                    .dimensions()
                    .iter()
                    .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                    .collect();
                let Some(value) = dims.get(kind.dimension()) else {
                    continue;
                };
                seen.insert(value.clone());
                let own: &[&str] = match kind {
                    Resource::TargetGroup => &["TargetGroup", "LoadBalancer"],
                    _ => &[kind.dimension()],
                };
                if !kind.matches(value, name) || dims.keys().any(|k| !own.contains(&k.as_str())) {
                    continue;
                }
                if kind == Resource::TargetGroup && !dims.contains_key("LoadBalancer") {
                    continue;
                }
                if let Some(metric) = m.metric_name() {
                    sets.entry(dims).or_default().insert(metric.to_string());
                }
            }
        }
        let mut found: Vec<(BTreeMap<String, String>, BTreeSet<String>)> =
            sets.into_iter().collect();
        match found.len() {
            1 => {
                let (dimensions, metrics) = found.remove(0);
                Ok(Found {
                    dimensions,
                    metrics,
                    region: conn.region.clone(),
                })
            }
            0 => {
                let known: Vec<String> = seen.iter().take(20).map(|v| format!("`{v}`")).collect();
                let err = Error::data(format!(
                    "CloudWatch ({}): no metric of {} has {} `{name}` (CloudWatch lists the \
                     metrics that had data in the last two weeks)",
                    conn.target,
                    kind.namespace(),
                    kind.dimension()
                ));
                Err(if known.is_empty() {
                    err.hint(format!(
                        "no {} at all in this region and account: check --region and --profile",
                        kind.dimension()
                    ))
                } else {
                    err.hint(format!(
                        "the {} values there: {}{}",
                        kind.dimension(),
                        known.join(", "),
                        if seen.len() > 20 { ", ..." } else { "" }
                    ))
                })
            }
            _ => {
                let which: Vec<String> = found
                    .iter()
                    .map(|(d, _)| {
                        d.iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                Err(Error::usage(format!(
                    "{} `{name}` names {} resources: {}",
                    kind.flag(),
                    which.len(),
                    which.join("; ")
                ))
                .hint(format!(
                    "pass the full {} value, e.g. {} {}",
                    kind.dimension(),
                    kind.flag(),
                    found[0].0.get(kind.dimension()).map_or("", |v| v.as_str())
                )))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_their_dimension_values() {
        assert!(Resource::Alb.matches("app/wwhd-alb/50dc6c495c0c9188", "wwhd-alb"));
        assert!(Resource::Alb.matches(
            "app/wwhd-alb/50dc6c495c0c9188",
            "app/wwhd-alb/50dc6c495c0c9188"
        ));
        assert!(!Resource::Alb.matches("app/wwhd-alb-2/1", "wwhd-alb"));
        assert!(Resource::TargetGroup.matches("targetgroup/api/7d2", "api"));
        assert!(Resource::ApiGateway.matches("orders", "orders"));
        assert!(!Resource::ApiGateway.matches("orders-v2", "orders"));
    }
}
