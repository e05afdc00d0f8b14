//! Properties of the generated corpus.

use std::collections::HashSet;

use skm_generator::{Corpus, Generator, GeneratorConfig, GeneratorError, Role, Slot, Vocabulary};

fn config(alpha: f64, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        alpha,
        beta: 1.0,
        seed,
        name_tokens: 2,
        name_vocab: 200,
        attributes: 3,
        values_per_attribute: 10,
        templates_per_attribute: 4,
        template_dirichlet: 0.5,
        filler_vocab: 5,
    }
}

#[test]
fn same_seed_same_corpus_and_prefixes_agree() {
    let a = Corpus::generate(&config(0.5, 3), 2_000).unwrap();
    let b = Corpus::generate(&config(0.5, 3), 2_000).unwrap();
    assert_eq!(a.tokens, b.tokens);
    assert_eq!(a.world, b.world);
    let prefix = Corpus::generate(&config(0.5, 3), 500).unwrap();
    assert_eq!(prefix.sentences[..], a.sentences[..500]);
    assert_eq!(prefix.tokens[..], a.tokens[..a.offsets[500]]);
    let other = Corpus::generate(&config(0.5, 4), 2_000).unwrap();
    assert_ne!(a.tokens, other.tokens);
}

/// The syntax choices have a random stream of their own: at one seed, the attributes,
/// templates and fillers are the same whatever the knowledge model draws (the reports say
/// so where the syntax rows of several alphas agree), while the entities differ.
#[test]
fn syntax_choices_do_not_depend_on_the_knowledge_model() {
    let syntax = |c: &Corpus| -> Vec<_> {
        let s = c.sentences.iter();
        s.map(|s| (s.attribute, s.template, s.filler)).collect()
    };
    let a = Corpus::generate(&config(0.3, 5), 2_000).unwrap();
    let b = Corpus::generate(
        &GeneratorConfig {
            beta: 10.0,
            ..config(0.7, 5)
        },
        2_000,
    )
    .unwrap();
    assert_eq!(syntax(&a), syntax(&b));
    let entities = |c: &Corpus| c.sentences.iter().map(|s| s.entity).collect::<Vec<_>>();
    assert_ne!(entities(&a), entities(&b));
}

#[test]
fn sentences_follow_their_templates() {
    let corpus = Corpus::generate(&config(0.7, 1), 3_000).unwrap();
    let world = &corpus.world;
    let vocab = &world.vocabulary;
    for (i, s) in corpus.sentences.iter().enumerate() {
        let tokens = corpus.sentence_tokens(i);
        let template = world
            .syntax
            .template(s.attribute as usize, s.template as usize);
        assert_eq!(tokens.len(), template.slots.len());
        assert_eq!(*tokens.last().unwrap(), Vocabulary::EOS);
        assert_eq!(
            tokens[0],
            vocab.heads_range().start + (s.attribute * 4 + s.template) as u32
        );
        for (slot, &token) in template.slots.iter().zip(tokens) {
            let role = vocab.role(token);
            match slot {
                Slot::Word(w) => assert_eq!((*w, role), (token, Role::Syntax)),
                Slot::Name(j) => {
                    assert_eq!(token, world.entities.name(s.entity as usize)[*j as usize])
                }
                Slot::Value => {
                    assert!(
                        vocab
                            .attribute_values(s.attribute as usize)
                            .contains(&token)
                    );
                    assert_eq!(
                        token,
                        world
                            .entities
                            .value(s.entity as usize, s.attribute as usize)
                    );
                }
                Slot::Filler => assert_eq!(role, Role::Noise),
            }
        }
    }
}

#[test]
fn entities_are_numbered_by_first_appearance_with_unique_names() {
    let corpus = Corpus::generate(&config(0.5, 2), 5_000).unwrap();
    let mut next = 0;
    for s in &corpus.sentences {
        assert_eq!(s.new_entity, s.entity == next);
        assert!(s.entity <= next);
        if s.new_entity {
            next += 1;
        }
    }
    let world = &corpus.world;
    let names: HashSet<&[u32]> = (0..world.entities.len())
        .map(|k| world.entities.name(k))
        .collect();
    assert_eq!(names.len(), world.entities.len());
    assert_eq!(world.counts.iter().sum::<u64>(), 5_000);
}

#[test]
fn weights_are_a_distribution_with_residual() {
    let corpus = Corpus::generate(&config(0.7, 5), 5_000).unwrap();
    let world = &corpus.world;
    let total: f64 = world.weights.iter().sum::<f64>() + world.residual_weight;
    assert!((total - 1.0).abs() < 1e-12);
    assert!(world.weights.iter().all(|&w| w > 0.0));
    assert!(world.residual_weight > 0.0);
    // Frequent entities carry large weights: the posterior mean is (n_k - alpha)/(n + beta).
    let top = (0..world.counts.len())
        .max_by_key(|&k| world.counts[k])
        .unwrap();
    let share = world.counts[top] as f64 / 5_000.0;
    assert!(
        (world.weights[top] - share).abs() < 0.05,
        "{} vs {share}",
        world.weights[top]
    );
}

