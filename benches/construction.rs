//! Criterion benchmarks: construction and verification on a real multivariate dataset and
//! on generated data, and the structured forward pass against the plain one.

use criterion::{criterion_group, criterion_main, Criterion};
use hardmax::bench::{generate, generate_hub};
use hardmax::construct::{compile, Options};
use hardmax::dataset::{parse, Format};
use hardmax::verify::verify;
use std::hint::black_box;

fn real(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/JapaneseVowels_TRAIN.ts"))
        .expect("the test data ship with the repository");
    let data = parse(&text, Format::Ts).expect("valid");
    c.bench_function("JapaneseVowels construct", |b| b.iter(|| compile(black_box(&data), &Options::default())));
    let built = compile(&data, &Options::default()).expect("exact");
    c.bench_function("JapaneseVowels verify", |b| b.iter(|| verify(black_box(&built.transformer), &data)));
}

fn generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated N=1000 len=20 d=8");
    group.sample_size(10);
    let data = generate(1000, 20, 8, false, 7).expect("valid sizes");
    group.bench_function("construct", |b| b.iter(|| compile(black_box(&data), &Options::default())));
    let built = compile(&data, &Options::default()).expect("exact");
    group.bench_function("verify", |b| b.iter(|| verify(black_box(&built.transformer), &data)));
    group.finish();
}

fn hub(c: &mut Criterion) {
    let mut group = c.benchmark_group("hub N=500 (one shared top token + 8 of 400)");
    group.sample_size(10);
    let data = generate_hub(500, 3, 7).expect("valid sizes");
    group.bench_function("construct", |b| b.iter(|| compile(black_box(&data), &Options::default())));
    let built = compile(&data, &Options::default()).expect("exact");
    group.bench_function("verify", |b| b.iter(|| verify(black_box(&built.transformer), &data)));
    group.finish();
}

fn forward(c: &mut Criterion) {
    let data = generate(50, 200, 4, true, 3).expect("valid sizes");
    let t = compile(&data, &Options::default()).expect("exact").transformer;
    let seq = &data.sequences()[0].tokens;
    let mut group = c.benchmark_group("one sequence of 200 tokens");
    group.bench_function("structured forward", |b| b.iter(|| t.forward(black_box(seq))));
    group.bench_function("plain forward (n x n scores)", |b| b.iter(|| t.forward_dense(black_box(seq))));
    group.finish();
}

criterion_group!(benches, real, generated, hub, forward);
criterion_main!(benches);
