//! The generator's hyper-parameters and their allowed ranges.

use serde::{Deserialize, Serialize};

use crate::GeneratorError;

/// Hyper-parameters of the Syntax-Knowledge model (spec section 1).
///
/// The field names are the keys of an experiment's `[generator]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorConfig {
    /// PYCRP discount `alpha` in [0, 1): Heaps exponent of the entity count.
    pub alpha: f64,
    /// PYCRP concentration `beta` > -alpha.
    pub beta: f64,
    /// Seed of every random choice (ChaCha8 streams).
    pub seed: u64,
    /// Tokens per entity name, `L`.
    pub name_tokens: usize,
    /// Size of the name vocabulary; the name space holds `name_vocab^name_tokens` names.
    pub name_vocab: usize,
    /// Attributes per entity, `A`.
    pub attributes: usize,
    /// Size of each attribute's value vocabulary `V_j` (the base measure is uniform on it).
    pub values_per_attribute: usize,
    /// Templates per attribute, `T`.
    pub templates_per_attribute: usize,
    /// Symmetric Dirichlet parameter `a` of the template probabilities `phi_j`.
    pub template_dirichlet: f64,
    /// Size of the filler set `F`; 0 means templates have no filler slot.
    pub filler_vocab: usize,
}

/// Largest allowed `name_vocab^name_tokens`: names are packed into a `u128`.
const MAX_NAME_SPACE: f64 = 1.0e36;

impl GeneratorConfig {
    /// Checks every field against its allowed range; the error names the field and the range.
    pub fn validate(&self) -> Result<(), GeneratorError> {
        let bad = |field: &'static str, value: String, allowed: &'static str| {
            Err(GeneratorError::InvalidParameter {
                field,
                value,
                allowed,
            })
        };
        if !(self.alpha.is_finite() && (0.0..1.0).contains(&self.alpha)) {
            return bad("alpha", self.alpha.to_string(), "0 <= alpha < 1");
        }
        if !(self.beta.is_finite() && self.beta > -self.alpha) {
            return bad("beta", self.beta.to_string(), "beta > -alpha (finite)");
        }
        if self.alpha == 0.0 && self.beta <= 0.0 {
            return bad("beta", self.beta.to_string(), "beta > 0 when alpha = 0");
        }
        if !(1..=16).contains(&self.name_tokens) {
            return bad(
                "name_tokens",
                self.name_tokens.to_string(),
                "1 <= name_tokens <= 16",
            );
        }
        if !(2..=1 << 20).contains(&self.name_vocab) {
            return bad(
                "name_vocab",
                self.name_vocab.to_string(),
                "2 <= name_vocab <= 1048576",
            );
        }
        if self.name_space() > MAX_NAME_SPACE {
            return bad(
                "name_vocab",
                format!("{} (name space {:e})", self.name_vocab, self.name_space()),
                "name_vocab^name_tokens <= 1e36",
            );
        }
        if !(1..=256).contains(&self.attributes) {
            return bad(
                "attributes",
                self.attributes.to_string(),
                "1 <= attributes <= 256",
            );
        }
        if !(2..=1 << 20).contains(&self.values_per_attribute) {
            return bad(
                "values_per_attribute",
                self.values_per_attribute.to_string(),
                "2 <= values_per_attribute <= 1048576",
            );
        }
        if !(1..=256).contains(&self.templates_per_attribute) {
            return bad(
                "templates_per_attribute",
                self.templates_per_attribute.to_string(),
                "1 <= templates_per_attribute <= 256",
            );
        }
        if !(self.template_dirichlet.is_finite() && self.template_dirichlet > 0.0) {
            return bad(
                "template_dirichlet",
                self.template_dirichlet.to_string(),
                "template_dirichlet > 0 (finite)",
            );
        }
        if self.filler_vocab > 1 << 20 {
            return bad(
                "filler_vocab",
                self.filler_vocab.to_string(),
                "0 <= filler_vocab <= 1048576",
            );
        }
        Ok(())
    }

    /// Number of distinct names, `name_vocab^name_tokens` (as f64: it can exceed u64).
    pub fn name_space(&self) -> f64 {
        (self.name_vocab as f64).powi(self.name_tokens as i32)
    }

    /// Free parameters of the syntax model, `d = A (T - 1)`.
    pub fn syntax_parameters(&self) -> usize {
        self.attributes * (self.templates_per_attribute - 1)
    }
}
