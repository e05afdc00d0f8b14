//! The frames of model-scaling: `scaling` (test loss by role per model), `facts` (stated facts
//! known per exposure bucket per model), `theory_floor` (the exact data floor of the test
//! excess) and `training`.

use super::schema::{facts, theory_floor};
use crate::frames::probes::{BUCKET, BUCKET_ORDER};
use crate::frames::{scaling, training};
use std::collections::BTreeMap;

use crate::error::Result;
use polars::prelude::*;
use skm_generator::{Corpus, GeneratorConfig};
use skm_theory::{Chains, expected_heldout_excess};
use skm_trainer::probe::{self, Probe, ProbeResult, exposure_bucket, exposure_bucket_label};
use skm_trainer::{ModelConfig, evaluate_roles};

use super::params::Params;
use super::{shape_label, train_shape};
use crate::frames::columns::{ALPHA, BETA, MODEL, N, PARAMETERS, POINT, SEED};
use crate::frames::evaluations::{ROLES, RoleRows};
use crate::frames::training::LossRows;
use crate::spec::Spec;
use crate::training::each_training_stream;
use crate::{Env, Frames};

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

/// Per exposure bucket: the stated facts, those answered with the true value and those
/// answered with another value of the attribute.
fn answers_by_bucket(probes: &[Probe], results: &[ProbeResult]) -> BTreeMap<u32, [u64; 3]> {
    let mut by_bucket: BTreeMap<u32, [u64; 3]> = BTreeMap::new();
    for (probe, result) in probes.iter().zip(results) {
        let [stated, correct, wrong] = by_bucket
            .entry(exposure_bucket(probe.exposures))
            .or_default();
        *stated += 1;
        *correct += u64::from(result.answer == probe::Answer::Correct);
        *wrong += u64::from(result.answer == probe::Answer::Hallucinated);
    }
    by_bucket
}

/// Which model a row belongs to.
struct At<'a> {
    point: &'a str,
    shape: String,
    seed: u64,
    model: &'a ModelConfig,
}

#[derive(Default)]
struct Rows {
    // scaling: one row per (sweep point, shape, seed, role)
    point: Vec<String>,
    shape: Vec<String>,
    seed: Vec<u64>,
    parameters: Vec<u64>,
    non_embedding: Vec<u64>,
    blocks: Vec<u64>,
    roles: RoleRows,
    // facts: one row per (sweep point, shape, seed, exposure bucket)
    f_point: Vec<String>,
    f_shape: Vec<String>,
    f_seed: Vec<u64>,
    f_parameters: Vec<u64>,
    f_non_embedding: Vec<u64>,
    f_blocks: Vec<u64>,
    f_bucket: Vec<String>,
    f_bucket_order: Vec<u32>,
    f_stated: Vec<u64>,
    f_known: Vec<u64>,
    f_wrong: Vec<u64>,
    training: LossRows,
}

impl Rows {
    /// The model's columns of its rows in `scaling`, one per role.
    fn push_scaling(&mut self, at: &At) {
        for _ in ROLES {
            self.point.push(at.point.to_string());
            self.shape.push(at.shape.clone());
            self.seed.push(at.seed);
            self.parameters.push(at.model.parameters() as u64);
            self.non_embedding
                .push(at.model.non_embedding_parameters() as u64);
            self.blocks.push(at.model.block_parameters() as u64);
        }
    }

    /// The model's rows in `facts`, one per exposure bucket.
    fn push_facts(&mut self, at: &At, by_bucket: BTreeMap<u32, [u64; 3]>) {
        for (bucket, [stated, known, wrong]) in by_bucket {
            self.f_point.push(at.point.to_string());
            self.f_shape.push(at.shape.clone());
            self.f_seed.push(at.seed);
            self.f_parameters.push(at.model.parameters() as u64);
            self.f_non_embedding
                .push(at.model.non_embedding_parameters() as u64);
            self.f_blocks.push(at.model.block_parameters() as u64);
            self.f_bucket.push(exposure_bucket_label(bucket));
            self.f_bucket_order.push(bucket);
            self.f_stated.push(stated);
            self.f_known.push(known);
            self.f_wrong.push(wrong);
        }
    }

