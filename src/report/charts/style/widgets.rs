//! The drawn pieces every chart shares: text on the plot, the title block and
//! status badge, the legend, gutter tags, and the "no data" panel.

use super::*;
/// Draws `text` at pixel `at` of `area`; returns its width and height.
pub(crate) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(u32, u32), ChartError> {
    let size = area.estimate_text_size(s, style)?;
    area.draw_text(s, style, at)?;
    Ok(size)
}

/// Draws `text` on a white box (for labels that may sit over lines or bars).
pub(crate) fn boxed_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(), ChartError> {
    let (w, h) = area.estimate_text_size(s, style)?;
    let (w, h) = (w as i32, h as i32);
    let x0 = match style.pos.h_pos {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y0 = match style.pos.v_pos {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    area.draw(&Rectangle::new(
        [(x0 - 4, y0 - 2), (x0 + w + 4, y0 + h + 3)],
        WHITE.mix(0.85).filled(),
    ))?;
    text(area, s, at, style)?;
    Ok(())
}

/// The title block: a bold first line, a muted second line, and the status
/// as a coloured badge on the right.
pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    main: &str,
    sub: &str,
    status: Option<Status>,
) -> Result<(), ChartError> {
    let (w, _) = area.dim_in_pixel();
    let right = match status {
        Some(st) => badge(area, st, (w as i32 - 16, 14), 17.0)? - 16,
        None => w as i32 - 16,
    };
    let main_style = font(24.0, TEXT, true, HPos::Left, VPos::Top);
    text(
        area,
        &fit(area, main, &main_style, right - 16)?,
        (16, 12),
        &main_style,
    )?;
    let sub_style = font(16.0, MUTED, false, HPos::Left, VPos::Top);
    text(
        area,
        &fit(area, sub, &sub_style, right - 16)?,
        (16, 46),
        &sub_style,
    )?;
    Ok(())
}

/// A status badge whose right edge is at `at.0`; returns its left edge.
pub(crate) fn badge<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    st: Status,
    at: (i32, i32),
    size: f64,
) -> Result<i32, ChartError> {
    let fg = match st {
        Status::Warning => TEXT,
        _ => WHITE,
    };
    let label = crate::report::fmt::status_label(st).to_uppercase();
    let style = font(size, fg, true, HPos::Center, VPos::Center);
    let (tw, th) = area.estimate_text_size(&label, &style)?;
    let (bw, bh) = (tw as i32 + 20, th as i32 + 12);
    let x0 = at.0 - bw;
    area.draw(&Rectangle::new(
        [(x0, at.1), (at.0, at.1 + bh)],
        status_color(st).filled(),
    ))?;
    text(area, &label, (x0 + bw / 2, at.1 + bh / 2), &style)?;
    Ok(x0)
}

/// `s`, cut with an ellipsis to fit `max_w` pixels.
pub(crate) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: i32,
) -> Result<String, ChartError> {
    let one_line = s.replace(['\n', '\r'], " ");
    if area.estimate_text_size(&one_line, style)?.0 as i32 <= max_w {
        return Ok(one_line);
    }
    let chars: Vec<char> = one_line.chars().collect();
    let mut n = chars.len();
    while n > 0 {
        n -= 1;
        let cut: String = chars[..n].iter().collect::<String>() + "…";
        if area.estimate_text_size(&cut, style)?.0 as i32 <= max_w {
            return Ok(cut);
        }
    }
    Ok(String::new())
}

/// A legend entry's mark.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    /// A shaded area: the colour at the charts' shading opacity, with its edge.
    Shade(RGBColor),
    Bar(RGBColor),
}

/// A row of legend entries starting at `at` (left, vertical centre).
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    items: &[(Swatch, String)],
) -> Result<(), ChartError> {
    let style = font(14.0, MUTED, false, HPos::Left, VPos::Center);
    let (mut x, y) = at;
    for (swatch, label) in items {
        match *swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new([(x, y), (x + 28, y)], c.stroke_width(3)))?;
            }
            Swatch::Dashed(c) => {
                area.draw(&DashedPathElement::new(
                    [(x, y), (x + 28, y)],
                    7,
                    4,
                    c.stroke_width(2),
                ))?;
            }
            Swatch::Shade(c) => {
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 28, y + 7)],
                    c.mix(SHADE).filled(),
                ))?;
                area.draw(&PathElement::new(
                    [(x, y - 7), (x + 28, y - 7)],
                    c.stroke_width(2),
                ))?;
            }
            Swatch::Bar(c) => {
                area.draw(&Rectangle::new(
                    [(x + 6, y - 8), (x + 22, y + 8)],
                    c.filled(),
                ))?;
            }
        }
        x += 36;
        let (w, _) = text(area, label, (x, y), &style)?;
        x += w as i32 + 26;
    }
    Ok(())
}

/// A label in the right gutter of a plot, for the line at pixel row `y`.
pub(crate) struct Tag {
    pub y: i32,
    pub text: String,
    pub color: RGBColor,
}

/// Draws `tags` left-aligned at `x`, each centred on its row, moved apart
/// where they would overlap and kept within `rows`; a tag that had to move
/// gets a short leader to its row.
pub(crate) fn gutter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    rows: Range<i32>,
    mut tags: Vec<Tag>,
    size: f64,
) -> Result<(), ChartError> {
    tags.sort_by_key(|t| t.y);
    let ys = spread(
        &tags.iter().map(|t| t.y).collect::<Vec<_>>(),
        (size * 1.3) as i32,
        rows,
    );
    for (t, y) in tags.iter().zip(ys) {
        if (y - t.y).abs() > 2 {
            area.draw(&PathElement::new(
                [(x - 12, t.y), (x - 3, y)],
                t.color.stroke_width(1),
            ))?;
        }
        let style = font(size, t.color, true, HPos::Left, VPos::Center);
        let max_w = area.dim_in_pixel().0 as i32 - x - 6;
        text(area, &fit(area, &t.text, &style, max_w)?, (x, y), &style)?;
    }
    Ok(())
}

/// Sorted rows moved apart to at least `gap` and into `rows` (when they fit).
pub fn spread(ys: &[i32], gap: i32, rows: Range<i32>) -> Vec<i32> {
    let mut out: Vec<i32> = Vec::with_capacity(ys.len());
    for &y in ys {
        let y = y.clamp(rows.start + gap / 2, (rows.end - gap / 2).max(rows.start));
        let y = match out.last() {
            Some(&p) => y.max(p + gap),
            None => y,
        };
        out.push(y);
    }
    // Pushed past the bottom: push back up.
    let mut limit = rows.end - gap / 2;
    for y in out.iter_mut().rev() {
        if *y > limit {
            *y = limit;
        }
        limit = *y - gap;
    }
    out
}

/// The frame of an empty plot with `message` in its middle.
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
    size: f64,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Rectangle::new(
        [(12, 8), (w - 12, h - 12)],
        GRID.stroke_width(2),
    ))?;
    let style = font(size, GREY, true, HPos::Center, VPos::Center);
    text(area, message, (w / 2, h / 2), &style)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gutter_tags_move_apart() {
        assert_eq!(spread(&[100, 105, 300], 20, 0..400), vec![100, 120, 300]);
        assert_eq!(spread(&[390, 395], 20, 0..400), vec![370, 390]);
        assert_eq!(spread(&[-50], 20, 0..400), vec![10]);
    }
}
