//! Model and training hyper-parameters, their allowed ranges, and the SPEC presets.

use serde::{Deserialize, Serialize};

use crate::{Result, TrainerError};

/// Shape of the transformer. The field names are the keys of an experiment's `[model]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Vocabulary size `V`: token ids are `0..V`.
    pub vocab_size: usize,
    /// Context length `T`: positions with a learned embedding.
    pub context: usize,
    /// Residual width `d`.
    pub d_model: usize,
    /// Attention heads `h`; `d` must be a multiple of `h`.
    pub n_heads: usize,
    /// Transformer blocks `L`.
    pub n_layers: usize,
    /// Standard deviation of the initial weights (uniform on `[-sqrt(3) s, sqrt(3) s]`).
    #[serde(default = "default_init_std")]
    pub init_std: f64,
}

fn decay_everything() -> bool {
    true
}

fn default_init_std() -> f64 {
    0.02
}

impl ModelConfig {
    /// The model of `shared/bench/SPEC.md`: `V = 512`, `T = 128`, `d = 128`, 4 heads, 4 layers
    /// (940,800 parameters).
    pub fn spec() -> Self {
        ModelConfig {
            vocab_size: 512,
            context: 128,
            d_model: 128,
            n_heads: 4,
            n_layers: 4,
            init_std: 0.02,
        }
    }

    /// Checks every field against its allowed range; the error names the field and the range.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, value: String, allowed: String| {
            Err(TrainerError::InvalidConfig {
                section: "model",
                field,
                value,
                allowed,
            })
        };
        if !(2..=1 << 24).contains(&self.vocab_size) {
            return bad(
                "vocab_size",
                self.vocab_size.to_string(),
                "2 <= vocab_size <= 16777216".into(),
            );
        }
        if !(1..=1 << 16).contains(&self.context) {
            return bad(
                "context",
                self.context.to_string(),
                "1 <= context <= 65536".into(),
            );
        }
        if !(1..=1 << 16).contains(&self.d_model) {
            return bad(
                "d_model",
                self.d_model.to_string(),
                "1 <= d_model <= 65536".into(),
            );
        }
        if self.n_heads == 0 || !self.d_model.is_multiple_of(self.n_heads) {
            return bad(
                "n_heads",
                self.n_heads.to_string(),
                format!("n_heads >= 1 dividing d_model = {}", self.d_model),
            );
        }
        if !(1..=1024).contains(&self.n_layers) {
            return bad(
                "n_layers",
                self.n_layers.to_string(),
                "1 <= n_layers <= 1024".into(),
            );
        }
        if !(self.init_std.is_finite() && self.init_std > 0.0 && self.init_std <= 1.0) {
            return bad(
                "init_std",
                self.init_std.to_string(),
                "0 < init_std <= 1".into(),
            );
        }
        Ok(())
    }

    /// Exact number of parameters, embeddings included:
    /// `P = V d + T d + L (12 d^2 + 13 d) + 2 d + d V`.
    ///
    /// Per block: two LayerNorms (`4 d`), `qkv` (`3 d^2 + 3 d`), `proj` (`d^2 + d`), `fc`
    /// (`4 d^2 + 4 d`) and `fc2` (`4 d^2 + d`); then the final LayerNorm (`2 d`) and the head
    /// without bias (`d V`).
    pub fn parameters(&self) -> usize {
        let (v, t, d, l) = (self.vocab_size, self.context, self.d_model, self.n_layers);
        v * d + t * d + l * (12 * d * d + 13 * d) + 2 * d + d * v
    }

    /// Parameters of the transformer blocks alone, `L (12 d^2 + 13 d)`: no embeddings, no
    /// final LayerNorm and no head (Kaplan et al.'s `N`, whose head is tied to the embedding).
    pub fn block_parameters(&self) -> usize {
        let d = self.d_model;
        self.n_layers * (12 * d * d + 13 * d)
    }

    /// Parameters without the token and position embeddings (the head is counted).
    pub fn non_embedding_parameters(&self) -> usize {
        self.parameters() - (self.vocab_size + self.context) * self.d_model
    }
}

/// Optimisation, schedule, evaluation and checkpointing. The field names are the keys of an
/// experiment's `[train]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of the initial weights and of the order of the training windows.
    pub seed: u64,
    /// Sequences per batch `B`.
    pub batch_size: usize,
    /// Step budget: optimizer steps at most.
    pub steps: usize,
    /// Peak learning rate, reached at the end of the warmup.
    pub learning_rate: f64,
    /// Learning rate at the end of the cosine decay (equal to `learning_rate`: constant).
    pub min_learning_rate: f64,
    /// Steps of linear warmup from `learning_rate / warmup_steps` up to `learning_rate`.
    pub warmup_steps: usize,
    /// AdamW `beta_1`.
    pub beta1: f64,
    /// AdamW `beta_2`.
    pub beta2: f64,
    /// AdamW `epsilon` (added to `sqrt(v_hat)`; PyTorch's default 1e-8, burn's 1e-5).
    pub eps: f64,
    /// Decoupled weight decay (PyTorch's default 0.01).
    pub weight_decay: f64,
    /// Whether the decay also applies to the one-dimensional parameters (biases, LayerNorm
    /// gains and shifts), as in the SPEC and `torch.optim.AdamW(model.parameters())`;
    /// `false` decays only the matrices and embeddings (nanoGPT's parameter groups).
    #[serde(default = "decay_everything")]
    pub decay_vectors: bool,
    /// Largest global gradient norm; larger gradients are scaled down. `None`: no clipping.
    #[serde(default)]
    pub grad_clip: Option<f64>,
    /// Evaluate the held-out loss every this many steps (and after the last step); 0: never.
    pub eval_every: usize,
    /// Early stopping: stop after this many evaluations without a new best held-out loss.
    #[serde(default)]
    pub patience: Option<usize>,
    /// Write the `last` checkpoint every this many steps (and at the end); 0: only at the end.
    pub checkpoint_every: usize,
}

