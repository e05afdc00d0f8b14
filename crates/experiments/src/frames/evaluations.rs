//! Held-out evaluations by token role: one row per role of [`ROLES`] and evaluation, the
//! role columns after the caller's keys. They make the `evaluations` frame of train-smoke
//! and acquisition (keyed by step) and the `scaling` frames of data- and model-scaling
//! (keyed by sweep point and size, [`super::scaling`]).

use polars::prelude::*;
use skm_generator::Role;
use skm_trainer::RoleEvaluation;

pub use super::columns::ROLE;

/// The frame's name in train-smoke and acquisition.
pub const NAME: &str = "evaluations";
/// Held-out tokens of the role that were scored.
pub const SCORED_TOKENS: &str = "scored_tokens";
/// The model's code length per scored token, bits.
pub const MODEL_BITS_PER_TOKEN: &str = "model_bits_per_token";
/// The oracle's code length per scored token, bits.
pub const ORACLE_BITS_PER_TOKEN: &str = "oracle_bits_per_token";
/// Model minus oracle, bits per scored token.
pub const EXCESS_BITS_PER_TOKEN: &str = "excess_bits_per_token";

/// Roles of the evaluation frames; `all` is every scored token.
pub const ROLES: [&str; 5] = ["syntax", "name", "value", "noise", "all"];

/// The token role of a role name (`None` for `all`).
pub fn role_of(name: &str) -> Option<Role> {
    match name {
        "syntax" => Some(Role::Syntax),
        "name" => Some(Role::Name),
        "value" => Some(Role::Value),
        "noise" => Some(Role::Noise),
        _ => None,
    }
}

/// Tokens scored, model bits and oracle bits of one role of an evaluation.
fn role_numbers(eval: &RoleEvaluation, role: &str) -> (u64, f64, f64) {
    match role_of(role) {
        Some(r) => (
            eval.tokens.get(r),
            eval.model_bits.get(r),
            eval.oracle_bits.get(r),
        ),
        None => (
            eval.tokens.total(),
            eval.model_bits.total(),
            eval.oracle_bits.total(),
        ),
    }
}

/// The per-role columns of an evaluation frame, one row per role of [`ROLES`]:
/// `role, scored_tokens, model_bits_per_token, oracle_bits_per_token, excess_bits_per_token`
/// (excess = model - oracle). The caller repeats its own key columns [`ROLES`]`.len()` times
/// per evaluation.
#[derive(Default)]
pub struct RoleRows {
    role: Vec<&'static str>,
    scored: Vec<u64>,
    model: Vec<f64>,
    oracle: Vec<f64>,
}

impl RoleRows {
    /// Appends the rows of one evaluation, in the order of [`ROLES`].
    pub fn push(&mut self, eval: &RoleEvaluation) {
        for role in ROLES {
            let (scored, model_bits, oracle_bits) = role_numbers(eval, role);
            self.role.push(role);
            self.scored.push(scored);
            self.model.push(model_bits / scored as f64);
            self.oracle.push(oracle_bits / scored as f64);
        }
    }

    /// The five columns, to append to the caller's key columns.
    pub fn columns(self) -> Vec<Column> {
        let excess: Vec<f64> = self
            .model
            .iter()
            .zip(&self.oracle)
            .map(|(m, o)| m - o)
            .collect();
        vec![
            Column::new(ROLE.into(), self.role),
            Column::new(SCORED_TOKENS.into(), self.scored),
            Column::new(MODEL_BITS_PER_TOKEN.into(), self.model),
            Column::new(ORACLE_BITS_PER_TOKEN.into(), self.oracle),
            Column::new(EXCESS_BITS_PER_TOKEN.into(), excess),
        ]
    }
}
