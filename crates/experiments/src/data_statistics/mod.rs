//! data-statistics: Heaps' and Zipf's laws of the entity stream (claims C1, C2).

use anyhow::{Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_report::{Figure, Scale, Series, Style};
use skm_theory::{exponents, pycrp};

use super::{
    Analysis, Env, Experiment, ExponentCheck, FigureOut, FrameSet, Frames, check_fraction, concat,
    curves_by_seed, for_each_stream, mean_curve, num, rows_where, window,
};
use crate::measure::log_grid;
use crate::spec::Spec;

pub struct DataStatistics;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Heaps fit window: `n` from `heaps_fit_from * N` to `N`.
    heaps_fit_from: f64,
    /// Zipf fit: ranks from this one ...
    zipf_min_rank: u64,
    /// ... while the entity's count is at least this.
    zipf_min_count: u64,
    /// Points per decade of the Heaps curve.
    points_per_decade: u32,
}

impl Experiment for DataStatistics {
    fn name(&self) -> &'static str {
        "data-statistics"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        check_fraction(spec, "heaps_fit_from", p.heaps_fit_from)?;
        ensure!(
            p.zipf_min_rank >= 1 && p.zipf_min_count >= 1,
            "{file}: analysis.zipf_min_rank and analysis.zipf_min_count must be >= 1"
        );
        ensure!(
            (1..=100).contains(&p.points_per_decade),
            "{file}: analysis.points_per_decade = {} is out of range: allowed 1..=100",
            p.points_per_decade
        );
        Ok(())
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let grid = log_grid(spec.sentences, p.points_per_decade);
        let (frames, sentences) = for_each_stream(spec, progress, |stream| {
            let config = &stream.corpus.world.config;
            let expected =
                pycrp::expected_distinct_curve(config.alpha, config.beta, spec.sentences as usize);
            // K_n at every grid point, from the first-appearance flags.
            let mut distinct = Vec::with_capacity(grid.len());
            let mut seen = 0u64;
            let mut next = grid.iter().peekable();
            for (i, s) in stream.corpus.sentences.iter().enumerate() {
                seen += u64::from(s.new_entity);
                if next.peek() == Some(&&(i as u64 + 1)) {
                    distinct.push(seen);
                    next.next();
                }
            }
            let heaps = df!(
                "point" => vec![stream.label.as_str(); grid.len()],
                "alpha" => vec![stream.alpha; grid.len()],
                "seed" => vec![stream.seed; grid.len()],
                "n" => grid.clone(),
                "distinct" => distinct,
                "expected" => grid.iter().map(|&n| expected[n as usize]).collect::<Vec<_>>(),
                "asymptote" => grid.iter().map(|&n| pycrp::expected_distinct_asymptote(config.alpha, config.beta, n)).collect::<Vec<_>>(),
            )?;
            let mut counts = stream.corpus.world.counts.clone();
            counts.sort_unstable_by(|a, b| b.cmp(a));
            let ranks = counts.len();
            let frequency = df!(
                "point" => vec![stream.label.as_str(); ranks],
                "alpha" => vec![stream.alpha; ranks],
                "seed" => vec![stream.seed; ranks],
                "rank" => (1..=ranks as u64).collect::<Vec<_>>(),
                "count" => counts,
            )?;
            Ok((heaps, frequency))
        })?;
        let (heaps, frequency): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
        Ok(Frames::from([
            ("heaps".to_string(), concat(heaps)?),
            ("rank_frequency".to_string(), concat(frequency)?),
            ("sentences".to_string(), sentences),
        ]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let mut claims = Vec::new();
        let mut heaps_series = Vec::new();
        let mut zipf_series = Vec::new();
        let mut prose = Vec::new();
        let n_max = spec.sentences as f64;
        for (color, point) in spec.points.iter().enumerate() {
            let alpha = point.generator.alpha;
            let heaps = rows_where(frames.frame("heaps")?, "point", &point.label)?;
            let from = p.heaps_fit_from * n_max;
            let measured = window(&curves_by_seed(&heaps, "n", "distinct")?, from);
            let expected = window(&curves_by_seed(&heaps, "n", "expected")?[..1], from).remove(0);
            // The exact E[K_N] bends towards N^alpha only slowly: the theory value of a fit
            // over this window is the slope of the exact curve over the same window.
            let theory = skm_report::fit_loglog(&expected.0, &expected.1)?.slope;
            let c1 = ExponentCheck {
                id: "C1",
                variant: &point.label,
                experiment: self.name(),
                statement: "Heaps: distinct entities K_N grow like N^alpha",
                fitted: "K_N against N over the last decades",
                theory,
            }
            .check(&measured, spec.base_seed())?;
            prose.push(format!(
                "At {}, K_N grows with exponent {}; the exact E[K_N] over the same window has slope {} (asymptotically alpha = {}): **{}**.",
                point.label, c1.estimate_text(), num(theory), alpha, c1.verdict()
            ));
            claims.push(c1);

            let mean = mean_curve(&curves_by_seed(&heaps, "n", "distinct")?);
            heaps_series.push(Series {
                label: format!("measured, {}", point.label),
                points: mean,
                style: Style::Line,
                color,
            });
            let exact = curves_by_seed(&heaps, "n", "expected")?.swap_remove(0);
            heaps_series.push(Series {
                label: format!("exact E[K_N], {}", point.label),
                points: exact.0.iter().copied().zip(exact.1).collect(),
                style: Style::Dashed,
                color,
            });
            let asymptote = curves_by_seed(&heaps, "n", "asymptote")?.swap_remove(0);
            heaps_series.push(Series {
                label: if color == 0 {
                    "asymptote (dots)".into()
                } else {
                    String::new()
                },
                points: asymptote
                    .0
                    .iter()
                    .copied()
                    .zip(asymptote.1)
                    .filter(|(n, _)| *n >= 10.0)
                    .collect(),
                style: Style::Points,
                color,
            });

            let frequency = rows_where(frames.frame("rank_frequency")?, "point", &point.label)?;
            let ranked = curves_by_seed(&frequency, "rank", "count")?;
            let zipf_window: Vec<_> = ranked
                .iter()
                .map(|(rank, count)| {
                    let keep: Vec<usize> = (0..rank.len())
                        .filter(|&i| {
                            rank[i] >= p.zipf_min_rank as f64 && count[i] >= p.zipf_min_count as f64
                        })
                        .collect();
                    (
                        keep.iter().map(|&i| rank[i]).collect::<Vec<_>>(),
                        keep.iter().map(|&i| count[i]).collect::<Vec<_>>(),
                    )
                })
                .collect();
            let c2 = ExponentCheck {
                id: "C2",
                variant: &point.label,
                experiment: self.name(),
                statement: "Zipf: ranked entity frequency falls like rank^(-1/alpha)",
                fitted: &format!(
                    "entity count against rank (ranks >= {}, counts >= {})",
                    p.zipf_min_rank, p.zipf_min_count
                ),
                theory: -exponents::zipf_exponent(alpha),
            }
            .check(&zipf_window, spec.base_seed());
            match c2 {
                Ok(c2) => {
                    let (slope, reference) = (
                        c2.measured().unwrap_or(f64::NAN),
                        c2.reference().unwrap_or(f64::NAN),
                    );
                    prose.push(format!(
                        "Ranked counts fall with slope {} against -1/alpha = {}: **{}**.",
                        c2.estimate_text(),
                        num(reference),
                        c2.verdict()
                    ));
                    // The theory line starts where the fit window starts, at the fitted height.
                    if let Some(first) = zipf_window.first().filter(|w| !w.0.is_empty()) {
                        let (r0, last) = (first.0[0], *first.0.last().unwrap_or(&first.0[0]));
                        let y0 = (slope * r0.ln() + intercept(&zipf_window)?).exp();
                        zipf_series.push(Series {
                            label: format!("slope -1/alpha, {}", point.label),
                            points: vec![(r0, y0), (last, y0 * (last / r0).powf(reference))],
                            style: Style::Dashed,
                            color,
                        });
                    }
                    claims.push(c2);
                }
                Err(e) => prose.push(format!(
                    "The Zipf fit at {} has too few ranks with counts >= {}: {e:#}.",
                    point.label, p.zipf_min_count
                )),
            }
            let first = &ranked[0];
            let sampled = log_grid(first.0.len() as u64, 20);
            zipf_series.insert(
                0,
                Series {
                    label: format!("measured, {} (seed {})", point.label, spec.seeds[0]),
                    points: sampled
                        .iter()
                        .map(|&r| (first.0[r as usize - 1], first.1[r as usize - 1]))
                        .collect(),
                    style: Style::Points,
                    color,
                },
            );
        }
        let figures = vec![
            FigureOut {
                stem: "heaps".into(),
                caption: "Heaps' law: distinct entities K_N against sentences N (mean over seeds, solid), the exact PYCRP expectation E[K_N] by its recursion (dashed) and its asymptote Gamma(beta+1)/(alpha Gamma(beta+alpha)) N^alpha (dots).".into(),
                panels: vec![Figure { title: "Heaps' law of the entity stream".into(), x_label: "sentences N".into(), y_label: "distinct entities K_N".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: heaps_series, markers: Vec::new() }],
            },
            FigureOut {
                stem: "rank-frequency".into(),
                caption: "Zipf's law: entity count against frequency rank (one seed, log-sampled ranks) with a line of slope -1/alpha through the fit window.".into(),
                panels: vec![Figure { title: "Zipf's law of the entity stream".into(), x_label: "rank".into(), y_label: "sentences about the entity (count)".into(), x_scale: Scale::Log, y_scale: Scale::Log, series: zipf_series, markers: Vec::new() }],
            },
        ];
        let body = format!(
            "The knowledge model is a Pitman-Yor process, so the number of distinct entities after N sentences grows like N^alpha (Heaps) and the ranked frequencies fall like rank^(-1/alpha) (Zipf). We draw {} sentences for each of {} seed(s) at {} and count.\n\n{}",
            spec.sentences,
            spec.seeds.len(),
            spec.point_labels(),
            prose.join("\n\n")
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}

/// The pooled fit's intercept, to anchor a theory line.
fn intercept(curves: &[(Vec<f64>, Vec<f64>)]) -> Result<f64> {
    let x: Vec<f64> = curves.iter().flat_map(|c| c.0.iter().copied()).collect();
    let y: Vec<f64> = curves.iter().flat_map(|c| c.1.iter().copied()).collect();
    Ok(skm_report::fit_loglog(&x, &y)?.intercept)
}
