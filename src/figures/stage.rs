//! The stage figure: five panels (normalized input, after separation, after collapse, after
//! labeling, final) in a 3 x 2 grid whose sixth cell is the legend. All panels share one
//! pair of axes in the scene's view; every token is a marker (class = color + shape, as on
//! the page), a faint line joins each sequence's tokens, each class's anchor is a ring,
//! sequence names sit at their leaders (up to [`MAX_NAMED`] sequences), arrows show the
//! directions the stage moves along (w, c; u, e), and each panel has a caption with the
//! counts of its stage. [`crate::scene::stage_plan`] picks the state each panel shows.

use super::captions;
use super::palette::{class_colors, direction_color, CLASS_COLORS, DIRECTION_COLORS};
use super::svg::{
    arrow, chars_in, draw_marker, elements, finish_marker, hex, padded_bounds, perr, plural, render, rgb, set_attr,
    superscript, text, wrap_lines, Area, Chart2d,
};
use crate::error::{Error, Result};
use crate::scene::{Coord, Scene};
use crate::verify::{TargetCheck, Verification};
use plotters::prelude::*;
use std::fmt::Write as _;

/// The five panels of the stage figure, in order.
pub const STAGE_PANELS: [&str; 5] = ["input", "separated", "collapsed", "labeled", "final"];

/// The five panels of an interpolation's stage figure, in order.
pub const INTERPOLATION_PANELS: [&str; 5] = ["input", "separated", "parked", "placing", "final"];

/// What the last caption quotes: the classification's or the interpolation's check.
#[derive(Clone, Copy)]
enum Outcome<'a> {
    Classify(&'a Verification),
    Interpolate(&'a TargetCheck),
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

/// Where the direction arrows start, in pixels from the corner of the plot.
const COMPASS_INSET: (f64, f64) = (56.0, 50.0);

/// Sequence names are written next to their leaders up to this many sequences.
pub const MAX_NAMED: usize = 20;

type Range2 = ((f64, f64), (f64, f64));

/// A pixel of a panel.
type Px = (i32, i32);

fn figure_size() -> (u32, u32) {
    (GEO.cols * GEO.panel.0 + 2 * GEO.margin, GEO.header + 2 * GEO.panel.1 + GEO.margin)
}

fn panel_origin(p: usize) -> (u32, u32) {
    let (col, row) = (p as u32 % GEO.cols, p as u32 / GEO.cols);
    (GEO.margin + col * GEO.panel.0, GEO.header + row * GEO.panel.1)
}

fn stage_chart<'a, 'b>(area: &'a Area<'b>, range: Range2) -> Result<Chart2d<'a, 'b>> {
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

fn distinct(points: &[(f64, f64)]) -> usize {
    let mut v: Vec<(f64, f64)> = Vec::new();
    for &p in points {
        if !v.iter().any(|q| (q.0 - p.0).abs() < 1e-9 && (q.1 - p.1).abs() < 1e-9) {
            v.push(p);
        }
    }
    v.len()
}

/// What the five panels draw, in view coordinates, and the shared axes.
struct Panels {
    /// per panel, per drawn token
    pos: Vec<Vec<(f64, f64)>>,
    /// per panel, per drawn sequence: its leader
    leaders: Vec<Vec<(f64, f64)>>,
    /// drawn sequences: (sequence, first drawn token, length)
    runs: Vec<(usize, usize, usize)>,
    /// per drawn token: class and sequence
    class: Vec<usize>,
    seq: Vec<usize>,
    anchors: Vec<(f64, f64)>,
    /// interpolation: every target, its sequence and the drawn index of its read token
    targets: Vec<(f64, f64)>,
    target_seq: Vec<usize>,
    target_drawn: Vec<Option<usize>>,
    colors: Vec<(u8, u8, u8)>,
    range: Range2,
    /// corner of the direction arrows: (right, top)
    compass: (bool, bool),
}

impl Panels {
    fn new<P: Coord>(scene: &Scene<P>) -> Result<Panels> {
        let mut pos = Vec::with_capacity(5);
        for &state in &scene.plan.states {
            let at = scene.positions_at(state).ok_or_else(|| {
                Error::Figure(format!("the scene does not keep state {state}; build it with Keep::StagePanels"))
            })?;
            pos.push(at.chunks_exact(2).map(|p| (p[0].to_f64(), p[1].to_f64())).collect::<Vec<_>>());
        }
        let seq: Vec<usize> = scene.drawn.iter().map(|d| d.0 as usize).collect();
        let class: Vec<usize> = seq.iter().map(|&s| scene.sequences[s].label).collect();
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, &s) in seq.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if r.0 == s => r.2 += 1,
                _ => runs.push((s, i, 1)),
            }
        }
        let leader = |s: usize| scene.leaders[s].map_or(0, |l| l as usize);
        let leaders = pos.iter().map(|p| runs.iter().map(|r| p[leader(r.0)]).collect()).collect();
        let anchors: Vec<(f64, f64)> = scene.anchors.iter().map(|a| (a[0], a[1])).collect();
        let targets: Vec<(f64, f64)> = scene.targets.iter().map(|t| (t.at[0], t.at[1])).collect();
        let target_seq = scene.targets.iter().map(|t| t.seq as usize).collect();
        let target_drawn = scene.targets.iter().map(|t| t.drawn.map(|d| d as usize)).collect();
        let all: Vec<(f64, f64)> = pos.iter().flatten().chain(anchors.iter()).chain(targets.iter()).copied().collect();
        let (range, scale) = shared_axes(&all)?;
        let compass = emptiest_corner(&all, range, scale);
        Ok(Panels {
            pos,
            leaders,
            runs,
            class,
            seq,
            anchors,
            targets,
            target_seq,
            target_drawn,
            colors: class_colors(&scene.classes),
            range,
            compass,
        })
    }

    fn color(&self, k: usize) -> (u8, u8, u8) {
        self.colors.get(k).copied().unwrap_or(CLASS_COLORS[k % CLASS_COLORS.len()])
    }
}

