//! The CUDA engine: the CPU engine's model, passes and optimizer on one NVIDIA GPU, through
//! cudarc. Kernels of our own (`kernels.cu`, compiled by NVRTC when the engine starts) do the
//! row work; cuBLAS does the matrix products in fp32 (its default math: no TF32), so the
//! arithmetic is plain single precision like the CPU engine's and PyTorch's.
//!
//! Only the GPU binding needs the feature `cuda`: [`Gpu`], [`CudaTrainer`] and the `skm-gpu`
//! binary. The host side (the passes, the optimizer, the [`Device`] they run on) compiles
//! without it, so the default test build runs it on the CPU emulator of the GPU
//! (`emulator.rs`) against the CPU engine; without the feature nothing else calls it.
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

mod device;
#[cfg(test)]
mod emulator;
#[cfg(feature = "cuda")]
mod gpu;
mod passes;

pub use device::{Arg, Device, Gemm, Kernel, Op, Ptr, THREADS};
#[cfg(feature = "cuda")]
pub use gpu::{Gpu, KERNELS, compile_kernels};
pub use passes::TokenGroups;

use device::{Allocations, long};
use passes::{Activations, NORM_BLOCKS, Passes};

use crate::data::Batch;
use crate::init::init_base;
use crate::optim::AdamWConfig;
use crate::schedule::learning_rate;
use crate::train::{adamw_config, step_scale};
use crate::{Gpt, ModelConfig, Result, StepOutcome, TrainConfig, TrainState};

#[cfg(feature = "cuda")]
/// A model training on the GPU: its parameters, gradients and AdamW moments live on the
/// device; [`CudaTrainer::step`] is [`crate::Trainer::step`] on the GPU.
pub struct CudaTrainer {
    engine: Engine<Gpu>,
}

#[cfg(feature = "cuda")]
impl std::fmt::Debug for CudaTrainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaTrainer")
            .field("gpu", &self.engine.device)
            .field("state", &self.engine.state)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "cuda")]
impl CudaTrainer {
    /// A fresh run on `gpu`: both configurations validated, the model initialised from
    /// `init_base(config.seed)` exactly as on the CPU, and copied to the device.
    pub fn new(gpu: Gpu, model_config: &ModelConfig, config: &TrainConfig) -> Result<Self> {
        Ok(CudaTrainer {
            engine: Engine::new(gpu, model_config, config)?,
        })
    }

    /// The GPU.
    pub fn gpu(&self) -> &Gpu {
        &self.engine.device
    }

    /// Progress so far.
    pub fn state(&self) -> &TrainState {
        &self.engine.state
    }

    /// The model with its current weights, copied from the device.
    pub fn model(&self) -> Result<Gpt> {
        self.engine.model()
    }

    /// One optimizer step on `batch`, as [`crate::Trainer::step`]: the mean cross-entropy
    /// (nats) before the update, the gradient clipped to global norm `grad_clip` if set, then
    /// AdamW at [`learning_rate`]. A non-finite loss or norm is
    /// [`TrainerError::Diverged`](crate::TrainerError::Diverged) (the weights are then left as
    /// they were).
    pub fn step(&mut self, batch: &Batch) -> Result<StepOutcome> {
        self.engine.step(batch)
    }

    /// Waits until the GPU has done everything queued (for timing).
    pub fn synchronize(&self) -> Result<()> {
        self.engine.device.synchronize()
    }
}

/// The training state on a [`Device`]: what [`CudaTrainer`] runs on the GPU, and the tests on
/// the emulator.
pub(crate) struct Engine<D: Device> {
    device: D,
    config: TrainConfig,
    adamw: AdamWConfig,
    /// The model's shape and its weights at the start (the device holds the current ones).
    start: Gpt,
    /// Parameters, gradients and AdamW's moments, each in the layout's order.
    params: Ptr,
    grads: Ptr,
    m: Ptr,
    v: Ptr,
    /// Per-block partial sums of the gradient norm (f64).
    norm_partial: Ptr,
    acts: Option<Activations<D>>,
    state: TrainState,
    _memory: Vec<D::Memory>,
}

