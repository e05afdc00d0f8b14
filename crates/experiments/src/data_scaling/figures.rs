//! The figure of one data-scaling point: the test excess against N beside the Bayes
//! learner's, and the transformer's excess by role.

use skm_report::{Claim, Figure, Scale, Series, Style};
use skm_trainer::ModelConfig;

use super::curves::PointCurves;
use crate::spec::Spec;
use crate::training::model_label;
use crate::{FigureOut, num, slug};

/// `data-scaling-<point>`.
pub(super) fn figure(
    spec: &Spec,
    (label, alpha): (&str, f64),
    curves: &PointCurves,
    c5: &Claim,
    model: &ModelConfig,
) -> FigureOut {
    FigureOut {
        stem: format!("data-scaling-{}", slug(label)),
        caption: format!(
            "Left: test bits per token minus the oracle's (the exact floor H), against the training sentences N, for the {} transformer stopped early on held-out loss ({} parameters) and for the Bayes learner after the same N sentences; dashed: the asymptotic slope alpha - 1 through the first transformer point. Right: the transformer's excess by token role. {}, mean of {} seed(s).",
            model_label(model),
            model.parameters(),
            label,
            spec.seeds.len(),
        ),
        panels: vec![
            Figure {
                title: format!("Test excess against data, {label}"),
                x_label: "training sentences N".into(),
                y_label: "model minus oracle (bits/token)".into(),
                x_scale: Scale::Log,
                y_scale: if curves.positive() {
                    Scale::Log
                } else {
                    Scale::Linear
                },
                series: excess_series(alpha, curves, c5),
                markers: Vec::new(),
            },
            Figure {
                title: format!("Transformer excess by role, {label}"),
                x_label: "training sentences N".into(),
                y_label: "model minus oracle (bits/token)".into(),
                x_scale: Scale::Log,
                y_scale: Scale::Linear,
                series: role_series(curves),
                markers: Vec::new(),
            },
        ],
    }
}

/// The transformer with its fitted slope, the Bayes learner, and (when the excess is
/// positive) the theory slope through the first transformer point.
fn excess_series(alpha: f64, curves: &PointCurves, c5: &Claim) -> Vec<Series> {
    let bayes_slope = curves
        .bayes_fit
        .as_ref()
        .map_or(String::new(), |f| format!(", slope {}", num(f.slope)));
    let mut series = vec![
        Series {
            label: format!(
                "transformer, fit slope {}",
                c5.measured().map_or("n/a".into(), num)
            ),
            points: curves.transformer.clone(),
            style: Style::LinePoints,
            color: 0,
        },
        Series {
            label: format!("Bayes learner{bayes_slope}"),
            points: curves.bayes.clone(),
            style: Style::LinePoints,
            color: 1,
        },
    ];
    let (_, n_max) = curves.n_range();
    if let Some(&(n0, y0)) = curves.transformer.first().filter(|_| curves.positive()) {
        series.push(Series {
            label: format!("asymptotic slope alpha - 1 = {}", num(alpha - 1.0)),
            points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha - 1.0))],
            style: Style::Dashed,
            color: 3,
        });
    }
    series
}

/// The transformer's excess by role.
fn role_series(curves: &PointCurves) -> Vec<Series> {
    curves
        .roles
        .iter()
        .enumerate()
        .map(|(color, (role, points))| Series {
            label: (*role).into(),
            points: points.clone(),
            style: Style::LinePoints,
            color,
        })
        .collect()
}
