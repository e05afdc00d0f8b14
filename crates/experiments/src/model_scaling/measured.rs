//! What model-scaling's frames say at one sweep point: the excess curves by seed and the
//! facts known by model, seed and exposure bucket.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Context, Result};
use polars::prelude::*;

use super::schema::facts::{self, KNOWN_FACTS, STATED_FACTS};
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
    /// Facts known against block parameters, one curve per seed; a model that knows
    /// no fact counts as half a fact (log 0 is undefined): the curves fitted and drawn.
    pub known: Vec<Curve>,
    /// The same with the true counts.
    pub known_raw: Vec<Curve>,
    /// (seed, block parameters) -> (facts known, facts stated), over buckets.
    pub totals: BTreeMap<(u64, u64), (f64, f64)>,
    /// (block parameters, bucket order) -> facts known of those stated.
    pub by_bucket: BTreeMap<(u64, u64), BucketFacts>,
    /// Seed means of the excess, of the facts known (as fitted) and of the true counts.
    seed_means: [Vec<(f64, f64)>; 3],
    /// Seed mean of the excess above the data floor.
    above_floor_mean: Vec<(f64, f64)>,
}

/// The columns `Measured` adds to the point's `scaling` rows: the exact data floor per
/// scored token, and the excess above it.
const FLOOR: &str = "floor_bits_per_token";
const ABOVE_FLOOR: &str = "above_floor_bits_per_token";
/// The column of `facts` that floors the known facts at half a fact.
const KNOWN_FITTED: &str = "known_fitted";

impl Measured {
    /// Reads the `scaling`, `facts` and `theory_floor` frames at the sweep point `label`
    /// (`test_sentences` held-out sentences per seed).
    pub fn of(frames: &Frames, label: &str, test_sentences: u64) -> Result<Self> {
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
        let totals = totals(&facts)?;
        let curves = |frame: &DataFrame, y: &str| curves_by_seed(frame, BLOCK_PARAMETERS, y);
        let mean = |frame: &DataFrame, y: &str| mean_over_seeds(frame, BLOCK_PARAMETERS, y);
        Ok(Measured {
            above_floor: curves(&all, ABOVE_FLOOR)?,
            floor_bits_per_token: scalar(all.clone().lazy(), col(FLOOR).mean())?,
            training_sentences,
            known: curves(&totals, KNOWN_FITTED)?,
            known_raw: curves(&totals, KNOWN_FACTS)?,
            totals: total_map(&totals)?,
            by_bucket: by_bucket(&facts)?,
            seed_means: [
                mean(&all, EXCESS_BITS_PER_TOKEN)?,
                mean(&totals, KNOWN_FITTED)?,
                mean(&totals, KNOWN_FACTS)?,
            ],
            above_floor_mean: mean(&all, ABOVE_FLOOR)?,
        })
    }

    /// Whether some model of some seed knows no fact.
    pub fn none_known(&self) -> bool {
        self.known_raw.iter().any(|c| c.1.contains(&0.0))
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

    /// Mean over seeds of the excess, of the facts known (as fitted) and of the true counts.
    pub fn means(&self) -> [Vec<(f64, f64)>; 3] {
        self.seed_means.clone()
    }

    /// Mean over seeds of the excess above the data floor.
    pub fn mean_above_floor(&self) -> Vec<(f64, f64)> {
        self.above_floor_mean.clone()
    }
}

/// Facts known and stated per (seed, block parameters), summed over buckets, with the known
/// facts floored at half a fact (log 0 is undefined) for the fits:
/// `group_by([seed, block_parameters]).agg([sum(known_facts), sum(stated_facts)])`.
fn totals(facts: &DataFrame) -> Result<DataFrame> {
    let known = col(KNOWN_FACTS).cast(DataType::Float64);
    Ok(facts
        .clone()
        .lazy()
        .group_by([col(SEED), col(BLOCK_PARAMETERS)])
        .agg([
            known.sum().alias(KNOWN_FACTS),
            col(STATED_FACTS).cast(DataType::Float64).sum(),
        ])
        .with_column(
            when(col(KNOWN_FACTS).lt(lit(0.5)))
                .then(lit(0.5))
                .otherwise(col(KNOWN_FACTS))
                .alias(KNOWN_FITTED),
        )
        .sort([SEED, BLOCK_PARAMETERS], SortMultipleOptions::default())
        .collect()?)
}

/// `totals` as (seed, block parameters) -> (facts known, facts stated).
fn total_map(totals: &DataFrame) -> Result<BTreeMap<(u64, u64), (f64, f64)>> {
    let [seed, params, known, stated] =
        [SEED, BLOCK_PARAMETERS, KNOWN_FACTS, STATED_FACTS].map(|c| floats(totals, c));
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
