//! The frames of structure-function: per (point, seed, N) the capacity-limited learner's
//! structure function on a log grid of budgets m, and the two-part optimum m*(N).

use crate::error::Result;
use crate::frames::columns::{ALPHA, BETA, N, POINT, SEED};
use crate::frames::{sentences, tail_counts};
use polars::prelude::*;
use skm_generator::GeneratorConfig;
use skm_theory::Chains;
use skm_theory::capacity::{self, ExpectedStoring, StructurePoint, sampled_storing};

use super::params::{Params, STORING_COUNTS_PER_DECADE};
use super::schema::{curves, optimum, storing};
use crate::measure::{Stream, log_grid};
use crate::spec::Spec;
use crate::{Env, Frames, concat, for_each_stream};

/// The measurements of one stream: the kept budgets of every curve, and every optimum with
/// the number of distinct entities, each with its N.
#[derive(Default)]
struct Measured {
    curve: Vec<(u64, StructurePoint)>,
    optimum: Vec<(u64, StructurePoint, u64)>,
    /// At the largest N: per least count c, the budget `G(c)` and the excess `X(c)` bits of
    /// the learner storing the entities seen at least c times.
    storing: Vec<(u64, usize, f64)>,
}

/// The least counts `c` for which `theory_tail_counts` holds `E[G_N(c)]`.
pub(super) const MAX_STORED_COUNT: u64 = 16;

/// The frames: `curves`, `optimum`, `storing`, `theory_tail_counts`, `theory_storing` and
/// `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let largest = largest_size(spec);
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        let measured = measure(spec, &p, stream)?;
        let storing = storing(stream, largest, &measured)?;
        Ok([
            curves(stream, &measured)?,
            optima(stream, &measured)?,
            storing,
        ])
    })?;
    let [mut curves, mut optima, mut storing] = [Vec::new(), Vec::new(), Vec::new()];
    for [curve, optimum, stored] in frames {
        curves.push(curve);
        optima.push(optimum);
        storing.push(stored);
    }
    let thresholds: Vec<u64> = (1..=MAX_STORED_COUNT).collect();
    let (mut tails, mut sampled) = (Vec::new(), Vec::new());
    for point in &spec.points {
        let point = (point.label.as_str(), &point.generator);
        tails.push(tail_counts::theory(point, &spec.sizes, &thresholds)?);
        sampled.push(theory_storing(largest, p.reference_chains, point)?);
    }
    Ok(Frames::from([
        (curves::NAME.to_string(), concat(curves)?),
        (optimum::NAME.to_string(), concat(optima)?),
        (storing::NAME.to_string(), concat(storing)?),
        (tail_counts::THEORY_NAME.to_string(), concat(tails)?),
        (storing::THEORY_NAME.to_string(), concat(sampled)?),
        (sentences::NAME.to_string(), sentences),
    ]))
}

/// The largest stream prefix N, where the `storing` frames are measured.
pub(super) fn largest_size(spec: &Spec) -> u64 {
    spec.sizes.iter().copied().max().unwrap_or(0)
}

/// The least counts c of the `storing` frames: a log grid from 2 to the stream length `n`.
pub(super) fn storing_counts(n: u64) -> Vec<u64> {
    let mut grid = log_grid(n, STORING_COUNTS_PER_DECADE);
    grid.retain(|&c| c >= 2);
    grid
}

/// The structure function of every prefix of `stream`.
fn measure(spec: &Spec, p: &Params, stream: &Stream) -> Result<Measured> {
    let world = &stream.corpus.world;
    let mut measured = Measured::default();
    for &n in &spec.sizes {
        let function = capacity::structure_function(world, &stream.corpus.sentences[..n as usize])?;
        let points = &function.points;
        let best = &points[function.optimum];
        // Budgets on a log grid, plus m = 0 and the optimum itself.
        let mut budgets = log_grid(points.len() as u64, p.budgets_per_decade);
        budgets.extend([0, best.m as u64]);
        budgets.sort_unstable();
        budgets.dedup();
        measured.curve.extend(
            budgets
                .into_iter()
                .filter_map(|m| points.get(m as usize))
                .map(|point| (n, *point)),
        );
        (measured.optimum).push((n, *best, points.len() as u64 - 1));
        if n == largest_size(spec) {
            let storing = storing_counts(n).into_iter().map(|c| {
                let (stored, excess) = function.storing_at_least(c);
                (c, stored, excess)
            });
            measured.storing.extend(storing);
        }
    }
    Ok(measured)
}

