//! Colors and marker shapes of the classes and directions: one table for the figures and
//! the page. The wasm facade exports it (`sharedConstants()`), `www/palette.js` holds the
//! same values for drawing before the engine loads, and the parity tests check that they
//! agree.

/// The page's class colors, in the page's order (`CLASS_COLORS` in www/palette.js, checked by the parity tests).
pub const CLASS_COLORS: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0xCC, 0x79, 0xA7), // reddish purple
    (0x56, 0xB4, 0xE9), // sky blue
    (0xF0, 0xE4, 0x42), // yellow
    (0x00, 0x00, 0x00), // black
];

/// Class names that name a color keep that color (`NAMED_COLORS` in www/palette.js).
pub const NAMED_COLORS: [(&str, (u8, u8, u8)); 13] = [
    ("blue", CLASS_COLORS[0]),
    ("orange", CLASS_COLORS[1]),
    ("green", CLASS_COLORS[2]),
    ("red", CLASS_COLORS[3]),
    ("vermillion", CLASS_COLORS[3]),
    ("purple", CLASS_COLORS[4]),
    ("pink", CLASS_COLORS[4]),
    ("magenta", CLASS_COLORS[4]),
    ("sky", CLASS_COLORS[5]),
    ("cyan", CLASS_COLORS[5]),
    ("light blue", CLASS_COLORS[5]),
    ("yellow", CLASS_COLORS[6]),
    ("black", CLASS_COLORS[7]),
];

/// Marker shapes, one per class (cycled), as on the page.
pub const SHAPES: [&str; 8] = ["circle", "square", "triangle", "diamond", "triangle-down", "hexagon", "star", "cross"];

/// A color as "#rrggbb" (lower case), as the page and the SVG figures write it.
pub fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// One color per class, as the page picks them: names of colors keep their color, the other
/// classes take the unused colors in order (shifted by one per round past eight classes).
pub fn class_colors(classes: &[String]) -> Vec<(u8, u8, u8)> {
    let mut out: Vec<Option<(u8, u8, u8)>> = vec![None; classes.len()];
    let mut used: Vec<(u8, u8, u8)> = Vec::new();
    for (k, name) in classes.iter().enumerate() {
        let key = name.trim().to_lowercase();
        if let Some(&(_, c)) = NAMED_COLORS.iter().find(|(n, _)| *n == key) {
            if !used.contains(&c) {
                out[k] = Some(c);
                used.push(c);
            }
        }
    }
    let free: Vec<(u8, u8, u8)> = CLASS_COLORS.iter().copied().filter(|c| !used.contains(c)).collect();
    let pool: &[(u8, u8, u8)] = if free.is_empty() { &CLASS_COLORS } else { &free };
    let mut next = 0;
    out.into_iter()
        .map(|c| {
            c.unwrap_or_else(|| {
                let c = pool[(next + next / pool.len()) % pool.len()];
                next += 1;
                c
            })
        })
        .collect()
}

/// The direction colors (`DIRECTION_COLORS` in www/palette.js).
pub const DIRECTION_COLORS: [(&str, (u8, u8, u8)); 4] =
    [("w", (0xb3, 0x00, 0x2d)), ("c", (0x1a, 0x6f, 0xb5)), ("u", (0x6a, 0x3d, 0x9a)), ("e", (0xb3, 0x58, 0x06))];

/// The color of direction `key` ("w", "c", "u" or "e"); black for any other.
pub fn direction_color(key: &str) -> (u8, u8, u8) {
    DIRECTION_COLORS.iter().find(|(k, _)| *k == key).map_or((0, 0, 0), |x| x.1)
}
