//! What the analysis reads off one point's frames: seed means at each evaluated step.

use super::schema::EPOCHS;
use std::collections::BTreeMap;

use crate::error::Result;
use polars::prelude::*;
use skm_trainer::probe::{Answer, NEVER_SEEN};

use crate::frames::columns::{ROLE, STEP};
use crate::frames::evaluations::EXCESS_BITS_PER_TOKEN;
use crate::frames::probes::{
    BUCKET, BUCKET_ORDER, CORRECT, EXPOSURES, P_ARGMAX, VALID_MASS, answered,
};
use crate::frames::{Frame, floats, is, mean_by, scalar, strings};
use crate::settles_below;

/// One point's rows of `evaluations` and `probes`.
pub(super) struct PointCurves {
    evals: Frame,
    probes: Frame,
    /// The last evaluated step.
    pub last_step: f64,
    /// Every probed bucket: its order (-1 never seen, 0 never stated) and label.
    pub buckets: BTreeMap<i32, String>,
}

/// Never-seen entities at the last evaluation: shares and means over their probes.
pub(super) struct NeverSeen {
    /// Share of probes whose argmax is malformed.
    pub malformed: f64,
    /// Mean mass on the attribute's valid values.
    pub valid_mass: f64,
    /// Mean probability of the argmax.
    pub p_argmax: f64,
}

impl PointCurves {
    pub fn read(evals: Frame, probes: Frame) -> Result<Self> {
        let last_step = floats(&evals, STEP)?.into_iter().fold(0.0, f64::max);
        let orders = floats(&probes, BUCKET_ORDER)?;
        let buckets = orders
            .iter()
            .map(|&order| order as i32)
            .zip(strings(&probes, BUCKET)?)
            .collect();
        Ok(Self {
            evals,
            probes,
            last_step,
            buckets,
        })
    }

    /// The probe rows of `bucket`.
    fn bucket(&self, bucket: i32) -> LazyFrame {
        self.probes
            .clone()
            .lazy()
            .filter(col(BUCKET_ORDER).eq(lit(bucket)))
    }

    /// Seed means of the held-out excess of `role` at each evaluated step.
    pub fn excess(&self, role: &str) -> Result<Vec<(f64, f64)>> {
        let rows = self.evals.clone().lazy().filter(is(ROLE, role));
        mean_by(rows, STEP, col(EXCESS_BITS_PER_TOKEN))
    }

    /// C4: the step from which the excess of `role` stays below `floor` for good.
    pub fn settles(&self, role: &str, floor: f64) -> Result<Option<f64>> {
        Ok(settles_below(&self.excess(role)?, floor))
    }

    /// Seed-mean accuracy of the probes of `bucket` at each evaluated step.
    pub fn accuracy(&self, bucket: i32) -> Result<Vec<(f64, f64)>> {
        mean_by(self.bucket(bucket), STEP, col(CORRECT))
    }

    /// Epochs of the stream presented by `step`, in the first row evaluated then (NaN for a
    /// step that was not evaluated). Random windows present each sentence
    /// `epochs = step B T / train_tokens` times in expectation.
    pub fn epochs_at(&self, step: f64) -> Result<f64> {
        let rows = self.probes.clone().lazy().filter(col(STEP).eq(lit(step)));
        scalar(rows, col(EPOCHS).first())
    }

    /// Mean exposures in the stream of the probed facts of `bucket`.
    pub fn mean_exposures(&self, bucket: i32) -> Result<f64> {
        scalar(self.bucket(bucket), col(EXPOSURES).mean())
    }

    /// C7 (order): the step at which each stated bucket (ascending) first reaches `known`.
    pub fn acquired(&self, known: f64) -> Result<Vec<(i32, Option<f64>)>> {
        let mut acquired = Vec::new();
        for &bucket in self.buckets.keys().filter(|&&b| b >= 1) {
            let curve = self.accuracy(bucket)?;
            acquired.push((
                bucket,
                curve.iter().find(|&&(_, a)| a >= known).map(|&(s, _)| s),
            ));
        }
        Ok(acquired)
    }

    /// C7 (exposures): for each bucket that became known after `start` (the step from which
    /// syntax has settled), its mean exposures in the stream and how many times its facts
    /// were seen from `start` until then: a fact stated e times is seen
    /// `e (epochs(known) - epochs(start))` times. Buckets known by `start` were learned while
    /// the syntax still was, and are left out; so are pairs that are not positive.
    pub fn known_after(
        &self,
        acquired: &[(i32, Option<f64>)],
        start: f64,
    ) -> Result<Vec<(f64, f64)>> {
        let since = self.epochs_at(start)?;
        let mut known = Vec::new();
        for &(bucket, step) in acquired {
            if let Some(step) = step.filter(|&s| s > start) {
                let e = self.mean_exposures(bucket)?;
                known.push((e, e * (self.epochs_at(step)? - since)));
            }
        }
        known.retain(|&(e, seen)| e > 0.0 && seen > 0.0);
        Ok(known)
    }

    /// Never-seen entities at the last evaluated step.
    pub fn never_seen(&self) -> Result<NeverSeen> {
        let last = (self.probes.clone().lazy())
            .filter(is(BUCKET, NEVER_SEEN).and(col(STEP).eq(lit(self.last_step))));
        // A mean over no probe reads as 0.
        let mean = |value: Expr| scalar(last.clone(), value.mean().fill_null(lit(0.0)));
        Ok(NeverSeen {
            malformed: mean(answered(Answer::Malformed).cast(DataType::Float64))?,
            valid_mass: mean(col(VALID_MASS))?,
            p_argmax: mean(col(P_ARGMAX))?,
        })
    }
}
