//! The file-system layout of results, atomic run directories, provenance and the cache.
//!
//! `results/<experiment>/<profile>/` holds one run: `config.toml`, `sentences.parquet`, the
//! frames its figures are drawn from, and `provenance.json`, written last. A run is built in
//! a temporary sibling directory and renamed into place, so a run killed midway leaves
//! nothing that a later run would trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::spec::{ProfileName, Spec};

/// Where outputs go: `results/`, `figures/` and `paper/` under one root.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The root, normally the workspace.
    pub root: PathBuf,
}

impl Layout {
    /// `results/`.
    pub fn results(&self) -> PathBuf {
        self.root.join("results")
    }

    /// `results/<experiment>/<profile>/`.
    pub fn run_dir(&self, experiment: &str, profile: ProfileName) -> PathBuf {
        self.results().join(experiment).join(profile.as_str())
    }

    /// `results/checkpoints/<profile>/`: trained models by the hash of their recipe, shared
    /// by the experiments that read the same models.
    pub fn checkpoints(&self, profile: ProfileName) -> PathBuf {
        self.results().join("checkpoints").join(profile.as_str())
    }

    /// `figures/<experiment>/`.
    pub fn figures_dir(&self, experiment: &str) -> PathBuf {
        self.root.join("figures").join(experiment)
    }

    /// `paper/`.
    pub fn paper_dir(&self) -> PathBuf {
        self.root.join("paper")
    }
}

/// What every run records about how it was made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    /// Experiment name.
    pub experiment: String,
    /// Profile.
    pub profile: String,
    /// SHA-256 (hex, 16 digits) of the resolved `config.toml`.
    pub config_hash: String,
    /// Seeds of the run.
    pub seeds: Vec<u64>,
    /// `git rev-parse HEAD`, with `-dirty-<diff hash>` for uncommitted changes.
    pub git_revision: String,
    /// Versions of the skm crates.
    pub crate_versions: BTreeMap<String, String>,
    /// Wall time of the computation, seconds.
    pub wall_time_s: f64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
}

/// Hex SHA-256 prefix of a text.
pub fn hash_text(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The crates whose code makes the results.
pub fn crate_versions() -> BTreeMap<String, String> {
    [
        ("skm-generator", env!("CARGO_PKG_VERSION")),
        ("skm-theory", env!("CARGO_PKG_VERSION")),
        ("skm-report", env!("CARGO_PKG_VERSION")),
        ("xtask", env!("CARGO_PKG_VERSION")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The provenance of a finished run in `dir`, if it matches `config_hash` and `revision`.
pub fn cached(dir: &Path, config_hash: &str, revision: &str) -> Option<Provenance> {
    let text = std::fs::read_to_string(dir.join("provenance.json")).ok()?;
    let provenance: Provenance = serde_json::from_str(&text).ok()?;
    let trusted = provenance.config_hash == config_hash
        && provenance.git_revision == revision
        && !revision.starts_with("unknown");
    trusted.then_some(provenance)
}

/// A run being written: files go to a temporary directory until [`RunWriter::commit`].
pub struct RunWriter {
    tmp: PathBuf,
    target: PathBuf,
    /// Key-value metadata written into every frame: config hash, seeds, revision.
    stamp: Vec<(String, String)>,
}

impl RunWriter {
    /// Starts a run that will replace `target`; every frame it writes carries `stamp`.
    pub fn create(target: &Path, stamp: Vec<(String, String)>) -> Result<Self> {
        let parent = target.parent().context("run directory has no parent")?;
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("run");
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
        }
        std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(RunWriter {
            tmp,
            target: target.to_path_buf(),
            stamp,
        })
    }

    /// Path of a file inside the run being written.
    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// Writes a text file.
    pub fn write_text(&self, file: &str, text: &str) -> Result<()> {
        let path = self.path(file);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Writes a frame as `<name>.parquet`.
    pub fn write_frame(&self, name: &str, frame: &mut DataFrame) -> Result<()> {
        let path = self.path(&format!("{name}.parquet"));
        skm_report::write_parquet_with_metadata(frame, &path, &self.stamp)
            .with_context(|| format!("writing {}", path.display()))
    }

    /// Writes `provenance.json` and moves the run into place, replacing an older one.
    pub fn commit(self, provenance: &Provenance) -> Result<()> {
        let json = serde_json::to_string_pretty(provenance)?;
        self.write_text("provenance.json", &(json + "\n"))?;
        if self.target.exists() {
            std::fs::remove_dir_all(&self.target)
                .with_context(|| format!("removing old run {}", self.target.display()))?;
        }
        std::fs::rename(&self.tmp, &self.target)
            .with_context(|| format!("moving run into {}", self.target.display()))
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        // A run that failed or was not committed leaves nothing behind.
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// The `config_hash` of a spec: the hash of exactly the text `config.toml` holds.
pub fn config_hash(spec: &Spec) -> Result<(String, String)> {
    let text = spec.to_toml()?;
    Ok((hash_text(&text), text))
}

/// Reads every `*.parquet` frame of a finished run except the sentences.
pub fn read_frames(dir: &Path) -> Result<BTreeMap<String, DataFrame>> {
    let mut frames = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "parquet") && stem != "sentences" {
            let frame = skm_report::claims::read_parquet(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            frames.insert(stem.to_string(), frame);
        }
    }
    Ok(frames)
}

/// Human-readable duration.
pub fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}
