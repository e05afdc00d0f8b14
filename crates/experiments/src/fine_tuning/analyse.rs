//! Figures, claims and text of fine-tuning from its `probes` frame.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;
use skm_report::{Estimate, Figure, Scale, Series, Style};
use skm_trainer::ModelConfig;

use super::claims::{self, ForgettingText, Learning, Relapse, forgetting_rule};
use super::compute::bucket_name;
use super::params::{Params, tune_config};
use super::qa::{COPIES, NEVER_SEEN};
use crate::bayes_learning_curve::slug;
use crate::spec::Spec;
use crate::training::{configs, model_label};
use crate::{Analysis, FigureOut, FrameSet, Frames, num};

/// One row of the `probes` frame, as the analysis reads it.
pub(super) struct Obs {
    point: String,
    arm: String,
    step: u64,
    set: String,
    format: String,
    bucket: i32,
    known_before: bool,
    answer: String,
    p_argmax: f64,
}

pub(super) fn observations(frame: &DataFrame) -> Result<Vec<Obs>> {
    let strings = |c: &str| -> Result<Vec<String>> {
        Ok(frame
            .column(c)?
            .str()?
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect())
    };
    let (point, arm, set, format, answer) = (
        strings("point")?,
        strings("arm")?,
        strings("set")?,
        strings("format")?,
        strings("answer")?,
    );
    let steps = crate::floats(frame, "step")?;
    let buckets = crate::floats(frame, "bucket_order")?;
    let p_argmax = crate::floats(frame, "p_argmax")?;
    let known: Vec<bool> = frame
        .column("known_before")?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(false))
        .collect();
    Ok((0..frame.height())
        .map(|i| Obs {
            point: point[i].clone(),
            arm: arm[i].clone(),
            step: steps[i] as u64,
            set: set[i].clone(),
            format: format[i].clone(),
            bucket: buckets[i] as i32,
            known_before: known[i],
            answer: answer[i].clone(),
            p_argmax: p_argmax[i],
        })
        .collect())
}

/// The mean of `value` over the rows `keep` selects, at each step, in step order.
pub(super) fn curve<'a>(
    rows: impl Iterator<Item = &'a Obs>,
    keep: impl Fn(&Obs) -> bool,
    value: impl Fn(&Obs) -> f64,
) -> Vec<(f64, f64)> {
    let mut sums: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for row in rows.filter(|r| keep(r)) {
        let entry = sums.entry(row.step).or_default();
        entry.0 += value(row);
        entry.1 += 1.0;
    }
    sums.into_iter()
        .map(|(s, (sum, count))| (s as f64, sum / count))
        .collect()
}

/// The first step (from step 1) at which `curve` reaches `threshold`.
pub(super) fn first_reach(curve: &[(f64, f64)], threshold: f64) -> Option<f64> {
    curve
        .iter()
        .find(|&&(s, y)| s >= 1.0 && y >= threshold)
        .map(|&(s, _)| s)
}

/// The value at step 0 and at the last step.
pub(super) fn ends(curve: &[(f64, f64)]) -> (f64, f64) {
    let first = curve.first().map_or(f64::NAN, |&(_, y)| y);
    let last = curve.last().map_or(f64::NAN, |&(_, y)| y);
    (first, last)
}

/// When `curve` first reaches `threshold`, in words.
pub(super) fn reach(curve: &[(f64, f64)], threshold: f64) -> String {
    first_reach(curve, threshold).map_or_else(
        || "never within the run".to_string(),
        |s| format!("first at step {}", num(s)),
    )
}

/// The points from step 1 on (log axes).
pub(super) fn from_step_one(curve: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    curve.into_iter().filter(|&(s, _)| s >= 1.0).collect()
}

