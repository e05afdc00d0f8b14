//! Experiment files: reading, validation and resolution into [`Spec`]s.
//!
//! An experiment file `experiments/<name>.toml` has four tables:
//! `[experiment]` (name, title, claims), `[generator]` (every key of
//! [`GeneratorConfig`]; absent only for experiments on data the project does not generate),
//! `[analysis]` (the experiment's own parameters, checked by its function) and
//! `[profiles.smoke|default|full]` (sentences, seeds, sweeps, sizes); a profile may override
//! keys of `[analysis]` in `[profiles.<name>.analysis]`.
//! Experiments that train a transformer add `[model]` (the keys of [`ModelConfig`] but
//! `vocab_size`, which is the generator's) and `[train]` (the keys of [`TrainConfig`]); a
//! profile may override any of their keys in `[profiles.<name>.model]` and
//! `[profiles.<name>.train]`; a profile's `models = [{..}, ..]` sweeps model shapes, each
//! table overriding keys of `[model]`. An experiment that only reads the models of another
//! says `models_from = "<name>"` in `[experiment]` and has just `[experiment]` and
//! `[analysis]`: it takes that file's stream, models and training at the same profile (so
//! its config hash covers them). Unknown keys are errors everywhere; every error names the
//! file, the key and the range.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Context, PipelineError, Result, bail};
use serde::{Deserialize, Serialize};
use skm_experiments::spec::{Meta, Point, ProfileName, Spec};
use skm_generator::{GeneratorConfig, GeneratorError, MIN_NAME_SPACE_RATIO, Vocabulary};
use skm_trainer::{DeviceKind, ModelConfig, TrainConfig, TrainerError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    experiment: Meta,
    generator: Option<GeneratorConfig>,
    #[serde(default)]
    analysis: toml::Table,
    model: Option<toml::Table>,
    train: Option<toml::Table>,
    profiles: Option<Profiles>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profiles {
    smoke: Profile,
    default: Profile,
    full: Profile,
}

/// One `[profiles.*]` table: how big a run is.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Sentences in each stream (the largest N).
    pub sentences: u64,
    /// Number of seeds: `generator.seed`, `generator.seed + 1`, ...
    pub seeds: u32,
    /// Generator keys to sweep, each with its list of values (one run point per value).
    #[serde(default)]
    pub sweep: BTreeMap<String, Vec<toml::Value>>,
    /// Stream prefixes to evaluate, for experiments that measure along N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<u64>,
    /// Keys of `[analysis]` this profile overrides.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub analysis: toml::Table,
    /// Keys of `[model]` this profile overrides.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub model: toml::Table,
    /// Keys of `[train]` this profile overrides.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub train: toml::Table,
    /// Model shapes to sweep: each table overrides keys of `[model]` (after `model`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<toml::Table>,
}

/// The largest stream a profile may ask for.
const MAX_SENTENCES: u64 = 1_000_000_000;
const MAX_SEEDS: u32 = 1_000;

/// Reads and validates `path` at `profile`; nothing is written.
pub fn load(path: &Path, profile: ProfileName) -> Result<Spec> {
    let file = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
    let mut parsed: ExperimentFile = toml::from_str(&text)
        .map_err(|e| PipelineError::Input(format!("{file}: {}", e.to_string().trim())))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if parsed.experiment.name != stem {
        bail!(
            Input,
            "{file}: experiment.name = {:?} must equal the file name {stem:?}",
            parsed.experiment.name
        );
    }
    if let Some(source) = parsed.experiment.models_from.clone() {
        return reading(path, parsed, &source, profile);
    }
    let Some(profiles) = parsed.profiles.take() else {
        bail!(
            Input,
            "{file}: missing table [profiles] (smoke, default and full)"
        );
    };
    let chosen = match profile {
        ProfileName::Smoke => profiles.smoke,
        ProfileName::Default => profiles.default,
        ProfileName::Full => profiles.full,
    };
    resolve(&parsed, &chosen, profile)
        .map(|resolved| resolved.into_spec(stem, path, parsed, chosen, profile))
        .map_err(|e| PipelineError::Input(format!("{file}: {e}")))
}

/// What a file resolves to at one profile, beside the tables it copies as they are.
struct Resolved {
    points: Vec<Point>,
    model: Option<ModelConfig>,
    train: Option<TrainConfig>,
    models: Vec<ModelConfig>,
}