impl TrainConfig {
    /// The optimizer of `shared/bench/SPEC.md`: AdamW, lr 1e-3 constant, betas (0.9, 0.999),
    /// eps 1e-8, weight decay 0.01, no clipping, batch 32, 35 steps, no evaluation.
    pub fn spec() -> Self {
        TrainConfig {
            seed: 0,
            batch_size: 32,
            steps: 35,
            learning_rate: 1e-3,
            min_learning_rate: 1e-3,
            warmup_steps: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            decay_vectors: true,
            grad_clip: None,
            eval_every: 0,
            patience: None,
            checkpoint_every: 0,
        }
    }

    /// Checks every field against its allowed range; the error names the field and the range.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, value: String, allowed: &str| {
            Err(TrainerError::InvalidConfig {
                section: "train",
                field,
                value,
                allowed: allowed.to_string(),
            })
        };
        let rate = |x: f64| x.is_finite() && (0.0..=10.0).contains(&x);
        if !(1..=1 << 20).contains(&self.batch_size) {
            return bad(
                "batch_size",
                self.batch_size.to_string(),
                "1 <= batch_size <= 1048576",
            );
        }
        if !(1..=1 << 40).contains(&self.steps) {
            return bad("steps", self.steps.to_string(), "1 <= steps <= 2^40");
        }
        if !(rate(self.learning_rate) && self.learning_rate > 0.0) {
            return bad(
                "learning_rate",
                self.learning_rate.to_string(),
                "0 < learning_rate <= 10",
            );
        }
        if !(rate(self.min_learning_rate) && self.min_learning_rate <= self.learning_rate) {
            return bad(
                "min_learning_rate",
                self.min_learning_rate.to_string(),
                "0 <= min_learning_rate <= learning_rate",
            );
        }
        if self.warmup_steps > self.steps {
            return bad(
                "warmup_steps",
                self.warmup_steps.to_string(),
                "0 <= warmup_steps <= steps",
            );
        }
        for (field, beta) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(beta.is_finite() && (0.0..1.0).contains(&beta)) {
                return bad(field, beta.to_string(), "0 <= beta < 1");
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0 && self.eps <= 1.0) {
            return bad("eps", self.eps.to_string(), "0 < eps <= 1");
        }
        if !(rate(self.weight_decay) && self.weight_decay * self.learning_rate < 1.0) {
            return bad(
                "weight_decay",
                self.weight_decay.to_string(),
                "0 <= weight_decay and weight_decay * learning_rate < 1",
            );
        }
        if let Some(clip) = self.grad_clip
            && !(clip.is_finite() && clip > 0.0)
        {
            return bad(
                "grad_clip",
                clip.to_string(),
                "grad_clip > 0 (finite), or absent",
            );
        }
        if self.patience == Some(0) {
            return bad("patience", "0".into(), "patience >= 1, or absent");
        }
        if self.patience.is_some() && self.eval_every == 0 {
            return bad(
                "eval_every",
                "0".into(),
                "eval_every >= 1 when patience is set",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_model_has_the_spec_parameter_count() {
        assert_eq!(ModelConfig::spec().parameters(), 940_800);
        ModelConfig::spec().validate().expect("spec model");
        TrainConfig::spec().validate().expect("spec training");
    }

    #[test]
    fn errors_name_the_field_and_range() {
        let mut model = ModelConfig::spec();
        model.n_heads = 3;
        let message = model
            .validate()
            .expect_err("3 does not divide 128")
            .to_string();
        assert!(message.contains("model.n_heads = 3"), "{message}");
        assert!(message.contains("dividing d_model = 128"), "{message}");

        let mut train = TrainConfig::spec();
        train.grad_clip = Some(-1.0);
        let message = train.validate().expect_err("negative clip").to_string();
        assert!(message.contains("train.grad_clip = -1"), "{message}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = r#"{"vocab_size": 8, "context": 4, "d_model": 8, "n_heads": 2,
                       "n_layers": 1, "dropout": 0.1}"#;
        let error = serde_json::from_str::<ModelConfig>(text).expect_err("unknown key");
        assert!(error.to_string().contains("dropout"));
    }
}
