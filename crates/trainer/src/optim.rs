//! AdamW with PyTorch's update rule, and global-norm gradient clipping.
//!
//! Written out so that its hyper-parameters are explicit, its state is flat buffers in the
//! model's layout (what checkpoints store, by parameter path), and clipping sees the global
//! norm; both passes run over fixed chunks in parallel. For every parameter `p` with gradient `g`, at step `n = 1, 2, ...` and rate `lr`:
//!
//! ```text
//! g     <- c g,  c = min(1, max_norm / ||G||_2)    (||G|| over all gradients; optional)
//! p     <- p (1 - lr wd)                           (decoupled weight decay; optionally
//!                                                   matrices and embeddings only)
//! m     <- m + (1 - beta1) (g - m)                = beta1 m + (1 - beta1) g
//! v     <- beta2 v + (1 - beta2) g^2
//! p     <- p - (lr / (1 - beta1^n)) m / (sqrt(v) / sqrt(1 - beta2^n) + eps)
//! ```
//!
//! which is `torch.optim.AdamW` (single-tensor path) step for step.

use rayon::prelude::*;

use crate::engine::Layout;
use crate::engine::isa::{Isa, with_isa};

/// Elements per parallel chunk of the passes over all parameters (the gradient sum, the norm,
/// AdamW): fixed, so sums do not depend on the thread count.
pub(crate) const CHUNK: usize = 1 << 14;

/// AdamW hyper-parameters (the learning rate comes with each step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// `beta_1`.
    pub beta1: f64,
    /// `beta_2`.
    pub beta2: f64,
    /// `eps`, added to the bias-corrected `sqrt(v)`.
    pub eps: f64,
    /// Decoupled weight decay `wd`.
    pub weight_decay: f64,
    /// Whether one-dimensional parameters (biases, LayerNorm) are decayed too.
    pub decay_vectors: bool,
}

/// AdamW's state: the step count and the first and second moments of every parameter, flat
/// buffers in the model's [`Layout`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW {
    /// Hyper-parameters.
    pub config: AdamWConfig,
    /// Steps taken, `n`.
    pub steps: u64,
    /// `m`, per parameter.
    pub m: Vec<f32>,
    /// `v`, per parameter.
    pub v: Vec<f32>,
}

