//! The figure of one bayes-learning-curve point: the excess by role against N, with the
//! theory's syntax redundancy and knowledge slope.

use skm_report::{Figure, Scale, Series, Style};

use super::params::Params;
use crate::spec::Spec;
use crate::{FigureOut, num, slug};

/// The seed-mean excess curves of one point, by role.
pub(super) struct RoleMeans {
    pub syntax: Vec<(f64, f64)>,
    pub name: Vec<(f64, f64)>,
    pub value: Vec<(f64, f64)>,
    pub knowledge: Vec<(f64, f64)>,
}

/// `excess-<point>`; `d` is the number of syntax parameters.
pub(super) fn figure(
    spec: &Spec,
    p: &Params,
    (label, alpha, d): (&str, f64, f64),
    means: &RoleMeans,
) -> FigureOut {
    let roles = [
        ("syntax", &means.syntax),
        ("name", &means.name),
        ("value", &means.value),
        ("knowledge", &means.knowledge),
    ];
    let mut series: Vec<Series> = (roles.iter().enumerate())
        .map(|(color, (role, points))| Series {
            label: (*role).into(),
            points: (*points).clone(),
            style: Style::LinePoints,
            color,
        })
        .collect();
    series.push(Series {
        label: format!("theory d/(2 N ln 2), d = {d}"),
        points: (means.syntax.iter())
            .map(|&(n, _)| (n, d / (2.0 * n * std::f64::consts::LN_2)))
            .collect(),
        style: Style::Dashed,
        color: 0,
    });
    let n_max = spec.sentences as f64;
    if let Some(&(n0, y0)) =
        (means.knowledge.iter()).find(|(n, y)| *n >= p.fit_from * n_max && *y > 0.0)
    {
        series.push(Series {
            label: format!("slope alpha - 1 = {}", num(alpha - 1.0)),
            points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha - 1.0))],
            style: Style::Dashed,
            color: 3,
        });
    }
    FigureOut {
        stem: format!("excess-{}", slug(label)),
        caption: format!(
            "Bayes learner minus oracle, bits per sentence, by role, against sentences seen N ({}; mean of {} seed(s); bins of {} per decade). Dashed: the syntax redundancy d/(2 N ln 2) predicted with no free constant, and a line of slope alpha - 1 through the knowledge curve.",
            label,
            spec.seeds.len(),
            p.bins_per_decade
        ),
        panels: vec![Figure {
            title: format!("Per-sentence excess of the Bayes learner, {label}"),
            x_label: "sentences seen N".into(),
            y_label: "excess over the oracle (bits/sentence)".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series,
            markers: Vec::new(),
        }],
    }
}
