//! A model ready to show: a dataset, the transformer built from it, its report, its
//! [`Scene`] and the held-out data last run through it. The wasm facade wraps one
//! [`Session`] and only converts what it returns (f32 is the page's precision: the scene
//! is a `Scene<f32>`); everything here runs natively and is tested natively.
//!
//! ```
//! use hardmax::{construct::Options, presets, session::Session};
//! let mut clock = 0.0;
//! let s = Session::new(presets::shared(), &Options::default(), &mut || { clock += 1.0; clock }).unwrap();
//! assert_eq!(s.report().correct, s.report().total);
//! assert_eq!(s.report().construct_ms, 1.0);
//! // layer 1 is the normalize block's feed-forward layer: nobody attends there
//! assert!(s.attention(1).unwrap().leader.iter().all(|&l| l == -1));
//! assert!(s.layer(0).is_err());
//! ```

use crate::construct::Options;
use crate::dataset::packed::{self, Packed};
use crate::dataset::{parse, Dataset, Format, Task};
use crate::error::{Error, Result};
use crate::figures::{palette, state_svg};
use crate::heldout::{self, HeldOut, Probe};
use crate::model::Transformer;
use crate::presets;
use crate::scene::{Budget, Keep, LayerInfo, Moves, Scene, SoftmaxRun};
use crate::verify::{build_and_check, Report};
use serde::Serialize;
use std::collections::BTreeMap;

/// A constructed and verified transformer with its scene (see the module docs).
pub struct Session {
    data: Dataset,
    transformer: Transformer,
    report: Report,
    scene: Scene<f32>,
    /// the sequences of the last held-out run, for [`Session::held_out_positions`]
    held_out: Vec<Probe>,
    /// milliseconds spent drawing the scene (after construction and the check)
    scene_ms: f64,
}

/// What every drawn token attended to in one layer, as the page reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionArrays {
    /// drawn index of the attended token; -1 for every token of a layer that is not attention
    pub leader: Vec<i32>,
    /// score margin (+inf when all tie); NaN for a layer that is not attention
    pub margin: Vec<f32>,
}

/// A scene kept as moves (see [`crate::scene::Moves`]), as the page reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveArrays {
    /// layers + 1 offsets into `token`
    pub start: Vec<u32>,
    /// drawn index of each moved token
    pub token: Vec<u32>,
    /// where each moved token lands, two numbers per move
    pub at: Vec<f32>,
    /// xmin, ymin, xmax, ymax of the drawn tokens at every state, four numbers per state
    pub extents: Vec<f64>,
}

impl MoveArrays {
    pub fn of(m: &Moves<f32>) -> MoveArrays {
        MoveArrays {
            start: m.start.iter().map(|&s| s as u32).collect(),
            token: m.token.clone(),
            at: m.at.clone(),
            extents: m.extents.iter().flatten().copied().collect(),
        }
    }
}

/// Every target, sequence by sequence, as the page reads them (empty for classification).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetArrays {
    /// the sequence of each target
    pub seq: Vec<u32>,
    /// drawn index of the read token that must land on it; -1 when its sequence is not drawn
    pub token: Vec<i32>,
    /// view coordinates, two per target
    pub at: Vec<f32>,
}

impl Session {
    /// Constructs, checks (labels or targets, as the data ask) and draws the page's scene.
    /// `clock` reads milliseconds for the report's timings.
    pub fn new(data: Dataset, opts: &Options, clock: &mut dyn FnMut() -> f64) -> Result<Session> {
        let checked = build_and_check(&data, opts, clock)?;
        let report = checked.report(&data);
        let transformer = checked.built.transformer;
        let t0 = clock();
        let scene = Scene::new(&data, &transformer, &Budget::PAGE, Keep::page(&data, &transformer))?;
        let scene_ms = clock() - t0;
        Ok(Session { data, transformer, report, scene, held_out: Vec::new(), scene_ms })
    }

    /// A built-in example by name and seed (see [`presets::preset`]).
    pub fn from_preset(name: &str, seed: u64, opts: &Options, clock: &mut dyn FnMut() -> f64) -> Result<Session> {
        Session::new(presets::preset(name, seed)?, opts, clock)
    }

    /// A dataset from file text in the named format ("json", "csv" or "ts").
    pub fn from_text(text: &str, format: &str, opts: &Options, clock: &mut dyn FnMut() -> f64) -> Result<Session> {
        Session::new(parse(text, Format::from_name(format)?)?, opts, clock)
    }

    /// A classification dataset given as flat arrays (see [`packed`]), checked as a file is.
    pub fn from_packed(p: &Packed, opts: &Options, clock: &mut dyn FnMut() -> f64) -> Result<Session> {
        Session::new(packed::read(p)?, opts, clock)
    }

