//! One physical chip: the fixed pattern of its neuron circuits and synapses, drawn once from its
//! chip seed, and the calibration that trims each circuit towards its targets.
//!
//! Every analog quantity of a circuit is its target times a factor f. Before calibration
//! f = 1 + σ·N(0, 1) (σ the profile's `fixed_pattern`, floored at 0.05); the calibration measures
//! f with the profile's measurement noise, m = f·(1 + noise·z) (the mean of `repeats`
//! measurements), and sets a trim of (1 + offset)/m (codes 0 to 2^trim_bits − 2 of a DAC, on a
//! logarithmic grid from 1/(1 + trim_range) to 1 + trim_range), so that the calibrated factor is
//! f·trim = (1 + offset)/(1 + noise·z); a circuit whose trim would leave the grid keeps the
//! nearest end and is counted. Circuit c's fixed pattern comes from stream c of the chip seed, so
//! a circuit keeps its pattern whatever network is mapped onto it.

use rand_distr::{Distribution, StandardNormal};

use super::profile::ChipProfile;
use crate::rng::chip_stream;

/// The analog quantities of a neuron circuit, in the order of a [`Factors`] array.
pub const QUANTITIES: [&str; 6] = [
    "v_thresh",
    "tau_m",
    "tau_syn_E",
    "tau_syn_I",
    "synaptic_gain_E",
    "synaptic_gain_I",
];

/// Index of the threshold (distance above rest) in [`Factors`].
pub const V_THRESH: usize = 0;
/// Index of the membrane time constant.
pub const TAU_M: usize = 1;
/// Index of the excitatory synaptic time constant (the inhibitory one follows).
pub const TAU_SYN_E: usize = 2;
/// Index of the excitatory synaptic gain (the inhibitory one follows).
pub const GAIN_E: usize = 4;

/// Factors of a circuit's quantities relative to their targets (dimensionless), in
/// [`QUANTITIES`] order.
pub type Factors = [f64; 6];

/// The profile's value for quantity `q` of a per-quantity table.
fn of(values: &super::profile::PerQuantity, q: usize) -> f64 {
    match q {
        V_THRESH => values.v_thresh,
        TAU_M => values.tau_m,
        2 | 3 => values.tau_syn,
        _ => values.synaptic_gain,
    }
}

/// Smallest factor the fixed pattern gives (a circuit never loses its sign).
const MIN_FACTOR: f64 = 0.05;

/// A chip: its profile and its fixed pattern.
#[derive(Clone, Debug)]
pub struct ChipInstance {
    profile: ChipProfile,
    seed: u64,
    circuits: Vec<Factors>,
    /// Per circuit, each row's weight factor (rows_per_circuit each).
    synapses: Vec<f64>,
}

impl ChipInstance {
    /// The chip of `profile` with chip seed `seed`.
    pub fn new(profile: &ChipProfile, seed: u64) -> Self {
        let sd = profile.fixed_pattern.per_circuit();
        let rows = profile.rows_per_circuit;
        let sd_w = profile.fixed_pattern.synapse_weight;
        let mut circuits = Vec::with_capacity(profile.neurons);
        let mut synapses = Vec::with_capacity(profile.neurons * rows);
        for c in 0..profile.neurons as u64 {
            let mut rng = chip_stream(seed, "fixed-pattern", c);
            let mut factors = [1.0; 6];
            for (q, f) in factors.iter_mut().enumerate() {
                let z: f64 = StandardNormal.sample(&mut rng);
                *f = (1.0 + of(&sd, q) * z).max(MIN_FACTOR);
            }
            circuits.push(factors);
            let mut rng = chip_stream(seed, "synapses", c);
            synapses.extend((0..rows).map(|_| {
                let z: f64 = StandardNormal.sample(&mut rng);
                (1.0 + sd_w * z).max(0.0)
            }));
        }
        Self {
            profile: profile.clone(),
            seed,
            circuits,
            synapses,
        }
    }

    /// The profile.
    pub fn profile(&self) -> &ChipProfile {
        &self.profile
    }

