//! The QA format fine-tuning teaches, and the tuning stream of QA sentences.

use skm_generator::{Token, Vocabulary, World};
use skm_trainer::init::SplitMix64;

/// Shuffled copies of the tuning sentences in the tuning stream.
pub(super) const COPIES: usize = 16;
/// Salt of the fresh entities and of the tuning-stream shuffles.
pub(super) const TUNE_SALT: u64 = 0xF1_7E7D_0A5E_C0DE;
/// The arms, in frame order.
pub(super) const ARMS: [&str; 2] = ["known", "unknown"];

/// The QA format: its tokens follow the generator's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Qa {
    /// The generator's vocabulary size `V`: `QUESTION`.
    base: Token,
    /// Attributes `A`.
    attributes: usize,
}

impl Qa {
    pub(super) fn new(world: &World) -> Self {
        Qa {
            base: world.vocabulary.size() as Token,
            attributes: world.config.attributes,
        }
    }
    pub(super) fn question(self) -> Token {
        self.base
    }
    pub(super) fn answer(self) -> Token {
        self.base + 1
    }
    pub(super) fn attribute(self, j: usize) -> Token {
        self.base + 2 + j as Token
    }
    /// `V + 2 + A`.
    pub(super) fn vocab_size(self) -> usize {
        self.base as usize + 2 + self.attributes
    }
    /// `EOS QUESTION ATTR_j name ANSWER`: the value slot follows.
    pub(super) fn prefix(self, name: &[Token], attribute: usize) -> Vec<Token> {
        let mut tokens = vec![Vocabulary::EOS, self.question(), self.attribute(attribute)];
        tokens.extend_from_slice(name);
        tokens.push(self.answer());
        tokens
    }
    /// `QUESTION ATTR_j name ANSWER value EOS`.
    pub(super) fn sentence(self, name: &[Token], attribute: usize, value: Token) -> Vec<Token> {
        let mut tokens = self.prefix(name, attribute).split_off(1);
        tokens.extend([value, Vocabulary::EOS]);
        tokens
    }
}

/// [`COPIES`] copies of `sentences`, each in its own order (a Fisher-Yates shuffle of a
/// splitmix64 stream of `seed`), concatenated.
pub(super) fn tuning_stream(sentences: &[Vec<Token>], seed: u64) -> Vec<Token> {
    let mut rng = SplitMix64::new(seed ^ TUNE_SALT);
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    let mut stream = Vec::new();
    for _ in 0..COPIES {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for &i in &order {
            stream.extend_from_slice(&sentences[i]);
        }
    }
    stream
}
