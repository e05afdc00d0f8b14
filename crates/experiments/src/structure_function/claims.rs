//! The claim rule of structure-function: C11, the two-part optimum m*(N) stores the
//! entities seen at least a constant number of times, so it grows like the expected number
//! of such entities (like N^alpha asymptotically).

use crate::error::{Context, Result};
use skm_report::Claim;

use crate::{Curve, ExponentCheck, SeedSlopes, exact_slope, window};

/// C11 at the point `label`: the per-seed slopes of m*(N) (`m_star`, against N), fitted over
/// `N >= from`, have a t-interval that contains the slope of the exact `E[G_N(c)]`
/// (`expected`, against N) over the same window, `c` the optimum's least stored count. Like
/// `E[K_N]`, `E[G_N(c)]` bends towards `N^alpha` only slowly.
pub(super) fn c11(
    experiment: &str,
    label: &str,
    (m_star, expected): (&[Curve], &Curve),
    from: f64,
) -> Result<Claim> {
    let expected = window(std::slice::from_ref(expected), from).remove(0);
    ExponentCheck {
        id: "C11",
        variant: label,
        experiment,
        fitted: "m*(N) against N",
        theory: exact_slope(&expected)?,
    }
    .check(&window(m_star, from))
}

/// C6 on the capacity-limited learner (variant `<label> capacity-limited learner`): the
/// per-seed slopes of its excess over the oracle `X(c)` against its budget `G(c)` (`seeds`, one
/// curve per seed over the fitted least counts c, at the largest N) have a t-interval that
/// contains the mean of the same slope over frequency spectra drawn from the exact law
/// (`chains`, one curve each). Asymptotically both tend to `-(1 - alpha)/alpha`: the
/// model-scaling law of the learner whose size is the entities it stores.
pub(super) fn c6_storing(
    experiment: &str,
    label: &str,
    (seeds, chains): (&[Curve], &[Curve]),
    (lo, hi): (u64, u64),
) -> Result<Claim> {
    let reference = SeedSlopes::fit(chains).context("fitting the exact-law spectra")?;
    ExponentCheck {
        id: "C6",
        variant: &format!("{label} capacity-limited learner"),
        experiment,
        fitted: &format!(
            "the capacity-limited learner's excess over the oracle X(c) against its budget G(c) (it stores the entities seen at least c times, {lo} <= c <= {hi}), against the mean slope over {} spectra drawn from the exact law",
            chains.len()
        ),
        theory: reference.mean(),
    }
    .check(seeds)
}

/// The optimum's least stored count over `N >= from`: the most frequent value of
/// `min_counts` (one curve per seed, against N), the smaller on a tie, with the range seen.
pub(super) fn stored_count(min_counts: &[Curve], from: f64) -> Option<(u64, (u64, u64))> {
    let counts: Vec<u64> = window(min_counts, from)
        .iter()
        .flat_map(|(_, y)| y.iter().map(|&c| c as u64))
        .collect();
    let (lo, hi) = (*counts.iter().min()?, *counts.iter().max()?);
    let mode =
        (lo..=hi).max_by_key(|c| (counts.iter().filter(|&x| x == c).count(), u64::MAX - c))?;
    Some((mode, (lo, hi)))
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

    /// A power law `c N^slope` over the same N, not flat anywhere.
    fn power(c: f64, slope: f64) -> Curve {
        let n = vec![1e1, 1e2, 1e3, 1e4, 1e5];
        let y = n.iter().map(|x: &f64| c * x.powf(slope)).collect();
        (n, y)
    }

    #[test]
    fn c11_fits_only_the_window_and_compares_with_the_exact_tail_count() {
        let curves = [curve(2.0, 0.58), curve(3.0, 0.62), curve(1.0, 0.6)];
        let exact = power(0.4, 0.6);
        let c = c11("s", "alpha=0.55", (&curves, &exact), 1e3).unwrap();
        assert!((c.reference().unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert!(c.detail.contains(
            "m*(N) against N on log-log axes, fitted per seed (3 points per seed from x = 1000 to 1e5 (2 decades), 3 seed(s)"
        ));
        // The flat start, inside the window, pulls the slope below the reference.
        let c = c11("s", "alpha=0.55", (&curves, &exact), 10.0).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c11_fails_when_m_star_grows_like_n() {
        let curves = [curve(2.0, 0.98), curve(3.0, 1.02)];
        let c = c11("s", "alpha=0.6", (&curves, &power(0.4, 0.6)), 1e3).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
    }

    #[test]
    fn c11_with_one_seed_is_not_measurable() {
        let c = c11(
            "s",
            "alpha=0.6",
            (&[curve(2.0, 0.6)], &power(0.4, 0.6)),
            1e3,
        )
        .unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
        assert!((c.measured().unwrap() - 0.6).abs() < 1e-9);
    }

    #[test]
    fn c6_storing_compares_seed_slopes_with_the_mean_exact_law_slope() {
        // Exact-law chains of slopes -1.05 and -1.15 (mean -1.1), at different levels.
        let chains = [power(3e6, -1.05), power(9e6, -1.15)];
        let seeds = [power(2e6, -1.08), power(5e6, -1.12), power(1e6, -1.1)];
        let c = c6_storing("s", "alpha=0.5", (&seeds, &chains), (4, 1000)).unwrap();
        assert!((c.reference().unwrap() + 1.1).abs() < 1e-9);
        assert_eq!(c.verdict(), Verdict::Pass);
        assert_eq!(c.variant, "alpha=0.5 capacity-limited learner");
        assert!(c.detail.contains("4 <= c <= 1000") && c.detail.contains("2 spectra"));
        // Seeds that fall like the asymptote -1, not like the exact law, fail.
        let flat = [power(2e6, -0.99), power(5e6, -1.01), power(1e6, -1.0)];
        let c = c6_storing("s", "alpha=0.5", (&flat, &chains), (4, 1000)).unwrap();
        assert_eq!(c.verdict(), Verdict::Fail);
        let c = c6_storing("s", "alpha=0.5", (&seeds[..1], &chains), (4, 1000)).unwrap();
        assert_eq!(c.verdict(), Verdict::NotMeasurable);
    }

    #[test]
    fn the_stored_count_is_the_most_frequent_least_count_in_the_window() {
        let n = vec![1e2, 1e3, 1e4];
        let seeds = [
            (n.clone(), vec![9.0, 3.0, 4.0]),
            (n.clone(), vec![9.0, 3.0, 3.0]),
        ];
        assert_eq!(stored_count(&seeds, 1e3), Some((3, (3, 4))));
        assert_eq!(stored_count(&seeds, 1e5), None);
        let tie = [(n.clone(), vec![1.0, 4.0, 3.0])];
        assert_eq!(stored_count(&tie, 1e3), Some((3, (3, 4))));
    }
}
