//! What the experiments that train a transformer share: their configurations, the model's
//! name in prose, the driver over (point, seed) streams, and the trained models (from the
//! pipeline's checkpoint cache, through [`Models`]). Their frames are built by
//! [`crate::frames::training`] and [`crate::frames::evaluations`].

use std::ops::Range;

use crate::error::{Context, ExperimentError, Result};
use skm_generator::{Corpus, Token};
use skm_trainer::{DeviceKind, Gpt, ModelConfig, TrainConfig, TrainState};

use crate::spec::{Point, Spec};
use crate::{Env, Progress};

/// One (sweep point, seed) stream of a spec that trains.
#[derive(Clone, Copy, Debug)]
pub struct TrainingStream<'a> {
    /// The sweep point.
    pub point: &'a Point,
    /// The seed's position among the spec's seeds.
    pub index: usize,
    /// The generator seed.
    pub seed: u64,
}

impl TrainingStream<'_> {
    /// The stream's first `sentences` sentences.
    pub fn corpus(&self, spec: &Spec, sentences: usize) -> Result<Corpus> {
        Ok(Corpus::generate(
            &spec.generator_at(self.point, self.seed),
            sentences,
        )?)
    }

    /// `train` with its seed offset by the seed's index: each seed's model starts from its
    /// own initial weights and draws its own batches.
    pub fn train_config(&self, train: &TrainConfig) -> TrainConfig {
        TrainConfig {
            seed: train.seed.wrapping_add(self.index as u64),
            ..train.clone()
        }
    }
}

/// `model` for a vocabulary of `vocab_size` tokens.
pub fn model_for(model: &ModelConfig, vocab_size: usize) -> ModelConfig {
    ModelConfig {
        vocab_size,
        ..model.clone()
    }
}

/// The driver of every experiment that trains: `run` on each (point, seed) stream of `spec`
/// in (point, seed) order, one at a time (a training run uses every core), with the results
/// in that order. An error names the stream.
pub fn each_training_stream<T>(
    spec: &Spec,
    mut run: impl FnMut(TrainingStream<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut results = Vec::with_capacity(spec.points.len() * spec.seeds.len());
    for point in &spec.points {
        for (index, &seed) in spec.seeds.iter().enumerate() {
            let stream = TrainingStream { point, index, seed };
            results
                .push(run(stream).with_context(|| {
                    format!("{}: {} seed {seed}", spec.experiment, point.label)
                })?);
        }
    }
    Ok(results)
}

/// The model and training configurations of a spec (checked by `skm_pipeline::load`).
pub fn configs(spec: &Spec) -> Result<(&ModelConfig, &TrainConfig)> {
    let file = spec.path.display();
    let name = &spec.experiment;
    let model = spec
        .model
        .as_ref()
        .ok_or_else(|| ExperimentError::Config(format!("{file}: {name} needs a [model] table")))?;
    let train = spec
        .train
        .as_ref()
        .ok_or_else(|| ExperimentError::Config(format!("{file}: {name} needs a [train] table")))?;
    Ok((model, train))
}

/// "a d=32 L=2 transformer, 3000 steps" (the regime part of a claim's scope), or "a
/// transformer" when the spec has no model.
pub fn transformer_regime(spec: &Spec) -> String {
    match configs(spec) {
        Ok((_, train)) => format!("{}, {} steps", transformer_shape(spec), train.steps),
        Err(_) => transformer_shape(spec),
    }
}

/// "a d=32 L=2 transformer", or "a transformer" when the spec has no model.
pub fn transformer_shape(spec: &Spec) -> String {
    match configs(spec) {
        Ok((model, _)) => format!("a d={} L={} transformer", model.d_model, model.n_layers),
        Err(_) => "a transformer".to_string(),
    }
}

/// `d=.., L layer(s), h head(s), context T`, for prose.
pub fn model_label(model: &ModelConfig) -> String {
    format!(
        "d={}, {} layer(s), {} head(s), context {}",
        model.d_model, model.n_layers, model.n_heads, model.context
    )
}

/// A trained model, from the checkpoint cache or trained now.
pub struct Trained {
    /// The model to evaluate: the best held-out checkpoint when the run evaluates
    /// (`eval_every > 0`), else the last.
    pub model: Gpt,
    /// Losses and held-out evaluations of the whole run.
    pub state: TrainState,
    /// Steps taken before the kept model (the best evaluation's, or the last).
    pub kept_step: usize,
    /// The weights after each step of [`TrainRequest::snapshots`] that the run reached, in
    /// the request's order.
    pub snapshots: Vec<(usize, Gpt)>,
    /// The step a killed run of this model was resumed from, when this process did so.
    pub resumed_from: Option<usize>,
}

/// How a run draws its batches from the training sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum Batches {
    /// Random windows, step by step ([`skm_trainer::run`]), with early stopping on the
    /// held-out sentences when `train.eval_every > 0`.
    #[default]
    Windows,
    /// One pass over the sentences in order, each batch's loss taken before training on it
    /// ([`skm_trainer::prequential`]): the losses are the stream's prequential code.
    Prequential,
}

