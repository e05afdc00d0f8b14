//! The Bayes learner: the exact sequential (prequential) predictor of the Syntax-Knowledge
//! model for a learner that knows the model class and its hyper-parameters but not its
//! realisation (spec section 2).
//!
//! It knows `alpha`, `beta`, the Dirichlet parameter `a`, the base measure `H` (names uniform
//! over the unused names, values uniform over `V_j`), the template strings and `|F|`. It
//! learns the template probabilities, the entities and their facts from the tokens it is
//! shown, and never reads `phi`, the weights `pi` or the facts of the world.
//!
//! Its code length is the Bayes mixture code `-log2 P(x_1..x_n)`, exchangeable in the order
//! of the sentences.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use skm_generator::{Sentence, Slot, Token, Vocabulary, World};

use crate::TheoryError;
use crate::templates::Templates;

/// The learner's maps from integer name codes: foldhash's folded-multiply hasher, much faster
/// than SipHash on integer keys (several lookups per sentence), with a fixed seed. The maps
/// are only looked up, never iterated, so no result depends on the seed; it is fixed anyway
/// so that a run's memory layout and timing do not vary from process to process.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Most name tokens a configuration allows (`GeneratorConfig::validate`).
const MAX_NAME_TOKENS: usize = 16;

/// A fact the learner has not seen stated.
const UNKNOWN: Token = Token::MAX;

/// Seen entities whose name starts with one prefix: `sum n_k` and their number.
#[derive(Clone, Copy, Debug, Default)]
struct PrefixStats {
    sentences: u64,
    entities: u64,
}

/// A sentence (or a sentence prefix) checked against its template.
#[derive(Clone, Copy, Debug)]
struct Parsed {
    attribute: usize,
    template: usize,
    /// `codes[l]`: the first `l` name tokens packed base `name_vocab` (`codes[0] = 0`).
    codes: [u128; MAX_NAME_TOKENS + 1],
    /// Name tokens present.
    names: usize,
    /// The value token, when present.
    value: Option<Token>,
}

/// The Bayes learner's state and predictive; see the [module docs](self).
///
/// Per sentence, token by token (bits are `-log2` of these probabilities), given the past
/// sentences:
/// - head: `(1/A) (c_{j,t} + a)/(c_j + T a)`, `c` the past template counts;
/// - name token `x` after name prefix `p` (the PYCRP predictive with the base measure spread
///   uniformly over unused names): `P(x | p) = M(p x) / M(p)` with
///   `M(q) = sum_{seen k, name_k starts with q} (n_k - alpha) + (beta + alpha K) U(q)/U`,
///   `U = name_space - K` unused names, `U(q) = name_vocab^(L - |q|) - #{seen k with prefix q}`.
///   `M(empty) = n + beta`, so the name's bits telescope to `-log2((n_k - alpha)/(n + beta))`
///   for a seen entity and `-log2((beta + alpha K)/((n + beta) U))` for a new one. For `n = 0`
///   the new-entity mass `beta + alpha K` is replaced by 1: the first entity is new with
///   probability 1 (its name costs `log2 name_space`), also when `beta <= 0`;
/// - value: probability 1 if the (entity, attribute) fact was stated before, else `1/|V_j|`
///   (a value contradicting a stated fact has probability 0: infinite bits; facts of the
///   model are deterministic, so this never happens on generated text);
/// - filler: `1/|F|`; every other template word and the end of sentence: 1 (the head fixes
///   the template).
///
/// Entities are identified by their names (a packed `u128` code), exactly as a reader of the
/// token stream would: the sentence record's entity index is never used. State: one hash map
/// per proper name-prefix length holding `(sum n_k, #entities)`, a name -> entity map, and
/// per entity its count and stated values. O(L) hash operations per sentence, no allocation
/// per token.
#[derive(Clone, Debug)]
pub struct BayesLearner {
    alpha: f64,
    beta: f64,
    dirichlet: f64,
    templates: Templates,
    vocabulary: Vocabulary,
    name_tokens: usize,
    name_vocab: u128,
    /// `name_pow[l] = name_vocab^(L - l)`: names with a given prefix of length `l`.
    name_pow: Vec<f64>,
    value_bits: f64,
    filler_bits: f64,
    /// `n`: sentences observed.
    sentences: u64,
    /// `c_{j,t}` at `j*T + t`.
    template_counts: Vec<u64>,
    /// `c_j`.
    attribute_counts: Vec<u64>,
    /// `prefixes[l]` for `1 <= l < L` (index 0 unused): prefix code -> stats.
    prefixes: Vec<FastMap<u128, PrefixStats>>,
    /// Full name code -> entity slot (order of first observation).
    entity_of: FastMap<u128, u32>,
    /// `n_k` by slot; `K = counts.len()`.
    counts: Vec<u64>,
    /// Stated value of (slot, attribute) at `slot*A + j`, or [`UNKNOWN`].
    facts: Vec<Token>,
}

