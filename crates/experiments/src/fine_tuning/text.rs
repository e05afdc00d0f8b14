//! The section's prose: the setup, per point four paragraphs, the figure's caption and the
//! details of the C10 claims.

use skm_report::{Claim, Estimate};
use skm_trainer::probe::bucket_label;
use skm_trainer::{ModelConfig, TrainConfig};

use super::claims::{Learning, Relapse, comparable, forgetting_rule};
use super::curves::{PointCurves, ends, reach};
use super::params::Params;
use super::qa::COPIES;
use crate::num;
use crate::spec::Spec;
use crate::training::model_label;

/// The setup paragraph, then the points' paragraphs `prose`.
pub(super) fn body(
    spec: &Spec,
    p: &Params,
    model: &ModelConfig,
    train: &TrainConfig,
    tune: &TrainConfig,
    prose: &[String],
) -> String {
    let model_label = model_label(model);
    let extra_tokens = spec
        .points
        .first()
        .map_or(0, |q| 2 + q.generator.attributes);
    let points = prose.join("\n\n");
    format!(
        "A {model_label} transformer is pre-trained for {steps} steps of {batch} windows of {context} tokens on a stream of {sentences} sentences (AdamW, peak rate {rate}, {warmup} warmup steps, cosine decay to {min_rate}). Its vocabulary has {extra_tokens} tokens more than the generator's, unused in pre-training: QUESTION, ANSWER and one ATTR_j per attribute, for QA sentences `QUESTION ATTR_j name ANSWER value EOS`. Two copies of the pre-trained model are then tuned for {tune_steps} steps (fresh AdamW, peak rate {tune_rate}, {tune_warmup} warmup steps) on QA sentences only, {COPIES} shuffled copies of them: the known arm on up to {facts} facts the model knows (right in template probes), of the seen entities it knows best (most facts right, then most frequent) among those of no held-out probe (the held-out probes are drawn first, stratified by frequency, so well-known entities stay held out too), the unknown arm on its mirror image: one never-seen entity (fresh name) per known-arm entity, with a value uniform in V_j for each attribute that entity tunes, so both arms tune as many facts of as many entities, of the same attributes. At log-spaced tuning steps ({per_decade} per decade) both are probed, in template and in QA format, on held-out facts of seen entities (up to {per_bucket} per bucket of expected exposures pi N / A), on as many never-seen entities and on the tuned facts.\n\n{points}",
        steps = train.steps,
        batch = train.batch_size,
        context = model.context,
        sentences = spec.sentences,
        rate = train.learning_rate,
        warmup = train.warmup_steps,
        min_rate = train.min_learning_rate,
        tune_steps = tune.steps,
        tune_rate = tune.learning_rate,
        tune_warmup = tune.warmup_steps,
        facts = p.tune_facts,
        per_decade = p.evaluations_per_decade,
        per_bucket = p.probes_per_bucket,
    )
}

/// The caption of point `label`'s figure.
pub(super) fn caption(model: &ModelConfig, attributes: usize, seeds: usize, label: &str) -> String {
    let model_label = model_label(model);
    let parameters = ModelConfig {
        vocab_size: model.vocab_size + 2 + attributes,
        ..model.clone()
    }
    .parameters();
    format!(
        "Tuning on QA sentences, on facts the model knows (known arm, blue) or on never-seen entities (unknown arm, vermillion). Left: held-out QA probes answered with a value of the asked attribute (format, dashed) and tuned facts answered correctly (solid). Middle: template-probe accuracy of held-out pre-trained facts by true frequency (expected exposures pi N / A), unknown arm solid, known arm dashed in the same colour. Right: held-out facts known before tuning, asked in QA format: hallucinated (solid) and correct (dashed) shares; dots: the never-seen entities' p(argmax) in QA format beside the calibrated 1/|V_j|. {model_label} model ({parameters} parameters), {seeds} seed(s), {label}; step 0 (the pre-trained model) is in the frames but off the log axes."
    )
}

