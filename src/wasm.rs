//! The WebAssembly facade: the only file that knows wasm_bindgen and js_sys.
//!
//! A [`Session`] constructs and verifies once, then hands the page everything it draws as
//! typed arrays computed up front (f32 only here, at the boundary). Nothing is called per
//! animation frame. The JS API is documented in the README ("Automation hook" and
//! "Page") and in `notes/facade_api.md`.

use crate::construct::{compile, Labeling, Options};
use crate::dataset::{parse, Dataset, Format, RawDataset};
use crate::figures::{frame_svg, Frame};
use crate::model::{LayerKind, Stage, Transformer};
use crate::presets;
use crate::verify::{verify, Report};
use js_sys::{Float32Array, Float64Array, Int32Array, Uint32Array};
use nalgebra::DVector;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// Most token positions kept for drawing: layers x tokens x 2 floats.
const MAX_TRACE_FLOATS: usize = 24_000_000;

fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    let now = perf.as_ref().and_then(|p| js_sys::Reflect::get(p, &JsValue::from_str("now")).ok());
    match (perf, now.and_then(|f| f.dyn_into::<js_sys::Function>().ok())) {
        (Some(p), Some(f)) => f.call0(&p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsOptions {
    seed: Option<f64>,
    positional: Option<bool>,
    lift: Option<bool>,
    collapse_layers: Option<f64>,
    labeling: Option<String>,
    anchors: Option<String>,
}

fn options(value: JsValue) -> Result<Options, JsError> {
    let js: JsOptions = if value.is_undefined() || value.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("invalid options: {e}")))?
    };
    let mut o = Options::default();
    if let Some(s) = js.seed {
        if !(s.is_finite() && s >= 0.0 && s <= u32::MAX as f64) {
            return Err(JsError::new("invalid option seed: expected a whole number from 0 to 4294967295"));
        }
        o.seed = s as u64;
    }
    o.positional = js.positional.unwrap_or(false);
    o.lift_time = js.lift.unwrap_or(false);
    if let Some(c) = js.collapse_layers {
        if !(c.is_finite() && (1.0..=16.0).contains(&c)) {
            return Err(JsError::new("invalid option collapse layers: expected 1 to 16"));
        }
        o.collapse_layers = c as usize;
    }
    o.labeling = match js.labeling.as_deref() {
        None | Some("runs") => Labeling::Runs,
        Some("points") => Labeling::Points,
        Some(other) => return Err(JsError::new(&format!("invalid option labeling: {other:?} (expected runs or points)"))),
    };
    o.anchors = match js.anchors.as_deref() {
        None | Some("circle") => crate::construct::AnchorPlacement::Circle,
        Some("line") => crate::construct::AnchorPlacement::Line,
        Some(other) => return Err(JsError::new(&format!("invalid option anchors: {other:?} (expected circle or line)"))),
    };
    Ok(o)
}

#[derive(Serialize)]
struct TentView {
    role: &'static str,
    center: [f64; 2],
    normal: [f64; 2],
    #[serde(rename = "halfWidth")]
    half_width: f64,
    shift: [f64; 2],
}

#[derive(Serialize)]
struct LayerView {
    index: usize,
    block: usize,
    kind: &'static str,
    stage: &'static str,
    caption: String,
    tents: Vec<TentView>,
}

#[derive(Serialize)]
struct StageBand {
    stage: &'static str,
    first: usize,
    last: usize,
    description: &'static str,
}

#[derive(Serialize)]
struct SequenceView {
    name: String,
    label: usize,
    length: usize,
}

/// A constructed and verified transformer with its trace, ready to draw.
#[wasm_bindgen]
pub struct Session {
    data: Dataset,
    transformer: Transformer,
    report: Report,
    /// drawn tokens: (sequence, token index)
    drawn: Vec<(u32, u32)>,
    sampled: bool,
    positions: Vec<f32>,
    /// per layer (1-based index - 1): for attention layers, leader (drawn index) and margin
    attention: Vec<Option<(Vec<i32>, Vec<f32>)>>,
    /// full-d positions of drawn tokens, per state (kept only while small)
    full: Option<Vec<Vec<f64>>>,
    tents: Vec<Vec<TentView>>,
}

fn view2(t: &Transformer, x: &DVector<f64>) -> [f64; 2] {
    [t.view[0].dot(x), t.view[1].dot(x)]
}

