use hardmax::{bench::generate, construct::{compile, Options}, verify::verify, model::Cloud};
fn main() {
    let data = generate(5000, 20, 8, false, 1);
    let c = compile(&data, &Options::default()).unwrap();
    let t = &c.transformer;
    let v = verify(t, &data);
    let bad = v.wrong[0];
    let seq = &data.sequences()[bad];
    println!("bad seq {} label {} pred {}", bad, seq.label, v.predictions[bad]);
    let u = t.directions.u.clone().unwrap(); let e = t.directions.e.clone().unwrap();
    let mut cloud = Cloud::from_tokens(&seq.tokens);
    let mut m = f64::INFINITY;
    for (i, b) in t.blocks.iter().enumerate() {
        let before = cloud.points.column(0).into_owned();
        hardmax::model::transformer::apply_block(b, &mut cloud, &mut m);
        let after = cloud.points.column(0).into_owned();
        let moved = (&after - &before).norm();
        if b.ff_meta.stage == hardmax::model::Stage::Label && moved > 1e-6 {
            println!("block {i} moved {moved:.3e}  u.x={:.12} e.x {:.6} -> {:.6} caption {}", u.dot(&before), e.dot(&before), e.dot(&after), b.ff_meta.caption);
            for tent in &b.ff_meta.tents { println!("   tent lo {:.12} hi {:.12} left {:.3e} right {:.3e} z={:.3e}", tent.lo, tent.hi, tent.left, tent.right, (u.dot(&before)-tent.lo)/tent.left); }
        }
    }
    println!("npoints {}", cloud.n_points());
    // all label tents near the point
    for (i, b) in t.blocks.iter().enumerate() {
        for tent in &b.ff_meta.tents {
            if tent.role == hardmax::model::TentRole::Label && (tent.lo + 0.2078380).abs() < 2e-7 {
                println!("block {i} tent lo {:.12} hi {:.12} {}", tent.lo, tent.hi, b.ff_meta.caption);
            }
        }
    }
    // collapsed points of all sequences near the level
    for (s, sq) in data.sequences().iter().enumerate() {
        let mut cl = Cloud::from_tokens(&sq.tokens);
        for b in t.blocks.iter().take(3) { hardmax::model::transformer::apply_block(b, &mut cl, &mut m); }
        let p = u.dot(&cl.points.column(0));
        if (p + 0.2078380).abs() < 2e-7 { println!("seq {s} label {} u.x {:.12} npts {}", sq.label, p, cl.n_points()); }
    }
}
#[allow(dead_code)]
fn unused() {}
