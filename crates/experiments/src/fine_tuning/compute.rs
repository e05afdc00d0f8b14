//! The frames of fine-tuning: pre-training, the probe sets, the two tuned arms and their
//! probes at log-spaced steps.

use crate::frames::probes::{self, EXPECTED_EXPOSURES, PROBE};
use crate::frames::training;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Context, Result};
use polars::prelude::*;
use skm_generator::{Corpus, Token, World};
use skm_trainer::init::SplitMix64;
use skm_trainer::probe::{
    self, Answer, FreshNames, NEVER_SEEN, Probe, ProbeResult, Strata, random_value,
};
use skm_trainer::{DeviceKind, Gpt, ModelConfig, TrainConfig};

use super::params::{Params, tune_config};
use super::qa::{ARMS, Qa, TUNE_SALT, tuning_stream};
use super::schema::{ARM, FORMAT, KNOWN_BEFORE, PHASE, SET};
use crate::frames::ProbeColumns;
use crate::frames::columns::{POINT, SEED, STEP};
use crate::frames::training::LossRows;
use crate::spec::Spec;
use crate::train_smoke::evaluation_steps;
use crate::training::{
    Batches, TrainData, TrainRequest, configs, each_training_stream, model_for, trained,
};
use crate::{Env, Frames, concat};

/// The unknown arm, mirroring the known arm `known` (its facts entity by entity): for each of
/// its entities in turn, one entity with a fresh name (none of the world's, none in `taken`)
/// and, for each attribute that entity tunes, a value uniform in `V_j`. Both arms then tune as
/// many facts of as many entities, of the same attributes: they differ only in whether the
/// model knew the facts.
pub(super) fn mirrored_entities(
    world: &World,
    known: &[Probe],
    taken: &[Probe],
    seed: u64,
) -> Result<Vec<Probe>> {
    let entities: Vec<&[Probe]> = known.chunk_by(|a, b| a.entity == b.entity).collect();
    let names = taken.iter().map(|p| p.name.clone());
    let mut fresh = FreshNames::new(world, names, entities.len())?;
    let mut rng = SplitMix64::new(seed ^ TUNE_SALT.rotate_left(17));
    let mut probes = Vec::with_capacity(known.len());
    for facts in entities {
        let name = fresh.draw(&mut rng);
        for fact in facts {
            let value = random_value(world, usize::from(fact.attribute), &mut rng);
            probes.push(Probe::never_seen(name.clone(), fact.attribute, value));
        }
    }
    Ok(probes)
}

/// Facts of seen entities in the first `train` sentences: exposures per fact and sentences
/// per entity.
pub(super) struct Counts {
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

/// The known arm: of the seen entities `ranked` (id, sentences) but those of `held_out`,
/// ranked by facts known (correct template probes) then frequency then id, only the facts
/// the model knows, up to `limit` facts. `facts` holds the `A` facts of each entity of
/// `ranked` in turn, `known` whether each is known. The held-out entities were drawn first,
/// stratified by frequency, so well-known entities stay held out; only known facts, so that
/// the arm tunes what the model knows even of entities it knows in part.
pub(super) fn known_arm(
    ranked: &[(u32, u64)],
    (facts, known): (&[Probe], &[bool]),
    (attributes, limit): (usize, usize),
    held_out: &BTreeSet<u32>,
) -> Vec<Probe> {
    let known_of = |i: usize| &known[i * attributes..(i + 1) * attributes];
    let count = |i: usize| known_of(i).iter().filter(|&&b| b).count();
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (count(i), ranked[i].1);
        key(b).cmp(&key(a)).then(ranked[a].0.cmp(&ranked[b].0))
    });
    order
        .into_iter()
        .filter(|&i| !held_out.contains(&ranked[i].0))
        .flat_map(|i| (i * attributes..(i + 1) * attributes).filter(|&f| known[f]))
        .map(|f| facts[f].clone())
        .take(limit)
        .collect()
}

/// A set of probes and what the experiment knows of each.
pub(super) struct ProbeSet<'a> {
    /// `held-out`, `never seen` or `tuned`.
    name: &'static str,
    probes: &'a [Probe],
    /// Whether the template probe was correct after pre-training.
    known_before: &'a [bool],
}

/// Columns of the `probes` frame: its keys, then the probe results.
#[derive(Default)]
pub(super) struct Rows {
    point: Vec<String>,
    seed: Vec<u64>,
    arm: Vec<&'static str>,
    step: Vec<u64>,
    set: Vec<&'static str>,
    format: Vec<&'static str>,
    probe: Vec<u32>,
    expected: Vec<f64>,
    known_before: Vec<bool>,
    results: ProbeColumns,
}

