//! What the experiments that train a transformer share: their configurations, the model's
//! name in prose, the frame of training losses, and training through the checkpoint cache.

use std::ops::Range;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::ProgressBar;
use polars::prelude::*;
use serde::Serialize;
use skm_generator::{Corpus, Role};
use skm_trainer::{
    DeviceKind, Gpt, ModelConfig, RoleEvaluation, RunOptions, StepOutcome, StopReason, TrainConfig,
    TrainState, Trainer, checkpoint,
};

use crate::spec::Spec;
use crate::store;

/// The model and training configurations of a spec (checked by `Spec::load`).
pub fn configs(spec: &Spec) -> Result<(&ModelConfig, &TrainConfig)> {
    let file = spec.path.display();
    let name = &spec.experiment;
    let model = spec
        .model
        .as_ref()
        .with_context(|| format!("{file}: {name} needs a [model] table"))?;
    let train = spec
        .train
        .as_ref()
        .with_context(|| format!("{file}: {name} needs a [train] table"))?;
    Ok((model, train))
}

/// `d=.., L layer(s), h head(s), context T`, for prose.
pub fn model_label(model: &ModelConfig) -> String {
    format!(
        "d={}, {} layer(s), {} head(s), context {}",
        model.d_model, model.n_layers, model.n_heads, model.context
    )
}

/// The `training` frame: one row per optimizer step.
#[derive(Default)]
pub struct LossRows {
    point: Vec<String>,
    seed: Vec<u64>,
    step: Vec<u64>,
    loss_nats: Vec<f32>,
    learning_rate: Vec<f64>,
}

impl LossRows {
    /// Records one step of the run of `point` and `seed`.
    pub fn push(&mut self, point: &str, seed: u64, outcome: &StepOutcome) {
        self.point.push(point.to_string());
        self.seed.push(seed);
        self.step.push(outcome.step as u64);
        self.loss_nats.push(outcome.loss);
        self.learning_rate.push(outcome.learning_rate);
    }

    /// Columns `point, seed, step, loss_nats, learning_rate`.
    pub fn frame(self) -> Result<DataFrame> {
        Ok(df!(
            "point" => self.point,
            "seed" => self.seed,
            "step" => self.step,
            "loss_nats" => self.loss_nats,
            "learning_rate" => self.learning_rate,
        )?)
    }
}

impl LossRows {
    /// Records every step of a finished run from its saved losses (the learning rate is the
    /// schedule's at each step).
    pub fn push_run(&mut self, point: &str, seed: u64, state: &TrainState, train: &TrainConfig) {
        for (step, &loss) in state.losses.iter().enumerate() {
            self.push(
                point,
                seed,
                &StepOutcome {
                    step,
                    loss,
                    learning_rate: skm_trainer::schedule::learning_rate(train, step),
                    grad_norm: None,
                },
            );
        }
    }
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
    /// The step a killed run of this model was resumed from, when this process did so.
    pub resumed_from: Option<usize>,
}

/// Everything that determines a trained model: its cache key is the hash of this.
#[derive(Serialize)]
struct Recipe<'a> {
    generator: &'a skm_generator::GeneratorConfig,
    train_sentences: Range<usize>,
    heldout_sentences: Range<usize>,
    model: &'a ModelConfig,
    train: &'a TrainConfig,
    device: DeviceKind,
    /// The hash of the code (not of the experiment files: the recipe is all they say).
    code: &'a str,
}

/// Trains `model` with `train` on the sentences `train_sentences` of `corpus`, early
/// stopping on `heldout_sentences` when `train.eval_every > 0`, or takes the model from the
/// spec's checkpoint cache, where a run with the same recipe (stream, ranges, shapes,
/// training, device, code hash) left it; with `retrain` set (`--force`), a model is trained
/// anew the first time this process asks for it. Training writes its `best` and `last`
/// checkpoints to a temporary directory renamed into the cache when the run ends, so an
/// interrupted run leaves nothing that would be trusted. Without a cache (`None`: unit
/// tests), every model is trained.
pub fn trained(
    spec: &Spec,
    corpus: &Corpus,
    train_sentences: Range<usize>,
    heldout_sentences: Range<usize>,
    model: &ModelConfig,
    train: &TrainConfig,
    progress: &ProgressBar,
) -> Result<Trained> {
    let ranges = (train_sentences, heldout_sentences);
    let trained = trained_until(spec, corpus, ranges, model, train, progress, None)?;
    if let Some(step) = trained.resumed_from {
        progress.println(format!(
            "{}: resumed a killed run from step {step}",
            model_label(model)
        ));
    }
    Ok(trained)
}