impl<D: Device> Engine<D> {
    pub(crate) fn new(device: D, model_config: &ModelConfig, config: &TrainConfig) -> Result<Self> {
        model_config.validate()?;
        config.validate()?;
        let start = Gpt::init(model_config, init_base(config.seed));
        let len = start.num_params();
        let mut memory = Allocations::new(&device);
        let mut alloc = |len| memory.alloc(len);
        let (params, grads, m, v) = (alloc(len)?, alloc(len)?, alloc(len)?, alloc(len)?);
        let norm_partial = alloc(2 * NORM_BLOCKS)?;
        let memory = memory.into_memory();
        device.write(params, start.params())?;
        Ok(Engine {
            device,
            config: config.clone(),
            adamw: adamw_config(config),
            start,
            params,
            grads,
            m,
            v,
            norm_partial,
            acts: None,
            state: TrainState::default(),
            _memory: memory,
        })
    }

    pub(crate) fn model(&self) -> Result<Gpt> {
        let mut model = self.start.clone();
        let params = self.device.read::<f32>(self.params, model.num_params())?;
        model.params_mut().copy_from_slice(&params);
        Ok(model)
    }

    pub(crate) fn step(&mut self, batch: &Batch) -> Result<StepOutcome> {
        let step = self.state.step;
        let lr = learning_rate(&self.config, step);
        let (b, t) = (batch.batch, batch.context);
        let loss = (self.forward_backward(batch)? / (b * t) as f64) as f32;
        let grad_norm = match self.config.grad_clip {
            Some(_) => Some(self.grad_norm()?),
            None => None,
        };
        let scale = step_scale(&self.config, step, loss, grad_norm, None)?;
        self.adamw_step(lr, scale)?;
        Ok(self.state.record(step, loss, lr, grad_norm))
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
    /// ([`crate::optim::AdamW::step`]); AdamW's step count is the run's steps so far plus one.
    fn adamw_step(&mut self, lr: f64, grad_scale: f64) -> Result<()> {
        let c = self.adamw;
        let n = (self.state.step + 1) as i32;
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

#[cfg(feature = "cuda")]
/// The GPU's single-precision matrix-product rate in FLOP/s, as the engine calls cuBLAS
/// (fp32, default math): `2 m n k` per product of `m x k` by `k x n`, best of `repeats` rounds of
/// 4 products.
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
    use crate::Trainer;
    use crate::data::SpecData;

    /// The CUDA engine's passes and optimizer, run on the CPU emulator of the GPU, against the
    /// CPU engine, step by step: the same losses, gradient norms and weights up to rounding.
    /// This checks every launch's arguments, offsets and buffer sizes (see `emulator.rs`).
    #[test]
    fn passes_on_the_emulator_match_the_cpu_engine() {
        let model = ModelConfig {
            vocab_size: 11,
            context: 6,
            d_model: 8,
            n_heads: 2,
            n_layers: 2,
            init_std: 0.4,
        };
        let config = TrainConfig {
            // 72 rows: two chunks of the column sums (64 rows each).
            batch_size: 12,
            steps: 4,
            warmup_steps: 1,
            learning_rate: 1e-2,
            min_learning_rate: 1e-3,
            grad_clip: Some(0.5),
            decay_vectors: false,
            weight_decay: 0.1,
            ..TrainConfig::spec()
        };
        let data = SpecData {
            steps: 4,
            batch: 12,
            context: 6,
            vocab_size: 11,
            seed: 9,
        };
        let mut cpu = Trainer::new(&model, &config, &crate::Device::Cpu).expect("cpu trainer");
        let mut emulated =
            Engine::new(emulator::Emulator::default(), &model, &config).expect("emulated trainer");
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
        let weights = emulated.model().expect("weights");
        for tensor in &weights.layout().tensors {
            let (ours, theirs) = (
                tensor.span.of(weights.params()),
                tensor.span.of(cpu.model().params()),
            );
            for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
                // The key bias's gradient is zero in exact arithmetic (softmax ignores a shift
                // common to a row's scores), so both engines update it by AdamW-normalised
                // rounding noise: it is the one parameter whose weights need not agree.
                let key_bias = tensor.name.ends_with("qkv.bias") && (8..16).contains(&i);
                assert!(
                    key_bias || (a - b).abs() < 1e-4,
                    "{}[{i}]: {a} on the emulator, {b} on the CPU",
                    tensor.name
                );
            }
        }
    }

    #[test]
    fn token_groups_list_each_tokens_rows_in_order() {
        let groups = TokenGroups::of(&[3, 1, 3, 0, 1, 3], 5);
        assert_eq!(groups.tokens, [0, 1, 3]);
        assert_eq!(groups.starts, [0, 1, 3, 6]);
        assert_eq!(groups.rows, [3, 1, 4, 0, 2, 5]);
    }
}
