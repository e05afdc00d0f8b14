//! Held-out evaluation in bits: per token, and per token role beside the oracle.
//!
//! The code length of token `x_p` is `-log2 p_model(x_p | x_{<p})`, with the history cut to
//! the context by the sliding windows of [`eval_windows`] (at least `T / 2` tokens of history
//! once the stream is longer than the context). The first token of a stream has no history
//! and is not scored.

use std::ops::Range;

use skm_generator::{Corpus, PerRole, Role, Token};
use skm_theory::{Oracle, RoleBits, SplitByRole};

use crate::data::{Batch, check_tokens, eval_windows};
use crate::{Gpt, Result, TrainerError};

/// Bits of every token of `tokens` but the first: entry `p - 1` is
/// `-log2 p(tokens[p] | tokens[max(0, ..)..p])`; `batch` windows are evaluated at once.
pub fn token_bits(model: &Gpt, tokens: &[Token], context: usize, batch: usize) -> Result<Vec<f64>> {
    let windows = eval_windows(tokens.len(), context)?;
    check_tokens(tokens, model.vocab_size())?;
    let mut workspaces = Vec::new();
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
        let log_probs = model.target_log_probs(
            &mut workspaces,
            &input.inputs,
            &input.targets,
            group.len(),
            len,
        );
        for (row, w) in log_probs.chunks_exact(len).zip(&group) {
            for offset in w.score_from..len {
                bits[w.start + offset] = -f64::from(row[offset]) / std::f64::consts::LN_2;
            }
        }
    }
    Ok(bits)
}

/// Scored tokens per role.
pub type RoleTokens = PerRole<u64>;

/// The model's and the oracle's code lengths of the same held-out tokens, split by role.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoleEvaluation {
    /// Scored tokens per role.
    pub tokens: RoleTokens,
    /// Sum of the model's bits per role.
    pub model_bits: RoleBits,
    /// Sum of the oracle's bits of the same tokens per role.
    pub oracle_bits: RoleBits,
}

impl RoleEvaluation {
    /// The model's bits per token of a role (NaN when it has no token).
    pub fn model_bits_per_token(&self, role: Role) -> f64 {
        self.model_bits.get(role) / self.tokens.get(role) as f64
    }

    /// Excess bits per token of a role over the oracle: `(model - oracle) / tokens`.
    pub fn excess_bits_per_token(&self, role: Role) -> f64 {
        (self.model_bits.get(role) - self.oracle_bits.get(role)) / self.tokens.get(role) as f64
    }

    /// The model's bits per token over all roles.
    pub fn total_model_bits_per_token(&self) -> f64 {
        self.model_bits.total() / self.tokens.total() as f64
    }

    /// Excess bits per token over all roles.
    pub fn total_excess_bits_per_token(&self) -> f64 {
        (self.model_bits.total() - self.oracle_bits.total()) / self.tokens.total() as f64
    }
}

/// Evaluates `model` on the sentences `sentences` of `corpus` (one held-out stream, read in
/// isolation): every token but the stream's first is scored by the model
/// ([`token_bits`]) and by the [`Oracle`] of the corpus's world, and both are summed by the
/// token's role (`vocabulary.role(token)`).
pub fn evaluate_roles(
    model: &Gpt,
    corpus: &Corpus,
    sentences: Range<usize>,
    batch: usize,
) -> Result<RoleEvaluation> {
    if sentences.start >= sentences.end || sentences.end > corpus.sentences.len() {
        return Err(TrainerError::SentenceRange {
            start: sentences.start,
            end: sentences.end,
            sentences: corpus.sentences.len(),
        });
    }
    let tokens = &corpus.tokens[corpus.offsets[sentences.start]..corpus.offsets[sentences.end]];
    let vocabulary = &corpus.world.vocabulary;
    let oracle = Oracle::new(&corpus.world)?;
    let mut oracle_bits = Vec::with_capacity(tokens.len());
    for sentence in &corpus.sentences[sentences] {
        oracle.sentence_bits(sentence, &mut oracle_bits)?;
    }
    let model_bits = token_bits(model, tokens, model.context(), batch)?;
    let scored = &tokens[1..];
    let mut counts = RoleTokens::default();
    for &token in scored {
        *counts.get_mut(vocabulary.role(token)) += 1;
    }
    Ok(RoleEvaluation {
        tokens: counts,
        model_bits: RoleBits::split(vocabulary, scored, &model_bits)?,
        oracle_bits: RoleBits::split(vocabulary, scored, &oracle_bits[1..])?,
    })
}
