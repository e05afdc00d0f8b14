//! The smoke profile of every experiment, end to end, into a temporary directory: files,
//! claim table, cache, determinism and a snapshot of every figure.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use skm_report::{Claim, read_parquet};
use xtask::spec::ProfileName;
use xtask::{Reproduce, workspace_root};

fn options(out: &Path, force: bool) -> Reproduce {
    Reproduce {
        profile: ProfileName::Smoke,
        only: Vec::new(),
        force,
        experiments_dir: workspace_root().join("experiments"),
        out: out.to_path_buf(),
        revision: "test-revision".into(),
        progress: false,
        device: skm_trainer::DeviceKind::Cpu,
    }
}

/// Whether the real-text corpus (Debian's `bible`, from bible-kjv) is installed; without it
/// that experiment is skipped, and so are its checks here.
fn corpus_installed() -> bool {
    let installed = std::process::Command::new("bible")
        .arg("Gen1:1")
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !installed {
        eprintln!("bible-kjv is not installed: the real-text checks are skipped");
    }
    installed
}

/// One smoke run shared by the tests of this file.
fn smoke() -> &'static (PathBuf, Vec<Claim>) {
    static RUN: OnceLock<(PathBuf, Vec<Claim>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let claims = xtask::reproduce(&options(&dir, false)).expect("smoke run");
        (dir, claims)
    })
}

#[test]
fn smoke_run_writes_every_artifact() {
    let (out, _) = smoke();
    for (experiment, frames) in [
        (
            "data-statistics",
            &["sentences", "heaps", "rank_frequency"][..],
        ),
        ("bayes-learning-curve", &["sentences", "excess"][..]),
        (
            "structure-function",
            &["sentences", "curves", "optimum"][..],
        ),
        ("train-smoke", &["evaluations", "probes", "training"][..]),
        ("acquisition", &["evaluations", "probes", "training"][..]),
        ("data-scaling", &["scaling", "training"][..]),
        ("model-scaling", &["scaling", "facts", "training"][..]),
        ("hallucination", &["probes"][..]),
        ("fine-tuning", &["probes", "training"][..]),
        ("compression", &["sentences", "codes", "training"][..]),
        ("real-text", &["heaps", "rank_frequency", "corpus"][..]),
    ] {
        if experiment == "real-text" && !corpus_installed() {
            continue;
        }
        let run = out.join("results").join(experiment).join("smoke");
        let frames = frames.iter().map(|f| format!("{f}.parquet"));
        for file in ["config.toml".to_string(), "provenance.json".to_string()]
            .into_iter()
            .chain(frames)
        {
            assert!(run.join(&file).is_file(), "{experiment}: missing {file}");
        }
        let provenance = std::fs::read_to_string(run.join("provenance.json")).unwrap();
        for key in [
            "config_hash",
            "seeds",
            "git_revision",
            "crate_versions",
            "wall_time_s",
        ] {
            assert!(
                provenance.contains(key),
                "{experiment}: provenance lacks {key}"
            );
        }
        let figures: Vec<_> = std::fs::read_dir(out.join("figures").join(experiment))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(
            figures
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "svg"))
        );
        assert!(
            figures
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "png"))
        );
        // No temporary directory is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(out.join("results").join(experiment))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
    let sentences =
        read_parquet(&out.join("results/bayes-learning-curve/smoke/sentences.parquet")).unwrap();
    for column in [
        "sentence",
        "entity",
        "entity_weight",
        "attribute",
        "template",
        "n_tokens",
        "oracle_bits",
        "bayes_bits",
        "bayes_bits_syntax",
        "bayes_bits_name",
        "bayes_bits_value",
        "bayes_bits_noise",
    ] {
        assert!(
            sentences.column(column).is_ok(),
            "sentences.parquet lacks {column}"
        );
    }
    // Every frame records where it came from.
    let bytes =
        std::fs::read(out.join("results/bayes-learning-curve/smoke/excess.parquet")).unwrap();
    let footer = String::from_utf8_lossy(&bytes);
    for key in [
        "skm.config_hash",
        "skm.seeds",
        "skm.git_revision",
        "test-revision",
    ] {
        assert!(footer.contains(key), "excess.parquet metadata lacks {key}");
    }
    // 2 alphas x 2 seeds x 20,000 sentences.
    assert_eq!(sentences.height(), 80_000);
    let html = std::fs::read_to_string(out.join("paper/index.html")).unwrap();
    assert!(html.contains("<svg"));
    assert!(out.join("paper/index.md").is_file());
}

