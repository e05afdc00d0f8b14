//! The `probes` frame of one sweep point pooled by (model, bucket), and what the claims,
//! figures and text read from it.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::*;
use skm_report::rank_correlation;

use crate::floats;

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
    pub fn of(frame: &DataFrame) -> Result<Self> {
        let params = floats(frame, "parameters")?;
        let buckets = floats(frame, "bucket_order")?;
        let confidence = floats(frame, "p_argmax")?;
        let valid = floats(frame, "valid_mass")?;
        let answers = frame.column("answer")?.str()?;
        let points = frame.column("point")?.str()?;
        let mut sums: BTreeMap<(u64, i32), ([f64; 5], usize)> = BTreeMap::new();
        let mut labels = BTreeMap::new();
        for i in 0..frame.height() {
            let size = params[i] as u64;
            labels
                .entry(size)
                .or_insert_with(|| points.get(i).unwrap_or_default().to_string());
            let entry = sums.entry((size, buckets[i] as i32)).or_default();
            let slot = match answers.get(i) {
                Some("correct") => 0,
                Some("hallucinated") => 1,
                _ => 2,
            };
            entry.0[slot] += 1.0;
            entry.0[3] += confidence[i];
            entry.0[4] += valid[i];
            entry.1 += 1;
        }
        let stats = sums
            .into_iter()
            .map(|(key, (s, n))| (key, Stat::of(s, n)))
            .collect();
        Ok(Table { stats, labels })
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

impl Stat {
    /// Means from the sums (correct, hallucinated, malformed, confidence, valid mass) of `n`
    /// probes.
    fn of(s: [f64; 5], n: usize) -> Self {
        let m = n.max(1) as f64;
        Stat {
            n,
            correct: s[0] / m,
            hallucinated: s[1] / m,
            malformed: s[2] / m,
            confidence: s[3] / m,
            valid_mass: s[4] / m,
        }
    }
}
