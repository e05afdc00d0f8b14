//! Power-law fits: least squares in log-log space and bootstrap intervals.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ReportError;

/// Result of fitting `y ≈ e^intercept · x^slope` by ordinary least squares of
/// `ln y` on `ln x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogLogFit {
    /// Exponent of the power law: `slope = Σ(u−ū)(v−v̄) / Σ(u−ū)²` with `u = ln x`, `v = ln y`.
    pub slope: f64,
    /// Natural-log prefactor: `intercept = v̄ − slope · ū`.
    pub intercept: f64,
    /// Coefficient of determination in log space, `R² = S_uv² / (S_uu · S_vv)`
    /// (1 when all `y` are equal, since the fit is then exact).
    pub r_squared: f64,
    /// Number of `(x, y)` pairs actually used (after dropping unusable ones).
    pub n_points: usize,
}

impl LogLogFit {
    /// The fitted curve at `x`: `e^intercept · x^slope`.
    pub fn predict(&self, x: f64) -> f64 {
        (self.intercept + self.slope * x.ln()).exp()
    }
}

/// A closed interval `[lo, hi]`, e.g. a bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Interval {
    /// Whether `lo ≤ v ≤ hi`.
    pub fn contains(&self, v: f64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

/// Fits `ln y = intercept + slope · ln x` by ordinary least squares.
///
/// Pairs where `x` or `y` is not finite or not `> 0` are skipped, because a
/// power law is only defined there (and a zero count is a missing
/// measurement, not a data point). Errors if `x` and `y` differ in length,
/// fewer than two pairs are usable, or all usable `x` are equal.
pub fn fit_loglog(x: &[f64], y: &[f64]) -> Result<LogLogFit, ReportError> {
    if x.len() != y.len() {
        return Err(ReportError::Fit(format!(
            "x and y differ in length ({} vs {})",
            x.len(),
            y.len()
        )));
    }
    let usable = |v: f64| v.is_finite() && v > 0.0;
    let (u, v): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|&(&a, &b)| usable(a) && usable(b))
        .map(|(a, b)| (a.ln(), b.ln()))
        .unzip();
    let n = u.len();
    if n < 2 {
        return Err(ReportError::Fit(format!(
            "need at least 2 points with finite positive x and y, got {n}"
        )));
    }
    // Compare exactly rather than against a variance threshold: a mean of
    // equal floats may be off by an ulp, making the variance tiny but nonzero.
    if u.iter().all(|&a| a == u[0]) {
        return Err(ReportError::Fit("x has zero variance".into()));
    }
    let mean = |s: &[f64]| s.iter().sum::<f64>() / n as f64;
    let (mu, mv) = (mean(&u), mean(&v));
    let (mut suu, mut suv, mut svv) = (0.0, 0.0, 0.0);
    for (a, b) in u.iter().zip(&v) {
        let (da, db) = (a - mu, b - mv);
        suu += da * da;
        suv += da * db;
        svv += db * db;
    }
    let slope = suv / suu;
    let r_squared = if svv > 0.0 {
        suv * suv / (suu * svv)
    } else {
        1.0
    };
    Ok(LogLogFit {
        slope,
        intercept: mv - slope * mu,
        r_squared,
        n_points: n,
    })
}

