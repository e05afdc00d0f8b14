//! The section's prose: the setup, then per point the final state and the claims.

use crate::error::Result;
use skm_report::Claim;
use skm_trainer::probe::Strata;
use skm_trainer::{ModelConfig, TrainConfig};

use super::claims::Settled;
use super::curves::PointCurves;
use super::params::Params;
use crate::num;
use crate::spec::Spec;
use crate::training::model_label;

/// What the paragraphs of one point say.
pub(super) struct PointText<'a> {
    pub label: &'a str,
    pub curves: &'a PointCurves,
    pub settled: &'a Settled,
    /// `bucket: first step known`, from [`super::claims::acquisition_listing`].
    pub acquisition: &'a str,
    /// `exposures -> seen`, from [`super::claims::seen_listing`].
    pub seen_list: &'a str,
    /// `1/|V_j|`: what a calibrated model puts on each value.
    pub calibrated: f64,
    /// C4, C7 (order) and C7 (exposures).
    pub claims: [&'a Claim; 3],
}

/// The two paragraphs of one point: the final state and C4/C7, then C7 (exposures).
pub(super) fn point_paragraphs(t: &PointText, p: &Params) -> Result<[String; 2]> {
    let final_excess = |role: &str| -> Result<String> {
        let excess = t.curves.excess(role)?;
        Ok(excess.last().map_or("n/a".into(), |&(_, y)| num(y)))
    };
    let (syntax, name, value) = (
        final_excess("syntax")?,
        final_excess("name")?,
        final_excess("value")?,
    );
    let syntax_from = t.settled.syntax.map_or_else(
        || "at no evaluated step".to_string(),
        |s| format!("from step {}", num(s)),
    );
    let knowledge_from = t.settled.knowledge.map_or_else(
        || "not within the run".to_string(),
        |k| format!("from step {}", num(k)),
    );
    let never_seen = t.curves.never_seen()?;
    let (malformed, valid_mass, p_argmax, calibrated) = (
        num(never_seen.malformed),
        num(never_seen.valid_mass),
        num(never_seen.p_argmax),
        num(t.calibrated),
    );
    let (label, last_step, acquisition) = (t.label, t.curves.last_step, t.acquisition);
    let (floor, known) = (p.floor_bits, p.known_accuracy);
    let [c4, c7, c7_exposures] = t.claims;
    let (c4, c7) = (c4.verdict(), c7.verdict());
    let state = format!(
        "At {label}: after {last_step} steps the held-out excess over the oracle is {syntax} bits/token for syntax, {name} for names and {value} for values. Syntax stays below {floor} bits/token {syntax_from}, knowledge {knowledge_from}. Probe accuracy first reaches {known} (by bucket): {acquisition}. Never-seen entities: the argmax is malformed for {malformed} of the probes, the mass on the attribute's valid values is {valid_mass} and the argmax's probability {p_argmax} (a calibrated model would put 1/|V_j| = {calibrated} on each value). C4 **{c4}**, C7 (order) **{c7}**."
    );
    let seen = if t.seen_list.is_empty() {
        "none"
    } else {
        t.seen_list
    };
    let slope = match (c7_exposures.measured(), c7_exposures.reason()) {
        (Some(slope), _) => format!("slope {}", num(slope)),
        (None, reason) => format!("not measurable: {}", reason.unwrap_or("no slope")),
    };
    let exposures = format!(
        "Exposures seen from the step syntax settles until a bucket is first known (its mean exposures -> seen): {seen}; C7 (exposures) **{}** ({slope}).",
        c7_exposures.verdict(),
    );
    Ok([state, exposures])
}

/// The section: the setup, then the paragraphs of every point.
pub(super) fn body(
    spec: &Spec,
    p: &Params,
    (model, train): (&ModelConfig, &TrainConfig),
    prose: &[String],
) -> String {
    let tokens = train.steps * train.batch_size * model.context;
    let strata = match p.probe_strata {
        Strata::Exposures => "exposures in the training stream",
        Strata::Weight => "expected exposures pi N / A (true frequency)",
    };
    let (label, parameters, non_embedding) = (
        model_label(model),
        model.parameters(),
        model.non_embedding_parameters(),
    );
    let (steps, batch, context) = (train.steps, train.batch_size, model.context);
    let (rate, warmup, min_rate) = (
        train.learning_rate,
        train.warmup_steps,
        train.min_learning_rate,
    );
    let (sentences, heldout, per_bucket) =
        (spec.sentences, p.heldout_sentences, p.probes_per_bucket);
    let points = prose.join("\n\n");
    format!(
        "A {label} transformer ({parameters} parameters, {non_embedding} of them outside the embeddings) is trained for {steps} steps of {batch} windows of {context} tokens ({tokens} tokens) on a stream of {sentences} sentences, with AdamW (peak rate {rate}, {warmup} warmup steps, cosine decay to {min_rate}). At log-spaced steps it is scored on {heldout} held-out sentences, token by token beside the oracle, and probed on facts drawn from each bucket of {strata} (up to {per_bucket} per bucket) and on as many never-seen entities: the template prefix up to the value slot, read at the argmax.\n\n{points}"
    )
}
