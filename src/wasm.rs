//! The WebAssembly facade: the only file that knows wasm_bindgen and js_sys. Bindings only:
//! options come in through serde as the core [`Options`] (checked once, by
//! [`Options::check`]), a [`Session`] wraps the core [`session::Session`] (construct,
//! verify, scene, held-out data), and every method converts what the core returns: typed
//! arrays (f32 only here, at the boundary) and serialized objects. Nothing is called per
//! animation frame.
//!
//! ```text
//! import init, { Session, presetNames, sharedConstants, classOrder, classColors } from './pkg/hardmax.js';
//! Session.fromPreset(name, seed, options) | Session.fromText(text, "json"|"csv"|"ts", options)
//!   | Session.fromDataset({sequences: [{tokens, label, name?}]}, options)      (throw Error with a message)
//! options: {seed, positional, lift, collapse_layers (or collapseLayers), labeling: "runs"|"points",
//!           anchors: "circle"|"line", split_choice: "greedy"|"first-found"}; all optional
//! ```
//!
//! States are 0..=L (state 0 the encoded input, state k the output of layer k); drawn tokens
//! are indexed 0..T, sequence by sequence. Each method below says what it returns.

use crate::construct::Options;
use crate::dataset::{class_order, json, parse, Dataset, Format};
use crate::figures::palette;
use crate::heldout::{self, Probe};
use crate::presets;
use crate::session;
use js_sys::{Float32Array, Float64Array, Int32Array, Object, Reflect, Uint32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Milliseconds of the page's clock (`performance.now()`, or `Date.now()` without one).
fn now_ms() -> f64 {
    let perf = Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    let now = perf.as_ref().and_then(|p| Reflect::get(p, &JsValue::from_str("now")).ok());
    match (perf, now.and_then(|f| f.dyn_into::<js_sys::Function>().ok())) {
        (Some(p), Some(f)) => f.call0(&p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
}

/// A plain object with the given properties.
fn object(props: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let obj = Object::new();
    for (key, value) in props {
        Reflect::set(&obj, &JsValue::from_str(key), value).map_err(|_| JsError::new("cannot build a result object"))?;
    }
    Ok(obj.into())
}

/// The construction options of a JS object; keys set to null or undefined mean the default.
fn options(value: JsValue) -> Result<Options, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Options::default());
    }
    let given = value.dyn_ref::<Object>().ok_or_else(|| JsError::new("invalid options: expected an object"))?;
    let set = Object::new();
    for entry in Object::entries(given).iter() {
        let pair = js_sys::Array::from(&entry);
        if !(pair.get(1).is_undefined() || pair.get(1).is_null()) {
            Reflect::set(&set, &pair.get(0), &pair.get(1)).map_err(|_| JsError::new("invalid options"))?;
        }
    }
    serde_wasm_bindgen::from_value(set.into()).map_err(|e| JsError::new(&format!("invalid options: {e}")))
}

/// Strings of a JS array (labels, class names).
fn strings(value: JsValue, what: &str) -> Result<Vec<String>, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: expected an array of strings ({e})")))
}

/// A JS object as JSON text, for the JSON reader (`what` names it in the error).
fn json_text(value: &JsValue, what: &str) -> Result<String, JsError> {
    js_sys::JSON::stringify(value)
        .map_err(|_| JsError::new(&format!("{what} could not be read as JSON")))
        .map(|s| s.as_string().unwrap_or_default())
}

/// Names of the built-in example datasets: ["shared", "random", "rings", "vowels", "paths"]
/// (the last interpolates: its sequences have targets).
#[wasm_bindgen(js_name = presetNames)]
pub fn preset_names() -> Result<JsValue, JsError> {
    to_js(&presets::all_names())
}

/// What the page and the engine must agree on: `{palette: [{color, shape}] (class k takes
/// shape k and, unless its name is a color, the next free color; cycled), namedColors:
/// {name: color}, directionColors: {w, c, u, e}, presets: [name], limits: {collapseLayers:
/// {min, max}, seed: {min, max}}}`. Colors are "#rrggbb" (lower case).
#[wasm_bindgen(js_name = sharedConstants)]
pub fn shared_constants() -> Result<JsValue, JsError> {
    to_js(&session::shared_constants())
}

