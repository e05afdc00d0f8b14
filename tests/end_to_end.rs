//! The smoke profile of every experiment, end to end, into a temporary directory: files,
//! claim table, cache, determinism and a snapshot of every figure. A smoke run writes
//! everything under `results/smoke/` (runs, checkpoints, claims, figures, paper).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use skm_experiments::spec::ProfileName;
use skm_pipeline::paper::STAMP_NAME;
use skm_pipeline::{Reproduce, workspace_root};
use skm_report::{Claim, png_text, read_parquet};

/// The paper of the shared smoke run, opened in headless Chromium.
#[path = "paper_in_browser.rs"]
mod paper_in_browser;
mod paper_links;

fn options(out: &Path, force: bool) -> Reproduce {
    Reproduce {
        force,
        revision: "test-revision".into(),
        ..Reproduce::new(ProfileName::Smoke, out)
    }
}

/// Whether the real-text corpus (Debian's `bible`, from bible-kjv) is installed; without it
/// that experiment is skipped, and so are its checks here, except under `SKM_REQUIRE_TOOLS=1`
/// (set by CI), where a missing corpus fails the test.
fn corpus_installed() -> bool {
    let installed = std::process::Command::new("bible")
        .arg("Gen1:1")
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !installed {
        assert!(
            std::env::var_os("SKM_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
            "SKM_REQUIRE_TOOLS=1 but bible-kjv is not installed (sudo apt-get install bible-kjv bible-kjv-text)"
        );
        eprintln!("bible-kjv is not installed: the real-text checks are skipped");
    }
    installed
}

/// One smoke run shared by every test of this binary (the browser check included); tests
/// only read it.
fn smoke() -> &'static (PathBuf, Vec<Claim>) {
    static RUN: OnceLock<(PathBuf, Vec<Claim>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let claims = skm_pipeline::reproduce(&options(&dir, false)).expect("smoke run");
        (dir, claims)
    })
}

#[test]
fn smoke_run_writes_every_artifact() {
    let (out, _) = smoke();
    for (experiment, frames) in [
        (
            "data-statistics",
            &["sentences", "heaps", "tail_counts", "theory_tail_counts"][..],
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
        let run = out.join("results/smoke/runs").join(experiment);
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
            "source_hash",
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
        let figures: Vec<_> = std::fs::read_dir(out.join("results/smoke/figures").join(experiment))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(
            figures
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "svg"))
        );
        let pngs: Vec<_> = figures
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        assert!(!pngs.is_empty());
        // Each PNG records its run, as its SVG does.
        let key = format!("experiment={experiment} profile=smoke config_hash=");
        for png in pngs {
            let bytes = std::fs::read(png).unwrap();
            let stamps = png_text::texts(&bytes, STAMP_NAME).unwrap();
            assert!(
                matches!(stamps.as_slice(), [s] if s.starts_with(&key) && s.contains(" seeds=")),
                "{}: {stamps:?}",
                png.display()
            );
        }
    }
    // No temporary directory is left behind.
    for dir in ["runs", "figures", "checkpoints"] {
        let leftovers: Vec<_> = std::fs::read_dir(out.join("results/smoke").join(dir))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    let sentences =
        read_parquet(&out.join("results/smoke/runs/bayes-learning-curve/sentences.parquet"))
            .unwrap();
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
        std::fs::read(out.join("results/smoke/runs/bayes-learning-curve/excess.parquet")).unwrap();
    let footer = String::from_utf8_lossy(&bytes);
    for key in [
        "skm.config_hash",
        "skm.source_hash",
        "skm.seeds",
        "skm.git_revision",
        "test-revision",
    ] {
        assert!(footer.contains(key), "excess.parquet metadata lacks {key}");
    }
    // 2 alphas x 2 seeds x 20,000 sentences.
    assert_eq!(sentences.height(), 80_000);
    let html = std::fs::read_to_string(out.join("results/smoke/paper/index.html")).unwrap();
    assert!(html.contains("<svg"));
    assert!(out.join("results/smoke/paper/index.md").is_file());
}

