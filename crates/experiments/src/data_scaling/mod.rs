//! data-scaling (C5): one transformer shape trained, with early stopping on held-out loss, on
//! stream prefixes of N sentences over 1.5 decades or more; its test excess over the exact
//! oracle against N, beside the Bayes learner's after the same N sentences.
//!
//! Theory: the knowledge part of the excess falls like `N^-(1 - alpha)` (the syntax part,
//! like `1/N`, is gone early), so `log(loss - H)` against `log N` has slope `alpha - 1`. `H`
//! is known exactly (the oracle on the same test tokens), so no irreducible term is fitted.

use anyhow::{Context, Result, ensure};
use polars::prelude::*;
use serde::Deserialize;
use skm_generator::Corpus;
use skm_report::{Figure, Scale, Series, Style, fit_loglog};
use skm_theory::{BayesLearner, Oracle, exponents};
use skm_trainer::{TrainConfig, evaluate_roles};

use super::training::{
    LossRows, ROLES, RoleRows, configs, model_label, role_of, trained, training_steps,
};
use super::{
    Analysis, Env, Experiment, ExponentCheck, FigureOut, FrameSet, Frames, curves_by_seed, floats,
    mean_curve, num, rows_where, slug,
};
use crate::spec::Spec;

/// The data-scaling experiment.
pub struct DataScaling;

/// The `[analysis]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Sentences after the largest training stream: the early-stopping set.
    heldout_sentences: u64,
    /// Sentences after those: the test set, the same for every N.
    test_sentences: u64,
}

/// Columns of the `scaling` frame, one row per (point, seed, N, role).
#[derive(Default)]
struct Rows {
    point: Vec<String>,
    seed: Vec<u64>,
    sentences: Vec<u64>,
    train_tokens: Vec<u64>,
    steps: Vec<u64>,
    kept_step: Vec<u64>,
    roles: RoleRows,
    bayes: Vec<f64>,
    training: LossRows,
}

