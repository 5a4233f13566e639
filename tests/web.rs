//! The wasm facade, in a real headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use hardmax::wasm::Session;
use js_sys::{Float32Array, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("property")
}

fn num(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().expect("number")
}

#[wasm_bindgen_test]
fn every_preset_is_exact_in_the_browser() {
    for name in ["shared", "random", "rings", "vowels"] {
        let s = Session::from_preset(name, 2, JsValue::UNDEFINED).expect("preset builds");
        let r = s.report().unwrap();
        assert_eq!(num(&r, "correct"), num(&r, "total"), "{name}");
        assert!(num(&r, "min_margin") > 0.0, "{name}");
        assert!(num(&r, "blocks") <= 2.0 * num(&r, "sequences") + 2.0, "{name}");
    }
}

#[wasm_bindgen_test]
fn positions_cover_every_state_and_token() {
    let s = Session::from_preset("shared", 0, JsValue::UNDEFINED).unwrap();
    let layers = s.layer_count();
    let t = s.token_count();
    let pos: Float32Array = s.positions();
    assert_eq!(pos.length() as usize, (layers + 1) * t * 2);
    assert!(pos.to_vec().iter().all(|v| v.is_finite()));
    // every state ends on the anchors: the last state's tokens sit on their class anchor
    let anchors = s.anchors().to_vec();
    let seqs = s.token_seq().to_vec();
    let labels = s.sequences().unwrap();
    let p = pos.to_vec();
    for i in 0..t {
        let seq = js_sys::Array::from(&labels).get(seqs[i]);
        let label = num(&seq, "label") as usize;
        let (x, y) = (p[2 * (layers * t + i)], p[2 * (layers * t + i) + 1]);
        let (ax, ay) = (anchors[2 * label], anchors[2 * label + 1]);
        assert!((x - ax).abs() < 1e-4 && (y - ay).abs() < 1e-4, "token {i} at ({x}, {y}) not on anchor ({ax}, {ay})");
    }
}

#[wasm_bindgen_test]
fn layers_have_stages_captions_and_attention() {
    let s = Session::from_preset("shared", 0, JsValue::UNDEFINED).unwrap();
    let mut seen = Vec::new();
    for k in 1..=s.layer_count() {
        let l = s.layer(k).unwrap();
        let stage = get(&l, "stage").as_string().unwrap();
        assert!(!get(&l, "caption").as_string().unwrap().is_empty());
        if !seen.contains(&stage) {
            seen.push(stage.clone());
        }
        if get(&l, "kind").as_string().unwrap() == "sa" && (stage == "separate" || stage == "collapse") {
            let att = s.attention(k).unwrap();
            let lead = js_sys::Int32Array::from(get(&att, "leader")).to_vec();
            assert!(lead.iter().all(|&j| j >= 0 && (j as usize) < s.token_count()));
        }
    }
    assert_eq!(seen, vec!["normalize", "separate", "collapse", "label", "snap"]);
    assert!(s.layer(0).is_err());
    assert!(s.layer(s.layer_count() + 1).is_err());
}

