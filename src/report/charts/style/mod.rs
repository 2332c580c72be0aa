//! What every chart shares: the embedded font, the Okabe–Ito palette and the
//! status colours, and text styles; the drawn pieces ([`widgets`]: title
//! block, legend, gutter tags, the "no data" panel) and the pure tick and
//! label arithmetic ([`axis`], tested without drawing).

mod axis;
mod widgets;

pub use axis::*;
pub use widgets::*;

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

pub(crate) static REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
pub(crate) static BOLD: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

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

/// The opacity of shaded areas (below the objective, overspent budget).
pub const SHADE: f64 = 0.12;