impl Resolved {
    fn into_spec(
        self,
        stem: &str,
        path: &Path,
        parsed: ExperimentFile,
        chosen: Profile,
        profile: ProfileName,
    ) -> Spec {
        let base_seed = parsed.generator.as_ref().map_or(0, |g| g.seed);
        let analysis_from_profile = chosen.analysis.keys().cloned().collect();
        let mut analysis = parsed.analysis;
        analysis.extend(chosen.analysis);
        Spec {
            experiment: stem.to_string(),
            profile,
            meta: parsed.experiment,
            sentences: chosen.sentences,
            seeds: (0..u64::from(chosen.seeds))
                .map(|i| base_seed.wrapping_add(i))
                .collect(),
            sizes: chosen.sizes,
            generator: parsed.generator,
            sweep: chosen.sweep,
            analysis,
            analysis_from_profile,
            device: self.model.is_some().then_some(DeviceKind::Cpu),
            model: self.model,
            train: self.train,
            models: self.models,
            points: self.points,
            path: path.to_path_buf(),
        }
    }
}

/// Checks the chosen profile and resolves the sweep points, the model and its training, and
/// the swept model shapes; errors name the key (the caller adds the file).
fn resolve(
    parsed: &ExperimentFile,
    chosen: &Profile,
    profile: ProfileName,
) -> Result<Resolved, String> {
    check_profile(chosen, profile)?;
    let key = |k: &str| format!("profiles.{}.{k}", profile.as_str());
    let points = match &parsed.generator {
        Some(generator) => resolve_points(generator, &chosen.sweep)?,
        None if chosen.sweep.is_empty() => Vec::new(),
        None => return Err(format!("{} needs a [generator] table", key("sweep"))),
    };
    for point in &points {
        check_generator(point, chosen, profile)?;
    }
    if parsed.generator.is_none() && parsed.model.is_some() {
        return Err("a [model] table needs a [generator] table (its vocabulary)".into());
    }
    let vocab_size = parsed
        .generator
        .as_ref()
        .map_or(0, |g| Vocabulary::new(g).size());
    let (model, train) = model_and_training(parsed, chosen, profile, vocab_size)?;
    let models = model_shapes(parsed, chosen, profile, vocab_size)?;
    Ok(Resolved {
        points,
        model,
        train,
        models,
    })
}

/// The ranges of a profile's `sentences`, `seeds` and `sizes`.
fn check_profile(chosen: &Profile, profile: ProfileName) -> Result<(), String> {
    let key = |k: &str| format!("profiles.{}.{k}", profile.as_str());
    if !(1..=MAX_SENTENCES).contains(&chosen.sentences) {
        return Err(format!(
            "{} = {} is out of range: allowed 1 <= sentences <= {MAX_SENTENCES}",
            key("sentences"),
            chosen.sentences
        ));
    }
    if !(1..=MAX_SEEDS).contains(&chosen.seeds) {
        return Err(format!(
            "{} = {} is out of range: allowed 1 <= seeds <= {MAX_SEEDS}",
            key("seeds"),
            chosen.seeds
        ));
    }
    match chosen
        .sizes
        .iter()
        .find(|&&n| n == 0 || n > chosen.sentences)
    {
        Some(bad) => Err(format!(
            "{} contains {bad}: allowed 1 <= size <= sentences ({})",
            key("sizes"),
            chosen.sentences
        )),
        None => Ok(()),
    }
}

/// `[model]` and `[train]` with the profile's overrides, both or neither.
fn model_and_training(
    parsed: &ExperimentFile,
    chosen: &Profile,
    profile: ProfileName,
    vocab_size: usize,
) -> Result<(Option<ModelConfig>, Option<TrainConfig>), String> {
    let key = |k: &str| format!("profiles.{}.{k}", profile.as_str());
    match (&parsed.model, &parsed.train) {
        (None, None) => {
            let overridden = [("model", &chosen.model), ("train", &chosen.train)]
                .iter()
                .find_map(|(name, table)| (!table.is_empty()).then_some(*name));
            match overridden {
                Some(section) => Err(format!(
                    "{} overrides keys of a [{section}] table the file does not have",
                    key(section)
                )),
                None => Ok((None, None)),
            }
        }
        (Some(model), Some(train)) => Ok((
            Some(model_config(
                model,
                &[(&chosen.model, key("model"))],
                vocab_size,
            )?),
            Some(train_config(train, &chosen.train, profile)?),
        )),
        (Some(_), None) => Err("a [model] table needs a [train] table beside it".into()),
        (None, Some(_)) => Err("a [train] table needs a [model] table beside it".into()),
    }
}

