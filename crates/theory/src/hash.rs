//! A small, fast, deterministic hasher for integer keys (name prefix codes).
//!
//! Each word is mixed by a folded multiply: the 128-bit product of the state xor the word
//! with an odd constant, high half xor low half. Unlike a plain multiply (FxHash), both
//! halves of the result depend on every input bit, so the low bits that pick a bucket are
//! well mixed. Not resistant to adversarial keys; it never sees any.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FoldHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

/// Folded-multiply hasher state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FoldHasher {
    state: u64,
}

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl FoldHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let product = u128::from(self.state ^ word) * u128::from(MULTIPLIER);
        self.state = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for FoldHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, word: u64) {
        self.mix(word);
    }

    #[inline]
    fn write_u128(&mut self, word: u128) {
        self.mix(word as u64);
        self.mix((word >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn deterministic_and_spreads_low_bits() {
        let build = BuildHasherDefault::<FoldHasher>::default();
        assert_eq!(build.hash_one(12_345u128), build.hash_one(12_345u128));
        // Consecutive keys land in many different buckets of a 256-bucket table.
        let buckets: std::collections::HashSet<u64> =
            (0..256u128).map(|k| build.hash_one(k) & 255).collect();
        assert!(buckets.len() > 140, "{}", buckets.len());
    }
}