#[test]
fn the_smoke_profile_writes_nothing_into_figures_or_paper() {
    let (out, _) = smoke();
    // `figures/` and `paper/` at the root belong to the default profile.
    let top: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, ["results"]);
    let results: Vec<String> = std::fs::read_dir(out.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(results, ["smoke"]);
}

#[test]
fn claim_table_lists_every_claim_of_the_experiments() {
    let (out, claims) = smoke();
    let table = skm_report::claims_from_frame(
        &read_parquet(&out.join("results/smoke/claims.parquet")).unwrap(),
    )
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
        let (id, variant) = (&claim.id, &claim.variant);
        match claim.measured() {
            Some(value) => assert!(value.is_finite(), "{id} {variant}: measured {value}"),
            None => assert!(
                claim.reason().is_some(),
                "{id} {variant}: no value, no reason"
            ),
        }
        if let Some((lo, hi)) = claim.interval() {
            assert!(lo <= hi, "{id} {variant}: interval [{lo}, {hi}]");
        }
        assert!(!claim.detail.is_empty());
        // The scope starts with the stream: sentences and seeds, or a real corpus's lines
        // (a text has no seed).
        let stream = match claim.experiment.as_str() {
            "real-text" => " lines; ",
            _ => " sentences, ",
        };
        assert!(
            claim.scope.starts_with("N = ")
                && claim.scope.contains(stream)
                && claim.scope.contains(" seed") == (stream == " sentences, "),
            "{id} {variant}: scope {:?}",
            claim.scope
        );
    }
    // The paper states every claim of the catalog once, before the sections.
    let paper = std::fs::read_to_string(out.join("results/smoke/paper/index.md")).unwrap();
    for id in ["C1", "C7", "C13"] {
        assert!(paper.contains(&format!("- **{id}.** ")), "{id} not stated");
    }
    // Each experiment emits exactly the claims its file declares, and claims.toml states them.
    let experiments = workspace_root().join("experiments");
    let catalog: toml::Table =
        toml::from_str(&std::fs::read_to_string(experiments.join("claims.toml")).unwrap()).unwrap();
    for (spec, _) in skm_pipeline::load_specs(&experiments, ProfileName::Smoke, &[]).unwrap() {
        if spec.experiment == "real-text" && !corpus_installed() {
            continue;
        }
        let mut emitted: Vec<&str> = table
            .iter()
            .filter(|c| c.experiment == spec.experiment)
            .map(|c| c.id.as_str())
            .collect();
        emitted.dedup();
        let mut declared: Vec<&str> = spec.meta.claims.iter().map(String::as_str).collect();
        declared.sort_by_key(|id| id.trim_start_matches('C').parse::<u32>().unwrap_or(0));
        emitted.sort_by_key(|id| id.trim_start_matches('C').parse::<u32>().unwrap_or(0));
        emitted.dedup();
        assert_eq!(
            emitted, declared,
            "{}: claims emitted and declared",
            spec.experiment
        );
        for id in declared {
            let entry = catalog.get(id).and_then(|e| e.as_table());
            let entry = entry.unwrap_or_else(|| panic!("claims.toml has no [{id}]"));
            for key in ["statement", "measured", "rule"] {
                assert!(entry.contains_key(key), "claims.toml: [{id}] has no {key}");
            }
            // Every row states its claim as the catalog does (stated once, there).
            let statement = entry["statement"].as_str().unwrap();
            for claim in table.iter().filter(|c| c.id == id) {
                assert_eq!(claim.statement, statement, "{id} {}", claim.variant);
            }
        }
    }
    // C1 and C2 once per alpha of the sweep.
    assert_eq!(table.iter().filter(|c| c.id == "C1").count(), 3);
}

