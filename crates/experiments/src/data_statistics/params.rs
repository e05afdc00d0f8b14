//! The `[analysis]` table of data-statistics, and its check.

use crate::error::{Result, ensure_config};
use crate::measure::log_grid;
use serde::Deserialize;

use crate::spec::Spec;
use crate::{check_at_least, check_fraction, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Heaps fit window: `n` from `heaps_fit_from * N` to `N`.
    pub heaps_fit_from: f64,
    /// Zipf fit of the tail count G(c): from this count c ...
    pub zipf_min_count: u64,
    /// ... up to the largest c at which the exact E[G_N(c)] is still at least this many
    /// entities (beyond it a seed's G(c) is a handful of entities, or none).
    pub zipf_min_entities: u64,
    /// Points per decade of the Heaps curve and of the tail count.
    pub points_per_decade: u32,
    /// Runs of the exact K_n chain for the sampling distribution of one seed's C1 slope.
    pub slope_chains: usize,
}

impl Params {
    /// C1's fit window in a stream of `sentences`: the n of the Heaps grid from
    /// `heaps_fit_from * sentences` on (the x the measured curves are windowed to).
    pub(super) fn heaps_window(&self, sentences: u64) -> Vec<u64> {
        let from = self.heaps_fit_from * sentences as f64;
        let grid = log_grid(sentences, self.points_per_decade);
        grid.into_iter().filter(|&n| n as f64 >= from).collect()
    }
}

/// Checks the table of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    check_fraction(spec, "heaps_fit_from", p.heaps_fit_from)?;
    check_at_least(spec, "zipf_min_count", p.zipf_min_count, 1)?;
    check_at_least(spec, "zipf_min_entities", p.zipf_min_entities, 1)?;
    check_range(spec, "points_per_decade", p.points_per_decade, 1..=100)?;
    check_range(spec, "slope_chains", p.slope_chains, 2..=100_000)?;
    // C1 fits a slope over the window: it needs two points.
    let window = p.heaps_window(spec.sentences).len();
    ensure_config!(
        window >= 2,
        "{}: {} = {} leaves {window} point(s) of the grid ({} = {}, N = {}) in the Heaps fit window: C1 needs at least 2",
        spec.path.display(),
        spec.analysis_key("heaps_fit_from"),
        p.heaps_fit_from,
        spec.analysis_key("points_per_decade"),
        p.points_per_decade,
        spec.sentences
    );
    Ok(())
}
