//! The training loop: one step at a time ([`Trainer::step`]) or a whole run with evaluation,
//! early stopping and checkpoints ([`run`]).
//!
//! A step at (0-based) step `s`: forward the batch, `loss = mean cross-entropy` (nats), stop
//! with [`TrainerError::Diverged`] if it is not finite, backward, optionally clip the
//! gradients to global norm `grad_clip`, then one AdamW step at rate
//! [`learning_rate(s)`](crate::schedule::learning_rate). Nothing random happens outside the
//! seed's splitmix64 streams, so two runs of the same configuration on the CPU give the same
//! losses bit for bit, and a run interrupted and resumed from a checkpoint ends with the same
//! weights as one never interrupted.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use skm_generator::Token;

use crate::checkpoint::{self, TrainState};
use crate::data::{Batch, SequentialBatches, WindowSampler, check_tokens};
use crate::engine::cuda::Accelerated;
#[cfg(any(feature = "cuda", test))]
use crate::engine::cuda::Engine;
#[cfg(test)]
use crate::engine::cuda::emulator::Emulator;
use crate::engine::{Workspace, shards};
use crate::init::init_base;
use crate::optim::{AdamW, AdamWConfig, CHUNK, clip_scale, global_grad_norm};
use crate::schedule::learning_rate;
use crate::{Device, Gpt, ModelConfig, Result, TrainConfig, TrainerError, eval};

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepOutcome {
    /// The step (0-based).
    pub step: usize,
    /// Mean training loss of the batch before the update, nats per token.
    pub loss: f32,
    /// The learning rate used.
    pub learning_rate: f64,
    /// Global gradient norm before clipping (computed only when clipping is on).
    pub grad_norm: Option<f64>,
}

/// What every engine's step checks between its backward pass and its update: the mean loss
/// and the global gradient norm `||g||_2` (when clipping) must be finite, else
/// [`TrainerError::Diverged`] naming `last_good`; the gradient's scale is then
/// `min(1, grad_clip / ||g||_2)` when clipping, 1 otherwise.
pub(crate) fn step_scale(
    config: &TrainConfig,
    step: usize,
    loss: f32,
    grad_norm: Option<f64>,
    last_good: Option<&Path>,
) -> Result<f64> {
    let diverged = |quantity, value| TrainerError::Diverged {
        step,
        quantity,
        value,
        last_good: last_good.map(Path::to_path_buf),
    };
    if !loss.is_finite() {
        return Err(diverged("loss", f64::from(loss)));
    }
    if let Some(norm) = grad_norm.filter(|n| !n.is_finite()) {
        return Err(diverged("gradient norm", norm));
    }
    Ok(match (grad_norm, config.grad_clip) {
        (Some(norm), Some(max_norm)) => clip_scale(norm, max_norm),
        _ => 1.0,
    })
}

impl TrainState {
    /// Records step `step`, done with mean loss `loss` at learning rate `lr`.
    pub(crate) fn record(
        &mut self,
        step: usize,
        loss: f32,
        lr: f64,
        grad_norm: Option<f64>,
    ) -> StepOutcome {
        self.step += 1;
        self.losses.push(loss);
        StepOutcome {
            step,
            loss,
            learning_rate: lr,
            grad_norm,
        }
    }
}

/// A model, its optimizer, its progress and the engine's buffers for its batches.
#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    state: TrainState,
    last_checkpoint: Option<PathBuf>,
    backend: Backend,
}

/// Where the weights live and what steps them.
#[derive(Debug)]
enum Backend {
    /// The CPU engine: the model and AdamW's state in host memory.
    Cpu(CpuBackend),
    /// The CUDA engine (or its emulator): the model and AdamW's state on the device, with a
    /// host copy of the weights made when asked for and dropped by the next step. Only
    /// `Device::Cuda` and, in tests, `Device::Emulator` make one.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    Accelerated {
        engine: Box<dyn Accelerated>,
        host: OnceCell<Gpt>,
    },
}

/// The CPU engine's training state.
#[derive(Debug)]
struct CpuBackend {
    model: Gpt,
    optimizer: AdamW,
    /// One per part of a batch ([`shards`]), kept from step to step.
    workspaces: Vec<Workspace>,
    /// The batch's gradient: the parts' gradients added in order.
    grads: Vec<f32>,
}

