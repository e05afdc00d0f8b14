//! `scaling`: one row per (sweep point, size, seed) and token role of a scaling sweep, the
//! size's keys followed by the held-out evaluation's role columns
//! ([`super::evaluations::RoleRows`]). Data-scaling sizes the training stream, model-scaling
//! the model. Their exact data floors (`theory_heldout_excess`, `theory_floor`) carry
//! [`EXPECTED_EXCESS_BITS_PER_SENTENCE`].

/// The frame's name.
pub const NAME: &str = "scaling";

// Data-scaling's keys.

/// Training sentences (N).
pub const SENTENCES: &str = "sentences";
/// Tokens of the training sentences.
pub const TRAIN_TOKENS: &str = "train_tokens";
/// Optimizer steps the run took.
pub const STEPS: &str = "steps";
/// The step of the kept (best held-out) model.
pub const KEPT_STEP: &str = "kept_step";
/// The Bayes learner's excess over the oracle on the same test tokens, bits per token.
pub const BAYES_EXCESS_BITS_PER_TOKEN: &str = "bayes_excess_bits_per_token";

// Model-scaling's keys (also in its `facts` frame).

/// Parameters less the token and position embeddings.
pub const NON_EMBEDDING_PARAMETERS: &str = "non_embedding_parameters";
/// The transformer blocks' parameters (Kaplan's N: no embeddings, no head).
pub const BLOCK_PARAMETERS: &str = "block_parameters";

/// The Bayes learner's exact expected excess over the oracle on a held-out sentence after
/// `n` training sentences, `G(n + 1) - G(n)` bits.
pub const EXPECTED_EXCESS_BITS_PER_SENTENCE: &str = "expected_excess_bits_per_sentence";
