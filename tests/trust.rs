//! Trust: on any finite input the construction gives a transformer that verifies exactly,
//! or refuses by name. Never a panic, never a wrong answer, never an internal failure
//! (`Error::Construction`, "please report").
//!
//! Covered here:
//! * arbitrary finite f64 bit patterns (subnormals, magnitudes near `f64::MIN_POSITIVE` and
//!   `f64::MAX`, both in one set, ranges that overflow or underflow when differenced),
//!   in small datasets (a proptest);
//! * hand-picked edge classes: constant coordinates, d up to 64, single-token sequences,
//!   subnormal data, huge offsets with tiny ranges;
//! * near-duplicate sequences of different labels ("twins", as in real recordings where two
//!   classes hold almost the same series) at closeness levels from 1e-3 down to 1e-13 of
//!   the data's range (a proptest): exact, or `TooClose` / `Indistinguishable`.
//!
//! Random tests use a fixed proptest seed; `PROPTEST_RNG_SEED=<u64>` explores others and
//! `TRUST_CASE_FACTOR=<k>` runs k times as many cases.

use hardmax::construct::{compile, Options};
use hardmax::dataset::Dataset;
use hardmax::verify::verify;
use hardmax::Error;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

mod common;
use common::{opts, proptest_config, show, Parts};

/// What one construction gave.
#[derive(Debug)]
enum Outcome {
    /// every sequence classified correctly, with these smallest margins
    Exact { margin: f64, attention: f64 },
    /// a named refusal
    Refused(Error),
}

/// Compiles and verifies; `Err` describes a panic, a wrong answer or an internal failure.
fn outcome(parts: &Parts, o: &Options) -> Result<Outcome, String> {
    let data = match Dataset::from_parts(parts.clone()) {
        Ok(d) => d,
        Err(e) => return Ok(Outcome::Refused(e)),
    };
    let o = o.clone();
    let run = std::panic::catch_unwind(move || -> Result<Outcome, String> {
        let built = match compile(&data, &o) {
            Ok(b) => b,
            Err(e @ (Error::Construction(_) | Error::Model(_))) => return Err(format!("internal failure: {e}")),
            Err(e) => return Ok(Outcome::Refused(e)),
        };
        let t = &built.transformer;
        let v = verify(t, &data);
        if v.correct != v.total {
            return Err(format!("WRONG: {}/{} correct, misclassified {:?}", v.correct, v.total, v.wrong));
        }
        if !(v.min_margin > 0.0 && v.min_attention_margin > 0.0) {
            return Err(format!("margins not positive: {} (attention {})", v.min_margin, v.min_attention_margin));
        }
        // the plain dense forward pass reads the same classes
        for s in data.sequences() {
            let (out, _) = t.forward_dense(&s.tokens);
            let n = out.ncols() as f64;
            let mean = out.column_sum() / n;
            if t.nearest_anchor(&mean).0 != s.label {
                return Err(format!("WRONG: the dense forward pass misclassifies «{}»", s.name));
            }
        }
        // the construction's bound: 1 + S + C + P + 1 blocks with S <= N - 1 splits and
        // P <= N label layers
        let bound = 2 * data.sequences().len() + o.collapse_layers + 1;
        if t.blocks.len() > bound {
            return Err(format!("{} blocks, above the bound 2N + C + 1 = {bound}", t.blocks.len()));
        }
        Ok(Outcome::Exact { margin: v.min_margin, attention: v.min_attention_margin })
    });
    match run {
        Ok(r) => r,
        Err(p) => Err(format!(
            "PANIC: {}",
            p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        )),
    }
}

fn config(cases: u32) -> Config {
    Config { max_shrink_iters: 2000, ..proptest_config(cases, "TRUST_CASE_FACTOR", 0x7275_5354) }
}

