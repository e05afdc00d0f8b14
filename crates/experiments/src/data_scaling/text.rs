//! The section's prose: the setup, then per point the excess, the kept checkpoints and C5.

use skm_report::Claim;
use skm_trainer::{ModelConfig, TrainConfig};

use super::curves::PointCurves;
use super::params::Params;
use crate::num;
use crate::spec::Spec;
use crate::training::model_label;

/// The paragraph of the point `label` of discount `alpha`; `budget` is the step budget.
pub(super) fn point_paragraph(
    (label, alpha): (&str, f64),
    curves: &PointCurves,
    [c5, knowledge, ratio]: [&Claim; 3],
    budget: usize,
) -> String {
    let list = curves
        .transformer
        .iter()
        .zip(&curves.bayes)
        .map(|(&(n, t), &(_, b))| format!("N = {}: {} (Bayes {})", num(n), num(t), num(b)))
        .collect::<Vec<_>>()
        .join("; ");
    let seed_steps = |(_, steps): &(Vec<f64>, Vec<f64>)| {
        steps.iter().map(|s| num(*s)).collect::<Vec<_>>().join(", ")
    };
    let kept = curves.kept.iter().map(seed_steps).collect::<Vec<_>>();
    let kept = kept.join("; ");
    let (n_min, n_max) = curves.n_range();
    let (n_min, n_max) = (num(n_min), num(n_max));
    let stopping = if curves.budget_limited.is_empty() {
        "every run stopped early".to_string()
    } else {
        format!(
            "at N = {} the run spent the whole budget of {budget} steps without stopping early, so the model there may be undertrained",
            curves.budget_limited.join(", "),
        )
    };
    let (slope, theory) = (c5.estimate_text(), num(alpha - 1.0));
    let reference = |c: &Claim| c.reference().map_or("n/a".into(), num);
    let (exact, exact_knowledge) = (reference(c5), reference(knowledge));
    let bayes_slope = curves
        .bayes_fit
        .as_ref()
        .map_or("n/a".into(), |f| num(f.slope));
    let verdict = c5.verdict();
    let (knowledge_slope, knowledge_verdict) = (knowledge.estimate_text(), knowledge.verdict());
    let (ratio_slope, ratio_verdict) = (ratio.estimate_text(), ratio.verdict());
    format!(
        "At {label}: test excess in bits per token, {list}. The kept checkpoints were taken at steps {kept} (seed by seed, each from N = {n_min} to {n_max}); {stopping}. The fitted slope is {slope} against {exact}, the slope of the Bayes learner's exact expected excess over the same N (asymptotically alpha - 1 = {theory}); the measured Bayes learner's slope over the same N is {bayes_slope}. C5 **{verdict}**. The knowledge part alone (excess per name or value token, where the syntax's faster fall does not enter) has slope {knowledge_slope} against {exact_knowledge} exact: C5 (knowledge) **{knowledge_verdict}**. Scored on the same test sentences, the transformer's excess over the Bayes learner's has slope {ratio_slope} against N (0 when both fall with the same exponent): C5 (transformer/Bayes) **{ratio_verdict}**."
    )
}

/// The paragraph on the data exponent across alphas, from its claim.
pub(super) fn alpha_paragraph(order: &Claim) -> String {
    format!(
        "Across the sweep: {} C5 (exponent against alpha) **{}**.",
        order.detail,
        order.verdict()
    )
}

/// The section: the setup, then the paragraphs of every point.
pub(super) fn body(
    spec: &Spec,
    p: &Params,
    (model, train): (&ModelConfig, &TrainConfig),
    prose: &[String],
) -> String {
    let (label, parameters) = (model_label(model), model.parameters());
    let sizes = spec.sizes.iter().map(|n| num(*n as f64));
    let sizes = sizes.collect::<Vec<_>>().join(", ");
    let (rate, steps, batch, context) = (
        train.learning_rate,
        train.steps,
        train.batch_size,
        model.context,
    );
    let (heldout, test) = (p.heldout_sentences, p.test_sentences);
    let (every, patience) = (train.eval_every, train.patience.unwrap_or_default());
    let points = prose.join("\n\n");
    format!(
        "One transformer shape ({label}, {parameters} parameters) is trained on the first N sentences of one stream for N in {sizes}, with AdamW (peak rate {rate}, cosine decay over at most {steps} steps of {batch} windows of {context} tokens), evaluated on {heldout} held-out sentences every {every} steps and stopped after {patience} evaluations without improvement; the best checkpoint is scored on {test} test sentences that follow, token by token beside the oracle. Theory: the excess falls like N^-(1 - alpha), as the Bayes learner's does; over a finite range of N the reference is the slope of the Bayes learner's exact expected excess on a held-out sentence (frame `theory_heldout_excess`), which tends to -(1 - alpha) only asymptotically.\n\n{points}"
    )
}
