//! bayes-learning-curve: the Bayes learner's excess over the oracle, by role (C3, C4).

use anyhow::{Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Role;
use skm_report::{Claim, Estimate, Figure, Rule, Scale, Series, Side, Style};
use skm_theory::{RoleBits, exponents};

use super::{
    Analysis, Env, Experiment, ExponentCheck, FigureOut, FrameSet, Frames, check_fraction, concat,
    curves_by_seed, for_each_stream, mean_curve, num, rows_where, settles_below, window,
};
use crate::measure::log_grid;
use crate::spec::Spec;
// Still imported from here by hallucination, fine_tuning and model_scaling.
pub(crate) use crate::slug;

pub struct BayesLearningCurve;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Width of the sentence bins: this many per decade of N.
    bins_per_decade: u32,
    /// Exponent fits use bins from `fit_from * N` on.
    fit_from: f64,
    /// C4: a role has reached its floor once its excess stays below this (bits/sentence).
    floor_bits: f64,
    /// C4: how many decades earlier syntax must reach its floor than knowledge.
    decades: f64,
}

/// Roles of the figure and frame: the four token roles plus knowledge = name + value.
const ROLES: [&str; 5] = ["syntax", "name", "value", "noise", "knowledge"];

fn role_bits(bits: &RoleBits, role: &str) -> f64 {
    match role {
        "knowledge" => bits.name + bits.value,
        "syntax" => bits.get(Role::Syntax),
        "name" => bits.get(Role::Name),
        "value" => bits.get(Role::Value),
        _ => bits.get(Role::Noise),
    }
}

