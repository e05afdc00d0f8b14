//! Fact probes: what the model says at the value slot of a fact it was (or was never) told.
//!
//! A probe of `(entity, attribute j)` feeds the model the prefix of a fixed template of `j` with
//! the entity's name, up to the value slot, and reads the next-token distribution `p` there:
//!
//! - `p_true = p(v)`, the probability of the true value `v`;
//! - `valid_mass = sum over u in V_j of p(u)`, the mass on well-formed answers;
//! - `entropy_bits = -sum p log2 p`;
//! - the argmax is *correct* (`= v`), *hallucinated* (in `V_j`, `!= v`) or *malformed*
//!   (not a value of `j`: the syntax failed).
//!
//! The prefix is `EOS` (the end of a previous sentence, as in the stream) then the slots of
//! the attribute's most probable template (`argmax_t phi_j[t]`, lowest index on ties) before
//! its value slot; a filler slot before the value gets the first filler token. Never-seen
//! entities get fresh names (not the name of any entity of the world) and a value drawn
//! uniformly from `V_j`, as the generator draws a new entity's facts: a Bayes-calibrated
//! model puts `1 / |V_j|` on each value there.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use skm_generator::{Corpus, Slot, Token, Vocabulary, World};

use crate::init::SplitMix64;
use crate::{Gpt, Result, TrainerError};

/// One probed fact.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// The entity, or `None` for a never-seen entity with a fresh name.
    pub entity: Option<u32>,
    /// Attribute `j`.
    pub attribute: u16,
    /// The `L` name tokens.
    pub name: Vec<Token>,
    /// The true value (drawn uniformly from `V_j` for a never-seen entity).
    pub value: Token,
    /// Sentences stating this fact in the training stream (0 for a never-seen entity).
    pub exposures: u64,
    /// `pi_k N / A`: the exposures the entity's true weight leads one to expect.
    pub expected_exposures: f64,
    /// Sentences about the entity in the training stream, any attribute.
    pub entity_sentences: u64,
    /// The entity's true weight `pi_k` (0 for a never-seen entity).
    pub weight: f64,
}

/// How the argmax at the value slot relates to the truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Answer {
    /// The true value.
    Correct,
    /// A value of the right attribute, but not the true one.
    Hallucinated,
    /// Anything else: not a value of the attribute.
    Malformed,
}

impl Answer {
    /// `correct`, `hallucinated` or `malformed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Correct => "correct",
            Answer::Hallucinated => "hallucinated",
            Answer::Malformed => "malformed",
        }
    }
}

/// What the model said at the value slot of one probe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeResult {
    /// The argmax's class.
    pub answer: Answer,
    /// The argmax token.
    pub argmax: Token,
    /// `p(true value)`.
    pub p_true: f64,
    /// Probability of the argmax: the model's confidence in its answer.
    pub p_argmax: f64,
    /// `sum over V_j of p`.
    pub valid_mass: f64,
    /// Entropy of the next-token distribution, bits.
    pub entropy_bits: f64,
}

/// The probe prefix of `attribute` for `name` (see the module documentation).
pub fn prefix(world: &World, name: &[Token], attribute: usize) -> Vec<Token> {
    let phi = &world.syntax.phi[attribute];
    let best = (0..phi.len()).fold(0, |best, t| if phi[t] > phi[best] { t } else { best });
    let filler = world.vocabulary.fillers_range().start;
    let mut tokens = vec![Vocabulary::EOS];
    for slot in &world.syntax.template(attribute, best).slots {
        tokens.push(match *slot {
            Slot::Word(token) => token,
            Slot::Name(i) => name[i as usize],
            Slot::Filler => filler,
            Slot::Value => break,
        });
    }
    tokens
}

/// Runs `probes` through `model` at their template
/// prefixes ([`prefix`]), `batch` prefixes at a time; results are in the order of `probes`.
/// Fails when a prefix is longer than the model's context.
pub fn evaluate(
    model: &Gpt,
    world: &World,
    probes: &[Probe],
    batch: usize,
) -> Result<Vec<ProbeResult>> {
    evaluate_with(
        model,
        world,
        probes,
        |p| prefix(world, &p.name, usize::from(p.attribute)),
        batch,
    )
}

