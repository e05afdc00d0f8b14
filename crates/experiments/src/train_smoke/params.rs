//! The `[analysis]` table of train-smoke and acquisition, and its check.

use anyhow::{Result, ensure};
use serde::Deserialize;
use skm_trainer::probe::Strata;

use crate::check_fraction;
use crate::spec::Spec;
use crate::training::configs;

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
    let file = spec.path.display();
    configs(spec)?;
    ensure!(
        (2..=10_000_000).contains(&p.heldout_sentences),
        "{file}: analysis.heldout_sentences = {} is out of range: allowed 2..=10000000",
        p.heldout_sentences
    );
    ensure!(
        (1..=50).contains(&p.evaluations_per_decade),
        "{file}: analysis.evaluations_per_decade = {} is out of range: allowed 1..=50",
        p.evaluations_per_decade
    );
    ensure!(
        (1..=100_000).contains(&p.probes_per_bucket),
        "{file}: analysis.probes_per_bucket = {} is out of range: allowed 1..=100000",
        p.probes_per_bucket
    );
    ensure!(
        p.floor_bits > 0.0 && p.decades > 0.0,
        "{file}: analysis.floor_bits = {} and analysis.decades = {} are out of range: allowed > 0",
        p.floor_bits,
        p.decades
    );
    check_fraction(spec, "known_accuracy", p.known_accuracy)?;
    ensure!(
        p.exposure_slope > 0.0 && p.exposure_slope < 1.0,
        "{file}: analysis.exposure_slope = {} is out of range: allowed 0 < exposure_slope < 1",
        p.exposure_slope
    );
    Ok(())
}
