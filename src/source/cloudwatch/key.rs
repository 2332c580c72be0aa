//! The cache key of a CloudWatch series: the query (namespace, metric name,
//! sorted dimensions, statistic, period) and where it was asked (region,
//! endpoint, profile; the account stands behind the profile or the endpoint,
//! so two accounts behind one profile name need two cache directories).

use crate::source::cache::{put_field, Key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything that tells two cached CloudWatch series apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    pub namespace: String,
    pub name: String,
    pub dimensions: BTreeMap<String, String>,
    pub stat: String,
    pub period: i64,
    pub region: String,
    /// The endpoint URL when not AWS's own (an emulator, a VPC endpoint); else empty.
    pub endpoint: String,
    pub profile: String,
}

impl Key for CacheKey {
    const SOURCE: &'static str = "cloudwatch";

    /// `slo-cache-v1`, then every field length-prefixed, dimensions sorted.
    /// (The first source's key names no source: its folder does, and its
    /// hashes must not change, or every cache goes stale.)
    fn canonical(&self) -> String {
        let mut s = String::from("slo-cache-v1");
        put_field(&mut s, &self.namespace);
        put_field(&mut s, &self.name);
        put_field(&mut s, &self.dimensions.len().to_string());
        for (k, v) in &self.dimensions {
            put_field(&mut s, k);
            put_field(&mut s, v);
        }
        put_field(&mut s, &self.stat);
        put_field(&mut s, &self.period.to_string());
        put_field(&mut s, &self.region);
        put_field(&mut s, &self.endpoint);
        put_field(&mut s, &self.profile);
        s
    }

    fn readable(&self) -> (&str, i64) {
        (&self.name, self.period)
    }
}
