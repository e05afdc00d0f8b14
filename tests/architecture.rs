//! The crate graph of ARCHITECTURE.md: data flows one way, each crate depends only on the
//! crates below it, and only the pipeline and xtask may reach the file-system layout.

use std::collections::BTreeMap;

use skm_pipeline::workspace_root;

/// Each crate's `skm-*` dependencies, read from its manifest's `[dependencies]` table.
fn skm_dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && let Some(name) = line.strip_prefix("skm-") {
            let name = name.split(['.', ' ', '=']).next().unwrap_or_default();
            found.push(format!("skm-{name}"));
        }
    }
    found.sort();
    found
}

#[test]
fn data_flows_one_way() {
    // Lowest first: a crate may depend only on crates before it.
    let layers = [
        ("crates/generator", "skm-generator"),
        ("crates/theory", "skm-theory"),
        ("crates/trainer", "skm-trainer"),
        ("crates/report", "skm-report"),
        ("crates/experiments", "skm-experiments"),
        ("crates/pipeline", "skm-pipeline"),
        ("xtask", "xtask"),
    ];
    let root = workspace_root();
    let mut below: Vec<&str> = Vec::new();
    let mut graph = BTreeMap::new();
    for (dir, name) in layers {
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
        let dependencies = skm_dependencies(&manifest);
        for dependency in &dependencies {
            assert!(
                below.contains(&dependency.as_str()),
                "{name} depends on {dependency}, which is not below it"
            );
        }
        graph.insert(name, dependencies);
        below.push(name);
    }
    // The theory and report crates never see a transformer; report sees no experiment logic.
    assert!(graph["skm-theory"].iter().all(|d| d != "skm-trainer"));
    assert!(graph["skm-report"].is_empty(), "{:?}", graph["skm-report"]);
    // Every crate of the workspace is in the list.
    let crates = std::fs::read_dir(root.join("crates")).unwrap().count();
    assert_eq!(
        crates + 1,
        layers.len(),
        "a crate is missing from the layers"
    );
}

/// The lines `cargo tree --prefix none` prints for `args`' build on this machine's target (one
/// per package, or per package and feature with `-e features`, ` (*)` trimmed). The host target
/// only: `--target all` would need the sources of every other platform's dependencies, which a
/// fresh clone has not downloaded, and `--frozen` must not download them.
fn cargo_tree(args: &[&str]) -> Vec<String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--frozen", "--prefix", "none"])
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_string())
        .collect()
}

/// The features `cargo tree` resolves for each package of `args`' build (one line per package
/// and feature, the skm crates left out).
fn resolved_features(args: &[&str]) -> std::collections::BTreeSet<String> {
    cargo_tree(args)
        .into_iter()
        .filter(|l| l.contains(" feature \"") && !l.starts_with("skm-"))
        .collect()
}

/// Polars' `parquet` feature turns on its streaming engine and with it polars-io's cloud
/// storage, an HTTP and TLS stack that nothing here uses and about a fifth of the
/// dependencies' build; Parquet comes from polars-io's own `parquet` feature instead
/// (ARCHITECTURE.md, Performance). A dependency that brings them back fails here.
#[test]
fn the_build_has_no_cloud_storage_or_network_stack() {
    let unused = [
        "polars-stream",
        "object_store",
        "reqwest",
        "hyper",
        "rustls",
        "ring",
    ];
    let packages = cargo_tree(&["--workspace", "-e", "normal,build,dev"]);
    let found: std::collections::BTreeSet<&str> = packages
        .iter()
        .filter_map(|l| l.split(' ').next())
        .filter(|name| unused.contains(name))
        .collect();
    assert!(
        found.is_empty(),
        "the build compiles {found:?} again: which dependency's features bring them?"
    );
}

/// `cargo xtask` builds xtask alone, `cargo test --workspace` every crate with its
/// dev-dependencies; when a dev-dependency turns on a feature of a package both builds use
/// (as proptest does `rand/os_rng`), that package and everything above it (polars) compile
/// twice. xtask's manifest pins those features; every package of xtask's build must get the
/// features it gets in the test build.
#[test]
fn cargo_xtask_and_the_tests_resolve_the_same_features() {
    let xtask = resolved_features(&["-p", "xtask", "-e", "normal,build,features"]);
    let tests = resolved_features(&["--workspace", "-e", "normal,build,dev,features"]);
    let package = |line: &String| line.split(' ').next().unwrap_or_default().to_string();
    let in_xtask: std::collections::BTreeSet<String> = xtask.iter().map(package).collect();
    let missing: Vec<&String> = tests
        .iter()
        .filter(|l| in_xtask.contains(&package(l)) && !xtask.contains(*l))
        .collect();
    assert!(
        missing.is_empty(),
        "the test build turns on features that `cargo xtask` does not (pin them in \
         xtask/Cargo.toml): {missing:?}"
    );
}

/// `.rs` files under `dir`, recursively, as paths relative to `root` with `/` separators.
fn rust_files(root: &std::path::Path, dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.join(dir)];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap();
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// A model trained on the CPU is cached under a hash that leaves out the CUDA engine's files
/// (`store::CUDA_ONLY_SOURCES`), which holds only while the CPU path never runs them. Outside
/// those files the trainer may name CUDA items only where it dispatches to the GPU backend:
/// the `Trainer`'s accelerated backend (`train.rs`) and `Device::Cuda` (`device.rs`). A new
/// use elsewhere must first move the file into the CPU models' hash.
#[test]
fn the_cpu_path_names_the_cuda_engine_only_where_it_dispatches_to_it() {
    let root = workspace_root();
    let cuda_only = skm_pipeline::store::CUDA_ONLY_SOURCES;
    let dispatch = [
        "crates/trainer/src/train.rs",
        "crates/trainer/src/device.rs",
    ];
    let files = rust_files(&root, "crates/trainer/src");
    assert!(files.iter().any(|f| f.ends_with("engine/cuda/gpu.rs")));
    let offending: Vec<String> = files
        .iter()
        .filter(|f| !cuda_only.iter().any(|dir| f.starts_with(dir)))
        .filter(|f| !dispatch.contains(&f.as_str()))
        .flat_map(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, line)| line.contains("cuda::"))
                .map(|(i, line)| format!("{f}:{}: {}", i + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offending.is_empty(),
        "CPU training sources name the CUDA engine outside {dispatch:?}: {offending:?}"
    );
}