/// Shared axes: every state shown plus the anchors, equal scale on both axes; returns the
/// ranges and the scale (pixels per unit).
fn shared_axes(all: &[(f64, f64)]) -> Result<(Range2, f64)> {
    let ((x0, x1), (y0, y1)) = padded_bounds(all, 0.07);
    let plot = {
        let mut s = String::new();
        let root = SVGBackend::with_string(&mut s, GEO.panel).into_drawing_area();
        let chart = stage_chart(&root, ((0.0, 1.0), (0.0, 1.0)))?;
        chart.plotting_area().dim_in_pixel()
    };
    let scale = (plot.0 as f64 / (x1 - x0)).min(plot.1 as f64 / (y1 - y0));
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let (hx, hy) = (0.5 * plot.0 as f64 / scale, 0.5 * plot.1 as f64 / scale);
    Ok((((cx - hx, cx + hx), (cy - hy, cy + hy)), scale))
}

/// The direction arrows go in the emptiest corner of the plot (the same in every panel).
fn emptiest_corner(all: &[(f64, f64)], range: Range2, scale: f64) -> (bool, bool) {
    let r = 52.0 / scale;
    let (ix, iy) = (COMPASS_INSET.0 / scale, COMPASS_INSET.1 / scale);
    let corners = [(false, false), (true, false), (false, true), (true, true)];
    let crowd = |&(right, top): &(bool, bool)| {
        let o = (if right { range.0 .1 - ix } else { range.0 .0 + ix }, if top { range.1 .1 - iy } else { range.1 .0 + iy });
        all.iter().filter(|p| (p.0 - o.0).hypot(p.1 - o.1) < r).count()
    };
    corners.iter().min_by_key(|c| crowd(c)).copied().unwrap_or((false, false))
}

/// The stage figure of a scene that keeps the plan's states (see the module docs); `v` is
/// the verification the last caption quotes.
pub fn stage_figure<P: Coord>(scene: &Scene<P>, v: &Verification) -> Result<String> {
    figure(scene, Outcome::Classify(v))
}

