//! What the analysis reads off one point's frames: seed means at each evaluated step.

use std::collections::BTreeMap;

use anyhow::{Result, ensure};
use polars::prelude::*;
use skm_trainer::probe::NEVER_SEEN;

use crate::{floats, rows_where, settles_below};

/// One point's rows of `evaluations` and `probes`, with the probe columns the curves use.
pub(super) struct PointCurves {
    evals: DataFrame,
    probes: DataFrame,
    /// The last evaluated step.
    pub last_step: f64,
    /// Every probed bucket: its order (-1 never seen, 0 never stated) and label.
    pub buckets: BTreeMap<i32, String>,
    orders: Vec<f64>,
    steps: Vec<f64>,
    correct: Vec<f64>,
    exposures: Vec<f64>,
    epochs: Vec<f64>,
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
    pub fn read(evals: DataFrame, probes: DataFrame) -> Result<Self> {
        let last_step = floats(&evals, "step")?.into_iter().fold(0.0, f64::max);
        let mut buckets: BTreeMap<i32, String> = BTreeMap::new();
        let orders = floats(&probes, "bucket_order")?;
        let labels: Vec<String> = probes
            .column("bucket")?
            .str()?
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect();
        for (order, label) in orders.iter().zip(&labels) {
            buckets.insert(*order as i32, label.clone());
        }
        let (steps, correct) = (floats(&probes, "step")?, floats(&probes, "correct")?);
        let (exposures, epochs) = (floats(&probes, "exposures")?, floats(&probes, "epochs")?);
        Ok(Self {
            evals,
            probes,
            last_step,
            buckets,
            orders,
            steps,
            correct,
            exposures,
            epochs,
        })
    }

    /// Seed means of the held-out excess of `role` at each evaluated step.
    pub fn excess(&self, role: &str) -> Result<Vec<(f64, f64)>> {
        let rows = rows_where(&self.evals, "role", role)?;
        mean_by_step(
            &floats(&rows, "step")?,
            &floats(&rows, "excess_bits_per_token")?,
        )
    }

    /// C4: the step from which the excess of `role` stays below `floor` for good.
    pub fn settles(&self, role: &str, floor: f64) -> Result<Option<f64>> {
        Ok(settles_below(&self.excess(role)?, floor))
    }

    /// Seed-mean accuracy of the probes of `bucket` at each evaluated step.
    pub fn accuracy(&self, bucket: i32) -> Result<Vec<(f64, f64)>> {
        let (mut s, mut c) = (Vec::new(), Vec::new());
        for ((&o, &step), &ok) in self.orders.iter().zip(&self.steps).zip(&self.correct) {
            if o as i32 == bucket {
                s.push(step);
                c.push(ok);
            }
        }
        mean_by_step(&s, &c)
    }

    /// Epochs of the stream presented by `step` (NaN for a step that was not evaluated).
    /// Random windows present each sentence `epochs = step B T / train_tokens` times in
    /// expectation.
    pub fn epochs_at(&self, step: f64) -> f64 {
        self.steps
            .iter()
            .position(|&s| s == step)
            .map_or(f64::NAN, |i| self.epochs[i])
    }

    /// Mean exposures in the stream of the probed facts of `bucket`.
    pub fn mean_exposures(&self, bucket: i32) -> f64 {
        let v: Vec<f64> = self
            .orders
            .iter()
            .zip(&self.exposures)
            .filter(|(o, _)| **o as i32 == bucket)
            .map(|(_, e)| *e)
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
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
    pub fn known_after(&self, acquired: &[(i32, Option<f64>)], start: f64) -> Vec<(f64, f64)> {
        let since = self.epochs_at(start);
        acquired
            .iter()
            .filter_map(|&(b, s)| {
                s.filter(|&s| s > start).map(|s| {
                    let e = self.mean_exposures(b);
                    (e, e * (self.epochs_at(s) - since))
                })
            })
            .filter(|&(e, seen)| e > 0.0 && seen > 0.0)
            .collect()
    }

    /// Never-seen entities at the last evaluated step.
    pub fn never_seen(&self) -> Result<NeverSeen> {
        let fresh = rows_where(&self.probes, "bucket", NEVER_SEEN)?;
        let is_final: Vec<bool> = floats(&fresh, "step")?
            .into_iter()
            .map(|s| s == self.last_step)
            .collect();
        let fresh_final = fresh.filter(&BooleanChunked::from_slice("final".into(), &is_final))?;
        let mean = |column: &str| -> Result<f64> {
            let v = floats(&fresh_final, column)?;
            Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
        };
        let answers = fresh_final.column("answer")?.str()?;
        let malformed = answers.iter().filter(|a| *a == Some("malformed")).count() as f64
            / fresh_final.height().max(1) as f64;
        Ok(NeverSeen {
            malformed,
            valid_mass: mean("valid_mass")?,
            p_argmax: mean("p_argmax")?,
        })
    }
}

/// The mean of `y` at each distinct `x` (sorted by `x`).
fn mean_by_step(x: &[f64], y: &[f64]) -> Result<Vec<(f64, f64)>> {
    ensure!(x.len() == y.len(), "columns of unequal length");
    let mut sums: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (&x, &y) in x.iter().zip(y) {
        let entry = sums.entry(x as u64).or_default();
        entry.0 += y;
        entry.1 += 1.0;
    }
    Ok(sums
        .into_iter()
        .map(|(x, (sum, n))| (x as f64, sum / n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_are_per_step() {
        let m = mean_by_step(&[2.0, 1.0, 2.0], &[1.0, 5.0, 0.0]).unwrap();
        assert_eq!(m, vec![(1.0, 5.0), (2.0, 0.5)]);
    }
}