#[test]
fn hallucination_reads_the_models_model_scaling_trained() {
    let (out, _) = smoke();
    let load = |name: &str| {
        skm_pipeline::load::load(
            &workspace_root().join(format!("experiments/{name}.toml")),
            ProfileName::Smoke,
        )
        .unwrap()
    };
    let (data, models, tuning) = (
        load("data-scaling"),
        load("model-scaling"),
        load("fine-tuning"),
    );
    let streams = |name: &str| {
        let spec = load(name);
        spec.points.len() * spec.seeds.len()
    };
    // One finished run per trained model: data-scaling's sizes, model-scaling's shapes,
    // fine-tuning's pre-trained models and both arms tuned from each, and one run per stream
    // of train-smoke, acquisition and compression (its prequential pass); hallucination added
    // none, and no scratch directory is left.
    let entries: Vec<String> = std::fs::read_dir(out.join("results/smoke/checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries.len(),
        data.sizes.len() * data.seeds.len()
            + models.models.len() * models.seeds.len()
            + tuning.points.len() * tuning.seeds.len() * 3
            + streams("train-smoke")
            + streams("acquisition")
            + streams("compression"),
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
    let claims = skm_pipeline::reproduce(&only(false)).unwrap();
    let figure = out
        .path()
        .join("results/smoke/figures/data-statistics/heaps.svg");
    let sentences = out
        .path()
        .join("results/smoke/runs/data-statistics/sentences.parquet");
    let provenance = out
        .path()
        .join("results/smoke/runs/data-statistics/provenance.json");
    let (figure_before, frame_before) = (
        std::fs::read(&figure).unwrap(),
        std::fs::read(&sentences).unwrap(),
    );
    let provenance_before = std::fs::read_to_string(&provenance).unwrap();
    assert_eq!(skm_pipeline::reproduce(&only(false)).unwrap(), claims);
    assert_eq!(
        std::fs::read_to_string(&provenance).unwrap(),
        provenance_before,
        "the cached run is kept"
    );
    assert_eq!(skm_pipeline::reproduce(&only(true)).unwrap(), claims);
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

/// The smoke claim table, one line per check: its scope, what was measured, the rule and the
/// verdict.
#[test]
fn the_claim_table_matches_its_snapshot() {
    let (_, claims) = smoke();
    let lines: Vec<String> = claims
        .iter()
        .filter(|c| c.experiment != "real-text")
        .map(|c| {
            format!(
                "{} | {} | {} | [{}] | {} | {} | {}",
                c.id,
                c.variant,
                c.experiment,
                c.scope,
                c.estimate_text(),
                c.rule_text(),
                c.judgement().reason().map_or_else(
                    || c.verdict().to_string(),
                    |r| format!("{}: {r}", c.verdict())
                )
            )
        })
        .collect();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    // Real text is left out: CI has the corpus, a laptop may not.
    settings.bind(|| insta::assert_snapshot!("claims__smoke", lines.join("\n")));
}

#[test]
fn every_figure_matches_its_snapshot() {
    let (out, _) = smoke();
    let snapshots = workspace_root().join("tests/snapshots");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&snapshots);
    settings.set_prepend_module_to_snapshot(false);
    let mut referenced = Vec::new();
    settings.bind(|| {
        for experiment in skm_experiments::registry() {
            let experiment = experiment.name();
            if experiment == "real-text" && !corpus_installed() {
                continue;
            }
            let mut svgs: Vec<PathBuf> =
                std::fs::read_dir(out.join("results/smoke/figures").join(experiment))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "svg"))
                    .collect();
            svgs.sort();
            for svg in svgs {
                let stem = svg.file_stem().unwrap().to_string_lossy().to_string();
                let name = format!("{experiment}__{stem}");
                insta::assert_snapshot!(name.clone(), std::fs::read_to_string(&svg).unwrap());
                referenced.push(name);
            }
        }
    });
    // `--unreferenced=reject` without cargo-insta: a snapshot of a figure that is no longer
    // produced fails here.
    let unreferenced: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".snap").map(str::to_owned))
        // The claim table's snapshot belongs to its own test.
        .filter(|name| !referenced.contains(name) && name != "claims__smoke")
        .filter(|name| corpus_installed() || !name.starts_with("real-text__"))
        .collect();
    assert!(
        unreferenced.is_empty(),
        "snapshots of figures no run produces (delete them): {unreferenced:?}"
    );
}

