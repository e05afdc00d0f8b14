//! The parametric syntax model: templates and their probabilities.

use rand::Rng;
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};

use crate::vocabulary::{Token, Vocabulary};
use crate::{GeneratorConfig, GeneratorError};

/// One position of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    /// A fixed syntax token (the head, a connective, or the end of sentence).
    Word(Token),
    /// The `i`-th token of the entity's name, `0 <= i < L`.
    Name(u8),
    /// The entity's value of the template's attribute.
    Value,
    /// A filler token, uniform over `F`.
    Filler,
}

/// A template: a fixed token string with slots; its first slot is its unique head word.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The attribute this template states.
    pub attribute: usize,
    /// Index among the attribute's templates.
    pub index: usize,
    /// Positions in order: head, connectives, name, connectives, value, end of sentence,
    /// with one filler slot somewhere after the head when `F` is non-empty.
    pub slots: Vec<Slot>,
}

/// All templates and their probabilities `phi_j ~ Dirichlet(a, ..., a)`, drawn once per corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Syntax {
    /// `templates[j][t]`.
    pub templates: Vec<Vec<Template>>,
    /// `phi[j][t]`, each row sums to 1.
    pub phi: Vec<Vec<f64>>,
    /// Cumulative `phi[j]`, for sampling.
    cumulative: Vec<Vec<f64>>,
}

impl Syntax {
    /// Draws templates and probabilities. Heads are `1 + j*T + t`, so the first token
    /// identifies (attribute, template).
    pub fn draw<R: Rng>(
        config: &GeneratorConfig,
        vocabulary: &Vocabulary,
        rng: &mut R,
    ) -> Result<Self, GeneratorError> {
        let connectives = vocabulary.connectives_range();
        let dirichlet = Gamma::new(config.template_dirichlet, 1.0).map_err(|_| {
            GeneratorError::InvalidParameter {
                field: "template_dirichlet",
                value: config.template_dirichlet.to_string(),
                allowed: "template_dirichlet > 0 (finite)",
            }
        })?;
        let mut templates = Vec::with_capacity(config.attributes);
        let mut phi = Vec::with_capacity(config.attributes);
        for attribute in 0..config.attributes {
            let mut row = Vec::with_capacity(config.templates_per_attribute);
            for index in 0..config.templates_per_attribute {
                let head = vocabulary.heads_range().start
                    + (attribute * config.templates_per_attribute + index) as Token;
                let mut slots = vec![Slot::Word(head)];
                let connective = |rng: &mut R| Slot::Word(rng.random_range(connectives.clone()));
                for _ in 0..rng.random_range(1..=3) {
                    slots.push(connective(rng));
                }
                slots.extend((0..config.name_tokens).map(|i| Slot::Name(i as u8)));
                for _ in 0..rng.random_range(1..=2) {
                    slots.push(connective(rng));
                }
                slots.push(Slot::Value);
                if config.filler_vocab > 0 {
                    let at = rng.random_range(1..=slots.len());
                    slots.insert(at, Slot::Filler);
                }
                slots.push(Slot::Word(Vocabulary::EOS));
                row.push(Template {
                    attribute,
                    index,
                    slots,
                });
            }
            templates.push(row);
            // Dirichlet by normalised Gammas; a tiny `a` can underflow every draw, so
            // fall back to the largest log-free draw being 1 (a point mass), never NaN.
            let draws: Vec<f64> = (0..config.templates_per_attribute)
                .map(|_| dirichlet.sample(rng))
                .collect();
            let total: f64 = draws.iter().sum();
            let probabilities = if total > 0.0 {
                draws.iter().map(|d| d / total).collect()
            } else {
                let mut point = vec![0.0; draws.len()];
                point[0] = 1.0;
                point
            };
            phi.push(probabilities);
        }
        let cumulative = phi
            .iter()
            .map(|row| {
                row.iter()
                    .scan(0.0, |sum, p| {
                        *sum += p;
                        Some(*sum)
                    })
                    .collect()
            })
            .collect();
        Ok(Syntax {
            templates,
            phi,
            cumulative,
        })
    }

    /// The template `t` of attribute `j`.
    pub fn template(&self, attribute: usize, template: usize) -> &Template {
        &self.templates[attribute][template]
    }

    /// Samples a template index of `attribute` from `phi[attribute]`.
    #[inline]
    pub(crate) fn sample_template<R: Rng>(&self, attribute: usize, rng: &mut R) -> usize {
        let u: f64 = rng.random();
        let row = &self.cumulative[attribute];
        // Rounding can leave the last cumulative value a hair below 1.
        row.iter().position(|&c| u < c).unwrap_or(row.len() - 1)
    }
}