/// What a run trains on.
#[derive(Clone)]
pub enum TrainData<'a> {
    /// The sentences `train` of a generated corpus, with early stopping on the sentences
    /// `heldout` when `train.eval_every > 0`.
    Sentences {
        /// The stream.
        corpus: &'a Corpus,
        /// Sentences trained on.
        train: Range<usize>,
        /// Sentences of the held-out evaluations (unused when `train.eval_every == 0`).
        heldout: Range<usize>,
    },
    /// A token stream the experiment built (fine-tuning's QA sentences), named by its content.
    Tokens(&'a [Token]),
}

/// What a model is trained on, and how.
#[derive(Clone)]
pub struct TrainRequest<'a> {
    /// The data.
    pub data: TrainData<'a>,
    /// The weights the run starts from, as fine-tuning does (AdamW and the schedule start
    /// afresh); `None`: new weights from `train.seed`.
    pub init: Option<&'a Gpt>,
    /// The transformer.
    pub model: &'a ModelConfig,
    /// Its training.
    pub train: &'a TrainConfig,
    /// How batches are drawn.
    pub batches: Batches,
    /// Steps after which the weights are kept besides the final model (0: the initial
    /// weights), to evaluate the run as it went: an experiment evaluates them after training,
    /// so a cached or resumed run gives the rows of a run evaluated in its loop.
    pub snapshots: &'a [usize],
    /// Where it trains.
    pub device: DeviceKind,
}

impl<'a> TrainRequest<'a> {
    /// New weights trained on random windows of `data` on `spec`'s device, with no
    /// snapshots.
    pub fn new(
        spec: &Spec,
        data: TrainData<'a>,
        model: &'a ModelConfig,
        train: &'a TrainConfig,
    ) -> Self {
        TrainRequest {
            data,
            init: None,
            model,
            train,
            batches: Batches::Windows,
            snapshots: &[],
            device: spec.device.unwrap_or_default(),
        }
    }
}

/// Where trained models come from. The pipeline's implementation keeps them in its
/// checkpoint cache, trains what is missing and resumes runs that were killed; the same
/// request always gives the same model, bit for bit.
pub trait Models: Sync {
    /// The model `request` describes, counting its steps on `progress`.
    fn trained(&self, request: &TrainRequest<'_>, progress: &dyn Progress) -> Result<Trained>;
}

/// The model trained with `train` on the sentences `train_sentences` of `corpus` (early
/// stopping on `heldout_sentences` when `train.eval_every > 0`), from `env`'s models.
pub fn trained(
    spec: &Spec,
    env: &Env<'_>,
    corpus: &Corpus,
    train_sentences: Range<usize>,
    heldout_sentences: Range<usize>,
    model: &ModelConfig,
    train: &TrainConfig,
) -> Result<Trained> {
    let data = TrainData::Sentences {
        corpus,
        train: train_sentences,
        heldout: heldout_sentences,
    };
    let request = TrainRequest::new(spec, data, model, train);
    env.models.trained(&request, env.progress)
}

/// The training steps of an experiment that trains `runs_per_stream` models on each (point,
/// seed) stream with `[train]`, for the progress bar.
pub fn training_steps(spec: &Spec, runs_per_stream: usize) -> u64 {
    let steps = spec.train.as_ref().map_or(0, |t| t.steps);
    (steps * runs_per_stream * spec.seeds.len() * spec.points.len()) as u64
}
