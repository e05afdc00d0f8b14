//! The capacity-limited learner and the Kolmogorov structure function of a corpus
//! (spec section 2, claim C11).
//!
//! A learner with budget `m` stores the `m` entities the corpus mentions most often: for them
//! it is the oracle, about every other entity it knows nothing. Its two-part code is
//! `C(m)` model bits plus `D(m)` data bits; `m -> (C(m), D(m))` is the structure function and
//! `argmin_m C(m) + D(m)` the two-part optimum `m*(N)`.

use std::f64::consts::LN_2;

use serde::{Deserialize, Serialize};
use skm_generator::{GeneratorConfig, Sentence, World};

use crate::TheoryError;
use crate::learning_curve::{Chains, SplitMix64};
use crate::oracle::Oracle;
use crate::pycrp::sample_spectrum;
use crate::special::digamma;

/// One budget `m` of the structure function.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StructurePoint {
    /// Entities stored: the `m` most frequent in the corpus.
    pub m: usize,
    /// `C(m) = (d/2) log2 N + m * bits_per_entity`.
    pub model_bits: f64,
    /// `D(m)`: the corpus coded by the learner with budget `m`, summed over its sentences.
    pub data_bits: f64,
    /// `C(m) + D(m)`.
    pub total_bits: f64,
    /// Corpus count of the least frequent stored entity (the `m`-th); 0 when `m = 0`.
    pub min_stored_count: u64,
}

/// The structure function of a corpus for every budget `m = 0..=K`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StructureFunction {
    /// `N`: sentences in the corpus.
    pub sentences: usize,
    /// `K`: distinct entities the corpus mentions.
    pub entities: usize,
    /// `C_syntax = (d/2) log2 N`, `d = A (T - 1)`.
    pub syntax_model_bits: f64,
    /// Bits to store one entity: `L log2(name_vocab) + A log2|V| + (1/2) log2 N`.
    pub bits_per_entity: f64,
    /// `points[m]` for `m = 0..=K`.
    pub points: Vec<StructurePoint>,
    /// Index in `points` (equal to `m`) of the least `C(m) + D(m)`; ties go to the smallest `m`.
    pub optimum: usize,
}

impl StructureFunction {
    /// The two-part optimum, `points[optimum]`.
    pub fn optimal(&self) -> &StructurePoint {
        &self.points[self.optimum]
    }

    /// The learner that stores every entity seen at least `min_count` times: its budget
    /// `G(c)` and its excess over the oracle `X(c) = D(G(c)) - D(K)` bits (storing all `K`
    /// mentioned entities codes the corpus as the oracle does). `min_count >= 1`.
    pub fn storing_at_least(&self, min_count: u64) -> (usize, f64) {
        let stored = self.points[1..].partition_point(|p| p.min_stored_count >= min_count.max(1));
        let oracle = self.points[self.entities].data_bits;
        (stored, self.points[stored].data_bits - oracle)
    }
}

/// The capacity-limited learner that stores every entity seen at least `c` times, given a
/// frequency spectrum, in expectation over the weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpectedStoring {
    /// `c`.
    pub min_count: u64,
    /// `G(c)`: the entities stored.
    pub stored_entities: f64,
    /// `E[X(c) | spectrum]`: its expected excess over the oracle on the `N` sentences, in bits.
    pub excess_bits: f64,
}

/// The capacity-limited learner after `n` sentences, storing the entities seen at least `c`
/// times for each `c` of `min_counts`, on `chains.count` frequency spectra drawn from the exact
/// law of the PYCRP, each integrated over the weights exactly ([`storing_given`]): a Monte
/// Carlo of the exact law, for statistics that are not linear in the spectrum (a log-log
/// slope). One row per chain.
pub fn sampled_storing(
    config: &GeneratorConfig,
    n: u64,
    min_counts: &[u64],
    chains: Chains,
) -> Result<Vec<Vec<ExpectedStoring>>, TheoryError> {
    config.validate()?;
    let mut rng = SplitMix64(chains.seed);
    let mut spectrum = Vec::new();
    Ok((0..chains.count)
        .map(|_| {
            sample_spectrum(
                config.alpha,
                config.beta,
                n as usize,
                &mut rng,
                &mut spectrum,
            );
            storing_given(config, &spectrum, min_counts)
        })
        .collect())
}

