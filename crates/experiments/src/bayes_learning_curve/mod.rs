//! bayes-learning-curve: the Bayes learner's excess over the oracle, by role (C3, C4).
//!
//! [`params`] holds the `[analysis]` table, [`compute`] the frames, [`claims`] the rules of
//! C3 and C4, [`figures`] and [`text`] the figure and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod text;

use anyhow::Result;
use polars::prelude::DataFrame;

use self::claims::Settled;
use self::figures::RoleMeans;
use self::params::Params;
use super::{
    Analysis, Curve, Env, Experiment, FrameSet, Frames, curves_by_seed, mean_curve, rows_where,
    settles_below,
};
use crate::spec::{Point, Spec};

pub struct BayesLearningCurve;

impl Experiment for BayesLearningCurve {
    fn name(&self) -> &'static str {
        "bayes-learning-curve"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let mut analysis = Analysis::default();
        let mut prose = Vec::new();
        for point in &spec.points {
            let rows = rows_where(frames.frame("excess")?, "point", &point.label)?;
            prose.push(self.analyse_point(spec, &p, point, &rows, &mut analysis)?);
        }
        analysis.body = text::body(spec, &prose);
        Ok(analysis)
    }
}

impl BayesLearningCurve {
    /// The claims and figure of one point (its `rows` of the `excess` frame), into
    /// `analysis`; its paragraph.
    fn analyse_point(
        &self,
        spec: &Spec,
        p: &Params,
        point: &Point,
        rows: &DataFrame,
        analysis: &mut Analysis,
    ) -> Result<String> {
        let (label, alpha) = (point.label.as_str(), point.generator.alpha);
        let d = point.generator.syntax_parameters() as f64;
        let role_curves = |role: &str| -> Result<Vec<Curve>> {
            curves_by_seed(&rows_where(rows, "role", role)?, "n", "excess_bits")
        };
        let from = p.fit_from * spec.sentences as f64;
        let syntax = claims::c3_syntax(self.name(), label, &role_curves("syntax")?, from)?;
        let knowledge = role_curves("knowledge")?;
        let knowledge = claims::c3_knowledge(self.name(), (label, alpha), &knowledge, from)?;
        let means = RoleMeans {
            syntax: mean_curve(&role_curves("syntax")?),
            name: mean_curve(&role_curves("name")?),
            value: mean_curve(&role_curves("value")?),
            knowledge: mean_curve(&role_curves("knowledge")?),
        };
        // C4: where each role's seed-mean excess drops below the floor for good.
        let settled = Settled {
            syntax: settles_below(&means.syntax, p.floor_bits),
            knowledge: [&means.name, &means.value]
                .map(|m| settles_below(m, p.floor_bits).unwrap_or(f64::INFINITY))
                .into_iter()
                .fold(f64::INFINITY, f64::min),
            sentences: spec.sentences,
            seeds: spec.seeds.len(),
        };
        let c4 = claims::c4(self.name(), label, &settled, p.floor_bits, p.decades);
        let claims = [&syntax, &knowledge, &c4];
        let paragraph = text::point_paragraph(p, (label, alpha), &settled, claims);
        let figure = figures::figure(spec, p, (label, alpha, d), &means);
        analysis.figures.push(figure);
        analysis.claims.extend([syntax, knowledge, c4]);
        Ok(paragraph)
    }
}