/// Set in the child process of [`results_do_not_depend_on_the_thread_count`]: the directory
/// it reproduces the smoke profile into.
const ONE_THREAD_OUT: &str = "SKM_TEST_ONE_THREAD_OUT";

/// Every experiment of the registry gives byte-identical frames, figures and claim table with
/// one thread as with the shared run's default pools (one thread per core). rayon's and
/// polars' pools are both sized once per process, so the one-thread run is this test again in
/// a child process, with `RAYON_NUM_THREADS=1` and `POLARS_MAX_THREADS=1`.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    if let Some(out) = std::env::var_os(ONE_THREAD_OUT) {
        skm_pipeline::reproduce(&options(Path::new(&out), false)).expect("one-thread run");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "results_do_not_depend_on_the_thread_count"])
        .env(ONE_THREAD_OUT, out.path())
        .env("RAYON_NUM_THREADS", "1")
        .env("POLARS_MAX_THREADS", "1")
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "the one-thread run failed: {}",
        String::from_utf8_lossy(&child.stderr)
    );
    let (shared, _) = smoke();
    let claims = Path::new("results/smoke/claims.parquet");
    assert_eq!(
        std::fs::read(out.path().join(claims)).unwrap(),
        std::fs::read(shared.join(claims)).unwrap(),
        "the claim table differs with one thread"
    );
    let skipped = !corpus_installed();
    for experiment in skm_experiments::registry() {
        let name = experiment.name();
        if skipped && name == "real-text" {
            continue;
        }
        let mut compared = 0;
        for kind in ["runs", "figures"] {
            let dir = Path::new("results/smoke").join(kind).join(name);
            for entry in std::fs::read_dir(shared.join(&dir)).unwrap() {
                let file = dir.join(entry.unwrap().file_name());
                // The provenance holds the wall time and the thread count.
                if file.ends_with("provenance.json") {
                    continue;
                }
                assert_eq!(
                    std::fs::read(out.path().join(&file)).unwrap(),
                    std::fs::read(shared.join(&file)).unwrap(),
                    "{} differs with one thread",
                    file.display()
                );
                compared += 1;
            }
        }
        assert!(compared >= 3, "{name}: only {compared} files compared");
    }
}

/// Copies the directory `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the experiment files, with `edit` applied to each text.
fn experiments_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let experiments = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(workspace_root().join("experiments")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            experiments.path().join(path.file_name().unwrap()),
            edit(text),
        )
        .unwrap();
    }
    experiments
}

/// The smoke run's trained models copied into `out`, each marked with a file `copied`.
fn copy_models(out: &Path) -> PathBuf {
    let (shared, _) = smoke();
    let models = out.join("results/smoke/checkpoints");
    copy_dir(&shared.join("results/smoke/checkpoints"), &models);
    for entry in std::fs::read_dir(&models).unwrap() {
        std::fs::write(entry.unwrap().path().join("copied"), "").unwrap();
    }
    models
}

/// The trained models of a checkpoint cache: (kept with the mark `copied`, trained since).
fn models(dir: &Path) -> (usize, usize) {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let kept = entries.iter().filter(|e| e.join("copied").exists()).count();
    (kept, entries.len() - kept)
}

