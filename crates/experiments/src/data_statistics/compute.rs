//! The frames of data-statistics: per (point, seed) the Heaps curve K_n on a log grid of n
//! beside the exact `E[K_n]` and its asymptote, and the tail count G(c) on a log grid of c;
//! per point the exact expected tail count E[G_N(c)] on the same grid, and C1's slope in runs of
//! the exact K_n chain.

use super::schema::{heaps, heaps_slopes};
use crate::error::{Result, ensure};
use crate::frames::columns::{ALPHA, BETA, N, POINT, SEED};
use crate::frames::{sentences, tail_counts};
use polars::prelude::*;
use rayon::prelude::*;
use skm_report::fit_loglog;
use skm_theory::{Chains, pycrp};

use super::params::Params;
use crate::measure::{Stream, log_grid};
use crate::spec::{Point, Spec};
use crate::{Env, Frames, concat, for_each_stream};

/// The frames: `heaps`, `tail_counts`, `theory_tail_counts`, `theory_heaps_slopes` and
/// `sentences`.
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
        (heaps_slopes::NAME.to_string(), heaps_slopes(spec, &p)?),
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

/// `theory_heaps_slopes`: for every point (in parallel), C1's slope over its fit window
/// ([`Params::heaps_window`]) in each of `slope_chains` runs of the exact K_n chain.
fn heaps_slopes(spec: &Spec, p: &Params) -> Result<DataFrame> {
    let sizes = p.heaps_window(spec.sentences);
    // `params::check` refuses a shorter window before any work; this keeps compute total.
    ensure!(
        sizes.len() >= 2,
        "the Heaps fit window holds {} point(s)",
        sizes.len()
    );
    let points = spec.points.par_iter();
    let frames = points.map(|point| chain_slopes(point, &sizes, p.slope_chains));
    concat(frames.collect::<Result<Vec<_>>>()?)
}

/// The slope of log K_n on log n at `sizes` in each of `chains` runs of the exact K_n chain of
/// `point` (seeded by its generator seed).
fn chain_slopes(point: &Point, sizes: &[u64], chains: usize) -> Result<DataFrame> {
    let config = &point.generator;
    let runs = pycrp::distinct_chains(
        config.alpha,
        config.beta,
        sizes,
        Chains::seeded_by(config, chains),
    );
    let x: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let slopes = runs.iter().map(|k| Ok(fit_loglog(&x, k)?.slope));
    let slopes = slopes.collect::<Result<Vec<f64>>>()?;
    let (first, last) = (sizes[0], sizes[sizes.len() - 1]);
    Ok(df!(
        POINT => vec![point.label.as_str(); chains],
        ALPHA => vec![config.alpha; chains],
        BETA => vec![config.beta; chains],
        heaps_slopes::N_FROM => vec![first; chains],
        heaps_slopes::N_TO => vec![last; chains],
        heaps_slopes::CHAIN => (0..chains as u64).collect::<Vec<_>>(),
        heaps_slopes::SLOPE => slopes,
    )?)
}
