//! The frames of data-statistics: per (point, seed) the Heaps curve K_n on a log grid of n
//! beside the exact E[K_n] and its asymptote, and the ranked entity counts.

use anyhow::Result;
use polars::prelude::*;
use skm_theory::pycrp;

use super::params::Params;
use crate::measure::{Stream, log_grid};
use crate::spec::Spec;
use crate::{Env, Frames, concat, for_each_stream};

/// The frames: `heaps`, `rank_frequency` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let grid = log_grid(spec.sentences, p.points_per_decade);
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        Ok((heaps(spec, &grid, stream)?, rank_frequency(stream)?))
    })?;
    let (heaps, frequency): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
    Ok(Frames::from([
        ("heaps".to_string(), concat(heaps)?),
        ("rank_frequency".to_string(), concat(frequency)?),
        ("sentences".to_string(), sentences),
    ]))
}

/// K_n at every grid point, from the first-appearance flags.
fn distinct_at(grid: &[u64], stream: &Stream) -> Vec<u64> {
    let mut distinct = Vec::with_capacity(grid.len());
    let mut seen = 0u64;
    let mut next = grid.iter().peekable();
    for (i, s) in stream.corpus.sentences.iter().enumerate() {
        seen += u64::from(s.new_entity);
        if next.peek() == Some(&&(i as u64 + 1)) {
            distinct.push(seen);
            next.next();
        }
    }
    distinct
}

/// The Heaps rows of one stream: measured, exact and asymptotic K_n on `grid`.
fn heaps(spec: &Spec, grid: &[u64], stream: &Stream) -> Result<DataFrame> {
    let config = &stream.corpus.world.config;
    let expected =
        pycrp::expected_distinct_curve(config.alpha, config.beta, spec.sentences as usize);
    let asymptote = |n: u64| pycrp::expected_distinct_asymptote(config.alpha, config.beta, n);
    Ok(df!(
        "point" => vec![stream.label.as_str(); grid.len()],
        "alpha" => vec![stream.alpha; grid.len()],
        "seed" => vec![stream.seed; grid.len()],
        "n" => grid.to_vec(),
        "distinct" => distinct_at(grid, stream),
        "expected" => grid.iter().map(|&n| expected[n as usize]).collect::<Vec<_>>(),
        "asymptote" => grid.iter().map(|&n| asymptote(n)).collect::<Vec<_>>(),
    )?)
}

/// The entity counts of one stream, largest first, with their ranks.
fn rank_frequency(stream: &Stream) -> Result<DataFrame> {
    let mut counts = stream.corpus.world.counts.clone();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let ranks = counts.len();
    Ok(df!(
        "point" => vec![stream.label.as_str(); ranks],
        "alpha" => vec![stream.alpha; ranks],
        "seed" => vec![stream.seed; ranks],
        "rank" => (1..=ranks as u64).collect::<Vec<_>>(),
        "count" => counts,
    )?)
}
