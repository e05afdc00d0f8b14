//! model-scaling (C6, C8): transformers of growing width and depth trained for the same
//! number of steps on one fixed stream; their test excess over the exact oracle, and the
//! facts they know, against their parameters.
//!
//! Theory: a model of P parameters stores the facts of the entities it can afford, about
//! `m ~ P` of them (C8, linear capacity), and the excess of the rest falls like
//! `P^-((1 - alpha)/alpha)` (C6). Every fact stated in the training stream is probed.

use std::collections::BTreeMap;

use anyhow::{Context, Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Corpus;
use skm_report::{Claim, Figure, Scale, Series, Style, Verdict, bootstrap_slope};
use skm_theory::exponents;
use skm_trainer::probe::{self, Probe, exposure_bucket, exposure_bucket_label};
use skm_trainer::{ModelConfig, TrainConfig, evaluate_roles};

use super::bayes_learning_curve::slug;
use super::training::{LossRows, ROLES, RoleRows, Trained, configs, trained, training_steps};
use super::{
    Analysis, CONFIDENCE, Env, Experiment, ExponentCheck, FigureOut, FrameSet, Frames, RESAMPLES,
    curves_by_seed, floats, mean_curve, num, rows_where,
};
use crate::spec::Spec;

/// The model-scaling experiment.
pub struct ModelScaling;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Sentences after the training stream: the test set.
    test_sentences: u64,
    /// C8: the largest |slope - 1| of log(facts known) against log(parameters) that still
    /// counts as linear.
    linear_tolerance: f64,
}

/// `d=.. L=..`: a model shape's point label.
pub fn shape_label(model: &ModelConfig) -> String {
    format!("d={} L={}", model.d_model, model.n_layers)
}

/// The model of `shape` trained on the first `spec.sentences` sentences of `corpus` (seed
/// index `index`), through the checkpoint cache: model-scaling trains it, hallucination
/// reads it.
pub fn train_shape(
    spec: &Spec,
    corpus: &Corpus,
    shape: &ModelConfig,
    index: usize,
    env: &Env<'_>,
) -> Result<(ModelConfig, TrainConfig, Trained)> {
    let (_, train_config) = configs(spec)?;
    let model = ModelConfig {
        vocab_size: corpus.world.vocabulary.size(),
        ..shape.clone()
    };
    let train = TrainConfig {
        seed: train_config.seed.wrapping_add(index as u64),
        ..train_config.clone()
    };
    let n = spec.sentences as usize;
    let run = trained(spec, env, corpus, 0..n, n..n, &model, &train)
        .with_context(|| format!("training {}", shape_label(&model)))?;
    Ok((model, train, run))
}

/// How many times each fact `(entity, attribute)` is stated in the sentences `range`.
pub fn fact_exposures(corpus: &Corpus, range: std::ops::Range<usize>) -> BTreeMap<(u32, u16), u64> {
    let mut exposures = BTreeMap::new();
    for sentence in &corpus.sentences[range] {
        *exposures
            .entry((sentence.entity, sentence.attribute))
            .or_default() += 1;
    }
    exposures
}

/// A probe of every fact stated at least once in the training stream.
fn every_stated_fact(
    corpus: &Corpus,
    exposures: &BTreeMap<(u32, u16), u64>,
    sentences: f64,
) -> Vec<Probe> {
    let world = &corpus.world;
    let per_fact = sentences / world.config.attributes as f64;
    exposures
        .iter()
        .map(|(&(entity, attribute), &count)| {
            let k = entity as usize;
            Probe {
                entity: Some(entity),
                attribute,
                name: world.entities.name(k).to_vec(),
                value: world.entities.value(k, usize::from(attribute)),
                exposures: count,
                expected_exposures: world.weights[k] * per_fact,
                entity_sentences: 0,
                weight: world.weights[k],
            }
        })
        .collect()
}

#[derive(Default)]
struct Rows {
    // scaling: one row per (sweep point, shape, seed, role)
    sweep: Vec<String>,
    point: Vec<String>,
    seed: Vec<u64>,
    parameters: Vec<u64>,
    non_embedding: Vec<u64>,
    roles: RoleRows,
    // facts: one row per (sweep point, shape, seed, exposure bucket)
    f_sweep: Vec<String>,
    f_point: Vec<String>,
    f_seed: Vec<u64>,
    f_parameters: Vec<u64>,
    f_non_embedding: Vec<u64>,
    f_bucket: Vec<String>,
    f_bucket_order: Vec<u32>,
    f_stated: Vec<u64>,
    f_known: Vec<u64>,
    training: LossRows,
}

