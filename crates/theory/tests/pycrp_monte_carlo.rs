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
