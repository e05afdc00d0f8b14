//! Statistics, claim checks, figures and the generated report for `skm`.
//!
//! This crate turns data that other crates produced (Polars frames and plain
//! vectors) into:
//!
//! * power-law fits and rank correlation ([`fit`]),
//! * typed checks of the paper's claims, each an estimate judged by a rule (PASS, FAIL
//!   or NOT MEASURABLE), and their flat Parquet table ([`claims`]),
//! * figures rendered to SVG and PNG from a declarative description ([`figure`]), and the
//!   text chunks a PNG carries its provenance in ([`png_text`]),
//! * a Markdown and a self-contained HTML report ([`paper`]).
//!
//! It deliberately contains no experiment logic (it never generates data or
//! trains anything), never shells out, and reads or writes files only at the
//! paths its caller passes in. Every write goes to a temporary sibling file
//! that is then renamed, so an interrupted run never leaves a half-written
//! artefact behind.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

pub mod claims;
pub mod figure;
pub mod fit;
pub mod paper;
pub mod png_text;

pub use claims::{
    CLAIM_COLUMNS, Claim, Estimate, Judgement, Rule, Side, Verdict, claims_frame,
    claims_from_frame, judge, read_parquet, write_parquet, write_parquet_with_metadata,
};
pub use figure::{
    Figure, Marker, Scale, Series, Style, render_files, render_panels_files, render_panels_svg,
    render_svg, series_from_columns,
};
pub use fit::{Interval, LogLogFit, fit_loglog, rank_correlation};
pub use paper::{FigureRef, Report, Section, write_html, write_markdown};

/// Everything that can go wrong while building statistics, figures or reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A Polars operation failed (missing column, wrong dtype, Parquet codec, ...).
    #[error("polars: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// Reading or writing a file failed.
    #[error("io error on {}: {source}", path.display())]
    Io {
        /// The file that could not be read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A fit could not be computed (too few points, degenerate x, bad options).
    #[error("fit: {0}")]
    Fit(String),
    /// A figure could not be laid out or drawn.
    #[error("figure {title:?}: {message}")]
    Figure {
        /// Title of the offending figure.
        title: String,
        /// What went wrong.
        message: String,
    },
    /// A value that makes no sense (e.g. an unknown verdict).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A column of a claims frame is missing, has the wrong type, or holds a value that makes
    /// no sense for its row (a null where the row's kind needs a value, an unknown kind, a
    /// verdict its rule does not give).
    #[error("column {column:?}: {message}")]
    Column {
        /// The column's name.
        column: String,
        /// What is wrong, naming the row where there is one.
        message: String,
    },
}

impl ReportError {
    /// Wraps an IO error together with the path it concerns.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Writes `bytes` to `path` atomically: first to a sibling temporary file
/// (`<name>.tmp`), then renamed over `path`, so readers never observe a
/// half-written file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = sibling(path, ".tmp");
    std::fs::write(&tmp, bytes).map_err(|e| ReportError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
}

/// `path` with `suffix` appended to its file name (unlike
/// [`Path::with_extension`], this keeps any dots already in the name).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A fresh, empty scratch directory for one unit test (std only, to keep the
/// dependency list short).
#[cfg(test)]
pub(crate) fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skm-report-{}-{name}", std::process::id()));
    // Ignore the error: the directory usually does not exist yet.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}
