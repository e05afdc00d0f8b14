//! `training`: the training curve, one row per optimizer step of every run of an
//! experiment (`point, seed, step, loss_nats, learning_rate`).

use polars::prelude::*;
use skm_trainer::{StepOutcome, TrainConfig, TrainState};

use super::columns::{POINT, SEED, STEP};
use crate::error::Result;

/// The frame's name.
pub const NAME: &str = "training";
/// The step's training loss, nats per token.
pub const LOSS_NATS: &str = "loss_nats";
/// The step's learning rate.
pub const LEARNING_RATE: &str = "learning_rate";

/// The builder of the frame.
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
            POINT => self.point,
            SEED => self.seed,
            STEP => self.step,
            LOSS_NATS => self.loss_nats,
            LEARNING_RATE => self.learning_rate,
        )?)
    }
}

impl LossRows {
    /// Records every step of a finished run from its saved losses (the learning rate is the
    /// schedule's at each step).
    pub fn push_run(&mut self, point: &str, seed: u64, state: &TrainState, train: &TrainConfig) {
        for (step, &loss) in state.losses.iter().enumerate() {
            self.push(
                point,
                seed,
                &StepOutcome {
                    step,
                    loss,
                    learning_rate: skm_trainer::schedule::learning_rate(train, step),
                    grad_norm: None,
                },
            );
        }
    }
}
