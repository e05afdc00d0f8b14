//! The expected number of distinct entities of a Pitman-Yor Chinese restaurant process
//! (claim C1, Heaps' law): exact recursion, closed form and asymptote; and the exact
//! finite-N laws the claims compare with: the expected frequency spectrum `E[K_{N,j}]`, the
//! expected tail count `G_N(c)` (Zipf's law with the axes swapped, claim C2), `Var K_N` and
//! `Cov(K_m, K_n)`.
//!
//! Domain of every function: discount `0 <= alpha < 1`, concentration `beta > -alpha`, and
//! `beta > 0` when `alpha = 0` (the generator's own ranges). Outside it they return NaN.

use crate::learning_curve::{Chains, SplitMix64};
use crate::special::{digamma, ln_gamma_ratio};

/// Whether `(alpha, beta)` are valid PYCRP parameters.
fn valid(alpha: f64, beta: f64) -> bool {
    alpha.is_finite()
        && beta.is_finite()
        && (0.0..1.0).contains(&alpha)
        && beta > -alpha
        && (alpha > 0.0 || beta > 0.0)
}

/// `E[K_N]` by the exact recursion of the PYCRP predictive:
/// `E[K_0] = 0`, `E[K_1] = 1` (the first customer always opens a table, also when
/// `beta <= 0`), and `E[K_{n+1}] = E[K_n] (1 + alpha/(n + beta)) + beta/(n + beta)` for
/// `n >= 1`. O(N) time; see [`expected_distinct_closed_form`] for O(1).
pub fn expected_distinct(alpha: f64, beta: f64, n: u64) -> f64 {
    if !valid(alpha, beta) {
        return f64::NAN;
    }
    (0..n).fold(0.0, |k, i| step(alpha, beta, i, k))
}

/// One step of the recursion: `E[K_{i+1}]` from `E[K_i]`.
#[inline]
fn step(alpha: f64, beta: f64, i: u64, k: f64) -> f64 {
    if i == 0 {
        1.0
    } else {
        let denominator = i as f64 + beta;
        k * (1.0 + alpha / denominator) + beta / denominator
    }
}

/// `E[K_n]` for every `n = 0..=n_max` in one pass of the recursion of
/// [`expected_distinct`]; `curve[n] = E[K_n]`.
pub fn expected_distinct_curve(alpha: f64, beta: f64, n_max: usize) -> Vec<f64> {
    if !valid(alpha, beta) {
        return vec![f64::NAN; n_max + 1];
    }
    let mut curve = Vec::with_capacity(n_max + 1);
    curve.push(0.0);
    for i in 0..n_max as u64 {
        let next = step(alpha, beta, i, curve[i as usize]);
        curve.push(next);
    }
    curve
}

