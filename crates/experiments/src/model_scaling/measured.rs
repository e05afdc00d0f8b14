//! What model-scaling's frames say at one sweep point: the excess curves by seed and the
//! facts known by model, seed and exposure bucket.
//!
//! A fact is known when its probe's argmax is the true value, less the facts guessed right:
//! a well-formed guess at a fact the model does not know is right with probability
//! `1/|V_j|` and wrong otherwise, so the right guesses are about `wrong / (|V_j| - 1)` and
//! `known = correct - wrong / (|V_j| - 1)` (the correction for guessing). At 256 values
//! and 3e5 probed facts, guesses alone answer about a thousand facts right.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Context, Result};
use polars::prelude::*;

use super::schema::facts::{self, KNOWN_FACTS, STATED_FACTS, WRONG_VALUES};
use super::schema::theory_floor;
use crate::frames::columns::{MODEL, N, POINT, ROLE, SEED};
use crate::frames::evaluations::{EXCESS_BITS_PER_TOKEN, SCORED_TOKENS};
use crate::frames::probes::{BUCKET, BUCKET_ORDER};
use crate::frames::scaling::{self, BLOCK_PARAMETERS};
use crate::frames::{is, mean_over_seeds, scalar, strings};
use crate::{Curve, FrameSet, Frames, curves_by_seed, floats, rows_where};

/// Facts known of those stated in one exposure bucket of one model, pooled over seeds.
pub(super) struct BucketFacts {
    /// The model's label (`d=.. L=..`).
    pub model: String,
    /// The bucket's label (times stated).
    pub bucket: String,
    pub known: f64,
    pub stated: f64,
}

/// The frames of one sweep point, as the claims, figures and text read them.
pub(super) struct Measured {
    /// Test excess over the oracle (bits/token, all tokens) minus the exact data floor (the
    /// Bayes learner's expected excess after the training stream, per scored token of the
    /// seed's test set) against block parameters, one curve per seed: what C6 fits.
    pub above_floor: Vec<Curve>,
    /// The data floor in bits per scored token, mean over seeds.
    pub floor_bits_per_token: f64,
    /// The training sentences the floor is for.
    pub training_sentences: f64,
    /// Facts known beyond chance against block parameters, one curve per seed; a model
    /// that knows less than half a fact beyond chance counts as half a fact (log 0 is
    /// undefined): the curves fitted and drawn.
    pub known: Vec<Curve>,
    /// The same without the floor: `correct - wrong / (|V_j| - 1)`, below zero when the
    /// model guessed worse than chance.
    pub known_beyond_chance: Vec<Curve>,
    /// (seed, block parameters) -> (facts known beyond chance, facts stated), over buckets.
    pub totals: BTreeMap<(u64, u64), (f64, f64)>,
    /// (block parameters, bucket order) -> facts known of those stated.
    pub by_bucket: BTreeMap<(u64, u64), BucketFacts>,
    /// Seed means of the excess, of the facts known (as fitted) and of those beyond chance.
    seed_means: [Vec<(f64, f64)>; 3],
    /// Seed mean of the excess above the data floor.
    above_floor_mean: Vec<(f64, f64)>,
}

/// The columns `Measured` adds to the point's `scaling` rows: the exact data floor per
/// scored token, and the excess above it.
const FLOOR: &str = "floor_bits_per_token";
const ABOVE_FLOOR: &str = "above_floor_bits_per_token";
/// The columns of the totals of `facts`: the facts known beyond chance, and the same
/// floored at half a fact.
const KNOWN_BEYOND_CHANCE: &str = "known_beyond_chance";
const KNOWN_FITTED: &str = "known_fitted";

