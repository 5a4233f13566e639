//! SVG pictures of the forward pass, drawn with plotters: one frame of the page, and the
//! multi-panel stage figure. Text is added as plain SVG elements (no font library needed).

use plotters::prelude::*;

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

fn color(k: usize) -> RGBColor {
    let (r, g, b) = PALETTE[k % PALETTE.len()];
    RGBColor(r, g, b)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Bounds of points and anchors, padded by 8%.
pub fn bounds(frames: &[&Frame]) -> ((f64, f64), (f64, f64)) {
    let mut b = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for f in frames {
        for &(x, y) in f.points.iter().chain(f.anchors.iter()) {
            b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
        }
    }
    if !b.0.is_finite() {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let pad = 0.08 * (b.1 - b.0).max(b.3 - b.2).max(1e-9);
    ((b.0 - pad, b.1 + pad), (b.2 - pad, b.3 + pad))
}

/// Draws one frame into a plotters area with the given coordinate ranges.
fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    frame: &Frame,
    range: ((f64, f64), (f64, f64)),
) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    // equal scale on both axes
    let ((x0, x1), (y0, y1)) = range;
    let s = ((w as f64 - 20.0) / (x1 - x0)).min((h as f64 - 40.0) / (y1 - y0));
    let cx = 0.5 * (x0 + x1);
    let cy = 0.5 * (y0 + y1);
    let map = |(x, y): (f64, f64)| {
        (((x - cx) * s + w as f64 / 2.0) as i32, (-(y - cy) * s + (h as f64 + 20.0) / 2.0) as i32)
    };
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(err)?;
    // lines joining each sequence's tokens
    let mut start = 0;
    while start < frame.points.len() {
        let mut end = start;
        while end < frame.points.len() && frame.sequence[end] == frame.sequence[start] {
            end += 1;
        }
        let path: Vec<(i32, i32)> = frame.points[start..end].iter().map(|p| map(*p)).collect();
        let c = color(frame.class[start]).mix(0.25);
        area.draw(&PathElement::new(path, c.stroke_width(1))).map_err(err)?;
        start = end;
    }
    for (k, &a) in frame.anchors.iter().enumerate() {
        let p = map(a);
        area.draw(&Circle::new(p, 10, color(k).stroke_width(2))).map_err(err)?;
        area.draw(&Circle::new(p, 5, color(k).stroke_width(1))).map_err(err)?;
    }
    for (i, &p) in frame.points.iter().enumerate() {
        let k = frame.class[i];
        let c = color(k);
        let q = map(p);
        match k % 4 {
            0 => area.draw(&Circle::new(q, 4, c.filled())).map_err(err)?,
            1 => area.draw(&Rectangle::new([(q.0 - 4, q.1 - 4), (q.0 + 4, q.1 + 4)], c.filled())).map_err(err)?,
            2 => area
                .draw(&Polygon::new(vec![(q.0, q.1 - 5), (q.0 - 5, q.1 + 4), (q.0 + 5, q.1 + 4)], c.filled()))
                .map_err(err)?,
            _ => area
                .draw(&Polygon::new(vec![(q.0, q.1 - 5), (q.0 - 5, q.1), (q.0, q.1 + 5), (q.0 + 5, q.1)], c.filled()))
                .map_err(err)?,
        }
    }
    Ok(())
}

/// One frame as a standalone SVG document.
pub fn frame_svg(frame: &Frame, width: u32, height: u32) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&root, frame, bounds(&[frame]))?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(add_text(out, &[(10, 20, frame.title.to_string())], frame, width))
}

/// Panels side by side with shared axes, one caption per panel.
pub fn panels_svg(frames: &[Frame], panel: (u32, u32)) -> Result<String, String> {
    let mut out = String::new();
    let n = frames.len().max(1) as u32;
    let refs: Vec<&Frame> = frames.iter().collect();
    let range = bounds(&refs);
    {
        let root = SVGBackend::with_string(&mut out, (panel.0 * n, panel.1)).into_drawing_area();
        let areas = root.split_evenly((1, n as usize));
        for (a, f) in areas.iter().zip(frames) {
            draw(a, f, range)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let titles: Vec<(i32, i32, String)> =
        frames.iter().enumerate().map(|(i, f)| ((i as u32 * panel.0 + 10) as i32, 20, f.title.to_string())).collect();
    match frames.first() {
        Some(f) => Ok(add_text(out, &titles, f, panel.0 * n)),
        None => Ok(out),
    }
}

fn add_text(svg: String, titles: &[(i32, i32, String)], frame: &Frame, width: u32) -> String {
    let mut text = String::new();
    for (x, y, t) in titles {
        text.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#222\">{}</text>\n",
            escape(t)
        ));
    }
    // legend: class names
    let mut x = width as i32 - 10;
    for (k, name) in frame.class_names.iter().enumerate().rev() {
        let (r, g, b) = PALETTE[k % PALETTE.len()];
        let label = escape(name);
        x -= 14 + 7 * name.chars().count() as i32;
        text.push_str(&format!(
            "<circle cx=\"{}\" cy=\"34\" r=\"5\" fill=\"rgb({r},{g},{b})\"/><text x=\"{}\" y=\"38\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">{label}</text>\n",
            x,
            x + 8
        ));
    }
    match svg.rfind("</svg>") {
        Some(i) => format!("{}{}{}", &svg[..i], text, &svg[i..]),
        None => svg + &text,
    }
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
}
