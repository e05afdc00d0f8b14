//! data-scaling (C5): one transformer shape trained, with early stopping on held-out loss, on
//! stream prefixes of N sentences over 1.5 decades or more; its test excess over the exact
//! oracle against N, beside the Bayes learner's after the same N sentences.
//!
//! Theory: the knowledge part of the excess falls like `N^-(1 - alpha)` (the syntax part,
//! like `1/N`, is gone early), so `log(loss - H)` against `log N` has slope `alpha - 1`. `H`
//! is known exactly (the oracle on the same test tokens), so no irreducible term is fitted.
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frames' columns, [`compute`] the frames,
//! [`curves`] the seed means the analysis reads off them, [`claims`] the rule of C5, [`figures`]
//! and [`text`] the figure and the prose.

mod claims;
mod compute;
mod curves;
mod figures;
mod params;
mod schema;
mod text;

use self::schema::theory_heldout_excess;
use crate::error::Result;
use crate::frames::columns::{N, POINT, ROLE};
use crate::frames::scaling;

use self::curves::PointCurves;
use self::params::Params;
use super::training::{configs, training_steps};
use super::{Analysis, Env, Experiment, FrameSet, Frames, floats, rows_where};
use crate::spec::Spec;

/// The data-scaling experiment.
pub struct DataScaling;

impl Experiment for DataScaling {
    fn name(&self) -> &'static str {
        "data-scaling"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.sizes.len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let (model, train) = configs(spec)?;
        let mut analysis = Analysis::default();
        let (mut prose, mut exponents) = (Vec::new(), Vec::new());
        for point in &spec.points {
            let point = (point.label.as_str(), point.generator.alpha);
            let rows = rows_where(&frames.frame(scaling::NAME)?, POINT, point.0)?;
            let curves = PointCurves::read(&rows, train.steps)?;
            let capped = (&curves.budget_limited[..], train.steps);
            let exact = |role: &str| -> Result<f64> {
                let rows = rows_where(&frames.frame(theory_heldout_excess::NAME)?, POINT, point.0)?;
                let rows = rows_where(&rows, ROLE, role)?;
                let curve = (
                    floats(&rows, N)?,
                    floats(&rows, scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE)?,
                );
                crate::exact_slope(&curve)
            };
            let (all, known) = (exact("all")?, exact("knowledge")?);
            let c5 = claims::c5(self.name(), (point.0, all), &curves.seeds, capped)?;
            let knowledge =
                claims::c5_knowledge(self.name(), (point.0, known), &curves.knowledge, capped)?;
            let ratio = claims::c5_ratio(self.name(), point.0, &curves.ratio, capped)?;
            let figure = figures::figure(spec, point, &curves, &c5, model);
            analysis.figures.push(figure);
            let checks = [&c5, &knowledge, &ratio];
            prose.push(text::point_paragraph(point, &curves, checks, train.steps));
            exponents.push((point.1, c5.measured(), all));
            analysis.claims.extend([c5, knowledge, ratio]);
        }
        if let Some(order) = claims::c5_alpha_order(self.name(), &exponents) {
            prose.push(text::alpha_paragraph(&order));
            analysis.claims.push(order);
        }
        analysis.body = text::body(spec, &p, (model, train), &prose);
        Ok(analysis)
    }

    fn regime(&self, spec: &Spec) -> String {
        format!(
            "{} at most, one model per N, best early-stopped checkpoint",
            crate::training::transformer_regime(spec)
        )
    }
}
