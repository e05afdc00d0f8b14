//! The claims of fine-tuning (C10), one function each, and their rules.

use skm_report::{Claim, Estimate, Rule, Side};

use super::analyse::{ends, first_reach, reach};
use super::params::Params;
use crate::num;

/// C10 format: decades of steps between the format reaching its threshold and the new facts
/// reaching theirs: one run's gap, or a lower bound (against the last step `last`) when the
/// facts never do; not measurable when the format never reaches its threshold.
pub(super) fn format_estimate(
    format_at: Option<f64>,
    facts_at: Option<f64>,
    last: f64,
) -> Estimate {
    let Some(format_at) = format_at else {
        return Estimate::NotMeasurable {
            reason: "the format never reaches its threshold within the run".into(),
        };
    };
    match facts_at {
        Some(facts_at) => Estimate::SingleRun {
            value: (facts_at / format_at).log10(),
        },
        None => Estimate::Bound {
            value: (last / format_at).log10(),
            side: Side::AtLeast,
        },
    }
}

/// C10 forgetting: of the buckets `(bucket, accuracy before, accuracy after)` whose accuracy
/// before is at least `min_accuracy`, the rarest and the most frequent, with the share of
/// their accuracy lost `(before - after) / before`; `None` when fewer than two buckets qualify.
pub(super) fn forgetting_rule(
    buckets: &[(i32, f64, f64)],
    min_accuracy: f64,
) -> Option<((i32, f64), (i32, f64))> {
    let eligible: Vec<&(i32, f64, f64)> = buckets
        .iter()
        .filter(|(b, before, _)| *b >= 1 && *before >= min_accuracy)
        .collect();
    let lost = |&&(b, before, after): &&(i32, f64, f64)| (b, (before - after) / before);
    let rare = eligible.iter().min_by_key(|(b, _, _)| *b).map(lost)?;
    let frequent = eligible.iter().max_by_key(|(b, _, _)| *b).map(lost)?;
    (rare.0 != frequent.0).then_some((rare, frequent))
}

/// The share curves of C10 format, by arm (`_u` unknown, `_k` known).
pub(super) struct Learning<'a> {
    /// Held-out QA probes answered with a value of the asked attribute.
    pub format_u: &'a [(f64, f64)],
    /// Tuned facts answered correctly in QA format.
    pub facts_u: &'a [(f64, f64)],
    pub format_k: &'a [(f64, f64)],
    pub facts_k: &'a [(f64, f64)],
}

