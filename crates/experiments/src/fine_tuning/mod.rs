//! fine-tuning: a transformer pre-trained on a Syntax-Knowledge stream is tuned on
//! question-answer sentences, a format it never saw, once on facts it knows and once on facts
//! of entities it never saw (C10).
//!
//! A QA sentence is `QUESTION ATTR_j name_1..name_L ANSWER value EOS`; its tokens come after the
//! generator's vocabulary (`QUESTION = V`, `ANSWER = V + 1`, `ATTR_j = V + 2 + j`), so the
//! model has them from the start but pre-training never shows them. A QA probe reads the
//! model after `EOS QUESTION ATTR_j name ANSWER`, a template probe after the template prefix
//! of `probe::prefix`.
//!
//! Both arms start from the same pre-trained weights ([`Trainer::fine_tune`]: fresh AdamW,
//! step 0) and train on their QA sentences only, shuffled and repeated. The `known` arm tunes
//! the facts of seen entities the model knows best (most facts correct in template probes
//! after pre-training, then most frequent; every other entity of that ranking, so that as
//! well-known entities stay held out); the `unknown` arm tunes entities with fresh names and
//! values uniform in `V_j`, like the never-seen probes. Held out from both: a stratified
//! probe set (by true frequency) of the other seen entities and of never-seen ones.
//!
//! Theory: the format is a handful of parameters seen in every QA sentence, a fact is one
//! parameter seen in `1 / (A E)` of them (`E` entities tuned), so if both need a similar number
//! of exposures the format is learned `log10(A E)` decades of steps earlier.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::{Context, Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::{Corpus, Token, Vocabulary, World};
use skm_report::{Claim, Figure, Scale, Series, Style, Verdict};
use skm_trainer::init::SplitMix64;
use skm_trainer::probe::{self, Answer, Probe, ProbeResult, Strata, exposure_bucket};
use skm_trainer::{ModelConfig, RunOptions, TrainConfig, Trainer};

use super::bayes_learning_curve::slug;
use super::train_smoke::evaluation_steps;
use super::training::{LossRows, configs, model_label};
use super::{Analysis, Env, Experiment, FigureOut, FrameSet, Frames, check_fraction, concat, num};
use crate::spec::Spec;

/// The experiment.
pub struct FineTuning;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Entities tuned in each arm (all `A` facts of each).
    tune_entities: usize,
    /// Tuning steps = `ceil(tune_fraction x train.steps)`; its warmup is the pre-training's
    /// scaled the same way, with the same batch and context.
    tune_fraction: f64,
    /// Peak learning rate of tuning; it decays (cosine) to the same fraction of it as
    /// pre-training's `min_learning_rate / learning_rate`.
    tune_learning_rate: f64,
    /// Evaluations during tuning: this many per decade of steps (and at steps 0 and last).
    evaluations_per_decade: u32,
    /// Held-out probes per true-frequency bucket, and never-seen entities probed.
    probes_per_bucket: usize,
    /// C10 format: the format is learned once this share of held-out QA probes gets a value
    /// of the asked attribute.
    format_accuracy: f64,
    /// C10 format: new facts are learned once this share of them is answered correctly.
    known_accuracy: f64,
    /// C10 format: how many decades of steps earlier the format must be learned.
    decades: f64,
    /// C10 forgetting: buckets compared must have at least this template accuracy before
    /// tuning.
    forgetting_min_accuracy: f64,
    /// C10 forgetting and hallucination: the least difference of shares that counts as larger.
    min_difference: f64,
}

/// Tuning steps and schedule: see [`Params`].
fn tune_config(train: &TrainConfig, p: &Params) -> TrainConfig {
    let steps = ((train.steps as f64 * p.tune_fraction).ceil() as usize).max(1);
    let warmup = ((train.warmup_steps as f64 * p.tune_fraction).round() as usize).min(steps);
    TrainConfig {
        steps,
        warmup_steps: warmup,
        learning_rate: p.tune_learning_rate,
        min_learning_rate: p.tune_learning_rate * train.min_learning_rate / train.learning_rate,
        eval_every: 0,
        patience: None,
        checkpoint_every: 0,
        ..train.clone()
    }
}

/// Shuffled copies of the tuning sentences in the tuning stream.
const COPIES: usize = 16;
/// Salt of the fresh entities and of the tuning-stream shuffles.
const TUNE_SALT: u64 = 0xF1_7E7D_0A5E_C0DE;
/// The arms, in frame order.
const ARMS: [&str; 2] = ["known", "unknown"];
/// The bucket label of never-seen entities.
const NEVER_SEEN: &str = "never seen";

/// The QA format: its tokens follow the generator's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Qa {
    /// The generator's vocabulary size `V`: `QUESTION`.
    base: Token,
    /// Attributes `A`.
    attributes: usize,
}

impl Qa {
    fn new(world: &World) -> Self {
        Qa {
            base: world.vocabulary.size() as Token,
            attributes: world.config.attributes,
        }
    }
    fn question(self) -> Token {
        self.base
    }
    fn answer(self) -> Token {
        self.base + 1
    }
    fn attribute(self, j: usize) -> Token {
        self.base + 2 + j as Token
    }
    /// `V + 2 + A`.
    fn vocab_size(self) -> usize {
        self.base as usize + 2 + self.attributes
    }
    /// `EOS QUESTION ATTR_j name ANSWER`: the value slot follows.
    fn prefix(self, name: &[Token], attribute: usize) -> Vec<Token> {
        let mut tokens = vec![Vocabulary::EOS, self.question(), self.attribute(attribute)];
        tokens.extend_from_slice(name);
        tokens.push(self.answer());
        tokens
    }
    /// `QUESTION ATTR_j name ANSWER value EOS`.
    fn sentence(self, name: &[Token], attribute: usize, value: Token) -> Vec<Token> {
        let mut tokens = self.prefix(name, attribute).split_off(1);
        tokens.extend([value, Vocabulary::EOS]);
        tokens
    }
}

/// [`COPIES`] copies of `sentences`, each in its own order (a Fisher-Yates shuffle of a
/// splitmix64 stream of `seed`), concatenated.
fn tuning_stream(sentences: &[Vec<Token>], seed: u64) -> Vec<Token> {
    let mut rng = SplitMix64::new(seed ^ TUNE_SALT);
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    let mut stream = Vec::new();
    for _ in 0..COPIES {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for &i in &order {
            stream.extend_from_slice(&sentences[i]);
        }
    }
    stream
}

