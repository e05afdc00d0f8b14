//! The frames model-scaling alone writes (besides [`crate::frames::scaling`] and
//! [`crate::frames::training`]).

/// `facts`: per (point, model, seed, exposure bucket) the stated facts of the training
/// stream and how the model answers their probes. The keys are the `scaling` frame's size keys and the
/// probe bucket ([`crate::frames::probes::BUCKET`], [`crate::frames::probes::BUCKET_ORDER`]).
pub(super) mod facts {
    /// The frame's name.
    pub const NAME: &str = "facts";
    /// Facts of the bucket stated in the training stream.
    pub const STATED_FACTS: &str = "stated_facts";
    /// Of those, the facts whose probe the model answers correctly (known, or guessed right).
    pub const KNOWN_FACTS: &str = "known_facts";
    /// Of those, the facts whose probe the model answers with another value of the
    /// attribute: wrong guesses, of which about one in `|V_j| - 1` has a right twin (a guess
    /// is right with probability `1/|V_j|`).
    pub const WRONG_VALUES: &str = "wrong_values";
}

/// `theory_floor`: per point the exact data floor of the test excess after the n training
/// sentences ([`crate::frames::scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE`]). The keys are
/// `point, alpha, beta, n` ([`crate::frames::columns`]).
pub(super) mod theory_floor {
    /// The frame's name.
    pub const NAME: &str = "theory_floor";
}
