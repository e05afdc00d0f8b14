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

/// `theory_heaps_slopes`: per point, C1's statistic (the slope of log K_n on log n over the
/// fit window, `n_from` to `n_to` on the grid) in each run of the exact `K_n` chain: the
/// sampling distribution of one seed's slope under the exact law. Keys `point, alpha, beta`.
pub(super) mod heaps_slopes {
    /// The frame's name.
    pub const NAME: &str = "theory_heaps_slopes";
    /// The fit window's first and last n.
    pub const N_FROM: &str = "n_from";
    pub const N_TO: &str = "n_to";
    /// The run of the chain.
    pub const CHAIN: &str = "chain";
    /// Its fitted slope.
    pub const SLOPE: &str = "slope";
}
