//! Training throughput on the SPEC micro-benchmark (`shared/bench/SPEC.md`).

use std::time::Instant;

use crate::data::SpecData;
use crate::{ModelConfig, Result, TrainConfig, Trainer, TrainerError};

/// The device the trainer uses by default: CUDA device 0 with the `cuda` feature, else the
/// CPU backend `flex` (its thread count is rayon's: `RAYON_NUM_THREADS`, or one per core).
pub fn default_device() -> burn::tensor::Device {
    #[cfg(feature = "cuda")]
    {
        burn::tensor::Device::cuda(0)
    }
    #[cfg(not(feature = "cuda"))]
    {
        burn::tensor::Device::flex()
    }
}

/// Training tokens per second of `model` on the SPEC data (batches of `batch` sequences of
/// the model's context) with the SPEC optimizer: `warmup` untimed steps, then
/// `steps * batch * context / seconds` over `steps` timed steps, on [`default_device`].
pub fn bench_tokens_per_second(
    model: &ModelConfig,
    batch: usize,
    steps: usize,
    warmup: usize,
) -> Result<f64> {
    if steps == 0 {
        return Err(TrainerError::InvalidConfig {
            section: "bench",
            field: "steps",
            value: "0".into(),
            allowed: "steps >= 1".into(),
        });
    }
    let config = TrainConfig {
        batch_size: batch,
        steps: warmup + steps,
        ..TrainConfig::spec()
    };
    let data = SpecData {
        steps: warmup + steps,
        batch,
        context: model.context,
        vocab_size: model.vocab_size,
        seed: 42,
    };
    let mut trainer = Trainer::new(model, &config, &default_device())?;
    let batches = data.batches();
    let mut start = Instant::now();
    for (step, batch) in batches.iter().enumerate() {
        if step == warmup {
            start = Instant::now();
        }
        trainer.step(batch)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok((steps * batch * model.context) as f64 / seconds)
}