impl Experiment for ModelScaling {
    fn name(&self) -> &'static str {
        "model-scaling"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        configs(spec)?;
        ensure!(
            (2..=10_000_000).contains(&p.test_sentences),
            "{file}: analysis.test_sentences = {} is out of range: allowed 2..=10000000",
            p.test_sentences
        );
        ensure!(
            p.linear_tolerance > 0.0 && p.linear_tolerance < 1.0,
            "{file}: analysis.linear_tolerance = {} is out of range: allowed 0 < linear_tolerance < 1",
            p.linear_tolerance
        );
        ensure!(
            spec.models.len() >= 2,
            "{file}: profiles.{}.models has {} shape(s): allowed at least 2 model shapes to fit a slope",
            spec.profile.as_str(),
            spec.models.len()
        );
        Ok(())
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.models.len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let p: Params = spec.analysis()?;
        let n = spec.sentences as usize;
        let test = n..n + p.test_sentences as usize;
        let mut rows = Rows::default();
        for point in &spec.points {
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let corpus = Corpus::generate(&spec.generator_at(point, seed), test.end)?;
                let exposures = fact_exposures(&corpus, 0..n);
                let probes = every_stated_fact(&corpus, &exposures, n as f64);
                for shape in &spec.models {
                    let (model, train, run) = train_shape(spec, &corpus, shape, index, env)?;
                    let label = shape_label(&model);
                    rows.training.push_run(
                        &format!("{} {label}", point.label),
                        seed,
                        &run.state,
                        &train,
                    );
                    let eval = evaluate_roles(&run.model, &corpus, test.clone(), train.batch_size)?;
                    rows.roles.push(&eval);
                    for _ in ROLES {
                        rows.sweep.push(point.label.clone());
                        rows.point.push(label.clone());
                        rows.seed.push(seed);
                        rows.parameters.push(model.parameters() as u64);
                        rows.non_embedding
                            .push(model.non_embedding_parameters() as u64);
                    }
                    let results =
                        probe::evaluate(&run.model, &corpus.world, &probes, train.batch_size)?;
                    let mut by_bucket: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
                    for (probe, result) in probes.iter().zip(&results) {
                        let entry = by_bucket
                            .entry(exposure_bucket(probe.exposures))
                            .or_default();
                        entry.0 += 1;
                        entry.1 += u64::from(result.answer == probe::Answer::Correct);
                    }
                    for (bucket, (stated, known)) in by_bucket {
                        rows.f_sweep.push(point.label.clone());
                        rows.f_point.push(label.clone());
                        rows.f_seed.push(seed);
                        rows.f_parameters.push(model.parameters() as u64);
                        rows.f_non_embedding
                            .push(model.non_embedding_parameters() as u64);
                        rows.f_bucket.push(exposure_bucket_label(bucket));
                        rows.f_bucket_order.push(bucket);
                        rows.f_stated.push(stated);
                        rows.f_known.push(known);
                    }
                }
            }
        }
        let mut scaling = df!(
            "sweep" => rows.sweep,
            "point" => rows.point,
            "seed" => rows.seed,
            "parameters" => rows.parameters,
            "non_embedding_parameters" => rows.non_embedding,
        )?;
        scaling.hstack_mut(&rows.roles.columns())?;
        let facts = df!(
            "sweep" => rows.f_sweep,
            "point" => rows.f_point,
            "seed" => rows.f_seed,
            "parameters" => rows.f_parameters,
            "non_embedding_parameters" => rows.f_non_embedding,
            "bucket" => rows.f_bucket,
            "bucket_order" => rows.f_bucket_order,
            "stated_facts" => rows.f_stated,
            "known_facts" => rows.f_known,
        )?;
        Ok(Frames::from([
            ("scaling".to_string(), scaling),
            ("facts".to_string(), facts),
            ("training".to_string(), rows.training.frame()?),
        ]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let (_, train_config) = configs(spec)?;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        for point in &spec.points {
            let alpha = point.generator.alpha;
            let bits_per_fact = (point.generator.values_per_attribute as f64).log2();
            let all = rows_where(
                &rows_where(frames.frame("scaling")?, "sweep", &point.label)?,
                "role",
                "all",
            )?;
            let curves = curves_by_seed(&all, "non_embedding_parameters", "excess_bits_per_token")?;
            let c6 = ExponentCheck {
                id: "C6",
                variant: &point.label,
                experiment: self.name(),
                statement: "Model scaling of trained transformers: test excess loss ~ P^-((1 - alpha)/alpha)",
                fitted: "the test excess over the oracle (bits/token, all tokens) against non-embedding parameters P",
                theory: -exponents::model_scaling_exponent(alpha),
            }
            .check(&curves, spec.base_seed())?;

            // Facts known per model and seed, summed over buckets.
            let facts = &rows_where(frames.frame("facts")?, "sweep", &point.label)?;
            let (f_seed, f_params, f_known, f_stated) = (
                floats(facts, "seed")?,
                floats(facts, "non_embedding_parameters")?,
                floats(facts, "known_facts")?,
                floats(facts, "stated_facts")?,
            );
            let mut totals: BTreeMap<(u64, u64), (f64, f64)> = BTreeMap::new();
            for i in 0..f_seed.len() {
                let entry = totals
                    .entry((f_seed[i] as u64, f_params[i] as u64))
                    .or_default();
                entry.0 += f_known[i];
                entry.1 += f_stated[i];
            }
            // A model that knows no fact is fitted and drawn at half a fact (log 0 is
            // undefined), and said so; the prose gives the true counts.
            let mut known_curves: BTreeMap<u64, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            let mut raw_curves: BTreeMap<u64, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            for (&(seed, params), &(known, _)) in &totals {
                let curve = known_curves.entry(seed).or_default();
                curve.0.push(params as f64);
                curve.1.push(known.max(0.5));
                let raw = raw_curves.entry(seed).or_default();
                raw.0.push(params as f64);
                raw.1.push(known);
            }
            let known_curves: Vec<_> = known_curves.into_values().collect();
            let raw_curves: Vec<_> = raw_curves.into_values().collect();
            let none_known = raw_curves.iter().any(|c| c.1.contains(&0.0));
            let stated = totals.values().map(|t| t.1).fold(0.0, f64::max);
            let (fit, interval) =
                bootstrap_slope(&known_curves, RESAMPLES, CONFIDENCE, spec.base_seed())
                    .context("fitting C8")?;
            let c8 = Claim {
                id: "C8".into(),
                variant: point.label.clone(),
                experiment: self.name().into(),
                statement: "Knowledge capacity: facts known grow about linearly with parameters"
                    .into(),
                measured: fit.slope,
                theory: 1.0,
                lo: interval.lo,
                hi: interval.hi,
                verdict: Verdict::from_bool((fit.slope - 1.0).abs() <= p.linear_tolerance),
                detail: format!(
                    "Slope of log(facts known: stated facts whose probe argmax is the true value) against log(non-embedding parameters), {} points (R^2 = {:.3}), 95% bootstrap interval; PASS when |slope - 1| <= {} (fixed in the experiment file). A model cannot know more than the {} facts stated in the stream.{}",
                    fit.n_points,
                    fit.r_squared,
                    p.linear_tolerance,
                    num(stated),
                    if none_known {
                        " A model that knows no fact counts as half a fact in the fit."
                    } else {
                        ""
                    },
                ),
            };

            let excess = mean_curve(&curves);
            let known = mean_curve(&known_curves);
            let known_raw = mean_curve(&raw_curves);
            let positive = excess.iter().all(|&(_, y)| y > 0.0);
            let (p_min, p_max) = (
                excess.first().map_or(1.0, |p| p.0),
                excess.last().map_or(1.0, |p| p.0),
            );
            let theory_slope = -exponents::model_scaling_exponent(alpha);
            let mut excess_series = vec![Series {
                label: format!("transformers, fit slope {}", num(c6.measured)),
                points: excess.clone(),
                style: Style::LinePoints,
                color: 0,
            }];
            if let Some(&(p0, y0)) = excess.first().filter(|_| positive) {
                excess_series.push(Series {
                    label: format!("theory slope -(1 - alpha)/alpha = {}", num(theory_slope)),
                    points: vec![(p0, y0), (p_max, y0 * (p_max / p0).powf(theory_slope))],
                    style: Style::Dashed,
                    color: 3,
                });
            }
            let mut known_series = vec![
                Series {
                    label: format!("facts known, fit slope {}", num(fit.slope)),
                    points: known.clone(),
                    style: Style::LinePoints,
                    color: 0,
                },
                Series {
                    label: format!("facts stated in the stream ({})", num(stated)),
                    points: vec![(p_min, stated), (p_max, stated)],
                    style: Style::Dashed,
                    color: 6,
                },
            ];
            if let Some(&(p0, y0)) = known.first() {
                known_series.push(Series {
                    label: "linear (slope 1)".into(),
                    points: vec![(p0, y0), (p_max, y0 * p_max / p0)],
                    style: Style::Dashed,
                    color: 3,
                });
            }
            figures.push(FigureOut {
                stem: format!("model-scaling-{}", slug(&point.label)),
                caption: format!(
                    "Left: test bits per token minus the oracle's against non-embedding parameters P, for transformers of widths and depths {} trained {} steps on the same {} sentences; dashed: the theory slope through the smallest model. Right: stated facts each model answers correctly (argmax at the value slot), with the linear slope and the number of facts stated in the stream. {}, mean of {} seed(s).",
                    spec.models.iter().map(shape_label).collect::<Vec<_>>().join(", "),
                    train_config.steps,
                    num(spec.sentences as f64),
                    point.label,
                    spec.seeds.len(),
                ),
                panels: vec![
                    Figure {
                        title: format!("Test excess against model size, {}", point.label),
                        x_label: "non-embedding parameters P".into(),
                        y_label: "model minus oracle (bits/token)".into(),
                        x_scale: Scale::Log,
                        y_scale: if positive { Scale::Log } else { Scale::Linear },
                        series: excess_series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Facts known against model size, {}", point.label),
                        x_label: "non-embedding parameters P".into(),
                        y_label: "stated facts answered correctly".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Log,
                        series: known_series,
                        markers: Vec::new(),
                    },
                ],
            });
            let per_model = excess
                .iter()
                .zip(&known_raw)
                .map(|(&(params, e), &(_, k))| {
                    format!(
                        "P = {}: excess {} bits/token, {} facts known ({} bits per parameter)",
                        num(params),
                        num(e),
                        num(k),
                        num(k * bits_per_fact / params)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            // Facts known by times stated, for the smallest and the largest model: a model
            // limited by capacity misses facts whatever their exposures, one limited by the
            // data misses the rarely stated ones.
            let f_order = floats(facts, "bucket_order")?;
            let f_labels = facts.column("point")?.str()?;
            let f_buckets = facts.column("bucket")?.str()?;
            let mut by_bucket: BTreeMap<(u64, u64), (String, String, f64, f64)> = BTreeMap::new();
            for i in 0..facts.height() {
                let entry = by_bucket
                    .entry((f_params[i] as u64, f_order[i] as u64))
                    .or_insert_with(|| {
                        (
                            f_labels.get(i).unwrap_or_default().to_string(),
                            f_buckets.get(i).unwrap_or_default().to_string(),
                            0.0,
                            0.0,
                        )
                    });
                entry.2 += f_known[i];
                entry.3 += f_stated[i];
            }
            let sizes: Vec<u64> = totals.keys().map(|k| k.1).collect();
            let extremes = [sizes.iter().min(), sizes.iter().max()];
            let by_exposure = extremes
                .into_iter()
                .flatten()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|&size| {
                    let rows: Vec<_> = by_bucket.iter().filter(|(k, _)| k.0 == size).collect();
                    let label = rows.first().map_or(String::new(), |(_, v)| v.0.clone());
                    let list = rows
                        .iter()
                        .map(|(_, (_, bucket, known, stated))| {
                            format!("{bucket}: {}/{}", num(*known), num(*stated))
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{label}: {list}")
                })
                .collect::<Vec<_>>()
                .join("; ");
            prose.push(format!(
                "At {}: {per_model}. The excess falls with slope {} (95% interval {} to {}) against the theory's -(1 - alpha)/alpha = {}: C6 **{}**. Facts known grow with slope {} (interval {} to {}) against 1 (linear): C8 **{}**. Bits per parameter count log2 |V_j| = {} bits per known fact over the non-embedding parameters. Facts known of those stated, by times stated ({by_exposure}): a model limited by its capacity would miss facts whatever their exposures; one limited by the data misses the rarely stated ones.",
                point.label,
                num(c6.measured),
                num(c6.lo),
                num(c6.hi),
                num(theory_slope),
                c6.verdict,
                num(c8.measured),
                num(c8.lo),
                num(c8.hi),
                c8.verdict,
                num(bits_per_fact),
            ));
            claims.extend([c6, c8]);
        }
        let body = format!(
            "Transformers of shapes {} (context {}) are trained for the same {} steps of {} windows (AdamW, peak rate {}, cosine decay to {}) on one stream of {} sentences, then scored on {} test sentences beside the oracle, and probed on every fact stated in the stream (the template prefix up to the value slot, read at the argmax). P counts the parameters outside the token and position embeddings (Kaplan et al.'s N).\n\n{}",
            spec.models
                .iter()
                .map(shape_label)
                .collect::<Vec<_>>()
                .join(", "),
            spec.models.first().map_or(0, |m| m.context),
            train_config.steps,
            train_config.batch_size,
            train_config.learning_rate,
            train_config.min_learning_rate,
            num(spec.sentences as f64),
            p.test_sentences,
            prose.join("\n\n"),
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}