fn run<S: Strategy>(name: &str, cases: u32, strategy: S, property: impl FnMut(&S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(cases));
    let property = std::cell::RefCell::new(property);
    match runner.run(&strategy, |v| (property.borrow_mut())(&v)) {
        Ok(()) => {}
        Err(TestError::Fail(why, v)) => panic!("{name}: {why}\ninput: {v:?}"),
        Err(e) => panic!("{name}: {e}"),
    }
}

// ---------------------------------------------------------------------------------------
// Any finite input
// ---------------------------------------------------------------------------------------

/// A finite f64 from arbitrary bits (the exponent of NaN / infinity is moved one down).
fn finite(bits: u64) -> f64 {
    let v = f64::from_bits(bits);
    if v.is_finite() {
        v
    } else {
        f64::from_bits(bits & !(1 << 52))
    }
}

/// Values that stress the arithmetic, mixed into the pools below.
const SPECIAL: [f64; 14] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-320,
    f64::MAX,
    -f64::MAX,
    f64::MAX / 2.0,
    f64::EPSILON,
    1.0 + f64::EPSILON,
];

/// A dataset spec: a pool of finite values (arbitrary bits or special values) and
/// sequences whose coordinates index into it, so that tokens are often shared.
#[derive(Debug, Clone)]
struct AnySpec {
    d: usize,
    pool: Vec<f64>,
    seqs: Vec<(Vec<Vec<usize>>, usize)>,
    seed: u64,
}

impl AnySpec {
    fn parts(&self) -> Parts {
        self.seqs
            .iter()
            .map(|(toks, l)| {
                let tokens = toks.iter().map(|t| t.iter().map(|&k| self.pool[k % self.pool.len()]).collect()).collect();
                (tokens, format!("c{l}"))
            })
            .collect()
    }
}

fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(finite),
        1 => (0..SPECIAL.len()).prop_map(|k| SPECIAL[k]),
        // near the special values: a few ulps away
        1 => ((0..SPECIAL.len()), -3i64..=3).prop_map(|(k, ulps)| {
            let v = SPECIAL[k];
            finite((v.to_bits() as i64).wrapping_add(ulps) as u64)
        }),
    ]
}

fn any_spec() -> impl Strategy<Value = AnySpec> {
    (2usize..=4, 1usize..=8, 2usize..=6, 2usize..=3, any::<u64>())
        .prop_flat_map(|(d, pool, n, labels, seed)| {
            (
                Just(d),
                vec(any_value(), pool),
                vec((vec(vec(0usize..64, d), 1..=5), 0..labels), n),
                Just(seed),
            )
        })
        .prop_map(|(d, pool, seqs, seed)| AnySpec { d, pool, seqs, seed })
}

#[test]
fn arbitrary_finite_bit_patterns_are_exact_or_refused_by_name() {
    let mut exact = 0;
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    run("arbitrary finite values", 600, any_spec(), |spec| {
        let parts = spec.parts();
        for o in [opts(spec.seed), Options { positional: true, ..opts(spec.seed) }] {
            match outcome(&parts, &o) {
                Ok(Outcome::Exact { .. }) => exact += 1,
                Ok(Outcome::Refused(e)) => {
                    let name = format!("{e:?}").split([' ', '(', '{']).next().unwrap_or("").to_string();
                    *refused.entry(name).or_default() += 1;
                }
                Err(why) => {
                    return Err(TestCaseError::fail(format!(
                        "{why}\npositional {}, d = {}\ndata = {}",
                        o.positional,
                        spec.d,
                        show(&parts)
                    )))
                }
            }
        }
        Ok(())
    });
    eprintln!("arbitrary finite values: {exact} exact, refused {refused:?}");
}

// ---------------------------------------------------------------------------------------
// Edge classes of finite input, one by one
// ---------------------------------------------------------------------------------------

/// Three sequences, two labels, a shared top token (so the separate stage splits), built
/// from three values `a < b < c` in two coordinates.
fn shared_top(a: f64, b: f64, c: f64) -> Parts {
    vec![
        (vec![vec![c, c], vec![a, b]], "x".into()),
        (vec![vec![c, c], vec![b, a]], "y".into()),
        (vec![vec![a, a]], "x".into()),
    ]
}

