//! The decoder-only transformer (nanoGPT-like), run by the engine ([`crate::engine`]).
//!
//! `x_0 = wte[tokens] + wpe[0..T]`; each block does
//! `x = x + proj(attn(ln1(x)))`, `x = x + fc2(gelu(fc(ln2(x))))`; then
//! `logits = head(lnf(x))`. Attention is causal multi-head with a fused `qkv` projection:
//! `softmax(q k^T / sqrt(d / h) + causal mask) v` per head. GELU is the exact (erf) one,
//! LayerNorm has `eps = 1e-5`, every Linear has a bias except the head.

use std::ops::Range;

use rayon::prelude::*;

use crate::ModelConfig;
use crate::engine::{Init, Layout, Workspace, kernels, shards};
use crate::init::uniform_values;

pub use crate::engine::kernels::LAYER_NORM_EPS;

/// The GPT language model: its shape and its parameters, one flat buffer in PyTorch's
/// layout (see [`Layout`]).
#[derive(Clone, Debug)]
pub struct Gpt {
    config: ModelConfig,
    layout: Layout,
    params: Vec<f32>,
}

impl Gpt {
    /// A model with the SPEC initialisation: parameter `k` in canonical order is
    /// `uniform_values(base + k, ..)` in PyTorch's `[out, in]` layout, biases 0, LayerNorm
    /// weights 1 and biases 0. Canonical order: 0 `wte [V, d]`, 1 `wpe [T, d]`, for block `i`:
    /// `2 + 4i` `qkv [3d, d]`, `3 + 4i` `proj [d, d]`, `4 + 4i` `fc [4d, d]`, `5 + 4i`
    /// `fc2 [d, 4d]`; then `2 + 4L` `head [V, d]`. The configuration must be valid
    /// ([`ModelConfig::validate`]).
    pub fn init(config: &ModelConfig, base: u64) -> Self {
        let layout = Layout::new(config);
        let mut params = vec![0f32; layout.len];
        for tensor in &layout.tensors {
            let values = tensor.span.of_mut(&mut params);
            match tensor.init {
                Init::Uniform(k) => values.copy_from_slice(&uniform_values(
                    base.wrapping_add(k),
                    tensor.span.len,
                    config.init_std,
                )),
                Init::Zeros => values.fill(0.0),
                Init::Ones => values.fill(1.0),
            }
        }
        Gpt {
            config: config.clone(),
            layout,
            params,
        }
    }

    /// Vocabulary size `V`.
    pub fn vocab_size(&self) -> usize {
        self.config.vocab_size
    }

    /// Context length `T`.
    pub fn context(&self) -> usize {
        self.config.context
    }

    /// The shape.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Where each parameter lives in [`Gpt::params`].
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Every parameter, in the layout's order.
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    pub(crate) fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    pub(crate) fn layout_and_params_mut(&mut self) -> (&Layout, &mut [f32]) {
        (&self.layout, &mut self.params)
    }

    /// Parameters in all.
    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    /// Runs `b` sequences of `t` tokens forward, part by part in parallel, and hands each
    /// part's workspace, with the range of its sequences, to `read` (in the parts' order).
    fn forward_parts<R: Send>(
        &self,
        workspaces: &mut Vec<Workspace>,
        tokens: &[u32],
        b: usize,
        t: usize,
        read: impl Fn(&Workspace, Range<usize>) -> R + Sync,
    ) -> Vec<R> {
        let parts = shards(b);
        workspaces.resize_with(parts.len(), Workspace::default);
        workspaces
            .par_iter_mut()
            .zip(parts)
            .map(|(ws, rows)| {
                let part = &tokens[rows.start * t..rows.end * t];
                ws.forward(&self.layout, &self.params, part, rows.len(), t);
                read(ws, rows)
            })
            .collect()
    }

    /// Natural-log probabilities `[b t]` the model gives each target:
    /// `log p(targets[i t + p] | inputs[i t..=i t + p])`, for `b` sequences of `t` tokens
    /// (`t` at most the context).
    pub fn target_log_probs(
        &self,
        workspaces: &mut Vec<Workspace>,
        inputs: &[u32],
        targets: &[u32],
        b: usize,
        t: usize,
    ) -> Vec<f32> {
        let v = self.config.vocab_size;
        let parts = self.forward_parts(workspaces, inputs, b, t, |ws, sequences| {
            let mut scratch = vec![0f32; v];
            (0..sequences.len() * t)
                .map(|row| {
                    let logits = ws.logits_row(&self.layout, row);
                    let (max, lse) = kernels::log_sum_exp(logits, &mut scratch);
                    logits[targets[sequences.start * t + row] as usize] - max - lse
                })
                .collect::<Vec<f32>>()
        });
        parts.concat()
    }

    /// Natural-log probabilities `[b, V]` of the token after each of `b` sequences of `t`
    /// tokens.
    pub fn next_log_probs(
        &self,
        workspaces: &mut Vec<Workspace>,
        inputs: &[u32],
        b: usize,
        t: usize,
    ) -> Vec<f32> {
        let v = self.config.vocab_size;
        let parts = self.forward_parts(workspaces, inputs, b, t, |ws, sequences| {
            let mut scratch = vec![0f32; v];
            (0..sequences.len())
                .flat_map(|s| {
                    let logits = ws.logits_row(&self.layout, s * t + t - 1);
                    let (max, lse) = kernels::log_sum_exp(logits, &mut scratch);
                    logits
                        .iter()
                        .map(move |&l| l - max - lse)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<f32>>()
        });
        parts.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::named_parameters;

    pub(crate) fn small() -> ModelConfig {
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
        for config in [small(), ModelConfig::spec()] {
            let model = Gpt::init(&config, 1000);
            assert_eq!(model.num_params(), config.parameters());
            assert_eq!(
                (model.vocab_size(), model.context()),
                (config.vocab_size, config.context)
            );
        }
    }

    #[test]
    fn parameters_have_module_paths_and_burn_layout() {
        let params = named_parameters(&Gpt::init(&small(), 1000));
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(&names[..2], ["wte.weight", "wpe"]);
        assert!(names.contains(&"h.1.qkv.weight"));
        assert!(names.contains(&"h.0.ln1.gamma"));
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
        let model = Gpt::init(&small(), 1000);
        let logits = |tokens: [u32; 6]| {
            let mut ws = Workspace::default();
            ws.forward(model.layout(), model.params(), &tokens, 1, 6);
            ws.logits[..6 * 11].to_vec()
        };
        let (a, b) = (logits([1, 2, 3, 4, 5, 6]), logits([1, 2, 3, 4, 9, 0]));
        // Positions 0..4 see only tokens 0..4, which agree.
        assert_eq!(a[..4 * 11], b[..4 * 11]);
        assert_ne!(a[4 * 11..], b[4 * 11..]);
    }
}
