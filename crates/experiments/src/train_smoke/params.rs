//! The `[analysis]` table of train-smoke and acquisition, and its check.

use crate::error::Result;
use serde::Deserialize;
use skm_trainer::probe::Strata;

use crate::spec::Spec;
use crate::training::configs;
use crate::{check_above, check_fraction, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Sentences after the training stream, scored at every evaluation.
    pub heldout_sentences: u64,
    /// Evaluations: this many per decade of steps (and at step 0 and the last step).
    pub evaluations_per_decade: u32,
    /// Probed facts per bucket, and never-seen entities probed.
    pub probes_per_bucket: usize,
    /// How seen facts are bucketed: `exposures` (in the training stream) or `weight`
    /// (expected exposures `pi_k N / A`).
    pub probe_strata: Strata,
    /// C4: a role has learned once its held-out excess stays below this (bits/token).
    pub floor_bits: f64,
    /// C4: how many decades of steps earlier syntax must settle than knowledge.
    pub decades: f64,
    /// C7: a bucket's facts are known once this share of its probes is answered correctly.
    pub known_accuracy: f64,
    /// C7 (exposures): the largest |slope| of log(exposures at which a bucket is known)
    /// against log(the bucket's exposures) that still counts as "a constant number of
    /// exposures" (slope 0; a constant number of steps would be slope 1).
    pub exposure_slope: f64,
}

/// Checks the table (and the model and training configs) of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    configs(spec)?;
    check_range(
        spec,
        "heldout_sentences",
        p.heldout_sentences,
        2..=10_000_000,
    )?;
    check_range(
        spec,
        "evaluations_per_decade",
        p.evaluations_per_decade,
        1..=50,
    )?;
    check_range(spec, "probes_per_bucket", p.probes_per_bucket, 1..=100_000)?;
    check_above(spec, "floor_bits", p.floor_bits, 0.0)?;
    check_above(spec, "decades", p.decades, 0.0)?;
    check_fraction(spec, "known_accuracy", p.known_accuracy)?;
    check_fraction(spec, "exposure_slope", p.exposure_slope)?;
    Ok(())
}