/// The swept model shapes (`profiles.*.models`), each `[model]` with its overrides.
fn model_shapes(
    parsed: &ExperimentFile,
    chosen: &Profile,
    profile: ProfileName,
    vocab_size: usize,
) -> Result<Vec<ModelConfig>, String> {
    let key = |k: &str| format!("profiles.{}.{k}", profile.as_str());
    match &parsed.model {
        None if chosen.models.is_empty() => Ok(Vec::new()),
        None => Err(format!(
            "{} overrides keys of a [model] table the file does not have",
            key("models")
        )),
        Some(base) => chosen
            .models
            .iter()
            .enumerate()
            .map(|(i, shape)| {
                let layers = [
                    (&chosen.model, key("model")),
                    (shape, key(&format!("models[{i}]"))),
                ];
                model_config(base, &layers, vocab_size)
            })
            .collect(),
    }
}

/// A file with `models_from = "<source>"`: its own name, meta and analysis over the
/// source file's stream, models and training at `profile`.
fn reading(
    path: &Path,
    parsed: ExperimentFile,
    source: &str,
    profile: ProfileName,
) -> Result<Spec> {
    let file = path.display();
    let own = [
        ("[generator]", parsed.generator.is_some()),
        ("[model]", parsed.model.is_some()),
        ("[train]", parsed.train.is_some()),
        ("[profiles]", parsed.profiles.is_some()),
    ];
    if let Some((table, _)) = own.iter().find(|(_, present)| *present) {
        bail!(
            Input,
            "{file}: experiment.models_from = {source:?}: the models, stream and profiles come from {source}.toml, so {table} is not allowed here"
        );
    }
    let source_path = path.with_file_name(format!("{source}.toml"));
    let base = load(&source_path, profile).with_context(|| {
        format!(
            "{file}: experiment.models_from = {source:?} must name an experiment file beside it"
        )
    })?;
    if base.meta.models_from.is_some() || base.model.is_none() {
        bail!(
            Input,
            "{file}: experiment.models_from = {source:?} must name an experiment that trains its own models"
        );
    }
    Ok(Spec {
        experiment: parsed.experiment.name.clone(),
        meta: parsed.experiment,
        analysis: parsed.analysis,
        analysis_from_profile: BTreeSet::new(),
        path: path.to_path_buf(),
        ..base
    })
}

/// `base` (the `[section]` table) with the keys of each layer replaced in turn, and a
/// function naming where a key was last set (a layer is its table and its key prefix, e.g.
/// `profiles.smoke.model`).
fn merged(
    base: &toml::Table,
    layers: &[(&toml::Table, String)],
    section: &'static str,
) -> (toml::Table, impl Fn(&str) -> String + use<>) {
    let mut table = base.clone();
    let mut set_by: BTreeMap<String, String> = BTreeMap::new();
    for (layer, prefix) in layers {
        table.extend((*layer).clone());
        for k in layer.keys() {
            set_by.insert(k.clone(), prefix.clone());
        }
    }
    let key = move |field: &str| match set_by.get(field) {
        Some(prefix) => format!("{prefix}.{field}"),
        None => format!("{section}.{field}"),
    };
    (table, key)
}

/// An [`TrainerError::InvalidConfig`] with the key named where it was written.
fn config_error(error: TrainerError, key: impl Fn(&str) -> String) -> String {
    match error {
        TrainerError::InvalidConfig {
            field,
            value,
            allowed,
            ..
        } => format!(
            "{} = {value} is out of range: allowed {allowed}",
            key(field)
        ),
        other => other.to_string(),
    }
}

/// The `[model]` table (with the profile's override layers) as a validated [`ModelConfig`]
/// whose vocabulary is the generator's.
fn model_config(
    base: &toml::Table,
    layers: &[(&toml::Table, String)],
    vocab_size: usize,
) -> Result<ModelConfig, String> {
    let (mut table, key) = merged(base, layers, "model");
    if table.contains_key("vocab_size") {
        return Err(format!(
            "{} is the generator's vocabulary ({vocab_size} tokens here): remove the key",
            key("vocab_size")
        ));
    }
    table.insert("vocab_size".into(), toml::Value::Integer(vocab_size as i64));
    let config: ModelConfig = table
        .try_into()
        .map_err(|e: toml::de::Error| format!("[model]: {}", e.to_string().trim()))?;
    config.validate().map_err(|e| config_error(e, &key))?;
    Ok(config)
}

