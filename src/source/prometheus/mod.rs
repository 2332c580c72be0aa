//! The Prometheus source: `counter:` selectors as exact per-period increases
//! from raw samples, `query:` PromQL through `query_range`, through the local
//! cache (docs/interface.md, "Prometheus source"; docs/math.md).
//!
//! **Counters.** Raw samples come from `POST /api/v1/query` with the selector
//! and a range (`sel[86401s]` at the end of a chunk), in chunks on period
//! boundaries, sized so that an answer holds about [`TARGET_SAMPLES`] samples
//! (one day first, then from an hour to a week). [`increases`] turns them into
//! per-period sums, series by series, resets handled per series. The fetch
//! starts 5 minutes (Prometheus' lookback delta) before the earliest period
//! that the report reads (every window, lookback, history window and the chart
//! series), so that the first increase in it has its predecessor; the first
//! sample of a series adds nothing.
//!
//! **Queries.** `query_range` at `step = period` from `a + period` to `b`: the
//! value at `t + period` is the point of the period that starts at `t`; at
//! most [`MAX_STEPS`] steps a call (Prometheus refuses more than 11,000
//! points a series). A query that returns several series is an error.
//!
//! **Cache.** Per-period points, as for CloudWatch (`prometheus/` under the
//! cache directory, keyed by URL, selector or query, and period), written
//! after every chunk so that an interrupted fetch keeps what arrived. A
//! counter's entry also keeps every series' last sample at the end of what is
//! complete (`<stem>.tails.json`, written before the entry, checked against
//! it), so that a later run goes on from there with the same predecessors a
//! single fetch would have used. The newest 15 minutes are tentative
//! (samples may still arrive) and fetched again. A run that needs data before
//! a counter's cached start fetches that counter afresh.

mod client;
pub mod increases;

use crate::compute::Needs;
use crate::error::{Error, Result};
use crate::model::{Config, MetricKind, PromQuery};
use crate::series::{fmt_time, DataSet, TimeSeries};
use crate::source::cache::{put_field, Cache, Entry, Key, REVISABLE};
use crate::source::{DataSource, LoadOptions, Loaded, Summary};
use client::Client;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Samples an answer should hold, about: the chunk size follows it.
pub const TARGET_SAMPLES: u64 = 500_000;
/// Steps of one `query_range` call (Prometheus' limit is 11,000).
pub const MAX_STEPS: i64 = 10_000;
/// Prometheus' lookback delta: how far before the earliest period a
/// counter's predecessor samples are looked for.
pub const LOOKBACK: i64 = 300;

/// slo.yaml's `source: { type: prometheus }`.
pub struct Prometheus {
    pub url: Option<String>,
    pub bearer_token_env: Option<String>,
}

impl Prometheus {
    /// The base URL: slo.yaml's, else `PROMETHEUS_URL`.
    fn url(&self) -> Result<String> {
        let url = self
            .url
            .clone()
            .or_else(|| {
                std::env::var("PROMETHEUS_URL")
                    .ok()
                    .filter(|u| !u.trim().is_empty())
            })
            .ok_or_else(|| {
                Error::usage("source.url: no Prometheus URL")
                    .hint("set `url:` under `source:` in slo.yaml, or PROMETHEUS_URL")
            })?;
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::usage(format!(
                "PROMETHEUS_URL: `{url}` is not an http(s) URL"
            )));
        }
        Ok(url)
    }

    fn token(&self) -> Result<Option<String>> {
        let Some(var) = &self.bearer_token_env else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_string())),
            _ => Err(Error::usage(format!(
                "source.bearer_token_env: the variable `{var}` is not set"
            ))
            .hint("export it with the token, or remove bearer_token_env")),
        }
    }
}

impl DataSource for Prometheus {
    fn load(&self, cfg: &Config, needs: &Needs, opts: &LoadOptions) -> Result<Loaded> {
        let url = self.url()?;
        let token = if opts.offline { None } else { self.token()? };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::data(format!("cannot start the async runtime: {e}")))?;
        let (data, stats) = rt.block_on(run(cfg, client::Settings { url, token }, needs, opts))?;
        Ok(Loaded {
            data,
            unread: BTreeMap::new(),
            summary: stats.summary(),
        })
    }

    fn empty_reason(&self) -> &'static str {
        "Prometheus returned no sample for it (check the selector or query, and the server's retention)"
    }
}

/// The cache key of a Prometheus series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    /// The server, without any user:password part.
    pub url: String,
    /// `counter` or `query`.
    pub kind: String,
    /// The selector or the PromQL.
    pub text: String,
    pub period: i64,
    /// For the file name only: the metric name of a selector, or `query`.
    pub readable: String,
}

