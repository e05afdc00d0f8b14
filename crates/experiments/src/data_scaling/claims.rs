//! The claim rule of data-scaling: C5, the transformer's test excess falls like
//! `N^-(1 - alpha)`.

use anyhow::Result;
use skm_report::Claim;
use skm_theory::exponents;

use crate::{Curve, ExponentCheck};

/// C5 at the point `label` of discount `alpha`: the slope of the per-seed test excess
/// (`curves`, against N) contains the theory's `alpha - 1`.
pub(super) fn c5(experiment: &str, label: &str, alpha: f64, curves: &[Curve]) -> Result<Claim> {
    ExponentCheck {
        id: "C5",
        variant: label,
        experiment,
        fitted: "the test excess over the oracle (bits/token, all tokens, best early-stopped checkpoint) against training sentences N",
        theory: -exponents::data_scaling_exponent(alpha),
    }
    .check(curves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    /// A curve `y = c N^slope` over N = 100..=100000.
    fn curve(c: f64, slope: f64) -> Curve {
        let n = vec![1e2, 1e3, 1e4, 1e5];
        let y = n.iter().map(|x: &f64| c * x.powf(slope)).collect();
        (n, y)
    }

    #[test]
    fn c5_compares_the_fit_with_alpha_minus_one() {
        let curves = [curve(2.0, -0.35), curve(3.0, -0.45), curve(2.5, -0.4)];
        let c = c5("data-scaling", "alpha=0.6", 0.6, &curves).unwrap();
        assert!((c.reference().unwrap() - (0.6 - 1.0)).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            c.detail
                .contains("best early-stopped checkpoint) against training sentences N")
        );
    }

    #[test]
    fn c5_fails_when_the_excess_falls_like_one_over_n() {
        let curves = [curve(2.0, -1.0), curve(3.0, -1.05)];
        let c = c5("data-scaling", "alpha=0.6", 0.6, &curves).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c5_with_one_seed_is_not_measurable() {
        let c = c5("data-scaling", "alpha=0.6", 0.6, &[curve(2.0, -0.4)]).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() + 0.4).abs() < 1e-9);
    }
}
