//! The claim rule of data-scaling: C5, the transformer's test excess falls like
//! `N^-(1 - alpha)`.

use anyhow::Result;
use skm_report::Claim;
use skm_theory::exponents;

use crate::{Curve, ExponentCheck};

/// C5 at the point `label` of discount `alpha`: the mean of the per-seed slopes of the test
/// excess (`curves`, against N) has a t-interval over seeds that contains the theory's
/// `alpha - 1`. Not measurable when a run spent its whole step `budget` (the N of each in
/// `budget_limited`): its model was still improving, so its excess is not the one the law is
/// about.
pub(super) fn c5(
    experiment: &str,
    (label, alpha): (&str, f64),
    curves: &[Curve],
    (budget_limited, budget): (&[String], usize),
) -> Result<Claim> {
    check(
        experiment,
        (label, alpha),
        curves,
        (budget_limited, budget),
        "all tokens",
    )
}

/// C5 on the knowledge part alone (variant `<label> knowledge`): the excess per name or value
/// token, whose syntax-free fall is the theory's `N^-(1 - alpha)`; the same rule as [`c5`].
pub(super) fn c5_knowledge(
    experiment: &str,
    (label, alpha): (&str, f64),
    curves: &[Curve],
    capped: (&[String], usize),
) -> Result<Claim> {
    let variant = format!("{label} knowledge");
    check(
        experiment,
        (&variant, alpha),
        curves,
        capped,
        "name and value tokens",
    )
}

/// The rule of [`c5`] and [`c5_knowledge`] on the excess per token of `tokens`.
fn check(
    experiment: &str,
    (label, alpha): (&str, f64),
    curves: &[Curve],
    (budget_limited, budget): (&[String], usize),
    tokens: &str,
) -> Result<Claim> {
    let check = ExponentCheck {
        id: "C5",
        variant: label,
        experiment,
        fitted: &format!("the test excess over the oracle (bits/token, {tokens}, best early-stopped checkpoint) against training sentences N"),
        theory: -exponents::data_scaling_exponent(alpha),
    }
    .check(curves)?;
    if budget_limited.is_empty() {
        return Ok(check);
    }
    let why = format!(
        "at N = {} a run spent its whole budget of {budget} steps without stopping early",
        budget_limited.join(", "),
    );
    Ok(crate::not_measurable(check, &why))
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
        let c = c5("data-scaling", ("alpha=0.6", 0.6), &curves, (&[], 100)).unwrap();
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
        let c = c5("data-scaling", ("alpha=0.6", 0.6), &curves, (&[], 100)).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c5_with_one_seed_is_not_measurable() {
        let c = c5(
            "data-scaling",
            ("alpha=0.6", 0.6),
            &[curve(2.0, -0.4)],
            (&[], 100),
        )
        .unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() + 0.4).abs() < 1e-9);
    }

    #[test]
    fn c5_is_not_measurable_when_a_run_hit_its_step_budget() {
        let curves = [curve(2.0, -0.35), curve(3.0, -0.45), curve(2.5, -0.4)];
        let capped = ["1e+05".to_string()];
        let c = c5("data-scaling", ("alpha=0.6", 0.6), &curves, (&capped, 4000)).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        let reason = c.reason().unwrap();
        assert!(reason.contains("at N = 1e+05 a run spent its whole budget of 4000 steps"));
        assert!(reason.contains("(the measurement reads -0.4 ["));
    }
}
