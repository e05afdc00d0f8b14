//! The figure of one bayes-learning-curve point: the excess by role against N, with the
//! exact expected excess of each role.

use skm_report::{Figure, Scale, Series, Style};

use super::params::Params;
use crate::spec::Spec;
use crate::{FigureOut, slug};

/// The seed-mean excess curves of one point, by role.
pub(super) struct RoleMeans {
    pub syntax: Vec<(f64, f64)>,
    pub name: Vec<(f64, f64)>,
    pub value: Vec<(f64, f64)>,
    pub knowledge: Vec<(f64, f64)>,
}

/// `excess-<point>`: the seed means (`means`) beside the exact expected curves (`exact`).
pub(super) fn figure(
    spec: &Spec,
    p: &Params,
    label: &str,
    (means, exact): (&RoleMeans, &RoleMeans),
) -> FigureOut {
    let roles = |m: &RoleMeans| {
        [
            m.syntax.clone(),
            m.name.clone(),
            m.value.clone(),
            m.knowledge.clone(),
        ]
    };
    let names = ["syntax", "name", "value", "knowledge"];
    let measured =
        (names.iter().zip(roles(means)).enumerate()).map(|(color, (role, points))| Series {
            label: (*role).into(),
            points,
            style: Style::LinePoints,
            color,
        });
    let expected =
        (names.iter().zip(roles(exact)).enumerate()).map(|(color, (role, points))| Series {
            label: format!("{role}, exact"),
            points: points.into_iter().filter(|&(_, y)| y > 0.0).collect(),
            style: Style::Dashed,
            color,
        });
    FigureOut {
        stem: format!("excess-{}", slug(label)),
        caption: format!(
            "Bayes learner minus oracle, bits per sentence, by role, against sentences seen N ({}; mean of {} seed(s); bins of {} per decade). Dashed: the exact expected excess of each role, binned alike, with no fitted constant.",
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
            series: measured.chain(expected).collect(),
            markers: Vec::new(),
        }],
    }
}
