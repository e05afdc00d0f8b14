//! The frames bayes-learning-curve alone writes (besides [`crate::frames::sentences`]).

/// `excess` (measured, per seed) and `theory_excess` (the exact expectation): per (point,
/// role, bin of N) the Bayes learner's excess over the oracle. The keys are `point, alpha,
/// role, n` ([`crate::frames::columns`]), n the bin's geometric middle.
pub(super) mod excess {
    /// The measured frame's name.
    pub const NAME: &str = "excess";
    /// The exact frame's name.
    pub const THEORY_NAME: &str = "theory_excess";
    /// The bin's first sentence (1-based).
    pub const BIN_START: &str = "bin_start";
    /// The bin's last sentence.
    pub const BIN_END: &str = "bin_end";
    /// The measured mean excess per sentence of the bin, bits.
    pub const EXCESS_BITS: &str = "excess_bits";
    /// The measured excess of every sentence up to the bin's end, bits.
    pub const CUMULATIVE_EXCESS_BITS: &str = "cumulative_excess_bits";
    /// The exact expected excess per sentence of the bin, bits.
    pub const EXPECTED_EXCESS_BITS: &str = "expected_excess_bits";

    // The generator's inputs to the exact expectation, so that anyone can recompute it.

    /// Attributes per entity.
    pub const ATTRIBUTES: &str = "attributes";
    /// Templates per attribute.
    pub const TEMPLATES_PER_ATTRIBUTE: &str = "templates_per_attribute";
    /// The Dirichlet concentration of the template prior.
    pub const TEMPLATE_DIRICHLET: &str = "template_dirichlet";
    /// Values per attribute.
    pub const VALUES_PER_ATTRIBUTE: &str = "values_per_attribute";
    /// The number of possible entity names.
    pub const NAME_SPACE: &str = "name_space";
}
