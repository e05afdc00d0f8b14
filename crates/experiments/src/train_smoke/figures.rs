//! The figure of one point: excess by role, accuracy by bucket against steps and against
//! exposures seen.

use crate::error::Result;
use skm_report::{Figure, Scale, Series, Style};
use skm_trainer::ModelConfig;
use skm_trainer::probe::{NEVER_SEEN, Strata};

use super::curves::PointCurves;
use super::params::Params;
use crate::FigureOut;
use crate::slug;
use crate::training::model_label;

/// The roles drawn in the left panel, in colour order.
const ROLES: [&str; 4] = ["syntax", "name", "value", "all"];
/// Stated buckets, most frequent first, in colour (black is kept for the two kinds of fact
/// that cannot be known).
const COLORS: [usize; 7] = [0, 1, 2, 3, 4, 5, 7];

/// The three panels of point `label`.
pub(super) fn figure(
    label: &str,
    curves: &PointCurves,
    p: &Params,
    model: &ModelConfig,
    seeds: usize,
) -> Result<FigureOut> {
    let (accuracy_series, exposure_series) = bucket_series(curves, p.probe_strata)?;
    let strata = match p.probe_strata {
        Strata::Exposures => "exposures in the training stream",
        Strata::Weight => "expected exposures pi N / A from the true weight",
    };
    let (model_label, parameters) = (model_label(model), model.parameters());
    Ok(FigureOut {
        stem: format!("acquisition-{}", slug(label)),
        caption: format!(
            "Left: held-out bits per token by role minus the oracle's, against training steps. Middle: share of probed facts whose argmax at the value slot is the true value, by frequency bucket ({strata}), against training steps. Right: the same accuracies against the times a bucket's facts had been seen (mean exposures in the stream x epochs). {model_label} model ({parameters} parameters), {seeds} seed(s), {label}; step 0 (before training) is in the frames but off the log axes."
        ),
        panels: vec![
            panel(
                format!("Held-out excess by role, {label}"),
                "training step",
                "model minus oracle (bits/token)",
                Scale::Log,
                role_series(curves, p.floor_bits)?,
            ),
            panel(
                format!("Fact accuracy by frequency, {label}"),
                "training step",
                "probes answered correctly (share)",
                Scale::Linear,
                accuracy_series,
            ),
            panel(
                format!("Fact accuracy against exposures seen, {label}"),
                "times the fact was seen (exposures x epochs)",
                "probes answered correctly (share)",
                Scale::Linear,
                exposure_series,
            ),
        ],
    })
}

/// A panel on a log x axis.
fn panel(title: String, x: &str, y: &str, y_scale: Scale, series: Vec<Series>) -> Figure {
    Figure {
        title,
        x_label: x.into(),
        y_label: y.into(),
        x_scale: Scale::Log,
        y_scale,
        series,
        markers: Vec::new(),
    }
}

/// The excess of each role, and the floor of C4 as a dashed line.
fn role_series(curves: &PointCurves, floor_bits: f64) -> Result<Vec<Series>> {
    let mut series = Vec::new();
    for (color, role) in ROLES.into_iter().enumerate() {
        series.push(Series {
            label: role.into(),
            points: curves.excess(role)?,
            style: Style::LinePoints,
            color,
        });
    }
    let last_step = curves.last_step;
    series.push(Series {
        label: format!("floor {floor_bits} bits"),
        points: vec![(1.0, floor_bits), (last_step.max(1.0), floor_bits)],
        style: Style::Dashed,
        color: 6,
    });
    Ok(series)
}

/// Accuracy of each bucket, most frequent first: against steps (every bucket) and against
/// exposures seen (stated buckets).
fn bucket_series(curves: &PointCurves, strata: Strata) -> Result<(Vec<Series>, Vec<Series>)> {
    let (verb, unstated) = match strata {
        Strata::Exposures => ("stated", "entity seen, fact never stated"),
        Strata::Weight => ("expected", "entity seen, fact expected < 0.5 times"),
    };
    let mut accuracy_series = Vec::new();
    let mut exposure_series = Vec::new();
    for (i, (&bucket, label)) in curves.buckets.iter().rev().enumerate() {
        let (label, style, color) = match bucket {
            b if b < 0 => (NEVER_SEEN.to_string(), Style::Dashed, 6),
            0 => (unstated.into(), Style::Points, 6),
            _ => (
                format!("{verb} {label} times"),
                Style::LinePoints,
                COLORS[i % COLORS.len()],
            ),
        };
        if bucket >= 1 {
            let per_fact = curves.mean_exposures(bucket)?;
            exposure_series.push(Series {
                label: label.clone(),
                points: (curves.accuracy(bucket)?.into_iter())
                    .map(|(s, a)| Ok((per_fact * curves.epochs_at(s)?, a)))
                    .collect::<Result<_>>()?,
                style,
                color,
            });
        }
        accuracy_series.push(Series {
            label,
            points: curves.accuracy(bucket)?,
            style,
            color,
        });
    }
    Ok((accuracy_series, exposure_series))
}
