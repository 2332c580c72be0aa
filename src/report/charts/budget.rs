//! The error-budget burn-down: the budget left (1 = all of it, below 0 =
//! overspent) over the series, the 0 line, the warning level, the forecast
//! exhaustion as a dashed projection from the last point to 0, and the
//! window's worst hours (most bad events) shaded and numbered where they fall
//! inside the chart.

use super::sli::{GUTTER, HEADER};
use super::style::{self, font, label, Axis, Swatch, Tag, DATA, OBJECTIVE};
use super::{Chart, ChartError, Frame, SloChart};
use crate::compute::SloReport;
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, DashedPathElement, Rectangle};
use plotters::series::LineSeries;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;

/// The opacity of a worst hour's band.
pub const WORST_SHADE: f64 = 0.45;

/// What the burn-down shows, computed without drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetAxes {
    /// Epoch seconds: the series' start, and its end or, with a forecast, later.
    pub x: (f64, f64),
    /// The budget ratio range (always holds 0, 1 and the warning level).
    pub y: (f64, f64),
    /// The end of the series (T): where the "now" marker goes when x extends past it.
    pub now: f64,
    /// The last point with data.
    pub last: (f64, f64),
    /// The forecast exhaustion time (epoch seconds), when after the last point.
    pub exhaustion: Option<f64>,
    /// Where the dashed projection ends: `(exhaustion, 0)` when it is within
    /// the x range, else the projection's value at the right edge.
    pub projection_end: Option<(f64, f64)>,
}

/// The burn-down's axes and projection; `None` when no point has data.
///
/// With a forecast the x range extends to the exhaustion time when that is at
/// most one series span after T; further out, it extends by a quarter of the
/// span and the projection stops at the right edge (the date is labelled there).
pub fn budget_axes(s: &SloReport, warning_below: f64) -> Option<BudgetAxes> {
    let pts: Vec<(f64, f64)> = budget_points(s)
        .filter_map(|(x, v)| Some((x, v?)))
        .collect();
    let last = *pts.last()?;
    let (x0, now) = super::sli::x_range(s);
    let span = now - x0;
    let exhaustion = s
        .exhaustion_at
        .as_ref()
        .map(style::instant_secs)
        .filter(|&t| t > last.0 && last.1 > 0.0);
    let (x1, projection_end) = match exhaustion {
        Some(t) if t <= now + span => (t.max(now) + span * 0.04, Some((t, 0.0))),
        Some(t) => {
            let x1 = now + span * 0.25;
            let y = last.1 * (t - x1) / (t - last.0);
            (x1, Some((x1, y)))
        }
        None => (now, None),
    };
    let mut lo = pts.iter().map(|p| p.1).fold(0.0f64, f64::min);
    let mut hi = pts.iter().map(|p| p.1).fold(1.0f64, f64::max);
    if warning_below.is_finite() {
        lo = lo.min(warning_below);
        hi = hi.max(warning_below);
    }
    let pad = (hi - lo) * 0.06;
    let (lo, hi, _) = style::snap(lo - pad, hi + pad, 8);
    Some(BudgetAxes {
        x: (x0, x1),
        y: (lo, hi),
        now,
        last,
        exhaustion,
        projection_end,
    })
}

/// The worst hours that fall inside the chart's x range: `(rank from 1, start)`.
pub fn marked_hours(s: &SloReport, x: (f64, f64)) -> Vec<(usize, i64)> {
    s.worst_hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.start as f64 + 3_600.0 > x.0 && (h.start as f64) < x.1)
        .map(|(i, h)| (i + 1, h.start))
        .collect()
}

fn budget_points(s: &SloReport) -> impl Iterator<Item = (f64, Option<f64>)> + '_ {
    s.series
        .iter()
        .map(|p| (p.t as f64, p.remaining_ratio.filter(|v| v.is_finite())))
}

/// The burn-down chart of one SLO, 1200 × 600.
pub(crate) struct BudgetChart<'a>(pub SloChart<'a>);