#[test]
fn template_frequencies_follow_phi() {
    let corpus = Corpus::generate(&config(0.5, 9), 40_000).unwrap();
    let phi = &corpus.world.syntax.phi;
    let mut counts = vec![vec![0usize; 4]; 3];
    for s in &corpus.sentences {
        counts[s.attribute as usize][s.template as usize] += 1;
    }
    for j in 0..3 {
        let n: usize = counts[j].iter().sum();
        for t in 0..4 {
            let p = phi[j][t];
            let se = (p * (1.0 - p) / n as f64).sqrt();
            let f = counts[j][t] as f64 / n as f64;
            assert!((f - p).abs() <= 5.0 * se + 1e-9, "j={j} t={t}: {f} vs {p}");
        }
    }
}

#[test]
fn heavy_tail_alpha_matches_the_pycrp_mean() {
    // alpha = 0.9, beta = 1, N = 20,000: E[K_N] = 8,581.8 by the exact recursion, and
    // K_N / N^alpha has a standard deviation of about 22% (moments of the limit law), so the
    // mean of 20 seeds lies within 4 standard errors (4 * 1,900 / sqrt(20) ~ 1,700) of it.
    let mean = (0..20)
        .map(|seed| {
            let mut c = config(0.9, seed);
            c.name_tokens = 4;
            Corpus::generate(&c, 20_000).unwrap().world.entities.len() as f64
        })
        .sum::<f64>()
        / 20.0;
    assert!((mean - 8_581.8).abs() < 1_700.0, "mean K = {mean}");
}

#[test]
fn bad_parameters_are_named() {
    let mut c = config(0.5, 1);
    c.alpha = 1.0;
    let err = Generator::new(&c).err().unwrap();
    assert!(matches!(
        err,
        GeneratorError::InvalidParameter { field: "alpha", .. }
    ));
    assert!(err.to_string().contains("0 <= alpha < 1"));
    let mut c = config(0.5, 1);
    c.beta = -0.5;
    assert!(matches!(
        Generator::new(&c).err().unwrap(),
        GeneratorError::InvalidParameter { field: "beta", .. }
    ));
}

#[test]
fn small_name_space_fails_clearly() {
    let mut c = config(0.7, 1);
    c.name_tokens = 1;
    c.name_vocab = 1_000;
    let err = Corpus::generate(&c, 10_000).err().unwrap();
    assert!(matches!(err, GeneratorError::NameSpaceExhausted { .. }));
    assert!(err.to_string().contains("raise name_tokens"));
}

#[test]
fn words_are_unique_and_readable() {
    let c = config(0.5, 1);
    let vocab = Vocabulary::new(&c);
    let words: HashSet<String> = (0..vocab.size() as u32).map(|t| vocab.word(t)).collect();
    assert_eq!(words.len(), vocab.size());
    let corpus = Corpus::generate(&c, 3).unwrap();
    let text = vocab.render(corpus.sentence_tokens(0));
    assert!(text.ends_with('.'), "{text}");
}

#[test]
fn fact_exposures_count_the_sentences_stating_each_fact() {
    let corpus = Corpus::generate(&config(0.5, 2), 400).unwrap();
    let all = corpus.fact_exposures(0..400);
    assert_eq!(all.values().sum::<u64>(), 400);
    let (head, tail) = (
        corpus.fact_exposures(0..150),
        corpus.fact_exposures(150..400),
    );
    for (fact, &n) in &all {
        let part = |m: &std::collections::BTreeMap<(u32, u16), u64>| m.get(fact).copied();
        assert_eq!(part(&head).unwrap_or(0) + part(&tail).unwrap_or(0), n);
        let stated = corpus
            .sentences
            .iter()
            .filter(|s| (s.entity, s.attribute) == *fact);
        assert_eq!(stated.count() as u64, n);
    }
    assert!(head.values().all(|&n| n > 0));
    assert!(corpus.fact_exposures(7..7).is_empty());
}

#[test]
fn per_role_numbers_are_indexed_summed_and_added_by_role() {
    use skm_generator::{PerRole, Role};
    let mut bits = PerRole {
        syntax: 1.0,
        name: 2.0,
        value: 4.0,
        noise: 8.0,
    };
    assert_eq!(Role::ALL.map(|r| bits.get(r)), [1.0, 2.0, 4.0, 8.0]);
    assert_eq!(bits.total(), 15.0);
    *bits.get_mut(Role::Value) += 0.5;
    bits += PerRole {
        syntax: 1.0,
        ..PerRole::default()
    };
    assert_eq!(bits.syntax, 2.0);
    assert_eq!(bits.value, 4.5);
}