impl Key for CacheKey {
    const SOURCE: &'static str = "prometheus";

    fn canonical(&self) -> String {
        let mut s = String::from("slo-prometheus-v1");
        put_field(&mut s, &self.url);
        put_field(&mut s, &self.kind);
        put_field(&mut s, &self.text);
        put_field(&mut s, &self.period.to_string());
        s
    }

    fn readable(&self) -> (&str, i64) {
        (&self.readable, self.period)
    }
}

impl CacheKey {
    fn new(url: &str, q: &PromQuery) -> CacheKey {
        let (kind, readable) = match q {
            PromQuery::Counter { selector, .. } => (
                "counter",
                selector
                    .split('{')
                    .next()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or("series")
                    .to_string(),
            ),
            PromQuery::Query { .. } => ("query", "query".to_string()),
        };
        CacheKey {
            url: redact_userinfo(url),
            kind: kind.into(),
            text: q.text().to_string(),
            period: q.period(),
            readable,
        }
    }
}

/// `https://user:pass@host` → `https://host`.
fn redact_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// Every series' last sample at the end of what a counter's entry holds complete.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Tails {
    /// The end of the complete span these are the last samples before (epoch s).
    until: i64,
    /// Labels → `(time in ms, value)`.
    series: BTreeMap<String, (i64, f64)>,
}

