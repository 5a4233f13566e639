//! The words of the stage figure ([`super::stage`]): its title, each panel's caption with the
//! counts of its stage, and the legend's line of blocks per stage.

use super::svg::{plural, superscript};
use crate::model::{LayerKind, Stage};
use crate::scene::{Coord, Scene};
use crate::verify::{TargetCheck, Verification};

/// The figure's title: the task, its counts and the paper's block count.
pub(super) fn title<P: Coord>(scene: &Scene<P>, interpolates: bool) -> String {
    let n = scene.sequences.len();
    let sum_m = scene.targets.len();
    if interpolates {
        format!(
            "Sequence to sequence, stage by stage: {}, {}, {} blocks (the paper's count: 2Σm+2N+1 = {})",
            plural(n, "sequence", "sequences"),
            plural(sum_m, "read token", "read tokens"),
            scene.layer_count() / 2,
            2 * sum_m + 2 * n + 1
        )
    } else {
        format!(
            "The construction, stage by stage: {} in {} classes, {} blocks (the paper's count: 4N+1 = {})",
            plural(n, "sequence", "sequences"),
            scene.classes.len(),
            scene.layer_count() / 2,
            4 * n + 1
        )
    }
}

/// The legend's line of blocks per stage.
pub(super) fn blocks_line<P: Coord>(scene: &Scene<P>, interpolates: bool) -> String {
    let count = |s| stage_blocks(scene, s);
    if interpolates {
        format!(
            "{} blocks = {} normalize + {} separate + {} park + {} place",
            scene.layer_count() / 2,
            count(Stage::Normalize),
            count(Stage::Separate),
            count(Stage::Park),
            count(Stage::Place)
        )
    } else {
        format!(
            "{} blocks = {} normalize + {} separate + {} collapse + {} label + {} snap",
            scene.layer_count() / 2,
            count(Stage::Normalize),
            count(Stage::Separate),
            count(Stage::Collapse),
            count(Stage::Label),
            count(Stage::Snap)
        )
    }
}

/// Blocks of one stage (a block belongs to the stage of its feed-forward layer).
fn stage_blocks<P: Coord>(scene: &Scene<P>, stage: Stage) -> usize {
    scene.layers.iter().filter(|l| l.kind == LayerKind::Ff && l.stage == stage).count()
}

/// Every panel's caption: its stage, then a short description with the counts
/// (`collapsed_points`: the distinct points after the collapse).
pub(super) fn classify<P: Coord>(scene: &Scene<P>, collapsed_points: usize, v: &Verification) -> [(String, String); 5] {
    let plan = &scene.plan;
    let n = scene.sequences.len();
    let n_tokens: usize = scene.sequences.iter().map(|s| s.length).sum();
    let separated = if plan.splits == 0 {
        "No split needed: no two differently labeled sequences share a leader (their token furthest along w), so this is the input again.".into()
    } else if plan.jumps > plan.splits {
        format!(
            "{} in {}: tokens jump out along w, several per block, each to its own height, become the leaders of their sequences, and attention slides them along c; repeated until no two classes share a leader.",
            plural(plan.jumps, "split", "splits"),
            plural(plan.splits, "block", "blocks")
        )
    } else {
        format!(
            "{} ({}): a token jumps out along w, becomes the leader of its sequences, and attention slides them along c; repeated until no two classes share a leader.",
            plural(plan.splits, "split", "splits"),
            plural(plan.splits, "block", "blocks")
        )
    };
    [
        (
            "1 · input (normalized)".into(),
            format!(
                "{} of {} after the normalize layer (state {}), which only rescales and shifts the data into the box [1,2]{}{}. A faint line joins each sequence's tokens.",
                plural(n_tokens, "token", "tokens"),
                plural(n, "sequence", "sequences"),
                plan.states[0],
                superscript(scene.dim),
                if scene.positional { ", after a small positional offset per token" } else { "" }
            ),
        ),
        ("2 · separated".into(), separated),
        (
            "3 · collapsed".into(),
            format!(
                "{}: hardmax attention puts every token exactly on its sequence's leader; the {} are now {}.",
                plural(plan.collapse_layers, "collapse layer", "collapse layers"),
                plural(n, "sequence", "sequences"),
                plural(collapsed_points, "point", "points")
            ),
        ),
        (
            "4 · labeled".into(),
            format!(
                "{} in {}: each point moves along e to its class's code; the moves keep u·x, so no tent disturbs another's slab.",
                plural(plan.label_tents, "tent on u", "tents on u"),
                plural(plan.label_blocks, "block", "blocks")
            ),
        ),
        (
            "5 · final (snap)".into(),
            format!(
                "1 snap layer sends every token to its class's anchor (ring). Readout: the nearest anchor to each sequence's mean token; {}/{} correct.",
                v.correct, v.total
            ),
        ),
    ]
}

