//! The `probes` frame of hallucination: every probe of every model, one row each.

use anyhow::Result;
use polars::prelude::*;
use skm_generator::Corpus;
use skm_trainer::ModelConfig;
use skm_trainer::probe::{self, Probe, ProbeResult, Strata, bucket_label, bucket_of};

use super::params::Params;
use crate::model_scaling::{shape_label, train_shape};
use crate::spec::Spec;
use crate::{Env, Frames};

/// Which model and stream a row belongs to.
struct At<'a> {
    sweep: &'a str,
    seed: u64,
    model: &'a ModelConfig,
    /// `|V_j|`: the Bayes learner puts `1/|V_j|` on an unstated fact's value.
    values: f64,
}

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

impl Rows {
    fn push(&mut self, at: &At, probe: &Probe, result: &ProbeResult) {
        let bucket = bucket_of(probe, Strata::Exposures);
        self.sweep.push(at.sweep.to_string());
        self.point.push(shape_label(at.model));
        self.seed.push(at.seed);
        self.parameters.push(at.model.parameters() as u64);
        self.non_embedding
            .push(at.model.non_embedding_parameters() as u64);
        self.entity.push(probe.entity.map_or(-1, i64::from));
        self.attribute.push(u32::from(probe.attribute));
        self.exposures.push(probe.exposures);
        self.bucket.push(bucket_label(bucket));
        self.bucket_order.push(bucket);
        self.answer.push(result.answer.as_str());
        self.p_true.push(result.p_true);
        self.p_argmax.push(result.p_argmax);
        self.valid_mass.push(result.valid_mass);
        self.entropy.push(result.entropy_bits);
        self.bayes_p_true.push(if probe.exposures > 0 {
            1.0
        } else {
            1.0 / at.values
        });
    }

    fn frame(self) -> Result<DataFrame> {
        let correct: Vec<bool> = self.answer.iter().map(|a| *a == "correct").collect();
        Ok(df!(
            "sweep" => self.sweep,
            "point" => self.point,
            "seed" => self.seed,
            "parameters" => self.parameters,
            "non_embedding_parameters" => self.non_embedding,
            "entity" => self.entity,
            "attribute" => self.attribute,
            "exposures" => self.exposures,
            "bucket" => self.bucket,
            "bucket_order" => self.bucket_order,
            "answer" => self.answer,
            "correct" => correct,
            "p_true" => self.p_true,
            "p_argmax" => self.p_argmax,
            "valid_mass" => self.valid_mass,
            "entropy_bits" => self.entropy,
            "bayes_p_true" => self.bayes_p_true,
        )?)
    }
}

/// Probes every model of every (point, seed) stream on a stratified probe set.
pub(super) fn compute(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
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
                let at = At {
                    sweep: &point.label,
                    seed,
                    model: &model,
                    values,
                };
                for (probe, result) in probes.iter().zip(&results) {
                    rows.push(&at, probe, result);
                }
            }
        }
    }
    Ok(Frames::from([("probes".to_string(), rows.frame()?)]))
}
