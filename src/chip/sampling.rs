//! Spike-based sampling on an emulated conductance-based chip, as Kungl et al. (2019) ran it on
//! BrainScaleS-1:
//!
//! - sampler `k·n + i` (unit i of network k) is neuron circuit `k·n + i`; its analog parameters
//!   carry that circuit's fixed pattern (trimmed when calibrated) and, per run, a threshold noise:
//!   tau_m, tau_syn_E and tau_syn_I scale by their factors, the threshold's distance above the
//!   sampler's leak potential by its factor (the reset keeps its distance below the threshold),
//!   and each receptor's synaptic gain scales every input of that receptor;
//! - the analog leak potential is the unbiased one (b = 0) and is written once; the biases are
//!   digital, like the weights: synapses from an always-on **bias neuron** (a regular source
//!   firing once per tau_refrac, the pattern of a sampler that is always on), so bias b_i acts
//!   as a weight from a unit with z = 1;
//! - weights and bias weights are `weight_bits`-bit magnitudes on excitatory or inhibitory rows,
//!   rounded from full-precision shadow weights: level = round(|w|·scale) ≤ 2^bits − 1, with a
//!   scale in LSB per unit of Boltzmann weight per network for the couplings (by default the
//!   target's largest |W| maps to the largest level) and one for the bias rows (by default
//!   [`BIAS_HEADROOM`] × the largest |W| or |b|); a level's conductance onto sampler j is its
//!   Boltzmann weight times j's translated conductance per unit weight, times j's gain and the
//!   row's factor;
//! - every spike reaching a synapse (coupling, bias or background) is lost with the profile's
//!   spike-loss probability (`p_transmit`, see [`crate::network::transmission`]).
//!
//! Synapse rows of sampler j: unit i's excitatory and inhibitory rows are 2i and 2i + 1, the bias
//! rows 2n and 2n + 1, the background's 2n + 2 and 2n + 3.

use std::fmt;

use rand_distr::{Distribution, StandardNormal};

use super::error::ChipError;
use super::instance::{
    CalibrationSummary, ChipInstance, Factors, GAIN_E, TAU_M, TAU_SYN_E, V_THRESH,
};
use super::profile::{ChipProfile, SynapseKind};
use super::settings::ChipSettings;
use super::ttfs_map::hardware_us;
use crate::error::ConfigError;
use crate::neuron::{CondExpParams, Receptor};
use crate::rng::chip_stream;
use crate::sampling::boltzmann::Boltzmann;

/// Which digital parameter of a sampling network: the couplings W or the bias weights b (each
/// with its own scale: on BrainScaleS-1 every synapse driver has its own analog g_max).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digital {
    /// The couplings between units.
    Weight = 0,
    /// The weights from the bias neuron.
    Bias = 1,
}

/// Where a digital input of a sampler comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Unit `pre` of the same network (a coupling W).
    Unit(usize),
    /// The bias neuron (a bias b).
    Bias,
}

/// Default range of the bias rows relative to the target's largest |W| or |b|: the bias
/// weights also carry what in-the-loop training adds to compensate the chip's fixed pattern
/// (a threshold or a synaptic gain off by a few per cent moves a sampler's activation by tenths
/// of a unit of bias).
pub const BIAS_HEADROOM: f64 = 3.0;

/// The settings of a sampling run on an emulated chip.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingChipSettings {
    /// The chip and how the couplings are scaled onto it (`weight_scale`: LSB per unit of
    /// Boltzmann weight; by default the target's largest |W| maps to the largest level).
    pub chip: ChipSettings,
    /// LSB per unit of bias on the bias rows; by default [`BIAS_HEADROOM`] times the target's
    /// largest |W| or |b| maps to the largest level.
    pub bias_scale: Option<f64>,
}

impl SamplingChipSettings {
    /// `chip` with bias scale `bias_scale`, which must be > 0 if given; an error names `file`
    /// and `field`.
    pub fn new(
        chip: ChipSettings,
        bias_scale: Option<f64>,
        file: &str,
        field: &str,
    ) -> Result<Self, ConfigError> {
        if let Some(scale) = bias_scale.filter(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(ConfigError::new(
                file,
                field,
                format!("must be > 0, got {scale}"),
            ));
        }
        Ok(Self { chip, bias_scale })
    }
}

