//! Chip profiles: the numbers that describe one generation of accelerated analog hardware
//! (`models/chips/*.toml`, every number with its unit and source in a comment). A profile is named
//! by a shipped name (`bss2`, `bss1`) or by the path of a user's copy.

use std::path::Path;

use serde::Deserialize;

use crate::config::deserialize_toml;
use crate::error::ConfigError;

/// Shipped profiles: (name, file text).
const SHIPPED: [(&str, &str); 2] = [
    ("bss2", include_str!("../../models/chips/bss2.toml")),
    ("bss1", include_str!("../../models/chips/bss1.toml")),
];

/// Most synapses (neurons × rows per circuit) an emulated chip may have: each has its own
/// fixed-pattern factor in memory (8 bytes).
const MAX_SYNAPSES: usize = 1 << 26;

/// Names of the shipped profiles.
pub fn shipped_names() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|(name, _)| *name)
}

/// How synaptic input acts on the membrane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SynapseKind {
    /// Current-based (`IF_curr_exp`-like), as BrainScaleS-2.
    Current,
    /// Conductance-based (`IF_cond_exp`-like), as BrainScaleS-1.
    Conductance,
}

/// Where the sign of a weight lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignHandling {
    /// Each synapse row is excitatory or inhibitory: a signed input takes two rows.
    PerRow,
}

/// One value per analog quantity of a neuron circuit (relative, dimensionless).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerQuantity {
    /// Threshold distance above rest, θ = v_thresh − v_rest.
    pub v_thresh: f64,
    /// Membrane time constant.
    pub tau_m: f64,
    /// Synaptic time constants (excitatory and inhibitory, each its own circuit).
    pub tau_syn: f64,
    /// Synaptic input gain (one per receptor: it scales every weight of that sign).
    pub synaptic_gain: f64,
}

impl PerQuantity {
    /// (name, value) of each quantity.
    pub fn entries(&self) -> [(&'static str, f64); 4] {
        [
            ("v_thresh", self.v_thresh),
            ("tau_m", self.tau_m),
            ("tau_syn", self.tau_syn),
            ("synaptic_gain", self.synaptic_gain),
        ]
    }
}

/// Calibratable parameter ranges in hardware time [µs].
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ranges {
    /// Membrane time constant [µs, hardware].
    pub tau_m_us: [f64; 2],
    /// Synaptic time constants [µs, hardware].
    pub tau_syn_us: [f64; 2],
    /// Refractory time [µs, hardware].
    pub tau_refrac_us: [f64; 2],
}

/// Fixed-pattern noise before calibration: relative standard deviations across circuits.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedPattern {
    /// Threshold distance above rest.
    pub v_thresh: f64,
    /// Membrane time constant.
    pub tau_m: f64,
    /// Synaptic time constants.
    pub tau_syn: f64,
    /// Synaptic input gain per receptor.
    pub synaptic_gain: f64,
    /// Every single synapse's weight (not calibrated).
    pub synapse_weight: f64,
}

impl FixedPattern {
    /// The per-circuit part, calibratable.
    pub fn per_circuit(&self) -> PerQuantity {
        PerQuantity {
            v_thresh: self.v_thresh,
            tau_m: self.tau_m,
            tau_syn: self.tau_syn,
            synaptic_gain: self.synaptic_gain,
        }
    }
}

/// How the calibration trims each circuit.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationModel {
    /// Bits of each trim (a CapMem cell).
    pub trim_bits: u32,
    /// Trims span factors from 1/(1 + trim_range) to 1 + trim_range.
    pub trim_range: f64,
    /// Measurements averaged per quantity and circuit.
    pub repeats: usize,
    /// Relative noise of one measurement.
    pub measurement_noise: PerQuantity,
    /// Systematic relative offset the calibration leaves.
    pub offset: PerQuantity,
}

/// Noise that differs between runs.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialNoise {
    /// Relative threshold noise, drawn per neuron and pattern.
    pub v_thresh: f64,
    /// Standard deviation of every spike's time [ns, hardware].
    pub spike_jitter_ns: f64,
    /// Probability that a spike is lost.
    pub spike_loss: f64,
}

