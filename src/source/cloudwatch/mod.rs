//! The CloudWatch source: every query metric that the SLOs read, pulled with
//! GetMetricData as cheaply as the API allows, through a local cache.
//!
//! A run, for an evaluation at T:
//! 1. [`crate::compute::needs`]: the span each metric is needed over (window,
//!    lookbacks, alert windows, forecast, and the windows of the 7-day history
//!    series), decided by compute's planner.
//! 2. [`cache`]: what the cache under `--cache-dir` already holds.
//! 3. [`plan`]: which period serves which part (CloudWatch keeps 60 s data for
//!    15 days, 300 s for 63 days, 3600 s for 455 days), what is missing, and
//!    the calls: up to 500 queries and 100,800 points each.
//! 4. [`client`] and `calls`: the calls (4 at a time, NextToken followed,
//!    pages merged by id), each written to the cache as soon as it completes,
//!    so an interrupted fetch keeps what arrived.
//! 5. `coarse`: the series, from the cache, finest period first.
//!
//! **Coarser periods.** Data older than CloudWatch keeps at a metric's period
//! is read at the next period it keeps (`lcm(period, 300)`, then
//! `lcm(period, 3600)`). For a ratio SLI this keeps every sum exact — only the
//! resolution of that older part drops, so a window edge falling inside such
//! an older, coarser period counts that period whole or not at all (a point
//! counts when its start is in the window). For a time-slice SLI the period is
//! the slice, so the part the numbers at T read (window, lookbacks, alert
//! windows) must be served at the slice period, or the run fails (exit 3) and
//! says which period would work — unless `--allow-coarser-slices`. The older
//! part read only by the history series, and anything let through by
//! `--allow-coarser-slices`, is judged by coarser slices: each coarse value
//! stands for every slice it covers (a `Sum`, `SampleCount`, `TC` or `TS` is
//! spread evenly over them, any other statistic repeated).
//!
//! **Cost.** CloudWatch bills GetMetricData per metric requested per call, so
//! a query is never split across calls to save a call; the summary line says
//! calls (pages) made, datapoints received and queries requested.

mod calls;
pub mod client;
mod coarse;
pub mod discover;
pub mod key;
pub mod plan;

pub use coarse::{additive, expand};

use crate::compute::Needs;
use crate::error::{Error, Result};
use crate::model::{Config, MetricKind, Query};
use crate::series::{fmt_time, DataSet};
use crate::source::cache::Coverage;
use crate::source::cache::{Cache, Entry, Key};
use crate::source::{DataSource, LoadOptions, Loaded, Summary};
use client::{Connection, Settings};
use coarse::fmt_spans;
use key::CacheKey;
use plan::Layout;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The CloudWatch source: where slo.yaml's `source: { type: cloudwatch }` says.
pub struct CloudWatch {
    pub settings: Settings,
}

impl DataSource for CloudWatch {
    fn load(&self, cfg: &Config, needs: &Needs, opts: &LoadOptions) -> Result<Loaded> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::data(format!("cannot start the async runtime: {e}")))?;
        let (data, stats) = rt.block_on(run(cfg, &self.settings, needs, opts))?;
        Ok(Loaded {
            data,
            unread: BTreeMap::new(),
            summary: stats.summary(),
        })
    }

    fn empty_reason(&self) -> &'static str {
        "CloudWatch returned no datapoint for it (check its namespace, name, dimensions and stat)"
    }
}

/// What a run did, for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// GetMetricData requests made (every page counts).
    pub calls: u64,
    pub planned_calls: usize,
    pub datapoints: u64,
    /// Queries requested, summed over pages (what CloudWatch bills).
    pub queries: u64,
    pub series: usize,
    pub cache_dir: PathBuf,
    /// Notes on data read at coarser periods, one line each.
    pub notes: Vec<String>,
}

impl Stats {
    pub fn line(&self) -> String {
        format!(
            "cloudwatch: {} call{}, {} datapoints, {} quer{} requested for {} series (cache: {})",
            self.calls,
            if self.calls == 1 { "" } else { "s" },
            self.datapoints,
            self.queries,
            if self.queries == 1 { "y" } else { "ies" },
            self.series,
            self.cache_dir.display()
        )
    }

    fn summary(&self) -> Summary {
        Summary {
            line: self.line(),
            notes: self.notes.clone(),
            worth_telling: self.calls > 0,
            json: serde_json::json!({
                "source": "cloudwatch",
                "calls": self.calls,
                "planned_calls": self.planned_calls,
                "datapoints": self.datapoints,
                "queries": self.queries,
                "series": self.series,
                "cache_dir": self.cache_dir,
            }),
        }
    }
}

/// One cached series: a query (shared by every metric of slo.yaml that asks it).
struct SeriesState {
    /// The metric names of slo.yaml with this query; the first is the query id.
    names: Vec<String>,
    query: Query,
    start: i64,
    end: i64,
    /// Time-slice SLOs that read it, with the start of what they read at T.
    slices: Vec<(String, i64)>,
    entries: BTreeMap<i64, Entry<CacheKey>>,
    layout: Layout,
}

impl SeriesState {
    fn id(&self) -> &str {
        &self.names[0]
    }

