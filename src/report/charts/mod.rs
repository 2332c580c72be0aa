//! Charts for the wiki: per SLO its SLI trend, its error-budget burn-down
//! (with the window's worst hours marked), its burn rates and its history
//! (this window against the earlier ones), plus one overview of every SLO's
//! SLI trend.
//!
//! Like every renderer, these return bytes and never touch the file system
//! ([`super::output`] writes them). PNG is drawn into an RGB buffer and encoded
//! in memory; SVG is drawn into a string. Text is drawn with the DejaVu Sans
//! embedded in the binary, so a PNG is the same on every machine, with or
//! without system fonts.

mod budget;
mod burn;
mod history;
pub mod overview;
mod sli;
mod style;
mod text;

pub use budget::{budget_axes, BudgetAxes};
pub use burn::{burn_axis, highlighted_lookbacks};
pub use history::{history_axis, history_bars, Bar};
pub use sli::sli_axis;
pub use style::{nice_ticks, time_ticks};

use crate::compute::{Report, SloReport};
use crate::error::Error;
use crate::report::output::safe_name;
use plotters::backend::{BitMapBackend, DrawingBackend, RGBPixel, SVGBackend};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use std::collections::HashSet;
use std::ops::Range;

/// `--chart-format` of `slo report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChartFormat {
    /// PNG images (1200 × 600), the same on every machine.
    #[default]
    Png,
    /// SVG images; the text is drawn by the viewer (DejaVu Sans, else its sans-serif).
    Svg,
}

impl ChartFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// What the charts need besides the report.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChartOptions {
    pub format: ChartFormat,
}

/// One rendered image: its file name (unique within a [`Charts`]), the alt text
/// for the wiki page, and the encoded bytes.
#[derive(Debug, Clone)]
pub struct Image {
    pub file_name: String,
    pub alt: String,
    pub bytes: Vec<u8>,
}

/// Per SLO name, its images as `(alt text, relative path)`.
pub type Links = Vec<(String, Vec<(String, String)>)>;

/// An image with a file name and an alt text (drawn, or only planned).
trait Linked {
    fn file_name(&self) -> &str;
    fn alt(&self) -> &str;
}

impl Linked for Image {
    fn file_name(&self) -> &str {
        &self.file_name
    }
    fn alt(&self) -> &str {
        &self.alt
    }
}

impl Linked for Planned {
    fn file_name(&self) -> &str {
        &self.file_name
    }
    fn alt(&self) -> &str {
        &self.alt
    }
}

/// The overview's file name and per SLO its images' `(alt, path)` pairs.
fn links_of<T: Linked>(overview: &T, slos: &[(String, Vec<T>)]) -> (String, Links) {
    let slos = slos
        .iter()
        .map(|(name, imgs)| {
            let links = imgs
                .iter()
                .map(|i| (i.alt().to_string(), i.file_name().to_string()))
                .collect();
            (name.clone(), links)
        })
        .collect();
    (overview.file_name().to_string(), slos)
}

/// Every chart of a report.
#[derive(Debug, Clone)]
pub struct Charts {
    /// The SLI trend of every SLO, small multiples, for the top of the page.
    pub overview: Image,
    /// Per SLO (in report order): its name and its images (SLI, budget, burn rates, history).
    pub slos: Vec<(String, Vec<Image>)>,
}

impl Charts {
    /// Every image as `(file name, bytes)`, for [`super::output::write_report_dir`].
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        std::iter::once(&self.overview)
            .chain(self.slos.iter().flat_map(|(_, imgs)| imgs))
            .map(|i| (i.file_name.clone(), i.bytes.clone()))
            .collect()
    }

    /// The relative paths for the Markdown page: the overview, and per SLO its
    /// `(alt, path)` pairs (the shape of [`crate::report::markdown::Markdown`]'s fields).
    pub fn links(&self) -> (String, Links) {
        links_of(&self.overview, &self.slos)
    }
}

/// Renders every chart of `report` in `format`.
pub fn render_all(report: &Report, format: ChartFormat) -> Result<Charts, Error> {
    render_with(report, &ChartOptions { format })
}

