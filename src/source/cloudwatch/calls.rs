//! The calls: run a few at a time, each one's series written to the cache as
//! soon as it completes, so an interrupted fetch keeps what arrived.

use super::client::{self, CallResult, Connection, QuerySpec};
use super::{plan, SeriesState, Stats};
use crate::error::{Error, Kind, Result};
use crate::series::fmt_time;
use crate::source::cache::Cache;
use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Calls in flight at once.
const CONCURRENCY: usize = 4;

pub(super) fn client_total_timeout() -> Duration {
    let v = std::env::var("SLO_CW_TOTAL_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(900.0);
    Duration::from_secs_f64(v)
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
pub(super) async fn execute(
    conn: &Connection,
    calls: Vec<plan::CallPlan>,
    series: &mut [SeriesState],
    cache: &Cache,
    now: i64,
    quiet: bool,
    summary: &mut Stats,
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
        let final_until = plan::floor_to(now - crate::source::cache::REVISABLE, r.period);
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
