//! The capacity-limited learner and the Kolmogorov structure function of a corpus
//! (spec section 2, claim C11).
//!
//! A learner with budget `m` stores the `m` entities the corpus mentions most often: for them
//! it is the oracle, about every other entity it knows nothing. Its two-part code is
//! `C(m)` model bits plus `D(m)` data bits; `m -> (C(m), D(m))` is the structure function and
//! `argmin_m C(m) + D(m)` the two-part optimum `m*(N)`.

use serde::{Deserialize, Serialize};
use skm_generator::{Sentence, World};

use crate::TheoryError;
use crate::oracle::Oracle;

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
    let oracle = Oracle::new(world)?;
    let config = &world.config;
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
    let mut ranked: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
    ranked.sort_unstable_by(|&x, &y| counts[y].cmp(&counts[x]).then(x.cmp(&y)));

    // residual[m] = R_m: the residual plus the unmentioned entities, then the ranked tail.
    let unmentioned: f64 = (0..counts.len())
        .filter(|&k| counts[k] == 0)
        .map(|k| world.weights[k])
        .sum();
    let mut residual = vec![world.residual_weight + unmentioned; ranked.len() + 1];
    for m in (0..ranked.len()).rev() {
        residual[m] = residual[m + 1] + world.weights[ranked[m]];
    }

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
