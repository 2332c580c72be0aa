//! The CloudWatch source: every query metric that the SLOs read, pulled with
//! GetMetricData as cheaply as the API allows, through a local cache.
//!
//! A run, for an evaluation at T:
//! 1. [`range`]: the span each metric is needed over (window, lookbacks, alert
//!    windows, forecast, and the windows of the 7-day history series).
//! 2. [`cache`]: what the cache under `--cache-dir` already holds.
//! 3. [`plan`]: which period serves which part (CloudWatch keeps 60 s data for
//!    15 days, 300 s for 63 days, 3600 s for 455 days), what is missing, and
//!    the calls: up to 500 queries and 100,800 points each.
//! 4. [`client`]: the calls (4 at a time, NextToken followed, pages merged by
//!    id), each written to the cache as soon as it completes, so an
//!    interrupted fetch keeps what arrived.
//! 5. The series: from the cache, finest period first.
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

pub mod cache;
pub mod client;
pub mod plan;
pub mod range;

use crate::error::{Error, Kind, Result};
use crate::model::{AsOfSetting, Config, MetricKind, Query, Source};
use crate::series::{fmt_time, DataSet, TimeSeries};
use crate::source::LoadOptions;
use cache::{Cache, CacheKey, Entry};
use client::{CallResult, Connection, QuerySpec, Settings};
use plan::{spans, Coverage, Layout, Spans};
use std::collections::{BTreeMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Calls in flight at once.
const CONCURRENCY: usize = 4;

/// What a run did, for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Summary {
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

impl Summary {
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

    fn print(&self) {
        eprintln!("{}", self.line());
        for n in &self.notes {
            eprintln!("  note: {n}");
        }
    }
}

/// Loads the series for `report` and `check`: fetches what the cache lacks
/// (unless offline); prints the summary when calls were made.
pub fn load(cfg: &Config, opts: &LoadOptions) -> Result<DataSet> {
    let (data, summary) = run(cfg, opts)?;
    if !opts.quiet && summary.calls > 0 {
        summary.print();
    }
    Ok(data)
}

/// `slo fetch`: fills the cache and prints the summary (unless quiet).
pub fn fetch(cfg: &Config, opts: &LoadOptions) -> Result<Summary> {
    let (_, summary) = run(cfg, opts)?;
    if !opts.quiet {
        summary.print();
    }
    Ok(summary)
}

fn run(cfg: &Config, opts: &LoadOptions) -> Result<(DataSet, Summary)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::data(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(run_async(cfg, opts))
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
    entries: BTreeMap<i64, Entry>,
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

/// `Sum`, `SampleCount`, `TC(..)` and `TS(..)` add up over time; other statistics do not.
pub fn additive(stat: &str) -> bool {
    let s = stat.trim().to_ascii_uppercase();
    s == "SUM" || s == "SAMPLECOUNT" || s.starts_with("TC(") || s.starts_with("TS(")
}

/// Coarse points turned into the fine slices they cover: additive statistics
/// spread evenly, others repeated.
pub fn expand(points: &[(i64, f64)], coarse: i64, fine: i64, additive: bool) -> Vec<(i64, f64)> {
    let k = (coarse / fine).max(1);
    let mut out = Vec::with_capacity(points.len() * k as usize);
    for &(t, v) in points {
        let v = if additive { v / k as f64 } else { v };
        out.extend((0..k).map(|i| (t + i * fine, v)));
    }
    out
}

fn fmt_spans(s: &Spans) -> String {
    let shown: Vec<String> = s
        .iter()
        .take(3)
        .map(|(a, b)| format!("{} – {}", fmt_time(*a), fmt_time(*b)))
        .collect();
    let more = s.len().saturating_sub(3);
    format!(
        "{}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

fn secs_label(p: i64) -> String {
    crate::duration::Dur(p).to_string()
}

async fn run_async(cfg: &Config, opts: &LoadOptions) -> Result<(DataSet, Summary)> {
    let Source::CloudWatch {
        region,
        profile,
        endpoint_url,
    } = &cfg.source
    else {
        return Err(Error::data(
            "the CloudWatch source was asked for another source",
        ));
    };
    let settings = Settings {
        region: region.clone(),
        profile: profile.clone(),
        endpoint_url: endpoint_url.clone(),
    };
    let now = chrono::Utc::now().timestamp();
    let largest = crate::compute::largest_period(cfg);
    let t = opts.as_of.unwrap_or(now - now.rem_euclid(largest));
    // `as_of: latest` settles T on the data; reach back an hour more for it.
    let margin = if cfg.as_of == Some(AsOfSetting::Latest) {
        3_600
    } else {
        0
    };
    let ranges = range::metric_ranges(cfg, t, opts.series_range, margin);
    let cache_root = opts.cache_dir.clone().unwrap_or_else(|| {
        cfg.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .join(".slo-cache")
    });
    let cache = Cache::open(&cache_root)?;
    let mut summary = Summary {
        cache_dir: cache_root.clone(),
        ..Summary::default()
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
                let c = client::connect(&settings).await?;
                let r = c.region.clone();
                conn = Some(c);
                r
            }
        };
    let (endpoint, profile) = (settings.endpoint(), settings.profile());

    // One state per distinct query, in slo.yaml order.
    let mut series: Vec<SeriesState> = Vec::new();
    for m in crate::source::needed_queries(cfg) {
        let MetricKind::Query(q) = &m.kind else {
            continue;
        };
        if !client::valid_id(&m.name) {
            return Err(Error::data(format!(
                "metric `{}`: not a CloudWatch query id ([a-z][a-zA-Z0-9_]*)",
                m.name
            )));
        }
        let r = ranges.get(&m.name).cloned().unwrap_or(range::MetricRange {
            start: t - opts.series_range,
            end: t,
            slices: Vec::new(),
        });
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

    check_slices(&series, opts.allow_coarser_slices, now, t)?;
    coarse_notes(&series, &mut summary);
    coarse_at_t(&series, t);
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
            None => client::connect(&settings).await?,
        };
        let total = client_total_timeout();
        let fetched = tokio::time::timeout(
            total,
            execute(
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

    Ok((assemble(&series)?, summary))
}

fn client_total_timeout() -> Duration {
    let v = std::env::var("SLO_CW_TOTAL_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(900.0);
    Duration::from_secs_f64(v)
}

/// Time-slice SLOs must read what they judge at T at their own period.
fn check_slices(series: &[SeriesState], allow: bool, now: i64, t: i64) -> Result<()> {
    if allow {
        return Ok(());
    }
    for s in series {
        let p = s.query.period;
        for (slo, from) in &s.slices {
            if s.layout.coarse_after(p, *from).is_empty() {
                continue;
            }
            let unit = plan::align_unit(p);
            let from_aligned = plan::floor_to(*from, unit);
            let works = plan::period_chain(p)
                .into_iter()
                .find(|q| plan::servable_from(*q, now, unit) <= from_aligned);
            let hint = match works {
                Some(q) => format!(
                    "a period of {} would work (`period: {q}` for {}), or pass \
                     --allow-coarser-slices to judge the older part by {} slices",
                    secs_label(q),
                    s.label(),
                    secs_label(q)
                ),
                None => "no period reaches that far back (CloudWatch keeps nothing older than \
                         455 days)"
                    .to_string(),
            };
            return Err(Error::data(format!(
                "slo `{slo}`: its {} slices cannot be read from CloudWatch for all it judges: \
                 CloudWatch keeps {} data for {} days, and its window with its lookbacks \
                 reaches back to {} ({} before T)",
                secs_label(p),
                secs_label(p),
                plan::retention(p) / 86_400,
                fmt_time(*from),
                secs_label(t - from),
            ))
            .hint(hint));
        }
    }
    Ok(())
}

fn coarse_notes(series: &[SeriesState], summary: &mut Summary) {
    // (fine, coarse, until) → metric names
    let mut groups: BTreeMap<(i64, i64, i64), Vec<String>> = BTreeMap::new();
    for s in series {
        let p = s.query.period;
        for (q, list) in &s.layout.regions {
            if *q == p {
                continue;
            }
            let until = list.last().map(|x| x.1).unwrap_or(0);
            groups
                .entry((p, *q, until))
                .or_default()
                .extend(s.names.iter().map(|n| format!("`{n}`")));
        }
    }
    for ((p, q, until), names) in groups {
        summary.notes.push(format!(
            "{} before {} read at {} (CloudWatch keeps {} data for {} days)",
            names.join(", "),
            fmt_time(until),
            secs_label(q),
            secs_label(p),
            plan::retention(p) / 86_400
        ));
    }
}

/// Ratio SLIs whose newest data (T itself pinned long ago) is coarse: windows
/// shorter than the coarse period see no point start in them.
fn coarse_at_t(series: &[SeriesState], t: i64) {
    let mut groups: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for s in series.iter().filter(|s| s.slices.is_empty()) {
        let p = s.query.period;
        for (q, list) in &s.layout.regions {
            if *q != p && spans::contains(list, t - p) {
                groups.entry(*q).or_default().push(s.label());
            }
        }
    }
    for (q, names) in groups {
        crate::warn(&format!(
            "as of {}, CloudWatch keeps {} only at {}: burn-rate and alert windows shorter \
             than {} hold no data point",
            fmt_time(t),
            names.join(", "),
            secs_label(q),
            secs_label(q)
        ));
    }
}

/// A progress bar on stderr, shown only on a terminal and once a fetch takes
/// more than a moment.
struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
    visible: bool,
    enabled: bool,
}

impl Progress {
    fn new(calls: usize, quiet: bool) -> Progress {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(calls as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} CloudWatch {bar:30} {pos}/{len} calls, {msg} [{elapsed}]",
        ) {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: Instant::now(),
            visible: false,
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    fn step(&mut self, datapoints: u64) {
        self.bar.inc(1);
        self.bar.set_message(format!("{datapoints} datapoints"));
        if self.enabled && !self.visible && self.started.elapsed() > Duration::from_millis(400) {
            self.visible = true;
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Runs the calls, a few at a time, and writes each one's series to the cache
/// as soon as it completes.
async fn execute(
    conn: &Connection,
    calls: Vec<plan::CallPlan>,
    series: &mut [SeriesState],
    cache: &Cache,
    now: i64,
    quiet: bool,
    summary: &mut Summary,
) -> Result<()> {
    let total = calls.len();
    let mut progress = Progress::new(total, quiet);
    let mut pending = calls.into_iter();
    let mut set = tokio::task::JoinSet::new();
    let mut done = 0usize;
    let mut warned: HashSet<String> = HashSet::new();
    let spawn =
        |set: &mut tokio::task::JoinSet<_>, call: plan::CallPlan, series: &[SeriesState]| {
            let queries: Vec<QuerySpec> = call
                .requests
                .iter()
                .map(|r| QuerySpec {
                    id: series[r.series].id().to_string(),
                    query: series[r.series].query.clone(),
                    period: r.period,
                })
                .collect();
            let conn = conn.clone();
            set.spawn(async move {
                let r = client::get_metric_data(&conn, &call, &queries).await;
                (call, r)
            });
        };
    for call in pending.by_ref().take(CONCURRENCY) {
        spawn(&mut set, call, series);
    }
    let outcome = loop {
        let Some(joined) = set.join_next().await else {
            break Ok(());
        };
        let (call, result) = match joined {
            Ok(x) => x,
            Err(e) => break Err(Error::data(format!("CloudWatch: a fetch task failed: {e}"))),
        };
        let res = match result {
            Ok(r) => r,
            Err(e) => {
                summary.calls += e.pages;
                summary.queries += e.pages * call.requests.len() as u64;
                break Err(e.error);
            }
        };
        summary.calls += res.pages;
        summary.queries += res.pages * call.requests.len() as u64;
        summary.datapoints += res.datapoints;
        for m in &res.messages {
            if warned.insert(m.clone()) {
                crate::warn(m);
            }
        }
        let stored = store_call(&call, res, series, cache, now);
        done += 1;
        progress.step(summary.datapoints);
        if let Err(e) = stored {
            break Err(e);
        }
        if let Some(next) = pending.next() {
            spawn(&mut set, next, series);
        }
    };
    progress.finish();
    set.abort_all();
    outcome.map_err(|e| match e {
        Error::Other {
            kind: Kind::Data,
            message,
            hint,
        } if done < total => Error::Other {
            kind: Kind::Data,
            message: format!(
                "{message}\n  note: {done} of {total} calls completed and are cached; run again to fetch the rest"
            ),
            hint,
        },
        other => other,
    })
}

/// Writes one call's results to the cache; then fails on a result CloudWatch
/// refused (Forbidden, InternalError), naming the metric.
fn store_call(
    call: &plan::CallPlan,
    mut res: CallResult,
    series: &mut [SeriesState],
    cache: &Cache,
    now: i64,
) -> Result<()> {
    use aws_sdk_cloudwatch::types::StatusCode;
    let mut refused: Option<Error> = None;
    for r in &call.requests {
        let s = &mut series[r.series];
        let id = s.id().to_string();
        match res.status.get(&id) {
            Some(StatusCode::Forbidden) | Some(StatusCode::InternalError) => {
                if refused.is_none() {
                    let status = res.status.get(&id).map(|c| c.as_str()).unwrap_or("");
                    let why = res
                        .result_messages
                        .get(&id)
                        .map(|m| m.join("; "))
                        .unwrap_or_default();
                    let e = Error::data(format!(
                        "CloudWatch answered {status} for metric {} ({} {} {}{}){}",
                        s.label(),
                        s.query.namespace,
                        s.query.name,
                        s.query.stat,
                        if s.query.dimensions.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " {}",
                                s.query
                                    .dimensions
                                    .iter()
                                    .map(|(k, v)| format!("{k}={v}"))
                                    .collect::<Vec<_>>()
                                    .join(",")
                            )
                        },
                        if why.is_empty() {
                            String::new()
                        } else {
                            format!(": {why}")
                        },
                    ));
                    refused = Some(if status == "Forbidden" {
                        e.hint("the credentials need cloudwatch:GetMetricData on this metric")
                    } else {
                        e
                    });
                }
                continue;
            }
            _ => {}
        }
        for m in res.result_messages.get(&id).into_iter().flatten() {
            crate::warn(&format!("CloudWatch, metric {}: {m}", s.label()));
        }
        let partial = res.partial(&id);
        if partial {
            crate::warn(&format!(
                "CloudWatch returned partial data for {} ({} – {}); it is fetched again next run",
                s.label(),
                fmt_time(r.start),
                fmt_time(r.end)
            ));
        }
        let points = res.series.remove(&id).unwrap_or_default();
        let final_until = plan::floor_to(now - cache::REVISABLE, r.period);
        let Some(entry) = s.entries.get_mut(&r.period) else {
            continue;
        };
        entry.record(r.start, r.end, points, final_until, partial);
        cache.store(entry)?;
    }
    match refused {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The series of every metric name from the cache entries, by the layout.
fn assemble(series: &[SeriesState]) -> Result<DataSet> {
    let mut out = DataSet::new();
    for s in series {
        let p = s.query.period;
        let expand_slices = !s.slices.is_empty();
        let add = additive(&s.query.stat);
        let mut pts: Vec<(i64, f64)> = Vec::new();
        for (q, list) in &s.layout.regions {
            let Some(entry) = s.entries.get(q) else {
                continue;
            };
            for span in list {
                let got = entry.points_in(*span);
                if *q != p && expand_slices {
                    pts.extend(expand(got, *q, p, add));
                } else {
                    pts.extend_from_slice(got);
                }
            }
        }
        for &(t, v) in &pts {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::data(format!(
                    "CloudWatch: metric {} at {}: value {v} is {}",
                    s.label(),
                    fmt_time(t),
                    if v.is_finite() {
                        "negative"
                    } else {
                        "not a finite number"
                    }
                )));
            }
        }
        let ts = TimeSeries::from_points(pts).map_err(|t| {
            Error::data(format!(
                "CloudWatch: metric {} has two points at {}",
                s.label(),
                fmt_time(t)
            ))
        })?;
        for n in &s.names {
            out.insert(n.clone(), ts.clone());
        }
    }
    // Spans of coarse data hold no fine points and vice versa: regions are disjoint.
    debug_assert!(series.iter().all(|s| {
        let all: Vec<(i64, i64)> = s.layout.regions.iter().flat_map(|r| r.1.clone()).collect();
        spans::total(&spans::normalize(all.clone())) == spans::total(&all)
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_spreads_sums_and_repeats_the_rest() {
        let pts = [(300, 10.0), (600, 5.0)];
        let e = expand(&pts, 300, 60, true);
        assert_eq!(e.len(), 10);
        assert_eq!(e[0], (300, 2.0));
        assert_eq!(e[4], (540, 2.0));
        assert_eq!(e[5], (600, 1.0));
        let e = expand(&pts, 300, 60, false);
        assert_eq!(e[4], (540, 10.0));
        assert!(
            additive("Sum")
                && additive("SampleCount")
                && additive("TC(:2)")
                && additive("ts(10%:90%)")
        );
        assert!(
            !additive("p95") && !additive("Average") && !additive("PR(:2)") && !additive("Maximum")
        );
    }
}