impl Session {
    fn build(data: Dataset, opts: Options) -> Result<Session, JsError> {
        if data.task() == crate::dataset::Task::Interpolate {
            return Err(JsError::new("this dataset has targets (interpolation); the page shows classification datasets for now — use `hardmax verify` on the command line"));
        }
        let t0 = now_ms();
        let built = compile(&data, &opts).map_err(err)?;
        let t1 = now_ms();
        let v = verify(&built.transformer, &data);
        let t2 = now_ms();
        let report = Report::new(&data, &built.transformer, &built.stats, &v, t1 - t0, t2 - t1);
        let t = built.transformer;
        let states = t.layer_count() + 1;

        // which sequences to draw: all, or an even sample that fits the budget
        let total_tokens = data.total_tokens();
        let budget = (MAX_TRACE_FLOATS / (2 * states)).max(1);
        let sampled = total_tokens > budget;
        let stride = if sampled { (total_tokens + budget - 1) / budget } else { 1 };
        let chosen: Vec<usize> = (0..data.len()).step_by(stride).collect();
        let drawn: Vec<(u32, u32)> = chosen
            .iter()
            .flat_map(|&s| (0..data.sequences()[s].len() as u32).map(move |j| (s as u32, j)))
            .collect();
        let n_drawn = drawn.len();
        let mut positions = vec![0f32; states * n_drawn * 2];
        let mut attention: Vec<Option<(Vec<i32>, Vec<f32>)>> = (0..t.layer_count())
            .map(|k| match t.layer(k + 1) {
                Some((LayerKind::Sa, _)) if !t.blocks[k / 2].sa.is_pointwise() => {
                    Some((vec![-1; n_drawn], vec![f32::NAN; n_drawn]))
                }
                _ => None,
            })
            .collect();
        let keep_full = states * n_drawn * t.dim <= 4_000_000;
        let mut full: Vec<Vec<f64>> = if keep_full { vec![Vec::with_capacity(n_drawn * t.dim); states] } else { vec![] };
        let mut offset = 0usize;
        let mut view_pts: Vec<[f64; 2]> = Vec::new();
        for &s in &chosen {
            let seq = &data.sequences()[s];
            let n = seq.len();
            t.walk(&seq.tokens, |state, cloud, att| {
                // project each distinct point once, then write every token
                view_pts.clear();
                view_pts.extend(cloud.points.column_iter().map(|c| [t.view[0].dot(&c), t.view[1].dot(&c)]));
                for (j, &p) in cloud.token_point.iter().enumerate() {
                    let at = 2 * (state * n_drawn + offset + j);
                    positions[at] = view_pts[p as usize][0] as f32;
                    positions[at + 1] = view_pts[p as usize][1] as f32;
                    if keep_full {
                        full[state].extend(cloud.points.column(p as usize).iter());
                    }
                }
                if let (Some(att), Some(Some((lead, margin)))) = (att, state.checked_sub(1).and_then(|k| attention.get_mut(k))) {
                    for j in 0..n {
                        lead[offset + j] = (offset + att[j].0) as i32;
                        margin[offset + j] = att[j].1 as f32;
                    }
                }
            });
            offset += n;
        }

        // tents in the view: centered on the drawn tokens they catch (at the layer's input)
        let mut tents = Vec::with_capacity(t.layer_count());
        for k in 1..=t.layer_count() {
            let meta = t.layer(k).map(|(_, m)| m);
            let list = meta.map(|m| m.tents.as_slice()).unwrap_or(&[]);
            let mut views = Vec::new();
            for tent in list {
                let gv = view2(&t, &tent.direction);
                let gn = (gv[0] * gv[0] + gv[1] * gv[1]).sqrt();
                let normal = if gn > 1e-12 { [gv[0] / gn, gv[1] / gn] } else { [1.0, 0.0] };
                let mut sum = [0.0, 0.0];
                let mut count = 0.0;
                if keep_full {
                    for i in 0..n_drawn {
                        let x = DVector::from_column_slice(&full[k - 1][i * t.dim..(i + 1) * t.dim]);
                        let z = tent.direction.dot(&x);
                        if z > tent.lo - tent.left && z < tent.hi + tent.right {
                            let p = view2(&t, &x);
                            sum[0] += p[0];
                            sum[1] += p[1];
                            count += 1.0;
                        }
                    }
                }
                let center = if count > 0.0 {
                    [sum[0] / count, sum[1] / count]
                } else {
                    let mid = 0.5 * (tent.lo + tent.hi);
                    view2(&t, &(&tent.direction * mid))
                };
                let half_width = (0.5 * (tent.hi - tent.lo) + tent.left.max(tent.right)) * gn;
                views.push(TentView {
                    role: match tent.role {
                        crate::model::TentRole::JumpOut => "jump-out",
                        crate::model::TentRole::MoveBack => "move-back",
                        crate::model::TentRole::Label => "label",
                        crate::model::TentRole::Place => "place",
                    },
                    center,
                    normal,
                    half_width,
                    shift: view2(&t, &tent.displacement),
                });
            }
            tents.push(views);
        }
        Ok(Session {
            data,
            transformer: t,
            report,
            drawn,
            sampled,
            positions,
            attention,
            full: keep_full.then_some(full),
            tents,
        })
    }
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
}

