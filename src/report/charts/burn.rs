//! The burn rates: a bar per lookback, the alert thresholds as dashed lines,
//! the bars of a firing alert's long and short windows highlighted, and a
//! lookback without data shown as "no data".

use super::sli::HEADER;
use super::style::{self, font, label, Axis, Swatch, Tag, DATA, OBJECTIVE};
use super::{Chart, ChartError, Frame, SloChart};
use crate::compute::SloReport;
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{DashedPathElement, Rectangle};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;

/// The top of the burn-rate axis: above the highest burn rate, every alert
/// threshold and 1× (with room for the labels), on a nice step.
pub fn burn_axis(s: &SloReport) -> f64 {
    let top = s
        .burn_rates
        .values()
        .flatten()
        .chain(s.alerts.iter().map(|a| &a.burn_rate))
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(*v));
    style::snap(0.0, top * 1.15, 6).1
}

/// The lookbacks that are the long or short window of a firing alert,
/// compared as durations: an alert written `long: 60m` lights the `1h` bar.
pub fn highlighted_lookbacks(s: &SloReport) -> Vec<String> {
    s.burn_rates
        .keys()
        .filter(|k| {
            let Ok(k) = crate::duration::Dur::parse(k) else {
                return false;
            };
            s.alerts
                .iter()
                .any(|a| a.firing && (a.long.dur == k || a.short.dur == k))
        })
        .cloned()
        .collect()
}

/// The burn-rate chart of one SLO, 1200 × 600.
pub(crate) struct BurnChart<'a>(pub SloChart<'a>);

/// The right gutter of the burn-rate chart: the alert thresholds' labels.
const BURN_GUTTER: u32 = 210;

impl Chart for BurnChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError> {
        let SloChart { slo: s, .. } = self.0;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(HEADER);
        let firing = fmt::firing(s);
        let now = if firing.is_empty() {
            "no alert firing".to_string()
        } else {
            format!("firing: {firing}")
        };
        self.0.header(&head, "burn rates", &now)?;
        let hot = highlighted_lookbacks(s);
        let mut items = vec![(Swatch::Bar(DATA), "burn rate over the lookback".to_string())];
        if !hot.is_empty() {
            items.push((Swatch::Bar(OBJECTIVE), "a window of a firing alert".into()));
        }
        items.push((Swatch::Dashed(style::TEXT), "alert threshold".into()));
        if s.alerts.iter().any(|a| a.firing) {
            items.push((
                Swatch::Dashed(OBJECTIVE),
                "threshold of a firing alert".into(),
            ));
        }
        style::legend(&head, (16, 92), &items)?;
        let keys: Vec<&String> = s.burn_rates.keys().collect();
        if keys.is_empty() {
            style::no_data(&body, "no burn-rate lookbacks", 28.0)?;
            return Ok(Frame::default());
        }
        let n = keys.len() as f64;
        let hi = burn_axis(s);
        let (ystep, yticks) = style::nice_ticks(0.0, hi, 6);
        let label_size = 16.0;
        let mut chart = super::full_plot(
            &body,
            BURN_GUTTER,
            Axis::new(
                -0.5,
                n - 0.5,
                (0..keys.len()).map(|i| i as f64).collect(),
                Vec::new(),
            ),
            Axis::new(0.0, hi, yticks, Vec::new()),
        )?;
        let xlabel = |x: &f64| {
            let i = x.round();
            if i >= 0.0 && (i as usize) < keys.len() {
                keys[i as usize].clone()
            } else {
                String::new()
            }
        };
        let ylabel = |y: &f64| format!("{}×", trim(*y, ystep));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(style::GRID.stroke_width(1))
            .axis_style(style::AXIS.stroke_width(1))
            .x_label_formatter(&xlabel)
            .y_label_formatter(&ylabel)
            .x_label_style(label(label_size, style::TEXT))
            .y_label_style(label(label_size, style::TEXT))
            .axis_desc_style(label(15.0, style::MUTED))
            .x_desc("lookback")
            .y_desc("burn rate")
            .draw()?;

        let bars: Vec<(usize, f64, bool)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let v = s.burn_rates.get(*k).copied().flatten()?;
                v.is_finite().then(|| (i, v.min(hi), hot.contains(*k)))
            })
            .collect();
        chart.draw_series(bars.iter().map(|&(i, v, hot)| {
            let c = if hot { OBJECTIVE } else { DATA };
            Rectangle::new([(i as f64 - 0.3, 0.0), (i as f64 + 0.3, v)], c.filled())
        }))?;
        // Alert thresholds, one line per distinct rate.
        let mut rates: Vec<(f64, bool)> = Vec::new();
        for a in &s.alerts {
            match rates.iter_mut().find(|r| r.0 == a.burn_rate) {
                Some(r) => r.1 |= a.firing,
                None => rates.push((a.burn_rate, a.firing)),
            }
        }
        rates.retain(|r| r.0.is_finite() && r.0 > 0.0 && r.0 <= hi);
        for (rate, firing) in &rates {
            let c = if *firing { OBJECTIVE } else { style::TEXT };
            chart.draw_series(std::iter::once(DashedPathElement::new(
                [(-0.5, *rate), (n - 0.5, *rate)],
                10,
                6,
                c.stroke_width(2),
            )))?;
        }

        let (px, py) = chart.plotting_area().get_pixel_range();
        let frame = Frame { x: px, y: py };
        let (ox, oy) = body.get_base_pixel();
        let at = |p: (f64, f64)| {
            let (x, y) = chart.backend_coord(&p);
            (x - ox, y - oy)
        };
        for (i, k) in keys.iter().enumerate() {
            let (x, y0) = at((i as f64, 0.0));
            match s.burn_rates.get(*k).copied().flatten() {
                Some(v) if v.is_finite() => {
                    let (_, y) = at((i as f64, v.min(hi)));
                    let style = font(label_size, style::TEXT, true, HPos::Center, VPos::Bottom);
                    style::boxed_text(&body, &format!("{}×", fmt::burn(v)), (x, y - 4), &style)?;
                }
                _ => {
                    let style = font(label_size, style::GREY, true, HPos::Center, VPos::Bottom);
                    style::boxed_text(&body, "no data", (x, y0 - 6), &style)?;
                }
            }
        }
        if bars.is_empty() {
            let style = font(28.0, style::GREY, true, HPos::Center, VPos::Center);
            let x = (frame.x.start + frame.x.end) / 2 - ox;
            let y = (frame.y.start + frame.y.end) / 2 - oy;
            style::boxed_text(&body, "no data in the window", (x, y), &style)?;
        }
        // A label per alert, on its threshold's row.
        let tags = s
            .alerts
            .iter()
            .filter(|a| rates.iter().any(|r| r.0 == a.burn_rate))
            .map(|a| Tag {
                y: at((0.0, a.burn_rate)).1,
                text: format!(
                    "{}× {} {}/{}",
                    trim(a.burn_rate, 0.01),
                    a.severity,
                    a.long,
                    a.short
                ),
                color: if a.firing { OBJECTIVE } else { style::TEXT },
            })
            .collect();
        frame.gutter(&body, tags, 14.0)?;
        Ok(frame)
    }
}

/// A number with the decimals `step` needs, trailing zeros cut: `14.4`, `6`.
fn trim(v: f64, step: f64) -> String {
    let s = format!("{:.*}", style::decimals(step), v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