impl Trainer {
    /// A fresh run: validates both configurations and initialises the model from
    /// `init_base(config.seed)` (seed 0 is the SPEC initialisation).
    pub fn new(model_config: &ModelConfig, config: &TrainConfig, device: &Device) -> Result<Self> {
        model_config.validate()?;
        config.validate()?;
        let model = Gpt::init(model_config, init_base(config.seed));
        let optimizer = AdamW::new(adamw_config(config), model_config.parameters());
        Trainer::from_parts(model, config, optimizer, TrainState::default(), device)
    }

    fn from_parts(
        model: Gpt,
        config: &TrainConfig,
        optimizer: AdamW,
        state: TrainState,
        device: &Device,
    ) -> Result<Self> {
        let backend = match device {
            Device::Cpu => Backend::Cpu(CpuBackend {
                grads: vec![0.0; model.num_params()],
                model,
                optimizer,
                workspaces: Vec::new(),
            }),
            #[cfg(feature = "cuda")]
            Device::Cuda(gpu) => Backend::accelerated(Engine::new(
                std::rc::Rc::clone(gpu),
                &model,
                config,
                &optimizer,
            )?),
            #[cfg(test)]
            Device::Emulator => Backend::accelerated(Engine::new(
                Emulator::default(),
                &model,
                config,
                &optimizer,
            )?),
        };
        Ok(Trainer {
            config: config.clone(),
            device: device.clone(),
            state,
            last_checkpoint: None,
            backend,
        })
    }

    /// Continues the run saved in the checkpoint at `path`.
    pub fn resume(path: &Path, device: &Device) -> Result<Self> {
        let loaded = checkpoint::load(path)?;
        let mut trainer = Trainer::from_parts(
            loaded.model,
            &loaded.train_config,
            loaded.optimizer,
            loaded.state,
            device,
        )?;
        trainer.last_checkpoint = Some(path.to_path_buf());
        Ok(trainer)
    }

    /// A new run that starts from this trainer's current weights, as fine-tuning does: `config`
    /// gives its schedule, step budget and data seed, AdamW starts afresh (no moments, `n = 0`)
    /// and the progress from step 0, so the learning rate of its step `s` is
    /// `learning_rate(config, s)`. The model's shape is unchanged; this trainer is left as it
    /// is (the new one copies the weights), so several runs can start from the same weights.
    pub fn fine_tune(&self, config: &TrainConfig) -> Result<Self> {
        Trainer::fine_tune_from(self.model()?, config, &self.device)
    }

    /// A new run that starts from the weights of `model` on `device`, as [`Trainer::fine_tune`]
    /// does from a trainer's: for a model that comes from a checkpoint cache.
    pub fn fine_tune_from(model: &Gpt, config: &TrainConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let optimizer = AdamW::new(adamw_config(config), model.num_params());
        Trainer::from_parts(
            model.clone(),
            config,
            optimizer,
            TrainState::default(),
            device,
        )
    }

    /// The model being trained, with its current weights (on a GPU, copied to the host the
    /// first time it is asked for after a step).
    pub fn model(&self) -> Result<&Gpt> {
        match &self.backend {
            Backend::Cpu(cpu) => Ok(&cpu.model),
            Backend::Accelerated { engine, host } => match host.get() {
                Some(model) => Ok(model),
                None => {
                    let model = engine.model()?;
                    Ok(host.get_or_init(|| model))
                }
            },
        }
    }

    /// The model's shape.
    pub fn model_config(&self) -> &ModelConfig {
        match &self.backend {
            Backend::Cpu(cpu) => cpu.model.config(),
            Backend::Accelerated { engine, .. } => engine.model_config(),
        }
    }

