//! The keys hallucination puts before the shared columns of its `probes` frame
//! ([`crate::frames::probes`]): `point, model, seed, parameters,
//! non_embedding_parameters` ([`crate::frames::columns`], [`crate::frames::scaling`]) and
//! the Bayes learner's answer.

/// The Bayes learner's probability of the true value.
pub(super) const BAYES_P_TRUE: &str = "bayes_p_true";
