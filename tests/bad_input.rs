//! Bad input: each case exits non-zero with one message naming the file, the key and the
//! allowed range, and writes nothing.

use std::path::Path;
use std::process::Command;

use skm_experiments::spec::ProfileName;
use skm_pipeline::error::PipelineError;
use skm_pipeline::{Reproduce, workspace_root};

/// The experiment files (from the registry) and the claim catalog.
fn files() -> Vec<String> {
    let mut files: Vec<String> = skm_experiments::registry()
        .iter()
        .map(|e| e.name().to_string())
        .collect();
    files.push("claims".into());
    files
}

/// A copy of the experiment files with `edit` applied to `file`; returns the error text.
fn reproduce_with(file: &str, edit: impl Fn(String) -> String, only: &[&str]) -> String {
    format!("{:#}", reproduce_error(file, edit, only))
}

/// The error of a smoke reproduce whose experiment file `file` was edited by `edit`.
fn reproduce_error(file: &str, edit: impl Fn(String) -> String, only: &[&str]) -> anyhow::Error {
    let experiments = tempfile::tempdir().unwrap();
    for name in files() {
        let text =
            std::fs::read_to_string(workspace_root().join(format!("experiments/{name}.toml")))
                .unwrap();
        let text = if name == file { edit(text) } else { text };
        std::fs::write(experiments.path().join(format!("{name}.toml")), text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let result = skm_pipeline::reproduce(&Reproduce {
        only: only.iter().map(|s| s.to_string()).collect(),
        experiments_dir: experiments.path().to_path_buf(),
        ..Reproduce::new(ProfileName::Smoke, out.path())
    });
    let error = anyhow::Error::from(result.expect_err("bad input must fail"));
    assert_nothing_written(out.path());
    error
}

/// Whether `error` is a typed bad-input error of the pipeline, or was caused by an
/// experiment's typed bad-config error.
fn is_config_error(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<PipelineError>()
        .is_some_and(PipelineError::is_bad_input)
}

fn assert_nothing_written(out: &Path) {
    let entries: Vec<_> = std::fs::read_dir(out).unwrap().collect();
    assert!(entries.is_empty(), "bad input wrote {entries:?}");
}

fn contains_all(error: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            error.contains(part),
            "error {error:?} should mention {part:?}"
        );
    }
}

#[test]
fn malformed_toml() {
    let typed = reproduce_error(
        "data-statistics",
        |t| t.replace("alpha = 0.5", "alpha = = 0.5"),
        &[],
    );
    // A file that does not parse is typed bad input, like a value out of range.
    assert!(is_config_error(&typed), "{typed:#}");
    contains_all(&format!("{typed:#}"), &["data-statistics.toml", "alpha"]);
}

#[test]
fn a_claim_the_catalog_does_not_state() {
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("claims = [\"C1\", \"C2\"]", "claims = [\"C1\", \"C99\"]"),
        &[],
    );
    contains_all(
        &error,
        &[
            "data-statistics.toml",
            "experiment.claims",
            "C99",
            "claims.toml",
            "C13",
        ],
    );
}

#[test]
fn unknown_key() {
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("seed = 1\n", "seed = 1\ntemperature = 3\n"),
        &[],
    );
    contains_all(
        &error,
        &["data-statistics.toml", "unknown field", "temperature"],
    );
    let error = reproduce_with(
        "structure-function",
        |t| t.replace("fit_from = 0.001", "fit_from = 0.001\nsmoothing = 1"),
        &[],
    );
    contains_all(
        &error,
        &["structure-function.toml", "analysis", "smoothing"],
    );
}

#[test]
fn alpha_out_of_range() {
    let error = reproduce_with(
        "structure-function",
        |t| t.replace("alpha = 0.5\n", "alpha = 1.0\n"),
        &[],
    );
    contains_all(
        &error,
        &[
            "structure-function.toml",
            "generator.alpha",
            "0 <= alpha < 1",
        ],
    );
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("[0.3, 0.5, 0.7]", "[0.3, -0.5]"),
        &[],
    );
    contains_all(
        &error,
        &[
            "data-statistics.toml",
            "profiles.smoke.sweep.alpha",
            "0 <= alpha < 1",
        ],
    );
}

#[test]
fn beta_not_above_minus_alpha() {
    let error = reproduce_with(
        "structure-function",
        |t| t.replace("beta = 1.0", "beta = -0.5"),
        &[],
    );
    contains_all(
        &error,
        &["structure-function.toml", "generator.beta", "beta > -alpha"],
    );
}

#[test]
fn zero_sentences() {
    let error = reproduce_with(
        "bayes-learning-curve",
        |t| t.replacen("sentences = 20_000", "sentences = 0", 1),
        &[],
    );
    contains_all(
        &error,
        &[
            "bayes-learning-curve.toml",
            "profiles.smoke.sentences",
            "1 <= sentences",
        ],
    );
}

#[test]
fn name_space_too_small() {
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("name_tokens = 3", "name_tokens = 1"),
        &[],
    );
    contains_all(
        &error,
        &[
            "data-statistics.toml",
            "generator.name_tokens",
            "raise name_tokens",
        ],
    );
}

