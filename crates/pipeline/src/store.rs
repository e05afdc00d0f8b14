//! The file-system layout of results, atomic run directories, provenance and the cache.
//!
//! Everything of a profile lives under `results/<profile>/` (see [`Layout`]), except the
//! default profile's figures and paper, which go to `figures/` and `paper/` at the root.
//! `results/<profile>/runs/<experiment>/` holds one run: `config.toml`, `sentences.parquet`,
//! the frames its figures are drawn from, and `provenance.json`, written last. A run is built
//! in a temporary sibling directory (`.<experiment>.tmp-<pid>`) and renamed into place, so a
//! run killed midway leaves nothing that a later run would trust; [`remove_stale_temporaries`]
//! deletes what killed runs left.
//!
//! A run is reused only when its key matches: the hash of its resolved config and the
//! [`SourceKey`] of the files that make results (never the git revision, which is recorded
//! for information only).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Context, Result, ensure};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use skm_experiments::spec::{ProfileName, Spec};
use skm_trainer::DeviceKind;

/// Where the outputs of one profile go, under one root (normally the workspace):
///
/// | path | what |
/// |---|---|
/// | `results/<profile>/runs/<experiment>/` | one run |
/// | `results/<profile>/checkpoints/<hash>/` | trained models |
/// | `results/<profile>/claims.parquet` | the claim table |
/// | `figures/<experiment>/`, `paper/` | figures and paper of the default profile |
/// | `results/<profile>/figures/<experiment>/`, `results/<profile>/paper/` | those of any other profile |
///
/// So a smoke or full run never touches the committed `figures/` and `paper/`, and the paper
/// and the figures are always siblings (the paper links `../figures/<experiment>/`).
#[derive(Clone, Debug)]
pub struct Layout {
    /// The root, normally the workspace.
    pub root: PathBuf,
    /// The profile whose outputs this is.
    pub profile: ProfileName,
}

impl Layout {
    /// The layout of `profile` under `root`.
    pub fn new(root: &Path, profile: ProfileName) -> Self {
        Layout {
            root: root.to_path_buf(),
            profile,
        }
    }

    /// `results/`, shared by every profile.
    pub fn results(&self) -> PathBuf {
        self.root.join("results")
    }

    /// `results/<profile>/`: everything of the profile but the default's figures and paper.
    pub fn profile_dir(&self) -> PathBuf {
        self.results().join(self.profile.as_str())
    }

    /// `results/<profile>/runs/<experiment>/`.
    pub fn run_dir(&self, experiment: &str) -> PathBuf {
        self.profile_dir().join("runs").join(experiment)
    }

    /// `results/<profile>/checkpoints/`: trained models by the hash of their recipe, shared
    /// by the experiments that read the same models.
    pub fn checkpoints(&self) -> PathBuf {
        self.profile_dir().join("checkpoints")
    }

    /// `results/<profile>/claims.parquet`.
    pub fn claims(&self) -> PathBuf {
        self.profile_dir().join("claims.parquet")
    }

    /// `figures/` for the default profile, `results/<profile>/figures/` for the others.
    pub fn figures(&self) -> PathBuf {
        match self.profile {
            ProfileName::Default => self.root.join("figures"),
            _ => self.profile_dir().join("figures"),
        }
    }

    /// The figures of one experiment: `<figures>/<experiment>/`.
    pub fn figures_dir(&self, experiment: &str) -> PathBuf {
        self.figures().join(experiment)
    }

    /// `paper/` for the default profile, `results/<profile>/paper/` for the others (beside
    /// [`Layout::figures`] in both).
    pub fn paper_dir(&self) -> PathBuf {
        match self.profile {
            ProfileName::Default => self.root.join("paper"),
            _ => self.profile_dir().join("paper"),
        }
    }
}

/// The hash of every file that can change a result, read from disk (tracked by git or not):
/// what a run's and a trained model's cache keys hold instead of a git revision. Documents,
/// figures, the paper and tests are not in it, so a README commit reuses every run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceKey {
    /// The code: `Cargo.toml`, `Cargo.lock`, `.cargo/config.toml`, `rust-toolchain(.toml)`
    /// and, for `xtask/` and every `crates/*/`, `Cargo.toml`, `build.rs`, `src/**` and
    /// `assets/**` (the report crate embeds its font).
    pub code: String,
    /// The code a trained model depends on: the same workspace files, but only those of
    /// [`TRAINING_SOURCES`]. A model's recipe (stream config, ranges, shapes,
    /// training) holds all that the experiments crate says about it, so editing a claim
    /// rule or a figure retrains nothing.
    pub training: TrainingCode,
    /// The experiment files, `*.toml` of the experiments folder.
    pub experiments: String,
}

