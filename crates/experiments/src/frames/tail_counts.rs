//! Tail counts `G(c)`, the entities seen in at least `c` sentences: `tail_counts` measured
//! on each stream (data-statistics), and the exact expectation `E[G_N(c)]` in
//! `theory_tail_counts` (data-statistics, structure-function), with its inputs as columns.

use polars::prelude::*;
use skm_generator::GeneratorConfig;
use skm_theory::pycrp::expected_tail_counts;

use super::columns::{ALPHA, BETA, N, POINT, SEED};
use crate::error::Result;
use crate::measure::Stream;

/// The measured frame's name.
pub const NAME: &str = "tail_counts";
/// The exact frame's name.
pub const THEORY_NAME: &str = "theory_tail_counts";
/// The count threshold `c`.
pub const C: &str = "c";
/// The measured `G(c)`.
pub const TAIL: &str = "tail";
/// The exact `E[G_N(c)]`.
pub const EXPECTED_TAIL: &str = "expected_tail";

/// The measured rows of one stream, at every `c` of `grid`.
pub fn measured(grid: &[u64], stream: &Stream) -> Result<DataFrame> {
    let mut counts = stream.corpus.world.counts.clone();
    counts.sort_unstable();
    let at_least = |c: u64| (counts.len() - counts.partition_point(|&k| k < c)) as u64;
    Ok(df!(
        POINT => vec![stream.label.as_str(); grid.len()],
        ALPHA => vec![stream.alpha; grid.len()],
        SEED => vec![stream.seed; grid.len()],
        C => grid.to_vec(),
        TAIL => grid.iter().map(|&c| at_least(c)).collect::<Vec<_>>(),
    )?)
}

/// The exact rows of the point `label`: `E[G_N(c)] = sum_{j >= c} E[K_{N,j}]` at every N of
/// `sizes` and `c` of `thresholds` (0 where `c > N`).
pub fn theory(
    (label, config): (&str, &GeneratorConfig),
    sizes: &[u64],
    thresholds: &[u64],
) -> Result<DataFrame> {
    let mut rows: (Vec<u64>, Vec<u64>, Vec<f64>) = Default::default();
    for &n in sizes {
        let tail = expected_tail_counts(config.alpha, config.beta, n as usize);
        for &c in thresholds {
            rows.0.push(n);
            rows.1.push(c);
            rows.2
                .push(tail.get(c as usize - 1).copied().unwrap_or(0.0));
        }
    }
    let len = rows.0.len();
    Ok(df!(
        POINT => vec![label; len],
        ALPHA => vec![config.alpha; len],
        BETA => vec![config.beta; len],
        N => rows.0,
        C => rows.1,
        EXPECTED_TAIL => rows.2,
    )?)
}
