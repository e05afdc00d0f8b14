//! structure-function: the capacity-limited learner and the two-part optimum m*(N) (C11).
//!
//! Theory: a learner with budget m stores the m most frequent entities; the two-part code
//! keeps those seen at least a constant number c of times, so m*(N) grows like the exact
//! `E[G_N(c)]` (and like `N^alpha` asymptotically).
//!
//! [`params`] holds the `[analysis]` table, [`compute`] the frames, [`claims`] the rule of
//! C11, [`figures`] and [`text`] the figures and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod text;

use anyhow::{Context, Result, ensure};

use self::params::Params;
use super::{
    Analysis, Curve, Env, Experiment, FrameSet, Frames, curves_by_seed, floats, mean_curve,
    rows_where,
};
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
            let min_counts = curves_by_seed(&optima, "n", "min_stored_count")?;
            let stored = claims::stored_count(&min_counts, from)
                .context("no two-part optimum in the fit window")?;
            let expected = expected_stored(frames, point.0, stored.0)?;
            let c11 = claims::c11(self.name(), point.0, (&m_star, &expected), from)?;
            prose.push(text::point_paragraph(point, &c11, stored));
            claims.push(c11);

            let curves = rows_where(frames.frame("curves")?, "point", point.0)?;
            let frames = (&curves, &optima);
            figures.push(figures::structure_function(spec, point.0, frames)?);
            let mean = mean_curve(&m_star);
            let distinct = mean_curve(&curves_by_seed(&optima, "n", "distinct")?);
            let fit = (from, n_max);
            let expected = expected.0.into_iter().zip(expected.1).collect();
            let curves = (mean, distinct, (stored.0, expected));
            figures.push(figures::optimal_entities(point, curves, fit));
        }
        Ok(Analysis {
            figures,
            claims,
            body: text::body(spec, &prose),
        })
    }

    fn regime(&self, _spec: &Spec) -> String {
        "the two-part code of the capacity-limited learner on the generator's streams".into()
    }
}

/// The exact `E[G_N(c)]` of the point `label` against N, from `theory_tail_counts`.
fn expected_stored(frames: &Frames, label: &str, c: u64) -> Result<Curve> {
    ensure!(
        (1..=compute::MAX_STORED_COUNT).contains(&c),
        "the optimum's least stored count {c} is outside the 1..={} of theory_tail_counts",
        compute::MAX_STORED_COUNT
    );
    let rows = rows_where(frames.frame("theory_tail_counts")?, "point", label)?;
    let c_column = floats(&rows, "c")?;
    let (n, tail) = (floats(&rows, "n")?, floats(&rows, "expected_tail")?);
    Ok((0..n.len())
        .filter(|&i| c_column[i] == c as f64)
        .map(|i| (n[i], tail[i]))
        .unzip())
}
