//! The Syntax-Knowledge model as a data generator (spec section 1).
//!
//! A corpus is a stream of sentences. Each names one entity drawn from a Pitman-Yor Chinese
//! restaurant process (the knowledge model), one attribute uniform over `A`, and one template
//! of that attribute from `phi_j ~ Dirichlet(a)` (the syntax model); the template is emitted
//! with the entity's name, the entity's value of the attribute and, when `F` is non-empty, a
//! uniform filler token, then an end-of-sentence token.
//!
//! Sampling is exact (scheme (b) of the spec): the entity stream comes from the PYCRP
//! predictive, and [`Generator::finish`] draws the weights of the seen entities from their
//! exact posterior `(pi_1..pi_K, R) ~ Dirichlet(n_1 - alpha, ..., n_K - alpha, beta + K alpha)`.
//! The joint law of (weights, stream) is that of drawing `pi ~ GEM(alpha, beta)` first. The
//! weights belong to the whole stream drawn: for several training sizes, draw the largest
//! stream once and use its prefixes (and hold out its tail).
//!
//! This crate knows nothing about files, frames or predictors. Every random choice comes from
//! ChaCha8 streams of one seed, so output never changes with a `rand` upgrade.

mod config;
mod crp;
mod syntax;
mod vocabulary;

use std::collections::{BTreeMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};

pub use config::GeneratorConfig;
pub use syntax::{Slot, Syntax, Template};
pub use vocabulary::{CONNECTIVES, PerRole, Role, Token, Vocabulary};

use crp::Crp;

/// The name space must hold at least this many names per entity, so names stay sparse and a
/// fresh name is (nearly) uniform over the whole space.
pub const MIN_NAME_SPACE_RATIO: f64 = 64.0;

/// Errors of the generator.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GeneratorError {
    /// A hyper-parameter outside its allowed range.
    #[error("generator.{field} = {value} is out of range: allowed {allowed}")]
    InvalidParameter {
        /// The `[generator]` key.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// Too many entities for the name space.
    #[error(
        "{entities} entities need a name space of at least {MIN_NAME_SPACE_RATIO}x that, but \
         name_vocab^name_tokens = {name_space:e}: raise name_tokens or name_vocab"
    )]
    NameSpaceExhausted {
        /// Entities drawn so far.
        entities: usize,
        /// `name_vocab^name_tokens`.
        name_space: f64,
    },
}

/// Random streams of one seed, one per kind of choice, so that e.g. the entity stream does
/// not change when the syntax does.
#[derive(Clone, Copy)]
#[repr(u64)]
enum Stream {
    Syntax = 1,
    Entities = 2,
    Facts = 3,
    Sentences = 4,
    Weights = 5,
}

fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// One sentence's record: enough to rebuild its tokens and to bucket any measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// Entity index, in order of first appearance (0, 1, 2, ...).
    pub entity: u32,
    /// Attribute `j`.
    pub attribute: u16,
    /// Template index `t` within the attribute.
    pub template: u16,
    /// The filler token, when the template has a filler slot.
    pub filler: Option<Token>,
    /// Whether this sentence is the entity's first appearance.
    pub new_entity: bool,
}

/// Names and facts of the entities seen so far, flat for speed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entities {
    name_tokens: usize,
    attributes: usize,
    /// `names[k*L..(k+1)*L]`.
    names: Vec<Token>,
    /// `values[k*A + j]`.
    values: Vec<Token>,
}

impl Entities {
    /// Number of entities.
    pub fn len(&self) -> usize {
        self.names.len() / self.name_tokens.max(1)
    }

    /// Whether no entity exists yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The `L` name tokens of entity `k`.
    pub fn name(&self, entity: usize) -> &[Token] {
        &self.names[entity * self.name_tokens..(entity + 1) * self.name_tokens]
    }

    /// The value token of entity `k` for attribute `j`.
    pub fn value(&self, entity: usize, attribute: usize) -> Token {
        self.values[entity * self.attributes + attribute]
    }
}

