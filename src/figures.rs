//! SVG pictures of the forward pass, drawn with plotters: one frame of the page
//! ([`frame_svg`]), panels side by side ([`panels_svg`]), the five-panel stage figure
//! ([`stage_figure`]) and the block-count chart ([`complexity_data`], [`complexity_figure`]).
//!
//! plotters draws every shape (markers, rings, lines, axes, tick labels); captions, legends
//! and names are plain SVG `<text>` (no font library needed). Each group of shapes is drawn
//! by plotters on its own canvas and then placed in a `<g>` with a `class`, and every marker
//! gets a `class` too, so the structure of a figure can be checked by tests:
//!
//! * stage figure: `<g class="panel" data-stage="input|separated|collapsed|labeled|final">`,
//!   in each one `class="token"` marker per token of the dataset (coincident tokens are all
//!   drawn) and one `class="anchor"` ring per class;
//! * complexity figure: `<g class="chart" data-chart="by-n|by-length">`, in each one
//!   `<g class="series" data-series="...">` with one `class="point"` marker per point.
//!
//! Class colors and marker shapes follow the page (`www/palette.js`): a class named after a
//! color ("red", "blue", ...) is drawn in that color, the others take the remaining
//! Okabe–Ito colors in order; shapes cycle circle, square, triangle, diamond, ...

use crate::bench::generate;
use crate::construct::{compile, Options};
use crate::dataset::Dataset;
use crate::model::{LayerKind, Stage, TentRole, Transformer};
use crate::verify::verify;
use nalgebra::DVector;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write as _;

/// Okabe–Ito palette (color-blind safe), then two extra hues.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (90, 90, 90),
];

/// The page's class colors, in the page's order (`CLASS_COLORS` in www/palette.js).
pub const CLASS_COLORS: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0xCC, 0x79, 0xA7), // reddish purple
    (0x56, 0xB4, 0xE9), // sky blue
    (0xF0, 0xE4, 0x42), // yellow
    (0x00, 0x00, 0x00), // black
];

/// Class names that name a color keep that color (`NAMED_COLORS` in www/palette.js).
const NAMED_COLORS: [(&str, (u8, u8, u8)); 13] = [
    ("blue", CLASS_COLORS[0]),
    ("orange", CLASS_COLORS[1]),
    ("green", CLASS_COLORS[2]),
    ("red", CLASS_COLORS[3]),
    ("vermillion", CLASS_COLORS[3]),
    ("purple", CLASS_COLORS[4]),
    ("pink", CLASS_COLORS[4]),
    ("magenta", CLASS_COLORS[4]),
    ("sky", CLASS_COLORS[5]),
    ("cyan", CLASS_COLORS[5]),
    ("light blue", CLASS_COLORS[5]),
    ("yellow", CLASS_COLORS[6]),
    ("black", CLASS_COLORS[7]),
];

/// Marker shapes, one per class (cycled), as on the page.
pub const SHAPES: [&str; 8] = ["circle", "square", "triangle", "diamond", "triangle-down", "hexagon", "star", "cross"];

