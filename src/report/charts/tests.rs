//! Tests of the charts: decoded PNGs and SVG text, pixels where the lines
//! must be, a no-data SLO, and the pure arithmetic behind each chart.
#![allow(clippy::unwrap_used)]

use super::style::{self, DATA, OBJECTIVE};
use super::*;
use crate::compute::{
    AlertState, AlertWindow, Budgeting, ErrorBudget, HistoryPoint, HourSpend, SeriesPoint, Status,
};
use indexmap::IndexMap;
use plotters::style::RGBColor;

/// 2026-11-23T00:00:00Z.
const T: i64 = 1_795_392_000;
const HOUR: i64 = 3_600;

/// 169 hourly points over the 7 days up to T: `f(k)` gives `(sli, remaining)`.
fn series(f: impl Fn(i64) -> (Option<f64>, Option<f64>)) -> Vec<SeriesPoint> {
    (0..=168)
        .map(|k| {
            let ts = T - (168 - k) * HOUR;
            let (sli, remaining_ratio) = f(k);
            SeriesPoint {
                t: ts,
                sli,
                remaining_ratio,
            }
        })
        .collect()
}

fn slo(name: &str, objective: f64, status: Status, series: Vec<SeriesPoint>) -> SloReport {
    let last = series.last().cloned();
    let burn_rates: IndexMap<String, Option<f64>> = ["5m", "30m", "1h", "6h", "1d", "3d"]
        .iter()
        .map(|k| (k.to_string(), Some(0.4)))
        .collect();
    SloReport {
        name: name.into(),
        description: None,
        objective,
        window: "30d".into(),
        budgeting: Budgeting::Occurrences,
        status,
        sli: last.as_ref().and_then(|p| p.sli),
        good: 0.0,
        total: 0.0,
        bad: 0.0,
        missing_periods: 0,
        clamped_periods: 0,
        error_budget: ErrorBudget {
            remaining_ratio: last.as_ref().and_then(|p| p.remaining_ratio),
            budget_minutes: 43.2,
            consumed_minutes: None,
            remaining_minutes: None,
            budget_events: None,
        },
        burn_rates,
        alerts: vec![
            alert("page", "1h", "5m", 14.4, false),
            alert("page", "6h", "30m", 6.0, false),
            alert("ticket", "3d", "6h", 1.0, false),
        ],
        exhaustion_at: None,
        period: 60,
        window_start: T - 30 * 24 * HOUR,
        window_minutes: 43_200.0,
        slice_rule: None,
        timezone: "UTC".into(),
        budget_by_day: Vec::new(),
        worst_hours: Vec::new(),
        history: Vec::new(),
        series,
        missing_metrics: Vec::new(),
    }
}

fn alert(severity: &str, long: &str, short: &str, rate: f64, firing: bool) -> AlertState {
    AlertState {
        severity: severity.into(),
        long: win(long),
        short: win(short),
        burn_rate: rate,
        firing,
        long_burn_rate: None,
        short_burn_rate: None,
    }
}

/// An alert window as slo.yaml may write it (`60m`, `300s`).
fn win(text: &str) -> AlertWindow {
    AlertWindow {
        dur: crate::duration::Dur::parse(text).unwrap(),
        text: text.into(),
    }
}

fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn report(slos: Vec<SloReport>) -> Report {
    Report {
        service: "checkout".into(),
        as_of: T,
        as_of_requested: None,
        slos,
        unread_metrics: Default::default(),
        warning_below: 0.5,
    }
}

/// SLI 99.95 % and half the budget left all week, objective 99.9 %.
fn steady() -> SloReport {
    slo(
        "availability",
        0.999,
        Status::Ok,
        series(|_| (Some(0.9995), Some(0.5))),
    )
}

/// Nothing in the window.
fn empty() -> SloReport {
    let mut s = slo("quiet", 0.99, Status::NoData, series(|_| (None, None)));
    for v in s.burn_rates.values_mut() {
        *v = None;
    }
    s
}

