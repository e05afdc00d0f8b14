//! The `probes` frame of one sweep point pooled by (model, bucket), and what the claims,
//! figures and text read from it.

use std::collections::BTreeMap;

use crate::error::Result;
use polars::prelude::*;
use skm_report::rank_correlation;

use crate::frames::columns::{MODEL, PARAMETERS};
use crate::frames::probes::{BUCKET_ORDER, P_ARGMAX, VALID_MASS, answered};
use crate::frames::{floats, in_order_mean, strings};
use skm_trainer::probe::Answer;

/// Answer shares and mean confidence of one (model, bucket).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Stat {
    pub n: usize,
    pub correct: f64,
    pub hallucinated: f64,
    pub malformed: f64,
    pub confidence: f64,
    pub valid_mass: f64,
}

/// Stats by (parameters, bucket order), pooled over seeds, and each model's label.
pub(super) struct Table {
    pub stats: BTreeMap<(u64, i32), Stat>,
    pub labels: BTreeMap<u64, String>,
}

/// What a sweep point's claims, figure and text read.
pub(super) struct Summary {
    /// The largest model's parameters.
    pub largest: u64,
    /// Never-seen entities, largest model.
    pub fresh: Stat,
    /// Facts of seen entities never stated, largest model.
    pub unstated: Stat,
    /// Buckets of seen entities' facts with probes (`bucket >= 0`), largest model.
    pub seen: Vec<(i32, Stat)>,
    /// Per model, the hallucinated share of probed stated facts (`bucket >= 1`).
    pub stated_by_size: Vec<(u64, f64)>,
    /// Spearman correlation of `seen`'s hallucinated share with the bucket.
    pub by_frequency: Option<f64>,
    /// Spearman correlation of `stated_by_size`'s share with the parameters.
    pub by_size: Option<f64>,
}

impl Table {
    /// Pools a point's `probes` rows by (model, bucket):
    /// `group_by([parameters, bucket_order]).agg(..)`, then the share of each answer and the
    /// mean confidence and valid mass of each group.
    pub fn of(frame: &DataFrame) -> Result<Self> {
        let share = |answer: Answer| {
            let name = answer.as_str();
            answered(answer).cast(DataType::Float64).alias(name)
        };
        // The columns of the pooled frame: the group's size, then the five means.
        const COUNT: &str = "n";
        const CONFIDENCE: &str = "confidence";
        let means = [
            Answer::Correct.as_str(),
            Answer::Hallucinated.as_str(),
            Answer::Malformed.as_str(),
            CONFIDENCE,
            VALID_MASS,
        ];
        let stats = frame
            .clone()
            .lazy()
            .group_by([col(PARAMETERS), col(BUCKET_ORDER)])
            .agg([
                len().alias(COUNT),
                col(MODEL).first(),
                share(Answer::Correct),
                share(Answer::Hallucinated),
                share(Answer::Malformed),
                col(P_ARGMAX).alias(CONFIDENCE),
                col(VALID_MASS),
            ])
            .with_columns(means.map(in_order_mean))
            .sort([PARAMETERS, BUCKET_ORDER], SortMultipleOptions::default())
            .collect()?;
        let number = |c: &str| floats(&stats, c);
        let (params, buckets, n) = (number(PARAMETERS)?, number(BUCKET_ORDER)?, number(COUNT)?);
        let [correct, hallucinated, malformed, confidence, valid_mass] = means.map(number);
        let (correct, hallucinated, malformed) = (correct?, hallucinated?, malformed?);
        let (confidence, valid_mass) = (confidence?, valid_mass?);
        let mut table = Table {
            stats: BTreeMap::new(),
            labels: BTreeMap::new(),
        };
        for (i, model) in strings(&stats, MODEL)?.into_iter().enumerate() {
            let size = params[i] as u64;
            table.labels.entry(size).or_insert(model);
            let stat = Stat {
                n: n[i] as usize,
                correct: correct[i],
                hallucinated: hallucinated[i],
                malformed: malformed[i],
                confidence: confidence[i],
                valid_mass: valid_mass[i],
            };
            table.stats.insert((size, buckets[i] as i32), stat);
        }
        Ok(table)
    }

    /// The stat of one model and bucket (empty when nothing was probed there).
    pub fn at(&self, params: u64, bucket: i32) -> Stat {
        self.stats
            .get(&(params, bucket))
            .copied()
            .unwrap_or_default()
    }

    pub fn label(&self, params: u64) -> String {
        self.labels.get(&params).cloned().unwrap_or_default()
    }

    /// The models' parameters, smallest first.
    pub fn sizes(&self) -> Vec<u64> {
        self.labels.keys().copied().collect()
    }

    /// The summary of the point; `None` when no model was probed.
    pub fn summary(&self) -> Option<Summary> {
        let largest = *self.sizes().last()?;
        let seen: Vec<(i32, Stat)> = self
            .stats
            .iter()
            .filter(|(k, s)| k.0 == largest && k.1 >= 0 && s.n > 0)
            .map(|(k, s)| (k.1, *s))
            .collect();
        let (orders, shares): (Vec<f64>, Vec<f64>) = seen
            .iter()
            .map(|(b, s)| (f64::from(*b), s.hallucinated))
            .unzip();
        let stated_by_size = self.stated_by_size();
        let (xs, ys): (Vec<f64>, Vec<f64>) =
            stated_by_size.iter().map(|&(x, y)| (x as f64, y)).unzip();
        Some(Summary {
            largest,
            fresh: self.at(largest, -1),
            unstated: self.at(largest, 0),
            by_frequency: rank_correlation(&orders, &shares),
            by_size: rank_correlation(&xs, &ys),
            seen,
            stated_by_size,
        })
    }

    /// Per model, the hallucinated share of probed stated facts, pooled over buckets >= 1.
    fn stated_by_size(&self) -> Vec<(u64, f64)> {
        self.sizes()
            .iter()
            .map(|&params| {
                let (wrong, total) = self
                    .stats
                    .iter()
                    .filter(|(k, _)| k.0 == params && k.1 >= 1)
                    .fold((0.0, 0.0), |(w, t), (_, s)| {
                        (w + s.hallucinated * s.n as f64, t + s.n as f64)
                    });
                (params, wrong / total.max(1.0))
            })
            .collect()
    }
}
