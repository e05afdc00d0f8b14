//! hallucination (C9): the model-scaling models (read from the checkpoint cache, or trained
//! there once) probed on facts of seen entities, by how often the fact was stated, and on
//! never-seen entities: shares of correct, hallucinated and malformed answers, and the
//! confidence behind them, beside the Bayes learner's calibrated answer.
//!
//! The Bayes learner knows a fact once it was stated (probability 1 on the true value) and
//! otherwise puts `1/|V_j|` on every value of the attribute: it never answers a fact it was
//! not told with more confidence than chance.

use std::collections::BTreeMap;

use anyhow::{Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Corpus;
use skm_report::{Claim, Figure, Scale, Series, Style, Verdict};
use skm_trainer::probe::{self, Strata, exposure_bucket, exposure_bucket_label};

use super::bayes_learning_curve::slug;
use super::model_scaling::{shape_label, train_shape};
use super::training::training_steps;
use super::{Analysis, Env, Experiment, FigureOut, FrameSet, Frames, floats, num, rows_where};
use crate::spec::Spec;

/// The hallucination experiment.
pub struct Hallucination;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Probed facts per exposure bucket, and never-seen entities probed.
    probes_per_bucket: usize,
    /// C9 (unseen): the largest share of malformed answers on never-seen entities that still
    /// counts as "syntax intact".
    max_malformed: f64,
    /// C9 (frequency, size): the rank correlation of the hallucination share with frequency
    /// (or size) must be at most this (negative: falls).
    max_rank_correlation: f64,
}

/// The bucket label of never-seen entities.
const NEVER_SEEN: &str = "never seen";

#[derive(Default)]
struct Rows {
    sweep: Vec<String>,
    point: Vec<String>,
    seed: Vec<u64>,
    parameters: Vec<u64>,
    non_embedding: Vec<u64>,
    entity: Vec<i64>,
    attribute: Vec<u32>,
    exposures: Vec<u64>,
    bucket: Vec<String>,
    bucket_order: Vec<i32>,
    answer: Vec<&'static str>,
    p_true: Vec<f64>,
    p_argmax: Vec<f64>,
    valid_mass: Vec<f64>,
    entropy: Vec<f64>,
    bayes_p_true: Vec<f64>,
}

/// Spearman's rank correlation of `x` and `y` (average ranks for ties); `None` below 2
/// points or when either is constant.
pub fn rank_correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut ranks = vec![0.0; v.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
                j += 1;
            }
            for &k in &order[i..=j] {
                ranks[k] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        ranks
    }
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let (vx, vy): (f64, f64) = (
        rx.iter().map(|a| (a - mx).powi(2)).sum(),
        ry.iter().map(|b| (b - my).powi(2)).sum(),
    );
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