    /// The training configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Progress so far.
    pub fn state(&self) -> &TrainState {
        &self.state
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// One optimizer step on `batch`. On a non-finite loss or gradient norm the model is left
    /// as it was and [`TrainerError::Diverged`] names the step and the last checkpoint.
    pub fn step(&mut self, batch: &Batch) -> Result<StepOutcome> {
        let step = self.state.step;
        let lr = learning_rate(&self.config, step);
        let last_good = self.last_checkpoint.as_deref();
        let (loss, grad_norm) = match &mut self.backend {
            Backend::Cpu(cpu) => cpu.step(&self.config, batch, step, lr, last_good)?,
            Backend::Accelerated { engine, host } => {
                host.take();
                engine.step(batch, step, lr, last_good)?
            }
        };
        Ok(self.state.record(step, loss, lr, grad_norm))
    }

    /// Writes the weights alone (no optimizer moments) and the progress to `path`, without
    /// making it this trainer's last checkpoint: a snapshot of the model at this step, to be
    /// evaluated later (load it with [`checkpoint::load`]).
    pub fn save_weights(&self, path: &Path) -> Result<()> {
        let model = self.model()?;
        let no_moments = AdamW::new(adamw_config(&self.config), 0);
        checkpoint::save(
            path,
            model.config(),
            &self.config,
            model,
            &no_moments,
            &self.state,
        )
    }

    /// Writes a checkpoint of model, optimizer and progress to `path`.
    pub fn save(&mut self, path: &Path) -> Result<()> {
        let model = self.model()?;
        let copied;
        let optimizer = match &self.backend {
            Backend::Cpu(cpu) => &cpu.optimizer,
            Backend::Accelerated { engine, .. } => {
                copied = engine.optimizer()?;
                &copied
            }
        };
        checkpoint::save(
            path,
            model.config(),
            &self.config,
            model,
            optimizer,
            &self.state,
        )?;
        self.last_checkpoint = Some(path.to_path_buf());
        Ok(())
    }

    /// Mean held-out loss in nats per token over every token of `tokens` but the first
    /// (see [`eval::token_bits`]), on the CPU engine.
    pub fn heldout_loss(&self, tokens: &[Token]) -> Result<f64> {
        let model = self.model()?;
        let context = model.config().context;
        let bits = eval::token_bits(model, tokens, context, self.config.batch_size)?;
        Ok(bits.iter().sum::<f64>() / bits.len() as f64 * std::f64::consts::LN_2)
    }
}

impl Backend {
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    fn accelerated(engine: impl Accelerated + 'static) -> Self {
        Backend::Accelerated {
            engine: Box::new(engine),
            host: OnceCell::new(),
        }
    }
}

impl CpuBackend {
    /// Step `step` on `batch` at learning rate `lr`: the mean loss (nats) and the gradient
    /// norm before clipping (when clipping).
    fn step(
        &mut self,
        config: &TrainConfig,
        batch: &Batch,
        step: usize,
        lr: f64,
        last_good: Option<&Path>,
    ) -> Result<(f32, Option<f64>)> {
        let loss = self.forward_backward(batch);
        let grad_norm = config.grad_clip.map(|_| global_grad_norm(&self.grads));
        let scale = step_scale(config, step, loss, grad_norm, last_good)?;
        let (layout, params) = self.model.layout_and_params_mut();
        self.optimizer.step(params, &self.grads, layout, lr, scale);
        Ok((loss, grad_norm))
    }

    /// The batch's mean cross-entropy (nats), and its gradient in `self.grads`: each part of
    /// the batch forward and backward on its own thread, then the parts' gradients added in
    /// their order.
    fn forward_backward(&mut self, batch: &Batch) -> f32 {
        let (b, t) = (batch.batch, batch.context);
        let parts = shards(b);
        self.workspaces
            .resize_with(parts.len(), Workspace::training);
        let scale = 1.0 / (b * t) as f32;
        let (layout, params) = (self.model.layout(), self.model.params());
        let losses: Vec<f64> = self
            .workspaces
            .par_iter_mut()
            .zip(parts)
            .map(|(ws, rows)| {
                let tokens = rows.start * t..rows.end * t;
                let inputs = &batch.inputs[tokens.clone()];
                ws.forward(layout, params, inputs, rows.len(), t);
                ws.backward(
                    layout,
                    params,
                    inputs,
                    &batch.targets[tokens],
                    rows.len(),
                    t,
                    scale,
                )
            })
            .collect();
        let workspaces = &self.workspaces;
        self.grads
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, out)| {
                let start = i * CHUNK;
                out.copy_from_slice(&workspaces[0].grads[start..start + out.len()]);
                for ws in &workspaces[1..] {
                    for (o, &g) in out.iter_mut().zip(&ws.grads[start..]) {
                        *o += g;
                    }
                }
            });
        (losses.iter().sum::<f64>() / (b * t) as f64) as f32
    }
}

pub(crate) fn adamw_config(config: &TrainConfig) -> AdamWConfig {
    AdamWConfig {
        beta1: config.beta1,
        beta2: config.beta2,
        eps: config.eps,
        weight_decay: config.weight_decay,
        decay_vectors: config.decay_vectors,
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The step budget is spent.
    Budget,
    /// `patience` evaluations in a row brought no new best held-out loss.
    EarlyStopping,
    /// [`RunOptions::stop_after`] was reached (the run can be resumed).
    Interrupted,
}

/// Where a run writes and when it stops early.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Directory of the `last` and `best` checkpoints; `None`: no checkpoints.
    pub checkpoint_dir: Option<PathBuf>,
    /// Stop (as if interrupted) once this many steps are done, after writing `last`.
    pub stop_after: Option<usize>,
}

