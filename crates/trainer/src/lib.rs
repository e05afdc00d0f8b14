//! A GPT-style transformer language model trained on Syntax-Knowledge token streams.
//!
//! The model ([`Gpt`]) is a decoder-only transformer in the style of nanoGPT: learned token and
//! position embeddings, `n_layers` pre-LayerNorm blocks (causal multi-head attention with a
//! fused `qkv` projection, then a GELU MLP of width `4 d`), a final LayerNorm and an untied
//! output head without bias. It runs on our own CPU engine ([`engine`]): explicit forward and
//! backward passes of exactly this model, every buffer allocated once and reused, fused row
//! kernels, and matrix products through the `gemm` crate, with a batch cut into fixed parts
//! that run on separate threads (so results do not depend on the thread count).
//!
//! Everything random is a splitmix64 stream of the seed ([`init`], [`data`]), never a
//! framework RNG, so the same seed gives the same initial weights in any framework, the same
//! batches, and (on the CPU) bit-identical losses. The initialisation and the reference data of
//! `shared/bench/SPEC.md` are reproduced bit for bit, and a test checks the training losses of
//! the SPEC model against PyTorch's, step by step.
//!
//! Training ([`train`]): AdamW written out with PyTorch's update rule ([`optim`]), linear warmup
//! then cosine decay ([`schedule`]), global-norm gradient clipping, evaluation every `k` steps,
//! early stopping on the held-out loss, safetensors checkpoints of model and optimizer state
//! with exact resume ([`checkpoint`]), and a typed error when the loss diverges. Evaluation
//! ([`eval`]) reports held-out code lengths in bits per token role, beside the oracle's bits of
//! the same tokens.
//!
//! All code lengths are in bits (log base 2); training losses are in nats, as PyTorch reports
//! them.

pub mod bench;
pub mod checkpoint;
mod config;
pub mod data;
mod device;
pub mod engine;
pub mod eval;
pub mod init;
pub mod model;
pub mod optim;
pub mod probe;
pub mod schedule;
pub mod train;

use std::path::PathBuf;

pub use bench::{
    bench_tokens_per_second, default_device, gemm_flops_per_second, training_flops_per_token,
};
pub use checkpoint::TrainState;
pub use config::{ModelConfig, TrainConfig};
pub use device::{Device, DeviceKind};
pub use eval::{RoleEvaluation, RoleTokens, evaluate_roles, token_bits};
pub use model::Gpt;
pub use probe::{Answer, Probe, ProbeResult};
pub use train::{
    Prequential, RunOptions, StepOutcome, StopReason, TrainReport, Trainer, prequential, run,
};

/// Results of this crate.
pub type Result<T, E = TrainerError> = std::result::Result<T, E>;

/// Errors of the trainer.
#[derive(Debug, thiserror::Error)]
pub enum TrainerError {
    /// A configuration value outside its allowed range.
    #[error("{section}.{field} = {value} is out of range: allowed {allowed}")]
    InvalidConfig {
        /// `model` or `train`.
        section: &'static str,
        /// The key.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A token id not below the model's vocabulary size.
    #[error("token {token} at position {position} is outside the vocabulary of {vocab_size}")]
    TokenOutOfRange {
        /// The token.
        token: u32,
        /// Its position in the stream.
        position: usize,
        /// `model.vocab_size`.
        vocab_size: usize,
    },
    /// A token stream too short for one window of the context.
    #[error("the {what} stream has {tokens} tokens; it needs at least {needed}")]
    StreamTooShort {
        /// Which stream (`training`, `held-out`).
        what: &'static str,
        /// Its length.
        tokens: usize,
        /// The least length that works.
        needed: usize,
    },
    /// A range of sentences that is empty or beyond the corpus.
    #[error("sentences {start}..{end} are not a non-empty range of the corpus's {sentences}")]
    SentenceRange {
        /// First sentence.
        start: usize,
        /// One past the last sentence.
        end: usize,
        /// Sentences in the corpus.
        sentences: usize,
    },
    /// Too few names are left for fresh, never-seen entities.
    #[error(
        "{names} names (the world's and the fresh ones) need a name space of at least twice \
         that; it has {space}: raise name_tokens or name_vocab"
    )]
    NameSpace {
        /// Names wanted in all.
        names: usize,
        /// `name_vocab^name_tokens`.
        space: f64,
    },
    /// The loss (or the gradient norm) stopped being finite: the run diverged.
    #[error(
        "training diverged at step {step}: {quantity} = {value}; last good checkpoint: {}",
        last_good.as_ref().map_or("none".to_string(), |p| p.display().to_string())
    )]
    Diverged {
        /// The step (0-based) whose loss or gradient is not finite.
        step: usize,
        /// `loss` or `gradient norm`.
        quantity: &'static str,
        /// The value.
        value: f64,
        /// The last checkpoint written before the divergence, if any.
        last_good: Option<PathBuf>,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A checkpoint that cannot be written or does not fit the model and configuration.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `--device cuda` in a build without the CUDA engine.
    #[error(
        "this build has no CUDA engine: build with the feature `cuda` \
         (`cargo run -p xtask --features cuda -- reproduce --device cuda`)"
    )]
    NoCuda,
    /// A CUDA call failed (the `cuda` feature's engine): what was being done, and the error.
    #[cfg(feature = "cuda")]
    #[error("CUDA: {0}")]
    Cuda(String),
    /// The world behind a corpus is inconsistent with its predictors.
    #[error(transparent)]
    Theory(#[from] skm_theory::TheoryError),
}