/// A corpus that is not installed skips its experiment with the install command, in the
/// console and in the paper, and the other experiments still run. (The edited experiment
/// file reruns every experiment, but retrains no model: a model's key holds the code, not
/// the experiment files.)
#[test]
fn a_missing_corpus_skips_only_its_experiment() {
    let experiments = experiments_with(|text| {
        text.replace(
            "program = \"bible\"",
            "program = \"skm-no-such-corpus-program\"",
        )
    });
    let out = tempfile::tempdir().unwrap();
    let cache = copy_models(out.path());
    let before = models(&cache);
    let claims = skm_pipeline::reproduce(&Reproduce {
        experiments_dir: experiments.path().to_path_buf(),
        ..options(out.path(), false)
    })
    .expect("the other experiments run");
    assert!(!claims.is_empty());
    assert!(claims.iter().all(|c| c.experiment != "real-text"));
    assert!(!out.path().join("results/smoke/runs/real-text").exists());
    let paper = std::fs::read_to_string(out.path().join("results/smoke/paper/index.md")).unwrap();
    assert!(paper.contains("Not run on this machine"), "{paper}");
    assert!(paper.contains("apt-get install bible-kjv bible-kjv-text"));
    assert_eq!(models(&cache), before, "no model was retrained");
}

/// The cache key is the config and the source files, read from disk: a document changes
/// nothing, an untracked source file reruns and retrains, an edited experiment file reruns
/// but retrains nothing; a run with a frame missing, a figure no longer produced and the
/// temporary directories of killed runs do not survive the next `reproduce`.
#[test]
fn the_cache_is_keyed_by_the_sources_and_never_lies() {
    // A workspace of its own whose files can be edited: the key needs no git, nor real code.
    let sources = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = sources.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Cargo.toml", "[workspace]\n");
    write("crates/x/src/lib.rs", "pub fn f() {}\n");
    write("README.md", "# skm\n");
    let out = tempfile::tempdir().unwrap();
    let run = |experiments: &Path| {
        skm_pipeline::reproduce(&Reproduce {
            only: vec!["data-statistics".into(), "data-scaling".into()],
            experiments_dir: experiments.to_path_buf(),
            sources: sources.path().to_path_buf(),
            ..options(out.path(), false)
        })
        .unwrap()
    };
    let smoke = out.path().join("results/smoke");
    // What a killed run leaves, and a figure of an older version of the experiment.
    let dead = 4_194_304 + 17; // above Linux's largest pid: no such process
    let stale = [
        smoke.join(format!("runs/.data-statistics.tmp-{dead}")),
        smoke.join(format!("checkpoints/.0123456789abcdef.tmp-{dead}")),
        smoke.join(format!("figures/.data-statistics.tmp-{dead}")),
    ];
    for dir in &stale {
        std::fs::create_dir_all(dir).unwrap();
    }
    let old_figure = smoke.join("figures/data-statistics/no-longer-drawn.svg");
    std::fs::create_dir_all(old_figure.parent().unwrap()).unwrap();
    std::fs::write(&old_figure, "<svg/>").unwrap();

    let experiments = workspace_root().join("experiments");
    let first = run(&experiments);
    for dir in &stale {
        assert!(!dir.exists(), "{} was left", dir.display());
    }
    assert!(!old_figure.exists(), "a figure no longer produced was left");
    assert!(smoke.join("figures/data-statistics/heaps.svg").is_file());
    // The others have no run, so the paper and claim table are not written.
    assert!(!smoke.join("paper").exists());
    assert!(!smoke.join("claims.parquet").exists());
    let provenance = |name: &str| {
        std::fs::read_to_string(smoke.join("runs").join(name).join("provenance.json")).unwrap()
    };
    let before = (provenance("data-statistics"), provenance("data-scaling"));
    let cache = smoke.join("checkpoints");
    for entry in std::fs::read_dir(&cache).unwrap() {
        std::fs::write(entry.unwrap().path().join("copied"), "").unwrap();
    }
    let trained = models(&cache);
    assert_eq!(
        trained,
        (4, 0),
        "data-scaling's four models (two sizes, two seeds)"
    );

    // A document: every run and model is reused.
    write("README.md", "# skm, reworded\n");
    assert_eq!(run(&experiments), first);
    assert_eq!(
        (provenance("data-statistics"), provenance("data-scaling")),
        before
    );
    assert_eq!(models(&cache), trained);

    // An experiment file: the runs are redone, the models reused.
    let edited = experiments_with(|text| text + "\n# an edit\n");
    assert_eq!(run(edited.path()), first);
    assert_ne!(provenance("data-statistics"), before.0);
    assert_ne!(provenance("data-scaling"), before.1);
    assert_eq!(models(&cache), trained);

    // An untracked source file of a crate that does not train (the science, the report): the
    // runs are redone, the models reused (their recipe says all the science says of them).
    let before = (provenance("data-statistics"), provenance("data-scaling"));
    write("crates/x/src/new.rs", "pub fn g() {}\n");
    assert_eq!(run(edited.path()), first, "the same results");
    assert_ne!(provenance("data-statistics"), before.0);
    assert_ne!(provenance("data-scaling"), before.1);
    assert_eq!(models(&cache), trained);

    // An untracked source file of the trainer: the runs are redone and the models retrained;
    // the models of the older training code, which no key can reach any more, are removed.
    let before = (provenance("data-statistics"), provenance("data-scaling"));
    write("crates/trainer/src/new.rs", "pub fn g() {}\n");
    assert_eq!(run(edited.path()), first, "the same results");
    assert_ne!(provenance("data-statistics"), before.0);
    assert_ne!(provenance("data-scaling"), before.1);
    assert_eq!(
        models(&cache),
        (0, 4),
        "the four models of the old training code removed, four trained for the new"
    );

    // A run with a frame missing is redone.
    // (Its provenance may come out byte-identical, wall time included: the frame is the proof.)
    let heaps = smoke.join("runs/data-statistics/heaps.parquet");
    std::fs::remove_file(&heaps).unwrap();
    assert_eq!(run(edited.path()), first);
    assert!(
        heaps.is_file(),
        "the run with a missing frame was not redone"
    );

    // The paper is written only from current runs: without them, an error names the command.
    let source = skm_pipeline::store::SourceKey::of(sources.path(), edited.path()).unwrap();
    let catalog = skm_pipeline::load::claim_catalog(edited.path()).unwrap();
    let error = skm_pipeline::paper::write(
        &skm_pipeline::store::Layout::new(out.path(), ProfileName::Smoke),
        (edited.path(), &catalog),
        skm_trainer::DeviceKind::Cpu,
        &source.hash(),
        &[],
    )
    .expect_err("runs are missing");
    let error = format!("{error:#}");
    assert!(
        error.contains("cargo xtask reproduce --profile smoke --only bayes-learning-curve"),
        "{error}"
    );
    assert!(!error.contains("data-scaling"), "{error}");
}

