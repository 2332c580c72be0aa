//! Packing queries into GetMetricData calls: first-fit decreasing under the
//! API's two limits, ranges that end together coalesced.

use super::layout::layout_with;
use super::retention::*;
use crate::source::spans::Spans;
use std::collections::BTreeMap;

/// Queries per GetMetricData call.
pub const MAX_QUERIES: usize = 500;
/// Datapoints per GetMetricData page.
pub const MAX_DATAPOINTS: u64 = 100_800;

/// One query of a call: series `series` at `period` over `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub series: usize,
    pub period: i64,
    pub start: i64,
    pub end: i64,
    /// The earliest start CloudWatch serves it from: a call may start it there
    /// to share its time range with other queries.
    pub earliest: i64,
}

impl Request {
    /// The most points CloudWatch can return for it.
    pub fn datapoints(&self) -> u64 {
        ((self.end - self.start + self.period - 1) / self.period).max(0) as u64
    }
}

/// One GetMetricData call (it may take several pages): a time range and its queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPlan {
    pub start: i64,
    pub end: i64,
    pub requests: Vec<Request>,
}

impl CallPlan {
    pub fn datapoints(&self) -> u64 {
        self.requests.iter().map(Request::datapoints).sum()
    }
}

/// The requests of series `series` (of period `p`) from its layout's fetch
/// list at wall time `now`; a span with more points than a page is cut into
/// pieces that fit one.
pub fn requests(series: usize, p: i64, fetch: &[(i64, Spans)], now: i64) -> Vec<Request> {
    let mut out = Vec::new();
    for (period, list) in fetch {
        let chunk = MAX_DATAPOINTS as i64 * period;
        let earliest = servable_from(*period, now, align_unit(p));
        for &(a, b) in list {
            let mut lo = a;
            while lo < b {
                let hi = (lo + chunk).min(b);
                out.push(Request {
                    series,
                    period: *period,
                    start: lo,
                    end: hi,
                    earliest: earliest.min(lo),
                });
                lo = hi;
            }
        }
    }
    out
}

/// First-fit decreasing by points under both limits; each bin is a call.
fn pack(mut reqs: Vec<Request>) -> Vec<Vec<Request>> {
    reqs.sort_by(|a, b| {
        b.datapoints()
            .cmp(&a.datapoints())
            .then(a.series.cmp(&b.series))
            .then(a.period.cmp(&b.period))
    });
    let mut bins: Vec<(u64, Vec<Request>)> = Vec::new();
    // The first bin that may still have room: bins before it are full by count.
    let mut first_open = 0;
    for r in reqs {
        let d = r.datapoints();
        let slot = bins[first_open..]
            .iter()
            .position(|(pts, rs)| rs.len() < MAX_QUERIES && pts + d <= MAX_DATAPOINTS)
            .map(|i| i + first_open);
        match slot {
            Some(i) => {
                bins[i].0 += d;
                bins[i].1.push(r);
            }
            None => bins.push((d, vec![r])),
        }
        while first_open < bins.len() && bins[first_open].1.len() >= MAX_QUERIES {
            first_open += 1;
        }
    }
    bins.into_iter()
        .map(|(_, mut rs)| {
            rs.sort_by_key(|r| (r.series, r.period));
            rs
        })
        .collect()
}

