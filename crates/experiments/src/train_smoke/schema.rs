//! The keys train-smoke (and acquisition) put before the shared columns of their
//! `evaluations` ([`crate::frames::evaluations`]) and `probes` ([`crate::frames::probes`])
//! frames; both are keyed by `point, seed, step` ([`crate::frames::columns`]).

/// Training tokens read before an evaluation (`evaluations`).
pub(super) const TOKENS: &str = "tokens";
/// Passes over the training stream before a probe (`probes`): `step B T / train_tokens`.
pub(super) const EPOCHS: &str = "epochs";
/// The probed entity's PYCRP weight (`probes`).
pub(super) const WEIGHT: &str = "weight";
