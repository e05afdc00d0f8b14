//! The prose of hallucination: one paragraph per sweep point and the section's body.

use skm_report::Claim;
use skm_trainer::probe::exposure_bucket_label;

use super::table::{Summary, Table};
use crate::model_scaling::shape_label;
use crate::num;
use crate::spec::Spec;

/// The lists the claims' details and the prose share.
pub(super) struct Lists {
    /// `times stated: hallucinated share` of the largest model, by bucket.
    pub shares: String,
    /// `model: hallucinated share of stated facts`, by model.
    pub sizes: String,
}

impl Lists {
    pub fn of(table: &Table, s: &Summary) -> Self {
        let shares = s
            .seen
            .iter()
            .map(|(b, st)| {
                format!(
                    "{}: {}",
                    exposure_bucket_label(*b as u32),
                    num(st.hallucinated)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let sizes = s
            .stated_by_size
            .iter()
            .map(|&(x, y)| format!("{}: {}", table.label(x), num(y)))
            .collect::<Vec<_>>()
            .join("; ");
        Lists { shares, sizes }
    }
}

/// A claim's rank correlation in prose, `not measurable: reason` when there is none.
fn correlation(c: &Claim) -> String {
    match c.measured() {
        Some(r) => num(r),
        None => format!("not measurable: {}", c.reason().unwrap_or("no value")),
    }
}

/// The paragraph of one sweep point; `c9` = [unseen, frequency, size].
pub(super) fn point(
    label: &str,
    model: &str,
    s: &Summary,
    chance: f64,
    lists: &Lists,
    c9: &[Claim; 3],
) -> String {
    format!(
        "At {label}, largest model ({model}): never-seen entities get a malformed answer in {malformed} of probes and a hallucinated one in {hallucinated}, with mean argmax probability {confidence} against the Bayes learner's 1/|V_j| = {chance}; the valid-value mass is {valid}. Hallucinated share by times stated: {shares}; facts never stated: {unstated}. Hallucinated share of stated facts by model: {sizes}. C9 (unseen) **{unseen}**{unseen_reason}, C9 (frequency) **{frequency}** (rank correlation {r_frequency}), C9 (size) **{size}** (rank correlation {r_size}).",
        malformed = num(s.fresh.malformed),
        hallucinated = num(s.fresh.hallucinated),
        confidence = num(s.fresh.confidence),
        chance = num(chance),
        valid = num(s.fresh.valid_mass),
        shares = lists.shares,
        unstated = num(s.unstated.hallucinated),
        sizes = lists.sizes,
        unseen = c9[0].verdict(),
        unseen_reason = c9[0]
            .reason()
            .map_or(String::new(), |r| format!(" (not measurable: {r})")),
        frequency = c9[1].verdict(),
        r_frequency = correlation(&c9[1]),
        size = c9[2].verdict(),
        r_size = correlation(&c9[2]),
    )
}

/// The section: the setup, then the paragraphs of the sweep points.
pub(super) fn body(spec: &Spec, probes_per_bucket: usize, prose: &[String]) -> String {
    let shapes = spec
        .model_shapes()
        .iter()
        .map(shape_label)
        .collect::<Vec<_>>();
    format!(
        "The models of model-scaling ({shapes}; read from the checkpoint cache) are probed on up to {probes_per_bucket} facts of seen entities per bucket of times stated in the training stream, and on as many never-seen entities (fresh names): the template prefix up to the value slot, read at the argmax. The Bayes learner answers a stated fact with certainty and an unstated one uniformly over the attribute's values.\n\n{points}",
        shapes = shapes.join(", "),
        points = prose.join("\n\n"),
    )
}
