use hardmax::construct::{compile, Options};
use hardmax::dataset::Dataset;
use hardmax::verify::verify_targets;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (a, b) = (1.0 - self.next(), self.next());
        (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
    }
}

#[test]
fn scratch() {
    for trial in 0..6u64 {
        let mut r = Lcg(trial + 2);
        let d = 2 + (trial % 3) as usize;
        let pool: Vec<Vec<f64>> = (0..8).map(|_| (0..d).map(|_| r.normal()).collect()).collect();
        let mut parts = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while parts.len() < 30 {
            let n = 2 + (r.next() * 5.0) as usize;
            let mut idx: Vec<usize> = (0..8).collect();
            for i in 0..8 { let j = i + (r.next() * (8 - i) as f64) as usize; idx.swap(i, j); }
            idx.truncate(n);
            let mut key = idx.clone(); key.sort();
            if !seen.insert(key) { continue; }
            let m = 1 + (r.next() * n as f64) as usize;
            let tokens: Vec<Vec<f64>> = idx.iter().map(|&i| pool[i].clone()).collect();
            let target: Vec<Vec<f64>> = (0..m).map(|_| (0..d).map(|_| 3.0 * r.normal()).collect()).collect();
            parts.push((tokens, target));
        }
        let data = Dataset::from_targets(parts).unwrap();
        let t0 = std::time::Instant::now();
        let built = compile(&data, &Options::default());
        match built {
            Err(e) => println!("trial {trial}: error {e}"),
            Ok(b) => {
                let v = verify_targets(&b.transformer, &data).unwrap();
                println!("trial {trial}: d={d} sum_m={} P={} splits={} blocks={} paper={} err={:.2e} rel={:.2e} {}/{} {:?}",
                    data.sum_m(), b.stats.read_points, b.stats.splits, b.transformer.blocks.len(), 2*data.sum_m()+61, v.max_error, v.max_error_rel, v.correct, v.total, t0.elapsed());
                // compare with plain forward
                let mut worst: f64 = 0.0;
                for s in data.sequences() {
                    let out = b.transformer.outputs(&s.tokens);
                    let y = s.target.as_ref().unwrap();
                    worst = worst.max((out.columns(s.read_from(), s.m()) - y).amax());
                }
                println!("   plain forward worst {worst:.2e}");
            }
        }
    }
}
