//! `cargo xtask`: reproduce the paper, list experiments, sample sentences.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use skm_experiments::spec::{ProfileName, Spec};
use skm_generator::Generator;
use skm_pipeline::store::Layout;
use skm_pipeline::{Reproduce, git_revision, load_specs, workspace_root};
use skm_report::Verdict;
use skm_trainer::DeviceKind;

/// skm: reproduce "Understanding LLM Behaviors via Compression" from one command.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every experiment (cached), render figures, write the claim table and the paper
    /// (`figures/` and `paper/` for the default profile, `results/<profile>/` for the others).
    Reproduce {
        /// Size of every run.
        #[arg(long, default_value = "default")]
        profile: ProfileName,
        /// Only these experiments.
        #[arg(long, num_args = 1..)]
        only: Vec<String>,
        /// Rerun the selected experiments even when current results exist, and retrain the
        /// models they use (the other models stay in the cache).
        #[arg(long)]
        force: bool,
        /// Folder of the experiment files.
        #[arg(long, default_value_os_t = workspace_root().join("experiments"))]
        experiments: PathBuf,
        /// Where results/ (and, for the default profile, figures/ and paper/) are written.
        #[arg(long, default_value_os_t = workspace_root())]
        out: PathBuf,
        /// Where transformers train: cpu, or cuda (GPU 0 through the CUDA engine, in an xtask
        /// built with the feature `cuda`; models are still evaluated on the CPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceKind,
    },
    /// List the experiments and the claims each checks.
    List {
        /// Folder of the experiment files.
        #[arg(long, default_value_os_t = workspace_root().join("experiments"))]
        experiments: PathBuf,
    },
    /// Benchmarks: `bench trainer` measures training tokens per second (and PyTorch's, if installed).
    Bench {
        /// What to benchmark.
        #[arg(value_enum)]
        target: BenchTarget,
        /// Runs per measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Timed training steps per run.
        #[arg(long, default_value_t = 30)]
        steps: usize,
        /// Untimed warm-up steps per run.
        #[arg(long, default_value_t = 5)]
        warmup: usize,
    },
    /// Build the CUDA engine's `skm-gpu` and stage it, with the script that runs it
    /// (`run.sh`: kernels, PyTorch equivalence, benchmark), for a machine with a GPU.
    GpuStage {
        /// The stage folder (carry it to the GPU machine; run `bash <folder>/run.sh` there).
        #[arg(long, default_value_os_t = workspace_root().join("target/gpu-stage"))]
        out: PathBuf,
        /// A folder holding `libnvrtc.so.13` (for example the `nvidia/cu13/lib` of a
        /// `pip install nvidia-cuda-nvrtc==13.0.88`): compile the kernels here as a check.
        #[arg(long)]
        nvrtc: Option<PathBuf>,
        /// Also stage xtask built with the feature `cuda` (stripped, packed with xz) and
        /// `reproduce.sh`, which runs the experiments there on the GPU (needs strip and xz).
        #[arg(long)]
        xtask: bool,
    },
    /// Print sentences of an experiment's corpus as readable text.
    Sample {
        /// Experiment name.
        experiment: String,
        /// How many sentences.
        #[arg(long, default_value_t = 12)]
        sentences: usize,
        /// Folder of the experiment files.
        #[arg(long, default_value_os_t = workspace_root().join("experiments"))]
        experiments: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BenchTarget {
    /// The transformer trainer on the SPEC and 11M-parameter models.
    Trainer,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The claim table on the console, and how many checks pass, fail or cannot be measured.
fn print_claims(claims: &[skm_report::Claim]) {
    println!(
        "{:<5} {:<22} {:<40} {:<16} {:<15} statement",
        "claim", "variant", "measured", "reference", "verdict"
    );
    for c in claims {
        println!(
            "{:<5} {:<22} {:<40} {:<16} {:<15} {}",
            c.id,
            c.variant,
            c.estimate_text(),
            c.rule_text(),
            c.verdict().as_str(),
            c.statement
        );
    }
    let count = |v: Verdict| claims.iter().filter(|c| c.verdict() == v).count();
    println!(
        "{} of {} claim checks pass, {} fail, {} not measurable",
        count(Verdict::Pass),
        claims.len(),
        count(Verdict::Fail),
        count(Verdict::NotMeasurable)
    );
}

fn run(cli: Cli) -> Result<()> {
    match cli.task {
        Task::Reproduce {
            profile,
            only,
            force,
            experiments,
            out,
            device,
        } => {
            // A build without the CUDA engine can never train there: say so before any work.
            // With it the GPU is opened when a model must train, so runs trained on a GPU
            // elsewhere (`gpu-stage --xtask`) are analysed here without one.
            if !cfg!(feature = "cuda") {
                device.device()?;
            }
            let options = Reproduce {
                device,
                profile,
                only,
                force,
                experiments_dir: experiments,
                sources: workspace_root(),
                revision: git_revision(&workspace_root()),
                out,
                progress: true,
            };
            reproduce(&options)
        }
        Task::Bench {
            target: BenchTarget::Trainer,
            runs,
            steps,
            warmup,
        } => {
            let shared = workspace_root().join("../shared");
            Ok(skm_pipeline::bench::trainer(&shared, runs, steps, warmup)?)
        }
        Task::GpuStage { out, nvrtc, xtask } => gpu_stage(&out, nvrtc.as_deref(), xtask),
        Task::List { experiments } => list(&experiments),
        Task::Sample {
            experiment,
            sentences,
            experiments,
        } => sample(&experiments, &experiment, sentences),
    }
}

/// `reproduce`: the run, the claim table on the console and where the paper is.
fn reproduce(options: &Reproduce) -> Result<()> {
    let claims = skm_pipeline::reproduce(options)?;
    print_claims(&claims);
    if options.only.is_empty() {
        let paper = Layout::new(&options.out, options.profile).paper_dir();
        println!("paper: {}", paper.join("index.html").display());
    }
    Ok(())
}

/// `gpu-stage`: the stage, and what to run on the GPU machine.
fn gpu_stage(out: &Path, nvrtc: Option<&Path>, xtask: bool) -> Result<()> {
    let root = workspace_root();
    let staged = skm_pipeline::gpu::stage(&root, &root.join("../shared"), out, nvrtc, xtask)?;
    println!(
        "staged {} (skm-gpu {:.1} MB)",
        staged.dir.display(),
        staged.binary_bytes as f64 / 1e6
    );
    match &staged.kernels {
        Some(output) => println!("{}", output.trim()),
        None => println!("kernels not compiled here (no --nvrtc): run.sh compiles them first"),
    }
    if !staged.torch_reference {
        println!("../shared/bench/torch_reference.py is missing: run.sh will skip PyTorch");
    }
    let dir = staged.dir.strip_prefix(&root).unwrap_or(&staged.dir);
    println!(
        "on the GPU machine, from the workspace: bash {}/run.sh",
        dir.display()
    );
    if let Some(bytes) = staged.xtask_bytes {
        println!(
            "and the experiments (xtask {:.1} MB packed): bash {}/reproduce.sh [reproduce's arguments]",
            bytes as f64 / 1e6,
            dir.display()
        );
    }
    Ok(())
}

/// `list`: each experiment with the claims it checks and its title.
fn list(experiments: &Path) -> Result<()> {
    for (spec, _) in load_specs(experiments, ProfileName::Default, &[])? {
        let claims = spec.meta.claims.join(",");
        println!("{:<22} {claims:<14} {}", spec.experiment, spec.meta.title);
    }
    Ok(())
}

/// `sample`: the first `sentences` sentences of an experiment's first corpus, readable.
fn sample(experiments: &Path, experiment: &str, sentences: usize) -> Result<()> {
    let only = [experiment.to_string()];
    let specs = load_specs(experiments, ProfileName::Smoke, &only)?;
    let (spec, _): &(Spec, _) = specs.first().context("no such experiment")?;
    let point = spec.points.first().with_context(|| {
        format!(
            "{}: the experiment generates no corpus (no [generator] table): nothing to sample",
            spec.experiment
        )
    })?;
    let mut generator = Generator::new(&point.generator)?;
    let seed = point.generator.seed;
    println!("{} ({}, seed {seed}):", spec.experiment, point.label);
    let mut tokens = Vec::new();
    for _ in 0..sentences {
        tokens.clear();
        let sentence = generator.next_sentence(&mut tokens)?;
        println!(
            "  {:<60} [entity {}, attribute {}, template {}]",
            generator.vocabulary().render(&tokens),
            sentence.entity,
            sentence.attribute,
            sentence.template
        );
    }
    Ok(())
}
