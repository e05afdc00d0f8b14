//! The frame data-statistics alone writes (besides [`crate::frames::tail_counts`] and
//! [`crate::frames::sentences`]).

/// `heaps`: per (point, seed) the distinct entities K_n after n sentences, on a log grid of
/// n, beside the exact `E[K_n]` and its asymptote.
pub(super) mod heaps {
    /// The frame's name.
    pub const NAME: &str = "heaps";
    /// The measured K_n.
    pub const DISTINCT: &str = "distinct";
    /// The exact `E[K_n]` (from its recursion).
    pub const EXPECTED: &str = "expected";
    /// The asymptote of `E[K_n]`, `Gamma(beta+1)/(alpha Gamma(beta+alpha)) n^alpha`.
    pub const ASYMPTOTE: &str = "asymptote";
}