/// Checkpoints per training run for resuming (the `last` checkpoint every `steps / 20` steps):
/// a checkpoint costs a few milliseconds per million parameters, well under 2% of 5% of a run.
const RESUME_CHECKPOINTS: usize = 20;

/// [`trained`], stopping with an error after `stop_after` steps (a stand-in for a killed
/// process, for tests) and leaving the partial run to be resumed.
fn trained_until(
    spec: &Spec,
    corpus: &Corpus,
    (train_sentences, heldout_sentences): (Range<usize>, Range<usize>),
    model: &ModelConfig,
    train: &TrainConfig,
    progress: &ProgressBar,
    stop_after: Option<usize>,
) -> Result<Trained> {
    let device_kind = spec.device.unwrap_or_default();
    let device = device_kind.device()?;
    let code = spec.checkpoints.as_ref().map_or("", |c| c.code.as_str());
    let recipe = Recipe {
        generator: &corpus.world.config,
        train_sentences: train_sentences.clone(),
        // A run that never evaluates does not depend on the held-out set.
        heldout_sentences: if train.eval_every > 0 {
            heldout_sentences.clone()
        } else {
            0..0
        },
        model,
        train,
        device: device_kind,
        code,
    };
    let hash =
        store::hash_text(&toml::to_string(&recipe).context("serializing a training recipe")?);
    let cache = spec.checkpoints.as_ref().map(|c| c.dir.join(&hash));
    let reusable = spec.checkpoints.as_ref().is_some_and(|c| c.reusable(&hash));
    if let Some(dir) = cache
        .as_ref()
        .filter(|d| reusable && checkpoint::path_in(d, "last").exists())
    {
        progress.inc(train.steps as u64);
        return load(dir, &device);
    }
    if let Some(parent) = cache.as_ref().and_then(|d| d.parent()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    // The partial run of a key has a stable name, so that the next process resumes a run that
    // was killed; `--force` starts it afresh.
    let scratch = match &cache {
        Some(dir) => dir.with_file_name(format!(".{hash}.partial")),
        None => std::env::temp_dir().join(format!("skm-train-{hash}-{}", std::process::id())),
    };
    let run_config = TrainConfig {
        checkpoint_every: match train.checkpoint_every {
            0 => train.steps.div_ceil(RESUME_CHECKPOINTS).max(1),
            k => k,
        },
        ..train.clone()
    };
    let span = |r: &Range<usize>| corpus.offsets[r.start]..corpus.offsets[r.end];
    let (train_tokens, heldout_tokens) = (
        &corpus.tokens[span(&train_sentences)],
        &corpus.tokens[span(&heldout_sentences)],
    );
    let partial = checkpoint::path_in(&scratch, "last");
    let mut resumed_from = None;
    let mut trainer = match Trainer::resume(&partial, &device) {
        Ok(t) if reusable && t.model_config() == model && t.config() == &run_config => {
            progress.inc(t.state().step as u64);
            resumed_from = Some(t.state().step);
            t
        }
        _ => {
            if scratch.exists() {
                std::fs::remove_dir_all(&scratch)
                    .with_context(|| format!("removing {}", scratch.display()))?;
            }
            Trainer::new(model, &run_config, &device)?
        }
    };
    let tokens_per_step = (train.batch_size * model.context) as f64;
    let start = Instant::now();
    let options = RunOptions {
        checkpoint_dir: Some(scratch.clone()),
        stop_after,
    };
    let report = skm_trainer::run(
        &mut trainer,
        train_tokens,
        heldout_tokens,
        &options,
        |_, outcome| {
            progress.inc(1);
            let seconds = start.elapsed().as_secs_f64();
            progress.set_message(format!(
                "loss {:.3} nats, {:.0} tok/s",
                outcome.loss,
                (outcome.step + 1) as f64 * tokens_per_step / seconds
            ));
            Ok(())
        },
    )
    .with_context(|| format!("training {}", model_label(model)))?;
    if report.stop == StopReason::Interrupted {
        bail!(
            "training {} stopped after {} steps",
            model_label(model),
            report.state.step
        );
    }
    progress.inc(train.steps.saturating_sub(report.state.step) as u64);
    match cache {
        Some(dir) => {
            // An older directory of this key: unfinished (without `last`, nothing trusts it)
            // or a finished model that `--force` retrained.
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing the unfinished {}", dir.display()))?;
            }
            std::fs::rename(&scratch, &dir)
                .with_context(|| format!("moving {} to {}", scratch.display(), dir.display()))?;
            if let Some(cache) = &spec.checkpoints {
                cache.record(&hash);
            }
            Ok(Trained {
                resumed_from,
                ..load(&dir, &device)?
            })
        }
        None => {
            let trained = load(&scratch, &device);
            // The scratch directory only held this run's checkpoints.
            let _ = std::fs::remove_dir_all(&scratch);
            trained
        }
    }
}

