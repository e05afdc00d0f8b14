//! model-scaling (C6, C8): transformers of growing width and depth trained for the same
//! number of steps on one fixed stream; their test excess over the exact oracle, and the
//! facts they know, against their parameters.
//!
//! Theory: a model of P parameters stores the facts of the entities it can afford, about
//! `m ~ P` of them (C8, linear capacity), and the excess of the rest falls like
//! `P^-((1 - alpha)/alpha)` (C6). Every fact stated in the training stream is probed.
//!
//! `params` reads the `[analysis]` table, `schema` names the frames it alone writes, `compute`
//! trains and probes the models (frames), `measured` reads the frames back per sweep point,
//! `claims` holds the rules of C6 and C8, `figures` and `text` draw and tell what was measured.

mod claims;
mod compute;
mod figures;
mod measured;
mod params;
mod regime;
mod schema;
mod text;

use crate::error::{Context, Result};
use skm_generator::Corpus;
use skm_report::Claim;
use skm_trainer::{ModelConfig, TrainConfig};

use super::training::{Trained, TrainingStream, configs, model_for, trained, training_steps};
use super::{Analysis, Env, Experiment, Frames, SeedSlopes};
use crate::spec::Spec;
use measured::Measured;
use params::Params;
use regime::Regime;

/// The model-scaling experiment.
pub struct ModelScaling;

/// `d=.. L=..`: a model shape's point label.
pub fn shape_label(model: &ModelConfig) -> String {
    format!("d={} L={}", model.d_model, model.n_layers)
}

/// The model of `shape` trained on the first `spec.sentences` sentences of `corpus`, the
/// corpus of `stream`, through the checkpoint cache: model-scaling trains it, hallucination
/// reads it.
pub fn train_shape(
    spec: &Spec,
    corpus: &Corpus,
    shape: &ModelConfig,
    stream: TrainingStream<'_>,
    env: &Env<'_>,
) -> Result<(ModelConfig, TrainConfig, Trained)> {
    let (_, train_config) = configs(spec)?;
    let model = model_for(shape, corpus.world.vocabulary.size());
    let train = stream.train_config(train_config);
    let n = spec.sentences as usize;
    let run = trained(spec, env, corpus, 0..n, n..n, &model, &train)
        .with_context(|| format!("training {}", shape_label(&model)))?;
    Ok((model, train, run))
}

impl Experiment for ModelScaling {
    fn name(&self) -> &'static str {
        "model-scaling"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.models.len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::compute(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let (_, train_config) = configs(spec)?;
        let mut analysis = Analysis::default();
        let mut prose = Vec::new();
        for point in &spec.points {
            let values = point.generator.values_per_attribute;
            let m = Measured::of(frames, &point.label, p.test_sentences, values)?;
            let regime = Regime::of(
                &m.totals,
                p.capacity_bits_per_parameter,
                (values as f64).log2(),
                p.saturation_share,
            );
            let fit = Fit {
                regime: &regime,
                needed: p.min_limited_models,
            };
            let (c6, c8, slopes) = claims_at(self.name(), point, &m, &fit, p.linear_tolerance)?;
            let figure = figures::Drawn {
                point,
                m: &m,
                fit: &fit,
                slopes,
            };
            analysis
                .figures
                .push(figure.figure(spec, train_config.steps));
            prose.push(text::point(point, &m, [&c6, &c8], slopes, &fit));
            analysis.claims.extend([c6, c8]);
        }
        analysis.body = text::body(spec, train_config, p.test_sentences, &prose);
        Ok(analysis)
    }

    fn regime(&self, spec: &Spec) -> String {
        model_scaling_regime(spec)
    }
}

/// Which sizes C6 and C8 are fitted over: the capacity-limited ones of `regime` when there
/// are at least `needed` of them, else none (the claims are not measurable).
struct Fit<'a> {
    regime: &'a Regime,
    needed: usize,
}

impl Fit<'_> {
    /// The sizes fitted, or `None` when the claims are not measurable.
    fn sizes(&self) -> Option<&[u64]> {
        self.regime.fitted(self.needed)
    }

    /// The points of a seed-mean curve at the fitted sizes (none when the claims are not
    /// measurable): the points the figure rings.
    fn points(&self, curve: &[(f64, f64)]) -> Vec<(f64, f64)> {
        match self.sizes() {
            Some(_) => curve
                .iter()
                .filter(|p| self.regime.is_limited(p.0))
                .copied()
                .collect(),
            None => Vec::new(),
        }
    }

    /// The points of `curves` the claims fit: the capacity-limited sizes', or every point
    /// (only to show what a fit would read) when the claims are not measurable.
    fn curves(&self, curves: &[crate::Curve]) -> Vec<crate::Curve> {
        match self.sizes() {
            Some(_) => self.regime.restrict(curves),
            None => curves.to_vec(),
        }
    }
}

/// C6 and C8 at `point`: fitted over the capacity-limited models when there are enough of
/// them, else not measurable (with what a fit over all models reads); and the mean slopes
/// of both fits, which the figure draws.
fn claims_at(
    experiment: &str,
    point: &crate::spec::Point,
    m: &Measured,
    fit: &Fit,
    linear_tolerance: f64,
) -> Result<(Claim, Claim, [f64; 2])> {
    let alpha = point.generator.alpha;
    let above_floor = fit.curves(&m.above_floor);
    let c6 = claims::excess_exponent(experiment, &point.label, alpha, &above_floor)?;
    let excess_slope = SeedSlopes::fit(&above_floor).context("fitting C6")?.mean();
    let slopes = SeedSlopes::fit(&fit.curves(&m.known)).context("fitting C8")?;
    let c8 = claims::linear_capacity(
        experiment,
        &point.label,
        &slopes,
        linear_tolerance,
        m.stated(),
        m.none_known(),
    );
    let why_not = fit.regime.not_measurable(fit.needed);
    let [c6, c8] = [c6, c8].map(|mut c| match &why_not {
        Some(why) => crate::not_measurable(c, why),
        None => {
            c.detail += &format!(
                " Fitted over the capacity-limited sizes P = {} ({}).",
                fit.regime.sizes_text(),
                fit.regime.listing()
            );
            c
        }
    });
    Ok((c6, c8, [excess_slope, slopes.mean()]))
}

/// "4 transformers from d=8 L=1 to d=64 L=2, 1500 steps each; C6 and C8 fitted only over
/// capacity-limited sizes": the regime part of the claims' scope.
fn model_scaling_regime(spec: &Spec) -> String {
    let steps = configs(spec).map_or(0, |(_, train)| train.steps);
    match (spec.models.first(), spec.models.last()) {
        (Some(first), Some(last)) => format!(
            "{} transformers from {} to {}, {steps} steps each; C6 and C8 fitted only over capacity-limited sizes",
            spec.models.len(),
            shape_label(first),
            shape_label(last)
        ),
        _ => "transformers of several sizes".into(),
    }
}
