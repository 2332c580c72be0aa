//! The CloudWatch client, set up the AWS way, and one GetMetricData call with
//! its pages.
//!
//! Configuration comes from `aws_config::defaults(BehaviorVersion::latest())`:
//! the usual environment (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
//! `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, ...) and `~/.aws/config` apply, and
//! slo.yaml's `region`, `profile` and `endpoint_url` override them. Retries are
//! the SDK's (standard mode by default: 3 attempts, exponential backoff with
//! jitter; throttling, 5xx and timeouts are retried). Each call has an
//! operation timeout of 30 s and an attempt timeout of 10 s
//! (`SLO_CW_OPERATION_TIMEOUT`, `SLO_CW_ATTEMPT_TIMEOUT`, in seconds, change
//! them). Credentials are resolved once before the first call so that their
//! absence is one clear error; they are never printed.

use super::plan::CallPlan;
use crate::error::{Error, Result};
use aws_config::meta::region::ProvideRegion;
use aws_config::BehaviorVersion;
use aws_sdk_cloudwatch::config::ProvideCredentials;
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode,
};
use std::collections::HashMap;
use std::time::Duration;

/// slo.yaml's `source: { type: cloudwatch }` settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

impl Settings {
    /// The profile in effect: slo.yaml's, else `AWS_PROFILE`, else `default`.
    pub fn profile(&self) -> String {
        self.profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".into())
    }

    /// The endpoint in effect (empty: AWS's own), without any user:password part.
    pub fn endpoint(&self) -> String {
        let url = self
            .endpoint_url
            .clone()
            .or_else(|| env_nonempty("AWS_ENDPOINT_URL_CLOUDWATCH"))
            .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
            .unwrap_or_default();
        redact_userinfo(&url)
    }

    /// The region without asking instance metadata: slo.yaml's, `AWS_REGION`,
    /// or the profile's. The same answer online and offline, so both find the
    /// same cache.
    pub async fn local_region(&self) -> Option<String> {
        if let Some(r) = &self.region {
            return Some(r.clone());
        }
        if let Some(r) = env_nonempty("AWS_REGION") {
            return Some(r);
        }
        let provider = aws_config::profile::ProfileFileRegionProvider::builder()
            .profile_name(self.profile())
            .build();
        provider.region().await.map(|r| r.to_string())
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `http://user:secret@host/` → `http://host/`.
pub fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn secs_env(name: &str, default: f64) -> Duration {
    let v = std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default);
    Duration::from_secs_f64(v)
}

/// An error and its causes, one `: ` apart, each level once (no debug dumps).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = x.source();
    }
    out
}

/// A failed SDK call in a line: the service's code and message, or the cause.
fn describe<E, R>(e: &aws_sdk_cloudwatch::error::SdkError<E, R>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_cloudwatch::error::SdkError;
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("(no message)")
            )
        }
        SdkError::TimeoutError(_) => format!(
            "timed out (operation timeout {} s, attempt timeout {} s)",
            secs_env("SLO_CW_OPERATION_TIMEOUT", 30.0).as_secs_f64(),
            secs_env("SLO_CW_ATTEMPT_TIMEOUT", 10.0).as_secs_f64()
        ),
        other => chain(other),
    }
}

/// A ready client and where it points.
#[derive(Clone)]
pub struct Connection {
    pub client: aws_sdk_cloudwatch::Client,
    pub region: String,
    /// For messages: region, endpoint and profile (never credentials).
    pub target: String,
}

/// Builds the client and resolves credentials once, for a clear error.
pub async fn connect(s: &Settings) -> Result<Connection> {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(secs_env("SLO_CW_OPERATION_TIMEOUT", 30.0))
        .operation_attempt_timeout(secs_env("SLO_CW_ATTEMPT_TIMEOUT", 10.0))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(r) = &s.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &s.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let conf = loader.load().await;
    let profile = s.profile();
    let endpoint = s.endpoint();
    let Some(region) = conf.region().map(|r| r.to_string()) else {
        return Err(Error::data(format!(
            "CloudWatch: no AWS region: set `source.region` in slo.yaml, AWS_REGION, or \
             `region` in profile `{profile}` of ~/.aws/config"
        )));
    };
    let target = format!(
        "region {region}{}, profile `{profile}`",
        if endpoint.is_empty() {
            String::new()
        } else {
            format!(", endpoint {endpoint}")
        }
    );
    let tried = || {
        format!(
            "tried the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), profile \
             `{profile}` (AWS_PROFILE{}) in ~/.aws/credentials and ~/.aws/config (SSO, \
             role, credential_process), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), and the \
             ECS and EC2 instance metadata; region {region}",
            if s.profile.is_some() {
                ", overridden by slo.yaml"
            } else {
                ""
            }
        )
    };
    let Some(provider) = conf.credentials_provider() else {
        return Err(Error::data(format!(
            "CloudWatch: no AWS credentials: {}",
            tried()
        )));
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(Error::data(format!(
            "CloudWatch: no AWS credentials: {}\n  cause: {}",
            tried(),
            chain(&e)
        )));
    }
    Ok(Connection {
        client: aws_sdk_cloudwatch::Client::new(&conf),
        region,
        target,
    })
}