/// `--force` reruns the selected experiments and retrains only the models they use.
#[test]
fn force_retrains_only_the_models_of_the_selected_experiments() {
    let out = tempfile::tempdir().unwrap();
    let cache = copy_models(out.path());
    let (kept, _) = models(&cache);
    let data = skm_pipeline::load::load(
        &workspace_root().join("experiments/data-scaling.toml"),
        ProfileName::Smoke,
    )
    .unwrap();
    let retrained = data.sizes.len() * data.seeds.len();
    let claims = skm_pipeline::reproduce(&Reproduce {
        only: vec!["data-scaling".into()],
        ..options(out.path(), true)
    })
    .unwrap();
    assert_eq!(models(&cache), (kept - retrained, retrained));
    let (_, all) = smoke();
    let expected: Vec<_> = all
        .iter()
        .filter(|c| c.experiment == "data-scaling")
        .cloned()
        .collect();
    assert_eq!(claims, expected, "retraining gives the same results");
}

#[test]
fn every_profile_of_every_experiment_is_valid() {
    // Loading runs every range check and each experiment's own `check`, so a default or full
    // profile that could not run is caught here, without running it.
    for profile in [ProfileName::Smoke, ProfileName::Default, ProfileName::Full] {
        let specs = skm_pipeline::load_specs(&workspace_root().join("experiments"), profile, &[])
            .unwrap_or_else(|e| panic!("{}: {e:#}", profile.as_str()));
        assert_eq!(specs.len(), skm_experiments::registry().len());
    }
}