/// Where an evaluation belongs.
pub(super) struct At<'a> {
    point: &'a str,
    seed: u64,
    arm: &'static str,
    batch: usize,
}

impl Rows {
    /// Every probe of `sets` in both formats, asked of `model`, the weights after `step`.
    fn evaluate(
        &mut self,
        at: &At,
        step: u64,
        model: &Gpt,
        world: &World,
        qa: Qa,
        sets: &[ProbeSet],
    ) -> skm_trainer::Result<()> {
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
        self.expected.push(probe.expected_exposures);
        self.known_before.push(set.known_before[i]);
        self.results.push(probe, Strata::Weight, result);
    }

    fn frame(self) -> Result<DataFrame> {
        Ok(self.results.frame(df!(
            POINT => self.point,
            SEED => self.seed,
            ARM => self.arm,
            STEP => self.step,
            SET => self.set,
            FORMAT => self.format,
            PROBE => self.probe,
            EXPECTED_EXPOSURES => self.expected,
            KNOWN_BEFORE => self.known_before,
        )?)?)
    }
}

/// A training frame with its `phase` (`pre-training`, `known`, `unknown`).
pub(super) fn phase_frame(rows: LossRows, phase: &str) -> Result<DataFrame> {
    let mut frame = rows.frame()?;
    let phases = vec![phase.to_string(); frame.height()];
    frame.with_column(Column::new(PHASE.into(), phases))?;
    Ok(frame)
}

/// One (point, seed) run: its corpus, QA format and configurations.
struct Run<'a> {
    label: &'a str,
    seed: u64,
    corpus: &'a Corpus,
    qa: Qa,
    model: ModelConfig,
    train: TrainConfig,
    tune: TrainConfig,
    /// Where the model is trained and tuned.
    device: DeviceKind,
}

/// Pre-trains on every (point, seed) stream, then tunes both arms from the same weights,
/// probing at log-spaced steps.
pub(super) fn compute(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let (model_config, train_config) = configs(spec)?;
    let device = spec.device.unwrap_or_default();
    let mut rows = Rows::default();
    let mut training = Vec::new();
    each_training_stream(spec, |at| {
        let corpus = at.corpus(spec, spec.sentences as usize)?;
        let qa = Qa::new(&corpus.world);
        let train = at.train_config(train_config);
        let run = Run {
            label: &at.point.label,
            seed: at.seed,
            corpus: &corpus,
            qa,
            model: model_for(model_config, qa.vocab_size()),
            tune: TrainConfig {
                seed: train.seed,
                ..tune_config(&train, &p)
            },
            train,
            device,
        };
        let base = pretrain(spec, env, &run, &mut training)?;
        let sets = choose_probes(&run, &p, &base)?;
        for (arm, tuned) in ARMS.into_iter().zip(&sets.arms) {
            let tuning = Tuning {
                arm,
                tuned,
                base: &base,
            };
            tune_arm(&run, &p, &tuning, &sets, env, (&mut rows, &mut training))?;
        }
        Ok(())
    })?;
    Ok(Frames::from([
        (probes::NAME.to_string(), rows.frame()?),
        (training::NAME.to_string(), concat(training)?),
    ]))
}

/// The model pre-trained on the run's whole stream, from the checkpoint cache (trained, or
/// resumed, when missing); its losses go to `training`.
fn pretrain(spec: &Spec, env: &Env<'_>, run: &Run, training: &mut Vec<DataFrame>) -> Result<Gpt> {
    let n = run.corpus.sentences.len();
    env.progress.set_message("pre-training");
    let pretrained = trained(spec, env, run.corpus, 0..n, n..n, &run.model, &run.train)
        .context("pre-training")?;
    let mut losses = LossRows::default();
    losses.push_run(run.label, run.seed, &pretrained.state, &run.train);
    training.push(phase_frame(losses, "pre-training")?);
    Ok(pretrained.model)
}

/// Whether `model` answers each template probe correctly; a never-seen entity's value can be
/// right by chance, so it is never known.
fn known_before(model: &Gpt, run: &Run, probes: &[Probe]) -> Result<Vec<bool>> {
    let results = probe::evaluate(model, &run.corpus.world, probes, run.train.batch_size)?;
    Ok(probes
        .iter()
        .zip(&results)
        .map(|(q, r)| q.entity.is_some() && r.answer == Answer::Correct)
        .collect())
}

/// The probe sets of one run.
struct Sets {
    heldout: Vec<Probe>,
    /// Whether the pre-trained model knew each held-out fact.
    heldout_known: Vec<bool>,
    never_seen: Vec<Probe>,
    /// Never known (all false).
    never_seen_known: Vec<bool>,
    /// The facts tuned, in [`ARMS`] order.
    arms: [Vec<Probe>; 2],
}