/// Like [`evaluate`], but probe `p` is read after `prefix_of(p)`: any format of a fact whose
/// next token should be a value of `p.attribute` (a question, say). The measurements are
/// those of the module documentation, with `V_j` the values of `p.attribute`. Fails when a
/// prefix is empty, longer than the model's context, or has a token outside its vocabulary.
pub fn evaluate_with(
    model: &Gpt,
    world: &World,
    probes: &[Probe],
    prefix_of: impl Fn(&Probe) -> Vec<Token>,
    batch: usize,
) -> Result<Vec<ProbeResult>> {
    let vocab = model.vocab_size();
    let prefixes: Vec<Vec<Token>> = probes.iter().map(prefix_of).collect();
    crate::data::check_tokens(&prefixes.concat(), vocab)?;
    if prefixes.iter().any(Vec::is_empty) {
        return Err(TrainerError::StreamTooShort {
            what: "probe prefix",
            tokens: 0,
            needed: 1,
        });
    }
    if let Some(long) = prefixes.iter().find(|p| p.len() > model.context()) {
        return Err(TrainerError::StreamTooShort {
            what: "model context for a probe prefix",
            tokens: model.context(),
            needed: long.len(),
        });
    }
    // Prefixes of one attribute and length (with template prefixes, of one attribute) are
    // batched together.
    let mut groups: BTreeMap<(u16, usize), Vec<usize>> = BTreeMap::new();
    for (i, probe) in probes.iter().enumerate() {
        groups
            .entry((probe.attribute, prefixes[i].len()))
            .or_default()
            .push(i);
    }
    let mut results = vec![None; probes.len()];
    let mut workspaces = Vec::new();
    for (&(attribute, t), indices) in &groups {
        let valid = world.vocabulary.attribute_values(usize::from(attribute));
        for chunk in indices.chunks(batch.max(1)) {
            let inputs: Vec<Token> = chunk.iter().flat_map(|&i| prefixes[i].clone()).collect();
            let log_p = model.next_log_probs(&mut workspaces, &inputs, chunk.len(), t);
            for (row, &i) in log_p.chunks_exact(vocab).zip(chunk) {
                results[i] = Some(read_distribution(row, probes[i].value, &valid));
            }
        }
    }
    Ok(results.into_iter().flatten().collect())
}

/// The probe measurements from one row of natural-log probabilities.
fn read_distribution(log_p: &[f32], value: Token, valid: &Range<Token>) -> ProbeResult {
    let p = |token: usize| f64::from(log_p[token]).exp();
    // The first maximum, so ties resolve the same way everywhere.
    let argmax = (0..log_p.len()).fold(0, |best, t| if log_p[t] > log_p[best] { t } else { best });
    let entropy_bits = -(0..log_p.len())
        .map(|t| p(t) * f64::from(log_p[t]))
        .sum::<f64>()
        / std::f64::consts::LN_2;
    let argmax = argmax as Token;
    let answer = if argmax == value {
        Answer::Correct
    } else if valid.contains(&argmax) {
        Answer::Hallucinated
    } else {
        Answer::Malformed
    };
    ProbeResult {
        answer,
        argmax,
        p_true: p(value as usize),
        p_argmax: p(argmax as usize),
        valid_mass: valid.clone().map(|t| p(t as usize)).sum(),
        entropy_bits,
    }
}

/// Exposure bucket of a fact stated `exposures` times: 0 for none, else
/// `1 + floor(log4 exposures)` (1: 1-3 times, 2: 4-15 times, 3: 16-63 times, ...). Factors
/// of four keep the buckets few enough to draw; the probes record exact exposure counts.
pub fn exposure_bucket(exposures: u64) -> u32 {
    match exposures {
        0 => 0,
        n => 1 + n.ilog2() / 2,
    }
}

