//! data-statistics: Heaps' and Zipf's laws of the entity stream (claims C1, C2).
//!
//! Theory: the knowledge model is a Pitman-Yor process of discount `alpha`, so the distinct
//! entities after N sentences grow like `N^alpha` (C1, compared with the exact E[K_N] over
//! the same fit window) and the ranked counts fall like `rank^(-1/alpha)` (C2).
//!
//! [`params`] holds the `[analysis]` table, [`compute`] the frames, [`claims`] the rules of
//! C1 and C2, [`figures`] and [`text`] the figures and the prose.

mod claims;
mod compute;
mod figures;
mod params;
mod text;

use anyhow::Result;

use self::figures::Plots;
use self::params::Params;
use super::{Analysis, Env, Experiment, FrameSet, Frames, curves_by_seed, rows_where};
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
        let (seed, from) = (spec.base_seed(), p.heaps_fit_from * spec.sentences as f64);
        let bounds = (p.zipf_min_rank, p.zipf_min_count);
        let (mut claims, mut prose, mut plots) = (Vec::new(), Vec::new(), Plots::default());
        for (color, point) in spec.points.iter().enumerate() {
            let point = (point.label.as_str(), point.generator.alpha);
            let heaps = rows_where(frames.frame("heaps")?, "point", point.0)?;
            let measured = curves_by_seed(&heaps, "n", "distinct")?;
            let expected = &curves_by_seed(&heaps, "n", "expected")?[0];
            let c1 = claims::c1(self.name(), point.0, (&measured, expected), from, seed)?;
            prose.push(text::heaps_sentence(point, &c1));
            claims.push(c1);
            plots.heaps(&heaps, point.0, color)?;

            let frequency = rows_where(frames.frame("rank_frequency")?, "point", point.0)?;
            let ranked = curves_by_seed(&frequency, "rank", "count")?;
            let zipf = claims::zipf_window(&ranked, bounds);
            match claims::c2(self.name(), point, &zipf, bounds, seed) {
                Ok(c2) => {
                    prose.push(text::zipf_sentence(&c2));
                    plots.zipf_line(&zipf, &c2, point.0, color)?;
                    claims.push(c2);
                }
                Err(e) => prose.push(text::zipf_error(point.0, p.zipf_min_count, &e)),
            }
            plots.zipf_measured(&ranked[0], point.0, spec.seeds[0], color);
        }
        Ok(Analysis {
            figures: plots.figures(),
            claims,
            body: text::body(spec, &prose),
        })
    }
}
