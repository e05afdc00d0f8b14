//! The `[analysis]` table of model-scaling and its checks.

use crate::error::{Result, ensure_config};
use serde::Deserialize;

use crate::spec::Spec;
use crate::training::configs;
use crate::{check_fraction, check_positive, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Sentences after the training stream: the test set.
    pub test_sentences: u64,
    /// C8: the largest |slope - 1| of log(facts known) against log(parameters) that still
    /// counts as linear.
    pub linear_tolerance: f64,
    /// The knowledge capacity assumed to classify the regime, in bits per block parameter
    /// (2 in Allen-Zhu and Li's measurements): a model of P parameters holds at most
    /// `capacity_bits_per_parameter P / log2 |V_j|` facts.
    pub capacity_bits_per_parameter: f64,
    /// A capacity-limited model also holds at least this share of its capacity (its bits
    /// per parameter near saturation): one that holds less is limited by what it learned
    /// from the data, not by its size.
    pub saturation_share: f64,
    /// C6 and C8 are fitted over the capacity-limited models only, and need at least this
    /// many sizes of them.
    pub min_limited_models: usize,
    /// Runs of the exact K_n chain behind the exact data floor's name term (see
    /// `skm_theory::learning_curve`; 0: its second-order expansion alone).
    pub reference_chains: u32,
}

/// Checks the `[analysis]` table, the model and training tables, and the model shapes.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    configs(spec)?;
    check_range(spec, "test_sentences", p.test_sentences, 2..=10_000_000)?;
    check_fraction(spec, "linear_tolerance", p.linear_tolerance)?;
    check_positive(
        spec,
        "capacity_bits_per_parameter",
        p.capacity_bits_per_parameter,
        64.0,
    )?;
    check_fraction(spec, "saturation_share", p.saturation_share)?;
    check_range(spec, "min_limited_models", p.min_limited_models, 2..=100)?;
    check_range(spec, "reference_chains", p.reference_chains, 0..=100_000)?;
    ensure_config!(
        spec.models.len() >= 2,
        "{file}: profiles.{}.models has {} shape(s): allowed at least 2 model shapes to fit a slope",
        spec.profile.as_str(),
        spec.models.len()
    );
    Ok(())
}
