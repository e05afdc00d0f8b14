//! The claim rule of data-scaling: C5, the transformer's test excess falls like
//! `N^-(1 - alpha)`.

use crate::error::Result;
use skm_report::Claim;

use crate::{Curve, ExponentCheck};

/// C5 at the point `label`: the mean of the per-seed slopes of the test excess (`curves`,
/// against N) has a t-interval over seeds that contains `reference`, the slope of the Bayes
/// learner's exact expected excess over the same N (asymptotically `alpha - 1`). Not
/// measurable when a run spent its whole step budget (`capped`: the N of each such run, and
/// the budget): its model was still improving, so its excess is not the one the law is
/// about.
pub(super) fn c5(
    experiment: &str,
    (label, reference): (&str, f64),
    curves: &[Curve],
    capped: (&[String], usize),
) -> Result<Claim> {
    excess_check(experiment, (label, reference), "all tokens", curves, capped)
}

/// C5 on the knowledge part alone (variant `<label> knowledge`): the excess per name or value
/// token, whose syntax-free fall is the theory's `N^-(1 - alpha)`, against the slope of the
/// Bayes learner's exact expected knowledge excess (`reference`); the same rule as [`c5`].
pub(super) fn c5_knowledge(
    experiment: &str,
    (label, reference): (&str, f64),
    curves: &[Curve],
    capped: (&[String], usize),
) -> Result<Claim> {
    let variant = format!("{label} knowledge");
    excess_check(
        experiment,
        (&variant, reference),
        "name and value tokens",
        curves,
        capped,
    )
}

/// The rule of [`c5`] and [`c5_knowledge`] on the excess per token of `tokens`.
fn excess_check(
    experiment: &str,
    (variant, reference): (&str, f64),
    tokens: &str,
    curves: &[Curve],
    capped: (&[String], usize),
) -> Result<Claim> {
    let check = ExponentCheck {
        id: "C5",
        variant,
        experiment,
        fitted: &format!(
            "the test excess over the oracle (bits/token, {tokens}, best early-stopped checkpoint) against training sentences N, beside the slope of the Bayes learner's exact expected excess over the same N"
        ),
        theory: reference,
    };
    unless_capped(check.check(curves)?, capped)
}

/// C5's second check (variant `<label> transformer/Bayes`): the transformer and the Bayes
/// learner, scored on the same test sentences, have the same data exponent, so their excess
/// ratio (`ratio`, against N, one curve per seed) has slope 0; PASS when the t-interval over
/// seeds of the per-seed slopes contains 0. Not measurable when a run hit its step budget.
pub(super) fn c5_ratio(
    experiment: &str,
    label: &str,
    ratio: &[Curve],
    capped: (&[String], usize),
) -> Result<Claim> {
    let check = ExponentCheck {
        id: "C5",
        variant: &format!("{label} transformer/Bayes"),
        experiment,
        fitted: "the ratio of the transformer's test excess to the Bayes learner's on the same test sentences against training sentences N",
        theory: 0.0,
    };
    unless_capped(check.check(ratio)?, capped)
}

/// C5 across the sweep (variant `exponent against alpha`), the paper's real prediction: the
/// data exponent depends on alpha (as `alpha - 1` asymptotically), so the measured exponents
/// increase with alpha. `exponents`: per point, alpha, the mean slope (`None` where that
/// point's C5 is not measurable, which makes this one not measurable too) and the exact
/// reference slope. The estimate is the least-squares slope of the measured exponent on the
/// exact one (1 when they move together; seed means, no interval); PASS when the measured
/// exponents are in the order of their alphas. `None` below two alphas.
pub(super) fn c5_alpha_order(
    experiment: &str,
    exponents: &[(f64, Option<f64>, f64)],
) -> Option<Claim> {
    if exponents.len() < 2 {
        return None;
    }
    let missing: Vec<String> = exponents
        .iter()
        .filter(|(_, e, _)| e.is_none())
        .map(|(a, _, _)| crate::num(*a))
        .collect();
    if !missing.is_empty() {
        let reason = format!("C5 is not measurable at alpha = {}", missing.join(", "));
        return Some(crate::claim(
            "C5",
            "exponent against alpha",
            experiment,
            skm_report::Estimate::NotMeasurable {
                reason: reason.clone(),
            },
            skm_report::Rule::Order { holds: false },
            format!("{reason}, so the exponents cannot be compared across alphas."),
        ));
    }
    let mut measured: Vec<(f64, f64, f64)> = exponents
        .iter()
        .filter_map(|&(a, e, x)| e.map(|e| (a, e, x)))
        .collect();
    measured.sort_by(|a, b| a.0.total_cmp(&b.0));
    let holds = measured.windows(2).all(|w| w[0].1 < w[1].1);
    let on_exact: Vec<(f64, f64)> = measured.iter().map(|&(_, e, x)| (x, e)).collect();
    let slope = least_squares_slope(&on_exact);
    let listing: Vec<String> = measured
        .iter()
        .map(|(a, e, x)| {
            let (a, e, x) = (crate::num(*a), crate::num(*e), crate::num(*x));
            format!("alpha {a}: {e} (exact {x})")
        })
        .collect();
    let basis = format!(
        "fit over {} alphas of the seed-mean exponents",
        measured.len()
    );
    Some(crate::claim(
        "C5",
        "exponent against alpha",
        experiment,
        skm_report::Estimate::NoInterval {
            value: slope,
            basis,
        },
        skm_report::Rule::Order { holds },
        format!(
            "The fitted data exponent at each alpha, beside the slope of the Bayes learner's exact expected excess over the same N ({}); the estimate is the least-squares slope of the measured exponent on the exact one (1 when they move together); PASS when the measured exponents increase with alpha, as the exact ones and alpha - 1 do.",
            listing.join("; ")
        ),
    ))
}

