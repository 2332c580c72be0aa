//! The overview for the top of the wiki page: every SLO's SLI trend as a
//! small multiple, two per row, each headed by its name, SLI and status. A
//! fleet of more than [`MAX_PANELS`] SLOs shows the ones with the least
//! budget left (breached first, then warning, no data, ok), so the image
//! stays one a viewer opens; report.md lists every SLO.

use super::style::{self, font, Swatch};
use super::{sli, Chart, ChartError, Frame};
use crate::compute::{Report, SloReport, Status};
use crate::report::fmt;
use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::style::text_anchor::{HPos, VPos};

/// Width, header height and row height of the overview.
const WIDTH: u32 = 1200;
const HEADER: u32 = 104;
const ROW: u32 = 300;
/// Panels at most: 12 rows, an image of 1,200 × 3,704 pixels.
pub const MAX_PANELS: usize = 24;

pub(crate) struct Overview<'a> {
    pub report: &'a Report,
}

impl<'a> Overview<'a> {
    /// The SLOs drawn: all of them, in report order, up to [`MAX_PANELS`];
    /// else the [`MAX_PANELS`] with the least budget left, worst first.
    pub fn shown(&self) -> Vec<&'a SloReport> {
        let slos = &self.report.slos;
        if slos.len() <= MAX_PANELS {
            return slos.iter().collect();
        }
        let mut all = crate::report::least_budget_first(self.report);
        all.truncate(MAX_PANELS);
        all
    }

    fn rows(&self) -> u32 {
        (self.shown().len() as u32).div_ceil(2).max(1)
    }
}

impl Chart for Overview<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEADER + ROW * self.rows())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError> {
        let r = self.report;
        root.fill(&style::WHITE)?;
        let (head, body) = root.split_vertically(HEADER);
        let count = |st: Status| r.slos.iter().filter(|s| s.status == st).count();
        let span = r
            .slos
            .first()
            .map(style::span_label)
            .unwrap_or_else(|| "7 days".into());
        style::title(
            &head,
            &format!("{} — SLIs, last {span}", r.service),
            &format!(
                "{} SLOs: {} ok, {} warning, {} breached, {} without data{} · as of {}",
                r.slos.len(),
                count(Status::Ok),
                count(Status::Warning),
                count(Status::Breached),
                count(Status::NoData),
                if r.slos.len() > MAX_PANELS {
                    format!(" · the {MAX_PANELS} with the least budget left shown")
                } else {
                    String::new()
                },
                style::as_of_label(r.as_of)
            ),
            None,
        )?;
        style::legend(
            &head,
            (16, 88),
            &[
                (
                    Swatch::Line(style::DATA),
                    "SLI of each SLO's window ending at each hour".into(),
                ),
                (Swatch::Line(style::OBJECTIVE), "objective".into()),
                (
                    Swatch::Shade(style::OBJECTIVE),
                    "below the objective".into(),
                ),
            ],
        )?;
        if r.slos.is_empty() {
            style::no_data(&body, "no SLOs in slo.yaml", 28.0)?;
            return Ok(Frame::default());
        }
        let cells = body.split_evenly((self.rows() as usize, 2));
        for (s, cell) in self.shown().into_iter().zip(&cells) {
            let cell = cell.margin(6, 6, 10, 10);
            let (top, plot) = cell.split_vertically(34);
            let (w, _) = top.dim_in_pixel();
            let left = style::badge(&top, s.status, (w as i32 - 4, 4), 13.0)?;
            let name = font(17.0, style::TEXT, true, HPos::Left, VPos::Top);
            let name_text = style::fit(&top, &s.name, &name, (left - 16) / 2)?;
            let (nw, _) = style::text(&top, &name_text, (4, 6), &name)?;
            let detail = font(14.0, style::MUTED, false, HPos::Left, VPos::Top);
            let detail_text = format!(
                "SLI {} · objective {} · {}",
                fmt::sli(s),
                fmt::pct(s.objective, 4),
                s.window
            );
            let x = 4 + nw as i32 + 12;
            let detail_text = style::fit(&top, &detail_text, &detail, left - 8 - x)?;
            style::text(&top, &detail_text, (x, 9), &detail)?;
            sli::panel(&plot, s, true)?;
        }
        Ok(Frame::default())
    }
}
