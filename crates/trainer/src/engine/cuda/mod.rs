//! The CUDA engine: the CPU engine's model, passes and optimizer on one NVIDIA GPU, through
//! cudarc. Kernels of our own (`kernels.cu`, compiled by NVRTC when the engine starts) do the
//! row work; cuBLAS does the matrix products in fp32 (its default math: no TF32), so the
//! arithmetic is plain single precision like the CPU engine's and PyTorch's.
//!
//! [`crate::Trainer`] runs it for `Device::Cuda`: the weights, gradients and AdamW's
//! moments stay on the GPU, and come to the host only when the trainer is asked for its model
//! (evaluation, snapshots) or writes a checkpoint; evaluation runs on the CPU engine.
//!
//! Only the GPU binding needs the feature `cuda`: `Gpu`, `Device::Cuda` and the
//! `skm-gpu` binary. The host side (the passes, the optimizer, the [`Device`] they run on)
//! compiles without it, so the default test build runs it on the CPU emulator of the GPU
//! (`emulator.rs`, `Device::Emulator` in tests) against the CPU engine; without the
//! feature nothing else calls it.
//!
//! Nothing of CUDA is linked at build time: cudarc loads `libcuda`, `libnvrtc` and `libcublas`
//! when the engine starts, so this builds on a machine without CUDA (CI checks it) and runs where
//! the driver and those two libraries are on the library path (`cargo xtask gpu-stage` stages a
//! binary and a script for such a machine).
//!
//! What differs from the CPU engine, and why the results agree to rounding, not to the bit:
//! the GPU's `expf` and `erff` are not the CPU engine's polynomials, its sums run in other
//! orders (warp butterflies, block trees, cuBLAS's blocking), and the compiler fuses multiplies
//! with adds. Every sum still has a fixed order (no atomics), so a GPU run repeats itself bit
//! for bit on the same GPU and library versions.

// Without the feature the host side is compiled for its tests only.
#![cfg_attr(not(feature = "cuda"), allow(dead_code))]

mod check;
mod device;
#[cfg(test)]
pub(crate) mod emulator;
#[cfg(feature = "cuda")]
mod gpu;
mod passes;

pub use check::{TrainingCheck, training_check, training_stream};
pub use device::{Arg, Device, Gemm, Kernel, Op, Ptr, THREADS};
#[cfg(feature = "cuda")]
pub use gpu::{Gpu, KERNELS, compile_kernels};
pub use passes::TokenGroups;

use std::path::Path;

use device::{Allocations, long};
use passes::{Activations, NORM_BLOCKS, Passes};

use crate::data::Batch;
use crate::optim::{AdamW, AdamWConfig};
use crate::train::{adamw_config, step_scale};
use crate::{Gpt, ModelConfig, Result, TrainConfig};

/// What [`crate::Trainer`] needs of an engine whose weights live on a device: [`Engine`] on
/// the GPU, or on the emulator in tests.
pub(crate) trait Accelerated: std::fmt::Debug {
    /// The model's shape.
    fn model_config(&self) -> &ModelConfig;

    /// Step `step` on `batch` at learning rate `lr`, as [`crate::Trainer::step`]: the mean
    /// loss (nats) and the gradient norm before clipping (when clipping).
    fn step(
        &mut self,
        batch: &Batch,
        step: usize,
        lr: f64,
        last_good: Option<&Path>,
    ) -> Result<(f32, Option<f64>)>;

    /// The current weights, copied from the device.
    fn model(&self) -> Result<Gpt>;

    /// AdamW's step count and moments, copied from the device (for checkpoints).
    fn optimizer(&self) -> Result<AdamW>;
}

/// A model, its gradients and AdamW's state on a [`Device`]: the CUDA engine's training state
/// (on the GPU for `Device::Cuda`, on the emulator in the tests).
pub(crate) struct Engine<D: Device> {
    device: D,
    config: TrainConfig,
    adamw: AdamWConfig,
    /// AdamW's steps so far, `n`.
    adamw_steps: u64,
    /// The model's shape and the weights it started from (the device holds the current ones).
    start: Gpt,
    /// Parameters, gradients and AdamW's moments, each in the layout's order.
    params: Ptr,
    grads: Ptr,
    m: Ptr,
    v: Ptr,
    /// Per-block partial sums of the gradient norm (f64).
    norm_partial: Ptr,
    acts: Option<Activations<D>>,
    _memory: Vec<D::Memory>,
}

impl<D: Device> std::fmt::Debug for Engine<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("model", self.start.config())
            .field("adamw_steps", &self.adamw_steps)
            .finish_non_exhaustive()
    }
}