/// The largest magnitude of `values` (0 if none).
fn largest<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    values.fold(0.0f64, |m, w| m.max(w.abs()))
}

/// An error unless the neuron time constants `taus` [ms] (tau_m, tau_syn_E, tau_syn_I,
/// tau_refrac, biological) lie in `profile`'s calibratable ranges; it names `at.{name}`.
pub fn check_time_constants(
    profile: &ChipProfile,
    taus: [f64; 4],
    at: &str,
) -> Result<(), ChipError> {
    let r = &profile.ranges;
    let ranges = [r.tau_m_us, r.tau_syn_us, r.tau_syn_us, r.tau_refrac_us];
    let names = ["tau_m", "tau_syn_E", "tau_syn_I", "tau_refrac"];
    for ((tau, [low, high]), name) in taus.into_iter().zip(ranges).zip(names) {
        let hw = hardware_us(profile, tau);
        if !(low * (1.0 - 1e-12)..=high * (1.0 + 1e-12)).contains(&hw) {
            return Err(ChipError::DoesNotFit {
                chip: profile.name.clone(),
                at: format!("{at}.{name}"),
                problem: format!(
                    "{tau} ms is {hw} µs on the chip, outside the calibratable range {low}–{high} µs"
                ),
            });
        }
    }
    Ok(())
}

/// Synapse rows each sampler's circuit needs for `n` units: two per unit (its own unused), two
/// for the bias neuron and two for the background.
pub fn rows_needed(n: usize) -> usize {
    2 * n + 4
}

/// A sampling job's networks placed on an emulated chip: each sampler's circuit factors as run,
/// its synapse rows' factors, and each network's weight scale.
#[derive(Clone, Debug)]
pub struct SamplingChip {
    settings: ChipSettings,
    /// Units per network.
    n: usize,
    /// Per sampler: its circuit's factors (trimmed when calibrated) with this run's threshold
    /// noise.
    factors: Vec<Factors>,
    /// Per sampler: its [`rows_needed`] rows' weight factors.
    rows: Vec<Vec<f64>>,
    /// Per network: LSB per unit of Boltzmann weight, of the couplings and of the bias rows.
    scales: Vec<[f64; 2]>,
    calibration: CalibrationSummary,
    run_seed: u64,
}