#[wasm_bindgen_test]
fn bad_inputs_are_errors_not_panics() {
    let indistinguishable = r#"{"sequences": [
        {"tokens": [[0, 0], [1, 1]], "label": "a"},
        {"tokens": [[1, 1], [0, 0]], "label": "b"}]}"#;
    let e = Session::from_text(indistinguishable, "json", JsValue::UNDEFINED).err().expect("refused");
    let msg = JsValue::from(e);
    let text = get(&msg, "message").as_string().unwrap();
    assert!(text.contains("positional"), "{text}");
    // with positional encoding the same data works
    let opts = js_sys::JSON::parse(r#"{"positional": true}"#).unwrap();
    let s = Session::from_text(indistinguishable, "json", opts).unwrap();
    let r = s.report().unwrap();
    assert_eq!(num(&r, "correct"), 2.0);
    assert!(Session::from_text("{", "json", JsValue::UNDEFINED).is_err());
    assert!(Session::from_text("x", "xml", JsValue::UNDEFINED).is_err());
    assert!(Session::from_preset("nope", 0, JsValue::UNDEFINED).is_err());
    let bad = js_sys::JSON::parse(r#"{"collapse_layers": 99}"#).unwrap();
    assert!(Session::from_preset("shared", 0, bad).is_err());
}

#[wasm_bindgen_test]
fn ts_text_and_exports() {
    let ts = "@problemName t\n@dimensions 2\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n2,3:1,0:b\n";
    let s = Session::from_text(ts, "ts", JsValue::UNDEFINED).unwrap();
    assert_eq!(num(&s.report().unwrap(), "correct"), 2.0);
    let svg = s.svg(s.layer_count(), 600, 400).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
    let model = s.model_json().unwrap();
    assert!(model.contains("\"hardmax-model\""));
    let data = s.dataset_json().unwrap();
    assert!(data.contains("\"sequences\""));
    let soft = s.softmax(1000.0).unwrap();
    assert_eq!(num(&soft, "total"), 2.0);
    assert!(s.softmax(f64::NAN).is_err());
    assert_eq!(s.token_position(0, 0).unwrap().to_vec(), vec![1.0, 4.0]);
}

#[wasm_bindgen_test]
fn options_read_the_page_keys_and_null_means_default() {
    // the page's keys: lift, collapse_layers (or collapseLayers); null and undefined are "not set"
    let opts = js_sys::JSON::parse(r#"{"seed": 7, "positional": null, "collapseLayers": 3, "labeling": "points"}"#).unwrap();
    let s = Session::from_preset("shared", 0, opts).unwrap();
    let collapse = (1..=s.layer_count())
        .filter(|&k| {
            let l = s.layer(k).unwrap();
            get(&l, "kind").as_string().unwrap() == "sa" && get(&l, "stage").as_string().unwrap() == "collapse"
        })
        .count();
    assert_eq!(collapse, 3);
    for bad in [r#"{"labeling": "sideways"}"#, r#"{"seed": -1}"#, r#"{"seed": 1.5}"#, r#"{"collapse_layers": 0}"#, r#"{"lift": "yes"}"#] {
        let e = Session::from_preset("shared", 0, js_sys::JSON::parse(bad).unwrap()).err().expect(bad);
        let text = get(&JsValue::from(e), "message").as_string().unwrap();
        assert!(text.contains("option"), "{bad}: {text}");
    }
    assert!(Session::from_preset("shared", 0, JsValue::from_str("fast")).is_err());
    // the width cap: 6 neurons at least (named), and a wider cap packs the splits into fewer blocks
    for bad in [r#"{"max_width": 5}"#, r#"{"maxWidth": 0}"#, r#"{"maxWidth": 2000000}"#] {
        let e = Session::from_preset("shared", 0, js_sys::JSON::parse(bad).unwrap()).err().expect(bad);
        let text = get(&JsValue::from(e), "message").as_string().unwrap();
        assert!(text.starts_with("invalid option max width: "), "{bad}: {text}");
    }
    for bad in [r#"{"maxWidth": -1}"#, r#"{"maxWidth": 12.5}"#, r#"{"maxWidth": "abc"}"#] {
        let e = Session::from_preset("shared", 0, js_sys::JSON::parse(bad).unwrap()).err().expect(bad);
        assert!(get(&JsValue::from(e), "message").as_string().unwrap().contains("option"), "{bad}");
    }
    let blocks = |w: u32| {
        let opts = js_sys::JSON::parse(&format!(r#"{{"maxWidth": {w}}}"#)).unwrap();
        let r = Session::from_preset("shared", 0, opts).unwrap().report().unwrap();
        assert_eq!(num(&r, "correct"), num(&r, "total"));
        num(&r, "blocks")
    };
    assert_eq!((blocks(6), blocks(24)), (9.0, 5.0));
    // a number that is not one is an error, not "not set"
    let nan = js_sys::Object::new();
    js_sys::Reflect::set(&nan, &"seed".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    assert!(Session::from_preset("shared", 0, nan.into()).is_err());
}

#[wasm_bindgen_test]
fn shared_constants_class_order_and_colors() {
    let c = hardmax::wasm::shared_constants().unwrap();
    let palette = js_sys::Array::from(&get(&c, "palette"));
    assert_eq!(palette.length(), 8);
    assert_eq!(get(&palette.get(0), "shape").as_string().unwrap(), "circle");
    assert_eq!(get(&get(&c, "namedColors"), "red").as_string().unwrap(), "#d55e00");
    assert_eq!(num(&get(&get(&c, "limits"), "collapseLayers"), "max"), 16.0);
    assert_eq!(num(&get(&get(&c, "limits"), "seed"), "max"), 4294967295.0);
    assert_eq!(num(&get(&get(&c, "limits"), "maxWidth"), "min"), 6.0);
    let order = hardmax::wasm::js_class_order(js_sys::JSON::parse(r#"["10", "2", "inf", " 2"]"#).unwrap()).unwrap();
    assert_eq!(js_sys::JSON::stringify(&order).unwrap().as_string().unwrap(), r#"["2","10","inf"]"#);
    // the session orders its classes the same way
    let text = r#"{"sequences": [{"tokens": [[0, 0]], "label": "10"}, {"tokens": [[1, 1]], "label": "inf"}, {"tokens": [[2, 0]], "label": "2"}]}"#;
    let s = Session::from_text(text, "json", JsValue::UNDEFINED).unwrap();
    assert_eq!(js_sys::JSON::stringify(&s.classes().unwrap()).unwrap(), js_sys::JSON::stringify(&order).unwrap());
    let colors = hardmax::wasm::js_class_colors(js_sys::JSON::parse(r#"["zeta", "red"]"#).unwrap()).unwrap();
    assert_eq!(js_sys::JSON::stringify(&colors).unwrap().as_string().unwrap(), r##"["#0072b2","#d55e00"]"##);
}

/// Held-out data through the facade: the summary, positions in the training layout, and
/// named errors for bad input (the page shows them as they are).
#[wasm_bindgen_test]
fn held_out_data_summary_positions_and_errors() {
    let mut s = Session::from_preset("rings", 0, JsValue::UNDEFINED).unwrap();
    let r = s.test_preset("rings", 0).unwrap();
    assert_eq!(num(&r, "total"), 18.0);
    assert_eq!(num(&r, "labeled"), 18.0);
    let wrong = js_sys::Array::from(&get(&r, "wrong"));
    assert_eq!(num(&r, "correct") + wrong.length() as f64, 18.0);
    assert_eq!(num(&r, "accuracy"), num(&r, "correct") / 18.0);
    // positions: (L+1) x n x 2, finite, and the training sequences as held-out data are
    // drawn exactly where the scene draws them
    let p = s.held_out_positions(0).unwrap().to_vec();
    assert_eq!(p.len() % (2 * (s.layer_count() + 1)), 0);
    assert!(p.iter().all(|v| v.is_finite()));
    assert!(s.held_out_positions(18).is_err());
    let data = js_sys::JSON::parse(&s.dataset_json().unwrap()).unwrap();
    let r = s.test_dataset(data).unwrap();
    assert_eq!(num(&r, "correct"), num(&r, "total"));
    let (all, t) = (s.positions().to_vec(), s.token_count());
    let first = s.held_out_positions(0).unwrap().to_vec();
    let n = first.len() / (2 * (s.layer_count() + 1));
    for state in 0..=s.layer_count() {
        for j in 0..n {
            assert_eq!(first[2 * (state * n + j)], all[2 * (state * t + j)]);
            assert_eq!(first[2 * (state * n + j) + 1], all[2 * (state * t + j) + 1]);
        }
    }
    // unlabeled tokens; wrong d; unknown format: named errors
    let tokens = js_sys::JSON::parse("[[1, 0.5], [0.2, 2]]").unwrap();
    let r = s.test_tokens("drawn", tokens).unwrap();
    assert_eq!(num(&r, "labeled"), 0.0);
    assert!(get(&r, "accuracy").is_null());
    let msg = |e: wasm_bindgen::JsError| get(&JsValue::from(e), "message").as_string().unwrap_or_default();
    let e = s.test_tokens("drawn", js_sys::JSON::parse("[[1, 2, 3]]").unwrap()).err().expect("refused");
    assert_eq!(msg(e), "the data have d = 3 coordinates per token but the transformer takes d = 2");
    let e = s.test("x", "xlsx").err().expect("refused");
    assert!(msg(e).contains("unknown format"));
    let e = s.test("{\"sequences\": [{\"tokens\": [[1, null]]}]}", "json").err().expect("refused");
    assert_eq!(msg(e), "sequence 1, token 1, coordinate 2: missing value");
}