    /// The chip seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Uncalibrated factors of circuit `c`.
    pub fn circuit(&self, c: usize) -> &Factors {
        &self.circuits[c]
    }

    /// Weight factor of row `row` of circuit `c`.
    pub fn synapse(&self, c: usize, row: usize) -> f64 {
        self.synapses[c * self.profile.rows_per_circuit + row]
    }

    /// Calibrate `circuits`: measure each one's factors and set its trims.
    pub fn calibrate(&self, circuits: &[usize]) -> Trims {
        let model = &self.profile.calibration;
        // The top code is reserved (a CapMem cell's 1023 means off), which leaves an odd number
        // of codes, so that the middle one is exactly 1.
        let levels = (1u64 << model.trim_bits) - 2;
        let log_span = (1.0 + model.trim_range).ln();
        let mut trims = Trims::none(self.profile.neurons);
        for &c in circuits {
            let mut rng = chip_stream(self.seed, "calibration", c as u64);
            for q in 0..QUANTITIES.len() {
                let noise = of(&model.measurement_noise, q);
                let measured: f64 = (0..model.repeats)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        self.circuits[c][q] * (1.0 + noise * z)
                    })
                    .sum::<f64>()
                    / model.repeats as f64;
                let wanted = (1.0 + of(&model.offset, q)) / measured.max(MIN_FACTOR);
                // Position on the grid: 0 ↔ 1/(1 + range), levels ↔ 1 + range.
                let x = (wanted.ln() / log_span + 1.0) / 2.0 * levels as f64;
                let step = x.round().clamp(0.0, levels as f64);
                if x < -0.5 || x > levels as f64 + 0.5 {
                    trims.out_of_range[q] += 1;
                }
                trims.factors[c][q] = ((2.0 * step / levels as f64 - 1.0) * log_span).exp();
            }
        }
        trims
    }

    /// The trims of `circuits`: calibrated if `calibrate`, otherwise all 1.
    pub fn trims(&self, circuits: &[usize], calibrate: bool) -> Trims {
        if calibrate {
            self.calibrate(circuits)
        } else {
            Trims::none(self.profile.neurons)
        }
    }

    /// Factors of circuit `c` with `trims` applied.
    pub fn trimmed(&self, c: usize, trims: &Trims) -> Factors {
        std::array::from_fn(|q| self.circuits[c][q] * trims.factors[c][q])
    }
}

/// The calibration's trims: one factor per circuit and quantity (1 = untrimmed).
#[derive(Clone, Debug, PartialEq)]
pub struct Trims {
    /// Per circuit, a trim factor per quantity.
    pub factors: Vec<Factors>,
    /// Per quantity, circuits whose trim hit the end of the DAC range.
    pub out_of_range: [usize; 6],
}

impl Trims {
    /// No calibration: every trim 1.
    pub fn none(circuits: usize) -> Self {
        Self {
            factors: vec![[1.0; 6]; circuits],
            out_of_range: [0; 6],
        }
    }
}

/// Mean and standard deviation of each circuit quantity's factor over the used circuits, before
/// and after calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationSummary {
    /// Whether the circuits were calibrated.
    pub calibrated: bool,
    /// (mean, sd) per quantity without trims.
    pub before: [(f64, f64); 6],
    /// (mean, sd) per quantity as run (equal to `before` when not calibrated).
    pub after: [(f64, f64); 6],
    /// Per quantity, circuits whose trim hit the end of its range.
    pub out_of_range: [usize; 6],
}

impl CalibrationSummary {
    /// The spread of `circuits` of `chip` before and after `trims` (made if `calibrated`).
    pub fn new(chip: &ChipInstance, trims: &Trims, circuits: &[usize], calibrated: bool) -> Self {
        let untrimmed = Trims::none(chip.profile.neurons);
        Self {
            calibrated,
            before: spread(chip, &untrimmed, circuits),
            after: spread(chip, trims, circuits),
            out_of_range: trims.out_of_range,
        }
    }
}

