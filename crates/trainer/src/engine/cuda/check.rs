//! What `skm-gpu training` checks on the GPU: an experiment's run through [`Trainer`] (held-out
//! evaluations, checkpoints, an interruption and a resume from the checkpoint, fine-tuning) on
//! a Syntax-Knowledge stream, beside the same run on the CPU engine. Written against
//! [`Device`], so the tests run it on the emulator.

use std::path::Path;

use skm_generator::{Corpus, GeneratorConfig, GeneratorError};

use crate::data::WindowSampler;
use crate::{
    Device, ModelConfig, Result, RunOptions, StopReason, TrainConfig, TrainReport, Trainer,
    checkpoint, run,
};

/// What [`training_check`] measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainingCheck {
    /// Steps of the run.
    pub steps: usize,
    /// Held-out evaluations of the run.
    pub evaluations: usize,
    /// The largest absolute difference between the device's and the CPU's training losses
    /// and held-out evaluations, nats per token (infinite when their step counts differ).
    pub largest_deviation: f64,
    /// Whether the run interrupted and resumed from its `last` checkpoint ended with the
    /// uninterrupted one's losses, evaluations and weights, bit for bit.
    pub resumed_bit_for_bit: bool,
    /// Whether a fine-tuning run started from the trained weights, and its first step moved
    /// them.
    pub fine_tuned: bool,
}

/// The check's Syntax-Knowledge stream: 1,200 sentences, the first 1,000 to train on, the rest
/// held out.
pub fn training_stream() -> std::result::Result<Corpus, GeneratorError> {
    let generator = GeneratorConfig {
        alpha: 0.5,
        beta: 1.0,
        seed: 11,
        name_tokens: 3,
        name_vocab: 32,
        attributes: 2,
        values_per_attribute: 8,
        templates_per_attribute: 2,
        template_dirichlet: 1.0,
        filler_vocab: 4,
    };
    Corpus::generate(&generator, 1200)
}

/// A small experiment's run on `corpus`: a d=32 L=2 model, 40 steps with an evaluation and a
/// checkpoint every 10.
fn training_run(corpus: &Corpus) -> (ModelConfig, TrainConfig) {
    let model = ModelConfig {
        vocab_size: corpus.world.vocabulary.size(),
        context: 16,
        d_model: 32,
        n_heads: 2,
        n_layers: 2,
        init_std: 0.02,
    };
    let config = TrainConfig {
        seed: 5,
        batch_size: 8,
        steps: 40,
        learning_rate: 3e-3,
        min_learning_rate: 3e-4,
        warmup_steps: 3,
        grad_clip: Some(1.0),
        eval_every: 10,
        checkpoint_every: 10,
        ..TrainConfig::spec()
    };
    (model, config)
}

/// A small experiment's run on `corpus` (from [`training_stream`]) on `device` and on the CPU,
/// checkpointed under `scratch` (created; the caller removes it), then interrupted after 20
/// steps on `device` and resumed there from the checkpoint file, then fine-tuned there for
/// one step.
pub fn training_check(device: &Device, corpus: &Corpus, scratch: &Path) -> Result<TrainingCheck> {
    let (model, config) = training_run(corpus);
    let (train, heldout) = corpus.tokens.split_at(corpus.offsets[1000]);
    let options = |name: &str, stop_after| RunOptions {
        checkpoint_dir: Some(scratch.join(name)),
        stop_after,
    };
    let trained = |device: &Device, name: &str, stop_after| -> Result<(Trainer, TrainReport)> {
        let mut trainer = Trainer::new(&model, &config, device)?;
        let report = run(
            &mut trainer,
            train,
            heldout,
            &options(name, stop_after),
            |_, _| Ok(()),
        )?;
        Ok((trainer, report))
    };
    let (_, cpu) = trained(&Device::Cpu, "cpu", None)?;
    let (straight, report) = trained(device, "straight", None)?;
    let (_, first) = trained(device, "resumed", Some(20))?;
    let last = checkpoint::path_in(&scratch.join("resumed"), "last");
    let mut resumed = Trainer::resume(&last, device)?;
    let second = run(
        &mut resumed,
        train,
        heldout,
        &options("resumed", None),
        |_, _| Ok(()),
    )?;
    let resumed_bit_for_bit = first.stop == StopReason::Interrupted
        && second.state == report.state
        && bits(&resumed)? == bits(&straight)?;
    let mut tuned = straight.fine_tune(&config)?;
    let starts_from_weights = bits(&tuned)? == bits(&straight)?;
    let sampler = WindowSampler::new(train, model.context, config.batch_size, model.vocab_size, 1)?;
    tuned.step(&sampler.batch(0))?;
    let fine_tuned = starts_from_weights && bits(&tuned)? != bits(&straight)?;
    Ok(TrainingCheck {
        steps: report.state.step,
        evaluations: report.state.evals.len(),
        largest_deviation: largest_deviation(&report, &cpu),
        resumed_bit_for_bit,
        fine_tuned,
    })
}

/// The trainer's weights as bits.
fn bits(trainer: &Trainer) -> Result<Vec<u32>> {
    Ok(trainer
        .model()?
        .params()
        .iter()
        .map(|w| w.to_bits())
        .collect())
}

/// The largest absolute difference between two runs' training losses and held-out
/// evaluations (nats per token); infinite when they ran different numbers of steps.
fn largest_deviation(a: &TrainReport, b: &TrainReport) -> f64 {
    if a.state.losses.len() != b.state.losses.len() || a.state.evals.len() != b.state.evals.len() {
        return f64::INFINITY;
    }
    let losses = a.state.losses.iter().zip(&b.state.losses);
    let losses = losses.map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs());
    let evals = a.state.evals.iter().zip(&b.state.evals);
    losses
        .chain(evals.map(|(x, y)| (x.1 - y.1).abs()))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check on the emulator: the CUDA engine's passes track the CPU's closely, the
    /// resume is exact and fine-tuning starts from the trained weights.
    #[test]
    fn the_training_check_passes_on_the_emulator() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let corpus = training_stream().expect("stream");
        let check = training_check(&Device::Emulator, &corpus, scratch.path()).expect("check");
        assert_eq!((check.steps, check.evaluations), (40, 4));
        assert!(check.largest_deviation < 1e-4, "{check:?}");
        assert!(check.resumed_bit_for_bit && check.fine_tuned, "{check:?}");
    }
}
