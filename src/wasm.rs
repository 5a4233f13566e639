//! The WebAssembly facade, the only file that knows wasm_bindgen and js_sys: bindings only.
//! Options come in through serde as the core [`Options`] (checked once, by [`Options::check`]);
//! a [`Session`] wraps the core [`session::Session`], which computes; every method converts
//! what it returns (typed arrays, f32 only here, or serialized objects). Constructors throw
//! an Error with a message. Options: `{seed, positional, lift, collapse_layers (or
//! collapseLayers), labeling: "runs"|"points", anchors: "circle"|"line", split_choice:
//! "greedy"|"first-found", max_width (or maxWidth): 6..=1000000}`, all optional. States are 0..=L (state 0 the encoded input,
//! state k the output of layer k); drawn tokens are indexed 0..T, sequence by sequence.

use crate::construct::Options;
use crate::dataset::packed::Packed;
use crate::dataset::{class_order, json};
use crate::heldout::HeldOut;
use crate::presets;
use crate::session;
use js_sys::{Float32Array, Float64Array, Int32Array, Object, Reflect, Uint32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Milliseconds of the page's clock (`performance.now()`, or `Date.now()` without one).
fn now_ms() -> f64 {
    let perf = Reflect::get(&js_sys::global(), &"performance".into()).ok();
    let now = perf.as_ref().and_then(|p| Reflect::get(p, &"now".into()).ok()?.dyn_into::<js_sys::Function>().ok());
    now.and_then(|f| f.call0(perf.as_ref()?).ok()?.as_f64()).unwrap_or_else(js_sys::Date::now)
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
}

// Slices as the typed arrays JS reads.
fn u32s(v: &[u32]) -> JsValue {
    Uint32Array::from(v).into()
}
fn i32s(v: &[i32]) -> JsValue {
    Int32Array::from(v).into()
}
fn f32s(v: &[f32]) -> JsValue {
    Float32Array::from(v).into()
}

/// A plain object with the given properties.
fn object(props: &[(&str, JsValue)]) -> Result<JsValue, JsError> {
    let obj = Object::new();
    for (key, value) in props {
        Reflect::set(&obj, &JsValue::from_str(key), value).map_err(|_| JsError::new("cannot build a result object"))?;
    }
    Ok(obj.into())
}

/// The construction options of a JS object; keys set to null or undefined mean the default
/// (a NaN or infinite number is an error, as any other wrong value).
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

/// Names of the built-in examples ("paths" interpolates: its sequences have targets).
#[wasm_bindgen(js_name = presetNames)]
pub fn preset_names() -> Result<JsValue, JsError> {
    to_js(&presets::all_names())
}

/// What the page and the engine agree on: `{palette: [{color, shape}], namedColors,
/// directionColors: {w, c, u, e}, presets, limits: {collapseLayers, seed, maxWidth: {min, max}}}`.
#[wasm_bindgen(js_name = sharedConstants)]
pub fn shared_constants() -> Result<JsValue, JsError> {
    to_js(&session::shared_constants())
}

/// The classes of some labels in the order of `Session.classes()` (`dataset::class_order`).
#[wasm_bindgen(js_name = classOrder)]
pub fn js_class_order(labels: JsValue) -> Result<JsValue, JsError> {
    let labels = strings(labels, "labels")?;
    to_js(&class_order(labels.iter().map(String::as_str)))
}

/// The color of each class name ("#rrggbb"), as the figures and the page pick them.
#[wasm_bindgen(js_name = classColors)]
pub fn js_class_colors(classes: JsValue) -> Result<JsValue, JsError> {
    to_js(&session::class_colors(&strings(classes, "classes")?))
}

/// A constructed and verified transformer with its scene, ready to draw.
#[wasm_bindgen]
pub struct Session {
    core: session::Session,
}

/// The session of a core constructor, or its error as a JS Error.
fn session(core: crate::error::Result<session::Session>) -> Result<Session, JsError> {
    Ok(Session { core: core.map_err(err)? })
}

/// The result of a held-out run as a JS object.
fn held_out(run: crate::error::Result<HeldOut>) -> Result<JsValue, JsError> {
    to_js(&run.map_err(err)?)
}

#[wasm_bindgen]
impl Session {
    /// A built-in example by name (see `presetNames`); `seed` varies the generated ones.
    #[wasm_bindgen(js_name = fromPreset)]
    pub fn from_preset(name: &str, seed: u32, options_value: JsValue) -> Result<Session, JsError> {
        session(session::Session::from_preset(name, seed as u64, &options(options_value)?, &mut now_ms))
    }

    /// A dataset from file text: format "json", "csv" or "ts".
    #[wasm_bindgen(js_name = fromText)]
    pub fn from_text(text: &str, format: &str, options_value: JsValue) -> Result<Session, JsError> {
        session(session::Session::from_text(text, format, &options(options_value)?, &mut now_ms))
    }

    /// A dataset object `{sequences: [{tokens, label, name?}]}`.
    #[wasm_bindgen(js_name = fromDataset)]
    pub fn from_dataset(value: JsValue, options_value: JsValue) -> Result<Session, JsError> {
        let text = json_text(&value, "the dataset")?;
        session(session::Session::from_text(&text, "json", &options(options_value)?, &mut now_ms))
    }

    /// A classification dataset as flat arrays (`dataset::packed`): sequence q has
    /// `lengths[q]` tokens of `dims[q]` coordinates, token after token in `values`, its label
    /// `labels[q]` and its name `names[q]` (null: "seq q+1"). Checked as a file is.
    #[wasm_bindgen(js_name = fromPacked)]
    pub fn from_packed(values: &[f64], lengths: &[u32], dims: &[u32], labels: JsValue, names: JsValue, options_value: JsValue) -> Result<Session, JsError> {
        let labels = strings(labels, "labels")?;
        let names: Vec<Option<String>> = serde_wasm_bindgen::from_value(names)
            .map_err(|e| JsError::new(&format!("names: expected an array of strings or nulls ({e})")))?;
        let packed = Packed { values, lengths, dims, labels: &labels, names: &names };
        session(session::Session::from_packed(&packed, &options(options_value)?, &mut now_ms))
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

    /// Layer k (1..=L): `{index, block, kind: "ff"|"sa", stage, caption, tents: [{role,
    /// center, normal, halfWidth, shift}]}` in view units.
    pub fn layer(&self, k: usize) -> Result<JsValue, JsError> {
        to_js(self.core.layer(k).map_err(err)?)
    }

    /// `{layers, sequences}` as JSON text: every `layer(k)` and `sequences()` in one piece
    /// (`session::Session::outline_json`); null when some number is not finite.
    #[wasm_bindgen(js_name = outlineJson)]
    pub fn outline_json(&self) -> Option<String> {
        self.core.outline_json()
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

    /// `{leader: Int32Array(T), margin: Float32Array(T)}` of layer k (`session::AttentionArrays`).
    pub fn attention(&self, k: usize) -> Result<JsValue, JsError> {
        let a = self.core.attention(k).map_err(err)?;
        object(&[("leader", i32s(&a.leader)), ("margin", f32s(&a.margin))])
    }

    /// `{start, token, at, extents}` of a scene kept as moves (`session::MoveArrays`;
    /// `positions()` is then state 0 only); null when every state is kept.
    pub fn moves(&self) -> Result<JsValue, JsError> {
        let Some(m) = self.core.moves() else { return Ok(JsValue::NULL) };
        let extents = Float64Array::from(m.extents.as_slice()).into();
        object(&[("start", u32s(&m.start)), ("token", u32s(&m.token)), ("at", f32s(&m.at)), ("extents", extents)])
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

    /// The same weights with softmax attention: `{correct, total, beta, positions}`.
    pub fn softmax(&self, beta: f64) -> Result<JsValue, JsError> {
        let run = self.core.softmax(beta).map_err(err)?;
        let (correct, total) = (JsValue::from(run.correct as u32), JsValue::from(run.total as u32));
        object(&[("correct", correct), ("total", total), ("beta", run.beta.into()), ("positions", f32s(&run.positions))])
    }

    /// The dataset as JSON `{sequences: [{name, label, tokens}]}`.
    #[wasm_bindgen(js_name = datasetJson)]
    pub fn dataset_json(&self) -> Result<String, JsError> {
        json::write(self.core.data()).map_err(err)
    }

    /// Sequences `from..to` (clamped) as a JSON array of the objects `datasetJson` holds.
    #[wasm_bindgen(js_name = datasetPartJson)]
    pub fn dataset_part_json(&self, from: usize, to: usize) -> Result<String, JsError> {
        json::write_sequences(self.core.data(), from, to).map_err(err)
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

    /// Interpolation targets `{seq, token, at}` (`session::TargetArrays`); empty for classification.
    pub fn targets(&self) -> Result<JsValue, JsError> {
        let t = self.core.targets();
        object(&[("seq", u32s(&t.seq)), ("token", i32s(&t.token)), ("at", f32s(&t.at))])
    }

    /// An SVG picture of one state (sizes clamped to 100..=4000 px).
    pub fn svg(&self, state: usize, width: u32, height: u32) -> Result<String, JsError> {
        self.core.svg(state, width, height).map_err(err)
    }

    // Held-out data (the theorem guarantees the training data only): each `test*` runs one
    // set, keeps it for `heldOutPositions` and returns `heldout::HeldOut` `{total, labeled,
    // correct, accuracy, predictions, wrong, unknownClasses, unknownCount}`.

    /// Held-out data from file text: format "json" (labels optional), "csv" or "ts".
    pub fn test(&mut self, text: &str, format: &str) -> Result<JsValue, JsError> {
        held_out(self.core.test_text(text, format))
    }

    /// Held-out data as an object `{sequences: [{tokens, label?, name?}]}`.
    #[wasm_bindgen(js_name = testDataset)]
    pub fn test_dataset(&mut self, value: JsValue) -> Result<JsValue, JsError> {
        held_out(self.core.test_text(&json_text(&value, "the held-out data")?, "json"))
    }

    /// The built-in held-out set of a preset (see `presets::held_out`).
    #[wasm_bindgen(js_name = testPreset)]
    pub fn test_preset(&mut self, name: &str, seed: u32) -> Result<JsValue, JsError> {
        held_out(self.core.test_preset(name, seed as u64))
    }

    /// One unlabeled sequence, tokens `[[x1, ..., xd], ...]` (a sequence drawn by hand).
    #[wasm_bindgen(js_name = testTokens)]
    pub fn test_tokens(&mut self, name: &str, tokens: JsValue) -> Result<JsValue, JsError> {
        let tokens: Vec<Vec<f64>> = serde_wasm_bindgen::from_value(tokens)
            .map_err(|e| JsError::new(&format!("tokens: expected an array of arrays of numbers ({e})")))?;
        held_out(self.core.test_tokens(name, tokens))
    }

    /// Held-out sequence i of the last run in the training view, (L+1) x n x 2 as `positions()`.
    #[wasm_bindgen(js_name = heldOutPositions)]
    pub fn held_out_positions(&self, i: usize) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(self.core.held_out_positions(i).map_err(err)?.as_slice()))
    }

    /// beta* and the accuracy curve over `[lo, hi]` (`softmax::Overview`, classification
    /// only); runs the softmax model many times: call it from a worker on big data.
    #[wasm_bindgen(js_name = softmaxThreshold)]
    pub fn softmax_threshold(&self, lo: f64, hi: f64) -> Result<JsValue, JsError> {
        to_js(&self.core.softmax_threshold(lo, hi).map_err(err)?)
    }

    /// The certificate of `hardmax verify --certify` (`certify::Certificate`, classification
    /// only); an infinite slack is `Infinity`.
    pub fn certify(&self) -> Result<JsValue, JsError> {
        to_js(&self.core.certify().map_err(err)?)
    }
}