fn chart<'a>(r: &'a Report, i: usize) -> SloChart<'a> {
    SloChart {
        report: r,
        slo: &r.slos[i],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

struct Pixels {
    rgb: Vec<u8>,
    w: usize,
}

impl Pixels {
    fn at(&self, x: usize, y: usize) -> RGBColor {
        let i = (y * self.w + x) * 3;
        RGBColor(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
    /// How many pixels of row `y` within `xs` are exactly `c`.
    fn count_in_row(&self, y: i32, xs: &std::ops::Range<i32>, c: RGBColor) -> usize {
        xs.clone()
            .filter(|&x| self.at(x as usize, y as usize) == c)
            .count()
    }
    /// The rows of `frame` more than half covered by colour `c`.
    fn rows_of(&self, frame: &Frame, c: RGBColor) -> Vec<i32> {
        let half = (frame.x.end - frame.x.start) as usize / 2;
        frame
            .y
            .clone()
            .filter(|&y| self.count_in_row(y, &frame.x, c) > half)
            .collect()
    }
    fn count(&self, c: RGBColor) -> usize {
        self.rgb
            .chunks(3)
            .filter(|p| RGBColor(p[0], p[1], p[2]) == c)
            .count()
    }
}

fn pixels(c: &impl Chart) -> (Pixels, Frame) {
    let r = render_rgb(c).unwrap();
    let w = r.size.0 as usize;
    (Pixels { rgb: r.rgb, w }, r.frame)
}

/// The pixel row of value `v` on a y axis `(lo, hi)` drawn over `frame`.
fn row_of(frame: &Frame, (lo, hi): (f64, f64), v: f64) -> i32 {
    let (top, bottom) = (frame.y.start as f64, frame.y.end as f64);
    (bottom - (v - lo) / (hi - lo) * (bottom - top)).round() as i32
}

/// A steady SLO, a breached one with a firing alert, one without data.
fn three_slos() -> Report {
    let mut breached = slo(
        "latency p95 (7d)",
        0.95,
        Status::Breached,
        series(|k| (Some(0.99 - k as f64 * 0.0004), Some(1.0 - k as f64 * 0.012))),
    );
    breached.alerts[0].firing = true;
    report(vec![steady(), breached, empty()])
}

#[test]
fn every_png_decodes_at_its_size_and_is_not_blank() {
    let charts = render_all(&three_slos(), ChartFormat::Png).unwrap();
    let files = charts.files();
    assert_eq!(files.len(), 1 + 3 * 3);
    for (name, bytes) in &files {
        let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .to_rgb8();
        let expected = if name == "overview.png" {
            (1200, 104 + 300 * 2)
        } else {
            (1200, 600)
        };
        assert_eq!(img.dimensions(), expected, "{name}");
        let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        let total = (img.width() * img.height()) as usize;
        assert!(
            inked * 50 > total,
            "{name}: only {inked} of {total} pixels drawn"
        );
        // The title is drawn with the embedded font: dark text in the top band.
        let title_ink = (0..img.width())
            .flat_map(|x| (10..40).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0 == [0x22, 0x22, 0x22])
            .count();
        assert!(title_ink > 100, "{name}: no title text ({title_ink})");
    }
    let names: Vec<_> = files.iter().map(|f| f.0.as_str()).collect();
    assert!(names.contains(&"latency-p95-7d-sli.png"), "{names:?}");
    assert!(names.contains(&"quiet-burn.png"), "{names:?}");
}

/// The PNG's colour type (IHDR byte 25): 2 RGB, 3 indexed.
fn color_type(png: &[u8]) -> u8 {
    png[25]
}

fn decoded(png: &[u8]) -> Vec<u8> {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8()
        .into_raw()
}

#[test]
fn png_encoding_is_lossless_indexed_or_rgb() {
    // Runs of random length (1 pixel to several rows) of random colours out
    // of `colours`: runs cross rows, start and end at every offset.
    let image = |colours: u32, seed: u64, (w, h): (u32, u32)| -> Vec<u8> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let palette: Vec<[u8; 3]> = (0..colours)
            .map(|_| {
                let v = next();
                [v as u8, (v >> 8) as u8, (v >> 16) as u8]
            })
            .collect();
        let n = (w * h) as usize;
        let mut rgb = Vec::with_capacity(n * 3);
        while rgb.len() < n * 3 {
            let c = palette[(next() % u64::from(colours)) as usize];
            let run = match next() % 4 {
                0 => 1,
                1 => next() % 9,
                2 => next() % 300,
                _ => next() % 5000,
            };
            for _ in 0..run {
                if rgb.len() == n * 3 {
                    break;
                }
                rgb.extend_from_slice(&c);
            }
        }
        rgb
    };
    for (colours, want) in [(1, 3), (2, 3), (200, 3), (256, 3), (257, 2), (5000, 2)] {
        for (seed, size) in [(1, (97, 31)), (7, (1, 1)), (9, (1200, 3)), (11, (3, 400))] {
            let rgb = image(colours, seed, size);
            // 257 or more colours drawn at random may not all appear.
            let distinct: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
            let png = encode_png(&rgb, size.0, size.1).unwrap();
            let want = if distinct.len() <= 256 { 3 } else { want };
            assert_eq!(color_type(&png), want, "{colours} colours, {size:?}");
            assert_eq!(decoded(&png), rgb, "{colours} colours, {size:?}");
        }
    }
    assert!(encode_png(&[0; 5], 1, 2).is_err());
    assert!(encode_png(&[], 0, 0).is_err());
}

/// Charts keep under 256 colours (glyph coverage in 16 steps), so they take
/// the indexed path: a third of the bytes to deflate, half the file size.
#[test]
fn charts_are_written_indexed() {
    let charts = render_all(&three_slos(), ChartFormat::Png).unwrap();
    for (name, bytes) in &charts.files() {
        assert_eq!(color_type(bytes), 3, "{name} is not indexed");
    }
}

#[test]
fn png_is_the_same_on_every_run() {
    let r = report(vec![steady()]);
    let a = render(&sli::SliChart(chart(&r, 0)), ChartFormat::Png).unwrap();
    let b = render(&sli::SliChart(chart(&r, 0)), ChartFormat::Png).unwrap();
    assert_eq!(a, b);
}

#[test]
fn sli_axis_zooms_to_the_data_and_the_objective() {
    // Data 99.95 %, objective 99.9 %: padded by a quarter of the budget, snapped.
    let (lo, hi) = sli_axis(&steady());
    assert!(close(lo, 0.9986) && close(hi, 0.9998), "{lo} {hi}");
    // Data from 100 % down to 97 % around a 99 % objective: clamped at 100 %.
    let s = slo(
        "x",
        0.99,
        Status::Breached,
        series(|k| (Some(1.0 - k as f64 * 0.03 / 168.0), None)),
    );
    let (lo, hi) = sli_axis(&s);
    assert!(lo < 0.97 && lo > 0.95 && close(hi, 1.0), "{lo} {hi}");
    // Nothing but the objective: a band around it.
    let (lo, hi) = sli_axis(&empty());
    assert!(
        lo < 0.99 && hi > 0.99 && hi <= 1.0 && lo >= 0.98,
        "{lo} {hi}"
    );
    // A 0 % SLI keeps the axis inside [0, 1].
    let s = slo("zero", 0.5, Status::Breached, series(|_| (Some(0.0), None)));
    let (lo, hi) = sli_axis(&s);
    assert!(close(lo, 0.0) && hi > 0.5 && hi <= 1.0, "{lo} {hi}");
}

#[test]
fn sli_chart_draws_the_objective_and_the_data_where_they_belong() {
    let r = report(vec![steady()]);
    let (px, frame) = pixels(&sli::SliChart(chart(&r, 0)));
    assert!(frame.x.end - frame.x.start > 800, "{frame:?}");
    let axis = sli_axis(&r.slos[0]);
    for (what, colour, v) in [("objective", OBJECTIVE, 0.999), ("SLI", DATA, 0.9995)] {
        let rows = px.rows_of(&frame, colour);
        let want = row_of(&frame, axis, v);
        assert!(!rows.is_empty(), "no {what} line");
        assert!(
            rows.iter().all(|y| (y - want).abs() <= 3),
            "{what} line at rows {rows:?}, expected about {want}"
        );
    }
    // Below the objective is shaded, above it is not.
    let x = (frame.x.start + frame.x.end) as usize / 2;
    let below = px.at(x, (row_of(&frame, axis, 0.999) + 20) as usize);
    let above = px.at(x, (row_of(&frame, axis, 0.999) - 20) as usize);
    assert_ne!(below, style::WHITE);
    assert!(above == style::WHITE || above == style::GRID || above == style::GRID_LIGHT);
}

#[test]
fn sli_line_breaks_at_gaps() {
    let pts = [
        (0.0, Some(1.0)),
        (1.0, Some(0.9)),
        (2.0, None),
        (3.0, Some(0.8)),
    ];
    let runs = sli::runs(pts.into_iter());
    assert_eq!(runs, vec![vec![(0.0, 1.0), (1.0, 0.9)], vec![(3.0, 0.8)]]);
}

#[test]
fn svg_has_its_size_title_and_objective_line() {
    let r = report(vec![steady()]);
    let svg =
        String::from_utf8(render(&sli::SliChart(chart(&r, 0)), ChartFormat::Svg).unwrap()).unwrap();
    assert!(
        svg.starts_with("<svg width=\"1200\" height=\"600\""),
        "{}",
        &svg[..80]
    );
    assert!(svg.contains("availability — SLI, last 7 days"));
    assert!(svg.contains("checkout · objective 99.9% over a 30d window"));
    assert!(svg.contains("as of 2026-11-23 00:00 UTC"));
    assert!(svg.contains("font-family=\"DejaVu Sans, sans-serif\""));
    // The objective: a horizontal vermillion line across the plot.
    let objective = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#D55E00\""))
        .find_map(|l| {
            let pts = l.split("points=\"").nth(1)?.split('"').next()?;
            let ys: Vec<&str> = pts.split(' ').filter_map(|p| p.split(',').nth(1)).collect();
            (ys.len() == 2 && ys[0] == ys[1]).then(|| pts.to_string())
        });
    assert!(objective.is_some(), "no horizontal objective line");
    assert!(svg.contains("SLI of the 30d window ending at each hour"));
}

#[test]
fn a_slo_without_data_says_so() {
    let r = report(vec![empty()]);
    for format in [ChartFormat::Png, ChartFormat::Svg] {
        let charts = render_all(&r, format).unwrap();
        assert_eq!(charts.slos[0].1.len(), 3);
        if format == ChartFormat::Svg {
            let text = |i: usize| String::from_utf8(charts.slos[0].1[i].bytes.clone()).unwrap();
            assert!(text(0).contains("no data in the window"));
            assert!(text(1).contains("no data in the window"));
            assert_eq!(text(2).matches(">\nno data\n<").count(), 6, "{}", text(2));
            let overview = String::from_utf8(charts.overview.bytes.clone()).unwrap();
            assert!(overview.contains("no data in the window"));
        }
    }
    let (px, frame) = pixels(&sli::SliChart(chart(&r, 0)));
    assert_eq!(frame, Frame::default());
    assert!(px.count(style::GREY) > 200, "the message is drawn");
    let body = Frame {
        x: 0..1200,
        y: sli::HEADER as i32..600,
    };
    let blue: usize = body
        .y
        .clone()
        .map(|y| px.count_in_row(y, &body.x, DATA))
        .sum();
    assert_eq!(blue, 0, "no line");
    assert!(budget_axes(&r.slos[0], 0.5).is_none());
}

#[test]
fn budget_axes_hold_zero_one_and_the_forecast() {
    // 100 % down to 50 % over the week; 50 % burns in another 7 days.
    let mut s = slo(
        "b",
        0.999,
        Status::Ok,
        series(|k| (Some(0.9995), Some(1.0 - k as f64 * 0.5 / 168.0))),
    );
    let ax = budget_axes(&s, 0.5).unwrap();
    assert_eq!(ax.x, ((T - 168 * HOUR) as f64, T as f64));
    assert!(ax.y.0 < 0.0 && ax.y.1 > 1.0, "{:?}", ax.y);
    assert_eq!(ax.projection_end, None);
    assert_eq!(ax.last, (T as f64, 0.5));

    s.exhaustion_at = Some(at("2026-11-26T00:00:00Z"));
    let ax = budget_axes(&s, 0.5).unwrap();
    let t = (T + 3 * 24 * HOUR) as f64;
    assert_eq!(ax.exhaustion, Some(t));
    assert_eq!(ax.projection_end, Some((t, 0.0)));
    assert!(ax.x.1 > t && ax.now == T as f64);

    // Past one series span: the x range grows by a quarter and the projection
    // stops at the edge, on the line to (exhaustion, 0).
    s.exhaustion_at = Some(at("2027-01-22T00:00:00Z"));
    let ax = budget_axes(&s, 0.5).unwrap();
    let edge = T as f64 + 0.25 * (168 * HOUR) as f64;
    assert_eq!(ax.x.1, edge);
    let (x, y) = ax.projection_end.unwrap();
    let t = style::instant_secs(&at("2027-01-22T00:00:00Z"));
    assert_eq!(x, edge);
    assert!(close(y, 0.5 * (t - edge) / (t - T as f64)), "{y}");

    // Overspent: the axis reaches below the lowest point.
    let s = slo(
        "o",
        0.99,
        Status::Breached,
        series(|k| (None, Some(1.0 - k as f64 / 56.0))),
    );
    let ax = budget_axes(&s, 0.5).unwrap();
    assert!(ax.y.0 <= -2.0 && ax.y.1 >= 1.0, "{:?}", ax.y);
}

#[test]
fn budget_chart_draws_the_zero_line_the_warning_level_and_the_budget() {
    let mut s = steady();
    for p in &mut s.series {
        p.remaining_ratio = Some(0.8);
    }
    let r = report(vec![s]);
    let (px, frame) = pixels(&budget::BudgetChart(chart(&r, 0)));
    let ax = budget_axes(&r.slos[0], 0.5).unwrap();
    let zero = row_of(&frame, ax.y, 0.0);
    let rows = px.rows_of(&frame, OBJECTIVE);
    assert!(
        !rows.is_empty() && rows.iter().all(|y| (y - zero).abs() <= 3),
        "{rows:?} vs {zero}"
    );
    let left = row_of(&frame, ax.y, 0.8);
    let rows = px.rows_of(&frame, DATA);
    assert!(
        !rows.is_empty() && rows.iter().all(|y| (y - left).abs() <= 3),
        "{rows:?} vs {left}"
    );
    // The warning level: a dashed orange line (dashes of 10, gaps of 6).
    let warn = row_of(&frame, ax.y, 0.5);
    let width = (frame.x.end - frame.x.start) as usize;
    let rows: Vec<i32> = frame
        .y
        .clone()
        .filter(|&y| px.count_in_row(y, &frame.x, style::ORANGE) * 5 > width * 2)
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|y| (y - warn).abs() <= 3),
        "{rows:?} vs {warn}"
    );
}

