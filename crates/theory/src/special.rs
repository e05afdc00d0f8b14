//! Special functions for the closed forms: log-gamma, differences of log-gamma, digamma.
//!
//! All three shift the argument up by the recurrences `Gamma(x + 1) = x Gamma(x)` and
//! `psi(x + 1) = psi(x) + 1/x` until it is at least 12, then sum the
//! Stirling (de Moivre) series, whose first omitted term is below `1e-17` there. Arguments
//! must be positive; a non-positive or non-finite argument gives NaN.

use std::f64::consts::PI;

/// Where the asymptotic series take over from the recurrences.
const ASYMPTOTIC_FROM: f64 = 12.0;

/// `B_{2k} / (2k (2k - 1))`, k = 1..=8: the Stirling series of `ln Gamma`.
const STIRLING: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
];

/// `B_{2k} / (2k)`, k = 1..=7: the asymptotic series of the digamma function.
const DIGAMMA: [f64; 7] = [
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32_760.0,
    1.0 / 12.0,
];

/// `sum_k STIRLING[k] / y^(2k - 1)`: the Stirling correction at `y >= ASYMPTOTIC_FROM`.
fn stirling_correction(y: f64) -> f64 {
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    STIRLING.iter().rev().fold(0.0, |acc, c| acc * inv2 + c) * inv
}

/// Steps `m` that bring `x + m` to at least [`ASYMPTOTIC_FROM`].
fn shift(x: f64) -> usize {
    if x >= ASYMPTOTIC_FROM {
        0
    } else {
        (ASYMPTOTIC_FROM - x).ceil() as usize
    }
}

/// `ln Gamma(x)` for `x > 0`:
/// `ln Gamma(x) = ln Gamma(x + m) - sum_{i<m} ln(x + i)` and, for `y >= 12`,
/// `ln Gamma(y) = (y - 1/2) ln y - y + ln(2 pi)/2 + sum_k B_{2k} / (2k (2k-1) y^(2k-1))`.
pub fn ln_gamma(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let m = shift(x);
    let shifted: f64 = (0..m).map(|i| (x + i as f64).ln()).sum();
    let y = x + m as f64;
    (y - 0.5) * y.ln() - y + 0.5 * (2.0 * PI).ln() + stirling_correction(y) - shifted
}

/// `ln Gamma(x + a) - ln Gamma(x)` for `x > 0`, `x + a > 0`, without the cancellation of
/// subtracting two large log-gammas: after shifting both arguments by `m`
/// (`- sum_{i<m} ln(1 + a/(x + i))`), at `y = x + m`
/// `ln Gamma(y + a) - ln Gamma(y) = (y - 1/2) ln(1 + a/y) + a ln(y + a) - a + S(y + a) - S(y)`,
/// `S` the Stirling correction. So `(x)_a`-type ratios of rising factorials are exact to
/// a few ulps of the result even for `x ~ 1e9`.
pub fn ln_gamma_ratio(x: f64, a: f64) -> f64 {
    if !(x > 0.0 && x + a > 0.0 && x.is_finite() && a.is_finite()) {
        return f64::NAN;
    }
    let m = shift(x.min(x + a));
    let shifted: f64 = (0..m).map(|i| (a / (x + i as f64)).ln_1p()).sum();
    let y = x + m as f64;
    (y - 0.5) * (a / y).ln_1p() + a * (y + a).ln() - a + stirling_correction(y + a)
        - stirling_correction(y)
        - shifted
}

/// The digamma function `psi(x) = d/dx ln Gamma(x)` for `x > 0`:
/// `psi(x) = psi(x + m) - sum_{i<m} 1/(x + i)` and, for `y >= 12`,
/// `psi(y) = ln y - 1/(2y) - sum_k B_{2k} / (2k y^(2k))`.
pub fn digamma(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let m = shift(x);
    let shifted: f64 = (0..m).map(|i| 1.0 / (x + i as f64)).sum();
    let y = x + m as f64;
    let inv2 = 1.0 / (y * y);
    let series = DIGAMMA.iter().rev().fold(0.0, |acc, c| acc * inv2 + c) * inv2;
    y.ln() - 0.5 / y - series - shifted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-14));
        assert!(close(ln_gamma(2.0), 0.0, 1e-14));
        assert!(close(ln_gamma(0.5), 0.5 * PI.ln(), 1e-14));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-14));
        // ln Gamma(1e-3) = -ln(1e-3) - gamma*1e-3 + O(1e-6)
        assert!(close(ln_gamma(1e-3), 6.907_178_885_383_854, 1e-14));
        // ln 100! = 363.739375555563490...
        assert!(close(ln_gamma(101.0), 363.739_375_555_563_5, 1e-14));
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn ln_gamma_ratio_matches_difference_and_products() {
        for &(x, a) in &[(0.5, 0.3), (3.0, 0.7), (20.0, 2.5), (1.0, -0.5), (0.2, 5.0)] {
            let direct = ln_gamma(x + a) - ln_gamma(x);
            assert!(close(ln_gamma_ratio(x, a), direct, 1e-13), "{x} {a}");
        }
        // Integer a: ln of the rising factorial x (x+1) ... (x+a-1).
        let x = 12_345.678_f64;
        let product: f64 = (0..4).map(|i| (x + i as f64).ln()).sum();
        assert!(close(ln_gamma_ratio(x, 4.0), product, 1e-15));
        assert!(ln_gamma_ratio(1.0, -1.0).is_nan());
    }

    #[test]
    fn digamma_known_values() {
        const EULER: f64 = 0.577_215_664_901_532_9;
        assert!(close(digamma(1.0), -EULER, 1e-15));
        assert!(close(digamma(0.5), -EULER - 2.0 * 2f64.ln(), 1e-15));
        // psi(n + 1) = H_n - gamma
        let harmonic: f64 = (1..=30).map(|i| 1.0 / i as f64).sum();
        assert!(close(digamma(31.0), harmonic - EULER, 1e-15));
        assert!(digamma(0.0).is_nan());
    }
}