/// Renders every chart of `report`, all at once (see [`Plan`] to draw them
/// one at a time).
pub fn render_with(report: &Report, opts: &ChartOptions) -> Result<Charts, Error> {
    let plan = Plan::new(report, opts);
    let draw = |p: &Planned| -> Result<Image, Error> {
        Ok(Image {
            file_name: p.file_name.clone(),
            alt: p.alt.clone(),
            bytes: plan.draw(report, p)?,
        })
    };
    // Every SLO's charts are independent: drawn on every core, collected in
    // report order.
    use rayon::prelude::*;
    let slos = plan
        .slos
        .par_iter()
        .map(|(name, imgs)| {
            Ok((
                name.clone(),
                imgs.iter().map(draw).collect::<Result<_, Error>>()?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Charts {
        overview: draw(&plan.overview)?,
        slos,
    })
}

/// Which chart an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Overview,
    Sli(usize),
    Budget(usize),
    Burn(usize),
    History(usize),
}

/// One image of a report, not drawn yet: its file name and alt text.
#[derive(Debug, Clone)]
pub struct Planned {
    pub file_name: String,
    pub alt: String,
    kind: Kind,
}

/// Every image of a report, named before any is drawn: the wiki page links
/// them and `--out` lists them in its manifest while they are drawn, one at
/// a time, as they are written.
#[derive(Debug, Clone)]
pub struct Plan {
    format: ChartFormat,
    pub overview: Planned,
    /// Per SLO (in report order): its name and its images.
    pub slos: Vec<(String, Vec<Planned>)>,
}

impl Plan {
    pub fn new(report: &Report, opts: &ChartOptions) -> Plan {
        let ext = opts.format.extension();
        let overview = Planned {
            file_name: format!("overview.{ext}"),
            alt: if report.slos.len() > overview::MAX_PANELS {
                format!(
                    "SLI trends of the {} SLOs with the least budget left",
                    overview::MAX_PANELS
                )
            } else {
                "SLI trends of every SLO".into()
            },
            kind: Kind::Overview,
        };
        let bases = unique_bases(report.slos.iter().map(|s| s.name.as_str()));
        let slos = report
            .slos
            .iter()
            .zip(bases)
            .enumerate()
            .map(|(i, (s, base))| {
                let span = style::span_label(s);
                let mut imgs = Vec::with_capacity(4);
                for (name, kind, alt) in [
                    (
                        "sli",
                        Kind::Sli(i),
                        format!(
                            "{}: SLI over the last {span} against the {} objective",
                            s.name,
                            crate::report::fmt::pct(s.objective, 4)
                        ),
                    ),
                    (
                        "budget",
                        Kind::Budget(i),
                        format!(
                            "{}: error budget left over the last {span}{}",
                            s.name,
                            s.exhaustion_at
                                .as_ref()
                                .map(style::instant_secs)
                                .map(|t| format!(
                                    ", forecast to run out {}",
                                    style::time_label(t, "%Y-%m-%d %H:%M UTC")
                                ))
                                .unwrap_or_default()
                        ),
                    ),
                    (
                        "burn",
                        Kind::Burn(i),
                        format!(
                            "{}: burn rate per lookback and the alert thresholds",
                            s.name
                        ),
                    ),
                    (
                        "history",
                        Kind::History(i),
                        format!(
                            "{}: SLI of this and the {} earlier {} windows against the objective",
                            s.name,
                            s.history.len(),
                            s.window
                        ),
                    ),
                ] {
                    if name == "history" && s.history.is_empty() {
                        continue;
                    }
                    imgs.push(Planned {
                        file_name: format!("{base}-{name}.{ext}"),
                        alt,
                        kind,
                    });
                }
                (s.name.clone(), imgs)
            })
            .collect();
        Plan {
            format: opts.format,
            overview,
            slos,
        }
    }

    /// Every image, the overview first, then each SLO's in report order.
    pub fn images(&self) -> impl Iterator<Item = &Planned> {
        std::iter::once(&self.overview).chain(self.slos.iter().flat_map(|(_, imgs)| imgs))
    }

    /// The relative paths for the Markdown page: the overview, and per SLO
    /// its `(alt, path)` pairs.
    pub fn links(&self) -> (String, Links) {
        links_of(&self.overview, &self.slos)
    }

    /// Draws one image of this plan (of `report`, the report it was made for).
    pub fn draw(&self, report: &Report, p: &Planned) -> Result<Vec<u8>, Error> {
        let f = self.format;
        let slo = |i: usize| SloChart {
            report,
            slo: &report.slos[i],
        };
        match p.kind {
            Kind::Overview => render(&overview::Overview { report }, f),
            Kind::Sli(i) => render(&sli::SliChart(slo(i)), f),
            Kind::Budget(i) => render(&budget::BudgetChart(slo(i)), f),
            Kind::Burn(i) => render(&burn::BurnChart(slo(i)), f),
            Kind::History(i) => render(&history::HistoryChart(slo(i)), f),
        }
        .map_err(|e| Error::output(format!("chart {}: {e}", p.file_name)))
    }
}

/// A file-name base per SLO name: [`safe_name`], with `-2`, `-3`… added when
/// two names map to the same base.
pub fn unique_bases<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut used = HashSet::new();
    names
        .into_iter()
        .map(|n| {
            let base = safe_name(n);
            let mut cand = base.clone();
            let mut k = 2;
            while !used.insert(cand.clone()) {
                cand = format!("{base}-{k}");
                k += 1;
            }
            cand
        })
        .collect()
}

/// An SLO's chart: what every per-SLO chart draws from.
#[derive(Clone, Copy)]
pub(crate) struct SloChart<'a> {
    pub report: &'a Report,
    pub slo: &'a SloReport,
}

