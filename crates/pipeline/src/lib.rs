//! skm's orchestration: reads `experiments/*.toml` ([`load`]), runs each experiment of
//! `skm-experiments` with what it needs from the world (trained models from the checkpoint
//! cache, [`models`]; corpus text, [`text`]; progress bars, [`progress`]), caches runs under
//! `results/<profile>/` ([`store`]), renders the figures and writes the paper ([`paper`]:
//! `figures/` and `paper/` for the default profile, under `results/<profile>/` for the
//! others, see [`store::Layout`]).
//!
//! This is the only crate that touches the file-system layout or runs processes.

pub mod bench;
pub mod error;
pub mod gpu;
pub mod load;
pub mod machine;
pub mod models;
pub mod paper;
pub mod progress;
pub mod store;
pub mod text;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Context, PipelineError, Result, bail};
use skm_experiments::spec::{ProfileName, Spec};
use skm_experiments::{Env, Experiment, registry};
use skm_report::{Claim, claims_frame};
use skm_trainer::DeviceKind;

use load::Catalog;
use models::CheckpointCache;
use progress::Bar;
use store::{Layout, Provenance, RunStatus, RunWriter, SourceKey};

/// Options of `cargo xtask reproduce`.
#[derive(Clone, Debug)]
pub struct Reproduce {
    /// Profile of every experiment.
    pub profile: ProfileName,
    /// Only these experiments (all when empty).
    pub only: Vec<String>,
    /// Rerun the selected experiments even when a current run exists, and retrain the models
    /// they use (each once; other models stay in the cache).
    pub force: bool,
    /// Folder of the experiment files.
    pub experiments_dir: PathBuf,
    /// Where `results/`, `figures/` and `paper/` go.
    pub out: PathBuf,
    /// The workspace whose source files make the results: their hash ([`SourceKey`], with
    /// the experiment files) keys every cached run and trained model.
    pub sources: PathBuf,
    /// Git revision, recorded in provenance for information (never part of a key).
    pub revision: String,
    /// Show progress bars.
    pub progress: bool,
    /// Where transformers train.
    pub device: DeviceKind,
}

impl Reproduce {
    /// Every experiment of this workspace at `profile` into `out`: no `--force`, no progress
    /// bars, the CPU, and the revision `unknown` (set [`Reproduce::revision`] for provenance).
    pub fn new(profile: ProfileName, out: &Path) -> Self {
        Reproduce {
            profile,
            only: Vec::new(),
            force: false,
            experiments_dir: workspace_root().join("experiments"),
            out: out.to_path_buf(),
            sources: workspace_root(),
            revision: "unknown".into(),
            progress: false,
            device: DeviceKind::Cpu,
        }
    }
}

/// The workspace root (this crate lives in `crates/pipeline`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `git rev-parse HEAD`, plus `-dirty-<hash of the diff>` for uncommitted changes, or
/// `unknown` outside a git checkout: recorded in provenance, never part of a cache key.
pub fn git_revision(root: &Path) -> String {
    let shell = match xshell::Shell::new() {
        Ok(shell) => shell,
        Err(_) => return "unknown".into(),
    };
    shell.change_dir(root);
    let head = xshell::cmd!(shell, "git rev-parse HEAD")
        .quiet()
        .ignore_stderr()
        .read();
    let Ok(head) = head else {
        return "unknown".into();
    };
    let status = xshell::cmd!(shell, "git status --porcelain --untracked-files=no")
        .quiet()
        .ignore_stderr()
        .read()
        .unwrap_or_default();
    if status.trim().is_empty() {
        head
    } else {
        let diff = xshell::cmd!(shell, "git diff HEAD")
            .quiet()
            .ignore_stderr()
            .read()
            .unwrap_or_default();
        format!("{head}-dirty-{}", store::hash_text(&diff))
    }
}

/// The experiment files, by name, in the registry's order; errors name unknown ones.
pub fn load_specs(
    dir: &Path,
    profile: ProfileName,
    only: &[String],
) -> Result<Vec<(Spec, Box<dyn Experiment>)>> {
    specs_against(&load::claim_catalog(dir)?, dir, profile, only)
}