/// The pixel column of time `t` on an x axis `(x0, x1)` drawn over `frame`.
fn col_of(frame: &Frame, (x0, x1): (f64, f64), t: f64) -> i32 {
    let (l, r) = (frame.x.start as f64, frame.x.end as f64);
    (l + (t - x0) / (x1 - x0) * (r - l)).round() as i32
}

fn hour(start: i64, bad: f64) -> HourSpend {
    HourSpend {
        start,
        bad,
        total: 1_000.0,
        share: Some(0.01),
        burn_rate: Some(1.0),
    }
}

/// Orange mixed into white (the worst-hour bands): red high, blue low.
fn orange_tint(c: RGBColor) -> bool {
    c != style::WHITE && c.0 > 0xF0 && c.2 < 0xC8 && c.0 > c.1 && c.1 > c.2
}

#[test]
fn budget_chart_shades_and_numbers_the_worst_hours_in_its_range() {
    let mut s = steady();
    for p in &mut s.series {
        p.remaining_ratio = Some(0.8);
    }
    // #1 a day before T, #2 100 hours before, #3 ten days before: off the chart.
    s.worst_hours = vec![
        hour(T - 24 * HOUR, 50.0),
        hour(T - 100 * HOUR, 40.0),
        hour(T - 240 * HOUR, 30.0),
    ];
    assert_eq!(
        budget::marked_hours(&s, (s.series[0].t as f64, T as f64)),
        [(1, T - 24 * HOUR), (2, T - 100 * HOUR)]
    );
    let r = report(vec![s]);
    let (px, frame) = pixels(&budget::BudgetChart(chart(&r, 0)));
    let ax = budget_axes(&r.slos[0], 0.5).unwrap();
    // A row between the budget line (0.8) and the warning line (0.5).
    let y = row_of(&frame, ax.y, 0.65);
    for t in [T - 24 * HOUR, T - 100 * HOUR] {
        let x = col_of(&frame, ax.x, t as f64 + 1_800.0);
        assert!(orange_tint(px.at(x as usize, y as usize)), "band at {x}");
        // ... from the bottom of the plot to its top, below the rank label.
        let low = row_of(&frame, ax.y, ax.y.0 + (ax.y.1 - ax.y.0) * 0.02);
        assert!(
            orange_tint(px.at(x as usize, low as usize)),
            "band bottom at {x}"
        );
    }
    // Elsewhere on that row: white.
    let x = col_of(&frame, ax.x, (T - 61 * HOUR - 1_800) as f64);
    assert_eq!(px.at(x as usize, y as usize), style::WHITE);
    let tinted = frame
        .x
        .clone()
        .filter(|&x| orange_tint(px.at(x as usize, y as usize)))
        .count();
    // Two bands of an hour each in a week of ~900 pixels: a few pixels each.
    let per_hour = (frame.x.end - frame.x.start) as f64 / 168.0;
    assert!(
        tinted as f64 >= 2.0 * (per_hour - 1.5) && tinted as f64 <= 2.0 * (per_hour + 1.5),
        "{tinted} tinted pixels, {per_hour} per hour"
    );
    // Without worst hours: no band.
    let r = report(vec![steady()]);
    let (px, frame) = pixels(&budget::BudgetChart(chart(&r, 0)));
    let y = row_of(&frame, budget_axes(&r.slos[0], 0.5).unwrap().y, 0.65);
    assert!(frame
        .x
        .clone()
        .all(|x| !orange_tint(px.at(x as usize, y as usize))));
}

