//! The claims of hallucination, one function each: C9 on never-seen entities, C9 by fact
//! frequency and C9 by model size.

use skm_report::{Claim, Estimate, Rule};

use super::table::Stat;
use crate::num;

/// C9 (unseen): the largest model (`model`) answers never-seen entities (`fresh`) with a
/// well-formed value, malformed share at most `max_malformed`, and more confidently than the
/// Bayes learner's `chance = 1/|V_j|`. The estimate is the mean argmax probability (seeds
/// pooled, no interval); the rule is the conjunction of both conditions, an
/// [`Rule::Order`]. NOT MEASURABLE when no never-seen entity was probed.
pub(super) fn unseen(
    experiment: &str,
    point: &str,
    model: &str,
    fresh: Stat,
    (chance, max_malformed): (f64, f64),
    seeds: usize,
) -> Claim {
    let estimate = if fresh.n > 0 {
        crate::pooled_estimate(fresh.confidence, seeds)
    } else {
        Estimate::NotMeasurable {
            reason: "no never-seen entity was probed".into(),
        }
    };
    let holds = fresh.malformed <= max_malformed && fresh.confidence > chance;
    crate::claim(
        "C9",
        format!("{point} unseen, {model}"),
        experiment,
        estimate,
        Rule::Order { holds },
        format!(
            "Largest model, {n} never-seen entities (seeds pooled): malformed share {malformed} (PASS needs <= {max_malformed}), hallucinated share {hallucinated}, mean probability of the argmax {confidence} against 1/|V_j| = {chance} (PASS needs more); NOT MEASURABLE when no never-seen entity was probed.",
            n = fresh.n,
            malformed = num(fresh.malformed),
            hallucinated = num(fresh.hallucinated),
            confidence = num(fresh.confidence),
            chance = num(chance),
        ),
    )
}

/// A rank correlation as a claim's estimate: the mean of each seed's own correlation
/// (`by_seed`) with its t-interval over seeds when every seed gives one, else the correlation
/// `r` of the shares pooled over seeds (no interval); not measurable without `r`.
fn correlation_estimate((r, by_seed): (Option<f64>, &[Option<f64>]), seeds: usize) -> Estimate {
    match r {
        Some(value) => crate::seed_interval(by_seed)
            .unwrap_or_else(|| crate::pooled_estimate(value, seeds)),
        None => Estimate::NotMeasurable {
            reason: "no rank correlation: fewer than two points, or the shares or the x values are all equal".into(),
        },
    }
}

/// C9 (frequency): the largest model's hallucinated share falls with how often a fact was
/// stated: PASS when the rank correlation `by_frequency` (of the shares listed in `shares`)
/// is at most `max_rank_correlation`; NOT MEASURABLE when it cannot be measured.
pub(super) fn by_frequency(
    experiment: &str,
    point: &str,
    model: &str,
    by_frequency: (Option<f64>, &[Option<f64>]),
    shares: &str,
    max_rank_correlation: f64,
    seeds: usize,
) -> Claim {
    let per_seed = crate::seed_values(by_frequency.1);
    crate::claim(
        "C9",
        format!("{point} frequency, {model}"),
        experiment,
        correlation_estimate(by_frequency, seeds),
        Rule::AtMost {
            threshold: max_rank_correlation,
        },
        format!(
            "Largest model: Spearman correlation of the hallucinated share with the exposure bucket of seen entities' facts (seeds pooled; times stated: share; {shares}), and in each seed alone ({per_seed}; the estimate is their mean with its t-interval when every seed gives one); PASS when <= {max_rank_correlation} (NOT MEASURABLE when the shares or buckets are all equal)."
        ),
    )
}