/// The capacity-limited learner's expected excess over the oracle, in expectation over the
/// weights given a frequency spectrum (`spectrum[j - 1]` entities seen `j` times), when it
/// stores the entities seen at least `c` times, for each `c` of `min_counts`.
///
/// Its excess is `X(c) = U (log2 S|V| - log2 R) + sum_{unstored k} n_k log2 pi_k`: `U`
/// sentences about the `u` unstored entities, `S` the name space, `R` the weight it does not
/// store. Given the counts, the weights of the `K` seen entities and the rest are
/// `Dirichlet(n_1 - alpha, ..., n_K - alpha, beta + K alpha)` (Pitman 1996; the generator
/// draws them so), hence `E[ln pi_k | n] = psi(n_k - alpha) - psi(N + beta)`,
/// `E[ln R | n] = psi(beta + alpha K + U - alpha u) - psi(N + beta)` and
/// `E[X | n] = U log2 S|V| + (sum_{j<c} j K_j psi(j - alpha) - U psi(beta + alpha K + U - alpha u)) / ln 2`.
pub fn storing_given(
    config: &GeneratorConfig,
    spectrum: &[f64],
    min_counts: &[u64],
) -> Vec<ExpectedStoring> {
    let (alpha, beta) = (config.alpha, config.beta);
    let distinct: f64 = spectrum.iter().sum();
    let unit_bits = (config.name_space() * config.values_per_attribute as f64).log2();
    min_counts
        .iter()
        .map(|&c| {
            let below = &spectrum[..(c.max(1) as usize - 1).min(spectrum.len())];
            let (mut mentions, mut entities, mut weighted) = (0.0, 0.0, 0.0);
            for (i, &k) in below.iter().enumerate() {
                let j = (i + 1) as f64;
                mentions += j * k;
                entities += k;
                weighted += j * k * digamma(j - alpha);
            }
            let residual = digamma(beta + alpha * distinct + mentions - alpha * entities);
            ExpectedStoring {
                min_count: c,
                stored_entities: distinct - entities,
                excess_bits: mentions * unit_bits + (weighted - mentions * residual) / LN_2,
            }
        })
        .collect()
}

