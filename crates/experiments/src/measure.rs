//! The measurement every experiment starts from: a generated stream with the oracle's and
//! the Bayes learner's code length of every sentence, split by role.

use crate::error::{Context, Result};
use skm_generator::{Corpus, GeneratorConfig};
use skm_theory::{BayesLearner, Oracle, RoleBits, SplitByRole};

use crate::Progress;

/// One stream of one sweep point and seed, measured.
pub struct Stream {
    /// Sweep point label (`alpha=0.5`).
    pub label: String,
    /// The point's `alpha` (every frame carries it).
    pub alpha: f64,
    /// The seed.
    pub seed: u64,
    /// Sentences, tokens and the world behind them.
    pub corpus: Corpus,
    /// Oracle bits of each sentence, by role.
    pub oracle: Vec<RoleBits>,
    /// Bayes-learner bits of each sentence, by role (learning as it reads).
    pub bayes: Vec<RoleBits>,
}

/// Progress is reported every this many sentences.
const TICK: usize = 16_384;

/// Generates `sentences` sentences of `config` and codes each with the oracle and the Bayes
/// learner.
pub fn measure(
    label: &str,
    config: &GeneratorConfig,
    sentences: u64,
    progress: &dyn Progress,
) -> Result<Stream> {
    let n = usize::try_from(sentences).context("sentences does not fit in memory")?;
    let corpus = Corpus::generate(config, n)
        .with_context(|| format!("generating {label}, seed {}", config.seed))?;
    let world = &corpus.world;
    let oracle = Oracle::new(world)?;
    let mut learner = BayesLearner::new(world)?;
    let (mut oracle_bits, mut bayes_bits) = (Vec::new(), Vec::new());
    let mut oracle_rows = Vec::with_capacity(n);
    let mut bayes_rows = Vec::with_capacity(n);
    for (i, sentence) in corpus.sentences.iter().enumerate() {
        let tokens = corpus.sentence_tokens(i);
        oracle_bits.clear();
        bayes_bits.clear();
        oracle.sentence_bits(sentence, &mut oracle_bits)?;
        learner.observe(sentence, tokens, &mut bayes_bits)?;
        oracle_rows.push(RoleBits::split(&world.vocabulary, tokens, &oracle_bits)?);
        bayes_rows.push(RoleBits::split(&world.vocabulary, tokens, &bayes_bits)?);
        if (i + 1) % TICK == 0 {
            progress.inc(TICK as u64);
        }
    }
    progress.inc((n % TICK) as u64);
    Ok(Stream {
        label: label.to_string(),
        alpha: config.alpha,
        seed: config.seed,
        oracle: oracle_rows,
        bayes: bayes_rows,
        corpus,
    })
}

/// `1, ..., n_max` on a log grid with `per_decade` points a decade (distinct integers,
/// always ending at `n_max`).
pub fn log_grid(n_max: u64, per_decade: u32) -> Vec<u64> {
    let mut grid = Vec::new();
    let steps = (n_max as f64).log10() * f64::from(per_decade);
    for i in 0..=steps.ceil() as u64 {
        let n = (10f64.powf(i as f64 / f64::from(per_decade)).round() as u64).min(n_max);
        if grid.last() != Some(&n) {
            grid.push(n);
        }
    }
    if grid.last() != Some(&n_max) {
        grid.push(n_max);
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_grid_is_increasing_and_ends_at_max() {
        let grid = log_grid(1_000, 4);
        assert_eq!(grid.first(), Some(&1));
        assert_eq!(grid.last(), Some(&1_000));
        assert!(grid.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(log_grid(1, 4), vec![1]);
        assert_eq!(log_grid(7, 10).last(), Some(&7));
    }
}