/// [`load_specs`] with the claim catalog `catalog` (of `dir`'s `claims.toml`) already read:
/// every claim an experiment declares must be stated there.
fn specs_against(
    catalog: &Catalog,
    dir: &Path,
    profile: ProfileName,
    only: &[String],
) -> Result<Vec<(Spec, Box<dyn Experiment>)>> {
    let known: Vec<&'static str> = registry().iter().map(|e| e.name()).collect();
    for name in only {
        if !known.contains(&name.as_str()) {
            bail!(
                Input,
                "unknown experiment {name:?}: known experiments are {}",
                known.join(", ")
            );
        }
    }
    let mut loaded = Vec::new();
    for experiment in registry() {
        let name = experiment.name();
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let path = dir.join(format!("{name}.toml"));
        if !path.exists() {
            bail!(
                Input,
                "{}: missing experiment file for {name}",
                path.display()
            );
        }
        let spec = load::load(&path, profile)?;
        if let Some(id) = spec
            .meta
            .claims
            .iter()
            .find(|id| !catalog.contains_key(*id))
        {
            bail!(
                Input,
                "{}: experiment.claims names {id:?}, which {} does not state: allowed {}",
                path.display(),
                dir.join("claims.toml").display(),
                catalog.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        experiment.check(&spec)?;
        loaded.push((spec, experiment));
    }
    Ok(loaded)
}

/// The config hash of each experiment's run at `profile` on `device`, by name in the
/// registry's order: with the sources' hash ([`SourceKey::hash`]), the key `reproduce`
/// looks its runs up by ([`store::run_config`]).
pub fn config_hashes(
    experiments_dir: &Path,
    profile: ProfileName,
    device: DeviceKind,
) -> Result<Vec<(String, String)>> {
    let mut hashes = Vec::new();
    for (mut spec, _) in load_specs(experiments_dir, profile, &[])? {
        let (hash, _) = store::run_config(&mut spec, device)?;
        hashes.push((spec.experiment, hash));
    }
    Ok(hashes)
}

/// Runs (or reuses) every selected experiment, renders the figures, and writes the claim
/// table and the paper when every experiment has a current run (see [`paper::write`]).
/// Returns the claims of the selected experiments. Every input is checked before anything
/// is written.
pub fn reproduce(options: &Reproduce) -> Result<Vec<Claim>> {
    let catalog = load::claim_catalog(&options.experiments_dir)?;
    let mut specs = specs_against(
        &catalog,
        &options.experiments_dir,
        options.profile,
        &options.only,
    )?;
    let source = SourceKey::of(&options.sources, &options.experiments_dir)?;
    let layout = Layout::new(&options.out, options.profile);
    for path in store::remove_stale_temporaries(&options.out)? {
        eprintln!("removed {}, left by a killed run", path.display());
    }
    // Models of older training code can never be asked for again: their key has that code's
    // hash.
    let superseded = models::remove_superseded(&layout.checkpoints(), &source.training)?;
    if !superseded.is_empty() {
        eprintln!(
            "removed {} trained model(s) of older training code from {}",
            superseded.len(),
            layout.checkpoints().display()
        );
    }
    // `--force` retrains the models the selected experiments ask for, each once; the other
    // models of the cache stay.
    let mut cache = CheckpointCache::new(layout.checkpoints(), &source.training, options.force);
    cache.abort_after = abort_after()?;
    let runner = Runner {
        options,
        layout: &layout,
        source_hash: source.hash(),
        cache,
    };
    for (spec, experiment) in &mut specs {
        let key = store::run_config(spec, options.device)?;
        runner.run(spec, experiment.as_ref(), key)?;
    }
    if options.only.is_empty() {
        // Every model of every experiment is now finished: a partial run left is of a recipe
        // no experiment asks for any more (older code or files), and would never resume.
        for path in models::remove_partial_runs(&layout.checkpoints())? {
            let path = path.display();
            eprintln!("removed {path}, a partial run no experiment needs");
        }
    }
    paper::write(
        &layout,
        (&options.experiments_dir, &catalog),
        options.device,
        &runner.source_hash,
        &options.only,
    )
}

/// What every experiment of one `reproduce` shares.
struct Runner<'a> {
    options: &'a Reproduce,
    layout: &'a Layout,
    /// The source part of every run's key ([`SourceKey::hash`]).
    source_hash: String,
    cache: CheckpointCache,
}

impl Runner<'_> {
    /// Computes `experiment` unless a current run exists (and `--force` is off) or it cannot
    /// run on this machine (its corpus program is missing: skipped with the reason).
    /// `(hash, config)` is the spec's [`store::run_config`].
    fn run(
        &self,
        spec: &Spec,
        experiment: &dyn Experiment,
        (hash, config): (String, String),
    ) -> Result<()> {
        let dir = self.layout.run_dir(&spec.experiment);
        match store::run_status(&dir, &hash, &self.source_hash) {
            RunStatus::Current(previous) if !self.options.force => {
                eprintln!(
                    "{}: a run of config {hash} and sources {} exists ({} s); skipping (use --force to rerun)",
                    spec.experiment, self.source_hash, previous.wall_time_s
                );
                return Ok(());
            }
            RunStatus::Stale(reason) => {
                eprintln!(
                    "{}: the last run is stale ({reason}); rerunning",
                    spec.experiment
                );
            }
            _ => {}
        }
        match text::of(experiment, spec) {
            Ok(corpus_text) => {
                let run = RunKey {
                    dir: &dir,
                    hash: &hash,
                    config: &config,
                };
                self.compute(spec, experiment, &run, corpus_text.as_deref())
            }
            Err(reason) => {
                eprintln!("{}: skipped: {reason}", spec.experiment);
                Ok(())
            }
        }
    }

    /// Computes `experiment` into the run directory `run.dir` (written atomically, with its
    /// provenance).
    fn compute(
        &self,
        spec: &Spec,
        experiment: &dyn Experiment,
        run: &RunKey<'_>,
        corpus_text: Option<&str>,
    ) -> Result<()> {
        let start = Instant::now();
        let bar = Bar::new(
            experiment.work(spec),
            &spec.experiment,
            experiment.unit(),
            self.options.progress,
        );
        let writer = RunWriter::create(run.dir, self.stamp(spec, run.hash))?;
        writer.write_text("config.toml", run.config)?;
        let env = Env {
            progress: &bar,
            models: &self.cache,
            text: corpus_text,
        };
        let frames = experiment
            .compute(spec, &env)
            .with_context(|| format!("running {}", spec.experiment))?;
        for (name, frame) in &frames {
            writer.write_frame(name, &mut frame.clone())?;
        }
        bar.finish();
        let wall = store::seconds(start.elapsed());
        writer.commit(&Provenance {
            experiment: spec.experiment.clone(),
            profile: spec.profile.as_str().into(),
            config_hash: run.hash.to_string(),
            source_hash: self.source_hash.clone(),
            seeds: spec.seeds.clone(),
            git_revision: self.options.revision.clone(),
            frames: frames.keys().cloned().collect(),
            crate_versions: store::crate_versions(),
            wall_time_s: wall,
            threads: rayon::current_num_threads(),
        })?;
        eprintln!("{}: computed in {wall} s", spec.experiment);
        Ok(())
    }

    /// The key-value stamp of every frame of a run of `spec` with config hash `hash`.
    fn stamp(&self, spec: &Spec, hash: &str) -> Vec<(String, String)> {
        let seeds: Vec<String> = spec.seeds.iter().map(u64::to_string).collect();
        vec![
            ("skm.experiment".into(), spec.experiment.clone()),
            ("skm.profile".into(), spec.profile.as_str().into()),
            ("skm.config_hash".into(), hash.to_string()),
            ("skm.source_hash".into(), self.source_hash.clone()),
            ("skm.seeds".into(), seeds.join(",")),
            ("skm.git_revision".into(), self.options.revision.clone()),
        ]
    }
}

