//! Power-law fits: least squares in log-log space; Spearman's rank correlation.

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

/// A closed interval `[lo, hi]`, e.g. a confidence interval over seeds.
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