/// The code that makes a trained model from its recipe: the generator draws the stream, the
/// trainer trains, and the pipeline's model cache (`models.rs`, with the pipeline's manifest)
/// drives the run and checkpoints it. A directory ends in `/`. The rest of the pipeline
/// (loading, the run store, the paper) never touches a model's weights: editing it reruns the
/// experiments but retrains nothing. (How a recipe is hashed into a key lives in `store.rs`
/// and `models.rs`; a change there changes the keys themselves.)
pub const TRAINING_SOURCES: [&str; 4] = [
    "crates/generator/",
    "crates/trainer/",
    "crates/pipeline/Cargo.toml",
    "crates/pipeline/src/models.rs",
];

/// The training sources that only the CUDA engine runs (and its `skm-gpu` binary): the CPU
/// engine never calls into them, so a model trained on the CPU does not depend on them, and
/// work on the GPU engine retrains nothing on the CPU.
pub const CUDA_ONLY_SOURCES: [&str; 2] =
    ["crates/trainer/src/engine/cuda/", "crates/trainer/src/bin/"];

/// The hash of the code a trained model depends on, by the device that trains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingCode {
    /// [`TRAINING_SOURCES`] without [`CUDA_ONLY_SOURCES`]: a model trained on the CPU.
    pub cpu: String,
    /// All of [`TRAINING_SOURCES`]: a model trained on the GPU.
    pub cuda: String,
}

impl TrainingCode {
    /// The code hash of a model trained on `device`.
    pub fn on(&self, device: DeviceKind) -> &str {
        match device {
            DeviceKind::Cpu => &self.cpu,
            DeviceKind::Cuda => &self.cuda,
        }
    }

    /// Whether a model of code hash `code` was trained by this code, on either device.
    pub fn made(&self, code: &str) -> bool {
        code == self.cpu || code == self.cuda
    }
}

/// Whether the workspace file `relative` is under one of `sources` (a directory ends in `/`).
fn under(relative: &str, sources: &[&str]) -> bool {
    sources.iter().any(|source| match source.strip_suffix('/') {
        Some(_) => relative.starts_with(source),
        None => relative == *source,
    })
}

impl SourceKey {
    /// The key of the workspace at `root` with the experiment files of `experiments`.
    pub fn of(root: &Path, experiments: &Path) -> Result<SourceKey> {
        let code = code_files(root)?;
        let training: Vec<_> = code
            .iter()
            .filter(|(relative, _)| {
                !relative.contains('/')
                    || relative.starts_with(".cargo/")
                    || under(relative, &TRAINING_SOURCES)
            })
            .cloned()
            .collect();
        let cpu: Vec<_> = training
            .iter()
            .filter(|(relative, _)| !under(relative, &CUDA_ONLY_SOURCES))
            .cloned()
            .collect();
        Ok(SourceKey {
            code: hash_files(&code)?,
            training: TrainingCode {
                cpu: hash_files(&cpu)?,
                cuda: hash_files(&training)?,
            },
            experiments: hash_files(&toml_files(experiments)?)?,
        })
    }

    /// The source part of a run's key: code and experiment files. (A trained model's key
    /// takes only [`SourceKey::training`]: its recipe already holds all that an experiment
    /// file or the experiments crate says about it, so editing either retrains nothing.)
    pub fn hash(&self) -> String {
        hash_text(&format!(
            "code {}\nexperiments {}\n",
            self.code, self.experiments
        ))
    }
}