/// A chip profile.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipProfile {
    /// Name of the chip.
    pub name: String,
    /// Biological time per hardware time (1000: 1 ms biological runs in 1 µs).
    pub speedup: f64,
    /// Current- or conductance-based synapses.
    pub synapse: SynapseKind,
    /// Neuron circuits per chip.
    pub neurons: usize,
    /// Synapse rows one neuron circuit sees.
    pub rows_per_circuit: usize,
    /// Circuits one neuron may merge for more rows.
    pub max_circuits_per_neuron: usize,
    /// Bits of a weight's magnitude (6: 0..63).
    pub weight_bits: u32,
    /// Where a weight's sign lives.
    pub sign: SignHandling,
    /// Resolution of sent and recorded spike times [ns, hardware].
    pub timestamp_ns: f64,
    /// Systematic delay of every recorded spike [ns, hardware].
    pub readout_latency_ns: f64,
    /// Fixed time before the first pattern of a run [µs, hardware].
    pub run_offset_us: f64,
    /// Average power during a run [W].
    pub power_w: f64,
    /// Calibratable parameter ranges.
    pub ranges: Ranges,
    /// Fixed-pattern noise before calibration.
    pub fixed_pattern: FixedPattern,
    /// The calibration.
    pub calibration: CalibrationModel,
    /// Trial-to-trial noise.
    pub trial: TrialNoise,
}