impl Experiment for Hallucination {
    fn name(&self) -> &'static str {
        "hallucination"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        ensure!(
            (1..=100_000).contains(&p.probes_per_bucket),
            "{file}: analysis.probes_per_bucket = {} is out of range: allowed 1..=100000",
            p.probes_per_bucket
        );
        super::check_fraction(spec, "max_malformed", p.max_malformed)?;
        ensure!(
            (-1.0..=1.0).contains(&p.max_rank_correlation),
            "{file}: analysis.max_rank_correlation = {} is out of range: allowed -1 <= max_rank_correlation <= 1",
            p.max_rank_correlation
        );
        ensure!(
            !spec.model_shapes().is_empty(),
            "{file}: experiment.models_from must name an experiment with models"
        );
        Ok(())
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.model_shapes().len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let p: Params = spec.analysis()?;
        let n = spec.sentences as usize;
        let mut rows = Rows::default();
        for point in &spec.points {
            let values = point.generator.values_per_attribute as f64;
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let corpus = Corpus::generate(&spec.generator_at(point, seed), n)?;
                let probes =
                    probe::stratified(&corpus, 0..n, Strata::Exposures, p.probes_per_bucket, seed)?;
                for shape in spec.model_shapes() {
                    let (model, train, run) = train_shape(spec, &corpus, &shape, index, env)?;
                    let results =
                        probe::evaluate(&run.model, &corpus.world, &probes, train.batch_size)?;
                    for (probe, result) in probes.iter().zip(&results) {
                        let bucket = match probe.entity {
                            None => -1,
                            Some(_) => exposure_bucket(probe.exposures) as i32,
                        };
                        rows.sweep.push(point.label.clone());
                        rows.point.push(shape_label(&model));
                        rows.seed.push(seed);
                        rows.parameters.push(model.parameters() as u64);
                        rows.non_embedding
                            .push(model.non_embedding_parameters() as u64);
                        rows.entity.push(probe.entity.map_or(-1, i64::from));
                        rows.attribute.push(u32::from(probe.attribute));
                        rows.exposures.push(probe.exposures);
                        rows.bucket.push(match u32::try_from(bucket) {
                            Ok(b) => exposure_bucket_label(b),
                            Err(_) => NEVER_SEEN.into(),
                        });
                        rows.bucket_order.push(bucket);
                        rows.answer.push(result.answer.as_str());
                        rows.p_true.push(result.p_true);
                        rows.p_argmax.push(result.p_argmax);
                        rows.valid_mass.push(result.valid_mass);
                        rows.entropy.push(result.entropy_bits);
                        rows.bayes_p_true.push(if probe.exposures > 0 {
                            1.0
                        } else {
                            1.0 / values
                        });
                    }
                }
            }
        }
        let correct: Vec<bool> = rows.answer.iter().map(|a| *a == "correct").collect();
        let probes = df!(
            "sweep" => rows.sweep,
            "point" => rows.point,
            "seed" => rows.seed,
            "parameters" => rows.parameters,
            "non_embedding_parameters" => rows.non_embedding,
            "entity" => rows.entity,
            "attribute" => rows.attribute,
            "exposures" => rows.exposures,
            "bucket" => rows.bucket,
            "bucket_order" => rows.bucket_order,
            "answer" => rows.answer,
            "correct" => correct,
            "p_true" => rows.p_true,
            "p_argmax" => rows.p_argmax,
            "valid_mass" => rows.valid_mass,
            "entropy_bits" => rows.entropy,
            "bayes_p_true" => rows.bayes_p_true,
        )?;
        Ok(Frames::from([("probes".to_string(), probes)]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        for point in &spec.points {
            let chance = 1.0 / point.generator.values_per_attribute as f64;
            let frame = rows_where(frames.frame("probes")?, "sweep", &point.label)?;
            let table = Table::of(&frame)?;
            let stats = &table.stats;
            let sizes: Vec<u64> = table.labels.keys().copied().collect();
            let Some(&largest) = sizes.last() else {
                continue;
            };
            let label_of = |params: u64| table.label(params);
            let at = |params: u64, bucket: i32| table.at(params, bucket);

            // C9 (unseen): never-seen entities get a well-formed answer, over-confidently.
            let fresh = at(largest, -1);
            let c9_unseen = Claim {
                id: "C9".into(),
                variant: format!("{} unseen, {}", point.label, label_of(largest)),
                experiment: self.name().into(),
                statement: "For never-seen entities the model emits a well-formed value of the right attribute, wrong, with confidence above the Bayes-calibrated 1/|V_j|".into(),
                measured: fresh.confidence,
                theory: chance,
                lo: fresh.confidence,
                hi: fresh.confidence,
                verdict: Verdict::from_bool(
                    fresh.n > 0 && fresh.malformed <= p.max_malformed && fresh.confidence > chance,
                ),
                detail: format!(
                    "Largest model, {} never-seen entities: malformed share {} (PASS needs <= {}), hallucinated share {}, mean probability of the argmax {} against 1/|V_j| = {} (PASS needs more).",
                    fresh.n,
                    num(fresh.malformed),
                    p.max_malformed,
                    num(fresh.hallucinated),
                    num(fresh.confidence),
                    num(chance),
                ),
            };

            // C9 (frequency): the hallucination share falls with how often a fact was stated.
            let seen: Vec<(i32, Stat)> = stats
                .iter()
                .filter(|(k, s)| k.0 == largest && k.1 >= 0 && s.n > 0)
                .map(|(k, s)| (k.1, *s))
                .collect();
            let (orders, shares): (Vec<f64>, Vec<f64>) = seen
                .iter()
                .map(|(b, s)| (f64::from(*b), s.hallucinated))
                .unzip();
            let by_frequency = rank_correlation(&orders, &shares);
            let shares_list = seen
                .iter()
                .map(|(b, s)| {
                    format!(
                        "{}: {}",
                        exposure_bucket_label(*b as u32),
                        num(s.hallucinated)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let c9_frequency = Claim {
                id: "C9".into(),
                variant: format!("{} frequency, {}", point.label, label_of(largest)),
                experiment: self.name().into(),
                statement: "The hallucination rate falls with entity frequency".into(),
                measured: by_frequency.unwrap_or(0.0),
                theory: -1.0,
                lo: by_frequency.unwrap_or(f64::NEG_INFINITY),
                hi: by_frequency.unwrap_or(f64::INFINITY),
                verdict: Verdict::from_bool(
                    by_frequency.is_some_and(|r| r <= p.max_rank_correlation),
                ),
                detail: format!(
                    "Largest model: Spearman correlation of the hallucinated share with the exposure bucket of seen entities' facts (times stated: share; {shares_list}); PASS when <= {} (no correlation can be measured when the shares or buckets are all equal: FAIL).",
                    p.max_rank_correlation
                ),
            };

            // C9 (size): on stated facts, bigger models hallucinate less.
            let stated_by_size: Vec<(u64, f64)> = sizes
                .iter()
                .map(|&params| {
                    let (wrong, total) = stats
                        .iter()
                        .filter(|(k, _)| k.0 == params && k.1 >= 1)
                        .fold((0.0, 0.0), |(w, t), (_, s)| {
                            (w + s.hallucinated * s.n as f64, t + s.n as f64)
                        });
                    (params, wrong / total.max(1.0))
                })
                .collect();
            let (xs, ys): (Vec<f64>, Vec<f64>) =
                stated_by_size.iter().map(|&(x, y)| (x as f64, y)).unzip();
            let by_size = rank_correlation(&xs, &ys);
            let size_list = stated_by_size
                .iter()
                .map(|&(x, y)| format!("{}: {}", label_of(x), num(y)))
                .collect::<Vec<_>>()
                .join("; ");
            let c9_size = Claim {
                id: "C9".into(),
                variant: format!("{} size", point.label),
                experiment: self.name().into(),
                statement: "The hallucination rate falls with model size".into(),
                measured: by_size.unwrap_or(0.0),
                theory: -1.0,
                lo: by_size.unwrap_or(f64::NEG_INFINITY),
                hi: by_size.unwrap_or(f64::INFINITY),
                verdict: Verdict::from_bool(by_size.is_some_and(|r| r <= p.max_rank_correlation)),
                detail: format!(
                    "Spearman correlation of the hallucinated share of probed stated facts with the model's parameters ({size_list}); PASS when <= {} (FAIL when it cannot be measured).",
                    p.max_rank_correlation
                ),
            };

            // Figure: answers by bucket (largest model), hallucination vs size, calibration.
            let stated_x = |b: i32| 4f64.powi(b - 1);
            let mut answer_series = Vec::new();
            for (color, (name, pick)) in [
                ("correct", (|s: &Stat| s.correct) as fn(&Stat) -> f64),
                ("hallucinated", |s: &Stat| s.hallucinated),
                ("malformed", |s: &Stat| s.malformed),
            ]
            .into_iter()
            .enumerate()
            {
                answer_series.push(Series {
                    label: name.into(),
                    points: seen
                        .iter()
                        .filter(|(b, _)| *b >= 1)
                        .map(|(b, s)| (stated_x(*b), pick(s)))
                        .collect(),
                    style: Style::LinePoints,
                    color,
                });
            }
            let x_max = seen.iter().map(|(b, _)| stated_x(*b)).fold(1.0, f64::max);
            for (label, stat, color) in [
                ("never seen: hallucinated", fresh, 6),
                ("seen, fact unstated: hallucinated", at(largest, 0), 5),
            ] {
                if stat.n > 0 {
                    answer_series.push(Series {
                        label: label.into(),
                        points: vec![(1.0, stat.hallucinated), (x_max, stat.hallucinated)],
                        style: Style::Dashed,
                        color,
                    });
                }
            }
            let size_points: Vec<(f64, f64)> =
                stated_by_size.iter().map(|&(x, y)| (x as f64, y)).collect();
            let fresh_conf: Vec<(f64, f64)> = sizes
                .iter()
                .map(|&x| (x as f64, at(x, -1).confidence))
                .collect();
            let (s_min, s_max) = (sizes.first().map_or(1.0, |&x| x as f64), largest as f64);
            let size_series = vec![
                Series {
                    label: "stated facts: hallucinated share".into(),
                    points: size_points,
                    style: Style::LinePoints,
                    color: 1,
                },
                Series {
                    label: "never seen: mean confidence".into(),
                    points: fresh_conf,
                    style: Style::LinePoints,
                    color: 6,
                },
                Series {
                    label: format!("Bayes: 1/|V_j| = {}", num(chance)),
                    points: vec![(s_min, chance), (s_max, chance)],
                    style: Style::Dashed,
                    color: 3,
                },
            ];
            let mut calibration = Vec::new();
            for (i, &params) in sizes.iter().enumerate() {
                calibration.push(Series {
                    label: label_of(params),
                    points: stats
                        .iter()
                        .filter(|(k, s)| k.0 == params && s.n > 0)
                        .map(|(_, s)| (s.confidence, s.correct))
                        .collect(),
                    style: Style::Points,
                    color: i % 6,
                });
            }
            calibration.push(Series {
                label: "calibrated (Bayes: (1/|V_j|, 1/|V_j|) and (1, 1))".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                style: Style::Dashed,
                color: 6,
            });
            figures.push(FigureOut {
                stem: format!("hallucination-{}", slug(&point.label)),
                caption: format!(
                    "Left: answers of the largest model ({}) to facts of seen entities by the times the fact was stated (bucket's lower end), and the hallucinated share for facts never stated and for never-seen entities (dashed). Middle: hallucinated share of stated facts, and the mean argmax probability on never-seen entities, against parameters, beside the Bayes learner's 1/|V_j|. Right: calibration, accuracy against mean confidence per model and bucket; a calibrated model lies on the diagonal. {}, {} probes per bucket.",
                    label_of(largest),
                    point.label,
                    p.probes_per_bucket,
                ),
                panels: vec![
                    Figure {
                        title: format!("Answers by frequency, {}", point.label),
                        x_label: "times the fact was stated".into(),
                        y_label: "share of probes".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Linear,
                        series: answer_series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Hallucination against size, {}", point.label),
                        x_label: "parameters".into(),
                        y_label: "share / probability".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Linear,
                        series: size_series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Calibration, {}", point.label),
                        x_label: "mean probability of the argmax".into(),
                        y_label: "share correct".into(),
                        x_scale: Scale::Linear,
                        y_scale: Scale::Linear,
                        series: calibration,
                        markers: Vec::new(),
                    },
                ],
            });
            prose.push(format!(
                "At {}, largest model ({}): never-seen entities get a malformed answer in {} of probes and a hallucinated one in {}, with mean argmax probability {} against the Bayes learner's 1/|V_j| = {}; the valid-value mass is {}. Hallucinated share by times stated: {shares_list}; facts never stated: {}. Hallucinated share of stated facts by model: {size_list}. C9 (unseen) **{}**, C9 (frequency) **{}** (rank correlation {}), C9 (size) **{}** (rank correlation {}).",
                point.label,
                label_of(largest),
                num(fresh.malformed),
                num(fresh.hallucinated),
                num(fresh.confidence),
                num(chance),
                num(fresh.valid_mass),
                num(at(largest, 0).hallucinated),
                c9_unseen.verdict,
                c9_frequency.verdict,
                by_frequency.map_or("n/a".into(), num),
                c9_size.verdict,
                by_size.map_or("n/a".into(), num),
            ));
            claims.extend([c9_unseen, c9_frequency, c9_size]);
        }
        let body = format!(
            "The models of model-scaling ({}; read from the checkpoint cache) are probed on up to {} facts of seen entities per bucket of times stated in the training stream, and on as many never-seen entities (fresh names): the template prefix up to the value slot, read at the argmax. The Bayes learner answers a stated fact with certainty and an unstated one uniformly over the attribute's values.\n\n{}",
            spec.model_shapes()
                .iter()
                .map(shape_label)
                .collect::<Vec<_>>()
                .join(", "),
            p.probes_per_bucket,
            prose.join("\n\n"),
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}

/// Answer shares and mean confidence of one (model, bucket).
#[derive(Clone, Copy, Debug, Default)]
struct Stat {
    n: usize,
    correct: f64,
    hallucinated: f64,
    malformed: f64,
    confidence: f64,
    valid_mass: f64,
}

/// Stats by (parameters, bucket order), pooled over seeds, and each model's label.
struct Table {
    stats: BTreeMap<(u64, i32), Stat>,
    labels: BTreeMap<u64, String>,
}

impl Table {
    fn of(frame: &DataFrame) -> Result<Self> {
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
            .map(|(key, (s, n))| {
                let m = n.max(1) as f64;
                let stat = Stat {
                    n,
                    correct: s[0] / m,
                    hallucinated: s[1] / m,
                    malformed: s[2] / m,
                    confidence: s[3] / m,
                    valid_mass: s[4] / m,
                };
                (key, stat)
            })
            .collect();
        Ok(Table { stats, labels })
    }

    /// The stat of one model and bucket (empty when nothing was probed there).
    fn at(&self, params: u64, bucket: i32) -> Stat {
        self.stats
            .get(&(params, bucket))
            .copied()
            .unwrap_or_default()
    }

    fn label(&self, params: u64) -> String {
        self.labels.get(&params).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_correlation_of_monotone_and_reversed_orders() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(rank_correlation(&x, &[10.0, 20.0, 25.0, 90.0]), Some(1.0));
        assert_eq!(rank_correlation(&x, &[4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(rank_correlation(&x, &[1.0, 1.0, 1.0, 1.0]), None);
        let r = rank_correlation(&x, &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((r - 0.8).abs() < 1e-12);
    }
}
