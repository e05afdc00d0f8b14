//! `E[K_N]` against the distinct-entity counts of corpora drawn by the generator.

use skm_generator::{Corpus, GeneratorConfig};
use skm_theory::{expected_distinct, expected_distinct_closed_form};

fn config(alpha: f64, beta: f64, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        alpha,
        beta,
        seed,
        name_tokens: 2,
        name_vocab: 1 << 12,
        attributes: 1,
        values_per_attribute: 2,
        templates_per_attribute: 1,
        template_dirichlet: 1.0,
        filler_vocab: 0,
    }
}

#[test]
fn mean_distinct_count_matches_expectation() {
    const N: usize = 2_000;
    const REPLICATES: u64 = 200;
    for (alpha, beta) in [(0.5, 1.0), (0.7, 0.5), (0.3, 5.0), (0.0, 3.0), (0.5, -0.3)] {
        let counts: Vec<f64> = (0..REPLICATES)
            .map(|seed| {
                let corpus = Corpus::generate(&config(alpha, beta, seed), N).expect("corpus");
                corpus.world.counts.len() as f64
            })
            .collect();
        let r = REPLICATES as f64;
        let mean = counts.iter().sum::<f64>() / r;
        let variance = counts.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / (r - 1.0);
        let standard_error = (variance / r).sqrt();
        let expected = expected_distinct(alpha, beta, N as u64);
        assert!(
            (expected - expected_distinct_closed_form(alpha, beta, N as u64)).abs()
                < 1e-9 * expected
        );
        assert!(
            (mean - expected).abs() < 4.0 * standard_error,
            "alpha {alpha} beta {beta}: mean {mean} vs E[K_N] {expected} (se {standard_error})"
        );
    }
}

/// The expected tail counts `G_N(c)` and `Var K_N` against the generator's corpora.
#[test]
fn tail_counts_and_variance_match_simulation() {
    const N: usize = 2_000;
    const REPLICATES: u64 = 300;
    for (alpha, beta) in [(0.5, 1.0), (0.3, 5.0), (0.7, 0.5), (0.5, -0.3)] {
        let worlds: Vec<Vec<u64>> = (0..REPLICATES)
            .map(|seed| {
                let corpus = Corpus::generate(&config(alpha, beta, seed + 1_000), N).unwrap();
                corpus.world.counts.clone()
            })
            .collect();
        let tail = skm_theory::expected_tail_counts(alpha, beta, N);
        let r = REPLICATES as f64;
        for c in [1u64, 2, 5, 20, 100] {
            let seen: Vec<f64> = worlds
                .iter()
                .map(|counts| counts.iter().filter(|&&k| k >= c).count() as f64)
                .collect();
            let mean = seen.iter().sum::<f64>() / r;
            let variance = seen.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (r - 1.0);
            let standard_error = (variance / r).sqrt().max(1e-9);
            let expected = tail[c as usize - 1];
            assert!(
                (mean - expected).abs() < 4.0 * standard_error,
                "alpha {alpha} beta {beta} c {c}: mean {mean} vs G_N(c) {expected} (se {standard_error})"
            );
        }
        // Var K_N: the sample variance over 300 replicates is within about 8% (one standard
        // error, for a roughly normal K_N); 30% is well beyond four.
        let k: Vec<f64> = worlds.iter().map(|counts| counts.len() as f64).collect();
        let mean = k.iter().sum::<f64>() / r;
        let sample = k.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1.0);
        let exact = skm_theory::distinct_variance(alpha, beta, N as u64);
        assert!(
            (sample / exact - 1.0).abs() < 0.3,
            "alpha {alpha} beta {beta}: sample variance {sample} vs exact {exact}"
        );
    }
}

/// `Cov(K_m, K_n)` against the generator's corpora, through the regression of the later count
/// on the earlier one: its slope is `Cov(K_m, K_n) / Var K_m` exactly (the chain's conditional
/// mean is affine), with standard error `sqrt(Var(K_n | K_m) / (r Var K_m))` over `r`
/// replicates, `Var(K_n | K_m) = Var K_n - Cov^2 / Var K_m` on average.
#[test]
fn covariance_matches_the_regression_of_later_counts_on_earlier_ones() {
    const REPLICATES: u64 = 400;
    for (alpha, beta, m, n) in [
        (0.5, 1.0, 100, 2_000),
        (0.3, 5.0, 500, 1_500),
        (0.7, -0.5, 50, 800),
    ] {
        let pairs: Vec<(f64, f64)> = (0..REPLICATES)
            .map(|seed| {
                let corpus = Corpus::generate(&config(alpha, beta, seed + 5_000), n).unwrap();
                let distinct = |prefix: usize| {
                    corpus.sentences[..prefix]
                        .iter()
                        .filter(|s| s.new_entity)
                        .count() as f64
                };
                (distinct(m), distinct(n))
            })
            .collect();
        let r = REPLICATES as f64;
        let (mean_m, mean_n) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / r,
            pairs.iter().map(|p| p.1).sum::<f64>() / r,
        );
        let sxx: f64 = pairs.iter().map(|p| (p.0 - mean_m).powi(2)).sum();
        let sxy: f64 = pairs.iter().map(|p| (p.0 - mean_m) * (p.1 - mean_n)).sum();
        let (var_m, var_n) = (
            skm_theory::distinct_variance(alpha, beta, m as u64),
            skm_theory::distinct_variance(alpha, beta, n as u64),
        );
        let cov = skm_theory::distinct_covariance(alpha, beta, m as u64, n as u64);
        let (slope, exact) = (sxy / sxx, cov / var_m);
        let standard_error = ((var_n - cov * cov / var_m) / (r * var_m)).sqrt();
        assert!(
            (slope - exact).abs() < 4.0 * standard_error,
            "alpha {alpha} beta {beta} m {m} n {n}: slope {slope} vs Cov/Var {exact} (se {standard_error})"
        );
    }
}
