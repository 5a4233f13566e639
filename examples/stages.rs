use hardmax::construct::{geometry::Rng, *};
use hardmax::dataset::{parse, Format};
use std::time::Instant;
fn main() {
    let f = std::env::args().nth(1).unwrap();
    let data = parse(&std::fs::read_to_string(&f).unwrap(), Format::Ts).unwrap();
    let labels: Vec<usize> = data.sequences().iter().map(|s| s.label).collect();
    let names: Vec<String> = data.sequences().iter().map(|s| s.name.clone()).collect();
    let mut rng = Rng::new(0);
    let t = Instant::now();
    let norm = normalize::run(&data, &mut rng);
    eprintln!("normalize {:?}", t.elapsed());
    let t = Instant::now();
    let sep = separate::run(separate::Input { clouds: norm.clouds, labels: &labels, names: &names, classes: data.classes(), w: &norm.w, c: &norm.c, choice: SplitChoice::Greedy }, &mut rng).unwrap();
    eprintln!("separate {:?}", t.elapsed());
    let t = Instant::now();
    let col = collapse::run(sep.clouds, &norm.w, sep.pending, 1);
    eprintln!("collapse {:?}", t.elapsed());
    let t = Instant::now();
    let lab = label::run(col.clouds, &labels, data.classes(), &norm.view, Labeling::Runs, &mut rng).unwrap();
    eprintln!("label {:?} runs {}", t.elapsed(), lab.runs);
}