/// `count` entities with fresh names (none of the world's, none in `taken`) and one value per
/// attribute, uniform in `V_j`: probes of all their facts, entity by entity.
fn fresh_entities(world: &World, count: usize, taken: &[Probe], seed: u64) -> Result<Vec<Probe>> {
    let names = world.vocabulary.names_range();
    let mut used: HashSet<Vec<Token>> = (0..world.entities.len())
        .map(|k| world.entities.name(k).to_vec())
        .chain(taken.iter().map(|p| p.name.clone()))
        .collect();
    ensure!(
        ((used.len() + count) as f64) <= world.config.name_space() / 2.0,
        "{} names need a name space of at least twice that; it has {}: raise name_tokens or name_vocab",
        used.len() + count,
        world.config.name_space()
    );
    let mut rng = SplitMix64::new(seed ^ TUNE_SALT.rotate_left(17));
    let mut probes = Vec::with_capacity(count * world.config.attributes);
    while probes.len() < count * world.config.attributes {
        let name: Vec<Token> = (0..world.config.name_tokens)
            .map(|_| names.start + rng.below(u64::from(names.end - names.start)) as Token)
            .collect();
        if !used.insert(name.clone()) {
            continue;
        }
        for attribute in 0..world.config.attributes {
            let values = world.vocabulary.attribute_values(attribute);
            probes.push(Probe {
                entity: None,
                attribute: attribute as u16,
                name: name.clone(),
                value: values.start + rng.below(u64::from(values.end - values.start)) as Token,
                exposures: 0,
                expected_exposures: 0.0,
                entity_sentences: 0,
                weight: 0.0,
            });
        }
    }
    Ok(probes)
}

/// Facts of seen entities in the first `train` sentences: exposures per fact and sentences
/// per entity.
struct Counts {
    facts: BTreeMap<(u32, u16), u64>,
    entities: BTreeMap<u32, u64>,
    per_fact: f64,
}

impl Counts {
    fn new(corpus: &Corpus, train: usize) -> Self {
        let mut counts = Counts {
            facts: BTreeMap::new(),
            entities: BTreeMap::new(),
            per_fact: train as f64 / corpus.world.config.attributes as f64,
        };
        for s in &corpus.sentences[..train] {
            *counts.entities.entry(s.entity).or_default() += 1;
            *counts.facts.entry((s.entity, s.attribute)).or_default() += 1;
        }
        counts
    }

    /// Probes of every fact of entity `k`.
    fn probes(&self, world: &World, k: u32) -> Vec<Probe> {
        let i = k as usize;
        (0..world.config.attributes as u16)
            .map(|j| Probe {
                entity: Some(k),
                attribute: j,
                name: world.entities.name(i).to_vec(),
                value: world.entities.value(i, usize::from(j)),
                exposures: self.facts.get(&(k, j)).copied().unwrap_or(0),
                expected_exposures: world.weights[i] * self.per_fact,
                entity_sentences: self.entities.get(&k).copied().unwrap_or(0),
                weight: world.weights[i],
            })
            .collect()
    }
}

/// The known arm's entities: of the `4 E` most frequent entities, ranked by facts known
/// (correct template probes) then frequency then id, every other one from the first, `E` in
/// all. `known[i]` is the number of facts of `candidates[i]` known.
fn known_arm(candidates: &[(u32, u64)], known: &[usize], entities: usize) -> Vec<u32> {
    let mut ranked: Vec<(usize, u64, u32)> = candidates
        .iter()
        .zip(known)
        .map(|(&(k, n), &c)| (c, n, k))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranked
        .into_iter()
        .step_by(2)
        .take(entities)
        .map(|(_, _, k)| k)
        .collect()
}

/// The probe's bucket by true frequency: -1 for a never-seen entity.
fn bucket_of(probe: &Probe) -> i32 {
    match probe.entity {
        None => -1,
        Some(_) => exposure_bucket(probe.expected_exposures.round() as u64) as i32,
    }
}

fn bucket_name(bucket: i32) -> String {
    match u32::try_from(bucket) {
        Err(_) => NEVER_SEEN.into(),
        Ok(b) => probe::exposure_bucket_label(b),
    }
}

/// A set of probes and what the experiment knows of each.
struct ProbeSet<'a> {
    /// `held-out`, `never seen` or `tuned`.
    name: &'static str,
    probes: &'a [Probe],
    /// Whether the template probe was correct after pre-training.
    known_before: &'a [bool],
}

/// Columns of the `probes` frame.
#[derive(Default)]
struct Rows {
    point: Vec<String>,
    seed: Vec<u64>,
    arm: Vec<&'static str>,
    step: Vec<u64>,
    set: Vec<&'static str>,
    format: Vec<&'static str>,
    probe: Vec<u32>,
    entity: Vec<i64>,
    attribute: Vec<u32>,
    exposures: Vec<u64>,
    expected: Vec<f64>,
    bucket: Vec<String>,
    bucket_order: Vec<i32>,
    known_before: Vec<bool>,
    answer: Vec<&'static str>,
    p_true: Vec<f64>,
    p_argmax: Vec<f64>,
    valid: Vec<f64>,
    entropy: Vec<f64>,
}

/// Where an evaluation belongs.
struct At<'a> {
    point: &'a str,
    seed: u64,
    arm: &'static str,
    batch: usize,
}

