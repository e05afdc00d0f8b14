//! The claims of model-scaling, one function each: C6 (excess exponent) and C8 (linear
//! knowledge capacity).

use anyhow::Result;
use skm_report::{Claim, Interval, LogLogFit, Rule};
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, num};

/// C6: the test excess falls like `P^-((1 - alpha)/alpha)`; PASS when the bootstrap interval
/// of the pooled log-log slope of `excess` (one curve per seed) contains the theory's.
pub(super) fn excess_exponent(
    experiment: &str,
    variant: &str,
    alpha: f64,
    excess: &[Curve],
    seed: u64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C6",
        variant,
        experiment,
        fitted: "the test excess over the oracle (bits/token, all tokens) against non-embedding parameters P",
        theory: -exponents::model_scaling_exponent(alpha),
    }
    .check(excess, seed)
}

/// C8: facts known grow linearly with parameters; PASS when the fitted slope is within
/// `tolerance` of 1. `interval` is the 95% bootstrap interval of the slope over `curves`
/// curves (one per seed), `stated` the facts stated in the stream, `none_known` whether some
/// model knew none (fitted as half a fact).
pub(super) fn linear_capacity(
    experiment: &str,
    variant: &str,
    (fit, interval): (&LogLogFit, Interval),
    curves: usize,
    tolerance: f64,
    stated: f64,
    none_known: bool,
) -> Claim {
    let half_a_fact = if none_known {
        " A model that knows no fact counts as half a fact in the fit."
    } else {
        ""
    };
    let (estimate, method) = crate::slope_estimate(fit, interval, curves);
    crate::claim(
        "C8",
        variant,
        experiment,
        estimate,
        Rule::Within {
            reference: 1.0,
            tolerance,
        },
        format!(
            "Slope of log(facts known: stated facts whose probe argmax is the true value) against log(non-embedding parameters), {n_points} points (R^2 = {r_squared:.3}), {method}; PASS when |slope - 1| <= {tolerance} (fixed in the experiment file). A model cannot know more than the {stated} facts stated in the stream.{half_a_fact}",
            n_points = fit.n_points,
            r_squared = fit.r_squared,
            stated = num(stated),
        ),
    )
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
        let claim = excess_exponent("e", "v", 0.5, &power_laws(&[-1.2, -0.8]), 1).unwrap();
        assert_eq!((claim.id.as_str(), claim.reference()), ("C6", Some(-1.0)));
        let (lo, hi) = claim.interval().unwrap();
        assert!(lo <= -1.0 && -1.0 <= hi);
        assert_eq!(claim.verdict(), Verdict::Pass);
    }

    #[test]
    fn c6_fails_when_the_interval_misses_the_theory_slope() {
        let claim = excess_exponent("e", "v", 0.5, &power_laws(&[-0.3, -0.2]), 1).unwrap();
        assert_eq!(claim.verdict(), Verdict::Fail);
        // Not measurable (one model size): no slope, an error rather than a claim.
        let one_size = vec![(vec![1e3], vec![2.0]), (vec![1e3], vec![3.0])];
        assert!(excess_exponent("e", "v", 0.5, &one_size, 1).is_err());
    }

    fn fit(slope: f64) -> LogLogFit {
        LogLogFit {
            slope,
            intercept: 0.0,
            r_squared: 0.9,
            n_points: 4,
        }
    }

    #[test]
    fn c8_passes_within_the_tolerance_of_a_linear_slope() {
        let interval = Interval { lo: 0.7, hi: 1.1 };
        let claim = linear_capacity("e", "v", (&fit(0.9), interval), 3, 0.2, 120.0, false);
        assert_eq!(
            claim.estimate(),
            &Estimate::Interval {
                value: 0.9,
                lo: 0.7,
                hi: 1.1,
                method: "95% bootstrap over 3 seeds".into(),
            }
        );
        assert_eq!(
            claim.rule(),
            &Rule::Within {
                reference: 1.0,
                tolerance: 0.2
            }
        );
        assert_eq!(claim.verdict(), Verdict::Pass);
        assert!(!claim.detail.contains("half a fact"));
    }

    #[test]
    fn c8_fails_beyond_the_tolerance_and_says_when_a_model_knew_nothing() {
        let interval = Interval { lo: 0.2, hi: 0.6 };
        let claim = linear_capacity("e", "v", (&fit(0.4), interval), 1, 0.2, 120.0, true);
        assert_eq!(claim.verdict(), Verdict::Fail);
        assert_eq!(claim.estimate(), &Estimate::SingleRun { value: 0.4 });
        assert!(claim.detail.contains("one seed, so no interval"));
        assert!(claim.detail.contains("half a fact"));
        // C8 has no not-measurable case: a slope that cannot be fitted is an error upstream.
    }
}