#[test]
fn claim_table_lists_every_claim_of_the_experiments() {
    let (out, claims) = smoke();
    let table =
        skm_report::claims_from_frame(&read_parquet(&out.join("results/claims.parquet")).unwrap())
            .unwrap();
    assert_eq!(&table, claims);
    let mut ids = vec![
        "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12",
    ];
    if corpus_installed() {
        ids.push("C13");
    }
    for id in ids {
        assert!(table.iter().any(|c| c.id == id), "claim {id} missing");
    }
    for claim in &table {
        assert!(
            claim.measured.is_finite(),
            "{} {}: measured {}",
            claim.id,
            claim.variant,
            claim.measured
        );
        assert!(
            claim.lo <= claim.hi,
            "{} {}: interval",
            claim.id,
            claim.variant
        );
        assert!(!claim.detail.is_empty());
    }
    // C1 and C2 once per alpha of the sweep.
    assert_eq!(table.iter().filter(|c| c.id == "C1").count(), 3);
}

#[test]
fn hallucination_reads_the_models_model_scaling_trained() {
    let (out, _) = smoke();
    let load = |name: &str| {
        xtask::spec::Spec::load(
            &workspace_root().join(format!("experiments/{name}.toml")),
            ProfileName::Smoke,
        )
        .unwrap()
    };
    let (data, models) = (load("data-scaling"), load("model-scaling"));
    // One finished run per trained model: data-scaling's sizes and model-scaling's shapes;
    // hallucination added none, and no scratch directory is left.
    let entries: Vec<String> = std::fs::read_dir(out.join("results/checkpoints/smoke"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries.len(),
        data.sizes.len() * data.seeds.len() + models.models.len() * models.seeds.len(),
        "{entries:?}"
    );
    assert!(entries.iter().all(|e| !e.starts_with('.')), "{entries:?}");
}

#[test]
fn a_second_run_is_cached_and_a_forced_run_is_identical() {
    // Its own directory: the forced run replaces files the other tests read.
    let out = tempfile::tempdir().unwrap();
    let only = |force| Reproduce {
        only: vec!["data-statistics".into()],
        ..options(out.path(), force)
    };
    let claims = xtask::reproduce(&only(false)).unwrap();
    let figure = out.path().join("figures/data-statistics/heaps.svg");
    let sentences = out
        .path()
        .join("results/data-statistics/smoke/sentences.parquet");
    let provenance = out
        .path()
        .join("results/data-statistics/smoke/provenance.json");
    let (figure_before, frame_before) = (
        std::fs::read(&figure).unwrap(),
        std::fs::read(&sentences).unwrap(),
    );
    let provenance_before = std::fs::read_to_string(&provenance).unwrap();
    assert_eq!(xtask::reproduce(&only(false)).unwrap(), claims);
    assert_eq!(
        std::fs::read_to_string(&provenance).unwrap(),
        provenance_before,
        "the cached run is kept"
    );
    assert_eq!(xtask::reproduce(&only(true)).unwrap(), claims);
    assert_eq!(
        std::fs::read(&figure).unwrap(),
        figure_before,
        "figures are deterministic"
    );
    assert_eq!(
        std::fs::read(&sentences).unwrap(),
        frame_before,
        "frames are deterministic"
    );
    // The same results as the full smoke run.
    let (_, all) = smoke();
    let shared: Vec<_> = all
        .iter()
        .filter(|c| c.experiment == "data-statistics")
        .cloned()
        .collect();
    assert_eq!(claims, shared);
}

#[test]
fn every_figure_matches_its_snapshot() {
    let (out, _) = smoke();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for experiment in [
            "data-statistics",
            "bayes-learning-curve",
            "structure-function",
            "train-smoke",
            "acquisition",
            "data-scaling",
            "model-scaling",
            "hallucination",
            "fine-tuning",
            "compression",
            "real-text",
        ] {
            if experiment == "real-text" && !corpus_installed() {
                continue;
            }
            let mut svgs: Vec<PathBuf> = std::fs::read_dir(out.join("figures").join(experiment))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "svg"))
                .collect();
            svgs.sort();
            for svg in svgs {
                let stem = svg.file_stem().unwrap().to_string_lossy().to_string();
                insta::assert_snapshot!(
                    format!("{experiment}__{stem}"),
                    std::fs::read_to_string(&svg).unwrap()
                );
            }
        }
    });
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let out = tempfile::tempdir().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let claims = pool
        .install(|| {
            xtask::reproduce(&Reproduce {
                only: vec![
                    "bayes-learning-curve".into(),
                    "train-smoke".into(),
                    "compression".into(),
                ],
                ..options(out.path(), false)
            })
        })
        .unwrap();
    let (shared, all) = smoke();
    let expected: Vec<_> = all
        .iter()
        .filter(|c| {
            ["bayes-learning-curve", "train-smoke", "compression"].contains(&c.experiment.as_str())
        })
        .cloned()
        .collect();
    assert_eq!(claims, expected);
    for file in [
        "results/bayes-learning-curve/smoke/sentences.parquet",
        "results/bayes-learning-curve/smoke/excess.parquet",
        "figures/bayes-learning-curve/excess-alpha-0.3.svg",
        "results/train-smoke/smoke/training.parquet",
        "results/train-smoke/smoke/evaluations.parquet",
        "results/train-smoke/smoke/probes.parquet",
        "figures/train-smoke/acquisition-base.svg",
        "results/compression/smoke/codes.parquet",
        "figures/compression/codes-base.svg",
    ] {
        assert_eq!(
            std::fs::read(out.path().join(file)).unwrap(),
            std::fs::read(shared.join(file)).unwrap(),
            "{file} differs with one thread"
        );
    }
}