/// One query of a call: the query id (a metric name of slo.yaml) and the metric.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    pub id: String,
    pub query: crate::model::Query,
    pub period: i64,
}

/// CloudWatch's rule for query ids: the rule of metric names
/// ([`crate::config::is_query_id`]), at most 255 bytes.
pub fn valid_id(id: &str) -> bool {
    crate::config::is_query_id(id) && id.len() <= 255
}

fn data_query(q: &QuerySpec) -> MetricDataQuery {
    let dims: Vec<Dimension> = q
        .query
        .dimensions
        .iter()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect();
    MetricDataQuery::builder()
        .id(&q.id)
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace(&q.query.namespace)
                        .metric_name(&q.query.name)
                        .set_dimensions(Some(dims))
                        .build(),
                )
                .period(q.period.clamp(1, i32::MAX as i64) as i32)
                .stat(&q.query.stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// The merged answer of one call, by query id.
#[derive(Debug, Default)]
pub struct CallResult {
    pub series: HashMap<String, Vec<(i64, f64)>>,
    /// The last status seen for each id.
    pub status: HashMap<String, StatusCode>,
    /// Messages of the call, deduplicated, for warnings.
    pub messages: Vec<String>,
    /// Messages of each result, deduplicated.
    pub result_messages: HashMap<String, Vec<String>>,
    pub pages: u64,
    pub datapoints: u64,
}

impl CallResult {
    /// Did CloudWatch end this id's result as `PartialData`?
    pub fn partial(&self, id: &str) -> bool {
        matches!(self.status.get(id), Some(StatusCode::PartialData))
    }
}

/// Why a call failed: the error, and the pages it made before.
pub struct CallError {
    pub error: Error,
    pub pages: u64,
}

/// Runs one call, following NextToken and merging the pages by id.
pub async fn get_metric_data(
    conn: &Connection,
    plan: &CallPlan,
    queries: &[QuerySpec],
) -> std::result::Result<CallResult, CallError> {
    let data_queries: Vec<MetricDataQuery> = queries.iter().map(data_query).collect();
    let mut out = CallResult::default();
    let mut token: Option<String> = None;
    loop {
        let resp = conn
            .client
            .get_metric_data()
            .start_time(DateTime::from_secs(plan.start))
            .end_time(DateTime::from_secs(plan.end))
            .scan_by(ScanBy::TimestampAscending)
            .set_metric_data_queries(Some(data_queries.clone()))
            .set_next_token(token.clone())
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                let ids: Vec<&str> = queries.iter().map(|q| q.id.as_str()).take(5).collect();
                let more = queries.len().saturating_sub(5);
                return Err(CallError {
                    error: Error::data(format!(
                        "CloudWatch GetMetricData failed ({}; metrics {}{}): {}",
                        conn.target,
                        ids.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        },
                        describe(&e)
                    )),
                    pages: out.pages,
                });
            }
        };
        out.pages += 1;
        for m in resp.messages() {
            let text = format!(
                "CloudWatch: {}: {}",
                m.code().unwrap_or("message"),
                m.value().unwrap_or("")
            );
            if !out.messages.contains(&text) {
                out.messages.push(text);
            }
        }
        for r in resp.metric_data_results() {
            let Some(id) = r.id() else { continue };
            let ts = r.timestamps();
            let vs = r.values();
            out.datapoints += ts.len().min(vs.len()) as u64;
            out.series
                .entry(id.to_string())
                .or_default()
                .extend(ts.iter().zip(vs).map(|(t, v)| (t.secs(), *v)));
            if let Some(code) = r.status_code() {
                out.status.insert(id.to_string(), code.clone());
            }
            for m in r.messages() {
                let text = format!(
                    "{}: {}",
                    m.code().unwrap_or("message"),
                    m.value().unwrap_or("")
                );
                let list = out.result_messages.entry(id.to_string()).or_default();
                if !list.contains(&text) {
                    list.push(text);
                }
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => {
                if token.as_deref() == Some(t) || out.pages > 100_000 {
                    return Err(CallError {
                        error: Error::data(format!(
                            "CloudWatch GetMetricData ({}): the same NextToken came back; giving up",
                            conn.target
                        )),
                        pages: out.pages,
                    });
                }
                token = Some(t.to_string());
            }
            _ => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rules() {
        for ok in ["a", "requests", "errors_5xx", "latency_p95", "fastRequests"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in ["", "Requests", "5xx", "_a", "a-b", "a.b", "ä"] {
            assert!(!valid_id(bad), "{bad}");
        }
        assert!(!valid_id(&"a".repeat(256)));
    }

    #[test]
    fn endpoints_lose_their_passwords() {
        assert_eq!(
            redact_userinfo("http://u:p@127.0.0.1:9/x@y"),
            "http://127.0.0.1:9/x@y"
        );
        assert_eq!(
            redact_userinfo("https://monitoring.eu-west-1.amazonaws.com"),
            "https://monitoring.eu-west-1.amazonaws.com"
        );
        assert_eq!(redact_userinfo(""), "");
    }
}
