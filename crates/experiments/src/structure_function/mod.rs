//! structure-function: the capacity-limited learner and the two-part optimum m*(N) (C11).
//!
//! Theory: a learner with budget m stores the m most frequent entities; the two-part code
//! keeps those seen more than a constant number of times, so m*(N) grows like `N^alpha`.
//!
//! [`params`] holds the `[analysis]` table, [`compute`] the frames, [`claims`] the rule of
//! C11, [`figures`] and [`text`] the figures and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod text;

use anyhow::Result;

use self::params::Params;
use super::{Analysis, Env, Experiment, FrameSet, Frames, curves_by_seed, mean_curve, rows_where};
use crate::spec::Spec;

/// The structure-function experiment.
pub struct StructureFunction;

impl Experiment for StructureFunction {
    fn name(&self) -> &'static str {
        "structure-function"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let n_max = spec.sentences as f64;
        let from = p.fit_from * n_max;
        let (mut claims, mut figures, mut prose) = (Vec::new(), Vec::new(), Vec::new());
        for point in &spec.points {
            let point = (point.label.as_str(), point.generator.alpha);
            let optima = rows_where(frames.frame("optimum")?, "point", point.0)?;
            let m_star = curves_by_seed(&optima, "n", "m_star")?;
            let c11 = claims::c11(self.name(), point, &m_star, from)?;
            let min_counts = mean_curve(&curves_by_seed(&optima, "n", "min_stored_count")?);
            prose.push(text::point_paragraph(point, &c11, &min_counts));
            claims.push(c11);

            let curves = rows_where(frames.frame("curves")?, "point", point.0)?;
            let frames = (&curves, &optima);
            figures.push(figures::structure_function(spec, point.0, frames)?);
            let mean = mean_curve(&m_star);
            let distinct = mean_curve(&curves_by_seed(&optima, "n", "distinct")?);
            let fit = (from, n_max);
            figures.push(figures::optimal_entities(point, (mean, distinct), fit));
        }
        Ok(Analysis {
            figures,
            claims,
            body: text::body(spec, &prose),
        })
    }
}
