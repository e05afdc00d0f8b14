//! The claim rules of data-statistics: C1 (Heaps: K_N grows like N^alpha) and C2 (Zipf:
//! ranked counts fall like rank^(-1/alpha)).

use anyhow::Result;
use skm_report::Claim;
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, window};

/// C1 at the point `label`: the slope of the per-seed K_N (`measured`, against N), fitted
/// over `N >= from`, contains the slope of the exact E[K_N] (`expected`) over the same window.
/// The exact E[K_N] bends towards N^alpha only slowly, so that slope, not alpha, is the
/// theory value of a fit over this window.
pub(super) fn c1(
    experiment: &str,
    label: &str,
    (measured, expected): (&[Curve], &Curve),
    from: f64,
    seed: u64,
) -> Result<Claim> {
    let measured = window(measured, from);
    let expected = window(std::slice::from_ref(expected), from).remove(0);
    let theory = skm_report::fit_loglog(&expected.0, &expected.1)?.slope;
    ExponentCheck {
        id: "C1",
        variant: label,
        experiment,
        fitted: "K_N against N over the last decades",
        theory,
    }
    .check(&measured, seed)
}

/// C2's fit window: of each seed's ranked counts, the ranks from `min_rank` on whose count is
/// at least `min_count`.
pub(super) fn zipf_window(ranked: &[Curve], (min_rank, min_count): (u64, u64)) -> Vec<Curve> {
    let keep = |rank: &[f64], count: &[f64]| -> Vec<usize> {
        (0..rank.len())
            .filter(|&i| rank[i] >= min_rank as f64 && count[i] >= min_count as f64)
            .collect()
    };
    ranked
        .iter()
        .map(|(rank, count)| {
            let keep = keep(rank, count);
            (
                keep.iter().map(|&i| rank[i]).collect::<Vec<_>>(),
                keep.iter().map(|&i| count[i]).collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// C2 at the point `label` of discount `alpha`: the slope of the counts in `zipf` (from
/// [`zipf_window`] with `bounds`, against rank) contains `-1/alpha`. An error when the window
/// is too short to fit.
pub(super) fn c2(
    experiment: &str,
    (label, alpha): (&str, f64),
    zipf: &[Curve],
    (min_rank, min_count): (u64, u64),
    seed: u64,
) -> Result<Claim> {
    ExponentCheck {
        id: "C2",
        variant: label,
        experiment,
        fitted: &format!("entity count against rank (ranks >= {min_rank}, counts >= {min_count})"),
        theory: -exponents::zipf_exponent(alpha),
    }
    .check(zipf, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_report::Verdict;

    /// A curve `y = c x^slope` at `x`.
    fn curve(x: &[f64], c: f64, slope: f64) -> Curve {
        (x.to_vec(), x.iter().map(|x| c * x.powf(slope)).collect())
    }

    const N: [f64; 5] = [1e1, 1e2, 1e3, 1e4, 1e5];

    /// An "exact" curve of slope 0.3 below N = 1000 and 0.5 from there on.
    fn bent_expected() -> Curve {
        let y = N.iter().map(|&n: &f64| {
            if n < 1e3 {
                n.powf(0.3)
            } else {
                1e3f64.powf(0.3) * (n / 1e3).powf(0.5)
            }
        });
        (N.to_vec(), y.collect())
    }

    #[test]
    fn c1_compares_with_the_exact_slope_over_the_same_window() {
        let measured = [
            curve(&N, 2.0, 0.48),
            curve(&N, 3.0, 0.52),
            curve(&N, 1.0, 0.5),
        ];
        let expected = bent_expected();
        let c = c1("d", "alpha=0.5", (&measured, &expected), 1e3, 1).unwrap();
        assert!((c.reference().unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains(
            "K_N against N over the last decades on log-log axes, 9 points from 3 seed(s)"
        ));
        // Over the whole curve the exact slope is below 0.5, and the measured fit is not.
        let c = c1("d", "alpha=0.5", (&measured, &expected), 10.0, 1).unwrap();
        assert!(c.reference().unwrap() < 0.45);
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c1_with_one_seed_is_not_measurable() {
        let measured = [curve(&N, 2.0, 0.5)];
        let c = c1("d", "alpha=0.5", (&measured, &bent_expected()), 1e3, 1).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() - 0.5).abs() < 1e-9);
    }

    const RANKS: [f64; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];

    #[test]
    fn the_zipf_window_keeps_ranks_from_the_first_while_counts_are_high() {
        let ranked = [(RANKS.to_vec(), vec![40.0, 20.0, 9.0, 5.0, 2.0, 1.0])];
        let kept = zipf_window(&ranked, (2, 5));
        assert_eq!(kept, vec![(vec![2.0, 3.0, 4.0], vec![20.0, 9.0, 5.0])]);
    }

    #[test]
    fn c2_compares_with_minus_one_over_alpha() {
        let ranked = [
            curve(&RANKS, 1e3, -1.9),
            curve(&RANKS, 2e3, -2.1),
            curve(&RANKS, 1.5e3, -2.0),
        ];
        let c = c2("d", ("alpha=0.5", 0.5), &ranked, (1, 1), 1).unwrap();
        assert!((c.reference().unwrap() + 2.0).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains("(ranks >= 1, counts >= 1)"));
        let c = c2("d", ("alpha=0.8", 0.8), &ranked, (1, 1), 1).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        let c = c2("d", ("alpha=0.5", 0.5), &ranked[..1], (1, 1), 1).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn c2_is_an_error_when_the_window_is_empty() {
        let ranked = [(RANKS.to_vec(), vec![3.0, 2.0, 2.0, 1.0, 1.0, 1.0])];
        let zipf = zipf_window(&ranked, (1, 10));
        assert!(c2("d", ("alpha=0.5", 0.5), &zipf, (1, 10), 1).is_err());
    }
}