/// What the paragraphs of one point read.
pub(super) struct PointText<'a> {
    pub label: &'a str,
    pub curves: &'a PointCurves,
    pub forgetting: &'a ForgettingText,
    /// `1/|V_j|`: what a calibrated model puts on each value.
    pub calibrated: f64,
    /// `log10(F)`, `F` the facts tuned in the unknown arm.
    pub theory: f64,
    /// C10 format, forgetting and hallucination.
    pub claims: [&'a Claim; 3],
}

/// The four paragraphs of one point: the pre-trained model, then C10 format, forgetting and
/// hallucination.
pub(super) fn point_paragraphs(t: &PointText, p: &Params) -> [String; 4] {
    [
        setup_paragraph(t),
        format_paragraph(t, p),
        forgetting_paragraph(t, p),
        hallucination_paragraph(t),
    ]
}

fn setup_paragraph(t: &PointText) -> String {
    let c = t.curves;
    let pretrained = c
        .unknown
        .bucket_ends()
        .iter()
        .map(|&(b, before, _)| format!("{}: {}", bucket_label(b), num(before)))
        .collect::<Vec<_>>()
        .join("; ");
    let (label, known_facts, heldout_facts, facts_tuned) =
        (t.label, c.known_facts, c.heldout_facts, c.facts_tuned);
    let (tuned_known, tuned) = c.tuned_known_before;
    let (entities, fewest) = (c.entities_tuned, c.fewest_entities_tuned);
    format!(
        "At {label}: after pre-training, template probes of held-out facts are answered correctly by expected exposures as {pretrained}; {known_facts} of the {heldout_facts} held-out probes are known. Summed over seeds, the known arm tunes {tuned} facts of {entities} entities (at least {fewest} in every seed), of which {tuned_known} were known before (template probe correct), and the unknown arm {facts_tuned} facts of as many never-seen entities."
    )
}

fn format_paragraph(t: &PointText, p: &Params) -> String {
    let (u, k) = (&t.curves.unknown, &t.curves.known);
    let claim = t.claims[0];
    let (format_accuracy, known_accuracy, decades) = (p.learned_share, p.learned_share, p.decades);
    let gap = match claim.estimate() {
        Estimate::NotMeasurable { reason } => format!("not measurable: {reason}"),
        Estimate::Bound { value, .. } => format!(
            "at least {} decades apart (the facts never reach their threshold)",
            num(*value)
        ),
        estimate => format!(
            "{} decades apart",
            estimate.value().map_or_else(|| "n/a".into(), num)
        ),
    };
    format!(
        "Format: held-out QA probes get a value of the asked attribute for a share {format_accuracy} of them {format_k_at} in the known arm and {format_u_at} in the unknown arm, ending at {format_k_end} and {format_u_end}. New facts: the unknown arm's tuned facts are answered correctly for a share {known_accuracy} {facts_u_at}, ending at {facts_u_end}; the known arm's {facts_k_at}, ending at {facts_k_end}. C10 (format) **{verdict}**: {gap} (theory log10(F) = {theory} decades for the F facts tuned, PASS from {decades}).",
        format_k_at = reach(&k.format, format_accuracy),
        format_u_at = reach(&u.format, format_accuracy),
        format_k_end = num(ends(&k.format).1),
        format_u_end = num(ends(&u.format).1),
        facts_u_at = reach(&u.facts, known_accuracy),
        facts_u_end = num(ends(&u.facts).1),
        facts_k_at = reach(&k.facts, known_accuracy),
        facts_k_end = num(ends(&k.facts).1),
        verdict = claim.verdict(),
        theory = num(t.theory),
    )
}

fn forgetting_paragraph(t: &PointText, p: &Params) -> String {
    let ForgettingText {
        list_u,
        list_k,
        lost_u,
        lost_k,
    } = t.forgetting;
    let claim = t.claims[1];
    let (estimate, verdict) = (claim.estimate_text(), claim.verdict());
    let because = claim
        .undecided_reason()
        .map_or_else(String::new, |r| format!(": {r}"));
    let threshold = p.min_difference;
    format!(
        "Forgetting: template accuracy of held-out facts before -> after tuning, unknown arm: {list_u}; known arm: {list_k}. Unknown arm: {lost_u}; known arm: {lost_k}. The rarest bucket's share lost minus the most frequent's, in the unknown arm: {estimate}, PASS when at least {threshold} (all of an interval): C10 (forgetting) **{verdict}**{because}."
    )
}