impl Chart for BudgetChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError> {
        let SloChart { slo: s, report } = self.0;
        let warning_below = report.warning_below;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(HEADER);
        let ax = budget_axes(s, warning_below);
        self.0.header(
            &head,
            &format!("error budget left, last {}", style::span_label(s)),
            &format!("{} left now", fmt::budget_left(s)),
        )?;
        let warn = warning_below.is_finite();
        let mut items = vec![(
            Swatch::Line(DATA),
            format!("budget left in the {} window ending at each hour", s.window),
        )];
        if let Some(t) = ax.as_ref().and_then(|a| a.exhaustion) {
            items.push((
                Swatch::Dashed(DATA),
                format!(
                    "forecast: runs out {}",
                    style::time_label(t, "%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        if warn {
            items.push((
                Swatch::Dashed(style::ORANGE),
                format!("warning below {}", fmt::pct(warning_below, 2)),
            ));
        }
        items.push((Swatch::Shade(OBJECTIVE), "budget overspent".into()));
        let marked = ax
            .as_ref()
            .map(|a| marked_hours(s, a.x))
            .unwrap_or_default();
        if !s.worst_hours.is_empty() {
            items.push((
                Swatch::Shade(style::ORANGE),
                if marked.len() == s.worst_hours.len() {
                    "worst hours".to_string()
                } else {
                    format!("worst hours ({} of {})", marked.len(), s.worst_hours.len())
                },
            ));
        }
        style::legend(&head, (16, 92), &items)?;
        let Some(ax) = ax else {
            style::no_data(&body, "no data in the window", 28.0)?;
            return Ok(Frame::default());
        };
        let (x0, x1) = ax.x;
        let (lo, hi) = ax.y;
        let label_size = 16.0;
        let (ystep, yticks) = style::nice_ticks(lo, hi, 6);
        let (xticks, xlight, _) = style::time_ticks(x0, x1, 8);

        let mut chart = super::full_plot(
            &body,
            GUTTER,
            Axis::new(x0, x1, xticks, xlight),
            Axis::new(lo, hi, yticks, Vec::new()),
        )?;
        let xlabel = |x: &f64| style::time_label(*x, "%b %d %H:%M");
        let ylabel = |y: &f64| style::pct_label(*y, ystep);
        chart
            .configure_mesh()
            .bold_line_style(style::GRID.stroke_width(1))
            .light_line_style(style::GRID_LIGHT.stroke_width(1))
            .axis_style(style::AXIS.stroke_width(1))
            .x_label_formatter(&xlabel)
            .y_label_formatter(&ylabel)
            .x_label_style(label(label_size, style::TEXT))
            .y_label_style(label(label_size, style::TEXT))
            .axis_desc_style(label(15.0, style::MUTED))
            .x_desc("time (UTC)")
            .y_desc("error budget left")
            .draw()?;

        // Overspent: below 0.
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, lo), (x1, 0.0)],
            OBJECTIVE.mix(style::SHADE).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            OBJECTIVE.stroke_width(2),
        ))?;
        // The worst hours: a band each, under the line.
        chart.draw_series(marked.iter().map(|&(_, h)| {
            let (a, b) = ((h as f64).max(x0), (h as f64 + 3_600.0).min(x1));
            Rectangle::new([(a, lo), (b, hi)], style::ORANGE.mix(WORST_SHADE).filled())
        }))?;
        let warn = warn && (lo..=hi).contains(&warning_below);
        if warn {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                [(x0, warning_below), (x1, warning_below)],
                10,
                6,
                style::ORANGE.stroke_width(2),
            )))?;
        }
        if x1 > ax.now {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                [(ax.now, lo), (ax.now, hi)],
                4,
                4,
                style::MUTED.stroke_width(1),
            )))?;
        }
        for run in super::sli::runs(budget_points(s)) {
            if run.len() == 1 {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, DATA.filled())))?;
            } else {
                chart.draw_series(LineSeries::new(run, DATA.stroke_width(3)))?;
            }
        }
        if let Some(end) = ax.projection_end {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                [ax.last, end],
                10,
                7,
                DATA.stroke_width(2),
            )))?;
        }

        let (px, py) = chart.plotting_area().get_pixel_range();
        let frame = Frame { x: px, y: py };
        let (ox, oy) = body.get_base_pixel();
        let at = |p: (f64, f64)| {
            let (x, y) = chart.backend_coord(&p);
            (x - ox, y - oy)
        };
        // Each band's rank at its top; ranks too close to the last one drawn
        // are left to the legend and the report's table.
        let mut drawn: Vec<i32> = Vec::new();
        for &(rank, h) in &marked {
            let mid = (h as f64 + 1_800.0).clamp(x0, x1);
            let (x, _) = at((mid, hi));
            if drawn.iter().any(|d| (d - x).abs() < 26) {
                continue;
            }
            drawn.push(x);
            style::boxed_text(
                &body,
                &format!("#{rank}"),
                (x, frame.y.start - oy + 4),
                &font(14.0, style::TEXT, true, HPos::Center, VPos::Top),
            )?;
        }
        let (x, y) = at(ax.last);
        body.draw(&Circle::new((x, y), 5, DATA.filled()))?;
        let mut tags = vec![Tag {
            y: at((x0, 0.0)).1,
            text: "0%: spent".into(),
            color: OBJECTIVE,
        }];
        if warn {
            tags.push(Tag {
                y: at((x0, warning_below)).1,
                text: format!("warning {}", fmt::pct(warning_below, 2)),
                color: style::TEXT,
            });
        }
        if x1 > ax.now {
            style::text(
                &body,
                "as of",
                (at((ax.now, hi)).0 - 6, frame.y.start - oy + 6),
                &font(14.0, style::MUTED, false, HPos::Right, VPos::Top),
            )?;
        } else {
            tags.push(Tag {
                y,
                text: format!("now {}", style::pct_label(ax.last.1, 0.001)),
                color: DATA,
            });
        }
        if let (Some(t), Some(end)) = (ax.exhaustion, ax.projection_end) {
            if end.0 >= t {
                let (x, y) = at((t, 0.0));
                body.draw(&Circle::new((x, y), 6, OBJECTIVE.filled()))?;
                style::boxed_text(
                    &body,
                    &format!("runs out {}", style::time_label(t, "%b %d %H:%M")),
                    (x + 8, y - 10),
                    &font(label_size, OBJECTIVE, true, HPos::Right, VPos::Bottom),
                )?;
            } else {
                tags.push(Tag {
                    y: at(end).1,
                    text: format!("runs out {} →", style::time_label(t, "%b %d")),
                    color: OBJECTIVE,
                });
            }
        }
        frame.gutter(&body, tags, 15.0)?;
        Ok(frame)
    }
}
