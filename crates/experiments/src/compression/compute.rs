//! The frames of compression: `codes` (one row per stream and coder), `training` (the
//! transformer's prequential pass) and `sentences`.

use super::schema::codes;
use crate::error::{Context, Result, ensure_config};
use crate::frames::columns::{ALPHA, POINT, SEED};
use crate::frames::{sentences, training};
use polars::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

use skm_trainer::{ModelConfig, Prequential, TrainConfig};

use super::CODERS;
use super::coders::{ByteCoder, serialize, token_width};
use super::params::Params;
use crate::frames::training::LossRows;
use crate::measure::{Stream, measure};
use crate::spec::Spec;
use crate::training::{
    Batches, TrainData, TrainRequest, TrainingStream, configs, each_training_stream,
};
use crate::{Env, Frames, Progress, concat};

/// What every row of `codes` says about its stream.
struct StreamKey<'a> {
    point: &'a str,
    alpha: f64,
    seed: u64,
    /// Tokens in the stream.
    tokens: u64,
    /// Bytes per token when written for the byte coders.
    token_bytes: usize,
}

/// Columns of the frames.
#[derive(Default)]
struct Rows {
    // codes: one row per (point, seed, coder)
    c_point: Vec<String>,
    c_alpha: Vec<f64>,
    c_seed: Vec<u64>,
    c_order: Vec<u32>,
    c_coder: Vec<&'static str>,
    c_tokens: Vec<u64>,
    c_stream_tokens: Vec<u64>,
    c_token_bytes: Vec<u32>,
    c_bits: Vec<f64>,
    training: LossRows,
}

impl Rows {
    /// One row of `codes`: `coder` spent `bits` on `tokens` tokens of `stream`.
    fn code(
        &mut self,
        stream: &StreamKey,
        coder: &'static str,
        tokens: u64,
        bits: f64,
    ) -> Result<()> {
        let order = CODERS
            .iter()
            .position(|&(key, _)| key == coder)
            .with_context(|| format!("unknown coder {coder:?}"))?;
        self.c_point.push(stream.point.into());
        self.c_alpha.push(stream.alpha);
        self.c_seed.push(stream.seed);
        self.c_order.push(order as u32);
        self.c_coder.push(coder);
        self.c_tokens.push(tokens);
        self.c_stream_tokens.push(stream.tokens);
        self.c_token_bytes.push(stream.token_bytes as u32);
        self.c_bits.push(bits);
        Ok(())
    }

    fn frames(self) -> Result<Frames> {
        let per_token: Vec<f64> = self
            .c_bits
            .iter()
            .zip(&self.c_tokens)
            .map(|(&bits, &tokens)| bits / tokens as f64)
            .collect();
        let codes = df!(
            POINT => self.c_point,
            ALPHA => self.c_alpha,
            SEED => self.c_seed,
            codes::ORDER => self.c_order,
            codes::CODER => self.c_coder,
            codes::CODED_TOKENS => self.c_tokens,
            codes::STREAM_TOKENS => self.c_stream_tokens,
            codes::TOKEN_BYTES => self.c_token_bytes,
            codes::BITS => self.c_bits,
            codes::BITS_PER_TOKEN => per_token,
        )?;
        let training = self.training.frame()?;
        Ok(Frames::from([
            (codes::NAME.to_string(), codes),
            (training::NAME.to_string(), training),
        ]))
    }
}

/// Full batches of `B` windows of `T` tokens in a stream of `tokens` tokens:
/// `floor(floor((tokens - 1) / T) / B)`, the steps of one prequential pass.
fn full_batches(tokens: usize, context: usize, batch: usize) -> usize {
    tokens.saturating_sub(1) / context / batch
}

/// The training config of one pass over a stream with `batches` full batches: `steps =
/// min(train.steps, batches)` (so the cosine decay ends with the pass) and the warmup capped
/// at it.
fn pass_config(train: &TrainConfig, batches: usize) -> TrainConfig {
    let steps = train.steps.min(batches);
    TrainConfig {
        steps,
        warmup_steps: train.warmup_steps.min(steps),
        ..train.clone()
    }
}

/// Codes every (point, seed) stream six ways.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let (model, train) = configs(spec)?;
    let coding = Coding {
        spec,
        p: &p,
        model,
        train,
        env,
    };
    let mut rows = Rows::default();
    let sentences = each_training_stream(spec, |at| coding.stream(at, &mut rows))?;
    let mut frames = rows.frames()?;
    frames.insert(sentences::NAME.into(), concat(sentences)?);
    Ok(frames)
}

/// What coding a stream needs besides the stream.
struct Coding<'a> {
    spec: &'a Spec,
    p: &'a Params,
    model: &'a ModelConfig,
    train: &'a TrainConfig,
    env: &'a Env<'a>,
}

