//! What a user chooses when running a network on an emulated chip: the profile, which physical
//! chip (the chip seed), how the network's time and weights are scaled onto it, whether it is
//! calibrated, and the length of a pattern's slot. Filled from a `[ttfs.chip]` table, a sampling
//! file's `[chip]` table or command-line flags.

use std::path::Path;

use serde::Deserialize;

use super::profile::{shipped_names, ChipProfile};
use super::sampling::SamplingChipSettings;
use crate::error::ConfigError;

/// Settings of an emulated chip run.
#[derive(Clone, Debug, PartialEq)]
pub struct ChipSettings {
    /// The profile as the user named it (a shipped name or a path).
    pub profile_name: String,
    /// The profile.
    pub profile: ChipProfile,
    /// Which physical chip: its fixed pattern and calibration derive from this seed.
    pub chip_seed: u64,
    /// Biological milliseconds per millisecond of the network (the network's time constants
    /// and spike times are stretched by this factor on the chip; dimensionless).
    pub time_scale: f64,
    /// Hardware weight units (LSB) per nA (first-spike networks) or per unit of Boltzmann weight
    /// (sampling); `None`: the network's largest |weight| maps to the profile's largest weight
    /// (1 LSB per unit if every weight is 0).
    pub weight_scale: Option<f64>,
    /// Whether the used circuits are calibrated before the run.
    pub calibrate: bool,
    /// Length of one pattern's slot, in units of the output layer's tau_syn: spikes later than
    /// that are not seen (the hardware attributes them to the next pattern).
    pub slot: f64,
}

impl ChipSettings {
    /// The table these settings were made from (the profile as the user named it).
    pub fn section(&self) -> ChipSection {
        ChipSection {
            profile: self.profile_name.clone(),
            chip_seed: self.chip_seed,
            time_scale: self.time_scale,
            weight_scale: self.weight_scale,
            calibrate: self.calibrate,
            slot: self.slot,
        }
    }
}

/// The `[ttfs.chip]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipSection {
    /// Profile: a shipped name or a path (relative to the description).
    pub profile: String,
    /// Chip seed.
    #[serde(default)]
    pub chip_seed: u64,
    /// Biological ms per network ms.
    #[serde(default = "one")]
    pub time_scale: f64,
    /// LSB per nA (absent: automatic).
    #[serde(default)]
    pub weight_scale: Option<f64>,
    /// Calibrate the circuits first.
    #[serde(default = "yes")]
    pub calibrate: bool,
    /// Slot length [output tau_syn].
    #[serde(default = "eight")]
    pub slot: f64,
}

/// The `[chip]` table of a sampling file: the settings that apply to sampling (the network's
/// times are biological; there are no pattern slots).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingChipSection {
    /// Profile: a shipped name or a path (relative to the sampling file).
    pub profile: String,
    /// Chip seed.
    #[serde(default)]
    pub chip_seed: u64,
    /// LSB per unit of Boltzmann weight of the couplings (absent: automatic, per network).
    #[serde(default)]
    pub weight_scale: Option<f64>,
    /// LSB per unit of bias of the bias rows (absent: automatic, per network).
    #[serde(default)]
    pub bias_scale: Option<f64>,
    /// Calibrate the circuits first.
    #[serde(default = "yes")]
    pub calibrate: bool,
}

impl SamplingChipSection {
    /// Validate, loading the profile (a path relative to `base` unless it is a shipped name);
    /// errors name `file` and the `[chip]` table.
    pub fn settings(self, file: &str, base: &Path) -> Result<SamplingChipSettings, ConfigError> {
        let section = ChipSection {
            chip_seed: self.chip_seed,
            weight_scale: self.weight_scale,
            calibrate: self.calibrate,
            ..ChipSection::new(&self.profile)
        };
        let chip = section.settings(file, "chip", base)?;
        SamplingChipSettings::new(chip, self.bias_scale, file, "chip.bias_scale")
    }
}

fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn eight() -> f64 {
    8.0
}

impl ChipSection {
    /// Defaults for `profile`.
    pub fn new(profile: &str) -> Self {
        Self {
            profile: profile.into(),
            chip_seed: 0,
            time_scale: 1.0,
            weight_scale: None,
            calibrate: true,
            slot: 8.0,
        }
    }

    /// Validate, loading the profile (a path relative to `base` unless it is a shipped name);
    /// errors name `file` and the table `at` (empty: command-line flags, named `--time-scale`).
    pub fn settings(self, file: &str, at: &str, base: &Path) -> Result<ChipSettings, ConfigError> {
        let err = |field: &str, problem: String| {
            let at = if at.is_empty() {
                format!("--{}", field.replace('_', "-"))
            } else {
                format!("{at}.{field}")
            };
            ConfigError::new(file, at, problem)
        };
        for (field, value) in [("time_scale", self.time_scale), ("slot", self.slot)]
            .into_iter()
            .chain(self.weight_scale.map(|w| ("weight_scale", w)))
        {
            if !(value.is_finite() && value > 0.0) {
                return Err(err(field, format!("must be > 0, got {value}")));
            }
        }
        let name = if shipped_names().any(|n| n == self.profile) {
            self.profile.clone()
        } else {
            base.join(&self.profile).display().to_string()
        };
        let profile = ChipProfile::load(&name)?;
        Ok(ChipSettings {
            profile_name: self.profile,
            profile,
            chip_seed: self.chip_seed,
            time_scale: self.time_scale,
            weight_scale: self.weight_scale,
            calibrate: self.calibrate,
            slot: self.slot,
        })
    }
}
