//! The claim rules of data-statistics: C1 (Heaps: K_N grows like N^alpha) and C2 (Zipf: the
//! ranked counts fall like rank^(-1/alpha); equivalently the tail count G(c), the entities seen
//! at least c times, falls like c^(-alpha)).

use crate::error::{Result, ensure};
use skm_report::Claim;
use skm_theory::exponents;

use crate::{Curve, ExponentCheck, SeedSlopes, exact_slope, mean_variance, num, window};

/// C1 at the point `label`: the per-seed slopes of K_N (`measured`, against N), fitted
/// over `N >= from`, have a t-interval that contains the slope of the exact `E[K_N]`
/// (`expected`) over the same window. The exact `E[K_N]` bends towards N^alpha only slowly, so
/// that slope, not alpha, is the reference of a fit over this window. Beside it (context, not
/// the rule) the same slope in runs of the exact K_n chain (`exact_law`), when there are seeds
/// enough to compare spreads.
pub(super) fn c1(
    experiment: &str,
    label: &str,
    (measured, expected): (&[Curve], &Curve),
    from: f64,
    exact_law: &[f64],
) -> Result<(Claim, Option<Sampling>)> {
    let measured = window(measured, from);
    let expected = window(std::slice::from_ref(expected), from).remove(0);
    let theory = exact_slope(&expected)?;
    let mut claim = ExponentCheck {
        id: "C1",
        variant: label,
        experiment,
        fitted: "K_N against N over the last decades",
        theory,
    }
    .check(&measured)?;
    let sampling = Sampling::of(exact_law, &SeedSlopes::fit(&measured)?.slopes());
    if let Some(s) = &sampling {
        claim.detail = format!("{} {}", claim.detail, s.sentence());
    }
    Ok((claim, sampling))
}

/// One seed's C1 slope under the exact law (its runs of the K_n chain) beside the seeds' own
/// slopes: whether their spread, which sets the t-interval, is the one the law gives.
#[derive(Debug, PartialEq)]
pub(super) struct Sampling {
    /// Runs of the chain, and the mean and standard deviation of their slopes.
    pub chains: usize,
    pub mean: f64,
    pub sd: f64,
    /// Seeds, and the standard deviation of their slopes.
    pub seeds: usize,
    pub seed_sd: f64,
}

impl Sampling {
    /// From the chains' slopes and the seeds' slopes; `None` below two of either.
    pub(super) fn of(exact_law: &[f64], seed_slopes: &[f64]) -> Option<Self> {
        let (mean, variance) = mean_variance(exact_law)?;
        let (_, seed_variance) = mean_variance(seed_slopes)?;
        Some(Self {
            chains: exact_law.len(),
            mean,
            sd: variance.sqrt(),
            seeds: seed_slopes.len(),
            seed_sd: seed_variance.sqrt(),
        })
    }

    /// In words, for the claim's row and the prose.
    pub(super) fn sentence(&self) -> String {
        let (chains, seeds) = (self.chains, self.seeds);
        let mc_error = num(self.sd / (chains as f64).sqrt());
        let standard_error = num(self.sd / (seeds as f64).sqrt());
        format!(
            "Under the exact law ({chains} runs of the K_n chain, frame theory_heaps_slopes) one seed's slope has mean {} (Monte Carlo error {mc_error}) and standard deviation {}, so a mean of {seeds} seeds has standard error {standard_error}; the {seeds} seeds' own slopes have standard deviation {}.",
            num(self.mean),
            num(self.sd),
            num(self.seed_sd),
        )
    }
}

/// C2's fit window `[min_count, c_max]` of the point with the exact tail count `exact`
/// (`E[G_N(c)]` against c): `c_max` is the largest c at which `E[G_N(c)] >= min_entities`.
/// An error when the window holds fewer than three grid points.
pub(super) fn zipf_window(
    exact: &Curve,
    (min_count, min_entities): (u64, u64),
) -> Result<(f64, f64)> {
    let (c, tail) = exact;
    let inside = |i: &usize| c[*i] >= min_count as f64 && tail[*i] >= min_entities as f64;
    let kept: Vec<f64> = (0..c.len()).filter(inside).map(|i| c[i]).collect();
    ensure!(
        kept.len() >= 3,
        "only {} grid points have c >= {min_count} and an expected tail of >= {min_entities} entities",
        kept.len()
    );
    Ok((kept[0], kept[kept.len() - 1]))
}

/// The points of each curve with `lo <= x <= hi`.
pub(super) fn between(curves: &[Curve], (lo, hi): (f64, f64)) -> Vec<Curve> {
    let inside = |x: f64| lo <= x && x <= hi;
    let pick = |(x, y): &Curve| -> Curve {
        x.iter()
            .copied()
            .zip(y.iter().copied())
            .filter(|p| inside(p.0))
            .unzip()
    };
    curves.iter().map(pick).collect()
}

