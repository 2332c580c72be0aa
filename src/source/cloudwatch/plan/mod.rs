//! Planning GetMetricData calls, without any I/O: which period serves which part
//! of a series (CloudWatch's retention), what the cache lacks, and how the
//! queries pack into calls.
//!
//! **Retention.** CloudWatch answers a query only when its period suits the
//! call's `StartTime`: within 3 hours any period, within 15 days a multiple of
//! 60 s, within 63 days a multiple of 300 s, within 455 days a multiple of
//! 3600 s. A query whose period is too fine for its start time returns nothing
//! and says nothing. [`layout()`] therefore splits a series' range into regions,
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
//!
//! [`retention`]: what CloudWatch keeps at which period; [`layout`]: which
//! period serves which part of a series; [`pack`]: the calls.

mod layout;
mod pack;
mod retention;

pub use layout::{layout, layout_with, page_fitting_start, Layout};
pub use pack::{
    min_calls, plan_calls, plan_metrics, requests, CallPlan, MetricSpec, Request, MAX_DATAPOINTS,
    MAX_QUERIES,
};
pub use retention::{
    align_unit, ceil_to, floor_to, lcm, period_chain, retention, servable_from, RETENTION_MARGIN,
};

#[cfg(test)]
pub(crate) mod test_support {
    pub const T: i64 = 1_795_392_000; // 2026-11-23T00:00:00Z
}
