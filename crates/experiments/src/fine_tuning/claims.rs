//! The claims of fine-tuning (C10), one function each, and their rules.

use skm_report::{Claim, Estimate, Rule, Side};

use super::curves::first_reach;
use super::params::Params;
use super::text::{self, ForgettingText};
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

/// The buckets `(bucket, accuracy before, accuracy after)` of `ends` that hold at least
/// `min_probes` probes (`probes_in`): the only ones C10 forgetting compares.
pub(super) fn comparable(
    ends: &[(i32, f64, f64)],
    probes_in: &std::collections::BTreeMap<i32, usize>,
    min_probes: usize,
) -> Vec<(i32, f64, f64)> {
    let probes = |b: &i32| probes_in.get(b).copied().unwrap_or(0);
    ends.iter()
        .filter(|(b, _, _)| probes(b) >= min_probes)
        .copied()
        .collect()
}

/// The share curves of C10 format, by arm (`_u` unknown, `_k` known).
pub(super) struct Learning<'a> {
    /// Held-out QA probes answered with a value of the asked attribute.
    pub format_u: &'a [(f64, f64)],
    /// Tuned facts answered correctly in QA format.
    pub facts_u: &'a [(f64, f64)],
    pub format_k: &'a [(f64, f64)],
    pub facts_k: &'a [(f64, f64)],
    /// QA sentences trained on per tuning step, in expectation: `B T / (L + 5)` (random
    /// windows of `T` tokens, `B` a step, QA sentences of `L + 5` tokens). Turns steps into
    /// exposures: of the format, every QA sentence; of one of `F` facts, `1/F` of them.
    pub sentences_per_step: f64,
}

/// C10 format: the unknown arm learns the QA format at least `p.decades` decades of steps
/// before its new facts (theory: `log10(F)`, `facts = F` the facts tuned in a run, the mean
/// over runs). NOT MEASURABLE
/// when the format never reaches its threshold; a lower bound (the facts never reach
/// theirs) decides only when it already reaches `p.decades`. The curves pool the seeds; when
/// each seed's own curves give a gap (`by_seed`), the estimate is their mean with its
/// t-interval.
pub(super) fn format(
    experiment: &str,
    label: &str,
    p: &Params,
    learning: &Learning,
    last_step: f64,
    (facts, by_seed): (f64, &[Option<f64>]),
) -> Claim {
    let format_at = first_reach(learning.format_u, p.learned_share);
    let facts_at = first_reach(learning.facts_u, p.learned_share);
    let theory = facts.log10();
    let estimate = match format_estimate(format_at, facts_at, last_step) {
        single @ Estimate::SingleRun { .. } => crate::seed_interval(by_seed).unwrap_or(single),
        other => other,
    };
    let rule = Rule::AtLeast {
        threshold: p.decades,
    };
    let variant = format!("{} format", label);
    let Some(gap) = estimate.value() else {
        let detail = text::format_not_learned(p, learning, theory);
        return crate::claim("C10", variant, experiment, estimate, rule, detail);
    };
    let format_at = format_at.unwrap_or(f64::NAN);
    let detail = text::format_detail(p, learning, (format_at, facts_at), gap, (theory, facts));
    let detail = format!(
        "{detail} In each seed's own curves: {} decades (the estimate is their mean with its t-interval when every seed gives a gap).",
        crate::seed_values(by_seed)
    );
    crate::claim("C10", variant, experiment, estimate, rule, detail)
}

/// The difference C10 forgetting measures on `ends` (the [`comparable`] buckets): the share
/// of its accuracy the rarest qualifying bucket loses minus the most frequent one's.
pub(super) fn forgetting_difference(ends: &[(i32, f64, f64)], min_accuracy: f64) -> Option<f64> {
    forgetting_rule(ends, min_accuracy).map(|((_, rare), (_, frequent))| rare - frequent)
}