impl SamplingChip {
    /// Place `targets.len()` networks of `targets[0].n()` units with sampler parameters `sampler`
    /// on the chip of `settings`, or say what does not fit. `run_seed` draws this run's threshold
    /// noise.
    pub fn new(
        targets: &[&Boltzmann],
        sampler: &CondExpParams,
        settings: &SamplingChipSettings,
        run_seed: u64,
    ) -> Result<Self, ChipError> {
        let SamplingChipSettings {
            chip: settings,
            bias_scale,
        } = settings;
        let profile = &settings.profile;
        let fail = |at: &str, problem: String| ChipError::DoesNotFit {
            chip: profile.name.clone(),
            at: at.into(),
            problem,
        };
        if profile.synapse != SynapseKind::Conductance {
            return Err(fail(
                "sampler",
                "spike-based sampling needs conductance-based synapses (IF_cond_exp); this \
                 chip's are current-based"
                    .into(),
            ));
        }
        let taus = [
            sampler.tau_m,
            sampler.tau_syn_E,
            sampler.tau_syn_I,
            sampler.tau_refrac,
        ];
        check_time_constants(profile, taus, "sampler.params")?;
        let n = targets.first().map_or(0, |t| t.n());
        let rows = rows_needed(n);
        if rows > profile.rows_per_circuit {
            return Err(fail(
                "boltzmann",
                format!(
                    "{n} units need {rows} synapse rows per sampler (2 per unit, bias and \
                     background), the limit is {}",
                    profile.rows_per_circuit
                ),
            ));
        }
        let samplers = targets.len() * n;
        if samplers > profile.neurons {
            return Err(fail(
                "sampling.networks",
                format!(
                    "{} networks × {n} units need {samplers} neuron circuits, the chip has {}",
                    targets.len(),
                    profile.neurons
                ),
            ));
        }
        let chip = ChipInstance::new(profile, settings.chip_seed);
        let circuits: Vec<usize> = (0..samplers).collect();
        let trims = chip.trims(&circuits, settings.calibrate);
        let trial = profile.trial.v_thresh;
        let factors = circuits
            .iter()
            .map(|&c| {
                let mut f = chip.trimmed(c, &trims);
                let z: f64 =
                    StandardNormal.sample(&mut chip_stream(run_seed, "sampling", c as u64));
                f[V_THRESH] *= (1.0 + trial * z).max(0.05);
                f
            })
            .collect();
        let rows = circuits
            .iter()
            .map(|&c| (0..rows).map(|r| chip.synapse(c, r)).collect())
            .collect();
        let top = profile.max_weight();
        let scale = |largest: f64| if largest > 0.0 { top / largest } else { 1.0 };
        let scales = targets
            .iter()
            .map(|t| {
                let w = largest(t.weights().iter().flatten());
                let b = largest(t.biases().iter());
                [
                    settings.weight_scale.unwrap_or_else(|| scale(w)),
                    bias_scale.unwrap_or_else(|| scale(BIAS_HEADROOM * b.max(w))),
                ]
            })
            .collect();
        Ok(Self {
            calibration: CalibrationSummary::new(&chip, &trims, &circuits, settings.calibrate),
            settings: settings.clone(),
            n,
            factors,
            rows,
            scales,
            run_seed,
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &ChipSettings {
        &self.settings
    }

    /// Units per network.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The seed of this run's threshold noise.
    pub fn run_seed(&self) -> u64 {
        self.run_seed
    }

    /// The spread of the samplers' circuit factors before and after calibration.
    pub fn calibration(&self) -> &CalibrationSummary {
        &self.calibration
    }

    /// Each sampler's circuit factors as run (calibrated if so, with this run's threshold noise),
    /// in [`super::instance::QUANTITIES`] order.
    pub fn factors(&self) -> &[Factors] {
        &self.factors
    }

    /// LSB per unit of Boltzmann weight of network `network`'s `digital` parameters.
    pub fn scale(&self, network: usize, digital: Digital) -> f64 {
        self.scales[network][digital as usize]
    }

    /// Weight or bias `w` of network `network` as the chip realises it: its level rounded and
    /// clamped to the largest, back in Boltzmann units.
    pub fn quantise(&self, network: usize, digital: Digital, w: f64) -> f64 {
        let (scale, max) = (
            self.scale(network, digital),
            self.settings.profile.max_weight(),
        );
        (w * scale).round().clamp(-max, max) / scale
    }

    /// Largest |weight| or |bias| network `network` can realise.
    pub fn max_value(&self, network: usize, digital: Digital) -> f64 {
        self.settings.profile.max_weight() / self.scale(network, digital)
    }

    /// The receptor and conductance [µS] that realise weight or bias (`digital`) `w` of network
    /// `network` onto sampler `post` (global index), whose translated conductance per unit
    /// weight is `factor` (excitatory, inhibitory), from unit `pre` (a weight) or the bias
    /// neuron.
    pub fn conductance(
        &self,
        network: usize,
        post: usize,
        digital: Input,
        w: f64,
        factor: [f64; 2],
    ) -> (Receptor, f64) {
        let (digital, rows) = match digital {
            Input::Unit(pre) => (Digital::Weight, [2 * pre, 2 * pre + 1]),
            Input::Bias => (Digital::Bias, [2 * self.n, 2 * self.n + 1]),
        };
        let q = self.quantise(network, digital, w);
        let receptor = if q >= 0.0 {
            Receptor::Excitatory
        } else {
            Receptor::Inhibitory
        };
        let r = receptor as usize;
        let g = q.abs() * factor[r] * self.input_factor(post, rows[r], receptor);
        (receptor, g)
    }

    /// What the chip does to a synaptic weight onto sampler `post` (global index) arriving on
    /// synapse row `row` at `receptor`: the circuit's gain times the row's factor.
    pub fn input_factor(&self, post: usize, row: usize, receptor: Receptor) -> f64 {
        self.factors[post][GAIN_E + receptor as usize] * self.rows[post][row]
    }

    /// Row of the background's synapses at `receptor`.
    pub fn background_row(&self, receptor: Receptor) -> usize {
        2 * self.n + 2 + receptor as usize
    }

    /// The parameters of sampler `sampler` (global index) with leak potential `v_leak` [mV], from
    /// the sampler parameters `base`, as its circuit realises them.
    pub fn neuron(&self, sampler: usize, base: &CondExpParams, v_leak: f64) -> CondExpParams {
        let f = &self.factors[sampler];
        let v_thresh = v_leak + f[V_THRESH] * (base.v_thresh - v_leak);
        CondExpParams {
            v_rest: v_leak,
            v_thresh,
            v_reset: v_thresh - (base.v_thresh - base.v_reset),
            tau_m: base.tau_m * f[TAU_M],
            tau_syn_E: base.tau_syn_E * f[TAU_SYN_E],
            tau_syn_I: base.tau_syn_I * f[TAU_SYN_E + 1],
            ..base.clone()
        }
    }

    /// Probability that a spike reaches a synapse (1 − the profile's spike loss).
    pub fn p_transmit(&self) -> f64 {
        1.0 - self.settings.profile.trial.spike_loss
    }

    /// What the mapping uses and loses for `targets` (one per network), run for `bio_ms` of
    /// biological time in `wall_seconds`.
    pub fn report(&self, targets: &[&Boltzmann], bio_ms: f64, wall_seconds: f64) -> ChipReport {
        let profile = &self.settings.profile;
        let mut saturated = 0;
        let mut max_error = 0.0f64;
        for (k, target) in targets.iter().enumerate() {
            let weights = target.weights();
            let off_diagonal = (weights.iter().enumerate())
                .flat_map(|(i, row)| row.iter().enumerate().filter(move |(j, _)| *j != i))
                .map(|(_, &w)| w);
            let values = (off_diagonal.map(|w| (Digital::Weight, w)))
                .chain(target.biases().iter().map(|&b| (Digital::Bias, b)));
            for (digital, w) in values {
                if w.abs() > self.max_value(k, digital) {
                    saturated += 1;
                } else {
                    max_error = max_error.max((w - self.quantise(k, digital, w)).abs());
                }
            }
        }
        let hardware_ms = hardware_us(profile, bio_ms) * 1e-3;
        ChipReport {
            chip: profile.name.clone(),
            circuits_used: self.factors.len(),
            circuits_available: profile.neurons,
            rows_used: rows_needed(self.n),
            rows_available: profile.rows_per_circuit,
            weight_bits: profile.weight_bits,
            scales: [Digital::Weight, Digital::Bias].map(|digital| {
                (0..self.scales.len())
                    .map(|k| self.scale(k, digital))
                    .fold([f64::INFINITY, 0.0], |[lo, hi], s| [lo.min(s), hi.max(s)])
            }),
            saturated,
            max_error,
            spike_loss: profile.trial.spike_loss,
            bio_ms,
            hardware_ms,
            energy_mj: profile.power_w * hardware_ms,
            wall_seconds,
        }
    }
}

/// What a sampling job uses on the chip, what the weights lose, and how long it takes there.
#[derive(Clone, Debug, PartialEq)]
pub struct ChipReport {
    /// Chip name.
    pub chip: String,
    /// Neuron circuits used (one per sampler).
    pub circuits_used: usize,
    /// Neuron circuits the chip has.
    pub circuits_available: usize,
    /// Synapse rows per sampler used.
    pub rows_used: usize,
    /// Synapse rows per circuit.
    pub rows_available: usize,
    /// Bits of a weight's magnitude.
    pub weight_bits: u32,
    /// Smallest and largest scale over the networks of the couplings and of the bias rows
    /// [LSB per unit of Boltzmann weight].
    pub scales: [[f64; 2]; 2],
    /// Target weights and biases beyond the largest level (they saturate).
    pub saturated: usize,
    /// Largest |w − quantised w| of the others [Boltzmann units].
    pub max_error: f64,
    /// Probability that a spike is lost on its way to a synapse.
    pub spike_loss: f64,
    /// Biological time of the run [ms].
    pub bio_ms: f64,
    /// The same on the chip [ms].
    pub hardware_ms: f64,
    /// Energy of the run on the chip [mJ].
    pub energy_mj: f64,
    /// The simulation's own wall time [s].
    pub wall_seconds: f64,
}

impl fmt::Display for ChipReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = |[lo, hi]: [f64; 2]| {
            if lo == hi {
                format!("{lo:.2}")
            } else {
                format!("{lo:.2}–{hi:.2}")
            }
        };
        writeln!(
            f,
            "{}: {} of {} neuron circuits, {} of {} synapse rows each; {}-bit weights at {} \
             (biases {}) LSB per unit (largest rounding error {:.3}, {} saturated); spike loss \
             {:.1} %",
            self.chip,
            self.circuits_used,
            self.circuits_available,
            self.rows_used,
            self.rows_available,
            self.weight_bits,
            range(self.scales[0]),
            range(self.scales[1]),
            self.max_error,
            self.saturated,
            100.0 * self.spike_loss
        )?;
        write!(
            f,
            "hardware time: {:.3} s biological in {:.3} ms on the chip, energy {:.3} mJ; \
             simulated in {:.2} s",
            self.bio_ms * 1e-3,
            self.hardware_ms,
            self.energy_mj,
            self.wall_seconds
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::instance::QUANTITIES;
    use crate::chip::profile::ChipProfile;
    use crate::chip::settings::ChipSection;

    fn target(scale: f64) -> Boltzmann {
        let w = vec![
            vec![0.0, 0.5 * scale, -0.3 * scale],
            vec![0.5 * scale, 0.0, 0.2 * scale],
            vec![-0.3 * scale, 0.2 * scale, 0.0],
        ];
        Boltzmann::new(w, vec![0.1 * scale, -0.7 * scale, 0.4 * scale]).unwrap()
    }

    /// The shipped sbs sampler (`models/neurons/sampling_lif.toml`).
    fn sbs() -> CondExpParams {
        #[derive(serde::Deserialize)]
        struct Profile {
            params: CondExpParams,
        }
        let text = include_str!("../../models/neurons/sampling_lif.toml");
        toml::from_str::<Profile>(text).unwrap().params
    }

    fn settings(profile: &str, chip_seed: u64) -> SamplingChipSettings {
        let mut chip = ChipSection::new(profile)
            .settings("test", "chip", std::path::Path::new("."))
            .unwrap();
        chip.chip_seed = chip_seed;
        SamplingChipSettings::new(chip, None, "test", "chip.bias_scale").unwrap()
    }

    fn place(
        networks: usize,
        s: &SamplingChipSettings,
        run_seed: u64,
    ) -> Result<SamplingChip, ChipError> {
        let t = target(1.0);
        SamplingChip::new(&vec![&t; networks], &sbs(), s, run_seed)
    }

    #[test]
    fn what_does_not_fit_is_named_with_its_limit() {
        let refused = |networks, s: &SamplingChipSettings, params: CondExpParams| {
            let t = target(1.0);
            SamplingChip::new(&vec![&t; networks], &params, s, 0)
                .unwrap_err()
                .to_string()
        };
        let bss1 = settings("bss1", 0);
        assert_eq!(
            refused(171, &bss1, sbs()),
            "BrainScaleS-1: sampling.networks: 171 networks × 3 units need 513 neuron circuits, \
             the chip has 512"
        );
        let slow = CondExpParams {
            tau_syn_I: 200.0,
            ..sbs()
        };
        assert_eq!(
            refused(1, &bss1, slow),
            "BrainScaleS-1: sampler.params.tau_syn_I: 200 ms is 20 µs on the chip, outside the \
             calibratable range 0.1–10 µs"
        );
        assert!(refused(1, &settings("bss2", 0), sbs()).contains("conductance-based synapses"));
        let mut few_rows = bss1.clone();
        few_rows.chip.profile.rows_per_circuit = 9;
        assert_eq!(
            refused(1, &few_rows, sbs()),
            "BrainScaleS-1: boltzmann: 3 units need 10 synapse rows per sampler (2 per unit, \
             bias and background), the limit is 9"
        );
    }

    #[test]
    fn weights_are_four_bit_levels_of_the_largest_parameter() {
        let chip = place(2, &settings("bss1", 0), 0).unwrap();
        // The target's largest |W| is 0.5: it maps to level 15; the bias rows reach 3 × 0.7.
        let (w, b) = (Digital::Weight, Digital::Bias);
        assert!((chip.scale(1, w) - 30.0).abs() < 1e-12);
        assert!((chip.scale(1, b) - 15.0 / 2.1).abs() < 1e-12);
        assert_eq!(chip.quantise(0, w, 0.5), 0.5);
        assert_eq!(chip.quantise(0, w, -2.0), -0.5);
        assert!((chip.quantise(0, w, 0.31) - 0.3).abs() < 1e-12);
        assert_eq!(chip.quantise(0, w, 0.01), 0.0);
        assert!((chip.quantise(0, b, 0.1) - 0.14).abs() < 1e-12);
        assert!((chip.max_value(0, b) - 2.1).abs() < 1e-12);
        let t = target(1.0);
        let report = chip.report(&[&t, &t], 1e5, 1.0);
        assert_eq!(report.saturated, 0);
        // The couplings are exact levels; the bias 0.1 rounds to 0.14.
        assert!(
            (report.max_error - 0.04).abs() < 1e-12,
            "{}",
            report.max_error
        );
        assert_eq!((report.circuits_used, report.rows_used), (6, 10));
        // 100 s of biological time are 10 ms on BrainScaleS-1.
        assert!((report.hardware_ms - 10.0).abs() < 1e-12);
        let mut fixed = settings("bss1", 0);
        fixed.chip.weight_scale = Some(10.0);
        fixed.bias_scale = Some(2.0);
        let chip = place(1, &fixed, 0).unwrap();
        assert_eq!(chip.max_value(0, w), 1.5);
        assert_eq!(chip.max_value(0, b), 7.5);
        assert_eq!(chip.quantise(0, w, -0.26), -0.3);
    }

    #[test]
    fn a_perfect_chip_runs_the_sampler_as_given() {
        let mut s = settings("bss1", 3);
        s.chip.profile = ChipProfile::load("bss1").unwrap().perfect();
        let chip = place(2, &s, 9).unwrap();
        for c in 0..6 {
            assert_eq!(chip.factors()[c], [1.0; 6], "circuit {c}");
            let p = chip.neuron(c, &sbs(), -50.4);
            assert_eq!(
                p,
                CondExpParams {
                    v_rest: -50.4,
                    ..sbs()
                }
            );
            assert_eq!(chip.input_factor(c, 3, Receptor::Inhibitory), 1.0);
        }
        let (receptor, g) = chip.conductance(0, 1, Input::Unit(0), -0.3, [0.01, 0.02]);
        assert_eq!(receptor, Receptor::Inhibitory);
        assert!((g - 0.3 * 0.02).abs() < 1e-6);
        assert_eq!(chip.p_transmit(), 1.0);
    }

    #[test]
    fn the_fixed_pattern_follows_the_chip_seed_and_the_threshold_noise_the_run() {
        let uncalibrated = |chip_seed| {
            let mut s = settings("bss1", chip_seed);
            s.chip.calibrate = false;
            s
        };
        let a = place(2, &uncalibrated(1), 0).unwrap();
        let b = place(2, &uncalibrated(1), 0).unwrap();
        let other_chip = place(2, &uncalibrated(2), 0).unwrap();
        let other_run = place(2, &uncalibrated(1), 5).unwrap();
        assert_eq!(a.factors(), b.factors());
        assert_ne!(a.factors()[0], other_chip.factors()[0]);
        // Another run: only the threshold changes, by the trial noise (2 %).
        for (x, y) in a.factors().iter().zip(other_run.factors()) {
            assert_eq!(x[1..], y[1..]);
            assert!(x[V_THRESH] != y[V_THRESH] && (x[V_THRESH] / y[V_THRESH] - 1.0).abs() < 0.15);
        }
        // The fixed pattern is large (25 %): some factor is off by more than 10 %; the
        // threshold scales its distance above the leak, the reset keeps its distance below.
        assert!(a.factors().iter().flatten().any(|f| (f - 1.0).abs() > 0.1));
        let f = a.factors()[4];
        let p = a.neuron(4, &sbs(), -50.4);
        assert!((p.v_thresh - (-50.4 + 0.4 * f[V_THRESH])).abs() < 1e-12);
        assert!((p.v_thresh - p.v_reset - 0.001).abs() < 1e-12);
        assert!((p.tau_syn_I - 10.0 * f[TAU_SYN_E + 1]).abs() < 1e-12);
        assert_eq!(QUANTITIES.len(), f.len());
        // Calibration shrinks the spread of every factor.
        let calibrated = place(2, &settings("bss1", 1), 0).unwrap();
        let summary = calibrated.calibration();
        for (q, name) in QUANTITIES.iter().enumerate() {
            assert!(summary.after[q].1 < summary.before[q].1, "{name}");
        }
    }
}
