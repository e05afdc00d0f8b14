//! What model-scaling's frames say at one sweep point: the excess curves by seed and the
//! facts known by model, seed and exposure bucket.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::{Curve, FrameSet, Frames, curves_by_seed, floats, mean_curve, rows_where};

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
    /// Test excess over the oracle (bits/token, all tokens) against block
    /// parameters, one curve per seed.
    pub excess: Vec<Curve>,
    /// The same minus the exact data floor (the Bayes learner's expected excess after the
    /// training stream, per scored token of the seed's test set): what C6 fits.
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
}

impl Measured {
    /// Reads the `scaling`, `facts` and `theory_floor` frames at the sweep point `label`
    /// (`test_sentences` held-out sentences per seed).
    pub fn of(frames: &Frames, label: &str, test_sentences: u64) -> Result<Self> {
        let all = rows_where(
            &rows_where(frames.frame("scaling")?, "sweep", label)?,
            "role",
            "all",
        )?;
        let excess = curves_by_seed(&all, "block_parameters", "excess_bits_per_token")?;
        let floor = rows_where(frames.frame("theory_floor")?, "sweep", label)?;
        let per_sentence = floats(&floor, "expected_excess_bits_per_sentence")?;
        let training_sentences = floats(&floor, "n")?.first().copied().unwrap_or(f64::NAN);
        let per_sentence = *per_sentence
            .first()
            .with_context(|| format!("theory_floor has no row for {label}"))?;
        let scored = curves_by_seed(&all, "block_parameters", "scored_tokens")?;
        let floors: Vec<Vec<f64>> = (scored.iter())
            .map(|(_, tokens)| {
                let per_token = |t: &f64| per_sentence * test_sentences as f64 / t;
                tokens.iter().map(per_token).collect()
            })
            .collect();
        let above_floor = (excess.iter().zip(&floors))
            .map(|((x, y), f)| (x.clone(), y.iter().zip(f).map(|(y, f)| y - f).collect()))
            .collect();
        let flat: Vec<f64> = floors.concat();
        let floor_bits_per_token = flat.iter().sum::<f64>() / flat.len().max(1) as f64;
        let facts = &rows_where(frames.frame("facts")?, "sweep", label)?;
        let totals = totals(facts)?;
        let (known, known_raw) = known_curves(&totals);
        Ok(Measured {
            excess,
            above_floor,
            floor_bits_per_token,
            training_sentences,
            known,
            known_raw,
            totals,
            by_bucket: by_bucket(facts)?,
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
        [
            mean_curve(&self.excess),
            mean_curve(&self.known),
            mean_curve(&self.known_raw),
        ]
    }

    /// Mean over seeds of the excess above the data floor.
    pub fn mean_above_floor(&self) -> Vec<(f64, f64)> {
        mean_curve(&self.above_floor)
    }
}

/// Facts known and stated per (seed, block parameters), summed over buckets.
fn totals(facts: &DataFrame) -> Result<BTreeMap<(u64, u64), (f64, f64)>> {
    let (seed, params, known, stated) = (
        floats(facts, "seed")?,
        floats(facts, "block_parameters")?,
        floats(facts, "known_facts")?,
        floats(facts, "stated_facts")?,
    );
    let mut totals: BTreeMap<(u64, u64), (f64, f64)> = BTreeMap::new();
    for i in 0..seed.len() {
        let entry = totals
            .entry((seed[i] as u64, params[i] as u64))
            .or_default();
        entry.0 += known[i];
        entry.1 += stated[i];
    }
    Ok(totals)
}

/// Per-seed curves of facts known against parameters: floored at half a fact, and raw.
fn known_curves(totals: &BTreeMap<(u64, u64), (f64, f64)>) -> (Vec<Curve>, Vec<Curve>) {
    let mut floored: BTreeMap<u64, Curve> = BTreeMap::new();
    let mut raw: BTreeMap<u64, Curve> = BTreeMap::new();
    for (&(seed, params), &(known, _)) in totals {
        let curve = floored.entry(seed).or_default();
        curve.0.push(params as f64);
        curve.1.push(known.max(0.5));
        let curve = raw.entry(seed).or_default();
        curve.0.push(params as f64);
        curve.1.push(known);
    }
    (floored.into_values().collect(), raw.into_values().collect())
}

/// Facts known of those stated per (model, bucket), pooled over seeds, with their labels.
fn by_bucket(facts: &DataFrame) -> Result<BTreeMap<(u64, u64), BucketFacts>> {
    let params = floats(facts, "block_parameters")?;
    let (known, stated) = (
        floats(facts, "known_facts")?,
        floats(facts, "stated_facts")?,
    );
    let order = floats(facts, "bucket_order")?;
    let labels = facts.column("point")?.str()?;
    let buckets = facts.column("bucket")?.str()?;
    let mut by_bucket: BTreeMap<(u64, u64), BucketFacts> = BTreeMap::new();
    for i in 0..facts.height() {
        let entry = by_bucket
            .entry((params[i] as u64, order[i] as u64))
            .or_insert_with(|| BucketFacts {
                model: labels.get(i).unwrap_or_default().to_string(),
                bucket: buckets.get(i).unwrap_or_default().to_string(),
                known: 0.0,
                stated: 0.0,
            });
        entry.known += known[i];
        entry.stated += stated[i];
    }
    Ok(by_bucket)
}
