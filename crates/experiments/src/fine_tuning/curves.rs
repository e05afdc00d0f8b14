//! What fine-tuning's analysis reads off its `probes` frame: per point, the curves of both
//! arms against tuning steps, as polars expressions over the point's rows.

use super::schema::{ARM, FORMAT, KNOWN_BEFORE, SET};
use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use polars::prelude::*;
use skm_trainer::probe::NEVER_SEEN;

use crate::frames::columns::{ENTITY, POINT, SEED, STEP};
use crate::frames::probes::{BUCKET_ORDER, P_ARGMAX, answered};
use crate::frames::{Frame, count, floats, is, mean_by, scalar};
use crate::num;
use skm_trainer::probe::Answer;

/// The rows of probe set `set` asked in `format`.
fn asked(set: &str, format: &str) -> Expr {
    is(SET, set).and(is(FORMAT, format))
}

/// The first step (from step 1) at which `curve` reaches `threshold`.
pub(super) fn first_reach(curve: &[(f64, f64)], threshold: f64) -> Option<f64> {
    curve
        .iter()
        .find(|&&(s, y)| s >= 1.0 && y >= threshold)
        .map(|&(s, _)| s)
}

/// The value at step 0 and at the last step.
pub(super) fn ends(curve: &[(f64, f64)]) -> (f64, f64) {
    let first = curve.first().map_or(f64::NAN, |&(_, y)| y);
    let last = curve.last().map_or(f64::NAN, |&(_, y)| y);
    (first, last)
}

/// When `curve` first reaches `threshold`, in words.
pub(super) fn reach(curve: &[(f64, f64)], threshold: f64) -> String {
    first_reach(curve, threshold).map_or_else(
        || "never within the run".to_string(),
        |s| format!("first at step {}", num(s)),
    )
}

/// The points from step 1 on (log axes).
pub(super) fn from_step_one(curve: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    curve.into_iter().filter(|&(s, _)| s >= 1.0).collect()
}

/// The curves of one arm against tuning steps.
pub(super) struct ArmCurves {
    /// Held-out QA probes answered with a value of the asked attribute (the format).
    pub format: Vec<(f64, f64)>,
    /// Tuned facts answered correctly in QA format.
    pub facts: Vec<(f64, f64)>,
    /// Held-out facts known before tuning, asked in QA format: hallucinated share.
    pub hallucinated: Vec<(f64, f64)>,
    /// The same facts: correct share.
    pub correct: Vec<(f64, f64)>,
    /// Never-seen entities in QA format: mean p(argmax).
    pub confidence: Vec<(f64, f64)>,
    /// Template accuracy of held-out facts, by true-frequency bucket (ascending).
    pub by_bucket: Vec<(i32, Vec<(f64, f64)>)>,
}

impl ArmCurves {
    /// The curves of `arm` from a point's `rows`; `buckets` are its held-out buckets.
    fn new(rows: &LazyFrame, arm: &str, buckets: &BTreeSet<i32>) -> Result<Self> {
        let arm = rows.clone().filter(is(ARM, arm));
        let share = |keep: Expr, value: Expr| mean_by(arm.clone().filter(keep), STEP, value);
        let correct = || answered(Answer::Correct);
        let held_out_qa = || asked("held-out", "qa");
        let known_qa = || held_out_qa().and(col(KNOWN_BEFORE));
        let by_bucket = buckets
            .iter()
            .map(|&b| {
                let keep = asked("held-out", "template").and(col(BUCKET_ORDER).eq(lit(b)));
                Ok((b, share(keep, correct())?))
            })
            .collect::<Result<_>>()?;
        Ok(ArmCurves {
            format: share(held_out_qa(), answered(Answer::Malformed).not())?,
            facts: share(asked("tuned", "qa"), correct())?,
            hallucinated: share(known_qa(), answered(Answer::Hallucinated))?,
            correct: share(known_qa(), correct())?,
            confidence: share(asked(NEVER_SEEN, "qa"), col(P_ARGMAX))?,
            by_bucket,
        })
    }

    /// `(bucket, accuracy before, accuracy after)` tuning, by bucket.
    pub(super) fn bucket_ends(&self) -> Vec<(i32, f64, f64)> {
        self.by_bucket
            .iter()
            .map(|(b, curve)| {
                let (before, after) = ends(curve);
                (*b, before, after)
            })
            .collect()
    }
}

/// The curves and counts of one point.
pub(super) struct PointCurves {
    pub unknown: ArmCurves,
    pub known: ArmCurves,
    /// The last tuning step.
    pub last_step: f64,
    /// Template probes per held-out bucket (the same in both arms and at every step).
    pub probes_in: BTreeMap<i32, usize>,
    /// Facts tuned in the unknown arm.
    pub facts_tuned: usize,
    /// Held-out QA probes known before tuning, and all held-out QA probes.
    pub known_facts: usize,
    pub heldout_facts: usize,
    /// The known arm's tuned facts known before tuning (template probe correct), and all.
    pub tuned_known_before: (usize, usize),
    /// Entities the known arm tunes (the unknown arm mirrors them), summed over seeds.
    pub entities_tuned: usize,
    /// The fewest entities the known arm tunes in one seed.
    pub fewest_entities_tuned: usize,
}

impl PointCurves {
    /// The curves of point `label` from the `probes` frame.
    pub(super) fn new(probes: &Frame, label: &str) -> Result<Self> {
        let rows = probes.clone().lazy().filter(is(POINT, label));
        let held_out = rows
            .clone()
            .filter(is(SET, "held-out").and(col(BUCKET_ORDER).gt_eq(lit(1))))
            .select([col(BUCKET_ORDER)])
            .collect()?;
        let buckets: BTreeSet<i32> = floats(&held_out, BUCKET_ORDER)?
            .into_iter()
            .map(|b| b as i32)
            .collect();
        // Rows of the first evaluation (step 0) of `arm` in `set` and `format`.
        let at_start = |arm: &str, set: &str, format: &str| {
            let first = is(ARM, arm).and(asked(set, format));
            rows.clone().filter(first.and(col(STEP).eq(lit(0))))
        };
        let probes_in = buckets
            .iter()
            .map(|&b| {
                let of_bucket = col(BUCKET_ORDER).eq(lit(b));
                Ok((
                    b,
                    count(at_start("unknown", "held-out", "template").filter(of_bucket))?,
                ))
            })
            .collect::<Result<_>>()?;
        let known_qa = at_start("unknown", "held-out", "qa").filter(col(KNOWN_BEFORE));
        let tuned_known = at_start("known", "tuned", "template");
        let entities = tuned_known
            .clone()
            .select([col(SEED), col(ENTITY)])
            .unique_stable(None, UniqueKeepStrategy::First);
        let per_seed = entities
            .clone()
            .group_by([col(SEED)])
            .agg([len().alias(ENTITY)]);
        Ok(PointCurves {
            unknown: ArmCurves::new(&rows, "unknown", &buckets)?,
            known: ArmCurves::new(&rows, "known", &buckets)?,
            last_step: scalar(rows.clone(), col(STEP).max().fill_null(lit(0)))?,
            probes_in,
            facts_tuned: count(at_start("unknown", "tuned", "qa"))?,
            known_facts: count(known_qa)?,
            heldout_facts: count(at_start("unknown", "held-out", "qa"))?,
            tuned_known_before: (
                count(tuned_known.clone().filter(col(KNOWN_BEFORE)))?,
                count(tuned_known.clone())?,
            ),
            entities_tuned: count(entities)?,
            fewest_entities_tuned: scalar(per_seed, col(ENTITY).min().fill_null(lit(0)))? as usize,
        })
    }
}