/// One color per class, as the page picks them: names of colors keep their color, the other
/// classes take the unused colors in order (shifted by one per round past eight classes).
pub fn class_colors(classes: &[String]) -> Vec<(u8, u8, u8)> {
    let mut out: Vec<Option<(u8, u8, u8)>> = vec![None; classes.len()];
    let mut used: Vec<(u8, u8, u8)> = Vec::new();
    for (k, name) in classes.iter().enumerate() {
        let key = name.trim().to_lowercase();
        if let Some(&(_, c)) = NAMED_COLORS.iter().find(|(n, _)| *n == key) {
            if !used.contains(&c) {
                out[k] = Some(c);
                used.push(c);
            }
        }
    }
    let free: Vec<(u8, u8, u8)> = CLASS_COLORS.iter().copied().filter(|c| !used.contains(c)).collect();
    let pool: &[(u8, u8, u8)] = if free.is_empty() { &CLASS_COLORS } else { &free };
    let mut next = 0;
    out.into_iter()
        .map(|c| {
            c.unwrap_or_else(|| {
                let c = pool[(next + next / pool.len()) % pool.len()];
                next += 1;
                c
            })
        })
        .collect()
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

// ---------------------------------------------------------------------------------------
// Small SVG helpers
// ---------------------------------------------------------------------------------------

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart2d<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn perr<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Lets plotters draw on a fresh canvas of the given size and returns what it drew: the
/// element lines between `<svg ...>` and `</svg>` (plotters writes one element per line).
fn render(size: (u32, u32), f: impl FnOnce(&Area) -> Result<(), String>) -> Result<String, String> {
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
fn set_attr(element: &str, key: &str, value: &str) -> String {
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
fn elements(body: &str, expected: usize, what: &str) -> Result<Vec<String>, String> {
    let v: Vec<String> = body.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    if v.len() != expected || v.iter().any(|l| !l.starts_with('<') || !l.ends_with("/>")) {
        return Err(format!("plotters drew {} elements for {expected} {what}", v.len()));
    }
    Ok(v)
}

/// Greedy word wrap at about `max_chars` characters per line.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
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
fn wrap_lines(text: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
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
fn chars_in(width: f64, size: f64, em: f64) -> usize {
    ((width / (em * size)).floor() as usize).max(8)
}

fn text(x: f64, y: f64, size: f64, attrs: &str, content: &str) -> String {
    format!("<text x=\"{x:.1}\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"{size}\" {attrs}>{}</text>\n", escape(content))
}

/// Draws a marker of shape `k % 8` centered at `q` (pixels) with "radius" `r`.
fn draw_marker(area: &Area, k: usize, q: (i32, i32), r: f64, color: RGBColor) -> Result<(), String> {
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
fn finish_marker(element: &str, class: &str) -> String {
    let e = set_attr(element, "class", class);
    let e = set_attr(&e, "stroke", "#222222");
    set_attr(&e, "stroke-width", "0.7")
}

// ---------------------------------------------------------------------------------------
// One frame (the page's "export SVG"), and panels
// ---------------------------------------------------------------------------------------

/// What one frame shows, in view coordinates.
pub struct Frame<'a> {
    pub points: &'a [(f64, f64)],
    /// class of each point
    pub class: &'a [usize],
    /// sequence of each point (for the lines joining a sequence's tokens)
    pub sequence: &'a [usize],
    pub anchors: &'a [(f64, f64)],
    pub class_names: &'a [String],
    pub title: &'a str,
}

/// Bounds of points and anchors, padded by 8%.
pub fn bounds(frames: &[&Frame]) -> ((f64, f64), (f64, f64)) {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    for f in frames {
        pts.extend(f.points.iter().chain(f.anchors.iter()).copied());
    }
    padded_bounds(&pts, 0.08)
}

fn padded_bounds(pts: &[(f64, f64)], pad: f64) -> ((f64, f64), (f64, f64)) {
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

/// Colors of a frame's classes: by name as on the page (class indices past the names get
/// palette colors by index).
fn frame_colors(frame: &Frame) -> impl Fn(usize) -> (u8, u8, u8) {
    let named = class_colors(frame.class_names);
    move |k| named.get(k).copied().unwrap_or(CLASS_COLORS[k % CLASS_COLORS.len()])
}

/// Draws one frame into a plotters area with the given coordinate ranges, below `top` px.
fn draw(area: &Area, frame: &Frame, range: ((f64, f64), (f64, f64)), top: f64) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as f64, h as f64);
    let color = frame_colors(frame);
    // equal scale on both axes
    let ((x0, x1), (y0, y1)) = range;
    let s = ((w - 20.0) / (x1 - x0)).min((h - top - 10.0) / (y1 - y0));
    let cx = 0.5 * (x0 + x1);
    let cy = 0.5 * (y0 + y1);
    let map = |(x, y): (f64, f64)| (((x - cx) * s + w / 2.0) as i32, (-(y - cy) * s + (h + top) / 2.0) as i32);
    area.fill(&WHITE).map_err(perr)?;
    // lines joining each sequence's tokens
    let mut start = 0;
    while start < frame.points.len() {
        let mut end = start;
        while end < frame.points.len() && frame.sequence[end] == frame.sequence[start] {
            end += 1;
        }
        let path: Vec<(i32, i32)> = frame.points[start..end].iter().map(|p| map(*p)).collect();
        let c = rgb(color(frame.class[start])).mix(0.3);
        area.draw(&PathElement::new(path, c.stroke_width(1))).map_err(perr)?;
        start = end;
    }
    for (k, &a) in frame.anchors.iter().enumerate() {
        let p = map(a);
        area.draw(&Circle::new(p, 10, rgb(color(k)).stroke_width(2))).map_err(perr)?;
        area.draw(&Circle::new(p, 5, rgb(color(k)).stroke_width(1))).map_err(perr)?;
    }
    for (i, &p) in frame.points.iter().enumerate() {
        let k = frame.class[i];
        draw_marker(area, k, map(p), 4.5, rgb(color(k)))?;
    }
    Ok(())
}

/// Title lines and the height they (and the legend row) need.
fn title_block(title: &str, width: u32) -> (Vec<String>, f64) {
    let lines = wrap_lines(title, chars_in(width as f64 - 20.0, 13.0, 0.56), 3);
    let top = 10.0 + 16.0 * lines.len() as f64 + 22.0;
    (lines, top)
}

/// One frame as a standalone SVG document. Long titles wrap (up to three lines) above the
/// class legend instead of running off the edge.
pub fn frame_svg(frame: &Frame, width: u32, height: u32) -> Result<String, String> {
    let (lines, top) = title_block(frame.title, width);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&root, frame, bounds(&[frame]), top)?;
        root.present().map_err(perr)?;
    }
    let titles: Vec<(f64, f64, String)> =
        lines.iter().enumerate().map(|(i, l)| (10.0, 22.0 + 16.0 * i as f64, l.clone())).collect();
    Ok(add_text(out, &titles, frame, width, top - 12.0))
}

/// Panels side by side with shared axes, one caption per panel.
pub fn panels_svg(frames: &[Frame], panel: (u32, u32)) -> Result<String, String> {
    let mut out = String::new();
    let n = frames.len().max(1) as u32;
    let refs: Vec<&Frame> = frames.iter().collect();
    let range = bounds(&refs);
    let blocks: Vec<(Vec<String>, f64)> = frames.iter().map(|f| title_block(f.title, panel.0)).collect();
    let top = blocks.iter().map(|b| b.1).fold(40.0, f64::max);
    {
        let root = SVGBackend::with_string(&mut out, (panel.0 * n, panel.1)).into_drawing_area();
        let areas = root.split_evenly((1, n as usize));
        for (a, f) in areas.iter().zip(frames) {
            draw(a, f, range, top)?;
        }
        root.present().map_err(perr)?;
    }
    let mut titles: Vec<(f64, f64, String)> = Vec::new();
    for (i, (lines, _)) in blocks.iter().enumerate() {
        for (j, l) in lines.iter().enumerate() {
            titles.push(((i as u32 * panel.0 + 10) as f64, 22.0 + 16.0 * j as f64, l.clone()));
        }
    }
    match frames.first() {
        Some(f) => Ok(add_text(out, &titles, f, panel.0 * n, top - 12.0)),
        None => Ok(out),
    }
}

fn add_text(svg: String, titles: &[(f64, f64, String)], frame: &Frame, width: u32, legend_y: f64) -> String {
    let mut s = String::new();
    for (x, y, t) in titles {
        s.push_str(&text(*x, *y, 13.0, "fill=\"#222\"", t));
    }
    // legend: class markers (the same shapes as the points) and names, right-aligned on
    // their own row below the title
    let color = frame_colors(frame);
    let mut x = width as f64 - 10.0;
    let mut marks = Vec::new();
    for (k, name) in frame.class_names.iter().enumerate().rev() {
        x -= 16.0 + 6.5 * name.chars().count() as f64;
        marks.push((k, (x as i32, (legend_y - 4.0) as i32)));
        s.push_str(&text(x + 8.0, legend_y, 11.0, "fill=\"#333\"", name));
    }
    let height = (legend_y + 12.0) as u32;
    if let Ok(shapes) = render((width, height), |area| {
        for &(k, q) in &marks {
            draw_marker(area, k, q, 4.5, rgb(color(k)))?;
        }
        Ok(())
    }) {
        s.push_str(&shapes);
    }
    match svg.rfind("</svg>") {
        Some(i) => format!("{}{}{}", &svg[..i], s, &svg[i..]),
        None => svg + &s,
    }
}

// ---------------------------------------------------------------------------------------
// The stage figure
// ---------------------------------------------------------------------------------------

/// The five panels of the stage figure, in order.
pub const STAGE_PANELS: [&str; 5] = ["input", "separated", "collapsed", "labeled", "final"];

/// Which forward-pass state each panel shows (indices into `Transformer::trace`), and the
/// counts its caption quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePlan {
    /// state shown by each of the five panels
    pub states: [usize; 5],
    pub splits: usize,
    pub collapse_layers: usize,
    pub label_blocks: usize,
    pub label_tents: usize,
}

fn last_layer(t: &Transformer, stage: Stage) -> Option<usize> {
    (1..=t.layer_count()).rev().find(|&k| t.layer(k).map(|(_, m)| m.stage) == Some(stage))
}

fn count_layers(t: &Transformer, stage: Stage, kind: LayerKind) -> usize {
    (1..=t.layer_count()).filter(|&k| matches!(t.layer(k), Some((kd, m)) if kd == kind && m.stage == stage)).count()
}