/// Time ranges that end together share calls: a later-starting group joins
/// the earliest-starting one when every query of it can start there and the
/// two then need fewer calls. Its queries return more points (cached too),
/// never more queries, so CloudWatch's bill does not grow.
fn coalesce(groups: BTreeMap<(i64, i64), Vec<Request>>) -> Vec<((i64, i64), Vec<Request>)> {
    let mut by_end: BTreeMap<i64, Vec<(i64, Vec<Request>)>> = BTreeMap::new();
    for ((start, end), reqs) in groups {
        by_end.entry(end).or_default().push((start, reqs));
    }
    let mut out = Vec::new();
    for (end, list) in by_end {
        let mut list = list.into_iter();
        let Some((s0, mut base)) = list.next() else {
            continue;
        };
        let mut base_calls = pack(base.clone()).len();
        for (s, g) in list {
            let moved: Vec<Request> = g
                .iter()
                .map(|r| Request {
                    start: s0,
                    ..r.clone()
                })
                .collect();
            let fits = moved.iter().all(|r| {
                r.earliest <= s0 && s0 % r.period == 0 && r.datapoints() <= MAX_DATAPOINTS
            });
            if fits {
                let mut merged = base.clone();
                merged.extend(moved);
                let n = pack(merged.clone()).len();
                if n < base_calls + pack(g.clone()).len() {
                    base = merged;
                    base_calls = n;
                    continue;
                }
            }
            out.push(((s, end), g));
        }
        out.push(((s0, end), base));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

/// Packs requests into calls: those of one time range together (after
/// [`coalesce`]), first-fit decreasing by points under both limits.
/// Deterministic: calls by time range, then by packing order; queries in a
/// call by series.
pub fn plan_calls(requests: Vec<Request>) -> Vec<CallPlan> {
    let mut groups: BTreeMap<(i64, i64), Vec<Request>> = BTreeMap::new();
    for r in requests {
        groups.entry((r.start, r.end)).or_default().push(r);
    }
    let mut calls = Vec::new();
    for ((start, end), reqs) in coalesce(groups) {
        for rs in pack(reqs) {
            calls.push(CallPlan {
                start,
                end,
                requests: rs,
            });
        }
    }
    calls
}

/// The fewest calls any packing could make: per time range,
/// `ceil(max(queries / 500, points / 100800))`.
pub fn min_calls(requests: &[Request]) -> usize {
    let mut groups: BTreeMap<(i64, i64), (u64, u64)> = BTreeMap::new();
    for r in requests {
        let g = groups.entry((r.start, r.end)).or_default();
        g.0 += 1;
        g.1 += r.datapoints();
    }
    groups
        .values()
        .map(|&(n, pts)| {
            n.div_ceil(MAX_QUERIES as u64)
                .max(pts.div_ceil(MAX_DATAPOINTS)) as usize
        })
        .sum()
}

/// A metric for [`plan_metrics`]: its period and the range it is needed over.
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    pub period: i64,
    pub start: i64,
    pub end: i64,
}

/// The calls that fetch `metrics` into an empty cache at wall time `now`
/// (what a benchmark counts), with the requests they carry.
pub fn plan_metrics(metrics: &[MetricSpec], now: i64) -> (Vec<CallPlan>, Vec<Request>) {
    let none = BTreeMap::new();
    let reqs: Vec<Request> = metrics
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            let l = layout_with(m.period, m.start, m.end, now, &none, false, true);
            requests(i, m.period, &l.fetch, now)
        })
        .collect();
    (plan_calls(reqs.clone()), reqs)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn uniform(n: usize, period: i64, days: i64) -> (Vec<CallPlan>, Vec<Request>) {
        let m = MetricSpec {
            period,
            start: T - days * DAY,
            end: T,
        };
        plan_metrics(&vec![m; n], T)
    }

    #[test]
    fn call_counts_meet_the_minimum() {
        // 300 s over 7 days: 2016 points, 50 queries fill a page exactly.
        for n in [1, 50, 51, 100, 1000, 1200] {
            let (calls, reqs) = uniform(n, 300, 7);
            assert_eq!(reqs.len(), n);
            assert_eq!(calls.len(), min_calls(&reqs), "n = {n}");
            assert_eq!(calls.len(), n.div_ceil(50));
        }
        // 3600 s over 7 days: 168 points; the 500-query limit binds.
        for n in [1, 500, 501, 1000] {
            let (calls, reqs) = uniform(n, 3600, 7);
            assert_eq!(calls.len(), min_calls(&reqs));
            assert_eq!(calls.len(), n.div_ceil(500));
        }
        // 60 s over 10 days: 14400 points, 7 a page exactly.
        let (calls, reqs) = uniform(700, 60, 10);
        assert_eq!(calls.len(), 100);
        assert_eq!(calls.len(), min_calls(&reqs));
        for c in &calls {
            assert!(c.requests.len() <= MAX_QUERIES);
            assert!(c.datapoints() <= MAX_DATAPOINTS);
        }
    }

    #[test]
    fn thirty_days_against_the_minimum() {
        // 60 s over 30 days: 14 days at 60 s (20,160 points, 5 queries fill a
        // page), the rest at 300 s (16 days, 4,608 points, 21 a page).
        for (n, want) in [(1, 2), (100, 20 + 5), (1000, 200 + 48)] {
            let (calls, reqs) = uniform(n, 60, 30);
            assert_eq!(reqs.len(), 2 * n);
            assert_eq!(calls.len(), want, "n = {n}");
            let min = min_calls(&reqs);
            assert!(calls.len() >= min);
            // Unsplit queries: each time range at most one call above the minimum.
            assert!(calls.len() <= min + 2, "{} vs {min}", calls.len());
            for c in &calls {
                assert!(c.requests.len() <= MAX_QUERIES && c.datapoints() <= MAX_DATAPOINTS);
            }
        }
    }

    #[test]
    fn mixed_sizes_fill_pages_first_fit() {
        // 3 queries of 60000 points and 6 of 20000 over one range: FFD puts two
        // small ones with each big one (100000 points a page).
        let reqs: Vec<Request> = (0..9)
            .map(|i| Request {
                series: i,
                period: if i < 3 { 60 } else { 180 },
                start: 0,
                end: 3_600_000,
                earliest: 0,
            })
            .collect();
        let calls = plan_calls(reqs.clone());
        assert_eq!(calls.len(), min_calls(&reqs));
        assert_eq!(calls.len(), 3);
    }

    #[test]
    fn huge_single_query_is_cut_to_pages() {
        let r = requests(0, 1, &[(1, vec![(0, 250_000)])], 300_000);
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].end, 250_000);
        assert!(r.iter().all(|r| r.datapoints() <= MAX_DATAPOINTS));
    }

    #[test]
    fn ranges_ending_together_share_calls_when_that_saves_one() {
        let now = T;
        let specs = [
            MetricSpec {
                period: 60,
                start: T - 9 * DAY,
                end: T,
            },
            MetricSpec {
                period: 60,
                start: T - 9 * DAY,
                end: T,
            },
            MetricSpec {
                period: 60,
                start: T - 8 * DAY,
                end: T,
            },
            MetricSpec {
                period: 300,
                start: T - 2 * DAY,
                end: T,
            },
        ];
        let (calls, reqs) = plan_metrics(&specs, now);
        assert_eq!(min_calls(&reqs), 3);
        assert_eq!(calls.len(), 1);
        assert!(calls[0].requests.iter().all(|r| r.start == T - 9 * DAY));
        assert!(calls[0].datapoints() <= MAX_DATAPOINTS);
        // Too many points together (6 x 20160 > 100800): they stay apart.
        let mut specs = vec![
            MetricSpec {
                period: 60,
                start: T - 14 * DAY,
                end: T,
            };
            3
        ];
        specs.extend(vec![
            MetricSpec {
                period: 60,
                start: T - 13 * DAY,
                end: T,
            };
            3
        ]);
        let (calls, _) = plan_metrics(&specs, now);
        assert_eq!(calls.len(), 2);
        assert_ne!(calls[0].start, calls[1].start);
        // A 60 s query cannot start where CloudWatch no longer keeps 60 s data.
        let specs = [
            MetricSpec {
                period: 300,
                start: T - 30 * DAY,
                end: T,
            },
            MetricSpec {
                period: 60,
                start: T - DAY,
                end: T,
            },
        ];
        let (calls, _) = plan_metrics(&specs, now);
        assert_eq!(calls.len(), 2);
        assert!(calls
            .iter()
            .all(|c| c.requests.iter().all(|r| r.start >= r.earliest)));
    }
}
