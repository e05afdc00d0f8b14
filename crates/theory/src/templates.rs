//! The template strings, flat and checked: what both predictors read from the syntax.

use skm_generator::{Slot, Token, World};

use crate::TheoryError;

/// `slots[j * T + t]`: the slots of template `t` of attribute `j`, with the shape every
/// predictor relies on checked once: the head word `1 + j*T + t` first, each name slot
/// `0..L` exactly once and in order, one value slot after the name, a filler slot iff `|F| > 0`.
#[derive(Clone, Debug)]
pub(crate) struct Templates {
    pub(crate) attributes: usize,
    pub(crate) per_attribute: usize,
    slots: Vec<Vec<Slot>>,
}

impl Templates {
    pub(crate) fn new(world: &World) -> Result<Self, TheoryError> {
        world.config.validate()?;
        let config = &world.config;
        let (attributes, per_attribute) = (config.attributes, config.templates_per_attribute);
        let bad = |reason: &'static str| TheoryError::InvalidWorld { reason };
        if world.syntax.templates.len() != attributes
            || world
                .syntax
                .templates
                .iter()
                .any(|row| row.len() != per_attribute)
        {
            return Err(bad(
                "syntax.templates is not attributes x templates_per_attribute",
            ));
        }
        let mut slots = Vec::with_capacity(attributes * per_attribute);
        for (j, row) in world.syntax.templates.iter().enumerate() {
            for (t, template) in row.iter().enumerate() {
                let head = 1 + (j * per_attribute + t) as Token;
                if template.slots.first() != Some(&Slot::Word(head)) {
                    return Err(bad(
                        "a template does not start with its head word 1 + j*T + t",
                    ));
                }
                let names: Vec<u8> = template
                    .slots
                    .iter()
                    .filter_map(|s| match s {
                        Slot::Name(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                if !names.iter().copied().eq(0..config.name_tokens as u8) {
                    return Err(bad("a template's name slots are not 0..L in order"));
                }
                let count = |kind: Slot| template.slots.iter().filter(|&&s| s == kind).count();
                if count(Slot::Value) != 1 {
                    return Err(bad("a template does not have exactly one value slot"));
                }
                let last_name = template
                    .slots
                    .iter()
                    .rposition(|s| matches!(s, Slot::Name(_)));
                let value = template.slots.iter().position(|&s| s == Slot::Value);
                if value < last_name {
                    return Err(bad("a template's value slot comes before its name"));
                }
                if count(Slot::Filler) != usize::from(config.filler_vocab > 0) {
                    return Err(bad("a template's filler slots do not match filler_vocab"));
                }
                slots.push(template.slots.clone());
            }
        }
        Ok(Templates {
            attributes,
            per_attribute,
            slots,
        })
    }

    /// The slots of template `t` of attribute `j`, or an error naming the pair.
    #[inline]
    pub(crate) fn get(&self, attribute: usize, template: usize) -> Result<&[Slot], TheoryError> {
        if attribute < self.attributes && template < self.per_attribute {
            Ok(&self.slots[attribute * self.per_attribute + template])
        } else {
            Err(TheoryError::UnknownTemplate {
                attribute,
                template,
            })
        }
    }

    /// The slots of the template at flat index `j*T + t` (an index from
    /// [`decode_head`](Self::decode_head)).
    #[inline]
    pub(crate) fn by_index(&self, index: usize) -> &[Slot] {
        &self.slots[index]
    }

    /// `(attribute, template)` of a head token, if it is one.
    #[inline]
    pub(crate) fn decode_head(&self, head: Token) -> Option<(usize, usize)> {
        let index = (head as usize).checked_sub(1)?;
        (index < self.slots.len()).then(|| (index / self.per_attribute, index % self.per_attribute))
    }
}