/// A `reproduce` of `experiment` killed in the middle of training (the process aborts, as
/// under `kill -9`, with no final checkpoint) leaves its partial run; the next `reproduce`
/// resumes it from the last checkpoint and ends with the `frames` and claims of a run never
/// killed.
fn a_killed_reproduce_resumes(experiment: &str, frames: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let reproduce = |abort_after: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
        command.args([
            "reproduce",
            "--profile",
            "smoke",
            "--only",
            experiment,
            "--out",
        ]);
        command.arg(out.path());
        command.env_remove("SKM_ABORT_AFTER_STEPS");
        if let Some(step) = abort_after {
            command.env("SKM_ABORT_AFTER_STEPS", step);
        }
        command.output().unwrap()
    };
    let killed = reproduce(Some("7"));
    assert!(!killed.status.success(), "the aborted run must fail");
    let stderr = String::from_utf8_lossy(&killed.stderr);
    assert!(stderr.contains("aborting after step 7"), "{stderr}");
    let checkpoints = out.path().join("results/smoke/checkpoints");
    let entries = || -> Vec<String> {
        std::fs::read_dir(&checkpoints)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let partial = entries();
    assert_eq!(partial.len(), 1, "one partial run is left: {partial:?}");
    assert!(partial[0].ends_with(".partial"), "{partial:?}");
    assert!(
        !out.path()
            .join(format!("results/smoke/runs/{experiment}"))
            .exists(),
        "no run was committed"
    );

    let resumed = reproduce(None);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        String::from_utf8_lossy(&resumed.stderr).contains("resumed a killed run from step"),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        entries().iter().all(|e| !e.ends_with(".partial")),
        "the partial run became a cached model: {:?}",
        entries()
    );
    let (shared, all) = smoke();
    for frame in frames {
        let path =
            |root: &Path| root.join(format!("results/smoke/runs/{experiment}/{frame}.parquet"));
        let (a, b) = (
            read_parquet(&path(out.path())).unwrap(),
            read_parquet(&path(shared)).unwrap(),
        );
        assert!(a.equals_missing(&b), "{frame} differs after resuming");
    }
    // `--only` leaves the claim table to a whole run: the console prints the claims.
    let expected: Vec<String> = all
        .iter()
        .filter(|c| c.experiment == experiment)
        .map(|c| c.estimate_text())
        .collect();
    let console = String::from_utf8_lossy(&resumed.stdout);
    for estimate in expected {
        assert!(console.contains(&estimate), "{estimate} not in:\n{console}");
    }
}

#[test]
fn a_killed_reproduce_resumes_to_the_same_results() {
    a_killed_reproduce_resumes("data-scaling", &["scaling", "training"]);
}

/// train-smoke evaluates its model at log-spaced steps: from the weights the run kept, so a
/// resumed run gives the rows of one evaluated as it trained.
#[test]
fn a_killed_train_smoke_resumes_to_the_same_evaluations() {
    a_killed_reproduce_resumes("train-smoke", &["evaluations", "probes", "training"]);
}

/// compression's transformer codes its stream in one prequential pass, which resumes too.
#[test]
fn a_killed_prequential_pass_resumes_to_the_same_code() {
    a_killed_reproduce_resumes("compression", &["codes", "training"]);
}