    /// Milliseconds the scene took to draw (after construction and the check).
    pub fn scene_ms(&self) -> f64 {
        self.scene_ms
    }

    pub fn data(&self) -> &Dataset {
        &self.data
    }

    pub fn transformer(&self) -> &Transformer {
        &self.transformer
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn scene(&self) -> &Scene<f32> {
        &self.scene
    }

    /// Layer k (1..=L), or a named error.
    pub fn layer(&self, k: usize) -> Result<&LayerInfo> {
        self.scene.layer(k).ok_or_else(|| Error::OutOfRange {
            what: "layer",
            index: k,
            range: format!("1..={}", self.scene.layer_count()),
        })
    }

    /// Every layer (1..=L) and every sequence of the scene as JSON text, `{layers, sequences}`,
    /// the objects [`Session::layer`] and the scene give one by one: a big model is read out
    /// in one piece. None when some number is not finite (JSON has no such numbers).
    pub fn outline_json(&self) -> Option<String> {
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let tents = self.scene.layers.iter().flat_map(|l| &l.tents);
        if !tents.into_iter().all(|t| finite(&t.center) && finite(&t.normal) && finite(&t.shift) && t.half_width.is_finite()) {
            return None;
        }
        #[derive(Serialize)]
        struct Outline<'a> {
            layers: &'a [LayerInfo],
            sequences: &'a [crate::scene::SequenceInfo],
        }
        serde_json::to_string(&Outline { layers: &self.scene.layers, sequences: &self.scene.sequences }).ok()
    }

    /// Leaders and margins of layer k (see [`AttentionArrays`]).
    pub fn attention(&self, k: usize) -> Result<AttentionArrays> {
        self.layer(k)?;
        let n = self.scene.drawn.len();
        Ok(match self.scene.attention_at(&self.data, &self.transformer, k).as_deref() {
            Some(a) => AttentionArrays { leader: a.leader.iter().map(|&l| l as i32).collect(), margin: a.margin.clone() },
            None => AttentionArrays { leader: vec![-1; n], margin: vec![f32::NAN; n] },
        })
    }

    /// The sequence of each drawn token.
    pub fn token_seq(&self) -> Vec<u32> {
        self.scene.drawn.iter().map(|d| d.0).collect()
    }

    /// The index of each drawn token within its sequence.
    pub fn token_index(&self) -> Vec<u32> {
        self.scene.drawn.iter().map(|d| d.1).collect()
    }

    /// Class anchors in the view, two numbers per class.
    pub fn anchors(&self) -> Vec<f32> {
        self.scene.anchors.iter().flat_map(|a| a.map(|x| x as f32)).collect()
    }

    /// The full-dimensional position of drawn token `i` at `state` (0..=L).
    pub fn token_position(&self, state: usize, i: usize) -> Result<Vec<f64>> {
        let layers = self.scene.layer_count();
        if state > layers {
            return Err(Error::OutOfRange { what: "state", index: state, range: format!("0..={layers}") });
        }
        self.scene.token_position(&self.data, &self.transformer, state, i).ok_or_else(|| Error::OutOfRange {
            what: "drawn token",
            index: i,
            range: format!("0..{}", self.scene.drawn.len()),
        })
    }

    /// The same weights with softmax attention (see [`Scene::softmax`]).
    pub fn softmax(&self, beta: f64) -> Result<SoftmaxRun<f32>> {
        self.scene.softmax(&self.data, &self.transformer, beta)
    }

    /// The moves of a scene kept as moves (see [`MoveArrays`]); None when every state is kept.
    pub fn moves(&self) -> Option<MoveArrays> {
        self.scene.moves().map(MoveArrays::of)
    }

    /// Every target in the view, with its read token (see [`TargetArrays`]).
    pub fn targets(&self) -> TargetArrays {
        let t = &self.scene.targets;
        TargetArrays {
            seq: t.iter().map(|x| x.seq).collect(),
            token: t.iter().map(|x| x.drawn.map_or(-1, |d| d as i32)).collect(),
            at: t.iter().flat_map(|x| x.at.map(|v| v as f32)).collect(),
        }
    }

    /// An SVG picture of one state (see [`state_svg`]).
    pub fn svg(&self, state: usize, width: u32, height: u32) -> Result<String> {
        state_svg(&self.scene, state, width, height)
    }

    /// Runs held-out sequences (see [`heldout::run`]) and keeps them for
    /// [`Session::held_out_positions`].
    pub fn test(&mut self, probes: Vec<Probe>) -> Result<HeldOut> {
        let result = heldout::run(&self.transformer, &probes)?;
        self.held_out = probes;
        Ok(result)
    }

