//! `cargo bench --bench cloudwatch`: what the CloudWatch source asks for (issue 3).
//!
//! For 1, 100 and 1,000 metrics over 30 days it prints the GetMetricData calls
//! the planner makes into an empty cache against the fewest the API's two
//! limits allow (500 queries, 100,800 datapoints a call), and the datapoints a
//! second run one week later fetches against the cold fetch. It runs the real
//! planner and cache layout, with no network: the calls are counted, not timed.

use slo::source::cache::{Coverage, Entry, REVISABLE};
use slo::source::cloudwatch::key::CacheKey;
use slo::source::cloudwatch::plan::{
    floor_to, layout_with, min_calls, plan_calls, requests, MetricSpec, Request,
};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
const T0: i64 = 1_795_392_000; // 2026-11-23T00:00:00Z

/// The cache of one metric: an entry per period, as the product keeps it.
type MetricCache = BTreeMap<i64, Entry<CacheKey>>;

fn key(period: i64) -> CacheKey {
    CacheKey {
        namespace: "AWS/ApplicationELB".into(),
        name: "RequestCount".into(),
        dimensions: BTreeMap::new(),
        stat: "Sum".into(),
        period,
        region: "us-east-1".into(),
        endpoint: String::new(),
        profile: String::new(),
    }
}

/// Plans a fetch at `now` of `n` metrics needed over `[now - 30d, now)`, each
/// with its cache; returns the requests and records what they fetched with
/// the product's own bookkeeping (`Entry::record`, as the CloudWatch source
/// does after each call).
fn run(n: usize, period: i64, now: i64, caches: &mut [MetricCache]) -> Vec<Request> {
    let mut all = Vec::new();
    for (i, cache) in caches.iter_mut().enumerate().take(n) {
        let covered: BTreeMap<i64, Coverage> = cache
            .iter()
            .map(|(p, e)| (*p, e.coverage.clone()))
            .collect();
        let l = layout_with(period, now - 30 * DAY, now, now, &covered, false, true);
        let reqs = requests(i, period, &l.fetch, now);
        for r in &reqs {
            let e = cache
                .entry(r.period)
                .or_insert_with(|| Entry::empty(key(r.period)));
            let final_until = floor_to(now - REVISABLE, r.period);
            e.record(r.start, r.end, Vec::new(), final_until, false);
        }
        all.extend(reqs);
    }
    all
}

/// Points of `warm` that `cold` had fetched already (same series and period).
fn overlap(cold: &[Request], warm: &[Request]) -> u64 {
    warm.iter()
        .map(|w| {
            cold.iter()
                .filter(|c| c.series == w.series && c.period == w.period)
                .map(|c| {
                    let (a, b) = (c.start.max(w.start), c.end.min(w.end));
                    if b > a {
                        ((b - a) / w.period) as u64
                    } else {
                        0
                    }
                })
                .sum::<u64>()
        })
        .sum()
}

fn points(reqs: &[Request]) -> u64 {
    reqs.iter().map(Request::datapoints).sum()
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    println!("\n| metrics | period | calls (cold) | minimum | ratio | datapoints (cold) | fetched a week later | share | of which already cached |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for period in [60, 300] {
        for n in [1usize, 100, 1000] {
            let mut caches: Vec<MetricCache> = (0..n).map(|_| BTreeMap::new()).collect();
            let cold = run(n, period, T0, &mut caches);
            let calls = plan_calls(cold.clone()).len();
            let min = min_calls(&cold);
            let warm = run(n, period, T0 + 7 * DAY, &mut caches);
            let (c, w) = (points(&cold), points(&warm));
            let again = overlap(&cold, &warm);
            println!(
                "| {n} | {period} s | {calls} | {min} | {:.3}× | {c} | {w} | {:.1} % | {again} ({:.2} %) |",
                calls as f64 / min as f64,
                100.0 * w as f64 / c as f64,
                100.0 * again as f64 / c as f64
            );
        }
    }
    // The planner's own entry point agrees with the loop above.
    let spec = vec![
        MetricSpec {
            period: 60,
            start: T0 - 30 * DAY,
            end: T0
        };
        100
    ];
    let (calls, reqs) = slo::source::cloudwatch::plan::plan_metrics(&spec, T0);
    println!(
        "\nplan_metrics, 100 metrics at 60 s: {} calls, minimum {}",
        calls.len(),
        min_calls(&reqs)
    );
}
