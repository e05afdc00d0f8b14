//! bayes-learning-curve: the Bayes learner's excess over the oracle, by role, beside its
//! exact expectation (C3, C4).
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frames' columns, [`compute`] the frames,
//! [`claims`] the rules of C3 and C4, [`figures`] and [`text`] the figure and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod schema;
mod text;

use self::schema::excess;
use crate::error::Result;

use self::claims::{C4Input, Part, Settled};
use self::figures::RoleMeans;
use self::params::Params;
use super::{
    Analysis, Curve, Env, Experiment, FrameSet, Frames, curves_by_seed, rows_where, settles_below,
};
use crate::frames::columns::{N, POINT, ROLE};
use crate::frames::{Frame, mean_over_seeds};
use crate::spec::{Point, Spec};
use skm_report::{Claim, Estimate};

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
        let (mut prose, mut syntax) = (Vec::new(), Vec::new());
        for point in &spec.points {
            let curves = PointCurves::of(frames, &point.label)?;
            let (paragraph, syntax_estimate) =
                self.analyse_point(spec, &p, point, &curves, &mut analysis)?;
            prose.push(paragraph);
            syntax.push(syntax_estimate);
        }
        let shared_syntax = syntax.len() > 1 && syntax.windows(2).all(|w| w[0] == w[1]);
        analysis.body = text::body(spec, &prose, shared_syntax);
        Ok(analysis)
    }

    fn regime(&self, _spec: &Spec) -> String {
        "the Bayes learner against the oracle on the generator's streams".into()
    }
}

/// One point's rows: the measured `excess` and the exact `theory_excess`.
struct PointCurves {
    measured: Frame,
    exact: Frame,
}

impl PointCurves {
    fn of(frames: &Frames, label: &str) -> Result<Self> {
        Ok(Self {
            measured: rows_where(&frames.frame(excess::NAME)?, POINT, label)?,
            exact: rows_where(&frames.frame(excess::THEORY_NAME)?, POINT, label)?,
        })
    }

    /// The per-seed curves of `role`.
    fn measured(&self, role: &str) -> Result<Vec<Curve>> {
        curves_by_seed(
            &rows_where(&self.measured, ROLE, role)?,
            N,
            excess::EXCESS_BITS,
        )
    }

    /// The exact expected curve of `role`.
    fn exact(&self, role: &str) -> Result<Curve> {
        let rows = rows_where(&self.exact, ROLE, role)?;
        Ok((
            crate::floats(&rows, N)?,
            crate::floats(&rows, excess::EXPECTED_EXCESS_BITS)?,
        ))
    }

    /// The seed means (or, `exact`, the exact curves) by role.
    fn means(&self, exact: bool) -> Result<RoleMeans> {
        let curve = |role: &str| -> Result<Vec<(f64, f64)>> {
            Ok(if exact {
                let (x, y) = self.exact(role)?;
                x.into_iter().zip(y).collect()
            } else {
                mean_over_seeds(
                    &rows_where(&self.measured, ROLE, role)?,
                    N,
                    excess::EXCESS_BITS,
                )?
            })
        };
        Ok(RoleMeans {
            syntax: curve("syntax")?,
            name: curve("name")?,
            value: curve("value")?,
            knowledge: curve("knowledge")?,
        })
    }
}

/// Where each role's curve (seed mean or exact) drops below the floor for good.
fn settled(means: &RoleMeans, floor_bits: f64) -> Settled {
    Settled {
        syntax: settles_below(&means.syntax, floor_bits),
        knowledge: [&means.name, &means.value]
            .map(|m| settles_below(m, floor_bits).unwrap_or(f64::INFINITY))
            .into_iter()
            .fold(f64::INFINITY, f64::min),
    }
}

impl BayesLearningCurve {
    /// The claims and figure of one point, into `analysis`; its paragraph and its syntax
    /// estimate (C3 syntax).
    fn analyse_point(
        &self,
        spec: &Spec,
        p: &Params,
        point: &Point,
        curves: &PointCurves,
        analysis: &mut Analysis,
    ) -> Result<(String, Estimate)> {
        let label = point.label.as_str();
        let from = p.fit_from * spec.sentences as f64;
        let c3 = |part: Part| -> Result<Claim> {
            let (measured, exact) = (curves.measured(part.role())?, curves.exact(part.role())?);
            claims::c3(self.name(), label, part, (&measured, &exact), from)
        };
        let (syntax, knowledge) = (c3(Part::Syntax)?, c3(Part::Knowledge)?);
        let (means, exact) = (curves.means(false)?, curves.means(true)?);
        let c4_input = C4Input {
            measured: settled(&means, p.floor_bits),
            exact: settled(&exact, p.floor_bits),
            sentences: spec.sentences,
            seeds: spec.seeds.len(),
            floor_bits: p.floor_bits,
            bins_per_decade: p.bins_per_decade,
        };
        let c4 = claims::c4(self.name(), label, &c4_input);
        let paragraph = text::point_paragraph(
            (label, point.generator.alpha),
            &c4_input,
            [&syntax, &knowledge, &c4],
        );
        let figure = figures::figure(spec, p, label, (&means, &exact));
        analysis.figures.push(figure);
        let syntax_estimate = syntax.estimate().clone();
        analysis.claims.extend([syntax, knowledge, c4]);
        Ok((paragraph, syntax_estimate))
    }
}