/// Everything that was drawn, known once the stream is finished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// The configuration that made it.
    pub config: GeneratorConfig,
    /// The token layout.
    pub vocabulary: Vocabulary,
    /// Templates and `phi`.
    pub syntax: Syntax,
    /// Names and facts.
    pub entities: Entities,
    /// `n_k`: sentences about each entity in the stream.
    pub counts: Vec<u64>,
    /// `pi_k`: the true weight of each seen entity (posterior draw given the whole stream).
    pub weights: Vec<f64>,
    /// `R = 1 - sum_k pi_k`: the mass of all entities never seen.
    pub residual_weight: f64,
}

impl World {
    /// Appends the tokens of `sentence` to `out`.
    #[inline]
    pub fn write_tokens(&self, sentence: &Sentence, out: &mut Vec<Token>) {
        write_tokens(&self.syntax, &self.entities, sentence, out);
    }

    /// The tokens of `sentence`.
    pub fn tokens(&self, sentence: &Sentence) -> Vec<Token> {
        let mut out = Vec::new();
        self.write_tokens(sentence, &mut out);
        out
    }
}

#[inline]
fn write_tokens(syntax: &Syntax, entities: &Entities, sentence: &Sentence, out: &mut Vec<Token>) {
    let entity = sentence.entity as usize;
    let attribute = sentence.attribute as usize;
    let template = syntax.template(attribute, sentence.template as usize);
    let name = entities.name(entity);
    out.extend(template.slots.iter().map(|slot| match *slot {
        Slot::Word(token) => token,
        Slot::Name(i) => name[i as usize],
        Slot::Value => entities.value(entity, attribute),
        // A template has a filler slot exactly when the sentence drew a filler.
        Slot::Filler => sentence.filler.unwrap_or(Vocabulary::EOS),
    }));
}

/// Streams sentences of the Syntax-Knowledge model. Memory grows with the number of
/// entities, not with the stream.
pub struct Generator {
    config: GeneratorConfig,
    vocabulary: Vocabulary,
    syntax: Syntax,
    entities: Entities,
    crp: Crp,
    used_names: HashSet<u128>,
    entity_rng: ChaCha8Rng,
    fact_rng: ChaCha8Rng,
    sentence_rng: ChaCha8Rng,
}

impl Generator {
    /// Validates the configuration and draws the syntax.
    pub fn new(config: &GeneratorConfig) -> Result<Self, GeneratorError> {
        config.validate()?;
        let vocabulary = Vocabulary::new(config);
        let syntax = Syntax::draw(config, &vocabulary, &mut rng(config.seed, Stream::Syntax))?;
        Ok(Generator {
            entities: Entities {
                name_tokens: config.name_tokens,
                attributes: config.attributes,
                ..Entities::default()
            },
            crp: Crp::new(config.alpha, config.beta),
            used_names: HashSet::new(),
            entity_rng: rng(config.seed, Stream::Entities),
            fact_rng: rng(config.seed, Stream::Facts),
            sentence_rng: rng(config.seed, Stream::Sentences),
            config: config.clone(),
            vocabulary,
            syntax,
        })
    }

    /// The token layout.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Templates and their probabilities.
    pub fn syntax(&self) -> &Syntax {
        &self.syntax
    }

    /// Entities seen so far.
    pub fn entities(&self) -> &Entities {
        &self.entities
    }

    /// Draws the next sentence and appends its tokens to `out`.
    pub fn next_sentence(&mut self, out: &mut Vec<Token>) -> Result<Sentence, GeneratorError> {
        let (entity, new_entity) = self.crp.draw(&mut self.entity_rng);
        if new_entity {
            self.create_entity()?;
        }
        let attribute = self
            .sentence_rng
            .random_range(0..self.config.attributes as u32) as usize;
        let template = self
            .syntax
            .sample_template(attribute, &mut self.sentence_rng);
        let filler = (self.config.filler_vocab > 0).then(|| {
            self.sentence_rng
                .random_range(self.vocabulary.fillers_range())
        });
        let sentence = Sentence {
            entity: entity as u32,
            attribute: attribute as u16,
            template: template as u16,
            filler,
            new_entity,
        };
        write_tokens(&self.syntax, &self.entities, &sentence, out);
        Ok(sentence)
    }