impl SloChart<'_> {
    /// The title block every full-size chart of an SLO opens with: `{name} —
    /// {what}`, then service, objective, window, what it shows now and the
    /// as-of time, with the status badge.
    pub(crate) fn header<DB: DrawingBackend>(
        &self,
        head: &DrawingArea<DB, Shift>,
        what: &str,
        now: &str,
    ) -> Result<(), ChartError> {
        let s = self.slo;
        style::title(
            head,
            &format!("{} — {what}", s.name),
            &format!(
                "{} · objective {} over a {} window · {now} · as of {}",
                self.report.service,
                crate::report::fmt::pct(s.objective, 4),
                s.window,
                style::as_of_label(self.report.as_of)
            ),
            Some(s.status),
        )
    }
}

/// Why a chart could not be drawn (a drawing-backend error, as text).
#[derive(Debug, Clone)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// The pixels of a chart's plotting area (empty when nothing was plotted).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Frame {
    pub x: Range<i32>,
    pub y: Range<i32>,
}

impl Frame {
    /// Labels in the gutter right of this plotting area, on `area`.
    pub(crate) fn gutter<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        tags: Vec<style::Tag>,
        size: f64,
    ) -> Result<(), ChartError> {
        let (ox, oy) = area.get_base_pixel();
        style::gutter(
            area,
            self.x.end - ox + 14,
            (self.y.start - oy)..(self.y.end - oy),
            tags,
            size,
        )
    }
}

/// The plotting area of a full-size chart on `body`: its margins, a gutter
/// of `right` pixels for labels, the label areas and the two axes.
pub(crate) fn full_plot<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    right: u32,
    x: style::Axis,
    y: style::Axis,
) -> Result<
    plotters::chart::ChartContext<
        'a,
        DB,
        plotters::coord::cartesian::Cartesian2d<style::Axis, style::Axis>,
    >,
    ChartError,
> {
    Ok(plotters::chart::ChartBuilder::on(body)
        .margin_top(10)
        .margin_right(right)
        .margin_left(10)
        .margin_bottom(8)
        .x_label_area_size(56)
        .y_label_area_size(100)
        .build_cartesian_2d(x, y)?)
}

/// A chart, drawable on any backend.
pub(crate) trait Chart {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<Frame, ChartError>;
}

/// Renders `chart` to PNG or SVG bytes.
pub(crate) fn render(chart: &impl Chart, format: ChartFormat) -> Result<Vec<u8>, ChartError> {
    style::register_fonts()?;
    match format {
        ChartFormat::Png => PIXELS.with(|cell| {
            // The thread's pixel buffer, drawn over (every chart paints its
            // whole background first): a fleet's thousands of charts reuse
            // one buffer a core instead of allocating and zeroing 2 MB each.
            let mut rgb = cell.take();
            let (w, h) = chart.size();
            rgb.resize(w as usize * h as usize * 3, 0);
            let drawn = draw_rgb(chart, &mut rgb, (w, h));
            let png = drawn.and_then(|_| encode_png(&rgb, w, h));
            cell.replace(rgb);
            png
        }),
        ChartFormat::Svg => {
            let (w, h) = chart.size();
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                chart.draw(&root)?;
                root.present()?;
            }
            Ok(svg.into_bytes())
        }
    }
}

