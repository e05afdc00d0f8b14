//! hallucination (C9): the model-scaling models (read from the checkpoint cache, or trained
//! there once) probed on facts of seen entities, by how often the fact was stated, and on
//! never-seen entities: shares of correct, hallucinated and malformed answers, and the
//! confidence behind them, beside the Bayes learner's calibrated answer.
//!
//! The Bayes learner knows a fact once it was stated (probability 1 on the true value) and
//! otherwise puts `1/|V_j|` on every value of the attribute: it never answers a fact it was
//! not told with more confidence than chance.
//!
//! `params` reads the `[analysis]` table, `schema` names the `probes` frame's own keys, `compute`
//! probes the models (the `probes` frame), `table` pools it by model and bucket (with Spearman's
//! correlation, [`skm_report::rank_correlation`]), `claims` holds the three C9 rules, `figures` and
//! `text` draw and tell what was measured.

mod claims;
mod compute;
mod figures;
mod params;
mod schema;
mod table;
mod text;

use crate::error::Result;
use crate::frames::{Frame, probes, rows_of_seed};

use super::training::training_steps;
use super::{Analysis, Env, Experiment, FrameSet, Frames, rows_where};
use crate::frames::columns::POINT;
use crate::spec::Spec;
use params::Params;
use table::Table;

/// The hallucination experiment.
pub struct Hallucination;

impl Experiment for Hallucination {
    fn name(&self) -> &'static str {
        "hallucination"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.model_shapes().len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::compute(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let mut analysis = Analysis::default();
        let mut prose = Vec::new();
        for point in &spec.points {
            let chance = 1.0 / point.generator.values_per_attribute as f64;
            let frame = rows_where(&frames.frame(probes::NAME)?, POINT, &point.label)?;
            let table = Table::of(&frame)?;
            let (frequency_by_seed, size_by_seed) = correlations_by_seed(&frame, &spec.seeds)?;
            let Some(s) = table.summary() else {
                continue;
            };
            let model = table.label(s.largest);
            let lists = text::Lists::of(&table, &s);
            let (name, seeds) = (self.name(), spec.seeds.len());
            let bounds = (chance, p.max_malformed);
            let c9 = [
                claims::unseen(name, &point.label, &model, s.fresh, bounds, seeds),
                claims::by_frequency(
                    name,
                    &point.label,
                    &model,
                    (s.by_frequency, &frequency_by_seed),
                    &lists.shares,
                    p.max_rank_correlation,
                    seeds,
                ),
                claims::by_size(
                    name,
                    &point.label,
                    (s.by_size, &size_by_seed),
                    &lists.sizes,
                    p.max_rank_correlation,
                    seeds,
                ),
            ];
            let shown = figures::Shown {
                point,
                table: &table,
                s: &s,
                chance,
            };
            analysis.figures.push(shown.figure(p.probes_per_bucket));
            prose.push(text::point(&point.label, &model, &s, chance, &lists, &c9));
            analysis.claims.extend(c9);
        }
        analysis.body = text::body(spec, p.probes_per_bucket, &prose);
        Ok(analysis)
    }

    fn regime(&self, _spec: &Spec) -> String {
        "the models of model-scaling".into()
    }
}

/// C9's rank correlations (by frequency, by size) in each seed's probes alone.
type SeedCorrelations = (Vec<Option<f64>>, Vec<Option<f64>>);

/// [`SeedCorrelations`] of one point's `probes` rows.
fn correlations_by_seed(frame: &Frame, seeds: &[u64]) -> Result<SeedCorrelations> {
    let mut by_seed: SeedCorrelations = Default::default();
    for &seed in seeds {
        let rows = rows_of_seed(frame, seed)?;
        let summary = Table::of(&rows)?.summary();
        by_seed
            .0
            .push(summary.as_ref().and_then(|s| s.by_frequency));
        by_seed.1.push(summary.as_ref().and_then(|s| s.by_size));
    }
    Ok(by_seed)
}
