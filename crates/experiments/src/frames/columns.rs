//! Column names that several frames share, defined once. A column only one experiment
//! writes is named in that experiment's `compute`.

/// The sweep point's label (`alpha=0.5`).
pub const POINT: &str = "point";
/// A trained model's shape (`d=32 L=2`).
pub const MODEL: &str = "model";
/// A trained model's parameters, all of them.
pub const PARAMETERS: &str = "parameters";
/// The generator seed of the stream.
pub const SEED: &str = "seed";
/// Optimizer steps taken before an evaluation (0: the initial weights).
pub const STEP: &str = "step";
/// Sentences read before a measurement.
pub const N: &str = "n";
/// The Pitman-Yor discount of the stream's generator.
pub const ALPHA: &str = "alpha";
/// The Pitman-Yor concentration of the stream's generator.
pub const BETA: &str = "beta";

// Evaluations by role (`training::RoleRows`), one row per role of `training::ROLES`.

/// `all`, `syntax`, `name`, `value` or `knowledge`.
pub const ROLE: &str = "role";
/// Held-out tokens of the role that were scored.
pub const SCORED_TOKENS: &str = "scored_tokens";
/// The model's code length per scored token, bits.
pub const MODEL_BITS_PER_TOKEN: &str = "model_bits_per_token";
/// The oracle's code length per scored token, bits.
pub const ORACLE_BITS_PER_TOKEN: &str = "oracle_bits_per_token";
/// Model minus oracle, bits per scored token.
pub const EXCESS_BITS_PER_TOKEN: &str = "excess_bits_per_token";

// Training losses (`training::LossRows`), one row per optimizer step.

/// The step's training loss, nats per token.
pub const LOSS_NATS: &str = "loss_nats";
/// The step's learning rate.
pub const LEARNING_RATE: &str = "learning_rate";

// Probe results ([`super::ProbeColumns`]), one row per probed fact.

/// The probed entity (-1: a never-seen name).
pub const ENTITY: &str = "entity";
/// The probed attribute.
pub const ATTRIBUTE: &str = "attribute";
/// Times the fact is stated in the training stream.
pub const EXPOSURES: &str = "exposures";
/// The probe's bucket label (`never seen`, `never stated`, `1`, `2-3`, ...).
pub const BUCKET: &str = "bucket";
/// The bucket's order: -1 never seen, 0 never stated, then ascending.
pub const BUCKET_ORDER: &str = "bucket_order";
/// `correct`, `hallucinated` or `malformed`.
pub const ANSWER: &str = "answer";
/// Whether the answer is the true value.
pub const CORRECT: &str = "correct";
/// The model's probability of the true value.
pub const P_TRUE: &str = "p_true";
/// The model's probability of its argmax.
pub const P_ARGMAX: &str = "p_argmax";
/// The model's mass on the attribute's valid values.
pub const VALID_MASS: &str = "valid_mass";
/// The entropy of the model's answer distribution, bits.
pub const ENTROPY_BITS: &str = "entropy_bits";
