//! The `[analysis]` table of data-scaling, and its check.

use crate::error::{Result, ensure_config};
use serde::Deserialize;

use crate::check_range;
use crate::spec::Spec;
use crate::training::configs;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Sentences after the largest training stream: the early-stopping set.
    pub heldout_sentences: u64,
    /// Sentences after those: the test set, the same for every N.
    pub test_sentences: u64,
    /// Runs of the exact K_n chain behind the exact reference's name term (see
    /// `skm_theory::learning_curve`; 0: its second-order expansion alone).
    pub reference_chains: u32,
}

/// Checks the table (and the sizes and training config) of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    let (_, train) = configs(spec)?;
    check_range(
        spec,
        "heldout_sentences",
        p.heldout_sentences,
        2..=10_000_000,
    )?;
    check_range(spec, "test_sentences", p.test_sentences, 2..=10_000_000)?;
    check_range(spec, "reference_chains", p.reference_chains, 0..=100_000)?;
    ensure_config!(
        spec.sizes.len() >= 2,
        "{file}: profiles.{}.sizes has {} value(s): allowed at least 2 stream sizes N to fit a slope",
        spec.profile.as_str(),
        spec.sizes.len()
    );
    ensure_config!(
        train.eval_every > 0 && train.patience.is_some(),
        "{file}: train.eval_every = {} and train.patience = {:?}: data-scaling stops early on held-out loss, so both must be set (eval_every >= 1, patience >= 1)",
        train.eval_every,
        train.patience
    );
    Ok(())
}
