//! slo.yaml as written: serde types that mirror the file, nothing resolved yet.

use indexmap::IndexMap;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::marker::PhantomData;

/// A YAML mapping whose keys must be unique: a duplicate is an error naming
/// the key, never a silent "the last wins".
#[derive(Debug, Clone)]
pub struct UniqueMap<V>(pub IndexMap<String, V>);

impl<V> std::ops::Deref for UniqueMap<V> {
    type Target = IndexMap<String, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut m = IndexMap::new();
                while let Some(k) = a.next_key::<String>()? {
                    if m.contains_key(&k) {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate key `{k}` (each key may appear once)"
                        )));
                    }
                    let v = a.next_value()?;
                    m.insert(k, v);
                }
                Ok(UniqueMap(m))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

/// A number that may be written as `0.999`, `99.9%` or `"0.999"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub version: u32,
    pub service: String,
    pub source: RawSource,
    pub metrics: UniqueMap<RawMetric>,
    pub slos: Vec<RawSlo>,
    #[serde(default)]
    pub alerts: Option<Vec<RawAlert>>,
    #[serde(default)]
    pub warning_below: Option<Num>,
    /// Extension: the lookbacks of the `burn_rates` map (default 5m 30m 1h 6h 1d 3d).
    #[serde(default)]
    pub burn_rate_lookbacks: Option<Vec<String>>,
    /// Extension: the lookback whose burn rate forecasts exhaustion (default 1d).
    #[serde(default)]
    pub forecast_lookback: Option<String>,
    /// Extension: pins T (`latest` = the end of the newest data point).
    #[serde(default)]
    pub as_of: Option<String>,
    /// Where exported alarms notify: alert severity → SNS topic ARNs.
    #[serde(default)]
    pub notify: Option<UniqueMap<OneOrMany>>,
}

/// A string, or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawSource {
    Files {
        path: String,
    },
    Cloudwatch {
        #[serde(default)]
        region: Option<String>,
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        endpoint_url: Option<String>,
    },
    Prometheus {
        /// The server's base URL; else `PROMETHEUS_URL`.
        #[serde(default)]
        url: Option<String>,
        /// The name of an environment variable holding a bearer token.
        #[serde(default)]
        bearer_token_env: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub dimensions: Option<UniqueMap<String>>,
    #[serde(default)]
    pub stat: Option<String>,
    #[serde(default)]
    pub period: Option<i64>,
    #[serde(default)]
    pub expression: Option<String>,
    /// Prometheus: a series selector whose exact per-period increases slo computes.
    #[serde(default)]
    pub counter: Option<String>,
    /// Prometheus: a PromQL expression returning one series, read with `query_range`.
    #[serde(default)]
    pub query: Option<String>,
    /// The series may hold no point at all (no `missing-data` failure).
    #[serde(default)]
    pub allow_empty: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub name: String,
    pub objective: Num,
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub calendar: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    pub sli: RawSli,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSli {
    #[serde(default)]
    pub good: Option<String>,
    #[serde(default)]
    pub bad: Option<String>,
    #[serde(default)]
    pub total: Option<String>,
    #[serde(default)]
    pub timeslice: Option<RawTimeslice>,
}

impl RawSli {
    /// The names of the metrics this SLI reads.
    pub fn metrics(&self) -> impl Iterator<Item = &str> {
        let t = self.timeslice.as_ref();
        [
            self.good.as_deref(),
            self.bad.as_deref(),
            self.total.as_deref(),
            t.and_then(|t| t.metric.as_deref()),
            t.and_then(|t| t.ratio.as_ref()).map(|r| r.bad.as_str()),
            t.and_then(|t| t.ratio.as_ref()).map(|r| r.total.as_str()),
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeslice {
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub ratio: Option<RawRatio>,
    #[serde(default)]
    pub per_second: Option<bool>,
    pub op: String,
    pub threshold: Num,
    #[serde(default)]
    pub missing: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRatio {
    pub bad: String,
    pub total: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlert {
    pub severity: String,
    pub long: String,
    pub short: String,
    pub burn_rate: Num,
}