/// The exposures of bucket `b` in words: `0`, `1-3`, `4-15`, `16-63`, ...
pub fn exposure_bucket_label(bucket: u32) -> String {
    match bucket {
        0 => "0".into(),
        b => format!("{}-{}", 1u64 << (2 * (b - 1)), (1u64 << (2 * b)) - 1),
    }
}

/// How the facts of seen entities are grouped before the draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strata {
    /// By the [`exposure_bucket`] of the fact's exposures in the training sentences.
    #[default]
    Exposures,
    /// By the [`exposure_bucket`] of its expected exposures `pi_k N / A` (the entity's true
    /// weight, `N` training sentences, `A` attributes), rounded to the nearest integer.
    Weight,
}

/// A stratified probe set: up to `per_bucket` facts of entities seen in the training
/// sentences `training` of `corpus` from each bucket of `strata` (bucket 0: facts never
/// stated, or expected less than half a time), drawn without replacement, and `per_bucket`
/// never-seen entities with fresh names and a random attribute each. Deterministic in
/// `seed`; ordered by bucket, then entity, then attribute, never-seen entities last.
pub fn stratified(
    corpus: &Corpus,
    training: Range<usize>,
    strata: Strata,
    per_bucket: usize,
    seed: u64,
) -> Result<Vec<Probe>> {
    if training.start >= training.end || training.end > corpus.sentences.len() {
        return Err(TrainerError::SentenceRange {
            start: training.start,
            end: training.end,
            sentences: corpus.sentences.len(),
        });
    }
    let world = &corpus.world;
    let attributes = world.config.attributes;
    let mut entity_sentences: BTreeMap<u32, u64> = BTreeMap::new();
    let mut exposures: BTreeMap<(u32, u16), u64> = BTreeMap::new();
    let per_fact = training.len() as f64 / attributes as f64;
    for sentence in &corpus.sentences[training] {
        *entity_sentences.entry(sentence.entity).or_default() += 1;
        *exposures
            .entry((sentence.entity, sentence.attribute))
            .or_default() += 1;
    }
    let mut buckets: BTreeMap<u32, Vec<(u32, u16)>> = BTreeMap::new();
    for &entity in entity_sentences.keys() {
        for attribute in 0..attributes as u16 {
            let n = match strata {
                Strata::Exposures => exposures.get(&(entity, attribute)).copied().unwrap_or(0),
                Strata::Weight => (world.weights[entity as usize] * per_fact).round() as u64,
            };
            buckets
                .entry(exposure_bucket(n))
                .or_default()
                .push((entity, attribute));
        }
    }
    let mut rng = SplitMix64::new(seed ^ PROBE_SALT);
    let mut probes = Vec::new();
    for facts in buckets.values_mut() {
        // A partial Fisher-Yates shuffle picks `per_bucket` facts uniformly.
        let take = per_bucket.min(facts.len());
        for i in 0..take {
            let j = i + rng.below((facts.len() - i) as u64) as usize;
            facts.swap(i, j);
        }
        let mut chosen = facts[..take].to_vec();
        chosen.sort_unstable();
        for (entity, attribute) in chosen {
            let k = entity as usize;
            probes.push(Probe {
                entity: Some(entity),
                attribute,
                name: world.entities.name(k).to_vec(),
                value: world.entities.value(k, usize::from(attribute)),
                exposures: exposures.get(&(entity, attribute)).copied().unwrap_or(0),
                expected_exposures: world.weights[k] * per_fact,
                entity_sentences: entity_sentences[&entity],
                weight: world.weights[k],
            });
        }
    }
    probes.extend(never_seen(world, per_bucket, &mut rng)?);
    Ok(probes)
}

/// Salt of the probe stream, apart from the initialisation and data-order streams.
const PROBE_SALT: u64 = 0x5EED_0FFA_C75A_1700;

/// `count` entities with fresh names (distinct, and unlike every name of the world).
fn never_seen(world: &World, count: usize, rng: &mut SplitMix64) -> Result<Vec<Probe>> {
    let mut fresh = FreshNames::new(world, [], count)?;
    Ok((0..count)
        .map(|_| {
            let name = fresh.draw(rng);
            let attribute = rng.below(world.config.attributes as u64) as u16;
            let value = random_value(world, usize::from(attribute), rng);
            Probe::never_seen(name, attribute, value)
        })
        .collect())
}

