//! The figures of data-statistics: Heaps' law (measured, exact and asymptotic K_N of every
//! point) and Zipf's law (one seed's ranked counts, with a line of slope -1/alpha).

use anyhow::Result;
use polars::prelude::DataFrame;
use skm_report::{Claim, Figure, Scale, Series, Style};

use crate::measure::log_grid;
use crate::{Curve, FigureOut, curves_by_seed, mean_curve};

/// The series of both figures, gathered point by point.
#[derive(Default)]
pub(super) struct Plots {
    heaps: Vec<Series>,
    /// Measured Zipf curves, the last point first.
    zipf_measured: Vec<Series>,
    /// The -1/alpha lines, in point order, after the measured curves.
    zipf_lines: Vec<Series>,
}

impl Plots {
    /// The Heaps series of the point `label` from its `heaps` rows.
    pub fn heaps(&mut self, heaps: &DataFrame, label: &str, color: usize) -> Result<()> {
        self.heaps.push(Series {
            label: format!("measured, {label}"),
            points: mean_curve(&curves_by_seed(heaps, "n", "distinct")?),
            style: Style::Line,
            color,
        });
        let exact = curves_by_seed(heaps, "n", "expected")?.swap_remove(0);
        self.heaps.push(Series {
            label: format!("exact E[K_N], {label}"),
            points: exact.0.iter().copied().zip(exact.1).collect(),
            style: Style::Dashed,
            color,
        });
        let asymptote = curves_by_seed(heaps, "n", "asymptote")?.swap_remove(0);
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

    /// The line of slope -1/alpha of the point `label`: it starts where the fit window `zipf`
    /// starts, at the fitted height.
    pub fn zipf_line(
        &mut self,
        zipf: &[Curve],
        c2: &Claim,
        label: &str,
        color: usize,
    ) -> Result<()> {
        let (slope, reference) = (
            c2.measured().unwrap_or(f64::NAN),
            c2.reference().unwrap_or(f64::NAN),
        );
        if let Some(first) = zipf.first().filter(|w| !w.0.is_empty()) {
            let (r0, last) = (first.0[0], *first.0.last().unwrap_or(&first.0[0]));
            let y0 = (slope * r0.ln() + intercept(zipf)?).exp();
            self.zipf_lines.push(Series {
                label: format!("slope -1/alpha, {label}"),
                points: vec![(r0, y0), (last, y0 * (last / r0).powf(reference))],
                style: Style::Dashed,
                color,
            });
        }
        Ok(())
    }

    /// The ranked counts of `first` (seed `seed` of the point `label`), at log-sampled ranks.
    pub fn zipf_measured(&mut self, first: &Curve, label: &str, seed: u64, color: usize) {
        let sampled = log_grid(first.0.len() as u64, 20);
        let at = |r: u64| (first.0[r as usize - 1], first.1[r as usize - 1]);
        let series = Series {
            label: format!("measured, {label} (seed {seed})"),
            points: sampled.iter().map(|&r| at(r)).collect(),
            style: Style::Points,
            color,
        };
        self.zipf_measured.insert(0, series);
    }

    /// `heaps` and `rank-frequency`.
    pub fn figures(self) -> Vec<FigureOut> {
        let mut zipf = self.zipf_measured;
        zipf.extend(self.zipf_lines);
        vec![
            FigureOut {
                stem: "heaps".into(),
                caption: "Heaps' law: distinct entities K_N against sentences N (mean over seeds, solid), the exact PYCRP expectation E[K_N] by its recursion (dashed) and its asymptote Gamma(beta+1)/(alpha Gamma(beta+alpha)) N^alpha (dots).".into(),
                panels: vec![Figure { title: "Heaps' law of the entity stream".into(), x_label: "sentences N".into(), y_label: "distinct entities K_N".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: self.heaps, markers: Vec::new() }],
            },
            FigureOut {
                stem: "rank-frequency".into(),
                caption: "Zipf's law: entity count against frequency rank (one seed, log-sampled ranks) with a line of slope -1/alpha through the fit window.".into(),
                panels: vec![Figure { title: "Zipf's law of the entity stream".into(), x_label: "rank".into(), y_label: "sentences about the entity (count)".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: zipf, markers: Vec::new() }],
            },
        ]
    }
}

/// The pooled fit's intercept, to anchor a theory line.
fn intercept(curves: &[Curve]) -> Result<f64> {
    let x: Vec<f64> = curves.iter().flat_map(|c| c.0.iter().copied()).collect();
    let y: Vec<f64> = curves.iter().flat_map(|c| c.1.iter().copied()).collect();
    Ok(skm_report::fit_loglog(&x, &y)?.intercept)
}
