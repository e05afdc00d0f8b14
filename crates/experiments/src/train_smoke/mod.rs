//! train-smoke and acquisition: one transformer trained on one stream, evaluated at
//! log-spaced steps: held-out bits by role beside the oracle, and fact probes by frequency
//! bucket, against steps and against exposures (C4, C7).
//!
//! `train-smoke` is the smallest experiment that exercises the whole neural path (generator
//! -> trainer -> probes -> frames -> figure); its `default` profile trains a real model for a
//! few minutes on a CPU. `acquisition` is the same measurement with its own TOML (buckets by
//! true weight, denser evaluations, a longer run).
//!
//! [`params`] holds the `[analysis]` table, [`schema`] the frames' columns, [`compute`] the frames,
//! [`curves`] the seed means the analysis reads off them, [`claims`] the rules of C4 and C7,
//! [`figures`] and [`text`] the figure and the prose.

mod claims;
mod compute;
mod curves;
mod figures;
mod params;
mod schema;
mod text;

use crate::error::Result;
use crate::frames::columns::POINT;
use crate::frames::{Frame, evaluations, probes, rows_of_seed};
use skm_report::Claim;

pub(super) use compute::evaluation_steps;

use self::claims::Settled;
use self::curves::PointCurves;
use self::params::Params;
use self::text::PointText;
use super::training::{configs, training_steps};
use super::{Analysis, Env, Experiment, FrameSet, Frames, rows_where};
use crate::spec::{Point, Spec};

/// One train-and-probe experiment; `name` is its TOML's stem.
pub struct TrainAndProbe {
    /// `train-smoke` or `acquisition`.
    pub name: &'static str,
}

impl Experiment for TrainAndProbe {
    fn name(&self) -> &'static str {
        self.name
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, 1)
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::frames(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let configs = configs(spec)?;
        let mut analysis = Analysis::default();
        let mut prose = Vec::new();
        for point in &spec.points {
            let evals = rows_where(&frames.frame(evaluations::NAME)?, POINT, &point.label)?;
            let probes = rows_where(&frames.frame(probes::NAME)?, POINT, &point.label)?;
            let by_seed = SeedValues::of((&evals, &probes), &spec.seeds, &p)?;
            let curves = PointCurves::read(evals, probes)?;
            let point_prose =
                self.analyse_point(spec, point, &p, (&curves, &by_seed), &mut analysis)?;
            prose.extend(point_prose);
        }
        analysis.body = text::body(spec, &p, configs, &prose);
        Ok(analysis)
    }

    fn regime(&self, spec: &Spec) -> String {
        crate::training::transformer_regime(spec)
    }
}

impl TrainAndProbe {
    /// The claims and figure of one point, into `analysis`; its paragraphs.
    fn analyse_point(
        &self,
        spec: &Spec,
        point: &Point,
        p: &Params,
        (curves, by_seed): (&PointCurves, &SeedValues),
        analysis: &mut Analysis,
    ) -> Result<[String; 2]> {
        let label = point.label.as_str();
        let settled = settled(curves, p, spec.seeds.len())?;
        let c4 = claims::c4(
            self.name,
            label,
            (&settled, &by_seed.c4),
            p.floor_bits,
            p.decades,
        );
        let c7 = self.c7(
            (label, spec.seeds.len()),
            (curves, &by_seed.c7),
            p,
            settled.syntax,
        )?;
        let (model, _) = configs(spec)?;
        analysis
            .figures
            .push(figures::figure(label, curves, p, model, spec.seeds.len())?);
        let paragraphs = text::point_paragraphs(
            &PointText {
                label,
                curves,
                settled: &settled,
                acquisition: &claims::acquisition_listing(&c7.labelled),
                seen_list: &claims::seen_listing(&c7.known),
                calibrated: 1.0 / point.generator.values_per_attribute as f64,
                claims: [&c4, &c7.order, &c7.exposures],
            },
            p,
        )?;
        analysis.claims.extend([c4, c7.order, c7.exposures]);
        Ok(paragraphs)
    }

    /// C7 at one point: the order in which buckets become known, and the exposures seen from
    /// `syntax_settled` until then.
    fn c7(
        &self,
        (label, seeds): (&str, usize),
        (curves, by_seed): (&PointCurves, &[Option<f64>]),
        p: &Params,
        syntax_settled: Option<f64>,
    ) -> Result<C7> {
        let acquired = curves.acquired(p.known_accuracy)?;
        let labelled: Vec<(String, Option<f64>)> = acquired
            .iter()
            .map(|(b, a)| (curves.buckets[b].clone(), *a))
            .collect();
        let order = claims::c7_order(self.name, label, &labelled, (p.known_accuracy, seeds));
        let known = match syntax_settled {
            Some(start) => curves.known_after(&acquired, start)?,
            None => Vec::new(),
        };
        let after = claims::KnownAfter {
            known: &known,
            syntax_settled,
            seeds,
            by_seed,
        };
        let exposures =
            claims::c7_exposures(self.name, label, &after, p.known_accuracy, p.exposure_slope)?;
        Ok(C7 {
            order,
            exposures,
            labelled,
            known,
        })
    }
}

/// When syntax and knowledge settle on `curves` (the mean curves of `seeds` seeds).
fn settled(curves: &PointCurves, p: &Params, seeds: usize) -> Result<Settled> {
    let knowledge = [
        curves.settles("name", p.floor_bits)?,
        curves.settles("value", p.floor_bits)?,
    ]
    .into_iter()
    .map(|s| s.unwrap_or(f64::INFINITY))
    .fold(f64::INFINITY, f64::min);
    Ok(Settled {
        syntax: curves.settles("syntax", p.floor_bits)?,
        // `None` when knowledge does not settle within the run: C4 is then a lower bound.
        knowledge: Some(knowledge).filter(|k| k.is_finite()),
        last_step: curves.last_step,
        seeds,
    })
}

/// What C4 and C7 (exposures) measure on each seed's own curves, for their intervals over
/// seeds.
struct SeedValues {
    /// C4's steps at which syntax and knowledge settle.
    c4: Vec<claims::Settled>,
    /// C7's exposure slope (`None` where the seed gives none).
    c7: Vec<Option<f64>>,
}

impl SeedValues {
    /// From one point's `evaluations` and `probes` rows, seed by seed.
    fn of((evals, probes): (&Frame, &Frame), seeds: &[u64], p: &Params) -> Result<Self> {
        let (mut c4, mut c7) = (Vec::new(), Vec::new());
        for &seed in seeds {
            let curves =
                PointCurves::read(rows_of_seed(evals, seed)?, rows_of_seed(probes, seed)?)?;
            let settled = settled(&curves, p, 1)?;
            let known = match settled.syntax {
                Some(start) => curves.known_after(&curves.acquired(p.known_accuracy)?, start)?,
                None => Vec::new(),
            };
            c7.push(claims::seen_slope(&known)?);
            c4.push(settled);
        }
        Ok(SeedValues { c4, c7 })
    }
}

/// C7's two claims at one point, and what they read, for the text.
struct C7 {
    order: Claim,
    exposures: Claim,
    labelled: Vec<(String, Option<f64>)>,
    known: Vec<(f64, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_steps_start_at_zero_and_end_at_the_budget() {
        let steps = evaluation_steps(1000, 3);
        assert_eq!(steps.first(), Some(&0));
        assert_eq!(steps.last(), Some(&1000));
        assert!(steps.contains(&1) && steps.contains(&10) && steps.contains(&100));
    }
}