    fn frames(self, floors: DataFrame) -> Result<Frames> {
        let mut scaling = df!(
            POINT => self.point,
            MODEL => self.shape,
            SEED => self.seed,
            PARAMETERS => self.parameters,
            scaling::NON_EMBEDDING_PARAMETERS => self.non_embedding,
            scaling::BLOCK_PARAMETERS => self.blocks,
        )?;
        scaling.hstack_mut(&self.roles.columns())?;
        let facts = df!(
            POINT => self.f_point,
            MODEL => self.f_shape,
            SEED => self.f_seed,
            PARAMETERS => self.f_parameters,
            scaling::NON_EMBEDDING_PARAMETERS => self.f_non_embedding,
            scaling::BLOCK_PARAMETERS => self.f_blocks,
            BUCKET => self.f_bucket,
            BUCKET_ORDER => self.f_bucket_order,
            facts::STATED_FACTS => self.f_stated,
            facts::KNOWN_FACTS => self.f_known,
            facts::WRONG_VALUES => self.f_wrong,
        )?;
        Ok(Frames::from([
            (scaling::NAME.to_string(), scaling),
            (facts::NAME.to_string(), facts),
            (theory_floor::NAME.to_string(), floors),
            (training::NAME.to_string(), self.training.frame()?),
        ]))
    }
}

/// Trains every shape on every (point, seed) stream, scores it on the test sentences and
/// probes every stated fact.
pub(super) fn compute(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let n = spec.sentences as usize;
    let test = n..n + p.test_sentences as usize;
    let mut rows = Rows::default();
    let floors = spec
        .points
        .iter()
        .map(|point| {
            data_floor(
                (&point.label, &point.generator),
                n as u64,
                p.reference_chains,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    each_training_stream(spec, |stream| {
        let corpus = stream.corpus(spec, test.end)?;
        let exposures = corpus.fact_exposures(0..n);
        let probes = every_stated_fact(&corpus, &exposures, n as f64);
        for shape in &spec.models {
            let (model, train, run) = train_shape(spec, &corpus, shape, stream, env)?;
            let at = At {
                point: &stream.point.label,
                shape: shape_label(&model),
                seed: stream.seed,
                model: &model,
            };
            let run_label = format!("{} {}", at.point, at.shape);
            rows.training
                .push_run(&run_label, at.seed, &run.state, &train);
            let eval = evaluate_roles(&run.model, &corpus, test.clone(), train.batch_size)?;
            rows.roles.push(&eval);
            rows.push_scaling(&at);
            let results = probe::evaluate(&run.model, &corpus.world, &probes, train.batch_size)?;
            rows.push_facts(&at, answers_by_bucket(&probes, &results));
        }
        Ok(())
    })?;
    rows.frames(crate::concat(floors)?)
}

/// The exact data floor of the test excess at the sweep point `label`: the Bayes learner's
/// expected excess over the oracle on a held-out sentence after `n` training sentences,
/// `G(n + 1) - G(n)` bits summed over roles ([`expected_heldout_excess`]). No learner
/// trained on those `n` sentences does better in expectation, so the excess above it is what
/// model size can remove. The analysis turns it into bits per scored token.
fn data_floor((label, config): (&str, &GeneratorConfig), n: u64, chains: u32) -> Result<DataFrame> {
    let chains = Chains::seeded_by(config, chains as usize);
    let floor = expected_heldout_excess(config, &[n], chains)?[0].total();
    Ok(df!(
        POINT => [label],
        ALPHA => [config.alpha],
        BETA => [config.beta],
        N => [n],
        scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE => [floor],
    )?)
}
