//! What fine-tuning's analysis reads off its `probes` frame: the rows, and per point the
//! curves of both arms against tuning steps.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;
use skm_trainer::probe::NEVER_SEEN;

use crate::num;

/// One row of the `probes` frame, as the analysis reads it.
pub(super) struct Obs {
    point: String,
    arm: String,
    step: u64,
    set: String,
    format: String,
    bucket: i32,
    known_before: bool,
    answer: String,
    p_argmax: f64,
}

pub(super) fn observations(frame: &DataFrame) -> Result<Vec<Obs>> {
    let strings = |c: &str| -> Result<Vec<String>> {
        Ok(frame
            .column(c)?
            .str()?
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect())
    };
    let (point, arm, set, format, answer) = (
        strings("point")?,
        strings("arm")?,
        strings("set")?,
        strings("format")?,
        strings("answer")?,
    );
    let steps = crate::floats(frame, "step")?;
    let buckets = crate::floats(frame, "bucket_order")?;
    let p_argmax = crate::floats(frame, "p_argmax")?;
    let known: Vec<bool> = frame
        .column("known_before")?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(false))
        .collect();
    Ok((0..frame.height())
        .map(|i| Obs {
            point: point[i].clone(),
            arm: arm[i].clone(),
            step: steps[i] as u64,
            set: set[i].clone(),
            format: format[i].clone(),
            bucket: buckets[i] as i32,
            known_before: known[i],
            answer: answer[i].clone(),
            p_argmax: p_argmax[i],
        })
        .collect())
}

/// The mean of `value` over the rows `keep` selects, at each step, in step order.
pub(super) fn curve<'a>(
    rows: impl Iterator<Item = &'a Obs>,
    keep: impl Fn(&Obs) -> bool,
    value: impl Fn(&Obs) -> f64,
) -> Vec<(f64, f64)> {
    let mut sums: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for row in rows.filter(|r| keep(r)) {
        let entry = sums.entry(row.step).or_default();
        entry.0 += value(row);
        entry.1 += 1.0;
    }
    sums.into_iter()
        .map(|(s, (sum, count))| (s as f64, sum / count))
        .collect()
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
    fn new(rows: &[&Obs], arm: &str, buckets: &BTreeSet<i32>) -> Self {
        let rows = || rows.iter().copied().filter(move |o| o.arm == arm);
        let share = |keep: &dyn Fn(&Obs) -> bool, what: fn(&Obs) -> bool| {
            curve(rows(), keep, |o| f64::from(u8::from(what(o))))
        };
        let well_formed = |o: &Obs| o.answer != "malformed";
        let correct = |o: &Obs| o.answer == "correct";
        let hallucinated = |o: &Obs| o.answer == "hallucinated";
        let held_out_qa = |o: &Obs| o.set == "held-out" && o.format == "qa";
        let known_qa = |o: &Obs| held_out_qa(o) && o.known_before;
        let by_bucket = buckets
            .iter()
            .map(|&b| {
                let keep = |o: &Obs| o.set == "held-out" && o.format == "template" && o.bucket == b;
                (b, share(&keep, correct))
            })
            .collect();
        ArmCurves {
            format: share(&held_out_qa, well_formed),
            facts: share(&|o| o.set == "tuned" && o.format == "qa", correct),
            hallucinated: share(&known_qa, hallucinated),
            correct: share(&known_qa, correct),
            confidence: curve(
                rows(),
                |o| o.set == NEVER_SEEN && o.format == "qa",
                |o| o.p_argmax,
            ),
            by_bucket,
        }
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
}

impl PointCurves {
    /// The curves of point `label` from the rows `all`.
    pub(super) fn new(all: &[Obs], label: &str) -> Self {
        let rows: Vec<&Obs> = all.iter().filter(|o| o.point == label).collect();
        let buckets: BTreeSet<i32> = rows
            .iter()
            .filter(|o| o.set == "held-out" && o.bucket >= 1)
            .map(|o| o.bucket)
            .collect();
        // Rows of the first evaluation (step 0) of `arm` in `set` and `format`.
        let at_start = |arm: &'static str, set: &'static str, format: &'static str| {
            rows.iter()
                .copied()
                .filter(move |o| o.arm == arm && o.set == set && o.format == format && o.step == 0)
        };
        let probes_in = buckets
            .iter()
            .map(|&b| {
                let n = at_start("unknown", "held-out", "template")
                    .filter(|o| o.bucket == b)
                    .count();
                (b, n)
            })
            .collect();
        PointCurves {
            unknown: ArmCurves::new(&rows, "unknown", &buckets),
            known: ArmCurves::new(&rows, "known", &buckets),
            last_step: rows.iter().map(|o| o.step).max().unwrap_or(0) as f64,
            probes_in,
            facts_tuned: at_start("unknown", "tuned", "qa").count(),
            known_facts: at_start("unknown", "held-out", "qa")
                .filter(|o| o.known_before)
                .count(),
            heldout_facts: at_start("unknown", "held-out", "qa").count(),
            tuned_known_before: at_start("known", "tuned", "template")
                .fold((0, 0), |(k, n), o| (k + usize::from(o.known_before), n + 1)),
        }
    }
}
