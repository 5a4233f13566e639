//! What the engine and the page both know, read from the page's own sources: the class
//! colors, shapes, named and direction colors of `www/palette.js` and the presets of
//! `www/state.js` are the engine's (src/figures/palette.rs, presets::NAMES). The browser
//! test tests/e2e/parity.test.mjs checks the same against the running page and the wasm
//! facade, with the class order and the option limits.

use hardmax::figures::palette::{class_colors, CLASS_COLORS, DIRECTION_COLORS, NAMED_COLORS, SHAPES};
use hardmax::presets;

fn source(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("the page's source")
}

/// The text between `export const NAME =` and the closing bracket of its literal.
fn literal<'a>(src: &'a str, name: &str) -> &'a str {
    let start = src.find(&format!("export const {name} =")).unwrap_or_else(|| panic!("{name} is not exported"));
    let rest = &src[start..];
    let open = rest.find(['[', '{']).unwrap();
    let close = if rest.as_bytes()[open] == b'[' { ']' } else { '}' };
    &rest[open + 1..rest[open..].find(close).unwrap() + open]
}

/// Quoted strings of a literal, in order (comments dropped).
fn quoted(lit: &str) -> Vec<String> {
    let code: String = lit.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    code.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

/// `key: 'value'` pairs of an object literal (keys bare or quoted).
fn pairs(lit: &str) -> Vec<(String, String)> {
    let code: String = lit.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    code.split(',')
        .filter(|p| p.contains(':'))
        .map(|p| {
            let (k, v) = p.split_once(':').unwrap();
            (k.trim().trim_matches('\'').to_string(), v.trim().trim_matches('\'').to_lowercase())
        })
        .collect()
}

fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

#[test]
fn the_page_palette_is_the_engine_palette() {
    let js = source("www/palette.js");
    let colors: Vec<String> = quoted(literal(&js, "CLASS_COLORS")).iter().map(|c| c.to_lowercase()).collect();
    assert_eq!(colors, CLASS_COLORS.iter().map(|&c| hex(c)).collect::<Vec<_>>());
    assert_eq!(quoted(literal(&js, "SHAPES")), SHAPES.to_vec());
    let mut named = pairs(literal(&js, "NAMED_COLORS"));
    named.sort();
    let mut want: Vec<(String, String)> = NAMED_COLORS.iter().map(|&(n, c)| (n.to_string(), hex(c))).collect();
    want.sort();
    assert_eq!(named, want);
    let dirs = pairs(literal(&js, "DIRECTION_COLORS"));
    assert_eq!(dirs, DIRECTION_COLORS.iter().map(|&(k, c)| (k.to_string(), hex(c))).collect::<Vec<_>>());
}

#[test]
fn the_page_presets_are_the_engine_presets() {
    let js = source("www/state.js");
    assert_eq!(quoted(literal(&js, "PRESETS")), presets::all_names());
}

#[test]
fn class_colors_follow_names_then_free_colors() {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    // a name that is a color keeps it (once); the others take the free colors in order
    let c = class_colors(&names(&["zeta", " Red ", "red", "blue"]));
    assert_eq!(c, vec![CLASS_COLORS[1], CLASS_COLORS[3], CLASS_COLORS[2], CLASS_COLORS[0]]);
    // past eight classes the colors shift by one per round, so (color, shape) never repeats
    let many: Vec<String> = (0..17).map(|k| format!("k{k}")).collect();
    let c = class_colors(&many);
    let pairs: std::collections::HashSet<_> = c.iter().enumerate().map(|(k, &col)| (col, k % SHAPES.len())).collect();
    assert_eq!(pairs.len(), 17);
}