impl Experiment for DataScaling {
    fn name(&self) -> &'static str {
        "data-scaling"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        let p: Params = spec.analysis()?;
        let file = spec.path.display();
        let (_, train) = configs(spec)?;
        ensure!(
            (2..=10_000_000).contains(&p.heldout_sentences)
                && (2..=10_000_000).contains(&p.test_sentences),
            "{file}: analysis.heldout_sentences = {} and analysis.test_sentences = {} are out of range: allowed 2..=10000000",
            p.heldout_sentences,
            p.test_sentences
        );
        ensure!(
            spec.sizes.len() >= 2,
            "{file}: profiles.{}.sizes has {} value(s): allowed at least 2 stream sizes N to fit a slope",
            spec.profile.as_str(),
            spec.sizes.len()
        );
        ensure!(
            train.eval_every > 0 && train.patience.is_some(),
            "{file}: train.eval_every = {} and train.patience = {:?}: data-scaling stops early on held-out loss, so both must be set (eval_every >= 1, patience >= 1)",
            train.eval_every,
            train.patience
        );
        Ok(())
    }

    fn work(&self, spec: &Spec) -> u64 {
        training_steps(spec, spec.sizes.len())
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        let p: Params = spec.analysis()?;
        let (model_config, train_config) = configs(spec)?;
        let largest = spec.sentences as usize;
        let heldout = largest..largest + p.heldout_sentences as usize;
        let test = heldout.end..heldout.end + p.test_sentences as usize;
        let mut rows = Rows::default();
        for point in &spec.points {
            for (index, &seed) in spec.seeds.iter().enumerate() {
                let corpus = Corpus::generate(&spec.generator_at(point, seed), test.end)?;
                let model = skm_trainer::ModelConfig {
                    vocab_size: corpus.world.vocabulary.size(),
                    ..model_config.clone()
                };
                let train = TrainConfig {
                    seed: train_config.seed.wrapping_add(index as u64),
                    ..train_config.clone()
                };
                let mut bayes = BayesLearner::new(&corpus.world)?;
                let mut observed = 0;
                let mut scratch = Vec::new();
                for &n in &spec.sizes {
                    let n = n as usize;
                    for i in observed..n {
                        scratch.clear();
                        bayes.observe(
                            &corpus.sentences[i],
                            corpus.sentence_tokens(i),
                            &mut scratch,
                        )?;
                    }
                    observed = n;
                    let label = format!("{} N={n}", point.label);
                    let run = trained(spec, env, &corpus, 0..n, heldout.clone(), &model, &train)
                        .with_context(|| format!("training at {label} seed {seed}"))?;
                    rows.training.push_run(&label, seed, &run.state, &train);
                    let eval = evaluate_roles(&run.model, &corpus, test.clone(), train.batch_size)?;
                    rows.roles.push(&eval);
                    for (bayes_tokens, bayes_excess) in
                        bayes_by_role(&bayes, &corpus, test.clone())?
                    {
                        rows.point.push(point.label.clone());
                        rows.seed.push(seed);
                        rows.sentences.push(n as u64);
                        rows.train_tokens.push(corpus.offsets[n] as u64);
                        rows.steps.push(run.state.step as u64);
                        rows.kept_step.push(run.kept_step as u64);
                        rows.bayes.push(bayes_excess / bayes_tokens as f64);
                    }
                }
            }
        }
        let mut scaling = df!(
            "point" => rows.point,
            "seed" => rows.seed,
            "sentences" => rows.sentences,
            "train_tokens" => rows.train_tokens,
            "steps" => rows.steps,
            "kept_step" => rows.kept_step,
        )?;
        scaling.hstack_mut(&rows.roles.columns())?;
        scaling.with_column(Column::new(
            "bayes_excess_bits_per_token".into(),
            rows.bayes,
        ))?;
        Ok(Frames::from([
            ("scaling".to_string(), scaling),
            ("training".to_string(), rows.training.frame()?),
        ]))
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        let (model_config, train_config) = configs(spec)?;
        let mut claims = Vec::new();
        let mut figures = Vec::new();
        let mut prose = Vec::new();
        for point in &spec.points {
            let alpha = point.generator.alpha;
            let rows = rows_where(frames.frame("scaling")?, "point", &point.label)?;
            let all = rows_where(&rows, "role", "all")?;
            let curves = curves_by_seed(&all, "sentences", "excess_bits_per_token")?;
            let claim = ExponentCheck {
                id: "C5",
                variant: &point.label,
                experiment: self.name(),
                statement: "Data scaling of a trained transformer: test excess loss ~ N^-(1 - alpha)",
                fitted: "the test excess over the oracle (bits/token, all tokens, best early-stopped checkpoint) against training sentences N",
                theory: -exponents::data_scaling_exponent(alpha),
            }
            .check(&curves, spec.base_seed())?;
            let transformer = mean_curve(&curves);
            let bayes = mean_curve(&curves_by_seed(
                &all,
                "sentences",
                "bayes_excess_bits_per_token",
            )?);
            let bayes_fit = {
                let (x, y): (Vec<f64>, Vec<f64>) = bayes.iter().copied().unzip();
                fit_loglog(&x, &y).ok()
            };
            let kept: Vec<f64> = floats(&all, "kept_step")?;
            // Runs that spent the whole step budget were still improving: say which.
            let budget_limited: Vec<String> = floats(&all, "steps")?
                .iter()
                .zip(floats(&all, "sentences")?)
                .filter(|(steps, _)| **steps as usize >= train_config.steps)
                .map(|(_, n)| num(n))
                .collect();
            let (n_min, n_max) = (
                transformer.first().map_or(1.0, |p| p.0),
                transformer.last().map_or(1.0, |p| p.0),
            );
            let positive = transformer.iter().all(|&(_, y)| y > 0.0);
            let mut series = vec![
                Series {
                    label: format!(
                        "transformer, fit slope {}",
                        claim.measured().map_or("n/a".into(), num)
                    ),
                    points: transformer.clone(),
                    style: Style::LinePoints,
                    color: 0,
                },
                Series {
                    label: format!(
                        "Bayes learner{}",
                        bayes_fit
                            .as_ref()
                            .map_or(String::new(), |f| format!(", slope {}", num(f.slope)))
                    ),
                    points: bayes.clone(),
                    style: Style::LinePoints,
                    color: 1,
                },
            ];
            if let Some(&(n0, y0)) = transformer.first().filter(|_| positive) {
                series.push(Series {
                    label: format!("theory slope alpha - 1 = {}", num(alpha - 1.0)),
                    points: vec![(n0, y0), (n_max, y0 * (n_max / n0).powf(alpha - 1.0))],
                    style: Style::Dashed,
                    color: 3,
                });
            }
            let mut role_series = Vec::new();
            for (color, role) in ["syntax", "name", "value"].into_iter().enumerate() {
                let by_role = rows_where(&rows, "role", role)?;
                role_series.push(Series {
                    label: role.into(),
                    points: mean_curve(&curves_by_seed(
                        &by_role,
                        "sentences",
                        "excess_bits_per_token",
                    )?),
                    style: Style::LinePoints,
                    color,
                });
            }
            figures.push(FigureOut {
                stem: format!("data-scaling-{}", slug(&point.label)),
                caption: format!(
                    "Left: test bits per token minus the oracle's (the exact floor H), against the training sentences N, for the {} transformer stopped early on held-out loss ({} parameters) and for the Bayes learner after the same N sentences; dashed: slope alpha - 1 through the first transformer point. Right: the transformer's excess by token role. {}, mean of {} seed(s).",
                    model_label(model_config),
                    model_config.parameters(),
                    point.label,
                    spec.seeds.len(),
                ),
                panels: vec![
                    Figure {
                        title: format!("Test excess against data, {}", point.label),
                        x_label: "training sentences N".into(),
                        y_label: "model minus oracle (bits/token)".into(),
                        x_scale: Scale::Log,
                        y_scale: if positive { Scale::Log } else { Scale::Linear },
                        series,
                        markers: Vec::new(),
                    },
                    Figure {
                        title: format!("Transformer excess by role, {}", point.label),
                        x_label: "training sentences N".into(),
                        y_label: "model minus oracle (bits/token)".into(),
                        x_scale: Scale::Log,
                        y_scale: Scale::Linear,
                        series: role_series,
                        markers: Vec::new(),
                    },
                ],
            });
            let list = transformer
                .iter()
                .zip(&bayes)
                .map(|(&(n, t), &(_, b))| format!("N = {}: {} (Bayes {})", num(n), num(t), num(b)))
                .collect::<Vec<_>>()
                .join("; ");
            prose.push(format!(
                "At {}: test excess in bits per token, {list}. The kept checkpoints were taken at steps {} (from N = {} to {}); {}. The fitted slope is {} against the theory's alpha - 1 = {}; the Bayes learner's slope over the same N is {}. C5 **{}**.",
                point.label,
                kept.iter().map(|s| num(*s)).collect::<Vec<_>>().join(", "),
                num(n_min),
                num(n_max),
                if budget_limited.is_empty() {
                    "every run stopped early".to_string()
                } else {
                    format!(
                        "at N = {} the run spent the whole budget of {} steps without stopping early, so the model there may be undertrained",
                        budget_limited.join(", "),
                        train_config.steps
                    )
                },
                claim.estimate_text(),
                num(alpha - 1.0),
                bayes_fit.map_or("n/a".into(), |f| num(f.slope)),
                claim.verdict(),
            ));
            claims.push(claim);
        }
        let body = format!(
            "One transformer shape ({}, {} parameters) is trained on the first N sentences of one stream for N in {}, with AdamW (peak rate {}, cosine decay over at most {} steps of {} windows of {} tokens), evaluated on {} held-out sentences every {} steps and stopped after {} evaluations without improvement; the best checkpoint is scored on {} test sentences that follow, token by token beside the oracle. Theory: the excess falls like N^-(1 - alpha), as the Bayes learner's does.\n\n{}",
            model_label(model_config),
            model_config.parameters(),
            spec.sizes
                .iter()
                .map(|n| num(*n as f64))
                .collect::<Vec<_>>()
                .join(", "),
            train_config.learning_rate,
            train_config.steps,
            train_config.batch_size,
            model_config.context,
            spec.analysis::<Params>()?.heldout_sentences,
            train_config.eval_every,
            train_config.patience.unwrap_or_default(),
            spec.analysis::<Params>()?.test_sentences,
            prose.join("\n\n"),
        );
        Ok(Analysis {
            figures,
            claims,
            body,
        })
    }
}

