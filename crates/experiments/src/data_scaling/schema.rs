//! The frame data-scaling alone writes (besides [`crate::frames::scaling`] and
//! [`crate::frames::training`]).

/// `theory_heldout_excess`: per (point, N, role) the Bayes learner's exact expected excess
/// on a held-out sentence ([`crate::frames::scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE`]),
/// for `all` tokens and the `knowledge` tokens. The keys are `point, alpha, beta, n, role`
/// ([`crate::frames::columns`]).
pub(super) mod theory_heldout_excess {
    /// The frame's name.
    pub const NAME: &str = "theory_heldout_excess";
}
