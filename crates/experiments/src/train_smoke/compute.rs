//! The frames of train-smoke and acquisition: `evaluations` (held-out bits by role),
//! `probes` (one row per probed fact per evaluation) and `training` (one row per step).

use super::schema::{EPOCHS, TOKENS, WEIGHT};
use crate::frames::probes::{EXPECTED_EXPOSURES, PROBE};
use crate::frames::{evaluations, probes, training};
use std::collections::BTreeSet;

use crate::error::{Context, Result};
use polars::prelude::*;
use skm_generator::Corpus;
use skm_trainer::probe::{self, Probe, Strata};
use skm_trainer::{Gpt, ModelConfig, TrainConfig, evaluate_roles};

use super::params::Params;
use crate::frames::ProbeColumns;
use crate::frames::columns::{POINT, SEED, STEP};
use crate::frames::evaluations::{ROLES, RoleRows};
use crate::frames::training::LossRows;
use crate::measure::log_grid;
use crate::spec::{Point, Spec};
use crate::training::{
    TrainData, TrainRequest, TrainingStream, configs, each_training_stream, model_for,
};
use crate::{Env, Frames};

/// Steps at which the model is evaluated, ascending and distinct: 0, then a log grid up to
/// the budget (the snapshots a training request keeps).
pub(crate) fn evaluation_steps(steps: usize, per_decade: u32) -> Vec<usize> {
    let steps: BTreeSet<usize> = std::iter::once(0)
        .chain(
            log_grid(steps as u64, per_decade)
                .into_iter()
                .map(|s| s as usize),
        )
        .collect();
    steps.into_iter().collect()
}

/// Columns of the frames, filled one evaluation at a time.
#[derive(Default)]
struct Rows {
    // evaluations
    e_point: Vec<String>,
    e_seed: Vec<u64>,
    e_step: Vec<u64>,
    e_tokens: Vec<u64>,
    e_roles: RoleRows,
    // probes
    p_point: Vec<String>,
    p_seed: Vec<u64>,
    p_step: Vec<u64>,
    p_epochs: Vec<f64>,
    p_probe: Vec<u32>,
    p_expected: Vec<f64>,
    p_weight: Vec<f64>,
    p_results: ProbeColumns,
    training: LossRows,
}

/// What one evaluation needs besides the model.
struct Probing<'a> {
    label: &'a str,
    seed: u64,
    corpus: &'a Corpus,
    heldout: std::ops::Range<usize>,
    probes: &'a [Probe],
    strata: Strata,
    batch: usize,
    tokens_per_step: u64,
    /// Tokens of the training stream: `epochs = step B T / train_tokens`.
    train_tokens: u64,
}

impl Rows {
    /// One evaluation of `model`, the weights after `step`: held-out bits by role, then every
    /// probe.
    fn evaluate(&mut self, at: &Probing, step: u64, model: &Gpt) -> skm_trainer::Result<()> {
        let eval = evaluate_roles(model, at.corpus, at.heldout.clone(), at.batch)?;
        self.e_roles.push(&eval);
        for _ in ROLES {
            self.e_point.push(at.label.into());
            self.e_seed.push(at.seed);
            self.e_step.push(step);
            self.e_tokens.push(step * at.tokens_per_step);
        }
        let results = probe::evaluate(model, &at.corpus.world, at.probes, at.batch)?;
        for (i, (probe, result)) in at.probes.iter().zip(&results).enumerate() {
            self.probe(at, step, i, probe, result);
        }
        Ok(())
    }

    /// One row of `probes`: probe `i` at `step`.
    fn probe(
        &mut self,
        at: &Probing,
        step: u64,
        i: usize,
        probe: &Probe,
        result: &probe::ProbeResult,
    ) {
        self.p_point.push(at.label.into());
        self.p_seed.push(at.seed);
        self.p_step.push(step);
        self.p_epochs
            .push((step * at.tokens_per_step) as f64 / at.train_tokens as f64);
        self.p_probe.push(i as u32);
        self.p_expected.push(probe.expected_exposures);
        self.p_weight.push(probe.weight);
        self.p_results.push(probe, at.strata, result);
    }