/// The model of `dir` (`best` if the run evaluated, else `last`) and the run's state.
fn load(dir: &std::path::Path, device: &skm_trainer::Device) -> Result<Trained> {
    let last = Trainer::resume(&checkpoint::path_in(dir, "last"), device)?;
    let best_path = checkpoint::path_in(dir, "best");
    let (model, kept_step) = match last.state().best {
        Some((step, _)) if best_path.exists() => {
            (Trainer::resume(&best_path, device)?.model().clone(), step)
        }
        _ => (last.model().clone(), last.state().step),
    };
    Ok(Trained {
        model,
        state: last.state().clone(),
        kept_step,
        resumed_from: None,
    })
}

/// Roles of the evaluation frames; `all` is every scored token.
pub const ROLES: [&str; 5] = ["syntax", "name", "value", "noise", "all"];

/// The token role of a role name (`None` for `all`).
pub fn role_of(name: &str) -> Option<Role> {
    match name {
        "syntax" => Some(Role::Syntax),
        "name" => Some(Role::Name),
        "value" => Some(Role::Value),
        "noise" => Some(Role::Noise),
        _ => None,
    }
}

/// Tokens scored, model bits and oracle bits of one role of an evaluation.
fn role_numbers(eval: &RoleEvaluation, role: &str) -> (u64, f64, f64) {
    match role_of(role) {
        Some(r) => (
            eval.tokens.get(r),
            eval.model_bits.get(r),
            eval.oracle_bits.get(r),
        ),
        None => (
            eval.tokens.total(),
            eval.model_bits.total(),
            eval.oracle_bits.total(),
        ),
    }
}

/// The per-role columns of an evaluation frame, one row per role of [`ROLES`]:
/// `role, scored_tokens, model_bits_per_token, oracle_bits_per_token, excess_bits_per_token`
/// (excess = model - oracle). The caller repeats its own key columns [`ROLES`]`.len()` times
/// per evaluation.
#[derive(Default)]
pub struct RoleRows {
    role: Vec<&'static str>,
    scored: Vec<u64>,
    model: Vec<f64>,
    oracle: Vec<f64>,
}

impl RoleRows {
    /// Appends the rows of one evaluation, in the order of [`ROLES`].
    pub fn push(&mut self, eval: &RoleEvaluation) {
        for role in ROLES {
            let (scored, model_bits, oracle_bits) = role_numbers(eval, role);
            self.role.push(role);
            self.scored.push(scored);
            self.model.push(model_bits / scored as f64);
            self.oracle.push(oracle_bits / scored as f64);
        }
    }

    /// The five columns, to append to the caller's key columns.
    pub fn columns(self) -> Vec<Column> {
        let excess: Vec<f64> = self
            .model
            .iter()
            .zip(&self.oracle)
            .map(|(m, o)| m - o)
            .collect();
        vec![
            Column::new("role".into(), self.role),
            Column::new("scored_tokens".into(), self.scored),
            Column::new("model_bits_per_token".into(), self.model),
            Column::new("oracle_bits_per_token".into(), self.oracle),
            Column::new("excess_bits_per_token".into(), excess),
        ]
    }
}

