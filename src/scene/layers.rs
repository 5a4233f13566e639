//! What a scene says about its layers: tent views, layer infos, stage ranges, view
//! directions and the stage plan.

use super::{project, LayerInfo, StagePlan, StageRange, TentView, ViewDirections, NO_DIRECTION};
use crate::dataset::{Dataset, Task};
use crate::model::{LayerKind, Stage, Tent, TentRole, Transformer};
use nalgebra::DVector;

pub(super) fn tents_of(t: &Transformer, k: usize) -> &[Tent] {
    t.layer(k).map_or(&[], |(_, m)| m.tents.as_slice())
}

/// A tent in the view; `center` defaults to the middle of its plateau.
pub(super) fn tent_view(t: &Transformer, tent: &Tent, center: Option<[f64; 2]>) -> TentView {
    let g = project(t, tent.direction.as_view());
    let len = (g[0] * g[0] + g[1] * g[1]).sqrt();
    // a tent whose direction is (nearly) perpendicular to the view is drawn across x
    let normal = if len > NO_DIRECTION { [g[0] / len, g[1] / len] } else { [1.0, 0.0] };
    let center = center.unwrap_or_else(|| project(t, (&tent.direction * (0.5 * (tent.lo + tent.hi))).as_view()));
    TentView {
        role: tent.role,
        center,
        normal,
        half_width: (0.5 * (tent.hi - tent.lo) + tent.left.max(tent.right)) * len,
        shift: project(t, tent.displacement.as_view()),
    }
}

pub(super) fn layer_infos(t: &Transformer, tents: Vec<Vec<TentView>>) -> Vec<LayerInfo> {
    tents
        .into_iter()
        .enumerate()
        .filter_map(|(i, tents)| {
            let (kind, meta) = t.layer(i + 1)?;
            Some(LayerInfo { index: i + 1, block: i / 2 + 1, kind, stage: meta.stage, caption: meta.caption.clone(), tents })
        })
        .collect()
}

pub(super) fn stage_ranges(layers: &[LayerInfo]) -> Vec<StageRange> {
    let mut bands: Vec<StageRange> = Vec::new();
    for l in layers {
        match bands.last_mut() {
            Some(b) if b.stage == l.stage => b.last = l.index,
            _ => bands.push(StageRange { stage: l.stage, first: l.index, last: l.index, description: l.stage.description() }),
        }
    }
    bands
}

pub(super) fn view_directions(t: &Transformer) -> ViewDirections {
    let unit = |v: &DVector<f64>| {
        let p = project(t, v.as_view());
        let len = (p[0] * p[0] + p[1] * p[1]).sqrt();
        ([p[0] / len.max(NO_DIRECTION), p[1] / len.max(NO_DIRECTION)], len)
    };
    let d = &t.directions;
    let (w, c) = (unit(&d.w), unit(&d.c));
    let (u, e) = (d.u.as_ref().map(unit), d.e.as_ref().map(unit));
    // the center of the anchors: the middle of the picture late on
    let mut origin = [0.0, 0.0];
    for a in &t.anchors {
        let p = project(t, a.as_view());
        origin[0] += p[0] / t.anchors.len() as f64;
        origin[1] += p[1] / t.anchors.len() as f64;
    }
    let len = |x: Option<([f64; 2], f64)>| x.map_or(0.0, |x| x.1);
    ViewDirections {
        w: w.0,
        c: c.0,
        u: u.map(|x| x.0),
        e: e.map(|x| x.0),
        origin,
        lengths: [w.1, c.1, len(u), len(e)],
    }
}

/// Fractions of the encoded input's variance along the two view axes (every token).
pub(super) fn explained(data: &Dataset, t: &Transformer) -> [f64; 2] {
    let mut mean = DVector::zeros(t.dim);
    let mut n = 0.0;
    for s in data.sequences() {
        for c in t.input.apply(&s.tokens).column_iter() {
            mean += c;
            n += 1.0;
        }
    }
    mean /= f64::max(n, 1.0);
    let (mut total, mut a, mut b) = (0.0, 0.0, 0.0);
    for s in data.sequences() {
        for c in t.input.apply(&s.tokens).column_iter() {
            let v = c - &mean;
            total += v.norm_squared();
            a += t.view[0].dot(&v).powi(2);
            b += t.view[1].dot(&v).powi(2);
        }
    }
    if total > 0.0 {
        [a / total, b / total]
    } else {
        [0.0, 0.0]
    }
}