impl RunOptions {
    /// Writes `trainer` as the checkpoint `name` (`last`, `best`) of the checkpoint
    /// directory; nothing without one.
    fn save(&self, trainer: &mut Trainer, name: &str) -> Result<()> {
        match &self.checkpoint_dir {
            Some(dir) => trainer.save(&checkpoint::path_in(dir, name)),
            None => Ok(()),
        }
    }

    /// Whether the run stops (as if interrupted) after `done` steps.
    fn interrupts_at(&self, done: usize) -> bool {
        self.stop_after == Some(done)
    }
}

/// The end of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Why it ended.
    pub stop: StopReason,
    /// Losses, evaluations and the best evaluation.
    pub state: TrainState,
    /// The last checkpoint written, if any.
    pub last_checkpoint: Option<PathBuf>,
}

/// Trains until the step budget is spent, early stopping triggers or `options.stop_after`
/// steps are done. The batch of step `s` is [`WindowSampler::batch`]`(s)` of `train`.
/// Every `eval_every` steps (and after the last) the held-out loss on `heldout` is measured;
/// a new best writes the `best` checkpoint. `last` is written every `checkpoint_every` steps
/// and when the run ends. `on_step` sees the trainer after every step (to evaluate at
/// checkpoints of its choosing); an error from it ends the run.
pub fn run(
    trainer: &mut Trainer,
    train: &[Token],
    heldout: &[Token],
    options: &RunOptions,
    mut on_step: impl FnMut(&Trainer, &StepOutcome) -> Result<()>,
) -> Result<TrainReport> {
    let config = trainer.config.clone();
    let sampler = WindowSampler::new(
        train,
        trainer.model_config().context,
        config.batch_size,
        trainer.model_config().vocab_size,
        config.seed,
    )?;
    if config.eval_every > 0 {
        check_tokens(heldout, trainer.model_config().vocab_size)?;
        crate::data::eval_windows(heldout.len(), trainer.model_config().context)?;
    }
    let mut stop = StopReason::Budget;
    while trainer.state.step < config.steps {
        let outcome = trainer.step(&sampler.batch(trainer.state.step))?;
        on_step(trainer, &outcome)?;
        let done = trainer.state.step;
        if config.eval_every > 0 && (done.is_multiple_of(config.eval_every) || done == config.steps)
        {
            let loss = trainer.heldout_loss(heldout)?;
            trainer.state.evals.push((done, loss));
            if trainer.state.best.is_none_or(|(_, best)| loss < best) {
                trainer.state.best = Some((done, loss));
                trainer.state.evals_since_best = 0;
                // `best` must not become the fallback of a later divergence.
                let last = trainer.last_checkpoint.clone();
                options.save(trainer, "best")?;
                trainer.last_checkpoint = last;
            } else {
                trainer.state.evals_since_best += 1;
            }
            if config
                .patience
                .is_some_and(|p| trainer.state.evals_since_best >= p)
            {
                stop = StopReason::EarlyStopping;
                break;
            }
        }
        if options.interrupts_at(done) {
            stop = StopReason::Interrupted;
            break;
        }
        if config.checkpoint_every > 0 && done.is_multiple_of(config.checkpoint_every) {
            options.save(trainer, "last")?;
        }
    }
    options.save(trainer, "last")?;
    Ok(TrainReport::of(trainer, stop))
}

impl TrainReport {
    /// The report of `trainer`'s run, ended for `stop`.
    fn of(trainer: &Trainer, stop: StopReason) -> Self {
        TrainReport {
            stop,
            state: trainer.state.clone(),
            last_checkpoint: trainer.last_checkpoint.clone(),
        }
    }
}

/// The prequential code length of a stream: each batch is coded with the model as it is
/// before training on it, then trained on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prequential {
    /// Optimizer steps taken (batches coded).
    pub steps: usize,
    /// Tokens coded: `steps B T`.
    pub tokens: u64,
    /// `sum over steps of B T loss / ln 2`: the bits to transmit those tokens, model included.
    pub bits: f64,
}

impl Prequential {
    /// The code of the pass that `state` records, batches of `tokens_per_step = B T` tokens:
    /// the losses of its steps (nats per token, taken before each update), summed in order.
    pub fn of(state: &TrainState, tokens_per_step: usize) -> Self {
        let nats: f64 = state.losses.iter().fold(0.0, |sum, &loss| {
            sum + f64::from(loss) * tokens_per_step as f64
        });
        Prequential {
            steps: state.losses.len(),
            tokens: (state.losses.len() * tokens_per_step) as u64,
            bits: nats / std::f64::consts::LN_2,
        }
    }

