//! AdamW with PyTorch's update rule, and global-norm gradient clipping.
//!
//! burn's optimizer has other defaults (eps 1e-5, weight decay 1e-4) and clips only tensor by
//! tensor; this one is written out so that its hyper-parameters are explicit, its state is
//! plain tensors keyed by parameter path (what checkpoints store), and clipping sees the global
//! norm. For every parameter `p` with gradient `g`, at step `n = 1, 2, ...` and rate `lr`:
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

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Gradients, Tensor};

use crate::{Result, TrainerError};

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

/// First and second moments of one parameter, flattened to one dimension.
#[derive(Clone, Debug)]
pub struct Moments {
    /// `m`.
    pub m: Tensor<1>,
    /// `v`.
    pub v: Tensor<1>,
}

/// AdamW's state: the step count and the moments of every parameter, by parameter path
/// (`h.0.qkv.weight`, ...).
#[derive(Clone, Debug)]
pub struct AdamW {
    /// Hyper-parameters.
    pub config: AdamWConfig,
    /// Steps taken, `n`.
    pub steps: u64,
    /// Moments by parameter path; a parameter gets zero moments on its first step.
    pub moments: BTreeMap<String, Moments>,
}

impl AdamW {
    /// An optimizer that has taken no step.
    pub fn new(config: AdamWConfig) -> Self {
        AdamW {
            config,
            steps: 0,
            moments: BTreeMap::new(),
        }
    }

    /// One AdamW step of every parameter of `module` that has a gradient in `grads`, with
    /// the gradients scaled by `grad_scale` (the clipping factor; 1 for none).
    pub fn step<M: Module>(
        &mut self,
        module: M,
        grads: &mut Gradients,
        lr: f64,
        grad_scale: f64,
    ) -> M {
        self.steps += 1;
        let mut mapper = AdamWMapper {
            optimizer: self,
            grads,
            lr,
            grad_scale,
            path: Vec::new(),
        };
        module.map(&mut mapper)
    }
}

struct AdamWMapper<'a> {
    optimizer: &'a mut AdamW,
    grads: &'a mut Gradients,
    lr: f64,
    grad_scale: f64,
    path: Vec<String>,
}

impl ModuleMapper for AdamWMapper<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = tensor.grad_remove(self.grads) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let config = self.optimizer.config;
        let n = self.optimizer.steps as i32;
        let dims = tensor.dims();
        let numel = dims.iter().product::<usize>();
        let p = tensor.inner().reshape([numel]);
        let mut g = grad.reshape([numel]);
        if self.grad_scale != 1.0 {
            g = g.mul_scalar(self.grad_scale);
        }
        let moments = self
            .optimizer
            .moments
            .entry(self.path.join("."))
            .or_insert_with(|| Moments {
                m: p.zeros_like(),
                v: p.zeros_like(),
            });
        let p = if config.weight_decay == 0.0 || (D == 1 && !config.decay_vectors) {
            p
        } else {
            p.mul_scalar(1.0 - self.lr * config.weight_decay)
        };
        // PyTorch's `m.lerp_(g, 1 - beta1)`: `m + (1 - beta1) (g - m)`.
        moments.m =
            moments.m.clone() + (g.clone() - moments.m.clone()).mul_scalar(1.0 - config.beta1);
        moments.v =
            moments.v.clone().mul_scalar(config.beta2) + g.square().mul_scalar(1.0 - config.beta2);
        let bias1 = 1.0 - config.beta1.powi(n);
        let bias2 = 1.0 - config.beta2.powi(n);
        let denom = moments
            .v
            .clone()
            .sqrt()
            .div_scalar(bias2.sqrt())
            .add_scalar(config.eps);
        let p = p - (moments.m.clone() / denom).mul_scalar(self.lr / bias1);
        let p = Tensor::from_inner(p.reshape(dims)).require_grad();
        Param::from_mapped_value(id, p, mapper)
    }
}

