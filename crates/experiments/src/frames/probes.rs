//! The probe-result columns every experiment that probes writes.

use polars::prelude::*;
use skm_trainer::probe::{Answer, Probe, ProbeResult, Strata, bucket_label, bucket_of};

use super::columns::*;

/// The columns of one probe row each, to append to the caller's key columns:
/// `entity, attribute, exposures, bucket, bucket_order, answer, correct, p_true, p_argmax,
/// valid_mass, entropy_bits` (see [`super::columns`]).
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