/// The `storing` rows of one stream (of `n` sentences).
fn storing(stream: &Stream, n: u64, measured: &Measured) -> Result<DataFrame> {
    let storing = &measured.storing;
    let rows = storing.len();
    Ok(df!(
        POINT => vec![stream.label.as_str(); rows],
        ALPHA => vec![stream.alpha; rows],
        SEED => vec![stream.seed; rows],
        N => vec![n; rows],
        storing::MIN_COUNT => storing.iter().map(|s| s.0).collect::<Vec<_>>(),
        storing::STORED_ENTITIES => storing.iter().map(|s| s.1 as u64).collect::<Vec<_>>(),
        storing::EXCESS_BITS => storing.iter().map(|s| s.2).collect::<Vec<_>>(),
    )?)
}

/// The learner storing the entities seen at least c times after `n` sentences at the point
/// `label`, on `chains` frequency spectra drawn from the exact law ([`sampled_storing`],
/// seeded by the point's seed), each integrated over the weights exactly: per chain and c on
/// the grid of the `storing` frames, `G(c)` and `E[X(c) | spectrum]` bits.
fn theory_storing(
    n: u64,
    chains: u32,
    (label, config): (&str, &GeneratorConfig),
) -> Result<DataFrame> {
    let counts = storing_counts(n);
    let sampled = sampled_storing(
        config,
        n,
        &counts,
        Chains::seeded_by(config, chains as usize),
    )?;
    let rows: Vec<(u32, &ExpectedStoring)> = (0u32..)
        .zip(&sampled)
        .flat_map(|(chain, row)| row.iter().map(move |s| (chain, s)))
        .collect();
    let len = rows.len();
    Ok(df!(
        POINT => vec![label; len],
        ALPHA => vec![config.alpha; len],
        BETA => vec![config.beta; len],
        N => vec![n; len],
        storing::CHAIN => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        storing::MIN_COUNT => rows.iter().map(|r| r.1.min_count).collect::<Vec<_>>(),
        storing::STORED_ENTITIES => rows.iter().map(|r| r.1.stored_entities).collect::<Vec<_>>(),
        storing::EXCESS_BITS => rows.iter().map(|r| r.1.excess_bits).collect::<Vec<_>>(),
    )?)
}

/// The `curves` rows of one stream.
fn curves(stream: &Stream, measured: &Measured) -> Result<DataFrame> {
    let curve = &measured.curve;
    let rows = curve.len();
    Ok(df!(
        POINT => vec![stream.label.as_str(); rows],
        ALPHA => vec![stream.alpha; rows],
        SEED => vec![stream.seed; rows],
        N => curve.iter().map(|c| c.0).collect::<Vec<_>>(),
        curves::M => curve.iter().map(|c| c.1.m as u64).collect::<Vec<_>>(),
        curves::MODEL_BITS => curve.iter().map(|c| c.1.model_bits).collect::<Vec<_>>(),
        curves::DATA_BITS => curve.iter().map(|c| c.1.data_bits).collect::<Vec<_>>(),
        curves::TOTAL_BITS => curve.iter().map(|c| c.1.total_bits).collect::<Vec<_>>(),
    )?)
}

/// The `optimum` rows of one stream.
fn optima(stream: &Stream, measured: &Measured) -> Result<DataFrame> {
    let optimum = &measured.optimum;
    let rows = optimum.len();
    Ok(df!(
        POINT => vec![stream.label.as_str(); rows],
        ALPHA => vec![stream.alpha; rows],
        SEED => vec![stream.seed; rows],
        N => optimum.iter().map(|o| o.0).collect::<Vec<_>>(),
        optimum::M_STAR => optimum.iter().map(|o| o.1.m as u64).collect::<Vec<_>>(),
        optimum::MIN_STORED_COUNT => optimum.iter().map(|o| o.1.min_stored_count).collect::<Vec<_>>(),
        optimum::DISTINCT => optimum.iter().map(|o| o.2).collect::<Vec<_>>(),
    )?)
}