fn past(as_of: i64, sli: Option<f64>, status: Status) -> HistoryPoint {
    HistoryPoint {
        as_of,
        window_start: as_of - 30 * 24 * HOUR,
        sli,
        remaining_ratio: None,
        status,
    }
}

#[test]
fn history_chart_draws_a_bar_per_window_against_the_objective() {
    let mut s = steady(); // now: 99.95 %, ok
    let w = 30 * 24 * HOUR;
    s.history = vec![
        past(T - w, Some(0.9985), Status::Breached),
        past(T - 2 * w, None, Status::NoData),
        past(T - 3 * w, Some(0.9992), Status::Ok),
    ];
    let bars = history_bars(&s, T);
    let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "to Aug 25 00:00",
            "to Sep 24 00:00",
            "to Oct 24 00:00",
            "to Nov 23 00:00 (now)"
        ]
    );
    assert!(bars[3].current && !bars[2].current);
    let (lo, hi) = history_axis(&s, &bars);
    assert!(lo < 0.9985 && hi > 0.9995 && hi <= 1.0, "{lo} {hi}");
    let r = report(vec![s]);
    let (px, frame) = pixels(&history::HistoryChart(chart(&r, 0)));
    let n = 4.0;
    let col = |i: f64| col_of(&frame, (-0.5, n - 0.5), i);
    // Bars in their status colour up to their SLI, white above.
    for (i, sli, c) in [
        (0.0, 0.9992, style::GREEN),
        (2.0, 0.9985, OBJECTIVE),
        (3.0, 0.9995, style::GREEN),
    ] {
        let x = col(i) as usize;
        let top = row_of(&frame, (lo, hi), sli);
        let below = row_of(&frame, (lo, hi), (sli + lo) / 2.0);
        assert_eq!(px.at(x, below as usize), c, "bar {i}");
        assert_eq!(px.at(x, (top + 4) as usize), c, "bar {i} top");
        // Above the bar's value label: background.
        assert_ne!(
            px.at(x, (top - 40).max(frame.y.start) as usize),
            c,
            "bar {i}"
        );
    }
    // The window without data has no bar.
    let x = col(1.0) as usize;
    let mid = row_of(&frame, (lo, hi), (lo + 0.999) / 2.0);
    assert_eq!(px.at(x, mid as usize), style::WHITE);
    // The objective line crosses the plot.
    let obj = row_of(&frame, (lo, hi), 0.999);
    let rows = px.rows_of(&frame, OBJECTIVE);
    assert!(
        rows.iter().any(|y| (y - obj).abs() <= 2),
        "{rows:?} vs {obj}"
    );
}

