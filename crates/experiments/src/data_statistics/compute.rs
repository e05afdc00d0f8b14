//! The frames of data-statistics: per (point, seed) the Heaps curve K_n on a log grid of n
//! beside the exact `E[K_n]` and its asymptote, and the tail count G(c) on a log grid of c;
//! per point the exact expected tail count E[G_N(c)] on the same grid.

use super::schema::heaps;
use crate::error::Result;
use crate::frames::columns::{ALPHA, N, POINT, SEED};
use crate::frames::{sentences, tail_counts};
use polars::prelude::*;
use skm_theory::pycrp;

use super::params::Params;
use crate::measure::{Stream, log_grid};
use crate::spec::Spec;
use crate::{Env, Frames, concat, for_each_stream};

/// The frames: `heaps`, `tail_counts`, `theory_tail_counts` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let grid = log_grid(spec.sentences, p.points_per_decade);
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        Ok((
            heaps(spec, &grid, stream)?,
            tail_counts::measured(&grid, stream)?,
        ))
    })?;
    let (heaps, tails): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
    let theory = spec
        .points
        .iter()
        .map(|point| {
            let sizes = [spec.sentences];
            tail_counts::theory((&point.label, &point.generator), &sizes, &grid)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Frames::from([
        (heaps::NAME.to_string(), concat(heaps)?),
        (tail_counts::NAME.to_string(), concat(tails)?),
        (tail_counts::THEORY_NAME.to_string(), concat(theory)?),
        (sentences::NAME.to_string(), sentences),
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
        POINT => vec![stream.label.as_str(); grid.len()],
        ALPHA => vec![stream.alpha; grid.len()],
        SEED => vec![stream.seed; grid.len()],
        N => grid.to_vec(),
        heaps::DISTINCT => distinct_at(grid, stream),
        heaps::EXPECTED => grid.iter().map(|&n| expected[n as usize]).collect::<Vec<_>>(),
        heaps::ASYMPTOTE => grid.iter().map(|&n| asymptote(n)).collect::<Vec<_>>(),
    )?)
}
