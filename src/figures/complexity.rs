//! The complexity figure: blocks against N and against sequence length, from the
//! measurements of [`crate::bench::complexity_data`].

use super::palette::CLASS_COLORS;
use super::svg::{draw_marker, elements, escape, finish_marker, perr, render, rgb, set_attr, superscript, text, Area, Chart2d};
use crate::bench::{ComplexityData, DepthWidth, Series};
use crate::error::Result;
use plotters::prelude::*;
use std::fmt::Write as _;

fn series_style(key: &str) -> ((u8, u8, u8), usize, Option<&'static str>) {
    // color, marker shape, dash pattern
    match key {
        "ours-unshared" => (CLASS_COLORS[0], 0, None),
        "ours-shared" => (CLASS_COLORS[3], 1, None),
        "ours-cycled" => (CLASS_COLORS[2], 2, None),
        "bound" => ((120, 120, 120), 3, Some("6 4")),
        "classify" => (CLASS_COLORS[0], 0, None),
        "interpolate" => (CLASS_COLORS[3], 1, None),
        "hub" => (CLASS_COLORS[2], 2, None),
        _ => ((40, 40, 40), 4, Some("2 3")),
    }
}

const CHART: (u32, u32) = (560, 400);
const CHART_TOP: u32 = 58;

fn complexity_chart<'a, 'b>(area: &'a Area<'b>, xmax: f64, ymax: f64) -> Result<Chart2d<'a, 'b>> {
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

/// One chart: title, note, axes, a line and markers per series, and its legend.
fn chart_svg(id: &str, title: &str, note: &str, x_desc: &str, series: &[Series]) -> Result<String> {
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
        out.push_str(&series_svg(s, xmax, ymax)?);
    }
    out.push_str(&chart_legend(series)?);
    out.push_str("</g>\n");
    Ok(out)
}

/// One series: `<g class="series">` with its line and one marker per point.
fn series_svg(s: &Series, xmax: f64, ymax: f64) -> Result<String> {
    let mut out = String::new();
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
    Ok(out)
}

/// The legend below a chart: a swatch (line and marker) and the label of every series.
fn chart_legend(series: &[Series]) -> Result<String> {
    let mut out = String::new();
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
    out.push_str("</g>\n");
    Ok(out)
}

fn legend_height(rows: usize) -> u32 {
    rows as u32 * 17 + 20
}

/// The complexity figure: blocks against N (left) and against sequence length (right).
pub fn complexity_figure(data: &ComplexityData) -> Result<String> {
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

/// The depth-width chart: blocks against the width cap (hidden neurons per feed-forward
/// layer) for both tasks on one generated dataset and for the hub family, from
/// [`crate::bench::depth_width_data`].
pub fn depth_width_figure(data: &DepthWidth) -> Result<String> {
    let s = &data.spec;
    let series = [data.classify.clone(), data.interpolate.clone(), data.hub.clone()];
    let width = CHART.0 + 80;
    let height = 80 + CHART.1 + legend_height(series.len()) + 6;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" class=\"depth-width-figure\">\n"
    );
    let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    svg.push_str(&text(10.0, 22.0, 15.0, "font-weight=\"bold\" fill=\"#222\" class=\"title\"", "Depth against width: blocks needed at each cap on hidden neurons"));
    let lines = [
        format!(
            "{} generated sequences of {} tokens in R{} (shared tokens, seed {}), labeled or with targets on the same tokens.",
            s.n,
            s.len,
            superscript(s.d),
            s.seed
        ),
        "A tent takes 3 hidden neurons, so a layer of width W holds W/3 tents; a separate block jumps up to W/6 tokens out at once.".to_string(),
        format!(
            "The paper's counts (any width): 4N+1 = {} to classify, 2Σm+2N+1 = {} to interpolate, 4N+1 = {} for the hub family.",
            data.paper_classify,
            data.paper_interpolate,
            4 * s.hub_n + 1
        ),
    ];
    for (i, line) in lines.iter().enumerate() {
        svg.push_str(&text(10.0, 40.0 + 15.0 * i as f64, 12.0, "fill=\"#444\" class=\"subtitle\"", line));
    }
    let chart = chart_svg(
        "depth-width",
        "Blocks against the width cap",
        "Wider layers hold more tents at once: the separate, label and place stages shrink.",
        "max_width (hidden neurons per feed-forward layer)",
        &series,
    )?;
    let _ = write!(svg, "<g transform=\"translate(10,80)\">\n{chart}</g>\n");
    svg.push_str("</svg>\n");
    Ok(svg)
}
