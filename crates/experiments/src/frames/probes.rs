//! `probes`: one row per probed fact, the caller's key columns (sweep point, seed, step,
//! arm, ...) followed by the eleven probe-result columns every experiment that probes
//! writes (train-smoke, acquisition, fine-tuning, hallucination).

use polars::prelude::*;
use skm_trainer::probe::{Answer, Probe, ProbeResult, Strata, bucket_label, bucket_of};

pub use super::columns::{ATTRIBUTE, ENTITY};

/// The frame's name.
pub const NAME: &str = "probes";

// Keys that several experiments' probe frames carry.

/// The probe's index in its probe set.
pub const PROBE: &str = "probe";
/// How often the probed fact is expected to be stated in the training stream, from its
/// entity's weight.
pub const EXPECTED_EXPOSURES: &str = "expected_exposures";

// The probe-result columns of [`ProbeColumns`].

/// Times the fact is stated in the training stream.
pub const EXPOSURES: &str = "exposures";
/// The probe's bucket label (`never seen`, `never stated`, `1`, `2-3`, ...).
pub const BUCKET: &str = "bucket";
/// The bucket's order: -1 never seen, 0 never stated, then ascending.
pub const BUCKET_ORDER: &str = "bucket_order";
/// `correct`, `hallucinated` or `malformed`.
pub const ANSWER: &str = "answer";
/// Whether the answer is the true value.
pub const CORRECT: &str = "correct";
/// The model's probability of the true value.
pub const P_TRUE: &str = "p_true";
/// The model's probability of its argmax.
pub const P_ARGMAX: &str = "p_argmax";
/// The model's mass on the attribute's valid values.
pub const VALID_MASS: &str = "valid_mass";
/// The entropy of the model's answer distribution, bits.
pub const ENTROPY_BITS: &str = "entropy_bits";

/// The columns of one probe row each, to append to the caller's key columns:
/// `entity, attribute, exposures, bucket, bucket_order, answer, correct, p_true, p_argmax,
/// valid_mass, entropy_bits`.
#[derive(Default)]
pub struct ProbeColumns {
    entity: Vec<i64>,
    attribute: Vec<u32>,
    exposures: Vec<u64>,
    bucket: Vec<String>,
    bucket_order: Vec<i32>,
    answer: Vec<&'static str>,
    correct: Vec<bool>,
    p_true: Vec<f64>,
    p_argmax: Vec<f64>,
    valid_mass: Vec<f64>,
    entropy_bits: Vec<f64>,
}

impl ProbeColumns {
    /// Appends the row of `probe`, bucketed by `strata`, answered with `result`.
    pub fn push(&mut self, probe: &Probe, strata: Strata, result: &ProbeResult) {
        self.entity.push(probe.entity.map_or(-1, i64::from));
        self.attribute.push(u32::from(probe.attribute));
        self.exposures.push(probe.exposures);
        let bucket = bucket_of(probe, strata);
        self.bucket.push(bucket_label(bucket));
        self.bucket_order.push(bucket);
        self.answer.push(result.answer.as_str());
        self.correct.push(result.answer == Answer::Correct);
        self.p_true.push(result.p_true);
        self.p_argmax.push(result.p_argmax);
        self.valid_mass.push(result.valid_mass);
        self.entropy_bits.push(result.entropy_bits);
    }

    /// The eleven columns.
    pub fn columns(self) -> Vec<Column> {
        vec![
            Column::new(ENTITY.into(), self.entity),
            Column::new(ATTRIBUTE.into(), self.attribute),
            Column::new(EXPOSURES.into(), self.exposures),
            Column::new(BUCKET.into(), self.bucket),
            Column::new(BUCKET_ORDER.into(), self.bucket_order),
            Column::new(ANSWER.into(), self.answer),
            Column::new(CORRECT.into(), self.correct),
            Column::new(P_TRUE.into(), self.p_true),
            Column::new(P_ARGMAX.into(), self.p_argmax),
            Column::new(VALID_MASS.into(), self.valid_mass),
            Column::new(ENTROPY_BITS.into(), self.entropy_bits),
        ]
    }

    /// `keys` (the caller's key columns, one value per row) with the probe columns after
    /// them.
    pub fn frame(self, keys: DataFrame) -> PolarsResult<DataFrame> {
        let mut frame = keys;
        frame.hstack_mut(&self.columns())?;
        Ok(frame)
    }
}

/// `answer == given`: the rows of probes answered `given`.
pub fn answered(given: Answer) -> Expr {
    super::is(ANSWER, given.as_str())
}
