//! The measurement every experiment starts from: a generated stream with the oracle's and
//! the Bayes learner's code length of every sentence, split by role.

use crate::error::{Context, Result};
use crate::frames::columns::{ALPHA, POINT, SEED};
use polars::prelude::*;
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

impl Stream {
    /// One row per sentence: the columns of `sentences.parquet`.
    pub fn sentences_frame(&self) -> Result<DataFrame> {
        let corpus = &self.corpus;
        let world = &corpus.world;
        let n = corpus.sentences.len();
        // Per-sentence bits are stored as f32 (7 digits) to keep the frame small; every
        // aggregate is computed from the f64 values in memory.
        let role = |rows: &[RoleBits], f: fn(&RoleBits) -> f64| -> Vec<f32> {
            rows.iter().map(|r| f(r) as f32).collect()
        };
        let sentences = &corpus.sentences;
        let frame = df!(
            POINT => vec![self.label.as_str(); n],
            ALPHA => vec![self.alpha; n],
            SEED => vec![self.seed; n],
            "sentence" => (0..n as u64).collect::<Vec<_>>(),
            "entity" => sentences.iter().map(|s| s.entity).collect::<Vec<_>>(),
            "entity_weight" => sentences.iter().map(|s| world.weights[s.entity as usize]).collect::<Vec<_>>(),
            "attribute" => sentences.iter().map(|s| u32::from(s.attribute)).collect::<Vec<_>>(),
            "template" => sentences.iter().map(|s| u32::from(s.template)).collect::<Vec<_>>(),
            "n_tokens" => corpus.offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect::<Vec<_>>(),
            "oracle_bits" => role(&self.oracle, RoleBits::total),
            "bayes_bits" => role(&self.bayes, RoleBits::total),
            "bayes_bits_syntax" => role(&self.bayes, |r| r.syntax),
            "bayes_bits_name" => role(&self.bayes, |r| r.name),
            "bayes_bits_value" => role(&self.bayes, |r| r.value),
            "bayes_bits_noise" => role(&self.bayes, |r| r.noise),
        )?;
        Ok(frame)
    }
}

/// Sentences of many streams in one frame, in stream order.
pub fn sentences_frame(streams: &[Stream]) -> Result<DataFrame> {
    let mut frames = streams.iter().map(Stream::sentences_frame);
    let mut all = frames.next().context("no streams")??;
    for frame in frames {
        all.vstack_mut(&frame?)?;
    }
    all.align_chunks_par();
    Ok(all)
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