/// The bucket label of never-seen entities (fresh names).
pub const NEVER_SEEN: &str = "never seen";

/// The bucket of `probe` under `strata`: the [`exposure_bucket`] of its exposures or of its
/// expected exposures rounded to the nearest integer; -1 for a never-seen entity.
pub fn bucket_of(probe: &Probe, strata: Strata) -> i32 {
    match (probe.entity, strata) {
        (None, _) => -1,
        (Some(_), Strata::Exposures) => exposure_bucket(probe.exposures) as i32,
        (Some(_), Strata::Weight) => {
            exposure_bucket(probe.expected_exposures.round() as u64) as i32
        }
    }
}

/// The label of a [`bucket_of`]: [`exposure_bucket_label`], or [`NEVER_SEEN`] below 0.
pub fn bucket_label(bucket: i32) -> String {
    match u32::try_from(bucket) {
        Err(_) => NEVER_SEEN.into(),
        Ok(b) => exposure_bucket_label(b),
    }
}

impl Probe {
    /// A fact of a never-seen entity: no exposures, no weight.
    pub fn never_seen(name: Vec<Token>, attribute: u16, value: Token) -> Self {
        Probe {
            entity: None,
            attribute,
            name,
            value,
            exposures: 0,
            expected_exposures: 0.0,
            entity_sentences: 0,
            weight: 0.0,
        }
    }
}

/// A sampler of fresh names: distinct from each other, from every name of the world and from
/// the names taken, each drawn token by token uniformly in the name tokens.
pub struct FreshNames<'a> {
    world: &'a World,
    taken: HashSet<Vec<Token>>,
}

impl<'a> FreshNames<'a> {
    /// A sampler for `count` names besides the world's and `taken`; an error when they all
    /// would need more than half the name space (drawing would slow down).
    pub fn new(
        world: &'a World,
        taken: impl IntoIterator<Item = Vec<Token>>,
        count: usize,
    ) -> Result<Self> {
        let taken: HashSet<Vec<Token>> = (0..world.entities.len())
            .map(|k| world.entities.name(k).to_vec())
            .chain(taken)
            .collect();
        let space = world.config.name_space();
        if (taken.len() + count) as f64 > space / 2.0 {
            return Err(TrainerError::NameSpace {
                names: taken.len() + count,
                space,
            });
        }
        Ok(FreshNames { world, taken })
    }