/// Where a run goes and what keys it: its directory, config hash and resolved config text.
struct RunKey<'a> {
    dir: &'a Path,
    hash: &'a str,
    config: &'a str,
}

/// `SKM_ABORT_AFTER_STEPS`: the fault injection of the kill-and-resume test (see
/// [`CheckpointCache::abort_after`]); unset or empty for every real run.
fn abort_after() -> Result<Option<usize>> {
    match std::env::var("SKM_ABORT_AFTER_STEPS") {
        Ok(value) if !value.is_empty() => value.parse().map(Some).map_err(|_| {
            PipelineError::Input(format!(
                "SKM_ABORT_AFTER_STEPS = {value:?} is not a step count: allowed 1, 2, ..."
            ))
        }),
        _ => Ok(None),
    }
}

/// Writes `results/<profile>/claims.parquet` from the analysed runs, stamped with each run's
/// provenance, and returns the claims.
pub fn collect_claims(layout: &Layout, runs: &[paper::Run]) -> Result<Vec<Claim>> {
    let mut claims = Vec::new();
    for run in runs {
        claims.extend(run.analysis.claims.iter().cloned());
    }
    let mut frame = claims_frame(&claims)?;
    std::fs::create_dir_all(layout.profile_dir())?;
    let stamp = runs
        .iter()
        .map(|run| {
            let p = &run.provenance;
            let seeds: Vec<String> = p.seeds.iter().map(u64::to_string).collect();
            (
                format!("skm.{}", p.experiment),
                format!(
                    "profile={} config_hash={} source_hash={} seeds={} git_revision={}",
                    p.profile,
                    p.config_hash,
                    p.source_hash,
                    seeds.join(","),
                    p.git_revision
                ),
            )
        })
        .collect::<Vec<_>>();
    skm_report::write_parquet_with_metadata(&mut frame, &layout.claims(), &stamp)?;
    Ok(claims)
}