/// The least-squares slope of `y` on `x`.
fn least_squares_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// `check`, or not measurable when a run spent its whole step budget (`budget_limited`, the
/// N of each such run, and `budget`).
fn unless_capped(check: Claim, (budget_limited, budget): (&[String], usize)) -> Result<Claim> {
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
    fn c5_compares_the_fit_with_the_exact_reference() {
        let curves = [curve(2.0, -0.35), curve(3.0, -0.45), curve(2.5, -0.4)];
        let c = c5("data-scaling", ("alpha=0.6", -0.4), &curves, (&[], 100)).unwrap();
        assert!((c.reference().unwrap() + 0.4).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(
            c.detail
                .contains("best early-stopped checkpoint) against training sentences N")
        );
    }

    #[test]
    fn c5_fails_when_the_excess_falls_like_one_over_n() {
        let curves = [curve(2.0, -1.0), curve(3.0, -1.05)];
        let c = c5("data-scaling", ("alpha=0.6", -0.4), &curves, (&[], 100)).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c5_with_one_seed_is_not_measurable() {
        let c = c5(
            "data-scaling",
            ("alpha=0.6", -0.4),
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
        let c = c5(
            "data-scaling",
            ("alpha=0.6", -0.4),
            &curves,
            (&capped, 4000),
        )
        .unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        let reason = c.reason().unwrap();
        assert!(reason.contains("at N = 1e+05 a run spent its whole budget of 4000 steps"));
        assert!(reason.contains("(the measurement reads -0.4 ["));
    }

    #[test]
    fn the_ratio_check_wants_the_same_exponent_as_the_bayes_learner() {
        // Ratios flat in N (same exponent) pass; a ratio growing like N^0.3 fails.
        let flat = [curve(2.0, 0.01), curve(3.0, -0.01), curve(2.5, 0.0)];
        let c = c5_ratio("data-scaling", "base", &flat, (&[], 100)).unwrap();
        assert_eq!(
            (c.variant.as_str(), c.verdict()),
            ("base transformer/Bayes", Verdict::Pass)
        );
        assert_eq!(c.reference(), Some(0.0));
        let growing = [curve(2.0, 0.3), curve(3.0, 0.32), curve(2.5, 0.28)];
        let c = c5_ratio("data-scaling", "base", &growing, (&[], 100)).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        let capped = ["1e+05".to_string()];
        let c = c5_ratio("data-scaling", "base", &flat, (&capped, 100)).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn the_exponent_must_follow_alpha_across_the_sweep() {
        let c = c5_alpha_order(
            "d",
            &[
                (0.3, Some(-0.68), -0.7),
                (0.7, Some(-0.31), -0.3),
                (0.5, Some(-0.52), -0.5),
            ],
        )
        .unwrap();
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!((c.measured().unwrap() - 0.925).abs() < 1e-9);
        assert!(c.detail.contains("alpha 0.3: -0.68 (exact -0.7)"));
        let c = c5_alpha_order("d", &[(0.3, Some(-0.5), -0.7), (0.7, Some(-0.6), -0.3)]).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        let c = c5_alpha_order("d", &[(0.3, Some(-0.5), -0.7), (0.7, None, -0.3)]).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert_eq!(c.reason(), Some("C5 is not measurable at alpha = 0.7"));
        assert!(c5_alpha_order("d", &[(0.5, Some(-0.5), -0.5)]).is_none());
    }
}
