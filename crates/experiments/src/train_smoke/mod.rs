//! train-smoke and acquisition: one transformer trained on one stream, evaluated at
//! log-spaced steps: held-out bits by role beside the oracle, and fact probes by frequency
//! bucket, against steps and against exposures (C4, C7).
//!
//! `train-smoke` is the smallest experiment that exercises the whole neural path (generator
//! -> trainer -> probes -> frames -> figure); its `default` profile trains a real model for a
//! few minutes on a CPU. `acquisition` is the same measurement with its own TOML (buckets by
//! true weight, denser evaluations, a longer run).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Corpus;
use skm_report::{Claim, Figure, Scale, Series, Style, Verdict, fit_loglog};
use skm_trainer::probe::{self, Probe, Strata, exposure_bucket, exposure_bucket_label};
use skm_trainer::{ModelConfig, RunOptions, TrainConfig, Trainer, evaluate_roles};

use super::bayes_learning_curve::slug;
use super::training::{LossRows, ROLES, RoleRows, configs, model_label, training_steps};
use super::{
    Analysis, Env, Experiment, FigureOut, FrameSet, Frames, check_fraction, floats, num,
    rows_where, settles_below,
};
use crate::measure::log_grid;
use crate::spec::Spec;

/// One train-and-probe experiment; `name` is its TOML's stem.
pub struct TrainAndProbe {
    /// `train-smoke` or `acquisition`.
    pub name: &'static str,
}

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Sentences after the training stream, scored at every evaluation.
    heldout_sentences: u64,
    /// Evaluations: this many per decade of steps (and at step 0 and the last step).
    evaluations_per_decade: u32,
    /// Probed facts per bucket, and never-seen entities probed.
    probes_per_bucket: usize,
    /// How seen facts are bucketed: `exposures` (in the training stream) or `weight`
    /// (expected exposures `pi_k N / A`).
    probe_strata: probe::Strata,
    /// C4: a role has learned once its held-out excess stays below this (bits/token).
    floor_bits: f64,
    /// C4: how many decades of steps earlier syntax must settle than knowledge.
    decades: f64,
    /// C7: a bucket's facts are known once this share of its probes is answered correctly.
    known_accuracy: f64,
    /// C7 (exposures): the largest |slope| of log(exposures at which a bucket is known)
    /// against log(the bucket's exposures) that still counts as "a constant number of
    /// exposures" (slope 0; a constant number of steps would be slope 1).
    exposure_slope: f64,
}

/// The bucket label of never-seen entities (fresh names).
const NEVER_SEEN: &str = "never seen";

/// The probe's bucket under `strata`: -1 for a never-seen entity.
fn bucket_of(probe: &Probe, strata: Strata) -> i32 {
    match (probe.entity, strata) {
        (None, _) => -1,
        (Some(_), Strata::Exposures) => exposure_bucket(probe.exposures) as i32,
        (Some(_), Strata::Weight) => {
            exposure_bucket(probe.expected_exposures.round() as u64) as i32
        }
    }
}

fn bucket_name(bucket: i32) -> String {
    match u32::try_from(bucket) {
        Err(_) => NEVER_SEEN.into(),
        Ok(b) => exposure_bucket_label(b),
    }
}

/// Columns of the frames, filled one evaluation at a time.
#[derive(Default)]
struct Rows {
    // evaluations
    e_point: Vec<String>,
    e_seed: Vec<u64>,
    e_step: Vec<u64>,
    e_tokens: Vec<u64>,
    e_roles: RoleRows,
    // probes
    p_point: Vec<String>,
    p_seed: Vec<u64>,
    p_step: Vec<u64>,
    p_epochs: Vec<f64>,
    p_probe: Vec<u32>,
    p_entity: Vec<i64>,
    p_attribute: Vec<u32>,
    p_exposures: Vec<u64>,
    p_bucket: Vec<String>,
    p_bucket_order: Vec<i32>,
    p_expected: Vec<f64>,
    p_weight: Vec<f64>,
    p_answer: Vec<&'static str>,
    p_true: Vec<f64>,
    p_argmax: Vec<f64>,
    p_valid: Vec<f64>,
    p_entropy: Vec<f64>,
    training: LossRows,
}

/// What one evaluation needs besides the model.
struct Probing<'a> {
    label: &'a str,
    seed: u64,
    corpus: &'a Corpus,
    heldout: std::ops::Range<usize>,
    probes: &'a [Probe],
    strata: Strata,
    batch: usize,
    tokens_per_step: u64,
    /// Tokens of the training stream: `epochs = step B T / train_tokens`.
    train_tokens: u64,
}

