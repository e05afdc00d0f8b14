//! The figure of one point: format and new facts, forgetting by frequency, and known facts
//! in QA format, against tuning steps.

use skm_report::{Figure, Scale, Series, Style};
use skm_trainer::ModelConfig;
use skm_trainer::probe::bucket_label;

use super::curves::{PointCurves, from_step_one};
use super::text;
use crate::slug;
use crate::{FigureOut, num};

/// Buckets, most frequent first, in colour.
const COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 7];

/// A series of `points` from step 1 on.
fn series(label: &str, points: &[(f64, f64)], style: Style, color: usize) -> Series {
    Series {
        label: label.into(),
        points: from_step_one(points.to_vec()),
        style,
        color,
    }
}

/// A panel against tuning steps (log axis).
fn panel(title: String, y_label: &str, series: Vec<Series>) -> Figure {
    Figure {
        title,
        x_label: "tuning step".into(),
        y_label: y_label.into(),
        x_scale: Scale::Log,
        y_scale: Scale::Linear,
        series,
        markers: Vec::new(),
    }
}

/// The three panels of point `label`; `calibrated` is `1/|V_j|`.
pub(super) fn figure(
    label: &str,
    c: &PointCurves,
    model: &ModelConfig,
    (attributes, calibrated): (usize, f64),
    seeds: usize,
) -> FigureOut {
    let panels = vec![
        panel(
            format!("Format and new facts, {label}"),
            "share of probes",
            learning(c),
        ),
        panel(
            format!("Forgetting by frequency, {label}"),
            "template probes correct (share)",
            forgetting(c),
        ),
        panel(
            format!("Known facts in QA format, {label}"),
            "share of probes; probability",
            hallucination(c, calibrated),
        ),
    ];
    FigureOut {
        stem: format!("fine-tuning-{}", slug(label)),
        caption: text::caption(model, attributes, seeds, label),
        panels,
    }
}

/// Left: the format and the tuned facts.
fn learning(c: &PointCurves) -> Vec<Series> {
    let (u, k) = (&c.unknown, &c.known);
    vec![
        series("format, known arm", &k.format, Style::Dashed, 0),
        series("format, unknown arm", &u.format, Style::Dashed, 1),
        series("tuned facts, known arm", &k.facts, Style::LinePoints, 0),
        series("tuned facts, unknown arm", &u.facts, Style::LinePoints, 1),
    ]
}

/// Middle: template accuracy by bucket, most frequent first.
fn forgetting(c: &PointCurves) -> Vec<Series> {
    let mut forgetting = Vec::new();
    let buckets = c.unknown.by_bucket.iter().zip(&c.known.by_bucket).rev();
    for (i, ((b, curve_u), (_, curve_k))) in buckets.enumerate() {
        let color = COLORS[i % COLORS.len()];
        let name = format!("expected {} times", bucket_label(*b));
        forgetting.push(series(&name, curve_u, Style::LinePoints, color));
        forgetting.push(series("", curve_k, Style::Dashed, color));
    }
    forgetting
}

/// Right: known facts in QA format, and the never-seen entities' confidence beside
/// `calibrated`.
fn hallucination(c: &PointCurves, calibrated: f64) -> Vec<Series> {
    let (u, k) = (&c.unknown, &c.known);
    vec![
        series(
            "hallucinated, known arm",
            &k.hallucinated,
            Style::LinePoints,
            0,
        ),
        series(
            "hallucinated, unknown arm",
            &u.hallucinated,
            Style::LinePoints,
            1,
        ),
        series("correct, known arm", &k.correct, Style::Dashed, 0),
        series("correct, unknown arm", &u.correct, Style::Dashed, 1),
        series(
            "never seen: p(argmax), known arm",
            &k.confidence,
            Style::Points,
            2,
        ),
        series(
            "never seen: p(argmax), unknown arm",
            &u.confidence,
            Style::Points,
            3,
        ),
        Series {
            label: format!("1/|V_j| = {}", num(calibrated)),
            points: vec![(1.0, calibrated), (c.last_step.max(1.0), calibrated)],
            style: Style::Dashed,
            color: 6,
        },
    ]
}