/// C10 format: the unknown arm learns the QA format at least `p.decades` decades of steps
/// before its new facts (theory: `log10(A E)`, `ae = A E` facts tuned). NOT MEASURABLE
/// when the format never reaches its threshold; a lower bound (the facts never reach
/// theirs) decides only when it already reaches `p.decades`.
pub(super) fn format(
    experiment: &str,
    label: &str,
    p: &Params,
    learning: &Learning,
    last_step: f64,
    ae: usize,
) -> Claim {
    let Learning {
        format_u,
        facts_u,
        format_k,
        facts_k,
    } = *learning;
    let format_at = first_reach(format_u, p.format_accuracy);
    let facts_at = first_reach(facts_u, p.known_accuracy);
    let theory = (ae as f64).log10();
    let estimate = format_estimate(format_at, facts_at, last_step);
    let rule = Rule::AtLeast {
        threshold: p.decades,
    };
    let statement = "Fine-tuning learns a new format (QA syntax) in few steps and new facts slowly";
    let variant = format!("{} format", label);
    let Some(gap) = estimate.value() else {
        return Claim::judged(
            "C10",
            variant,
            experiment,
            statement,
            estimate,
            rule,
            format!(
                "Unknown arm: the share of held-out QA probes answered with a value of the asked attribute never reaches {} (end: {}), so the format is not learned within the run, while the tuned new facts are answered correctly for a share {} {} (end: {}). Known arm: the format ends at {}, its tuned facts reach {} {}. Theory: log10(A E) = {} decades between format and facts.",
                p.format_accuracy,
                num(ends(format_u).1),
                p.known_accuracy,
                reach(facts_u, p.known_accuracy),
                num(ends(facts_u).1),
                num(ends(format_k).1),
                p.known_accuracy,
                reach(facts_k, p.known_accuracy),
                num(theory),
            ),
        );
    };
    let detail = format!(
        "Unknown arm: held-out QA probes get a value of the asked attribute for a share {} of them first at step {}; the tuned new facts are answered correctly for a share {} {} (end: {}); measured = log10 of the ratio of those steps{} = {} decades; PASS when >= {}{}. Theory: log10(A E) = {} decades if format and fact need as many exposures (every QA sentence shows the format, a fact is one of A E = {} facts). Known arm: the format reaches {} {}, its tuned facts reach {} {}.",
        p.format_accuracy,
        num(format_at.unwrap_or(f64::NAN)),
        p.known_accuracy,
        reach(facts_u, p.known_accuracy),
        num(ends(facts_u).1),
        if facts_at.is_none() {
            " (the last step for the facts: a lower bound)"
        } else {
            ""
        },
        num(gap),
        p.decades,
        if facts_at.is_none() {
            " (a lower bound only when it already is)"
        } else {
            ""
        },
        num(theory),
        ae,
        p.format_accuracy,
        reach(format_k, p.format_accuracy),
        p.known_accuracy,
        reach(facts_k, p.known_accuracy),
    );
    Claim::judged(
        "C10", variant, experiment, statement, estimate, rule, detail,
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

/// C10 forgetting: in the unknown arm, the rarest qualifying bucket `(bucket, before, after)`
/// of `ends_u` loses a share of its accuracy larger by at least `p.min_difference` than the
/// most frequent one; NOT MEASURABLE when fewer than two buckets qualify.
pub(super) fn forgetting(
    experiment: &str,
    label: &str,
    p: &Params,
    ends_u: &[(i32, f64, f64)],
    text: &ForgettingText,
) -> Claim {
    let estimate = match forgetting_rule(ends_u, p.forgetting_min_accuracy) {
        Some(((_, rare), (_, frequent))) => Estimate::SingleRun {
            value: rare - frequent,
        },
        None => Estimate::NotMeasurable {
            reason: format!(
                "fewer than two buckets have template accuracy >= {} before tuning",
                p.forgetting_min_accuracy
            ),
        },
    };
    Claim::judged(
        "C10",
        format!("{} forgetting", label),
        experiment,
        "Fine-tuning forgets rare pre-trained facts first",
        estimate,
        Rule::AtLeast {
            threshold: p.min_difference,
        },
        format!(
            "Unknown arm, template probes of held-out facts by expected exposures, accuracy before -> after tuning ({}): of the buckets with accuracy >= {} before, the rarest and the most frequent: {}; measured = the rarer's share lost minus the frequent's; PASS when >= {}. Known arm ({}): {}.",
            text.list_u,
            p.forgetting_min_accuracy,
            text.lost_u,
            p.min_difference,
            text.list_k,
            text.lost_k,
        ),
    )
}

/// What C10 hallucination reads: held-out facts known before tuning, asked in QA format.
pub(super) struct Relapse {
    /// Held-out QA probes known before tuning, and all held-out QA probes.
    pub known_facts: usize,
    pub heldout_facts: usize,
    /// The last tuning step.
    pub last_step: f64,
    /// Hallucinated share at the last step: (unknown arm, known arm).
    pub hallucinated: (f64, f64),
    /// Correct share at the last step: (unknown arm, known arm).
    pub correct: (f64, f64),
}

/// C10 hallucination: tuning on unknown facts raises the hallucinated share of known facts
/// by at least `p.min_difference` over tuning on known facts; NOT MEASURABLE when no
/// held-out fact was known before tuning.
pub(super) fn hallucination(experiment: &str, label: &str, p: &Params, r: &Relapse) -> Claim {
    let (known_facts, heldout_facts, last_step) = (r.known_facts, r.heldout_facts, r.last_step);
    let (h_u, h_k) = r.hallucinated;
    let estimate = if known_facts == 0 {
        Estimate::NotMeasurable {
            reason: "no held-out fact was known before tuning".into(),
        }
    } else if !(h_u - h_k).is_finite() {
        Estimate::NotMeasurable {
            reason: format!(
                "the hallucinated shares ({} and {}) have no finite difference",
                num(h_u),
                num(h_k)
            ),
        }
    } else {
        Estimate::SingleRun { value: h_u - h_k }
    };
    Claim::judged(
        "C10",
        format!("{} hallucination", label),
        experiment,
        "Tuning on unknown facts raises hallucination more than tuning on known facts",
        estimate,
        Rule::AtLeast {
            threshold: p.min_difference,
        },
        format!(
            "Held-out facts the model knew before tuning (template probe correct; {known_facts} of {heldout_facts} probes), asked in QA format after {} tuning steps: hallucinated (a wrong value of the attribute) {} after tuning on unknown facts, {} after tuning on known facts (correct: {} and {}); measured = the difference; PASS when >= {}.",
            num(last_step),
            num(h_u),
            num(h_k),
            num(r.correct.0),
            num(r.correct.1),
            p.min_difference,
        ),
    )
}
