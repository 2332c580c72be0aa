//! Planning GetMetricData calls, without any I/O: which period serves which part
//! of a series (CloudWatch's retention), what the cache lacks, and how the
//! queries pack into calls.
//!
//! **Retention.** CloudWatch answers a query only when its period suits the
//! call's `StartTime`: within 3 hours any period, within 15 days a multiple of
//! 60 s, within 63 days a multiple of 300 s, within 455 days a multiple of
//! 3600 s. A query whose period is too fine for its start time returns nothing
//! and says nothing. [`layout`] therefore splits a series' range into regions,
//! finest period first: the period of slo.yaml where CloudWatch still keeps it
//! (or where the cache already holds it), then `lcm(period, 300)`, then
//! `lcm(period, 3600)`. A coarse region covers whole periods of its own (the
//! boundaries CloudWatch's retention sets fall on whole hours), so a coarse
//! point never overlaps a fine one.
//!
//! **Packing.** One call carries up to [`MAX_QUERIES`] queries and returns up to
//! [`MAX_DATAPOINTS`] points per page. Queries that share a time range are
//! packed by first-fit decreasing on their expected points (`range / period`);
//! a query is never split across calls (CloudWatch bills every query of every
//! call, so splitting would cost more than the call it saves), except one that
//! alone exceeds a page. The lower bound per time range is
//! `ceil(max(queries / 500, points / 100800))` ([`min_calls`]); with equal
//! queries the packing is optimal for unsplit queries (`ceil(n / k)` with
//! `k = min(500, floor(100800 / points))`).

use std::collections::BTreeMap;

/// Queries per GetMetricData call.
pub const MAX_QUERIES: usize = 500;
/// Datapoints per GetMetricData page.
pub const MAX_DATAPOINTS: u64 = 100_800;
/// Leeway between planning a call and CloudWatch checking its start time.
pub const RETENTION_MARGIN: i64 = 600;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// Half-open time spans `[a, b)` in epoch seconds: sorted, disjoint, not empty.
pub type Spans = Vec<(i64, i64)>;

/// How long CloudWatch serves data at this period (seconds).
pub fn retention(period: i64) -> i64 {
    if period < 60 {
        3 * HOUR
    } else if period % 300 != 0 {
        15 * DAY
    } else if period % 3_600 != 0 {
        63 * DAY
    } else {
        455 * DAY
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

pub fn lcm(a: i64, b: i64) -> i64 {
    a / gcd(a, b) * b
}

pub fn floor_to(t: i64, unit: i64) -> i64 {
    t - t.rem_euclid(unit)
}

pub fn ceil_to(t: i64, unit: i64) -> i64 {
    let r = t.rem_euclid(unit);
    if r == 0 {
        t
    } else {
        t + unit - r
    }
}

/// The periods that can serve a series of period `p`, finest first:
/// `p`, then the coarser multiples CloudWatch keeps longer.
pub fn period_chain(p: i64) -> Vec<i64> {
    let mut out = vec![p];
    for unit in [60, 300, 3_600] {
        let q = lcm(p, unit);
        if q > *out.last().unwrap_or(&0) {
            out.push(q);
        }
    }
    out
}

/// The unit every region boundary of a series of period `p` falls on.
pub fn align_unit(p: i64) -> i64 {
    lcm(p, 3_600)
}

/// The oldest aligned time from which CloudWatch serves period `period` at `now`.
pub fn servable_from(period: i64, now: i64, unit: i64) -> i64 {
    ceil_to(now - retention(period) + RETENTION_MARGIN, unit)
}

/// Operations on [`Spans`].
pub mod spans {
    use super::Spans;

    /// Sorts, drops empty spans and merges overlapping or touching ones.
    pub fn normalize(mut v: Spans) -> Spans {
        v.retain(|(a, b)| a < b);
        v.sort_unstable();
        let mut out: Spans = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        out
    }

    pub fn union(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
        normalize(a.iter().chain(b).copied().collect())
    }

    pub fn intersect(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo < hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        out
    }

    pub fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
        let mut out = Vec::new();
        let mut j = 0;
        for &(mut lo, hi) in a {
            while j < b.len() && b[j].1 <= lo {
                j += 1;
            }
            let mut k = j;
            while k < b.len() && b[k].0 < hi {
                if b[k].0 > lo {
                    out.push((lo, b[k].0));
                }
                lo = lo.max(b[k].1);
                k += 1;
            }
            if lo < hi {
                out.push((lo, hi));
            }
        }
        out
    }

    /// The seconds the spans cover.
    pub fn total(a: &[(i64, i64)]) -> i64 {
        a.iter().map(|(x, y)| y - x).sum()
    }

    pub fn contains(a: &[(i64, i64)], t: i64) -> bool {
        let i = a.partition_point(|s| s.1 <= t);
        i < a.len() && a[i].0 <= t
    }
}

/// What the cache holds for one query at one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Fetched, and older than CloudWatch may still revise: never fetched again.
    pub complete: Spans,
    /// Fetched, but recent when fetched: fetched again while CloudWatch serves it.
    pub tentative: Spans,
}

