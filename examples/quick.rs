use hardmax::{construct::{compile, Options}, dataset::{parse, Format}, verify::verify};
fn main() {
    for f in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&f).unwrap();
        let data = parse(&text, Format::Ts).unwrap();
        let t0 = std::time::Instant::now();
        let c = compile(&data, &Options::default()).unwrap();
        let t1 = t0.elapsed();
        let v = verify(&c.transformer, &data);
        println!("{f}: N={} blocks={} splits={} runs={} correct={}/{} margin={:.3e} att={:.3e} err={:.2e} build={:?} verify={:?}", data.len(), c.transformer.blocks.len(), c.stats.splits, c.stats.runs, v.correct, v.total, v.min_margin, v.min_attention_margin, v.max_anchor_error, t1, t0.elapsed()-t1);
    }
}