/// The classes of some labels in the engine's order (see `dataset::class_order`): the
/// order of `Session.classes()` for a dataset with these labels.
#[wasm_bindgen(js_name = classOrder)]
pub fn js_class_order(labels: JsValue) -> Result<JsValue, JsError> {
    let labels = strings(labels, "labels")?;
    to_js(&class_order(labels.iter().map(String::as_str)))
}

/// The color of each class name ("#rrggbb"), as the figures and the page pick them.
#[wasm_bindgen(js_name = classColors)]
pub fn js_class_colors(classes: JsValue) -> Result<JsValue, JsError> {
    let colors: Vec<String> = palette::class_colors(&strings(classes, "classes")?).into_iter().map(palette::hex).collect();
    to_js(&colors)
}

/// A constructed and verified transformer with its scene, ready to draw.
#[wasm_bindgen]
pub struct Session {
    core: session::Session,
}

impl Session {
    fn build(data: Dataset, options_value: JsValue) -> Result<Session, JsError> {
        let core = session::Session::new(data, &options(options_value)?, &mut now_ms).map_err(err)?;
        Ok(Session { core })
    }

    fn run_held_out(&mut self, probes: Vec<Probe>) -> Result<JsValue, JsError> {
        to_js(&self.core.test(probes).map_err(err)?)
    }
}

#[wasm_bindgen]
impl Session {
    /// A built-in example by name (see `presetNames`); `seed` varies the generated ones.
    #[wasm_bindgen(js_name = fromPreset)]
    pub fn from_preset(name: &str, seed: u32, options_value: JsValue) -> Result<Session, JsError> {
        Session::build(presets::preset(name, seed as u64).map_err(err)?, options_value)
    }

    /// A dataset from file text: format "json", "csv" or "ts".
    #[wasm_bindgen(js_name = fromText)]
    pub fn from_text(text: &str, format: &str, options_value: JsValue) -> Result<Session, JsError> {
        let format = Format::from_name(format).map_err(err)?;
        Session::build(parse(text, format).map_err(err)?, options_value)
    }

    /// A dataset object `{sequences: [{tokens, label, name?}]}`.
    #[wasm_bindgen(js_name = fromDataset)]
    pub fn from_dataset(value: JsValue, options_value: JsValue) -> Result<Session, JsError> {
        let text = json_text(&value, "the dataset")?;
        Session::build(parse(&text, Format::Json).map_err(err)?, options_value)
    }