/// Picks the states the stage figure shows:
///
/// * input: after the last normalize layer (normalized coordinates, so that all five panels
///   share one pair of axes; the raw input differs only by a scale and a shift);
/// * separated: just before the first collapse attention layer. The separate stage's last
///   jumped-out token comes back down in the first collapse block's feed-forward layer, so
///   this is the separated picture with every token back in place;
/// * collapsed, labeled: after the last layer of that stage; final: after the last layer.
pub fn stage_plan(t: &Transformer) -> StagePlan {
    let n = t.layer_count();
    let input = last_layer(t, Stage::Normalize).unwrap_or(0);
    let first_collapse_sa = (1..=n)
        .find(|&k| matches!(t.layer(k), Some((LayerKind::Sa, m)) if m.stage == Stage::Collapse));
    let separated = match first_collapse_sa {
        Some(k) => k - 1,
        None => last_layer(t, Stage::Separate).unwrap_or(input),
    };
    let collapsed = last_layer(t, Stage::Collapse).unwrap_or(separated);
    let labeled = last_layer(t, Stage::Label).unwrap_or(collapsed);
    let label_tents = t
        .blocks
        .iter()
        .filter(|b| b.ff_meta.stage == Stage::Label)
        .flat_map(|b| b.ff_meta.tents.iter())
        .filter(|x| x.role == TentRole::Label)
        .count();
    StagePlan {
        states: [input, separated, collapsed, labeled, n],
        splits: count_layers(t, Stage::Separate, LayerKind::Sa),
        collapse_layers: count_layers(t, Stage::Collapse, LayerKind::Sa),
        label_blocks: count_layers(t, Stage::Label, LayerKind::Ff),
        label_tents,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Pixel geometry of the stage figure: a 3 x 2 grid, five panels and a legend cell.
struct StageGeo {
    panel: (u32, u32),
    cols: u32,
    caption: u32,
    header: u32,
    margin: u32,
}

const GEO: StageGeo = StageGeo { panel: (400, 440), cols: 3, caption: 78, header: 40, margin: 10 };

/// The page's direction colors (`DIRECTION_COLORS` in www/palette.js).
const DIRECTION_COLORS: [(&str, (u8, u8, u8)); 4] =
    [("w", (0xb3, 0x00, 0x2d)), ("c", (0x1a, 0x6f, 0xb5)), ("u", (0x6a, 0x3d, 0x9a)), ("e", (0xb3, 0x58, 0x06))];

fn panel_origin(p: usize) -> (u32, u32) {
    let (col, row) = (p as u32 % GEO.cols, p as u32 / GEO.cols);
    (GEO.margin + col * GEO.panel.0, GEO.header + row * GEO.panel.1)
}

fn stage_chart<'a, 'b>(area: &'a Area<'b>, range: ((f64, f64), (f64, f64))) -> Result<Chart2d<'a, 'b>, String> {
    ChartBuilder::on(area)
        .margin_top(GEO.caption)
        .margin_left(4)
        .margin_right(14)
        .margin_bottom(6)
        .x_label_area_size(20)
        .y_label_area_size(30)
        .build_cartesian_2d(range.0 .0..range.0 .1, range.1 .0..range.1 .1)
        .map_err(perr)
}

/// "[1,2]^2"-style exponents as Unicode superscripts.
fn superscript(n: usize) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string().chars().map(|c| SUP[c.to_digit(10).unwrap_or(0) as usize]).collect()
}

/// The stage figure: five panels (normalized input, after separation, after collapse, after
/// labeling, final) in a 3 x 2 grid whose sixth cell is the legend. All panels share one
/// pair of axes in the transformer's view plane (`t.view`); every token is a marker (class =
/// color + shape, as on the page), a faint line joins each sequence's tokens, each class's
/// anchor is a ring, sequence names sit at their leaders (up to 20 sequences), arrows show
/// the directions the stage moves along (w, c; u, e), and each panel has a caption with the
/// counts of its stage. See [`stage_plan`] for which state each panel shows.
pub fn stage_figure(data: &Dataset, t: &Transformer) -> Result<String, String> {
    if data.dim() != t.input_dim {
        return Err(format!("the data have d = {} but the transformer takes d = {}", data.dim(), t.input_dim));
    }
    let plan = stage_plan(t);
    let colors = class_colors(&t.classes);
    let color_of = |k: usize| colors.get(k).copied().unwrap_or(CLASS_COLORS[k % CLASS_COLORS.len()]);
    let proj = |x: &DVector<f64>| (t.view[0].dot(x), t.view[1].dot(x));

    // positions of every token in the five states, and each sequence's leader (max w.x)
    let n_tokens = data.total_tokens();
    let mut pos: Vec<Vec<(f64, f64)>> = (0..5).map(|_| Vec::with_capacity(n_tokens)).collect();
    let mut leaders: Vec<Vec<(f64, f64)>> = (0..5).map(|_| Vec::with_capacity(data.len())).collect();
    let mut class = Vec::with_capacity(n_tokens);
    let mut seq = Vec::with_capacity(n_tokens);
    for (s, sq) in data.sequences().iter().enumerate() {
        let trace = t.trace(&sq.tokens);
        for (p, &state) in plan.states.iter().enumerate() {
            let m = &trace[state].tokens;
            let mut best = (f64::NEG_INFINITY, (0.0, 0.0));
            for x in m.column_iter() {
                let x = x.into_owned();
                let q = proj(&x);
                pos[p].push(q);
                let z = t.directions.w.dot(&x);
                if z > best.0 {
                    best = (z, q);
                }
            }
            leaders[p].push(best.1);
        }
        for _ in 0..sq.len() {
            class.push(sq.label);
            seq.push(s);
        }
    }
    let anchors: Vec<(f64, f64)> = t.anchors.iter().map(proj).collect();

    // shared axes: every state shown plus the anchors, equal scale on both axes
    let all: Vec<(f64, f64)> = pos.iter().flatten().chain(anchors.iter()).copied().collect();
    let ((x0, x1), (y0, y1)) = padded_bounds(&all, 0.07);
    let plot = {
        let mut s = String::new();
        let root = SVGBackend::with_string(&mut s, GEO.panel).into_drawing_area();
        let chart = stage_chart(&root, ((0.0, 1.0), (0.0, 1.0)))?;
        chart.plotting_area().dim_in_pixel()
    };
    let scale = (plot.0 as f64 / (x1 - x0)).min(plot.1 as f64 / (y1 - y0));
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let (hx, hy) = (0.5 * plot.0 as f64 / scale, 0.5 * plot.1 as f64 / scale);
    let range = ((cx - hx, cx + hx), (cy - hy, cy + hy));

    // the direction arrows go in the emptiest corner of the plot (the same in every panel)
    let compass = {
        let r = 52.0 / scale;
        let (ix, iy) = (COMPASS_INSET.0 / scale, COMPASS_INSET.1 / scale);
        let corners = [(false, false), (true, false), (false, true), (true, true)];
        let crowd = |&(right, top): &(bool, bool)| {
            let o = (
                if right { range.0 .1 - ix } else { range.0 .0 + ix },
                if top { range.1 .1 - iy } else { range.1 .0 + iy },
            );
            all.iter().filter(|p| (p.0 - o.0).hypot(p.1 - o.1) < r).count()
        };
        corners.iter().min_by_key(|c| crowd(c)).copied().unwrap_or((false, false))
    };

    // unit directions in the view plane
    let dir2 = |v: &DVector<f64>| {
        let (a, b) = proj(v);
        let n = (a * a + b * b).sqrt();
        (n > 1e-9).then(|| (a / n, b / n))
    };
    let d = &t.directions;
    type Arrows<'k> = Vec<(&'k str, Option<(f64, f64)>)>;
    let dirs: [Arrows; 5] = [
        vec![("w", dir2(&d.w))],
        vec![("w", dir2(&d.w)), ("c", dir2(&d.c))],
        vec![("w", dir2(&d.w))],
        vec![("u", d.u.as_ref().and_then(dir2)), ("e", d.e.as_ref().and_then(dir2))],
        vec![],
    ];

    let v = verify(t, data);
    let n = data.len();
    let stage_blocks = |s: Stage| t.blocks.iter().filter(|b| b.ff_meta.stage == s).count();
    let captions: [(String, String); 5] = [
        (
            "1 · input (normalized)".into(),
            format!(
                "{} of {} after the normalize layer (state {}), which only rescales and shifts the data into the box [1,2]{}{}. A faint line joins each sequence's tokens.",
                plural(n_tokens, "token", "tokens"),
                plural(n, "sequence", "sequences"),
                plan.states[0],
                superscript(t.dim),
                if t.input.positional_amplitude.is_some() { ", after a small positional offset per token" } else { "" }
            ),
        ),
        (
            "2 · separated".into(),
            if plan.splits == 0 {
                "No split needed: no two differently labeled sequences share a leader (their token furthest along w), so this is the input again.".into()
            } else {
                format!(
                    "{} ({}): a token jumps out along w, becomes the leader of its sequences, and attention slides them along c; repeated until no two classes share a leader.",
                    plural(plan.splits, "split", "splits"),
                    plural(plan.splits, "block", "blocks")
                )
            },
        ),
        (
            "3 · collapsed".into(),
            format!(
                "{}: hardmax attention puts every token exactly on its sequence's leader; the {} are now {}.",
                plural(plan.collapse_layers, "collapse layer", "collapse layers"),
                plural(n, "sequence", "sequences"),
                plural(distinct(&pos[2]), "point", "points")
            ),
        ),
        (
            "4 · labeled".into(),
            format!(
                "{} in {}: each point moves along e to its class's code; the moves keep u·x, so no tent disturbs another's slab.",
                plural(plan.label_tents, "tent on u", "tents on u"),
                plural(plan.label_blocks, "block", "blocks")
            ),
        ),
        (
            "5 · final (snap)".into(),
            format!(
                "1 snap layer sends every token to its class's anchor (ring). Readout: the nearest anchor to each sequence's mean token; {}/{} correct.",
                v.correct, v.total
            ),
        ),
    ];

    let width = GEO.cols * GEO.panel.0 + 2 * GEO.margin;
    let height = GEO.header + 2 * GEO.panel.1 + GEO.margin;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" class=\"stage-figure\">"
    );
    let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    let title = format!(
        "The construction, stage by stage: {} in {} classes, {} blocks (the paper's count: 4N+1 = {})",
        plural(n, "sequence", "sequences"),
        t.classes.len(),
        t.blocks.len(),
        4 * n + 1
    );
    svg.push_str(&text(GEO.margin as f64 + 4.0, 26.0, 17.0, "font-weight=\"bold\" fill=\"#222\" class=\"title\"", &title));

    for (p, name) in STAGE_PANELS.iter().enumerate() {
        let (x, y) = panel_origin(p);
        let _ = writeln!(
            svg,
            "<g class=\"panel\" data-stage=\"{name}\" data-state=\"{}\" transform=\"translate({x},{y})\">",
            plan.states[p]
        );
        let _ = writeln!(
            svg,
            "<rect x=\"2\" y=\"2\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"none\" stroke=\"#e4e4e4\"/>",
            GEO.panel.0 - 4,
            GEO.panel.1 - 6
        );
        // caption: stage name, then a short description with the counts
        let (head, body) = &captions[p];
        svg.push_str(&text(12.0, 22.0, 14.0, "font-weight=\"bold\" fill=\"#222\" class=\"caption\"", head));
        for (i, line) in wrap_lines(body, chars_in(GEO.panel.0 as f64 - 24.0, 12.0, 0.5), 3).iter().enumerate() {
            svg.push_str(&text(12.0, 40.0 + 15.0 * i as f64, 12.0, "fill=\"#444\" class=\"caption\"", line));
        }
        // axes (plotters mesh with tick labels), identical in every panel
        let axes = render(GEO.panel, |area| {
            let mut chart = stage_chart(area, range)?;
            chart
                .configure_mesh()
                .x_labels(6)
                .y_labels(6)
                .max_light_lines(1)
                .light_line_style(RGBColor(244, 244, 244))
                .bold_line_style(RGBColor(230, 230, 230))
                .axis_style(RGBColor(160, 160, 160))
                .label_style(("sans-serif", 12).into_font().color(&RGBColor(120, 120, 120)))
                .x_label_formatter(&|v| format!("{v:.1}"))
                .y_label_formatter(&|v| format!("{v:.1}"))
                .draw()
                .map_err(perr)
        })?;
        let _ = write!(svg, "<g class=\"axes\">\n{axes}</g>\n");
        // direction arrows, bottom left of the plot
        if dirs[p].iter().any(|(_, u)| u.is_some()) {
            let mut origin = (0, 0);
            let arrows = render(GEO.panel, |area| {
                let chart = stage_chart(area, range)?;
                let lo = chart.backend_coord(&(range.0 .0, range.1 .0));
                let hi = chart.backend_coord(&(range.0 .1, range.1 .1));
                let (ix, iy) = (COMPASS_INSET.0 as i32, COMPASS_INSET.1 as i32);
                origin = (
                    if compass.0 { hi.0 - ix } else { lo.0 + ix },
                    if compass.1 { hi.1 + iy } else { lo.1 - iy },
                );
                for (key, u) in &dirs[p] {
                    if let Some((a, b)) = *u {
                        let c = rgb(DIRECTION_COLORS.iter().find(|(k, _)| k == key).map(|x| x.1).unwrap_or((0, 0, 0)));
                        arrow(area, origin, (a, -b), 32.0, c)?;
                    }
                }
                Ok(())
            })?;
            svg.push_str("<g class=\"directions\">\n");
            svg.push_str(&arrows);
            for (key, u) in &dirs[p] {
                if let Some((a, b)) = *u {
                    let c = DIRECTION_COLORS.iter().find(|(k, _)| k == key).map(|x| x.1).unwrap_or((0, 0, 0));
                    svg.push_str(&text(
                        origin.0 as f64 + 42.0 * a - 4.0,
                        origin.1 as f64 - 42.0 * b + 4.0,
                        12.0,
                        &format!("font-weight=\"bold\" font-style=\"italic\" fill=\"{}\"", hex(c)),
                        key,
                    ));
                }
            }
            svg.push_str("</g>\n");
        }
        // one faint line per sequence
        let lines = render(GEO.panel, |area| {
            let chart = stage_chart(area, range)?;
            let mut start = 0;
            for sq in data.sequences() {
                let path: Vec<(i32, i32)> = pos[p][start..start + sq.len()].iter().map(|q| chart.backend_coord(q)).collect();
                area.draw(&PathElement::new(path, rgb(color_of(sq.label)).mix(0.4).stroke_width(1))).map_err(perr)?;
                start += sq.len();
            }
            Ok(())
        })?;
        let _ = write!(svg, "<g class=\"sequences\">\n{lines}</g>\n");
        // anchors: one ring per class
        let rings = render(GEO.panel, |area| {
            let chart = stage_chart(area, range)?;
            for (k, a) in anchors.iter().enumerate() {
                let c = chart.backend_coord(a);
                area.draw(&Circle::new(c, 12, rgb(color_of(k)).stroke_width(2))).map_err(perr)?;
            }
            Ok(())
        })?;
        svg.push_str("<g class=\"anchors\">\n");
        for (k, e) in elements(&rings, anchors.len(), "anchors")?.iter().enumerate() {
            let e = set_attr(e, "class", "anchor");
            let e = set_attr(&e, "data-class", &t.classes[k]);
            svg.push_str(&e);
            svg.push('\n');
        }
        svg.push_str("</g>\n");
        // tokens: one marker per token, class = color + shape
        let mut leader_px: Vec<(i32, i32)> = Vec::new();
        let mut right_edge = 0;
        let markers = render(GEO.panel, |area| {
            let chart = stage_chart(area, range)?;
            leader_px = leaders[p].iter().map(|q| chart.backend_coord(q)).collect();
            right_edge = chart.backend_coord(&(range.0 .1, range.1 .1)).0;
            for (i, q) in pos[p].iter().enumerate() {
                draw_marker(area, class[i], chart.backend_coord(q), 5.5, rgb(color_of(class[i])))?;
            }
            Ok(())
        })?;
        svg.push_str("<g class=\"tokens\">\n");
        for (i, e) in elements(&markers, n_tokens, "tokens")?.iter().enumerate() {
            let e = finish_marker(e, "token");
            let e = set_attr(&e, "data-seq", &seq[i].to_string());
            let e = set_attr(&e, "data-class", &t.classes[class[i]]);
            svg.push_str(&e);
            svg.push('\n');
        }
        svg.push_str("</g>\n");
        // names at the leaders (sequences sharing a leader share one label)
        if n <= MAX_NAMED {
            svg.push_str("<g class=\"names\">\n");
            let mut groups: Vec<((i32, i32), Vec<&str>)> = Vec::new();
            for (s, sq) in data.sequences().iter().enumerate() {
                let q = leader_px[s];
                match groups.iter_mut().find(|(g, _)| (g.0 - q.0).abs() <= 1 && (g.1 - q.1).abs() <= 1) {
                    Some((_, names)) => names.push(&sq.name),
                    None => groups.push((q, vec![&sq.name])),
                }
            }
            // first free spot among: above right, below right, above left, below left
            let mut placed: Vec<(f64, f64, f64, f64)> = Vec::new();
            for (q, names) in groups {
                let label = names.join(", ");
                let wide = 6.5 * label.chars().count() as f64;
                let (qx, qy) = (q.0 as f64, q.1 as f64);
                let candidates = [(qx + 9.0, qy - 8.0, false), (qx + 9.0, qy + 17.0, false), (qx - 9.0, qy - 8.0, true), (qx - 9.0, qy + 17.0, true)];
                let boxed = |&(x, y, end): &(f64, f64, bool)| if end { (x - wide, y - 10.0, x, y + 2.0) } else { (x, y - 10.0, x + wide, y + 2.0) };
                let free = |b: &(f64, f64, f64, f64)| {
                    b.2 <= right_edge as f64 + 10.0 && !placed.iter().any(|o| b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3)
                };
                let spot = candidates.iter().find(|c| free(&boxed(c))).unwrap_or(&candidates[0]);
                placed.push(boxed(spot));
                let anchor = if spot.2 { "end" } else { "start" };
                svg.push_str(&text(
                    spot.0,
                    spot.1,
                    11.0,
                    &format!("text-anchor=\"{anchor}\" fill=\"#222\" class=\"seq-name\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\""),
                    &label,
                ));
            }
            svg.push_str("</g>\n");
        }
        svg.push_str("</g>\n");
    }
    let blocks_line = format!(
        "{} blocks = {} normalize + {} separate + {} collapse + {} label + {} snap",
        t.blocks.len(),
        stage_blocks(Stage::Normalize),
        stage_blocks(Stage::Separate),
        stage_blocks(Stage::Collapse),
        stage_blocks(Stage::Label),
        stage_blocks(Stage::Snap)
    );
    svg.push_str(&stage_legend(t, data, &color_of, &blocks_line)?);
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// An arrow from `from` (pixels) along the unit pixel direction `dir`, `len` px long.
fn arrow(area: &Area, from: (i32, i32), dir: (f64, f64), len: f64, color: RGBColor) -> Result<(), String> {
    let tip = (from.0 as f64 + len * dir.0, from.1 as f64 + len * dir.1);
    let back = (tip.0 - 8.0 * dir.0, tip.1 - 8.0 * dir.1);
    let side = (-dir.1 * 4.0, dir.0 * 4.0);
    let r = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    area.draw(&PathElement::new(vec![from, r(back)], color.stroke_width(2))).map_err(perr)?;
    area.draw(&Polygon::new(vec![r(tip), r((back.0 + side.0, back.1 + side.1)), r((back.0 - side.0, back.1 - side.1))], color.filled()))
        .map_err(perr)
}

