//! The figure of model-scaling at one sweep point: test excess and facts known against
//! model size.

use skm_report::{Figure, Marker, Scale, Series, Style};
use skm_theory::exponents;

use super::Fit;
use super::measured::Measured;
use super::shape_label;
use crate::slug;
use crate::spec::{Point, Spec};
use crate::{FigureOut, num};

/// What a sweep point's figure draws.
pub(super) struct Drawn<'a> {
    pub point: &'a Point,
    pub m: &'a Measured,
    /// The sizes C6 and C8 are fitted over.
    pub fit: &'a Fit<'a>,
    /// C6's and C8's mean fitted slopes.
    pub slopes: [f64; 2],
}

impl Drawn<'_> {
    /// Both panels, with the caption (models trained `steps` steps).
    pub fn figure(&self, spec: &Spec, steps: usize) -> FigureOut {
        let label = &self.point.label;
        let shapes = spec.models.iter().map(shape_label).collect::<Vec<_>>();
        FigureOut {
            stem: format!("model-scaling-{}", slug(label)),
            caption: format!(
                "Left: test bits per token minus the oracle's against the blocks' parameters P (embeddings and head excluded), for transformers of widths and depths {shapes} trained {steps} steps on the same {sentences} sentences, the same above the exact data floor (the Bayes learner's expected excess after those sentences, dashed grey), and the theory slope through the first fitted size's excess above the floor (else the smallest size's; dashed). Right: stated facts each model knows beyond chance (probe argmax at the true value, less the right guesses), the linear slope through the first fitted size (else the smallest), the capacity at {bits} bits per parameter and the facts stated in the stream. C6 and C8 are fitted only over the capacity-limited sizes (ringed), and not judged when fewer than {needed} sizes are. {label}, mean of {seeds} seed(s).",
                shapes = shapes.join(", "),
                sentences = num(spec.sentences as f64),
                bits = num(self.fit.regime.bits_per_parameter),
                needed = self.fit.needed,
                seeds = spec.seeds.len(),
            ),
            panels: vec![self.excess_panel(), self.known_panel()],
        }
    }

    /// "fit slope .. over the k capacity-limited sizes", or "slope .. over all sizes (not
    /// judged)" when the claims are not measurable.
    fn slope_text(&self, slope: f64) -> String {
        match self.fit.sizes() {
            Some(sizes) => format!(
                "fit slope {} over the {} capacity-limited sizes",
                num(slope),
                sizes.len()
            ),
            None => format!("slope {} over all sizes (not judged)", num(slope)),
        }
    }

    /// The first fitted point of a seed-mean curve (the first point when nothing is fitted):
    /// where a reference slope starts.
    fn anchor(&self, curve: &[(f64, f64)]) -> Option<(f64, f64)> {
        let fitted = self.fit.points(curve);
        fitted.first().or(curve.first()).copied()
    }

    /// Rings on the fitted sizes' points of a series of `color`, labelled once.
    fn rings(points: Vec<(f64, f64)>, color: usize) -> Vec<Marker> {
        let label = |i: usize| match i {
            0 => "capacity-limited (fitted)".to_string(),
            _ => String::new(),
        };
        let ring = |(i, point)| Marker {
            label: label(i),
            point,
            color,
        };
        points.into_iter().enumerate().map(ring).collect()
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
                label: format!("above the data floor, {}", self.slope_text(self.slopes[0])),
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
        if let Some((p0, y0)) = self.anchor(&above).filter(|_| positive) {
            series.push(Series {
                label: format!("theory slope -(1 - alpha)/alpha = {}", num(theory_slope)),
                points: vec![(p0, y0), (p_max, y0 * (p_max / p0).powf(theory_slope))],
                style: Style::Dashed,
                color: 3,
            });
        }
        Figure {
            title: "Test excess against model size".into(),
            x_label: "parameters in the transformer blocks P".into(),
            y_label: "model minus oracle (bits/token)".into(),
            x_scale: Scale::Log,
            y_scale: if positive { Scale::Log } else { Scale::Linear },
            series,
            markers: Self::rings(self.fit.points(&above), 1),
        }
    }

    fn known_panel(&self) -> Figure {
        let [_, known, _] = self.m.means();
        let (p_min, p_max) = self.p_range();
        let stated = self.m.stated();
        let mut series = vec![
            Series {
                label: format!(
                    "facts known beyond chance, {}",
                    self.slope_text(self.slopes[1])
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
        if let Some((p0, y0)) = self.anchor(&known) {
            series.push(Series {
                label: "linear (slope 1)".into(),
                points: vec![(p0, y0), (p_max, y0 * p_max / p0)],
                style: Style::Dashed,
                color: 3,
            });
        }
        let regime = self.fit.regime;
        series.push(Series {
            label: format!(
                "capacity at {} bits per parameter",
                num(regime.bits_per_parameter)
            ),
            points: regime
                .capacity
                .iter()
                .map(|(&p, &c)| (p as f64, c))
                .collect(),
            style: Style::Dashed,
            color: 5,
        });
        Figure {
            title: "Facts known against model size".into(),
            x_label: "parameters in the transformer blocks P".into(),
            y_label: "stated facts known beyond chance".into(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
            series,
            markers: Self::rings(self.fit.points(&known), 0),
        }
    }
}
