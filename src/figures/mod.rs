//! SVG pictures of the forward pass, drawn with plotters from a [`Scene`](crate::scene::Scene):
//! one state of the page ([`frame::state_svg`], [`frame::frame_svg`]), panels side by side
//! ([`frame::panels_svg`]), the five-panel stage figure ([`stage::stage_figure`]) and the
//! block-count chart ([`complexity::complexity_figure`], measured by
//! [`crate::bench::complexity_data`]). No figure compiles or verifies anything itself.
//!
//! plotters draws every shape (markers, rings, lines, axes, tick labels); captions, legends
//! and names are plain SVG `<text>` (no font library needed). Each group of shapes is drawn
//! by plotters on its own canvas and then placed in a `<g>` with a `class`, and every marker
//! gets a `class` too, so the structure of a figure can be checked by tests:
//!
//! * stage figure: `<g class="panel" data-stage="input|separated|collapsed|labeled|final">`,
//!   in each one `class="token"` marker per drawn token (coincident tokens are all drawn)
//!   and one `class="anchor"` ring per class;
//! * complexity figure: `<g class="chart" data-chart="by-n|by-length">`, in each one
//!   `<g class="series" data-series="...">` with one `class="point"` marker per point.
//!
//! Class colors and marker shapes are the page's ([`palette`]): a class named after a
//! color ("red", "blue", ...) is drawn in that color, the others take the remaining
//! Okabe–Ito colors in order; shapes cycle circle, square, triangle, diamond, ...
//!
//! Figures fail with [`Error::Figure`](crate::Error::Figure) (a drawing problem, not bad
//! input).

mod captions;
pub mod complexity;
pub mod frame;
pub mod palette;
pub mod stage;
mod svg;

pub use complexity::{complexity_figure, depth_width_figure};
pub use frame::{bounds, frame_svg, panels_svg, state_svg, Frame};
pub use palette::{class_colors, CLASS_COLORS, DIRECTION_COLORS, NAMED_COLORS, SHAPES};
pub use stage::{interpolation_stage_figure, stage_figure, INTERPOLATION_PANELS, STAGE_PANELS};

#[cfg(test)]
mod tests {
    use super::svg::set_attr;
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
