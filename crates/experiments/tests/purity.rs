//! The invariant of ARCHITECTURE.md: skm-experiments is pure science. It never touches files,
//! runs programs, reads the environment or the clock; what it needs from the world comes in
//! through `Env`, from the pipeline.

use std::path::Path;

/// Paths and crates that mean I/O, processes, the environment or the clock.
const FORBIDDEN: [&str; 11] = [
    "std::fs",
    "std::process",
    "std::env",
    "std::net",
    "std::time",
    "std::io::stdin",
    "File::",
    "xshell",
    "indicatif",
    "tempfile",
    "Instant::now",
];

fn sources(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn the_science_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    assert!(files.len() > 10, "found the sources: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line_number, line) in text.lines().enumerate() {
            for word in FORBIDDEN {
                if line.contains(word) {
                    found.push(format!("{}:{}: {word}", file.display(), line_number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "I/O in skm-experiments:\n{}",
        found.join("\n")
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for krate in ["xshell", "indicatif", "tempfile", "skm-pipeline"] {
        assert!(
            !manifest.contains(krate),
            "skm-experiments depends on {krate}"
        );
    }
}
