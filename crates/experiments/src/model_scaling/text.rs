//! The prose of model-scaling: one paragraph per sweep point and the section's body.

use skm_report::{Claim, Estimate};
use skm_trainer::TrainConfig;

use super::Fit;
use super::measured::Measured;
use super::shape_label;
use crate::num;
use crate::spec::{Point, Spec};

/// `P = ..: excess .. bits/token, .. facts known beyond chance (.. bits per parameter)` per
/// model.
fn per_model(m: &Measured, bits_per_fact: f64) -> String {
    let [excess, _, known] = m.means();
    excess
        .iter()
        .zip(&known)
        .map(|(&(params, e), &(_, k))| {
            format!(
                "P = {params}: excess {e} bits/token, {k} facts known beyond chance ({bits} bits per parameter)",
                params = num(params),
                e = num(e),
                k = num(k),
                bits = num(k * bits_per_fact / params),
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Facts answered right of those stated by times stated, for the smallest and the largest
/// model: a model limited by capacity misses facts whatever their exposures, one limited by
/// the data misses the rarely stated ones.
fn by_exposure(m: &Measured) -> String {
    m.extreme_sizes()
        .into_iter()
        .map(|size| {
            let rows: Vec<_> = m.by_bucket.iter().filter(|(k, _)| k.0 == size).collect();
            let model = rows.first().map_or(String::new(), |(_, v)| v.model.clone());
            let list = rows
                .iter()
                .map(|(_, b)| format!("{}: {}/{}", b.bucket, num(b.known), num(b.stated)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{model}: {list}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The paragraph of one sweep point; `slopes` are the mean slopes of C6's and C8's fits over
/// the sizes of `fit`.
pub(super) fn point(
    point: &Point,
    m: &Measured,
    [c6, c8]: [&Claim; 2],
    slopes: [f64; 2],
    fit: &Fit,
) -> String {
    let bits_per_fact = (point.generator.values_per_attribute as f64).log2();
    format!(
        "At {label}: {per_model}. The exact data floor, the Bayes learner's expected excess on a held-out sentence after the {sentences} training sentences, is {floor} bits per token: no learner of these sentences does better in expectation, so C6 fits the excess above it. {claims} A fact is known when its probe's argmax is the true value, less the right guesses: a guess is right once in |V_j| = {values}, so the wrong values over |V_j| - 1 estimate them. Bits per parameter count log2 |V_j| = {bits} bits per known fact over the parameters of the transformer blocks. Facts answered right of those stated (guesses included), by times stated ({by_exposure}): a model limited by its capacity would miss facts whatever their exposures; one limited by the data misses the rarely stated ones.",
        label = point.label,
        per_model = per_model(m, bits_per_fact),
        sentences = num(m.training_sentences),
        floor = num(m.floor_bits_per_token),
        claims = claims_sentence([c6, c8], slopes, fit),
        bits = num(bits_per_fact),
        values = point.generator.values_per_attribute,
        by_exposure = by_exposure(m),
    )
}

/// What C6 and C8 found: their slopes and verdicts, or why the regime rules them out.
fn claims_sentence([c6, c8]: [&Claim; 2], [c6_slope, c8_slope]: [f64; 2], fit: &Fit) -> String {
    let theory = c6.reference().map_or_else(|| "n/a".into(), num);
    if let Estimate::NotMeasurable { reason } = c6.estimate() {
        let (c6_slope, c8_slope) = (num(c6_slope), num(c8_slope));
        return format!(
            "C6 and C8 are not measurable here: {reason}. Fitted over all models only to show it, the excess above the floor falls with slope {c6_slope} (theory -(1 - alpha)/alpha = {theory}) and facts known beyond chance grow with slope {c8_slope} (theory 1). C6 **{}**, C8 **{}**.",
            c6.verdict(),
            c8.verdict(),
        );
    }
    format!(
        "Over the capacity-limited sizes P = {sizes} only ({listing}), the excess above the floor falls with slope {c6} against the theory's -(1 - alpha)/alpha = {theory}: C6 **{c6_verdict}**. Facts known beyond chance grow with slope {c8} against 1 (linear; PASS within {c8_rule}): C8 **{c8_verdict}**.",
        sizes = fit.regime.sizes_text(),
        listing = fit.regime.listing(),
        c6 = c6.estimate_text(),
        c6_verdict = c6.verdict(),
        c8 = c8.estimate_text(),
        c8_rule = c8.rule_text(),
        c8_verdict = c8.verdict(),
    )
}

/// The section: the setup, then the paragraphs of the sweep points.
pub(super) fn body(
    spec: &Spec,
    train: &TrainConfig,
    test_sentences: u64,
    prose: &[String],
) -> String {
    let shapes = spec.models.iter().map(shape_label).collect::<Vec<_>>();
    format!(
        "Transformers of shapes {shapes} (context {context}) are trained for the same {steps} steps of {batch} windows (AdamW, peak rate {peak}, cosine decay to {min}) on one stream of {sentences} sentences, then scored on {test_sentences} test sentences beside the oracle, and probed on every fact stated in the stream (the template prefix up to the value slot, read at the argmax). P counts the parameters of the transformer blocks: the token and position embeddings and the output head are left out, as in Kaplan et al.'s N.\n\n{points}",
        shapes = shapes.join(", "),
        context = spec.models.first().map_or(0, |m| m.context),
        steps = train.steps,
        batch = train.batch_size,
        peak = train.learning_rate,
        min = train.min_learning_rate,
        sentences = num(spec.sentences as f64),
        points = prose.join("\n\n"),
    )
}
