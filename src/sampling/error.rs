//! Errors of the sampling jobs, kept typed: each wraps the error of the step that failed.

use super::calibrate::CalibrationError;
use super::translation::TranslationError;
use crate::chip::error::ChipError;
use crate::error::{ConfigError, LowerError, RunError};
use crate::record::RecordError;

/// Why a sampling job (`calibrate`, `sample`, `train`) could not be prepared or run.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SamplingError {
    /// The sampling file (or the network lowered from it) is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The calibration of the sampler's activation failed (no slope found, or the fit failed).
    #[error("{file}: calibration: {cause}")]
    Calibration {
        /// The sampling file.
        file: String,
        /// What failed (in the message already, so not repeated as a source).
        cause: CalibrationError,
    },
    /// The target cannot be translated into sampler parameters.
    #[error("{file}: sampler: {cause}")]
    Translation {
        /// The sampling file.
        file: String,
        /// What failed (in the message already, so not repeated as a source).
        cause: TranslationError,
    },
    /// The networks do not fit the emulated chip of `[chip]` (or its profile is invalid).
    #[error("{file}: {cause}")]
    Chip {
        /// The sampling file.
        file: String,
        /// What does not fit (in the message already, so not repeated as a source).
        cause: ChipError,
    },
    /// The lowered network cannot be built.
    #[error(transparent)]
    Lower(#[from] LowerError),
    /// Recording the results failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl SamplingError {
    /// Whether the error is in the user's input (the sampling file and what it asks for, or the
    /// output path), as opposed to the machine (disk, I/O).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Config(_) | Self::Lower(_) | Self::Translation { .. } | Self::Chip { .. } => true,
            Self::Calibration {
                cause: CalibrationError::Run(e),
                ..
            } => e.is_bad_input(),
            Self::Calibration { .. } => true,
            Self::Record(e) => e.is_bad_input(),
        }
    }
}

impl From<RunError> for SamplingError {
    fn from(error: RunError) -> Self {
        match error {
            RunError::Config(e) => Self::Config(e),
            RunError::Lower(e) => Self::Lower(e),
            RunError::Record(e) => Self::Record(e),
        }
    }
}