/// C2 at the point `label`: the per-seed slopes of the tail count G(c) against c
/// (`measured`, one curve per seed) over `window`, with their t-interval over seeds, contain
/// the slope of the exact `E[G_N(c)]` (`exact`) over the same window. Asymptotically both
/// tend to `-alpha`, the rank-frequency exponent `-1/alpha` with the axes swapped.
pub(super) fn c2(
    experiment: &str,
    label: &str,
    (measured, exact): (&[Curve], &Curve),
    window: (f64, f64),
) -> Result<Claim> {
    let exact = between(std::slice::from_ref(exact), window).remove(0);
    let theory = exact_slope(&exact)?;
    let (lo, hi) = window;
    ExponentCheck {
        id: "C2",
        variant: label,
        experiment,
        fitted: &format!(
            "the tail count G(c) (entities seen in at least c sentences) against c, {lo} <= c <= {hi}"
        ),
        theory,
    }
    .check(&between(measured, window))
}

/// The asymptotic slope of G(c), for the text: `-alpha` (rank-frequency `-1/alpha`).
pub(super) fn asymptotic_tail_slope(alpha: f64) -> f64 {
    -1.0 / exponents::zipf_exponent(alpha)
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
    fn c1_sets_the_seeds_spread_beside_the_exact_laws() {
        let measured = [
            curve(&N, 2.0, 0.48),
            curve(&N, 3.0, 0.52),
            curve(&N, 1.0, 0.5),
        ];
        let exact_law = [0.47, 0.49, 0.51, 0.53];
        let (c, sampling) = c1(
            "d",
            "alpha=0.5",
            (&measured, &bent_expected()),
            1e3,
            &exact_law,
        )
        .unwrap();
        let s = sampling.unwrap();
        assert_eq!((s.chains, s.seeds), (4, 3));
        assert!((s.mean - 0.5).abs() < 1e-12);
        // Sample standard deviations: sqrt(0.002 / 3) and sqrt(0.0008 / 2).
        assert!((s.sd - (0.002f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.seed_sd - 0.02).abs() < 1e-9);
        assert!(c.detail.ends_with(&s.sentence()));
        assert!(s.sentence().contains("4 runs of the K_n chain"));
        // Context only: the verdict is the t-interval's, as without the chains.
        let (plain, none) = c1("d", "alpha=0.5", (&measured, &bent_expected()), 1e3, &[]).unwrap();
        assert_eq!((plain.verdict(), none), (c.verdict(), None));
    }

    #[test]
    fn c1_compares_with_the_exact_slope_over_the_same_window() {
        let measured = [
            curve(&N, 2.0, 0.48),
            curve(&N, 3.0, 0.52),
            curve(&N, 1.0, 0.5),
        ];
        let expected = bent_expected();
        let (c, _) = c1("d", "alpha=0.5", (&measured, &expected), 1e3, &[]).unwrap();
        assert!((c.reference().unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains(
            "K_N against N over the last decades on log-log axes, fitted per seed (3 points per seed from x = 1000 to 1e5 (2 decades), 3 seed(s)"
        ));
        assert!(c.detail.contains("95% t-interval over 3 seeds"));
        // Over the whole curve the exact slope is below 0.5, and the measured fit is not.
        let (c, _) = c1("d", "alpha=0.5", (&measured, &expected), 10.0, &[]).unwrap();
        assert!(c.reference().unwrap() < 0.45);
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c1_with_one_seed_is_not_measurable() {
        let measured = [curve(&N, 2.0, 0.5)];
        let (c, _) = c1("d", "alpha=0.5", (&measured, &bent_expected()), 1e3, &[]).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() - 0.5).abs() < 1e-9);
    }

    const C: [f64; 6] = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0];

    #[test]
    fn the_zipf_window_runs_from_the_least_count_while_enough_entities_are_expected() {
        let exact = (C.to_vec(), vec![1e4, 3e3, 900.0, 200.0, 40.0, 5.0]);
        assert_eq!(zipf_window(&exact, (3, 10)).unwrap(), (3.0, 100.0));
        assert!(zipf_window(&exact, (30, 10)).is_err());
    }

    #[test]
    fn c2_compares_per_seed_slopes_with_the_exact_tail_over_the_same_window() {
        // The exact tail bends: slope -0.3 up to c = 10, -0.6 beyond.
        let bent = |c: f64| {
            if c <= 10.0 {
                c.powf(-0.3)
            } else {
                10f64.powf(0.3) * c.powf(-0.6)
            }
        };
        let exact = (
            C.to_vec(),
            C.iter().map(|&c| 1e4 * bent(c)).collect::<Vec<_>>(),
        );
        let measured = [
            curve(&C, 5e3, -0.58),
            curve(&C, 2e4, -0.62),
            curve(&C, 1e4, -0.6),
        ];
        let c = c2("d", "alpha=0.5", (&measured, &exact), (10.0, 300.0)).unwrap();
        assert!((c.reference().unwrap() + 0.6).abs() < 1e-9);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains("10 <= c <= 300"));
        // Over the whole range the exact slope is shallower, and the measured one is not.
        let c = c2("d", "alpha=0.5", (&measured, &exact), (1.0, 300.0)).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        let c = c2("d", "alpha=0.5", (&measured[..1], &exact), (10.0, 300.0)).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn the_asymptotic_tail_slope_is_minus_alpha() {
        assert!((asymptotic_tail_slope(0.3) + 0.3).abs() < 1e-12);
    }
}