/// Must build exactly (with and without positional encoding, several seeds). Adding the
/// positional code to values near `f64::MAX` overflows: that one is refused by name.
fn assert_exact(name: &str, parts: &Parts) {
    let near_max = parts.iter().flat_map(|p| p.0.iter().flatten()).any(|v| v.abs() > f64::MAX / 2.0);
    for o in [opts(0), opts(5), Options { positional: true, ..opts(1) }] {
        match outcome(parts, &o) {
            Ok(Outcome::Exact { margin, attention, .. }) => {
                assert!(margin > 0.0 && attention > 0.0, "{name}: margins {margin} {attention}")
            }
            Ok(Outcome::Refused(Error::InvalidOption { name: "positional", .. })) if o.positional && near_max => {}
            Ok(Outcome::Refused(e)) => panic!("{name}: refused ({e})\noptions {o:?}\ndata = {}", show(parts)),
            Err(e) => panic!("{name}: {e}\noptions {o:?}\ndata = {}", show(parts)),
        }
    }
}

/// Must build exactly without positional encoding; with it, exact or refused by name (the
/// positional code's amplitude follows the largest coordinate range, so it can drown
/// differences in coordinates whose range is far smaller).
fn assert_exact_plain(name: &str, parts: &Parts) {
    for o in [opts(0), opts(5)] {
        match outcome(parts, &o) {
            Ok(Outcome::Exact { margin, attention, .. }) => {
                assert!(margin > 0.0 && attention > 0.0, "{name}: margins {margin} {attention}")
            }
            Ok(Outcome::Refused(e)) => panic!("{name}: refused ({e})\noptions {o:?}\ndata = {}", show(parts)),
            Err(e) => panic!("{name}: {e}\noptions {o:?}\ndata = {}", show(parts)),
        }
    }
    eprintln!("{}", assert_exact_or_named(name, parts, &Options { positional: true, ..opts(1) }));
}

/// Must build exactly or be refused by name (reported), never anything else.
fn assert_exact_or_named(name: &str, parts: &Parts, o: &Options) -> String {
    match outcome(parts, o) {
        Ok(Outcome::Exact { margin, .. }) => format!("{name}: exact (margin {margin:.2e})"),
        Ok(Outcome::Refused(e)) => format!("{name}: refused: {e}"),
        Err(e) => panic!("{name}: {e}\noptions {o:?}\ndata = {}", show(parts)),
    }
}

#[test]
fn subnormal_and_smallest_normal_magnitudes_are_exact() {
    // subnormal ranges: the normalizing scale 1 / range is not a finite f64
    assert_exact("subnormal", &shared_top(1e-320, 2e-320, 3e-320));
    assert_exact("smallest subnormals", &shared_top(0.0, 5e-324, 1e-323));
    assert_exact("signed subnormals", &shared_top(-1e-321, 0.0, 1e-321));
    // around the smallest normal number
    let m = f64::MIN_POSITIVE;
    assert_exact("near MIN_POSITIVE", &shared_top(m, 2.0 * m, 3.0 * m));
    assert_exact("across MIN_POSITIVE", &shared_top(m / 4.0, m, 4.0 * m));
}

