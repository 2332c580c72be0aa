//! What every chart shares: the embedded font, the Okabe–Ito palette and the
//! status colours, text helpers, the title block, the "no data" panel, and the
//! pure tick and label arithmetic (tested without drawing).

use super::ChartError;
use crate::compute::{SloReport, Status};
use plotters::backend::DrawingBackend;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{DashedPathElement, PathElement, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};
use std::ops::Range;
use std::sync::OnceLock;

/// The family every chart's text uses. The ab_glyph font table is keyed by it,
/// and SVG writes it as the CSS `font-family`, so viewers without DejaVu Sans
/// fall back to their sans-serif.
pub const FONT: &str = "DejaVu Sans, sans-serif";

pub(crate) static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub(crate) static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters (once per process).
pub(crate) fn register_fonts() -> Result<(), ChartError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, REGULAR)
            .map_err(|_| "the embedded DejaVuSans.ttf is not a valid font".to_string())?;
        plotters::style::register_font(FONT, FontStyle::Bold, BOLD)
            .map_err(|_| "the embedded DejaVuSans-Bold.ttf is not a valid font".to_string())
    })
    .clone()
    .map_err(ChartError)
}

// Okabe–Ito, safe for the common colour-vision deficiencies.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);
// Neutrals for text and the mesh.
pub const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
pub const GRID_LIGHT: RGBColor = RGBColor(0xF0, 0xF0, 0xF0);

/// The colours of the SLI line, the objective line and the bars, named for tests.
pub const DATA: RGBColor = BLUE;
pub const OBJECTIVE: RGBColor = VERMILLION;

/// The terminal table's status colours, in Okabe–Ito: ok green, warning
/// orange, breached vermillion, no data grey.
pub fn status_color(s: Status) -> RGBColor {
    match s {
        Status::Ok => GREEN,
        Status::Warning => ORANGE,
        Status::Breached => VERMILLION,
        Status::NoData => GREY,
    }
}

/// A text style of the embedded font.
pub(crate) fn font(size: f64, color: RGBColor, bold: bool, h: HPos, v: VPos) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(FontFamily::Name(FONT), size, style),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// A text style for axis labels and descriptions (anchored by plotters).
pub(crate) fn label(size: f64, color: RGBColor) -> TextStyle<'static> {
    font(size, color, false, HPos::Left, VPos::Top)
}

/// Draws `text` at pixel `at` of `area`; returns its width and height.
pub(crate) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(u32, u32), ChartError> {
    let size = area.estimate_text_size(s, style)?;
    area.draw_text(s, style, at)?;
    Ok(size)
}

/// Draws `text` on a white box (for labels that may sit over lines or bars).
pub(crate) fn boxed_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(), ChartError> {
    let (w, h) = area.estimate_text_size(s, style)?;
    let (w, h) = (w as i32, h as i32);
    let x0 = match style.pos.h_pos {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y0 = match style.pos.v_pos {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    area.draw(&Rectangle::new(
        [(x0 - 4, y0 - 2), (x0 + w + 4, y0 + h + 3)],
        WHITE.mix(0.85).filled(),
    ))?;
    text(area, s, at, style)?;
    Ok(())
}

/// The title block: a bold first line, a muted second line, and the status
/// as a coloured badge on the right.
pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    main: &str,
    sub: &str,
    status: Option<Status>,
) -> Result<(), ChartError> {
    let (w, _) = area.dim_in_pixel();
    let right = match status {
        Some(st) => badge(area, st, (w as i32 - 16, 14), 17.0)? - 16,
        None => w as i32 - 16,
    };
    let main_style = font(24.0, TEXT, true, HPos::Left, VPos::Top);
    text(
        area,
        &fit(area, main, &main_style, right - 16)?,
        (16, 12),
        &main_style,
    )?;
    let sub_style = font(16.0, MUTED, false, HPos::Left, VPos::Top);
    text(
        area,
        &fit(area, sub, &sub_style, right - 16)?,
        (16, 46),
        &sub_style,
    )?;
    Ok(())
}

/// A status badge whose right edge is at `at.0`; returns its left edge.
pub(crate) fn badge<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    st: Status,
    at: (i32, i32),
    size: f64,
) -> Result<i32, ChartError> {
    let fg = match st {
        Status::Warning => TEXT,
        _ => WHITE,
    };
    let label = crate::report::fmt::status_label(st).to_uppercase();
    let style = font(size, fg, true, HPos::Center, VPos::Center);
    let (tw, th) = area.estimate_text_size(&label, &style)?;
    let (bw, bh) = (tw as i32 + 20, th as i32 + 12);
    let x0 = at.0 - bw;
    area.draw(&Rectangle::new(
        [(x0, at.1), (at.0, at.1 + bh)],
        status_color(st).filled(),
    ))?;
    text(area, &label, (x0 + bw / 2, at.1 + bh / 2), &style)?;
    Ok(x0)
}