impl Measured {
    /// Reads the `scaling`, `facts` and `theory_floor` frames at the sweep point `label`
    /// (`test_sentences` held-out sentences per seed, `values` values per attribute).
    pub fn of(frames: &Frames, label: &str, test_sentences: u64, values: usize) -> Result<Self> {
        let floor = rows_where(&frames.frame(theory_floor::NAME)?, POINT, label)?;
        let per_sentence = *floats(&floor, scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE)?
            .first()
            .with_context(|| format!("theory_floor has no row for {label}"))?;
        let training_sentences = floats(&floor, N)?.first().copied().unwrap_or(f64::NAN);
        let per_token =
            lit(per_sentence * test_sentences as f64) / col(SCORED_TOKENS).cast(DataType::Float64);
        let all = rows_where(&frames.frame(scaling::NAME)?, POINT, label)?
            .lazy()
            .filter(is(ROLE, "all"))
            .with_columns([
                per_token.clone().alias(FLOOR),
                (col(EXCESS_BITS_PER_TOKEN) - per_token).alias(ABOVE_FLOOR),
            ])
            .collect()?;
        let facts = rows_where(&frames.frame(facts::NAME)?, POINT, label)?;
        let totals = totals(&facts, values)?;
        let curves = |frame: &DataFrame, y: &str| curves_by_seed(frame, BLOCK_PARAMETERS, y);
        let mean = |frame: &DataFrame, y: &str| mean_over_seeds(frame, BLOCK_PARAMETERS, y);
        Ok(Measured {
            above_floor: curves(&all, ABOVE_FLOOR)?,
            floor_bits_per_token: scalar(all.clone().lazy(), col(FLOOR).mean())?,
            training_sentences,
            known: curves(&totals, KNOWN_FITTED)?,
            known_beyond_chance: curves(&totals, KNOWN_BEYOND_CHANCE)?,
            totals: total_map(&totals)?,
            by_bucket: by_bucket(&facts)?,
            seed_means: [
                mean(&all, EXCESS_BITS_PER_TOKEN)?,
                mean(&totals, KNOWN_FITTED)?,
                mean(&totals, KNOWN_BEYOND_CHANCE)?,
            ],
            above_floor_mean: mean(&all, ABOVE_FLOOR)?,
        })
    }

    /// Whether some model of some seed knows less than half a fact beyond chance (and
    /// is fitted as half a fact).
    pub fn none_known(&self) -> bool {
        self.known_beyond_chance
            .iter()
            .any(|c| c.1.iter().any(|&k| k < 0.5))
    }

    /// The facts stated in the stream (the most of any seed).
    pub fn stated(&self) -> f64 {
        self.totals.values().map(|t| t.1).fold(0.0, f64::max)
    }

    /// The smallest and the largest model's block parameters (each once).
    pub fn extreme_sizes(&self) -> BTreeSet<u64> {
        let sizes: Vec<u64> = self.totals.keys().map(|k| k.1).collect();
        [sizes.iter().min(), sizes.iter().max()]
            .into_iter()
            .flatten()
            .copied()
            .collect()
    }

    /// Mean over seeds of the excess, of the facts known (as fitted) and of those beyond
    /// chance.
    pub fn means(&self) -> [Vec<(f64, f64)>; 3] {
        self.seed_means.clone()
    }

    /// Mean over seeds of the excess above the data floor.
    pub fn mean_above_floor(&self) -> Vec<(f64, f64)> {
        self.above_floor_mean.clone()
    }
}