    /// The next fresh name from `rng` (a name already taken is drawn again).
    pub fn draw(&mut self, rng: &mut SplitMix64) -> Vec<Token> {
        let names = self.world.vocabulary.names_range();
        loop {
            let name: Vec<Token> = (0..self.world.config.name_tokens)
                .map(|_| names.start + rng.below(u64::from(names.end - names.start)) as Token)
                .collect();
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
    }
}

/// A value of `attribute` uniform in its values `V_j`, from `rng`.
pub fn random_value(world: &World, attribute: usize, rng: &mut SplitMix64) -> Token {
    let values = world.vocabulary.attribute_values(attribute);
    values.start + rng.below(u64::from(values.end - values.start)) as Token
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_generator::GeneratorConfig;

    fn corpus() -> Corpus {
        let config = GeneratorConfig {
            alpha: 0.5,
            beta: 1.0,
            seed: 3,
            name_tokens: 2,
            name_vocab: 64,
            attributes: 3,
            values_per_attribute: 8,
            templates_per_attribute: 3,
            template_dirichlet: 1.0,
            filler_vocab: 4,
        };
        Corpus::generate(&config, 2000).expect("corpus")
    }

    #[test]
    fn the_prefix_is_a_stated_sentence_cut_at_its_value() {
        let corpus = corpus();
        let world = &corpus.world;
        let vocabulary = &world.vocabulary;
        let mut checked = 0;
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            let attribute = usize::from(sentence.attribute);
            let name = world.entities.name(sentence.entity as usize);
            let probe = prefix(world, name, attribute);
            let tokens = corpus.sentence_tokens(i);
            let value = tokens
                .iter()
                .position(|&t| vocabulary.attribute_values(attribute).contains(&t))
                .expect("a value");
            assert_eq!(probe[0], Vocabulary::EOS);
            // A sentence of the probe's template (same head) equals the probe up to its value,
            // but for the filler token.
            if tokens[0] == probe[1] {
                assert_eq!(probe.len(), value + 1, "the prefix ends at the value slot");
                for (a, b) in tokens[..value].iter().zip(&probe[1..]) {
                    assert!(a == b || vocabulary.role(*a) == skm_generator::Role::Noise);
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn probes_are_read_after_any_prefix_in_their_order() {
        let corpus = corpus();
        let world = &corpus.world;
        let vocab = world.vocabulary.size();
        let config = crate::ModelConfig {
            vocab_size: vocab + 2,
            context: 16,
            d_model: 8,
            n_heads: 2,
            n_layers: 1,
            init_std: 0.5,
        };
        let model = Gpt::init(&config, 7);
        let probes = stratified(&corpus, 0..1500, Strata::Exposures, 4, 1).expect("probes");
        // Question-like prefixes of two lengths, with tokens beyond the generator's vocabulary.
        let question = |p: &Probe| {
            let mut tokens = vec![Vocabulary::EOS, vocab as Token];
            tokens.extend(&p.name[..1 + usize::from(p.attribute) % 2]);
            tokens.push(vocab as Token + 1);
            tokens
        };
        let all = evaluate_with(&model, world, &probes, question, 1).expect("all");
        assert_eq!(all.len(), probes.len());
        for (i, result) in all.iter().enumerate() {
            let alone = evaluate_with(&model, world, &probes[i..=i], question, 1).expect("one");
            assert_eq!(alone, vec![*result]);
            let valid = world
                .vocabulary
                .attribute_values(usize::from(probes[i].attribute));
            assert_eq!(
                result.answer == Answer::Malformed,
                !valid.contains(&result.argmax)
            );
        }
        // The template prefix is what `evaluate` reads.
        assert_eq!(
            evaluate(&model, world, &probes, 3).expect("template"),
            evaluate_with(
                &model,
                world,
                &probes,
                |p| prefix(world, &p.name, usize::from(p.attribute)),
                3
            )
            .expect("same")
        );
        let fails = |f: &dyn Fn(&Probe) -> Vec<Token>| {
            evaluate_with(&model, world, &probes, f, 4).expect_err("bad prefix")
        };
        assert!(matches!(
            fails(&|_| Vec::new()),
            TrainerError::StreamTooShort { needed: 1, .. }
        ));
        assert!(matches!(
            fails(&|_| vec![Vocabulary::EOS; 17]),
            TrainerError::StreamTooShort { needed: 17, .. }
        ));
        assert!(matches!(
            fails(&|_| vec![vocab as Token + 2]),
            TrainerError::TokenOutOfRange { .. }
        ));
    }

    #[test]
    fn answers_are_classified_by_the_argmax() {
        let valid = 10..14;
        let log_row = |hot: usize| {
            let mut p = [0.01f64; 20];
            p[hot] = 1.0 - 0.01 * 19.0;
            p.iter().map(|x| x.ln() as f32).collect::<Vec<_>>()
        };
        let r = read_distribution(&log_row(11), 11, &valid);
        assert_eq!((r.answer, r.argmax), (Answer::Correct, 11));
        assert!((r.p_true - 0.81).abs() < 1e-6 && (r.valid_mass - 0.84).abs() < 1e-6);
        assert!((r.p_argmax - 0.81).abs() < 1e-6);
        let expected = -(0.81f64 * 0.81f64.log2() + 19.0 * 0.01 * 0.01f64.log2());
        assert!((r.entropy_bits - expected).abs() < 1e-5);
        let r = read_distribution(&log_row(12), 11, &valid);
        assert_eq!(r.answer, Answer::Hallucinated);
        assert!((r.p_true - 0.01).abs() < 1e-6);
        let r = read_distribution(&log_row(3), 11, &valid);
        assert_eq!(r.answer, Answer::Malformed);
        assert!((r.valid_mass - 0.04).abs() < 1e-6);
    }

    #[test]
    fn stratified_probes_cover_the_buckets_and_fresh_names() {
        let corpus = corpus();
        let world = &corpus.world;
        let probes = stratified(&corpus, 0..1500, Strata::Exposures, 5, 9).expect("probes");
        assert_eq!(
            probes,
            stratified(&corpus, 0..1500, Strata::Exposures, 5, 9).expect("again")
        );
        let fresh: Vec<_> = probes.iter().filter(|p| p.entity.is_none()).collect();
        assert_eq!(fresh.len(), 5);
        let names: HashSet<&[Token]> = (0..world.entities.len())
            .map(|k| world.entities.name(k))
            .collect();
        for probe in &fresh {
            assert!(!names.contains(probe.name.as_slice()));
            let values = world
                .vocabulary
                .attribute_values(usize::from(probe.attribute));
            assert!(values.contains(&probe.value));
        }
        let mut per_bucket: BTreeMap<u32, usize> = BTreeMap::new();
        for probe in probes.iter().filter(|p| p.entity.is_some()) {
            let k = probe.entity.expect("seen") as usize;
            assert_eq!(probe.name, world.entities.name(k));
            assert_eq!(
                probe.value,
                world.entities.value(k, usize::from(probe.attribute))
            );
            let stated = corpus.sentences[..1500]
                .iter()
                .filter(|s| s.entity as usize == k && s.attribute == probe.attribute)
                .count() as u64;
            assert_eq!(probe.exposures, stated);
            assert!(probe.entity_sentences >= probe.exposures && probe.entity_sentences > 0);
            *per_bucket
                .entry(exposure_bucket(probe.exposures))
                .or_default() += 1;
        }
        assert!(per_bucket.len() >= 3, "{per_bucket:?}");
        assert!(per_bucket.values().all(|&n| n <= 5));
        assert_eq!(per_bucket[&0], 5);
        // By weight: every bucket holds facts whose expected exposures fall in it.
        let by_weight = stratified(&corpus, 0..1500, Strata::Weight, 5, 9).expect("by weight");
        let mut weight_buckets = BTreeMap::<u32, usize>::new();
        for probe in by_weight.iter().filter(|p| p.entity.is_some()) {
            let k = probe.entity.expect("seen") as usize;
            let expected = world.weights[k] * 1500.0 / 3.0;
            assert!((probe.expected_exposures - expected).abs() < 1e-9);
            *weight_buckets
                .entry(exposure_bucket(expected.round() as u64))
                .or_default() += 1;
        }
        assert!(weight_buckets.len() >= 3 && weight_buckets.values().all(|&n| n <= 5));
        assert_eq!(exposure_bucket_label(1), "1-3");
        assert_eq!(exposure_bucket_label(3), "16-63");
        assert_eq!(
            [1, 3, 4, 15, 16, 63, 64].map(exposure_bucket),
            [1, 1, 2, 2, 3, 3, 4]
        );
    }

    #[test]
    fn buckets_of_seen_and_never_seen_probes() {
        let probe = Probe {
            entity: Some(3),
            exposures: 5,
            expected_exposures: 2.6,
            ..Probe::never_seen(vec![1, 2], 0, 7)
        };
        assert_eq!(bucket_of(&probe, Strata::Exposures), 2);
        assert_eq!(bucket_of(&probe, Strata::Weight), 1);
        let fresh = Probe::never_seen(vec![1, 2], 0, 7);
        assert_eq!(bucket_of(&fresh, Strata::Exposures), -1);
        assert_eq!(bucket_of(&fresh, Strata::Weight), -1);
        assert_eq!(bucket_label(-1), NEVER_SEEN);
        assert_eq!(bucket_label(0), "0");
        assert_eq!(bucket_label(2), "4-15");
    }
}