/// The `[train]` table (with the profile's overrides) as a validated [`TrainConfig`].
fn train_config(
    base: &toml::Table,
    overrides: &toml::Table,
    profile: ProfileName,
) -> Result<TrainConfig, String> {
    let (table, key) = merged(
        base,
        &[(overrides, format!("profiles.{}.train", profile.as_str()))],
        "train",
    );
    let config: TrainConfig = table
        .try_into()
        .map_err(|e: toml::de::Error| format!("[train]: {}", e.to_string().trim()))?;
    config.validate().map_err(|e| config_error(e, &key))?;
    Ok(config)
}

/// Every combination of the swept values, in declaration order (keys sorted).
fn resolve_points(
    base: &GeneratorConfig,
    sweep: &BTreeMap<String, Vec<toml::Value>>,
) -> Result<Vec<Point>, String> {
    let base_table = toml::Table::try_from(base).map_err(|e| e.to_string())?;
    let mut points = vec![(Vec::<(String, toml::Value)>::new(), base_table)];
    for (key, values) in sweep {
        if !points[0].1.contains_key(key) {
            let keys: Vec<&String> = points[0].1.keys().collect();
            return Err(format!(
                "sweep key {key:?} is not a generator key: allowed {keys:?}"
            ));
        }
        if key == "seed" {
            return Err("sweep key \"seed\": use profiles.*.seeds instead".into());
        }
        if values.is_empty() {
            return Err(format!("sweep.{key} is empty: give at least one value"));
        }
        points = points
            .into_iter()
            .flat_map(|(labels, table)| {
                values.iter().map(move |value| {
                    let mut labels = labels.clone();
                    labels.push((key.clone(), value.clone()));
                    let mut table = table.clone();
                    table.insert(key.clone(), value.clone());
                    (labels, table)
                })
            })
            .collect();
    }
    points
        .into_iter()
        .map(|(labels, table)| {
            let generator: GeneratorConfig = table
                .try_into()
                .map_err(|e: toml::de::Error| format!("sweep: {}", e.to_string().trim()))?;
            let label = if labels.is_empty() {
                "base".to_string()
            } else {
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            Ok(Point { label, generator })
        })
        .collect()
}

/// Range checks of one resolved point, naming the key where the bad value was written.
fn check_generator(point: &Point, profile: &Profile, name: ProfileName) -> Result<(), String> {
    let config = &point.generator;
    let key = |field: &str| {
        if profile.sweep.contains_key(field) {
            format!("profiles.{}.sweep.{field}", name.as_str())
        } else {
            format!("generator.{field}")
        }
    };
    if let Err(GeneratorError::InvalidParameter {
        field,
        value,
        allowed,
    }) = config.validate()
    {
        return Err(format!(
            "{} = {value} is out of range: allowed {allowed}",
            key(field)
        ));
    }
    let expected =
        skm_theory::pycrp::expected_distinct(config.alpha, config.beta, profile.sentences);
    if expected * MIN_NAME_SPACE_RATIO > config.name_space() {
        return Err(format!(
            "{} = {}: the name space name_vocab^name_tokens = {:.3e} is too small for the \
             {expected:.0} entities expected in {} sentences at {} (it must be at least \
             {MIN_NAME_SPACE_RATIO}x larger): raise name_tokens or name_vocab",
            key("name_tokens"),
            config.name_tokens,
            config.name_space(),
            profile.sentences,
            point.label,
        ));
    }
    Ok(())
}

/// `experiments/claims.toml` read: every claim of the paper by id, stated once.
pub type Catalog = BTreeMap<String, ClaimText>;

/// One entry of `experiments/claims.toml`: a claim of the paper, stated once.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimText {
    /// What the paper says.
    pub statement: String,
    /// What skm measures for it.
    pub measured: String,
    /// The PASS rule in words.
    pub rule: String,
}

/// The claim catalog `claims.toml` of the experiments folder `dir`, by claim id.
pub fn claim_catalog(dir: &Path) -> Result<Catalog> {
    let path = dir.join("claims.toml");
    let file = path.display();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{file}: cannot read the claim catalog"))?;
    toml::from_str(&text)
        .map_err(|e| PipelineError::Input(format!("{file}: {}", e.to_string().trim())))
}
