//! Example datasets: what the page opens with, and what `make run` shows.

use crate::construct::geometry::Rng;
use crate::dataset::{parse, Dataset, Format};
use crate::error::{Error, Result};

/// The classification presets (labels).
pub const NAMES: [&str; 4] = ["shared", "random", "rings", "vowels"];

/// The interpolation presets (targets: sequence to sequence).
pub const INTERPOLATION_NAMES: [&str; 4] = ["paths", "copy", "reverse", "translate"];

/// Every preset: the classification ones, then the interpolation ones (the page's list).
pub fn all_names() -> Vec<&'static str> {
    NAMES.iter().chain(INTERPOLATION_NAMES.iter()).copied().collect()
}

/// The largest seed of the generated presets: seeds are 32-bit (the page keeps them in its
/// links, and the wasm facade takes them as `u32`).
pub const SEED_MAX: u64 = u32::MAX as u64;

/// A preset by name; `seed` varies the generated ones.
pub fn preset(name: &str, seed: u64) -> Result<Dataset> {
    match name {
        "shared" => Ok(shared()),
        "random" => Ok(random(seed)),
        "rings" => Ok(rings(seed)),
        "vowels" => vowels(),
        "paths" => Ok(paths()),
        "copy" => Ok(copy()),
        "reverse" => Ok(reverse()),
        "translate" => Ok(translate()),
        other => Err(Error::InvalidOption {
            name: "preset",
            message: format!("unknown preset {other:?}; expected one of {}", all_names().join(", ")),
        }),
    }
}

fn build(seqs: Vec<(&str, Vec<[f64; 2]>, &str)>) -> Dataset {
    let raw = crate::dataset::RawDataset {
        sequences: seqs
            .into_iter()
            .enumerate()
            .map(|(i, (name, toks, label))| crate::dataset::RawSequence {
                name: name.to_string(),
                place: format!("sequence {}", i + 1),
                tokens: toks.iter().map(|t| t.to_vec()).collect(),
                label: label.to_string(),
                target: None,
            })
            .collect(),
    };
    Dataset::new(raw).expect("presets are valid")
}

/// Six sequences in the plane, three labels; A, B and E share their top token T1, C and
/// D share T2 (each dominates its sequences in both coordinates, so it leads them along
/// any positive w): the separate stage has work to do.
pub fn shared() -> Dataset {
    let t1 = [3.0, 3.2];
    let t2 = [4.2, 1.6];
    let s = [2.0, 0.9];
    let q = [3.5, 0.6];
    build(vec![
        ("A", vec![t1, [1.0, 2.2], s], "red"),
        ("B", vec![[2.6, 2.0], s, t1], "blue"),
        ("C", vec![[2.6, 1.1], t2, q], "red"),
        ("D", vec![q, [4.0, 0.2], t2], "blue"),
        ("E", vec![[0.6, 0.8], t1, [1.5, 1.5]], "green"),
        ("F", vec![[1.2, 0.3], [0.3, 1.6]], "blue"),
    ])
}

/// Twelve sequences of 2 to 5 tokens drawn from a pool of eight points, three labels;
/// two sequences with the same token set get the same label.
pub fn random(seed: u64) -> Dataset {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let pool: Vec<[f64; 2]> = (0..8).map(|_| [rng.uniform() * 4.0, rng.uniform() * 4.0]).collect();
    let mut seqs: Vec<(String, Vec<[f64; 2]>, String)> = Vec::new();
    let mut sets: Vec<(Vec<usize>, String)> = Vec::new();
    let labels = ["red", "blue", "green"];
    let mut tries = 0;
    while seqs.len() < 12 && tries < 1000 {
        tries += 1;
        let n = 2 + (rng.uniform() * 4.0) as usize;
        let idx: Vec<usize> = (0..n).map(|_| (rng.uniform() * 8.0) as usize % 8).collect();
        let mut set = idx.clone();
        set.sort_unstable();
        set.dedup();
        let label = labels[(rng.uniform() * 3.0) as usize % 3].to_string();
        let label = match sets.iter().find(|(s, _)| *s == set) {
            Some((_, l)) => l.clone(),
            None => label,
        };
        sets.push((set, label.clone()));
        seqs.push((format!("s{}", seqs.len() + 1), idx.iter().map(|&i| pool[i]).collect(), label));
    }
    build(seqs.iter().map(|(n, t, l)| (n.as_str(), t.clone(), l.as_str())).collect())
}