/// Names of the built-in example datasets.
#[wasm_bindgen(js_name = presetNames)]
pub fn preset_names() -> Result<JsValue, JsError> {
    to_js(&presets::NAMES)
}

#[wasm_bindgen]
impl Session {
    /// A built-in example: "shared", "random", "rings" or "vowels".
    #[wasm_bindgen(js_name = fromPreset)]
    pub fn from_preset(name: &str, seed: u32, options_value: JsValue) -> Result<Session, JsError> {
        let data = presets::preset(name, seed as u64).map_err(err)?;
        Session::build(data, options(options_value)?)
    }

    /// A dataset from file text: format "json", "csv" or "ts".
    #[wasm_bindgen(js_name = fromText)]
    pub fn from_text(text: &str, format: &str, options_value: JsValue) -> Result<Session, JsError> {
        let format = Format::from_name(format).map_err(err)?;
        let data = parse(text, format).map_err(err)?;
        Session::build(data, options(options_value)?)
    }

    /// A dataset object `{sequences: [{tokens, label, name?}]}`.
    #[wasm_bindgen(js_name = fromDataset)]
    pub fn from_dataset(value: JsValue, options_value: JsValue) -> Result<Session, JsError> {
        let json = js_sys::JSON::stringify(&value)
            .map_err(|_| JsError::new("the dataset could not be read as JSON"))?
            .as_string()
            .unwrap_or_default();
        let data = parse(&json, Format::Json).map_err(err)?;
        Session::build(data, options(options_value)?)
    }

    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.report)
    }

    pub fn classes(&self) -> Result<JsValue, JsError> {
        to_js(&self.transformer.classes)
    }

    pub fn sequences(&self) -> Result<JsValue, JsError> {
        let v: Vec<SequenceView> = self
            .data
            .sequences()
            .iter()
            .map(|s| SequenceView { name: s.name.clone(), label: s.label, length: s.len() })
            .collect();
        to_js(&v)
    }

    #[wasm_bindgen(js_name = layerCount)]
    pub fn layer_count(&self) -> usize {
        self.transformer.layer_count()
    }

    pub fn layer(&self, k: usize) -> Result<JsValue, JsError> {
        let (kind, meta) = self
            .transformer
            .layer(k)
            .ok_or_else(|| JsError::new(&format!("layer {k} is outside 1..={}", self.layer_count())))?;
        let v = LayerView {
            index: k,
            block: (k + 1) / 2,
            kind: if kind == LayerKind::Ff { "ff" } else { "sa" },
            stage: meta.stage.name(),
            caption: meta.caption.clone(),
            tents: self.tents[k - 1]
                .iter()
                .map(|t| TentView { role: t.role, center: t.center, normal: t.normal, half_width: t.half_width, shift: t.shift })
                .collect(),
        };
        to_js(&v)
    }

    pub fn stages(&self) -> Result<JsValue, JsError> {
        let mut bands: Vec<StageBand> = Vec::new();
        for k in 1..=self.layer_count() {
            let stage = self.transformer.layer(k).map(|(_, m)| m.stage).unwrap_or(Stage::Snap);
            match bands.last_mut() {
                Some(b) if b.stage == stage.name() => b.last = k,
                _ => bands.push(StageBand { stage: stage.name(), first: k, last: k, description: stage.description() }),
            }
        }
        to_js(&bands)
    }

    #[wasm_bindgen(js_name = tokenCount)]
    pub fn token_count(&self) -> usize {
        self.drawn.len()
    }

    #[wasm_bindgen(js_name = tokenSeq)]
    pub fn token_seq(&self) -> Uint32Array {
        let v: Vec<u32> = self.drawn.iter().map(|d| d.0).collect();
        Uint32Array::from(v.as_slice())
    }

    #[wasm_bindgen(js_name = tokenIndex)]
    pub fn token_index(&self) -> Uint32Array {
        let v: Vec<u32> = self.drawn.iter().map(|d| d.1).collect();
        Uint32Array::from(v.as_slice())
    }

    pub fn sampled(&self) -> bool {
        self.sampled
    }

    pub fn positions(&self) -> Float32Array {
        Float32Array::from(self.positions.as_slice())
    }

    pub fn attention(&self, k: usize) -> Result<JsValue, JsError> {
        let n = self.drawn.len();
        let (lead, margin) = match self.attention.get(k.wrapping_sub(1)) {
            Some(Some((l, m))) => (Int32Array::from(l.as_slice()), Float32Array::from(m.as_slice())),
            Some(None) => (Int32Array::from(vec![-1; n].as_slice()), Float32Array::from(vec![f32::NAN; n].as_slice())),
            None => return Err(JsError::new(&format!("layer {k} is outside 1..={}", self.layer_count()))),
        };
        let obj = js_sys::Object::new();
        js_sys::Reflect::set(&obj, &"leader".into(), &lead).map_err(|_| JsError::new("attention"))?;
        js_sys::Reflect::set(&obj, &"margin".into(), &margin).map_err(|_| JsError::new("attention"))?;
        Ok(obj.into())
    }

    pub fn directions(&self) -> Result<JsValue, JsError> {
        let t = &self.transformer;
        let unit = |v: &DVector<f64>| {
            let p = view2(t, v);
            let n = (p[0] * p[0] + p[1] * p[1]).sqrt().max(1e-12);
            [p[0] / n, p[1] / n]
        };
        #[derive(Serialize)]
        struct Dirs {
            w: [f64; 2],
            c: [f64; 2],
            u: Option<[f64; 2]>,
            e: Option<[f64; 2]>,
            origin: [f64; 2],
        }
        let d = &t.directions;
        // origin: the center of the anchors (the middle of the picture late on)
        let mut o = [0.0, 0.0];
        for a in &t.anchors {
            let p = view2(t, a);
            o[0] += p[0] / t.anchors.len() as f64;
            o[1] += p[1] / t.anchors.len() as f64;
        }
        to_js(&Dirs { w: unit(&d.w), c: unit(&d.c), u: d.u.as_ref().map(unit), e: d.e.as_ref().map(unit), origin: o })
    }

    pub fn anchors(&self) -> Float32Array {
        let v: Vec<f32> = self
            .transformer
            .anchors
            .iter()
            .flat_map(|a| view2(&self.transformer, a).map(|x| x as f32))
            .collect();
        Float32Array::from(v.as_slice())
    }

    pub fn view(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct View {
            dim: usize,
            explained: Option<[f64; 2]>,
        }
        let t = &self.transformer;
        let explained = if t.dim > 2 { Some(explained(&self.data, t)) } else { None };
        to_js(&View { dim: t.dim, explained })
    }

    /// Full-dimensional position of drawn token i at a state.
    #[wasm_bindgen(js_name = tokenPosition)]
    pub fn token_position(&self, state: usize, i: usize) -> Result<Float64Array, JsError> {
        let d = self.transformer.dim;
        if state > self.layer_count() || i >= self.drawn.len() {
            return Err(JsError::new("token or state out of range"));
        }
        if let Some(full) = &self.full {
            return Ok(Float64Array::from(&full[state][i * d..(i + 1) * d]));
        }
        let (s, j) = self.drawn[i];
        let trace = self.transformer.trace(&self.data.sequences()[s as usize].tokens);
        Ok(Float64Array::from(trace[state].tokens.column(j as usize).as_slice()))
    }

    /// The same weights with softmax attention of inverse temperature beta.
    pub fn softmax(&self, beta: f64) -> Result<JsValue, JsError> {
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(JsError::new("beta must be a finite number >= 0"));
        }
        let t = &self.transformer;
        let states = t.layer_count() + 1;
        let n_drawn = self.drawn.len();
        let mut positions = vec![0f32; states * n_drawn * 2];
        let mut correct = 0usize;
        let mut offset = 0usize;
        let mut drawn_seqs: Vec<u32> = self.drawn.iter().map(|d| d.0).collect();
        drawn_seqs.dedup();
        let mut next_drawn = drawn_seqs.iter().peekable();
        for (s, seq) in self.data.sequences().iter().enumerate() {
            let steps = t.trace_softmax(&seq.tokens, beta);
            let last = steps.last().expect("a trace has at least the input");
            let mean = last.column_mean();
            if t.nearest_anchor(&mean).0 == seq.label {
                correct += 1;
            }
            if next_drawn.peek().map(|&&d| d as usize) == Some(s) {
                next_drawn.next();
                let n = seq.len();
                for (state, step) in steps.iter().enumerate() {
                    for j in 0..n {
                        let p = view2(t, &step.column(j).into_owned());
                        let at = 2 * (state * n_drawn + offset + j);
                        positions[at] = p[0] as f32;
                        positions[at + 1] = p[1] as f32;
                    }
                }
                offset += n;
            }
        }
        let obj = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&obj, &k.into(), v).map_err(|_| JsError::new("softmax"));
        set("correct", &JsValue::from(correct as u32))?;
        set("total", &JsValue::from(self.data.len() as u32))?;
        set("beta", &JsValue::from(beta))?;
        set("positions", &Float32Array::from(positions.as_slice()))?;
        Ok(obj.into())
    }

    #[wasm_bindgen(js_name = datasetJson)]
    pub fn dataset_json(&self) -> Result<String, JsError> {
        let raw: RawDataset = self.data.to_raw();
        #[derive(Serialize)]
        struct Seq<'a> {
            name: &'a str,
            label: &'a str,
            tokens: &'a [Vec<f64>],
        }
        #[derive(Serialize)]
        struct Out<'a> {
            sequences: Vec<Seq<'a>>,
        }
        let out = Out {
            sequences: raw
                .sequences
                .iter()
                .map(|s| Seq { name: &s.name, label: &s.label, tokens: &s.tokens })
                .collect(),
        };
        serde_json::to_string_pretty(&out).map_err(err)
    }

    #[wasm_bindgen(js_name = modelJson)]
    pub fn model_json(&self) -> Result<String, JsError> {
        crate::model_file::to_json(&self.transformer).map_err(err)
    }

    /// An SVG picture of one state, rendered with plotters.
    pub fn svg(&self, state: usize, width: u32, height: u32) -> Result<String, JsError> {
        if state > self.layer_count() {
            return Err(JsError::new("state out of range"));
        }
        let n = self.drawn.len();
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let at = 2 * (state * n + i);
                (self.positions[at] as f64, self.positions[at + 1] as f64)
            })
            .collect();
        let seqs: Vec<usize> = self.drawn.iter().map(|d| d.0 as usize).collect();
        let class: Vec<usize> = seqs.iter().map(|&s| self.data.sequences()[s].label).collect();
        let anchors: Vec<(f64, f64)> =
            self.transformer.anchors.iter().map(|a| { let p = view2(&self.transformer, a); (p[0], p[1]) }).collect();
        let title = if state == 0 {
            "input".to_string()
        } else {
            self.transformer.layer(state).map(|(_, m)| m.caption.clone()).unwrap_or_default()
        };
        let frame = Frame {
            points: &pts,
            class: &class,
            sequence: &seqs,
            anchors: &anchors,
            class_names: &self.transformer.classes,
            title: &title,
        };
        frame_svg(&frame, width.clamp(100, 4000), height.clamp(100, 4000)).map_err(|e| JsError::new(&e))
    }
}

/// Explained-variance fractions of the two view axes over the normalized input.
fn explained(data: &Dataset, t: &Transformer) -> [f64; 2] {
    let d = t.dim;
    let mut mean = DVector::zeros(d);
    let mut n = 0.0;
    for s in data.sequences() {
        let x = t.input.apply(&s.tokens);
        for c in x.column_iter() {
            mean += c;
            n += 1.0;
        }
    }
    mean /= f64::max(n, 1.0);
    let (mut total, mut a, mut b) = (0.0, 0.0, 0.0);
    for s in data.sequences() {
        let x = t.input.apply(&s.tokens);
        for c in x.column_iter() {
            let v = c - &mean;
            total += v.norm_squared();
            a += t.view[0].dot(&v).powi(2);
            b += t.view[1].dot(&v).powi(2);
        }
    }
    if total > 0.0 {
        [a / total, b / total]
    } else {
        [0.0, 0.0]
    }
}