/// The structure function of `sentences` (a corpus, typically a prefix of the stream of
/// `world`), in O(N + K log K).
///
/// Entities are ranked by their count in `sentences`, descending, ties by entity index; the
/// learner with budget `m` stores the first `m`. Per sentence about entity `k`, attribute
/// `j`, template `t`, it pays:
/// - syntax and filler as the oracle: `-log2(phi_{j,t}/A) + log2|F|` (the syntax is stored
///   for every `m`, at `C_syntax` model bits);
/// - stored `k`: `-log2 pi_k` for the name (the true weight, as the oracle) and 0 for the value;
/// - unstored `k`: `-log2 R_m + log2(name_space)` for the name and `log2|V_j|` for the value.
///   It codes "not stored" with the probability `R_m` of everything it does not store, then
///   a name uniform over the name space (a valid sub-probability code), then the value
///   uniform over `V_j`, in every sentence: it keeps nothing about unstored entities.
///   `R_m = residual_weight + sum of pi_k over the world's entities not stored`: those of rank
///   `>= m` and those the corpus never mentions (the world may hold more entities than a
///   prefix mentions). It is a suffix sum over ranks, never `1 - prefix`, so it has no
///   cancellation when the stored mass is near 1.
///
/// So `D(m) = S + sum_{rank < m} c_k (-log2 pi_k) + (N - sum_{rank < m} c_k)
/// (log2 name_space + log2|V| - log2 R_m)`, `S` the syntax and filler bits and `c_k` corpus
/// counts. Model bits: `C(m) = (d/2) log2 N + m (L log2 name_vocab + A log2|V| + (1/2) log2 N)`:
/// the `d = A (T - 1)` syntax parameters and each entity's weight to precision `1/sqrt(N)`,
/// plus its name and its `A` values. `D(m)` need not be monotone in `m`: storing an entity
/// lowers `R_m`, which raises the cost of every remaining unstored sentence.
pub fn structure_function(
    world: &World,
    sentences: &[Sentence],
) -> Result<StructureFunction, TheoryError> {
    if sentences.is_empty() {
        return Err(TheoryError::EmptyCorpus);
    }
    let (counts, syntax_bits) = counts_and_syntax_bits(world, sentences)?;
    let (ranked, residual) = ranked_with_residuals(world, &counts);
    let config = &world.config;
    let n = sentences.len() as f64;
    let syntax_model_bits = 0.5 * config.syntax_parameters() as f64 * n.log2();
    let value_bits = (config.values_per_attribute as f64).log2();
    let bits_per_entity = config.name_tokens as f64 * (config.name_vocab as f64).log2()
        + config.attributes as f64 * value_bits
        + 0.5 * n.log2();
    let unstored_bits = config.name_space().log2() + value_bits;

    let mut points = Vec::with_capacity(ranked.len() + 1);
    let (mut stored_bits, mut stored_sentences) = (0.0, 0u64);
    for m in 0..=ranked.len() {
        if m > 0 {
            let k = ranked[m - 1];
            stored_bits += counts[k] as f64 * -world.weights[k].log2();
            stored_sentences += counts[k];
        }
        let unstored = sentences.len() as u64 - stored_sentences;
        let unstored_total = if unstored == 0 {
            0.0
        } else {
            unstored as f64 * (unstored_bits - residual[m].log2())
        };
        let model_bits = syntax_model_bits + m as f64 * bits_per_entity;
        let data_bits = syntax_bits + stored_bits + unstored_total;
        points.push(StructurePoint {
            m,
            model_bits,
            data_bits,
            total_bits: model_bits + data_bits,
            min_stored_count: m.checked_sub(1).map_or(0, |i| counts[ranked[i]]),
        });
    }
    let optimum = points.iter().enumerate().fold(0, |best, (m, p)| {
        if p.total_bits < points[best].total_bits {
            m
        } else {
            best
        }
    });
    Ok(StructureFunction {
        sentences: sentences.len(),
        entities: ranked.len(),
        syntax_model_bits,
        bits_per_entity,
        points,
        optimum,
    })
}

/// Each entity's count in `sentences`, and `S`, their syntax and filler bits under the
/// oracle (`-log2(phi_{j,t}/A) + log2|F|` per sentence).
fn counts_and_syntax_bits(
    world: &World,
    sentences: &[Sentence],
) -> Result<(Vec<u64>, f64), TheoryError> {
    let oracle = Oracle::new(world)?;
    let mut counts = vec![0u64; world.weights.len()];
    let mut syntax_bits = 0.0;
    for sentence in sentences {
        let count = counts
            .get_mut(sentence.entity as usize)
            .ok_or(TheoryError::UnknownEntity {
                entity: sentence.entity,
                entities: world.weights.len(),
            })?;
        *count += 1;
        syntax_bits += oracle.head_bits(sentence.attribute as usize, sentence.template as usize)?
            + oracle.filler_bits();
    }
    Ok((counts, syntax_bits))
}

/// The mentioned entities ranked by `counts`, descending, ties by entity index, and
/// `R_m` for `m = 0..=ranked.len()`: the residual weight plus the unmentioned entities'
/// weights plus the ranked tail from `m`, a suffix sum.
fn ranked_with_residuals(world: &World, counts: &[u64]) -> (Vec<usize>, Vec<f64>) {
    let mut ranked: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
    ranked.sort_unstable_by(|&x, &y| counts[y].cmp(&counts[x]).then(x.cmp(&y)));
    let unmentioned: f64 = (0..counts.len())
        .filter(|&k| counts[k] == 0)
        .map(|k| world.weights[k])
        .sum();
    let mut residual = vec![world.residual_weight + unmentioned; ranked.len() + 1];
    for m in (0..ranked.len()).rev() {
        residual[m] = residual[m + 1] + world.weights[ranked[m]];
    }
    (ranked, residual)
}

