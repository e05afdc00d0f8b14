//! The checkpoint cache: every trained model, keyed by the hash of its recipe, under
//! `results/<profile>/checkpoints/<hash>/`; a run in progress lives in `.<hash>.partial/`
//! beside it, from which a killed run resumes.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use skm_experiments::Progress;
use skm_experiments::training::{Models, TrainRequest, Trained, model_label};
use skm_trainer::{
    DeviceKind, ModelConfig, RunOptions, StopReason, TrainConfig, Trainer, checkpoint,
};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::store;

/// The checkpoint cache: trained models by the hash of everything that made them.
#[derive(Clone, Debug)]
pub struct CheckpointCache {
    /// `results/<profile>/checkpoints`.
    pub dir: PathBuf,
    /// The hash of the training code (`SourceKey::training`), part of every key.
    pub code: String,
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
    /// A cache in `dir` for the code of hash `code`; `retrain`: see the field.
    pub fn new(dir: PathBuf, code: &str, retrain: bool) -> Self {
        CheckpointCache {
            dir,
            code: code.to_string(),
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
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with('.') && n.ends_with(".partial")) {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
            removed.push(path);
        }
    }
    removed.sort();
    Ok(removed)
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
    /// The hash of the training code (not of the experiment files or the experiments crate:
    /// the recipe is all they say).
    code: &'a str,
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
    fn trained(&self, request: &TrainRequest<'_>, progress: &dyn Progress) -> Result<Trained> {
        let trained = self.trained_until(request, progress, None)?;
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
        let device = request.device.device()?;
        let hash = self.key(request)?;
        let dir = self.dir.join(&hash);
        let reusable = self.reusable(&hash);
        if reusable && checkpoint::path_in(&dir, "last").exists() {
            progress.inc(request.train.steps as u64);
            return load(&dir, &device);
        }
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        // The partial run of a key has a stable name, so that the next process resumes a run
        // that was killed; `--force` starts it afresh.
        let scratch = dir.with_file_name(format!(".{hash}.partial"));
        let (mut trainer, resumed_from) =
            resume_or_start(request, &scratch, reusable, &device, progress)?;
        self.train(request, &mut trainer, &scratch, stop_after, progress)?;
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
            ..load(&dir, &device)?
        })
    }

    /// The cache key of `request`: the hash of its [`Recipe`].
    fn key(&self, request: &TrainRequest<'_>) -> Result<String> {
        let recipe = Recipe {
            generator: &request.corpus.world.config,
            train_sentences: request.train_sentences.clone(),
            // A run that never evaluates does not depend on the held-out set.
            heldout_sentences: if request.train.eval_every > 0 {
                request.heldout_sentences.clone()
            } else {
                0..0
            },
            model: request.model,
            train: request.train,
            device: request.device,
            code: &self.code,
        };
        let text = toml::to_string(&recipe).context("serializing a training recipe")?;
        Ok(store::hash_text(&text))
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
        let (corpus, model, train) = (request.corpus, request.model, request.train);
        let span = |r: &Range<usize>| corpus.offsets[r.start]..corpus.offsets[r.end];
        let train_tokens = &corpus.tokens[span(&request.train_sentences)];
        let heldout_tokens = &corpus.tokens[span(&request.heldout_sentences)];
        let tokens_per_step = (train.batch_size * model.context) as u64;
        let options = RunOptions {
            checkpoint_dir: Some(scratch.to_path_buf()),
            stop_after,
        };
        let report = skm_trainer::run(
            trainer,
            train_tokens,
            heldout_tokens,
            &options,
            |_, outcome| {
                if self.abort_after == Some(outcome.step + 1) {
                    eprintln!(
                        "aborting after step {} (SKM_ABORT_AFTER_STEPS)",
                        outcome.step + 1
                    );
                    std::process::abort();
                }
                progress.inc(1);
                progress.trained(tokens_per_step, outcome.loss);
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
            Ok((Trainer::new(request.model, &run_config, device)?, None))
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

#[cfg(test)]
mod tests {
    use super::*;
    use skm_experiments::spec::{ProfileName, Spec};
    use skm_experiments::training::configs;
    use skm_generator::Corpus;
    use skm_trainer::{Gpt, token_bits};

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
            corpus,
            train_sentences,
            heldout_sentences: 250..300,
            model,
            train,
            device: DeviceKind::Cpu,
        };
        cache.trained(&request, &())
    }

    #[test]
    fn the_checkpoint_cache_returns_the_model_it_trained() {
        let spec = smoke_spec();
        let dir = std::env::temp_dir().join(format!("skm-cache-test-{}", std::process::id()));
        let mut cache = CheckpointCache::new(dir.clone(), "test", false);
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
        cache = CheckpointCache::new(dir.clone(), "test", true);
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
    /// it and ends with the weights and state of a run never stopped, bit for bit.
    #[test]
    fn an_interrupted_training_run_resumes_to_the_same_model() {
        let spec = smoke_spec();
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
        let cache = CheckpointCache::new(base.join("whole"), "test", false);
        let whole = trained(&cache, &corpus, 0..250, &model, &train).unwrap();
        let killed = CheckpointCache::new(base.join("killed"), "test", false);
        let request = TrainRequest {
            corpus: &corpus,
            train_sentences: 0..250,
            heldout_sentences: 250..300,
            model: &model,
            train: &train,
            device: DeviceKind::Cpu,
        };
        let stopped = killed.trained_until(&request, &(), Some(7));
        assert!(stopped.is_err(), "the stopped run reports that it stopped");
        let partial: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(partial.len(), 1, "the partial run is kept");
        let resumed = trained(&killed, &corpus, 0..250, &model, &train).unwrap();
        assert_eq!((whole.resumed_from, resumed.resumed_from), (None, Some(7)));
        assert_eq!(resumed.state, whole.state);
        assert_eq!(resumed.state.step, train.steps);
        let weights = |m: &Gpt| m.params().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(weights(&resumed.model), weights(&whole.model));
        let entries: Vec<_> = std::fs::read_dir(base.join("killed")).unwrap().collect();
        assert_eq!(entries.len(), 1, "the partial run became the cached model");
        std::fs::remove_dir_all(&base).unwrap();
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
}
