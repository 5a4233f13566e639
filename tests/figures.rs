//! The SVG figures: well-formed XML (checked by a small parser below, no extra crates), the
//! structure the docs promise (five stage panels, one marker per token, one ring per class;
//! one point per measured N or length), and what the pictures claim (tokens end on their
//! anchors; this construction never needs more blocks than the paper's 4N+1; sequence
//! length alone never changes the block count).

use hardmax::bench::{complexity_data, ComplexityData, ComplexitySpec};
use hardmax::construct::{compile, Options};
use hardmax::dataset::Dataset;
use hardmax::figures::{class_colors, complexity_figure, frame_svg, panels_svg, stage_figure, state_svg, Frame, STAGE_PANELS};
use hardmax::presets;
use hardmax::scene::{stage_plan, Budget, Keep, Scene};
use hardmax::verify::verify;
use hardmax::Error;
use std::collections::HashMap;
use std::sync::OnceLock;

// ------------------------------------------------------------------------------------
// A minimal XML parser: elements, attributes, text, comments, the XML declaration and
// entity references. Rejects unbalanced or crossed tags, unquoted or duplicate
// attributes, a raw '<' or '&' in text or attribute values, and more than one root.
// ------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }
    /// Every descendant (depth first, document order), not including self.
    fn descendants(&self) -> Vec<&El> {
        let mut out = Vec::new();
        for c in &self.children {
            out.push(c);
            out.extend(c.descendants());
        }
        out
    }
    fn with_class(&self, class: &str) -> Vec<&El> {
        self.descendants().into_iter().filter(|e| e.has_class(class)).collect()
    }
    fn all_text(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push(' ');
            s.push_str(&c.all_text());
        }
        s
    }
    fn num(&self, key: &str) -> f64 {
        self.attr(key).unwrap_or_else(|| panic!("<{}> has no {key}", self.name)).trim().parse().unwrap()
    }
    /// Center of a marker in its panel's pixels: circle, rect or polygon.
    fn center(&self) -> (f64, f64) {
        match self.name.as_str() {
            "circle" => (self.num("cx"), self.num("cy")),
            "rect" => (self.num("x") + self.num("width") / 2.0, self.num("y") + self.num("height") / 2.0),
            "polygon" => {
                let pts: Vec<(f64, f64)> = self
                    .attr("points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                // every marker shape is symmetric about its center: the vertex mean
                let n = pts.len() as f64;
                (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n)
            }
            other => panic!("no center for <{other}>"),
        }
    }
}

fn check_text(s: &str, at: usize) -> Result<String, String> {
    if s.contains('<') {
        return Err(format!("raw '<' near byte {at}"));
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find(';').ok_or_else(|| format!("unterminated entity near byte {at}"))?;
        let ent = &rest[i + 1..i + j];
        out.push(match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32).ok_or("bad entity")?,
            _ if ent.starts_with('#') => ent[1..].parse::<u32>().ok().and_then(char::from_u32).ok_or("bad entity")?,
            _ => return Err(format!("unknown entity &{ent}; near byte {at}")),
        });
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || "-_:.".contains(ch))
}

/// The attributes of a start tag (`text` follows its name), each quoted, named and unique.
fn parse_attrs(text: &str, name: &str, i: usize) -> Result<Vec<(String, String)>, String> {
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| format!("attribute without value in <{name}> at byte {i}"))?;
        let key = rest[..eq].trim();
        if !is_name(key) {
            return Err(format!("bad attribute name {key:?} in <{name}> at byte {i}"));
        }
        let after = rest[eq + 1..].trim_start();
        let q = after.chars().next().ok_or("missing attribute value")?;
        if q != '"' && q != '\'' {
            return Err(format!("unquoted attribute {key} in <{name}> at byte {i}"));
        }
        let close = after[1..].find(q).ok_or_else(|| format!("unterminated attribute {key} at byte {i}"))?;
        let value = check_text(&after[1..1 + close], i)?;
        if attrs.iter().any(|(k, _)| k == key) {
            return Err(format!("duplicate attribute {key} in <{name}> at byte {i}"));
        }
        attrs.push((key.to_string(), value));
        rest = after[close + 2..].trim_start();
        if !rest.is_empty() && !after[close + 2..].starts_with(char::is_whitespace) {
            return Err(format!("attributes not separated by space in <{name}> at byte {i}"));
        }
    }
    Ok(attrs)
}

