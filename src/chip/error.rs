//! Errors of chip emulation, each one line naming the chip, the part and the limit.

use crate::error::ConfigError;

impl ChipError {
    /// The error as a bad-input error of the description `file` (the part named as its field).
    pub fn in_file(self, file: &str) -> ConfigError {
        match self {
            Self::Config(e) => e,
            Self::DoesNotFit { chip, at, problem } => {
                ConfigError::new(file, at, format!("{problem} (on {chip})"))
            }
        }
    }
}

/// Why a network cannot run on an emulated chip.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    /// The profile or the chip settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A part of the network does not fit the chip (too many neurons, too much fan-in, a
    /// parameter outside the calibratable range, a model the chip does not have).
    #[error("{chip}: {at}: {problem}")]
    DoesNotFit {
        /// The chip's name.
        chip: String,
        /// The part of the network (e.g. `ttfs.layer[1].neuron.tau_m`).
        at: String,
        /// What does not fit, with the limit.
        problem: String,
    },
}