impl<D: Device> Engine<D> {
    /// `model`'s weights and `optimizer`'s state (its step count and moments) copied to
    /// `device`, to train with `config` (validated by the caller).
    pub(crate) fn new(
        device: D,
        model: &Gpt,
        config: &TrainConfig,
        optimizer: &AdamW,
    ) -> Result<Self> {
        let len = model.num_params();
        let mut memory = Allocations::new(&device);
        let mut alloc = |len| memory.alloc(len);
        let (params, grads, m, v) = (alloc(len)?, alloc(len)?, alloc(len)?, alloc(len)?);
        let norm_partial = alloc(2 * NORM_BLOCKS)?;
        let memory = memory.into_memory();
        device.write(params, model.params())?;
        if optimizer.steps > 0 {
            device.write(m, &optimizer.m)?;
            device.write(v, &optimizer.v)?;
        }
        Ok(Engine {
            device,
            config: config.clone(),
            adamw: adamw_config(config),
            adamw_steps: optimizer.steps,
            start: model.clone(),
            params,
            grads,
            m,
            v,
            norm_partial,
            acts: None,
            _memory: memory,
        })
    }

    /// The batch's summed cross-entropy (nats, an f64 sum of the rows in order) and its
    /// gradient (of the mean) in `grads`.
    fn forward_backward(&mut self, batch: &Batch) -> Result<f64> {
        let (b, t) = (batch.batch, batch.context);
        let layout = self.start.layout();
        if self.acts.as_ref().is_none_or(|a| (a.b, a.t) != (b, t)) {
            self.acts = None;
            self.acts = Some(Activations::new(&self.device, layout, b, t)?);
        }
        let acts = self.acts.as_mut().expect("allocated above");
        self.device.clear(self.grads, layout.len)?;
        let mut passes = Passes {
            device: &self.device,
            layout,
            params: self.params,
            grads: self.grads,
            acts,
        };
        passes.upload(&batch.inputs, &batch.targets)?;
        passes.forward()?;
        passes.backward(1.0 / (b * t) as f32)?;
        let rows = self.device.read::<f32>(passes.acts.bufs.row_loss, b * t)?;
        Ok(rows.iter().map(|&l| f64::from(l)).sum())
    }

    /// `||G||_2`: per-block f64 sums of squares on the device, added in order here.
    fn grad_norm(&mut self) -> Result<f64> {
        let len = self.start.num_params();
        let args = [Arg::P(self.norm_partial), Arg::P(self.grads), long(len)];
        let grid = (NORM_BLOCKS as u32, 1);
        self.device.launch(Kernel::sum_squares, grid, &args)?;
        let partial = self.device.read::<f64>(self.norm_partial, NORM_BLOCKS)?;
        Ok(partial.iter().sum::<f64>().sqrt())
    }

    /// One AdamW step of every tensor, with the CPU optimizer's constants
    /// ([`crate::optim::AdamW::step`]).
    fn adamw_step(&mut self, lr: f64, grad_scale: f64) -> Result<()> {
        self.adamw_steps += 1;
        let c = self.adamw;
        let n = self.adamw_steps as i32;
        let bias1 = 1.0 - c.beta1.powi(n);
        let bias2_sqrt = (1.0 - c.beta2.powi(n)).sqrt() as f32;
        for tensor in &self.start.layout().tensors {
            let decay = c.weight_decay != 0.0 && (tensor.shape.len() > 1 || c.decay_vectors);
            let keep = if decay {
                (1.0 - lr * c.weight_decay) as f32
            } else {
                1.0
            };
            let (at, len) = (tensor.span.start, tensor.span.len);
            let args = [
                Arg::P(self.params.at(at)),
                Arg::P(self.m.at(at)),
                Arg::P(self.v.at(at)),
                Arg::P(self.grads.at(at)),
                long(len),
                Arg::F(grad_scale as f32),
                Arg::F(keep),
                Arg::F((1.0 - c.beta1) as f32),
                Arg::F(c.beta2 as f32),
                Arg::F((1.0 - c.beta2) as f32),
                Arg::F(bias2_sqrt),
                Arg::F(c.eps as f32),
                Arg::F((lr / bias1) as f32),
            ];
            self.device.launch_elements(Kernel::adamw, len, &args)?;
        }
        Ok(())
    }
}

impl<D: Device> Accelerated for Engine<D> {
    fn model_config(&self) -> &ModelConfig {
        self.start.config()
    }

    fn step(
        &mut self,
        batch: &Batch,
        step: usize,
        lr: f64,
        last_good: Option<&Path>,
    ) -> Result<(f32, Option<f64>)> {
        let (b, t) = (batch.batch, batch.context);
        let loss = (self.forward_backward(batch)? / (b * t) as f64) as f32;
        let grad_norm = match self.config.grad_clip {
            Some(_) => Some(self.grad_norm()?),
            None => None,
        };
        let scale = step_scale(&self.config, step, loss, grad_norm, last_good)?;
        self.adamw_step(lr, scale)?;
        Ok((loss, grad_norm))
    }

    fn model(&self) -> Result<Gpt> {
        let mut model = self.start.clone();
        let params = self.device.read::<f32>(self.params, model.num_params())?;
        model.params_mut().copy_from_slice(&params);
        Ok(model)
    }

    fn optimizer(&self) -> Result<AdamW> {
        let len = self.start.num_params();
        let mut optimizer = AdamW::new(self.adamw, len);
        optimizer.steps = self.adamw_steps;
        if self.adamw_steps > 0 {
            optimizer.m = self.device.read::<f32>(self.m, len)?;
            optimizer.v = self.device.read::<f32>(self.v, len)?;
        }
        Ok(optimizer)
    }
}