impl std::fmt::Display for CalibrationSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = if self.calibrated {
            "calibrated"
        } else {
            "uncalibrated"
        };
        write!(f, "{head} circuits, sd (mean − 1) of each factor:")?;
        for (q, name) in QUANTITIES.iter().enumerate() {
            let ((m0, s0), (m1, s1)) = (self.before[q], self.after[q]);
            if self.calibrated {
                write!(
                    f,
                    " {name} {:.1} % ({:+.1} %) → {:.1} % ({:+.1} %);",
                    100.0 * s0,
                    100.0 * (m0 - 1.0),
                    100.0 * s1,
                    100.0 * (m1 - 1.0)
                )?;
            } else {
                write!(
                    f,
                    " {name} {:.1} % ({:+.1} %);",
                    100.0 * s0,
                    100.0 * (m0 - 1.0)
                )?;
            }
        }
        let lost: usize = self.out_of_range.iter().sum();
        if lost > 0 {
            write!(f, " {lost} trims at the end of their range")?;
        }
        Ok(())
    }
}

/// Mean and standard deviation of each quantity's factor over `circuits`, with `trims`.
pub fn spread(chip: &ChipInstance, trims: &Trims, circuits: &[usize]) -> [(f64, f64); 6] {
    let n = circuits.len().max(1) as f64;
    std::array::from_fn(|q| {
        let values: Vec<f64> = circuits
            .iter()
            .map(|&c| chip.trimmed(c, trims)[q])
            .collect();
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        (mean, var.sqrt())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed pattern has the profile's spread, the calibration leaves its documented
    /// residual (measurement noise and offset), and the pattern belongs to the chip seed.
    #[test]
    fn calibration_leaves_the_documented_residual() {
        let profile = ChipProfile::load("bss2").unwrap();
        let chip = ChipInstance::new(&profile, 7);
        let all: Vec<usize> = (0..profile.neurons).collect();
        let before = spread(&chip, &Trims::none(profile.neurons), &all);
        let trims = chip.calibrate(&all);
        // 512 circuits: the sample sd is within ~3·sd/sqrt(2·511) ≈ 10 % of the true one.
        let sd = profile.fixed_pattern.per_circuit();
        let noise = profile.calibration.measurement_noise;
        let offset = profile.calibration.offset;
        for (q, &(mean0, sd0)) in before.iter().enumerate() {
            let want0 = of(&sd, q);
            assert!(
                (sd0 / want0 - 1.0).abs() < 0.12,
                "{q}: before {sd0} vs {want0}"
            );
            assert!(
                (mean0 - 1.0).abs() < 3.0 * want0 / 22.0,
                "{q}: mean {mean0}"
            );
            // After: factor × trim = (1 + offset)/(1 + noise·z): sd ≈ noise, mean ≈ 1 + offset,
            // except for the circuits too far off for the trim's range (counted).
            let want1 = of(&noise, q);
            let target = 1.0 + of(&offset, q);
            let (kept, far): (Vec<usize>, Vec<usize>) = all
                .iter()
                .partition(|&&c| (chip.trimmed(c, &trims)[q] - target).abs() < 8.0 * want1);
            assert!(far.len() <= trims.out_of_range[q], "{q}: {far:?}");
            assert!(trims.out_of_range[q] <= 3, "{q}: {:?}", trims.out_of_range);
            let (mean1, sd1) = spread(&chip, &trims, &kept)[q];
            assert!(
                (sd1 / want1 - 1.0).abs() < 0.15,
                "{q}: after {sd1} vs {want1}"
            );
            assert!(
                (mean1 - 1.0 - of(&offset, q)).abs() < 3.0 * want1 / 22.0 + 1e-3,
                "{q}: mean after {mean1}"
            );
        }
        let same = ChipInstance::new(&profile, 7);
        assert_eq!(same.circuit(3), chip.circuit(3));
        assert_eq!(same.calibrate(&all), trims);
        let other = ChipInstance::new(&profile, 8);
        assert_ne!(other.circuit(3), chip.circuit(3));
        assert_ne!(other.synapse(3, 5), chip.synapse(3, 5));
    }
}
