//! The `[analysis]` table of structure-function, and its check.

use crate::error::{Result, ensure_config};
use serde::Deserialize;

use crate::spec::Spec;
use crate::{check_fraction, check_range};

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
    check_range(spec, "budgets_per_decade", p.budgets_per_decade, 1..=100)?;
    check_fraction(spec, "fit_from", p.fit_from)?;
    check_range(spec, "storing_min_count", p.storing_min_count, 2..=1_000)?;
    check_range(
        spec,
        "storing_min_entities",
        p.storing_min_entities,
        3..=1_000_000,
    )?;
    check_range(spec, "reference_chains", p.reference_chains, 2..=100_000)?;
    ensure_config!(
        spec.sizes.len() >= 2,
        "{file}: profiles.{}.sizes needs at least 2 stream sizes",
        spec.profile.as_str()
    );
    Ok(())
}
