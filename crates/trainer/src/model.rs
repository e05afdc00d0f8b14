//! The decoder-only transformer (nanoGPT-like), written once for every burn backend.
//!
//! `x_0 = wte[tokens] + wpe[0..T]`; each block does
//! `x = x + proj(attn(ln1(x)))`, `x = x + fc2(gelu(fc(ln2(x))))`; then
//! `logits = head(lnf(x))`. Attention is causal multi-head with a fused `qkv` projection:
//! `softmax(q k^T / sqrt(d / h) + causal mask) v` per head. GELU is the exact (erf) one,
//! LayerNorm has `eps = 1e-5`, every Linear has a bias except the head.

use burn::module::{Module, Param};
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation::{gelu, log_softmax};
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::ModelConfig;
use crate::init::uniform_values;

/// LayerNorm epsilon, as PyTorch's default.
pub const LAYER_NORM_EPS: f64 = 1e-5;

/// One pre-LayerNorm transformer block.
#[derive(Module, Debug)]
pub struct Block {
    ln1: LayerNorm,
    /// `d -> 3 d`: queries, keys and values, in that order, heads contiguous within each.
    qkv: Linear,
    proj: Linear,
    ln2: LayerNorm,
    fc: Linear,
    fc2: Linear,
    n_heads: usize,
}

impl Block {
    /// `[B, T, d] -> [B, T, d]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let (h, hd) = (self.n_heads, d / self.n_heads);
        let qkv = self.qkv.forward(self.ln1.forward(x.clone()));
        // `[B, T, d]` slices of the fused projection -> `[B, h, T, d / h]`.
        let head = |i: usize| {
            qkv.clone()
                .narrow(2, i * d, d)
                .reshape([b, t, h, hd])
                .swap_dims(1, 2)
        };
        let options = AttentionModuleOptions {
            scale: None,
            softcap: None,
            is_causal: true,
        };
        let y = attention(head(0), head(1), head(2), None, None, options);
        let y = y.swap_dims(1, 2).reshape([b, t, d]);
        let x = x + self.proj.forward(y);
        let mlp = self
            .fc2
            .forward(gelu(self.fc.forward(self.ln2.forward(x.clone()))));
        x + mlp
    }
}

/// The GPT language model.
#[derive(Module, Debug)]
pub struct Gpt {
    /// Token embedding `[V, d]`.
    wte: Embedding,
    /// Position embedding `[T, d]`.
    wpe: Param<Tensor<2>>,
    h: Vec<Block>,
    lnf: LayerNorm,
    /// `d -> V`, no bias.
    head: Linear,
}