fn parse_xml(doc: &str) -> Result<El, String> {
    let b = doc.as_bytes();
    let mut i = 0;
    let mut stack: Vec<El> = vec![El { name: "#document".into(), attrs: vec![], children: vec![], text: String::new() }];
    while i < b.len() {
        if b[i] != b'<' {
            let j = doc[i..].find('<').map(|k| i + k).unwrap_or(b.len());
            let t = check_text(&doc[i..j], i)?;
            if stack.len() == 1 && !t.trim().is_empty() {
                return Err(format!("text outside the root element near byte {i}"));
            }
            stack.last_mut().unwrap().text.push_str(&t);
            i = j;
            continue;
        }
        if doc[i..].starts_with("<!--") {
            i += doc[i..].find("-->").ok_or("unterminated comment")? + 3;
            continue;
        }
        if doc[i..].starts_with("<?") {
            i += doc[i..].find("?>").ok_or("unterminated declaration")? + 2;
            continue;
        }
        let end = i + doc[i..].find('>').ok_or_else(|| format!("unterminated tag at byte {i}"))?;
        let inner = &doc[i + 1..end];
        if let Some(name) = inner.strip_prefix('/') {
            let el = stack.pop().unwrap();
            if el.name != name.trim() || stack.is_empty() {
                return Err(format!("</{}> closes <{}> at byte {i}", name.trim(), el.name));
            }
            stack.last_mut().unwrap().children.push(el);
        } else {
            let self_closing = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
            let name = &inner[..name_end];
            if !is_name(name) {
                return Err(format!("bad tag name {name:?} at byte {i}"));
            }
            let attrs = parse_attrs(&inner[name_end..], name, i)?;
            if stack.len() == 1 && !stack[0].children.is_empty() {
                return Err("more than one root element".into());
            }
            let el = El { name: name.to_string(), attrs, children: vec![], text: String::new() };
            if self_closing {
                stack.last_mut().unwrap().children.push(el);
            } else {
                stack.push(el);
            }
        }
        i = end + 1;
    }
    if stack.len() != 1 {
        return Err(format!("<{}> is never closed", stack.last().unwrap().name));
    }
    let mut doc_el = stack.pop().unwrap();
    match doc_el.children.len() {
        1 => Ok(doc_el.children.pop().unwrap()),
        n => Err(format!("{n} root elements")),
    }
}

