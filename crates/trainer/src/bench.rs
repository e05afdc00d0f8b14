//! Training throughput on the SPEC micro-benchmark (`shared/bench/SPEC.md`).

use std::time::Instant;

use crate::data::SpecData;
use crate::{Device, ModelConfig, Result, TrainConfig, Trainer, TrainerError};

/// The device the trainer uses by default: the CPU engine (its thread count is rayon's:
/// `RAYON_NUM_THREADS`, or one per core).
pub fn default_device() -> Device {
    Device::Cpu
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
    let (config, data) = spec_workload(model, batch, warmup + steps);
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

/// What the trainer benchmarks run: the SPEC optimizer for `steps` steps of `batch` sequences,
/// and the SPEC data (seed 42) at `model`'s context and vocabulary.
pub fn spec_workload(model: &ModelConfig, batch: usize, steps: usize) -> (TrainConfig, SpecData) {
    let config = TrainConfig {
        batch_size: batch,
        steps,
        ..TrainConfig::spec()
    };
    let data = SpecData {
        steps,
        batch,
        context: model.context,
        vocab_size: model.vocab_size,
        seed: 42,
    };
    (config, data)
}

/// FLOPs of one training step per token of `model` (forward and backward, multiply and add
/// counted apart): `6 (12 L d^2 + V d) + 12 L T d`. The first term is the matrix products of
/// the blocks and the head (twice the parameters forward, four times backward); the second is
/// attention's `q k^T` and `P v` over the full `T x T` square, as the engine computes them.
pub fn training_flops_per_token(model: &ModelConfig) -> f64 {
    let (v, t, d, l) = (
        model.vocab_size as f64,
        model.context as f64,
        model.d_model as f64,
        model.n_layers as f64,
    );
    6.0 * (12.0 * l * d * d + v * d) + 12.0 * l * t * d
}

/// The machine's single-precision matrix-product rate in FLOP/s, as the engine uses it: each of
/// `threads` threads runs its own single-threaded `gemm` of the shape `m x k` times `k x n`
/// (best of `repeats` rounds of 8 products each).
pub fn gemm_flops_per_second(threads: usize, m: usize, k: usize, n: usize, repeats: usize) -> f64 {
    use crate::engine::matmul::{Mat, MatMut, gemm};
    use rayon::prelude::*;
    let threads = threads.max(1);
    let a: Vec<f32> = (0..m * k).map(|i| (i % 17) as f32 * 0.01).collect();
    let b: Vec<f32> = (0..k * n).map(|i| (i % 13) as f32 * 0.01).collect();
    let mut outputs = vec![vec![0f32; m * n]; threads];
    let mut best = 0f64;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        outputs.par_iter_mut().for_each(|c| {
            for _ in 0..8 {
                gemm(
                    m,
                    n,
                    k,
                    MatMut::rows(c, n),
                    false,
                    Mat::rows(&a, k),
                    Mat::rows(&b, n),
                    1.0,
                );
            }
        });
        let flops = 2.0 * (m * n * k * 8 * threads) as f64;
        best = best.max(flops / start.elapsed().as_secs_f64());
    }
    best
}