impl ChipProfile {
    /// The profile `name`: a shipped one (`bss2`, `bss1`) or the TOML file at that path.
    pub fn load(name: &str) -> Result<Self, ConfigError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name) {
            return Self::parse(text, &format!("models/chips/{name}.toml"));
        }
        let path = Path::new(name);
        if !path.exists() {
            let known: Vec<&str> = shipped_names().collect();
            return Err(ConfigError::new(
                name,
                "chip",
                format!(
                    "no such chip profile: neither a shipped name ({}) nor a file",
                    known.join(", ")
                ),
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(name, "file", format!("cannot read: {e}")))?;
        Self::parse(&text, name)
    }

    /// Read and validate a profile's TOML `text`, named `file` in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let profile: Self = deserialize_toml(text, file)?;
        profile.validate(file)?;
        Ok(profile)
    }

    fn validate(&self, file: &str) -> Result<(), ConfigError> {
        let bad = |field: &str, problem: String| Err(ConfigError::new(file, field, problem));
        for (field, value, [low, high]) in [
            ("speedup", self.speedup, [1e-3, 1e9]),
            ("timestamp_ns", self.timestamp_ns, [1e-3, 1e9]),
            ("power_w", self.power_w, [0.0, 1e9]),
            (
                "calibration.trim_range",
                self.calibration.trim_range,
                [1e-3, 1e3],
            ),
        ] {
            if !(value > low && value <= high) {
                return bad(field, format!("must be in ({low}, {high}], got {value}"));
            }
        }
        for (field, value) in [
            ("readout_latency_ns", self.readout_latency_ns),
            ("run_offset_us", self.run_offset_us),
            ("trial.spike_jitter_ns", self.trial.spike_jitter_ns),
            ("trial.v_thresh", self.trial.v_thresh),
            (
                "fixed_pattern.synapse_weight",
                self.fixed_pattern.synapse_weight,
            ),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return bad(field, format!("must be ≥ 0, got {value}"));
            }
        }
        for (field, value, limit) in [
            ("neurons", self.neurons, 1 << 20),
            ("rows_per_circuit", self.rows_per_circuit, 1 << 16),
            (
                "max_circuits_per_neuron",
                self.max_circuits_per_neuron,
                1 << 10,
            ),
            ("calibration.repeats", self.calibration.repeats, 1 << 16),
        ] {
            if !(1..=limit).contains(&value) {
                return bad(field, format!("must be in 1..={limit}, got {value}"));
            }
        }
        if self.neurons * self.rows_per_circuit > MAX_SYNAPSES {
            return bad(
                "rows_per_circuit",
                format!(
                    "neurons × rows_per_circuit = {} synapses, more than the {MAX_SYNAPSES} an \
                     emulated chip may have",
                    self.neurons * self.rows_per_circuit
                ),
            );
        }
        for (field, bits, low) in [
            ("weight_bits", self.weight_bits, 1),
            ("calibration.trim_bits", self.calibration.trim_bits, 2),
        ] {
            if !(low..=16).contains(&bits) {
                return bad(field, format!("must be in {low}..=16, got {bits}"));
            }
        }
        let c = &self.calibration;
        if !(0.0..1.0).contains(&self.trial.spike_loss) {
            return bad(
                "trial.spike_loss",
                format!(
                    "must be a probability in [0, 1), got {}",
                    self.trial.spike_loss
                ),
            );
        }
        for (group, values) in [
            ("fixed_pattern", self.fixed_pattern.per_circuit()),
            ("calibration.measurement_noise", c.measurement_noise),
        ] {
            for (name, value) in values.entries() {
                if !(value.is_finite() && value >= 0.0) {
                    return bad(
                        &format!("{group}.{name}"),
                        format!("must be ≥ 0, got {value}"),
                    );
                }
            }
        }
        for (name, value) in c.offset.entries() {
            if !(value.is_finite() && value > -0.5 && value < 0.5) {
                return bad(
                    &format!("calibration.offset.{name}"),
                    format!("must be in (−0.5, 0.5), got {value}"),
                );
            }
        }
        let r = &self.ranges;
        for (name, [low, high]) in [
            ("tau_m_us", r.tau_m_us),
            ("tau_syn_us", r.tau_syn_us),
            ("tau_refrac_us", r.tau_refrac_us),
        ] {
            if !(low.is_finite() && high.is_finite() && low > 0.0 && high >= low) {
                return bad(
                    &format!("ranges.{name}"),
                    format!("needs 0 < low ≤ high, got [{low}, {high}]"),
                );
            }
        }
        Ok(())
    }

    /// Largest weight magnitude in hardware units (2^bits − 1).
    pub fn max_weight(&self) -> f64 {
        f64::from((1u32 << self.weight_bits) - 1)
    }

    /// The same chip with every imperfection switched off and 16-bit weights: no fixed pattern,
    /// an exact calibration, no trial noise, jitter, spike loss or readout latency, a timestamp
    /// grid of 1e-9 ns (for tests and for separating the mapping's effects from the chip's).
    pub fn perfect(mut self) -> Self {
        let zero = PerQuantity {
            v_thresh: 0.0,
            tau_m: 0.0,
            tau_syn: 0.0,
            synaptic_gain: 0.0,
        };
        self.fixed_pattern = FixedPattern {
            v_thresh: 0.0,
            tau_m: 0.0,
            tau_syn: 0.0,
            synaptic_gain: 0.0,
            synapse_weight: 0.0,
        };
        self.calibration.measurement_noise = zero;
        self.calibration.offset = zero;
        self.trial.v_thresh = 0.0;
        self.trial.spike_jitter_ns = 0.0;
        self.trial.spike_loss = 0.0;
        self.readout_latency_ns = 0.0;
        self.timestamp_ns = 1e-9;
        self.weight_bits = 16;
        self
    }

    /// Biological milliseconds per hardware nanosecond.
    pub fn bio_ms_per_hw_ns(&self) -> f64 {
        self.speedup * 1e-6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_load() {
        let bss2 = ChipProfile::load("bss2").unwrap();
        assert_eq!(
            (bss2.speedup, bss2.neurons, bss2.max_weight()),
            (1000.0, 512, 63.0)
        );
        let bss1 = ChipProfile::load("bss1").unwrap();
        assert_eq!((bss1.speedup, bss1.max_weight()), (1e4, 15.0));
        assert_eq!(bss1.synapse, SynapseKind::Conductance);
    }

    #[test]
    fn bad_profiles_name_the_field() {
        let text = include_str!("../../models/chips/bss2.toml");
        let unknown = text.replace("speedup = 1000.0", "speedup = 1000.0\nspeed_up = 3");
        let e = ChipProfile::parse(&unknown, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml: ") && e.contains("speed_up"), "{e}");
        let negative = text.replace("tau_m_us = [0.5, 60.0]", "tau_m_us = [-0.5, 60.0]");
        let e = ChipProfile::parse(&negative, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ranges.tau_m_us"), "{e}");
        let tiny = text.replace("timestamp_ns = 8.0", "timestamp_ns = 1e-320");
        let e = ChipProfile::parse(&tiny, "x.toml").unwrap_err().to_string();
        assert!(
            e.contains("timestamp_ns: must be in (0.001, 1000000000]"),
            "{e}"
        );
        let one_bit = text.replace("trim_bits = 10", "trim_bits = 1");
        let e = ChipProfile::parse(&one_bit, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("calibration.trim_bits: must be in 2..=16, got 1"),
            "{e}"
        );
        let huge = text.replace("neurons = 512", "neurons = 9223372036854775807");
        let e = ChipProfile::parse(&huge, "x.toml").unwrap_err().to_string();
        assert!(e.contains("neurons: must be in 1..=1048576"), "{e}");
        let wide = text.replace("neurons = 512", "neurons = 1048576");
        let e = ChipProfile::parse(&wide, "x.toml").unwrap_err().to_string();
        assert!(e.contains("more than the 67108864"), "{e}");
        let e = ChipProfile::load("no_such_chip").unwrap_err().to_string();
        assert!(e.contains("bss2, bss1"), "{e}");
    }
}
