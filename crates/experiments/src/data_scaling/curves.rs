//! The curves of one point the analysis reads off the `scaling` frame.

use crate::error::{Result, ensure};
use crate::frames::scaling::{BAYES_EXCESS_BITS_PER_TOKEN, KEPT_STEP, SENTENCES, STEPS};
use polars::prelude::DataFrame;
use skm_report::{LogLogFit, fit_loglog};

use crate::frames::columns::ROLE;
use crate::frames::evaluations::EXCESS_BITS_PER_TOKEN;
use crate::frames::mean_over_seeds;
use crate::{Curve, curves_by_seed, floats, num, rows_where};

/// The test excess of one point against N, and what the prose says about its runs.
pub(super) struct PointCurves {
    /// The transformer's excess (all tokens), one curve per seed.
    pub seeds: Vec<Curve>,
    /// Its knowledge part: the excess per name or value token, one curve per seed.
    pub knowledge: Vec<Curve>,
    /// The transformer's excess over the Bayes learner's on the same test sentences, one
    /// curve per seed.
    pub ratio: Vec<Curve>,
    /// Its seed mean.
    pub transformer: Vec<(f64, f64)>,
    /// The Bayes learner's seed-mean excess, and its log-log fit when there is one.
    pub bayes: Vec<(f64, f64)>,
    pub bayes_fit: Option<LogLogFit>,
    /// The step of each kept checkpoint against N, one curve per seed.
    pub kept: Vec<Curve>,
    /// The N whose run spent the whole step budget, formatted.
    pub budget_limited: Vec<String>,
    /// The transformer's seed-mean excess by role: syntax, name, value.
    pub roles: Vec<(&'static str, Vec<(f64, f64)>)>,
}

impl PointCurves {
    /// The curves of the point's `rows` of the `scaling` frame; `budget` is the step budget.
    pub fn read(rows: &DataFrame, budget: usize) -> Result<Self> {
        let all = rows_where(rows, ROLE, "all")?;
        let seeds = curves_by_seed(&all, SENTENCES, EXCESS_BITS_PER_TOKEN)?;
        let bayes_seeds = curves_by_seed(&all, SENTENCES, BAYES_EXCESS_BITS_PER_TOKEN)?;
        let bayes = mean_over_seeds(&all, SENTENCES, BAYES_EXCESS_BITS_PER_TOKEN)?;
        let bayes_fit = {
            let (x, y): (Vec<f64>, Vec<f64>) = bayes.iter().copied().unzip();
            fit_loglog(&x, &y).ok()
        };
        let steps = floats(&all, STEPS)?;
        let sentences = floats(&all, SENTENCES)?;
        let mut roles = Vec::new();
        for role in ["syntax", "name", "value"] {
            let by_role = rows_where(rows, ROLE, role)?;
            roles.push((
                role,
                mean_over_seeds(&by_role, SENTENCES, EXCESS_BITS_PER_TOKEN)?,
            ));
        }
        Ok(Self {
            knowledge: knowledge_curves(rows)?,
            ratio: ratio_curves(&seeds, &bayes_seeds),
            transformer: mean_over_seeds(&all, SENTENCES, EXCESS_BITS_PER_TOKEN)?,
            seeds,
            bayes,
            bayes_fit,
            kept: curves_by_seed(&all, SENTENCES, KEPT_STEP)?,
            budget_limited: budget_limited(&steps, &sentences, budget),
            roles,
        })
    }

    /// The smallest and the largest N (1 when there is none).
    pub fn n_range(&self) -> (f64, f64) {
        (
            self.transformer.first().map_or(1.0, |p| p.0),
            self.transformer.last().map_or(1.0, |p| p.0),
        )
    }