    /// Held-out data from file text in the named format ("json", labels optional; "csv"; "ts").
    pub fn test_text(&mut self, text: &str, format: &str) -> Result<HeldOut> {
        self.test(heldout::parse_probes(text, Format::from_name(format)?)?)
    }

    /// The built-in held-out set of a preset (see [`presets::held_out`]).
    pub fn test_preset(&mut self, name: &str, seed: u64) -> Result<HeldOut> {
        self.test(heldout::probes(&presets::held_out(name, seed)?))
    }

    /// One unlabeled sequence given as rows of numbers (a sequence drawn by hand).
    pub fn test_tokens(&mut self, name: &str, tokens: Vec<Vec<f64>>) -> Result<HeldOut> {
        self.test(vec![heldout::probe_of(name, tokens, None)?])
    }

    /// Held-out sequence i of the last run in the training view at every state, as
    /// [`heldout::positions`].
    pub fn held_out_positions(&self, i: usize) -> Result<Vec<f32>> {
        let probe = self.held_out.get(i).ok_or_else(|| Error::OutOfRange {
            what: "held-out sequence",
            index: i,
            range: format!("0..{}", self.held_out.len()),
        })?;
        Ok(heldout::positions(&self.transformer, &probe.tokens)?.iter().map(|&x| x as f32).collect())
    }

    /// beta* and the accuracy curve over `[lo, hi]` (see [`crate::softmax::overview`]).
    pub fn softmax_threshold(&self, lo: f64, hi: f64) -> Result<crate::softmax::Overview> {
        self.classification_only("the softmax threshold")?;
        crate::softmax::overview(&self.transformer, &self.data, lo, hi)
    }

    /// The certificate of `hardmax verify --certify` (see [`crate::certify::certify`]).
    pub fn certify(&self) -> Result<crate::certify::Certificate> {
        self.classification_only("the certificate")?;
        Ok(crate::certify::certify(&self.transformer, &self.data))
    }

    fn classification_only(&self, what: &'static str) -> Result<()> {
        match self.transformer.task {
            Task::Classify => Ok(()),
            Task::Interpolate => Err(Error::ClassificationOnly { what }),
        }
    }
}

/// The color of each class name as "#rrggbb", as the figures and the page pick them.
pub fn class_colors(classes: &[String]) -> Vec<String> {
    palette::class_colors(classes).into_iter().map(palette::hex).collect()
}

/// A class's color and marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub color: String,
    pub shape: &'static str,
}

/// An inclusive range of a number the page lets one choose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    pub min: u64,
    pub max: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub collapse_layers: Limit,
    pub seed: Limit,
    /// hidden neurons per feed-forward layer (`Options::max_width`)
    pub max_width: Limit,
}

/// What the page and the engine must agree on (the facade's `sharedConstants()`); colors
/// are "#rrggbb" (lower case).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shared {
    /// class k takes shape k and, unless its name is a color, the next free color (cycled)
    pub palette: Vec<Mark>,
    pub named_colors: BTreeMap<&'static str, String>,
    pub direction_colors: BTreeMap<&'static str, String>,
    pub presets: Vec<&'static str>,
    pub limits: Limits,
}

