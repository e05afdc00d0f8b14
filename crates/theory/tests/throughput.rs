//! Bayes learner throughput, tokens observed per second on one core. Ignored by default:
//! `cargo test -p skm-theory --release --test throughput -- --ignored --nocapture`.

use std::time::Instant;

use skm_generator::{Corpus, GeneratorConfig};
use skm_theory::BayesLearner;

#[test]
#[ignore = "timing, run on demand"]
fn observe_throughput() {
    const SENTENCES: usize = 1_000_000;
    for (alpha, name_tokens) in [(0.5, 3), (0.8, 3), (0.5, 6)] {
        let config = GeneratorConfig {
            alpha,
            beta: 1.0,
            seed: 1,
            name_tokens,
            name_vocab: 512,
            attributes: 4,
            values_per_attribute: 64,
            templates_per_attribute: 4,
            template_dirichlet: 1.0,
            filler_vocab: 16,
        };
        let corpus = Corpus::generate(&config, SENTENCES).expect("corpus");
        let mut bits = Vec::with_capacity(corpus.tokens.len());
        let start = Instant::now();
        let mut learner = BayesLearner::new(&corpus.world).expect("learner");
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            learner
                .observe(sentence, corpus.sentence_tokens(i), &mut bits)
                .expect("observe");
        }
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "alpha {alpha} L {name_tokens}: {} sentences, {} entities, {:.1} M tokens/s, {:.0} ns/sentence",
            SENTENCES,
            learner.entities(),
            corpus.tokens.len() as f64 / seconds / 1e6,
            seconds / SENTENCES as f64 * 1e9
        );
    }
}