#[test]
fn every_slo_with_history_gets_a_history_chart() {
    let mut s = steady();
    s.history = vec![past(T - 30 * 24 * HOUR, Some(0.9991), Status::Ok)];
    let r = report(vec![s, empty()]);
    let names: Vec<String> = render_all(&r, ChartFormat::Png)
        .unwrap()
        .files()
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        names.contains(&"availability-history.png".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"quiet-history.png".to_string()),
        "{names:?}"
    );
}

#[test]
fn burn_chart_highlights_firing_windows_and_marks_missing_rates() {
    let mut s = steady();
    s.burn_rates = [
        ("5m", Some(20.0)),
        ("1h", Some(15.0)),
        ("6h", None),
        ("3d", Some(0.5)),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), *v))
    .collect();
    s.alerts[0].firing = true;
    assert_eq!(highlighted_lookbacks(&s), vec!["5m", "1h"]);
    // An alert written `long: 60m, short: 300s` lights the same bars.
    let mut written = s.clone();
    written.alerts[0].long = win("60m");
    written.alerts[0].short = win("300s");
    assert_eq!(highlighted_lookbacks(&written), vec!["5m", "1h"]);
    assert!(close(burn_axis(&s), 25.0), "{}", burn_axis(&s));
    let r = report(vec![s]);
    let (px, frame) = pixels(&burn::BurnChart(chart(&r, 0)));
    // Two firing bars in vermillion, 3d in blue; the 5m bar reaches 20 of 25.
    let x5m = frame.x.start + (frame.x.end - frame.x.start) / 8;
    let col: Vec<RGBColor> = frame
        .y
        .clone()
        .map(|y| px.at(x5m as usize, y as usize))
        .collect();
    let tall = col.iter().filter(|c| **c == OBJECTIVE).count() as f64;
    let height = (frame.y.end - frame.y.start) as f64;
    assert!(
        (tall / height - 0.8).abs() < 0.03,
        "5m bar is {tall} of {height} px"
    );
    assert!(px.count(DATA) > 300, "the 3d bar");
    let svg = String::from_utf8(render(&burn::BurnChart(chart(&r, 0)), ChartFormat::Svg).unwrap())
        .unwrap();
    assert!(svg.contains("\nno data\n"), "6h has no data");
    assert!(svg.contains("14.4× page 1h/5m"));
    assert!(svg.contains("1× ticket 3d/6h"));
    assert!(svg.contains("firing: page (1h/5m)"));
}

