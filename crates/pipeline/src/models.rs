//! The checkpoint cache: every trained model, keyed by the hash of its recipe, under
//! `results/<profile>/checkpoints/<hash>/` with the recipe itself (`recipe.toml`); a run in
//! progress lives in `.<hash>.partial/` beside it, from which a killed run resumes. Models of
//! older training code can never be asked for again (the code's hash is part of every
//! recipe), and [`remove_superseded`] deletes them.

use crate::error::{Context, Result, bail, ensure};
use serde::Serialize;
use skm_experiments::Progress;
use skm_experiments::error::ExperimentError;
use skm_experiments::training::{Batches, Models, TrainData, TrainRequest, Trained, model_label};
use skm_trainer::{
    DeviceKind, ModelConfig, RunOptions, StopReason, TrainConfig, Trainer, checkpoint,
};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::store::{self, TrainingCode};

/// The checkpoint cache: trained models by the hash of everything that made them.
#[derive(Clone, Debug)]
pub struct CheckpointCache {
    /// `results/<profile>/checkpoints`.
    pub dir: PathBuf,
    /// The hashes of the training code (`SourceKey::training`), one of which (by the device
    /// that trains it) is part of every key.
    pub code: TrainingCode,
    /// Retrain every model the first time this process asks for it, even when the cache
    /// holds it (`reproduce --force`), then reuse that one.
    pub retrain: bool,
    /// The keys of the models this process trained, shared by every spec of one `reproduce`
    /// (so a model that `--force` retrains is trained once however many experiments read it).
    pub trained: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
    /// Fault injection for the kill-and-resume test: the process aborts, as under `kill -9`
    /// (no destructor, no final checkpoint), when a training run finishes this step
    /// (`SKM_ABORT_AFTER_STEPS`, read by `reproduce`).
    pub abort_after: Option<usize>,
}

impl CheckpointCache {
    /// A cache in `dir` for the training code `code`; `retrain`: see the field.
    pub fn new(dir: PathBuf, code: &TrainingCode, retrain: bool) -> Self {
        CheckpointCache {
            dir,
            code: code.clone(),
            retrain,
            trained: Default::default(),
            abort_after: None,
        }
    }

    /// Whether a finished model of key `hash` in the cache may be used.
    pub fn reusable(&self, hash: &str) -> bool {
        !self.retrain || self.trained_now(hash)
    }

    /// Whether this process trained the model of key `hash`.
    pub fn trained_now(&self, hash: &str) -> bool {
        self.trained
            .lock()
            .map(|set| set.contains(hash))
            .unwrap_or(false)
    }

    /// Records that this process trained the model of key `hash`.
    pub fn record(&self, hash: &str) {
        if let Ok(mut set) = self.trained.lock() {
            set.insert(hash.to_string());
        }
    }
}

/// Removes the partial runs (`.<hash>.partial/`) of the checkpoint cache `dir`; returns
/// what it removed.
pub fn remove_partial_runs(dir: &std::path::Path) -> Result<Vec<PathBuf>> {
    remove_entries(dir, |path, name| {
        name.starts_with('.') && name.ends_with(".partial") && path.is_dir()
    })
}

/// Removes the finished models of the checkpoint cache `dir` that training code of another
/// hash than `code` (for either device) made: those whose `recipe.toml` names another code,
/// or that have none
/// (made before recipes were kept). Partial runs stay (see [`remove_partial_runs`]).
/// Returns what it removed.
pub fn remove_superseded(dir: &Path, code: &TrainingCode) -> Result<Vec<PathBuf>> {
    remove_entries(dir, |path, name| {
        !name.starts_with('.') && path.is_dir() && !recipe_code(path).is_some_and(|c| code.made(&c))
    })
}

/// Removes the directories of `dir` for which `doomed(path, file name)` holds (none when `dir`
/// does not exist); returns them, sorted.
fn remove_entries(dir: &Path, doomed: impl Fn(&Path, &str) -> bool) -> Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|name| doomed(&path, &name)) {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
            removed.push(path);
        }
    }
    removed.sort();
    Ok(removed)
}

/// The file of a cached model's recipe.
const RECIPE: &str = "recipe.toml";