/// The one table of [`Shared`] constants.
pub fn shared_constants() -> Shared {
    let hex = palette::hex;
    let (layers, widths) = (Options::COLLAPSE_LAYERS, Options::MAX_WIDTH);
    Shared {
        palette: palette::CLASS_COLORS.iter().zip(palette::SHAPES).map(|(&c, shape)| Mark { color: hex(c), shape }).collect(),
        named_colors: palette::NAMED_COLORS.iter().map(|&(n, c)| (n, hex(c))).collect(),
        direction_colors: palette::DIRECTION_COLORS.iter().map(|&(k, c)| (k, hex(c))).collect(),
        presets: presets::all_names(),
        limits: Limits {
            collapse_layers: Limit { min: *layers.start() as u64, max: *layers.end() as u64 },
            seed: Limit { min: 0, max: presets::SEED_MAX },
            max_width: Limit { min: *widths.start() as u64, max: *widths.end() as u64 },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: &str) -> Session {
        Session::new(presets::preset(name, 0).unwrap(), &Options::default(), &mut || 0.0).unwrap()
    }

    #[test]
    fn a_packed_dataset_builds_the_session_its_json_builds() {
        let text = r#"{"sequences": [{"tokens": [[0, 0], [1, 2]], "label": "a"}, {"tokens": [[1, 2], [3, 1]], "label": "b", "name": "<b>"}, {"tokens": [[4, 4]], "label": "a"}]}"#;
        let t = Session::from_text(text, "json", &Options::default(), &mut || 0.0).unwrap();
        let (labels, names) = (["a", "b", "a"].map(String::from), [None, Some("<b>".to_string()), None]);
        let values = [0.0, 0.0, 1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 4.0, 4.0];
        let p = Packed { values: &values, lengths: &[2, 2, 1], dims: &[2, 2, 2], labels: &labels, names: &names };
        let s = Session::from_packed(&p, &Options::default(), &mut || 0.0).unwrap();
        assert_eq!(s.data(), t.data());
        assert_eq!(s.scene().positions(), t.scene().positions());
        assert_eq!((s.report().correct, s.report().total), (3, 3));
        let bad = Packed { values: &values[..9], ..p };
        let msg = Session::from_packed(&bad, &Options::default(), &mut || 0.0).err().unwrap().to_string();
        assert_eq!(msg, "packed dataset: the lengths and dimensions call for 10 values, 9 were given");
    }

    #[test]
    fn the_outline_is_every_layer_and_sequence() {
        let s = session("shared");
        let v: serde_json::Value = serde_json::from_str(&s.outline_json().unwrap()).unwrap();
        let layers = v["layers"].as_array().unwrap();
        assert_eq!(layers.len(), s.scene().layer_count());
        for (k, l) in layers.iter().enumerate() {
            assert_eq!(*l, serde_json::to_value(s.layer(k + 1).unwrap()).unwrap());
        }
        assert_eq!(v["sequences"], serde_json::to_value(&s.scene().sequences).unwrap());
    }

    #[test]
    fn attention_arrays_match_the_scene_leaders() {
        let s = session("shared");
        let n = s.scene().drawn.len();
        let mut attention_layers = 0;
        for k in 1..=s.scene().layer_count() {
            let a = s.attention(k).unwrap();
            assert_eq!((a.leader.len(), a.margin.len()), (n, n));
            match s.scene().attention(k) {
                Some(want) => {
                    attention_layers += 1;
                    assert!(a.leader.iter().zip(&want.leader).all(|(&l, &w)| l == w as i32));
                    assert!(a.margin.iter().all(|m| *m > 0.0));
                }
                None => assert!(a.leader.iter().all(|&l| l == -1) && a.margin.iter().all(|m| m.is_nan())),
            }
        }
        assert!(attention_layers > 0);
        let last = s.scene().layer_count() + 1;
        assert_eq!(s.attention(last).unwrap_err().to_string(), format!("layer {last} is outside 1..={}", last - 1));
    }

    #[test]
    fn ranges_are_named_errors() {
        let mut s = session("shared");
        let layers = s.scene().layer_count();
        assert_eq!(s.token_position(layers + 1, 0).unwrap_err().to_string(), format!("state {} is outside 0..={layers}", layers + 1));
        let t = s.scene().drawn.len();
        assert_eq!(s.token_position(0, t).unwrap_err().to_string(), format!("drawn token {t} is outside 0..{t}"));
        assert_eq!(s.held_out_positions(0).unwrap_err().to_string(), "held-out sequence 0 is outside 0..0");
        let probes = heldout::probes(&presets::held_out("shared", 0).unwrap());
        let n = probes.len();
        s.test(probes).unwrap();
        assert_eq!(s.held_out_positions(n - 1).unwrap().len() % 2, 0);
        assert!(s.held_out_positions(n).is_err());
    }

    #[test]
    fn an_interpolation_session_refuses_classification_only_parts_by_name() {
        let s = session("paths");
        assert_eq!(s.report().task, Task::Interpolate);
        assert_eq!(s.report().correct, s.report().total);
        let t = s.targets();
        assert_eq!((t.seq.len(), t.token.len(), t.at.len()), (s.report().total, s.report().total, 2 * s.report().total));
        assert!(t.token.iter().all(|&d| d >= 0 && (d as usize) < s.scene().drawn.len()));
        let msg = s.certify().unwrap_err().to_string();
        assert_eq!(msg, "the certificate covers classification models for now; this one interpolates");
        assert!(s.softmax_threshold(1.0, 10.0).is_err());
    }

    #[test]
    fn held_out_runs_read_text_presets_and_tokens() {
        let mut s = session("shared");
        let by_preset = s.test_preset("shared", 0).unwrap();
        let text = crate::dataset::json::write(&presets::held_out("shared", 0).unwrap()).unwrap();
        assert_eq!(s.test_text(&text, "json").unwrap(), by_preset);
        assert_eq!(s.test_text(&text, "yaml").unwrap_err().to_string(), Format::from_name("yaml").unwrap_err().to_string());
        let one = s.test_tokens("drawn", vec![vec![1.0, 4.0], vec![0.5, 0.5]]).unwrap();
        assert_eq!((one.total, one.labeled), (1, 0));
        assert_eq!(s.held_out_positions(0).unwrap().len(), 2 * 2 * (s.scene().layer_count() + 1));
        assert!(s.test_tokens("ragged", vec![vec![1.0, 4.0], vec![0.5]]).is_err());
        assert!(s.test_preset("no-such-preset", 0).is_err());
    }

    #[test]
    fn sessions_from_text_and_presets_agree() {
        let s = session("shared");
        let text = crate::dataset::json::write(s.data()).unwrap();
        let t = Session::from_text(&text, "json", &Options::default(), &mut || 0.0).unwrap();
        assert_eq!(t.scene().positions(), s.scene().positions());
        assert!(Session::from_text(&text, "xml", &Options::default(), &mut || 0.0).is_err());
        assert!(Session::from_preset("nope", 0, &Options::default(), &mut || 0.0).is_err());
    }

    #[test]
    fn a_wider_cap_packs_the_splits_of_shared_into_fewer_blocks_and_stays_exact() {
        let at = |w: usize| Session::from_preset("shared", 0, &Options { max_width: w, ..Options::default() }, &mut || 0.0).unwrap();
        let blocks: Vec<usize> = [6, 12, 24, 96].map(|w| at(w).report().blocks).to_vec();
        assert_eq!(blocks, [9, 7, 5, 5]);
        let (narrow, wide) = (at(6), at(24));
        let separate = |s: &Session| s.scene().stages.iter().find(|r| r.stage == crate::model::Stage::Separate).map(|r| (r.last + 1 - r.first) / 2);
        assert_eq!((separate(&narrow), separate(&wide)), (Some(3), Some(1)), "three splits: three blocks at width 6, one at 24");
        for s in [&narrow, &wide] {
            assert_eq!((s.report().splits, s.report().correct), (3, s.report().total));
            assert!(s.report().min_margin > 0.0);
        }
    }

    #[test]
    fn widths_outside_the_limits_are_named_errors() {
        for (w, why) in [(0, "at least 6"), (5, "at least 6"), (1_000_001, "at most 1000000")] {
            let opts = Options { max_width: w, ..Options::default() };
            let msg = Session::from_preset("shared", 0, &opts, &mut || 0.0).err().expect("refused").to_string();
            assert!(msg.starts_with(&format!("invalid option max width: {w} hidden neurons per feed-forward layer")), "{msg}");
            assert!(msg.contains(why), "{msg}");
        }
        let json: Options = serde_json::from_str(r#"{"maxWidth": 24}"#).unwrap();
        assert_eq!(json.max_width, 24, "the page's camelCase key reads too");
    }

    #[test]
    fn move_arrays_flatten_the_scene_moves() {
        let s = session("shared");
        assert!(s.moves().is_none(), "a small preset keeps every state");
        let kept = Scene::<f32>::new(s.data(), s.transformer(), &Budget::PAGE, Keep::Moves { tokens: 1000 }).unwrap();
        let m = kept.moves().unwrap();
        let a = MoveArrays::of(m);
        assert_eq!(a.start, m.start.iter().map(|&x| x as u32).collect::<Vec<_>>());
        assert_eq!(a.start.len(), s.scene().layer_count() + 1);
        assert_eq!((a.token.len() * 2, a.at.len()), (m.at.len(), m.at.len()));
        assert_eq!(a.extents.len(), 4 * m.extents.len());
        assert_eq!(a.extents[4..8], m.extents[1]);
        let colors = class_colors(&["red".to_string(), "a".to_string()]);
        assert_eq!(colors[0], shared_constants().named_colors["red"]);
        assert!(colors.iter().all(|c| c.len() == 7 && c.starts_with('#')));
    }

    #[test]
    fn shared_constants_are_the_palette_and_the_option_limits() {
        let c = shared_constants();
        assert_eq!(c.palette.len(), palette::CLASS_COLORS.len());
        assert_eq!(c.palette[0], Mark { color: "#0072b2".into(), shape: "circle" });
        assert_eq!(c.direction_colors["w"], "#b3002d");
        assert_eq!((c.limits.collapse_layers.min, c.limits.collapse_layers.max), (1, 16));
        assert_eq!((c.limits.max_width.min, c.limits.max_width.max), (6, 1_000_000));
        assert_eq!(c.presets, presets::all_names());
    }
}
