//! The `[analysis]` table of fine-tuning, its checks and the tuning run it sets.

use crate::error::{Context, Result, ensure_config};
use serde::Deserialize;
use skm_trainer::TrainConfig;

use crate::spec::Spec;
use crate::training::configs;
use crate::{check_fraction, check_positive, check_range};

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Params {
    /// Facts tuned in each arm at most: the known arm takes up to this many facts the model
    /// knows, and the unknown arm mirrors it (one never-seen entity per known-arm entity, with
    /// facts of the same attributes), so both arms tune as many facts of as many entities.
    pub tune_facts: usize,
    /// Tuning steps = `ceil(tune_fraction x train.steps)`; its warmup is the pre-training's
    /// scaled the same way, with the same batch and context.
    pub tune_fraction: f64,
    /// Peak learning rate of tuning; it decays (cosine) to the same fraction of it as
    /// pre-training's `min_learning_rate / learning_rate`.
    pub tune_learning_rate: f64,
    /// Evaluations during tuning: this many per decade of steps (and at steps 0 and last).
    pub evaluations_per_decade: u32,
    /// Held-out probes per true-frequency bucket, and never-seen entities probed.
    pub probes_per_bucket: usize,
    /// C10 format: one threshold for both: the format is learned once this share of held-out
    /// QA probes gets a value of the asked attribute, and the new facts once this share of
    /// them is answered correctly.
    pub learned_share: f64,
    /// C10 format: how many decades of steps earlier the format must be learned.
    pub decades: f64,
    /// C10 forgetting: buckets compared must have at least this template accuracy before
    /// tuning.
    pub forgetting_min_accuracy: f64,
    /// C10 forgetting: buckets compared must hold at least this many template probes (over
    /// all seeds), so that no share lost rests on a handful of probes.
    pub forgetting_min_probes: usize,
    /// C10 forgetting and hallucination: the least difference of shares that counts as larger.
    pub min_difference: f64,
}

/// Tuning steps and schedule: see [`Params`].
pub(super) fn tune_config(train: &TrainConfig, p: &Params) -> TrainConfig {
    let steps = ((train.steps as f64 * p.tune_fraction).ceil() as usize).max(1);
    let warmup = ((train.warmup_steps as f64 * p.tune_fraction).round() as usize).min(steps);
    TrainConfig {
        steps,
        warmup_steps: warmup,
        learning_rate: p.tune_learning_rate,
        min_learning_rate: p.tune_learning_rate * train.min_learning_rate / train.learning_rate,
        eval_every: 0,
        patience: None,
        checkpoint_every: 0,
        ..train.clone()
    }
}

/// Checks the `[analysis]` table, the generator, model and training tables and the tuning
/// run.
pub(super) fn check(spec: &Spec) -> Result<()> {
    let p: Params = spec.analysis()?;
    let file = spec.path.display();
    let (_, train) = configs(spec)?;
    ensure_config!(
        spec.generator.is_some(),
        "{file}: fine-tuning needs a [generator] table"
    );
    ensure_config!(
        train.eval_every == 0,
        "{file}: train.eval_every = {} is out of range: allowed 0 (pre-training runs its whole budget)",
        train.eval_every
    );
    check_range(spec, "tune_facts", p.tune_facts, 1..=1_000_000)?;
    check_positive(spec, "tune_fraction", p.tune_fraction, 10.0)?;
    check_positive(spec, "tune_learning_rate", p.tune_learning_rate, 1.0)?;
    tune_config(train, &p).validate().with_context(|| {
        format!(
            "{file}: the tuning run ({}, {} and [train])",
            spec.analysis_key("tune_fraction"),
            spec.analysis_key("tune_learning_rate")
        )
    })?;
    check_range(
        spec,
        "evaluations_per_decade",
        p.evaluations_per_decade,
        1..=50,
    )?;
    check_range(spec, "probes_per_bucket", p.probes_per_bucket, 1..=100_000)?;
    check_fraction(spec, "learned_share", p.learned_share)?;
    check_fraction(spec, "forgetting_min_accuracy", p.forgetting_min_accuracy)?;
    check_range(
        spec,
        "forgetting_min_probes",
        p.forgetting_min_probes,
        1..=100_000,
    )?;
    check_fraction(spec, "min_difference", p.min_difference)?;
    check_positive(spec, "decades", p.decades, 10.0)?;
    Ok(())
}
