//! `sentences`: one row per generated sentence of a measured stream ([`Stream`]), with the
//! oracle's and the Bayes learner's code length. Written by every experiment that measures
//! streams, for readers outside skm; no `analyse` reads it back.

use polars::prelude::*;
use skm_theory::RoleBits;

use super::columns::{ALPHA, ATTRIBUTE, ENTITY, POINT, SEED};
use crate::error::Result;
use crate::measure::Stream;

/// The frame's name.
pub const NAME: &str = "sentences";
/// The sentence's index in the stream.
pub const SENTENCE: &str = "sentence";
/// The entity's PYCRP weight (its probability of being the next sentence's subject).
pub const ENTITY_WEIGHT: &str = "entity_weight";
/// The sentence's template.
pub const TEMPLATE: &str = "template";
/// The sentence's tokens.
pub const N_TOKENS: &str = "n_tokens";
/// The oracle's code length of the sentence, bits.
pub const ORACLE_BITS: &str = "oracle_bits";
/// The Bayes learner's code length of the sentence, bits (then by role).
pub const BAYES_BITS: &str = "bayes_bits";
/// The Bayes learner's bits on syntax tokens.
pub const BAYES_BITS_SYNTAX: &str = "bayes_bits_syntax";
/// The Bayes learner's bits on name tokens.
pub const BAYES_BITS_NAME: &str = "bayes_bits_name";
/// The Bayes learner's bits on value tokens.
pub const BAYES_BITS_VALUE: &str = "bayes_bits_value";
/// The Bayes learner's bits on noise tokens.
pub const BAYES_BITS_NOISE: &str = "bayes_bits_noise";

/// The frame of one stream.
pub fn frame(stream: &Stream) -> Result<DataFrame> {
    let corpus = &stream.corpus;
    let world = &corpus.world;
    let n = corpus.sentences.len();
    // Per-sentence bits are stored as f32 (7 digits) to keep the frame small; every
    // aggregate is computed from the f64 values in memory.
    let role = |rows: &[RoleBits], f: fn(&RoleBits) -> f64| -> Vec<f32> {
        rows.iter().map(|r| f(r) as f32).collect()
    };
    let sentences = &corpus.sentences;
    Ok(df!(
        POINT => vec![stream.label.as_str(); n],
        ALPHA => vec![stream.alpha; n],
        SEED => vec![stream.seed; n],
        SENTENCE => (0..n as u64).collect::<Vec<_>>(),
        ENTITY => sentences.iter().map(|s| s.entity).collect::<Vec<_>>(),
        ENTITY_WEIGHT => sentences.iter().map(|s| world.weights[s.entity as usize]).collect::<Vec<_>>(),
        ATTRIBUTE => sentences.iter().map(|s| u32::from(s.attribute)).collect::<Vec<_>>(),
        TEMPLATE => sentences.iter().map(|s| u32::from(s.template)).collect::<Vec<_>>(),
        N_TOKENS => corpus.offsets.windows(2).map(|w| (w[1] - w[0]) as u32).collect::<Vec<_>>(),
        ORACLE_BITS => role(&stream.oracle, RoleBits::total),
        BAYES_BITS => role(&stream.bayes, RoleBits::total),
        BAYES_BITS_SYNTAX => role(&stream.bayes, |r| r.syntax),
        BAYES_BITS_NAME => role(&stream.bayes, |r| r.name),
        BAYES_BITS_VALUE => role(&stream.bayes, |r| r.value),
        BAYES_BITS_NOISE => role(&stream.bayes, |r| r.noise),
    )?)
}