/// Three classes on concentric rings: each sequence is a short noisy arc on its ring.
pub fn rings(seed: u64) -> Dataset {
    let mut rng = Rng::new(seed ^ 0x41a6);
    let labels = ["inner", "middle", "outer"];
    let mut seqs = Vec::new();
    for i in 0..18 {
        let k = i % 3;
        let radius = 1.0 + k as f64;
        let theta = rng.uniform() * std::f64::consts::TAU;
        let n = 4 + (rng.uniform() * 4.0) as usize;
        let toks: Vec<[f64; 2]> = (0..n)
            .map(|j| {
                let a = theta + 0.18 * j as f64;
                let r = radius + 0.08 * (rng.uniform() - 0.5);
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        seqs.push((format!("{}{}", &labels[k][..1], i / 3 + 1), toks, labels[k]));
    }
    let raw: Vec<(String, Vec<[f64; 2]>, &str)> = seqs;
    build(raw.iter().map(|(n, t, l)| (n.as_str(), t.clone(), *l)).collect())
}

/// Interpolation (sequence to sequence) in the plane: seven short paths whose last one to
/// three tokens must land on given targets (read at the last m tokens). Q is in A, B and
/// F, R in C and D, and Q leads A, B and F while they read it with different targets: the
/// separate stage has a split to make.
pub fn paths() -> Dataset {
    let q = [3.0, 2.6];
    let r = [2.2, 3.6];
    type Points = Vec<[f64; 2]>;
    let seqs: Vec<(&str, Points, Points)> = vec![
        ("A", vec![[0.6, 1.8], [1.6, 0.6], q], vec![[4.6, 4.4]]),
        ("B", vec![[2.4, 0.7], q, [1.0, 3.0]], vec![[0.4, 4.6], [4.4, 0.4]]),
        ("C", vec![[3.8, 1.2], [2.2, 2.0], r], vec![[0.6, 0.5], [2.6, 4.7], [4.7, 2.6]]),
        ("D", vec![r, [0.8, 0.9], [3.2, 3.4], [1.8, 1.4]], vec![[1.2, 4.2]]),
        ("E", vec![[4.2, 3.6], [1.4, 2.6]], vec![[3.6, 0.4], [2.0, 1.2]]),
        ("F", vec![[0.4, 0.4], q, [2.8, 4.0]], vec![[4.4, 1.6], [0.2, 2.4]]),
        ("G", vec![[4.4, 0.5], [3.4, 1.8]], vec![[3.0, 4.8]]),
    ];
    with_targets(seqs)
}

/// Copy: each sequence's last m tokens must land where its first m tokens are (the output
/// read at the end repeats the beginning). Five short paths, m from 1 to 2.
pub fn copy() -> Dataset {
    let seqs: Vec<(&str, Vec<[f64; 2]>, usize)> = vec![
        ("A", vec![[0.4, 0.6], [1.2, 1.4], [0.8, 2.6], [1.9, 3.4]], 2),
        ("B", vec![[2.6, 0.4], [3.6, 0.9], [4.4, 0.3]], 1),
        ("C", vec![[3.0, 4.4], [4.2, 3.8], [3.4, 2.8], [4.6, 2.0], [2.4, 2.2]], 2),
        ("D", vec![[0.3, 4.6], [1.4, 4.8], [2.2, 3.9], [1.0, 3.2]], 2),
        ("E", vec![[2.0, 1.0], [2.9, 1.6]], 1),
    ];
    with_targets(seqs.into_iter().map(|(name, toks, m)| (name, toks.clone(), toks[..m].to_vec())).collect())
}

/// Reverse: each path must come out backwards (every token is read, m = n: the i-th last
/// token lands on the i-th token). Paths A and B visit the same three corners P, V, R, and B
/// also passes through X inside that triangle; they read the corners with different targets.
/// Along every direction their highest token is the same corner, so no attention layer
/// slides one away from the other (no spread helps): the separate stage splits them, lifting
/// B's extra token X out first.
pub fn reverse() -> Dataset {
    let (p, v, r, x) = ([1.0, 3.0], [4.0, 4.0], [3.4, 0.8], [3.0, 2.8]);
    let seqs: Vec<(&str, Vec<[f64; 2]>)> = vec![
        ("A", vec![p, v, r]),
        ("B", vec![r, x, p, v]),
        ("C", vec![[0.4, 0.4], [1.4, 1.0], [2.4, 0.4]]),
        ("D", vec![[0.4, 1.8], [1.6, 2.0], [2.2, 1.4]]),
    ];
    with_targets(seqs.into_iter().map(|(name, toks)| (name, toks.clone(), toks.iter().rev().copied().collect())).collect())
}

/// Translate: words over a three-letter alphabet (a, b, c: a small triangle on the left)
/// come out letter by letter in a second alphabet (x, y, z: a wider triangle on the right),
/// a -> x, b -> y, c -> z; every token is read (m = n).
pub fn translate() -> Dataset {
    let from = [[0.4, 0.6], [1.6, 0.6], [1.0, 1.8]];
    let to = [[3.2, 3.0], [4.8, 3.4], [3.6, 4.6]];
    let words = ["abc", "cab", "ba", "bca", "ac", "cb"];
    let seqs = words
        .iter()
        .map(|w| {
            let letters: Vec<usize> = w.bytes().map(|b| (b - b'a') as usize).collect();
            (*w, letters.iter().map(|&k| from[k]).collect(), letters.iter().map(|&k| to[k]).collect())
        })
        .collect();
    with_targets(seqs)
}

/// A named 2D sequence and its targets.
type Path2<'a> = (&'a str, Vec<[f64; 2]>, Vec<[f64; 2]>);

/// A dataset of named 2D sequences with targets (read at the last m tokens).
fn with_targets(seqs: Vec<Path2>) -> Dataset {
    let raw = crate::dataset::RawDataset {
        sequences: seqs
            .into_iter()
            .enumerate()
            .map(|(i, (name, toks, target))| crate::dataset::RawSequence {
                name: name.to_string(),
                place: format!("sequence {}", i + 1),
                tokens: toks.iter().map(|t| t.to_vec()).collect(),
                label: String::new(),
                target: Some(target.iter().map(|t| t.to_vec()).collect()),
            })
            .collect(),
    };
    Dataset::new(raw).expect("presets are valid")
}

/// 27 utterances of JapaneseVowels (d = 12), three per speaker.
pub fn vowels() -> Result<Dataset> {
    parse(include_str!("vowels_sample.ts"), Format::Ts)
}

/// Held-out data for a preset: sequences the preset's transformer was not built from.
///
/// * shared, random: every sequence again, each token moved by up to 0.2 in each coordinate
///   (nearby copies, same labels, names marked with `'`);
/// * rings: new arcs on the same three rings (the generator with the next seed);
/// * vowels: two utterances of each speaker from the JapaneseVowels test set.
pub fn held_out(name: &str, seed: u64) -> Result<Dataset> {
    match name {
        "shared" => Ok(jittered(&shared(), seed)),
        "random" => Ok(jittered(&random(seed), seed)),
        "rings" => Ok(rename(&rings((seed + 1) % (SEED_MAX + 1)), "'")),
        "vowels" => parse(include_str!("vowels_heldout.ts"), Format::Ts),
        other => preset(other, seed),
    }
}

/// Every token moved by a deterministic amount in [-0.2, 0.2] per coordinate.
fn jittered(data: &Dataset, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed ^ 0x4e1d);
    let mut raw = data.to_raw();
    for s in raw.sequences.iter_mut() {
        s.name.push('\'');
        for t in s.tokens.iter_mut() {
            for x in t.iter_mut() {
                *x += 0.4 * (rng.uniform() - 0.5);
            }
        }
    }
    Dataset::new(raw).expect("moved presets are valid")
}