#[test]
fn largest_magnitudes_and_both_ends_in_one_set() {
    let big = f64::MAX;
    // a range that overflows when differenced (MAX - (-MAX))
    assert_exact("-MAX..MAX", &shared_top(-big, 0.0, big));
    assert_exact("near MAX", &shared_top(big / 4.0, big / 2.0, big));
    // the smallest and the largest magnitudes in one set: the small ones are one position
    // at the data's scale; they differ from the large ones
    let both: Parts = vec![
        (vec![vec![big, big], vec![f64::MIN_POSITIVE, 5e-324]], "x".into()),
        (vec![vec![big, big], vec![-big, 0.0]], "y".into()),
        (vec![vec![5e-324, f64::MIN_POSITIVE]], "z".into()),
        (vec![vec![-big, -big]], "x".into()),
    ];
    assert_exact("MIN_POSITIVE and MAX", &both);
    // tiny values that differ only far below the data's scale: one position, refused by name
    let lost: Parts = vec![
        (vec![vec![big, big], vec![f64::MIN_POSITIVE, 0.0]], "x".into()),
        (vec![vec![big, big], vec![5e-324, 0.0]], "y".into()),
    ];
    match outcome(&lost, &opts(0)) {
        Ok(Outcome::Refused(Error::Indistinguishable { first: 1, second: 2, .. })) => {}
        other => panic!("tiny differences next to MAX: expected Indistinguishable 1 / 2, got {other:?}"),
    }
}

#[test]
fn huge_offsets_with_small_ranges_are_exact() {
    // 1e15 + small integers: every value is exactly representable, the offset is 1e14
    // times the range
    let o = 1e15;
    assert_exact("offset 1e15", &shared_top(o, o + 1.0, o + 2.0));
    assert_exact("offset -1e300", &shared_top(-1e300, -1e300 + 1e285, -1e300 + 2e285));
}

#[test]
fn constant_coordinates() {
    // one coordinate never varies
    let parts: Parts = vec![
        (vec![vec![3.0, 7.0], vec![1.0, 7.0]], "x".into()),
        (vec![vec![3.0, 7.0], vec![2.0, 7.0]], "y".into()),
        (vec![vec![0.0, 7.0]], "x".into()),
    ];
    assert_exact("constant second coordinate", &parts);
    // every coordinate constant: one position for all, two labels
    let all: Parts = vec![(vec![vec![5.0, 5.0]], "x".into()), (vec![vec![5.0, 5.0], vec![5.0, 5.0]], "y".into())];
    match outcome(&all, &opts(0)) {
        Ok(Outcome::Refused(Error::Indistinguishable { .. })) => {}
        other => panic!("one position for every token: expected Indistinguishable, got {other:?}"),
    }
    // every coordinate constant, one label: trivially exact
    let one: Parts = vec![(vec![vec![5.0, 5.0]], "x".into()), (vec![vec![5.0, 5.0]], "x".into())];
    assert_exact("constant, one class", &one);
}

#[test]
fn high_dimensions_up_to_64() {
    for d in [8usize, 16, 32, 64] {
        // shared tokens between labels, lattice values, single-token sequences among them
        let v = |k: usize, j: usize| (((k * 7 + j * 13) % 5) as f64) - 2.0;
        let mut parts: Parts = Vec::new();
        for k in 0..10 {
            let shared: Vec<f64> = (0..d).map(|j| v(0, j) + 3.0).collect();
            let own: Vec<f64> = (0..d).map(|j| v(k, j) + (k as f64) * 1e-3 * ((j % 3) as f64)).collect();
            let tokens = if k % 3 == 0 { vec![own] } else { vec![shared, own] };
            parts.push((tokens, format!("c{}", k % 3)));
        }
        assert_exact(&format!("d = {d}"), &parts);
    }
}

#[test]
fn single_token_sequences() {
    let parts: Parts = (0..12).map(|k| (vec![vec![(k % 4) as f64, (k / 4) as f64]], format!("c{}", k % 3))).collect();
    assert_exact("single tokens on a grid", &parts);
    // the same single token under two labels
    let dup: Parts = vec![(vec![vec![1.0, 2.0]], "a".into()), (vec![vec![1.0, 2.0]], "b".into())];
    match outcome(&dup, &opts(0)) {
        Ok(Outcome::Refused(Error::Indistinguishable { first: 1, second: 2, .. })) => {}
        other => panic!("one token, two labels: expected Indistinguishable, got {other:?}"),
    }
}