/// Where the direction arrows start, in pixels from the corner of the plot.
const COMPASS_INSET: (f64, f64) = (56.0, 50.0);

/// Sequence names are written next to their leaders up to this many sequences.
const MAX_NAMED: usize = 20;

fn distinct(points: &[(f64, f64)]) -> usize {
    let mut v: Vec<(f64, f64)> = Vec::new();
    for &p in points {
        if !v.iter().any(|q| (q.0 - p.0).abs() < 1e-9 && (q.1 - p.1).abs() < 1e-9) {
            v.push(p);
        }
    }
    v.len()
}

/// The sixth cell of the stage figure: what the marks mean, and the block count.
fn stage_legend(t: &Transformer, data: &Dataset, color_of: &dyn Fn(usize) -> (u8, u8, u8), blocks_line: &str) -> Result<String, String> {
    let (ox, oy) = panel_origin(5);
    let (ox, oy) = (ox as f64 + 16.0, oy as f64 + 10.0);
    let mut texts = String::new();
    let mut y = oy + 12.0;
    texts.push_str(&text(ox, y, 14.0, "font-weight=\"bold\" fill=\"#222\"", "Legend"));
    y += 24.0;
    // classes, up to 12 shown
    let shown = t.classes.len().min(12);
    let mut marks: Vec<(i32, i32, usize)> = Vec::new();
    for k in 0..shown {
        marks.push(((ox + 6.0) as i32, (y - 4.0) as i32, k));
        let count = data.sequences().iter().filter(|s| s.label == k).count();
        texts.push_str(&text(
            ox + 20.0,
            y,
            12.0,
            "fill=\"#333\" class=\"legend\"",
            &format!("class «{}» ({})", t.classes[k], plural(count, "sequence", "sequences")),
        ));
        y += 18.0;
    }
    if t.classes.len() > shown {
        let more = t.classes.len() - shown;
        texts.push_str(&text(ox + 20.0, y, 12.0, "fill=\"#333\"", &format!("… and {more} more {}", if more == 1 { "class" } else { "classes" })));
        y += 18.0;
    }
    let ring_y = y + 4.0;
    texts.push_str(&text(ox + 20.0, ring_y + 4.0, 12.0, "fill=\"#333\"", "the anchor of a class (where its sequences end)"));
    let line_y = ring_y + 26.0;
    texts.push_str(&text(ox + 20.0, line_y + 4.0, 12.0, "fill=\"#333\"", "a faint line joins the tokens of one sequence"));
    y = line_y + 24.0;
    if data.len() <= MAX_NAMED {
        texts.push_str(&text(ox + 20.0, y, 12.0, "fill=\"#333\"", "A, B: sequence names, written at each"));
        texts.push_str(&text(ox + 20.0, y + 15.0, 12.0, "fill=\"#333\"", "sequence's leader (its token furthest along w)"));
        y += 36.0;
    }
    let arrow_y = y;
    for (i, (key, what)) in [("w", "leader direction"), ("c", "split slide"), ("u", "label slabs"), ("e", "label codes")].iter().enumerate() {
        let (x, yy) = (ox + 180.0 * (i % 2) as f64, arrow_y + 18.0 * (i / 2) as f64);
        texts.push_str(&text(x + 26.0, yy + 4.0, 12.0, "fill=\"#333\"", &format!("{key}: {what}")));
    }
    y = arrow_y + 44.0;
    texts.push_str(&text(ox, y, 12.0, "fill=\"#222\" font-weight=\"bold\"", blocks_line));
    y += 16.0;
    let view = if t.dim > 2 {
        format!("Tokens live in R{}; the panels show a 2-D view of them.", superscript(t.dim))
    } else {
        "Axes: the coordinates after normalization, in every panel.".to_string()
    };
    texts.push_str(&text(ox, y, 12.0, "fill=\"#444\"", &view));

    let width = GEO.cols * GEO.panel.0 + 2 * GEO.margin;
    let height = GEO.header + 2 * GEO.panel.1 + GEO.margin;
    let shapes = render((width, height), |area| {
        for &(mx, my, k) in &marks {
            draw_marker(area, k, (mx, my), 5.5, rgb(color_of(k)))?;
        }
        area.draw(&Circle::new(((ox + 6.0) as i32, ring_y as i32), 9, RGBColor(90, 90, 90).stroke_width(2))).map_err(perr)?;
        area.draw(&PathElement::new(
            vec![((ox - 4.0) as i32, line_y as i32 + 4), ((ox + 14.0) as i32, line_y as i32 - 4)],
            RGBColor(90, 90, 90).mix(0.5).stroke_width(1),
        ))
        .map_err(perr)?;
        for (i, (_, c)) in DIRECTION_COLORS.iter().enumerate() {
            let x = ox + 180.0 * (i % 2) as f64;
            let yy = arrow_y + 18.0 * (i / 2) as f64;
            arrow(area, (x as i32, yy as i32), (1.0, 0.0), 20.0, rgb(*c))?;
        }
        Ok(())
    })?;
    let mut out = String::from("<g class=\"legend\">\n");
    for (i, e) in elements(&shapes, marks.len() + 2 + 2 * DIRECTION_COLORS.len(), "legend shapes")?.iter().enumerate() {
        out.push_str(&if i < marks.len() { finish_marker(e, "legend-marker") } else { e.clone() });
        out.push('\n');
    }
    out.push_str(&texts);
    out.push_str("</g>\n");
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The complexity figure
// ---------------------------------------------------------------------------------------

/// What the complexity figure measures: generated data ([`crate::bench::generate`]) for
/// each N in `ns` (sequences of length `len`), and for each length in `lengths` (N = `n`).
#[derive(Debug, Clone, PartialEq)]
pub struct ComplexitySpec {
    pub ns: Vec<usize>,
    pub len: usize,
    pub lengths: Vec<usize>,
    pub n: usize,
    pub d: usize,
    /// seed of the generated data
    pub seed: u64,
}

impl Default for ComplexitySpec {
    fn default() -> Self {
        ComplexitySpec { ns: vec![10, 20, 50, 100, 200, 400], len: 10, lengths: vec![5, 10, 20, 50, 100, 200], n: 50, d: 4, seed: 1 }
    }
}

/// One line of the chart: `points` are (x, blocks), x = N or the sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// stable id, used as `data-series` in the SVG
    pub key: &'static str,
    pub label: String,
    pub points: Vec<(usize, usize)>,
    /// measured by compiling (true) or a formula (false)
    pub measured: bool,
}