/// The global gradient norm `||G||_2 = sqrt(sum over parameters of sum g^2)` of the
/// parameters of `module` that have a gradient in `grads`.
pub fn global_grad_norm<M: Module>(module: &M, grads: &Gradients) -> Result<f64> {
    struct SquaredNorm<'a> {
        grads: &'a Gradients,
        total: Option<Tensor<1>>,
        seen: Vec<ParamId>,
    }
    impl ModuleVisitor for SquaredNorm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // A parameter shared between modules counts once.
            if self.seen.contains(&param.id) {
                return;
            }
            self.seen.push(param.id);
            if let Some(grad) = param.val().grad(self.grads) {
                let squares = grad.square().sum();
                self.total = Some(match self.total.take() {
                    Some(total) => total + squares,
                    None => squares,
                });
            }
        }
    }
    let mut visitor = SquaredNorm {
        grads,
        total: None,
        seen: Vec::new(),
    };
    module.visit(&mut visitor);
    match visitor.total {
        None => Ok(0.0),
        Some(total) => {
            let squares: f32 = total
                .try_into_scalar()
                .map_err(|e| TrainerError::TensorRead(format!("{e:?}")))?;
            Ok(f64::from(squares).sqrt())
        }
    }
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
    use burn::tensor::Device;

    fn values(param: &Param<Tensor<1>>) -> Vec<f32> {
        param
            .val()
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .expect("f32")
    }

    /// One step with gradient `g = (3, -4, 12)` (norm 13) clipped to norm `max_norm`:
    /// after one step `m_hat = c g`, `v_hat = c^2 g^2`, so with `eps = 1` the update is
    /// `-lr c g / (c |g| + 1)` after the decay `p (1 - lr wd)`.
    #[test]
    fn clipped_adamw_step_matches_the_formula() {
        let device = Device::flex().autodiff();
        let p0 = [1.0f32, -2.0, 0.5];
        let g = [3.0f64, -4.0, 12.0];
        for max_norm in [1.0, 6.5, 100.0] {
            let param = Param::from_tensor(Tensor::<1>::from_floats(p0, &device));
            let weights = Tensor::<1>::from_floats([3.0f32, -4.0, 12.0], &device);
            let mut grads = (param.val() * weights).sum().backward();
            let norm = global_grad_norm(&param, &grads).expect("norm");
            assert!((norm - 13.0).abs() < 1e-5, "{norm}");
            let c = clip_scale(norm, max_norm);
            assert!((c - (max_norm / 13.0).min(1.0)).abs() < 1e-6);
            let config = AdamWConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1.0,
                weight_decay: 0.1,
                decay_vectors: true,
            };
            let mut adamw = AdamW::new(config);
            let (lr, wd) = (0.01, 0.1);
            let updated = adamw.step(param, &mut grads, lr, c);
            for ((&p, &g), &new) in p0.iter().zip(&g).zip(&values(&updated)) {
                let expected = f64::from(p) * (1.0 - lr * wd) - lr * c * g / (c * g.abs() + 1.0);
                assert!(
                    (f64::from(new) - expected).abs() < 1e-6,
                    "{new} vs {expected}"
                );
            }
            assert_eq!(adamw.steps, 1);
            assert_eq!(adamw.moments.len(), 1);
        }
    }

    /// With a zero gradient the step is the decay alone: `p (1 - lr wd)` for a vector when
    /// `decay_vectors`, `p` unchanged otherwise; a matrix is decayed either way.
    #[test]
    fn vectors_are_decayed_only_when_asked() {
        let device = Device::flex().autodiff();
        for decay_vectors in [true, false] {
            let vector = Param::from_tensor(Tensor::<1>::from_floats([2.0f32, -1.0], &device));
            let matrix = Param::from_tensor(Tensor::<2>::from_floats([[2.0f32, -1.0]], &device));
            let loss = vector.val().sum().mul_scalar(0.0) + matrix.val().sum().mul_scalar(0.0);
            let mut grads = loss.backward();
            let mut adamw = AdamW::new(AdamWConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.5,
                decay_vectors,
            });
            let factor = if decay_vectors { 0.95f32 } else { 1.0 };
            let vector = adamw.step(vector, &mut grads, 0.1, 1.0);
            assert_eq!(values(&vector), [2.0 * factor, -factor]);
            let matrix = adamw.step(matrix, &mut grads, 0.1, 1.0);
            let decayed: Vec<f32> = matrix
                .val()
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .expect("f32");
            assert_eq!(decayed, [2.0 * 0.95f32, -0.95]);
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
