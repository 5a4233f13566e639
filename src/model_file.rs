//! The model file: `{"format": "hardmax-model", "version": 1, "model": {...}}`.

use crate::error::{Error, Result};
use crate::model::Transformer;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "hardmax-model";
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Out<'a> {
    format: &'static str,
    version: u32,
    model: &'a Transformer,
}

#[derive(Deserialize)]
struct In {
    format: String,
    version: u32,
    model: Transformer,
}

pub fn to_json(t: &Transformer) -> Result<String> {
    serde_json::to_string(&Out { format: FORMAT, version: VERSION, model: t }).map_err(|e| Error::Model(e.to_string()))
}

/// Reads and checks a model file.
pub fn from_json(text: &str) -> Result<Transformer> {
    let probe: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Parse {
        format: "model JSON",
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if probe.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(Error::Model(format!("not a model file: expected \"format\": \"{FORMAT}\"")));
    }
    if probe.get("version").and_then(|v| v.as_u64()) != Some(VERSION as u64) {
        return Err(Error::Model(format!("unsupported model version (this program reads version {VERSION})")));
    }
    let parsed: In = serde_json::from_value(probe).map_err(|e| Error::Model(format!("malformed model: {e}")))?;
    let _ = (parsed.format, parsed.version);
    parsed.model.check()?;
    Ok(parsed.model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::{compile, Options};

    #[test]
    fn round_trip_keeps_predictions() {
        let data = crate::presets::shared();
        let t = compile(&data, &Options::default()).unwrap().transformer;
        let back = from_json(&to_json(&t).unwrap()).unwrap();
        for s in data.sequences() {
            assert_eq!(back.classify(&s.tokens), s.label);
        }
        assert!(matches!(from_json("{\"format\": \"other\"}"), Err(Error::Model(_))));
        assert!(matches!(from_json("{"), Err(Error::Parse { .. })));
    }
}