/// The training code's hash in the recipe of the cached model `dir`, if it has one.
fn recipe_code(dir: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Code {
        code: String,
    }
    let text = std::fs::read_to_string(dir.join(RECIPE)).ok()?;
    toml::from_str::<Code>(&text).ok().map(|recipe| recipe.code)
}

/// Everything that determines a trained model: its cache key is the hash of this.
#[derive(Serialize)]
struct Recipe<'a> {
    data: DataRecipe<'a>,
    /// The digest of the weights the run starts from, when it starts from given ones.
    init: Option<String>,
    model: &'a ModelConfig,
    train: &'a TrainConfig,
    batches: Batches,
    snapshots: &'a [usize],
    device: DeviceKind,
    /// The hash of the training code (not of the experiment files or the experiments crate:
    /// the recipe is all they say).
    code: &'a str,
}

/// What determines a run's data: the generator and the sentence ranges, or the digest of
/// the tokens.
#[derive(Serialize)]
enum DataRecipe<'a> {
    Sentences {
        generator: &'a skm_generator::GeneratorConfig,
        train: Range<usize>,
        heldout: Range<usize>,
    },
    Tokens {
        tokens: usize,
        digest: String,
    },
}

/// The SHA-256 of `words` written as little-endian bytes, in hexadecimal.
fn digest(words: impl Iterator<Item = u32>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for word in words {
        hasher.update(word.to_le_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// Checkpoints per training run for resuming (the `last` checkpoint every `steps / 20` steps):
/// a checkpoint costs a few milliseconds per million parameters, well under 2% of 5% of a run.
const RESUME_CHECKPOINTS: usize = 20;

impl Models for CheckpointCache {
    /// Takes the model from the cache, where a run with the same recipe (stream, ranges,
    /// shapes, training, device, code hash) left it, or trains it; with `retrain` set
    /// (`--force`), a model is trained anew the first time this process asks for it.
    /// Training checkpoints into a stable partial directory (resumed by the next process if
    /// this one is killed) that is renamed into the cache when the run ends, so an
    /// interrupted run leaves nothing that would be trusted as finished.
    fn trained(
        &self,
        request: &TrainRequest<'_>,
        progress: &dyn Progress,
    ) -> skm_experiments::error::Result<Trained> {
        let trained = (self.trained_until(request, progress, None))
            .map_err(|error| ExperimentError::Env(error.into()))?;
        if let Some(step) = trained.resumed_from {
            progress.println(&format!(
                "{}: resumed a killed run from step {step}",
                model_label(request.model)
            ));
        }
        Ok(trained)
    }
}

impl CheckpointCache {
    /// [`Models::trained`], stopping with an error after `stop_after` steps (a stand-in for a
    /// killed process, for tests) and leaving the partial run to be resumed.
    fn trained_until(
        &self,
        request: &TrainRequest<'_>,
        progress: &dyn Progress,
        stop_after: Option<usize>,
    ) -> Result<Trained> {
        let recipe = self.recipe(request)?;
        let hash = store::hash_text(&recipe);
        let dir = self.dir.join(&hash);
        let reusable = self.reusable(&hash);
        if reusable && checkpoint::path_in(&dir, "last").exists() {
            progress.inc(request.train.steps as u64);
            return load(&dir, request.snapshots);
        }
        let device = request.device.device()?;
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        // The partial run of a key has a stable name, so that the next process resumes a run
        // that was killed; `--force` starts it afresh.
        let scratch = dir.with_file_name(format!(".{hash}.partial"));
        let (mut trainer, resumed_from) =
            resume_or_start(request, &scratch, reusable, &device, progress)?;
        self.train(request, &mut trainer, &scratch, stop_after, progress)?;
        let recipe_path = scratch.join(RECIPE);
        std::fs::write(&recipe_path, &recipe)
            .with_context(|| format!("writing {}", recipe_path.display()))?;
        // An older directory of this key: unfinished (without `last`, nothing trusts it) or a
        // finished model that `--force` retrained.
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("removing the unfinished {}", dir.display()))?;
        }
        std::fs::rename(&scratch, &dir)
            .with_context(|| format!("moving {} to {}", scratch.display(), dir.display()))?;
        self.record(&hash);
        Ok(Trained {
            resumed_from,
            ..load(&dir, request.snapshots)?
        })
    }

    /// The [`Recipe`] of `request` as TOML; its hash is the cache key.
    fn recipe(&self, request: &TrainRequest<'_>) -> Result<String> {
        let data = match &request.data {
            TrainData::Sentences {
                corpus,
                train,
                heldout,
            } => DataRecipe::Sentences {
                generator: &corpus.world.config,
                train: train.clone(),
                // A run that never evaluates does not depend on the held-out set.
                heldout: if request.train.eval_every > 0 {
                    heldout.clone()
                } else {
                    0..0
                },
            },
            TrainData::Tokens(tokens) => DataRecipe::Tokens {
                tokens: tokens.len(),
                digest: digest(tokens.iter().copied()),
            },
        };
        let recipe = Recipe {
            data,
            init: request
                .init
                .map(|model| digest(model.params().iter().map(|w| w.to_bits()))),
            model: request.model,
            train: request.train,
            batches: request.batches,
            snapshots: request.snapshots,
            device: request.device,
            code: self.code.on(request.device),
        };
        toml::to_string(&recipe).context("serializing a training recipe")
    }

    /// Runs `trainer` to the end of its budget (or early stopping), checkpointing into
    /// `scratch`; an error when `stop_after` interrupted it.
    fn train(
        &self,
        request: &TrainRequest<'_>,
        trainer: &mut Trainer,
        scratch: &Path,
        stop_after: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let (model, train) = (request.model, request.train);
        let (train_tokens, heldout_tokens) = match &request.data {
            TrainData::Sentences {
                corpus,
                train,
                heldout,
            } => {
                let span = |r: &Range<usize>| corpus.offsets[r.start]..corpus.offsets[r.end];
                (&corpus.tokens[span(train)], &corpus.tokens[span(heldout)])
            }
            TrainData::Tokens(tokens) => (*tokens, &[][..]),
        };
        let tokens_per_step = (train.batch_size * model.context) as u64;
        let options = RunOptions {
            checkpoint_dir: Some(scratch.to_path_buf()),
            stop_after,
        };
        let snapshot = |trainer: &Trainer| -> skm_trainer::Result<()> {
            let step = trainer.state().step;
            if request.snapshots.contains(&step) {
                trainer.save_weights(&snapshot_path(scratch, step))?;
            }
            Ok(())
        };
        // A resumed run has its snapshots up to its step; a new one starts with step 0's.
        if trainer.state().step == 0 {
            snapshot(trainer)?;
        }
        let on_step = |trainer: &Trainer, outcome: &skm_trainer::StepOutcome| {
            if self.abort_after == Some(outcome.step + 1) {
                eprintln!(
                    "aborting after step {} (SKM_ABORT_AFTER_STEPS)",
                    outcome.step + 1
                );
                std::process::abort();
            }
            snapshot(trainer)?;
            progress.inc(1);
            progress.trained(tokens_per_step, outcome.loss);
            Ok(())
        };
        let report = match request.batches {
            Batches::Windows => {
                skm_trainer::run(trainer, train_tokens, heldout_tokens, &options, on_step)
            }
            Batches::Prequential => {
                skm_trainer::prequential(trainer, train_tokens, &options, on_step)
            }
        }
        .with_context(|| format!("training {}", model_label(model)))?;
        if report.stop == StopReason::Interrupted {
            bail!(
                Failed,
                "training {} stopped after {} steps",
                model_label(model),
                report.state.step
            );
        }
        progress.inc(train.steps.saturating_sub(report.state.step) as u64);
        Ok(())
    }
}

/// The trainer of `request`: resumed from the partial run in `scratch` when it holds one of
/// the same model and training (and `reusable`), with the step it resumed from; else a new
/// one, after removing whatever `scratch` held.
fn resume_or_start(
    request: &TrainRequest<'_>,
    scratch: &Path,
    reusable: bool,
    device: &skm_trainer::Device,
    progress: &dyn Progress,
) -> Result<(Trainer, Option<usize>)> {
    let train = request.train;
    if let Some(weights) = request.init {
        ensure!(
            weights.config() == request.model,
            Failed,
            "a run of {} cannot start from weights of {}",
            model_label(request.model),
            model_label(weights.config())
        );
    }
    let run_config = TrainConfig {
        checkpoint_every: match train.checkpoint_every {
            0 => train.steps.div_ceil(RESUME_CHECKPOINTS).max(1),
            k => k,
        },
        ..train.clone()
    };
    match Trainer::resume(&checkpoint::path_in(scratch, "last"), device) {
        Ok(t) if reusable && t.model_config() == request.model && t.config() == &run_config => {
            progress.inc(t.state().step as u64);
            let step = t.state().step;
            Ok((t, Some(step)))
        }
        _ => {
            if scratch.exists() {
                std::fs::remove_dir_all(scratch)
                    .with_context(|| format!("removing {}", scratch.display()))?;
            }
            let trainer = match request.init {
                Some(weights) => Trainer::fine_tune_from(weights, &run_config, device)?,
                None => Trainer::new(request.model, &run_config, device)?,
            };
            Ok((trainer, None))
        }
    }
}

/// Where the weights after `step` of the run in `dir` are kept.
fn snapshot_path(dir: &Path, step: usize) -> PathBuf {
    checkpoint::path_in(dir, &format!("step-{step}"))
}

/// The model of `dir` (`best` if the run evaluated, else `last`), the run's state and its
/// snapshots of `steps` that the run reached, read into host memory whatever device trained
/// them (experiments evaluate on the CPU).
fn load(dir: &Path, steps: &[usize]) -> Result<Trained> {
    let last = checkpoint::load(&checkpoint::path_in(dir, "last"))?;
    let best_path = checkpoint::path_in(dir, "best");
    let state = last.state;
    let (model, kept_step) = match state.best {
        Some((step, _)) if best_path.exists() => (checkpoint::load(&best_path)?.model, step),
        _ => (last.model, state.step),
    };
    let snapshots = steps
        .iter()
        .filter(|&&step| step <= state.step)
        .map(|&step| Ok((step, checkpoint::load(&snapshot_path(dir, step))?.model)))
        .collect::<Result<_>>()?;
    Ok(Trained {
        model,
        state,
        kept_step,
        snapshots,
        resumed_from: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_experiments::spec::{ProfileName, Spec};
    use skm_experiments::training::configs;
    use skm_generator::Corpus;
    use skm_trainer::{Gpt, token_bits};

    /// Training code of the same hash on both devices.
    fn code(hash: &str) -> TrainingCode {
        TrainingCode {
            cpu: hash.into(),
            cuda: hash.into(),
        }
    }

    fn smoke_spec() -> Spec {
        let path = crate::workspace_root().join("experiments/model-scaling.toml");
        crate::load::load(&path, ProfileName::Smoke).unwrap()
    }

    /// The model `cache` gives for `corpus`'s sentences `train_sentences`, held out `250..300`.
    fn trained(
        cache: &CheckpointCache,
        corpus: &Corpus,
        train_sentences: Range<usize>,
        model: &ModelConfig,
        train: &TrainConfig,
    ) -> Result<Trained> {
        let request = TrainRequest {
            data: TrainData::Sentences {
                corpus,
                train: train_sentences,
                heldout: 250..300,
            },
            init: None,
            model,
            train,
            batches: Batches::Windows,
            snapshots: &[],
            device: DeviceKind::Cpu,
        };
        Ok(cache.trained(&request, &())?)
    }

    #[test]
    fn the_checkpoint_cache_returns_the_model_it_trained() {
        let spec = smoke_spec();
        let dir = std::env::temp_dir().join(format!("skm-cache-test-{}", std::process::id()));
        let mut cache = CheckpointCache::new(dir.clone(), &code("test"), false);
        let corpus = Corpus::generate(&spec.generator_at(&spec.points[0], 1), 300).unwrap();
        let (shape, train) = configs(&spec).unwrap();
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..shape.clone()
        };
        let train = &train.clone();
        let first = trained(&cache, &corpus, 0..250, &model, train).unwrap();
        let entries = || std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(entries(), 1, "one finished run, no scratch directory left");
        let entry = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(
            recipe_code(&entry).as_deref(),
            Some("test"),
            "the recipe is kept"
        );
        let again = trained(&cache, &corpus, 0..250, &model, train).unwrap();
        assert_eq!(entries(), 1);
        assert_eq!(first.state, again.state);
        assert_eq!(first.state.step, train.steps);
        let bits = |m: &Gpt| token_bits(m, &corpus.tokens[..200], model.context, 4).unwrap();
        assert_eq!(bits(&first.model), bits(&again.model));
        // Another recipe (here: another training stream) is another entry.
        trained(&cache, &corpus, 0..200, &model, train).unwrap();
        assert_eq!(entries(), 2);
        // `--force`: the first request of a key retrains it, later ones reuse that model.
        // A marker file in every cached model's directory shows which were replaced.
        let mark = |name: &str| {
            for entry in std::fs::read_dir(&dir).unwrap() {
                std::fs::write(entry.unwrap().path().join(name), "").unwrap();
            }
        };
        mark("kept");
        cache = CheckpointCache::new(dir.clone(), &code("test"), true);
        let forced = trained(&cache, &corpus, 0..250, &model, train).unwrap();
        assert_eq!(forced.state, first.state, "retraining gives the same model");
        let marked = |name: &str| {
            std::fs::read_dir(&dir)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().join(name).exists())
                .count()
        };
        assert_eq!(marked("kept"), 1, "only the requested model was retrained");
        mark("retrained");
        trained(&cache, &corpus, 0..250, &model, train).unwrap();
        assert_eq!(
            marked("retrained"),
            2,
            "a model retrained once is then reused"
        );
        assert_eq!(entries(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A run stopped part way (as if killed) leaves its partial run; the next request resumes
    /// it and ends with the weights, state and snapshots of a run never stopped, bit for bit.
    fn an_interrupted_run_resumes_to_the_same_model(batches: Batches, stop_after: usize) {
        let spec = smoke_spec();
        let base = std::env::temp_dir().join(format!(
            "skm-resume-test-{batches:?}-{}",
            std::process::id()
        ));
        let corpus = Corpus::generate(&spec.generator_at(&spec.points[0], 1), 300).unwrap();
        let (shape, train) = configs(&spec).unwrap();
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..shape.clone()
        };
        let train = TrainConfig {
            eval_every: if batches == Batches::Windows { 4 } else { 0 },
            ..train.clone()
        };
        let request = TrainRequest {
            data: TrainData::Sentences {
                corpus: &corpus,
                train: 0..250,
                heldout: 250..300,
            },
            init: None,
            model: &model,
            train: &train,
            batches,
            // Step 1_000 is never reached: it is not kept.
            snapshots: &[0, 3, stop_after + 2, 1_000],
            device: DeviceKind::Cpu,
        };
        let cache = CheckpointCache::new(base.join("whole"), &code("test"), false);
        let whole = cache.trained(&request, &()).unwrap();
        let killed = CheckpointCache::new(base.join("killed"), &code("test"), false);
        let stopped = killed.trained_until(&request, &(), Some(stop_after));
        assert!(stopped.is_err(), "the stopped run reports that it stopped");
        let partial: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(partial.len(), 1, "the partial run is kept");
        let resumed = killed.trained(&request, &()).unwrap();
        assert_eq!(
            (whole.resumed_from, resumed.resumed_from),
            (None, Some(stop_after))
        );
        assert_eq!(resumed.state, whole.state);
        assert!(resumed.state.step > stop_after + 2);
        let weights = |m: &Gpt| m.params().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(weights(&resumed.model), weights(&whole.model));
        let steps = |t: &Trained| t.snapshots.iter().map(|(s, _)| *s).collect::<Vec<_>>();
        assert_eq!(steps(&whole), [0, 3, stop_after + 2]);
        assert_eq!(steps(&resumed), steps(&whole));
        for ((_, a), (_, b)) in resumed.snapshots.iter().zip(&whole.snapshots) {
            assert_eq!(weights(a), weights(b));
        }
        let fresh = Trainer::new(&model, &train, &DeviceKind::Cpu.device().unwrap()).unwrap();
        assert_eq!(
            weights(&whole.snapshots[0].1),
            weights(fresh.model().unwrap()),
            "step 0: the initial weights"
        );
        let entries: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(entries.len(), 1, "the partial run became the cached model");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn an_interrupted_training_run_resumes_to_the_same_model() {
        an_interrupted_run_resumes_to_the_same_model(Batches::Windows, 7);
    }

    #[test]
    fn an_interrupted_prequential_pass_resumes_to_the_same_model() {
        an_interrupted_run_resumes_to_the_same_model(Batches::Prequential, 4);
    }

    /// A run from given weights on a given token stream (as fine-tuning's arms) resumes to
    /// the model of a run never stopped, and its key holds both the weights and the tokens.
    #[test]
    fn a_run_from_given_weights_resumes_and_is_keyed_by_them() {
        let spec = smoke_spec();
        let base = tempfile::tempdir().unwrap();
        let corpus = Corpus::generate(&spec.generator_at(&spec.points[0], 1), 300).unwrap();
        let (shape, train) = configs(&spec).unwrap();
        let model = ModelConfig {
            vocab_size: corpus.world.vocabulary.size(),
            ..shape.clone()
        };
        let tokens = &corpus.tokens[..corpus.offsets[250]];
        let start = Gpt::init(&model, 12_345);
        let request = TrainRequest {
            data: TrainData::Tokens(tokens),
            init: Some(&start),
            model: &model,
            train,
            batches: Batches::Windows,
            snapshots: &[0, 9],
            device: DeviceKind::Cpu,
        };
        let whole = CheckpointCache::new(base.path().join("whole"), &code("test"), false)
            .trained(&request, &())
            .unwrap();
        let killed = CheckpointCache::new(base.path().join("killed"), &code("test"), false);
        assert!(killed.trained_until(&request, &(), Some(5)).is_err());
        let resumed = killed.trained(&request, &()).unwrap();
        assert_eq!(resumed.resumed_from, Some(5));
        assert_eq!(resumed.state, whole.state);
        let weights = |m: &Gpt| m.params().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(weights(&resumed.model), weights(&whole.model));
        assert_eq!(weights(&whole.snapshots[0].1), weights(&start));
        assert_eq!(
            weights(&resumed.snapshots[1].1),
            weights(&whole.snapshots[1].1)
        );
        let key = |r: &TrainRequest<'_>| store::hash_text(&killed.recipe(r).unwrap());
        let other_start = Gpt::init(&model, 54_321);
        let others = [
            TrainRequest {
                init: Some(&other_start),
                ..request.clone()
            },
            TrainRequest {
                data: TrainData::Tokens(&tokens[1..]),
                ..request.clone()
            },
            TrainRequest {
                init: None,
                ..request.clone()
            },
        ];
        for other in &others {
            assert_ne!(key(other), key(&request));
        }
    }

    #[test]
    fn only_partial_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [".aa.partial", "aa", ".bb.partial", ".tmp-1"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        let removed = remove_partial_runs(dir.path()).unwrap();
        assert_eq!(
            removed,
            [
                dir.path().join(".aa.partial"),
                dir.path().join(".bb.partial")
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".tmp-1", "aa"]);
        assert!(
            remove_partial_runs(&dir.path().join("missing"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn only_models_of_the_current_training_code_stay() {
        let dir = tempfile::tempdir().unwrap();
        let model = |name: &str, recipe: Option<&str>| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("last.safetensors"), "").unwrap();
            if let Some(code) = recipe {
                std::fs::write(
                    path.join(RECIPE),
                    format!("code = {code:?}\n[model]\nd = 1\n"),
                )
                .unwrap();
            }
        };
        model("current", Some("new"));
        model("current-gpu", Some("new-gpu"));
        model("older", Some("old"));
        model("before-recipes", None);
        model(".current.partial", None);
        let new = TrainingCode {
            cpu: "new".into(),
            cuda: "new-gpu".into(),
        };
        let removed = remove_superseded(dir.path(), &new).unwrap();
        let names: Vec<_> = removed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["before-recipes", "older"]);
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".current.partial", "current", "current-gpu"]);
        assert!(
            remove_superseded(&dir.path().join("absent"), &new)
                .unwrap()
                .is_empty()
        );
    }
}