/// A corpus that is not installed skips its experiment with the install command, in the
/// console and in the paper, and the other experiments still run.
#[test]
fn a_missing_corpus_skips_only_its_experiment() {
    let experiments = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(workspace_root().join("experiments")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace(
            "program = \"bible\"",
            "program = \"skm-no-such-corpus-program\"",
        );
        std::fs::write(experiments.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let claims = xtask::reproduce(&Reproduce {
        only: vec!["real-text".into(), "structure-function".into()],
        experiments_dir: experiments.path().to_path_buf(),
        ..options(out.path(), false)
    })
    .expect("the other experiments run");
    assert!(!claims.is_empty());
    assert!(claims.iter().all(|c| c.experiment == "structure-function"));
    assert!(!out.path().join("results/real-text").exists());
    let paper = std::fs::read_to_string(out.path().join("paper/index.md")).unwrap();
    assert!(paper.contains("Not run on this machine"), "{paper}");
    assert!(paper.contains("apt-get install bible-kjv bible-kjv-text"));
}

#[test]
fn every_profile_of_every_experiment_is_valid() {
    // Loading runs every range check and each experiment's own `check`, so a default or full
    // profile that could not run is caught here, without running it.
    for profile in [ProfileName::Smoke, ProfileName::Default, ProfileName::Full] {
        let specs = xtask::load_specs(&workspace_root().join("experiments"), profile, &[])
            .unwrap_or_else(|e| panic!("{}: {e:#}", profile.as_str()));
        assert_eq!(specs.len(), xtask::experiments::registry().len());
    }
}