#[test]
fn the_xml_checker_rejects_broken_documents() {
    assert!(parse_xml("<svg><g></g></svg>").is_ok());
    assert!(parse_xml("<?xml version=\"1.0\"?>\n<svg a='1' b=\"&amp;&#233;\"><!-- c --><text>x &lt; y</text></svg>\n").is_ok());
    for bad in [
        "<svg><g></svg>",
        "<svg><g></g>",
        "<svg></svg><svg></svg>",
        "<svg a=1/>",
        "<svg a=\"1\" a=\"2\"/>",
        "<svg a=\"1\"b=\"2\"/>",
        "<svg>a < b</svg>",
        "<svg>a & b</svg>",
        "<svg>&nbsp;</svg>",
        "<svg a=\"x<y\"/>",
        "<svg><text></g></svg>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}

// ------------------------------------------------------------------------------------
// One frame (the page's SVG export) and panels
// ------------------------------------------------------------------------------------

#[test]
fn frames_and_panels_are_well_formed_and_long_titles_wrap() {
    let pts = [(1.0, 1.0), (2.0, 1.5), (1.5, 2.0), (3.0, 3.0)];
    let names = vec!["blue".to_string(), "a & <b>".to_string()];
    let title = "Split 2/3: «B» and «E» share a leader but not their labels; a token that only one of them has jumps \
                 out along w, above every other token, and becomes the leader of the 1 sequence(s) containing it.";
    let f = Frame { points: &pts, class: &[0, 0, 1, 1], sequence: &[0, 0, 1, 1], anchors: &[(0.5, 0.5), (3.5, 0.5)], class_names: &names, title };
    let svg = frame_svg(&f, 800, 500).unwrap();
    let root = parse_xml(&svg).unwrap_or_else(|e| panic!("frame: {e}"));
    let titles: Vec<String> = root
        .children
        .iter()
        .filter(|e| e.name == "text" && e.attr("font-size") == Some("13"))
        .map(|e| e.all_text())
        .collect();
    assert!(titles.len() >= 2, "a long title wraps: {titles:?}");
    assert_eq!(titles.join(" ").split_whitespace().collect::<Vec<_>>(), title.split_whitespace().collect::<Vec<_>>());
    for t in &titles {
        assert!(t.chars().count() as f64 * 0.56 * 13.0 <= 780.0, "line too long for 800 px: {t}");
    }
    let g = Frame { title: "short", ..f };
    parse_xml(&panels_svg(&[f, g], (400, 300)).unwrap()).unwrap_or_else(|e| panic!("panels: {e}"));
}

// ------------------------------------------------------------------------------------
// The stage figure
// ------------------------------------------------------------------------------------

/// The stage figure of `data` built with `opts`, as the CLI draws it.
fn stage_svg_with(data: &Dataset, opts: &Options) -> String {
    let t = compile(data, opts).unwrap().transformer;
    let scene: Scene<f64> = Scene::new(data, &t, &Budget::EVERYTHING, Keep::StagePanels).unwrap();
    stage_figure(&scene, &verify(&t, data)).unwrap()
}

fn stage_svg(data: &Dataset) -> (String, El) {
    let svg = stage_svg_with(data, &Options::default());
    let root = parse_xml(&svg).unwrap_or_else(|e| panic!("stage figure is not well-formed XML: {e}"));
    (svg, root)
}

fn panels(root: &El) -> Vec<&El> {
    root.descendants().into_iter().filter(|e| e.name == "g" && e.has_class("panel")).collect()
}

/// Checks the promised structure of a stage figure for `data`; returns the panels.
fn check_structure(data: &Dataset, root: &El) {
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    let ps = panels(root);
    assert_eq!(ps.len(), 5, "exactly five panels");
    let stages: Vec<&str> = ps.iter().map(|p| p.attr("data-stage").unwrap()).collect();
    assert_eq!(stages, STAGE_PANELS.to_vec());
    let colors = class_colors(data.classes());
    for p in &ps {
        let stage = p.attr("data-stage").unwrap();
        // one marker per token (sequence, position in the sequence), coincident ones too
        let tokens = p.with_class("token");
        assert_eq!(tokens.len(), data.total_tokens(), "{stage}: one marker per token");
        let mut per_seq: HashMap<usize, usize> = HashMap::new();
        for t in &tokens {
            assert!(["circle", "rect", "polygon"].contains(&t.name.as_str()), "{stage}: a token is a <{}>", t.name);
            let s: usize = t.attr("data-seq").unwrap().parse().unwrap();
            *per_seq.entry(s).or_default() += 1;
            // class color, as on the page
            let k = data.sequences()[s].label;
            let (r, g, b) = colors[k];
            assert_eq!(t.attr("fill").unwrap().to_lowercase(), format!("#{r:02x}{g:02x}{b:02x}"), "{stage}: class color");
            assert_eq!(t.attr("data-class"), Some(data.classes()[k].as_str()));
        }
        for (s, seq) in data.sequences().iter().enumerate() {
            assert_eq!(per_seq.get(&s).copied().unwrap_or(0), seq.len(), "{stage}: tokens of sequence {s}");
        }
        // one anchor ring per class
        let anchors = p.with_class("anchor");
        assert_eq!(anchors.len(), data.classes().len(), "{stage}: one anchor per class");
        for (k, a) in anchors.iter().enumerate() {
            assert_eq!(a.name, "circle");
            assert_eq!(a.attr("fill"), Some("none"), "an anchor is a ring");
            assert_eq!(a.attr("data-class"), Some(data.classes()[k].as_str()));
        }
        // a caption naming the stage
        let caption: String = p.with_class("caption").iter().map(|c| c.all_text()).collect::<Vec<_>>().join(" ");
        assert!(!caption.trim().is_empty(), "{stage}: has a caption");
        // axes with tick labels drawn by plotters
        let axes = p.descendants().into_iter().find(|e| e.has_class("axes")).expect("axes");
        assert!(axes.descendants().iter().filter(|e| e.name == "text").count() >= 4, "{stage}: tick labels");
    }
}

fn anchor_centers(panel: &El) -> HashMap<String, (f64, f64)> {
    panel.with_class("anchor").iter().map(|a| (a.attr("data-class").unwrap().to_string(), a.center())).collect()
}

#[test]
fn stage_figure_of_the_shared_preset_has_five_panels_one_marker_per_token_and_the_anchors() {
    let data = presets::shared();
    let (svg, root) = stage_svg(&data);
    check_structure(&data, &root);
    let ps = panels(&root);

    // the shared preset needs splits, and the caption says how many
    let built = compile(&data, &Options::default()).unwrap();
    let splits = built.stats.splits;
    assert!(splits >= 2);
    let sep = ps[1].with_class("caption").iter().map(|c| c.all_text()).collect::<Vec<_>>().join(" ");
    assert!(sep.contains(&format!("{splits} splits")), "{sep}");
    assert!(svg.contains(&format!("{} blocks", built.transformer.blocks.len())));
    assert!(svg.contains("4N+1 = 25"));

    // collapsed: every token of a sequence is drawn at one spot
    let mut spot: HashMap<&str, (f64, f64)> = HashMap::new();
    for t in ps[2].with_class("token") {
        let c = t.center();
        let s = spot.entry(t.attr("data-seq").unwrap()).or_insert(c);
        assert!((s.0 - c.0).abs() <= 1.5 && (s.1 - c.1).abs() <= 1.5, "collapsed sequence drawn at one point");
    }
    assert_eq!(spot.len(), data.len());

    // final: every token sits on its class's anchor (the same anchors in every panel)
    let anchors = anchor_centers(ps[4]);
    for p in &ps {
        assert_eq!(anchor_centers(p), anchors, "shared axes: anchors at the same pixels in every panel");
    }
    for t in ps[4].with_class("token") {
        let (a, c) = (anchors[t.attr("data-class").unwrap()], t.center());
        assert!((a.0 - c.0).abs() <= 1.5 && (a.1 - c.1).abs() <= 1.5, "final token at its anchor: {c:?} vs {a:?}");
    }
    // and the input panel is not already collapsed
    let input: Vec<(f64, f64)> = ps[0].with_class("token").iter().map(|t| t.center()).collect();
    assert!(input.iter().any(|c| (c.0 - input[0].0).abs() > 5.0 || (c.1 - input[0].1).abs() > 5.0));

    // class shapes: three classes, three different marker kinds or point counts
    let shape_of = |class: &str| {
        let t = ps[0].with_class("token").into_iter().find(|t| t.attr("data-class") == Some(class)).unwrap();
        (t.name.clone(), t.attr("points").map(|p| p.split_whitespace().count()))
    };
    let shapes: Vec<_> = data.classes().iter().map(|c| shape_of(c)).collect();
    assert!(shapes[0] != shapes[1] && shapes[1] != shapes[2] && shapes[0] != shapes[2], "{shapes:?}");

    // sequence names appear (6 sequences), shared leaders share one label in the input
    let names: Vec<String> = ps[0].with_class("seq-name").iter().map(|e| e.all_text().trim().to_string()).collect();
    assert!(names.iter().any(|n| n.contains(", ")), "sequences sharing a leader share a label: {names:?}");
}

#[test]
fn stage_plan_picks_states_in_order_and_the_separated_state_has_every_token_back() {
    let data = presets::shared();
    let built = compile(&data, &Options::default()).unwrap();
    let t = &built.transformer;
    let plan = stage_plan(t);
    assert!(plan.states.windows(2).all(|w| w[0] <= w[1]), "{:?}", plan.states);
    assert_eq!(plan.states[4], t.layer_count());
    assert_eq!(plan.splits, built.stats.splits);
    // in the separated state every token's projection on w equals its normalized input's
    // (jumps along w are all undone; slides along c keep w.x)
    for s in data.sequences() {
        let trace = t.trace(&s.tokens);
        let a = &trace[plan.states[0]].tokens;
        let b = &trace[plan.states[1]].tokens;
        for j in 0..s.len() {
            let (za, zb) = (t.directions.w.dot(&a.column(j)), t.directions.w.dot(&b.column(j)));
            assert!((za - zb).abs() < 1e-9, "w.x changed from {za} to {zb}");
        }
    }
}

#[test]
fn stage_figure_says_no_split_needed_when_there_is_none() {
    let data = Dataset::from_parts(vec![
        (vec![vec![0.0, 0.0], vec![1.0, 0.2]], "a".into()),
        (vec![vec![3.0, 3.0], vec![2.0, 2.5]], "b".into()),
        (vec![vec![0.5, 3.0]], "a".into()),
    ])
    .unwrap();
    let (_, root) = stage_svg(&data);
    check_structure(&data, &root);
    let sep = panels(&root)[1].with_class("caption").iter().map(|c| c.all_text()).collect::<Vec<_>>().join(" ");
    assert!(sep.to_lowercase().contains("no split needed"), "{sep}");
}

#[test]
fn stage_figure_works_for_every_preset_and_positional_encoding() {
    for name in presets::NAMES {
        let data = presets::preset(name, 2).unwrap();
        let (_, root) = stage_svg(&data);
        check_structure(&data, &root);
    }
    // positional encoding: the transformer maps the raw tokens itself
    let data = presets::shared();
    let opts = Options { positional: true, ..Options::default() };
    let root = parse_xml(&stage_svg_with(&data, &opts)).unwrap();
    check_structure(&data, &root);
}

#[test]
fn stage_figure_refuses_data_of_another_dimension() {
    let built = compile(&presets::shared(), &Options::default()).unwrap();
    let other = presets::vowels().unwrap();
    let e = Scene::<f64>::new(&other, &built.transformer, &Budget::EVERYTHING, Keep::StagePanels).unwrap_err();
    assert!(e.to_string().contains("d = 12"), "{e}");
}

#[test]
fn the_stage_figure_draws_any_scene_that_keeps_its_states() {
    let data = presets::shared();
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let v = verify(&t, &data);
    let staged: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::StagePanels).unwrap();
    let all: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    // the page's f32 scene keeps every state: the same figure up to the f32 rounding of
    // positions, so the same structure
    let root = parse_xml(&stage_figure(&all, &v).unwrap()).unwrap();
    check_structure(&data, &root);
    assert_eq!(stage_figure(&staged, &v).unwrap(), stage_svg_with(&data, &Options::default()));
    // a scene sampled down to one sequence draws that sequence in every panel
    let tiny: Scene<f64> = Scene::new(&data, &t, &Budget { view_floats: 4, full_floats: 0 }, Keep::StagePanels).unwrap();
    assert!(tiny.sampled);
    let drawn = parse_xml(&stage_figure(&tiny, &v).unwrap()).unwrap();
    for p in panels(&drawn) {
        assert_eq!(p.with_class("token").len(), tiny.drawn.len(), "a sampled scene draws its sample");
    }
}

#[test]
fn one_state_of_a_scene_is_a_frame_with_its_caption() {
    let data = presets::shared();
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let scene: Scene<f32> = Scene::new(&data, &t, &Budget::PAGE, Keep::All).unwrap();
    let last = t.layer_count();
    let root = parse_xml(&state_svg(&scene, last, 600, 400).unwrap()).unwrap();
    assert_eq!(root.attr("width"), Some("600"));
    let caption = scene.layer(last).unwrap().caption.split_whitespace().next().unwrap().to_string();
    assert!(root.all_text().contains(&caption), "titled with the layer's caption");
    let input = parse_xml(&state_svg(&scene, 0, 10, 1_000_000).unwrap()).unwrap();
    assert_eq!((input.attr("width"), input.attr("height")), (Some("100"), Some("4000")), "sizes are clamped");
    assert!(input.all_text().contains("input"));
    assert!(matches!(state_svg(&scene, last + 1, 600, 400), Err(Error::Figure(_))));
}

#[test]
fn class_names_that_are_colors_get_that_color() {
    let data = presets::shared(); // classes blue, green, red
    let (_, root) = stage_svg(&data);
    let fill = |class: &str| {
        panels(&root)[0]
            .with_class("token")
            .into_iter()
            .find(|t| t.attr("data-class") == Some(class))
            .and_then(|t| t.attr("fill").map(str::to_lowercase))
            .unwrap()
    };
    assert_eq!(fill("red"), "#d55e00");
    assert_eq!(fill("blue"), "#0072b2");
    assert_eq!(fill("green"), "#009e73");
}

// ------------------------------------------------------------------------------------
// The complexity figure
// ------------------------------------------------------------------------------------

fn complexity() -> &'static (ComplexityData, String) {
    static C: OnceLock<(ComplexityData, String)> = OnceLock::new();
    C.get_or_init(|| {
        let data = complexity_data(&ComplexitySpec::default(), &Options::default()).unwrap();
        let svg = complexity_figure(&data).unwrap();
        (data, svg)
    })
}

