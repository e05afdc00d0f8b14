//! Exact predictors and closed forms of the Syntax-Knowledge model (spec sections 2-3).
//!
//! What it computes, all code lengths in bits (log base 2), on the actual sampled stream of
//! [`skm_generator`]:
//! - [`pycrp`]: the expected number of distinct entities `E[K_N]` (recursion, closed form,
//!   asymptote) for Heaps' law (C1);
//! - [`exponents`]: the theory exponents of the claims (C2, C3, C5, C6, C11);
//! - [`oracle`]: the code that knows `phi`, `pi` and every fact (the entropy floor);
//! - [`bayes`]: the Bayes learner, the exact sequential predictor that learns syntax,
//!   entities and facts from the tokens, per token, with its full predictive distribution;
//! - [`learning_curve`]: the exact expected excess of the Bayes learner over the oracle by
//!   role after `n` sentences, the finite-N reference of C3 and C4;
//! - [`capacity`]: the capacity-limited learner and the structure function, its two-part
//!   optimum `m*(N)`, and its expected excess given a frequency spectrum;
//! - [`RoleBits`]: per-token bits split by token role;
//! - [`special`]: log-gamma, log-gamma ratios, digamma and trigamma for the closed forms.
//!
//! What it never does: train a neural network, read or write files, or draw random numbers
//! from an outside source. Its two Monte Carlos of the exact law (the `K_n` chain, for a
//! third-order remainder in [`learning_curve`]; frequency spectra, for the capacity-limited
//! learner's excess in [`capacity`]) run on fixed-seed streams of their own, so every result
//! is the same on every machine.

pub mod bayes;
pub mod capacity;
pub mod exponents;
pub mod learning_curve;
pub mod oracle;
pub mod pycrp;
mod roles;
pub mod special;
mod templates;

use skm_generator::{GeneratorError, Token};

pub use bayes::BayesLearner;
pub use capacity::{
    ExpectedStoring, StructureFunction, StructurePoint, optimal_entities, sampled_storing,
    storing_given, structure_function,
};
pub use learning_curve::{
    Chains, CumulativeExcess, HeldoutExcess, expected_cumulative_excess, expected_heldout_excess,
};
pub use oracle::Oracle;
pub use pycrp::{
    distinct_chains, distinct_covariance, distinct_moments, distinct_variance, expected_distinct,
    expected_distinct_asymptote, expected_distinct_closed_form, expected_distinct_curve,
    expected_spectrum, expected_tail_counts,
};
pub use roles::{RoleBits, SplitByRole};

/// Errors of the predictors: inputs that do not belong to the world they are scored against.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TheoryError {
    /// The world's configuration is invalid.
    #[error(transparent)]
    Generator(#[from] GeneratorError),
    /// The world's syntax does not have the shape its configuration promises.
    #[error("inconsistent world: {reason}")]
    InvalidWorld {
        /// What is wrong.
        reason: &'static str,
    },
    /// A sentence names an entity the world does not have.
    #[error("entity {entity} is not in the world ({entities} entities)")]
    UnknownEntity {
        /// The entity index.
        entity: u32,
        /// Entities in the world.
        entities: usize,
    },
    /// A sentence names a template the syntax does not have.
    #[error("attribute {attribute} has no template {template}")]
    UnknownTemplate {
        /// Attribute `j`.
        attribute: usize,
        /// Template `t`.
        template: usize,
    },
    /// A token does not fit its template slot.
    #[error("token {token} at position {position} does not fit the template: {reason}")]
    Malformed {
        /// Position in the sentence.
        position: usize,
        /// The token.
        token: Token,
        /// What is wrong.
        reason: &'static str,
    },
    /// A sentence (or prefix) is longer than its template, or a sentence shorter.
    #[error("{tokens} tokens do not fit a template of {slots} slots")]
    WrongLength {
        /// Tokens given.
        tokens: usize,
        /// Slots of the template (0 when there is no head).
        slots: usize,
    },
    /// A prefix is already a whole sentence: there is no next token to predict.
    #[error("the prefix of {tokens} tokens (head {head}) is a whole sentence")]
    NoNextToken {
        /// Tokens in the prefix.
        tokens: usize,
        /// Its head token.
        head: Token,
    },
    /// A sentence record disagrees with its tokens.
    #[error("record says attribute {attribute}, template {template}; head token {head} differs")]
    RecordMismatch {
        /// The record's attribute.
        attribute: u16,
        /// The record's template.
        template: u16,
        /// The sentence's head token.
        head: Token,
    },
    /// Per-token bits and tokens of different lengths.
    #[error("{tokens} tokens but {bits} per-token bit values")]
    LengthMismatch {
        /// Tokens given.
        tokens: usize,
        /// Bit values given.
        bits: usize,
    },
    /// A computation that needs at least one sentence got none.
    #[error("the corpus has no sentences")]
    EmptyCorpus,
}
