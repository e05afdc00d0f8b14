//! The `[analysis]` table of hallucination and its checks.

use crate::error::{Result, ensure_config};
use serde::Deserialize;

use crate::spec::Spec;
use crate::{check_fraction, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Probed facts per exposure bucket, and never-seen entities probed.
    pub probes_per_bucket: usize,
    /// C9 (unseen): the largest share of malformed answers on never-seen entities that still
    /// counts as "syntax intact".
    pub max_malformed: f64,
    /// C9 (frequency, size): the rank correlation of the hallucination share with frequency
    /// (or size) must be at most this (negative: falls).
    pub max_rank_correlation: f64,
}

/// Checks the `[analysis]` table and that the experiment has models to read.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    check_range(spec, "probes_per_bucket", p.probes_per_bucket, 1..=100_000)?;
    check_fraction(spec, "max_malformed", p.max_malformed)?;
    check_range(
        spec,
        "max_rank_correlation",
        p.max_rank_correlation,
        -1.0..=1.0,
    )?;
    ensure_config!(
        !spec.model_shapes().is_empty(),
        "{file}: experiment.models_from must name an experiment with models"
    );
    Ok(())
}