/// Block counts against N and against sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplexityData {
    pub spec: ComplexitySpec,
    pub collapse_layers: usize,
    pub by_n: Vec<Series>,
    pub by_length: Vec<Series>,
}

impl ComplexityData {
    /// Every point as (chart, series key, x, blocks), chart "by-n" or "by-length".
    pub fn rows(&self) -> Vec<(&'static str, &'static str, usize, usize)> {
        let mut out = Vec::new();
        for (chart, list) in [("by-n", &self.by_n), ("by-length", &self.by_length)] {
            for s in list {
                for &(x, b) in &s.points {
                    out.push((chart, s.key, x, b));
                }
            }
        }
        out
    }

    /// The data as tab-separated text with a header line (for the CLI to print).
    pub fn table(&self) -> String {
        let mut s = String::from("chart\tseries\tx\tblocks\n");
        for (chart, key, x, b) in self.rows() {
            let _ = writeln!(s, "{chart}\t{key}\t{x}\t{b}");
        }
        s
    }
}

/// The same sequences made `len` tokens long by cycling through their tokens (so every
/// sequence keeps exactly its set of positions).
fn cycled(data: &Dataset, len: usize) -> Result<Dataset, String> {
    data.rewrite_tokens(|base| (0..len.max(base.len())).map(|i| base[i % base.len()].clone()).collect())
        .map_err(perr)
}