    /// What `hardmax verify --json` prints: sequences, classes, blocks, correct, total, ...
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(self.core.report())
    }

    /// Class names; a class's index is its id everywhere (labels, colors, anchors).
    pub fn classes(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.scene().classes)
    }

    /// Every sequence: `[{name, label (class id), length}]`.
    pub fn sequences(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.scene().sequences)
    }

    /// L, the number of layers.
    #[wasm_bindgen(js_name = layerCount)]
    pub fn layer_count(&self) -> usize {
        self.core.scene().layer_count()
    }

    /// Layer k (1..=L): `{index, block, kind: "ff"|"sa", stage, caption, tents: [{role:
    /// "jump-out"|"move-back"|"label", center, normal, halfWidth, shift}]}` in view units.
    pub fn layer(&self, k: usize) -> Result<JsValue, JsError> {
        to_js(self.core.layer(k).map_err(err)?)
    }

    /// Contiguous layer ranges of one stage: `[{stage, first, last, description}]`.
    pub fn stages(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.scene().stages)
    }

    /// T, the number of drawn tokens (a sample of whole sequences for big data).
    #[wasm_bindgen(js_name = tokenCount)]
    pub fn token_count(&self) -> usize {
        self.core.scene().drawn.len()
    }

    /// The sequence of each drawn token.
    #[wasm_bindgen(js_name = tokenSeq)]
    pub fn token_seq(&self) -> Uint32Array {
        Uint32Array::from(self.core.token_seq().as_slice())
    }

    /// The index of each drawn token within its sequence.
    #[wasm_bindgen(js_name = tokenIndex)]
    pub fn token_index(&self) -> Uint32Array {
        Uint32Array::from(self.core.token_index().as_slice())
    }

    /// Milliseconds the scene took to build (after construction and verification).
    #[wasm_bindgen(js_name = sceneMs)]
    pub fn scene_ms(&self) -> f64 {
        self.core.scene_ms()
    }

    /// True when the drawn tokens are a sample.
    pub fn sampled(&self) -> bool {
        self.core.scene().sampled
    }

    /// View positions, (L+1) x T x 2: token i at state s is at [2(sT+i)], [2(sT+i)+1].
    pub fn positions(&self) -> Float32Array {
        Float32Array::from(self.core.scene().positions())
    }

    /// `{leader: Int32Array(T), margin: Float32Array(T)}` of layer k: for an attention layer,
    /// the drawn token each token attended to and the score margin (+Infinity when all
    /// tie); for other layers -1 and NaN.
    pub fn attention(&self, k: usize) -> Result<JsValue, JsError> {
        let a = self.core.attention(k).map_err(err)?;
        object(&[
            ("leader", Int32Array::from(a.leader.as_slice()).into()),
            ("margin", Float32Array::from(a.margin.as_slice()).into()),
        ])
    }

    /// For a scene kept as moves (deep models of many tokens; `positions()` is then state 0
    /// only): `{start: Uint32Array(L+1), token: Uint32Array, at: Float32Array, extents:
    /// Float64Array(4(L+1))}` — layer k moves drawn tokens token[start[k-1]..start[k]] to
    /// at[2j], at[2j+1]. Null when every state is kept.
    pub fn moves(&self) -> Result<JsValue, JsError> {
        let Some(m) = self.core.scene().moves() else { return Ok(JsValue::NULL) };
        let start: Vec<u32> = m.start.iter().map(|&s| s as u32).collect();
        let extents: Vec<f64> = m.extents.iter().flatten().copied().collect();
        object(&[
            ("start", Uint32Array::from(start.as_slice()).into()),
            ("token", Uint32Array::from(m.token.as_slice()).into()),
            ("at", Float32Array::from(m.at.as_slice()).into()),
            ("extents", Float64Array::from(extents.as_slice()).into()),
        ])
    }

    /// Unit directions in the view: `{w, c, u, e (or null), origin}`, each [x, y].
    pub fn directions(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.scene().directions)
    }

    /// Class anchors in the view, 2 numbers per class.
    pub fn anchors(&self) -> Float32Array {
        Float32Array::from(self.core.anchors().as_slice())
    }

    /// `{dim, explained: [f1, f2] | null}`: the fractions of variance the view shows (d > 2).
    pub fn view(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.scene().view)
    }

    /// The full-dimensional position of drawn token i at a state.
    #[wasm_bindgen(js_name = tokenPosition)]
    pub fn token_position(&self, state: usize, i: usize) -> Result<Float64Array, JsError> {
        Ok(Float64Array::from(self.core.token_position(state, i).map_err(err)?.as_slice()))
    }

    /// The same weights with softmax attention: `{correct, total, beta, positions}`
    /// (positions as `positions()`).
    pub fn softmax(&self, beta: f64) -> Result<JsValue, JsError> {
        let run = self.core.softmax(beta).map_err(err)?;
        object(&[
            ("correct", JsValue::from(run.correct as u32)),
            ("total", JsValue::from(run.total as u32)),
            ("beta", JsValue::from(run.beta)),
            ("positions", Float32Array::from(run.positions.as_slice()).into()),
        ])
    }

    /// The dataset as JSON `{sequences: [{name, label, tokens}]}`.
    #[wasm_bindgen(js_name = datasetJson)]
    pub fn dataset_json(&self) -> Result<String, JsError> {
        json::write(self.core.data()).map_err(err)
    }

    /// The model file (weights, stages, anchors, classes) as JSON.
    #[wasm_bindgen(js_name = modelJson)]
    pub fn model_json(&self) -> Result<String, JsError> {
        crate::model_file::to_json(self.core.transformer()).map_err(err)
    }

    /// "classify" or "interpolate".
    pub fn task(&self) -> String {
        self.core.scene().task.name().into()
    }

    /// Interpolation: every target, sequence by sequence: `{seq: Uint32Array(K), token:
    /// Int32Array(K)` (the drawn index of the read token that must land on it, -1 when its
    /// sequence is not drawn)`, at: Float32Array(2K)}` (view coordinates). Empty for
    /// classification.
    pub fn targets(&self) -> Result<JsValue, JsError> {
        let t = self.core.targets();
        object(&[
            ("seq", Uint32Array::from(t.seq.as_slice()).into()),
            ("token", Int32Array::from(t.token.as_slice()).into()),
            ("at", Float32Array::from(t.at.as_slice()).into()),
        ])
    }

    /// An SVG picture of one state (sizes clamped to 100..=4000 px).
    pub fn svg(&self, state: usize, width: u32, height: u32) -> Result<String, JsError> {
        self.core.svg(state, width, height).map_err(err)
    }

    // Held-out data: the built transformer on sequences it was not built from (the theorem
    // guarantees the training data only). Each `test*` method runs one set, keeps its
    // sequences for `heldOutPositions`, and returns `{total, labeled, correct, accuracy
    // (null when nothing is labeled), predictions: [{name, label (or null), predicted,
    // predictedIndex, correct (or null), distance}], wrong: [{index, name, label,
    // predicted, known}], unknownClasses, unknownCount}`; a label the model never had
    // counts as wrong.

    /// Held-out data from file text: format "json" (labels optional), "csv" or "ts".
    pub fn test(&mut self, text: &str, format: &str) -> Result<JsValue, JsError> {
        let format = Format::from_name(format).map_err(err)?;
        self.run_held_out(heldout::parse_probes(text, format).map_err(err)?)
    }

    /// Held-out data as an object `{sequences: [{tokens, label?, name?}]}`.
    #[wasm_bindgen(js_name = testDataset)]
    pub fn test_dataset(&mut self, value: JsValue) -> Result<JsValue, JsError> {
        let text = json_text(&value, "the held-out data")?;
        self.run_held_out(heldout::parse_probes(&text, Format::Json).map_err(err)?)
    }

    /// The built-in held-out set of a preset (see `presets::held_out`).
    #[wasm_bindgen(js_name = testPreset)]
    pub fn test_preset(&mut self, name: &str, seed: u32) -> Result<JsValue, JsError> {
        let data = presets::held_out(name, seed as u64).map_err(err)?;
        self.run_held_out(heldout::probes(&data))
    }

    /// One unlabeled sequence, tokens `[[x1, ..., xd], ...]` (a sequence drawn by hand).
    #[wasm_bindgen(js_name = testTokens)]
    pub fn test_tokens(&mut self, name: &str, tokens: JsValue) -> Result<JsValue, JsError> {
        let tokens: Vec<Vec<f64>> = serde_wasm_bindgen::from_value(tokens)
            .map_err(|e| JsError::new(&format!("tokens: expected an array of arrays of numbers ({e})")))?;
        self.run_held_out(vec![heldout::probe_of(name, tokens, None).map_err(err)?])
    }

    /// Held-out sequence i of the last run, in the training view at every state:
    /// (L+1) x n x 2, token j at state s at [2(sn+j)], [2(sn+j)+1] (as `positions()`).
    #[wasm_bindgen(js_name = heldOutPositions)]
    pub fn held_out_positions(&self, i: usize) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(self.core.held_out_positions(i).map_err(err)?.as_slice()))
    }

    // Trust: the softmax threshold and the certificate (`hardmax verify --softmax`,
    // `--certify`), for classification models (an interpolation model gets a named error).

    /// beta* and the accuracy curve for a softmax slider over `[lo, hi]` (see
    /// `softmax::overview`): `{beta_star (or null), beta_below, beta_bound, beta_half,
    /// min_attention_margin, hardmax_correct, total, curve: [{beta, correct, total}]}`.
    /// Runs the softmax model many times: slow on big data (call it from a worker).
    #[wasm_bindgen(js_name = softmaxThreshold)]
    pub fn softmax_threshold(&self, lo: f64, hi: f64) -> Result<JsValue, JsError> {
        to_js(&self.core.softmax_threshold(lo, hi).map_err(err)?)
    }

    /// The certificate of `hardmax verify --certify` (see `certify::certify`): `{certified,
    /// certified_slack, certified_attention_slack, certified_readout_slack,
    /// certified_error_bound, certified_failure: null | {sequence, name, layer, stage,
    /// reason}}`; an infinite slack is `Infinity`.
    pub fn certify(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.certify().map_err(err)?)
    }
}
