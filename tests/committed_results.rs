//! The committed results are those of the committed sources. `paper/` and `figures/` hold the
//! default profile's run, and a reviewer reads them without rerunning anything, so they must
//! be what `cargo xtask reproduce` makes of this checkout:
//! - every experiment's row of the paper's provenance table (in `index.md` and `index.html`)
//!   names the hash of its experiment file at the default profile and the hash of these
//!   sources (the run's cache key, `skm_pipeline::store`), so a change to the code or to an
//!   experiment file without a rerun fails here;
//! - `figures/` holds exactly the figures the paper shows, each SVG with its PNG, and every
//!   SVG and PNG is stamped with its experiment's current config hash.
//!
//! After such a change: `cargo xtask reproduce` (a rerun reuses every model whose training
//! code did not change), then commit `figures/` and `paper/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use skm_experiments::spec::ProfileName;
use skm_pipeline::paper::{STAMP_NAME, stamp_key};
use skm_pipeline::store::SourceKey;
use skm_pipeline::{config_hashes, workspace_root};
use skm_report::png_text;
use skm_trainer::DeviceKind;

mod paper_links;

const RERUN: &str = "rerun `cargo xtask reproduce` and commit figures/ and paper/";

/// The current key of every experiment at the default profile, which trains on the CPU:
/// its config hash by name, and the sources' hash that every run shares.
fn current_keys(root: &Path) -> (BTreeMap<String, String>, String) {
    let experiments = root.join("experiments");
    let sources = SourceKey::of(root, &experiments)
        .expect("hashing the sources")
        .hash();
    let configs = config_hashes(&experiments, ProfileName::Default, DeviceKind::Cpu)
        .expect("loading the experiment files at the default profile");
    (configs.into_iter().collect(), sources)
}

/// The provenance rows of the paper's Markdown: the row's value by its first cell, for the
/// rows of the table under `## Provenance`.
fn provenance_rows(markdown: &str) -> BTreeMap<String, String> {
    let table = markdown
        .split_once("\n## Provenance\n")
        .expect("paper/index.md has a `## Provenance` section")
        .1;
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            match cells.as_slice() {
                [item, value] => Some((item.trim().to_string(), value.trim().to_string())),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_paper_was_written_by_these_sources_and_experiment_files() {
    let root = workspace_root();
    let (configs, sources) = current_keys(&root);
    let markdown = std::fs::read_to_string(root.join("paper/index.md")).expect("paper/index.md");
    let html = std::fs::read_to_string(root.join("paper/index.html")).expect("paper/index.html");
    let rows = provenance_rows(&markdown);
    assert_eq!(
        rows.get("profile").map(String::as_str),
        Some("default"),
        "paper/index.md is not the default profile's paper"
    );
    for (experiment, config) in &configs {
        let key = format!("config {config}, sources {sources},");
        let row = rows.get(experiment).unwrap_or_else(|| {
            panic!(
                "paper/index.md has no provenance row for {experiment} (the run that wrote it \
                 skipped it: real-text needs Debian's `bible`): {RERUN}"
            )
        });
        assert!(
            row.starts_with(&key),
            "paper/index.md: {experiment} was run as `{row}`, but its current key is `{key}` \
             (an experiment file or the code changed since): {RERUN}"
        );
        assert!(
            html.contains(&key),
            "paper/index.html has no run of {experiment} with `{key}` (index.md has it): {RERUN}"
        );
    }
}

/// The PNG drawn beside the SVG figure `svg` (`<experiment>/<stem>.svg`).
fn png_beside(svg: &str) -> String {
    let stem = svg
        .strip_suffix(".svg")
        .expect("svg_links returns SVG links");
    format!("{stem}.png")
}

/// Every file under `figures/`, as a path relative to it.
fn figure_files(figures: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for dir in std::fs::read_dir(figures).expect("reading figures/") {
        let dir = dir.expect("an entry of figures/").path();
        let experiment = dir
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        for file in std::fs::read_dir(&dir).expect("reading a folder of figures/") {
            let name = file.expect("a figure file").file_name();
            files.insert(format!("{experiment}/{}", name.to_string_lossy()));
        }
    }
    files
}

#[test]
fn the_committed_figures_are_the_papers_at_the_current_configs() {
    let root = workspace_root();
    let (configs, _) = current_keys(&root);
    let markdown = std::fs::read_to_string(root.join("paper/index.md")).expect("paper/index.md");
    // The figures `index.md` shows, as paths under `figures/` (`<experiment>/<stem>.svg`).
    let linked: BTreeSet<String> = paper_links::svg_links(&markdown)
        .into_iter()
        .map(|link| {
            let path = link.strip_prefix("../figures/");
            let path =
                path.unwrap_or_else(|| panic!("paper/index.md shows {link}, not in figures/"));
            path.to_string()
        })
        .collect();
    assert!(!linked.is_empty(), "paper/index.md shows no figure");
    let expected: BTreeSet<String> = linked
        .iter()
        .flat_map(|svg| [svg.clone(), png_beside(svg)])
        .collect();
    let files = figure_files(&root.join("figures"));
    let missing: Vec<_> = expected.difference(&files).collect();
    let extra: Vec<_> = files.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "figures/ does not match the figures paper/index.md shows (each as SVG and PNG): \
         missing {missing:?}, not shown {extra:?}: {RERUN}"
    );
    for svg in &linked {
        let experiment = svg.split('/').next().expect("an experiment folder");
        let config = configs
            .get(experiment)
            .unwrap_or_else(|| panic!("figures/{svg}: no experiment named {experiment}"));
        // The stamp goes on with the seeds and the git revision, which are not keys.
        let key = format!("{} ", stamp_key(experiment, "default", config));
        let text = std::fs::read_to_string(root.join("figures").join(svg)).expect("an SVG");
        let stamps = text.matches("<metadata>").count();
        let stamp = format!("<metadata>skm {key}");
        assert!(
            stamps > 0 && text.matches(&stamp).count() == stamps,
            "figures/{svg} is not stamped `{stamp}` in each of its {stamps} panel(s): {RERUN}"
        );
        let png = png_beside(svg);
        let bytes = std::fs::read(root.join("figures").join(&png)).expect("a PNG");
        let stamps = png_text::texts(&bytes, STAMP_NAME)
            .unwrap_or_else(|e| panic!("figures/{png} is not a sound PNG: {e}"));
        assert!(
            matches!(stamps.as_slice(), [stamp] if stamp.starts_with(&key)),
            "figures/{png} is stamped {stamps:?}, not once with `{key}`: {RERUN}"
        );
    }
}
