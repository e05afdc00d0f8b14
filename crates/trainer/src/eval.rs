//! Held-out evaluation in bits per token.
//!
//! The code length of token `x_p` is `-log2 p_model(x_p | x_{<p})`, with the history cut to
//! the context by the sliding windows of [`eval_windows`] (at least `T / 2` tokens of history
//! once the stream is longer than the context). The first token of a stream has no history
//! and is not scored.

use burn::tensor::Device;
use skm_generator::Token;

use crate::data::{Batch, eval_windows};
use crate::{Gpt, Result, TrainerError};

/// Bits of every token of `tokens` but the first: entry `p - 1` is
/// `-log2 p(tokens[p] | tokens[max(0, ..)..p])`. `model` should be without autodiff
/// (`model.valid()`); `batch` windows are evaluated at once.
pub fn token_bits(model: &Gpt, tokens: &[Token], context: usize, batch: usize) -> Result<Vec<f64>> {
    let windows = eval_windows(tokens.len(), context)?;
    let device = model_device(model);
    let mut bits = vec![0.0; tokens.len() - 1];
    // Windows of equal length go through the model together.
    let mut i = 0;
    while i < windows.len() {
        let len = windows[i].len;
        let group: Vec<_> = windows[i..]
            .iter()
            .take(batch.max(1))
            .take_while(|w| w.len == len)
            .copied()
            .collect();
        i += group.len();
        let mut input = Batch {
            batch: group.len(),
            context: len,
            inputs: Vec::with_capacity(group.len() * len),
            targets: Vec::with_capacity(group.len() * len),
        };
        for w in &group {
            input
                .inputs
                .extend_from_slice(&tokens[w.start..w.start + len]);
            input
                .targets
                .extend_from_slice(&tokens[w.start + 1..w.start + len + 1]);
        }
        let (x, y) = input.to_tensors(&device);
        let log_probs = model
            .target_log_probs(x, y)
            .try_into_data()
            .map_err(|e| TrainerError::TensorRead(format!("{e:?}")))?
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| TrainerError::TensorRead(format!("{e:?}")))?;
        for (row, w) in log_probs.chunks_exact(len).zip(&group) {
            for offset in w.score_from..len {
                bits[w.start + offset] = -f64::from(row[offset]) / std::f64::consts::LN_2;
            }
        }
    }
    Ok(bits)
}

fn model_device(model: &Gpt) -> Device {
    use burn::module::Module;
    model.devices().into_iter().next().unwrap_or_default()
}
