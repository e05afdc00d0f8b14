//! Splitting a sentence's per-token code lengths by token role.

use skm_generator::{Role, Token, Vocabulary};

use crate::TheoryError;

/// Bits of one sentence (or of many, summed), per token role: the columns
/// `*_bits_syntax`, `*_bits_name`, `*_bits_value`, `*_bits_noise`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoleBits {
    /// Template words, heads and end of sentence.
    pub syntax: f64,
    /// Entity-name tokens.
    pub name: f64,
    /// Attribute values.
    pub value: f64,
    /// Filler tokens.
    pub noise: f64,
}

impl RoleBits {
    /// Sums `bits[i]` into the role of `tokens[i]` (`vocabulary.role(token)`).
    /// Fails when the two slices differ in length.
    pub fn split(
        vocabulary: &Vocabulary,
        tokens: &[Token],
        bits: &[f64],
    ) -> Result<Self, TheoryError> {
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

    /// The bits of one role.
    pub fn get(&self, role: Role) -> f64 {
        match role {
            Role::Syntax => self.syntax,
            Role::Name => self.name,
            Role::Value => self.value,
            Role::Noise => self.noise,
        }
    }

    /// Mutable access to the bits of one role.
    pub fn get_mut(&mut self, role: Role) -> &mut f64 {
        match role {
            Role::Syntax => &mut self.syntax,
            Role::Name => &mut self.name,
            Role::Value => &mut self.value,
            Role::Noise => &mut self.noise,
        }
    }

    /// `syntax + name + value + noise`.
    pub fn total(&self) -> f64 {
        self.syntax + self.name + self.value + self.noise
    }
}

impl std::ops::AddAssign for RoleBits {
    fn add_assign(&mut self, other: RoleBits) {
        for role in Role::ALL {
            *self.get_mut(role) += other.get(role);
        }
    }
}