fn load_tails(cache: &Cache, key: &CacheKey) -> Option<Tails> {
    let text = std::fs::read(cache.side_path(key, "tails.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

fn store_tails(cache: &Cache, key: &CacheKey, tails: &Tails) -> Result<()> {
    let path = cache.side_path(key, "tails.json");
    let mut text =
        serde_json::to_vec(tails).map_err(|e| Error::cache(format!("{}: {e}", path.display())))?;
    text.push(b'\n');
    crate::report::output::write_atomic(&path, &text)
        .map_err(|e| e.as_kind(crate::error::Kind::Cache))
}

/// What a run did, for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub url: String,
    /// HTTP requests made (every attempt counts).
    pub calls: u64,
    pub samples: u64,
    /// Distinct series seen (label sets, over all selectors and queries).
    pub series: u64,
    pub metrics: usize,
    pub cache_dir: PathBuf,
}

impl Stats {
    fn summary(&self) -> Summary {
        Summary {
            line: format!(
                "prometheus: {} call{}, {} samples from {} series for {} metric{} (cache: {})",
                self.calls,
                if self.calls == 1 { "" } else { "s" },
                self.samples,
                self.series,
                self.metrics,
                if self.metrics == 1 { "" } else { "s" },
                self.cache_dir.display()
            ),
            notes: Vec::new(),
            worth_telling: self.calls > 0,
            json: serde_json::json!({
                "source": "prometheus",
                "url": redact_userinfo(&self.url),
                "calls": self.calls,
                "samples": self.samples,
                "series": self.series,
                "metrics": self.metrics,
                "cache_dir": self.cache_dir,
            }),
        }
    }
}

/// The first period start at or after `t`.
fn ceil_to(t: i64, p: i64) -> i64 {
    t.div_euclid(p) * p + if t.rem_euclid(p) == 0 { 0 } else { p }
}

fn floor_to(t: i64, p: i64) -> i64 {
    t.div_euclid(p) * p
}

/// The client, connected on first use (an offline run, or a run served by
/// the cache, makes none).
struct Lazy {
    settings: client::Settings,
    client: Option<Client>,
    offline: bool,
}

impl Lazy {
    fn get(&mut self, metric: &str, what: &str) -> Result<&mut Client> {
        if self.offline {
            return Err(Error::data(format!(
                "--offline: the cache lacks metric `{metric}` {what}"
            ))
            .hint("run `slo fetch` (or drop --offline) to fetch it"));
        }
        let client = match self.client.take() {
            Some(c) => c,
            None => Client::new(self.settings.clone())?,
        };
        Ok(self.client.insert(client))
    }
}

async fn run(
    cfg: &Config,
    settings: client::Settings,
    needs: &Needs,
    opts: &LoadOptions,
) -> Result<(DataSet, Stats)> {
    let now = chrono::Utc::now().timestamp();
    let root = crate::source::cache_root(cfg, opts);
    let cache = Cache::open(&root, CacheKey::SOURCE)?;
    let url = settings.url.clone();
    let mut f = Fetch {
        stats: Stats {
            url: settings.url.clone(),
            cache_dir: root,
            ..Stats::default()
        },
        lazy: Lazy {
            settings,
            client: None,
            offline: opts.offline,
        },
        cache,
        now,
        quiet: opts.quiet,
        seen: Default::default(),
    };
    let earliest = needs.earliest();
    let t = needs.t;
    // One fetch per distinct query, in slo.yaml order.
    let mut done: Vec<(PromQuery, Vec<(i64, f64)>)> = Vec::new();
    let mut data = DataSet::new();
    for m in cfg.needed_queries() {
        let MetricKind::Prometheus(q) = &m.kind else {
            continue;
        };
        let Some(need) = needs.metrics.get(&m.name) else {
            continue;
        };
        f.stats.metrics += 1;
        let pts = match done.iter().find(|(d, _)| d == q) {
            Some((_, pts)) => pts.clone(),
            None => {
                let key = CacheKey::new(&url, q);
                let pts = match q {
                    PromQuery::Counter { selector, period } => {
                        let what = (m.name.as_str(), selector.as_str(), *period);
                        f.counter(&key, what, (earliest, t.max(need.end))).await?
                    }
                    PromQuery::Query { expr, period } => {
                        let what = (m.name.as_str(), expr.as_str(), *period);
                        f.query(&key, what, (need.start, need.end)).await?
                    }
                };
                done.push((q.clone(), pts.clone()));
                pts
            }
        };
        let series = TimeSeries::from_points(pts)
            .map_err(|e| Error::data(format!("metric `{}`: {e}", m.name)))?;
        data.insert(m.name.clone(), series);
    }
    f.stats.calls = f.lazy.client.as_ref().map_or(0, |c| c.calls);
    Ok((data, f.stats))
}

/// One run's fetching state: the client, the cache, what was seen.
struct Fetch {
    lazy: Lazy,
    cache: Cache,
    now: i64,
    quiet: bool,
    stats: Stats,
    /// Selector or query, then labels: the series counted in `stats`.
    seen: std::collections::HashSet<String>,
}

impl Fetch {
    /// Counts a series answered for `key` (once per run).
    fn saw(&mut self, key: &CacheKey, labels: &str) {
        if self.seen.insert(format!("{}|{labels}", key.text)) {
            self.stats.series += 1;
        }
    }

    /// A counter's per-period increases over `[earliest, end)`, from the cache
    /// and what it lacks.
    async fn counter(
        &mut self,
        key: &CacheKey,
        (name, selector, p): (&str, &str, i64),
        (earliest, end): (i64, i64),
    ) -> Result<Vec<(i64, f64)>> {
        let a = ceil_to(earliest, p);
        let b = ceil_to(end, p);
        let fu = floor_to(self.now - REVISABLE, p);
        let mut entry = self.cache.load(key);
        let tails = load_tails(&self.cache, key);
        // Go on from the cache when it starts at or before `a`, holds a complete
        // span that reaches `a`, and its tails belong to that span's end.
        let resume = match (entry.coverage.complete.as_slice(), &tails) {
            ([(s, c)], Some(tl)) if *s <= a && *c >= a && tl.until == *c => Some((*c, tl.clone())),
            _ => None,
        };
        let (mut x, mut tails) = match resume {
            Some((c, _)) if c >= b => return Ok(entry.points_in((a, b)).to_vec()),
            Some((c, tl)) => (c, tl),
            None => {
                if self.lazy.offline && entry.coverage.all().iter().any(|(s, e)| *s <= a && *e >= b)
                {
                    return Ok(entry.points_in((a, b)).to_vec());
                }
                entry = Entry::empty(key.clone());
                (a - LOOKBACK, Tails::default())
            }
        };
        let mut chunk: i64 = 86_400;
        let bar = (!self.quiet && b - x > 7 * 86_400).then(|| {
            let pb = indicatif::ProgressBar::new((b - x) as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {percent}%")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb.set_message(format!("prometheus: `{name}`"));
            pb
        });
        while x < b {
            let mut y = floor_to(x + chunk, p).max(x + p).min(b);
            if (b - y) * 4 < chunk {
                y = b; // no call for a small rest
            }
            if x < fu && y > fu {
                y = fu;
            }
            let what = format!("from {}", fmt_time(x.max(a)));
            let c = self.lazy.get(name, &what)?;
            let data = c
                .post(
                    "/api/v1/query",
                    &[
                        ("query", format!("{selector}[{}s]", y - x + 1)),
                        ("time", y.to_string()),
                    ],
                    name,
                )
                .await?;
            let series = client::matrix(&data, name)?;
            let mut inc = increases::Increases::default();
            let mut n = 0u64;
            for s in &series {
                let lo = s.samples.partition_point(|v| v.0 < x * 1_000);
                let hi = s.samples.partition_point(|v| v.0 < y * 1_000);
                let samples = &s.samples[lo..hi];
                n += samples.len() as u64;
                let prev = tails.series.get(&s.labels).copied();
                if let Some(last) = inc.add_series(name, p, a, prev, samples)? {
                    tails.series.insert(s.labels.clone(), last);
                }
                self.saw(key, &s.labels);
            }
            self.stats.samples += n;
            let from = x.max(a);
            entry.record(from, y, inc.sums.into_iter().collect(), fu, false);
            if y <= fu {
                tails.until = y;
                store_tails(&self.cache, key, &tails)?;
            }
            self.cache.store(&entry)?;
            if let Some(pb) = &bar {
                pb.inc((y - x) as u64);
            }
            // The next chunk holds about TARGET_SAMPLES samples.
            let per_sec = n as f64 / (y - x) as f64;
            chunk = if per_sec > 0.0 {
                ((TARGET_SAMPLES as f64 / per_sec) as i64).clamp(3_600, 7 * 86_400)
            } else {
                7 * 86_400
            };
            x = y;
        }
        if let Some(pb) = bar {
            pb.finish_and_clear();
        }
        Ok(entry.points_in((a, b)).to_vec())
    }

    /// A `query:` metric's points over `[start, end)`: `query_range` for what the
    /// cache lacks.
    async fn query(
        &mut self,
        key: &CacheKey,
        (name, expr, p): (&str, &str, i64),
        (start, end): (i64, i64),
    ) -> Result<Vec<(i64, f64)>> {
        let a = ceil_to(start, p);
        let b = ceil_to(end, p);
        let fu = floor_to(self.now - REVISABLE, p);
        let mut entry = self.cache.load(key);
        let have = if self.lazy.offline {
            entry.coverage.all()
        } else {
            entry.coverage.complete.clone()
        };
        let missing = crate::source::spans::subtract(&[(a, b)], &have);
        for (s, e) in missing {
            let mut x = floor_to(s, p);
            let e = ceil_to(e, p);
            while x < e {
                let y = (x + MAX_STEPS * p).min(e);
                let what = format!("from {} to {}", fmt_time(x), fmt_time(y));
                let c = self.lazy.get(name, &what)?;
                let data = c
                    .post(
                        "/api/v1/query_range",
                        &[
                            ("query", expr.to_string()),
                            ("start", (x + p).to_string()),
                            ("end", y.to_string()),
                            ("step", p.to_string()),
                        ],
                        name,
                    )
                    .await?;
                let series = client::matrix(&data, name)?;
                if series.len() > 1 {
                    return Err(Error::data(format!(
                    "metric `{name}`: the query returned {} series ({}, …); a `query:` must return one",
                    series.len(),
                    crate::text::clip(&series[0].labels, 80)
                ))
                .hint("aggregate it, e.g. sum(...) or sum by () (...), or use `counter:` for a selector"));
                }
                let mut pts = Vec::new();
                for s in &series {
                    self.saw(key, &s.labels);
                    self.stats.samples += s.samples.len() as u64;
                    for &(tau, v) in &s.samples {
                        if v.is_nan() {
                            continue; // no value (e.g. a quantile of no requests)
                        }
                        if tau.rem_euclid(1_000) != 0 {
                            continue;
                        }
                        pts.push((tau / 1_000 - p, v));
                    }
                }
                entry.record(x, y, pts, fu, false);
                self.cache.store(&entry)?;
                x = y;
            }
        }
        Ok(entry.points_in((a, b)).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_urls() {
        assert_eq!(
            redact_userinfo("https://u:p@prom.example:9090/base"),
            "https://prom.example:9090/base"
        );
        let q = PromQuery::Counter {
            selector: "http_requests_total{job=\"a\"}".into(),
            period: 60,
        };
        let k = CacheKey::new("http://127.0.0.1:9090", &q);
        assert!(
            k.stem().starts_with("http_requests_total-60-"),
            "{}",
            k.stem()
        );
        let k2 = CacheKey::new(
            "http://127.0.0.1:9090",
            &PromQuery::Query {
                expr: q.text().into(),
                period: 60,
            },
        );
        assert_ne!(
            k.hash(),
            k2.hash(),
            "a counter and a query never share an entry"
        );
        assert_eq!(
            (ceil_to(61, 60), ceil_to(60, 60), floor_to(-1, 60)),
            (120, 60, -60)
        );
    }
}
