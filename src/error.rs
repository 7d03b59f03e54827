//! Typed errors of the library, one enum per phase.

use crate::record::RecordError;

/// A problem with an experiment description, found while parsing or validating it.
/// Displays as one line: `FILE: FIELD: PROBLEM`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct ConfigError {
    /// Name of the experiment file (or the label given for an in-memory text).
    pub file: String,
    /// Path of the offending field, e.g. `population[0].params.tau_m`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    /// Build an error for `field` of `file`.
    pub fn new(file: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Anything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The experiment is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Writing the recording failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}