impl Coding<'_> {
    /// The rows of one (point, seed) stream; its `sentences` frame.
    fn stream(&self, at: TrainingStream<'_>, rows: &mut Rows) -> Result<DataFrame> {
        let (point, seed) = (at.point, at.seed);
        let generator = self.spec.generator_at(point, seed);
        self.env.progress.set_message("oracle and Bayes learner");
        let stream = measure(&point.label, &generator, self.spec.sentences, &())?;
        let tokens = &stream.corpus.tokens;
        let n_tokens = tokens.len() as u64;
        let key = StreamKey {
            point: &point.label,
            alpha: generator.alpha,
            seed,
            tokens: n_tokens,
            token_bytes: token_width(stream.corpus.world.vocabulary.size()),
        };
        let oracle: f64 = stream.oracle.iter().map(|r| r.total()).sum();
        let bayes: f64 = stream.bayes.iter().map(|r| r.total()).sum();
        rows.code(&key, "oracle", n_tokens, oracle)?;
        rows.code(&key, "bayes", n_tokens, bayes)?;
        self.transformer(&key, &stream, at, rows)?;

        // The general-purpose coders, on the whole stream.
        self.env.progress.set_message("gzip, xz, zstd");
        let bytes = serialize(tokens, key.token_bytes);
        for (name, coder) in ByteCoder::all(self.p) {
            let size = coder.size(name, &bytes)?;
            rows.code(&key, name, n_tokens, 8.0 * size as f64)?;
        }
        sentences::frame(&stream)
    }

    /// The transformer's row: one prequential pass over the stream (from the env's models,
    /// so a pass that was killed resumes and a finished one is reused).
    fn transformer(
        &self,
        key: &StreamKey,
        stream: &Stream,
        at: TrainingStream<'_>,
        rows: &mut Rows,
    ) -> Result<()> {
        let (label, seed) = (key.point, key.seed);
        let corpus = &stream.corpus;
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..self.model.clone()
        };
        let batches = full_batches(corpus.tokens.len(), model.context, self.train.batch_size);
        ensure_config!(
            batches >= 1,
            "{}: the stream of {label} seed {seed} has {} tokens, fewer than one batch of \
             train.batch_size x model.context + 1 = {} tokens: raise profiles.{}.sentences",
            self.spec.path.display(),
            corpus.tokens.len(),
            self.train.batch_size * model.context + 1,
            self.spec.profile.as_str()
        );
        let train = pass_config(&at.train_config(self.train), batches);
        let tokens_per_step = train.batch_size * model.context;
        let data = TrainData::Sentences {
            corpus,
            train: 0..corpus.sentences.len(),
            heldout: 0..0,
        };
        let request = TrainRequest {
            batches: Batches::Prequential,
            ..TrainRequest::new(self.spec, data, &model, &train)
        };
        let progress = SentencesCoded::new(self.env.progress, &corpus.offsets, tokens_per_step);
        let trained = self
            .env
            .models
            .trained(&request, &progress)
            .context("coding the stream with the transformer")?;
        progress.finish(corpus.sentences.len());
        rows.training.push_run(label, seed, &trained.state, &train);
        let code = Prequential::of(&trained.state, tokens_per_step);
        rows.code(key, "transformer", code.tokens, code.bits)
    }
}

/// The progress of a prequential pass, counted in the sentences whose tokens are all coded
/// (the unit of the rest of the experiment) rather than in steps.
struct SentencesCoded<'a> {
    inner: &'a dyn Progress,
    /// The stream's sentence offsets (`offsets[i]`: the first token of sentence `i`).
    offsets: &'a [usize],
    tokens_per_step: usize,
    steps: AtomicU64,
    counted: AtomicU64,
}

impl<'a> SentencesCoded<'a> {
    fn new(inner: &'a dyn Progress, offsets: &'a [usize], tokens_per_step: usize) -> Self {
        SentencesCoded {
            inner,
            offsets,
            tokens_per_step,
            steps: AtomicU64::new(0),
            counted: AtomicU64::new(0),
        }
    }

    /// Counts the sentences up to `done` that were not counted yet.
    fn count_to(&self, done: u64) {
        let before = self.counted.fetch_max(done, Ordering::Relaxed);
        self.inner.inc(done.saturating_sub(before));
    }

    /// The pass is over: every one of the stream's `sentences` is counted.
    fn finish(&self, sentences: usize) {
        self.count_to(sentences as u64);
    }
}

impl Progress for SentencesCoded<'_> {
    fn inc(&self, steps: u64) {
        let steps = self.steps.fetch_add(steps, Ordering::Relaxed) + steps;
        // Sentences whose tokens (targets 1..=coded) are all coded.
        let coded = steps as usize * self.tokens_per_step;
        let done = self.offsets[1..].partition_point(|&o| o <= coded + 1);
        self.count_to(done as u64);
    }

    fn set_message(&self, message: &str) {
        self.inner.set_message(message);
    }

    fn println(&self, line: &str) {
        self.inner.println(line);
    }

    fn trained(&self, tokens: u64, loss_nats: f32) {
        self.inner.trained(tokens, loss_nats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_has_as_many_steps_as_full_batches() {
        // 99 targets make 12 windows of 8, 4 batches of 3.
        assert_eq!(full_batches(100, 8, 3), 4);
        assert_eq!(full_batches(24, 8, 3), 0);
        assert_eq!(full_batches(0, 8, 3), 0);
        let train = TrainConfig {
            steps: 1_000,
            warmup_steps: 10,
            ..TrainConfig::spec()
        };
        let pass = pass_config(&train, 4);
        assert_eq!((pass.steps, pass.warmup_steps), (4, 4));
        assert!(pass.validate().is_ok());
        let capped = pass_config(&train, 5_000);
        assert_eq!((capped.steps, capped.warmup_steps), (1_000, 10));
    }
}
