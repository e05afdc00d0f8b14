//! structure-function: the capacity-limited learner and the two-part optimum m*(N) (C11),
//! and the learner's excess against the entities it stores (C6 for the idealised learner).
//!
//! Theory: a learner with budget m stores the m most frequent entities; the two-part code
//! keeps those seen at least a constant number c of times, so m*(N) grows like the exact
//! `E[G_N(c)]` (and like `N^alpha` asymptotically). Its excess over the oracle falls with the
//! number stored like the same fit on spectra drawn from the exact law (like
//! `m^-((1 - alpha)/alpha)` asymptotically).
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frames' columns, [`compute`] the frames,
//! [`claims`] the rules of C6 and C11, [`figures`] and [`text`] the figures and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod schema;
mod text;

use crate::error::{Context, Result, ensure};

use self::figures::Points;
use self::params::Params;
use self::schema::{curves, optimum, storing};
use super::{
    Analysis, Curve, Env, Experiment, FrameSet, Frames, curves_by, curves_by_seed, floats,
    rows_between, rows_where,
};
use crate::frames::columns::{N, POINT, SEED};
use crate::frames::{Frame, mean_by, mean_over_seeds, tail_counts};
use crate::spec::Spec;
use polars::prelude::col;

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
            let optima = rows_where(&frames.frame(optimum::NAME)?, POINT, point.0)?;
            let m_star = curves_by_seed(&optima, N, optimum::M_STAR)?;
            let min_counts = curves_by_seed(&optima, N, optimum::MIN_STORED_COUNT)?;
            let stored = claims::stored_count(&min_counts, from)
                .context("no two-part optimum in the fit window")?;
            let expected = expected_stored(frames, point.0, stored.0)?;
            let c11 = claims::c11(self.name(), point.0, (&m_star, &expected), from)?;
            let storing = StoringCurves::read(frames, point.0, &p)?;
            let c6 = claims::c6_storing(
                self.name(),
                point.0,
                (&storing.seeds, &storing.chains),
                storing.window,
            )?;
            prose.push(text::point_paragraph(point, &c11, stored));
            prose.push(text::storing_paragraph(point, &c6, &storing));
            claims.extend([c6, c11]);
            let n = compute::largest_size(spec);
            let chains = storing.chains.len();
            figures.push(figures::capacity_excess(
                point,
                storing.means(),
                (n, chains),
            ));

            let curves = rows_where(&frames.frame(curves::NAME)?, POINT, point.0)?;
            let frames = (&curves, &optima);
            figures.push(figures::structure_function(spec, point.0, frames)?);
            let mean = mean_over_seeds(&optima, N, optimum::M_STAR)?;
            let distinct = mean_over_seeds(&optima, N, optimum::DISTINCT)?;
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

/// The capacity-limited learner storing the entities seen at least c times, at the largest
/// N, over the fitted window of c: curves `(G(c), X(c))` per seed and per exact-law chain.
pub(super) struct StoringCurves {
    /// One curve per seed.
    pub seeds: Vec<Curve>,
    /// One curve per spectrum drawn from the exact law.
    pub chains: Vec<Curve>,
    /// The least counts fitted, `[storing_min_count, c_max]`: `c_max` the largest c on the
    /// grid whose mean budget over the chains is at least `storing_min_entities`.
    pub window: (u64, u64),
}

impl StoringCurves {
    /// The curves of the point `label` from the `storing` and `theory_storing` frames.
    fn read(frames: &Frames, label: &str, p: &Params) -> Result<Self> {
        let measured = rows_where(&frames.frame(storing::NAME)?, POINT, label)?;
        let exact = rows_where(&frames.frame(storing::THEORY_NAME)?, POINT, label)?;
        // The mean over chains of the entities stored at each least count.
        let grid = mean_by(
            exact.clone().lazy(),
            storing::MIN_COUNT,
            col(storing::STORED_ENTITIES),
        )?;
        let lo = p.storing_min_count;
        let hi = grid
            .iter()
            .filter(|&&(c, stored)| c >= lo as f64 && stored >= p.storing_min_entities as f64)
            .map(|&(c, _)| c as u64)
            .max()
            .unwrap_or(lo);
        let points = grid
            .iter()
            .filter(|&&(c, _)| (lo..=hi).contains(&(c as u64)));
        ensure!(
            points.count() >= 3,
            "structure-function at {label}: fewer than 3 least counts c in {lo}..={hi} store at least analysis.storing_min_entities = {} entities on average",
            p.storing_min_entities
        );
        let window = (lo as f64, hi as f64);
        let curves = |frame: &Frame, key: &str| {
            let rows = rows_between(frame, storing::MIN_COUNT, window)?;
            curves_by(&rows, key, storing::STORED_ENTITIES, storing::EXCESS_BITS)
        };
        Ok(Self {
            seeds: curves(&measured, SEED)?,
            chains: curves(&exact, storing::CHAIN)?,
            window: (lo, hi),
        })
    }

    /// The mean curves over seeds and over chains: at each c, the mean budget and the mean
    /// excess (every curve holds the same grid of c).
    fn means(&self) -> (Points, Points) {
        let mean = |curves: &[Curve]| -> Points {
            let len = curves.iter().map(|c| c.0.len()).min().unwrap_or(0);
            let count = curves.len() as f64;
            (0..len)
                .map(|i| {
                    let g: f64 = curves.iter().map(|c| c.0[i]).sum();
                    let x: f64 = curves.iter().map(|c| c.1[i]).sum();
                    (g / count, x / count)
                })
                .collect()
        };
        (mean(&self.seeds), mean(&self.chains))
    }
}

/// The exact `E[G_N(c)]` of the point `label` against N, from `theory_tail_counts`.
fn expected_stored(frames: &Frames, label: &str, c: u64) -> Result<Curve> {
    ensure!(
        (1..=compute::MAX_STORED_COUNT).contains(&c),
        "the optimum's least stored count {c} is outside the 1..={} of theory_tail_counts",
        compute::MAX_STORED_COUNT
    );
    let rows = rows_where(&frames.frame(tail_counts::THEORY_NAME)?, POINT, label)?;
    let c_column = floats(&rows, tail_counts::C)?;
    let (n, tail) = (
        floats(&rows, N)?,
        floats(&rows, tail_counts::EXPECTED_TAIL)?,
    );
    Ok((0..n.len())
        .filter(|&i| c_column[i] == c as f64)
        .map(|i| (n[i], tail[i]))
        .unzip())
}