/// Power-law fit of several curves pooled, with a percentile-bootstrap
/// confidence interval for the slope.
///
/// Each curve is `(x, y)`, typically one per random seed. The point estimate
/// is [`fit_loglog`] of all curves pooled. For the interval, each of
/// `resamples` replicates draws, with replacement, whole curves when there are
/// at least two (points within a curve are correlated, so the curve is the
/// independent unit), or the points of the single curve otherwise; the
/// interval is `[q((1−c)/2), q((1+c)/2)]` of the replicate slopes, with `q`
/// the linearly interpolated empirical quantile and `c = confidence`.
///
/// Deterministic given `seed` (ChaCha8). Replicates whose fit fails (e.g. all
/// drawn x equal) are skipped; it is an error if all fail, if the pooled fit
/// fails, if a curve's `x` and `y` differ in length, if `resamples` is 0, or
/// if `confidence` is not in (0, 1).
pub fn bootstrap_slope(
    curves: &[(Vec<f64>, Vec<f64>)],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<(LogLogFit, Interval), ReportError> {
    if resamples == 0 {
        return Err(ReportError::Fit(
            "bootstrap needs at least 1 resample".into(),
        ));
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(ReportError::Fit(format!(
            "confidence must be in (0, 1), got {confidence}"
        )));
    }
    // Checked per curve: pooling could otherwise hide mismatches that cancel.
    if let Some(i) = curves.iter().position(|(x, y)| x.len() != y.len()) {
        return Err(ReportError::Fit(format!(
            "curve {i}: x and y differ in length"
        )));
    }
    let pooled = |picked: &mut dyn Iterator<Item = &(Vec<f64>, Vec<f64>)>| {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for (x, y) in picked {
            xs.extend_from_slice(x);
            ys.extend_from_slice(y);
        }
        fit_loglog(&xs, &ys)
    };
    let point = pooled(&mut curves.iter())?;

    // The pooled fit succeeded, so the curves (or the single curve's points)
    // being drawn from are non-empty.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut slopes = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let fit = match curves {
            [(x, y)] => {
                let idx: Vec<usize> = (0..x.len()).map(|_| rng.random_range(0..x.len())).collect();
                let pick = |s: &[f64]| idx.iter().map(|&i| s[i]).collect::<Vec<_>>();
                fit_loglog(&pick(x), &pick(y))
            }
            _ => {
                let idx: Vec<usize> = (0..curves.len())
                    .map(|_| rng.random_range(0..curves.len()))
                    .collect();
                pooled(&mut idx.iter().map(|&i| &curves[i]))
            }
        };
        if let Ok(fit) = fit {
            slopes.push(fit.slope);
        }
    }
    if slopes.is_empty() {
        return Err(ReportError::Fit(format!(
            "all {resamples} bootstrap resamples failed to fit"
        )));
    }
    slopes.sort_by(f64::total_cmp);
    let interval = Interval {
        lo: quantile(&slopes, (1.0 - confidence) / 2.0),
        hi: quantile(&slopes, (1.0 + confidence) / 2.0),
    };
    Ok((point, interval))
}

/// Empirical quantile of sorted, non-empty `s` with linear interpolation
/// between order statistics: `s[⌊h⌋] + (h−⌊h⌋)(s[⌊h⌋+1] − s[⌊h⌋])`, `h = p(n−1)`.
fn quantile(s: &[f64], p: f64) -> f64 {
    let h = p * (s.len() - 1) as f64;
    let i = h.floor() as usize;
    match s.get(i + 1) {
        Some(next) => s[i] + (h - i as f64) * (next - s[i]),
        None => s[i],
    }
}

/// Spearman's rank correlation of `x` and `y`: Pearson's correlation of their ranks,
///
/// `rho = sum_i (r_i - mean r)(s_i - mean s) / sqrt(sum_i (r_i - mean r)^2 sum_i (s_i - mean s)^2)`,
///
/// where `r_i` is the rank of `x_i` among `x` and `s_i` that of `y_i` among `y` (from 0, ties
/// sharing their average rank). `None` when the lengths differ, below 2 points, or when either
/// is constant (its ranks have no variance).
pub fn rank_correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let (vx, vy): (f64, f64) = (
        rx.iter().map(|a| (a - mx).powi(2)).sum(),
        ry.iter().map(|b| (b - my).powi(2)).sum(),
    );
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