fn blocks_of(data: &Dataset, opts: &Options) -> Result<usize, String> {
    compile(data, opts).map(|c| c.transformer.blocks.len()).map_err(perr)
}

/// Compiles the generated families and counts blocks. Series against N: this construction
/// without shared tokens ("ours-unshared"), with shared hub tokens ("ours-shared"), the
/// bound 2N + C + 1 of this construction ("bound") and the paper's 4N + 1 ("paper").
/// Against length (N fixed): fresh data of each length, unshared and shared (these vary a
/// little from one dataset to the next, with no trend), the same N sequences cycled to
/// each length ("ours-cycled": exactly the same transformer, so exactly flat), the bound
/// and the paper's count.
pub fn complexity_data(spec: &ComplexitySpec, opts: &Options) -> Result<ComplexityData, String> {
    if spec.ns.is_empty() || spec.lengths.is_empty() || spec.len == 0 || spec.n == 0 || spec.d < 2 {
        return Err("the complexity spec needs some N, some lengths, len >= 1, n >= 1 and d >= 2".into());
    }
    let c = opts.collapse_layers;
    let bound = |n: usize| 2 * n + c + 1;
    let paper = |n: usize| 4 * n + 1;
    let mut unshared = Vec::new();
    let mut shared = Vec::new();
    for &n in &spec.ns {
        unshared.push((n, blocks_of(&generate(n, spec.len, spec.d, false, spec.seed).map_err(perr)?, opts)?));
        shared.push((n, blocks_of(&generate(n, spec.len, spec.d, true, spec.seed).map_err(perr)?, opts)?));
    }
    let by_n = vec![
        Series { key: "ours-unshared", label: "this construction, no shared tokens".into(), points: unshared, measured: true },
        Series { key: "ours-shared", label: "this construction, shared tokens".into(), points: shared, measured: true },
        Series {
            key: "bound",
            label: format!("this construction's bound 2N+{}", c + 1),
            points: spec.ns.iter().map(|&n| (n, bound(n))).collect(),
            measured: false,
        },
        Series { key: "paper", label: "paper: 4N+1".into(), points: spec.ns.iter().map(|&n| (n, paper(n))).collect(), measured: false },
    ];
    let base_len = *spec.lengths.iter().min().expect("lengths is not empty");
    let base = generate(spec.n, base_len, spec.d, false, spec.seed).map_err(perr)?;
    let mut fresh_u = Vec::new();
    let mut fresh_s = Vec::new();
    let mut cyc = Vec::new();
    for &len in &spec.lengths {
        fresh_u.push((len, blocks_of(&generate(spec.n, len, spec.d, false, spec.seed).map_err(perr)?, opts)?));
        fresh_s.push((len, blocks_of(&generate(spec.n, len, spec.d, true, spec.seed).map_err(perr)?, opts)?));
        cyc.push((len, blocks_of(&cycled(&base, len)?, opts)?));
    }
    let n = spec.n;
    let by_length = vec![
        Series { key: "ours-unshared", label: "fresh data of each length, no shared tokens".into(), points: fresh_u, measured: true },
        Series { key: "ours-shared", label: "fresh data of each length, shared tokens".into(), points: fresh_s, measured: true },
        Series {
            key: "ours-cycled",
            label: format!("the same {n} sequences, cycled to each length"),
            points: cyc,
            measured: true,
        },
        Series {
            key: "bound",
            label: format!("bound 2N+{} = {}", c + 1, bound(n)),
            points: spec.lengths.iter().map(|&l| (l, bound(n))).collect(),
            measured: false,
        },
        Series {
            key: "paper",
            label: format!("paper: 4N+1 = {}", paper(n)),
            points: spec.lengths.iter().map(|&l| (l, paper(n))).collect(),
            measured: false,
        },
    ];
    Ok(ComplexityData { spec: spec.clone(), collapse_layers: c, by_n, by_length })
}

