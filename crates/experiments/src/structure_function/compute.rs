//! The frames of structure-function: per (point, seed, N) the capacity-limited learner's
//! structure function on a log grid of budgets m, and the two-part optimum m*(N).

use anyhow::Result;
use polars::prelude::*;
use skm_theory::capacity::{self, StructurePoint};

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

/// The frames: `curves`, `optimum` and `sentences`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let (frames, sentences) = for_each_stream(spec, env.progress, |stream| {
        let measured = measure(spec, &p, stream)?;
        Ok((curves(stream, &measured)?, optima(stream, &measured)?))
    })?;
    let (curves, optima): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
    Ok(Frames::from([
        ("curves".to_string(), concat(curves)?),
        ("optimum".to_string(), concat(optima)?),
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