pub(super) fn analyse(name: &str, spec: &Spec, frames: &Frames) -> Result<Analysis> {
    let p: Params = spec.analysis()?;
    let (model_config, train_config) = configs(spec)?;
    let tune = tune_config(train_config, &p);
    let all = observations(frames.frame("probes")?)?;
    let mut claims = Vec::new();
    let mut figures = Vec::new();
    let mut prose = Vec::new();
    for point in &spec.points {
        let attributes = point.generator.attributes;
        let calibrated = 1.0 / point.generator.values_per_attribute as f64;
        let rows: Vec<&Obs> = all.iter().filter(|o| o.point == point.label).collect();
        let arm = |a: &'static str| rows.iter().copied().filter(move |o| o.arm == a);
        let last_step = rows.iter().map(|o| o.step).max().unwrap_or(0) as f64;
        let share =
            |a: &'static str, set: &'static str, format: &'static str, what: fn(&Obs) -> bool| {
                curve(
                    arm(a),
                    |o| o.set == set && o.format == format,
                    |o| f64::from(u8::from(what(o))),
                )
            };
        let well_formed = |o: &Obs| o.answer != "malformed";
        let correct = |o: &Obs| o.answer == "correct";
        let hallucinated = |o: &Obs| o.answer == "hallucinated";
        let format = |a| share(a, "held-out", "qa", well_formed);
        let facts = |a| share(a, "tuned", "qa", correct);
        let known_qa = |a: &'static str, what: fn(&Obs) -> bool| {
            curve(
                arm(a),
                |o| o.set == "held-out" && o.format == "qa" && o.known_before,
                |o| f64::from(u8::from(what(o))),
            )
        };
        let confidence = |a: &'static str| {
            curve(
                arm(a),
                |o| o.set == NEVER_SEEN && o.format == "qa",
                |o| o.p_argmax,
            )
        };
        let buckets: BTreeSet<i32> = rows
            .iter()
            .filter(|o| o.set == "held-out" && o.bucket >= 1)
            .map(|o| o.bucket)
            .collect();
        let by_bucket = |a: &'static str, b: i32| {
            curve(
                arm(a),
                |o| o.set == "held-out" && o.format == "template" && o.bucket == b,
                |o| f64::from(u8::from(correct(o))),
            )
        };
        let facts_tuned = rows
            .iter()
            .filter(|o| o.arm == "unknown" && o.set == "tuned" && o.format == "qa" && o.step == 0)
            .count();

        // C10 format.
        let (format_u, facts_u) = (format("unknown"), facts("unknown"));
        let (format_k, facts_k) = (format("known"), facts("known"));
        let theory = ((attributes * p.tune_entities) as f64).log10();
        let learning = Learning {
            format_u: &format_u,
            facts_u: &facts_u,
            format_k: &format_k,
            facts_k: &facts_k,
        };
        let ae = attributes * p.tune_entities;
        let format_claim = claims::format(name, &point.label, &p, &learning, last_step, ae);

        // C10 forgetting.
        let accuracy_ends = |a: &'static str| -> Vec<(i32, f64, f64)> {
            buckets
                .iter()
                .map(|&b| {
                    let (before, after) = ends(&by_bucket(a, b));
                    (b, before, after)
                })
                .collect()
        };
        // Probes per bucket (the same in both arms and at every step).
        let probes_in = |b: i32| {
            rows.iter()
                .filter(|o| {
                    o.arm == "unknown"
                        && o.step == 0
                        && o.set == "held-out"
                        && o.format == "template"
                        && o.bucket == b
                })
                .count()
        };
        let list = |ends: &[(i32, f64, f64)]| {
            ends.iter()
                .map(|&(b, before, after)| {
                    format!(
                        "{} ({} probes): {} -> {}",
                        bucket_name(b),
                        probes_in(b),
                        num(before),
                        num(after)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (ends_u, ends_k) = (accuracy_ends("unknown"), accuracy_ends("known"));
        let lost_pair = |ends: &[(i32, f64, f64)]| {
            forgetting_rule(ends, p.forgetting_min_accuracy).map_or_else(
                || "fewer than two buckets qualify".to_string(),
                |((r, lr), (f, lf))| {
                    format!(
                        "{} loses {} of its accuracy, {} loses {}",
                        bucket_name(r),
                        num(lr),
                        bucket_name(f),
                        num(lf)
                    )
                },
            )
        };
        let forgetting_text = ForgettingText {
            list_u: list(&ends_u),
            list_k: list(&ends_k),
            lost_u: lost_pair(&ends_u),
            lost_k: lost_pair(&ends_k),
        };
        let forgetting_claim =
            claims::forgetting(name, &point.label, &p, &ends_u, &forgetting_text);

        // C10 hallucination.
        let (halluc_u, halluc_k) = (
            known_qa("unknown", hallucinated),
            known_qa("known", hallucinated),
        );
        let (correct_u, correct_k) = (known_qa("unknown", correct), known_qa("known", correct));
        let known_facts = rows
            .iter()
            .filter(|o| {
                o.arm == "unknown"
                    && o.set == "held-out"
                    && o.format == "qa"
                    && o.step == 0
                    && o.known_before
            })
            .count();
        let heldout_facts = rows
            .iter()
            .filter(|o| {
                o.arm == "unknown" && o.set == "held-out" && o.format == "qa" && o.step == 0
            })
            .count();
        let (h_u, h_k) = (ends(&halluc_u).1, ends(&halluc_k).1);
        let relapse = Relapse {
            known_facts,
            heldout_facts,
            last_step,
            hallucinated: (h_u, h_k),
            correct: (ends(&correct_u).1, ends(&correct_k).1),
        };
        let hallucination_claim = claims::hallucination(name, &point.label, &p, &relapse);

        // Figure.
        let series = |label: &str, points: Vec<(f64, f64)>, style: Style, color: usize| Series {
            label: label.into(),
            points: from_step_one(points),
            style,
            color,
        };
        let learning = vec![
            series("format, known arm", format_k.clone(), Style::Dashed, 0),
            series("format, unknown arm", format_u.clone(), Style::Dashed, 1),
            series(
                "tuned facts, known arm",
                facts_k.clone(),
                Style::LinePoints,
                0,
            ),
            series(
                "tuned facts, unknown arm",
                facts_u.clone(),
                Style::LinePoints,
                1,
            ),
        ];
        const COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 7];
        let mut forgetting = Vec::new();
        for (i, &b) in buckets.iter().rev().enumerate() {
            let color = COLORS[i % COLORS.len()];
            forgetting.push(series(
                &format!("expected {} times", bucket_name(b)),
                by_bucket("unknown", b),
                Style::LinePoints,
                color,
            ));
            forgetting.push(series("", by_bucket("known", b), Style::Dashed, color));
        }
        let hallucination = vec![
            series(
                "hallucinated, known arm",
                halluc_k.clone(),
                Style::LinePoints,
                0,
            ),
            series(
                "hallucinated, unknown arm",
                halluc_u.clone(),
                Style::LinePoints,
                1,
            ),
            series("correct, known arm", correct_k.clone(), Style::Dashed, 0),
            series("correct, unknown arm", correct_u.clone(), Style::Dashed, 1),
            series(
                "never seen: p(argmax), known arm",
                confidence("known"),
                Style::Points,
                2,
            ),
            series(
                "never seen: p(argmax), unknown arm",
                confidence("unknown"),
                Style::Points,
                3,
            ),
            Series {
                label: format!("1/|V_j| = {}", num(calibrated)),
                points: vec![(1.0, calibrated), (last_step.max(1.0), calibrated)],
                style: Style::Dashed,
                color: 6,
            },
        ];
        let panel = |title: String, y_label: &str, series: Vec<Series>| Figure {
            title,
            x_label: "tuning step".into(),
            y_label: y_label.into(),
            x_scale: Scale::Log,
            y_scale: Scale::Linear,
            series,
            markers: Vec::new(),
        };
        figures.push(FigureOut {
            stem: format!("fine-tuning-{}", slug(&point.label)),
            caption: format!(
                "Tuning on QA sentences, on facts the model knows (known arm, blue) or on never-seen entities (unknown arm, vermillion). Left: held-out QA probes answered with a value of the asked attribute (format, dashed) and tuned facts answered correctly (solid). Middle: template-probe accuracy of held-out pre-trained facts by true frequency (expected exposures pi N / A), unknown arm solid, known arm dashed in the same colour. Right: held-out facts known before tuning, asked in QA format: hallucinated (solid) and correct (dashed) shares; dots: the never-seen entities' p(argmax) in QA format beside the calibrated 1/|V_j|. {} model ({} parameters), {} seed(s), {}; step 0 (the pre-trained model) is in the frames but off the log axes.",
                model_label(model_config),
                ModelConfig { vocab_size: model_config.vocab_size + 2 + attributes, ..model_config.clone() }.parameters(),
                spec.seeds.len(),
                point.label,
            ),
            panels: vec![
                panel(format!("Format and new facts, {}", point.label), "share of probes", learning),
                panel(format!("Forgetting by frequency, {}", point.label), "template probes correct (share)", forgetting),
                panel(format!("Known facts in QA format, {}", point.label), "share of probes; probability", hallucination),
            ],
        });

        // Prose.
        let tuned_known_before = rows
            .iter()
            .filter(|o| {
                o.arm == "known" && o.set == "tuned" && o.format == "template" && o.step == 0
            })
            .fold((0, 0), |(k, n), o| (k + usize::from(o.known_before), n + 1));
        let pretrained = ends_u
            .iter()
            .map(|&(b, before, _)| format!("{}: {}", bucket_name(b), num(before)))
            .collect::<Vec<_>>()
            .join("; ");
        let (c_u, c_k) = (ends(&confidence("unknown")).1, ends(&confidence("known")).1);
        prose.push(format!(
            "At {}: after pre-training, template probes of held-out facts are answered correctly by expected exposures as {pretrained}; {known_facts} of the {heldout_facts} held-out probes are known. The known arm tunes {} facts of which {} were known before (template probe correct); the unknown arm tunes {facts_tuned} facts of never-seen entities.",
            point.label,
            tuned_known_before.1,
            tuned_known_before.0,
        ));
        prose.push(format!(
            "Format: held-out QA probes get a value of the asked attribute for a share {} of them {} in the known arm and {} in the unknown arm, ending at {} and {}. New facts: the unknown arm's tuned facts are answered correctly for a share {} {}, ending at {}; the known arm's {}, ending at {}. C10 (format) **{}**: {} (theory log10(A E) = {} decades, PASS from {}).",
            p.format_accuracy,
            reach(&format_k, p.format_accuracy),
            reach(&format_u, p.format_accuracy),
            num(ends(&format_k).1),
            num(ends(&format_u).1),
            p.known_accuracy,
            reach(&facts_u, p.known_accuracy),
            num(ends(&facts_u).1),
            reach(&facts_k, p.known_accuracy),
            num(ends(&facts_k).1),
            format_claim.verdict(),
            match format_claim.estimate() {
                Estimate::NotMeasurable { reason } => format!("not measurable: {reason}"),
                Estimate::Bound { value, .. } => format!(
                    "at least {} decades apart (the facts never reach their threshold)",
                    num(*value)
                ),
                estimate => format!(
                    "{} decades apart",
                    estimate.value().map_or_else(|| "n/a".into(), num)
                ),
            },
            num(theory),
            p.decades,
        ));
        prose.push(format!(
            "Forgetting: template accuracy of held-out facts before -> after tuning, unknown arm: {}; known arm: {}. Unknown arm: {}; known arm: {}. C10 (forgetting) **{}**.",
            list(&ends_u),
            list(&ends_k),
            lost_pair(&ends_u),
            lost_pair(&ends_k),
            forgetting_claim.verdict(),
        ));
        let known_qa_text = if known_facts == 0 {
            "no held-out fact was known before tuning, so hallucination on known facts is not measured".to_string()
        } else {
            format!(
                "asked in QA format after tuning, the held-out facts the model knew are hallucinated for {} of the probes after tuning on unknown facts and {} after tuning on known facts (correct: {} and {})",
                num(h_u),
                num(h_k),
                num(ends(&correct_u).1),
                num(ends(&correct_k).1),
            )
        };
        prose.push(format!(
            "Hallucination: {known_qa_text}. Never-seen entities in QA format: the argmax gets probability {} (unknown arm) and {} (known arm) on average, beside the calibrated 1/|V_j| = {}. C10 (hallucination) **{}**.",
            num(c_u),
            num(c_k),
            num(calibrated),
            hallucination_claim.verdict(),
        ));
        claims.extend([format_claim, forgetting_claim, hallucination_claim]);
    }
    let body = format!(
        "A {} transformer is pre-trained for {} steps of {} windows of {} tokens on a stream of {} sentences (AdamW, peak rate {}, {} warmup steps, cosine decay to {}). Its vocabulary has {} tokens more than the generator's, unused in pre-training: QUESTION, ANSWER and one ATTR_j per attribute, for QA sentences `QUESTION ATTR_j name ANSWER value EOS`. Two copies of the pre-trained model are then tuned for {} steps (fresh AdamW, peak rate {}, {} warmup steps) on QA sentences only, {} shuffled copies of them: the known arm on all facts of {} seen entities the model knows best (most facts right in template probes, then most frequent; every other one of that ranking, so that as well-known entities stay held out), the unknown arm on all facts of {} never-seen entities (fresh names, values uniform in V_j). At log-spaced tuning steps ({} per decade) both are probed, in template and in QA format, on held-out facts of seen entities (up to {} per bucket of expected exposures pi N / A), on as many never-seen entities and on the tuned facts.\n\n{}",
        model_label(model_config),
        train_config.steps,
        train_config.batch_size,
        model_config.context,
        spec.sentences,
        train_config.learning_rate,
        train_config.warmup_steps,
        train_config.min_learning_rate,
        spec.points
            .first()
            .map_or(0, |q| 2 + q.generator.attributes),
        tune.steps,
        tune.learning_rate,
        tune.warmup_steps,
        COPIES,
        p.tune_entities,
        p.tune_entities,
        p.evaluations_per_decade,
        p.probes_per_bucket,
        prose.join("\n\n"),
    );
    Ok(Analysis {
        figures,
        claims,
        body,
    })
}
