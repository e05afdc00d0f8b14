//! Figures, claims and text of fine-tuning from its `probes` frame.

use crate::error::Result;

use super::claims::{self, Learning, Relapse};
use super::curves::{ArmCurves, PointCurves, ends};
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
        claims::format(name, &point.label, p, &learning, c.last_step, facts),
        claims::forgetting(name, &point.label, p, &compared(c, u, p), lists),
        claims::hallucination(name, &point.label, p, &relapse),
    ]
}

pub(super) fn analyse(name: &str, spec: &Spec, frames: &Frames) -> Result<Analysis> {
    let p: Params = spec.analysis()?;
    let (model_config, train_config) = configs(spec)?;
    let probes = frames.frame("probes")?;
    let (mut claims, mut figures, mut prose) = (Vec::new(), Vec::new(), Vec::new());
    for point in &spec.points {
        let attributes = point.generator.attributes;
        let calibrated = 1.0 / point.generator.values_per_attribute as f64;
        let curves = PointCurves::new(probes, &point.label)?;
        let lists = ForgettingText::new(&curves, &p);
        let qa_tokens = point.generator.name_tokens + 5;
        let sentences_per_step =
            (train_config.batch_size * model_config.context) as f64 / qa_tokens as f64;
        let runs = spec.seeds.len();
        let point_claims =
            point_claims(name, point, &p, &curves, &lists, (sentences_per_step, runs));
        let shape = (attributes, calibrated);
        figures.push(figure(
            &point.label,
            &curves,
            model_config,
            shape,
            spec.seeds.len(),
        ));
        // The curves pool the probes of every seed.
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