/// The GPU's single-precision matrix-product rate in FLOP/s, as the engine calls cuBLAS
/// (fp32, default math): `2 m n k` per product of `m x k` by `k x n`, best of `repeats` rounds of
/// 4 products.
#[cfg(feature = "cuda")]
pub fn gemm_flops_per_second(
    gpu: &Gpu,
    m: usize,
    k: usize,
    n: usize,
    repeats: usize,
) -> Result<f64> {
    let memory = [gpu.alloc(m * k)?, gpu.alloc(k * n)?, gpu.alloc(m * n)?];
    let [a, b, c] = memory.each_ref().map(|x| gpu.address(x));
    gpu.write(a, &vec![0.01f32; m * k])?;
    gpu.write(b, &vec![0.02f32; k * n])?;
    let product = Gemm {
        ops: (Op::N, Op::N),
        m,
        n,
        k,
        a: (a, m, 0),
        b: (b, k, 0),
        c: (c, m, 0),
        beta: 0.0,
        batch: 1,
    };
    gpu.gemm(product)?;
    let mut best = 0f64;
    for _ in 0..repeats.max(1) {
        gpu.synchronize()?;
        let start = std::time::Instant::now();
        for _ in 0..4 {
            gpu.gemm(product)?;
        }
        gpu.synchronize()?;
        best = best.max(4.0 * 2.0 * (m * n * k) as f64 / start.elapsed().as_secs_f64());
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SpecData;
    use crate::{Device, Trainer};

    fn model() -> ModelConfig {
        ModelConfig {
            vocab_size: 11,
            context: 6,
            d_model: 8,
            n_heads: 2,
            n_layers: 2,
            init_std: 0.4,
        }
    }

    fn config(steps: usize) -> TrainConfig {
        TrainConfig {
            // 72 rows: two chunks of the column sums (64 rows each).
            batch_size: 12,
            steps,
            warmup_steps: 1,
            learning_rate: 1e-2,
            min_learning_rate: 1e-3,
            grad_clip: Some(0.5),
            decay_vectors: false,
            weight_decay: 0.1,
            ..TrainConfig::spec()
        }
    }

    /// Every weight of `a` within `1e-4` of `b`'s, but the key bias's.
    fn assert_close(a: &Gpt, b: &Gpt) {
        for tensor in &a.layout().tensors {
            let (ours, theirs) = (tensor.span.of(a.params()), tensor.span.of(b.params()));
            for (i, (x, y)) in ours.iter().zip(theirs).enumerate() {
                // The key bias's gradient is zero in exact arithmetic (softmax ignores a shift
                // common to a row's scores), so both engines update it by AdamW-normalised
                // rounding noise: it is the one parameter whose weights need not agree.
                let key_bias = tensor.name.ends_with("qkv.bias") && (8..16).contains(&i);
                assert!(
                    key_bias || (x - y).abs() < 1e-4,
                    "{}[{i}]: {x} against {y}",
                    tensor.name
                );
            }
        }
    }

    /// The CUDA engine's passes and optimizer, run on the CPU emulator of the GPU, against the
    /// CPU engine, step by step: the same losses, gradient norms and weights up to rounding.
    /// This checks every launch's arguments, offsets and buffer sizes (see `emulator.rs`).
    #[test]
    fn passes_on_the_emulator_match_the_cpu_engine() {
        let (model, config) = (model(), config(4));
        let data = SpecData {
            steps: 4,
            batch: 12,
            context: 6,
            vocab_size: 11,
            seed: 9,
        };
        let mut cpu = Trainer::new(&model, &config, &Device::Cpu).expect("cpu trainer");
        let mut emulated = Trainer::new(&model, &config, &Device::Emulator).expect("emulated");
        for batch in data.batches() {
            let (a, b) = (
                cpu.step(&batch).expect("cpu step"),
                emulated.step(&batch).expect("step"),
            );
            assert_eq!((a.step, a.learning_rate), (b.step, b.learning_rate));
            assert!(
                (a.loss - b.loss).abs() < 1e-5 * a.loss.abs(),
                "loss {a:?} vs {b:?}"
            );
            let (na, nb) = (a.grad_norm.expect("clipped"), b.grad_norm.expect("clipped"));
            assert!((na - nb).abs() < 1e-4 * na, "gradient norm {na} vs {nb}");
            assert!(na > 0.5, "clipping is exercised: norm {na}");
        }
        let (ours, theirs) = (
            emulated.model().expect("weights"),
            cpu.model().expect("weights"),
        );
        assert_close(ours, theirs);
    }

    #[test]
    fn token_groups_list_each_tokens_rows_in_order() {
        let groups = TokenGroups::of(&[3, 1, 3, 0, 1, 3], 5);
        assert_eq!(groups.tokens, [0, 1, 3]);
        assert_eq!(groups.starts, [0, 1, 3, 6]);
        assert_eq!(groups.rows, [3, 1, 4, 0, 2, 5]);
    }
}