impl Experiment for BayesLearningCurve {
    fn name(&self) -> &'static str {
        "bayes-learning-curve"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        ensure!(
            (1..=50).contains(&p.bins_per_decade),
            "{file}: analysis.bins_per_decade = {} is out of range: allowed 1..=50",
            p.bins_per_decade
        );
        check_fraction(spec, "fit_from", p.fit_from)?;
        ensure!(
            p.floor_bits > 0.0,
            "{file}: analysis.floor_bits = {} is out of range: allowed > 0",
            p.floor_bits
        );
        ensure!(
            p.decades > 0.0,
            "{file}: analysis.decades = {} is out of range: allowed > 0",
            p.decades
        );
        Ok(())
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let progress = env.progress;
        let p: Params = spec.analysis()?;
        let ends = log_grid(spec.sentences, p.bins_per_decade);
        let (frames, sentences) = for_each_stream(spec, progress, |stream| {
            // One row per (role, bin): mean excess per sentence and the running total.
            let mut bins: Vec<(&str, usize, usize, f64, f64)> = Vec::new();
            for role in ROLES {
                let mut cumulative = 0.0;
                let mut start = 0usize;
                for &end in &ends {
                    let end = end as usize;
                    let excess: f64 = (start..end)
                        .map(|i| {
                            role_bits(&stream.bayes[i], role) - role_bits(&stream.oracle[i], role)
                        })
                        .sum();
                    cumulative += excess;
                    bins.push((role, start, end, excess / (end - start) as f64, cumulative));
                    start = end;
                }
            }
            let rows = bins.len();
            Ok(df!(
                "point" => vec![stream.label.as_str(); rows],
                "alpha" => vec![stream.alpha; rows],
                "seed" => vec![stream.seed; rows],
                "bin_start" => bins.iter().map(|b| b.1 as u64 + 1).collect::<Vec<_>>(),
                "bin_end" => bins.iter().map(|b| b.2 as u64).collect::<Vec<_>>(),
                "n" => bins.iter().map(|b| ((b.1 + 1) as f64 * b.2 as f64).sqrt()).collect::<Vec<_>>(),
                "role" => bins.iter().map(|b| b.0).collect::<Vec<_>>(),
                "excess_bits" => bins.iter().map(|b| b.3).collect::<Vec<_>>(),
                "cumulative_excess_bits" => bins.iter().map(|b| b.4).collect::<Vec<_>>(),
            )?)
        })?;
        Ok(Frames::from([
            ("excess".to_string(), concat(frames)?),
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
            let config = &point.generator;
            let alpha = config.alpha;
            let d = config.syntax_parameters() as f64;
            let rows = rows_where(frames.frame("excess")?, "point", &point.label)?;
            let role_curves = |role: &str| -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
                curves_by_seed(&rows_where(&rows, "role", role)?, "n", "excess_bits")
            };
            let syntax = ExponentCheck {
                id: "C3",
                variant: &format!("{} syntax", point.label),
                experiment: self.name(),
                statement: "Bayes redundancy, syntax part: per-sentence excess ~ 1/N (total ~ (d/2) log N)",
                fitted: "the per-sentence syntax excess (Bayes minus oracle bits, bin means) against N",
                theory: exponents::syntax_excess_exponent(),
            }
            .check(&window(&role_curves("syntax")?, p.fit_from * n_max), spec.base_seed())?;
            let knowledge = ExponentCheck {
                id: "C3",
                variant: &format!("{} knowledge", point.label),
                experiment: self.name(),
                statement: "Bayes redundancy, knowledge part: per-sentence excess ~ N^(alpha-1) (total ~ N^alpha)",
                fitted: "the per-sentence knowledge (name + value) excess against N",
                theory: exponents::knowledge_excess_exponent(alpha),
            }
            .check(&window(&role_curves("knowledge")?, p.fit_from * n_max), spec.base_seed())?;

            // C4: where each role's seed-mean excess drops below the floor for good.
            let settles = |role: &str| -> Result<Option<f64>> {
                Ok(settles_below(
                    &mean_curve(&role_curves(role)?),
                    p.floor_bits,
                ))
            };
            let syntax_at = settles("syntax")?;
            let knowledge_at = [settles("name")?, settles("value")?]
                .into_iter()
                .map(|n| n.unwrap_or(f64::INFINITY))
                .fold(f64::INFINITY, f64::min);
            let lower_bound = syntax_at.is_some() && knowledge_at.is_infinite();
            let gap = match syntax_at {
                None => Estimate::NotMeasurable {
                    reason: format!(
                        "the syntax excess never settles below {} bits within N = {}",
                        p.floor_bits, spec.sentences
                    ),
                },
                Some(s) if lower_bound => Estimate::Bound {
                    value: (n_max / s).log10(),
                    side: Side::AtLeast,
                },
                Some(s) => Estimate::SingleRun {
                    value: (knowledge_at / s).log10(),
                },
            };
            let c4 = Claim::judged(
                "C4",
                format!("{} Bayes", point.label),
                self.name(),
                "Syntax is learned before knowledge: syntax excess reaches its floor orders of magnitude earlier than name/value excess",
                gap,
                Rule::AtLeast {
                    threshold: p.decades,
                },
                format!(
                    "Decades between the N from which the seed-mean per-sentence excess stays below {} bits for syntax ({}) and for the earlier of name and value ({}){}; PASS when at least {}.",
                    p.floor_bits,
                    syntax_at.map_or("never".into(), num),
                    if knowledge_at.is_infinite() {
                        format!("not within N = {}", spec.sentences)
                    } else {
                        num(knowledge_at)
                    },
                    if lower_bound { ", a lower bound" } else { "" },
                    p.decades
                ),
            );
            prose.push(format!(
                "At {}: the syntax excess falls with exponent {} (theory -1), the knowledge excess with exponent {} (theory alpha - 1 = {}). Syntax settles below {} bits per sentence at N = {}, knowledge {}: the gap in decades is {}. C3 syntax **{}**, C3 knowledge **{}**, C4 **{}**.",
                point.label,
                syntax.estimate_text(),
                knowledge.estimate_text(), num(alpha - 1.0),
                p.floor_bits,
                syntax_at.map_or("never".into(), num),
                if knowledge_at.is_infinite() { format!("not within N = {}", spec.sentences) } else { format!("at N = {}", num(knowledge_at)) },
                c4.estimate_text(),
                syntax.verdict(), knowledge.verdict(), c4.verdict()
            ));

            let mut series = Vec::new();
            for (color, role) in ["syntax", "name", "value", "knowledge"]
                .into_iter()
                .enumerate()
            {
                series.push(Series {
                    label: role.into(),
                    points: mean_curve(&role_curves(role)?),
                    style: Style::LinePoints,
                    color,
                });
            }
            let grid = mean_curve(&role_curves("syntax")?);
            series.push(Series {
                label: format!("theory d/(2 N ln 2), d = {d}"),
                points: grid
                    .iter()
                    .map(|&(n, _)| (n, d / (2.0 * n * std::f64::consts::LN_2)))
                    .collect(),
                style: Style::Dashed,
                color: 0,
            });
            let knowledge_mean = mean_curve(&role_curves("knowledge")?);
            if let Some(&(n0, y0)) = knowledge_mean
                .iter()
                .find(|(n, y)| *n >= p.fit_from * n_max && *y > 0.0)
            {
                series.push(Series {
                    label: format!("slope alpha - 1 = {}", num(alpha - 1.0)),
                    points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha - 1.0))],
                    style: Style::Dashed,
                    color: 3,
                });
            }
            figures.push(FigureOut {
                stem: format!("excess-{}", slug(&point.label)),
                caption: format!(
                    "Bayes learner minus oracle, bits per sentence, by role, against sentences seen N ({}; mean of {} seed(s); bins of {} per decade). Dashed: the syntax redundancy d/(2 N ln 2) predicted with no free constant, and a line of slope alpha - 1 through the knowledge curve.",
                    point.label, spec.seeds.len(), p.bins_per_decade
                ),
                panels: vec![Figure {
                    title: format!("Per-sentence excess of the Bayes learner, {}", point.label),
                    x_label: "sentences seen N".into(),
                    y_label: "excess over the oracle (bits/sentence)".into(),
                    x_scale: Scale::Log,
                    y_scale: Scale::Log,
                    series,
                    markers: Vec::new(),
                }],
            });
            claims.extend([syntax, knowledge, c4]);
        }
        let body = format!(
            "The Bayes learner knows the model class but not its parameters. Its redundancy over the oracle splits: the syntax has d = A(T-1) parameters, so it costs (d/2) log N bits in all and d/(2N ln 2) per sentence; knowledge keeps arriving, at a per-sentence cost ~ N^(alpha-1). We code {} sentences for each of {} seed(s) at {} and average the per-sentence excess over log-spaced bins.\n\n{}",
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