    fn frames(self) -> Result<Frames> {
        let mut evaluations = df!(
            POINT => self.e_point,
            SEED => self.e_seed,
            STEP => self.e_step,
            TOKENS => self.e_tokens,
        )?;
        evaluations.hstack_mut(&self.e_roles.columns())?;
        let probes = self.p_results.frame(df!(
            POINT => self.p_point,
            SEED => self.p_seed,
            STEP => self.p_step,
            EPOCHS => self.p_epochs,
            PROBE => self.p_probe,
            EXPECTED_EXPOSURES => self.p_expected,
            WEIGHT => self.p_weight,
        )?)?;
        let training = self.training.frame()?;
        Ok(Frames::from([
            (evaluations::NAME.to_string(), evaluations),
            (probes::NAME.to_string(), probes),
            (training::NAME.to_string(), training),
        ]))
    }
}

/// Trains one model per (point, seed) stream, evaluating and probing it at log-spaced steps.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let mut rows = Rows::default();
    each_training_stream(spec, |at| {
        Stream::new(spec, &p, at)?.train_and_probe(spec, &p, env, &mut rows)
    })?;
    rows.frames()
}

/// One (point, seed) stream: its corpus (training sentences, then held-out ones) and the
/// configs of the model trained on it.
struct Stream<'a> {
    point: &'a Point,
    seed: u64,
    corpus: Corpus,
    train_sentences: usize,
    model: ModelConfig,
    train: TrainConfig,
}

impl<'a> Stream<'a> {
    fn new(spec: &Spec, p: &Params, at: TrainingStream<'a>) -> Result<Self> {
        let (model_config, train_config) = configs(spec)?;
        let train_sentences = spec.sentences as usize;
        let corpus = at.corpus(spec, train_sentences + p.heldout_sentences as usize)?;
        let model = model_for(model_config, corpus.world.vocabulary.size());
        let train = at.train_config(train_config);
        Ok(Self {
            point: at.point,
            seed: at.seed,
            corpus,
            train_sentences,
            model,
            train,
        })
    }

    /// Trains the stream's model (from `env`'s models, keeping the weights at step 0 and at
    /// every evaluation step), then evaluates those weights.
    fn train_and_probe(
        &self,
        spec: &Spec,
        p: &Params,
        env: &Env<'_>,
        rows: &mut Rows,
    ) -> Result<()> {
        let (label, seed, corpus) = (&self.point.label, self.seed, &self.corpus);
        let split = corpus.offsets[self.train_sentences];
        let probes = probe::stratified(
            corpus,
            0..self.train_sentences,
            p.probe_strata,
            p.probes_per_bucket,
            seed,
        )?;
        let probing = Probing {
            label,
            seed,
            corpus,
            heldout: self.train_sentences..corpus.sentences.len(),
            probes: &probes,
            strata: p.probe_strata,
            batch: self.train.batch_size,
            tokens_per_step: (self.train.batch_size * self.model.context) as u64,
            train_tokens: split as u64,
        };
        let at = evaluation_steps(self.train.steps, p.evaluations_per_decade);
        let data = TrainData::Sentences {
            corpus,
            train: 0..self.train_sentences,
            heldout: probing.heldout.clone(),
        };
        let request = TrainRequest {
            snapshots: &at,
            ..TrainRequest::new(spec, data, &self.model, &self.train)
        };
        let trained = env
            .models
            .trained(&request, env.progress)
            .context("training")?;
        rows.training
            .push_run(label, seed, &trained.state, &self.train);
        for (step, model) in &trained.snapshots {
            rows.evaluate(&probing, *step as u64, model)
                .with_context(|| format!("evaluating the weights after step {step}"))?;
        }
        Ok(())
    }
}