impl Rows {
    fn evaluate(&mut self, at: &Probing, trainer: &Trainer) -> skm_trainer::Result<()> {
        let model = trainer.eval_model();
        let step = trainer.state().step as u64;
        let eval = evaluate_roles(model, at.corpus, at.heldout.clone(), at.batch)?;
        self.e_roles.push(&eval);
        for _ in ROLES {
            self.e_point.push(at.label.into());
            self.e_seed.push(at.seed);
            self.e_step.push(step);
            self.e_tokens.push(step * at.tokens_per_step);
        }
        let results = probe::evaluate(model, &at.corpus.world, at.probes, at.batch)?;
        for (i, (probe, result)) in at.probes.iter().zip(&results).enumerate() {
            self.p_point.push(at.label.into());
            self.p_seed.push(at.seed);
            self.p_step.push(step);
            self.p_epochs
                .push((step * at.tokens_per_step) as f64 / at.train_tokens as f64);
            self.p_probe.push(i as u32);
            self.p_entity.push(probe.entity.map_or(-1, i64::from));
            self.p_attribute.push(u32::from(probe.attribute));
            self.p_exposures.push(probe.exposures);
            let bucket = bucket_of(probe, at.strata);
            self.p_bucket.push(bucket_name(bucket));
            self.p_bucket_order.push(bucket);
            self.p_expected.push(probe.expected_exposures);
            self.p_weight.push(probe.weight);
            self.p_answer.push(result.answer.as_str());
            self.p_true.push(result.p_true);
            self.p_argmax.push(result.p_argmax);
            self.p_valid.push(result.valid_mass);
            self.p_entropy.push(result.entropy_bits);
        }
        Ok(())
    }

    fn frames(self) -> Result<Frames> {
        let mut evaluations = df!(
            "point" => self.e_point,
            "seed" => self.e_seed,
            "step" => self.e_step,
            "tokens" => self.e_tokens,
        )?;
        evaluations.hstack_mut(&self.e_roles.columns())?;
        let correct: Vec<bool> = self.p_answer.iter().map(|a| *a == "correct").collect();
        let probes = df!(
            "point" => self.p_point,
            "seed" => self.p_seed,
            "step" => self.p_step,
            "epochs" => self.p_epochs,
            "probe" => self.p_probe,
            "entity" => self.p_entity,
            "attribute" => self.p_attribute,
            "exposures" => self.p_exposures,
            "bucket" => self.p_bucket,
            "bucket_order" => self.p_bucket_order,
            "expected_exposures" => self.p_expected,
            "weight" => self.p_weight,
            "answer" => self.p_answer,
            "correct" => correct,
            "p_true" => self.p_true,
            "p_argmax" => self.p_argmax,
            "valid_mass" => self.p_valid,
            "entropy_bits" => self.p_entropy,
        )?;
        let training = self.training.frame()?;
        Ok(Frames::from([
            ("evaluations".to_string(), evaluations),
            ("probes".to_string(), probes),
            ("training".to_string(), training),
        ]))
    }
}

/// Steps at which the model is evaluated: 0, then a log grid up to the budget.
pub(super) fn evaluation_steps(steps: usize, per_decade: u32) -> BTreeSet<usize> {
    std::iter::once(0)
        .chain(
            log_grid(steps as u64, per_decade)
                .into_iter()
                .map(|s| s as usize),
        )
        .collect()
}

