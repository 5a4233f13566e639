//! Small SVG helpers shared by the figures: plotters canvases whose output is spliced into
//! hand-written documents, attributes set on plotters' one-line elements, text and markers.

use super::palette::SHAPES;
use crate::error::{Error, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type Chart2d<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(crate) fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

pub(crate) use super::palette::hex;

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A plotters failure, as the crate's error.
pub(crate) fn perr<E: std::fmt::Display>(e: E) -> Error {
    Error::Figure(e.to_string())
}

/// Lets plotters draw on a fresh canvas of the given size and returns what it drew: the
/// element lines between `<svg ...>` and `</svg>` (plotters writes one element per line).
pub(crate) fn render(size: (u32, u32), f: impl FnOnce(&Area) -> Result<()>) -> Result<String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        f(&root)?;
        root.present().map_err(perr)?;
    }
    let start = s.find(">\n").map(|i| i + 2).unwrap_or(0);
    let end = s.rfind("</svg>").unwrap_or(s.len()).max(start);
    Ok(s[start..end].to_string())
}

/// Sets (or replaces) an attribute of a one-line element `<tag a="..." .../>`.
pub(crate) fn set_attr(element: &str, key: &str, value: &str) -> String {
    let needle = format!(" {key}=\"");
    if let Some(i) = element.find(&needle) {
        let rest = &element[i + needle.len()..];
        let j = rest.find('"').unwrap_or(rest.len());
        format!("{}{}{}{}", &element[..i + needle.len()], escape(value), "", &rest[j..])
    } else {
        let end = element.strip_suffix("/>").map(str::len).or_else(|| element.strip_suffix('>').map(str::len));
        let at = end.unwrap_or(element.len());
        let at = element[..at].trim_end().len();
        format!("{} {key}=\"{}\"{}", &element[..at], escape(value), &element[at..])
    }
}

/// Splits plotters output into its elements (one per line) and checks their number.
pub(crate) fn elements(body: &str, expected: usize, what: &str) -> Result<Vec<String>> {
    let v: Vec<String> = body.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    if v.len() != expected || v.iter().any(|l| !l.starts_with('<') || !l.ends_with("/>")) {
        return Err(Error::Figure(format!("plotters drew {} elements for {expected} {what}", v.len())));
    }
    Ok(v)
}

/// Greedy word wrap at about `max_chars` characters per line.
pub(crate) fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Wraps to at most `max_lines` lines, ending the last with "…" when text was cut.
pub(crate) fn wrap_lines(text: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, max_chars);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines >= 1");
        while last.chars().count() + 2 > max_chars {
            match last.rfind(' ') {
                Some(i) => last.truncate(i),
                None => break,
            }
        }
        last.push_str(" …");
    }
    lines
}

/// Characters of a sans-serif font of `size` px that fit in `width` px, for an average
/// character width of `em` (0.56 is safe for any text, 0.5 for ordinary prose).
pub(crate) fn chars_in(width: f64, size: f64, em: f64) -> usize {
    ((width / (em * size)).floor() as usize).max(8)
}

pub(crate) fn text(x: f64, y: f64, size: f64, attrs: &str, content: &str) -> String {
    format!("<text x=\"{x:.1}\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"{size}\" {attrs}>{}</text>\n", escape(content))
}

/// Draws a marker of shape `k % 8` centered at `q` (pixels) with "radius" `r`.
pub(crate) fn draw_marker(area: &Area, k: usize, q: (i32, i32), r: f64, color: RGBColor) -> Result<()> {
    let (x, y) = (q.0 as f64, q.1 as f64);
    let pt = |dx: f64, dy: f64| ((x + dx).round() as i32, (y + dy).round() as i32);
    let style = color.filled();
    let poly = |pts: Vec<(i32, i32)>| area.draw(&Polygon::new(pts, style)).map_err(perr);
    match k % SHAPES.len() {
        0 => area.draw(&Circle::new(q, r.round() as i32, style)).map_err(perr),
        1 => {
            let s = r * 0.88;
            area.draw(&Rectangle::new([pt(-s, -s), pt(s, s)], style)).map_err(perr)
        }
        2 => {
            let s = r * 1.25;
            poly(vec![pt(0.0, -s), pt(0.866 * s, 0.5 * s), pt(-0.866 * s, 0.5 * s)])
        }
        3 => {
            let s = r * 1.25;
            poly(vec![pt(0.0, -s), pt(s, 0.0), pt(0.0, s), pt(-s, 0.0)])
        }
        4 => {
            let s = r * 1.25;
            poly(vec![pt(0.0, s), pt(0.866 * s, -0.5 * s), pt(-0.866 * s, -0.5 * s)])
        }
        5 => {
            let s = r * 1.08;
            poly((0..6).map(|i| {
                let a = i as f64 * std::f64::consts::PI / 3.0;
                pt(s * a.cos(), s * a.sin())
            }).collect())
        }
        6 => {
            let s = r * 1.35;
            poly((0..10).map(|i| {
                let a = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::PI / 5.0;
                let rr = if i % 2 == 1 { 0.45 * s } else { s };
                pt(rr * a.cos(), rr * a.sin())
            }).collect())
        }
        _ => {
            let (s, t) = (r * 1.1, r * 0.38);
            poly(vec![
                pt(-t, -s), pt(t, -s), pt(t, -t), pt(s, -t), pt(s, t), pt(t, t),
                pt(t, s), pt(-t, s), pt(-t, t), pt(-s, t), pt(-s, -t), pt(-t, -t),
            ])
        }
    }
}

/// Gives drawn markers a thin dark outline (so light colors stay visible) and a class.
pub(crate) fn finish_marker(element: &str, class: &str) -> String {
    let e = set_attr(element, "class", class);
    let e = set_attr(&e, "stroke", "#222222");
    set_attr(&e, "stroke-width", "0.7")
}

pub(crate) fn padded_bounds(pts: &[(f64, f64)], pad: f64) -> ((f64, f64), (f64, f64)) {
    let mut b = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in pts {
        if x.is_finite() && y.is_finite() {
            b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
        }
    }
    if !b.0.is_finite() {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let pad = pad * (b.1 - b.0).max(b.3 - b.2).max(1e-9);
    ((b.0 - pad, b.1 + pad), (b.2 - pad, b.3 + pad))
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) use crate::notation::superscript;

/// An arrow from `from` (pixels) along the unit pixel direction `dir`, `len` px long.
pub(crate) fn arrow(area: &Area, from: (i32, i32), dir: (f64, f64), len: f64, color: RGBColor) -> Result<()> {
    let tip = (from.0 as f64 + len * dir.0, from.1 as f64 + len * dir.1);
    let back = (tip.0 - 8.0 * dir.0, tip.1 - 8.0 * dir.1);
    let side = (-dir.1 * 4.0, dir.0 * 4.0);
    let r = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    area.draw(&PathElement::new(vec![from, r(back)], color.stroke_width(2))).map_err(perr)?;
    area.draw(&Polygon::new(vec![r(tip), r((back.0 + side.0, back.1 + side.1)), r((back.0 - side.0, back.1 - side.1))], color.filled()))
        .map_err(perr)
}
