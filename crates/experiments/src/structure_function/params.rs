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
}

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
        spec.sizes.len() >= 2,
        "{file}: profiles.{}.sizes needs at least 2 stream sizes",
        spec.profile.as_str()
    );
    Ok(())
}
