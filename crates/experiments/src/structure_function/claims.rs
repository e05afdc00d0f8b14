//! The claim rule of structure-function: C11, the two-part optimum m*(N) grows like
//! N^alpha.

use anyhow::Result;
use skm_report::Claim;
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, window};

/// C11 at the point `label` of discount `alpha`: the slope of the per-seed m*(N) (`m_star`,
/// against N), fitted over `N >= from`, contains `alpha`.
pub(super) fn c11(
    experiment: &str,
    (label, alpha): (&str, f64),
    m_star: &[Curve],
    from: f64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C11",
        variant: label,
        experiment,
        fitted: "m*(N) against N",
        theory: exponents::optimal_entities_exponent(alpha),
    }
    .check(&window(m_star, from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    /// A curve `y = c N^slope` over N = 10..=100000, flat (at its value at N = 1000) below
    /// N = 1000.
    fn curve(c: f64, slope: f64) -> Curve {
        let n = vec![1e1, 1e2, 1e3, 1e4, 1e5];
        let y = n.iter().map(|x: &f64| c * x.max(1e3).powf(slope)).collect();
        (n, y)
    }

    #[test]
    fn c11_fits_only_the_window_and_compares_with_alpha() {
        let curves = [curve(2.0, 0.58), curve(3.0, 0.62), curve(1.0, 0.6)];
        let c = c11("s", ("alpha=0.6", 0.6), &curves, 1e3).unwrap();
        assert!((c.reference().unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains(
            "m*(N) against N on log-log axes, fitted per seed (3 points per seed from x = 1000 to 1e5 (2 decades), 3 seed(s)"
        ));
        // The flat start, inside the window, pulls the slope below alpha.
        let c = c11("s", ("alpha=0.6", 0.6), &curves, 10.0).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c11_fails_when_m_star_grows_like_n() {
        let curves = [curve(2.0, 0.98), curve(3.0, 1.02)];
        let c = c11("s", ("alpha=0.6", 0.6), &curves, 1e3).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c11_with_one_seed_is_not_measurable() {
        let c = c11("s", ("alpha=0.6", 0.6), &[curve(2.0, 0.6)], 1e3).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() - 0.6).abs() < 1e-9);
    }
}
