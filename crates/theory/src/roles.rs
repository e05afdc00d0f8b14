//! Splitting a sentence's per-token code lengths by token role.

use skm_generator::{PerRole, Token, Vocabulary};

use crate::TheoryError;

/// Bits of one sentence (or of many, summed), per token role: the columns
/// `*_bits_syntax`, `*_bits_name`, `*_bits_value`, `*_bits_noise`.
pub type RoleBits = PerRole<f64>;

/// Splitting per-token bits by role.
pub trait SplitByRole: Sized {
    /// Sums `bits[i]` into the role of `tokens[i]` (`vocabulary.role(token)`).
    /// Fails when the two slices differ in length.
    fn split(vocabulary: &Vocabulary, tokens: &[Token], bits: &[f64]) -> Result<Self, TheoryError>;
}

impl SplitByRole for RoleBits {
    fn split(vocabulary: &Vocabulary, tokens: &[Token], bits: &[f64]) -> Result<Self, TheoryError> {
        if tokens.len() != bits.len() {
            return Err(TheoryError::LengthMismatch {
                tokens: tokens.len(),
                bits: bits.len(),
            });
        }
        let mut split = RoleBits::default();
        for (&token, &b) in tokens.iter().zip(bits) {
            *split.get_mut(vocabulary.role(token)) += b;
        }
        Ok(split)
    }
}
