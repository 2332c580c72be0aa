//! How did we do before: a bar per window, the earlier ones (`history`,
//! oldest first) and the current one, each bar the window's SLI coloured by
//! its status, against the objective line.

use super::sli::{GUTTER, HEADER};
use super::style::{self, font, label, Axis, Swatch, Tag, DATA, OBJECTIVE};
use super::{Chart, ChartError, Frame, SloChart};
use crate::compute::{SloReport, Status};
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::Rectangle;
use plotters::series::LineSeries;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;

/// One bar: the window's label, its SLI and status.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub sli: Option<f64>,
    pub status: Status,
    /// The window at T (the others are earlier).
    pub current: bool,
}

/// The bars of an SLO's history chart, oldest first, the current window last.
pub fn history_bars(s: &SloReport, as_of: i64) -> Vec<Bar> {
    let name = |start: i64, end: i64| {
        let mid = (start + end) as f64 / 2.0;
        match s.window.as_str() {
            "month" => style::time_label(mid, "%b %Y"),
            "week" => format!("week of {}", style::time_label(start as f64, "%b %d")),
            _ => format!("to {}", style::time_label(end as f64, "%b %d %H:%M")),
        }
    };
    let mut bars: Vec<Bar> = s
        .history
        .iter()
        .rev()
        .map(|h| Bar {
            label: name(h.window_start, h.as_of),
            sli: h.sli.filter(|v| v.is_finite()),
            status: h.status,
            current: false,
        })
        .collect();
    bars.push(Bar {
        label: format!("{} (now)", name(s.window_start, as_of)),
        sli: s.sli.filter(|v| v.is_finite()),
        status: s.status,
        current: true,
    });
    bars
}

/// The y range: the SLIs and the objective, padded as the SLI chart pads.
pub fn history_axis(s: &SloReport, bars: &[Bar]) -> (f64, f64) {
    let (lo, hi) = bars
        .iter()
        .filter_map(|b| b.sli)
        .fold((s.objective, s.objective), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = ((hi - lo) * 0.15)
        .max((1.0 - s.objective).abs() * 0.25)
        .max(1e-6);
    let (lo, hi, _) = style::snap(lo - pad, hi + pad, 8);
    (lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0))
}

/// The history chart of one SLO, 1200 × 600.
pub(crate) struct HistoryChart<'a>(pub SloChart<'a>);

impl Chart for HistoryChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError> {
        let SloChart { slo: s, report } = self.0;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(HEADER);
        let bars = history_bars(s, report.as_of);
        self.0.header(
            &head,
            &format!("SLI of this and the {} windows before", bars.len() - 1),
            &format!("against the previous: {}", fmt::trend(s)),
        )?;
        style::legend(
            &head,
            (16, 92),
            &[
                (Swatch::Bar(style::GREEN), "window ok".into()),
                (Swatch::Bar(style::ORANGE), "warning".into()),
                (Swatch::Bar(OBJECTIVE), "breached".into()),
                (
                    Swatch::Line(OBJECTIVE),
                    format!("objective {}", fmt::pct(s.objective, 4)),
                ),
            ],
        )?;
        let n = bars.len() as f64;
        let (lo, hi) = history_axis(s, &bars);
        let (ystep, yticks) = style::nice_ticks(lo, hi, 6);
        let label_size = 16.0;
        let mut chart = super::full_plot(
            &body,
            GUTTER,
            Axis::new(
                -0.5,
                n - 0.5,
                (0..bars.len()).map(|i| i as f64).collect(),
                Vec::new(),
            ),
            Axis::new(lo, hi, yticks, Vec::new()),
        )?;
        let xlabel = |x: &f64| {
            let i = x.round();
            if i >= 0.0 && (i as usize) < bars.len() {
                bars[i as usize].label.clone()
            } else {
                String::new()
            }
        };
        let ylabel = |y: &f64| style::pct_label(*y, ystep);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(style::GRID.stroke_width(1))
            .axis_style(style::AXIS.stroke_width(1))
            .x_label_formatter(&xlabel)
            .y_label_formatter(&ylabel)
            .x_label_style(label(14.0, style::TEXT))
            .y_label_style(label(label_size, style::TEXT))
            .axis_desc_style(label(15.0, style::MUTED))
            .x_desc(format!("{} windows, oldest first", s.window))
            .y_desc("SLI")
            .draw()?;
        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let v = b.sli?.clamp(lo, hi);
            let c = style::status_color(b.status);
            let half = if b.current { 0.36 } else { 0.3 };
            Some(Rectangle::new(
                [(i as f64 - half, lo), (i as f64 + half, v)],
                c.filled(),
            ))
        }))?;
        let objective_shown = (lo..=hi).contains(&s.objective);
        if objective_shown {
            chart.draw_series(LineSeries::new(
                [(-0.5, s.objective), (n - 0.5, s.objective)],
                OBJECTIVE.stroke_width(2),
            ))?;
        }

        let (px, py) = chart.plotting_area().get_pixel_range();
        let frame = Frame { x: px, y: py };
        let (ox, oy) = body.get_base_pixel();
        let at = |p: (f64, f64)| {
            let (x, y) = chart.backend_coord(&p);
            (x - ox, y - oy)
        };
        for (i, b) in bars.iter().enumerate() {
            let (x, y0) = at((i as f64, lo));
            match b.sli {
                Some(v) => {
                    let (_, y) = at((i as f64, v.clamp(lo, hi)));
                    let color = if b.current { DATA } else { style::TEXT };
                    let style = font(label_size, color, true, HPos::Center, VPos::Bottom);
                    style::boxed_text(&body, &fmt::sli_value(s, Some(v)), (x, y - 4), &style)?;
                }
                None => {
                    let style = font(label_size, style::GREY, true, HPos::Center, VPos::Bottom);
                    style::boxed_text(&body, "no data", (x, y0 - 6), &style)?;
                }
            }
        }
        let mut tags = Vec::new();
        if objective_shown {
            tags.push(Tag {
                y: at((0.0, s.objective)).1,
                text: format!("objective {}", fmt::pct(s.objective, 4)),
                color: OBJECTIVE,
            });
        }
        frame.gutter(&body, tags, 15.0)?;
        Ok(frame)
    }
}