/// `E[K_N]` in closed form:
/// `E[K_N] = (beta/alpha) ((beta + alpha)_N / (beta)_N - 1)` with rising factorials
/// `(x)_N = Gamma(x + N)/Gamma(x)`, for `alpha > 0`; and `beta (psi(beta + N) - psi(beta))`
/// for `alpha = 0` (`psi` the digamma function).
///
/// Evaluated as `E = beta (Q - 1)/alpha + Q` with
/// `Q = (beta + alpha + 1)_{N-1} / (beta + 1)_{N-1}` (algebraically the same, since
/// `(x)_N = x (x + 1)_{N-1}`): this form stays finite for `beta` in `(-alpha, 0]`, where
/// `(beta)_N` vanishes or changes sign, and `ln Q` comes from
/// [`ln_gamma_ratio`] without cancellation, `Q - 1` from
/// `exp_m1`. Relative error about `1e-14` up to `N ~ 1e9`.
pub fn expected_distinct_closed_form(alpha: f64, beta: f64, n: u64) -> f64 {
    if !valid(alpha, beta) {
        return f64::NAN;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    if alpha == 0.0 {
        return beta * (digamma(beta + n) - digamma(beta));
    }
    let ln_q = ln_gamma_ratio(beta + n, alpha) - ln_gamma_ratio(beta + 1.0, alpha);
    beta * ln_q.exp_m1() / alpha + ln_q.exp()
}

/// The large-`N` asymptote of `E[K_N]`:
/// `Gamma(beta + 1) / (alpha Gamma(beta + alpha)) N^alpha` for `alpha > 0`; for `alpha = 0`
/// the growth is logarithmic and this returns `beta (ln N - psi(beta))`. Returns 0 at `N = 0`.
/// The ratio `E[K_N] / asymptote` tends to 1 (as `1 + O(N^-alpha)` for `alpha > 0`).
pub fn expected_distinct_asymptote(alpha: f64, beta: f64, n: u64) -> f64 {
    if !valid(alpha, beta) {
        return f64::NAN;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    if alpha == 0.0 {
        return beta * (n.ln() - digamma(beta));
    }
    // Gamma(beta + 1)/Gamma(beta + alpha) = exp(ln Gamma((beta+alpha) + (1-alpha)) - ...).
    ln_gamma_ratio(beta + alpha, 1.0 - alpha).exp() / alpha * n.powf(alpha)
}

/// The expected frequency spectrum after `N` sentences: `spectrum[j - 1] = E[K_{N,j}]`, the
/// expected number of entities seen exactly `j` times, `j = 1..=N`:
/// `E[K_{N,j}] = C(N, j) B(j - alpha, N - j + beta + alpha) / B(1 - alpha, beta + alpha)`
/// (Pitman 2006, Combinatorial Stochastic Processes, section 3.3).
///
/// Evaluated without large cancelling terms: `E[K_{N,1}] = N (beta + alpha)_{N-1} /
/// (beta + 1)_{N-1}` (rising factorials, from [`ln_gamma_ratio`]) and the ratio of
/// neighbours `E[K_{N,j+1}] / E[K_{N,j}] = (N - j)(j - alpha) / ((j + 1)(N - j - 1 + beta +
/// alpha))`, all of whose factors are positive. Checks: `sum_j E[K_{N,j}] = E[K_N]` and
/// `sum_j j E[K_{N,j}] = N`. Empty for `N = 0`; NaN outside the domain.
pub fn expected_spectrum(alpha: f64, beta: f64, n: usize) -> Vec<f64> {
    if !valid(alpha, beta) {
        return vec![f64::NAN; n];
    }
    let mut spectrum = Vec::with_capacity(n);
    if n == 0 {
        return spectrum;
    }
    let steps = (n - 1) as f64;
    let nf = n as f64;
    let mut current =
        nf * (ln_gamma_ratio(beta + alpha, steps) - ln_gamma_ratio(beta + 1.0, steps)).exp();
    for j in 1..=n {
        spectrum.push(current);
        let jf = j as f64;
        current *= (nf - jf) * (jf - alpha) / ((jf + 1.0) * (nf - jf - 1.0 + beta + alpha));
    }
    spectrum
}

/// The expected tail counts after `N` sentences: `tail[c - 1] = G_N(c) = sum_{j >= c}
/// E[K_{N,j}]`, the expected number of entities seen at least `c` times, `c = 1..=N`
/// (`G_N(1) = E[K_N]`). Plotted against `c` it is Zipf's law with the axes swapped: for large
/// `N`, `G_N(c)` falls like `c^(-alpha)` over the middle of the range.
pub fn expected_tail_counts(alpha: f64, beta: f64, n: usize) -> Vec<f64> {
    let spectrum = expected_spectrum(alpha, beta, n);
    let mut tail = vec![0.0; n];
    let mut sum = 0.0;
    // Summed from the rare end: the small terms first.
    for j in (0..n).rev() {
        sum += spectrum[j];
        tail[j] = sum;
    }
    tail
}

/// `Var K_N` by the exact recursion of the first two moments of the PYCRP (see
/// [`distinct_moments`]). O(N) time, stable on the whole domain (also `beta <= 0`). NaN
/// outside it.
pub fn distinct_variance(alpha: f64, beta: f64, n: u64) -> f64 {
    distinct_moments(alpha, beta, &[n])[0].1
}

/// `Cov(K_m, K_n)`, symmetric in `m` and `n`. The chain's conditional mean is affine,
/// `E[K_{i+1} | K_i] = K_i (1 + alpha/(i + beta)) + beta/(i + beta)` for `i >= 1`, so for
/// `1 <= m <= n`, `E[K_n | K_m] = a K_m + b` with
/// `a = prod_{i=m}^{n-1} (1 + alpha/(i + beta)) = Gamma(n + beta + alpha) Gamma(m + beta)
/// / (Gamma(m + beta + alpha) Gamma(n + beta))`, and
/// `Cov(K_m, K_n) = Cov(K_m, a K_m + b) = a Var K_m` (0 when `m = 0`). O(min(m, n)) time.
/// NaN outside the domain.
pub fn distinct_covariance(alpha: f64, beta: f64, m: u64, n: u64) -> f64 {
    let (m, n) = (m.min(n), m.max(n));
    if !valid(alpha, beta) {
        return f64::NAN;
    }
    if m == 0 {
        return 0.0;
    }
    let (m_f, n_f) = (m as f64 + beta, n as f64 + beta);
    let slope = (ln_gamma_ratio(n_f, alpha) - ln_gamma_ratio(m_f, alpha)).exp();
    slope * distinct_variance(alpha, beta, m)
}

/// `(E[K_N], Var K_N)` at each `N` of `sizes` (any order), in one pass of the exact
/// recursion of the first two moments: with `K_{n+1} = K_n + Bernoulli(p_n)`,
/// `p_n = (beta + alpha K_n)/(n + beta)` for `n >= 1` (and `K_1 = 1`),
/// `E[K_{n+1}^2] = E[K_n^2] + (2 (beta E[K_n] + alpha E[K_n^2]) + beta + alpha E[K_n]) / (n + beta)`.
/// O(max N) time. NaN outside the domain.
pub fn distinct_moments(alpha: f64, beta: f64, sizes: &[u64]) -> Vec<(f64, f64)> {
    if !valid(alpha, beta) {
        return vec![(f64::NAN, f64::NAN); sizes.len()];
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut moments = vec![(0.0, 0.0); sizes.len()];
    let (mut n, mut first, mut second) = (1u64, 1.0f64, 1.0f64);
    for i in order {
        if sizes[i] == 0 {
            continue;
        }
        while n < sizes[i] {
            let denominator = n as f64 + beta;
            second += (2.0 * (beta * first + alpha * second) + beta + alpha * first) / denominator;
            first = step(alpha, beta, n, first);
            n += 1;
        }
        moments[i] = (first, (second - first * first).max(0.0));
    }
    moments
}

/// `chains.count` runs of the exact `K_n` chain (`K_1 = 1`, a new entity at sentence `i + 1`
/// with probability `(beta + alpha K_i)/(i + beta)`), each read at every `n` of `sizes`: the
/// Monte Carlo of the exact law behind the sampling distribution of any statistic of the
/// distinct counts (a fitted slope, for example), where no closed form reaches. O(chains max N).
pub fn distinct_chains(alpha: f64, beta: f64, sizes: &[u64], chains: Chains) -> Vec<Vec<f64>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut rng = SplitMix64(chains.seed);
    (0..chains.count)
        .map(|_| {
            let mut read = vec![0.0; sizes.len()];
            let (mut n, mut k) = (1u64, 1.0f64);
            for &i in &order {
                while n < sizes[i] {
                    if rng.uniform() * (n as f64 + beta) < beta + alpha * k {
                        k += 1.0;
                    }
                    n += 1;
                }
                read[i] = if sizes[i] == 0 { 0.0 } else { k };
            }
            read
        })
        .collect()
}

/// One draw of the PYCRP's frequency spectrum after `n` customers into `spectrum`
/// (`spectrum[j - 1]` tables of `j` customers, length `n`). Customer `i + 1` opens a table with
/// probability `(beta + alpha K)/(i + beta)`, else joins table `k` with probability
/// `(n_k - alpha)/(i - alpha K)`: a uniform earlier customer's table (probability `n_k/i`),
/// kept with probability `(n_k - alpha)/n_k` (rejection), so each step is O(1) on average.
pub(crate) fn sample_spectrum(
    alpha: f64,
    beta: f64,
    n: usize,
    rng: &mut SplitMix64,
    spectrum: &mut Vec<f64>,
) {
    let (mut tables, mut seats): (Vec<u64>, Vec<u32>) = (Vec::new(), Vec::with_capacity(n));
    for i in 0..n {
        let k = tables.len() as f64;
        if i == 0 || rng.uniform() * (i as f64 + beta) < beta + alpha * k {
            seats.push(tables.len() as u32);
            tables.push(1);
            continue;
        }
        let table = loop {
            let t = seats[(rng.uniform() * i as f64) as usize] as usize;
            let size = tables[t] as f64;
            if rng.uniform() * size < size - alpha {
                break t;
            }
        };
        tables[table] += 1;
        seats.push(table as u32);
    }
    spectrum.clear();
    spectrum.resize(n, 0.0);
    tables
        .iter()
        .for_each(|&size| spectrum[size as usize - 1] += 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMETERS: [(f64, f64); 8] = [
        (0.3, 1.0),
        (0.5, 0.5),
        (0.7, 2.0),
        (0.5, 10.0),
        (0.0, 3.0),
        (0.5, -0.3),
        (0.5, 0.0),
        (0.9, 0.1),
    ];

    fn relative(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn recursion_matches_closed_form() {
        for (alpha, beta) in PARAMETERS {
            let curve = expected_distinct_curve(alpha, beta, 100_000);
            assert_eq!(curve[0], 0.0);
            assert_eq!(curve[1], 1.0);
            for n in [1u64, 2, 3, 10, 57, 1_000, 12_345, 100_000] {
                let closed = expected_distinct_closed_form(alpha, beta, n);
                let error = relative(curve[n as usize], closed);
                assert!(error < 1e-9, "alpha {alpha} beta {beta} n {n}: {error:e}");
            }
            assert_eq!(expected_distinct(alpha, beta, 1_000), curve[1_000]);
        }
    }

    #[test]
    fn second_customer_matches_predictive() {
        // E[K_2] = 1 + (beta + alpha)/(1 + beta).
        for (alpha, beta) in PARAMETERS {
            let expected = 1.0 + (beta + alpha) / (1.0 + beta);
            assert!(relative(expected_distinct_closed_form(alpha, beta, 2), expected) < 1e-14);
        }
    }

    #[test]
    fn asymptote_ratio_tends_to_one() {
        for (alpha, beta) in PARAMETERS {
            let ratio = |n: u64| {
                expected_distinct_closed_form(alpha, beta, n)
                    / expected_distinct_asymptote(alpha, beta, n)
            };
            let (near, far) = (ratio(1_000), ratio(1_000_000_000));
            assert!((far - 1.0).abs() < 0.02, "alpha {alpha} beta {beta}: {far}");
            assert!((far - 1.0).abs() <= (near - 1.0).abs() + 1e-12);
        }
    }

    #[test]
    fn invalid_parameters_give_nan() {
        for (alpha, beta) in [(1.0, 1.0), (-0.1, 1.0), (0.5, -0.5), (0.0, 0.0)] {
            assert!(expected_distinct(alpha, beta, 10).is_nan());
            assert!(expected_distinct_closed_form(alpha, beta, 10).is_nan());
            assert!(expected_distinct_asymptote(alpha, beta, 10).is_nan());
            assert!(expected_distinct_curve(alpha, beta, 3)[3].is_nan());
        }
    }

    #[test]
    fn spectrum_sums_to_the_distinct_count_and_to_n() {
        for (alpha, beta) in PARAMETERS {
            for n in [1usize, 2, 3, 10, 1_000, 100_000] {
                let spectrum = expected_spectrum(alpha, beta, n);
                assert_eq!(spectrum.len(), n);
                assert!(spectrum.iter().all(|&e| e >= 0.0 && e.is_finite()));
                let tables: f64 = spectrum.iter().sum();
                let customers: f64 = spectrum
                    .iter()
                    .enumerate()
                    .map(|(j, e)| (j + 1) as f64 * e)
                    .sum();
                let k = expected_distinct_closed_form(alpha, beta, n as u64);
                assert!(
                    relative(tables, k) < 1e-9,
                    "alpha {alpha} beta {beta} n {n}"
                );
                assert!(
                    relative(customers, n as f64) < 1e-9,
                    "alpha {alpha} beta {beta} n {n}"
                );
                let tail = expected_tail_counts(alpha, beta, n);
                assert!(relative(tail[0], tables) < 1e-12);
                assert!(tail.windows(2).all(|w| w[0] >= w[1]));
            }
        }
    }

    #[test]
    fn small_spectra_match_the_predictive() {
        // Two customers: one table of two with probability (1 - alpha)/(1 + beta).
        for (alpha, beta) in PARAMETERS {
            let together = (1.0 - alpha) / (1.0 + beta);
            let spectrum = expected_spectrum(alpha, beta, 2);
            assert!(relative(spectrum[1], together) < 1e-12);
            assert!(relative(spectrum[0], 2.0 * (1.0 - together)) < 1e-12);
        }
    }

    #[test]
    fn variance_matches_small_cases() {
        for (alpha, beta) in PARAMETERS {
            assert_eq!(distinct_variance(alpha, beta, 1), 0.0);
            // K_2 - 1 is Bernoulli((beta + alpha)/(1 + beta)).
            let p = (beta + alpha) / (1.0 + beta);
            assert!((distinct_variance(alpha, beta, 2) - p * (1.0 - p)).abs() < 1e-12);
        }
        assert!(distinct_variance(1.5, 1.0, 10).is_nan());
    }

    /// `Cov(K_m, K_n)` against the enumeration of every path of the chain up to 7 customers.
    #[test]
    fn covariance_matches_the_enumerated_chain() {
        const N: usize = 7;
        /// Adds `(probability, K_1..K_N)` of every path from `path` on.
        fn paths(
            alpha: f64,
            beta: f64,
            p: f64,
            path: &mut Vec<f64>,
            out: &mut Vec<(f64, Vec<f64>)>,
        ) {
            let (i, k) = (path.len(), *path.last().expect("K_1"));
            if i == N {
                out.push((p, path.clone()));
                return;
            }
            let new = (beta + alpha * k) / (i as f64 + beta);
            for (step, q) in [(1.0, new), (0.0, 1.0 - new)] {
                path.push(k + step);
                paths(alpha, beta, p * q, path, out);
                path.pop();
            }
        }
        for (alpha, beta) in PARAMETERS {
            let mut all = Vec::new();
            paths(alpha, beta, 1.0, &mut vec![1.0], &mut all);
            let mean = |i: usize| all.iter().map(|(p, k)| p * k[i]).sum::<f64>();
            for m in 1..=N {
                for n in 1..=N {
                    let joint: f64 = all.iter().map(|(p, k)| p * k[m - 1] * k[n - 1]).sum();
                    let exact = joint - mean(m - 1) * mean(n - 1);
                    let closed = distinct_covariance(alpha, beta, m as u64, n as u64);
                    assert!(
                        (closed - exact).abs() < 1e-12,
                        "{alpha} {beta} {m} {n}: {closed} vs {exact}"
                    );
                }
            }
            assert_eq!(distinct_covariance(alpha, beta, 0, 5), 0.0);
        }
        assert!(distinct_covariance(1.5, 1.0, 2, 3).is_nan());
    }

    #[test]
    fn sampled_spectra_seat_every_customer_and_match_the_expected_spectrum() {
        let (n, alpha, beta, draws) = (500usize, 0.3, 2.0, 4_000);
        let mut rng = SplitMix64(5);
        let (mut spectrum, mut sum, mut squares) = (Vec::new(), vec![0.0; n], vec![0.0; n]);
        for _ in 0..draws {
            sample_spectrum(alpha, beta, n, &mut rng, &mut spectrum);
            let seated: f64 = spectrum
                .iter()
                .enumerate()
                .map(|(j, k)| (j + 1) as f64 * k)
                .sum();
            assert_eq!(seated, n as f64);
            for (j, k) in spectrum.iter().enumerate() {
                sum[j] += k;
                squares[j] += k * k;
            }
        }
        let expected = expected_spectrum(alpha, beta, n);
        let draws = draws as f64;
        for j in [0usize, 1, 4, 19] {
            let mean = sum[j] / draws;
            let se = ((squares[j] / draws - mean * mean) / (draws - 1.0)).sqrt();
            assert!(
                (mean - expected[j]).abs() <= 4.0 * se,
                "j {}: {mean} ± {se} vs {}",
                j + 1,
                expected[j]
            );
        }
    }
}
