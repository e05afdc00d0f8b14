//! A resolved experiment: what one run of an experiment file at one profile computes, and
//! what its `config.toml` records. Loading and validating the files is the pipeline's job
//! (`skm_pipeline::load`); this crate only reads the result.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::error::{Context, ExperimentError, Result};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use skm_generator::GeneratorConfig;
use skm_trainer::{DeviceKind, ModelConfig, TrainConfig};

/// The three sizes every experiment comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    /// Seconds: tests and CI.
    Smoke,
    /// Minutes on a laptop CPU: every figure of the paper.
    Default,
    /// Sized for a large machine.
    Full,
}

impl ProfileName {
    /// The profile's key in `[profiles.*]`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Smoke => "smoke",
            ProfileName::Default => "default",
            ProfileName::Full => "full",
        }
    }

    /// Every profile, smallest first.
    pub const ALL: [ProfileName; 3] = [ProfileName::Smoke, ProfileName::Default, ProfileName::Full];
}

impl std::str::FromStr for ProfileName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ProfileName::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown profile {s:?}: allowed smoke, default, full"))
    }
}

/// The `[experiment]` table.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Must equal the file stem.
    pub name: String,
    /// Section title in the paper.
    pub title: String,
    /// Claims this experiment checks, e.g. `["C1", "C2"]`.
    pub claims: Vec<String>,
    /// The experiment whose stream, models and training this one reads (it trains nothing
    /// of its own; its models come from the checkpoint cache, or are trained once there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models_from: Option<String>,
}

/// A fully resolved experiment at one profile: what a run computes, and what its
/// `config.toml` records.
#[derive(Clone, Debug, Serialize)]
pub struct Spec {
    /// The experiment's name (file stem).
    pub experiment: String,
    /// The profile chosen.
    pub profile: ProfileName,
    /// Title and claims.
    pub meta: Meta,
    /// Sentences per stream.
    pub sentences: u64,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// Stream prefixes to evaluate (empty when the experiment measures only N).
    pub sizes: Vec<u64>,
    /// The base generator table; `None` for experiments on data the project does not generate
    /// (real text), which then have no sweep points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorConfig>,
    /// The sweep, as declared.
    pub sweep: BTreeMap<String, Vec<toml::Value>>,
    /// The experiment's own parameters: `[analysis]` with the profile's
    /// `[profiles.<profile>.analysis]` keys in place.
    pub analysis: toml::Table,
    /// The `[analysis]` keys the profile set, which errors name
    /// `profiles.<profile>.analysis.<key>` ([`Spec::analysis_key`]).
    #[serde(skip)]
    pub analysis_from_profile: BTreeSet<String>,
    /// The transformer, for experiments that train one (`vocab_size` is the base generator's
    /// vocabulary; a sweep that changes the vocabulary resets it per point).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelConfig>,
    /// Its training, for experiments that train one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<TrainConfig>,
    /// The swept model shapes (`profiles.*.models`), each `model` with its overrides; empty
    /// when the experiment trains one shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelConfig>,
    /// Where training runs (set by `reproduce --device`; part of the config, since a GPU
    /// gives other floating-point results than the CPU). `None` for experiments that do not
    /// train.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceKind>,
    /// One resolved generator config per sweep point, seed left at the base seed.
    #[serde(skip)]
    pub points: Vec<Point>,
    /// Where the spec came from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct Point {
    /// `key=value,...`, or `base` when nothing is swept.
    pub label: String,
    /// The resolved generator config (seed = base seed).
    pub generator: GeneratorConfig,
}

impl Spec {
    /// The model shapes the experiment trains: the swept ones, or the one `[model]`.
    pub fn model_shapes(&self) -> Vec<ModelConfig> {
        match (&self.model, self.models.is_empty()) {
            (Some(model), true) => vec![model.clone()],
            _ => self.models.clone(),
        }
    }

    /// The `[analysis]` table as the experiment's own type; unknown keys are errors.
    pub fn analysis<T: DeserializeOwned>(&self) -> Result<T> {
        self.analysis.clone().try_into().map_err(|e| {
            ExperimentError::Config(format!("{}: [analysis]: {e}", self.path.display()))
        })
    }

    /// Where the `[analysis]` key `key` was written, as errors name it: `analysis.<key>`, or
    /// `profiles.<profile>.analysis.<key>` when the profile set it.
    pub fn analysis_key(&self, key: &str) -> String {
        if self.analysis_from_profile.contains(key) {
            format!("profiles.{}.analysis.{key}", self.profile.as_str())
        } else {
            format!("analysis.{key}")
        }
    }

    /// The resolved config as TOML, the text `config.toml` holds and the cache hashes.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).context("serializing the resolved config")
    }

    /// The sweep points' labels, comma-separated, for prose.
    pub fn point_labels(&self) -> String {
        let labels: Vec<&str> = self.points.iter().map(|p| p.label.as_str()).collect();
        labels.join(", ")
    }

    /// The first seed (`generator.seed`, or 0 without a generator): it also seeds bootstraps.
    pub fn base_seed(&self) -> u64 {
        self.seeds.first().copied().unwrap_or_default()
    }

    /// Trains on `device`, if the experiment trains at all.
    pub fn set_device(&mut self, device: DeviceKind) {
        if self.device.is_some() {
            self.device = Some(device);
        }
    }

    /// A generator config of `point` with `seed`.
    pub fn generator_at(&self, point: &Point, seed: u64) -> GeneratorConfig {
        GeneratorConfig {
            seed,
            ..point.generator.clone()
        }
    }
}