/// `s`, cut with an ellipsis to fit `max_w` pixels.
pub(crate) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: i32,
) -> Result<String, ChartError> {
    let one_line = s.replace(['\n', '\r'], " ");
    if area.estimate_text_size(&one_line, style)?.0 as i32 <= max_w {
        return Ok(one_line);
    }
    let chars: Vec<char> = one_line.chars().collect();
    let mut n = chars.len();
    while n > 0 {
        n -= 1;
        let cut: String = chars[..n].iter().collect::<String>() + "…";
        if area.estimate_text_size(&cut, style)?.0 as i32 <= max_w {
            return Ok(cut);
        }
    }
    Ok(String::new())
}

/// A legend entry's mark.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    /// A shaded area: the colour at the charts' shading opacity, with its edge.
    Shade(RGBColor),
    Bar(RGBColor),
}

/// The opacity of shaded areas (below the objective, overspent budget).
pub const SHADE: f64 = 0.12;

/// A row of legend entries starting at `at` (left, vertical centre).
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    items: &[(Swatch, String)],
) -> Result<(), ChartError> {
    let style = font(14.0, MUTED, false, HPos::Left, VPos::Center);
    let (mut x, y) = at;
    for (swatch, label) in items {
        match *swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new([(x, y), (x + 28, y)], c.stroke_width(3)))?;
            }
            Swatch::Dashed(c) => {
                area.draw(&DashedPathElement::new(
                    [(x, y), (x + 28, y)],
                    7,
                    4,
                    c.stroke_width(2),
                ))?;
            }
            Swatch::Shade(c) => {
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 28, y + 7)],
                    c.mix(SHADE).filled(),
                ))?;
                area.draw(&PathElement::new(
                    [(x, y - 7), (x + 28, y - 7)],
                    c.stroke_width(2),
                ))?;
            }
            Swatch::Bar(c) => {
                area.draw(&Rectangle::new(
                    [(x + 6, y - 8), (x + 22, y + 8)],
                    c.filled(),
                ))?;
            }
        }
        x += 36;
        let (w, _) = text(area, label, (x, y), &style)?;
        x += w as i32 + 26;
    }
    Ok(())
}

/// A label in the right gutter of a plot, for the line at pixel row `y`.
pub(crate) struct Tag {
    pub y: i32,
    pub text: String,
    pub color: RGBColor,
}

/// Draws `tags` left-aligned at `x`, each centred on its row, moved apart
/// where they would overlap and kept within `rows`; a tag that had to move
/// gets a short leader to its row.
pub(crate) fn gutter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    rows: Range<i32>,
    mut tags: Vec<Tag>,
    size: f64,
) -> Result<(), ChartError> {
    tags.sort_by_key(|t| t.y);
    let ys = spread(
        &tags.iter().map(|t| t.y).collect::<Vec<_>>(),
        (size * 1.3) as i32,
        rows,
    );
    for (t, y) in tags.iter().zip(ys) {
        if (y - t.y).abs() > 2 {
            area.draw(&PathElement::new(
                [(x - 12, t.y), (x - 3, y)],
                t.color.stroke_width(1),
            ))?;
        }
        let style = font(size, t.color, true, HPos::Left, VPos::Center);
        let max_w = area.dim_in_pixel().0 as i32 - x - 6;
        text(area, &fit(area, &t.text, &style, max_w)?, (x, y), &style)?;
    }
    Ok(())
}

/// Sorted rows moved apart to at least `gap` and into `rows` (when they fit).
pub fn spread(ys: &[i32], gap: i32, rows: Range<i32>) -> Vec<i32> {
    let mut out: Vec<i32> = Vec::with_capacity(ys.len());
    for &y in ys {
        let y = y.clamp(rows.start + gap / 2, (rows.end - gap / 2).max(rows.start));
        let y = match out.last() {
            Some(&p) => y.max(p + gap),
            None => y,
        };
        out.push(y);
    }
    // Pushed past the bottom: push back up.
    let mut limit = rows.end - gap / 2;
    for y in out.iter_mut().rev() {
        if *y > limit {
            *y = limit;
        }
        limit = *y - gap;
    }
    out
}

/// The frame of an empty plot with `message` in its middle.
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
    size: f64,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Rectangle::new(
        [(12, 8), (w - 12, h - 12)],
        GRID.stroke_width(2),
    ))?;
    let style = font(size, GREY, true, HPos::Center, VPos::Center);
    text(area, message, (w / 2, h / 2), &style)?;
    Ok(())
}

/// The time span the series covers, for titles: `7 days`, `36 hours`.
pub fn span_label(s: &SloReport) -> String {
    let span = match (s.series.first(), s.series.last()) {
        (Some(a), Some(b)) => b.ts - a.ts,
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

/// `2026-11-23T00:00:00Z` → `2026-11-23 00:00 UTC` (anything else as it is).
pub fn as_of_label(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// An RFC 3339 time as epoch seconds.
pub fn parse_time(rfc3339: &str) -> Option<f64> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6)
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
    fn gutter_tags_move_apart() {
        assert_eq!(spread(&[100, 105, 300], 20, 0..400), vec![100, 120, 300]);
        assert_eq!(spread(&[390, 395], 20, 0..400), vec![370, 390]);
        assert_eq!(spread(&[-50], 20, 0..400), vec![10]);
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
