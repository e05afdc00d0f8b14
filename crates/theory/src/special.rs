//! Special functions for the closed forms: log-gamma, differences of log-gamma, digamma,
//! trigamma; and
//! for intervals over seeds, the regularized incomplete beta function and Student's t.
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

/// `B_{2k}`, k = 1..=7: the asymptotic series of the trigamma function.
const TRIGAMMA: [f64; 7] = [
    1.0 / 6.0,
    -1.0 / 30.0,
    1.0 / 42.0,
    -1.0 / 30.0,
    5.0 / 66.0,
    -691.0 / 2730.0,
    7.0 / 6.0,
];

/// The trigamma function `psi'(x) = d^2/dx^2 ln Gamma(x)` for `x > 0`:
/// `psi'(x) = psi'(x + m) + sum_{i<m} 1/(x + i)^2` and, for `y >= 12`,
/// `psi'(y) = 1/y + 1/(2 y^2) + sum_k B_{2k} / y^(2k + 1)`.
pub fn trigamma(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let m = shift(x);
    let shifted: f64 = (0..m).map(|i| (x + i as f64).powi(-2)).sum();
    let y = x + m as f64;
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    let series = TRIGAMMA.iter().rev().fold(0.0, |acc, c| acc * inv2 + c) * inv2 * inv;
    inv + 0.5 * inv2 + series + shifted
}

/// The regularized incomplete beta function `I_x(a, b) = B(x; a, b) / B(a, b)` for
/// `a, b > 0` and `0 <= x <= 1`, by the continued fraction of Numerical Recipes (6.4, modified
/// Lentz), evaluated on the side of `x = (a + 1)/(a + b + 2)` where it converges fast and
/// mirrored by `I_x(a, b) = 1 - I_{1-x}(b, a)` on the other. NaN outside the domain.
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if x == 0.0 || x == 1.0 {
        return x;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of `I_x(a, b)` (Numerical Recipes' `betacf`), to relative `1e-15`.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (mut c, mut d) = (1.0, 1.0 / guard(1.0 - (a + b) * x / (a + 1.0)));
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The distribution function of Student's t with `df > 0` degrees of freedom:
/// `F(t) = 1 - I_{df/(df + t^2)}(df/2, 1/2) / 2` for `t >= 0`, and `F(-t) = 1 - F(t)`.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || t.is_nan() {
        return f64::NAN;
    }
    let tail = regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t)) / 2.0;
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The quantile of Student's t: the `t` with `F(t) = p`, for `0 < p < 1` and `df > 0`, by
/// bisection of [`student_t_cdf`] to 1e-12 (the distribution function is monotone, so this is
/// exact to that width). NaN outside the domain.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0) {
        return f64::NAN;
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    let mut hi = 1.0;
    while student_t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    while hi - lo > 1e-12 * hi.max(1.0) {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
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
    fn trigamma_known_values_and_recurrence() {
        // psi'(1) = pi^2/6, psi'(1/2) = pi^2/2.
        assert!(close(trigamma(1.0), PI * PI / 6.0, 1e-14));
        assert!(close(trigamma(0.5), PI * PI / 2.0, 1e-14));
        for x in [0.3, 2.5, 11.9, 12.0, 40.0, 1e6] {
            assert!(close(trigamma(x), trigamma(x + 1.0) + 1.0 / (x * x), 1e-13));
        }
        // The derivative of digamma.
        let h = 1e-5;
        let numeric = (digamma(3.7 + h) - digamma(3.7 - h)) / (2.0 * h);
        assert!(close(trigamma(3.7), numeric, 1e-8));
        assert!(trigamma(0.0).is_nan());
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

    #[test]
    fn incomplete_beta_known_values() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
        assert!(close(
            regularized_incomplete_beta(1.0, 1.0, 0.3),
            0.3,
            1e-14
        ));
        assert!(close(
            regularized_incomplete_beta(2.5, 1.0, 0.6),
            0.6f64.powf(2.5),
            1e-14
        ));
        assert!(close(
            regularized_incomplete_beta(1.0, 3.0, 0.2),
            1.0 - 0.8f64.powi(3),
            1e-14
        ));
        // Symmetry: I_x(a, b) = 1 - I_{1-x}(b, a), on both sides of the switch.
        for x in [0.05, 0.4, 0.7, 0.97] {
            let (left, right) = (
                regularized_incomplete_beta(3.5, 0.5, x),
                regularized_incomplete_beta(0.5, 3.5, 1.0 - x),
            );
            assert!(close(left, 1.0 - right, 1e-13), "{x}");
        }
        assert!(regularized_incomplete_beta(0.0, 1.0, 0.5).is_nan());
        assert!(regularized_incomplete_beta(1.0, 1.0, 1.5).is_nan());
    }

    #[test]
    fn student_t_matches_tables() {
        // One degree of freedom is the Cauchy law: F(t) = 1/2 + atan(t)/pi.
        for t in [-3.0, -0.5, 0.0, 1.0, 7.0] {
            assert!(
                close(student_t_cdf(t, 1.0), 0.5 + f64::atan(t) / PI, 1e-13),
                "{t}"
            );
        }
        // Two-sided 95% points t_{0.975, df} (Abramowitz and Stegun, table 26.10).
        let table = [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (4.0, 2.776_445_105),
            (7.0, 2.364_624_252),
            (15.0, 2.131_449_546),
            (30.0, 2.042_272_456),
        ];
        for (df, t) in table {
            assert!(close(student_t_quantile(0.975, df), t, 1e-8), "df {df}");
            assert!(close(student_t_quantile(0.025, df), -t, 1e-8), "df {df}");
        }
        assert!(student_t_quantile(1.0, 3.0).is_nan() && student_t_quantile(0.5, 0.0).is_nan());
    }
}