impl Coverage {
    pub fn all(&self) -> Spans {
        spans::union(&self.complete, &self.tentative)
    }
}

/// How one series' range is served.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The range, floored (start) and ceiled (end) to the period.
    pub range: (i64, i64),
    /// The part each period serves, finest first (only periods that serve some).
    pub regions: Vec<(i64, Spans)>,
    /// What to fetch, by period; each span aligned to its period.
    pub fetch: Vec<(i64, Spans)>,
    /// What nothing serves: older than CloudWatch keeps anything, or, offline,
    /// not in the cache.
    pub missing: Spans,
}

impl Layout {
    /// The periods coarser than `p` that serve part of `[from, range end)`.
    pub fn coarse_after(&self, p: i64, from: i64) -> Vec<(i64, Spans)> {
        self.regions
            .iter()
            .filter(|(q, _)| *q != p)
            .map(|(q, s)| (*q, spans::intersect(s, &[(from, self.range.1)])))
            .filter(|(_, s)| !s.is_empty())
            .collect()
    }
}

/// Lays out a series of period `p` needed over `[start, end)` at wall time
/// `now`, given what the cache holds per period (`cached`). Offline, only the
/// cache serves.
///
/// Each part goes to the finest period that the cache holds or CloudWatch
/// serves there; then each coarser region is widened to whole periods of its
/// own, and the finer regions give way, so that no coarse point overlaps a
/// fine one.
pub fn layout(
    p: i64,
    start: i64,
    end: i64,
    now: i64,
    cached: &BTreeMap<i64, Coverage>,
    offline: bool,
) -> Layout {
    layout_with(p, start, end, now, cached, offline, false)
}

/// The start, no earlier than `from`, of a span ending at `end` whose points
/// at period `p` fill GetMetricData pages with whole queries: `100,800 / k`
/// points for the smallest `k` that fits. Fifteen days of minutes (21,600
/// points) leave a page room for four queries and 14,400 points unused;
/// fourteen days (20,160) take five to the last point.
pub fn page_fitting_start(p: i64, from: i64, end: i64, unit: i64) -> i64 {
    let pts = (end - from) / p;
    if pts <= 0 {
        return from;
    }
    let max = MAX_DATAPOINTS as i64;
    let k = (max + pts - 1) / pts;
    ceil_to(end - (max / k) * p, unit).max(from)
}