/// The stage figure of an interpolation (input, separated, parked, placing, final): targets
/// are hollow diamonds in their sequence's colour, joined by dashes to the read token that
/// must land on them; `check` is the verification the last caption quotes.
pub fn interpolation_stage_figure<P: Coord>(scene: &Scene<P>, check: &TargetCheck) -> Result<String> {
    figure(scene, Outcome::Interpolate(check))
}

fn figure<P: Coord>(scene: &Scene<P>, outcome: Outcome) -> Result<String> {
    let panels = Panels::new(scene)?;
    let captions = match outcome {
        Outcome::Classify(v) => captions::classify(scene, distinct(&panels.pos[2]), v),
        Outcome::Interpolate(c) => captions::interpolate(scene, c),
    };
    let interpolates = matches!(outcome, Outcome::Interpolate(_));
    let (width, height) = figure_size();
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" class=\"stage-figure\">"
    );
    let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    let title = captions::title(scene, interpolates);
    svg.push_str(&text(GEO.margin as f64 + 4.0, 26.0, 17.0, "font-weight=\"bold\" fill=\"#222\" class=\"title\"", &title));
    for (p, caption) in captions.iter().enumerate() {
        svg.push_str(&panel_svg(scene, &panels, p, caption)?);
    }
    let blocks_line = captions::blocks_line(scene, interpolates);
    svg.push_str(&stage_legend(scene, &panels, &blocks_line)?);
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// One panel: frame, caption, axes, direction arrows, sequence lines, anchors, tokens, names.
fn panel_svg<P: Coord>(scene: &Scene<P>, panels: &Panels, p: usize, caption: &(String, String)) -> Result<String> {
    let mut svg = String::new();
    let (x, y) = panel_origin(p);
    let state = scene.plan.states[p];
    let names = if scene.targets.is_empty() { STAGE_PANELS } else { INTERPOLATION_PANELS };
    let _ = writeln!(svg, "<g class=\"panel\" data-stage=\"{}\" data-state=\"{state}\" transform=\"translate({x},{y})\">", names[p]);
    let _ = writeln!(
        svg,
        "<rect x=\"2\" y=\"2\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"none\" stroke=\"#e4e4e4\"/>",
        GEO.panel.0 - 4,
        GEO.panel.1 - 6
    );
    let (head, body) = caption;
    svg.push_str(&text(12.0, 22.0, 14.0, "font-weight=\"bold\" fill=\"#222\" class=\"caption\"", head));
    for (i, line) in wrap_lines(body, chars_in(GEO.panel.0 as f64 - 24.0, 12.0, 0.5), 3).iter().enumerate() {
        svg.push_str(&text(12.0, 40.0 + 15.0 * i as f64, 12.0, "fill=\"#444\" class=\"caption\"", line));
    }
    svg.push_str(&panel_axes(panels.range)?);
    svg.push_str(&panel_arrows(scene, panels, p)?);
    svg.push_str(&panel_lines(panels, p)?);
    svg.push_str(&panel_anchors(scene, panels)?);
    svg.push_str(&panel_targets(panels, p)?);
    let (tokens, leader_px, right_edge) = panel_tokens(scene, panels, p)?;
    svg.push_str(&tokens);
    if scene.sequences.len() <= MAX_NAMED {
        svg.push_str(&panel_names(scene, panels, &leader_px, right_edge));
    }
    svg.push_str("</g>\n");
    Ok(svg)
}

/// Axes (plotters mesh with tick labels), identical in every panel.
fn panel_axes(range: Range2) -> Result<String> {
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
    Ok(format!("<g class=\"axes\">\n{axes}</g>\n"))
}