/// The interpolation's captions: input, separated, parked, placing, final.
pub(super) fn interpolate<P: Coord>(scene: &Scene<P>, check: &TargetCheck) -> [(String, String); 5] {
    let plan = &scene.plan;
    let n = scene.sequences.len();
    let sum_m = scene.targets.len();
    let spread = (plan.states[0] + 1..=plan.states[1]).any(|k| scene.layer(k).is_some_and(|l| l.caption.starts_with("Spread")));
    let separated = if plan.splits == 0 && spread {
        "Spread (in the normalize block's attention): each sequence slides along c by an amount set by its leader along v, so read tokens with different targets no longer coincide.".into()
    } else if plan.splits == 0 {
        "No split needed: no two sequences read one position with different targets, so this is the input again.".into()
    } else if plan.jumps > plan.splits {
        format!(
            "{} in {}: sequences whose read tokens sit on one point but must go to different targets are slid apart along c.",
            plural(plan.jumps, "split", "splits"),
            plural(plan.splits, "block", "blocks")
        )
    } else {
        format!(
            "{}: sequences whose read tokens sit on one point but must go to different targets are slid apart along c.",
            plural(plan.splits, "split (one block)", "splits (one block each)")
        )
    };
    // the park layer places a first read token, unless it brings a split's token back down instead
    let park_places = scene
        .layers
        .iter()
        .any(|l| l.stage == Stage::Park && l.tents.iter().any(|t| t.role == crate::model::TentRole::Place));
    let placed_so_far = scene
        .layers
        .iter()
        .filter(|l| l.index <= plan.states[3] && matches!(l.stage, Stage::Park | Stage::Place))
        .flat_map(|l| l.tents.iter())
        .filter(|t| t.role == crate::model::TentRole::Place)
        .count();
    [
        (
            "1 · input (normalized)".into(),
            format!(
                "{} of {} after the normalize layer; the last m tokens of each are read (Σm = {}). Diamonds: the targets.",
                plural(scene.sequences.iter().map(|s| s.length).sum(), "token", "tokens"),
                plural(n, "sequence", "sequences"),
                sum_m
            ),
        ),
        ("2 · separated".into(), separated),
        (
            "3 · parked".into(),
            format!(
                "Park: every token takes the same big step along w, so every read token is higher than every target; {} (state {}).",
                if park_places { "the same layer already places the first read token" } else { "the token the last split lifted out comes back down in the same layer" },
                plan.states[2]
            ),
        ),
        (
            "4 · placing".into(),
            format!(
                "{placed_so_far} of {} read points placed so far: each tent grabs the highest read token still waiting and moves it straight onto its target, below every later slab.",
                plan.label_tents
            ),
        ),
        (
            "5 · final".into(),
            format!(
                "The last attention layer undoes the normalization's scale: {}/{} read tokens on target, worst error {:.1e}.",
                check.correct, check.total, check.max_error
            ),
        ),
    ]
}