fn series_points(chart: &El, key: &str) -> Vec<(usize, usize)> {
    let g = chart
        .descendants()
        .into_iter()
        .find(|e| e.has_class("series") && e.attr("data-series") == Some(key))
        .unwrap_or_else(|| panic!("series {key}"));
    g.with_class("point")
        .iter()
        .map(|p| (p.attr("data-x").unwrap().parse().unwrap(), p.attr("data-blocks").unwrap().parse().unwrap()))
        .collect()
}

#[test]
fn complexity_figure_is_well_formed_with_one_point_per_measurement() {
    let (data, svg) = complexity();
    let root = parse_xml(svg).unwrap_or_else(|e| panic!("complexity figure is not well-formed XML: {e}"));
    let charts: Vec<&El> = root.with_class("chart");
    assert_eq!(charts.iter().map(|c| c.attr("data-chart").unwrap()).collect::<Vec<_>>(), ["by-n", "by-length"]);
    let spec = &data.spec;
    for (chart, list, xs) in [(charts[0], &data.by_n, &spec.ns), (charts[1], &data.by_length, &spec.lengths)] {
        assert_eq!(chart.with_class("series").len(), list.len());
        for s in list.iter() {
            assert_eq!(s.points.len(), xs.len(), "{}", s.key);
            assert_eq!(series_points(chart, s.key), s.points, "the drawn points are the data ({})", s.key);
            assert_eq!(s.points.iter().map(|p| p.0).collect::<Vec<_>>(), *xs);
        }
        assert_eq!(chart.with_class("line").len(), list.len(), "one line per series");
        // axes and tick labels from plotters
        let axes = chart.descendants().into_iter().find(|e| e.has_class("axes")).unwrap();
        let ticks: Vec<String> = axes.descendants().iter().filter(|e| e.name == "text").map(|e| e.all_text().trim().to_string()).collect();
        assert!(ticks.iter().any(|t| t == "0") && ticks.len() >= 8, "{ticks:?}");
        // a legend naming every series
        let legend = chart.with_class("legend");
        assert_eq!(legend.len(), 1);
        let text = legend[0].all_text();
        for s in list.iter() {
            assert!(text.contains(&s.label), "legend names {}", s.label);
        }
    }
    // the table the CLI prints has one row per point
    let rows = data.table().lines().count() - 1;
    assert_eq!(rows, data.by_n.len() * spec.ns.len() + data.by_length.len() * spec.lengths.len());
}