/// The directions a panel's stage moves along, as unit vectors in the view.
fn panel_directions<P: Coord>(scene: &Scene<P>, p: usize) -> Vec<(&'static str, (f64, f64))> {
    let keys: &[&'static str] = match p {
        0 | 2 => &["w"],
        1 => &["w", "c"],
        3 => &["u", "e"],
        _ => &[],
    };
    keys.iter().filter_map(|&k| scene.directions.visible(k).map(|v| (k, (v[0], v[1])))).collect()
}

/// Direction arrows in the panel's emptiest corner, with their names.
fn panel_arrows<P: Coord>(scene: &Scene<P>, panels: &Panels, p: usize) -> Result<String> {
    let dirs = panel_directions(scene, p);
    if dirs.is_empty() {
        return Ok(String::new());
    }
    let (range, compass) = (panels.range, panels.compass);
    let mut origin = (0, 0);
    let arrows = render(GEO.panel, |area| {
        let chart = stage_chart(area, range)?;
        let lo = chart.backend_coord(&(range.0 .0, range.1 .0));
        let hi = chart.backend_coord(&(range.0 .1, range.1 .1));
        let (ix, iy) = (COMPASS_INSET.0 as i32, COMPASS_INSET.1 as i32);
        origin = (if compass.0 { hi.0 - ix } else { lo.0 + ix }, if compass.1 { hi.1 + iy } else { lo.1 - iy });
        for &(key, (a, b)) in &dirs {
            arrow(area, origin, (a, -b), 32.0, rgb(direction_color(key)))?;
        }
        Ok(())
    })?;
    let mut svg = String::from("<g class=\"directions\">\n");
    svg.push_str(&arrows);
    for &(key, (a, b)) in &dirs {
        svg.push_str(&text(
            origin.0 as f64 + 42.0 * a - 4.0,
            origin.1 as f64 - 42.0 * b + 4.0,
            12.0,
            &format!("font-weight=\"bold\" font-style=\"italic\" fill=\"{}\"", hex(direction_color(key))),
            key,
        ));
    }
    svg.push_str("</g>\n");
    Ok(svg)
}

/// One faint line per sequence, through its tokens in order.
fn panel_lines(panels: &Panels, p: usize) -> Result<String> {
    let lines = render(GEO.panel, |area| {
        let chart = stage_chart(area, panels.range)?;
        for &(_, start, len) in &panels.runs {
            let path: Vec<(i32, i32)> = panels.pos[p][start..start + len].iter().map(|q| chart.backend_coord(q)).collect();
            let color = rgb(panels.color(panels.class[start])).mix(0.4);
            area.draw(&PathElement::new(path, color.stroke_width(1))).map_err(perr)?;
        }
        Ok(())
    })?;
    Ok(format!("<g class=\"sequences\">\n{lines}</g>\n"))
}

/// One ring per class at its anchor.
fn panel_anchors<P: Coord>(scene: &Scene<P>, panels: &Panels) -> Result<String> {
    let rings = render(GEO.panel, |area| {
        let chart = stage_chart(area, panels.range)?;
        for (k, a) in panels.anchors.iter().enumerate() {
            let c = chart.backend_coord(a);
            area.draw(&Circle::new(c, 12, rgb(panels.color(k)).stroke_width(2))).map_err(perr)?;
        }
        Ok(())
    })?;
    let mut svg = String::from("<g class=\"anchors\">\n");
    for (k, e) in elements(&rings, panels.anchors.len(), "anchors")?.iter().enumerate() {
        let e = set_attr(e, "class", "anchor");
        let e = set_attr(&e, "data-class", &scene.classes[k]);
        svg.push_str(&e);
        svg.push('\n');
    }
    svg.push_str("</g>\n");
    Ok(svg)
}