impl AdamW {
    /// An optimizer that has taken no step, for `len` parameters.
    pub fn new(config: AdamWConfig, len: usize) -> Self {
        AdamW {
            config,
            steps: 0,
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// One AdamW step of every parameter of `params` (laid out by `layout`) with its gradient
    /// in `grads` scaled by `grad_scale` (the clipping factor; 1 for none). Arithmetic in f32,
    /// element by element, as `torch.optim.AdamW`'s single-tensor path.
    pub fn step(
        &mut self,
        params: &mut [f32],
        grads: &[f32],
        layout: &Layout,
        lr: f64,
        grad_scale: f64,
    ) {
        self.steps += 1;
        let c = self.config;
        let n = self.steps as i32;
        let bias1 = 1.0 - c.beta1.powi(n);
        let bias2_sqrt = (1.0 - c.beta2.powi(n)).sqrt() as f32;
        let (beta2, one_minus_beta1, one_minus_beta2) = (
            c.beta2 as f32,
            (1.0 - c.beta1) as f32,
            (1.0 - c.beta2) as f32,
        );
        let (eps, step_size, scale) = (c.eps as f32, (lr / bias1) as f32, grad_scale as f32);
        for tensor in &layout.tensors {
            let decay = c.weight_decay != 0.0 && (tensor.shape.len() > 1 || c.decay_vectors);
            let update = Update {
                keep: decay.then_some((1.0 - lr * c.weight_decay) as f32),
                scale: (scale != 1.0).then_some(scale),
                beta2,
                one_minus_beta1,
                one_minus_beta2,
                bias2_sqrt,
                eps,
                step_size,
            };
            let range = tensor.span.range();
            params[range.clone()]
                .par_chunks_mut(CHUNK)
                .zip(self.m[range.clone()].par_chunks_mut(CHUNK))
                .zip(self.v[range.clone()].par_chunks_mut(CHUNK))
                .zip(grads[range].par_chunks(CHUNK))
                .for_each(|(((p, m), v), g)| update.run(Isa::best(), p, m, v, g));
        }
    }
}

/// One tensor's AdamW update at one step: the constants of the module's formula.
#[derive(Clone, Copy, Debug)]
struct Update {
    /// `1 - lr wd` when the tensor decays.
    keep: Option<f32>,
    /// The clipping factor `c` when it is not 1.
    scale: Option<f32>,
    beta2: f32,
    one_minus_beta1: f32,
    one_minus_beta2: f32,
    bias2_sqrt: f32,
    eps: f32,
    /// `lr / (1 - beta1^n)`.
    step_size: f32,
}

impl Update {
    /// The update of one chunk, compiled for `isa` (the same bits for every `isa`). Panics
    /// when the processor does not run `isa`.
    fn run(&self, isa: Isa, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        let u = self;
        with_isa!(
            isa,
            Update::run_impl(u: &Update, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32])
        );
    }

    #[inline(always)]
    fn run_impl(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        let u = *self;
        for (((p, m), v), &g) in p.iter_mut().zip(m).zip(v).zip(g) {
            let g = match u.scale {
                Some(c) => g * c,
                None => g,
            };
            if let Some(keep) = u.keep {
                *p *= keep;
            }
            // PyTorch's `m.lerp_(g, 1 - beta1)`: `m + (1 - beta1) (g - m)`.
            *m += u.one_minus_beta1 * (g - *m);
            *v = *v * u.beta2 + g * g * u.one_minus_beta2;
            let denom = v.sqrt() / u.bias2_sqrt + u.eps;
            *p -= *m / denom * u.step_size;
        }
    }
}

/// The global gradient norm `||G||_2 = sqrt(sum g^2)` over all of `grads` (f64 sums of fixed
/// chunks, added in order).
pub fn global_grad_norm(grads: &[f32]) -> f64 {
    let partial: Vec<f64> = grads
        .par_chunks(CHUNK)
        .map(|chunk| chunk.iter().map(|&g| f64::from(g) * f64::from(g)).sum())
        .collect();
    partial.iter().sum::<f64>().sqrt()
}

/// The clipping factor `c = min(1, max_norm / norm)` that scales every gradient so the global
/// norm is at most `max_norm` (1 when the norm is 0).
pub fn clip_scale(norm: f64, max_norm: f64) -> f64 {
    if norm > max_norm {
        max_norm / norm
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelConfig;

    fn tiny_layout() -> Layout {
        Layout::new(&ModelConfig {
            vocab_size: 3,
            context: 1,
            d_model: 1,
            n_heads: 1,
            n_layers: 0,
            init_std: 0.02,
        })
    }

    /// Every instruction set gives the same bits, with and without decay and clipping, over
    /// a chunk whose length is not a multiple of any vector width.
    #[test]
    fn the_update_has_the_same_bits_on_every_instruction_set() {
        let n = 1003;
        let wave = |k: f32| -> Vec<f32> { (0..n).map(|i| (i as f32 * k).sin()).collect() };
        let (p0, m0, g) = (wave(0.37), wave(0.11), wave(1.3));
        let v0: Vec<f32> = wave(0.23).iter().map(|x| x * x).collect();
        for (keep, scale) in [(None, None), (Some(0.999), Some(0.5))] {
            let update = Update {
                keep,
                scale,
                beta2: 0.95,
                one_minus_beta1: 0.1,
                one_minus_beta2: 0.05,
                bias2_sqrt: 0.3,
                eps: 1e-8,
                step_size: 0.01,
            };
            let run = |isa| {
                let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
                update.run(isa, &mut p, &mut m, &mut v, &g);
                [p, m, v].map(|x| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>())
            };
            let portable = run(Isa::Portable);
            for isa in Isa::available() {
                assert!(
                    run(isa) == portable,
                    "{isa:?} differs from the portable build"
                );
            }
        }
    }

    /// One step with gradient `g = (3, -4, 12, ...)` clipped to norm `max_norm`: after one
    /// step `m_hat = c g`, `v_hat = c^2 g^2`, so with `eps = 1` the update is
    /// `-lr c g / (c |g| + 1)` after the decay `p (1 - lr wd)`.
    #[test]
    fn clipped_adamw_step_matches_the_formula() {
        // wte [3, 1], wpe [1, 1], lnf gamma [1], beta [1], head [3, 1]: 9 parameters.
        let layout = tiny_layout();
        assert_eq!(layout.len, 9);
        let p0: Vec<f32> = (0..9).map(|i| i as f32 * 0.25 - 1.0).collect();
        let g: Vec<f32> = vec![3.0, -4.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        for max_norm in [1.0, 6.5, 100.0] {
            let norm = global_grad_norm(&g);
            assert!((norm - 13.0).abs() < 1e-12, "{norm}");
            let c = clip_scale(norm, max_norm);
            let config = AdamWConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1.0,
                weight_decay: 0.1,
                decay_vectors: true,
            };
            let mut adamw = AdamW::new(config, 9);
            let (lr, wd) = (0.01, 0.1);
            let mut p = p0.clone();
            adamw.step(&mut p, &g, &layout, lr, c);
            for ((&p0, &g), &new) in p0.iter().zip(&g).zip(&p) {
                let g = f64::from(g);
                let expected = f64::from(p0) * (1.0 - lr * wd) - lr * c * g / (c * g.abs() + 1.0);
                assert!(
                    (f64::from(new) - expected).abs() < 1e-6,
                    "{new} vs {expected}"
                );
            }
            assert_eq!(adamw.steps, 1);
        }
    }

    /// With a zero gradient the step is the decay alone: `p (1 - lr wd)` for a vector when
    /// `decay_vectors`, `p` unchanged otherwise; a matrix is decayed either way.
    #[test]
    fn vectors_are_decayed_only_when_asked() {
        let layout = tiny_layout();
        for decay_vectors in [true, false] {
            let mut adamw = AdamW::new(
                AdamWConfig {
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.5,
                    decay_vectors,
                },
                9,
            );
            let mut p = vec![2.0f32; 9];
            adamw.step(&mut p, &[0.0; 9], &layout, 0.1, 1.0);
            let vector = if decay_vectors { 2.0 * 0.95f32 } else { 2.0 };
            // lnf gamma and beta (elements 4 and 5) are the vectors.
            assert_eq!(p[4..6], [vector, vector]);
            assert!(p[..4].iter().chain(&p[6..]).all(|&w| w == 2.0 * 0.95f32));
        }
    }

    #[test]
    fn clip_scale_is_min_of_one_and_ratio() {
        assert_eq!(clip_scale(0.0, 1.0), 1.0);
        assert_eq!(clip_scale(0.5, 1.0), 1.0);
        assert_eq!(clip_scale(1.0, 1.0), 1.0);
        assert_eq!(clip_scale(4.0, 1.0), 0.25);
        assert_eq!(clip_scale(f64::INFINITY, 1.0), 0.0);
    }
}