fn series_style(key: &str) -> ((u8, u8, u8), usize, Option<&'static str>) {
    // color, marker shape, dash pattern
    match key {
        "ours-unshared" => (CLASS_COLORS[0], 0, None),
        "ours-shared" => (CLASS_COLORS[3], 1, None),
        "ours-cycled" => (CLASS_COLORS[2], 2, None),
        "bound" => ((120, 120, 120), 3, Some("6 4")),
        _ => ((40, 40, 40), 4, Some("2 3")),
    }
}

const CHART: (u32, u32) = (560, 400);
const CHART_TOP: u32 = 58;

fn complexity_chart<'a, 'b>(area: &'a Area<'b>, xmax: f64, ymax: f64) -> Result<Chart2d<'a, 'b>, String> {
    ChartBuilder::on(area)
        .margin_top(CHART_TOP)
        .margin_left(8)
        .margin_right(22)
        .margin_bottom(8)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)
        .map_err(perr)
}

/// Rounds up to a "nice" axis end (1, 2, 2.5, 5 times a power of ten).
fn nice(x: f64) -> f64 {
    let p = 10f64.powf(x.max(1.0).log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.2, 2.5, 3.0, 4.0, 4.5, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= x {
            return m * p;
        }
    }
    10.0 * p
}

fn chart_svg(id: &str, title: &str, note: &str, x_desc: &str, series: &[Series]) -> Result<String, String> {
    let xmax = nice(series.iter().flat_map(|s| s.points.iter()).map(|p| p.0).max().unwrap_or(1) as f64 * 1.04);
    let ymax = nice(series.iter().flat_map(|s| s.points.iter()).map(|p| p.1).max().unwrap_or(1) as f64 * 1.04);
    let mut out = format!("<g class=\"chart\" data-chart=\"{id}\">\n");
    out.push_str(&text(12.0, 22.0, 14.0, "font-weight=\"bold\" fill=\"#222\" class=\"caption\"", title));
    out.push_str(&text(12.0, 40.0, 12.0, "fill=\"#555\" class=\"caption\"", note));
    let axes = render(CHART, |area| {
        let mut chart = complexity_chart(area, xmax, ymax)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(10)
            .max_light_lines(1)
            .light_line_style(RGBColor(244, 244, 244))
            .bold_line_style(RGBColor(222, 222, 222))
            .axis_style(RGBColor(120, 120, 120))
            .label_style(("sans-serif", 13).into_font().color(&RGBColor(80, 80, 80)))
            .axis_desc_style(("sans-serif", 14).into_font().color(&RGBColor(40, 40, 40)))
            .x_desc(x_desc)
            .y_desc("blocks (each: a feed-forward and an attention layer)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(perr)
    })?;
    let _ = write!(out, "<g class=\"axes\">\n{axes}</g>\n");
    for s in series {
        let (c, shape, dash) = series_style(s.key);
        let _ = writeln!(out, "<g class=\"series\" data-series=\"{}\" data-label=\"{}\">", s.key, escape(&s.label));
        let line = render(CHART, |area| {
            let chart = complexity_chart(area, xmax, ymax)?;
            let path: Vec<(i32, i32)> = s.points.iter().map(|&(x, y)| chart.backend_coord(&(x as f64, y as f64))).collect();
            area.draw(&PathElement::new(path, rgb(c).stroke_width(2))).map_err(perr)
        })?;
        for e in elements(&line, 1, "lines")? {
            let e = set_attr(&e, "class", "line");
            let e = match dash {
                Some(d) => set_attr(&e, "stroke-dasharray", d),
                None => e,
            };
            out.push_str(&e);
            out.push('\n');
        }
        let markers = render(CHART, |area| {
            let chart = complexity_chart(area, xmax, ymax)?;
            for &(x, y) in &s.points {
                draw_marker(area, shape, chart.backend_coord(&(x as f64, y as f64)), 4.0, rgb(c))?;
            }
            Ok(())
        })?;
        for (e, &(x, y)) in elements(&markers, s.points.len(), "points")?.iter().zip(&s.points) {
            let e = finish_marker(e, "point");
            let e = set_attr(&e, "data-x", &x.to_string());
            let e = set_attr(&e, "data-blocks", &y.to_string());
            out.push_str(&e);
            out.push('\n');
        }
        out.push_str("</g>\n");
    }
    // legend, below the chart
    let lx = 80.0;
    let ly = CHART.1 as f64 + 8.0;
    let rows = series.len() as f64;
    let wmax = series.iter().map(|s| s.label.chars().count()).max().unwrap_or(10) as f64;
    let _ = writeln!(
        out,
        "<g class=\"legend\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#cccccc\"/>",
        lx - 6.0,
        ly - 6.0,
        wmax * 6.4 + 50.0,
        rows * 17.0 + 8.0
    );
    let swatches = render((CHART.0, CHART.1 + legend_height(series.len())), |area| {
        for (i, s) in series.iter().enumerate() {
            let (c, shape, _) = series_style(s.key);
            let y = (ly + 6.0 + 17.0 * i as f64) as i32;
            area.draw(&PathElement::new(vec![(lx as i32, y), (lx as i32 + 28, y)], rgb(c).stroke_width(2))).map_err(perr)?;
            draw_marker(area, shape, (lx as i32 + 14, y), 4.0, rgb(c))?;
        }
        Ok(())
    })?;
    for (i, e) in elements(&swatches, 2 * series.len(), "legend swatches")?.iter().enumerate() {
        let (_, _, dash) = series_style(series[i / 2].key);
        let e = if i % 2 == 1 {
            finish_marker(e, "legend-marker")
        } else {
            match dash {
                Some(d) => set_attr(e, "stroke-dasharray", d),
                None => e.clone(),
            }
        };
        out.push_str(&e);
        out.push('\n');
    }
    for (i, s) in series.iter().enumerate() {
        out.push_str(&text(lx + 36.0, ly + 10.0 + 17.0 * i as f64, 11.5, "fill=\"#222\"", &s.label));
    }
    out.push_str("</g>\n</g>\n");
    Ok(out)
}

fn legend_height(rows: usize) -> u32 {
    rows as u32 * 17 + 20
}

/// The complexity figure: blocks against N (left) and against sequence length (right).
pub fn complexity_figure(data: &ComplexityData) -> Result<String, String> {
    let s = &data.spec;
    let width = 2 * CHART.0 + 20;
    let height = 50 + CHART.1 + legend_height(data.by_n.len().max(data.by_length.len())) + 6;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" class=\"complexity-figure\">\n"
    );
    let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    svg.push_str(&text(
        10.0,
        22.0,
        15.0,
        "font-weight=\"bold\" fill=\"#222\" class=\"title\"",
        &format!(
            "Blocks needed to classify N generated sequences in R{} exactly: this construction against the paper's 4N+1",
            superscript(s.d)
        ),
    ));
    svg.push_str(&text(
        10.0,
        40.0,
        12.0,
        "fill=\"#444\" class=\"subtitle\"",
        &format!(
            "Each point is one generated dataset (4 classes, seed {}), compiled and counted. \"Shared tokens\": hub tokens make differently labeled sequences share leaders, so the separate stage has work to do.",
            s.seed
        ),
    ));
    let left = chart_svg(
        "by-n",
        &format!("Blocks against N (sequences of {} tokens)", s.len),
        "Both grow linearly in N; this construction stays under its bound 2N+C+1, about half of 4N+1.",
        "N (number of sequences)",
        &data.by_n,
    )?;
    let right = chart_svg(
        "by-length",
        &format!("Blocks against sequence length (N = {})", s.n),
        "Fresh datasets differ, so their counts wander; longer copies of the same sequences cost nothing.",
        "tokens per sequence",
        &data.by_length,
    )?;
    let _ = write!(svg, "<g transform=\"translate(10,50)\">\n{left}</g>\n");
    let _ = write!(svg, "<g transform=\"translate({},50)\">\n{right}</g>\n", CHART.0 + 10);
    svg.push_str("</svg>\n");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_svg_has_points_and_escaped_text() {
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)];
        let names = vec!["a<b".to_string(), "c".to_string()];
        let f = Frame { points: &pts, class: &[0, 0, 1], sequence: &[0, 0, 1], anchors: &[(3.0, 3.0), (-1.0, 2.0)], class_names: &names, title: "t & u" };
        let svg = frame_svg(&f, 400, 300).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("t &amp; u") && svg.contains("a&lt;b"));
        assert!(!svg.contains("a<b"));
    }

    #[test]
    fn long_frame_titles_wrap_inside_the_width() {
        let pts = [(0.0, 0.0), (1.0, 1.0)];
        let names = vec!["x".to_string()];
        let title = "word ".repeat(60);
        let f = Frame { points: &pts, class: &[0, 0], sequence: &[0, 0], anchors: &[(0.5, 0.5)], class_names: &names, title: &title };
        let svg = frame_svg(&f, 800, 600).unwrap();
        let lines: Vec<&str> = svg.lines().filter(|l| l.contains("font-size=\"13\"")).collect();
        assert!(lines.len() >= 2 && lines.len() <= 3, "{} title lines", lines.len());
        for l in lines {
            let content = &l[l.find('>').unwrap() + 1..l.rfind("</text>").unwrap()];
            assert!(content.chars().count() as f64 * 0.56 * 13.0 <= 780.0, "{content}");
        }
    }

    #[test]
    fn named_classes_keep_their_color() {
        let names: Vec<String> = ["blue", "green", "red", "zeta"].iter().map(|s| s.to_string()).collect();
        let c = class_colors(&names);
        assert_eq!(c[0], CLASS_COLORS[0]);
        assert_eq!(c[1], CLASS_COLORS[2]);
        assert_eq!(c[2], CLASS_COLORS[3]);
        assert_eq!(c[3], CLASS_COLORS[1], "the first unused color");
    }

    #[test]
    fn set_attr_replaces_or_inserts() {
        assert_eq!(set_attr("<circle r=\"1\" stroke=\"none\"/>", "stroke", "#000"), "<circle r=\"1\" stroke=\"#000\"/>");
        assert_eq!(set_attr("<polygon points=\"1,2 \"/>", "class", "token"), "<polygon points=\"1,2 \" class=\"token\"/>");
        assert_eq!(set_attr("<g>", "class", "x"), "<g class=\"x\">");
    }
}