impl BayesLearner {
    /// A learner that has seen nothing. Reads from the world only what the learner may know:
    /// the configuration (hyper-parameters, vocabulary sizes), the vocabulary layout and the
    /// template strings; never `phi`, the weights or the facts.
    pub fn new(world: &World) -> Result<Self, TheoryError> {
        let templates = Templates::new(world)?;
        let config = &world.config;
        let name_tokens = config.name_tokens;
        let name_pow = (0..=name_tokens)
            .map(|l| (config.name_vocab as f64).powi((name_tokens - l) as i32))
            .collect();
        let filler_bits = match config.filler_vocab {
            0 => 0.0,
            f => (f as f64).log2(),
        };
        Ok(BayesLearner {
            alpha: config.alpha,
            beta: config.beta,
            dirichlet: config.template_dirichlet,
            vocabulary: Vocabulary::new(config),
            name_tokens,
            name_vocab: config.name_vocab as u128,
            name_pow,
            value_bits: (config.values_per_attribute as f64).log2(),
            filler_bits,
            sentences: 0,
            template_counts: vec![0; templates.attributes * templates.per_attribute],
            attribute_counts: vec![0; templates.attributes],
            prefixes: vec![FastMap::default(); name_tokens],
            entity_of: FastMap::default(),
            counts: Vec::new(),
            facts: Vec::new(),
            templates,
        })
    }

    /// Sentences observed, `n`.
    pub fn sentences(&self) -> u64 {
        self.sentences
    }

    /// Distinct entities observed, `K`.
    pub fn entities(&self) -> usize {
        self.counts.len()
    }

    /// Appends the bits of each token of the sentence (token order) to `out`, then learns
    /// from it. `sentence` must be the record of `tokens` (checked: its attribute and
    /// template must match the head token). On error nothing is appended or learned.
    pub fn observe(
        &mut self,
        sentence: &Sentence,
        tokens: &[Token],
        out: &mut Vec<f64>,
    ) -> Result<(), TheoryError> {
        let parsed = self.parse_sentence(sentence, tokens)?;
        let l = self.name_tokens;
        let mut stats = [PrefixStats::default(); MAX_NAME_TOKENS + 1];
        // One hash operation per level looks up and updates it; the bits use the old stats.
        let entities = self.counts.len() as u32;
        let (slot, is_new) = match self.entity_of.entry(parsed.codes[l]) {
            Entry::Occupied(entry) => (*entry.get() as usize, false),
            Entry::Vacant(entry) => (*entry.insert(entities) as usize, true),
        };
        if !is_new {
            stats[l] = PrefixStats {
                sentences: self.counts[slot],
                entities: 1,
            };
        }
        for (level, map) in self.prefixes.iter_mut().enumerate().skip(1) {
            let entry = map.entry(parsed.codes[level]).or_default();
            stats[level] = *entry;
            entry.sentences += 1;
            entry.entities += u64::from(is_new);
        }
        let known = if is_new {
            UNKNOWN
        } else {
            self.facts[slot * self.templates.attributes + parsed.attribute]
        };
        self.write_bits(&parsed, &stats, known, out);

        let a = self.templates.attributes;
        if is_new {
            self.counts.push(0);
            self.facts.resize(self.facts.len() + a, UNKNOWN);
        }
        self.counts[slot] += 1;
        self.sentences += 1;
        self.template_counts[parsed.template] += 1;
        self.attribute_counts[parsed.attribute] += 1;
        let fact = &mut self.facts[slot * a + parsed.attribute];
        if *fact == UNKNOWN {
            *fact = parsed.value.unwrap_or(UNKNOWN);
        }
        Ok(())
    }

    /// The bits [`observe`](Self::observe) would append, without learning: held-out scoring.
    pub fn score(
        &self,
        sentence: &Sentence,
        tokens: &[Token],
        out: &mut Vec<f64>,
    ) -> Result<(), TheoryError> {
        let parsed = self.parse_sentence(sentence, tokens)?;
        let mut stats = [PrefixStats::default(); MAX_NAME_TOKENS + 1];
        for (level, s) in stats
            .iter_mut()
            .enumerate()
            .take(self.name_tokens + 1)
            .skip(1)
        {
            *s = self.stats(level, parsed.codes[level]);
        }
        let known = self.known_value(&parsed);
        self.write_bits(&parsed, &stats, known, out);
        Ok(())
    }