#[test]
fn this_construction_never_needs_more_blocks_than_the_paper() {
    let (data, _) = complexity();
    let c = data.collapse_layers;
    for s in data.by_n.iter().filter(|s| s.measured) {
        for &(n, blocks) in &s.points {
            assert!(blocks <= 4 * n + 1, "{}: N = {n}: {blocks} blocks > 4N+1", s.key);
            assert!(blocks <= 2 * n + c + 1, "{}: N = {n}: {blocks} blocks > 2N+C+1", s.key);
        }
    }
    let n = data.spec.n;
    for s in data.by_length.iter().filter(|s| s.measured) {
        for &(len, blocks) in &s.points {
            assert!(blocks <= 2 * n + c + 1 && blocks <= 4 * n + 1, "{}: length {len}: {blocks} blocks", s.key);
        }
    }
    let paper: Vec<usize> = data.by_n.iter().find(|s| s.key == "paper").unwrap().points.iter().map(|p| p.1).collect();
    assert_eq!(paper, data.spec.ns.iter().map(|n| 4 * n + 1).collect::<Vec<_>>());
}

#[test]
fn sequence_length_alone_does_not_change_the_block_count() {
    let (data, _) = complexity();
    // the same sequences made longer: exactly the same number of blocks at every length
    let cycled = data.by_length.iter().find(|s| s.key == "ours-cycled").unwrap();
    let first = cycled.points[0].1;
    assert!(cycled.points.iter().all(|p| p.1 == first), "{:?}", cycled.points);
    assert_eq!(cycled.points.last().unwrap().0, 200);
    // fresh data of each length: bounded by a function of N alone, and no growth with length
    let bound = 2 * data.spec.n + data.collapse_layers + 1;
    for key in ["ours-unshared", "ours-shared"] {
        let s = data.by_length.iter().find(|s| s.key == key).unwrap();
        let max = s.points.iter().map(|p| p.1).max().unwrap();
        let min = s.points.iter().map(|p| p.1).min().unwrap();
        assert!(max <= bound, "{key}: {max} > {bound}");
        assert!(max - min <= data.spec.n / 2, "{key}: varies from {min} to {max}: {:?}", s.points);
    }
}

