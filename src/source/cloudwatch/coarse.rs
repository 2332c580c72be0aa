//! Coarser periods: data older than CloudWatch keeps at a metric's period is
//! read at a coarser one (see the module doc of [`super`]). Here: the check
//! that time slices judged at T keep their own period, the notes that say
//! what was read coarser, and the assembly of each series from its periods.

use super::plan;
use super::{SeriesState, Stats};
use crate::error::{Error, Result};
use crate::series::{fmt_time, DataSet, TimeSeries};
use crate::source::spans::{self, Spans};
use std::collections::BTreeMap;

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

pub(super) fn fmt_spans(s: &Spans) -> String {
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

pub(super) fn secs_label(p: i64) -> String {
    crate::duration::Dur(p).to_string()
}

/// Time-slice SLOs must read what they judge at T at their own period.
pub(super) fn check_slices(series: &[SeriesState], allow: bool, now: i64, t: i64) -> Result<()> {
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

pub(super) fn coarse_notes(series: &[SeriesState], summary: &mut Stats) {
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
pub(super) fn coarse_at_t(series: &[SeriesState], t: i64) {
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

/// The series of every metric name from the cache entries, by the layout.
pub(super) fn assemble(series: &[SeriesState]) -> Result<DataSet> {
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
            if let Some(what) = crate::series::value_problem(v) {
                return Err(Error::data(format!(
                    "CloudWatch: metric {} at {}: value {v} is {what}",
                    s.label(),
                    fmt_time(t),
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