#[test]
fn unknown_experiment() {
    let error = reproduce_with("data-statistics", |t| t, &["no-such-experiment"]);
    contains_all(
        &error,
        &[
            "no-such-experiment",
            "known experiments are",
            "data-statistics",
        ],
    );
}

#[test]
fn the_binary_exits_non_zero_with_one_message() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "reproduce",
            "--profile",
            "smoke",
            "--only",
            "nonsense",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: unknown experiment \"nonsense\""),
        "{stderr}"
    );
    assert_nothing_written(out.path());
}

#[test]
fn bad_model_and_train_tables() {
    let error = reproduce_with(
        "train-smoke",
        |t| t.replace("n_layers = 2\n", "n_layers = 2\ndropout = 0.1\n"),
        &[],
    );
    contains_all(
        &error,
        &["train-smoke.toml", "[model]", "unknown field", "dropout"],
    );
    let error = reproduce_with(
        "train-smoke",
        |t| t.replace("model.n_heads = 2", "model.n_heads = 3"),
        &[],
    );
    contains_all(
        &error,
        &[
            "train-smoke.toml",
            "profiles.smoke.model.n_heads = 3",
            "allowed",
        ],
    );
    let error = reproduce_with(
        "train-smoke",
        |t| t.replace("learning_rate = 3e-3", "learning_rate = -1.0"),
        &[],
    );
    contains_all(
        &error,
        &[
            "train-smoke.toml",
            "train.learning_rate = -1",
            "0 < learning_rate <= 10",
        ],
    );
    let error = reproduce_with(
        "train-smoke",
        |t| t.replace("context = 64\n", "context = 64\nvocab_size = 100\n"),
        &[],
    );
    contains_all(
        &error,
        &["train-smoke.toml", "model.vocab_size", "generator"],
    );
    let error = reproduce_with("train-smoke", |t| t.replace("[train]", "[training]"), &[]);
    contains_all(&error, &["train-smoke.toml", "training"]);
}

#[test]
fn bad_model_sweeps_and_model_sources() {
    // A swept shape is named by its index in the profile's list.
    let error = reproduce_with(
        "model-scaling",
        |t| {
            t.replacen(
                "{ d_model = 16, n_heads = 2",
                "{ d_model = 16, n_heads = 3",
                1,
            )
        },
        &[],
    );
    contains_all(
        &error,
        &[
            "model-scaling.toml",
            "profiles.smoke.models[1].n_heads = 3",
            "allowed",
        ],
    );
    // An experiment reading another's models may not bring its own.
    let error = reproduce_with(
        "hallucination",
        |t| format!("{t}\n[model]\nd_model = 8\n"),
        &[],
    );
    contains_all(
        &error,
        &[
            "hallucination.toml",
            "models_from = \"model-scaling\"",
            "[model]",
        ],
    );
    let error = reproduce_with(
        "hallucination",
        |t| {
            t.replace(
                "models_from = \"model-scaling\"",
                "models_from = \"nowhere\"",
            )
        },
        &[],
    );
    contains_all(
        &error,
        &["hallucination.toml", "nowhere", "experiment file"],
    );
    // Early stopping is how data-scaling picks its models.
    let error = reproduce_with("data-scaling", |t| t.replace("patience = 3\n", ""), &[]);
    contains_all(
        &error,
        &["data-scaling.toml", "train.patience", "eval_every"],
    );
}

#[test]
fn analysis_values_out_of_range() {
    let typed = reproduce_error(
        "compression",
        |t| t.replace("zstd_level = 22 ", "zstd_level = 30 "),
        &[],
    );
    assert!(is_config_error(&typed), "{typed:#}");
    let error = format!("{typed:#}");
    contains_all(
        &error,
        &[
            "compression.toml",
            "analysis.zstd_level = 30",
            "allowed 1..=22",
        ],
    );
    let error = reproduce_with(
        "fine-tuning",
        |t| t.replace("tune_fraction = 0.15 ", "tune_fraction = 0.0 "),
        &[],
    );
    contains_all(
        &error,
        &[
            "fine-tuning.toml",
            "analysis.tune_fraction = 0",
            "allowed 0 < tune_fraction <= 10",
        ],
    );
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("slope_chains = 256 ", "slope_chains = 1 "),
        &[],
    );
    contains_all(
        &error,
        &[
            "data-statistics.toml",
            "analysis.slope_chains = 1",
            "allowed 2..=100000",
        ],
    );
    // A fit window that a valid fraction still leaves with one grid point (N = 20000 in smoke).
    let error = reproduce_with(
        "data-statistics",
        |t| t.replace("heaps_fit_from = 0.01 ", "heaps_fit_from = 0.999 "),
        &[],
    );
    contains_all(
        &error,
        &[
            "data-statistics.toml",
            "analysis.heaps_fit_from = 0.999 leaves 1 point(s) of the grid",
            "C1 needs at least 2",
        ],
    );
    // A profile's own analysis keys replace the file's, and errors name them where written.
    let error = reproduce_with(
        "fine-tuning",
        |t| format!("{t}\n[profiles.smoke.analysis]\ntune_fraction = 0.0\n"),
        &[],
    );
    contains_all(
        &error,
        &[
            "fine-tuning.toml",
            "profiles.smoke.analysis.tune_fraction = 0",
            "allowed 0 < tune_fraction <= 10",
        ],
    );
}