/// C10 forgetting: in the unknown arm, the rarest qualifying bucket `(bucket, before, after)`
/// of `ends_u` (the [`comparable`] ones, over all seeds) loses a share of its accuracy larger
/// by at least `p.min_difference` than the most frequent one; NOT MEASURABLE when fewer than
/// two buckets qualify. When each seed's own comparable buckets give a difference
/// (`by_seed`), the estimate is their mean with its t-interval.
pub(super) fn forgetting(
    experiment: &str,
    label: &str,
    p: &Params,
    ends_u: &[(i32, f64, f64)],
    by_seed: &[Option<f64>],
    lists: &ForgettingText,
) -> Claim {
    let estimate = match forgetting_difference(ends_u, p.forgetting_min_accuracy) {
        Some(value) => crate::seed_interval(by_seed).unwrap_or(Estimate::SingleRun { value }),
        None => Estimate::NotMeasurable {
            reason: format!(
                "fewer than two buckets have {} or more probes and template accuracy >= {} before tuning",
                p.forgetting_min_probes, p.forgetting_min_accuracy
            ),
        },
    };
    crate::claim(
        "C10",
        format!("{} forgetting", label),
        experiment,
        estimate,
        Rule::AtLeast {
            threshold: p.min_difference,
        },
        format!(
            "{} In each seed's own buckets (of {} or more probes of that seed): {} (the estimate is their mean with its t-interval when every seed gives one).",
            text::forgetting_detail(p, lists),
            p.forgetting_min_probes,
            crate::seed_values(by_seed)
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
/// by at least `p.min_difference` over tuning on known facts. The estimate is the mean over
/// seeds of each seed's difference (`by_seed`, from that seed's probes alone) with its 95%
/// t-interval; with one seed, that run's difference. NOT MEASURABLE when no held-out fact was
/// known before tuning, or a seed's difference is not finite (it knew none of them).
pub(super) fn hallucination(
    experiment: &str,
    label: &str,
    p: &Params,
    r: &Relapse,
    by_seed: &[f64],
) -> Claim {
    let estimate = if r.known_facts == 0 {
        Estimate::NotMeasurable {
            reason: "no held-out fact was known before tuning".into(),
        }
    } else if by_seed.is_empty() || by_seed.iter().any(|d| !d.is_finite()) {
        Estimate::NotMeasurable {
            reason: format!(
                "the hallucinated shares of some seed have no finite difference ({})",
                list(by_seed)
            ),
        }
    } else {
        let values: Vec<Option<f64>> = by_seed.iter().copied().map(Some).collect();
        crate::seed_interval(&values).unwrap_or(Estimate::SingleRun { value: by_seed[0] })
    };
    crate::claim(
        "C10",
        format!("{} hallucination", label),
        experiment,
        estimate,
        Rule::AtLeast {
            threshold: p.min_difference,
        },
        text::hallucination_detail(p, r, by_seed),
    )
}

/// `a, b, c` in the prose's number format.
fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|&v| num(v))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    fn params() -> Params {
        toml::from_str(
            "tune_facts = 12\ntune_fraction = 0.15\ntune_learning_rate = 1e-3\nevaluations_per_decade = 4\nprobes_per_bucket = 8\nlearned_share = 0.5\ndecades = 1.0\nforgetting_min_accuracy = 0.3\nforgetting_min_probes = 2\nmin_difference = 0.05",
        )
        .expect("params")
    }

    /// The format claim when the unknown arm's format and facts follow `format_u` and `facts_u`.
    fn format_claim(format_u: &[(f64, f64)], facts_u: &[(f64, f64)]) -> Claim {
        format_claim_with(format_u, facts_u, &[])
    }

    /// [`format_claim`], with each seed's own gap `by_seed`.
    fn format_claim_with(
        format_u: &[(f64, f64)],
        facts_u: &[(f64, f64)],
        by_seed: &[Option<f64>],
    ) -> Claim {
        let flat = [(0.0, 0.0), (1000.0, 0.0)];
        let learning = Learning {
            format_u,
            facts_u,
            format_k: &flat,
            facts_k: &flat,
            sentences_per_step: 10.0,
        };
        format(
            "fine-tuning",
            "base",
            &params(),
            &learning,
            1000.0,
            (12.0, by_seed),
        )
    }

    #[test]
    fn the_format_claim_passes_fails_and_is_not_measurable() {
        let format_u = [(0.0, 0.0), (1.0, 0.3), (2.0, 0.95), (1000.0, 1.0)];
        // Facts from step 200: two decades after the format.
        let slow = [(0.0, 0.0), (2.0, 0.0), (200.0, 0.6), (1000.0, 0.9)];
        let claim = format_claim(&format_u, &slow);
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert!(
            matches!(claim.estimate(), Estimate::SingleRun { value } if (value - 2.0).abs() < 1e-12)
        );
        assert!(
            claim.detail.contains("first at step 2;"),
            "{}",
            claim.detail
        );
        // Each seed's own gap: their mean with its interval, which must clear 1 as a whole.
        let seeds = [Some(1.9), Some(2.0), Some(2.1)];
        let claim = format_claim_with(&format_u, &slow, &seeds);
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert!(claim.estimate_text().contains("t-interval over 3 seeds"));
        assert!(
            claim.detail.contains("1.9, 2, 2.1 decades"),
            "{}",
            claim.detail
        );
        let spread = [Some(0.2), Some(2.0), Some(3.0)];
        let claim = format_claim_with(&format_u, &slow, &spread);
        assert_eq!(claim.verdict(), Verdict::NotMeasurable);
        // Facts from step 4: a third of a decade.
        let fast = [(0.0, 0.0), (4.0, 0.6), (1000.0, 0.9)];
        assert_eq!(format_claim(&format_u, &fast).verdict(), Verdict::Fail);
        // Facts never learned: a lower bound of log10(1000 / 2) decades, which passes.
        let never = [(0.0, 0.0), (1000.0, 0.1)];
        let claim = format_claim(&format_u, &never);
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert!(claim.detail.contains("a lower bound"));
        // The format never learned.
        let unformatted = [(0.0, 0.0), (1000.0, 0.4)];
        let claim = format_claim(&unformatted, &slow);
        assert_eq!(claim.verdict(), Verdict::NotMeasurable);
        assert!(
            claim
                .detail
                .contains("so the format is not learned within the run")
        );
    }

    fn lists() -> ForgettingText {
        ForgettingText {
            list_u: "list u".into(),
            list_k: "list k".into(),
            lost_u: "lost u".into(),
            lost_k: "lost k".into(),
        }
    }

    #[test]
    fn only_buckets_with_enough_probes_are_compared() {
        let ends = [(1, 0.8, 0.1), (2, 0.9, 0.5), (3, 1.0, 0.9)];
        let probes = std::collections::BTreeMap::from([(1, 40), (2, 31), (3, 32)]);
        assert_eq!(
            comparable(&ends, &probes, 32),
            [(1, 0.8, 0.1), (3, 1.0, 0.9)]
        );
        assert!(comparable(&ends, &probes, 41).is_empty());
    }

    #[test]
    fn the_forgetting_claim_passes_fails_and_is_not_measurable() {
        let claim = |ends: &[(i32, f64, f64)]| {
            forgetting("fine-tuning", "base", &params(), ends, &[], &lists())
        };
        // The rare bucket loses everything, the frequent one a tenth.
        let c = claim(&[(1, 0.8, 0.0), (3, 1.0, 0.9)]);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            matches!(c.estimate(), Estimate::SingleRun { value } if (value - 0.9).abs() < 1e-12)
        );
        assert!(c.detail.contains("(list u)") && c.detail.contains("Known arm (list k): lost k."));
        // Both lose half.
        assert_eq!(
            claim(&[(1, 0.8, 0.4), (3, 1.0, 0.5)]).verdict(),
            Verdict::Fail
        );
        // Only one bucket reaches the least accuracy before tuning.
        let c = claim(&[(1, 0.1, 0.0), (3, 1.0, 0.5)]);
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(
            c.reason(),
            Some(
                "fewer than two buckets have 2 or more probes and template accuracy >= 0.3 before tuning"
            )
        );
        // Each seed's own difference: their mean with its interval, clearing 0.05 as a whole.
        let ends = [(1, 0.8, 0.0), (3, 1.0, 0.9)];
        let seeds = [Some(0.8), Some(0.9), Some(1.0)];
        let c = forgetting("fine-tuning", "base", &params(), &ends, &seeds, &lists());
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.estimate_text().contains("t-interval over 3 seeds"));
        assert!(
            c.detail.contains("of that seed): 0.8, 0.9, 1 ("),
            "{}",
            c.detail
        );
        // A seed with too few buckets: the pooled value, no interval.
        let c = forgetting(
            "fine-tuning",
            "base",
            &params(),
            &ends,
            &[Some(0.8), None],
            &lists(),
        );
        assert!(matches!(c.estimate(), Estimate::SingleRun { .. }));
    }

    #[test]
    fn the_hallucination_claim_passes_fails_and_is_not_measurable() {
        let claim = |known_facts: usize, by_seed: &[f64]| {
            let relapse = Relapse {
                known_facts,
                heldout_facts: 10,
                last_step: 300.0,
                hallucinated: (0.4, 0.1),
                correct: (0.5, 0.7),
            };
            hallucination("fine-tuning", "base", &params(), &relapse, by_seed)
        };
        // One seed: that run's difference, no interval.
        let c = claim(5, &[0.3]);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            matches!(c.estimate(), Estimate::SingleRun { value } if (value - 0.3).abs() < 1e-12)
        );
        assert!(c.detail.contains("5 of 10 probes") && c.detail.contains("(0.3)"));
        // Three seeds: their mean with its t-interval, judged on the mean.
        let c = claim(5, &[0.2, 0.3, 0.4]);
        assert_eq!(c.verdict(), Verdict::Pass);
        let Estimate::Interval {
            value,
            lo,
            hi,
            method,
        } = c.estimate()
        else {
            panic!("{:?}", c.estimate());
        };
        assert!((value - 0.3).abs() < 1e-12 && *lo < 0.3 && *hi > 0.3);
        assert_eq!(method, "95% t-interval over 3 seeds");
        assert_eq!(claim(5, &[0.0, 0.01, 0.02]).verdict(), Verdict::Fail);
        // An interval across the threshold cannot tell.
        assert_eq!(
            claim(5, &[0.0, 0.05, 0.1]).verdict(),
            Verdict::NotMeasurable
        );
        let c = claim(0, &[0.3]);
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(c.reason(), Some("no held-out fact was known before tuning"));
        // A seed that knew none of the held-out facts.
        assert_eq!(claim(5, &[0.3, f64::NAN]).verdict(), Verdict::NotMeasurable);
    }
}