impl Rows {
    /// Every probe of `sets` in both formats.
    fn evaluate(
        &mut self,
        at: &At,
        trainer: &Trainer,
        world: &World,
        qa: Qa,
        sets: &[ProbeSet],
    ) -> skm_trainer::Result<()> {
        let model = trainer.eval_model();
        let step = trainer.state().step as u64;
        for set in sets {
            let template = probe::evaluate(model, world, set.probes, at.batch)?;
            let question = probe::evaluate_with(
                model,
                world,
                set.probes,
                |p| qa.prefix(&p.name, usize::from(p.attribute)),
                at.batch,
            )?;
            for (format, results) in [("template", template), ("qa", question)] {
                for (i, (probe, result)) in set.probes.iter().zip(&results).enumerate() {
                    self.push(at, step, set, format, i, probe, result);
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at: &At,
        step: u64,
        set: &ProbeSet,
        format: &'static str,
        i: usize,
        probe: &Probe,
        result: &ProbeResult,
    ) {
        self.point.push(at.point.into());
        self.seed.push(at.seed);
        self.arm.push(at.arm);
        self.step.push(step);
        self.set.push(set.name);
        self.format.push(format);
        self.probe.push(i as u32);
        self.entity.push(probe.entity.map_or(-1, i64::from));
        self.attribute.push(u32::from(probe.attribute));
        self.exposures.push(probe.exposures);
        self.expected.push(probe.expected_exposures);
        let bucket = bucket_of(probe);
        self.bucket.push(bucket_name(bucket));
        self.bucket_order.push(bucket);
        self.known_before.push(set.known_before[i]);
        self.answer.push(result.answer.as_str());
        self.p_true.push(result.p_true);
        self.p_argmax.push(result.p_argmax);
        self.valid.push(result.valid_mass);
        self.entropy.push(result.entropy_bits);
    }

    fn frame(self) -> Result<DataFrame> {
        let correct: Vec<bool> = self.answer.iter().map(|a| *a == "correct").collect();
        Ok(df!(
            "point" => self.point,
            "seed" => self.seed,
            "arm" => self.arm,
            "step" => self.step,
            "set" => self.set,
            "format" => self.format,
            "probe" => self.probe,
            "entity" => self.entity,
            "attribute" => self.attribute,
            "exposures" => self.exposures,
            "expected_exposures" => self.expected,
            "bucket" => self.bucket,
            "bucket_order" => self.bucket_order,
            "known_before" => self.known_before,
            "answer" => self.answer,
            "correct" => correct,
            "p_true" => self.p_true,
            "p_argmax" => self.p_argmax,
            "valid_mass" => self.valid,
            "entropy_bits" => self.entropy,
        )?)
    }
}

/// A training frame with its `phase` (`pre-training`, `known`, `unknown`).
fn phase_frame(rows: LossRows, phase: &str) -> Result<DataFrame> {
    let mut frame = rows.frame()?;
    let phases = vec![phase.to_string(); frame.height()];
    frame.with_column(Column::new("phase".into(), phases))?;
    Ok(frame)
}

impl Experiment for FineTuning {
    fn name(&self) -> &'static str {
        "fine-tuning"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        let (_, train) = configs(spec)?;
        ensure!(
            spec.generator.is_some(),
            "{file}: fine-tuning needs a [generator] table"
        );
        ensure!(
            train.eval_every == 0,
            "{file}: train.eval_every = {} is out of range: allowed 0 (pre-training runs its whole budget)",
            train.eval_every
        );
        ensure!(
            (1..=100_000).contains(&p.tune_entities),
            "{file}: analysis.tune_entities = {} is out of range: allowed 1..=100000",
            p.tune_entities
        );
        ensure!(
            p.tune_fraction > 0.0 && p.tune_fraction <= 10.0,
            "{file}: analysis.tune_fraction = {} is out of range: allowed 0 < tune_fraction <= 10",
            p.tune_fraction
        );
        ensure!(
            p.tune_learning_rate > 0.0 && p.tune_learning_rate <= 1.0,
            "{file}: analysis.tune_learning_rate = {} is out of range: allowed 0 < tune_learning_rate <= 1",
            p.tune_learning_rate
        );
        tune_config(train, &p).validate().with_context(|| {
            format!("{file}: the tuning run (analysis.tune_fraction, analysis.tune_learning_rate and [train])")
        })?;
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
        check_fraction(spec, "format_accuracy", p.format_accuracy)?;
        check_fraction(spec, "known_accuracy", p.known_accuracy)?;
        check_fraction(spec, "forgetting_min_accuracy", p.forgetting_min_accuracy)?;
        check_fraction(spec, "min_difference", p.min_difference)?;
        ensure!(
            p.decades > 0.0 && p.decades <= 10.0,
            "{file}: analysis.decades = {} is out of range: allowed 0 < decades <= 10",
            p.decades
        );
        Ok(())
    }

    fn work(&self, spec: &Spec) -> u64 {
        let runs = spec.seeds.len() as u64 * spec.points.len() as u64;
        match (spec.train.as_ref(), spec.analysis::<Params>()) {
            (Some(train), Ok(p)) => (train.steps + 2 * tune_config(train, &p).steps) as u64 * runs,
            _ => 0,
        }
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let device = spec.device.unwrap_or_default().device()?;
        let n = spec.sentences as usize;
        let mut rows = Rows::default();
        let mut training = Vec::new();
        for point in &spec.points {
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let corpus = Corpus::generate(&spec.generator_at(point, seed), n)?;
                let world = &corpus.world;
                let qa = Qa::new(world);
                let model = ModelConfig {
                    vocab_size: qa.vocab_size(),
                    ..model_config.clone()
                };
                let train = TrainConfig {
                    seed: train_config.seed.wrapping_add(index as u64),
                    ..train_config.clone()
                };
                let tune = TrainConfig {
                    seed: train.seed,
                    ..tune_config(&train, &p)
                };
                let tokens_per_step = (train.batch_size * model.context) as u64;
                let report = |outcome: &skm_trainer::StepOutcome| {
                    progress.inc(1);
                    progress.trained(tokens_per_step, outcome.loss);
                };

                // Pre-training.
                let mut base = Trainer::new(&model, &train, &device)?;
                let mut losses = LossRows::default();
                progress.set_message("pre-training");
                skm_trainer::run(
                    &mut base,
                    &corpus.tokens,
                    &[],
                    &RunOptions::default(),
                    |_, outcome| {
                        losses.push(&point.label, seed, outcome);
                        report(outcome);
                        Ok(())
                    },
                )
                .with_context(|| format!("pre-training at {} seed {seed}", point.label))?;
                training.push(phase_frame(losses, "pre-training")?);

                // What the pre-trained model knows.
                let pretrained = base.eval_model();
                let counts = Counts::new(&corpus, n);
                let mut ranked: Vec<(u32, u64)> =
                    counts.entities.iter().map(|(&k, &c)| (k, c)).collect();
                ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                ranked.truncate(4 * p.tune_entities);
                let candidate_probes: Vec<Probe> = ranked
                    .iter()
                    .flat_map(|&(k, _)| counts.probes(world, k))
                    .collect();
                let results =
                    probe::evaluate(pretrained, world, &candidate_probes, train.batch_size)?;
                let known: Vec<usize> = results
                    .chunks(world.config.attributes)
                    .map(|facts| facts.iter().filter(|r| r.answer == Answer::Correct).count())
                    .collect();
                let tuned_known = known_arm(&ranked, &known, p.tune_entities);
                let stratified =
                    probe::stratified(&corpus, 0..n, Strata::Weight, p.probes_per_bucket, seed)?;
                let (never_seen, heldout): (Vec<Probe>, Vec<Probe>) = stratified
                    .into_iter()
                    .filter(|q| q.entity.is_none_or(|k| !tuned_known.contains(&k)))
                    .partition(|q| q.entity.is_none());
                // A never-seen entity's value can be right by chance; it is not known.
                let known_before = |probes: &[Probe]| -> Result<Vec<bool>> {
                    let results = probe::evaluate(pretrained, world, probes, train.batch_size)?;
                    Ok(probes
                        .iter()
                        .zip(&results)
                        .map(|(q, r)| q.entity.is_some() && r.answer == Answer::Correct)
                        .collect())
                };
                let heldout_known = known_before(&heldout)?;
                let never_seen_known = vec![false; never_seen.len()];
                let arms = [
                    tuned_known
                        .iter()
                        .flat_map(|&k| counts.probes(world, k))
                        .collect::<Vec<_>>(),
                    fresh_entities(world, p.tune_entities, &never_seen, seed)?,
                ];

                // The arms.
                for (arm, tuned) in ARMS.into_iter().zip(&arms) {
                    let tuned_before = known_before(tuned)?;
                    let sets = [
                        ProbeSet {
                            name: "held-out",
                            probes: &heldout,
                            known_before: &heldout_known,
                        },
                        ProbeSet {
                            name: NEVER_SEEN,
                            probes: &never_seen,
                            known_before: &never_seen_known,
                        },
                        ProbeSet {
                            name: "tuned",
                            probes: tuned,
                            known_before: &tuned_before,
                        },
                    ];
                    let sentences: Vec<Vec<Token>> = tuned
                        .iter()
                        .map(|q| qa.sentence(&q.name, usize::from(q.attribute), q.value))
                        .collect();
                    let stream = tuning_stream(&sentences, seed);
                    let at = At {
                        point: &point.label,
                        seed,
                        arm,
                        batch: train.batch_size,
                    };
                    let steps = evaluation_steps(tune.steps, p.evaluations_per_decade);
                    let mut trainer = base.fine_tune(&tune)?;
                    rows.evaluate(&at, &trainer, world, qa, &sets)?;
                    let mut losses = LossRows::default();
                    progress.set_message(arm);
                    skm_trainer::run(
                        &mut trainer,
                        &stream,
                        &[],
                        &RunOptions::default(),
                        |trainer, outcome| {
                            losses.push(&point.label, seed, outcome);
                            report(outcome);
                            if steps.contains(&trainer.state().step) {
                                rows.evaluate(&at, trainer, world, qa, &sets)?;
                            }
                            Ok(())
                        },
                    )
                    .with_context(|| {
                        format!("tuning the {arm} arm at {} seed {seed}", point.label)
                    })?;
                    training.push(phase_frame(losses, arm)?);
                }
            }
        }
        Ok(Frames::from([
            ("probes".to_string(), rows.frame()?),
            ("training".to_string(), concat(training)?),
        ]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        analyse(self.name(), spec, frames)
    }
}

/// One row of the `probes` frame, as the analysis reads it.
struct Obs {
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

fn observations(frame: &DataFrame) -> Result<Vec<Obs>> {
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
    let steps = super::floats(frame, "step")?;
    let buckets = super::floats(frame, "bucket_order")?;
    let p_argmax = super::floats(frame, "p_argmax")?;
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
fn curve<'a>(
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
fn first_reach(curve: &[(f64, f64)], threshold: f64) -> Option<f64> {
    curve
        .iter()
        .find(|&&(s, y)| s >= 1.0 && y >= threshold)
        .map(|&(s, _)| s)
}

/// The value at step 0 and at the last step.
fn ends(curve: &[(f64, f64)]) -> (f64, f64) {
    let first = curve.first().map_or(f64::NAN, |&(_, y)| y);
    let last = curve.last().map_or(f64::NAN, |&(_, y)| y);
    (first, last)
}

/// The points from step 1 on (log axes).
fn from_step_one(curve: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    curve.into_iter().filter(|&(s, _)| s >= 1.0).collect()
}

/// C10 format: decades of steps between the format reaching its threshold and the new facts
/// reaching theirs (the last step when they never do: a lower bound). `None` when the format
/// never reaches its threshold; else the gap and whether it is at least `decades`.
fn format_rule(
    format_at: Option<f64>,
    facts_at: Option<f64>,
    last: f64,
    decades: f64,
) -> Option<(f64, bool)> {
    let format_at = format_at?;
    let gap = (facts_at.unwrap_or(last) / format_at).log10();
    Some((gap, gap >= decades))
}

/// C10 forgetting: of the buckets `(bucket, accuracy before, accuracy after)` whose accuracy
/// before is at least `min_accuracy`, the rarest and the most frequent, with the share of
/// their accuracy lost `(before - after) / before`; `None` when fewer than two buckets qualify.
fn forgetting_rule(
    buckets: &[(i32, f64, f64)],
    min_accuracy: f64,
) -> Option<((i32, f64), (i32, f64))> {
    let eligible: Vec<&(i32, f64, f64)> = buckets
        .iter()
        .filter(|(b, before, _)| *b >= 1 && *before >= min_accuracy)
        .collect();
    let lost = |&&(b, before, after): &&(i32, f64, f64)| (b, (before - after) / before);
    let rare = eligible.iter().min_by_key(|(b, _, _)| *b).map(lost)?;
    let frequent = eligible.iter().max_by_key(|(b, _, _)| *b).map(lost)?;
    (rare.0 != frequent.0).then_some((rare, frequent))
}

fn analyse(name: &str, spec: &Spec, frames: &Frames) -> Result<Analysis> {
    let p: Params = spec.analysis()?;
    let (model_config, train_config) = configs(spec)?;
    let tune = tune_config(train_config, &p);
    let all = observations(frames.frame("probes")?)?;
    let mut claims = Vec::new();
    let mut figures = Vec::new();
    let mut prose = Vec::new();
    for point in &spec.points {
        let attributes = point.generator.attributes;
        let calibrated = 1.0 / point.generator.values_per_attribute as f64;
        let rows: Vec<&Obs> = all.iter().filter(|o| o.point == point.label).collect();
        let arm = |a: &'static str| rows.iter().copied().filter(move |o| o.arm == a);
        let last_step = rows.iter().map(|o| o.step).max().unwrap_or(0) as f64;
        let share =
            |a: &'static str, set: &'static str, format: &'static str, what: fn(&Obs) -> bool| {
                curve(
                    arm(a),
                    |o| o.set == set && o.format == format,
                    |o| f64::from(u8::from(what(o))),
                )
            };
        let well_formed = |o: &Obs| o.answer != "malformed";
        let correct = |o: &Obs| o.answer == "correct";
        let hallucinated = |o: &Obs| o.answer == "hallucinated";
        let format = |a| share(a, "held-out", "qa", well_formed);
        let facts = |a| share(a, "tuned", "qa", correct);
        let known_qa = |a: &'static str, what: fn(&Obs) -> bool| {
            curve(
                arm(a),
                |o| o.set == "held-out" && o.format == "qa" && o.known_before,
                |o| f64::from(u8::from(what(o))),
            )
        };
        let confidence = |a: &'static str| {
            curve(
                arm(a),
                |o| o.set == NEVER_SEEN && o.format == "qa",
                |o| o.p_argmax,
            )
        };
        let buckets: BTreeSet<i32> = rows
            .iter()
            .filter(|o| o.set == "held-out" && o.bucket >= 1)
            .map(|o| o.bucket)
            .collect();
        let by_bucket = |a: &'static str, b: i32| {
            curve(
                arm(a),
                |o| o.set == "held-out" && o.format == "template" && o.bucket == b,
                |o| f64::from(u8::from(correct(o))),
            )
        };
        let reach = |c: &[(f64, f64)], t: f64| {
            first_reach(c, t).map_or_else(
                || "never within the run".to_string(),
                |s| format!("first at step {}", num(s)),
            )
        };
        let facts_tuned = rows
            .iter()
            .filter(|o| o.arm == "unknown" && o.set == "tuned" && o.format == "qa" && o.step == 0)
            .count();

        // C10 format.
        let (format_u, facts_u) = (format("unknown"), facts("unknown"));
        let (format_k, facts_k) = (format("known"), facts("known"));
        let format_at = first_reach(&format_u, p.format_accuracy);
        let facts_at = first_reach(&facts_u, p.known_accuracy);
        let theory = ((attributes * p.tune_entities) as f64).log10();
        let format_claim = match format_rule(format_at, facts_at, last_step, p.decades) {
            Some((gap, pass)) => Claim {
                id: "C10".into(),
                variant: format!("{} format", point.label),
                experiment: name.into(),
                statement:
                    "Fine-tuning learns a new format (QA syntax) in few steps and new facts slowly"
                        .into(),
                measured: gap,
                theory,
                lo: gap,
                hi: gap,
                verdict: Verdict::from_bool(pass),
                detail: format!(
                    "Unknown arm: held-out QA probes get a value of the asked attribute for a share {} of them first at step {}; the tuned new facts are answered correctly for a share {} {} (end: {}); measured = log10 of the ratio of those steps{} = {} decades; PASS when >= {}. Theory: log10(A E) = {} decades if format and fact need as many exposures (every QA sentence shows the format, a fact is one of A E = {} facts). Known arm: the format reaches {} {}, its tuned facts reach {} {}.",
                    p.format_accuracy,
                    num(format_at.unwrap_or(f64::NAN)),
                    p.known_accuracy,
                    reach(&facts_u, p.known_accuracy),
                    num(ends(&facts_u).1),
                    if facts_at.is_none() {
                        " (the last step for the facts: a lower bound)"
                    } else {
                        ""
                    },
                    num(gap),
                    p.decades,
                    num(theory),
                    attributes * p.tune_entities,
                    p.format_accuracy,
                    reach(&format_k, p.format_accuracy),
                    p.known_accuracy,
                    reach(&facts_k, p.known_accuracy),
                ),
            },
            None => Claim {
                id: "C10".into(),
                variant: format!("{} format", point.label),
                experiment: name.into(),
                statement:
                    "Fine-tuning learns a new format (QA syntax) in few steps and new facts slowly"
                        .into(),
                measured: 0.0,
                theory,
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                verdict: Verdict::Fail,
                detail: format!(
                    "Unknown arm: the share of held-out QA probes answered with a value of the asked attribute never reaches {} (end: {}), so the format is not learned within the run, while the tuned new facts are answered correctly for a share {} {} (end: {}). Known arm: the format ends at {}, its tuned facts reach {} {}. Theory: log10(A E) = {} decades between format and facts.",
                    p.format_accuracy,
                    num(ends(&format_u).1),
                    p.known_accuracy,
                    reach(&facts_u, p.known_accuracy),
                    num(ends(&facts_u).1),
                    num(ends(&format_k).1),
                    p.known_accuracy,
                    reach(&facts_k, p.known_accuracy),
                    num(theory),
                ),
            },
        };

        // C10 forgetting.
        let accuracy_ends = |a: &'static str| -> Vec<(i32, f64, f64)> {
            buckets
                .iter()
                .map(|&b| {
                    let (before, after) = ends(&by_bucket(a, b));
                    (b, before, after)
                })
                .collect()
        };
        // Probes per bucket (the same in both arms and at every step).
        let probes_in = |b: i32| {
            rows.iter()
                .filter(|o| {
                    o.arm == "unknown"
                        && o.step == 0
                        && o.set == "held-out"
                        && o.format == "template"
                        && o.bucket == b
                })
                .count()
        };
        let list = |ends: &[(i32, f64, f64)]| {
            ends.iter()
                .map(|&(b, before, after)| {
                    format!(
                        "{} ({} probes): {} -> {}",
                        bucket_name(b),
                        probes_in(b),
                        num(before),
                        num(after)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (ends_u, ends_k) = (accuracy_ends("unknown"), accuracy_ends("known"));
        let lost_pair = |ends: &[(i32, f64, f64)]| {
            forgetting_rule(ends, p.forgetting_min_accuracy).map_or_else(
                || "fewer than two buckets qualify".to_string(),
                |((r, lr), (f, lf))| {
                    format!(
                        "{} loses {} of its accuracy, {} loses {}",
                        bucket_name(r),
                        num(lr),
                        bucket_name(f),
                        num(lf)
                    )
                },
            )
        };
        let forgetting_claim = {
            let rule = forgetting_rule(&ends_u, p.forgetting_min_accuracy);
            // Not measurable (fewer than two qualifying buckets): 0 with an unbounded interval.
            let measured = rule.map_or(0.0, |((_, r), (_, f))| r - f);
            let (lo, hi) = match rule {
                Some(_) => (measured, measured),
                None => (f64::NEG_INFINITY, f64::INFINITY),
            };
            Claim {
                id: "C10".into(),
                variant: format!("{} forgetting", point.label),
                experiment: name.into(),
                statement: "Fine-tuning forgets rare pre-trained facts first".into(),
                measured,
                theory: 0.0,
                lo,
                hi,
                verdict: Verdict::from_bool(rule.is_some() && measured >= p.min_difference),
                detail: format!(
                    "Unknown arm, template probes of held-out facts by expected exposures, accuracy before -> after tuning ({}): of the buckets with accuracy >= {} before, the rarest and the most frequent: {}; measured = the rarer's share lost minus the frequent's; PASS when >= {}. Known arm ({}): {}.",
                    list(&ends_u),
                    p.forgetting_min_accuracy,
                    lost_pair(&ends_u),
                    p.min_difference,
                    list(&ends_k),
                    lost_pair(&ends_k),
                ),
            }
        };

        // C10 hallucination.
        let (halluc_u, halluc_k) = (
            known_qa("unknown", hallucinated),
            known_qa("known", hallucinated),
        );
        let (correct_u, correct_k) = (known_qa("unknown", correct), known_qa("known", correct));
        let known_facts = rows
            .iter()
            .filter(|o| {
                o.arm == "unknown"
                    && o.set == "held-out"
                    && o.format == "qa"
                    && o.step == 0
                    && o.known_before
            })
            .count();
        let heldout_facts = rows
            .iter()
            .filter(|o| {
                o.arm == "unknown" && o.set == "held-out" && o.format == "qa" && o.step == 0
            })
            .count();
        let (h_u, h_k) = (ends(&halluc_u).1, ends(&halluc_k).1);
        // Not measurable without known held-out facts: 0 with an unbounded interval.
        let measurable = known_facts > 0 && (h_u - h_k).is_finite();
        let difference = if measurable { h_u - h_k } else { 0.0 };
        let (lo, hi) = if measurable {
            (difference, difference)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        let hallucination_claim = Claim {
            id: "C10".into(),
            variant: format!("{} hallucination", point.label),
            experiment: name.into(),
            statement:
                "Tuning on unknown facts raises hallucination more than tuning on known facts"
                    .into(),
            measured: difference,
            theory: 0.0,
            lo,
            hi,
            verdict: Verdict::from_bool(measurable && difference >= p.min_difference),
            detail: format!(
                "Held-out facts the model knew before tuning (template probe correct; {known_facts} of {heldout_facts} probes), asked in QA format after {} tuning steps: hallucinated (a wrong value of the attribute) {} after tuning on unknown facts, {} after tuning on known facts (correct: {} and {}); measured = the difference; PASS when >= {}.",
                num(last_step),
                num(h_u),
                num(h_k),
                num(ends(&correct_u).1),
                num(ends(&correct_k).1),
                p.min_difference,
            ),
        };

        // Figure.
        let series = |label: &str, points: Vec<(f64, f64)>, style: Style, color: usize| Series {
            label: label.into(),
            points: from_step_one(points),
            style,
            color,
        };
        let learning = vec![
            series("format, known arm", format_k.clone(), Style::Dashed, 0),
            series("format, unknown arm", format_u.clone(), Style::Dashed, 1),
            series(
                "tuned facts, known arm",
                facts_k.clone(),
                Style::LinePoints,
                0,
            ),
            series(
                "tuned facts, unknown arm",
                facts_u.clone(),
                Style::LinePoints,
                1,
            ),
        ];
        const COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 7];
        let mut forgetting = Vec::new();
        for (i, &b) in buckets.iter().rev().enumerate() {
            let color = COLORS[i % COLORS.len()];
            forgetting.push(series(
                &format!("expected {} times", bucket_name(b)),
                by_bucket("unknown", b),
                Style::LinePoints,
                color,
            ));
            forgetting.push(series("", by_bucket("known", b), Style::Dashed, color));
        }
        let hallucination = vec![
            series(
                "hallucinated, known arm",
                halluc_k.clone(),
                Style::LinePoints,
                0,
            ),
            series(
                "hallucinated, unknown arm",
                halluc_u.clone(),
                Style::LinePoints,
                1,
            ),
            series("correct, known arm", correct_k.clone(), Style::Dashed, 0),
            series("correct, unknown arm", correct_u.clone(), Style::Dashed, 1),
            series(
                "never seen: p(argmax), known arm",
                confidence("known"),
                Style::Points,
                2,
            ),
            series(
                "never seen: p(argmax), unknown arm",
                confidence("unknown"),
                Style::Points,
                3,
            ),
            Series {
                label: format!("1/|V_j| = {}", num(calibrated)),
                points: vec![(1.0, calibrated), (last_step.max(1.0), calibrated)],
                style: Style::Dashed,
                color: 6,
            },
        ];
        let panel = |title: String, y_label: &str, series: Vec<Series>| Figure {
            title,
            x_label: "tuning step".into(),
            y_label: y_label.into(),
            x_scale: Scale::Log,
            y_scale: Scale::Linear,
            series,
            markers: Vec::new(),
        };
        figures.push(FigureOut {
            stem: format!("fine-tuning-{}", slug(&point.label)),
            caption: format!(
                "Tuning on QA sentences, on facts the model knows (known arm, blue) or on never-seen entities (unknown arm, vermillion). Left: held-out QA probes answered with a value of the asked attribute (format, dashed) and tuned facts answered correctly (solid). Middle: template-probe accuracy of held-out pre-trained facts by true frequency (expected exposures pi N / A), unknown arm solid, known arm dashed in the same colour. Right: held-out facts known before tuning, asked in QA format: hallucinated (solid) and correct (dashed) shares; dots: the never-seen entities' p(argmax) in QA format beside the calibrated 1/|V_j|. {} model ({} parameters), {} seed(s), {}; step 0 (the pre-trained model) is in the frames but off the log axes.",
                model_label(model_config),
                ModelConfig { vocab_size: model_config.vocab_size + 2 + attributes, ..model_config.clone() }.parameters(),
                spec.seeds.len(),
                point.label,
            ),
            panels: vec![
                panel(format!("Format and new facts, {}", point.label), "share of probes", learning),
                panel(format!("Forgetting by frequency, {}", point.label), "template probes correct (share)", forgetting),
                panel(format!("Known facts in QA format, {}", point.label), "share of probes; probability", hallucination),
            ],
        });

        // Prose.
        let tuned_known_before = rows
            .iter()
            .filter(|o| {
                o.arm == "known" && o.set == "tuned" && o.format == "template" && o.step == 0
            })
            .fold((0, 0), |(k, n), o| (k + usize::from(o.known_before), n + 1));
        let pretrained = ends_u
            .iter()
            .map(|&(b, before, _)| format!("{}: {}", bucket_name(b), num(before)))
            .collect::<Vec<_>>()
            .join("; ");
        let (c_u, c_k) = (ends(&confidence("unknown")).1, ends(&confidence("known")).1);
        prose.push(format!(
            "At {}: after pre-training, template probes of held-out facts are answered correctly by expected exposures as {pretrained}; {known_facts} of the {heldout_facts} held-out probes are known. The known arm tunes {} facts of which {} were known before (template probe correct); the unknown arm tunes {facts_tuned} facts of never-seen entities.",
            point.label,
            tuned_known_before.1,
            tuned_known_before.0,
        ));
        prose.push(format!(
            "Format: held-out QA probes get a value of the asked attribute for a share {} of them {} in the known arm and {} in the unknown arm, ending at {} and {}. New facts: the unknown arm's tuned facts are answered correctly for a share {} {}, ending at {}; the known arm's {}, ending at {}. C10 (format) **{}**: {} (theory log10(A E) = {} decades, PASS from {}).",
            p.format_accuracy,
            reach(&format_k, p.format_accuracy),
            reach(&format_u, p.format_accuracy),
            num(ends(&format_k).1),
            num(ends(&format_u).1),
            p.known_accuracy,
            reach(&facts_u, p.known_accuracy),
            num(ends(&facts_u).1),
            reach(&facts_k, p.known_accuracy),
            num(ends(&facts_k).1),
            format_claim.verdict,
            if format_claim.measured.is_nan() {
                "the format does not reach its threshold".to_string()
            } else {
                format!("{} decades apart", num(format_claim.measured))
            },
            num(theory),
            p.decades,
        ));
        prose.push(format!(
            "Forgetting: template accuracy of held-out facts before -> after tuning, unknown arm: {}; known arm: {}. Unknown arm: {}; known arm: {}. C10 (forgetting) **{}**.",
            list(&ends_u),
            list(&ends_k),
            lost_pair(&ends_u),
            lost_pair(&ends_k),
            forgetting_claim.verdict,
        ));
        let known_qa_text = if known_facts == 0 {
            "no held-out fact was known before tuning, so hallucination on known facts is not measured".to_string()
        } else {
            format!(
                "asked in QA format after tuning, the held-out facts the model knew are hallucinated for {} of the probes after tuning on unknown facts and {} after tuning on known facts (correct: {} and {})",
                num(h_u),
                num(h_k),
                num(ends(&correct_u).1),
                num(ends(&correct_k).1),
            )
        };
        prose.push(format!(
            "Hallucination: {known_qa_text}. Never-seen entities in QA format: the argmax gets probability {} (unknown arm) and {} (known arm) on average, beside the calibrated 1/|V_j| = {}. C10 (hallucination) **{}**.",
            num(c_u),
            num(c_k),
            num(calibrated),
            hallucination_claim.verdict,
        ));
        claims.extend([format_claim, forgetting_claim, hallucination_claim]);
    }
    let body = format!(
        "A {} transformer is pre-trained for {} steps of {} windows of {} tokens on a stream of {} sentences (AdamW, peak rate {}, {} warmup steps, cosine decay to {}). Its vocabulary has {} tokens more than the generator's, unused in pre-training: QUESTION, ANSWER and one ATTR_j per attribute, for QA sentences `QUESTION ATTR_j name ANSWER value EOS`. Two copies of the pre-trained model are then tuned for {} steps (fresh AdamW, peak rate {}, {} warmup steps) on QA sentences only, {} shuffled copies of them: the known arm on all facts of {} seen entities the model knows best (most facts right in template probes, then most frequent; every other one of that ranking, so that as well-known entities stay held out), the unknown arm on all facts of {} never-seen entities (fresh names, values uniform in V_j). At log-spaced tuning steps ({} per decade) both are probed, in template and in QA format, on held-out facts of seen entities (up to {} per bucket of expected exposures pi N / A), on as many never-seen entities and on the tuned facts.\n\n{}",
        model_label(model_config),
        train_config.steps,
        train_config.batch_size,
        model_config.context,
        spec.sentences,
        train_config.learning_rate,
        train_config.warmup_steps,
        train_config.min_learning_rate,
        spec.points
            .first()
            .map_or(0, |q| 2 + q.generator.attributes),
        tune.steps,
        tune.learning_rate,
        tune.warmup_steps,
        COPIES,
        p.tune_entities,
        p.tune_entities,
        p.evaluations_per_decade,
        p.probes_per_bucket,
        prose.join("\n\n"),
    );
    Ok(Analysis {
        figures,
        claims,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_generator::GeneratorConfig;

    fn corpus() -> Corpus {
        let config = GeneratorConfig {
            alpha: 0.5,
            beta: 1.0,
            seed: 3,
            name_tokens: 2,
            name_vocab: 64,
            attributes: 3,
            values_per_attribute: 8,
            templates_per_attribute: 2,
            template_dirichlet: 1.0,
            filler_vocab: 4,
        };
        Corpus::generate(&config, 500).expect("corpus")
    }

    #[test]
    fn qa_sentences_end_their_prefix_with_the_value() {
        let corpus = corpus();
        let world = &corpus.world;
        let qa = Qa::new(world);
        let v = world.vocabulary.size() as Token;
        assert_eq!(
            (qa.question(), qa.answer(), qa.attribute(2)),
            (v, v + 1, v + 4)
        );
        assert_eq!(qa.vocab_size(), world.vocabulary.size() + 5);
        let name = world.entities.name(0);
        let value = world.entities.value(0, 1);
        let prefix = qa.prefix(name, 1);
        let sentence = qa.sentence(name, 1, value);
        assert_eq!(prefix[..3], [Vocabulary::EOS, v, v + 3]);
        assert_eq!(prefix[3..3 + name.len()], *name);
        assert_eq!(prefix.last(), Some(&(v + 1)));
        // In a stream, the EOS of the previous sentence completes the prefix.
        assert_eq!(sentence[..prefix.len() - 1], prefix[1..]);
        assert_eq!(sentence[prefix.len() - 1..], [value, Vocabulary::EOS]);
        assert!(
            prefix
                .iter()
                .chain(&sentence)
                .all(|&t| (t as usize) < qa.vocab_size())
        );
    }

    #[test]
    fn the_tuning_stream_repeats_every_sentence_in_shuffled_copies() {
        let sentences: Vec<Vec<Token>> = (0..10).map(|i| vec![i, 100 + i, 0]).collect();
        let stream = tuning_stream(&sentences, 4);
        assert_eq!(stream, tuning_stream(&sentences, 4));
        assert_ne!(stream, tuning_stream(&sentences, 5));
        assert_eq!(stream.len(), COPIES * 30);
        let copies: Vec<Vec<Token>> = stream.chunks(30).map(|c| c.to_vec()).collect();
        for copy in &copies {
            let mut heads: Vec<Token> = copy.chunks(3).map(|s| s[0]).collect();
            assert!(copy.chunks(3).all(|s| s[1] == 100 + s[0] && s[2] == 0));
            heads.sort_unstable();
            assert_eq!(heads, (0..10).collect::<Vec<_>>());
        }
        assert!(copies.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn fresh_entities_have_new_names_and_valid_values() {
        let corpus = corpus();
        let world = &corpus.world;
        let taken = fresh_entities(world, 3, &[], 1).expect("taken");
        let fresh = fresh_entities(world, 5, &taken, 1).expect("fresh");
        assert_eq!(fresh.len(), 5 * 3);
        let names: BTreeSet<&[Token]> = fresh.iter().map(|p| p.name.as_slice()).collect();
        assert_eq!(names.len(), 5);
        for p in &fresh {
            assert!(p.entity.is_none());
            assert!((0..world.entities.len()).all(|k| world.entities.name(k) != p.name));
            assert!(taken.iter().all(|t| t.name != p.name));
            assert!(
                world
                    .vocabulary
                    .attribute_values(usize::from(p.attribute))
                    .contains(&p.value)
            );
        }
        assert_eq!(
            fresh
                .chunks(3)
                .next()
                .map(|c| c.iter().map(|p| p.attribute).collect::<Vec<_>>()),
            Some(vec![0, 1, 2])
        );
        assert!(fresh_entities(world, 10_000, &[], 1).is_err());
    }

    #[test]
    fn the_known_arm_takes_every_other_best_known_entity() {
        // (entity, sentences), facts known.
        let candidates = [(7, 50), (3, 40), (9, 40), (1, 10), (4, 5)];
        let known = [2, 3, 3, 0, 3];
        // Ranked: 3 (3, 40), 9 (3, 40), 4 (3, 5), 7 (2, 50), 1 (0, 10).
        assert_eq!(known_arm(&candidates, &known, 2), vec![3, 4]);
        assert_eq!(known_arm(&candidates, &known, 5), vec![3, 4, 1]);
    }

    #[test]
    fn the_format_rule_counts_decades_between_format_and_facts() {
        let (gap, pass) = format_rule(Some(3.0), Some(300.0), 1000.0, 1.0).expect("reached");
        assert!((gap - 2.0).abs() < 1e-12 && pass);
        assert_eq!(
            format_rule(Some(30.0), Some(100.0), 1000.0, 1.0).map(|r| r.1),
            Some(false)
        );
        // Facts never learned: the last step gives a lower bound.
        let (gap, pass) = format_rule(Some(10.0), None, 1000.0, 1.0).expect("reached");
        assert!((gap - 2.0).abs() < 1e-12 && pass);
        assert_eq!(format_rule(None, Some(10.0), 1000.0, 1.0), None);
        let curve = [(0.0, 0.95), (1.0, 0.2), (3.0, 0.9), (10.0, 0.8)];
        assert_eq!(first_reach(&curve, 0.9), Some(3.0));
        assert_eq!(first_reach(&curve, 0.99), None);
    }

    #[test]
    fn the_forgetting_rule_compares_the_rarest_and_most_frequent_known_buckets() {
        let buckets = [
            (0, 0.0, 0.0),
            (1, 0.1, 0.0),
            (2, 0.5, 0.1),
            (3, 0.8, 0.6),
            (4, 1.0, 0.9),
        ];
        let ((rare, lost_rare), (frequent, lost_frequent)) =
            forgetting_rule(&buckets, 0.3).expect("two buckets");
        assert_eq!((rare, frequent), (2, 4));
        assert!((lost_rare - 0.8).abs() < 1e-12 && (lost_frequent - 0.1).abs() < 1e-12);
        assert_eq!(forgetting_rule(&buckets, 0.9), None);
        assert_eq!(forgetting_rule(&buckets[..1], 0.0), None);
    }

    #[test]
    fn tuning_scales_the_pre_training_schedule() {
        let train = TrainConfig {
            steps: 2000,
            warmup_steps: 100,
            learning_rate: 3e-3,
            min_learning_rate: 3e-4,
            ..TrainConfig::spec()
        };
        let p: Params = toml::from_str(
            "tune_entities = 4\ntune_fraction = 0.15\ntune_learning_rate = 1e-3\nevaluations_per_decade = 4\nprobes_per_bucket = 8\nformat_accuracy = 0.9\nknown_accuracy = 0.5\ndecades = 1.0\nforgetting_min_accuracy = 0.3\nmin_difference = 0.05",
        )
        .expect("params");
        let tune = tune_config(&train, &p);
        assert_eq!((tune.steps, tune.warmup_steps), (300, 15));
        assert!((tune.min_learning_rate - 1e-4).abs() < 1e-15);
        assert_eq!(
            tune_config(
                &TrainConfig {
                    steps: 3,
                    warmup_steps: 0,
                    ..train
                },
                &p
            )
            .steps,
            1
        );
        let steps = evaluation_steps(300, 4);
        assert_eq!((steps.first(), steps.last()), (Some(&0), Some(&300)));
    }
}
