//! The errors of skm-pipeline: typed, so that a caller can tell bad input (an experiment
//! file, the claim catalog, an option) from a run the paper lacks and from a failure of a
//! crate below, and chained, so that each says what was being done ([`Context`], as
//! `anyhow`'s does, on our own type).

use std::fmt::Display;

use skm_experiments::error::ExperimentError;

/// Results of this crate.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;

/// What can go wrong while loading, running, caching and writing.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Bad input: an experiment file, the claim catalog, an experiment name or an
    /// environment variable. The message names the file (or variable), the key and what is
    /// allowed.
    #[error("{0}")]
    Input(String),
    /// A run the paper needs is missing or was made by other code or files; the message
    /// names the command that makes it.
    #[error("{0}")]
    Stale(String),
    /// Anything else that failed, in words (a diverged training run, a program's output).
    #[error("{0}")]
    Failed(String),
    /// What was being done when `source` happened.
    #[error("{context}")]
    Context {
        /// In words.
        context: String,
        /// The error itself.
        #[source]
        source: Box<PipelineError>,
    },
    /// An experiment's check, compute or analysis.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// Files and directories.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Frames.
    #[error(transparent)]
    Polars(#[from] polars::prelude::PolarsError),
    /// The trainer and its checkpoints.
    #[error(transparent)]
    Trainer(#[from] skm_trainer::TrainerError),
    /// Figures, claim tables and the paper.
    #[error(transparent)]
    Report(#[from] skm_report::ReportError),
    /// A TOML file that does not parse.
    #[error(transparent)]
    TomlIn(#[from] toml::de::Error),
    /// A config that does not serialize.
    #[error(transparent)]
    TomlOut(#[from] toml::ser::Error),
    /// A provenance file.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A program run through the shell (the benchmark's PyTorch reference).
    #[error(transparent)]
    Shell(#[from] xshell::Error),
}

impl PipelineError {
    /// Whether this error, or one of its causes, is bad input: [`PipelineError::Input`] or an
    /// experiment's [`ExperimentError::Config`].
    pub fn is_bad_input(&self) -> bool {
        match self {
            PipelineError::Input(_) => true,
            PipelineError::Context { source, .. } => source.is_bad_input(),
            PipelineError::Experiment(error) => is_config(error),
            _ => false,
        }
    }
}

/// Whether `error`, or one of its causes, is an [`ExperimentError::Config`].
fn is_config(error: &ExperimentError) -> bool {
    match error {
        ExperimentError::Config(_) => true,
        ExperimentError::Context { source, .. } => is_config(source),
        _ => false,
    }
}

/// Says what was being done when an error happened, or why a value is missing.
pub trait Context<T> {
    /// The error, wrapped in `context`.
    fn context(self, context: impl Display) -> Result<T>;
    /// The error, wrapped in the context `f` makes (only when there is an error).
    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<PipelineError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Display) -> Result<T> {
        self.with_context(|| context)
    }

    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|error| PipelineError::Context {
            context: f().to_string(),
            source: Box::new(error.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Display) -> Result<T> {
        self.ok_or_else(|| PipelineError::Failed(context.to_string()))
    }

    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| PipelineError::Failed(f().to_string()))
    }
}

/// `bail!(Variant, "format", args..)`: returns `PipelineError::Variant` with the message.
macro_rules! bail {
    ($variant:ident, $($message:tt)+) => {
        return Err($crate::error::PipelineError::$variant(format!($($message)+)))
    };
}

/// `ensure!(condition, Variant, "format", args..)`: [`bail!`] when the condition does not
/// hold.
macro_rules! ensure {
    ($condition:expr, $variant:ident, $($message:tt)+) => {
        if !$condition {
            $crate::error::bail!($variant, $($message)+);
        }
    };
}

pub(crate) use {bail, ensure};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_found_through_the_context_chain() {
        let config = ExperimentError::Config("x.toml: analysis.k = 0: allowed 1..".into());
        let wrapped: Result<()> = Err(ExperimentError::Context {
            context: "checking x".into(),
            source: Box::new(config),
        })
        .context("loading x");
        let error = wrapped.unwrap_err();
        assert!(error.is_bad_input());
        assert_eq!(error.to_string(), "loading x");
        let failed: Result<()> = Err(PipelineError::Failed("diverged".into())).context("training");
        assert!(!failed.unwrap_err().is_bad_input());
    }
}
