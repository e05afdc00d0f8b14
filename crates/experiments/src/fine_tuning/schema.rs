//! The keys fine-tuning puts before the shared columns of its `probes`
//! ([`crate::frames::probes`]) and `training` ([`crate::frames::training`]) frames. Probes
//! are keyed by `point, seed, arm, step, set, format, probe, expected_exposures,
//! known_before`.

/// The tuning arm: `unknown` or `known` (`probes`).
pub(super) const ARM: &str = "arm";
/// The probe set: `tuned`, `held-out` or never seen (`probes`).
pub(super) const SET: &str = "set";
/// How the fact is asked: `template` or `qa` (`probes`).
pub(super) const FORMAT: &str = "format";
/// Whether the template probe was correct after pre-training (`probes`).
pub(super) const KNOWN_BEFORE: &str = "known_before";
/// The training phase: `pre-training`, `known` or `unknown` (`training`).
pub(super) const PHASE: &str = "phase";