/// The rank of each value of `v` from 0, ties sharing their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power_law(a: f64, b: f64, xs: &[f64]) -> Vec<f64> {
        xs.iter().map(|x| a * x.powf(b)).collect()
    }

    #[test]
    fn recovers_exact_power_law() {
        let x: Vec<f64> = (1..=20).map(|i| f64::from(i) * 10.0).collect();
        let y = power_law(3.0, -0.75, &x);
        let fit = fit_loglog(&x, &y).unwrap();
        assert!((fit.slope + 0.75).abs() < 1e-12, "{fit:?}");
        assert!((fit.intercept - 3f64.ln()).abs() < 1e-10, "{fit:?}");
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
        assert_eq!(fit.n_points, 20);
        assert!((fit.predict(50.0) - 3.0 * 50f64.powf(-0.75)).abs() < 1e-12);
    }

    #[test]
    fn skips_unusable_points() {
        let x = [0.0, 1.0, 2.0, f64::NAN, 4.0, -1.0, 8.0];
        let y = [1.0, 1.0, 4.0, 9.0, 16.0, 1.0, 0.0];
        let fit = fit_loglog(&x, &y).unwrap();
        assert_eq!(fit.n_points, 3);
        assert!((fit.slope - 2.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_degenerate_input() {
        assert!(matches!(
            fit_loglog(&[1.0], &[1.0]),
            Err(ReportError::Fit(_))
        ));
        assert!(matches!(
            fit_loglog(&[0.1; 3], &[1.0, 2.0, 3.0]),
            Err(ReportError::Fit(_))
        ));
        assert!(matches!(
            fit_loglog(&[1.0, 2.0], &[1.0]),
            Err(ReportError::Fit(_))
        ));
        assert!(bootstrap_slope(&[], 10, 0.95, 0).is_err());
        let c = vec![(vec![1.0, 2.0], vec![1.0, 2.0])];
        assert!(bootstrap_slope(&c, 0, 0.95, 0).is_err());
        assert!(bootstrap_slope(&c, 10, 1.0, 0).is_err());
        let uneven = vec![
            (vec![1.0, 2.0, 3.0], vec![1.0, 2.0]),
            (vec![1.0], vec![1.0, 2.0]),
        ];
        assert!(bootstrap_slope(&uneven, 10, 0.9, 0).is_err());
    }

    /// Small deterministic generator of noisy curves `y = 2 x^slope · e^ε`,
    /// ε uniform in ±`noise`, with a per-curve offset as seeds would give.
    fn noisy_curves(
        slope: f64,
        noise: f64,
        n_curves: usize,
        seed: u64,
    ) -> Vec<(Vec<f64>, Vec<f64>)> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x: Vec<f64> = (0..12)
            .map(|i| 10f64.powf(1.0 + f64::from(i) / 4.0))
            .collect();
        let mut eps = move || noise * (2.0 * rng.random::<f64>() - 1.0);
        (0..n_curves)
            .map(|_| {
                let offset = eps();
                let y = x
                    .iter()
                    .map(|xi| 2.0 * xi.powf(slope) * (offset + eps()).exp())
                    .collect();
                (x.clone(), y)
            })
            .collect()
    }

    #[test]
    fn bootstrap_is_exact_without_noise() {
        let curves = noisy_curves(-0.5, 0.0, 1, 1);
        let (fit, ci) = bootstrap_slope(&curves, 200, 0.95, 7).unwrap();
        assert!((fit.slope + 0.5).abs() < 1e-12);
        assert!(
            (ci.lo + 0.5).abs() < 1e-12 && (ci.hi + 0.5).abs() < 1e-12,
            "{ci:?}"
        );
    }

    #[test]
    fn bootstrap_is_deterministic() {
        for n_curves in [1, 5] {
            let curves = noisy_curves(-0.5, 0.2, n_curves, 3);
            let a = bootstrap_slope(&curves, 300, 0.9, 42).unwrap();
            let b = bootstrap_slope(&curves, 300, 0.9, 42).unwrap();
            assert_eq!(a, b);
            let c = bootstrap_slope(&curves, 300, 0.9, 43).unwrap();
            assert_ne!(
                a.1, c.1,
                "a different seed should give a different interval"
            );
        }
    }

    #[test]
    fn bootstrap_interval_covers_true_slope() {
        let truth = -0.6;
        for n_curves in [1, 6] {
            let mut covered = 0;
            for data_seed in 0..20 {
                let curves = noisy_curves(truth, 0.3, n_curves, data_seed);
                let (fit, ci) = bootstrap_slope(&curves, 1000, 0.95, data_seed).unwrap();
                assert!(ci.lo <= fit.slope && fit.slope <= ci.hi, "{fit:?} {ci:?}");
                assert!(
                    ci.hi - ci.lo < 0.5,
                    "interval too wide to be useful: {ci:?}"
                );
                covered += usize::from(ci.contains(truth));
            }
            // Nominal coverage is 95%; allow for bootstrap undercoverage with few curves.
            assert!(covered >= 16, "{n_curves} curves: covered {covered}/20");
        }
    }

    #[test]
    fn ties_get_their_average_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2.5, 0.0, 2.5, 1.0]);
        assert_eq!(ranks(&[5.0, 5.0, 5.0]), vec![1.0, 1.0, 1.0]);
    }

    #[test]
    fn rank_correlation_of_monotone_reversed_tied_and_constant_inputs() {
        let x = [1.0, 2.0, 3.0, 4.0];
        // Any increasing transform keeps the ranks: +1; any decreasing one: -1.
        assert_eq!(rank_correlation(&x, &[10.0, 20.0, 25.0, 90.0]), Some(1.0));
        assert_eq!(rank_correlation(&x, &[4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        let r = rank_correlation(&x, &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((r - 0.8).abs() < 1e-12);
        // Ties: y ranks 0, 1.5, 1.5, 3 against 0, 1, 2, 3.
        let r = rank_correlation(&x, &[1.0, 2.0, 2.0, 5.0]).unwrap();
        assert!((r - 4.5 / (5.0f64 * 4.5).sqrt()).abs() < 1e-12, "{r}");
        assert_eq!(rank_correlation(&x, &[1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(rank_correlation(&[2.0, 2.0], &[1.0, 3.0]), None);
        assert_eq!(rank_correlation(&[1.0], &[1.0]), None);
        assert_eq!(rank_correlation(&x, &[1.0, 2.0]), None);
    }
}
