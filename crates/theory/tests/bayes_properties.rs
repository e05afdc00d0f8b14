//! Properties of the Bayes learner on random small worlds: its predictive is a distribution
//! that agrees with the bits it assigns, it never beats the oracle on long streams, and its
//! code length does not depend on the order of the sentences.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use skm_generator::{Corpus, GeneratorConfig, Token};
use skm_theory::{BayesLearner, Oracle, RoleBits, SplitByRole};

/// A random small configuration and corpus length; the name space holds at least 64 names
/// per sentence, so the generator never runs out of names.
fn world() -> impl Strategy<Value = (GeneratorConfig, usize)> {
    (
        (
            0.0..0.9f64,
            0.05..4.0f64,
            any::<u64>(),
            1..=4usize,
            4..=40usize,
        ),
        (1..=3usize, 2..=5usize, 1..=4usize, 0.1..3.0f64, 0..=3usize),
        20..=200usize,
    )
        .prop_map(|(knowledge, syntax, sentences)| {
            let (alpha, beta_offset, seed, name_tokens, name_vocab) = knowledge;
            let (attributes, values_per_attribute, templates_per_attribute, a, filler) = syntax;
            let needed = (64.0 * sentences as f64)
                .powf(1.0 / name_tokens as f64)
                .ceil();
            let config = GeneratorConfig {
                alpha,
                beta: beta_offset - alpha,
                seed,
                name_tokens,
                name_vocab: name_vocab.max(needed as usize + 1),
                attributes,
                values_per_attribute,
                templates_per_attribute,
                template_dirichlet: a,
                filler_vocab: filler,
            };
            (config, sentences)
        })
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn predictive_is_a_distribution_that_matches_the_bits((config, n) in world()) {
        let corpus = Corpus::generate(&config, n).expect("name space is large enough");
        let mut learner = BayesLearner::new(&corpus.world).expect("learner");
        let stride = (n / 12).max(1);
        let mut bits = Vec::new();
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            let tokens = corpus.sentence_tokens(i);
            let mut predicted = Vec::new();
            if i % stride == 0 {
                for position in 0..tokens.len() {
                    let p = learner.predictive(&tokens[..position]).expect("predictive");
                    prop_assert_eq!(p.len(), corpus.world.vocabulary.size());
                    let total: f64 = p.iter().sum();
                    prop_assert!((total - 1.0).abs() < 1e-9, "sum {} at {}:{}", total, i, position);
                    prop_assert!(p.iter().all(|&x| x >= 0.0));
                    predicted.push(p[tokens[position] as usize]);
                }
                prop_assert!(learner.predictive(tokens).is_err());
            }
            bits.clear();
            learner.observe(sentence, tokens, &mut bits).expect("observe");
            prop_assert_eq!(bits.len(), tokens.len());
            for (position, &p) in predicted.iter().enumerate() {
                let from_bits = (-bits[position]).exp2();
                prop_assert!(relative(p, from_bits) < 1e-9, "{} vs {} at {}:{}", p, from_bits, i, position);
            }
        }
    }

    #[test]
    fn code_length_is_exchangeable((config, n) in world(), shuffle_seed in any::<u64>()) {
        let corpus = Corpus::generate(&config, n).expect("name space is large enough");
        let total = |order: &[usize]| -> f64 {
            let mut learner = BayesLearner::new(&corpus.world).expect("learner");
            let mut bits = Vec::new();
            for &i in order {
                learner
                    .observe(&corpus.sentences[i], corpus.sentence_tokens(i), &mut bits)
                    .expect("observe");
            }
            bits.iter().sum()
        };
        let mut order: Vec<usize> = (0..n).collect();
        let forward = total(&order);
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(shuffle_seed));
        let shuffled = total(&order);
        prop_assert!(relative(shuffled, forward) < 1e-9, "{} vs {}", shuffled, forward);
    }
}

fn long_config(alpha: f64, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        alpha,
        beta: 1.0,
        seed,
        name_tokens: 3,
        name_vocab: 256,
        attributes: 4,
        values_per_attribute: 32,
        templates_per_attribute: 4,
        template_dirichlet: 1.0,
        filler_vocab: 8,
    }
}

#[test]
fn bayes_never_beats_the_oracle_on_long_streams() {
    const N: usize = 20_000;
    for alpha in [0.3, 0.5, 0.7] {
        for seed in 1..=3 {
            let corpus = Corpus::generate(&long_config(alpha, seed), N).expect("corpus");
            let oracle = Oracle::new(&corpus.world).expect("oracle");
            let mut learner = BayesLearner::new(&corpus.world).expect("learner");
            let (mut bayes, mut floor) = (Vec::new(), 0.0);
            for (i, sentence) in corpus.sentences.iter().enumerate() {
                learner
                    .observe(sentence, corpus.sentence_tokens(i), &mut bayes)
                    .expect("observe");
                floor += oracle.sentence_total(sentence).expect("oracle");
            }
            let bayes: f64 = bayes.iter().sum();
            assert!(
                bayes / N as f64 >= floor / N as f64,
                "alpha {alpha} seed {seed}: Bayes {} < oracle {} bits/sentence",
                bayes / N as f64,
                floor / N as f64
            );
        }
    }
}

#[test]
fn role_split_adds_up_and_fillers_cost_log_f() {
    let corpus = Corpus::generate(&long_config(0.5, 4), 2_000).expect("corpus");
    let mut learner = BayesLearner::new(&corpus.world).expect("learner");
    let vocabulary = &corpus.world.vocabulary;
    let mut total = RoleBits::default();
    let mut bits = Vec::new();
    for (i, sentence) in corpus.sentences.iter().enumerate() {
        let tokens: &[Token] = corpus.sentence_tokens(i);
        bits.clear();
        learner
            .observe(sentence, tokens, &mut bits)
            .expect("observe");
        let split = RoleBits::split(vocabulary, tokens, &bits).expect("split");
        assert!((split.total() - bits.iter().sum::<f64>()).abs() < 1e-9);
        assert_eq!(split.noise, 3.0);
        total += split;
    }
    assert_eq!(total.noise, 3.0 * 2_000.0);
    assert!(total.syntax > 0.0 && total.name > 0.0 && total.value > 0.0);
    assert!(RoleBits::split(vocabulary, corpus.sentence_tokens(0), &[]).is_err());
}

#[test]
fn held_out_scoring_sees_unseen_entities_as_new() {
    let corpus = Corpus::generate(&long_config(0.5, 6), 4_000).expect("corpus");
    let (train, test) = corpus.sentences.split_at(3_000);
    let mut learner = BayesLearner::new(&corpus.world).expect("learner");
    let mut bits = Vec::new();
    for (i, sentence) in train.iter().enumerate() {
        learner
            .observe(sentence, corpus.sentence_tokens(i), &mut bits)
            .expect("observe");
    }
    let seen: std::collections::HashSet<u32> = train.iter().map(|s| s.entity).collect();
    let value_bits = 5.0;
    let mut unseen = 0;
    for (offset, sentence) in test.iter().enumerate() {
        let tokens = corpus.sentence_tokens(3_000 + offset);
        bits.clear();
        learner.score(sentence, tokens, &mut bits).expect("score");
        let split = RoleBits::split(&corpus.world.vocabulary, tokens, &bits).expect("split");
        if !seen.contains(&sentence.entity) {
            unseen += 1;
            assert_eq!(split.value, value_bits);
            assert!(split.name > (256f64.powi(3) - 5_000.0).log2());
        }
    }
    assert!(unseen > 0);
    assert_eq!(learner.sentences(), 3_000);
}
