//! What the analysis reads off one point's frames: bits per token of every coder.

use super::schema::codes;
use crate::error::{Result, ensure};
use crate::frames::training;
use polars::prelude::*;

use super::CODERS;
use crate::frames::columns::{POINT, STEP};
use crate::frames::scalar;
use crate::frames::training::LOSS_NATS;
use crate::{FrameSet, Frames, floats, rows_where};

/// One point's codes: bits per token of each coder per seed, and the transformer's pass.
pub(super) struct Codes {
    /// Bits per token of each coder (in the order of [`CODERS`]), one value per seed, in seed
    /// order.
    pub values: Vec<Vec<f64>>,
    /// Their seed means.
    pub means: Vec<f64>,
    /// Seeds (values of the oracle).
    pub seeds: usize,
    /// Seed mean of the tokens the transformer coded (those of its full batches).
    pub coded: f64,
    /// Seed mean of the tokens in the stream.
    pub stream_tokens: f64,
    /// Steps of the transformer's pass.
    pub steps: f64,
    /// The transformer's mean loss over the last tenth of the steps (seeds pooled), in bits.
    pub late_bits: f64,
    /// Bytes per token written for the byte coders (seed mean).
    pub token_bytes: f64,
}

/// The mean of `v` (NaN when empty).
pub(super) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

impl Codes {
    /// The codes of point `label`.
    pub fn read(frames: &Frames, label: &str) -> Result<Self> {
        let codes = rows_where(&frames.frame(codes::NAME)?, POINT, label)?;
        let training = rows_where(&frames.frame(training::NAME)?, POINT, label)?;
        let mut values = Vec::new();
        for (key, _) in CODERS {
            let v = floats(
                &rows_where(&codes, codes::CODER, key)?,
                codes::BITS_PER_TOKEN,
            )?;
            ensure!(!v.is_empty(), "compression: no {key} rows at {label}");
            values.push(v);
        }
        let means: Vec<f64> = values.iter().map(|v| mean(v)).collect();
        let seeds = values[0].len();
        let transformer_rows = rows_where(&codes, codes::CODER, "transformer")?;
        let coded = mean(&floats(&transformer_rows, codes::CODED_TOKENS)?);
        let stream_tokens = mean(&floats(&transformer_rows, codes::STREAM_TOKENS)?);
        let steps = floats(&training, STEP)?.into_iter().fold(-1.0, f64::max) + 1.0;
        // The transformer's rate at the end of the pass: its mean loss over the last tenth
        // of the steps (seeds pooled), in bits.
        let late = (training.clone().lazy()).filter(
            col(STEP)
                .cast(DataType::Float64)
                .gt_eq(lit((0.9 * steps).floor())),
        );
        let late_bits = col(LOSS_NATS).cast(DataType::Float64) / lit(std::f64::consts::LN_2);
        Ok(Self {
            values,
            means,
            seeds,
            coded,
            stream_tokens,
            steps,
            late_bits: scalar(late, late_bits.mean())?,
            token_bytes: mean(&floats(&transformer_rows, codes::TOKEN_BYTES)?),
        })
    }

    /// `name bits` for each coder, `, `-separated.
    pub fn listing(&self) -> String {
        CODERS
            .iter()
            .zip(&self.means)
            .map(|(&(_, name), &m)| format!("{name} {}", crate::num(m)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
