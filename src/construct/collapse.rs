//! Stage 2 — collapse (C blocks, default C = 1).
//!
//! SA with `Q = K = w^T`: every token attends to its sequence's leader (all projections
//! on w are positive). All but the last layer glide: `rho = 1 - lambda, V = lambda I`
//! with lambda = 1/2; the last lands: `rho = 0, V = I`, every token becomes exactly its
//! leader (the attended tokens sit at one position, whose mean is that position bitwise).
//! The first FF layer brings back the last split's tokens, if any.

use crate::model::{batch, Block, Cloud, LayerMeta, SelfAttention, Stage, Tent, Value};
use nalgebra::DVector;

pub struct Input<'a> {
    pub clouds: Vec<Cloud>,
    pub w: &'a DVector<f64>,
    /// the separate stage's last jumped tokens, still up: their move-back tents go into
    /// the first feed-forward layer
    pub pending: Vec<Tent>,
    pub layers: usize,
}

pub struct Collapsed {
    pub blocks: Vec<Block>,
    pub clouds: Vec<Cloud>,
}

pub fn run(input: Input) -> Collapsed {
    let Input { mut clouds, w, mut pending, layers } = input;
    let d = w.len();
    let mut blocks = Vec::with_capacity(layers);
    for i in 0..layers {
        let last = i + 1 == layers;
        let lambda = if last { 1.0 } else { 0.5 };
        let tents = std::mem::take(&mut pending);
        let ff = Tent::layer(d, &tents);
        let ff_caption = match tents.len() {
            0 => "Collapse: nothing moves in this feed-forward layer; the attention layer after it does the work.".to_string(),
            1 => "Collapse, feed-forward layer: the last split's jumped token comes back down, so every sequence keeps its own leader.".to_string(),
            n => format!("Collapse, feed-forward layer: the last split's {n} jumped tokens come back down, so every sequence keeps its own leader."),
        };
        let sa = SelfAttention::on_direction(1.0 - lambda, w, Value::Scaled(lambda))
            .expect("rank-one attention on w is well formed");
        let sa_caption = if last {
            "Collapse: hardmax attention with ρ = 0 puts every token exactly on its sequence's leader; each sequence is now a single point.".to_string()
        } else {
            format!("Collapse {}/{layers}: every token glides halfway toward its sequence's leader (ρ = 1/2, V = I/2).", i + 1)
        };
        let block = Block {
            ff,
            sa,
            ff_meta: LayerMeta { stage: Stage::Collapse, caption: ff_caption, tents },
            sa_meta: LayerMeta { stage: Stage::Collapse, caption: sa_caption, tents: vec![] },
        };
        batch::apply_to_all(&block, &mut clouds);
        blocks.push(block);
    }
    Collapsed { blocks, clouds }
}