#[test]
fn positional_encoding_near_the_largest_values_is_refused_by_name() {
    let big = f64::MAX;
    let parts: Parts = vec![
        (vec![vec![-big, -big], vec![big, 0.0]], "x".into()),
        (vec![vec![big, 0.0], vec![-big, -big]], "y".into()),
    ];
    match outcome(&parts, &Options { positional: true, ..opts(0) }) {
        Ok(Outcome::Exact { .. }) | Ok(Outcome::Refused(Error::InvalidOption { .. })) => {}
        other => panic!("positional code at MAX: expected exact or a named option error, got {other:?}"),
    }
    eprintln!("{}", assert_exact_or_named("positional at MAX", &parts, &Options { positional: true, ..opts(0) }));
}

// ---------------------------------------------------------------------------------------
// Near-duplicate sequences of different labels ("twins")
// ---------------------------------------------------------------------------------------

/// Base series and their twins: every value of a twin differs from its base by
/// `closeness * range * s` with |s| in [1/2, 1] (random sign), and the twin has another
/// label. With `lift`, d = 1 series lifted to (x, t); otherwise 2-d tokens.
/// The perturbation of one twin, as the strategy draws it.
type Perturbation = (bool, u8, bool, u8);

#[derive(Debug, Clone)]
struct Twins {
    lift: bool,
    closeness_exp: i32,
    bases: Vec<(Vec<(u16, u16)>, usize)>,
    /// per base: the twin's label offset (1.. classes-1) and the perturbations
    twins: Vec<(usize, Vec<Perturbation>)>,
    classes: usize,
    seed: u64,
}

impl Twins {
    fn closeness(&self) -> f64 {
        10f64.powi(-self.closeness_exp)
    }
    fn parts(&self) -> Parts {
        let range = 1000.0;
        let step = self.closeness() * range;
        let pert = |neg: bool, mag: u8| (if neg { -step } else { step }) * (0.5 + mag as f64 / 510.0);
        let mut parts = Vec::new();
        for ((base, label), (offset, ps)) in self.bases.iter().zip(&self.twins) {
            let token = |&(x, y): &(u16, u16)| -> Vec<f64> {
                let (x, y) = (x as f64 * range / 65535.0, y as f64 * range / 65535.0);
                if self.lift {
                    vec![x]
                } else {
                    vec![x, y]
                }
            };
            let a: Vec<Vec<f64>> = base.iter().map(token).collect();
            let b: Vec<Vec<f64>> = a
                .iter()
                .zip(ps.iter().cycle())
                .map(|(t, &(nx, mx, ny, my))| {
                    let mut t = t.clone();
                    t[0] += pert(nx, mx);
                    if t.len() > 1 {
                        t[1] += pert(ny, my);
                    }
                    t
                })
                .collect();
            parts.push((a, format!("c{label}")));
            parts.push((b, format!("c{}", (label + offset) % self.classes)));
        }
        parts
    }
}

fn twins() -> impl Strategy<Value = Twins> {
    (any::<bool>(), prop::sample::select(vec![3, 5, 6, 7, 8, 9, 10, 11, 12, 13]), 2usize..=4, 1usize..=8, any::<u64>())
        .prop_flat_map(|(lift, closeness_exp, classes, n, seed)| {
            (
                Just(lift),
                Just(closeness_exp),
                vec((vec((any::<u16>(), any::<u16>()), 1..=12), 0..classes), n),
                vec((1..classes, vec((any::<bool>(), any::<u8>(), any::<bool>(), any::<u8>()), 1..=12)), n),
                Just(classes),
                Just(seed),
            )
        })
        .prop_map(|(lift, closeness_exp, bases, twins, classes, seed)| Twins { lift, closeness_exp, bases, twins, classes, seed })
}