fn hallucination_paragraph(t: &PointText) -> String {
    let (u, k) = (&t.curves.unknown, &t.curves.known);
    let known_qa_text = if t.curves.known_facts == 0 {
        "no held-out fact was known before tuning, so hallucination on known facts is not measured"
            .to_string()
    } else {
        format!(
            "asked in QA format after tuning, the held-out facts the model knew are hallucinated for {h_u} of the probes after tuning on unknown facts and {h_k} after tuning on known facts (correct: {c_u} and {c_k})",
            h_u = num(ends(&u.hallucinated).1),
            h_k = num(ends(&k.hallucinated).1),
            c_u = num(ends(&u.correct).1),
            c_k = num(ends(&k.correct).1),
        )
    };
    format!(
        "Hallucination: {known_qa_text}. Never-seen entities in QA format: the argmax gets probability {p_u} (unknown arm) and {p_k} (known arm) on average, beside the calibrated 1/|V_j| = {calibrated}. C10 (hallucination) **{verdict}**.",
        p_u = num(ends(&u.confidence).1),
        p_k = num(ends(&k.confidence).1),
        calibrated = num(t.calibrated),
        verdict = t.claims[2].verdict(),
    )
}

/// The prose lists of C10 forgetting's detail (`_u` unknown arm, `_k` known arm).
pub(super) struct ForgettingText {
    /// Template accuracy before -> after tuning, by bucket.
    pub list_u: String,
    pub list_k: String,
    /// The rarest and most frequent qualifying buckets' share lost, in words.
    pub lost_u: String,
    pub lost_k: String,
}