/// [`layout`], and with `fit_pages` the part served at the series' own period
/// starts where its queries fill pages exactly ([`page_fitting_start`]); what
/// that leaves out is served by the next coarser period, as retention would.
/// For ratio SLIs only: sums stay exact, and the calls come close to the fewest
/// the API's limits allow.
pub fn layout_with(
    p: i64,
    start: i64,
    end: i64,
    now: i64,
    cached: &BTreeMap<i64, Coverage>,
    offline: bool,
    fit_pages: bool,
) -> Layout {
    let unit = align_unit(p);
    let (s, e) = (floor_to(start, p), ceil_to(end, p));
    let mut out = Layout {
        range: (s, e),
        ..Layout::default()
    };
    if s >= e {
        return out;
    }
    let empty = Coverage::default();
    let chain = period_chain(p);
    let servable = |period: i64| -> Spans {
        if offline {
            Vec::new()
        } else {
            let mut from = servable_from(period, now, unit);
            if fit_pages && period == p && chain.len() > 1 {
                from = page_fitting_start(p, from, e, unit);
            }
            vec![(from, i64::MAX)]
        }
    };
    let mut rest: Spans = vec![(s, e)];
    let mut regions: Vec<(i64, Spans)> = Vec::new();
    for &period in &chain {
        let cov = cached.get(&period).unwrap_or(&empty);
        let take = spans::intersect(&rest, &spans::union(&cov.all(), &servable(period)));
        if !take.is_empty() {
            rest = spans::subtract(&rest, &take);
            regions.push((period, take));
        }
    }
    // Coarsest first: whole periods, and what a coarser region claimed is gone.
    let mut claimed: Spans = Vec::new();
    for (period, list) in regions.iter_mut().rev() {
        let widened = spans::normalize(
            list.iter()
                .map(|&(a, b)| (floor_to(a, *period), ceil_to(b, *period)))
                .collect(),
        );
        *list = spans::subtract(&widened, &claimed);
        claimed = spans::union(&claimed, list);
    }
    regions.retain(|(_, l)| !l.is_empty());
    let mut missing = spans::subtract(&rest, &claimed);
    for (period, list) in &regions {
        let cov = cached.get(period).unwrap_or(&empty);
        let serv = servable(*period);
        let need = spans::subtract(&spans::intersect(list, &serv), &cov.complete);
        if !need.is_empty() {
            out.fetch.push((*period, need));
        }
        let lacking = spans::subtract(&spans::subtract(list, &cov.all()), &serv);
        missing = spans::union(&missing, &lacking);
    }
    out.regions = regions;
    out.missing = missing;
    out
}

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
    use super::*;

    const T: i64 = 1_795_392_000; // 2026-11-23T00:00:00Z

    fn uniform(n: usize, period: i64, days: i64) -> (Vec<CallPlan>, Vec<Request>) {
        let m = MetricSpec {
            period,
            start: T - days * DAY,
            end: T,
        };
        plan_metrics(&vec![m; n], T)
    }

    #[test]
    fn spans_algebra() {
        let a = spans::normalize(vec![(5, 10), (0, 3), (3, 4), (20, 20)]);
        assert_eq!(a, vec![(0, 4), (5, 10)]);
        assert_eq!(
            spans::subtract(&[(0, 10)], &[(2, 3), (5, 7)]),
            vec![(0, 2), (3, 5), (7, 10)]
        );
        assert_eq!(spans::subtract(&[(0, 10)], &[(-5, 20)]), vec![]);
        assert_eq!(
            spans::intersect(&[(0, 10), (20, 30)], &[(5, 25)]),
            vec![(5, 10), (20, 25)]
        );
        assert!(spans::contains(&[(0, 10), (20, 30)], 20));
        assert!(!spans::contains(&[(0, 10), (20, 30)], 10));
        assert_eq!(spans::total(&[(0, 10), (20, 30)]), 20);
    }

    #[test]
    fn periods_and_retention() {
        assert_eq!(period_chain(60), vec![60, 300, 3600]);
        assert_eq!(period_chain(1), vec![1, 60, 300, 3600]);
        assert_eq!(period_chain(300), vec![300, 3600]);
        assert_eq!(period_chain(420), vec![420, 2100, 25200]);
        assert_eq!(period_chain(3600), vec![3600]);
        assert_eq!(retention(60), 15 * DAY);
        assert_eq!(retention(120), 15 * DAY);
        assert_eq!(retention(600), 63 * DAY);
        assert_eq!(retention(7200), 455 * DAY);
        assert_eq!(retention(10), 3 * HOUR);
    }

    #[test]
    fn recent_range_is_one_fine_region() {
        let l = layout(60, T - 10 * DAY, T, T, &BTreeMap::new(), false);
        assert_eq!(l.regions, vec![(60, vec![(T - 10 * DAY, T)])]);
        assert_eq!(l.fetch, vec![(60, vec![(T - 10 * DAY, T)])]);
        assert!(l.missing.is_empty());
    }

    #[test]
    fn old_range_is_served_coarser_on_hour_boundaries() {
        let now = T + 1_234; // not aligned
        let l = layout(60, T - 40 * DAY, T, now, &BTreeMap::new(), false);
        let b15 = ceil_to(now - 15 * DAY + RETENTION_MARGIN, 3600);
        assert_eq!(b15 % 3600, 0);
        assert_eq!(
            l.regions,
            vec![(60, vec![(b15, T)]), (300, vec![(T - 40 * DAY, b15)])]
        );
        // Every start is servable at its period.
        for (p, list) in &l.fetch {
            for (a, _) in list {
                assert!(*a >= now - retention(*p), "{p} from {a}");
                assert_eq!(a % p, 0);
            }
        }
        // 500 days back: 3600 s beyond 63 days, nothing beyond 455 days.
        let l = layout(60, T - 500 * DAY, T, T, &BTreeMap::new(), false);
        assert_eq!(
            l.regions.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![60, 300, 3600]
        );
        assert_eq!(l.missing.len(), 1);
        assert!(l.missing[0].1 > T - 455 * DAY);
    }

    #[test]
    fn cache_limits_the_fetch_and_finer_cache_wins() {
        let mut cached = BTreeMap::new();
        cached.insert(
            60,
            Coverage {
                complete: vec![(T - 20 * DAY, T - 3600)],
                tentative: vec![(T - 3600, T - 1800)],
            },
        );
        let l = layout(60, T - 20 * DAY, T, T, &cached, false);
        // The fine cache serves even beyond 15 days; only the tentative tail and
        // the newest half hour are fetched.
        assert_eq!(l.regions, vec![(60, vec![(T - 20 * DAY, T)])]);
        assert_eq!(l.fetch, vec![(60, vec![(T - 3600, T)])]);
        // Offline: the cache alone; the newest half hour is missing.
        let l = layout(60, T - 20 * DAY, T, T, &cached, true);
        assert!(l.fetch.is_empty());
        assert_eq!(l.missing, vec![(T - 1800, T)]);
    }

    #[test]
    fn unaligned_fine_cache_gives_way_to_whole_coarse_periods() {
        let now = T;
        let old_end = T - 20 * DAY + 1_500; // a run 20 days ago, not hour-aligned
        let mut cached = BTreeMap::new();
        cached.insert(
            60,
            Coverage {
                complete: vec![(T - 30 * DAY, old_end)],
                tentative: vec![],
            },
        );
        let l = layout(60, T - 30 * DAY, T, now, &cached, false);
        let fine = &l.regions[0];
        assert_eq!(fine.0, 60);
        assert_eq!(fine.1[0], (T - 30 * DAY, floor_to(old_end, 300)));
        let coarse = &l.regions[1];
        assert_eq!(coarse.0, 300);
        assert_eq!(coarse.1[0].0, floor_to(old_end, 300));
        assert_eq!(l.fetch[1], (300, coarse.1.clone()));
        assert!(l.missing.is_empty());
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
    fn page_fitting_start_fills_pages() {
        // 15 days minus the margin at 60 s shrinks to 14 days: 20,160 points.
        let from = servable_from(60, T, 3600);
        let s = page_fitting_start(60, from, T, 3600);
        assert_eq!(s, T - 14 * DAY);
        assert_eq!(MAX_DATAPOINTS as i64 % ((T - s) / 60), 0);
        // A span that already fits is left alone.
        assert_eq!(page_fitting_start(60, T - 10 * DAY, T, 3600), T - 10 * DAY);
        // Only ratio series are fitted: the plain layout serves all CloudWatch keeps.
        let plain = layout(60, T - 30 * DAY, T, T, &BTreeMap::new(), false);
        let fitted = layout_with(60, T - 30 * DAY, T, T, &BTreeMap::new(), false, true);
        assert_eq!(plain.fetch[0].1, vec![(from, T)]);
        assert_eq!(fitted.fetch[0].1, vec![(T - 14 * DAY, T)]);
        assert_eq!(fitted.fetch[1].1, vec![(T - 30 * DAY, T - 14 * DAY)]);
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
