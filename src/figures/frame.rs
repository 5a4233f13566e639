//! One state as a standalone SVG (the page's "export SVG"), and states side by side.

use super::palette::{class_colors, CLASS_COLORS};
use super::svg::{chars_in, draw_marker, padded_bounds, perr, render, rgb, text, wrap_lines, Area};
use crate::error::{Error, Result};
use crate::scene::{Coord, Scene};
use plotters::prelude::*;

/// Exported frames are between this many pixels and [`MAX_SIZE`] wide and high.
pub const MIN_SIZE: u32 = 100;
pub const MAX_SIZE: u32 = 4000;

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

/// Colors of a frame's classes: by name as on the page (class indices past the names get
/// palette colors by index).
fn frame_colors(frame: &Frame) -> impl Fn(usize) -> (u8, u8, u8) {
    let named = class_colors(frame.class_names);
    move |k| named.get(k).copied().unwrap_or(CLASS_COLORS[k % CLASS_COLORS.len()])
}

/// Draws one frame into a plotters area with the given coordinate ranges, below `top` px.
fn draw(area: &Area, frame: &Frame, range: ((f64, f64), (f64, f64)), top: f64) -> Result<()> {
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
pub fn frame_svg(frame: &Frame, width: u32, height: u32) -> Result<String> {
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
pub fn panels_svg(frames: &[Frame], panel: (u32, u32)) -> Result<String> {
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

/// State `state` of a scene as a standalone SVG of `width` x `height` pixels (each clamped
/// to [`MIN_SIZE`]..=[`MAX_SIZE`]), titled with the caption of the layer that made it.
pub fn state_svg<P: Coord>(scene: &Scene<P>, state: usize, width: u32, height: u32) -> Result<String> {
    let at = scene
        .state_positions(state)
        .ok_or_else(|| Error::Figure(format!("state {state} is not among the scene's states (0..={})", scene.layer_count())))?;
    let points: Vec<(f64, f64)> = at.chunks_exact(2).map(|p| (p[0].to_f64(), p[1].to_f64())).collect();
    let sequence: Vec<usize> = scene.drawn.iter().map(|d| d.0 as usize).collect();
    let class: Vec<usize> = sequence.iter().map(|&s| scene.sequences[s].label).collect();
    let anchors: Vec<(f64, f64)> = scene.anchors.iter().map(|a| (a[0], a[1])).collect();
    let title = match scene.layer(state) {
        Some(l) => l.caption.clone(),
        None => "input".to_string(),
    };
    let frame = Frame { points: &points, class: &class, sequence: &sequence, anchors: &anchors, class_names: &scene.classes, title: &title };
    frame_svg(&frame, width.clamp(MIN_SIZE, MAX_SIZE), height.clamp(MIN_SIZE, MAX_SIZE))
}
