//! The burn rates: a bar per lookback, the alert thresholds as dashed lines,
//! the bars of a firing alert's long and short windows highlighted, and a
//! lookback without data shown as "no data".

use super::style::{self, font, label, Look, DATA, OBJECTIVE};
use super::{Chart, ChartError, Frame, SloChart};
use crate::compute::SloReport;
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::chart::ChartBuilder;
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{DashedPathElement, Rectangle};
use plotters::series::LineSeries;
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

/// The lookbacks that are the long or short window of a firing alert.
pub fn highlighted_lookbacks(s: &SloReport) -> Vec<String> {
    s.burn_rates
        .keys()
        .filter(|k| {
            s.alerts
                .iter()
                .any(|a| a.firing && (a.long == **k || a.short == **k))
        })
        .cloned()
        .collect()
}

/// The burn-rate chart of one SLO, 1200 × 600.
pub(crate) struct BurnChart<'a>(pub SloChart<'a>);

impl Chart for BurnChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<Frame, ChartError> {
        let SloChart { report, slo: s, .. } = self.0;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(80);
        let firing = fmt::firing(s);
        style::title(
            &head,
            look,
            &format!("{} — burn rates", s.name),
            &format!(
                "{} · objective {} over a {} window · {} · as of {}",
                report.service,
                fmt::pct(s.objective, 4),
                s.window,
                if firing.is_empty() {
                    "no alert firing".to_string()
                } else {
                    format!("firing: {firing}")
                },
                style::as_of_label(&report.as_of)
            ),
            Some(s.status),
        )?;
        let keys: Vec<&String> = s.burn_rates.keys().collect();
        if keys.is_empty() {
            style::no_data(&body, look, "no burn-rate lookbacks", 28.0)?;
            return Ok(Frame::default());
        }
        let n = keys.len() as f64;
        let hi = burn_axis(s);
        let (ystep, yticks) = style::nice_ticks(0.0, hi, 6);
        let label_size = 16.0;
        let mut chart = ChartBuilder::on(&body)
            .margin_top(14)
            .margin_right(36)
            .margin_left(10)
            .margin_bottom(8)
            .x_label_area_size(56)
            .y_label_area_size(104)
            .build_cartesian_2d(
                (-0.5..n - 0.5).with_key_points((0..keys.len()).map(|i| i as f64).collect()),
                (0.0..hi).with_key_points(yticks),
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
            .y_label_offset(look.dy(label_size))
            .axis_desc_style(label(15.0, style::MUTED))
            .x_desc("lookback (burn rate over the last …)")
            .y_desc("burn rate (× the budget-neutral rate)")
            .draw()?;

        let hot = highlighted_lookbacks(s);
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
        // 1×: the budget lasts exactly the window.
        chart.draw_series(LineSeries::new(
            [(-0.5, 1.0), (n - 0.5, 1.0)],
            style::MUTED.stroke_width(1),
        ))?;
        // Alert thresholds, one line per distinct rate.
        let mut rates: Vec<(f64, Vec<String>, bool)> = Vec::new();
        for a in &s.alerts {
            let name = format!("{} {}/{}", a.severity, a.long, a.short);
            match rates.iter_mut().find(|r| r.0 == a.burn_rate) {
                Some(r) => {
                    r.1.push(name);
                    r.2 |= a.firing;
                }
                None => rates.push((a.burn_rate, vec![name], a.firing)),
            }
        }
        rates.retain(|r| r.0.is_finite() && r.0 > 0.0 && r.0 <= hi);
        for (rate, _, firing) in &rates {
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
                    style::boxed_text(&body, look, &format!("{}×", fmt::burn(v)), (x, y - 4), &style)?;
                }
                _ => {
                    let style = font(label_size, style::GREY, true, HPos::Center, VPos::Bottom);
                    style::text(&body, look, "no data", (x, y0 - 6), &style)?;
                }
            }
        }
        let right = frame.x.end - ox - 8;
        for (rate, names, firing) in &rates {
            let (_, y) = at((0.0, *rate));
            let c = if *firing { OBJECTIVE } else { style::TEXT };
            let text = format!(
                "{} {}: above {}×",
                if *firing { "FIRING" } else { "alert" },
                names.join(", "),
                trim(*rate, 0.01)
            );
            style::boxed_text(
                &body,
                look,
                &text,
                (right, y - 4),
                &font(14.0, c, true, HPos::Right, VPos::Bottom),
            )?;
        }
        let (_, y1) = at((0.0, 1.0));
        style::boxed_text(
            &body,
            look,
            "1× spends the budget exactly over the window",
            (right, y1 + 4),
            &font(13.0, style::MUTED, false, HPos::Right, VPos::Top),
        )?;
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