/// The training steps of an experiment that trains `runs_per_stream` models on each (point,
/// seed) stream with `[train]`, for the progress bar.
pub fn training_steps(spec: &Spec, runs_per_stream: usize) -> u64 {
    let steps = spec.train.as_ref().map_or(0, |t| t.steps);
    (steps * runs_per_stream * spec.seeds.len() * spec.points.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{CheckpointCache, ProfileName};
    use skm_trainer::token_bits;

    #[test]
    fn the_checkpoint_cache_returns_the_model_it_trained() {
        let root = crate::workspace_root().join("experiments/model-scaling.toml");
        let mut spec = Spec::load(&root, ProfileName::Smoke).unwrap();
        let dir = std::env::temp_dir().join(format!("skm-cache-test-{}", std::process::id()));
        spec.set_checkpoints(CheckpointCache::new(dir.clone(), "test", false));
        let corpus = Corpus::generate(&spec.generator_at(&spec.points[0], 1), 300).unwrap();
        let (shape, train) = configs(&spec).unwrap();
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..shape.clone()
        };
        let train = &train.clone();
        let bar = ProgressBar::hidden();
        let first = trained(&spec, &corpus, 0..250, 250..300, &model, train, &bar).unwrap();
        let entries = || std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(entries(), 1, "one finished run, no scratch directory left");
        let again = trained(&spec, &corpus, 0..250, 250..300, &model, train, &bar).unwrap();
        assert_eq!(entries(), 1);
        assert_eq!(first.state, again.state);
        assert_eq!(first.state.step, train.steps);
        let bits = |m: &Gpt| token_bits(m, &corpus.tokens[..200], model.context, 4).unwrap();
        assert_eq!(bits(&first.model), bits(&again.model));
        // Another recipe (here: another training stream) is another entry.
        trained(&spec, &corpus, 0..200, 250..300, &model, train, &bar).unwrap();
        assert_eq!(entries(), 2);
        // `--force`: the first request of a key retrains it, later ones reuse that model.
        // A marker file in every cached model's directory shows which were replaced.
        let mark = |name: &str| {
            for entry in std::fs::read_dir(&dir).unwrap() {
                std::fs::write(entry.unwrap().path().join(name), "").unwrap();
            }
        };
        mark("kept");
        spec.set_checkpoints(CheckpointCache::new(dir.clone(), "test", true));
        let forced = trained(&spec, &corpus, 0..250, 250..300, &model, train, &bar).unwrap();
        assert_eq!(forced.state, first.state, "retraining gives the same model");
        let marked = |name: &str| {
            std::fs::read_dir(&dir)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().join(name).exists())
                .count()
        };
        assert_eq!(marked("kept"), 1, "only the requested model was retrained");
        mark("retrained");
        trained(&spec, &corpus, 0..250, 250..300, &model, train, &bar).unwrap();
        assert_eq!(
            marked("retrained"),
            2,
            "a model retrained once is then reused"
        );
        assert_eq!(entries(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A run stopped part way (as if killed) leaves its partial run; the next request resumes
    /// it and ends with the weights and state of a run never stopped, bit for bit.
    #[test]
    fn an_interrupted_training_run_resumes_to_the_same_model() {
        let root = crate::workspace_root().join("experiments/model-scaling.toml");
        let mut spec = Spec::load(&root, ProfileName::Smoke).unwrap();
        let base = std::env::temp_dir().join(format!("skm-resume-test-{}", std::process::id()));
        let corpus = Corpus::generate(&spec.generator_at(&spec.points[0], 1), 300).unwrap();
        let (shape, train) = configs(&spec).unwrap();
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..shape.clone()
        };
        let train = TrainConfig {
            eval_every: 4,
            ..train.clone()
        };
        let bar = ProgressBar::hidden();
        let ranges = || (0..250, 250..300);
        spec.set_checkpoints(CheckpointCache::new(base.join("whole"), "test", false));
        let whole = trained(&spec, &corpus, 0..250, 250..300, &model, &train, &bar).unwrap();
        spec.set_checkpoints(CheckpointCache::new(base.join("killed"), "test", false));
        let stopped = trained_until(&spec, &corpus, ranges(), &model, &train, &bar, Some(7));
        assert!(stopped.is_err(), "the stopped run reports that it stopped");
        let partial: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(partial.len(), 1, "the partial run is kept");
        let resumed = trained(&spec, &corpus, 0..250, 250..300, &model, &train, &bar).unwrap();
        assert_eq!((whole.resumed_from, resumed.resumed_from), (None, Some(7)));
        assert_eq!(resumed.state, whole.state);
        assert_eq!(resumed.state.step, train.steps);
        let weights = |m: &Gpt| m.params().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(weights(&resumed.model), weights(&whole.model));
        let entries: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(entries.len(), 1, "the partial run became the cached model");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
