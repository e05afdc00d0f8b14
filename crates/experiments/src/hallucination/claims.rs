//! The claims of hallucination, one function each: C9 on never-seen entities, C9 by fact
//! frequency and C9 by model size.

use skm_report::{Claim, Verdict};

use super::table::Stat;
use crate::num;

/// C9 (unseen): the largest model (`model`) answers never-seen entities (`fresh`) with a
/// well-formed value, malformed share at most `max_malformed`, and more confidently than the
/// Bayes learner's `chance = 1/|V_j|`. FAIL when no never-seen entity was probed.
pub(super) fn unseen(
    experiment: &str,
    point: &str,
    model: &str,
    fresh: Stat,
    chance: f64,
    max_malformed: f64,
) -> Claim {
    // not measurable: without never-seen probes (fresh.n == 0) the shares are 0 and the
    // claim FAILs.
    let pass = fresh.n > 0 && fresh.malformed <= max_malformed && fresh.confidence > chance;
    Claim {
        id: "C9".into(),
        variant: format!("{point} unseen, {model}"),
        experiment: experiment.into(),
        statement: "For never-seen entities the model emits a well-formed value of the right attribute, wrong, with confidence above the Bayes-calibrated 1/|V_j|".into(),
        measured: fresh.confidence,
        theory: chance,
        lo: fresh.confidence,
        hi: fresh.confidence,
        verdict: Verdict::from_bool(pass),
        detail: format!(
            "Largest model, {n} never-seen entities: malformed share {malformed} (PASS needs <= {max_malformed}), hallucinated share {hallucinated}, mean probability of the argmax {confidence} against 1/|V_j| = {chance} (PASS needs more).",
            n = fresh.n,
            malformed = num(fresh.malformed),
            hallucinated = num(fresh.hallucinated),
            confidence = num(fresh.confidence),
            chance = num(chance),
        ),
    }
}

/// A rank correlation as a claim's (measured, lo, hi).
fn correlation_estimate(r: Option<f64>) -> (f64, f64, f64) {
    match r {
        Some(r) => (r, r, r),
        // not measurable: fewer than two points, or constant shares or x: 0 with an
        // unbounded interval.
        None => (0.0, f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// C9 (frequency): the largest model's hallucinated share falls with how often a fact was
/// stated: PASS when the rank correlation `by_frequency` (of the shares listed in `shares`)
/// is at most `max_rank_correlation`; FAIL when it cannot be measured.
pub(super) fn by_frequency(
    experiment: &str,
    point: &str,
    model: &str,
    by_frequency: Option<f64>,
    shares: &str,
    max_rank_correlation: f64,
) -> Claim {
    let (measured, lo, hi) = correlation_estimate(by_frequency);
    Claim {
        id: "C9".into(),
        variant: format!("{point} frequency, {model}"),
        experiment: experiment.into(),
        statement: "The hallucination rate falls with entity frequency".into(),
        measured,
        theory: -1.0,
        lo,
        hi,
        verdict: Verdict::from_bool(by_frequency.is_some_and(|r| r <= max_rank_correlation)),
        detail: format!(
            "Largest model: Spearman correlation of the hallucinated share with the exposure bucket of seen entities' facts (times stated: share; {shares}); PASS when <= {max_rank_correlation} (no correlation can be measured when the shares or buckets are all equal: FAIL)."
        ),
    }
}

/// C9 (size): on stated facts, bigger models hallucinate less: PASS when the rank correlation
/// `by_size` of the shares (listed in `shares`) with the parameters is at most
/// `max_rank_correlation`; FAIL when it cannot be measured.
pub(super) fn by_size(
    experiment: &str,
    point: &str,
    by_size: Option<f64>,
    shares: &str,
    max_rank_correlation: f64,
) -> Claim {
    let (measured, lo, hi) = correlation_estimate(by_size);
    Claim {
        id: "C9".into(),
        variant: format!("{point} size"),
        experiment: experiment.into(),
        statement: "The hallucination rate falls with model size".into(),
        measured,
        theory: -1.0,
        lo,
        hi,
        verdict: Verdict::from_bool(by_size.is_some_and(|r| r <= max_rank_correlation)),
        detail: format!(
            "Spearman correlation of the hallucinated share of probed stated facts with the model's parameters ({shares}); PASS when <= {max_rank_correlation} (FAIL when it cannot be measured)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let claim = unseen("e", "base", "d=8 L=1", fresh(10, 0.1, 0.5), 0.25, 0.2);
        assert_eq!(claim.verdict, Verdict::Pass);
        assert_eq!(claim.variant, "base unseen, d=8 L=1");
        assert_eq!((claim.measured, claim.theory), (0.5, 0.25));
    }

    #[test]
    fn c9_unseen_fails_on_malformed_or_calibrated_answers_or_no_probes() {
        let malformed = unseen("e", "base", "m", fresh(10, 0.5, 0.5), 0.25, 0.2);
        let calibrated = unseen("e", "base", "m", fresh(10, 0.1, 0.25), 0.25, 0.2);
        // Not measurable: nothing probed.
        let none = unseen("e", "base", "m", Stat::default(), 0.25, 0.2);
        for claim in [malformed, calibrated, none] {
            assert_eq!(claim.verdict, Verdict::Fail);
        }
    }

    #[test]
    fn c9_frequency_passes_at_most_the_threshold_and_fails_above_or_unmeasured() {
        let pass = by_frequency("e", "base", "m", Some(-0.8), "1-3: 0.5", -0.5);
        assert_eq!(pass.verdict, Verdict::Pass);
        assert_eq!((pass.measured, pass.lo, pass.hi), (-0.8, -0.8, -0.8));
        let fail = by_frequency("e", "base", "m", Some(0.2), "1-3: 0.5", -0.5);
        assert_eq!(fail.verdict, Verdict::Fail);
        let unmeasured = by_frequency("e", "base", "m", None, "", -0.5);
        assert_eq!(unmeasured.verdict, Verdict::Fail);
        assert_eq!(unmeasured.measured, 0.0);
        assert!(unmeasured.lo.is_infinite() && unmeasured.hi.is_infinite());
    }

    #[test]
    fn c9_size_passes_at_most_the_threshold_and_fails_above_or_unmeasured() {
        let pass = by_size("e", "base", Some(-1.0), "a: 0.3; b: 0.1", -0.5);
        assert_eq!(
            (pass.verdict, pass.variant.as_str()),
            (Verdict::Pass, "base size")
        );
        assert_eq!(
            by_size("e", "base", Some(-0.4), "", -0.5).verdict,
            Verdict::Fail
        );
        let unmeasured = by_size("e", "base", None, "", -0.5);
        assert_eq!(unmeasured.verdict, Verdict::Fail);
        assert!(unmeasured.lo.is_infinite() && unmeasured.hi.is_infinite());
    }
}
