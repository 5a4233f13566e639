use hardmax::{bench::generate, construct::{compile, Options}, verify::verify};
use std::time::Instant;
fn main() {
    let a: Vec<usize> = std::env::args().skip(1).take(4).map(|s| s.parse().unwrap()).collect();
    let data = generate(a[0], a[1], a[2], a[3] == 1, 1);
    let t0 = Instant::now();
    let c = compile(&data, &Options::default()).unwrap();
    let t1 = t0.elapsed();
    let v = verify(&c.transformer, &data);
    println!("N={} len={} d={} shared={} blocks={} splits={} runs={} correct={}/{} margin={:.3e} att={:.3e} build={:?} verify={:?}", a[0], a[1], a[2], a[3], c.transformer.blocks.len(), c.stats.splits, c.stats.runs, v.correct, v.total, v.min_margin, v.min_attention_margin, t1, t0.elapsed()-t1);
}
