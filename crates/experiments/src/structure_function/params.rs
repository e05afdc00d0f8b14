//! The `[analysis]` table of structure-function, and its check.

use anyhow::{Result, ensure};
use serde::Deserialize;

use crate::check_fraction;
use crate::spec::Spec;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Budgets m kept per curve in the frame: this many per decade of m (plus the optimum).
    pub budgets_per_decade: u32,
    /// The exponent of m*(N) is fitted on sizes from `fit_from * N` on.
    pub fit_from: f64,
    /// The learner that stores the entities seen at least c times (C6, capacity-limited
    /// learner) is fitted from this c on: below it the budget nears K and the excess drops
    /// to 0, away from any power law in m.
    pub storing_min_count: u64,
    /// ... and up to the largest c whose exact-law mean budget `E[G(c)]` stores at least this
    /// many entities, where the budget is still more than a handful of entities.
    pub storing_min_entities: u64,
    /// Frequency spectra drawn from the exact law for the reference of that fit.
    pub reference_chains: u32,
}

/// Least counts c on the grid of the `storing` frames, per decade.
pub(super) const STORING_COUNTS_PER_DECADE: u32 = 8;

/// Checks the table (and the sizes) of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    ensure!(
        (1..=100).contains(&p.budgets_per_decade),
        "{file}: analysis.budgets_per_decade = {} is out of range: allowed 1..=100",
        p.budgets_per_decade
    );
    check_fraction(spec, "fit_from", p.fit_from)?;
    ensure!(
        (2..=1_000).contains(&p.storing_min_count),
        "{file}: analysis.storing_min_count = {} is out of range: allowed 2..=1000",
        p.storing_min_count
    );
    ensure!(
        (3..=1_000_000).contains(&p.storing_min_entities),
        "{file}: analysis.storing_min_entities = {} is out of range: allowed 3..=1000000",
        p.storing_min_entities
    );
    ensure!(
        (2..=100_000).contains(&p.reference_chains),
        "{file}: analysis.reference_chains = {} is out of range: allowed 2..=100000",
        p.reference_chains
    );
    ensure!(
        spec.sizes.len() >= 2,
        "{file}: profiles.{}.sizes needs at least 2 stream sizes",
        spec.profile.as_str()
    );
    Ok(())
}