/// The Bayes learner's excess over the oracle on `sentences` (scored without learning), as
/// `(tokens, excess bits)` per role of [`ROLES`]. Unlike the transformer it also scores each
/// sentence's first token, which is a syntax token coded the same by both.
fn bayes_by_role(
    bayes: &BayesLearner,
    corpus: &Corpus,
    sentences: std::ops::Range<usize>,
) -> Result<Vec<(u64, f64)>> {
    let oracle = Oracle::new(&corpus.world)?;
    let vocabulary = &corpus.world.vocabulary;
    let mut totals = vec![(0u64, 0.0f64); ROLES.len()];
    let (mut learner_bits, mut oracle_bits) = (Vec::new(), Vec::new());
    for i in sentences {
        learner_bits.clear();
        oracle_bits.clear();
        let tokens = corpus.sentence_tokens(i);
        bayes.score(&corpus.sentences[i], tokens, &mut learner_bits)?;
        oracle.sentence_bits(&corpus.sentences[i], &mut oracle_bits)?;
        for ((&token, &b), &o) in tokens.iter().zip(&learner_bits).zip(&oracle_bits) {
            let role = vocabulary.role(token);
            for (slot, name) in ROLES.iter().enumerate() {
                if role_of(name).is_none_or(|r| r == role) {
                    totals[slot].0 += 1;
                    totals[slot].1 += b - o;
                }
            }
        }
    }
    Ok(totals)
}
