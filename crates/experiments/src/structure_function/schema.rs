//! The frames structure-function alone writes (besides
//! [`crate::frames::tail_counts`]'s exact `theory_tail_counts` and
//! [`crate::frames::sentences`]). Their keys are `point, alpha, seed, n`
//! ([`crate::frames::columns`]).

/// `curves`: per (point, seed, N) the capacity-limited learner's structure function at the
/// budgets m of a log grid (plus 0 and the optimum).
pub(super) mod curves {
    /// The frame's name.
    pub const NAME: &str = "curves";
    /// The budget: entities stored.
    pub const M: &str = "m";
    /// The model part of the two-part code, bits.
    pub const MODEL_BITS: &str = "model_bits";
    /// The data part of the two-part code, bits.
    pub const DATA_BITS: &str = "data_bits";
    /// Model plus data bits.
    pub const TOTAL_BITS: &str = "total_bits";
}

/// `optimum`: per (point, seed, N) the two-part optimum.
pub(super) mod optimum {
    /// The frame's name.
    pub const NAME: &str = "optimum";
    /// The optimal budget m*(N).
    pub const M_STAR: &str = "m_star";
    /// The least count of an entity the optimum stores.
    pub const MIN_STORED_COUNT: &str = "min_stored_count";
    /// The distinct entities among the N sentences.
    pub const DISTINCT: &str = "distinct";
}

/// `storing` (measured, per seed) and `theory_storing` (per chain of spectra drawn from the
/// exact law): at the largest N, the learner storing the entities seen at least c times.
pub(super) mod storing {
    /// The measured frame's name.
    pub const NAME: &str = "storing";
    /// The exact frame's name.
    pub const THEORY_NAME: &str = "theory_storing";
    /// The sampled spectrum of a `theory_storing` row.
    pub const CHAIN: &str = "chain";
    /// The least count c of a stored entity.
    pub const MIN_COUNT: &str = "min_count";
    /// Entities stored, `G(c)`.
    pub const STORED_ENTITIES: &str = "stored_entities";
    /// The learner's excess over the oracle, `X(c)` bits.
    pub const EXCESS_BITS: &str = "excess_bits";
}
