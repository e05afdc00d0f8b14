//! The `[analysis]` table of data-statistics, and its check.

use anyhow::{Result, ensure};
use serde::Deserialize;

use crate::check_fraction;
use crate::spec::Spec;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Heaps fit window: `n` from `heaps_fit_from * N` to `N`.
    pub heaps_fit_from: f64,
    /// Zipf fit: ranks from this one ...
    pub zipf_min_rank: u64,
    /// ... while the entity's count is at least this.
    pub zipf_min_count: u64,
    /// Points per decade of the Heaps curve.
    pub points_per_decade: u32,
}

/// Checks the table of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    check_fraction(spec, "heaps_fit_from", p.heaps_fit_from)?;
    ensure!(
        p.zipf_min_rank >= 1 && p.zipf_min_count >= 1,
        "{file}: analysis.zipf_min_rank and analysis.zipf_min_count must be >= 1"
    );
    ensure!(
        (1..=100).contains(&p.points_per_decade),
        "{file}: analysis.points_per_decade = {} is out of range: allowed 1..=100",
        p.points_per_decade
    );
    Ok(())
}