/// Interpolation: a hollow diamond per target in its sequence's colour, and a dashed line
/// from the read token (at this panel's state) to it.
fn panel_targets(panels: &Panels, p: usize) -> Result<String> {
    if panels.targets.is_empty() {
        return Ok(String::new());
    }
    let mut px: Vec<(Px, Option<Px>)> = Vec::new();
    render(GEO.panel, |area| {
        let chart = stage_chart(area, panels.range)?;
        px = panels
            .targets
            .iter()
            .zip(&panels.target_drawn)
            .map(|(t, d)| (chart.backend_coord(t), d.and_then(|i| panels.pos[p].get(i)).map(|q| chart.backend_coord(q))))
            .collect();
        Ok(())
    })?;
    let mut svg = String::from("<g class=\"targets\">\n");
    for (k, &(t, from)) in px.iter().enumerate() {
        let color = hex(panels.color(panels.target_seq[k]));
        if let Some(f) = from {
            if (f.0 - t.0).abs() + (f.1 - t.1).abs() > 1 {
                let _ = writeln!(
                    svg,
                    "<line class=\"target-line\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" stroke-opacity=\"0.5\" stroke-dasharray=\"3 3\"/>",
                    f.0, f.1, t.0, t.1
                );
            }
        }
    }
    for (k, &(t, _)) in px.iter().enumerate() {
        let color = hex(panels.color(panels.target_seq[k]));
        let r = 7;
        let _ = writeln!(
            svg,
            "<polygon class=\"target\" data-seq=\"{}\" points=\"{},{} {},{} {},{} {},{}\" fill=\"#ffffff\" fill-opacity=\"0.6\" stroke=\"{color}\" stroke-width=\"2\"/>",
            panels.target_seq[k],
            t.0,
            t.1 - r,
            t.0 + r,
            t.1,
            t.0,
            t.1 + r,
            t.0 - r,
            t.1
        );
    }
    svg.push_str("</g>\n");
    Ok(svg)
}

/// One marker per drawn token (class = color + shape); also returns the leaders' pixels
/// and the plot's right edge, for the names.
fn panel_tokens<P: Coord>(scene: &Scene<P>, panels: &Panels, p: usize) -> Result<(String, Vec<Px>, i32)> {
    let mut leader_px: Vec<Px> = Vec::new();
    let mut right_edge = 0;
    let markers = render(GEO.panel, |area| {
        let chart = stage_chart(area, panels.range)?;
        leader_px = panels.leaders[p].iter().map(|q| chart.backend_coord(q)).collect();
        right_edge = chart.backend_coord(&(panels.range.0 .1, panels.range.1 .1)).0;
        for (i, q) in panels.pos[p].iter().enumerate() {
            let k = panels.class[i];
            draw_marker(area, k, chart.backend_coord(q), 5.5, rgb(panels.color(k)))?;
        }
        Ok(())
    })?;
    let mut svg = String::from("<g class=\"tokens\">\n");
    for (i, e) in elements(&markers, panels.pos[p].len(), "tokens")?.iter().enumerate() {
        let e = finish_marker(e, "token");
        let e = set_attr(&e, "data-seq", &panels.seq[i].to_string());
        let e = set_attr(&e, "data-class", &scene.classes[panels.class[i]]);
        svg.push_str(&e);
        svg.push('\n');
    }
    svg.push_str("</g>\n");
    Ok((svg, leader_px, right_edge))
}

/// Names at the leaders (sequences sharing a leader share one label), each at the first
/// free spot among: above right, below right, above left, below left.
fn panel_names<P: Coord>(scene: &Scene<P>, panels: &Panels, leader_px: &[(i32, i32)], right_edge: i32) -> String {
    let mut svg = String::from("<g class=\"names\">\n");
    let mut groups: Vec<((i32, i32), Vec<&str>)> = Vec::new();
    for (q, &(s, _, _)) in leader_px.iter().zip(&panels.runs) {
        let name = scene.sequences[s].name.as_str();
        match groups.iter_mut().find(|(g, _)| (g.0 - q.0).abs() <= 1 && (g.1 - q.1).abs() <= 1) {
            Some((_, names)) => names.push(name),
            None => groups.push((*q, vec![name])),
        }
    }
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
    svg
}

