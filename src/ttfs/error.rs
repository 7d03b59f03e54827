//! Errors of the TTFS jobs, each one line naming the file and the field.

use crate::error::ConfigError;
use crate::record::RecordError;

use super::data::DataError;

/// Why a TTFS job cannot run or finish.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TtfsError {
    /// The `[ttfs]` description is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A data file is missing or malformed, or does not fit the network.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A data set does not fit the network described (e.g. a feature count).
    #[error("{path}: {problem}")]
    Mismatch {
        /// The data file (or set) concerned.
        path: String,
        /// What does not fit.
        problem: String,
    },
    /// A model file that is not a TTFS model of this version, or lacks a part.
    #[error("{path}: {field}: {problem}")]
    Model {
        /// The model file.
        path: String,
        /// The group, dataset or attribute concerned.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The network does not fit an emulated chip, or its chip settings are invalid.
    #[error(transparent)]
    Chip(#[from] crate::chip::error::ChipError),
    /// Writing or reading a file failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl TtfsError {
    /// Whether the input (description, data or model file, output path) is at fault, as opposed
    /// to the machine (a full disk, an I/O failure).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Config(_)
            | Self::Data(_)
            | Self::Mismatch { .. }
            | Self::Model { .. }
            | Self::Chip(_) => true,
            Self::Record(e) => e.is_bad_input(),
        }
    }
}
