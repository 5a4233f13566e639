//! The model: feed-forward and hardmax self-attention layers, blocks, the transformer,
//! and the forward pass with its trace.
//!
//! ```text
//! FF(eta, U, b, W):   x   -> eta * x + W relu(U x + b)                      (each token alone)
//! SA(rho, Q, K, V):   s_ij = <Q x_i, K x_j>,  C_i = { j : s_ij >= max_l s_il - tau }
//!                     x_i -> rho * x_i + V * mean_{j in C_i} x_j             (whole sequence)
//! block = FF then SA; transformer = blocks; readout = class of the nearest anchor to the
//! mean output token.
//! ```

pub mod attention;
pub mod batch;
pub mod cloud;
pub mod feedforward;
mod ffindex;
pub mod sweep;
pub mod tent;
pub mod transformer;

pub use attention::{Attend, SelfAttention, Value};
pub use cloud::Cloud;
pub use feedforward::FeedForward;
pub use sweep::Sweep;
pub use tent::{Tent, TentRole};
pub use transformer::{Block, InputMap, LayerKind, LayerMeta, Stage, Transformer};

/// Ties in attention scores are resolved within `tau = TAU_REL * max |s_ij|` (per sequence).
pub const TAU_REL: f64 = 1e-12;
