//! Tick and label arithmetic, without drawing: time ticks on whole UTC hours
//! or days, "nice" value steps, and the labels on both axes.

use super::*;
/// The time span the series covers, for titles: `7 days`, `36 hours`.
pub fn span_label(s: &SloReport) -> String {
    let span = match (s.series.first(), s.series.last()) {
        (Some(a), Some(b)) => b.t - a.t,
        _ => 0,
    };
    if span >= 2 * 86_400 && span % 86_400 == 0 {
        format!("{} days", span / 86_400)
    } else if span >= 2 * 3_600 {
        format!("{} hours", (span + 1_800) / 3_600)
    } else {
        "hour".into()
    }
}

/// Epoch seconds as `2026-11-23 00:00 UTC`.
pub fn as_of_label(t: i64) -> String {
    time_label(t as f64, "%Y-%m-%d %H:%M UTC")
}

/// An instant as epoch seconds, to the microsecond.
pub fn instant_secs(t: &chrono::DateTime<chrono::Utc>) -> f64 {
    t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6
}

/// Epoch seconds in UTC with a chrono `format` (`%b %d %H:%M` → `Nov 17 00:00`).
pub fn time_label(ts: f64, format: &str) -> String {
    chrono::DateTime::from_timestamp(ts.round() as i64, 0)
        .map(|t| t.format(format).to_string())
        .unwrap_or_default()
}

/// A linear f64 axis with the ticks given: labelled (`bold`) and lighter mesh
/// lines (`light`). (plotters' own `with_key_points` on an f64 range has no
/// label formatter, so the charts use this.)
pub(crate) struct Axis {
    pub range: Range<f64>,
    pub bold: Vec<f64>,
    pub light: Vec<f64>,
}

impl Axis {
    pub fn new(lo: f64, hi: f64, bold: Vec<f64>, light: Vec<f64>) -> Axis {
        Axis {
            range: lo..hi,
            bold,
            light,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.range.start, self.range.end);
        let span = f64::from(limit.1 - limit.0);
        if hi == lo || !v.is_finite() {
            return limit.0 + (span / 2.0) as i32;
        }
        let pos = span * (v - lo) / (hi - lo);
        // Far outside the plot (a clamped bar, a projection): keep it drawable.
        limit.0 + pos.clamp(-4.0 * span.abs(), 4.0 * span.abs()).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// Time-axis ticks over `[x0, x1]` (epoch seconds): at most `max` labelled
/// ticks on whole UTC hours or days, and lighter ticks between them.
/// Returns `(labelled, light, step in seconds)`.
pub fn time_ticks(x0: f64, x1: f64, max: usize) -> (Vec<f64>, Vec<f64>, i64) {
    const STEPS: [(i64, i64); 11] = [
        (HOUR, 0),
        (2 * HOUR, HOUR),
        (3 * HOUR, HOUR),
        (6 * HOUR, HOUR),
        (12 * HOUR, 3 * HOUR),
        (DAY, 6 * HOUR),
        (2 * DAY, DAY),
        (7 * DAY, DAY),
        (14 * DAY, 7 * DAY),
        (28 * DAY, 7 * DAY),
        (91 * DAY, 7 * DAY),
    ];
    let at = |step: i64| -> Vec<f64> {
        if step <= 0 || x0.is_nan() || x1.is_nan() || x1 < x0 {
            return Vec::new();
        }
        let first = (x0 / step as f64).ceil() as i64;
        let last = (x1 / step as f64).floor() as i64;
        (first..=last).map(|k| (k * step) as f64).collect()
    };
    let max = max.max(2);
    let (step, light) = STEPS
        .iter()
        .copied()
        .find(|&(s, _)| at(s).len() <= max)
        .unwrap_or((365 * DAY, 0));
    let bold = at(step);
    let light = at(light)
        .into_iter()
        .filter(|t| !bold.contains(t))
        .collect();
    (bold, light, step)
}

/// A "nice" step (1, 2, 2.5 or 5 × 10^k) for about `max` intervals over `span`.
pub fn nice_step(span: f64, max: usize) -> f64 {
    let span = if span.is_finite() && span > 0.0 {
        span
    } else {
        1.0
    };
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// `[lo, hi]` widened to multiples of a nice step: `(lo, hi, step)`.
pub fn snap(lo: f64, hi: f64, max: usize) -> (f64, f64, f64) {
    let step = nice_step(hi - lo, max);
    let lo = ((lo / step) + 1e-9).floor() * step;
    let hi = ((hi / step) - 1e-9).ceil() * step;
    (lo, hi, step)
}

/// The ticks in `[lo, hi]` at multiples of the nice step for about `max`
/// intervals: `(step, ticks)`.
pub fn nice_ticks(lo: f64, hi: f64, max: usize) -> (f64, Vec<f64>) {
    let step = nice_step(hi - lo, max);
    let first = ((lo / step) - 1e-9).ceil() as i64;
    let last = ((hi / step) + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    (step, ticks)
}

/// The decimals that show every multiple of `step` exactly (at most 6).
pub fn decimals(step: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// A ratio as a percentage with the decimals its axis step needs: `99.95%`.
pub fn pct_label(v: f64, step: f64) -> String {
    let d = decimals(step * 100.0);
    let s = format!("{:.*}%", d, v * 100.0);
    if s.starts_with("-0") && s.trim_start_matches(['-', '0', '.', '%']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_step(0.0011, 6), 0.0002);
        assert_eq!(nice_step(10.0, 4), 2.5);
        let (lo, hi, step) = snap(0.9989, 1.0, 6);
        assert!((step - 0.0002).abs() < 1e-12);
        assert!((lo - 0.9988).abs() < 1e-9 && (hi - 1.0).abs() < 1e-9);
        let (_, t) = nice_ticks(0.9988, 1.0, 6);
        assert_eq!(t.len(), 7);
        assert_eq!(pct_label(0.9988, 0.0002), "99.88%");
        assert_eq!(pct_label(0.5, 0.25), "50%");
        assert_eq!(pct_label(-1e-17, 0.25), "0%");
        assert_eq!(decimals(0.025), 3);
    }

    #[test]
    fn daily_ticks_on_utc_midnights() {
        let end = 1_795_392_000.0; // 2026-11-23T00:00:00Z
        let (bold, light, step) = time_ticks(end - 7.0 * 86_400.0, end, 8);
        assert_eq!(step, 86_400);
        assert_eq!(bold.len(), 8);
        assert_eq!(time_label(bold[0], "%b %d %H:%M"), "Nov 16 00:00");
        assert_eq!(light.len(), 7 * 3);
        let (bold, _, step) = time_ticks(end - 7.0 * 86_400.0, end, 4);
        assert_eq!(step, 2 * 86_400);
        assert!(bold.len() <= 4);
    }
}