/// A chart drawn into an RGB buffer (the tests check its pixels).
#[cfg(test)]
pub(crate) struct Raster {
    pub rgb: Vec<u8>,
    pub size: (u32, u32),
    /// Where the plotting area is.
    pub frame: Frame,
}

/// Draws `chart` into a new RGB buffer.
#[cfg(test)]
pub(crate) fn render_rgb(chart: &impl Chart) -> Result<Raster, ChartError> {
    style::register_fonts()?;
    let (w, h) = chart.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let frame = draw_rgb(chart, &mut rgb, (w, h))?;
    Ok(Raster {
        rgb,
        size: (w, h),
        frame,
    })
}

thread_local! {
    /// Each thread's pixel buffer for PNG charts, and its zlib state.
    static PIXELS: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    static DEFLATE: std::cell::RefCell<Option<flate2::Compress>> = const { std::cell::RefCell::new(None) };
    /// Each thread's buffer of palette indices.
    static INDEXED: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Draws `chart` into `rgb` (`w * h * 3` bytes).
fn draw_rgb(chart: &impl Chart, rgb: &mut [u8], (w, h): (u32, u32)) -> Result<Frame, ChartError> {
    let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(rgb, (w, h))
        .map_err(|e| ChartError(e.to_string()))?;
    let root = text::Glyphs(backend).into_drawing_area();
    let frame = chart.draw(&root)?;
    root.present()?;
    Ok(frame)
}

/// The chart as PNG. A chart has few colours (flat areas, unsmoothed lines,
/// text in a handful of inks): when it has at most 256 it is written
/// indexed, a byte a pixel against RGB's three, which is a third of the
/// bytes to filter and deflate and smaller files, losslessly; else RGB.
/// Every row gets the `Up` filter (charts are flat areas and vertical edges,
/// where `Up` compresses within 3 % of the adaptive choice, which tries all
/// five filters on every row) and deflate runs at level [`DEFLATE_LEVEL`].
/// The png crate writes the header, the palette, the chunk and the CRCs.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let err = |e: &dyn std::fmt::Display| ChartError(format!("PNG encoding: {e}"));
    if rgb.len() != w as usize * 3 * h as usize || rgb.is_empty() {
        return Err(err(&"the pixels do not fill the image"));
    }
    let indexed = INDEXED.with(|b| {
        let mut buf = b.take();
        let palette = palette_of(rgb, &mut buf);
        (palette, buf)
    });
    let (palette, pixels) = indexed;
    let (data, row): (&[u8], usize) = match &palette {
        Some(_) => (&pixels, w as usize),
        None => (rgb, w as usize * 3),
    };
    let idat = deflate_rows(data, row).map_err(|e| err(&e));
    let mut out = Vec::with_capacity(idat.as_ref().map_or(0, Vec::len) + 64 + 768);
    let written = idat.and_then(|idat| {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_depth(png::BitDepth::Eight);
        match &palette {
            Some(p) => {
                enc.set_color(png::ColorType::Indexed);
                enc.set_palette(p.clone());
            }
            None => enc.set_color(png::ColorType::Rgb),
        }
        let mut writer = enc.write_header().map_err(|e| err(&e))?;
        writer
            .write_chunk(png::chunk::IDAT, &idat)
            .map_err(|e| err(&e))?;
        writer.finish().map_err(|e| err(&e))
    });
    INDEXED.with(|b| b.set(pixels));
    written.map(|()| out)
}