impl Gpt {
    /// A model with the SPEC initialisation: parameter `k` in canonical order is
    /// `uniform_values(base + k, ..)` in PyTorch's `[out, in]` layout, biases 0, LayerNorm
    /// weights 1 and biases 0. Canonical order: 0 `wte [V, d]`, 1 `wpe [T, d]`, for block `i`:
    /// `2 + 4i` `qkv [3d, d]`, `3 + 4i` `proj [d, d]`, `4 + 4i` `fc [4d, d]`, `5 + 4i`
    /// `fc2 [d, 4d]`; then `2 + 4L` `head [V, d]`.
    ///
    /// `device` should have autodiff enabled for training (`device.autodiff()`). The
    /// configuration must be valid ([`ModelConfig::validate`]).
    pub fn init(config: &ModelConfig, base: u64, device: &Device) -> Self {
        let (v, t, d) = (config.vocab_size, config.context, config.d_model);
        let std = config.init_std;
        let param = |values: Vec<f32>, shape: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
        };
        // PyTorch stores a Linear weight `[out, in]`; burn's Linear multiplies by `[in, out]`.
        let linear = |k: usize, d_in: usize, d_out: usize, bias: bool| {
            let torch = uniform_values(base.wrapping_add(k as u64), d_out * d_in, std);
            let mut weight = vec![0f32; d_in * d_out];
            for (o, row) in torch.chunks_exact(d_in).enumerate() {
                for (i, &w) in row.iter().enumerate() {
                    weight[i * d_out + o] = w;
                }
            }
            Linear {
                weight: param(weight, [d_in, d_out]),
                bias: bias.then(|| Param::from_tensor(Tensor::zeros([d_out], device))),
            }
        };
        let layer_norm = || {
            LayerNormConfig::new(d)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device)
        };
        let h = (0..config.n_layers)
            .map(|i| Block {
                ln1: layer_norm(),
                qkv: linear(2 + 4 * i, d, 3 * d, true),
                proj: linear(3 + 4 * i, d, d, true),
                ln2: layer_norm(),
                fc: linear(4 + 4 * i, d, 4 * d, true),
                fc2: linear(5 + 4 * i, 4 * d, d, true),
                n_heads: config.n_heads,
            })
            .collect();
        Gpt {
            wte: Embedding {
                weight: param(uniform_values(base, v * d, std), [v, d]),
            },
            wpe: param(uniform_values(base.wrapping_add(1), t * d, std), [t, d]),
            h,
            lnf: layer_norm(),
            head: linear(2 + 4 * config.n_layers, d, v, false),
        }
    }

    /// Vocabulary size `V`.
    pub fn vocab_size(&self) -> usize {
        self.wte.weight.lazy_shape().dims::<2>()[0]
    }

    /// Context length `T`.
    pub fn context(&self) -> usize {
        self.wpe.lazy_shape().dims::<2>()[0]
    }

    /// Logits `[B, T, V]` of the next token at every position of `tokens [B, T]`
    /// (`T` at most the context).
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [_, t] = tokens.dims();
        let positions = self.wpe.val().narrow(0, 0, t).unsqueeze::<3>();
        let mut x = self.wte.forward(tokens) + positions;
        for block in &self.h {
            x = block.forward(x);
        }
        self.head.forward(self.lnf.forward(x))
    }

    /// Natural-log probabilities `[B, T]` the model gives each target:
    /// `log p(targets[i, t] | inputs[i, ..=t])`.
    pub fn target_log_probs(&self, inputs: Tensor<2, Int>, targets: Tensor<2, Int>) -> Tensor<2> {
        let [b, t] = inputs.dims();
        let logits = self.forward(inputs);
        let v = logits.dims()[2];
        log_softmax(logits.reshape([b * t, v]), 1)
            .gather(1, targets.reshape([b * t, 1]))
            .reshape([b, t])
    }

    /// Mean cross-entropy in nats, `-(1 / B T) sum log p(target)`: PyTorch's
    /// `F.cross_entropy(logits.view(-1, V), targets.view(-1))`.
    pub fn loss(&self, inputs: Tensor<2, Int>, targets: Tensor<2, Int>) -> Tensor<1> {
        self.target_log_probs(inputs, targets).mean().neg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::named_parameters;

    fn small() -> ModelConfig {
        ModelConfig {
            vocab_size: 11,
            context: 6,
            d_model: 8,
            n_heads: 2,
            n_layers: 2,
            init_std: 0.02,
        }
    }

    #[test]
    fn parameter_count_matches_the_closed_form() {
        let device = Device::flex();
        for config in [small(), ModelConfig::spec()] {
            let model = Gpt::init(&config, 1000, &device);
            assert_eq!(model.num_params(), config.parameters());
            assert_eq!(
                (model.vocab_size(), model.context()),
                (config.vocab_size, config.context)
            );
        }
    }

    #[test]
    fn parameters_have_module_paths_and_burn_layout() {
        let params = named_parameters(&Gpt::init(&small(), 1000, &Device::flex())).expect("params");
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(&names[..2], ["wte.weight", "wpe"]);
        assert!(names.contains(&"h.1.qkv.weight"));
        assert_eq!(names.last(), Some(&"head.weight"));
        let qkv = params
            .iter()
            .find(|p| p.name == "h.0.qkv.weight")
            .expect("qkv");
        assert_eq!(qkv.shape, [8, 24]);
        // burn's [in, out] is the transpose of PyTorch's [out, in] stream of parameter 2.
        let torch = uniform_values(1002, 24 * 8, 0.02);
        // Element (in 1, out 2).
        assert_eq!(qkv.values[24 + 2], torch[2 * 8 + 1]);
    }

    #[test]
    fn attention_is_causal() {
        let device = Device::flex();
        let model = Gpt::init(&small(), 1000, &device);
        let logits = |tokens: [i64; 6]| {
            let input =
                Tensor::<2, Int>::from_data(TensorData::new(tokens.to_vec(), [1, 6]), &device);
            model
                .forward(input)
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .expect("f32")
        };
        let a = logits([1, 2, 3, 4, 5, 6]);
        let b = logits([1, 2, 3, 4, 9, 0]);
        // Positions 0..4 see only tokens 0..4, which agree.
        assert_eq!(a[..4 * 11], b[..4 * 11]);
        assert_ne!(a[4 * 11..], b[4 * 11..]);
    }
}
