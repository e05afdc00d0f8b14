//! Figures, claims and text of fine-tuning from its `probes` frame.

use crate::error::Result;
use crate::frames::{Frame, probes, rows_of_seed};

use super::claims::{self, Learning, Relapse};
use super::curves::{ArmCurves, PointCurves, ends, first_reach};
use super::figures::figure;
use super::params::{Params, tune_config};
use super::text::{self, ForgettingText, PointText};
use crate::spec::{Point, Spec};
use crate::training::configs;
use crate::{Analysis, FrameSet, Frames};

/// The three C10 claims of one point.
fn point_claims(
    name: &str,
    point: &Point,
    p: &Params,
    c: &PointCurves,
    lists: &ForgettingText,
    (sentences_per_step, runs): (f64, usize),
    by_seed: &SeedValues,
) -> [skm_report::Claim; 3] {
    let (u, k) = (&c.unknown, &c.known);
    let learning = Learning {
        format_u: &u.format,
        facts_u: &u.facts,
        format_k: &k.format,
        facts_k: &k.facts,
        sentences_per_step,
    };
    let facts = c.facts_tuned as f64 / runs as f64;
    let relapse = Relapse {
        known_facts: c.known_facts,
        heldout_facts: c.heldout_facts,
        last_step: c.last_step,
        hallucinated: (ends(&u.hallucinated).1, ends(&k.hallucinated).1),
        correct: (ends(&u.correct).1, ends(&k.correct).1),
    };
    [
        claims::format(
            name,
            &point.label,
            p,
            &learning,
            c.last_step,
            (facts, &by_seed.format),
        ),
        claims::forgetting(
            name,
            &point.label,
            p,
            &compared(c, u, p),
            &by_seed.forgetting,
            lists,
        ),
        claims::hallucination(name, &point.label, p, &relapse, &by_seed.hallucination),
    ]
}

pub(super) fn analyse(name: &str, spec: &Spec, frames: &Frames) -> Result<Analysis> {
    let p: Params = spec.analysis()?;
    let (model_config, train_config) = configs(spec)?;
    let probes = frames.frame(probes::NAME)?;
    let (mut claims, mut figures, mut prose) = (Vec::new(), Vec::new(), Vec::new());
    for point in &spec.points {
        let attributes = point.generator.attributes;
        let calibrated = 1.0 / point.generator.values_per_attribute as f64;
        let curves = PointCurves::new(&probes, &point.label)?;
        let lists = ForgettingText::new(&curves, &p);
        let qa_tokens = point.generator.name_tokens + 5;
        let sentences_per_step =
            (train_config.batch_size * model_config.context) as f64 / qa_tokens as f64;
        let runs = spec.seeds.len();
        let by_seed = SeedValues::of(&probes, &point.label, &spec.seeds, &p)?;
        let steps_runs = (sentences_per_step, runs);
        let point_claims = point_claims(name, point, &p, &curves, &lists, steps_runs, &by_seed);
        let shape = (attributes, calibrated);
        figures.push(figure(
            &point.label,
            &curves,
            model_config,
            shape,
            spec.seeds.len(),
        ));
        // The curves pool the probes of every seed (each seed's own values give the intervals).
        let point_claims = point_claims.map(|c| crate::pooled_over(c, spec.seeds.len()));
        let [format, forgetting, hallucination] = &point_claims;
        let t = PointText {
            label: &point.label,
            curves: &curves,
            forgetting: &lists,
            calibrated,
            theory: (curves.facts_tuned as f64 / spec.seeds.len() as f64).log10(),
            claims: [format, forgetting, hallucination],
        };
        prose.extend(text::point_paragraphs(&t, &p));
        claims.extend(point_claims);
    }
    let tune = tune_config(train_config, &p);
    let body = text::body(spec, &p, model_config, train_config, &tune, &prose);
    Ok(Analysis {
        figures,
        claims,
        body,
    })
}

/// The buckets of `arm` that C10 forgetting compares: those with enough probes.
pub(super) fn compared(c: &PointCurves, arm: &ArmCurves, p: &Params) -> Vec<(i32, f64, f64)> {
    claims::comparable(&arm.bucket_ends(), &c.probes_in, p.forgetting_min_probes)
}

/// What C10 measures on each seed's own probes, for the intervals over seeds.
struct SeedValues {
    /// Format: the decades between the format and the new facts reaching the threshold
    /// (`None` when either never does).
    format: Vec<Option<f64>>,
    /// Forgetting: the difference of the shares of accuracy lost, on the seed's own buckets
    /// of enough probes (`None` when fewer than two qualify).
    forgetting: Vec<Option<f64>>,
    /// Hallucination: the unknown arm's hallucinated share of the held-out facts known before
    /// tuning at the last step, minus the known arm's (NaN when the seed knew none of them).
    hallucination: Vec<f64>,
}

impl SeedValues {
    /// From the `probes` rows of point `label`, seed by seed.
    fn of(probes: &Frame, label: &str, seeds: &[u64], p: &Params) -> Result<Self> {
        let (mut format, mut forgetting, mut hallucination) = (Vec::new(), Vec::new(), Vec::new());
        for &seed in seeds {
            let c = PointCurves::new(&rows_of_seed(probes, seed)?, label)?;
            let reach = |curve: &[(f64, f64)]| first_reach(curve, p.learned_share);
            let gap = reach(&c.unknown.format)
                .zip(reach(&c.unknown.facts))
                .map(|(format_at, facts_at)| (facts_at / format_at).log10());
            format.push(gap);
            let buckets = compared(&c, &c.unknown, p);
            forgetting.push(claims::forgetting_difference(
                &buckets,
                p.forgetting_min_accuracy,
            ));
            hallucination.push(ends(&c.unknown.hallucinated).1 - ends(&c.known.hallucinated).1);
        }
        Ok(SeedValues {
            format,
            forgetting,
            hallucination,
        })
    }
}
