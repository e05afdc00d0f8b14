//! The power laws the analysis reads off the frames: Heaps' and Zipf's, and the alphas they
//! imply, for the whole text and for the text without each of its blocks.

use super::schema::{corpus, heaps, rank_frequency};
use crate::error::{Context, Result};
use crate::frames::columns::N;
use crate::frames::rows_equal;
use skm_report::{LogLogFit, fit_loglog};

use super::params::Params;
use crate::{Frame, FrameSet, Frames, floats};

/// The curves, their fits and the corpus size.
pub(super) struct Fits {
    /// Heaps curve: words read and distinct words.
    pub n: Vec<f64>,
    pub distinct: Vec<f64>,
    /// Words read at the last point of the Heaps curve.
    pub total: f64,
    /// The `n` of the Heaps fit window, and the fit.
    pub heaps_x: Vec<f64>,
    pub heaps: LogLogFit,
    /// Rank-frequency table.
    pub rank: Vec<f64>,
    pub count: Vec<f64>,
    /// The ranks of the Zipf fit window, and the fit.
    pub zipf_x: Vec<f64>,
    pub zipf: LogLogFit,
    /// Words and distinct words of the corpus.
    pub words: f64,
    pub vocabulary: f64,
}

impl Fits {
    /// Reads the frames and fits both laws over the windows of `p`.
    pub fn read(frames: &Frames, p: &Params) -> Result<Self> {
        let heaps_frame = frames.frame(heaps::NAME)?;
        let (n, distinct) = (
            floats(&heaps_frame, N)?,
            floats(&heaps_frame, heaps::DISTINCT)?,
        );
        let ranks = frames.frame(rank_frequency::NAME)?;
        let (rank, count) = (
            floats(&ranks, rank_frequency::RANK)?,
            floats(&ranks, rank_frequency::COUNT)?,
        );
        let laws = Laws::fit(p, (&n, &distinct), (&rank, &count))?;
        let (total, (heaps_x, heaps), (zipf_x, zipf)) = (laws.total, laws.heaps, laws.zipf);
        let corpus = frames.frame(corpus::NAME)?;
        let first = |column: &str| -> Result<f64> {
            Ok(floats(&corpus, column)?
                .first()
                .copied()
                .unwrap_or_default())
        };
        Ok(Self {
            words: first(corpus::WORDS)?,
            vocabulary: first(corpus::DISTINCT_WORDS)?,
            n,
            distinct,
            total,
            heaps_x,
            heaps,
            rank,
            count,
            zipf_x,
            zipf,
        })
    }

    /// Heaps' alpha: the slope of distinct words against words read.
    pub fn alpha(&self) -> f64 {
        self.heaps.slope
    }

    /// Zipf's alpha: -1/slope of count against rank.
    pub fn alpha_zipf(&self) -> f64 {
        -1.0 / self.zipf.slope
    }

    /// The first and the last rank of the Zipf fit window (1 when it is empty).
    pub fn zipf_ranks(&self) -> (f64, f64) {
        (
            self.zipf_x.first().copied().unwrap_or(1.0),
            self.zipf_x.last().copied().unwrap_or(1.0),
        )
    }
}

/// Heaps' and Zipf's fits of one text.
struct Laws {
    /// Words read at the last point of the Heaps curve.
    total: f64,
    /// The `n` of the Heaps window, and the fit.
    heaps: (Vec<f64>, LogLogFit),
    /// The ranks of the Zipf window, and the fit.
    zipf: (Vec<f64>, LogLogFit),
}

impl Laws {
    /// Both fits over the windows of `p`: the Heaps curve `(n, distinct)` and the counts by
    /// rank `(rank, count)`.
    fn fit(
        p: &Params,
        (n, distinct): (&[f64], &[f64]),
        (rank, count): (&[f64], &[f64]),
    ) -> Result<Self> {
        let total = n.last().copied().unwrap_or_default();
        let (heaps_x, heaps_y) = heaps_window(n, distinct, p.heaps_fit_from * total);
        let heaps = fit_loglog(&heaps_x, &heaps_y).context("fitting Heaps' law")?;
        let (zipf_x, zipf_y) = zipf_window(rank, count, p.zipf_min_rank, p.zipf_min_count);
        let zipf = fit_loglog(&zipf_x, &zipf_y).context("fitting Zipf's law")?;
        Ok(Self {
            total,
            heaps: (heaps_x, heaps),
            zipf: (zipf_x, zipf),
        })
    }

    /// `(Heaps alpha, Zipf alpha)`: the Heaps slope, and -1/slope of rank-frequency.
    fn alphas(&self) -> (f64, f64) {
        (self.heaps.1.slope, -1.0 / self.zipf.1.slope)
    }
}

/// The alphas of the text without each block (the jackknife replicates): `(Heaps alphas,
/// Zipf alphas)`, one per block, read from `jackknife_heaps` and `jackknife_rank_frequency`
/// and fitted over the same windows as the whole text's.
pub(super) fn jackknife_alphas(frames: &Frames, p: &Params) -> Result<(Vec<f64>, Vec<f64>)> {
    let (curves, tables) = (
        frames.frame(heaps::JACKKNIFE_NAME)?,
        frames.frame(rank_frequency::JACKKNIFE_NAME)?,
    );
    let replicate = |frame: &Frame, b: u32| rows_equal(frame, heaps::REPLICATE, b);
    (1..=p.jackknife_blocks)
        .map(|b| {
            let (curve, table) = (replicate(&curves, b)?, replicate(&tables, b)?);
            let heaps = (floats(&curve, N)?, floats(&curve, heaps::DISTINCT)?);
            let ranks = (
                floats(&table, rank_frequency::RANK)?,
                floats(&table, rank_frequency::COUNT)?,
            );
            let laws = Laws::fit(p, (&heaps.0, &heaps.1), (&ranks.0, &ranks.1))
                .with_context(|| format!("the text without block {b}"))?;
            Ok(laws.alphas())
        })
        .collect::<Result<Vec<_>>>()
        .map(|alphas| alphas.into_iter().unzip())
}

/// The Heaps fit window: the points with `n >= from`.
fn heaps_window(n: &[f64], distinct: &[f64], from: f64) -> (Vec<f64>, Vec<f64>) {
    n.iter()
        .zip(distinct)
        .filter(|(x, _)| **x >= from)
        .map(|(x, y)| (*x, *y))
        .unzip()
}

/// The Zipf fit window: ranks from `min_rank` on whose count is at least `min_count`.
fn zipf_window(rank: &[f64], count: &[f64], min_rank: u64, min_count: u64) -> (Vec<f64>, Vec<f64>) {
    rank.iter()
        .zip(count)
        .filter(|(r, c)| **r >= min_rank as f64 && **c >= min_count as f64)
        .map(|(r, c)| (*r, *c))
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heaps_window_keeps_the_last_part_of_the_text() {
        let (x, y) = heaps_window(&[1.0, 10.0, 100.0], &[1.0, 8.0, 50.0], 10.0);
        assert_eq!((x, y), (vec![10.0, 100.0], vec![8.0, 50.0]));
    }

    #[test]
    fn zipf_window_keeps_ranks_from_the_minimum_while_counts_are_large_enough() {
        let rank = [1.0, 2.0, 3.0, 4.0];
        let (x, y) = zipf_window(&rank, &[90.0, 40.0, 20.0, 3.0], 2, 5);
        assert_eq!((x, y), (vec![2.0, 3.0], vec![40.0, 20.0]));
    }
}
