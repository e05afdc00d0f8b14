//! The figures of data-statistics: Heaps' law (measured, exact and asymptotic K_N of every
//! point) and Zipf's law as the tail count G(c) (the seed mean beside the exact E[G_N(c)]).

use super::schema::heaps;
use crate::error::Result;
use polars::prelude::DataFrame;
use skm_report::{Figure, Scale, Series, Style};

use crate::frames::columns::N;
use crate::frames::mean_over_seeds;
use crate::{Curve, FigureOut, curves_by_seed};

/// The series of both figures, gathered point by point.
#[derive(Default)]
pub(super) struct Plots {
    heaps: Vec<Series>,
    tail: Vec<Series>,
}

impl Plots {
    /// The Heaps series of the point `label` from its `heaps` rows.
    pub fn heaps(&mut self, heaps: &DataFrame, label: &str, color: usize) -> Result<()> {
        self.heaps.push(Series {
            label: format!("measured, {label}"),
            points: mean_over_seeds(heaps, N, heaps::DISTINCT)?,
            style: Style::Line,
            color,
        });
        let exact = curves_by_seed(heaps, N, heaps::EXPECTED)?.swap_remove(0);
        self.heaps.push(Series {
            label: format!("exact E[K_N], {label}"),
            points: exact.0.iter().copied().zip(exact.1).collect(),
            style: Style::Dashed,
            color,
        });
        let asymptote = curves_by_seed(heaps, N, heaps::ASYMPTOTE)?.swap_remove(0);
        let points = asymptote.0.iter().copied().zip(asymptote.1);
        self.heaps.push(Series {
            label: if color == 0 {
                "asymptote (dots)".into()
            } else {
                String::new()
            },
            points: points.filter(|(n, _)| *n >= 10.0).collect(),
            style: Style::Points,
            color,
        });
        Ok(())
    }

    /// The tail-count series of the point `label`: the seed mean of the measured G(c) against
    /// c (`mean`) where it is positive, and the exact `E[G_N(c)]` (`exact`) down to a tenth of
    /// an entity.
    pub fn tail(&mut self, (mean, exact): (&[(f64, f64)], &Curve), label: &str, color: usize) {
        let mean = mean.iter().copied().filter(|&(_, g)| g > 0.0);
        self.tail.push(Series {
            label: format!("measured (seed mean), {label}"),
            points: mean.collect(),
            style: Style::Points,
            color,
        });
        let exact = exact.0.iter().copied().zip(exact.1.iter().copied());
        self.tail.push(Series {
            label: format!("exact E[G_N(c)], {label}"),
            points: exact.filter(|&(_, g)| g >= 0.1).collect(),
            style: Style::Dashed,
            color,
        });
    }

    /// `heaps` and `tail-count`.
    pub fn figures(self) -> Vec<FigureOut> {
        vec![
            FigureOut {
                stem: "heaps".into(),
                caption: "Heaps' law: distinct entities K_N against sentences N (mean over seeds, solid), the exact PYCRP expectation E[K_N] by its recursion (dashed) and its asymptote Gamma(beta+1)/(alpha Gamma(beta+alpha)) N^alpha (dots).".into(),
                panels: vec![Figure { title: "Heaps' law of the entity stream".into(), x_label: "sentences N".into(), y_label: "distinct entities K_N".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: self.heaps, markers: Vec::new() }],
            },
            FigureOut {
                stem: "tail-count".into(),
                caption: "Zipf's law with the axes swapped: the tail count G(c), the entities seen in at least c sentences, against c (mean over seeds, points) and the exact PYCRP expectation E[G_N(c)] from the expected frequency spectrum (dashed). Asymptotically G falls like c^(-alpha), the ranked counts like rank^(-1/alpha).".into(),
                panels: vec![Figure { title: "Zipf's law of the entity stream (tail count)".into(), x_label: "count c".into(), y_label: "entities seen at least c times, G(c)".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: self.tail, markers: Vec::new() }],
            },
        ]
    }
}
