//! fine-tuning: a transformer pre-trained on a Syntax-Knowledge stream is tuned on
//! question-answer sentences, a format it never saw, once on facts it knows and once on facts
//! of entities it never saw (C10).
//!
//! A QA sentence is `QUESTION ATTR_j name_1..name_L ANSWER value EOS`; its tokens come after the
//! generator's vocabulary (`QUESTION = V`, `ANSWER = V + 1`, `ATTR_j = V + 2 + j`), so the
//! model has them from the start but pre-training never shows them. A QA probe reads the
//! model after `EOS QUESTION ATTR_j name ANSWER`, a template probe after the template prefix
//! of `probe::prefix`.
//!
//! Both arms start from the same pre-trained weights (a `TrainRequest` with `init`: fresh
//! AdamW, step 0, cached and resumable like every run) and train on their QA sentences only,
//! shuffled and repeated; the weights kept at log-spaced steps are probed after tuning. The `known` arm tunes
//! facts the model knows (correct in template probes after pre-training) of the seen entities
//! it knows best (most facts correct, then most frequent) among those without a held-out
//! probe, up to `tune_facts` facts; the `unknown` arm mirrors it, one entity with a fresh name
//! per known-arm entity and a value uniform in `V_j` (like the never-seen probes) for each
//! attribute that entity tunes, so both arms tune as many facts of as many entities, of the
//! same attributes. Held out from both, and
//! drawn first: a stratified probe set (by true frequency) of the seen entities, so that
//! well-known entities stay held out too, and of never-seen ones.
//!
//! Theory: the format is a handful of parameters seen in every QA sentence, a fact is one
//! parameter seen in `1 / F` of them (`F` facts tuned), so if both need a similar number of
//! exposures the format is learned `log10(F)` decades of steps earlier.

//!
//! `params` reads the `[analysis]` table, `schema` names the keys of its frames, `qa` is the QA
//! format and the tuning stream, `compute` pre-trains, tunes and probes (frames), `curves` reads
//! the frames back into curves per point, `claims` holds the C10 rules, `figures` and `text` draw
//! and tell them, and `analyse` puts them together.

mod analyse;
mod claims;
mod compute;
mod curves;
mod figures;
mod params;
mod qa;
mod schema;
mod text;

use crate::error::Result;

use super::{Analysis, Env, Experiment, Frames};
use crate::spec::Spec;
use params::{Params, tune_config};

/// The experiment.
pub struct FineTuning;

