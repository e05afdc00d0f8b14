//! The `[analysis]` table of bayes-learning-curve, and its check.

use crate::error::Result;
use serde::Deserialize;

use crate::spec::Spec;
use crate::{check_above, check_fraction, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Width of the sentence bins: this many per decade of N.
    pub bins_per_decade: u32,
    /// Exponent fits use bins from `fit_from * N` on.
    pub fit_from: f64,
    /// C4: a role has reached its floor once its excess stays below this (bits/sentence).
    pub floor_bits: f64,
    /// Runs of the exact K_n chain behind the third-order remainder of the exact expected
    /// name excess (0: the second-order expansion alone).
    pub reference_chains: u32,
}

/// Checks the table of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    check_range(spec, "bins_per_decade", p.bins_per_decade, 1..=50)?;
    check_fraction(spec, "fit_from", p.fit_from)?;
    check_above(spec, "floor_bits", p.floor_bits, 0.0)?;
    check_range(spec, "reference_chains", p.reference_chains, 0..=100_000)?;
    Ok(())
}
