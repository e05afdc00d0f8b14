//! The `[analysis]` table of real-text, and its check.

use crate::error::{Result, ensure_config};
use serde::Deserialize;

use crate::spec::Spec;
use crate::{check_at_least, check_fraction, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// The program that prints the corpus, one line per verse (or sentence).
    pub program: String,
    /// Its arguments.
    pub arguments: Vec<String>,
    /// How to install it, for the message when it is missing.
    pub install: String,
    /// Drop the first word of every line (a verse reference such as `Ge1:1`).
    pub strip_first_word: bool,
    /// Points of the Heaps curve per decade of words.
    pub points_per_decade: u32,
    /// Heaps fit window: `n` from `heaps_fit_from * N` to `N` words.
    pub heaps_fit_from: f64,
    /// Zipf fit: ranks from this one on...
    pub zipf_min_rank: u64,
    /// ...while the word occurs at least this often.
    pub zipf_min_count: u64,
    /// The text is cut into this many contiguous blocks of words; the interval of each
    /// alpha is the delete-one-block jackknife's.
    pub jackknife_blocks: u32,
}

impl Params {
    /// `program arguments`: the command that prints the corpus.
    pub fn corpus(&self) -> String {
        format!("{} {}", self.program, self.arguments.join(" "))
    }

    /// Decades of the text the Heaps fit covers, for prose.
    pub fn heaps_decades(&self) -> String {
        crate::num((1.0 / self.heaps_fit_from).log10())
    }
}

/// Checks the table of `spec`.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    check_range(spec, "points_per_decade", p.points_per_decade, 1..=50)?;
    check_at_least(spec, "zipf_min_rank", p.zipf_min_rank, 1)?;
    check_at_least(spec, "zipf_min_count", p.zipf_min_count, 1)?;
    check_range(spec, "jackknife_blocks", p.jackknife_blocks, 2..=100)?;
    ensure_config!(
        !p.program.is_empty(),
        "{file}: {} is empty: name the program that prints the corpus",
        spec.analysis_key("program")
    );
    check_fraction(spec, "heaps_fit_from", p.heaps_fit_from)
}