/// The palette of `rgb` (3 bytes a colour, in order of first use) and each
/// pixel's index into `idx`, or `None` past 256 colours.
fn palette_of(rgb: &[u8], idx: &mut Vec<u8>) -> Option<Vec<u8>> {
    // Open addressing over 1,024 slots (at most 256 used): colour + 1 (0 is
    // empty) and its index.
    const SLOTS: usize = 1024;
    let mut keys = [0u32; SLOTS];
    let mut vals = [0u8; SLOTS];
    let mut palette: Vec<u8> = Vec::with_capacity(768);
    let n = rgb.len() / 3;
    // Every index is written below: only a new size clears.
    if idx.len() != n {
        idx.clear();
        idx.resize(n, 0);
    }
    // A run at a time: a chart is long runs of one colour (5.8 G pixels in
    // a 2,000-SLO report), so a pixel costs a byte comparison and a fill,
    // and only a run's first pixel is looked up.
    let mut p = 0;
    while p < n {
        let b = 3 * p;
        let px = &rgb[b..b + 3];
        let c = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
        let key = c + 1;
        let mut slot = (c.wrapping_mul(0x9E37_79B1) >> 22) as usize;
        let i = loop {
            if keys[slot] == key {
                break vals[slot];
            }
            if keys[slot] == 0 {
                let n = palette.len() / 3;
                if n == 256 {
                    return None;
                }
                keys[slot] = key;
                vals[slot] = n as u8;
                palette.extend_from_slice(px);
                break n as u8;
            }
            slot = (slot + 1) % SLOTS;
        };
        // The run goes on while each byte equals the one a pixel before.
        let mut k = b + 3;
        let word = |at: usize| u64::from_ne_bytes(rgb[at..at + 8].try_into().unwrap_or([0; 8]));
        while k + 8 <= rgb.len() && word(k) == word(k - 3) {
            k += 8;
        }
        while k < rgb.len() && rgb[k] == rgb[k - 3] {
            k += 1;
        }
        let q = k / 3;
        idx[p..q].fill(i);
        p = q;
    }
    Some(palette)
}

/// zlib of `data`'s rows (`row` bytes each), every row with the `Up` filter.
fn deflate_rows(data: &[u8], row: usize) -> Result<Vec<u8>, flate2::CompressError> {
    // The thread's zlib state, reset (its tables are allocated once).
    let mut z = DEFLATE
        .with(|d| d.borrow_mut().take())
        .unwrap_or_else(|| flate2::Compress::new(flate2::Compression::new(DEFLATE_LEVEL), true));
    z.reset();
    let mut idat = Vec::with_capacity(data.len() / 8);
    let mut line = vec![0u8; row + 1];
    line[0] = 2; // Up
    let mut prev: &[u8] = &[];
    let rows = data.len() / row;
    for (k, cur) in data.chunks_exact(row).enumerate() {
        if prev.is_empty() {
            line[1..].copy_from_slice(cur);
        } else {
            for ((o, c), p) in line[1..].iter_mut().zip(cur).zip(prev) {
                *o = c.wrapping_sub(*p);
            }
        }
        let flush = if k + 1 == rows {
            flate2::FlushCompress::Finish
        } else {
            flate2::FlushCompress::None
        };
        let mut input: &[u8] = &line;
        loop {
            if idat.capacity() - idat.len() < 4096 {
                idat.reserve(idat.capacity().max(4096));
            }
            let before = z.total_in();
            let status = z.compress_vec(input, &mut idat, flush)?;
            input = &input[(z.total_in() - before) as usize..];
            let done = match flush {
                flate2::FlushCompress::Finish => status == flate2::Status::StreamEnd,
                _ => input.is_empty(),
            };
            if done {
                break;
            }
        }
        prev = cur;
    }
    DEFLATE.with(|d| *d.borrow_mut() = Some(z));
    Ok(idat)
}

/// zlib's level for the charts. On a fleet's `--out` (2,000 SLOs, 8,003
/// files, RGB) level 6, the default, took 25.0 s of CPU for 431 MB, level 3
/// 18.3 s for 441 MB, level 1 14.8 s for 581 MB (an earlier stop). Level 2
/// (zlib-rs' deflate_fast) makes files as small as level 3 with 8 % less
/// CPU. Indexed (2026-12-07, same fleet): level 2 writes 233 MB, level 1
/// 314 MB for 0.3 s less wall; `None` instead of `Up` saves as little and
/// writes 247 MB.
const DEFLATE_LEVEL: u32 = 2;

#[cfg(test)]
mod tests;
