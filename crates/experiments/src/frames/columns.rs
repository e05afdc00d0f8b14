//! The key columns that frames of several kinds share: what a row is about (the sweep point,
//! the seed, the model, the step, the sentences read, the generator's parameters, the token
//! role). The other columns are defined with their frame kind (the sibling modules) or in
//! the experiment that alone writes them (its `frames` module).

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

/// The token role of an evaluation row: `all`, `syntax`, `name`, `value`, `noise` or
/// `knowledge` (name and value).
pub const ROLE: &str = "role";
/// An entity's index (in `probes`, -1 for a never-seen name).
pub const ENTITY: &str = "entity";
/// An attribute's index.
pub const ATTRIBUTE: &str = "attribute";
