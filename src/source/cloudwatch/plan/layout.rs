//! Which period serves which part of a series: the finest that the cache
//! holds or CloudWatch still keeps, coarser regions widened to whole periods.

use super::pack::MAX_DATAPOINTS;
use super::retention::*;
use crate::source::cache::Coverage;
use crate::source::spans::{self, Spans};
use std::collections::BTreeMap;

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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

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
}
