//! The `probes` frame of hallucination: every probe of every model, one row each.

use super::schema::BAYES_P_TRUE;
use crate::error::Result;
use crate::frames::probes;
use crate::frames::scaling::NON_EMBEDDING_PARAMETERS;
use polars::prelude::*;
use skm_trainer::ModelConfig;
use skm_trainer::probe::{self, Probe, ProbeResult, Strata};

use super::params::Params;
use crate::frames::ProbeColumns;
use crate::frames::columns::{MODEL, PARAMETERS, POINT, SEED};
use crate::model_scaling::{shape_label, train_shape};
use crate::spec::Spec;
use crate::training::each_training_stream;
use crate::{Env, Frames};

/// Which model and stream a row belongs to.
struct At<'a> {
    point: &'a str,
    seed: u64,
    model: &'a ModelConfig,
    /// `|V_j|`: the Bayes learner puts `1/|V_j|` on an unstated fact's value.
    values: f64,
}

/// Columns of the `probes` frame: which model of which stream, then the probe results.
#[derive(Default)]
struct Rows {
    point: Vec<String>,
    model: Vec<String>,
    seed: Vec<u64>,
    parameters: Vec<u64>,
    non_embedding: Vec<u64>,
    bayes_p_true: Vec<f64>,
    results: ProbeColumns,
}

impl Rows {
    fn push(&mut self, at: &At, probe: &Probe, result: &ProbeResult) {
        self.point.push(at.point.to_string());
        self.model.push(shape_label(at.model));
        self.seed.push(at.seed);
        self.parameters.push(at.model.parameters() as u64);
        self.non_embedding
            .push(at.model.non_embedding_parameters() as u64);
        self.bayes_p_true.push(if probe.exposures > 0 {
            1.0
        } else {
            1.0 / at.values
        });
        self.results.push(probe, Strata::Exposures, result);
    }

    fn frame(self) -> Result<DataFrame> {
        Ok(self.results.frame(df!(
            POINT => self.point,
            MODEL => self.model,
            SEED => self.seed,
            PARAMETERS => self.parameters,
            NON_EMBEDDING_PARAMETERS => self.non_embedding,
            BAYES_P_TRUE => self.bayes_p_true,
        )?)?)
    }
}

/// Probes every model of every (point, seed) stream on a stratified probe set.
pub(super) fn compute(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let n = spec.sentences as usize;
    let mut rows = Rows::default();
    each_training_stream(spec, |stream| {
        let seed = stream.seed;
        let corpus = stream.corpus(spec, n)?;
        let probes =
            probe::stratified(&corpus, 0..n, Strata::Exposures, p.probes_per_bucket, seed)?;
        for shape in spec.model_shapes() {
            let (model, train, run) = train_shape(spec, &corpus, &shape, stream, env)?;
            let results = probe::evaluate(&run.model, &corpus.world, &probes, train.batch_size)?;
            let at = At {
                point: &stream.point.label,
                seed,
                model: &model,
                values: stream.point.generator.values_per_attribute as f64,
            };
            for (probe, result) in probes.iter().zip(&results) {
                rows.push(&at, probe, result);
            }
        }
        Ok(())
    })?;
    Ok(Frames::from([(probes::NAME.to_string(), rows.frame()?)]))
}