impl ForgettingText {
    pub(super) fn new(curves: &PointCurves, p: &Params) -> Self {
        let list = |ends: &[(i32, f64, f64)]| {
            ends.iter()
                .map(|&(b, before, after)| {
                    format!(
                        "{bucket} ({probes} probes): {before} -> {after}",
                        bucket = bucket_label(b),
                        probes = curves.probes_in.get(&b).copied().unwrap_or(0),
                        before = num(before),
                        after = num(after),
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let lost_pair = |ends: &[(i32, f64, f64)]| {
            let ends = comparable(ends, &curves.probes_in, p.forgetting_min_probes);
            forgetting_rule(&ends, p.forgetting_min_accuracy).map_or_else(
                || "fewer than two buckets qualify".to_string(),
                |((rare, lost_rare), (frequent, lost_frequent))| {
                    format!(
                        "{rare} loses {lost_rare} of its accuracy, {frequent} loses {lost_frequent}",
                        rare = bucket_label(rare),
                        lost_rare = num(lost_rare),
                        frequent = bucket_label(frequent),
                        lost_frequent = num(lost_frequent),
                    )
                },
            )
        };
        let (ends_u, ends_k) = (curves.unknown.bucket_ends(), curves.known.bucket_ends());
        ForgettingText {
            list_u: list(&ends_u),
            list_k: list(&ends_k),
            lost_u: lost_pair(&ends_u),
            lost_k: lost_pair(&ends_k),
        }
    }
}

/// C10 format's detail when the format never reaches its threshold.
pub(super) fn format_not_learned(p: &Params, l: &Learning, theory: f64) -> String {
    let (format_accuracy, known_accuracy) = (p.learned_share, p.learned_share);
    format!(
        "Unknown arm: the share of held-out QA probes answered with a value of the asked attribute never reaches {format_accuracy} (end: {format_u_end}), so the format is not learned within the run, while the tuned new facts are answered correctly for a share {known_accuracy} {facts_u_at} (end: {facts_u_end}). Known arm: the format ends at {format_k_end}, its tuned facts reach {known_accuracy} {facts_k_at}. Theory: log10(F) = {theory} decades between format and facts, F the facts tuned.",
        format_u_end = num(ends(l.format_u).1),
        facts_u_at = reach(l.facts_u, known_accuracy),
        facts_u_end = num(ends(l.facts_u).1),
        format_k_end = num(ends(l.format_k).1),
        facts_k_at = reach(l.facts_k, known_accuracy),
        theory = num(theory),
    )
}

/// C10 format's detail: the format reached at `format_at`, the facts at `facts_at` (`None`:
/// never, so `gap` is a lower bound), `facts = F` the facts tuned in a run.
pub(super) fn format_detail(
    p: &Params,
    l: &Learning,
    (format_at, facts_at): (f64, Option<f64>),
    gap: f64,
    (theory, facts): (f64, f64),
) -> String {
    let (format_accuracy, known_accuracy, decades) = (p.learned_share, p.learned_share, p.decades);
    let sentences = l.sentences_per_step;
    let exposures = match facts_at {
        Some(facts_at) => format!(
            "each new fact after about {} exposures of its own",
            num(facts_at * sentences / facts)
        ),
        None => format!(
            "the new facts not within about {} exposures each",
            num(l.facts_u.last().map_or(0.0, |p| p.0) * sentences / facts)
        ),
    };
    let exposures = format!(
        " In exposures (about {} QA sentences a step): the format reaches the threshold after about {} QA sentences, {exposures}.",
        num(sentences),
        num(format_at * sentences),
    );
    let (bound, bound_rule) = if facts_at.is_none() {
        (
            " (the last step for the facts: a lower bound)",
            " (a lower bound only when it already is)",
        )
    } else {
        ("", "")
    };
    format!(
        "Unknown arm: held-out QA probes get a value of the asked attribute for a share {format_accuracy} of them first at step {format_at}; the tuned new facts are answered correctly for a share {known_accuracy} {facts_u_at} (end: {facts_u_end}); measured = log10 of the ratio of those steps{bound} = {gap} decades; PASS when >= {decades}{bound_rule}. Theory: log10(F) = {theory} decades if format and fact need as many exposures (every QA sentence shows the format, a fact is one of the F = {facts} facts tuned in a run, on average). Known arm: the format reaches {format_accuracy} {format_k_at}, its tuned facts reach {known_accuracy} {facts_k_at}.{exposures}",
        format_at = num(format_at),
        facts_u_at = reach(l.facts_u, known_accuracy),
        facts_u_end = num(ends(l.facts_u).1),
        gap = num(gap),
        theory = num(theory),
        facts = num(facts),
        format_k_at = reach(l.format_k, format_accuracy),
        facts_k_at = reach(l.facts_k, known_accuracy),
    )
}

/// C10 forgetting's detail.
pub(super) fn forgetting_detail(p: &Params, t: &ForgettingText) -> String {
    let ForgettingText {
        list_u,
        list_k,
        lost_u,
        lost_k,
    } = t;
    let (min_accuracy, min_difference) = (p.forgetting_min_accuracy, p.min_difference);
    let min_probes = p.forgetting_min_probes;
    format!(
        "Unknown arm, template probes of held-out facts by expected exposures, accuracy before -> after tuning ({list_u}): of the buckets with {min_probes} or more probes and accuracy >= {min_accuracy} before, the rarest and the most frequent: {lost_u}; measured = the rarer's share lost minus the frequent's; PASS when >= {min_difference} (with an interval, all of it). Known arm ({list_k}): {lost_k}."
    )
}

/// C10 hallucination's detail.
pub(super) fn hallucination_detail(p: &Params, r: &Relapse, by_seed: &[f64]) -> String {
    let (known_facts, heldout_facts, min_difference) =
        (r.known_facts, r.heldout_facts, p.min_difference);
    let by_seed: Vec<String> = by_seed.iter().map(|&d| num(d)).collect();
    format!(
        "Held-out facts the model knew before tuning (template probe correct; {known_facts} of {heldout_facts} probes over all seeds), asked in QA format after {last_step} tuning steps: hallucinated (a wrong value of the attribute) {h_u} after tuning on unknown facts, {h_k} after tuning on known facts (correct: {c_u} and {c_k}; all seeds pooled); measured = the difference in each seed ({by_seed}), and their mean; PASS when the mean is >= {min_difference} (with its interval, all of it).",
        by_seed = by_seed.join(", "),
        last_step = num(r.last_step),
        h_u = num(r.hallucinated.0),
        h_k = num(r.hallucinated.1),
        c_u = num(r.correct.0),
        c_k = num(r.correct.1),
    )
}
