//! The frames of real-text: the Heaps curve, the rank-frequency table and the corpus record,
//! and the Heaps curves and rank-frequency counts of the text without each of its blocks
//! (the delete-one-block jackknife).

use super::schema::{corpus, heaps, rank_frequency};
use std::collections::HashMap;

use crate::error::{Context, Result, ensure};
use crate::frames::columns::N;
use polars::prelude::*;

use super::params::Params;
use crate::measure::log_grid;
use crate::spec::Spec;
use crate::{Env, Frames};

/// Lower-case words of `text`: maximal runs of ASCII letters, after dropping each line's
/// first word when `strip_first_word`; at most `lines` lines.
pub(super) fn words(text: &str, lines: usize, strip_first_word: bool) -> Vec<String> {
    let mut words = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(lines) {
        let line = if strip_first_word {
            line.trim_start()
                .split_once(char::is_whitespace)
                .map_or("", |(_, rest)| rest)
        } else {
            line
        };
        words.extend(
            line.split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase),
        );
    }
    words
}

/// The frames: `heaps`, `rank_frequency`, `corpus`, `jackknife_heaps` and
/// `jackknife_rank_frequency`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let text = env
        .text
        .with_context(|| format!("{}: no corpus text was handed in", spec.experiment))?;
    let lines = usize::try_from(spec.sentences).context("sentences does not fit in memory")?;
    let words = words(text, lines, p.strip_first_word);
    ensure!(!words.is_empty(), "{}: no words in the corpus", p.program);
    env.progress.inc(spec.sentences);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let (heaps, counts) = heaps(&words, p.points_per_decade)?;
    let ranked = ranked(counts);
    let rank_frequency = df!(
        rank_frequency::RANK => (1..=ranked.len() as u64).collect::<Vec<_>>(),
        rank_frequency::WORD => ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
        rank_frequency::COUNT => ranked.iter().map(|r| r.1).collect::<Vec<_>>(),
    )?;
    let corpus = df!(
        corpus::PROGRAM => [p.corpus()],
        corpus::LINES => [text.lines().filter(|l| !l.trim().is_empty()).take(lines).count() as u64],
        corpus::WORDS => [words.len() as u64],
        corpus::DISTINCT_WORDS => [ranked.len() as u64],
        corpus::TEXT_SHA256 => [crate::text_digest(text)],
    )?;
    let (jackknife_heaps, jackknife_counts) = jackknife(&words, &p)?;
    Ok(Frames::from([
        (heaps::NAME.to_string(), heaps),
        (rank_frequency::NAME.to_string(), rank_frequency),
        (corpus::NAME.to_string(), corpus),
        (heaps::JACKKNIFE_NAME.to_string(), jackknife_heaps),
        (rank_frequency::JACKKNIFE_NAME.to_string(), jackknife_counts),
    ]))
}

/// The word range of block `b` of `blocks` contiguous blocks of `n` words.
pub(super) fn block(n: usize, blocks: usize, b: usize) -> std::ops::Range<usize> {
    b * n / blocks..(b + 1) * n / blocks
}

/// For each block `b = 1..=B`, the text without it: its Heaps curve (`replicate` b, n,
/// distinct) and its counts by rank (`replicate` b, rank, count).
fn jackknife(words: &[&str], p: &Params) -> Result<(DataFrame, DataFrame)> {
    let blocks = p.jackknife_blocks as usize;
    let (mut curves, mut tables) = (Vec::new(), Vec::new());
    for b in 0..blocks {
        let range = block(words.len(), blocks, b);
        let kept: Vec<&str> = words[..range.start]
            .iter()
            .chain(&words[range.end..])
            .copied()
            .collect();
        let (mut curve, counts) = heaps(&kept, p.points_per_decade)?;
        let replicate = b as u32 + 1;
        curve.with_column(Column::new(
            heaps::REPLICATE.into(),
            vec![replicate; curve.height()],
        ))?;
        let counts: Vec<u64> = ranked(counts).into_iter().map(|r| r.1).collect();
        tables.push(df!(
            heaps::REPLICATE => vec![replicate; counts.len()],
            rank_frequency::RANK => (1..=counts.len() as u64).collect::<Vec<_>>(),
            rank_frequency::COUNT => counts,
        )?);
        curves.push(curve);
    }
    Ok((crate::concat(curves)?, crate::concat(tables)?))
}

/// Heaps: distinct words after n words, on a log grid; and every word's count.
fn heaps<'a>(
    words: &[&'a str],
    points_per_decade: u32,
) -> Result<(DataFrame, HashMap<&'a str, u64>)> {
    let grid = log_grid(words.len() as u64, points_per_decade);
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut distinct = Vec::with_capacity(grid.len());
    let mut next = grid.iter().peekable();
    for (i, word) in words.iter().enumerate() {
        *counts.entry(word).or_default() += 1;
        if next.peek() == Some(&&(i as u64 + 1)) {
            distinct.push(counts.len() as u64);
            next.next();
        }
    }
    Ok((df!(N => grid, heaps::DISTINCT => distinct)?, counts))
}

/// Zipf: counts by rank; ties broken alphabetically so the frame is deterministic.
fn ranked(counts: HashMap<&str, u64>) -> Vec<(&str, u64)> {
    let mut ranked: Vec<(&str, u64)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_references_and_punctuation() {
        let text = "Ge1:1 In the beginning God created.\n\nGe1:2 And the earth's form;\nGe1:3 x";
        assert_eq!(
            words(text, 2, true),
            [
                "in",
                "the",
                "beginning",
                "god",
                "created",
                "and",
                "the",
                "earth",
                "s",
                "form"
            ]
        );
        assert_eq!(words(text, 1, false)[..2], ["ge", "in"]);
    }

    #[test]
    fn ranked_breaks_ties_alphabetically() {
        let counts = HashMap::from([("b", 2), ("a", 2), ("c", 5)]);
        assert_eq!(ranked(counts), [("c", 5), ("a", 2), ("b", 2)]);
    }
}