#[test]
fn twins_are_exact_or_refused_by_name_at_every_closeness() {
    let mut tally: std::collections::BTreeMap<i32, (usize, usize, usize)> = Default::default();
    let mut worst_margin = f64::INFINITY;
    run("twins", 300, twins(), |t| {
        let parts = t.parts();
        let o = Options { lift_time: t.lift, ..opts(t.seed) };
        let entry = tally.entry(t.closeness_exp).or_default();
        match outcome(&parts, &o) {
            Ok(Outcome::Exact { margin, .. }) => {
                entry.0 += 1;
                worst_margin = worst_margin.min(margin);
            }
            Ok(Outcome::Refused(e @ (Error::TooClose { .. } | Error::Indistinguishable { .. }))) => {
                // above the tent floor (about 1e-11 of the range) twins are always built
                prop_assert!(t.closeness_exp >= 11, "closeness 1e-{}: refused ({e})\ndata = {}", t.closeness_exp, show(&parts));
                if matches!(e, Error::TooClose { .. }) {
                    entry.1 += 1;
                } else {
                    entry.2 += 1;
                }
            }
            Ok(Outcome::Refused(e)) => {
                return Err(TestCaseError::fail(format!("closeness 1e-{}: unexpected refusal {e}\ndata = {}", t.closeness_exp, show(&parts))))
            }
            Err(why) => {
                return Err(TestCaseError::fail(format!("closeness 1e-{}: {why}\ndata = {}", t.closeness_exp, show(&parts))))
            }
        }
        Ok(())
    });
    eprintln!("twins (closeness exponent: exact, too close, indistinguishable): {tally:?}; smallest margin {worst_margin:.3e}");
}

/// The shape of the refused real dataset: 60 random series with x in [0, 100], lengths
/// about 100, lifted to (x, t), each with a twin of another label whose values differ by up
/// to eps * 100. Exact down to 1e-10; refused by name below (never an internal failure).
#[test]
fn sixty_twin_series_at_the_reported_closeness_levels() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut report = Vec::new();
    for eps in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12] {
        let mut parts: Parts = Vec::new();
        for _ in 0..30 {
            let len = 90 + (next() * 20.0) as usize;
            let xs: Vec<f64> = (0..len).map(|_| next() * 100.0).collect();
            let label = (next() * 4.0) as usize;
            let twin: Vec<f64> = xs.iter().map(|x| x + (2.0 * next() - 1.0) * eps * 100.0).collect();
            let other = (label + 1 + (next() * 3.0) as usize) % 4;
            parts.push((xs.iter().map(|x| vec![*x]).collect(), format!("c{label}")));
            parts.push((twin.iter().map(|x| vec![*x]).collect(), format!("c{other}")));
        }
        let o = Options { lift_time: true, ..opts(0) };
        let line = assert_exact_or_named(&format!("eps {eps:e}"), &parts, &o);
        if eps >= 1e-10 {
            assert!(line.contains("exact"), "{line}");
        }
        report.push(line);
    }
    eprintln!("sixty twin series:\n  {}", report.join("\n  "));
}

#[test]
fn a_huge_constant_coordinate_next_to_tiny_ranges() {
    // eta = 1 / range is finite, but eta times the constant coordinate overflows
    let parts: Parts = vec![
        (vec![vec![1.4667955317988628e275, 4.194389903016391e-232, -2.3499582377650053e-296]], "a".into()),
        (vec![vec![1.4667955317988628e275, 5.207884889629195e-264, 0.0]], "b".into()),
        (vec![vec![1.4667955317988628e275, 0.0, 0.0], vec![1.4667955317988628e275, 4.194389903016391e-232, 0.0]], "a".into()),
    ];
    assert_exact_plain("huge constant coordinate", &parts);
    // the same next to a subnormal range
    let sub: Parts = vec![
        (vec![vec![-1e300, 1e-320], vec![-1e300, 3e-320]], "a".into()),
        (vec![vec![-1e300, 2e-320]], "b".into()),
    ];
    assert_exact_plain("huge constant coordinate, subnormal range", &sub);
}
