//! Text for the PNG charts, drawn with the embedded DejaVu Sans.
//!
//! plotters 0.3.7's ab_glyph renderer drops each glyph's left side bearing
//! and truncates its pen position (so "objective" reads "ob jective"), and it
//! puts the baseline half an em below the anchor (so text sits higher than
//! the box it lays out). [`Glyphs`] wraps a bitmap backend and lays text out
//! itself: kerned, sub-pixel positioned, anchored on the font's ascent and
//! descent, rotated like plotters does. Everything else goes to the wrapped
//! backend. SVG needs none of this: the viewer draws its text.

use super::style::{BOLD, REGULAR};
use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// The embedded fonts, parsed once: `(regular, bold)`.
fn fonts() -> Option<&'static (FontRef<'static>, FontRef<'static>)> {
    static FONTS: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some((
                FontRef::try_from_slice(REGULAR).ok()?,
                FontRef::try_from_slice(BOLD).ok()?,
            ))
        })
        .as_ref()
}

/// `text` laid out at `size` (plotters' size: ascent − descent in pixels) with
/// its top-left corner at the origin: the glyphs and the box `(w, h)`.
fn layout(font: &FontRef<'static>, size: f64, text: &str) -> (Vec<Glyph>, (f32, f32)) {
    let scale = PxScale::from(size as f32);
    let f = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            x += f.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(x, f.ascent())));
        x += f.h_advance(id);
        prev = Some(id);
    }
    (glyphs, (x, f.ascent() - f.descent()))
}

/// A glyph's coverage at a sub-pixel offset: its top-left pixel and the
/// pixels it covers `(dx, dy, coverage in (0, 1])`.
struct Coverage {
    min: (i32, i32),
    pixels: Vec<(u16, u16, f32)>,
}

/// Which glyph, at which size and sub-pixel offset (exact bits): every chart
/// repeats the same labels, so each is rasterized once per thread.
type CoverageKey = (usize, u16, u32, u32, u32);

/// Steps of a glyph's coverage: 16 antialiasing levels, as many as the
/// eye tells apart at label sizes, keep a chart under 256 colours.
const COVERAGE_LEVELS: f32 = 16.0;

/// Entries before the cache starts over (a few MB at most).
const COVERAGE_CACHE: usize = 16_384;

thread_local! {
    static COVERAGES: RefCell<HashMap<CoverageKey, Rc<Coverage>>> = RefCell::new(HashMap::new());
}

/// The coverage of glyph `g` of `font` placed at `frac` (each in `[0, 1)`),
/// from the cache or rasterized; `None` for a glyph without outline (a space).
fn coverage(
    font: &'static FontRef<'static>,
    g: &Glyph,
    frac: ab_glyph::Point,
) -> Option<Rc<Coverage>> {
    let key = (
        font as *const FontRef<'static> as usize,
        g.id.0,
        g.scale.y.to_bits(),
        frac.x.to_bits(),
        frac.y.to_bits(),
    );
    if let Some(c) = COVERAGES.with(|m| m.borrow().get(&key).cloned()) {
        return Some(c);
    }
    let placed = Glyph {
        id: g.id,
        scale: g.scale,
        position: frac,
    };
    let outline = font.outline_glyph(placed)?;
    let b = outline.px_bounds();
    let mut pixels = Vec::new();
    outline.draw(|gx, gy, c| {
        // Coverage in 1/COVERAGE_LEVELS steps (a chart then has few enough
        // colours to be written as an indexed PNG).
        let c = (c.min(1.0) * COVERAGE_LEVELS).round() / COVERAGE_LEVELS;
        if c > 0.0 {
            pixels.push((gx as u16, gy as u16, c));
        }
    });
    let cov = Rc::new(Coverage {
        min: (b.min.x as i32, b.min.y as i32),
        pixels,
    });
    COVERAGES.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= COVERAGE_CACHE {
            m.clear();
        }
        m.insert(key, cov.clone());
    });
    Some(cov)
}

#[cfg(test)]
pub(crate) fn clear_cache() {
    COVERAGES.with(|m| m.borrow_mut().clear());
}

#[cfg(test)]
pub(crate) fn cached() -> usize {
    COVERAGES.with(|m| m.borrow().len())
}

fn pick(style: FontStyle) -> Option<&'static FontRef<'static>> {
    let (regular, bold) = fonts()?;
    Some(match style {
        FontStyle::Bold => bold,
        _ => regular,
    })
}

/// A bitmap backend whose text is drawn by [`layout`] (see the module doc).
pub(crate) struct Glyphs<DB>(pub DB);

impl<DB: DrawingBackend> DrawingBackend for Glyphs<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        match pick(style.style()) {
            Some(font) => {
                let (_, (w, h)) = layout(font, style.size(), text);
                Ok((w.ceil() as u32, h.ceil() as u32))
            }
            None => self.0.estimate_text_size(text, style),
        }
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = pick(style.style()) else {
            return self.0.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (glyphs, (w, h)) = layout(font, style.size(), text);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        let (dx, dy) = (dx.round(), dy.round());
        let trans = style.transform();
        let (width, height) = self.0.get_size();
        for g in glyphs {
            let (ix, iy) = ((g.position.x + dx).floor(), (g.position.y + dy).floor());
            let frac = point(g.position.x + dx - ix, g.position.y + dy - iy);
            let Some(cov) = coverage(font, &g, frac) else {
                continue;
            };
            for &(gx, gy, c) in &cov.pixels {
                let (tx, ty) = trans.transform(
                    ix as i32 + cov.min.0 + i32::from(gx),
                    iy as i32 + cov.min.1 + i32::from(gy),
                );
                let (x, y) = (pos.0 + tx, pos.1 + ty);
                if x >= 0 && y >= 0 && (x as u32) < width && (y as u32) < height {
                    let c = BackendColor {
                        alpha: color.alpha * f64::from(c),
                        rgb: color.rgb,
                    };
                    self.0.draw_pixel((x, y), c)?;
                }
            }
        }
        Ok(())
    }
}
