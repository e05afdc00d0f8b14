//! The figure of real-text: Zipf's law beside Heaps' law, each with its fit.

use skm_report::{Figure, LogLogFit, Scale, Series, Style};

use super::fits::Fits;
use super::params::Params;
use crate::{FigureOut, num};

/// The fitted power law at `x0` and `x1`.
fn fitted(x0: f64, x1: f64, fit: &LogLogFit) -> Vec<(f64, f64)> {
    vec![
        (x0, fit.intercept.exp() * x0.powf(fit.slope)),
        (x1, fit.intercept.exp() * x1.powf(fit.slope)),
    ]
}

/// `zipf-heaps`: count against rank, and distinct words against words read.
pub(super) fn figure(p: &Params, fits: &Fits) -> FigureOut {
    let (zipf_from, zipf_to) = fits.zipf_ranks();
    FigureOut {
        stem: "zipf-heaps".into(),
        caption: format!(
            "Words of `{}` ({} words, {} distinct). Left: count against rank, with the power law fitted over ranks {} to {} (words seen at least {} times). Right: distinct words against words read, with the power law fitted over the last {} decades of the text.",
            p.corpus(),
            fits.words,
            fits.vocabulary,
            zipf_from,
            zipf_to,
            p.zipf_min_count,
            p.heaps_decades(),
        ),
        panels: vec![zipf_panel(fits), heaps_panel(fits)],
    }
}

/// Count against rank, with the Zipf fit over its window.
fn zipf_panel(fits: &Fits) -> Figure {
    let (zipf_from, zipf_to) = fits.zipf_ranks();
    let points = fits.rank.iter().copied().zip(fits.count.iter().copied());
    Figure {
        title: "Zipf's law of real text".into(),
        x_label: "rank".into(),
        y_label: "occurrences of the word".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        series: vec![
            Series {
                label: "words".into(),
                points: points.collect(),
                style: Style::Points,
                color: 0,
            },
            Series {
                label: format!(
                    "fit: slope {} (alpha = {})",
                    num(fits.zipf.slope),
                    num(fits.alpha_zipf())
                ),
                points: fitted(zipf_from, zipf_to, &fits.zipf),
                style: Style::Dashed,
                color: 1,
            },
        ],
        markers: Vec::new(),
    }
}

/// Distinct words against words read, with the Heaps fit over its window.
fn heaps_panel(fits: &Fits) -> Figure {
    let points = fits.n.iter().copied().zip(fits.distinct.iter().copied());
    let from = fits.heaps_x.first().copied().unwrap_or(1.0);
    Figure {
        title: "Heaps' law of real text".into(),
        x_label: "words read n".into(),
        y_label: "distinct words".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        series: vec![
            Series {
                label: "distinct words".into(),
                points: points.collect(),
                style: Style::LinePoints,
                color: 0,
            },
            Series {
                label: format!("fit: slope alpha = {}", num(fits.alpha())),
                points: fitted(from, fits.total, &fits.heaps),
                style: Style::Dashed,
                color: 1,
            },
        ],
        markers: Vec::new(),
    }
}