impl Experiment for FineTuning {
    fn name(&self) -> &'static str {
        "fine-tuning"
    }

    fn check(&self, spec: &Spec) -> Result<()> {
        params::check(spec)
    }

    fn work(&self, spec: &Spec) -> u64 {
        let runs = spec.seeds.len() as u64 * spec.points.len() as u64;
        match (spec.train.as_ref(), spec.analysis::<Params>()) {
            (Some(train), Ok(p)) => (train.steps + 2 * tune_config(train, &p).steps) as u64 * runs,
            _ => 0,
        }
    }

    fn unit(&self) -> &'static str {
        "steps"
    }

    fn compute(&self, spec: &Spec, env: &Env<'_>) -> Result<Frames> {
        compute::compute(spec, env)
    }

    fn analyse(&self, spec: &Spec, frames: &Frames) -> Result<Analysis> {
        analyse::analyse(self.name(), spec, frames)
    }

    fn regime(&self, spec: &Spec) -> String {
        format!(
            "{} of pre-training, then tuned per arm",
            crate::training::transformer_regime(spec)
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::claims::{forgetting_rule, format_estimate};
    use super::compute::{known_arm, mirrored_entities};
    use super::curves::first_reach;
    use super::params::{Params, tune_config};
    use super::qa::{COPIES, Qa, tuning_stream};
    use crate::train_smoke::evaluation_steps;
    use skm_generator::GeneratorConfig;
    use skm_generator::{Corpus, Token, Vocabulary};
    use skm_report::{Estimate, Rule, Side, Verdict, judge};
    use skm_trainer::TrainConfig;
    use skm_trainer::probe::Probe;

    fn corpus() -> Corpus {
        let config = GeneratorConfig {
            alpha: 0.5,
            beta: 1.0,
            seed: 3,
            name_tokens: 2,
            name_vocab: 64,
            attributes: 3,
            values_per_attribute: 8,
            templates_per_attribute: 2,
            template_dirichlet: 1.0,
            filler_vocab: 4,
        };
        Corpus::generate(&config, 500).expect("corpus")
    }

    #[test]
    fn qa_sentences_end_their_prefix_with_the_value() {
        let corpus = corpus();
        let world = &corpus.world;
        let qa = Qa::new(world);
        let v = world.vocabulary.size() as Token;
        assert_eq!(
            (qa.question(), qa.answer(), qa.attribute(2)),
            (v, v + 1, v + 4)
        );
        assert_eq!(qa.vocab_size(), world.vocabulary.size() + 5);
        let name = world.entities.name(0);
        let value = world.entities.value(0, 1);
        let prefix = qa.prefix(name, 1);
        let sentence = qa.sentence(name, 1, value);
        assert_eq!(prefix[..3], [Vocabulary::EOS, v, v + 3]);
        assert_eq!(prefix[3..3 + name.len()], *name);
        assert_eq!(prefix.last(), Some(&(v + 1)));
        // In a stream, the EOS of the previous sentence completes the prefix.
        assert_eq!(sentence[..prefix.len() - 1], prefix[1..]);
        assert_eq!(sentence[prefix.len() - 1..], [value, Vocabulary::EOS]);
        assert!(
            prefix
                .iter()
                .chain(&sentence)
                .all(|&t| (t as usize) < qa.vocab_size())
        );
    }

    #[test]
    fn the_tuning_stream_repeats_every_sentence_in_shuffled_copies() {
        let sentences: Vec<Vec<Token>> = (0..10).map(|i| vec![i, 100 + i, 0]).collect();
        let stream = tuning_stream(&sentences, 4);
        assert_eq!(stream, tuning_stream(&sentences, 4));
        assert_ne!(stream, tuning_stream(&sentences, 5));
        assert_eq!(stream.len(), COPIES * 30);
        let copies: Vec<Vec<Token>> = stream.chunks(30).map(|c| c.to_vec()).collect();
        for copy in &copies {
            let mut heads: Vec<Token> = copy.chunks(3).map(|s| s[0]).collect();
            assert!(copy.chunks(3).all(|s| s[1] == 100 + s[0] && s[2] == 0));
            heads.sort_unstable();
            assert_eq!(heads, (0..10).collect::<Vec<_>>());
        }
        assert!(copies.windows(2).any(|w| w[0] != w[1]));
    }

    /// Seen-entity probes of `facts`: (entity, attribute) pairs, in order.
    fn seen(world: &skm_generator::World, facts: &[(u32, u16)]) -> Vec<Probe> {
        facts
            .iter()
            .map(|&(k, j)| Probe {
                entity: Some(k),
                attribute: j,
                name: world.entities.name(k as usize).to_vec(),
                value: world.entities.value(k as usize, usize::from(j)),
                exposures: 1,
                expected_exposures: 1.0,
                entity_sentences: 1,
                weight: 0.01,
            })
            .collect()
    }

    #[test]
    fn the_unknown_arm_mirrors_the_known_arm_with_fresh_entities() {
        let corpus = corpus();
        let world = &corpus.world;
        let taken =
            mirrored_entities(world, &seen(world, &[(0, 0), (1, 2)]), &[], 1).expect("taken");
        // Entity 4 tunes attributes 0 and 2, entity 2 all three, entity 9 attribute 1.
        let known = seen(world, &[(4, 0), (4, 2), (2, 0), (2, 1), (2, 2), (9, 1)]);
        let fresh = mirrored_entities(world, &known, &taken, 1).expect("fresh");
        let attributes = |probes: &[Probe]| probes.iter().map(|p| p.attribute).collect::<Vec<_>>();
        assert_eq!(attributes(&fresh), attributes(&known));
        let runs: Vec<&[Probe]> = fresh.chunk_by(|a, b| a.name == b.name).collect();
        assert_eq!(runs.iter().map(|r| r.len()).collect::<Vec<_>>(), [2, 3, 1]);
        let names: BTreeSet<&[Token]> = fresh.iter().map(|p| p.name.as_slice()).collect();
        assert_eq!(names.len(), 3);
        for p in &fresh {
            assert!(p.entity.is_none());
            assert!((0..world.entities.len()).all(|k| world.entities.name(k) != p.name));
            assert!(taken.iter().all(|t| t.name != p.name));
            assert!(
                world
                    .vocabulary
                    .attribute_values(usize::from(p.attribute))
                    .contains(&p.value)
            );
        }
        // 10,000 entities in turn (no two neighbours alike) need more than half the name space.
        let many: Vec<(u32, u16)> = (0..10_000).map(|k| (k % 5, 0)).collect();
        assert!(mirrored_entities(world, &seen(world, &many), &[], 1).is_err());
    }

    #[test]
    fn the_known_arm_takes_the_known_facts_of_the_best_known_entities_not_held_out() {
        // (entity, sentences) and which of its 3 facts are known.
        let ranked = [(7, 50), (3, 40), (9, 40), (1, 10), (4, 5)];
        let known = [
            [true, false, true],
            [true, true, true],
            [true, true, true],
            [false, false, false],
            [true, true, true],
        ];
        let facts: Vec<Probe> = ranked
            .iter()
            .flat_map(|&(k, _)| {
                (0..3).map(move |j| Probe {
                    entity: Some(k),
                    ..Probe::never_seen(vec![1], j, 2)
                })
            })
            .collect();
        let known: Vec<bool> = known.concat();
        let held_out = BTreeSet::from([9]);
        let arm = |limit| {
            known_arm(&ranked, (&facts, &known), (3, limit), &held_out)
                .iter()
                .map(|f| (f.entity.unwrap(), f.attribute))
                .collect::<Vec<_>>()
        };
        // Ranked: 3 (3 known, 40), 9 (3, 40), 4 (3, 5), 7 (2, 50), 1 (0, 10); 9 is held out,
        // and of 7 only the known facts are taken.
        assert_eq!(arm(4), vec![(3, 0), (3, 1), (3, 2), (4, 0)]);
        assert_eq!(
            arm(100),
            vec![
                (3, 0),
                (3, 1),
                (3, 2),
                (4, 0),
                (4, 1),
                (4, 2),
                (7, 0),
                (7, 2)
            ]
        );
    }

    #[test]
    fn the_format_rule_counts_decades_between_format_and_facts() {
        let rule = Rule::AtLeast { threshold: 1.0 };
        let verdict = |e: &Estimate| judge(e, &rule).verdict();
        let e = format_estimate(Some(3.0), Some(300.0), 1000.0);
        assert!(matches!(e, Estimate::SingleRun { value } if (value - 2.0).abs() < 1e-12));
        assert_eq!(verdict(&e), Verdict::Pass);
        let e = format_estimate(Some(30.0), Some(100.0), 1000.0);
        assert!(matches!(e, Estimate::SingleRun { .. }));
        assert_eq!(verdict(&e), Verdict::Fail);
        // Facts never learned: the last step gives a lower bound, which passes once it
        // reaches the threshold and otherwise does not decide.
        let e = format_estimate(Some(10.0), None, 1000.0);
        assert!(matches!(
            e,
            Estimate::Bound { value, side: Side::AtLeast } if (value - 2.0).abs() < 1e-12
        ));
        assert_eq!(verdict(&e), Verdict::Pass);
        let e = format_estimate(Some(300.0), None, 1000.0);
        assert!(matches!(
            e,
            Estimate::Bound {
                side: Side::AtLeast,
                ..
            }
        ));
        assert_eq!(verdict(&e), Verdict::NotMeasurable);
        // The format never learned: nothing is measured.
        let e = format_estimate(None, Some(10.0), 1000.0);
        assert_eq!(
            e,
            Estimate::NotMeasurable {
                reason: "the format never reaches its threshold within the run".into()
            }
        );
        assert_eq!(verdict(&e), Verdict::NotMeasurable);
        let curve = [(0.0, 0.95), (1.0, 0.2), (3.0, 0.9), (10.0, 0.8)];
        assert_eq!(first_reach(&curve, 0.9), Some(3.0));
        assert_eq!(first_reach(&curve, 0.99), None);
    }

    #[test]
    fn the_forgetting_rule_compares_the_rarest_and_most_frequent_known_buckets() {
        let buckets = [
            (0, 0.0, 0.0),
            (1, 0.1, 0.0),
            (2, 0.5, 0.1),
            (3, 0.8, 0.6),
            (4, 1.0, 0.9),
        ];
        let ((rare, lost_rare), (frequent, lost_frequent)) =
            forgetting_rule(&buckets, 0.3).expect("two buckets");
        assert_eq!((rare, frequent), (2, 4));
        assert!((lost_rare - 0.8).abs() < 1e-12 && (lost_frequent - 0.1).abs() < 1e-12);
        assert_eq!(forgetting_rule(&buckets, 0.9), None);
        assert_eq!(forgetting_rule(&buckets[..1], 0.0), None);
    }

    #[test]
    fn tuning_scales_the_pre_training_schedule() {
        let train = TrainConfig {
            steps: 2000,
            warmup_steps: 100,
            learning_rate: 3e-3,
            min_learning_rate: 3e-4,
            ..TrainConfig::spec()
        };
        let p: Params = toml::from_str(
            "tune_facts = 12\ntune_fraction = 0.15\ntune_learning_rate = 1e-3\nevaluations_per_decade = 4\nprobes_per_bucket = 8\nlearned_share = 0.5\ndecades = 1.0\nforgetting_min_accuracy = 0.3\nforgetting_min_probes = 2\nmin_difference = 0.05",
        )
        .expect("params");
        let tune = tune_config(&train, &p);
        assert_eq!((tune.steps, tune.warmup_steps), (300, 15));
        assert!((tune.min_learning_rate - 1e-4).abs() < 1e-15);
        assert_eq!(
            tune_config(
                &TrainConfig {
                    steps: 3,
                    warmup_steps: 0,
                    ..train
                },
                &p
            )
            .steps,
            1
        );
        let steps = evaluation_steps(300, 4);
        assert_eq!((steps.first(), steps.last()), (Some(&0), Some(&300)));
    }
}