    /// The predictive distribution of the next token given the learner's state and the
    /// current sentence's `prefix` (the tokens before the position): one probability per
    /// token id (`vocabulary.size()` entries). Empty prefix: the head distribution. After
    /// the head, by the template's next slot: a point mass on a fixed word; the name
    /// predictive `M(p x)/M(p)`; a point mass on the stated value or uniform on `V_j`; uniform
    /// on `F` for the filler. Fails when the prefix does not fit a template or is complete.
    pub fn predictive(&self, prefix: &[Token]) -> Result<Vec<f64>, TheoryError> {
        let mut p = vec![0.0; self.vocabulary.size()];
        let Some(&head) = prefix.first() else {
            let heads = self.vocabulary.heads_range();
            for (token, probability) in heads.zip(p.iter_mut().skip(1)) {
                let index = token as usize - 1;
                let attribute = index / self.templates.per_attribute;
                *probability = self.head_probability(attribute, index);
            }
            return Ok(p);
        };
        let parsed = self.parse(prefix, false)?;
        let slots = self.templates.by_index(parsed.template);
        let slot = slots.get(prefix.len()).ok_or(TheoryError::NoNextToken {
            tokens: prefix.len(),
            head,
        })?;
        match *slot {
            Slot::Word(word) => p[word as usize] = 1.0,
            Slot::Filler => {
                let fillers = self.vocabulary.fillers_range();
                let uniform = 1.0 / fillers.len() as f64;
                p[fillers.start as usize..fillers.end as usize].fill(uniform);
            }
            Slot::Name(r) => {
                let r = r as usize;
                let share = self.new_share();
                let mass = self.mass(r, self.stats(r, parsed.codes[r]), share);
                let base = self.vocabulary.names_range().start as usize;
                for x in 0..self.name_vocab {
                    let code = parsed.codes[r] * self.name_vocab + x;
                    let next = self.mass(r + 1, self.stats(r + 1, code), share);
                    p[base + x as usize] = next / mass;
                }
            }
            Slot::Value => {
                let known = self.known_value(&parsed);
                if known == UNKNOWN {
                    let values = self.vocabulary.attribute_values(parsed.attribute);
                    let uniform = 1.0 / values.len() as f64;
                    p[values.start as usize..values.end as usize].fill(uniform);
                } else {
                    p[known as usize] = 1.0;
                }
            }
        }
        Ok(p)
    }

    /// `(c_{j,t} + a) / (A (c_j + T a))`, the template at flat index `j*T + t`.
    #[inline]
    fn head_probability(&self, attribute: usize, index: usize) -> f64 {
        let (a, t) = (self.dirichlet, self.templates.per_attribute as f64);
        (self.template_counts[index] as f64 + a)
            / (self.templates.attributes as f64 * (self.attribute_counts[attribute] as f64 + t * a))
    }

    /// `beta + alpha K`, the new-entity mass (1 before any sentence: the first entity is new).
    #[inline]
    fn new_mass(&self) -> f64 {
        if self.sentences == 0 {
            1.0
        } else {
            self.beta + self.alpha * self.counts.len() as f64
        }
    }

    /// `(beta + alpha K)/U`: the new-entity mass per unused name.
    #[inline]
    fn new_share(&self) -> f64 {
        self.new_mass() / (self.name_pow[0] - self.counts.len() as f64)
    }

    /// `M(q)` for a prefix `q` of length `level` with stats `s` and new mass per unused name
    /// `share`; `M(empty) = n - alpha K + (beta + alpha K)` is written without the division.
    #[inline]
    fn mass(&self, level: usize, s: PrefixStats, share: f64) -> f64 {
        let seen = s.sentences as f64 - self.alpha * s.entities as f64;
        if level == 0 {
            seen + self.new_mass()
        } else {
            seen + share * (self.name_pow[level] - s.entities as f64)
        }
    }

    /// Stats of the prefix of length `level` with code `code` (level 0: all entities).
    #[inline]
    fn stats(&self, level: usize, code: u128) -> PrefixStats {
        if level == 0 {
            PrefixStats {
                sentences: self.sentences,
                entities: self.counts.len() as u64,
            }
        } else if level == self.name_tokens {
            self.entity_of
                .get(&code)
                .map(|&slot| PrefixStats {
                    sentences: self.counts[slot as usize],
                    entities: 1,
                })
                .unwrap_or_default()
        } else {
            self.prefixes[level].get(&code).copied().unwrap_or_default()
        }
    }