/// The sixth cell of the stage figure: what the marks mean, and the block count.
fn stage_legend<P: Coord>(scene: &Scene<P>, panels: &Panels, blocks_line: &str) -> Result<String> {
    let (ox, oy) = panel_origin(5);
    let (ox, oy) = (ox as f64 + 16.0, oy as f64 + 10.0);
    let mut texts = text(ox, oy + 12.0, 14.0, "font-weight=\"bold\" fill=\"#222\"", "Legend");
    let (marks, mut y) = legend_classes(scene, ox, oy + 36.0, &mut texts);
    let ring_y = y + 4.0;
    let ring_text = if scene.targets.is_empty() {
        "the anchor of a class (where its sequences end)"
    } else {
        "diamond: a target; dashes join it to its read token"
    };
    texts.push_str(&text(ox + 20.0, ring_y + 4.0, 12.0, "fill=\"#333\"", ring_text));
    let line_y = ring_y + 26.0;
    texts.push_str(&text(ox + 20.0, line_y + 4.0, 12.0, "fill=\"#333\"", "a faint line joins the tokens of one sequence"));
    y = line_y + 24.0;
    if scene.sequences.len() <= MAX_NAMED {
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
    let view = if scene.dim > 2 {
        format!("Tokens live in R{}; the panels show a 2-D view of them.", superscript(scene.dim))
    } else {
        "Axes: the coordinates after normalization, in every panel.".to_string()
    };
    texts.push_str(&text(ox, y + 16.0, 12.0, "fill=\"#444\"", &view));

    let shapes = render(figure_size(), |area| {
        for &(mx, my, k) in &marks {
            draw_marker(area, k, (mx, my), 5.5, rgb(panels.color(k)))?;
        }
        // the key's mark is the mark the panels draw: a ring per anchor, a hollow diamond per target
        let (cx, cy, gray) = ((ox + 6.0) as i32, ring_y as i32, RGBColor(90, 90, 90).stroke_width(2));
        if scene.targets.is_empty() {
            area.draw(&Circle::new((cx, cy), 9, gray)).map_err(perr)?;
        } else {
            let r = 7;
            let diamond = vec![(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy), (cx, cy - r)];
            area.draw(&PathElement::new(diamond, gray)).map_err(perr)?;
        }
        let faint = RGBColor(90, 90, 90).mix(0.5).stroke_width(1);
        area.draw(&PathElement::new(vec![((ox - 4.0) as i32, line_y as i32 + 4), ((ox + 14.0) as i32, line_y as i32 - 4)], faint))
            .map_err(perr)?;
        for (i, (_, c)) in DIRECTION_COLORS.iter().enumerate() {
            let (x, yy) = (ox + 180.0 * (i % 2) as f64, arrow_y + 18.0 * (i / 2) as f64);
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

/// The legend's class rows (up to 12, then "… and k more"), starting at `y`: appends their
/// texts, returns where their markers go and the next free `y`.
fn legend_classes<P: Coord>(scene: &Scene<P>, ox: f64, mut y: f64, texts: &mut String) -> (Vec<(i32, i32, usize)>, f64) {
    let shown = scene.classes.len().min(12);
    let mut marks = Vec::new();
    for k in 0..shown {
        marks.push(((ox + 6.0) as i32, (y - 4.0) as i32, k));
        let count = scene.sequences.iter().filter(|s| s.label == k).count();
        let what = if scene.targets.is_empty() {
            format!("class «{}» ({})", scene.classes[k], plural(count, "sequence", "sequences"))
        } else {
            let m = scene.targets.iter().filter(|t| t.seq as usize == k).count();
            format!("sequence «{}» ({})", scene.classes[k], plural(m, "read token", "read tokens"))
        };
        texts.push_str(&text(ox + 20.0, y, 12.0, "fill=\"#333\" class=\"legend\"", &what));
        y += 18.0;
    }
    if scene.classes.len() > shown {
        let more = scene.classes.len() - shown;
        let what = format!("… and {more} more {}", if more == 1 { "class" } else { "classes" });
        texts.push_str(&text(ox + 20.0, y, 12.0, "fill=\"#333\"", &what));
        y += 18.0;
    }
    (marks, y)
}