/// C9 (size): on stated facts, bigger models hallucinate less: PASS when the rank correlation
/// `by_size` of the shares (listed in `shares`) with the parameters is at most
/// `max_rank_correlation`; NOT MEASURABLE when it cannot be measured.
pub(super) fn by_size(
    experiment: &str,
    point: &str,
    by_size: (Option<f64>, &[Option<f64>]),
    shares: &str,
    max_rank_correlation: f64,
    seeds: usize,
) -> Claim {
    let per_seed = crate::seed_values(by_size.1);
    crate::claim(
        "C9",
        format!("{point} size"),
        experiment,
        correlation_estimate(by_size, seeds),
        Rule::AtMost {
            threshold: max_rank_correlation,
        },
        format!(
            "Spearman correlation of the hallucinated share of probed stated facts (seeds pooled) with the model's parameters ({shares}), and in each seed alone ({per_seed}; the estimate is their mean with its t-interval when every seed gives one); PASS when <= {max_rank_correlation} (NOT MEASURABLE when fewer than two models or the shares are all equal)."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    fn fresh(n: usize, malformed: f64, confidence: f64) -> Stat {
        Stat {
            n,
            malformed,
            hallucinated: 1.0 - malformed,
            confidence,
            ..Stat::default()
        }
    }

    #[test]
    fn c9_unseen_passes_on_well_formed_over_confident_answers() {
        let claim = unseen("e", "base", "d=8 L=1", fresh(10, 0.1, 0.5), (0.25, 0.2), 1);
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert_eq!(claim.variant, "base unseen, d=8 L=1");
        assert_eq!(claim.estimate(), &Estimate::SingleRun { value: 0.5 });
        assert_eq!((claim.measured(), claim.interval()), (Some(0.5), None));
    }

    #[test]
    fn c9_unseen_fails_on_malformed_or_calibrated_answers() {
        let malformed = unseen("e", "base", "m", fresh(10, 0.5, 0.5), (0.25, 0.2), 1);
        let calibrated = unseen("e", "base", "m", fresh(10, 0.1, 0.25), (0.25, 0.2), 1);
        for claim in [malformed, calibrated] {
            assert_eq!(claim.verdict(), Verdict::Fail);
        }
    }

    #[test]
    fn c9_unseen_is_not_measurable_without_probes() {
        let none = unseen("e", "base", "m", Stat::default(), (0.25, 0.2), 1);
        assert_eq!(none.verdict(), Verdict::NotMeasurable);
        assert_eq!(none.measured(), None);
        assert_eq!(none.reason(), Some("no never-seen entity was probed"));
    }

    #[test]
    fn c9_frequency_passes_at_most_the_threshold_fails_above_and_unmeasured_is_not_measurable() {
        let pass = by_frequency("e", "base", "m", (Some(-0.8), &[]), "1-3: 0.5", -0.5, 1);
        assert_eq!(pass.verdict(), Verdict::Pass);
        assert_eq!(pass.estimate(), &Estimate::SingleRun { value: -0.8 });
        assert_eq!(pass.rule(), &Rule::AtMost { threshold: -0.5 });
        assert_eq!(pass.interval(), None);
        // Exactly at the threshold passes.
        let edge = by_frequency("e", "base", "m", (Some(-0.5), &[]), "1-3: 0.5", -0.5, 1);
        assert_eq!(edge.verdict(), Verdict::Pass);
        let fail = by_frequency("e", "base", "m", (Some(0.2), &[]), "1-3: 0.5", -0.5, 1);
        assert_eq!(fail.verdict(), Verdict::Fail);
        let unmeasured = by_frequency("e", "base", "m", (None, &[]), "", -0.5, 1);
        assert_eq!(unmeasured.verdict(), Verdict::NotMeasurable);
        assert_eq!(unmeasured.measured(), None);
        assert!(
            unmeasured
                .reason()
                .is_some_and(|r| r.starts_with("no rank correlation"))
        );
    }

    #[test]
    fn c9_size_passes_at_most_the_threshold_fails_above_and_unmeasured_is_not_measurable() {
        let pass = by_size("e", "base", (Some(-1.0), &[]), "a: 0.3; b: 0.1", -0.5, 1);
        let pooled = by_size("e", "base", (Some(-1.0), &[]), "a: 0.3; b: 0.1", -0.5, 3);
        assert_eq!(pooled.estimate_text(), "-1 (3 seeds pooled, no interval)");
        assert_eq!(
            (pass.verdict(), pass.variant.as_str()),
            (Verdict::Pass, "base size")
        );
        assert_eq!(pass.measured(), Some(-1.0));
        assert_eq!(
            by_size("e", "base", (Some(-0.4), &[]), "", -0.5, 1).verdict(),
            Verdict::Fail
        );
        let unmeasured = by_size("e", "base", (None, &[]), "", -0.5, 1);
        assert_eq!(unmeasured.verdict(), Verdict::NotMeasurable);
        assert_eq!((unmeasured.measured(), unmeasured.interval()), (None, None));
        // Every seed's own correlation: their mean with its t-interval, judged as a whole.
        let seeds = [Some(-0.8), Some(-1.0), Some(-0.9)];
        let c = by_size("e", "base", (Some(-1.0), &seeds), "", -0.5, 3);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            c.estimate_text().contains("t-interval over 3 seeds"),
            "{}",
            c.estimate_text()
        );
        assert!(c.detail.contains("-0.8, -1, -0.9"));
        // A seed without a correlation: the pooled value, no interval.
        let c = by_size("e", "base", (Some(-1.0), &[Some(-1.0), None]), "", -0.5, 2);
        assert_eq!(c.estimate_text(), "-1 (2 seeds pooled, no interval)");
    }
}
