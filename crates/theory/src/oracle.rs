//! The oracle: the code that knows `phi`, `pi` and every fact (spec section 2). Its average
//! code length is the source entropy, the floor of every loss.

use skm_generator::{Sentence, Slot, World};

use crate::TheoryError;
use crate::templates::Templates;

/// The oracle's code. A sentence about entity `k`, attribute `j`, template `t` costs
/// `-log2(phi_{j,t}/A) - log2 pi_k + log2|F|` bits, assigned to tokens as:
/// - head (first token): `-log2(phi_{j,t}/A)`; it identifies attribute and template;
/// - first name token: `-log2 pi_k`, the other name tokens 0. The oracle codes *which entity*
///   the sentence is about; the name is then a deterministic function of the entity, so the
///   whole entity code sits on the first name token;
/// - value: 0 (the fact is known);
/// - filler: `log2|F|`;
/// - every other template word and the end of sentence: 0 (fixed by the template).
#[derive(Clone, Debug)]
pub struct Oracle {
    templates: Templates,
    /// `-log2(phi_{j,t}/A)` at `j*T + t`.
    head_bits: Vec<f64>,
    /// `-log2 pi_k`.
    name_bits: Vec<f64>,
    /// `log2|F|` (0 when there is no filler slot).
    filler_bits: f64,
}

impl Oracle {
    /// The oracle of a world: reads `phi`, the weights `pi` and the templates.
    pub fn new(world: &World) -> Result<Self, TheoryError> {
        let templates = Templates::new(world)?;
        let a = world.config.attributes as f64;
        if world.syntax.phi.len() != templates.attributes
            || world
                .syntax
                .phi
                .iter()
                .any(|row| row.len() != templates.per_attribute)
        {
            return Err(TheoryError::InvalidWorld {
                reason: "syntax.phi is not attributes x templates_per_attribute",
            });
        }
        let head_bits = world
            .syntax
            .phi
            .iter()
            .flatten()
            .map(|&phi| -(phi / a).log2())
            .collect();
        let name_bits = world.weights.iter().map(|&pi| -pi.log2()).collect();
        let filler_bits = match world.config.filler_vocab {
            0 => 0.0,
            f => (f as f64).log2(),
        };
        Ok(Oracle {
            templates,
            head_bits,
            name_bits,
            filler_bits,
        })
    }

    /// `-log2(phi_{j,t}/A)`: the head token's bits.
    pub fn head_bits(&self, attribute: usize, template: usize) -> Result<f64, TheoryError> {
        self.templates.get(attribute, template)?;
        Ok(self.head_bits[attribute * self.templates.per_attribute + template])
    }

    /// `-log2 pi_k`: the entity's bits (on its first name token).
    pub fn entity_bits(&self, entity: u32) -> Result<f64, TheoryError> {
        self.name_bits
            .get(entity as usize)
            .copied()
            .ok_or(TheoryError::UnknownEntity {
                entity,
                entities: self.name_bits.len(),
            })
    }

    /// `log2|F|`: a filler token's bits (0 when the templates have no filler slot).
    pub fn filler_bits(&self) -> f64 {
        self.filler_bits
    }

    /// Appends the bits of each token of `sentence`, in token order (one value per slot of
    /// its template), to `out`; see [`Oracle`] for the assignment.
    pub fn sentence_bits(
        &self,
        sentence: &Sentence,
        out: &mut Vec<f64>,
    ) -> Result<(), TheoryError> {
        let (j, t) = (sentence.attribute as usize, sentence.template as usize);
        let slots = self.templates.get(j, t)?;
        let head = self.head_bits(j, t)?;
        let entity = self.entity_bits(sentence.entity)?;
        out.extend(slots.iter().enumerate().map(|(i, slot)| match *slot {
            Slot::Word(_) if i == 0 => head,
            Slot::Name(0) => entity,
            Slot::Filler => self.filler_bits,
            Slot::Word(_) | Slot::Name(_) | Slot::Value => 0.0,
        }));
        Ok(())
    }

    /// The sentence's total bits: `-log2(phi_{j,t}/A) - log2 pi_k + log2|F|`.
    pub fn sentence_total(&self, sentence: &Sentence) -> Result<f64, TheoryError> {
        let (j, t) = (sentence.attribute as usize, sentence.template as usize);
        Ok(self.head_bits(j, t)? + self.entity_bits(sentence.entity)? + self.filler_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skm_generator::{Corpus, GeneratorConfig};

    #[test]
    fn per_token_bits_sum_to_sentence_total() {
        let config = GeneratorConfig {
            alpha: 0.5,
            beta: 1.0,
            seed: 3,
            name_tokens: 3,
            name_vocab: 64,
            attributes: 3,
            values_per_attribute: 8,
            templates_per_attribute: 3,
            template_dirichlet: 1.0,
            filler_vocab: 4,
        };
        let corpus = Corpus::generate(&config, 500).expect("corpus");
        let oracle = Oracle::new(&corpus.world).expect("oracle");
        let mut bits = Vec::new();
        for (i, sentence) in corpus.sentences.iter().enumerate() {
            bits.clear();
            oracle.sentence_bits(sentence, &mut bits).expect("bits");
            assert_eq!(bits.len(), corpus.sentence_tokens(i).len());
            let total = oracle.sentence_total(sentence).expect("total");
            assert!((bits.iter().sum::<f64>() - total).abs() < 1e-12);
            let phi =
                corpus.world.syntax.phi[sentence.attribute as usize][sentence.template as usize];
            let expected =
                -(phi / 3.0).log2() - corpus.world.weights[sentence.entity as usize].log2() + 2.0;
            assert!((total - expected).abs() < 1e-12);
        }
        let mut unknown = corpus.sentences[0];
        unknown.entity = 1_000_000;
        assert!(matches!(
            oracle.sentence_total(&unknown),
            Err(TheoryError::UnknownEntity { .. })
        ));
    }
}