fn last_layer(t: &Transformer, stage: Stage) -> Option<usize> {
    (1..=t.layer_count()).rev().find(|&k| t.layer(k).map(|(_, m)| m.stage) == Some(stage))
}

/// Jump-out tents of the separate stage.
fn count_jumps(t: &Transformer) -> usize {
    let sep = t.blocks.iter().filter(|b| b.ff_meta.stage == Stage::Separate);
    sep.flat_map(|b| b.ff_meta.tents.iter()).filter(|x| x.role == TentRole::JumpOut).count()
}

fn count_layers(t: &Transformer, stage: Stage, kind: LayerKind) -> usize {
    (1..=t.layer_count()).filter(|&k| matches!(t.layer(k), Some((kd, m)) if kd == kind && m.stage == stage)).count()
}

/// Picks the states the stage figure shows:
///
/// * input: after the last normalize layer (normalized coordinates, so that all five panels
///   share one pair of axes; the raw input differs only by a scale and a shift);
/// * separated: just before the first collapse attention layer. The separate stage's last
///   jumped-out token comes back down in the first collapse block's feed-forward layer, so
///   this is the separated picture with every token back in place;
/// * collapsed, labeled: after the last layer of that stage; final: after the last layer.
///
/// Interpolation has no collapse, label or snap: its five states are input (after the
/// normalize feed-forward layer), separated (the last separate or spread layer), parked (the park block's feed-forward layer, which also
/// places the first read points), halfway through the place stage, and final.
pub fn stage_plan(t: &Transformer) -> StagePlan {
    let n = t.layer_count();
    let input = last_layer(t, Stage::Normalize).unwrap_or(0);
    if t.task == Task::Interpolate {
        // the normalize block's attention may already spread sequences apart: the input panel
        // is its feed-forward layer's output, "separated" comes after that attention layer
        let input = (1..=n).find(|&k| matches!(t.layer(k), Some((LayerKind::Ff, m)) if m.stage == Stage::Normalize)).unwrap_or(0);
        let separated = last_layer(t, Stage::Separate).or(last_layer(t, Stage::Normalize)).unwrap_or(input);
        let parked = (1..=n)
            .find(|&k| matches!(t.layer(k), Some((LayerKind::Ff, m)) if m.stage == Stage::Park))
            .unwrap_or(separated);
        let place_ff: Vec<usize> =
            (1..=n).filter(|&k| matches!(t.layer(k), Some((LayerKind::Ff, m)) if m.stage == Stage::Place)).collect();
        let middle = if place_ff.is_empty() { parked } else { place_ff[(place_ff.len() - 1) / 2] };
        return StagePlan {
            states: [input, separated, parked, middle, n],
            splits: count_layers(t, Stage::Separate, LayerKind::Sa),
            jumps: count_jumps(t),
            collapse_layers: 0,
            label_blocks: count_layers(t, Stage::Place, LayerKind::Ff) + count_layers(t, Stage::Park, LayerKind::Ff),
            label_tents: t
                .blocks
                .iter()
                .filter(|b| matches!(b.ff_meta.stage, Stage::Park | Stage::Place))
                .flat_map(|b| b.ff_meta.tents.iter())
                .filter(|x| x.role == TentRole::Place)
                .count(),
        };
    }
    let first_collapse_sa = (1..=n).find(|&k| matches!(t.layer(k), Some((LayerKind::Sa, m)) if m.stage == Stage::Collapse));
    let separated = match first_collapse_sa {
        Some(k) => k - 1,
        None => last_layer(t, Stage::Separate).unwrap_or(input),
    };
    let collapsed = last_layer(t, Stage::Collapse).unwrap_or(separated);
    let labeled = last_layer(t, Stage::Label).unwrap_or(collapsed);
    let label_tents = t
        .blocks
        .iter()
        .filter(|b| b.ff_meta.stage == Stage::Label)
        .flat_map(|b| b.ff_meta.tents.iter())
        .filter(|x| x.role == TentRole::Label)
        .count();
    StagePlan {
        states: [input, separated, collapsed, labeled, n],
        splits: count_layers(t, Stage::Separate, LayerKind::Sa),
        jumps: count_jumps(t),
        collapse_layers: count_layers(t, Stage::Collapse, LayerKind::Sa),
        label_blocks: count_layers(t, Stage::Label, LayerKind::Ff),
        label_tents,
    }
}
