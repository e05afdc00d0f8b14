//! The claims of model-scaling, one function each: C6 (excess exponent) and C8 (linear
//! knowledge capacity).

use crate::error::Result;
use skm_report::{Claim, Rule};
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, SeedSlopes, num};

/// C6: the test excess above the exact data floor falls like `P^-((1 - alpha)/alpha)`; PASS
/// when the t-interval over seeds of the log-log slope of `excess` (the excess above the
/// floor, one curve per seed) contains the theory's.
pub(super) fn excess_exponent(
    experiment: &str,
    variant: &str,
    alpha: f64,
    excess: &[Curve],
) -> Result<Claim> {
    ExponentCheck {
        id: "C6",
        variant,
        experiment,
        fitted: "the test excess over the oracle above the exact data floor (bits/token, all tokens; the floor is the Bayes learner's expected excess after the training stream) against the blocks' parameters P (embeddings and head excluded)",
        theory: -exponents::model_scaling_exponent(alpha),
    }
    .check(excess)
}

/// C8: facts known grow linearly with parameters; PASS when the fitted slope is within
/// `tolerance` of 1. `slopes` are the per-seed fits of facts known beyond chance against
/// parameters, `stated` the facts stated in the stream, `none_known` whether some model knew
/// less than half a fact beyond chance (fitted as half a fact).
pub(super) fn linear_capacity(
    experiment: &str,
    variant: &str,
    slopes: &SeedSlopes,
    tolerance: f64,
    stated: f64,
    none_known: bool,
) -> Claim {
    let half_a_fact = if none_known {
        " A model that knows less than half a fact beyond chance counts as half a fact in the fit."
    } else {
        ""
    };
    let (estimate, method) = slopes.estimate();
    let mut claim = crate::claim(
        "C8",
        variant,
        experiment,
        estimate,
        Rule::Within {
            reference: 1.0,
            tolerance,
        },
        format!(
            "Slope of log(facts known beyond chance: stated facts whose probe argmax is the true value, less the right guesses, estimated as the wrong values over |V_j| - 1) against log(parameters in the transformer blocks, embeddings and head excluded), fitted per seed ({described}), {method}; PASS when |slope - 1| <= {tolerance} (fixed in the experiment file). A model cannot know more than the {stated} facts stated in the stream.{half_a_fact}",
            described = slopes.describe(),
            stated = num(stated),
        ),
    );
    claim.scope = slopes.scope();
    claim
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::{Estimate, Verdict};

    /// Per-seed power laws `x^slope` on four sizes.
    fn power_laws(slopes: &[f64]) -> Vec<Curve> {
        let xs = vec![1e3, 1e4, 1e5, 1e6];
        slopes
            .iter()
            .map(|&s| {
                (
                    xs.clone(),
                    xs.iter().map(|x: &f64| 5.0 * x.powf(s)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn c6_passes_when_the_interval_holds_the_theory_slope() {
        // alpha = 0.5: theory slope -1; the seeds scatter around it.
        let claim = excess_exponent("e", "v", 0.5, &power_laws(&[-1.2, -0.8])).unwrap();
        assert_eq!((claim.id.as_str(), claim.reference()), ("C6", Some(-1.0)));
        let (lo, hi) = claim.interval().unwrap();
        assert!(lo <= -1.0 && -1.0 <= hi);
        assert_eq!(claim.verdict(), Verdict::Pass);
    }

    #[test]
    fn c6_fails_when_the_interval_misses_the_theory_slope() {
        let claim = excess_exponent("e", "v", 0.5, &power_laws(&[-0.3, -0.2])).unwrap();
        assert_eq!(claim.verdict(), Verdict::Fail);
        // Not measurable (one model size): no slope, an error rather than a claim.
        let one_size = vec![(vec![1e3], vec![2.0]), (vec![1e3], vec![3.0])];
        assert!(excess_exponent("e", "v", 0.5, &one_size).is_err());
    }

    fn fitted(slopes: &[f64]) -> SeedSlopes {
        SeedSlopes::fit(&power_laws(slopes)).unwrap()
    }

    #[test]
    fn c8_passes_within_the_tolerance_of_a_linear_slope() {
        let claim = linear_capacity("e", "v", &fitted(&[0.95, 1.0, 1.05]), 0.2, 120.0, false);
        let Estimate::Interval {
            value,
            lo,
            hi,
            method,
        } = claim.estimate()
        else {
            panic!("three seeds give an interval");
        };
        // Mean 1, sd 0.05: half width t_{0.975, 2} 0.05 / sqrt(3) = 0.124, inside 1 ± 0.2.
        let half = 4.302_652_729_749 * 0.05 / 3f64.sqrt();
        assert!((value - 1.0).abs() < 1e-9 && (hi - lo - 2.0 * half).abs() < 1e-6);
        assert_eq!(method, "95% t-interval over 3 seeds");
        assert_eq!(
            claim.rule(),
            &Rule::Within {
                reference: 1.0,
                tolerance: 0.2
            }
        );
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert!(!claim.detail.contains("half a fact"));
        // Mean 0.9 lies inside the band, but its interval reaches below 0.8: cannot tell.
        let claim = linear_capacity("e", "v", &fitted(&[0.85, 0.9, 0.95]), 0.2, 120.0, false);
        assert_eq!(claim.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn c8_fails_beyond_the_tolerance_and_says_when_a_model_knew_nothing() {
        let claim = linear_capacity("e", "v", &fitted(&[0.4]), 0.2, 120.0, true);
        assert_eq!(claim.verdict(), Verdict::Fail);
        let Estimate::SingleRun { value } = claim.estimate() else {
            panic!("one seed is a single run");
        };
        assert!((value - 0.4).abs() < 1e-9);
        assert!(claim.detail.contains("one seed, so no interval"));
        assert!(claim.detail.contains("half a fact"));
        // C8 has no not-measurable case: a slope that cannot be fitted is an error upstream.
    }
}