#[test]
fn file_names_are_safe_and_unique() {
    assert_eq!(
        unique_bases(["A b", "a-b", "a b", "overview", "a-b-2"]),
        vec!["a-b", "a-b-2", "a-b-3", "overview", "a-b-2-2"]
    );
    let mut one = steady();
    one.name = "Checkout / API".into();
    let mut two = steady();
    two.name = "checkout-api".into();
    let r = report(vec![one, two]);
    let charts = render_all(&r, ChartFormat::Svg).unwrap();
    let mut names: Vec<String> = charts.files().into_iter().map(|f| f.0).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "{names:?}");
    assert!(names.contains(&"checkout-api-2-budget.svg".to_string()));
    let (overview, links) = charts.links();
    assert_eq!(overview, "overview.svg");
    assert_eq!(links[1].0, "checkout-api");
    assert_eq!(links[1].1[0].1, "checkout-api-2-sli.svg");
}

#[test]
fn a_large_fleet_overview_shows_the_worst_and_stays_viewable() {
    let mut slos: Vec<SloReport> = (0..100)
        .map(|i| {
            let mut s = steady();
            s.name = format!("s{i}");
            s.error_budget.remaining_ratio = Some(0.9 - i as f64 / 1000.0);
            s
        })
        .collect();
    slos[7].status = Status::Breached;
    slos[7].error_budget.remaining_ratio = Some(-0.5);
    slos[3].status = Status::Warning;
    let r = report(slos);
    let o = overview::Overview { report: &r };
    let shown: Vec<&str> = o.shown().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(shown.len(), overview::MAX_PANELS);
    // Breached, then warning, then the least budget left among the ok ones.
    assert_eq!(&shown[..4], &["s7", "s3", "s99", "s98"]);
    let (w, h) = o.size();
    assert_eq!((w, h), (1200, 104 + 300 * 12));
    // A small report keeps every SLO, in report order.
    let small = report(vec![steady(), empty()]);
    let o = overview::Overview { report: &small };
    let names: Vec<&str> = o.shown().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["availability", "quiet"]);
}

#[test]
fn png_holds_exactly_the_drawn_pixels() {
    let r = report(vec![steady()]);
    let c = sli::SliChart(chart(&r, 0));
    let raw = render_rgb(&c).unwrap();
    let png = render(&c, ChartFormat::Png).unwrap();
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(img.dimensions(), raw.size);
    assert!(img.as_raw() == &raw.rgb, "the PNG decodes to other pixels");
}

#[test]
fn cached_glyphs_draw_what_fresh_ones_do() {
    let r = report(vec![steady()]);
    let c = sli::SliChart(chart(&r, 0));
    super::text::clear_cache();
    let cold = render_rgb(&c).unwrap().rgb;
    assert!(super::text::cached() > 0, "the labels filled the cache");
    let warm = render_rgb(&c).unwrap().rgb;
    assert!(cold == warm, "a chart drawn from cached glyphs differs");
}