    /// The stated value of the parsed sentence's (entity, attribute), or [`UNKNOWN`].
    fn known_value(&self, parsed: &Parsed) -> Token {
        if parsed.names < self.name_tokens {
            return UNKNOWN;
        }
        self.entity_of
            .get(&parsed.codes[self.name_tokens])
            .map_or(UNKNOWN, |&slot| {
                self.facts[slot as usize * self.templates.attributes + parsed.attribute]
            })
    }

    /// Appends the sentence's bits given the old stats of its name prefixes (`stats[l]`,
    /// `1 <= l <= L`) and the
    /// stated value of its fact.
    fn write_bits(
        &self,
        parsed: &Parsed,
        stats: &[PrefixStats; MAX_NAME_TOKENS + 1],
        known: Token,
        out: &mut Vec<f64>,
    ) {
        let share = self.new_share();
        let mut name_bits = [0.0; MAX_NAME_TOKENS];
        let mut mass = self.mass(0, self.stats(0, 0), share);
        for (r, bits) in name_bits.iter_mut().enumerate().take(self.name_tokens) {
            let next = self.mass(r + 1, stats[r + 1], share);
            *bits = -(next / mass).log2();
            mass = next;
        }
        let value_bits = match known {
            UNKNOWN => self.value_bits,
            v if Some(v) == parsed.value => 0.0,
            _ => f64::INFINITY,
        };
        let head_bits = -self
            .head_probability(parsed.attribute, parsed.template)
            .log2();
        let slots = self.templates.by_index(parsed.template);
        out.extend(slots.iter().enumerate().map(|(i, slot)| match *slot {
            Slot::Word(_) if i == 0 => head_bits,
            Slot::Word(_) => 0.0,
            Slot::Name(r) => name_bits[r as usize],
            Slot::Value => value_bits,
            Slot::Filler => self.filler_bits,
        }));
    }

    /// [`parse`](Self::parse) of a whole sentence, checked against its record.
    fn parse_sentence(&self, sentence: &Sentence, tokens: &[Token]) -> Result<Parsed, TheoryError> {
        let parsed = self.parse(tokens, true)?;
        let template = parsed.template - parsed.attribute * self.templates.per_attribute;
        if (sentence.attribute as usize, sentence.template as usize) != (parsed.attribute, template)
        {
            return Err(TheoryError::RecordMismatch {
                attribute: sentence.attribute,
                template: sentence.template,
                head: tokens[0],
            });
        }
        Ok(parsed)
    }

