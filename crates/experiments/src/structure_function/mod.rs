//! structure-function: the capacity-limited learner and the two-part optimum m*(N) (C11).

use anyhow::{Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_report::{Figure, Marker, Scale, Series, Style};
use skm_theory::{capacity, exponents};

use super::{
    Analysis, Env, Experiment, ExponentCheck, FigureOut, FrameSet, Frames, check_fraction, concat,
    curves_by_seed, for_each_stream, mean_curve, num, rows_where, slug, window,
};
use crate::measure::log_grid;
use crate::spec::Spec;

pub struct StructureFunction;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Budgets m kept per curve in the frame: this many per decade of m (plus the optimum).
    budgets_per_decade: u32,
    /// The exponent of m*(N) is fitted on sizes from `fit_from * N` on.
    fit_from: f64,
}

impl Experiment for StructureFunction {
    fn name(&self) -> &'static str {
        "structure-function"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        ensure!(
            (1..=100).contains(&p.budgets_per_decade),
            "{file}: analysis.budgets_per_decade = {} is out of range: allowed 1..=100",
            p.budgets_per_decade
        );
        check_fraction(spec, "fit_from", p.fit_from)?;
        ensure!(
            spec.sizes.len() >= 2,
            "{file}: profiles.{}.sizes needs at least 2 stream sizes",
            spec.profile.as_str()
        );
        Ok(())
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let (frames, sentences) = for_each_stream(spec, progress, |stream| {
            let world = &stream.corpus.world;
            let mut curve = Vec::new();
            let mut optimum = Vec::new();
            for &n in &spec.sizes {
                let function =
                    capacity::structure_function(world, &stream.corpus.sentences[..n as usize])?;
                let points = &function.points;
                let best = &points[function.optimum];
                // Budgets on a log grid, plus m = 0 and the optimum itself.
                let mut budgets = log_grid(points.len() as u64, p.budgets_per_decade);
                budgets.extend([0, best.m as u64]);
                budgets.sort_unstable();
                budgets.dedup();
                curve.extend(
                    budgets
                        .into_iter()
                        .filter_map(|m| points.get(m as usize))
                        .map(|point| (n, *point)),
                );
                optimum.push((n, *best, points.len() as u64 - 1));
            }
            let rows = curve.len();
            let curves = df!(
                "point" => vec![stream.label.as_str(); rows],
                "alpha" => vec![stream.alpha; rows],
                "seed" => vec![stream.seed; rows],
                "n" => curve.iter().map(|c| c.0).collect::<Vec<_>>(),
                "m" => curve.iter().map(|c| c.1.m as u64).collect::<Vec<_>>(),
                "model_bits" => curve.iter().map(|c| c.1.model_bits).collect::<Vec<_>>(),
                "data_bits" => curve.iter().map(|c| c.1.data_bits).collect::<Vec<_>>(),
                "total_bits" => curve.iter().map(|c| c.1.total_bits).collect::<Vec<_>>(),
            )?;
            let rows = optimum.len();
            let optima = df!(
                "point" => vec![stream.label.as_str(); rows],
                "alpha" => vec![stream.alpha; rows],
                "seed" => vec![stream.seed; rows],
                "n" => optimum.iter().map(|o| o.0).collect::<Vec<_>>(),
                "m_star" => optimum.iter().map(|o| o.1.m as u64).collect::<Vec<_>>(),
                "min_stored_count" => optimum.iter().map(|o| o.1.min_stored_count).collect::<Vec<_>>(),
                "distinct" => optimum.iter().map(|o| o.2).collect::<Vec<_>>(),
            )?;
            Ok((curves, optima))
        })?;
        let (curves, optima): (Vec<_>, Vec<_>) = frames.into_iter().unzip();
        Ok(Frames::from([
            ("curves".to_string(), concat(curves)?),
            ("optimum".to_string(), concat(optima)?),
            ("sentences".to_string(), sentences),
        ]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let p: Params = spec.analysis()?;
        let n_max = spec.sentences as f64;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        for point in &spec.points {
            let alpha = point.generator.alpha;
            let optima = rows_where(frames.frame("optimum")?, "point", &point.label)?;
            let m_star = curves_by_seed(&optima, "n", "m_star")?;
            let fitted = window(&m_star, p.fit_from * n_max);
            let c11 = ExponentCheck {
                id: "C11",
                variant: &point.label,
                experiment: self.name(),
                statement: "Structure function: the two-part optimum stores the entities seen more than a constant number of times, so m*(N) grows like N^alpha",
                fitted: "m*(N) against N",
                theory: exponents::optimal_entities_exponent(alpha),
            }
            .check(&fitted, spec.base_seed())?;
            let min_counts = curves_by_seed(&optima, "n", "min_stored_count")?;
            let mean_min = mean_curve(&min_counts);
            prose.push(format!(
                "At {}: m*(N) grows with exponent {} against alpha = {}: **{}**. The least-seen stored entity has, averaged over seeds, {} at the smallest N and {} at the largest.",
                point.label, c11.estimate_text(), alpha, c11.verdict(),
                mean_min.first().map_or("-".into(), |p| format!("{} sentences", num(p.1))),
                mean_min.last().map_or("-".into(), |p| format!("{} sentences", num(p.1))),
            ));
            claims.push(c11);

            // Structure functions of the first seed, one curve per N, optimum marked.
            let curves = rows_where(frames.frame("curves")?, "point", &point.label)?;
            let seed = spec.seeds[0];
            let mut series = Vec::new();
            let mut markers = Vec::new();
            let ns = super::floats(&curves, "n")?;
            let seeds = super::floats(&curves, "seed")?;
            let (model, data, m) = (
                super::floats(&curves, "model_bits")?,
                super::floats(&curves, "data_bits")?,
                super::floats(&curves, "m")?,
            );
            let best = super::floats(&optima, "m_star")?;
            let best_n = super::floats(&optima, "n")?;
            let best_seed = super::floats(&optima, "seed")?;
            for (color, &n) in spec.sizes.iter().enumerate() {
                let rows: Vec<usize> = (0..ns.len())
                    .filter(|&i| ns[i] == n as f64 && seeds[i] == seed as f64)
                    .collect();
                series.push(Series {
                    label: format!("N = {}", num(n as f64)),
                    points: rows
                        .iter()
                        .map(|&i| (model[i], data[i] / n as f64))
                        .collect(),
                    style: Style::Line,
                    color,
                });
                let chosen =
                    (0..best.len()).find(|&i| best_n[i] == n as f64 && best_seed[i] == seed as f64);
                if let Some(i) =
                    chosen.and_then(|j| rows.iter().copied().find(|&i| m[i] == best[j]))
                {
                    markers.push(Marker {
                        label: if color == 0 {
                            "two-part optimum".into()
                        } else {
                            String::new()
                        },
                        point: (model[i], data[i] / n as f64),
                        color,
                    });
                }
            }
            figures.push(FigureOut {
                stem: format!("structure-function-{}", slug(&point.label)),
                caption: format!("Kolmogorov structure function of the corpus ({}, seed {seed}): data bits per sentence of the capacity-limited learner against its model bits C(m), for each stream size N; the dot marks the two-part optimum min_m C(m) + N loss(m).", point.label),
                panels: vec![Figure { title: format!("Structure function, {}", point.label), x_label: "model bits C(m)".into(), y_label: "data bits per sentence".into(), x_scale: Scale::Log, y_scale: Scale::Linear, series, markers }],
            });

            let mean = mean_curve(&m_star);
            let distinct = mean_curve(&curves_by_seed(&optima, "n", "distinct")?);
            let mut series = vec![
                Series {
                    label: "m*(N), mean over seeds".into(),
                    points: mean.clone(),
                    style: Style::LinePoints,
                    color: 0,
                },
                Series {
                    label: "distinct entities K_N".into(),
                    points: distinct,
                    style: Style::Line,
                    color: 1,
                },
            ];
            if let Some(&(n0, y0)) = mean
                .iter()
                .find(|(n, y)| *n >= p.fit_from * n_max && *y > 0.0)
            {
                series.push(Series {
                    label: format!("slope alpha = {alpha}"),
                    points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha))],
                    style: Style::Dashed,
                    color: 0,
                });
            }
            figures.push(FigureOut {
                stem: format!("optimal-entities-{}", slug(&point.label)),
                caption: format!("Entities stored by the two-part optimum, m*(N), against stream size N ({}), beside all distinct entities K_N, with a line of slope alpha.", point.label),
                panels: vec![Figure { title: format!("Two-part optimum m*(N), {}", point.label), x_label: "sentences N".into(), y_label: "entities".into(), x_scale: Scale::Log, y_scale: Scale::Log, series, markers: Vec::new() }],
            });
        }
        let body = format!(
            "A learner with budget m stores the m most frequent entities (name, facts and weight) and codes every other entity by its name under the base measure. Its model costs C(m) = (d/2) log2 N + m (L log2 |names| + A log2 |V| + (1/2) log2 N) bits; the data cost N loss(m) falls as m grows. The curve is the Kolmogorov structure function of the corpus, and the two-part code picks m*(N). Streams of {} sentences, {} seed(s), prefixes N = {}.\n\n{}",
            spec.sentences,
            spec.seeds.len(),
            spec.sizes
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            prose.join("\n\n")
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}