impl Experiment for TrainAndProbe {
    fn name(&self) -> &'static str {
        self.name
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        configs(spec)?;
        ensure!(
            (2..=10_000_000).contains(&p.heldout_sentences),
            "{file}: analysis.heldout_sentences = {} is out of range: allowed 2..=10000000",
            p.heldout_sentences
        );
        ensure!(
            (1..=50).contains(&p.evaluations_per_decade),
            "{file}: analysis.evaluations_per_decade = {} is out of range: allowed 1..=50",
            p.evaluations_per_decade
        );
        ensure!(
            (1..=100_000).contains(&p.probes_per_bucket),
            "{file}: analysis.probes_per_bucket = {} is out of range: allowed 1..=100000",
            p.probes_per_bucket
        );
        ensure!(
            p.floor_bits > 0.0 && p.decades > 0.0,
            "{file}: analysis.floor_bits = {} and analysis.decades = {} are out of range: allowed > 0",
            p.floor_bits,
            p.decades
        );
        check_fraction(spec, "known_accuracy", p.known_accuracy)?;
        ensure!(
            p.exposure_slope > 0.0 && p.exposure_slope < 1.0,
            "{file}: analysis.exposure_slope = {} is out of range: allowed 0 < exposure_slope < 1",
            p.exposure_slope
        );
        Ok(())
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, 1)
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let device = spec.device.unwrap_or_default().device()?;
        let train_sentences = spec.sentences as usize;
        let mut rows = Rows::default();
        for point in &spec.points {
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let generator = spec.generator_at(point, seed);
                let corpus =
                    Corpus::generate(&generator, train_sentences + p.heldout_sentences as usize)?;
                let split = corpus.offsets[train_sentences];
                let (train_tokens, heldout_tokens) = corpus.tokens.split_at(split);
                let model = ModelConfig {
                    vocab_size: corpus.world.vocabulary.size(),
                    ..model_config.clone()
                };
                let train = TrainConfig {
                    seed: train_config.seed.wrapping_add(index as u64),
                    ..train_config.clone()
                };
                let probes = probe::stratified(
                    &corpus,
                    0..train_sentences,
                    p.probe_strata,
                    p.probes_per_bucket,
                    seed,
                )?;
                let probing = Probing {
                    label: &point.label,
                    seed,
                    corpus: &corpus,
                    heldout: train_sentences..corpus.sentences.len(),
                    probes: &probes,
                    strata: p.probe_strata,
                    batch: train.batch_size,
                    tokens_per_step: (train.batch_size * model.context) as u64,
                    train_tokens: train_tokens.len() as u64,
                };
                let at = evaluation_steps(train.steps, p.evaluations_per_decade);
                let mut trainer = Trainer::new(&model, &train, &device)?;
                rows.evaluate(&probing, &trainer)?;
                skm_trainer::run(
                    &mut trainer,
                    train_tokens,
                    heldout_tokens,
                    &RunOptions::default(),
                    |trainer, outcome| {
                        rows.training.push(&point.label, seed, outcome);
                        progress.inc(1);
                        progress.trained(probing.tokens_per_step, outcome.loss);
                        if at.contains(&trainer.state().step) {
                            rows.evaluate(&probing, trainer)?;
                        }
                        Ok(())
                    },
                )
                .with_context(|| format!("training at {} seed {seed}", point.label))?;
            }
        }
        rows.frames()
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        for point in &spec.points {
            let evals = rows_where(frames.frame("evaluations")?, "point", &point.label)?;
            let probes = rows_where(frames.frame("probes")?, "point", &point.label)?;
            let last_step = floats(&evals, "step")?.into_iter().fold(0.0, f64::max);

            // Seed means of the excess per role at each evaluated step.
            let excess = |role: &str| -> Result<Vec<(f64, f64)>> {
                let rows = rows_where(&evals, "role", role)?;
                mean_by_step(
                    &floats(&rows, "step")?,
                    &floats(&rows, "excess_bits_per_token")?,
                )
            };
            // C4: where each role's excess drops below the floor for good.
            let settles = |role: &str| -> Result<Option<f64>> {
                Ok(settles_below(&excess(role)?, p.floor_bits))
            };
            let syntax_at = settles("syntax")?;
            let knowledge_at = [settles("name")?, settles("value")?]
                .into_iter()
                .map(|s| s.unwrap_or(f64::INFINITY))
                .fold(f64::INFINITY, f64::min);
            // Step 0 is "before any training": count it as step 1 on the log scale. When syntax
            // never settles the run shows no separation: 0 decades, interval unbounded.
            let (measured, lo, hi) = match syntax_at {
                None => (0.0, f64::NEG_INFINITY, f64::INFINITY),
                Some(s) if knowledge_at.is_infinite() => {
                    let bound = (last_step / s.max(1.0)).log10();
                    (bound, bound, f64::INFINITY)
                }
                Some(s) => {
                    let gap = (knowledge_at.max(1.0) / s.max(1.0)).log10();
                    (gap, gap, gap)
                }
            };
            let lower_bound = syntax_at.is_some() && knowledge_at.is_infinite();
            let never = |s: Option<f64>| s.map_or_else(|| "never".to_string(), num);
            let c4 = Claim {
                id: "C4".into(),
                variant: format!("{} transformer", point.label),
                experiment: self.name().into(),
                statement: "Syntax is learned before knowledge by a trained transformer: its held-out syntax excess reaches the floor well before the name/value excess".into(),
                measured,
                theory: p.decades,
                lo,
                hi,
                verdict: Verdict::from_bool(syntax_at.is_some() && measured >= p.decades),
                detail: format!(
                    "Decades of training steps between the evaluation from which the seed-mean held-out excess over the oracle stays below {} bits/token for syntax (step {}) and for the earlier of name and value ({}){}; PASS when at least {}.",
                    p.floor_bits,
                    never(syntax_at),
                    if knowledge_at.is_infinite() { format!("not within {last_step} steps") } else { format!("step {}", num(knowledge_at)) },
                    if lower_bound { ", a lower bound" } else { "" },
                    p.decades
                ),
            };

            // Accuracy per bucket at each evaluated step (seed means).
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
            let accuracy = |bucket: i32| -> Result<Vec<(f64, f64)>> {
                let (mut s, mut c) = (Vec::new(), Vec::new());
                for ((&o, &step), &ok) in orders.iter().zip(&steps).zip(&correct) {
                    if o as i32 == bucket {
                        s.push(step);
                        c.push(ok);
                    }
                }
                mean_by_step(&s, &c)
            };
            // C7 (order): the step at which each stated bucket first reaches known_accuracy.
            let mut acquired: Vec<(i32, Option<f64>)> = Vec::new();
            for &bucket in buckets.keys().filter(|&&b| b >= 1) {
                let curve = accuracy(bucket)?;
                acquired.push((
                    bucket,
                    curve
                        .iter()
                        .find(|&&(_, a)| a >= p.known_accuracy)
                        .map(|&(s, _)| s),
                ));
            }
            let at = |a: Option<f64>| a.unwrap_or(f64::INFINITY);
            let inversions = acquired
                .iter()
                .enumerate()
                .flat_map(|(i, rare)| {
                    acquired[i + 1..]
                        .iter()
                        .map(move |frequent| (rare, frequent))
                })
                .filter(|(rare, frequent)| at(rare.1) < at(frequent.1))
                .count();
            let any_known = acquired.iter().any(|(_, a)| a.is_some());
            let acquisition = acquired
                .iter()
                .map(|(b, a)| format!("{}: {}", buckets[b], a.map_or("not reached".into(), num)))
                .collect::<Vec<_>>()
                .join("; ");
            let c7 = Claim {
                id: "C7".into(),
                variant: format!("{} order", point.label),
                experiment: self.name().into(),
                statement: "Knowledge is acquired in order of frequency: facts stated more often are known at an earlier step".into(),
                measured: inversions as f64,
                theory: 0.0,
                lo: inversions as f64,
                hi: inversions as f64,
                verdict: Verdict::from_bool(inversions == 0 && any_known),
                detail: format!(
                    "First evaluated step at which the seed-mean probe accuracy of each exposure bucket reaches {} ({acquisition}); measured = pairs of buckets where the rarer is known strictly earlier; PASS when none is and at least one bucket is known.",
                    p.known_accuracy
                ),
            };

            // C7 (exposures): how many times a bucket's facts had been seen when it became known.
            // Random windows present each sentence `epochs = step B T / train_tokens` times in
            // expectation, so a fact stated e times has been seen e * epochs times by then.
            let (exposures, epochs) = (floats(&probes, "exposures")?, floats(&probes, "epochs")?);
            let epochs_at = |step: f64| {
                steps
                    .iter()
                    .position(|&s| s == step)
                    .map_or(f64::NAN, |i| epochs[i])
            };
            let mean_exposures = |bucket: i32| {
                let v: Vec<f64> = orders
                    .iter()
                    .zip(&exposures)
                    .filter(|(o, _)| **o as i32 == bucket)
                    .map(|(_, e)| *e)
                    .collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            };
            let known: Vec<(f64, f64)> = acquired
                .iter()
                .filter_map(|&(b, s)| {
                    s.map(|s| (mean_exposures(b), mean_exposures(b) * epochs_at(s)))
                })
                .filter(|&(e, seen)| e > 0.0 && seen > 0.0)
                .collect();
            let seen_list = known
                .iter()
                .map(|(e, seen)| format!("{} -> {}", num(*e), num(*seen)))
                .collect::<Vec<_>>()
                .join("; ");
            let c7_exposures = if known.len() >= 2 {
                let (x, y): (Vec<f64>, Vec<f64>) = known.iter().copied().unzip();
                let fit = fit_loglog(&x, &y)?;
                Claim {
                    id: "C7".into(),
                    variant: format!("{} exposures", point.label),
                    experiment: self.name().into(),
                    statement: "A fact becomes known after a roughly constant number of exposures, whatever its frequency".into(),
                    measured: fit.slope,
                    theory: 0.0,
                    lo: fit.slope,
                    hi: fit.slope,
                    verdict: Verdict::from_bool(fit.slope.abs() <= p.exposure_slope),
                    detail: format!(
                        "Slope of log(exposures seen when the bucket first reaches accuracy {}) against log(the bucket's mean exposures in the stream), over the {} buckets that reach it (mean exposures -> seen when known: {seen_list}); 0 is a constant number of exposures, 1 a constant number of steps; PASS when |slope| <= {}. One run, so no interval.",
                        p.known_accuracy,
                        known.len(),
                        p.exposure_slope
                    ),
                }
            } else {
                Claim {
                    id: "C7".into(),
                    variant: format!("{} exposures", point.label),
                    experiment: self.name().into(),
                    statement: "A fact becomes known after a roughly constant number of exposures, whatever its frequency".into(),
                    measured: 0.0,
                    theory: 0.0,
                    lo: f64::NEG_INFINITY,
                    hi: f64::INFINITY,
                    verdict: Verdict::Fail,
                    detail: format!(
                        "Only {} bucket(s) reach accuracy {} within the run: no slope can be measured.",
                        known.len(),
                        p.known_accuracy
                    ),
                }
            };

            // Figure: loss by role, accuracy by bucket.
            let mut role_series = Vec::new();
            for (color, role) in ["syntax", "name", "value", "all"].into_iter().enumerate() {
                role_series.push(Series {
                    label: role.into(),
                    points: excess(role)?,
                    style: Style::LinePoints,
                    color,
                });
            }
            role_series.push(Series {
                label: format!("floor {} bits", p.floor_bits),
                points: vec![(1.0, p.floor_bits), (last_step.max(1.0), p.floor_bits)],
                style: Style::Dashed,
                color: 6,
            });
            // Stated buckets, most frequent first, in colour (black is kept for the two kinds
            // of fact that cannot be known).
            const COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 7];
            let (verb, unstated) = match p.probe_strata {
                Strata::Exposures => ("stated", "entity seen, fact never stated"),
                Strata::Weight => ("expected", "entity seen, fact expected < 0.5 times"),
            };
            let mut accuracy_series = Vec::new();
            let mut exposure_series = Vec::new();
            for (i, (&bucket, label)) in buckets.iter().rev().enumerate() {
                let (label, style, color) = match bucket {
                    b if b < 0 => (NEVER_SEEN.to_string(), Style::Dashed, 6),
                    0 => (unstated.into(), Style::Points, 6),
                    _ => (
                        format!("{verb} {label} times"),
                        Style::LinePoints,
                        COLORS[i % COLORS.len()],
                    ),
                };
                if bucket >= 1 {
                    let per_fact = mean_exposures(bucket);
                    exposure_series.push(Series {
                        label: label.clone(),
                        points: accuracy(bucket)?
                            .into_iter()
                            .map(|(s, a)| (per_fact * epochs_at(s), a))
                            .collect(),
                        style,
                        color,
                    });
                }
                accuracy_series.push(Series {
                    label,
                    points: accuracy(bucket)?,
                    style,
                    color,
                });
            }
            figures.push(FigureOut {
                stem: format!("acquisition-{}", slug(&point.label)),
                caption: format!(
                    "Left: held-out bits per token by role minus the oracle's, against training steps. Middle: share of probed facts whose argmax at the value slot is the true value, by frequency bucket ({}), against training steps. Right: the same accuracies against the times a bucket's facts had been seen (mean exposures in the stream x epochs). {} model ({} parameters), {} seed(s), {}; step 0 (before training) is in the frames but off the log axes.",
                    match p.probe_strata {
                        Strata::Exposures => "exposures in the training stream",
                        Strata::Weight => "expected exposures pi N / A from the true weight",
                    },
                    model_label(model_config),
                    model_config.parameters(),
                    spec.seeds.len(),
                    point.label,
                ),
                panels: vec![
                    Figure {
                        title: format!("Held-out excess by role, {}", point.label),
                        x_label: "training step".into(),
                        y_label: "model minus oracle (bits/token)".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Log,
                        series: role_series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Fact accuracy by frequency, {}", point.label),
                        x_label: "training step".into(),
                        y_label: "probes answered correctly (share)".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Linear,
                        series: accuracy_series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Fact accuracy against exposures seen, {}", point.label),
                        x_label: "times the fact was seen (exposures x epochs)".into(),
                        y_label: "probes answered correctly (share)".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Linear,
                        series: exposure_series,
                        markers: Vec::new(),
                    },
                ],
            });

            // Prose: the final state.
            let final_excess = |role: &str| -> Result<String> {
                Ok(excess(role)?.last().map_or("n/a".into(), |&(_, y)| num(y)))
            };
            let fresh = rows_where(&probes, "bucket", NEVER_SEEN)?;
            let is_final: Vec<bool> = floats(&fresh, "step")?
                .into_iter()
                .map(|s| s == last_step)
                .collect();
            let fresh_final =
                fresh.filter(&BooleanChunked::from_slice("final".into(), &is_final))?;
            let mean = |column: &str| -> Result<f64> {
                let v = floats(&fresh_final, column)?;
                Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
            };
            let malformed = {
                let answers = fresh_final.column("answer")?.str()?;
                answers.iter().filter(|a| *a == Some("malformed")).count() as f64
                    / fresh_final.height().max(1) as f64
            };
            prose.push(format!(
                "At {}: after {} steps the held-out excess over the oracle is {} bits/token for syntax, {} for names and {} for values. Syntax stays below {} bits/token {}, knowledge {}. Probe accuracy first reaches {} (by bucket): {}. Never-seen entities: the argmax is malformed for {} of the probes, the mass on the attribute's valid values is {} and the argmax's probability {} (a calibrated model would put 1/|V_j| = {} on each value). C4 **{}**, C7 (order) **{}**.",
                point.label,
                last_step,
                final_excess("syntax")?,
                final_excess("name")?,
                final_excess("value")?,
                p.floor_bits,
                syntax_at.map_or_else(|| "at no evaluated step".to_string(), |s| format!("from step {}", num(s))),
                if knowledge_at.is_infinite() { "not within the run".to_string() } else { format!("from step {}", num(knowledge_at)) },
                p.known_accuracy,
                acquisition,
                num(malformed),
                num(mean("valid_mass")?),
                num(mean("p_argmax")?),
                num(1.0 / point.generator.values_per_attribute as f64),
                c4.verdict,
                c7.verdict,
            ));
            prose.push(format!(
                "Exposures seen when a bucket is first known (its mean exposures -> seen): {}; C7 (exposures) **{}** (slope {}).",
                if seen_list.is_empty() { "none".to_string() } else { seen_list.clone() },
                c7_exposures.verdict,
                num(c7_exposures.measured),
            ));
            claims.extend([c4, c7, c7_exposures]);
        }
        let tokens = train_config.steps * train_config.batch_size * model_config.context;
        let body = format!(
            "A {} transformer ({} parameters, {} of them outside the embeddings) is trained for {} steps of {} windows of {} tokens ({} tokens) on a stream of {} sentences, with AdamW (peak rate {}, {} warmup steps, cosine decay to {}). At log-spaced steps it is scored on {} held-out sentences, token by token beside the oracle, and probed on facts drawn from each bucket of {} (up to {} per bucket) and on as many never-seen entities: the template prefix up to the value slot, read at the argmax.\n\n{}",
            model_label(model_config),
            model_config.parameters(),
            model_config.non_embedding_parameters(),
            train_config.steps,
            train_config.batch_size,
            model_config.context,
            tokens,
            spec.sentences,
            train_config.learning_rate,
            train_config.warmup_steps,
            train_config.min_learning_rate,
            p.heldout_sentences,
            match p.probe_strata {
                Strata::Exposures => "exposures in the training stream",
                Strata::Weight => "expected exposures pi N / A (true frequency)",
            },
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
    fn evaluation_steps_start_at_zero_and_end_at_the_budget() {
        let steps = evaluation_steps(1000, 3);
        assert_eq!(steps.first(), Some(&0));
        assert_eq!(steps.last(), Some(&1000));
        assert!(steps.contains(&1) && steps.contains(&10) && steps.contains(&100));
    }

    #[test]
    fn means_are_per_step() {
        let m = mean_by_step(&[2.0, 1.0, 2.0], &[1.0, 5.0, 0.0]).unwrap();
        assert_eq!(m, vec![(1.0, 5.0), (2.0, 0.5)]);
    }
}
