//! The Prometheus HTTP API client: `POST /api/v1/query` (raw samples through
//! a range selector) and `POST /api/v1/query_range`, form-encoded, with a
//! bearer token when slo.yaml names a variable that holds one.
//!
//! Each request has a timeout of 30 s (`SLO_PROM_TIMEOUT`, seconds); a
//! connection error, a timeout, 429 or a 5xx is retried with exponential
//! backoff (0.5 s, 1 s, 2 s …) up to `SLO_PROM_ATTEMPTS` attempts (default
//! 4). Other answers are final: Prometheus' own error text (a PromQL error,
//! too many samples) is shown as it wrote it.

use crate::error::{Error, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as Http;
use std::time::Duration;

/// Where to ask, and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The base URL, without a trailing slash.
    pub url: String,
    /// `Authorization: Bearer …`, from the variable slo.yaml names.
    pub token: Option<String>,
}

/// A connection pool to one server, and the count of requests made.
pub struct Client {
    settings: Settings,
    http: Http<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    attempts: u32,
    /// HTTP requests made (every attempt counts).
    pub calls: u64,
}

/// A series of a matrix result: its labels (canonical text) and samples
/// `(time in ms, value)`.
pub struct Series {
    pub labels: String,
    pub samples: Vec<(i64, f64)>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

impl Client {
    pub fn new(settings: Settings) -> Result<Client> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| Error::data(format!("Prometheus: no TLS root certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http = Http::builder(hyper_util::rt::TokioExecutor::new()).build(https);
        Ok(Client {
            settings,
            http,
            timeout: Duration::from_secs(env_number("SLO_PROM_TIMEOUT", 30)),
            attempts: env_number("SLO_PROM_ATTEMPTS", 4) as u32,
            calls: 0,
        })
    }

    /// `POST path` with a form body; the `data` of a `status: success` answer.
    /// `metric` names what the request is for, in errors.
    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, String)],
        metric: &str,
    ) -> Result<serde_json::Value> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let uri = format!("{}{path}", self.settings.url);
        let fail = |why: String| {
            Error::data(format!(
                "metric `{metric}`: Prometheus at {}: {why}",
                self.settings.url
            ))
        };
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 << (attempt - 1).min(5))).await;
            }
            let mut req = hyper::Request::post(&uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("user-agent", concat!("slo/", env!("CARGO_PKG_VERSION")));
            if let Some(t) = &self.settings.token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let req = req
                .body(Full::new(Bytes::from(body.clone())))
                .map_err(|e| fail(format!("cannot build the request: {e}")))?;
            self.calls += 1;
            let answer = tokio::time::timeout(self.timeout, async {
                let resp = self.http.request(req).await?;
                let status = resp.status();
                let bytes = resp.into_body().collect().await?.to_bytes();
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, bytes))
            })
            .await;
            let (status, bytes) = match answer {
                Err(_) => {
                    last = format!("no answer within {} s", self.timeout.as_secs());
                    continue;
                }
                Ok(Err(e)) => {
                    last = format!("unreachable ({})", error_chain(e.as_ref()));
                    continue;
                }
                Ok(Ok(x)) => x,
            };
            let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
            let prom_error = json.as_ref().and_then(|j| {
                (j["status"] == "error").then(|| {
                    format!(
                        "{}: {}",
                        j["errorType"].as_str().unwrap_or("error"),
                        j["error"].as_str().unwrap_or("")
                    )
                })
            });
            if status.is_server_error() || status.as_u16() == 429 {
                last = format!(
                    "HTTP {status}{}",
                    prom_error.map(|e| format!(" ({e})")).unwrap_or_default()
                );
                continue;
            }
            if let Some(e) = prom_error {
                return Err(fail(format!("HTTP {status}: {e}")));
            }
            if !status.is_success() {
                let text = String::from_utf8_lossy(&bytes);
                return Err(fail(format!(
                    "HTTP {status}: {}",
                    crate::text::clip(text.trim(), 200)
                )));
            }
            let Some(mut json) = json else {
                return Err(fail("the answer is not JSON".into()));
            };
            if json["status"] != "success" {
                return Err(fail("the answer has no `status: success`".into()));
            }
            return Ok(json["data"].take());
        }
        Err(fail(format!(
            "{last} after {} attempt{}",
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        ))
        .hint("is the server up and the URL right? SLO_PROM_ATTEMPTS and SLO_PROM_TIMEOUT set the retries"))
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = s.source();
    }
    out
}

/// `application/x-www-form-urlencoded`: unreserved characters as they are,
/// every other byte as `%XX`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The series of a `matrix` answer; values as Prometheus writes them
/// (`"1.5"`, `"NaN"`, `"+Inf"`), times in seconds with milliseconds.
pub fn matrix(data: &serde_json::Value, metric: &str) -> Result<Vec<Series>> {
    let bad = |why: &str| Error::data(format!("metric `{metric}`: Prometheus answered {why}"));
    if data["resultType"] != "matrix" {
        return Err(bad(&format!(
            "a `{}` where a matrix was expected",
            data["resultType"].as_str().unwrap_or("?")
        )));
    }
    let Some(result) = data["result"].as_array() else {
        return Err(bad("no `result` list"));
    };
    let mut out = Vec::with_capacity(result.len());
    for r in result {
        let labels = r["metric"]
            .as_object()
            .map(|m| {
                let mut kv: Vec<(&String, &serde_json::Value)> = m.iter().collect();
                kv.sort_by(|a, b| a.0.cmp(b.0));
                kv.iter()
                    .map(|(k, v)| format!("{k}={}", v))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        let Some(values) = r["values"].as_array() else {
            return Err(bad("a series without `values`"));
        };
        let mut samples = Vec::with_capacity(values.len());
        for p in values {
            let (Some(t), Some(v)) = (p[0].as_f64(), p[1].as_str()) else {
                return Err(bad("a sample that is not [time, \"value\"]"));
            };
            let v: f64 = v.parse().map_err(|_| {
                bad(&format!(
                    "the value `{}`, which is not a number",
                    crate::text::clip(v, 30)
                ))
            })?;
            samples.push(((t * 1_000.0).round() as i64, v));
        }
        samples.sort_by_key(|s| s.0);
        out.push(Series { labels, samples });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding() {
        assert_eq!(
            encode("x{status=~\"5..\"}[60s]"),
            "x%7Bstatus%3D~%225..%22%7D%5B60s%5D"
        );
        assert_eq!(encode("a b+c"), "a%20b%2Bc");
    }

    #[test]
    fn matrices() {
        let d = serde_json::json!({"resultType": "matrix", "result": [
            {"metric": {"job": "a", "__name__": "x"}, "values": [[1700000000.5, "3"], [1699999999, "NaN"]]}
        ]});
        let s = matrix(&d, "m").unwrap();
        assert_eq!(s[0].labels, "__name__=\"x\",job=\"a\"");
        assert_eq!(s[0].samples[0].0, 1_699_999_999_000);
        assert!(s[0].samples[0].1.is_nan());
        assert_eq!(s[0].samples[1], (1_700_000_000_500, 3.0));
        assert!(matrix(
            &serde_json::json!({"resultType": "vector", "result": []}),
            "m"
        )
        .is_err());
    }
}
