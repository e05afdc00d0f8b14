//! The frames of bayes-learning-curve: per (point, seed, role, bin of N) the Bayes learner's
//! excess over the oracle.

use anyhow::Result;
use polars::prelude::*;
use skm_generator::Role;
use skm_theory::RoleBits;

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

/// The frames: `excess` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let ends = log_grid(spec.sentences, p.bins_per_decade);
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        let bins = bins(stream, &ends);
        let rows = bins.len();
        Ok(df!(
            "point" => vec![stream.label.as_str(); rows],
            "alpha" => vec![stream.alpha; rows],
            "seed" => vec![stream.seed; rows],
            "bin_start" => bins.iter().map(|b| b.1 as u64 + 1).collect::<Vec<_>>(),
            "bin_end" => bins.iter().map(|b| b.2 as u64).collect::<Vec<_>>(),
            "n" => bins.iter().map(|b| ((b.1 + 1) as f64 * b.2 as f64).sqrt()).collect::<Vec<_>>(),
            "role" => bins.iter().map(|b| b.0).collect::<Vec<_>>(),
            "excess_bits" => bins.iter().map(|b| b.3).collect::<Vec<_>>(),
            "cumulative_excess_bits" => bins.iter().map(|b| b.4).collect::<Vec<_>>(),
        )?)
    })?;
    Ok(Frames::from([
        ("excess".to_string(), concat(frames)?),
        ("sentences".to_string(), sentences),
    ]))
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
