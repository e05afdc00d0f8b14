//! data-statistics: Heaps' and Zipf's laws of the entity stream (claims C1, C2).
//!
//! Theory: the knowledge model is a Pitman-Yor process of discount `alpha`, so the distinct
//! entities after N sentences grow like `N^alpha` (C1, compared with the exact `E[K_N]` over
//! the same fit window) and the ranked counts fall like `rank^(-1/alpha)` (C2), measured as
//! the tail count G(c) against the exact `E[G_N(c)]` over the same window.
//!
//! [`params`] holds the `[analysis]` table, [`schema`] and [`crate::frames`] the frames' columns,
//! [`compute`] the frames, [`claims`] the rules of C1 and C2, [`figures`] and [`text`] the figures
//! and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod schema;
mod text;

use crate::error::Result;
use crate::frames::columns::{N, POINT};
use crate::frames::tail_counts;

use self::figures::Plots;
use self::params::Params;
use self::schema::{heaps, heaps_slopes};
use super::{
    Analysis, Curve, Env, Experiment, FrameSet, Frames, curves_by_seed, floats, rows_where,
};
use crate::frames::mean_over_seeds;
use crate::spec::Spec;

/// The data-statistics experiment.
pub struct DataStatistics;

impl Experiment for DataStatistics {
    fn name(&self) -> &'static str {
        "data-statistics"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let from = p.heaps_fit_from * spec.sentences as f64;
        let (mut claims, mut prose, mut plots) = (Vec::new(), Vec::new(), Plots::default());
        for (color, point) in spec.points.iter().enumerate() {
            let point = (point.label.as_str(), point.generator.alpha);
            let heaps = rows_where(&frames.frame(heaps::NAME)?, POINT, point.0)?;
            let measured = curves_by_seed(&heaps, N, heaps::DISTINCT)?;
            let expected = &curves_by_seed(&heaps, N, heaps::EXPECTED)?[0];
            let exact_law = rows_where(&frames.frame(heaps_slopes::NAME)?, POINT, point.0)?;
            let exact_law = floats(&exact_law, heaps_slopes::SLOPE)?;
            let (c1, sampling) = claims::c1(
                self.name(),
                point.0,
                (&measured, expected),
                from,
                &exact_law,
            )?;
            prose.push(text::heaps_sentence(point, &c1, sampling.as_ref()));
            claims.push(c1);
            plots.heaps(&heaps, point.0, color)?;

            let tails = Tails::of(frames, point.0)?;
            plots.tail((&tails.mean, &tails.exact), point.0, color);
            match tails.c2(self.name(), point.0, &p) {
                Ok(c2) => {
                    prose.push(text::zipf_sentence(point.1, &c2));
                    claims.push(c2);
                }
                Err(e) => prose.push(text::zipf_error(point.0, &e)),
            }
        }
        Ok(Analysis {
            figures: plots.figures(),
            claims,
            body: text::body(spec, &prose),
        })
    }

    fn regime(&self, _spec: &Spec) -> String {
        "exact Pitman-Yor streams of the generator, no learner".into()
    }
}

/// The tail counts of one point: measured per seed, and the exact expectation.
struct Tails {
    measured: Vec<Curve>,
    /// The seed mean of `measured`.
    mean: Vec<(f64, f64)>,
    exact: Curve,
}

impl Tails {
    /// Reads the point `label` from `tail_counts` and `theory_tail_counts`.
    fn of(frames: &Frames, label: &str) -> Result<Self> {
        let measured = rows_where(&frames.frame(tail_counts::NAME)?, POINT, label)?;
        let exact = rows_where(&frames.frame(tail_counts::THEORY_NAME)?, POINT, label)?;
        let exact = (
            floats(&exact, tail_counts::C)?,
            floats(&exact, tail_counts::EXPECTED_TAIL)?,
        );
        Ok(Self {
            measured: curves_by_seed(&measured, tail_counts::C, tail_counts::TAIL)?,
            mean: mean_over_seeds(&measured, tail_counts::C, tail_counts::TAIL)?,
            exact,
        })
    }

    /// C2 over the window that `p` sets on the exact tail.
    fn c2(&self, experiment: &str, label: &str, p: &Params) -> Result<skm_report::Claim> {
        let window = claims::zipf_window(&self.exact, (p.zipf_min_count, p.zipf_min_entities))?;
        claims::c2(experiment, label, (&self.measured, &self.exact), window)
    }
}