    /// A fresh entity: a name not used before, uniform over the name space, and one value
    /// per attribute, uniform over that attribute's values (the base measure H).
    fn create_entity(&mut self) -> Result<(), GeneratorError> {
        let name_space = self.config.name_space();
        let entities = self.entities.len() + 1;
        if entities as f64 * MIN_NAME_SPACE_RATIO > name_space {
            return Err(GeneratorError::NameSpaceExhausted {
                entities,
                name_space,
            });
        }
        let names = self.vocabulary.names_range();
        let base = names.start;
        let vocab = u128::from(names.end - names.start);
        let start = self.entities.names.len();
        loop {
            let mut code = 0u128;
            for _ in 0..self.config.name_tokens {
                let token = self.fact_rng.random_range(names.clone());
                code = code * vocab + u128::from(token - base);
                self.entities.names.push(token);
            }
            // Rejection keeps the name uniform over unused names; with the space at least
            // 64x the entities, a retry is rare.
            if self.used_names.insert(code) {
                break;
            }
            self.entities.names.truncate(start);
        }
        for attribute in 0..self.config.attributes {
            let value = self
                .fact_rng
                .random_range(self.vocabulary.attribute_values(attribute));
            self.entities.values.push(value);
        }
        Ok(())
    }

    /// Ends the stream: draws the weights of the seen entities from their exact posterior
    /// `Dirichlet(n_1 - alpha, ..., n_K - alpha, beta + K alpha)`.
    pub fn finish(self) -> World {
        let mut rng = rng(self.config.seed, Stream::Weights);
        let counts = self.crp.counts().to_vec();
        let k = counts.len() as f64;
        let mut gamma = |shape: f64| match Gamma::new(shape, 1.0) {
            Ok(distribution) => distribution.sample(&mut rng),
            // Shapes are positive by validation (n_k >= 1 > alpha, beta + K alpha > 0).
            Err(_) => 0.0,
        };
        let mut weights: Vec<f64> = counts
            .iter()
            .map(|&n| gamma(n as f64 - self.config.alpha))
            .collect();
        let residual = if counts.is_empty() {
            1.0
        } else {
            gamma(self.config.beta + self.config.alpha * k)
        };
        let total = weights.iter().sum::<f64>() + residual;
        for w in &mut weights {
            *w /= total;
        }
        World {
            residual_weight: if counts.is_empty() {
                1.0
            } else {
                residual / total
            },
            weights,
            counts,
            config: self.config,
            vocabulary: self.vocabulary,
            syntax: self.syntax,
            entities: self.entities,
        }
    }
}

/// A corpus held in memory: sentence records, one token stream, and the world behind them.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// One record per sentence.
    pub sentences: Vec<Sentence>,
    /// All tokens, sentence after sentence.
    pub tokens: Vec<Token>,
    /// `tokens[offsets[i]..offsets[i + 1]]` is sentence `i`; `offsets.len() = sentences + 1`.
    pub offsets: Vec<usize>,
    /// Weights, names, facts and syntax.
    pub world: World,
}

impl Corpus {
    /// Generates `sentences` sentences in memory.
    pub fn generate(config: &GeneratorConfig, sentences: usize) -> Result<Self, GeneratorError> {
        let mut generator = Generator::new(config)?;
        let mut records = Vec::with_capacity(sentences);
        let mut tokens = Vec::with_capacity(sentences * (config.name_tokens + 8));
        let mut offsets = Vec::with_capacity(sentences + 1);
        offsets.push(0);
        for _ in 0..sentences {
            records.push(generator.next_sentence(&mut tokens)?);
            offsets.push(tokens.len());
        }
        Ok(Corpus {
            sentences: records,
            tokens,
            offsets,
            world: generator.finish(),
        })
    }

    /// The tokens of sentence `i`.
    pub fn sentence_tokens(&self, i: usize) -> &[Token] {
        &self.tokens[self.offsets[i]..self.offsets[i + 1]]
    }

    /// How many times each fact `(entity, attribute)` is stated in the sentences `range`
    /// (facts never stated there are absent), in `(entity, attribute)` order.
    pub fn fact_exposures(&self, range: std::ops::Range<usize>) -> BTreeMap<(u32, u16), u64> {
        let mut exposures = BTreeMap::new();
        for sentence in &self.sentences[range] {
            *exposures
                .entry((sentence.entity, sentence.attribute))
                .or_default() += 1;
        }
        exposures
    }
}
