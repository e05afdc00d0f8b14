//! The figure of model-scaling at one sweep point: test excess and facts known against
//! model size.

use skm_report::{Figure, Scale, Series, Style};
use skm_theory::exponents;

use super::measured::Measured;
use super::shape_label;
use crate::slug;
use crate::spec::{Point, Spec};
use crate::{FigureOut, num};

/// What a sweep point's figure draws.
pub(super) struct Drawn<'a> {
    pub point: &'a Point,
    pub m: &'a Measured,
    /// C6's fitted slope.
    pub c6_slope: f64,
    /// C8's fitted slope.
    pub c8_slope: f64,
}

impl Drawn<'_> {
    /// Both panels, with the caption (models trained `steps` steps).
    pub fn figure(&self, spec: &Spec, steps: usize) -> FigureOut {
        let label = &self.point.label;
        let shapes = spec.models.iter().map(shape_label).collect::<Vec<_>>();
        FigureOut {
            stem: format!("model-scaling-{}", slug(label)),
            caption: format!(
                "Left: test bits per token minus the oracle's against the blocks' parameters P (embeddings and head excluded), for transformers of widths and depths {shapes} trained {steps} steps on the same {sentences} sentences, the same above the exact data floor (the Bayes learner's expected excess after those sentences, dashed grey), and the theory slope through the smallest model's excess above the floor (dashed). Right: stated facts each model answers correctly (argmax at the value slot), with the linear slope and the number of facts stated in the stream. {label}, mean of {seeds} seed(s).",
                shapes = shapes.join(", "),
                sentences = num(spec.sentences as f64),
                seeds = spec.seeds.len(),
            ),
            panels: vec![self.excess_panel(), self.known_panel()],
        }
    }

    /// The smallest and the largest model's P (1 when no model was measured): the span of
    /// the horizontal reference lines.
    fn p_range(&self) -> (f64, f64) {
        let [excess, _, _] = self.m.means();
        let p = |point: Option<&(f64, f64)>| point.map_or(1.0, |p| p.0);
        (p(excess.first()), p(excess.last()))
    }

    fn excess_panel(&self) -> Figure {
        let [excess, _, _] = self.m.means();
        let above = self.m.mean_above_floor();
        let positive = excess.iter().chain(&above).all(|&(_, y)| y > 0.0);
        let (p_min, p_max) = self.p_range();
        let floor = self.m.floor_bits_per_token;
        let theory_slope = -exponents::model_scaling_exponent(self.point.generator.alpha);
        let mut series = vec![
            Series {
                label: "transformers".into(),
                points: excess.clone(),
                style: Style::LinePoints,
                color: 0,
            },
            Series {
                label: format!("above the data floor, fit slope {}", num(self.c6_slope)),
                points: above.clone(),
                style: Style::LinePoints,
                color: 1,
            },
            Series {
                label: format!("exact data floor ({} bits/token)", num(floor)),
                points: vec![(p_min, floor), (p_max, floor)],
                style: Style::Dashed,
                color: 6,
            },
        ];
        if let Some(&(p0, y0)) = above.first().filter(|_| positive) {
            series.push(Series {
                label: format!("theory slope -(1 - alpha)/alpha = {}", num(theory_slope)),
                points: vec![(p0, y0), (p_max, y0 * (p_max / p0).powf(theory_slope))],
                style: Style::Dashed,
                color: 3,
            });
        }
        Figure {
            title: format!("Test excess against model size, {}", self.point.label),
            x_label: "parameters in the transformer blocks P".into(),
            y_label: "model minus oracle (bits/token)".into(),
            x_scale: Scale::Log,
            y_scale: if positive { Scale::Log } else { Scale::Linear },
            series,
            markers: Vec::new(),
        }
    }

    fn known_panel(&self) -> Figure {
        let [_, known, _] = self.m.means();
        let (p_min, p_max) = self.p_range();
        let stated = self.m.stated();
        let mut series = vec![
            Series {
                label: format!(
                    "facts known beyond chance, fit slope {}",
                    num(self.c8_slope)
                ),
                points: known.clone(),
                style: Style::LinePoints,
                color: 0,
            },
            Series {
                label: format!("facts stated in the stream ({})", num(stated)),
                points: vec![(p_min, stated), (p_max, stated)],
                style: Style::Dashed,
                color: 6,
            },
        ];
        if let Some(&(p0, y0)) = known.first() {
            series.push(Series {
                label: "linear (slope 1)".into(),
                points: vec![(p0, y0), (p_max, y0 * p_max / p0)],
                style: Style::Dashed,
                color: 3,
            });
        }
        Figure {
            title: format!("Facts known against model size, {}", self.point.label),
            x_label: "parameters in the transformer blocks P".into(),
            y_label: "stated facts known beyond chance".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series,
            markers: Vec::new(),
        }
    }
}