// ------------------------------------------------------------------------------------
// Interpolation: the stage figure with targets, and the depth-width chart
// ------------------------------------------------------------------------------------

#[test]
fn interpolation_stage_figure_has_the_targets_and_ends_on_them() {
    use hardmax::figures::{interpolation_stage_figure, INTERPOLATION_PANELS};
    use hardmax::verify::verify_targets;
    let data = presets::paths();
    let t = compile(&data, &Options::default()).unwrap().transformer;
    let scene: Scene<f64> = Scene::new(&data, &t, &Budget::EVERYTHING, Keep::StagePanels).unwrap();
    let check = verify_targets(&t, &data).unwrap();
    let svg = interpolation_stage_figure(&scene, &check).unwrap();
    let root = parse_xml(&svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}"));
    let ps = panels(&root);
    let stages: Vec<&str> = ps.iter().map(|p| p.attr("data-stage").unwrap()).collect();
    assert_eq!(stages, INTERPOLATION_PANELS.to_vec());
    let colors = class_colors(&scene.classes);
    for p in &ps {
        let stage = p.attr("data-stage").unwrap();
        assert_eq!(p.with_class("token").len(), data.total_tokens(), "{stage}: one marker per token");
        let targets = p.with_class("target");
        assert_eq!(targets.len(), data.sum_m(), "{stage}: one diamond per read token");
        for d in &targets {
            let s: usize = d.attr("data-seq").unwrap().parse().unwrap();
            let (r, g, b) = colors[s];
            assert_eq!(d.attr("stroke").unwrap().to_lowercase(), format!("#{r:02x}{g:02x}{b:02x}"), "{stage}: its sequence's colour");
        }
        assert!(p.with_class("anchor").is_empty(), "{stage}: interpolation has no anchors");
    }
    // the final panel: no dashes left (every read token is on its target); earlier ones have some
    assert!(ps[4].with_class("target-line").is_empty());
    assert!(!ps[0].with_class("target-line").is_empty());
    let last = ps[4].with_class("caption").iter().map(|c| c.all_text()).collect::<Vec<_>>().join(" ");
    assert!(last.contains(&format!("{}/{} read tokens on target", check.total, check.total)), "{last}");
    let title = root.with_class("title").iter().map(|c| c.all_text()).collect::<String>();
    assert!(title.contains(&format!("2Σm+2N+1 = {}", 2 * data.sum_m() + 2 * data.len() + 1)), "{title}");
    assert!(title.contains(&format!("{} blocks", t.blocks.len())), "{title}");
    // the legend's key for the targets is a hollow diamond (as drawn), not an anchor's ring
    let legend = root.descendants().into_iter().find(|e| e.name == "g" && e.has_class("legend")).expect("the legend");
    let says_diamond = legend.descendants().iter().any(|e| e.all_text().contains("diamond: a target"));
    assert!(says_diamond, "the legend names the diamonds");
    let diamonds: Vec<&El> = legend
        .descendants()
        .into_iter()
        .filter(|e| e.name == "polyline" && e.attr("points").is_some_and(is_diamond))
        .collect();
    assert_eq!(diamonds.len(), 1, "one diamond key in the legend");
    let ring = legend.descendants().into_iter().any(|e| e.name == "circle" && e.attr("r") == Some("9"));
    assert!(!ring, "no anchor ring in an interpolation legend");
}

