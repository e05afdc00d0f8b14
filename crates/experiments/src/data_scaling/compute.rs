//! The frames of data-scaling: per (point, seed, N) the early-stopped transformer's and the
//! Bayes learner's test excess by role, per (point, N) the Bayes learner's exact expected
//! excess on a held-out sentence, and the training losses.

use super::schema::theory_heldout_excess;
use crate::frames::{scaling, training};
use std::ops::Range;

use crate::error::{Context, Result};
use crate::frames::columns::{ALPHA, BETA, N, POINT, ROLE, SEED};
use polars::prelude::*;
use skm_generator::{Corpus, GeneratorConfig};
use skm_theory::{BayesLearner, Chains, Oracle, expected_heldout_excess};
use skm_trainer::evaluate_roles;

use super::params::Params;
use crate::frames::evaluations::{ROLES, RoleRows, role_of};
use crate::frames::training::LossRows;
use crate::spec::Spec;
use crate::training::{TrainingStream, configs, each_training_stream, model_for, trained};
use crate::{Env, Frames};

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

/// The sentences of one stream: held out for early stopping, then the test set.
struct Split {
    heldout: Range<usize>,
    test: Range<usize>,
}

/// The frames: `scaling`, `theory_heldout_excess` and `training`.
pub(super) fn frames(spec: &Spec, env: &Env<'_>) -> Result<Frames> {
    let p: Params = spec.analysis()?;
    let largest = spec.sentences as usize;
    let heldout = largest..largest + p.heldout_sentences as usize;
    let test = heldout.end..heldout.end + p.test_sentences as usize;
    let split = Split { heldout, test };
    let mut rows = Rows::default();
    each_training_stream(spec, |at| stream(spec, env, at, &split, &mut rows))?;
    let mut scaling = df!(
        POINT => rows.point,
        SEED => rows.seed,
        scaling::SENTENCES => rows.sentences,
        scaling::TRAIN_TOKENS => rows.train_tokens,
        scaling::STEPS => rows.steps,
        scaling::KEPT_STEP => rows.kept_step,
    )?;
    scaling.hstack_mut(&rows.roles.columns())?;
    scaling.with_column(Column::new(
        scaling::BAYES_EXCESS_BITS_PER_TOKEN.into(),
        rows.bayes,
    ))?;
    let theory = spec
        .points
        .iter()
        .map(|point| {
            theory_heldout_excess(
                &spec.sizes,
                p.reference_chains,
                (&point.label, &point.generator),
            )
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Frames::from([
        (scaling::NAME.to_string(), scaling),
        (
            theory_heldout_excess::NAME.to_string(),
            crate::concat(theory)?,
        ),
        (training::NAME.to_string(), rows.training.frame()?),
    ]))
}

/// The exact expected excess of the Bayes learner over the oracle on a held-out sentence
/// after N training sentences, `G(N + 1) - G(N)` bits ([`expected_heldout_excess`]), for
/// all tokens and for the knowledge (name and value) tokens, at each N of `sizes`: the
/// finite-N reference of C5. (Per token it differs by the test set's tokens per sentence, a
/// constant across N that leaves every log-log slope unchanged.)
fn theory_heldout_excess(
    sizes: &[u64],
    chains: u32,
    (label, config): (&str, &GeneratorConfig),
) -> Result<DataFrame> {
    let chains = Chains::seeded_by(config, chains as usize);
    let heldout = expected_heldout_excess(config, sizes, chains)?;
    let rows: Vec<(u64, &str, f64)> = heldout
        .iter()
        .flat_map(|h| {
            [
                (h.sentences, "all", h.total()),
                (h.sentences, "knowledge", h.knowledge()),
            ]
        })
        .collect();
    let len = rows.len();
    Ok(df!(
        POINT => vec![label; len],
        ALPHA => vec![config.alpha; len],
        BETA => vec![config.beta; len],
        N => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ROLE => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        scaling::EXPECTED_EXCESS_BITS_PER_SENTENCE => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
    )?)
}

/// The rows of one seed's stream at `point`: a transformer trained on each prefix N of
/// `spec.sizes`, and the Bayes learner after the same N sentences.
fn stream(
    spec: &Spec,
    env: &Env<'_>,
    at: TrainingStream<'_>,
    split: &Split,
    rows: &mut Rows,
) -> Result<()> {
    let (model_config, train_config) = configs(spec)?;
    let (point, seed) = (at.point, at.seed);
    let corpus = at.corpus(spec, split.test.end)?;
    let model = model_for(model_config, corpus.world.vocabulary.size());
    let train = at.train_config(train_config);
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
        let run = trained(
            spec,
            env,
            &corpus,
            0..n,
            split.heldout.clone(),
            &model,
            &train,
        )
        .with_context(|| format!("training at N = {n}"))?;
        rows.training.push_run(&label, seed, &run.state, &train);
        let eval = evaluate_roles(&run.model, &corpus, split.test.clone(), train.batch_size)?;
        rows.roles.push(&eval);
        for (bayes_tokens, bayes_excess) in bayes_by_role(&bayes, &corpus, split.test.clone())? {
            rows.point.push(point.label.clone());
            rows.seed.push(seed);
            rows.sentences.push(n as u64);
            rows.train_tokens.push(corpus.offsets[n] as u64);
            rows.steps.push(run.state.step as u64);
            rows.kept_step.push(run.kept_step as u64);
            rows.bayes.push(bayes_excess / bayes_tokens as f64);
        }
    }
    Ok(())
}

/// The Bayes learner's excess over the oracle on `sentences` (scored without learning), as
/// `(tokens, excess bits)` per role of [`ROLES`]. Unlike the transformer it also scores each
/// sentence's first token, which is a syntax token coded the same by both.
fn bayes_by_role(
    bayes: &BayesLearner,
    corpus: &Corpus,
    sentences: Range<usize>,
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
