//! The frames of bayes-learning-curve: per (point, seed, role, bin of N) the Bayes learner's
//! excess over the oracle, and per (point, role, bin) its exact expectation.

use super::schema::excess;
use crate::error::Result;
use crate::frames::columns::{ALPHA, BETA, N, POINT, ROLE, SEED};
use crate::frames::sentences;
use polars::prelude::*;
use skm_generator::{GeneratorConfig, Role};
use skm_theory::{Chains, CumulativeExcess, RoleBits, expected_cumulative_excess};

use super::params::Params;
use crate::measure::{Stream, log_grid};
use crate::spec::Spec;
use crate::{Env, Frames, concat, for_each_stream};

/// Roles of the figure and frame: the four token roles plus knowledge = name + value.
const ROLES: [&str; 5] = ["syntax", "name", "value", "noise", "knowledge"];

fn role_bits(bits: &RoleBits, role: &str) -> f64 {
    match role {
        "knowledge" => bits.name + bits.value,
        "syntax" => bits.get(Role::Syntax),
        "name" => bits.get(Role::Name),
        "value" => bits.get(Role::Value),
        _ => bits.get(Role::Noise),
    }
}

/// The roles of the `theory_excess` frame (the noise costs both codes the same).
const THEORY_ROLES: [&str; 4] = ["syntax", "name", "value", "knowledge"];

/// The frames: `excess`, `theory_excess` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let ends = log_grid(spec.sentences, p.bins_per_decade);
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        let bins = bins(stream, &ends);
        let rows = bins.len();
        Ok(df!(
            POINT => vec![stream.label.as_str(); rows],
            ALPHA => vec![stream.alpha; rows],
            SEED => vec![stream.seed; rows],
            excess::BIN_START => bins.iter().map(|b| b.1 as u64 + 1).collect::<Vec<_>>(),
            excess::BIN_END => bins.iter().map(|b| b.2 as u64).collect::<Vec<_>>(),
            N => bins.iter().map(|b| ((b.1 + 1) as f64 * b.2 as f64).sqrt()).collect::<Vec<_>>(),
            ROLE => bins.iter().map(|b| b.0).collect::<Vec<_>>(),
            excess::EXCESS_BITS => bins.iter().map(|b| b.3).collect::<Vec<_>>(),
            excess::CUMULATIVE_EXCESS_BITS => bins.iter().map(|b| b.4).collect::<Vec<_>>(),
        )?)
    })?;
    let theory = spec
        .points
        .iter()
        .map(|point| theory_excess(&ends, p.reference_chains, (&point.label, &point.generator)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Frames::from([
        (excess::NAME.to_string(), concat(frames)?),
        (excess::THEORY_NAME.to_string(), concat(theory)?),
        (sentences::NAME.to_string(), sentences),
    ]))
}

/// The exact expected excess per sentence of the point `label`, by role, over the bins that
/// end at `ends` (those of the `excess` frame): `(G(e) - G(s))/(e - s)` from the expected
/// cumulative excess `G` of [`expected_cumulative_excess`] (`chains` runs of the exact K_n
/// chain, seeded by the point's seed, for its third-order remainder). The model's inputs
/// are columns, so that anyone can recompute it.
fn theory_excess(
    ends: &[u64],
    chains: u32,
    (label, config): (&str, &GeneratorConfig),
) -> Result<DataFrame> {
    let sizes: Vec<u64> = std::iter::once(0).chain(ends.iter().copied()).collect();
    let chains = Chains::seeded_by(config, chains as usize);
    let cumulative = expected_cumulative_excess(config, &sizes, chains)?;
    let role = |g: &CumulativeExcess, role: &str| match role {
        "syntax" => g.syntax,
        "name" => g.name,
        "value" => g.value,
        _ => g.name + g.value,
    };
    // (role, first sentence, last sentence, n, expected excess per sentence)
    let mut rows = Vec::new();
    for r in THEORY_ROLES {
        for bin in cumulative.windows(2) {
            let (start, end) = (bin[0].sentences, bin[1].sentences);
            let n = ((start + 1) as f64 * end as f64).sqrt();
            let excess = (role(&bin[1], r) - role(&bin[0], r)) / (end - start) as f64;
            rows.push((r, start + 1, end, n, excess));
        }
    }
    let n = rows.len();
    Ok(df!(
        POINT => vec![label; n],
        ALPHA => vec![config.alpha; n],
        BETA => vec![config.beta; n],
        excess::ATTRIBUTES => vec![config.attributes as u64; n],
        excess::TEMPLATES_PER_ATTRIBUTE => vec![config.templates_per_attribute as u64; n],
        excess::TEMPLATE_DIRICHLET => vec![config.template_dirichlet; n],
        excess::VALUES_PER_ATTRIBUTE => vec![config.values_per_attribute as u64; n],
        excess::NAME_SPACE => vec![config.name_space(); n],
        ROLE => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        excess::BIN_START => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        excess::BIN_END => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        N => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        excess::EXPECTED_EXCESS_BITS => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
    )?)
}

/// One row per (role, bin ending at each of `ends`): role, first sentence (0-based), end,
/// mean excess per sentence and the running total.
fn bins(stream: &Stream, ends: &[u64]) -> Vec<(&'static str, usize, usize, f64, f64)> {
    let mut bins = Vec::new();
    for role in ROLES {
        let mut cumulative = 0.0;
        let mut start = 0usize;
        for &end in ends {
            let end = end as usize;
            let excess: f64 = (start..end)
                .map(|i| role_bits(&stream.bayes[i], role) - role_bits(&stream.oracle[i], role))
                .sum();
            cumulative += excess;
            bins.push((role, start, end, excess / (end - start) as f64, cumulative));
            start = end;
        }
    }
    bins
}