fn rename(data: &Dataset, mark: &str) -> Dataset {
    let mut raw = data.to_raw();
    for s in raw.sequences.iter_mut() {
        s.name.push_str(mark);
    }
    Dataset::new(raw).expect("renamed presets are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::construct::{compile, Options};
    use crate::verify::verify;

    #[test]
    fn every_preset_is_built_exactly() {
        for name in all_names() {
            let data = preset(name, 3).unwrap();
            if data.task() == crate::dataset::Task::Interpolate {
                let built = compile(&data, &Options::default()).unwrap();
                let v = crate::verify::targets::verify_targets(&built.transformer, &data).unwrap();
                assert_eq!(v.correct, v.total, "{name}");
                continue;
            }
            let data = preset(name, 3).unwrap();
            let built = compile(&data, &Options::default()).unwrap();
            let v = verify(&built.transformer, &data);
            assert_eq!(v.correct, v.total, "{name}");
            assert!(v.min_margin > 0.0, "{name}");
        }
    }

    #[test]
    fn paths_preset_interpolates_and_needs_a_split() {
        let data = paths();
        assert_eq!(data.task(), crate::dataset::Task::Interpolate);
        let built = compile(&data, &Options::default()).unwrap();
        assert!(built.stats.splits + built.stats.spreads >= 1, "stats = {:?}", built.stats);
    }

    #[test]
    fn interpolation_presets_land_every_read_token_within_1e_9_relative() {
        for name in INTERPOLATION_NAMES {
            let data = preset(name, 0).unwrap();
            assert_eq!(data.task(), crate::dataset::Task::Interpolate, "{name}");
            let built = compile(&data, &Options::default()).unwrap();
            let mut read = 0;
            for s in data.sequences() {
                let out = built.transformer.outputs(&s.tokens);
                let target = s.target.as_ref().unwrap();
                for j in 0..s.m() {
                    let got = out.column(s.read_from() + j);
                    let want = target.column(j);
                    let err = (got - want).amax();
                    assert!(err <= 1e-9 * want.amax().max(1.0), "{name} «{}» read {j}: error {err:e}", s.name);
                    read += 1;
                }
            }
            let v = crate::verify::targets::verify_targets(&built.transformer, &data).unwrap();
            assert_eq!((v.correct, v.total), (read, read), "{name}");
        }
    }

    #[test]
    fn copy_reverse_translate_say_what_they_do() {
        // copy: the targets are the sequence's first m tokens
        for s in copy().sequences() {
            let t = s.target.as_ref().unwrap();
            assert_eq!(t, &s.tokens.columns(0, s.m()).into_owned(), "copy «{}»", s.name);
        }
        // reverse: every token is read, and the targets are the tokens backwards
        for s in reverse().sequences() {
            let t = s.target.as_ref().unwrap();
            assert_eq!(s.m(), s.len());
            for j in 0..s.len() {
                assert_eq!(t.column(j), s.tokens.column(s.len() - 1 - j), "reverse «{}»", s.name);
            }
        }
        // translate: the same letter always goes to the same letter of the other alphabet
        let mut map: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        for s in translate().sequences() {
            let t = s.target.as_ref().unwrap();
            assert_eq!(s.m(), s.len());
            for j in 0..s.len() {
                let (a, b) = (s.tokens.column(j).iter().copied().collect::<Vec<_>>(), t.column(j).iter().copied().collect::<Vec<_>>());
                match map.iter().find(|(k, _)| *k == a) {
                    Some((_, v)) => assert_eq!(*v, b, "translate «{}»", s.name),
                    None => map.push((a, b)),
                }
            }
        }
        assert_eq!(map.len(), 3, "three letters");
    }

    #[test]
    fn reverse_preset_needs_a_split() {
        let built = compile(&reverse(), &Options::default()).unwrap();
        assert!(built.stats.splits >= 1, "stats = {:?}", built.stats);
    }

    #[test]
    fn shared_preset_needs_splits() {
        let built = compile(&shared(), &Options::default()).unwrap();
        assert!(built.stats.splits >= 2, "splits = {}", built.stats.splits);
    }
}