/// The code files under `root`, by path relative to it (with `/`), sorted.
fn code_files(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    ensure!(
        root.join("Cargo.toml").is_file(),
        Input,
        "{}: not the skm workspace (no Cargo.toml): cannot hash the sources that make results",
        root.display()
    );
    let mut files = Vec::new();
    let add = |files: &mut Vec<(String, PathBuf)>, relative: String| {
        let path = root.join(&relative);
        if path.is_file() {
            files.push((relative, path));
        }
    };
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        ".cargo/config",
        "rust-toolchain",
        "rust-toolchain.toml",
    ] {
        add(&mut files, file.to_string());
    }
    let mut crates = vec!["xtask".to_string()];
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        for entry in entries {
            let entry = entry?;
            if entry.path().is_dir() {
                crates.push(format!("crates/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    for krate in crates {
        add(&mut files, format!("{krate}/Cargo.toml"));
        add(&mut files, format!("{krate}/build.rs"));
        for folder in ["src", "assets"] {
            walk(root, &format!("{krate}/{folder}"), &mut files)?;
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Every file under `root/relative`, recursively; names starting with `.` (editor swap
/// files, temporaries) are left out.
fn walk(root: &Path, relative: &str, files: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let dir = root.join(relative);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let child = format!("{relative}/{name}");
        if path.is_dir() {
            walk(root, &child, files)?;
        } else if path.is_file() {
            files.push((child, path));
        }
    }
    Ok(())
}

/// The `*.toml` files of `dir`, as `experiments/<name>`, sorted.
fn toml_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name.filter(|n| n.ends_with(".toml") && !n.starts_with('.'))
            && path.is_file()
        {
            files.push((format!("experiments/{name}"), path));
        }
    }
    files.sort();
    Ok(files)
}

/// Hex SHA-256 prefix of the paths and contents of `files`, in their order.
fn hash_files(files: &[(String, PathBuf)]) -> Result<String> {
    let mut hasher = Sha256::new();
    for (relative, path) in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        hasher.update((relative.len() as u64).to_le_bytes());
        hasher.update(relative.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect())
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
    /// [`SourceKey::hash`] of the files that made the run: with `config_hash`, the run's key.
    #[serde(default)]
    pub source_hash: String,
    /// Seeds of the run.
    pub seeds: Vec<u64>,
    /// `git rev-parse HEAD`, with `-dirty-<diff hash>` for uncommitted changes: for
    /// information only, never part of the key.
    pub git_revision: String,
    /// The frames the run wrote (`<name>.parquet`), all of which must be there to use it.
    #[serde(default)]
    pub frames: Vec<String>,
    /// Versions of the skm crates.
    pub crate_versions: BTreeMap<String, String>,
    /// Wall time of the computation, seconds.
    pub wall_time_s: f64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
}

/// Hex SHA-256 prefix of a text: the one digest skm names texts by (configs, sources, corpora).
pub use skm_experiments::text_digest as hash_text;

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

/// What a run directory holds, against the key of the run wanted now.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// A finished run of this key, with every frame it wrote.
    Current(Provenance),
    /// No finished run.
    Missing,
    /// A finished run that must not be used: why.
    Stale(String),
}

/// The run in `dir` against the key (`config_hash`, `source_hash`).
pub fn run_status(dir: &Path, config_hash: &str, source_hash: &str) -> RunStatus {
    let Ok(text) = std::fs::read_to_string(dir.join("provenance.json")) else {
        return RunStatus::Missing;
    };
    let provenance: Provenance = match serde_json::from_str(&text) {
        Ok(provenance) => provenance,
        Err(error) => return RunStatus::Stale(format!("unreadable provenance.json ({error})")),
    };
    if provenance.config_hash != config_hash {
        return RunStatus::Stale(format!(
            "made from another config ({}, now {config_hash})",
            provenance.config_hash
        ));
    }
    if provenance.source_hash != source_hash {
        return RunStatus::Stale(format!(
            "made by other code or experiment files (source {}, now {source_hash})",
            if provenance.source_hash.is_empty() {
                "unknown"
            } else {
                &provenance.source_hash
            }
        ));
    }
    if let Some(frame) = provenance
        .frames
        .iter()
        .find(|f| !dir.join(format!("{f}.parquet")).is_file())
    {
        return RunStatus::Stale(format!("incomplete: its frame {frame}.parquet is missing"));
    }
    RunStatus::Current(provenance)
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
        let tmp = temporary_sibling(target);
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

/// The `config_hash` of a spec: the hash of exactly the text `config.toml` holds. Runs are
/// keyed through [`run_config`], which sets the device first.
fn config_hash(spec: &Spec) -> Result<(String, String)> {
    let text = spec.to_toml()?;
    Ok((hash_text(&text), text))
}

/// The config part of the key of `spec`'s run on `device`: sets the spec's device (a model
/// trained on the GPU is another recipe) and returns its config hash (the hash of exactly the
/// text `config.toml` holds) and that text.
/// `reproduce`, the paper and the test of the committed results all key runs through it.
pub fn run_config(spec: &mut Spec, device: DeviceKind) -> Result<(String, String)> {
    spec.set_device(device);
    config_hash(spec)
}

/// Reads every frame a finished run recorded in its provenance, except the sentences; an
/// error names the frame that cannot be read.
pub fn read_frames(dir: &Path, provenance: &Provenance) -> Result<BTreeMap<String, DataFrame>> {
    let mut frames = BTreeMap::new();
    for name in provenance.frames.iter().filter(|f| *f != "sentences") {
        let path = dir.join(format!("{name}.parquet"));
        let frame = skm_report::claims::read_parquet(&path)
            .with_context(|| format!("reading the frame {name:?} ({})", path.display()))?;
        frames.insert(name.clone(), frame);
    }
    Ok(frames)
}

/// Where `target` is built before it is renamed into place: `.<name>.tmp-<pid>` beside it.
pub fn temporary_sibling(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// The process id in the name of a temporary directory: `.<name>.tmp-<pid>` (runs, figures,
/// training scratch directories beside the checkpoint cache) or `skm-train-<hash>-<pid>`
/// (training scratch directories in the system's temporary folder).
fn temporary_pid(name: &str) -> Option<u32> {
    let digits = if name.starts_with('.') {
        name.rsplit_once(".tmp-")?.1
    } else {
        name.strip_prefix("skm-train-")?.rsplit_once('-')?.1
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether process `pid` is running. Where that cannot be told (no `/proc`, no `kill`), it
/// is taken as running, so nothing of a live process is ever removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    let status = std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(status) => status.success(),
        Err(_) => true,
    }
}

/// Removes the temporary directories that killed runs left under `root` (runs, figures and
/// training scratch directories under `results/` and `figures/`) and training scratch
/// directories in the system's temporary folder; returns what it removed.
///
/// Only directories whose process is no longer running are removed, not all of them: two
/// `reproduce` may well run at once (another profile, another output root, or the tests,
/// which run many in one process), and each one's work in progress must survive the other's
/// start. A directory whose pid was reused by an unrelated process is kept until that one
/// ends; nothing trusts it meanwhile.
pub fn remove_stale_temporaries(root: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for top in [root.join("results"), root.join("figures")] {
        remove_stale_under(&top, &mut removed)?;
    }
    // Only the training scratch directories (`skm-train-*`) of the shared temporary folder,
    // and best effort: another user's are not ours to remove.
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("skm-train-") {
                let _ = remove_if_stale(&entry.path(), &name, &mut removed);
            }
        }
    }
    Ok(removed)
}

fn remove_stale_under(dir: &Path, removed: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if !remove_if_stale(&path, &name, removed)? {
            remove_stale_under(&path, removed)?;
        }
    }
    Ok(())
}

/// Removes `path` if its name is a temporary directory's of a process no longer running.
fn remove_if_stale(path: &Path, name: &str, removed: &mut Vec<PathBuf>) -> Result<bool> {
    match temporary_pid(name) {
        Some(pid) if !process_alive(pid) => {
            std::fs::remove_dir_all(path)
                .with_context(|| format!("removing the stale {}", path.display()))?;
            removed.push(path.to_path_buf());
            Ok(true)
        }
        Some(_) => Ok(true),
        None => Ok(false),
    }
}

/// Human-readable duration.
pub fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small workspace: code, experiment files, and files that make no result.
    fn workspace() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let files = [
            ("Cargo.toml", "[workspace]\n"),
            ("Cargo.lock", "version = 4\n"),
            ("README.md", "# skm\n"),
            ("ARCHITECTURE.md", "# Architecture\n"),
            ("crates/x/Cargo.toml", "[package]\nname = \"x\"\n"),
            ("crates/x/src/lib.rs", "pub fn f() {}\n"),
            ("crates/x/tests/t.rs", "#[test]\nfn t() {}\n"),
            ("crates/x/README.md", "x\n"),
            ("xtask/Cargo.toml", "[package]\nname = \"xtask\"\n"),
            ("xtask/src/main.rs", "fn main() {}\n"),
            ("experiments/a.toml", "[experiment]\nname = \"a\"\n"),
            ("figures/a/heaps.svg", "<svg/>\n"),
            ("paper/index.md", "# Results\n"),
            ("tests/end_to_end.rs", "\n"),
        ];
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    fn key(root: &Path) -> SourceKey {
        SourceKey::of(root, &root.join("experiments")).unwrap()
    }

    #[test]
    fn documents_figures_the_paper_and_tests_do_not_change_the_source_key() {
        let root = workspace();
        let before = key(root.path());
        assert_eq!(
            key(root.path()),
            before,
            "the key is a function of the files"
        );
        for (path, text) in [
            ("README.md", "# skm, reworded\n"),
            ("ARCHITECTURE.md", "# Architecture, reworded\n"),
            ("crates/x/README.md", "y\n"),
            ("crates/x/tests/t.rs", "#[test]\nfn u() {}\n"),
            ("crates/x/src/.lib.rs.swp", "editor state"),
            ("figures/a/heaps.svg", "<svg></svg>\n"),
            ("paper/index.md", "# Other results\n"),
            ("tests/end_to_end.rs", "// more\n"),
            ("results/default/claims.parquet", "PAR1"),
        ] {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        assert_eq!(key(root.path()), before);
    }

    #[test]
    fn every_source_file_changes_the_source_key() {
        let root = workspace();
        let mut keys = vec![key(root.path())];
        let mut changed = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let now = key(root.path());
            assert!(
                !keys.contains(&now),
                "{} did not change the key",
                path.display()
            );
            keys.push(now);
        };
        // An untracked new file of a crate (no git here at all).
        changed("crates/x/src/new.rs", "pub fn g() {}\n");
        changed("crates/x/src/lib.rs", "pub fn f() { }\n");
        changed(
            "crates/x/Cargo.toml",
            "[package]\nname = \"x\"\nversion = \"0.2.0\"\n",
        );
        changed("crates/y/src/deep/mod.rs", "\n");
        changed("crates/x/assets/font.ttf", "glyphs");
        changed("xtask/src/main.rs", "fn main() { }\n");
        changed("xtask/Cargo.toml", "[package]\nname = \"xtask\"\n\n");
        changed("Cargo.lock", "version = 4\n\n");
        changed("Cargo.toml", "[workspace]\n\n");
        changed(".cargo/config.toml", "[alias]\n");
        // An experiment file: the run key changes, a trained model's does not.
        let training = key(root.path()).training;
        changed(
            "experiments/a.toml",
            "[experiment]\nname = \"a\"\n# tuned\n",
        );
        changed("experiments/b.toml", "[experiment]\nname = \"b\"\n");
        assert_eq!(key(root.path()).training, training);
        // A file moved keeps its contents but not its path.
        let root = workspace();
        let before = key(root.path());
        std::fs::rename(
            root.path().join("crates/x/src/lib.rs"),
            root.path().join("crates/x/src/main.rs"),
        )
        .unwrap();
        assert_ne!(key(root.path()), before);
    }

    #[test]
    fn a_trained_model_depends_on_the_training_sources_only() {
        let root = workspace();
        let edit = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            key(root.path())
        };
        let before = key(root.path());
        // The science, the report, the pipeline outside its model cache and xtask change a
        // run, not a model.
        edit("crates/experiments/src/claims.rs", "pub fn rule() {}\n");
        edit("crates/report/src/lib.rs", "pub fn caption() {}\n");
        edit("crates/pipeline/src/paper.rs", "pub fn write() {}\n");
        edit(
            "crates/pipeline/src/models_extra.rs",
            "pub fn nothing() {}\n",
        );
        let after = edit("xtask/src/main.rs", "fn main() { println!(); }\n");
        assert_eq!(after.training, before.training);
        assert_ne!(after.code, before.code);
        // The CUDA engine's own files change a GPU-trained model, not a CPU-trained one.
        let gpu = edit(
            "crates/trainer/src/engine/cuda/passes.rs",
            "pub fn launch() {}\n",
        );
        assert_eq!(gpu.training.cpu, before.training.cpu);
        assert_ne!(gpu.training.cuda, before.training.cuda);
        let before = gpu;
        // The generator, the trainer, the pipeline's model cache and manifest and the lock
        // file change a model.
        let mut keys = vec![before.training.cpu, before.training.cuda];
        for (path, text) in [
            ("crates/generator/src/lib.rs", "pub fn draw() {}\n"),
            ("crates/trainer/src/engine.rs", "pub fn step() {}\n"),
            ("crates/pipeline/src/models.rs", "pub fn cache() {}\n"),
            (
                "crates/pipeline/Cargo.toml",
                "[package]\nname = \"skm-pipeline\"\n",
            ),
            ("Cargo.lock", "version = 4\n# locked\n"),
        ] {
            let now = edit(path, text).training;
            for code in [now.cpu, now.cuda] {
                assert!(!keys.contains(&code), "{path} did not change the model key");
                keys.push(code);
            }
        }
    }

    #[test]
    fn the_source_key_needs_a_workspace() {
        let empty = tempfile::tempdir().unwrap();
        let error = SourceKey::of(empty.path(), empty.path()).unwrap_err();
        assert!(
            format!("{error:#}").contains("not the skm workspace"),
            "{error:#}"
        );
    }

    #[test]
    fn only_the_default_profile_writes_figures_and_paper_at_the_root() {
        let root = Path::new("/w");
        let default = Layout::new(root, ProfileName::Default);
        assert_eq!(default.figures_dir("a"), root.join("figures/a"));
        assert_eq!(default.paper_dir(), root.join("paper"));
        assert_eq!(default.run_dir("a"), root.join("results/default/runs/a"));
        for profile in [ProfileName::Smoke, ProfileName::Full] {
            let layout = Layout::new(root, profile);
            let mine = root.join("results").join(profile.as_str());
            for path in [
                layout.run_dir("a"),
                layout.checkpoints(),
                layout.claims(),
                layout.figures_dir("a"),
                layout.paper_dir(),
            ] {
                assert!(path.starts_with(&mine), "{}", path.display());
            }
        }
        for profile in [ProfileName::Smoke, ProfileName::Default, ProfileName::Full] {
            let layout = Layout::new(root, profile);
            // The paper links `../figures/<experiment>/`.
            assert_eq!(layout.paper_dir().parent(), layout.figures().parent());
        }
    }

    /// A pid that is not running: past the kernel's largest (Linux allows up to 2^22).
    const DEAD: u32 = 4_194_304 + 17;

    #[test]
    fn temporaries_of_dead_processes_are_removed_and_live_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let dead = [
            format!("results/smoke/runs/.train-smoke.tmp-{DEAD}"),
            format!("results/smoke/checkpoints/.0123456789abcdef.tmp-{DEAD}"),
            format!("results/smoke/figures/.heaps.tmp-{DEAD}"),
            format!("figures/.data-statistics.tmp-{DEAD}"),
        ];
        let kept = [
            format!("results/smoke/runs/.train-smoke.tmp-{me}"),
            "results/smoke/runs/train-smoke".to_string(),
            "results/smoke/checkpoints/0123456789abcdef".to_string(),
            "results/smoke/runs/.hidden".to_string(),
            "results/smoke/runs/.x.tmp-12ab".to_string(),
            "figures/data-statistics".to_string(),
        ];
        for dir in dead.iter().chain(&kept) {
            let dir = root.path().join(dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("last.safetensors"), "x").unwrap();
        }
        let scratch = std::env::temp_dir().join(format!("skm-train-0123456789abcdef-{DEAD}"));
        std::fs::create_dir_all(&scratch).unwrap();
        let mut removed = remove_stale_temporaries(root.path()).unwrap();
        removed.sort();
        let mut expected: Vec<PathBuf> = dead.iter().map(|d| root.path().join(d)).collect();
        expected.push(scratch.clone());
        expected.sort();
        assert_eq!(removed, expected);
        for dir in &dead {
            assert!(!root.path().join(dir).exists(), "{dir} was left");
        }
        assert!(!scratch.exists());
        for dir in &kept {
            assert!(
                root.path().join(dir).join("last.safetensors").exists(),
                "{dir} was removed"
            );
        }
        assert!(remove_stale_temporaries(root.path()).unwrap().is_empty());
    }

    #[test]
    fn temporary_names_give_their_process() {
        assert_eq!(temporary_pid(".train-smoke.tmp-42"), Some(42));
        assert_eq!(temporary_pid(".a.tmp-b.tmp-7"), Some(7));
        assert_eq!(temporary_pid("skm-train-00ff-9"), Some(9));
        assert_eq!(temporary_pid("train-smoke"), None);
        assert_eq!(temporary_pid(".x.tmp-"), None);
        assert_eq!(temporary_pid(".x.tmp-4a"), None);
        let dir = temporary_sibling(Path::new("/r/runs/a"));
        assert_eq!(
            temporary_pid(&dir.file_name().unwrap().to_string_lossy()),
            Some(std::process::id())
        );
    }
}
