//! The frames of structure-function: per (point, seed, N) the capacity-limited learner's
//! structure function on a log grid of budgets m, and the two-part optimum m*(N).

use anyhow::Result;
use polars::prelude::*;
use skm_generator::GeneratorConfig;
use skm_theory::capacity::{self, StructurePoint};
use skm_theory::expected_tail_counts;

use super::params::Params;
use crate::measure::{Stream, log_grid};
use crate::spec::Spec;
use crate::{Env, Frames, concat, for_each_stream};

/// The measurements of one stream: the kept budgets of every curve, and every optimum with
/// the number of distinct entities, each with its N.
#[derive(Default)]
struct Measured {
    curve: Vec<(u64, StructurePoint)>,
    optimum: Vec<(u64, StructurePoint, u64)>,
}

/// The least counts `c` for which `theory_tail_counts` holds `E[G_N(c)]`.
pub(super) const MAX_STORED_COUNT: u64 = 16;

/// The frames: `curves`, `optimum`, `theory_tail_counts` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        let measured = measure(spec, &p, stream)?;
        Ok((curves(stream, &measured)?, optima(stream, &measured)?))
    })?;
    let (curves, optima): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
    let theory = spec
        .points
        .iter()
        .map(|point| theory_tail_counts(&spec.sizes, (&point.label, &point.generator)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Frames::from([
        ("curves".to_string(), concat(curves)?),
        ("optimum".to_string(), concat(optima)?),
        ("theory_tail_counts".to_string(), concat(theory)?),
        ("sentences".to_string(), sentences),
    ]))
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
    }
    Ok(measured)
}

/// The `curves` rows of one stream.
fn curves(stream: &Stream, measured: &Measured) -> Result<DataFrame> {
    let curve = &measured.curve;
    let rows = curve.len();
    Ok(df!(
        "point" => vec![stream.label.as_str(); rows],
        "alpha" => vec![stream.alpha; rows],
        "seed" => vec![stream.seed; rows],
        "n" => curve.iter().map(|c| c.0).collect::<Vec<_>>(),
        "m" => curve.iter().map(|c| c.1.m as u64).collect::<Vec<_>>(),
        "model_bits" => curve.iter().map(|c| c.1.model_bits).collect::<Vec<_>>(),
        "data_bits" => curve.iter().map(|c| c.1.data_bits).collect::<Vec<_>>(),
        "total_bits" => curve.iter().map(|c| c.1.total_bits).collect::<Vec<_>>(),
    )?)
}

/// The `optimum` rows of one stream.
fn optima(stream: &Stream, measured: &Measured) -> Result<DataFrame> {
    let optimum = &measured.optimum;
    let rows = optimum.len();
    Ok(df!(
        "point" => vec![stream.label.as_str(); rows],
        "alpha" => vec![stream.alpha; rows],
        "seed" => vec![stream.seed; rows],
        "n" => optimum.iter().map(|o| o.0).collect::<Vec<_>>(),
        "m_star" => optimum.iter().map(|o| o.1.m as u64).collect::<Vec<_>>(),
        "min_stored_count" => optimum.iter().map(|o| o.1.min_stored_count).collect::<Vec<_>>(),
        "distinct" => optimum.iter().map(|o| o.2).collect::<Vec<_>>(),
    )?)
}

/// The exact `E[G_N(c)]` of the point `label`, the expected number of entities seen at least
/// `c` times among the first N sentences, at every N of `sizes` and `c = 1..=`
/// [`MAX_STORED_COUNT`]: the expected m*(N) of an optimum that stores exactly the entities
/// seen at least c times.
fn theory_tail_counts(
    sizes: &[u64],
    (label, config): (&str, &GeneratorConfig),
) -> Result<DataFrame> {
    let mut rows: (Vec<u64>, Vec<u64>, Vec<f64>) = Default::default();
    for &n in sizes {
        let tail = expected_tail_counts(config.alpha, config.beta, n as usize);
        for c in 1..=MAX_STORED_COUNT {
            rows.0.push(n);
            rows.1.push(c);
            rows.2
                .push(tail.get(c as usize - 1).copied().unwrap_or(0.0));
        }
    }
    let len = rows.0.len();
    Ok(df!(
        "point" => vec![label; len],
        "alpha" => vec![config.alpha; len],
        "beta" => vec![config.beta; len],
        "n" => rows.0,
        "c" => rows.1,
        "expected_tail" => rows.2,
    )?)
}