/// Facts known beyond chance and stated per (seed, block parameters), summed over buckets,
/// with the known facts floored at half a fact (log 0 is undefined) for the fits:
/// `group_by([seed, block_parameters]).agg([sum(known_facts) - sum(wrong_values) / (values - 1),
/// sum(stated_facts)])`.
fn totals(facts: &DataFrame, values: usize) -> Result<DataFrame> {
    let sum = |c: &str| col(c).cast(DataType::Float64).sum();
    let guessed_right = sum(WRONG_VALUES) / lit(values as f64 - 1.0);
    Ok(facts
        .clone()
        .lazy()
        .group_by([col(SEED), col(BLOCK_PARAMETERS)])
        .agg([
            (sum(KNOWN_FACTS) - guessed_right).alias(KNOWN_BEYOND_CHANCE),
            sum(STATED_FACTS),
        ])
        .with_column(
            when(col(KNOWN_BEYOND_CHANCE).lt(lit(0.5)))
                .then(lit(0.5))
                .otherwise(col(KNOWN_BEYOND_CHANCE))
                .alias(KNOWN_FITTED),
        )
        .sort([SEED, BLOCK_PARAMETERS], SortMultipleOptions::default())
        .collect()?)
}

/// `totals` as (seed, block parameters) -> (facts known beyond chance, facts stated).
fn total_map(totals: &DataFrame) -> Result<BTreeMap<(u64, u64), (f64, f64)>> {
    let [seed, params, known, stated] =
        [SEED, BLOCK_PARAMETERS, KNOWN_BEYOND_CHANCE, STATED_FACTS].map(|c| floats(totals, c));
    let (seed, params, known, stated) = (seed?, params?, known?, stated?);
    Ok((0..seed.len())
        .map(|i| ((seed[i] as u64, params[i] as u64), (known[i], stated[i])))
        .collect())
}

/// Facts known of those stated per (model, bucket), pooled over seeds, with their labels:
/// `group_by([block_parameters, bucket_order]).agg([sum(known_facts), sum(stated_facts)])`.
fn by_bucket(facts: &DataFrame) -> Result<BTreeMap<(u64, u64), BucketFacts>> {
    let pooled = facts
        .clone()
        .lazy()
        .group_by([col(BLOCK_PARAMETERS), col(BUCKET_ORDER)])
        .agg([
            col(MODEL).first(),
            col(BUCKET).first(),
            col(KNOWN_FACTS).cast(DataType::Float64).sum(),
            col(STATED_FACTS).cast(DataType::Float64).sum(),
        ])
        .collect()?;
    let (params, order) = (
        floats(&pooled, BLOCK_PARAMETERS)?,
        floats(&pooled, BUCKET_ORDER)?,
    );
    let (known, stated) = (
        floats(&pooled, KNOWN_FACTS)?,
        floats(&pooled, STATED_FACTS)?,
    );
    let (models, buckets) = (strings(&pooled, MODEL)?, strings(&pooled, BUCKET)?);
    Ok((0..pooled.height())
        .map(|i| {
            let facts = BucketFacts {
                model: models[i].clone(),
                bucket: buckets[i].clone(),
                known: known[i],
                stated: stated[i],
            };
            ((params[i] as u64, order[i] as u64), facts)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two models of one seed, at 16 values per attribute, two buckets each.
    fn facts() -> DataFrame {
        df!(
            SEED => [1u64, 1, 1, 1],
            BLOCK_PARAMETERS => [100u64, 100, 1_000, 1_000],
            STATED_FACTS => [1_000u64, 10, 1_600, 10],
            KNOWN_FACTS => [100u64, 10, 100, 0],
            WRONG_VALUES => [600u64, 0, 1_500, 0],
        )
        .unwrap()
    }

    #[test]
    fn right_guesses_are_taken_out_of_the_facts_known() {
        let map = total_map(&totals(&facts(), 16).unwrap()).unwrap();
        // 110 right answers, of which 600 / 15 = 40 guesses; 1010 facts stated.
        assert_eq!(map[&(1, 100)], (70.0, 1_010.0));
        // 100 right answers from 1500 wrong guesses: all of them chance.
        assert_eq!(map[&(1, 1_000)], (0.0, 1_610.0));
        // The fit floors the model that knows nothing beyond chance at half a fact.
        let fitted = floats(&totals(&facts(), 16).unwrap(), KNOWN_FITTED).unwrap();
        assert_eq!(fitted, vec![70.0, 0.5]);
    }
}