    /// Whether every mean excess is positive (a log axis can show it).
    pub fn positive(&self) -> bool {
        self.transformer.iter().all(|&(_, y)| y > 0.0)
    }
}

/// The excess per knowledge token, `(e_name t_name + e_value t_value) / (t_name + t_value)`
/// with `e_r` a role's excess per token and `t_r` its scored tokens, one curve per seed.
fn knowledge_curves(rows: &DataFrame) -> Result<Vec<Curve>> {
    let of = |role: &str, column: &str| -> Result<Vec<Curve>> {
        curves_by_seed(&rows_where(rows, ROLE, role)?, SENTENCES, column)
    };
    let (name, value) = (
        of("name", "excess_bits_per_token")?,
        of("value", "excess_bits_per_token")?,
    );
    let (name_tokens, value_tokens) = (of("name", "scored_tokens")?, of("value", "scored_tokens")?);
    // The name and value rows of a seed share its N: one row of each per (seed, N).
    let same_grid = |curves: &[Curve]| {
        curves.len() == name.len() && curves.iter().zip(&name).all(|(c, n)| c.0 == n.0)
    };
    ensure!(
        [&value, &name_tokens, &value_tokens]
            .iter()
            .all(|c| same_grid(c)),
        "the scaling frame lacks a name or value row of some (seed, N)"
    );
    let per_seed = name.iter().enumerate().map(|(s, (n, name_excess))| {
        let rows = (0..n.len()).map(|i| {
            let (tn, tv) = (name_tokens[s].1[i], value_tokens[s].1[i]);
            (name_excess[i] * tn + value[s].1[i] * tv) / (tn + tv)
        });
        (n.clone(), rows.collect())
    });
    Ok(per_seed.collect())
}

/// `transformer / bayes` pointwise, seed by seed (the curves share their seeds and N).
fn ratio_curves(transformer: &[Curve], bayes: &[Curve]) -> Vec<Curve> {
    let ratio = |(t, b): (&Curve, &Curve)| -> Curve {
        let y = t.1.iter().zip(&b.1).map(|(t, b)| t / b).collect();
        (t.0.clone(), y)
    };
    transformer.iter().zip(bayes).map(ratio).collect()
}

/// Runs that spent the whole step budget were still improving: the N of each (once, however
/// many seeds), ascending, formatted.
fn budget_limited(steps: &[f64], sentences: &[f64], budget: usize) -> Vec<String> {
    let mut limited: Vec<f64> = steps
        .iter()
        .zip(sentences)
        .filter(|(steps, _)| **steps as usize >= budget)
        .map(|(_, n)| *n)
        .collect();
    limited.sort_by(f64::total_cmp);
    limited.dedup();
    limited.into_iter().map(num).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::columns::SEED;

    #[test]
    fn budget_limited_lists_the_runs_that_spent_the_budget() {
        let steps = [40.0, 100.0, 100.0, 100.0];
        let sentences = [10.0, 1000.0, 100.0, 1000.0];
        assert_eq!(budget_limited(&steps, &sentences, 100), ["100", "1000"]);
        assert!(budget_limited(&steps, &sentences, 101).is_empty());
    }

    #[test]
    fn the_knowledge_excess_weighs_names_and_values_by_their_tokens() {
        // One seed, two N; syntax rows must not enter.
        let rows = polars::df!(
            SEED => [1u64, 1, 1, 1, 1, 1],
            "sentences" => [10u64, 10, 10, 20, 20, 20],
            ROLE => ["name", "value", "syntax", "name", "value", "syntax"],
            "scored_tokens" => [30u64, 10, 100, 30, 10, 100],
            "excess_bits_per_token" => [1.0, 2.0, 9.0, 0.5, 0.5, 9.0],
        )
        .unwrap();
        let curves = knowledge_curves(&rows).unwrap();
        assert_eq!(curves, vec![(vec![10.0, 20.0], vec![1.25, 0.5])]);
    }

    #[test]
    fn a_missing_role_row_is_an_error_not_a_panic() {
        let rows = polars::df!(
            SEED => [1u64, 1, 1],
            "sentences" => [10u64, 10, 20],
            ROLE => ["name", "value", "name"],
            "scored_tokens" => [30u64, 10, 30],
            "excess_bits_per_token" => [1.0, 2.0, 0.5],
        )
        .unwrap();
        let error = knowledge_curves(&rows).unwrap_err();
        assert!(
            error.to_string().contains("lacks a name or value row"),
            "{error}"
        );
    }
}
