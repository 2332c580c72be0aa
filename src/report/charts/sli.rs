//! The SLI trend: the rolling SLI of the series as a line, the objective as a
//! horizontal line with the area below it shaded, the y axis zoomed to where
//! the data and the objective are. The overview draws the same panel small.

use super::style::{self, font, label, Axis, Swatch, Tag, DATA, OBJECTIVE};
use super::{Chart, ChartError, Frame, SloChart};
use crate::compute::SloReport;
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, Rectangle};
use plotters::series::LineSeries;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;

/// The y range of an SLO's SLI trend: from min(lowest SLI, objective) to
/// max(highest SLI, objective), padded, widened to nice ticks and clamped to
/// [0, 1]. The padding is a tenth of the span and at least a quarter of the
/// error budget (1 − objective), so a flat line still shows where the
/// objective is.
pub fn sli_axis(s: &SloReport) -> (f64, f64) {
    let (lo, hi) = points(s)
        .filter_map(|(_, v)| v)
        .fold((s.objective, s.objective), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = ((hi - lo) * 0.1)
        .max((1.0 - s.objective).abs() * 0.25)
        .max(1e-6);
    let (lo, hi, _) = style::snap(lo - pad, hi + pad, 8);
    (lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0))
}

/// The series as `(ts, sli)`, non-finite values as gaps.
fn points(s: &SloReport) -> impl Iterator<Item = (f64, Option<f64>)> + '_ {
    s.series
        .iter()
        .map(|p| (p.t as f64, p.sli.filter(|v| v.is_finite())))
}

/// Runs of consecutive points with data: the line breaks at every gap.
pub(crate) fn runs(pts: impl Iterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, v) in pts {
        match v {
            Some(y) => {
                if let Some(r) = out.last_mut() {
                    r.push((x, y));
                }
            }
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// The x range of the series (an hour wide at least).
pub(crate) fn x_range(s: &SloReport) -> (f64, f64) {
    let x0 = s.series.first().map(|p| p.t as f64).unwrap_or(0.0);
    let x1 = s.series.last().map(|p| p.t as f64).unwrap_or(0.0);
    (x0, x1.max(x0 + 3_600.0))
}

/// The SLI chart of one SLO, 1200 × 600.
pub(crate) struct SliChart<'a>(pub SloChart<'a>);

/// The height of the title block and legend of the full-size charts.
pub(crate) const HEADER: u32 = 112;
/// The right gutter of the full-size charts, where the lines are labelled.
pub(crate) const GUTTER: u32 = 170;

impl Chart for SliChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError> {
        let SloChart { slo: s, .. } = self.0;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(HEADER);
        self.0.header(
            &head,
            &format!("SLI, last {}", style::span_label(s)),
            &format!("SLI now {}", fmt::sli(s)),
        )?;
        style::legend(
            &head,
            (16, 92),
            &[
                (
                    Swatch::Line(DATA),
                    format!("SLI of the {} window ending at each hour", s.window),
                ),
                (
                    Swatch::Line(OBJECTIVE),
                    format!("objective {}", fmt::pct(s.objective, 4)),
                ),
                (Swatch::Shade(OBJECTIVE), "below the objective".into()),
            ],
        )?;
        panel(&body, s, false)
    }
}

/// The SLI trend of `s` on `area`; `small` for the overview's small multiples.
pub(crate) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &SloReport,
    small: bool,
) -> Result<Frame, ChartError> {
    let runs = runs(points(s));
    if runs.is_empty() {
        style::no_data(
            area,
            "no data in the window",
            if small { 18.0 } else { 28.0 },
        )?;
        return Ok(Frame::default());
    }
    let label_size = if small { 13.0 } else { 16.0 };
    let (x0, x1) = x_range(s);
    let (lo, hi) = sli_axis(s);
    let (ystep, yticks) = style::nice_ticks(lo, hi, if small { 5 } else { 6 });
    let (xticks, xlight, _) = style::time_ticks(x0, x1, if small { 4 } else { 8 });
    let xfmt = if small { "%b %d" } else { "%b %d %H:%M" };

    let mut chart = ChartBuilder::on(area)
        .margin_top(if small { 8 } else { 10 })
        .margin_right(if small { 22 } else { GUTTER })
        .margin_left(if small { 4 } else { 10 })
        .margin_bottom(if small { 4 } else { 8 })
        .x_label_area_size(if small { 24 } else { 56 })
        .y_label_area_size(if small { 64 } else { 100 })
        .build_cartesian_2d(
            Axis::new(x0, x1, xticks, xlight),
            Axis::new(lo, hi, yticks, Vec::new()),
        )?;
    let xlabel = |x: &f64| style::time_label(*x, xfmt);
    let ylabel = |y: &f64| style::pct_label(*y, ystep);
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(style::GRID.stroke_width(1))
        .light_line_style(style::GRID_LIGHT.stroke_width(1))
        .axis_style(style::AXIS.stroke_width(1))
        .x_label_formatter(&xlabel)
        .y_label_formatter(&ylabel)
        .x_label_style(label(label_size, style::TEXT))
        .y_label_style(label(label_size, style::TEXT))
        .axis_desc_style(label(15.0, style::MUTED));
    if !small {
        mesh.x_desc("time (UTC)").y_desc("SLI");
    }
    mesh.draw()?;

    // The area below the objective: where the SLO is missed.
    let obj = s.objective.clamp(lo, hi);
    chart.draw_series(std::iter::once(Rectangle::new(
        [(x0, lo), (x1, obj)],
        OBJECTIVE.mix(style::SHADE).filled(),
    )))?;
    let objective_shown = (lo..=hi).contains(&s.objective);
    if objective_shown {
        chart.draw_series(LineSeries::new(
            [(x0, s.objective), (x1, s.objective)],
            OBJECTIVE.stroke_width(2),
        ))?;
    }
    let width = if small { 2 } else { 3 };
    for run in &runs {
        if run.len() == 1 {
            chart.draw_series(run.iter().map(|&p| Circle::new(p, width, DATA.filled())))?;
        } else {
            chart.draw_series(LineSeries::new(
                run.iter().copied(),
                DATA.stroke_width(width),
            ))?;
        }
    }

    let (px, py) = chart.plotting_area().get_pixel_range();
    let frame = Frame { x: px, y: py };
    let (ox, oy) = area.get_base_pixel();
    let at = |p: (f64, f64)| {
        let (x, y) = chart.backend_coord(&p);
        (x - ox, y - oy)
    };
    let objective_text = format!("objective {}", fmt::pct(s.objective, 4));
    if small {
        if objective_shown {
            let (_, y) = at((x0, s.objective));
            let style = font(label_size, OBJECTIVE, true, HPos::Left, VPos::Top);
            style::boxed_text(
                area,
                &objective_text,
                (frame.x.start - ox + 8, y + 5),
                &style,
            )?;
        }
        return Ok(frame);
    }
    let mut tags = Vec::new();
    if objective_shown {
        tags.push(Tag {
            y: at((x0, s.objective)).1,
            text: objective_text,
            color: OBJECTIVE,
        });
    }
    if let Some(&last) = runs.last().and_then(|r| r.last()) {
        let (x, y) = at(last);
        area.draw(&Circle::new((x, y), 5, DATA.filled()))?;
        if last.0 >= x1 {
            tags.push(Tag {
                y,
                text: format!("now {}", fmt::sli(s)),
                color: DATA,
            });
        }
    }
    frame.gutter(area, tags, 15.0)?;
    Ok(frame)
}