    /// Bits per coded token.
    pub fn bits_per_token(&self) -> f64 {
        self.bits / self.tokens as f64
    }
}

/// One pass over `tokens` in order: batch `s` holds the windows `s B .. (s + 1) B` of
/// [`SequentialBatches`], and its loss is taken before the update on it (what
/// [`Trainer::step`] reports), so the summed losses are the stream's prequential code length
/// (Rissanen; Blier and Ollivier 2018; [`Prequential::of`] the report's state). Runs to
/// `min(train.steps, full batches)` steps, starting at the trainer's current step, so a
/// resumed trainer continues the pass. `last` is written every `checkpoint_every` steps and
/// when the pass ends, as [`run`] does; `options.stop_after` interrupts it. `on_step` sees the
/// trainer after every step.
pub fn prequential(
    trainer: &mut Trainer,
    tokens: &[Token],
    options: &RunOptions,
    mut on_step: impl FnMut(&Trainer, &StepOutcome) -> Result<()>,
) -> Result<TrainReport> {
    let batches = SequentialBatches::new(
        tokens,
        trainer.model_config().context,
        trainer.config.batch_size,
        trainer.model_config().vocab_size,
    )?;
    let last = trainer.config.steps.min(batches.len());
    let every = trainer.config.checkpoint_every;
    let mut stop = StopReason::Budget;
    while trainer.state.step < last {
        let outcome = trainer.step(&batches.batch(trainer.state.step))?;
        on_step(trainer, &outcome)?;
        let done = trainer.state.step;
        if options.interrupts_at(done) {
            stop = StopReason::Interrupted;
            break;
        }
        if every > 0 && done.is_multiple_of(every) {
            options.save(trainer, "last")?;
        }
    }
    options.save(trainer, "last")?;
    Ok(TrainReport::of(trainer, stop))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::named_parameters;
    use crate::data::SpecData;

    fn weights(trainer: &Trainer) -> Vec<Vec<u32>> {
        named_parameters(trainer.model().expect("weights"))
            .into_iter()
            .map(|p| p.values.iter().map(|v| v.to_bits()).collect())
            .collect()
    }

    #[test]
    fn fine_tuning_starts_a_fresh_run_from_the_current_weights() {
        let model = ModelConfig {
            vocab_size: 32,
            context: 8,
            d_model: 16,
            n_heads: 2,
            n_layers: 1,
            init_std: 0.02,
        };
        let config = TrainConfig {
            steps: 3,
            batch_size: 2,
            ..TrainConfig::spec()
        };
        let batches = SpecData {
            steps: 3,
            batch: 2,
            context: 8,
            vocab_size: 32,
            seed: 42,
        }
        .batches();
        let device = Device::Cpu;
        let new = || Trainer::new(&model, &config, &device).expect("trainer");
        // From untrained weights, a fine-tuning run is a fresh run, loss for loss.
        let (mut fresh, mut tuned) = (new(), new().fine_tune(&config).expect("fine-tune"));
        for batch in &batches {
            let (a, b) = (
                fresh.step(batch).expect("step"),
                tuned.step(batch).expect("step"),
            );
            assert_eq!(a.loss.to_bits(), b.loss.to_bits());
        }
        assert_eq!(weights(&fresh), weights(&tuned));
        // From trained weights: the weights are kept, step, schedule and AdamW restart, and
        // the base run is left as it was.
        let mut base = new();
        base.step(&batches[0]).expect("step");
        base.step(&batches[1]).expect("step");
        let before = weights(&base);
        let tune_config = TrainConfig {
            learning_rate: 1e-2,
            min_learning_rate: 1e-2,
            ..config.clone()
        };
        let mut tuned = base.fine_tune(&tune_config).expect("fine-tune");
        assert_eq!(weights(&tuned), before);
        assert_eq!((tuned.state().step, tuned.config()), (0, &tune_config));
        let outcome = tuned.step(&batches[2]).expect("step");
        assert_eq!((outcome.step, outcome.learning_rate), (0, 1e-2));
        let Backend::Cpu(cpu) = &tuned.backend else {
            panic!("a CPU trainer")
        };
        assert_eq!(cpu.optimizer.steps, 1);
        assert_ne!(weights(&tuned), before);
        assert_eq!(weights(&base), before);
        assert_eq!(base.state().step, 2);
        assert!(matches!(
            base.fine_tune(&TrainConfig { steps: 0, ..config }),
            Err(TrainerError::InvalidConfig { field: "steps", .. })
        ));
    }
}
