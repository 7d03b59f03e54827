//! Hardware time of an emulated run: how long the experiment takes on the chip, per pattern and
//! in total, the throughput, and an energy estimate from the profile's power, beside the
//! simulation's own wall time.

use std::fmt;

use super::ttfs_map::hardware_us;
use super::ttfs_map::TtfsMapping;
use crate::ttfs::network::Network;
use crate::ttfs::train::output_tau;

/// Hardware time of a run of patterns, each in its own slot.
#[derive(Clone, Debug, PartialEq)]
pub struct HardwareTime {
    /// Patterns run.
    pub patterns: usize,
    /// Biological time per pattern [ms].
    pub slot_bio_ms: f64,
    /// Hardware time per pattern [µs].
    pub slot_us: f64,
    /// Hardware time of the whole run, the profile's run offset included [µs].
    pub run_us: f64,
    /// Patterns per second of hardware time.
    pub per_second: f64,
    /// Energy per pattern [µJ].
    pub energy_per_pattern_uj: f64,
    /// Energy of the run [mJ].
    pub energy_mj: f64,
    /// The simulation's own wall time [s].
    pub wall_seconds: f64,
}

impl HardwareTime {
    /// `patterns` first-spike patterns of `network` on `mapping`'s chip, simulated in
    /// `wall_seconds`.
    pub fn ttfs(
        mapping: &TtfsMapping,
        network: &Network,
        patterns: usize,
        wall_seconds: f64,
    ) -> Self {
        let settings = &mapping.settings;
        let profile = &settings.profile;
        let slot_bio_ms = settings.slot * output_tau(network) * settings.time_scale;
        let slot_us = hardware_us(profile, slot_bio_ms);
        let run_us = profile.run_offset_us + patterns as f64 * slot_us;
        Self {
            patterns,
            slot_bio_ms,
            slot_us,
            run_us,
            per_second: 1e6 / slot_us,
            energy_per_pattern_uj: profile.power_w * slot_us,
            energy_mj: profile.power_w * run_us * 1e-3,
            wall_seconds,
        }
    }
}

impl fmt::Display for HardwareTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hardware time: {:.1} µs per pattern ({:.1} ms biological; {:.0} patterns/s), \
             {} patterns in {:.3} ms; energy {:.2} µJ per pattern, {:.3} mJ in all; simulated \
             in {:.2} s",
            self.slot_us,
            self.slot_bio_ms,
            self.per_second,
            self.patterns,
            self.run_us * 1e-3,
            self.energy_per_pattern_uj,
            self.energy_mj,
            self.wall_seconds
        )
    }
}