    /// Checks `tokens` (a whole sentence when `complete`, else a non-empty prefix) against
    /// the template its head names and packs the name prefixes. `Parsed::template` is the
    /// flat index `j*T + t`.
    fn parse(&self, tokens: &[Token], complete: bool) -> Result<Parsed, TheoryError> {
        let head = *tokens.first().ok_or(TheoryError::WrongLength {
            tokens: 0,
            slots: 0,
        })?;
        let (attribute, template) =
            self.templates
                .decode_head(head)
                .ok_or(TheoryError::Malformed {
                    position: 0,
                    token: head,
                    reason: "the first token is not a template head",
                })?;
        let slots = self.templates.get(attribute, template)?;
        if tokens.len() > slots.len() || (complete && tokens.len() != slots.len()) {
            return Err(TheoryError::WrongLength {
                tokens: tokens.len(),
                slots: slots.len(),
            });
        }
        let names = self.vocabulary.names_range();
        let mut parsed = Parsed {
            attribute,
            template: attribute * self.templates.per_attribute + template,
            codes: [0; MAX_NAME_TOKENS + 1],
            names: 0,
            value: None,
        };
        for (position, (slot, &token)) in slots.iter().zip(tokens).enumerate() {
            let malformed = |reason| TheoryError::Malformed {
                position,
                token,
                reason,
            };
            match *slot {
                Slot::Word(word) if word != token => {
                    return Err(malformed("the template's word differs"));
                }
                Slot::Word(_) => {}
                Slot::Name(r) => {
                    if !names.contains(&token) {
                        return Err(malformed("not a name token"));
                    }
                    let r = r as usize;
                    parsed.codes[r + 1] =
                        parsed.codes[r] * self.name_vocab + u128::from(token - names.start);
                    parsed.names = r + 1;
                }
                Slot::Value => {
                    if !self.vocabulary.attribute_values(attribute).contains(&token) {
                        return Err(malformed("not a value of the template's attribute"));
                    }
                    parsed.value = Some(token);
                }
                Slot::Filler => {
                    if !self.vocabulary.fillers_range().contains(&token) {
                        return Err(malformed("not a filler token"));
                    }
                }
            }
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_generator::{Corpus, GeneratorConfig};

    fn config(alpha: f64, beta: f64) -> GeneratorConfig {
        GeneratorConfig {
            alpha,
            beta,
            seed: 11,
            name_tokens: 3,
            name_vocab: 32,
            attributes: 2,
            values_per_attribute: 5,
            templates_per_attribute: 3,
            template_dirichlet: 0.5,
            filler_vocab: 3,
        }
    }

    #[test]
    fn name_bits_telescope_to_the_pycrp_predictive() {
        let (alpha, beta) = (0.4, 0.7);
        let corpus = Corpus::generate(&config(alpha, beta), 400).expect("corpus");
        let mut learner = BayesLearner::new(&corpus.world).expect("learner");
        let vocabulary = &corpus.world.vocabulary;
        let name_space = corpus.world.config.name_space();
        let mut counts = vec![0u64; corpus.world.counts.len()];
        let mut bits = Vec::new();
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            let tokens = corpus.sentence_tokens(i);
            bits.clear();
            learner
                .observe(sentence, tokens, &mut bits)
                .expect("observe");
            let name: f64 = tokens
                .iter()
                .zip(&bits)
                .filter(|(t, _)| vocabulary.role(**t) == skm_generator::Role::Name)
                .map(|(_, b)| b)
                .sum();
            let (n, k) = (i as f64, counts.iter().filter(|&&c| c > 0).count() as f64);
            let expected = if i == 0 {
                name_space.log2()
            } else if sentence.new_entity {
                -((beta + alpha * k) / (n + beta) / (name_space - k)).log2()
            } else {
                -((counts[sentence.entity as usize] as f64 - alpha) / (n + beta)).log2()
            };
            assert!(
                (name - expected).abs() < 1e-9,
                "sentence {i}: {name} vs {expected}"
            );
            counts[sentence.entity as usize] += 1;
        }
        assert_eq!(learner.sentences(), 400);
        assert_eq!(learner.entities(), corpus.world.counts.len());
    }

    #[test]
    fn score_does_not_learn_and_matches_observe() {
        let corpus = Corpus::generate(&config(0.5, 1.0), 200).expect("corpus");
        let mut learner = BayesLearner::new(&corpus.world).expect("learner");
        let (mut scored, mut observed) = (Vec::new(), Vec::new());
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            let tokens = corpus.sentence_tokens(i);
            scored.clear();
            observed.clear();
            learner.score(sentence, tokens, &mut scored).expect("score");
            learner
                .score(sentence, tokens, &mut observed)
                .expect("score");
            assert_eq!(scored, observed);
            observed.clear();
            learner
                .observe(sentence, tokens, &mut observed)
                .expect("observe");
            assert_eq!(scored, observed);
        }
    }

    #[test]
    fn repeated_fact_is_free_and_bad_input_is_rejected() {
        let corpus = Corpus::generate(&config(0.5, 1.0), 50).expect("corpus");
        let mut learner = BayesLearner::new(&corpus.world).expect("learner");
        let (sentence, tokens) = (corpus.sentences[0], corpus.sentence_tokens(0));
        let value_at = tokens
            .iter()
            .position(|&t| corpus.world.vocabulary.role(t) == skm_generator::Role::Value)
            .expect("value slot");
        let mut bits = Vec::new();
        learner
            .observe(&sentence, tokens, &mut bits)
            .expect("observe");
        assert!((bits[value_at] - 5f64.log2()).abs() < 1e-12);
        bits.clear();
        learner
            .observe(&sentence, tokens, &mut bits)
            .expect("observe");
        assert_eq!(bits[value_at], 0.0);

        let mut wrong_value = tokens.to_vec();
        let values = corpus
            .world
            .vocabulary
            .attribute_values(sentence.attribute as usize);
        wrong_value[value_at] = if tokens[value_at] == values.start {
            values.start + 1
        } else {
            values.start
        };
        bits.clear();
        learner
            .score(&sentence, &wrong_value, &mut bits)
            .expect("score");
        assert_eq!(bits[value_at], f64::INFINITY);

        let before = learner.sentences();
        assert!(matches!(
            learner.observe(&sentence, &tokens[..tokens.len() - 1], &mut bits),
            Err(TheoryError::WrongLength { .. })
        ));
        let mut other = sentence;
        other.template = (sentence.template + 1) % 3;
        assert!(matches!(
            learner.observe(&other, tokens, &mut bits),
            Err(TheoryError::RecordMismatch { .. })
        ));
        assert!(learner.predictive(tokens).is_err());
        assert_eq!(learner.sentences(), before);
    }
}