/// The two-part optimum of [`structure_function`]: `(m*, least corpus count among the m*
/// stored entities)`, the count 0 when `m* = 0`.
pub fn optimal_entities(
    world: &World,
    sentences: &[Sentence],
) -> Result<(usize, u64), TheoryError> {
    let function = structure_function(world, sentences)?;
    let best = function.optimal();
    Ok((best.m, best.min_stored_count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_generator::{Corpus, GeneratorConfig};

    fn corpus(alpha: f64, sentences: usize, seed: u64) -> Corpus {
        let config = GeneratorConfig {
            alpha,
            beta: 1.0,
            seed,
            name_tokens: 4,
            name_vocab: 64,
            attributes: 3,
            values_per_attribute: 16,
            templates_per_attribute: 4,
            template_dirichlet: 1.0,
            filler_vocab: 4,
        };
        Corpus::generate(&config, sentences).expect("corpus")
    }

    /// `D(m)` straight from the definition, sentence by sentence.
    fn direct_data_bits(world: &World, sentences: &[Sentence], stored: &[usize]) -> f64 {
        let oracle = Oracle::new(world).expect("oracle");
        let is_stored = |k: usize| stored.contains(&k);
        let residual: f64 = world.residual_weight
            + (0..world.weights.len())
                .filter(|&k| !is_stored(k))
                .map(|k| world.weights[k])
                .sum::<f64>();
        sentences
            .iter()
            .map(|s| {
                let k = s.entity as usize;
                let syntax = oracle
                    .head_bits(s.attribute as usize, s.template as usize)
                    .expect("template")
                    + oracle.filler_bits();
                syntax
                    + if is_stored(k) {
                        -world.weights[k].log2()
                    } else {
                        -residual.log2() + world.config.name_space().log2() + 16f64.log2()
                    }
            })
            .sum()
    }

    #[test]
    fn every_budget_matches_direct_computation() {
        let corpus = corpus(0.5, 3_000, 5);
        let prefix = &corpus.sentences[..1_000];
        let function = structure_function(&corpus.world, prefix).expect("structure function");
        assert_eq!(function.points.len(), function.entities + 1);
        let mut counts = vec![0u64; corpus.world.weights.len()];
        prefix.iter().for_each(|s| counts[s.entity as usize] += 1);
        let mut ranked: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
        ranked.sort_by_key(|&k| (std::cmp::Reverse(counts[k]), k));
        assert_eq!(ranked.len(), function.entities);
        for (m, point) in function.points.iter().enumerate() {
            let direct = direct_data_bits(&corpus.world, prefix, &ranked[..m]);
            assert!(
                (point.data_bits - direct).abs() <= 1e-9 * direct,
                "m {m}: {} vs {direct}",
                point.data_bits
            );
            let n = 1_000f64.log2();
            let per_entity = 4.0 * 6.0 + 3.0 * 4.0 + 0.5 * n;
            let model = 0.5 * 9.0 * n + m as f64 * per_entity;
            assert!((point.model_bits - model).abs() < 1e-9);
            assert_eq!(point.total_bits, point.model_bits + point.data_bits);
            let expected_min = if m == 0 { 0 } else { counts[ranked[m - 1]] };
            assert_eq!(point.min_stored_count, expected_min);
        }
        let best = function.optimal().total_bits;
        assert!(function.points.iter().all(|p| p.total_bits >= best));
        assert!(
            function.points[..function.optimum]
                .iter()
                .all(|p| p.total_bits > best)
        );
    }

    /// The mean and the standard error of the mean of `xs`.
    fn mean_se(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    /// The frequency spectrum of `counts` up to `n`.
    fn spectrum_of(counts: impl Iterator<Item = u64>, n: usize) -> Vec<f64> {
        let mut spectrum = vec![0.0; n];
        counts
            .filter(|&c| c > 0)
            .for_each(|c| spectrum[c as usize - 1] += 1.0);
        spectrum
    }

    const MIN_COUNTS: [u64; 5] = [2, 3, 5, 10, 30];

    #[test]
    fn storing_given_the_spectrum_is_the_mean_over_the_weights() {
        // Whole corpora, so the weights are drawn from the posterior given these counts.
        let (runs, n) = (400u64, 3_000usize);
        let mut gaps = vec![Vec::new(); MIN_COUNTS.len()];
        for seed in 0..runs {
            let corpus = corpus(0.5, n, 1_000 + seed);
            let function = structure_function(&corpus.world, &corpus.sentences).expect("sf");
            let spectrum = spectrum_of(corpus.world.counts.iter().copied(), n);
            let given = storing_given(&corpus.world.config, &spectrum, &MIN_COUNTS);
            for (i, want) in given.iter().enumerate() {
                let (stored, excess) = function.storing_at_least(want.min_count);
                assert_eq!(stored as f64, want.stored_entities);
                gaps[i].push(excess - want.excess_bits);
            }
        }
        for (gap, c) in gaps.iter().zip(MIN_COUNTS) {
            let (mean, se) = mean_se(gap);
            assert!(
                mean.abs() <= 4.0 * se,
                "c {c}: simulated minus given {mean} ± {se}"
            );
        }
    }

    #[test]
    fn sampled_spectra_follow_the_exact_law() {
        let (n, alpha, beta) = (3_000u64, 0.5, 1.0);
        let config = corpus(alpha, 1, 0).world.config;
        let chains = Chains {
            count: 4_000,
            seed: 11,
        };
        let sampled = sampled_storing(&config, n, &MIN_COUNTS, chains).expect("chains");
        let tail = crate::expected_tail_counts(alpha, beta, n as usize);
        for (i, &c) in MIN_COUNTS.iter().enumerate() {
            let stored: Vec<f64> = sampled
                .iter()
                .map(|chain| chain[i].stored_entities)
                .collect();
            let (mean, se) = mean_se(&stored);
            let want = tail[c as usize - 1];
            assert!(
                (mean - want).abs() <= 4.0 * se,
                "c {c}: G {mean} ± {se}, exact {want}"
            );
        }
    }

    #[test]
    fn storing_at_least_one_is_the_oracle_and_storing_more_than_seen_is_nothing() {
        let corpus = corpus(0.5, 2_000, 4);
        let function = structure_function(&corpus.world, &corpus.sentences).expect("sf");
        assert_eq!(function.storing_at_least(1), (function.entities, 0.0));
        let (stored, excess) = function.storing_at_least(u64::MAX);
        assert_eq!(stored, 0);
        assert_eq!(
            excess,
            function.points[0].data_bits - function.points[function.entities].data_bits
        );
    }

    #[test]
    fn optimum_grows_with_the_corpus() {
        let corpus = corpus(0.5, 100_000, 9);
        let optima: Vec<(usize, u64)> = [1_000, 10_000, 100_000]
            .iter()
            .map(|&n| optimal_entities(&corpus.world, &corpus.sentences[..n]).expect("optimum"))
            .collect();
        assert!(optima[0].0 > 0);
        assert!(optima.windows(2).all(|w| w[1].0 > w[0].0), "{optima:?}");
    }

    #[test]
    fn empty_and_foreign_corpora_are_rejected() {
        let corpus = corpus(0.5, 100, 1);
        assert_eq!(
            structure_function(&corpus.world, &[]),
            Err(TheoryError::EmptyCorpus)
        );
        let mut foreign = corpus.sentences[0];
        foreign.entity = 10_000;
        assert!(matches!(
            structure_function(&corpus.world, &[foreign]),
            Err(TheoryError::UnknownEntity { .. })
        ));
    }
}
