//! Framework-independent random numbers: splitmix64 streams (`shared/bench/SPEC.md`).
//!
//! Initial weights are drawn without any framework RNG, so every implementation of the SPEC
//! (PyTorch, burn, candle) starts from the same bits. Parameter `k` in canonical order
//! (see [`crate::model::Gpt::init`]) is the stream `splitmix64(base + k)`, each draw
//! `z -> u = (z >> 40) / 2^24 -> v = (2u - 1) a` with `a = sqrt(3) std`: uniform on
//! `[-a, a)`, standard deviation `std`, computed in f64 and rounded once to f32.

/// The splitmix64 generator (Steele, Lea, Flood 2014), as in `torch_reference.py`:
/// `s += 0x9E3779B97F4A7C15; z = s; z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9;
/// z = (z ^ z >> 27) * 0x94D049BB133111EB; z ^ z >> 31`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The stream of `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw uniform on `0..n` (`n >= 1`), by Lemire's multiply-shift: `(z n) >> 64`.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The base seed of the SPEC initialisation: parameter `k` uses `splitmix64(1000 + k)`.
pub const SPEC_INIT_BASE: u64 = 1000;

/// The initialisation base of a training seed: `1000 + seed * 2^20`. Seed 0 is the SPEC
/// initialisation; different seeds never share a parameter stream (a model has fewer than
/// `2^20` parameter tensors).
pub fn init_base(seed: u64) -> u64 {
    SPEC_INIT_BASE.wrapping_add(seed.wrapping_mul(1 << 20))
}

/// `n` initial values of the parameter whose stream seed is `stream`: uniform on `[-a, a)`
/// with `a = sqrt(3) std`, in the order PyTorch stores the tensor (row-major).
pub fn uniform_values(stream: u64, n: usize, std: f64) -> Vec<f32> {
    let a = std * 3f64.sqrt();
    let mut rng = SplitMix64::new(stream);
    (0..n)
        .map(|_| {
            let u = (rng.next_u64() >> 40) as f64 / (1u64 << 24) as f64;
            ((2.0 * u - 1.0) * a) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_stream() {
        // First outputs of splitmix64(0), as published with the algorithm.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn uniform_values_have_the_spec_range_and_spread() {
        let values = uniform_values(SPEC_INIT_BASE, 100_000, 0.02);
        let a = 0.02 * 3f64.sqrt();
        assert!(values.iter().all(|&v| f64::from(v).abs() <= a));
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / values.len() as f64;
        assert!(mean.abs() < 3e-4, "{mean}");
        assert!((var.sqrt() - 0.02).abs() < 2e-4, "{}", var.sqrt());
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(7);
        assert!((0..10_000).all(|_| rng.below(13) < 13));
    }
}