    fn label(&self) -> String {
        self.names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn run(
    cfg: &Config,
    settings: &Settings,
    needs: &Needs,
    opts: &LoadOptions,
) -> Result<(DataSet, Stats)> {
    let now = chrono::Utc::now().timestamp();
    let t = needs.t;
    let cache_root = crate::source::cache_root(cfg, opts);
    let cache = Cache::open(&cache_root, CacheKey::SOURCE)?;
    let mut summary = Stats {
        cache_dir: cache_root.clone(),
        ..Stats::default()
    };

    // The region keys the cache: found locally when possible, else by the SDK.
    let mut conn: Option<Connection> = None;
    let region =
        match settings.local_region().await {
            Some(r) => r,
            None if opts.offline => return Err(Error::data(
                "--offline: no AWS region is set (source.region in slo.yaml, AWS_REGION or the \
                 profile's region), and the cache is kept per region",
            )),
            None => {
                let c = client::connect(settings).await?;
                let r = c.region.clone();
                conn = Some(c);
                r
            }
        };
    let (endpoint, profile) = (settings.endpoint(), settings.profile());

    // One state per distinct query, in slo.yaml order.
    let mut series: Vec<SeriesState> = Vec::new();
    for m in cfg.needed_queries() {
        let MetricKind::Query(q) = &m.kind else {
            continue;
        };
        if !client::valid_id(&m.name) {
            return Err(Error::data(format!(
                "metric `{}`: longer than the 255 bytes of a CloudWatch query id",
                crate::text::clip(&m.name, 40)
            )));
        }
        let Some(r) = needs.metrics.get(&m.name).cloned() else {
            continue;
        };
        if let Some(s) = series.iter_mut().find(|s| s.query == *q) {
            s.names.push(m.name.clone());
            s.start = s.start.min(r.start);
            s.end = s.end.max(r.end);
            s.slices.extend(r.slices);
            continue;
        }
        series.push(SeriesState {
            names: vec![m.name.clone()],
            query: q.clone(),
            start: r.start,
            end: r.end,
            slices: r.slices,
            entries: BTreeMap::new(),
            layout: Layout::default(),
        });
    }
    summary.series = series.len();

    // What the cache holds, and the layout of each series.
    for s in &mut series {
        let p = s.query.period;
        let mut covered: BTreeMap<i64, Coverage> = BTreeMap::new();
        for period in plan::period_chain(p) {
            let key = CacheKey {
                namespace: s.query.namespace.clone(),
                name: s.query.name.clone(),
                dimensions: s.query.dimensions.clone(),
                stat: s.query.stat.clone(),
                period,
                region: region.clone(),
                endpoint: endpoint.clone(),
                profile: profile.clone(),
            };
            let e = cache.load(&key);
            covered.insert(period, e.coverage.clone());
            s.entries.insert(period, e);
        }
        // Series read by ratio SLIs only may start their finest period where
        // pages fill exactly; time slices keep every slice they can.
        let fit = s.slices.is_empty();
        s.layout = plan::layout_with(p, s.start, s.end, now, &covered, opts.offline, fit);
    }

    coarse::check_slices(&series, opts.allow_coarser_slices, now, t)?;
    coarse::coarse_notes(&series, &mut summary);
    coarse::coarse_at_t(&series, t);
    for s in &series {
        if s.layout.missing.is_empty() {
            continue;
        }
        let lacking: i64 = s.layout.missing.iter().map(|(a, b)| b - a).sum();
        if opts.offline && lacking >= s.end - s.start {
            return Err(Error::data(format!(
                "--offline: the cache holds nothing for {} ({} to {}); run `slo fetch` first, or drop --offline",
                s.label(),
                fmt_time(s.start),
                fmt_time(s.end)
            )));
        }
        if opts.offline {
            crate::warn(&format!(
                "--offline: the cache lacks {} for {}; run `slo fetch` to fill it",
                s.label(),
                fmt_spans(&s.layout.missing)
            ));
        } else {
            crate::warn(&format!(
                "{}: CloudWatch keeps nothing older than 455 days; no data for {}",
                s.label(),
                fmt_spans(&s.layout.missing)
            ));
        }
    }

    // The calls.
    let requests: Vec<plan::Request> = series
        .iter()
        .enumerate()
        .flat_map(|(i, s)| plan::requests(i, s.query.period, &s.layout.fetch, now))
        .collect();
    let calls = plan::plan_calls(requests);
    summary.planned_calls = calls.len();
    if !calls.is_empty() {
        let conn = match conn.take() {
            Some(c) => c,
            None => client::connect(settings).await?,
        };
        let total = calls::client_total_timeout();
        let fetched = tokio::time::timeout(
            total,
            calls::execute(
                &conn,
                calls,
                &mut series,
                &cache,
                now,
                opts.quiet,
                &mut summary,
            ),
        )
        .await;
        match fetched {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::data(format!(
                    "CloudWatch ({}): the fetch did not finish within {} s; the calls that \
                     completed are cached, run again to fetch the rest (SLO_CW_TOTAL_TIMEOUT \
                     sets the limit)",
                    conn.target,
                    total.as_secs()
                )))
            }
        }
    }

    Ok((coarse::assemble(&series)?, summary))
}
