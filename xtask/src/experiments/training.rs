//! What the experiments that train a transformer share: their configurations, the model's
//! name in prose, and the frame of training losses.

use anyhow::{Context, Result};
use polars::prelude::*;
use skm_trainer::{ModelConfig, StepOutcome, TrainConfig};

use crate::spec::Spec;

/// The model and training configurations of a spec (checked by `Spec::load`).
pub fn configs(spec: &Spec) -> Result<(&ModelConfig, &TrainConfig)> {
    let file = spec.path.display();
    let name = &spec.experiment;
    let model = spec
        .model
        .as_ref()
        .with_context(|| format!("{file}: {name} needs a [model] table"))?;
    let train = spec
        .train
        .as_ref()
        .with_context(|| format!("{file}: {name} needs a [train] table"))?;
    Ok((model, train))
}

/// `d=.., L layer(s), h head(s), context T`, for prose.
pub fn model_label(model: &ModelConfig) -> String {
    format!(
        "d={}, {} layer(s), {} head(s), context {}",
        model.d_model, model.n_layers, model.n_heads, model.context
    )
}

/// The `training` frame: one row per optimizer step.
#[derive(Default)]
pub struct LossRows {
    point: Vec<String>,
    seed: Vec<u64>,
    step: Vec<u64>,
    loss_nats: Vec<f32>,
    learning_rate: Vec<f64>,
}

impl LossRows {
    /// Records one step of the run of `point` and `seed`.
    pub fn push(&mut self, point: &str, seed: u64, outcome: &StepOutcome) {
        self.point.push(point.to_string());
        self.seed.push(seed);
        self.step.push(outcome.step as u64);
        self.loss_nats.push(outcome.loss);
        self.learning_rate.push(outcome.learning_rate);
    }

    /// Columns `point, seed, step, loss_nats, learning_rate`.
    pub fn frame(self) -> Result<DataFrame> {
        Ok(df!(
            "point" => self.point,
            "seed" => self.seed,
            "step" => self.step,
            "loss_nats" => self.loss_nats,
            "learning_rate" => self.learning_rate,
        )?)
    }
}
