//! The `[training]` section of a sampling file: how many contrastive updates, how much sampling
//! time each one averages over, and the learning-rate schedule.
//!
//! ```toml
//! [training]
//! iterations = 2000          # updates
//! interval = 100.0           # ms of sampling per update
//! learning_rate = { schedule = "inverse", a = 10.0, b = 100.0 }   # η(k) = a/(b + k) (sbs default)
//! dkl_window = 10000.0       # ms: D_KL of the distribution sampled in windows of this length
//!                            # (rounded to a whole number of intervals, at least one)
//! ```

use serde::Deserialize;

use crate::config::Whole;
use crate::error::ConfigError;

/// Default number of updates.
pub const DEFAULT_ITERATIONS: usize = 2000;
/// Default sampling time per update [ms].
pub const DEFAULT_INTERVAL: f64 = 100.0;
/// Largest learning rate accepted: a parameter moves by at most η per update (probabilities
/// differ by at most 1), so larger rates only make the parameters jump about.
pub const MAX_LEARNING_RATE: f64 = 100.0;
/// Default length of the windows whose sampled distribution's D_KL tracks the training [ms].
pub const DEFAULT_DKL_WINDOW: f64 = 10_000.0;

/// The learning rate η(k) of update k = 0, 1, … (dimensionless: Boltzmann parameters per unit
/// of probability difference).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(tag = "schedule", rename_all = "lowercase", deny_unknown_fields)]
pub enum LearningRate {
    /// η(k) = a / (b + k), the sbs default with a = 10, b = 100.
    Inverse {
        /// Numerator, > 0.
        a: f64,
        /// Offset, > 0.
        b: f64,
    },
    /// η(k) = eta.
    Constant {
        /// The rate, > 0.
        eta: f64,
    },
}

impl Default for LearningRate {
    fn default() -> Self {
        Self::Inverse { a: 10.0, b: 100.0 }
    }
}

impl LearningRate {
    /// η of update `k` (counted from 0).
    pub fn eta(&self, k: usize) -> f64 {
        match *self {
            Self::Inverse { a, b } => a / (b + k as f64),
            Self::Constant { eta } => eta,
        }
    }
}

/// `[training]`, one to one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TrainingSection {
    iterations: Whole<{ u64::MAX }>,
    interval: f64,
    learning_rate: LearningRate,
    dkl_window: f64,
}

impl Default for TrainingSection {
    fn default() -> Self {
        Self {
            iterations: Whole(DEFAULT_ITERATIONS as u64),
            interval: DEFAULT_INTERVAL,
            learning_rate: LearningRate::default(),
            dkl_window: DEFAULT_DKL_WINDOW,
        }
    }
}

/// Validated training settings: `iterations` updates, each after `interval` ms of sampling, the
/// first one `interval` after the burn-in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainingSpec {
    /// Number of updates.
    pub iterations: usize,
    /// Sampling time per update [ms].
    pub interval: f64,
    /// Learning-rate schedule.
    pub learning_rate: LearningRate,
    /// Updates per D_KL window: `dkl_window / interval` rounded to a whole number of intervals,
    /// at least 1 (the last window may be shorter).
    pub updates_per_window: usize,
}

impl TrainingSpec {
    /// Total training time [ms].
    pub fn duration(&self) -> f64 {
        self.iterations as f64 * self.interval
    }

    /// Number of D_KL windows.
    pub fn windows(&self) -> usize {
        self.iterations.div_ceil(self.updates_per_window)
    }
}

impl TrainingSection {
    /// Validate against the sampling file `file`.
    pub(crate) fn validate(self, file: &str) -> Result<TrainingSpec, ConfigError> {
        let err = |field: &str, message: String| {
            ConfigError::new(file, format!("training.{field}"), message)
        };
        let iterations = self.iterations.get();
        if iterations < 1 {
            return Err(err("iterations", format!("must be ≥ 1, got {iterations}")));
        }
        if !(self.interval.is_finite() && self.interval > 0.0) {
            return Err(err(
                "interval",
                format!("must be > 0 ms, got {}", self.interval),
            ));
        }
        let bad = match self.learning_rate {
            LearningRate::Inverse { a, .. } if !(a.is_finite() && a > 0.0) => Some(("a", a)),
            LearningRate::Inverse { b, .. } if !(b.is_finite() && b > 0.0) => Some(("b", b)),
            LearningRate::Constant { eta } if !(eta.is_finite() && eta > 0.0) => Some(("eta", eta)),
            _ => None,
        };
        if let Some((name, value)) = bad {
            return Err(err(
                &format!("learning_rate.{name}"),
                format!("must be > 0, got {value}"),
            ));
        }
        let first = self.learning_rate.eta(0);
        if first > MAX_LEARNING_RATE {
            return Err(err(
                "learning_rate",
                format!(
                    "η(0) = {first:e} exceeds the largest rate accepted, {MAX_LEARNING_RATE:e}"
                ),
            ));
        }
        if !(self.dkl_window.is_finite() && self.dkl_window > 0.0) {
            return Err(err(
                "dkl_window",
                format!("must be > 0 ms, got {}", self.dkl_window),
            ));
        }
        Ok(TrainingSpec {
            iterations,
            interval: self.interval,
            learning_rate: self.learning_rate,
            updates_per_window: ((self.dkl_window / self.interval).round() as usize).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sbs_schedule_is_the_default() {
        let rate = LearningRate::default();
        assert_eq!(rate.eta(0), 0.1);
        assert_eq!(rate.eta(900), 0.01);
        assert_eq!(LearningRate::Constant { eta: 0.2 }.eta(7), 0.2);
    }
}