impl Sets {
    /// The sets probed in an arm that tunes `tuned` (`known_before`: known after
    /// pre-training): held-out, never seen, tuned.
    fn with_tuned<'a>(&'a self, tuned: &'a [Probe], known_before: &'a [bool]) -> [ProbeSet<'a>; 3] {
        [
            ProbeSet {
                name: "held-out",
                probes: &self.heldout,
                known_before: &self.heldout_known,
            },
            ProbeSet {
                name: NEVER_SEEN,
                probes: &self.never_seen,
                known_before: &self.never_seen_known,
            },
            ProbeSet {
                name: "tuned",
                probes: tuned,
                known_before,
            },
        ]
    }
}

/// The probe sets, from what the pre-trained model knows: a held-out set stratified by
/// frequency and as many never-seen entities, then the known arm's facts ([`known_arm`], of
/// the other entities), and the unknown arm that mirrors it ([`mirrored_entities`]).
fn choose_probes(run: &Run, p: &Params, pretrained: &Gpt) -> Result<Sets> {
    let (corpus, world, n) = (run.corpus, &run.corpus.world, run.corpus.sentences.len());
    let counts = Counts::new(corpus, n);
    let ranked: Vec<(u32, u64)> = counts.entities.iter().map(|(&k, &c)| (k, c)).collect();
    let facts: Vec<Probe> = ranked
        .iter()
        .flat_map(|&(k, _)| counts.probes(world, k))
        .collect();
    let known = known_before(pretrained, run, &facts)?;
    let stratified =
        probe::stratified(corpus, 0..n, Strata::Weight, p.probes_per_bucket, run.seed)?;
    let (never_seen, heldout): (Vec<Probe>, Vec<Probe>) =
        stratified.into_iter().partition(|q| q.entity.is_none());
    let held_out: BTreeSet<u32> = heldout.iter().filter_map(|q| q.entity).collect();
    let shape = (world.config.attributes, p.tune_facts);
    let tuned_known = known_arm(&ranked, (&facts, &known), shape, &held_out);
    crate::error::ensure!(
        !tuned_known.is_empty(),
        "fine-tuning at {} seed {}: the pre-trained model knows no fact the known arm may tune",
        run.label,
        run.seed
    );
    let unknown = mirrored_entities(world, &tuned_known, &never_seen, run.seed)?;
    let arms = [tuned_known, unknown];
    Ok(Sets {
        heldout_known: known_before(pretrained, run, &heldout)?,
        heldout,
        never_seen_known: vec![false; never_seen.len()],
        never_seen,
        arms,
    })
}

/// One arm: its name, the facts it tunes and the pre-trained trainer it starts from.
struct Tuning<'a> {
    arm: &'static str,
    tuned: &'a [Probe],
    base: &'a Gpt,
}

/// Tunes one arm from the pre-trained weights on its QA sentences, probing every set at
/// step 0 and at the log-spaced steps; probes go to `rows`, losses to `training`.
fn tune_arm(
    run: &Run,
    p: &Params,
    t: &Tuning,
    sets: &Sets,
    env: &Env<'_>,
    (rows, training): (&mut Rows, &mut Vec<DataFrame>),
) -> Result<()> {
    let (world, qa, seed, arm) = (&run.corpus.world, run.qa, run.seed, t.arm);
    let tuned_before = known_before(t.base, run, t.tuned)?;
    let probe_sets = sets.with_tuned(t.tuned, &tuned_before);
    let sentences: Vec<Vec<Token>> = t
        .tuned
        .iter()
        .map(|q| qa.sentence(&q.name, usize::from(q.attribute), q.value))
        .collect();
    let stream = tuning_stream(&sentences, seed);
    let at = At {
        point: run.label,
        seed,
        arm,
        batch: run.train.batch_size,
    };
    let steps = evaluation_steps(run.tune.steps, p.evaluations_per_decade);
    let request = TrainRequest {
        data: TrainData::Tokens(&stream),
        init: Some(t.base),
        model: &run.model,
        train: &run.tune,
        batches: Batches::Windows,
        snapshots: &steps,
        device: run.device,
    };
    env.progress.set_message(arm);
    let tuned = env
        .models
        .trained(&request, env.progress)
        .with_context(|| format!("tuning the {arm} arm"))?;
    for (step, model) in &tuned.snapshots {
        rows.evaluate(&at, *step as u64, model, world, qa, &probe_sets)?;
    }
    let mut losses = LossRows::default();
    losses.push_run(run.label, seed, &tuned.state, &run.tune);
    training.push(phase_frame(losses, arm)?);
    Ok(())
}
