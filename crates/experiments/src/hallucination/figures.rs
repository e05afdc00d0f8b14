//! The figure of hallucination at one sweep point: answers by frequency, hallucination
//! against size, calibration.

use skm_report::{Figure, Scale, Series, Style};

use super::table::{Stat, Summary, Table};
use crate::slug;
use crate::spec::Point;
use crate::{FigureOut, num};

/// What a sweep point's figure shows.
pub(super) struct Shown<'a> {
    pub point: &'a Point,
    pub table: &'a Table,
    pub s: &'a Summary,
    /// The Bayes learner's `1/|V_j|`.
    pub chance: f64,
}

/// The x of bucket `b` on the frequency axis: its lower end, `4^(b-1)`.
fn stated_x(b: i32) -> f64 {
    4f64.powi(b - 1)
}

/// A panel on the figure's layout.
fn panel(title: String, axes: [&str; 2], x_scale: Scale, series: Vec<Series>) -> Figure {
    Figure {
        title,
        x_label: axes[0].into(),
        y_label: axes[1].into(),
        x_scale,
        y_scale: Scale::Linear,
        series,
        markers: Vec::new(),
    }
}

impl Shown<'_> {
    /// The three panels, with the caption (`probes` per bucket).
    pub fn figure(&self, probes: usize) -> FigureOut {
        let label = &self.point.label;
        FigureOut {
            stem: format!("hallucination-{}", slug(label)),
            caption: format!(
                "Left: answers of the largest model ({model}) to facts of seen entities by the times the fact was stated (bucket's lower end), and the hallucinated share for facts never stated and for never-seen entities (dashed). Middle: hallucinated share of stated facts, and the mean argmax probability on never-seen entities, against parameters, beside the Bayes learner's 1/|V_j|. Right: calibration, accuracy against mean confidence per model and bucket; a calibrated model lies on the diagonal. {label}, {probes} probes per bucket.",
                model = self.table.label(self.s.largest),
            ),
            panels: vec![
                panel(
                    format!("Answers by frequency, {label}"),
                    ["times the fact was stated", "share of probes"],
                    Scale::Log,
                    self.answers(),
                ),
                panel(
                    format!("Hallucination against size, {label}"),
                    ["parameters", "share / probability"],
                    Scale::Log,
                    self.by_size(),
                ),
                panel(
                    format!("Calibration, {label}"),
                    ["mean probability of the argmax", "share correct"],
                    Scale::Linear,
                    self.calibration(),
                ),
            ],
        }
    }

    /// Answer shares of the largest model by bucket; dashed: unstated and never-seen.
    fn answers(&self) -> Vec<Series> {
        let mut series = Vec::new();
        for (color, (name, pick)) in [
            ("correct", (|s: &Stat| s.correct) as fn(&Stat) -> f64),
            ("hallucinated", |s: &Stat| s.hallucinated),
            ("malformed", |s: &Stat| s.malformed),
        ]
        .into_iter()
        .enumerate()
        {
            series.push(Series {
                label: name.into(),
                points: self
                    .s
                    .seen
                    .iter()
                    .filter(|(b, _)| *b >= 1)
                    .map(|(b, s)| (stated_x(*b), pick(s)))
                    .collect(),
                style: Style::LinePoints,
                color,
            });
        }
        let x_max = self
            .s
            .seen
            .iter()
            .map(|(b, _)| stated_x(*b))
            .fold(1.0, f64::max);
        for (label, stat, color) in [
            ("never seen: hallucinated", self.s.fresh, 6),
            ("seen, fact unstated: hallucinated", self.s.unstated, 5),
        ] {
            if stat.n > 0 {
                series.push(Series {
                    label: label.into(),
                    points: vec![(1.0, stat.hallucinated), (x_max, stat.hallucinated)],
                    style: Style::Dashed,
                    color,
                });
            }
        }
        series
    }

    /// Hallucinated share of stated facts and never-seen confidence against parameters.
    fn by_size(&self) -> Vec<Series> {
        let sizes = self.table.sizes();
        let size_points: Vec<(f64, f64)> = self
            .s
            .stated_by_size
            .iter()
            .map(|&(x, y)| (x as f64, y))
            .collect();
        let fresh_conf: Vec<(f64, f64)> = sizes
            .iter()
            .map(|&x| (x as f64, self.table.at(x, -1).confidence))
            .collect();
        let (s_min, s_max) = (
            sizes.first().map_or(1.0, |&x| x as f64),
            self.s.largest as f64,
        );
        vec![
            Series {
                label: "stated facts: hallucinated share".into(),
                points: size_points,
                style: Style::LinePoints,
                color: 1,
            },
            Series {
                label: "never seen: mean confidence".into(),
                points: fresh_conf,
                style: Style::LinePoints,
                color: 6,
            },
            Series {
                label: format!("Bayes: 1/|V_j| = {}", num(self.chance)),
                points: vec![(s_min, self.chance), (s_max, self.chance)],
                style: Style::Dashed,
                color: 3,
            },
        ]
    }

    /// Accuracy against mean confidence per model and bucket, with the diagonal.
    fn calibration(&self) -> Vec<Series> {
        let mut series = Vec::new();
        for (i, &params) in self.table.sizes().iter().enumerate() {
            series.push(Series {
                label: self.table.label(params),
                points: self
                    .table
                    .stats
                    .iter()
                    .filter(|(k, s)| k.0 == params && s.n > 0)
                    .map(|(_, s)| (s.confidence, s.correct))
                    .collect(),
                style: Style::Points,
                color: i % 6,
            });
        }
        series.push(Series {
            label: "calibrated (Bayes: (1/|V_j|, 1/|V_j|) and (1, 1))".into(),
            points: vec![(0.0, 0.0), (1.0, 1.0)],
            style: Style::Dashed,
            color: 6,
        });
        series
    }
}
