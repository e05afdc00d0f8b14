//! The errors of skm-experiments: typed, so that the pipeline can tell a bad experiment file
//! from a run that lacks a frame or a failure of a crate below, and chained, so that each
//! says what was being done (`Context`, as `anyhow`'s does, on our own type).

use std::fmt::Display;

use polars::prelude::PolarsError;

/// Results of this crate.
pub type Result<T, E = ExperimentError> = std::result::Result<T, E>;

/// What can go wrong in an experiment's check, compute or analysis.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// A value of an experiment file outside its allowed range; the message names the file,
    /// the key and the range.
    #[error("{0}")]
    Config(String),
    /// A frame or a column that a run lacks (a run of older code), or a measurement the frames
    /// cannot give.
    #[error("{0}")]
    Data(String),
    /// What was being done when `source` happened.
    #[error("{context}")]
    Context {
        /// In words.
        context: String,
        /// The error itself.
        #[source]
        source: Box<ExperimentError>,
    },
    /// The frames.
    #[error(transparent)]
    Polars(#[from] PolarsError),
    /// The generator.
    #[error(transparent)]
    Generator(#[from] skm_generator::GeneratorError),
    /// The exact predictors.
    #[error(transparent)]
    Theory(#[from] skm_theory::TheoryError),
    /// The trainer.
    #[error(transparent)]
    Trainer(#[from] skm_trainer::TrainerError),
    /// Fits and figures.
    #[error(transparent)]
    Report(#[from] skm_report::ReportError),
    /// An `[analysis]` table that does not parse.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// A resolved config that does not serialize.
    #[error(transparent)]
    TomlOut(#[from] toml::ser::Error),
    /// A count too large for this machine's integers.
    #[error(transparent)]
    Size(#[from] std::num::TryFromIntError),
    /// A general-purpose coder of the compression experiment (coding into memory).
    #[error(transparent)]
    Coder(#[from] std::io::Error),
    /// What the world behind `Env` reports (the pipeline's checkpoint cache).
    #[error(transparent)]
    Env(Box<dyn std::error::Error + Send + Sync>),
}

impl ExperimentError {
    /// An error of the data, or of a measurement they cannot give, in words.
    pub fn data(message: impl Display) -> Self {
        ExperimentError::Data(message.to_string())
    }

    /// The error and its causes, outermost first: `what was done: why: ...`.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            text.push_str(": ");
            text.push_str(&error.to_string());
            cause = error.source();
        }
        text
    }
}

/// Says what was being done when an error happened, or why a value is missing.
pub trait Context<T> {
    /// The error, wrapped in `context`.
    fn context(self, context: impl Display) -> Result<T>;
    /// The error, wrapped in the context `f` makes (only when there is an error).
    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<ExperimentError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Display) -> Result<T> {
        self.with_context(|| context)
    }

    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|error| ExperimentError::Context {
            context: f().to_string(),
            source: Box::new(error.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Display) -> Result<T> {
        self.ok_or_else(|| ExperimentError::data(context))
    }

    fn with_context<C: Display>(self, f: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| ExperimentError::data(f()))
    }
}

/// `ensure!(condition, "format", args..)`: returns a [`ExperimentError::Data`] with the
/// message when the condition does not hold.
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        let holds: bool = $condition;
        if !holds {
            return Err($crate::error::ExperimentError::Data(format!($($message)+)).into());
        }
    };
}
pub(crate) use ensure;

/// `ensure_config!(condition, "format", args..)`: returns a [`ExperimentError::Config`] with
/// the message (which names the file, the key and the allowed range) when the condition does
/// not hold.
macro_rules! ensure_config {
    ($condition:expr, $($message:tt)+) => {
        let holds: bool = $condition;
        if !holds {
            return Err($crate::error::ExperimentError::Config(format!($($message)+)).into());
        }
    };
}
pub(crate) use ensure_config;

#[cfg(test)]
mod tests {
    use super::*;

    fn fails() -> Result<()> {
        ensure!(1 + 1 == 3, "arithmetic at {}", "noon");
        Ok(())
    }

    #[test]
    fn context_chains_and_keeps_the_cause() {
        let error = fails().context("checking").unwrap_err();
        assert_eq!(error.to_string(), "checking");
        let cause = std::error::Error::source(&error).unwrap();
        assert_eq!(cause.to_string(), "arithmetic at noon");
        assert_eq!(error.chain(), "checking: arithmetic at noon");
        let missing: Option<u8> = None;
        let error = missing.with_context(|| "no frame \"x\"").unwrap_err();
        assert!(matches!(error, ExperimentError::Data(ref m) if m == "no frame \"x\""));
    }
}