/// Whether polyline points "x,y x,y ..." close a diamond: four corners around one centre, up,
/// right, down, left, and back to the first.
fn is_diamond(points: &str) -> bool {
    let p: Vec<(i64, i64)> = points
        .split_whitespace()
        .filter_map(|xy| xy.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?))))
        .collect();
    p.len() == 5 && p[0] == p[4] && p[0].0 == p[2].0 && p[1].1 == p[3].1 && p[1].0 - p[0].0 == p[0].0 - p[3].0 && p[2].1 - p[1].1 == p[1].1 - p[0].1 && p[1].0 > p[0].0
}

#[test]
fn depth_width_chart_has_one_point_per_width_and_task_matching_compile() {
    use hardmax::bench::{depth_width_data, with_targets, DepthWidthSpec};
    use hardmax::figures::depth_width_figure;
    // a smaller spec than the CLI's, same code path
    let spec = DepthWidthSpec { widths: vec![6, 9, 12, 24, 48, 96], n: 16, len: 5, d: 3, seed: 4, hub_n: 60 };
    let dw = depth_width_data(&spec, &Options::default()).unwrap();
    let svg = depth_width_figure(&dw).unwrap();
    let root = parse_xml(&svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}"));
    let chart = root.descendants().into_iter().find(|e| e.attr("data-chart") == Some("depth-width")).expect("the chart");
    let labeled = hardmax::bench::generate(spec.n, spec.len, spec.d, true, spec.seed).unwrap();
    let targets = with_targets(&labeled, spec.seed).unwrap();
    assert_eq!(targets.sum_m(), dw.sum_m);
    for (key, data) in [("classify", &labeled), ("interpolate", &targets)] {
        let points = series_points(chart, key);
        assert_eq!(points.len(), spec.widths.len(), "{key}: one point per width");
        let mut previous = usize::MAX;
        for (&(w, blocks), &want_w) in points.iter().zip(&spec.widths) {
            assert_eq!(w, want_w);
            let want = compile(data, &Options { max_width: w, ..Options::default() }).unwrap().transformer.blocks.len();
            assert_eq!(blocks, want, "{key} at width {w}: the chart's count is compile()'s");
            assert!(blocks <= previous, "{key}: a wider cap never needs more blocks");
            previous = blocks;
        }
    }
    // the hub family: every model exact, and several jumps per separate block at width 96
    // take fewer blocks than one per block at width 6
    let hub = hardmax::bench::generate_hub(spec.hub_n, spec.d, spec.seed).unwrap();
    let points = series_points(chart, "hub");
    assert_eq!(points.len(), spec.widths.len(), "hub: one point per width");
    for (&(w, blocks), &want_w) in points.iter().zip(&spec.widths) {
        assert_eq!(w, want_w);
        let built = compile(&hub, &Options { max_width: w, ..Options::default() }).unwrap();
        assert_eq!(blocks, built.transformer.blocks.len(), "hub at width {w}: the chart's count is compile()'s");
        let v = hardmax::verify::verify(&built.transformer, &hub);
        assert_eq!(v.correct, v.total, "hub at width {w}: exact");
    }
    let at = |w: usize| points.iter().find(|p| p.0 == w).expect("measured").1;
    assert!(at(96) < at(6), "hub: {} blocks at width 96, {} at width 6", at(96), at(6));
    assert_eq!(dw.paper_classify, 4 * spec.n + 1);
    assert_eq!(dw.paper_interpolate, 2 * dw.sum_m + 2 * spec.n + 1);
    // the table has a row per width and the paper's row
    assert_eq!(dw.table().lines().count(), 1 + spec.widths.len() + 1);
}
