//! A first-spike network running on an emulated chip: the mapped network's forward pass with the
//! chip's imperfections, in the exact engine.
//!
//! Per pattern (one trial, its own random stream of the run seed):
//! - input and bias spikes are sent on the chip's timestamp grid;
//! - each neuron is the engine's `IF_curr_exp` with its circuit's parameters (threshold, tau_m,
//!   tau_syn_E, tau_syn_I and the gains of each sign, trimmed when calibrated) and a fresh
//!   relative threshold noise; its weights are the quantised weights times its synapses' fixed
//!   pattern; its first spike is found by the engine's certified search;
//! - every spike gets Gaussian jitter, may be lost, and is not seen after the pattern's slot;
//! - the host records spikes on the timestamp grid after the readout latency and subtracts the
//!   profile's nominal latency (as the platform's users correct it).
//!
//! The trace it leaves is the ideal model's view of the recorded times
//! ([`FirstSpikeNeuron::observed_spike`](crate::ttfs::neuron::FirstSpikeNeuron::observed_spike)),
//! so that training takes the exact ideal-model gradients at the observed spike times (the
//! in-the-loop recipe of Göltz et al.) while the weights it updates are the full-precision shadow
//! weights, quantised anew for every forward pass.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

pub use super::instance::CalibrationSummary;
use super::instance::{ChipInstance, Factors, GAIN_E, TAU_M, TAU_SYN_E, V_THRESH};
use super::ttfs_map::TtfsMapping;
use crate::neuron::curr_exp::{CurrExp, CurrExpParams};
use crate::rng::chip_stream;
use crate::ttfs::network::{input_order, Bias, Network, Trace};
use crate::ttfs::neuron::engine_first_spike;
use crate::ttfs::train::{output_tau, Substrate, Trial};

/// A mapped network's chip: its circuits' factors and timing constants in the network's time.
#[derive(Clone, Debug)]
pub struct EmulatedChip {
    mapping: TtfsMapping,
    /// Per layer, per neuron: its circuit's factors as run.
    factors: Vec<Vec<Factors>>,
    /// Per layer, row-major like the weights: each input's (excitatory, inhibitory) row factor.
    synapses: Vec<Vec<[f64; 2]>>,
    run_seed: u64,
    summary: CalibrationSummary,
    /// Timestamp grid [network ms].
    tick: f64,
    /// Readout latency [network ms].
    latency: f64,
    /// Spike jitter sd [network ms].
    jitter: f64,
    /// End of a pattern's slot [network ms].
    slot_end: f64,
}

impl EmulatedChip {
    /// The chip of `mapping` (its fixed pattern from the chip seed, calibrated if the settings
    /// say so) running `network`'s shape; trial noise derives from `run_seed`.
    pub fn new(network: &Network, mapping: TtfsMapping, run_seed: u64) -> Self {
        let settings = &mapping.settings;
        let profile = &settings.profile;
        let chip = ChipInstance::new(profile, settings.chip_seed);
        let circuits = mapping.circuits(network);
        let trims = chip.trims(&circuits, settings.calibrate);
        let summary = CalibrationSummary::new(&chip, &trims, &circuits, settings.calibrate);
        let rows = profile.rows_per_circuit;
        let (mut factors, mut synapses) = (Vec::new(), Vec::new());
        for (placement, layer) in mapping.layers.iter().zip(network.layers()) {
            let width = layer.width();
            factors.push(
                (0..layer.n_out())
                    .map(|j| chip.trimmed(placement.circuit(j), &trims))
                    .collect(),
            );
            let row_factor =
                |j: usize, row: usize| chip.synapse(placement.circuit(j) + row / rows, row % rows);
            synapses.push(
                (0..layer.n_out() * width)
                    .map(|k| {
                        let (j, i) = (k / width, k % width);
                        [row_factor(j, 2 * i), row_factor(j, 2 * i + 1)]
                    })
                    .collect(),
            );
        }
        let to_network = settings.profile.bio_ms_per_hw_ns() / settings.time_scale;
        Self {
            tick: profile.timestamp_ns * to_network,
            latency: profile.readout_latency_ns * to_network,
            jitter: profile.trial.spike_jitter_ns * to_network,
            slot_end: settings.slot * output_tau(network),
            factors,
            synapses,
            run_seed,
            summary,
            mapping,
        }
    }

    /// The mapping.
    pub fn mapping(&self) -> &TtfsMapping {
        &self.mapping
    }

    /// The seed of its trial-to-trial noise.
    pub fn run_seed(&self) -> u64 {
        self.run_seed
    }

    /// The spread of the circuits' parameters before and after calibration.
    pub fn calibration(&self) -> &CalibrationSummary {
        &self.summary
    }

    /// `t` [network ms] on the timestamp grid.
    fn stamp(&self, t: f64) -> f64 {
        (t / self.tick).round() * self.tick
    }
}

impl Substrate for EmulatedChip {
    fn forward(&self, network: &Network, input: &[f64], trial: Trial, trace: &mut Trace) {
        let mut rng = chip_stream(self.run_seed, trial.purpose, trial.number);
        let trial_noise = &self.mapping.profile().trial;
        let n_layers = network.layers().len();
        trace.layers.resize_with(n_layers, Default::default);
        trace.outputs.resize_with(n_layers, Vec::new);
        // What travels on the chip, and what the host knows of it.
        let mut on_chip: Vec<f64> = input.iter().map(|&t| self.stamp(t)).collect();
        let mut known = on_chip.clone();
        let (mut order, mut times) = (Vec::new(), Vec::new());
        for (l, layer) in network.layers().iter().enumerate() {
            let bias = layer.bias().map(|b| Bias {
                time: self.stamp(b.time),
                ..b
            });
            input_order(&on_chip, bias, &mut order, &mut times);
            let p = layer.neuron().params();
            let theta = p.v_thresh - p.v_rest;
            let width = layer.width();
            let mut fired = Vec::with_capacity(layer.n_out());
            let mut recorded = Vec::with_capacity(layer.n_out());
            for (j, row) in layer.weights().chunks_exact(width).enumerate() {
                let f = &self.factors[l][j];
                let synapses = &self.synapses[l][j * width..(j + 1) * width];
                let z: f64 = StandardNormal.sample(&mut rng);
                let lost = rng.random::<f64>() < trial_noise.spike_loss;
                let jitter: f64 = StandardNormal.sample(&mut rng);
                let threshold = theta * f[V_THRESH] * (1.0 + trial_noise.v_thresh * z).max(0.05);
                let engine = CurrExp::new(&CurrExpParams {
                    tau_m: p.tau_m * f[TAU_M],
                    v_thresh: p.v_rest + threshold,
                    tau_syn_E: p.tau_syn * f[TAU_SYN_E],
                    tau_syn_I: p.tau_syn * f[TAU_SYN_E + 1],
                    ..p.curr_exp(p.v_rest - 1.0, 0.0)
                });
                let weight = |k: usize| {
                    let i = order[k];
                    let w = self.mapping.quantise(row[i]);
                    if w >= 0.0 {
                        w * f[GAIN_E] * synapses[i][0]
                    } else {
                        w * f[GAIN_E + 1] * synapses[i][1]
                    }
                };
                let t = engine_first_spike(&engine, p.v_rest, &times, weight)
                    .map_or(f64::INFINITY, |(t, _, _)| t + self.jitter * jitter);
                let t = if lost || t > self.slot_end {
                    f64::INFINITY
                } else {
                    t
                };
                fired.push(t);
                recorded.push(self.stamp(t + self.latency) - self.latency);
            }
            let ideal = layer.neuron();
            let seen = &mut trace.layers[l];
            input_order(&known, bias, &mut seen.order, &mut seen.times);
            seen.decays.clear();
            seen.spikes.clear();
            for (j, &t) in recorded.iter().enumerate() {
                let row = &layer.weights()[j * width..(j + 1) * width];
                seen.spikes.push(
                    t.is_finite()
                        .then(|| ideal.observed_spike(t, &seen.times, |k| row[seen.order[k]])),
                );
            }
            on_chip = fired;
            known.clone_from(&recorded);
            trace.outputs[l] = recorded;
        }
    }

    fn constrain(&self, network: &mut Network) {
        let limit = self.mapping.max_weight();
        for layer in network.layers_mut() {
            layer
                .weights_mut()
                .iter_mut()
                .for_each(|w| *w = w.clamp(-limit, limit));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::profile::ChipProfile;
    use crate::chip::settings::ChipSection;
    use crate::ttfs::network::{Bias, Layer};
    use crate::ttfs::neuron::{FirstSpikeNeuron, FirstSpikeParams};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::path::Path;

    /// BrainScaleS-2 with every imperfection switched off, 16-bit weights.
    fn perfect() -> ChipProfile {
        ChipProfile::load("bss2").unwrap().perfect()
    }

    fn settings(profile: ChipProfile, chip_seed: u64) -> ChipSettings {
        let mut s = ChipSection::new("bss2")
            .settings("test", "chip", Path::new("."))
            .unwrap();
        s.profile = profile;
        s.chip_seed = chip_seed;
        s.weight_scale = Some(1000.0);
        s.slot = 1e6;
        s
    }

    /// A 4–10–3 network with weights on the 1/1000 nA grid (exact under weight scale 1000).
    fn network(rng: &mut ChaCha8Rng, ratio: f64) -> Network {
        let neuron = FirstSpikeNeuron::new(&FirstSpikeParams {
            tau_m: ratio,
            ..FirstSpikeParams::default()
        });
        let layers = [(4, 10), (10, 3)].map(|(n_in, n_out)| {
            let w = (0..(n_in + 1) * n_out)
                .map(|_| (rng.random_range(-0.5..2.5f64) * 1000.0).round() / 1000.0)
                .collect();
            Layer::new(neuron.clone(), n_in, n_out, Some(Bias::one(0.9)), w)
        });
        Network::new(layers.to_vec())
    }

    use crate::chip::settings::ChipSettings;
    use rand::Rng;

    fn trial(number: u64) -> Trial {
        Trial {
            purpose: "test",
            number,
        }
    }

    /// With every imperfection off, the emulated chip (the engine's `IF_curr_exp`, separate
    /// excitatory and inhibitory time constants) gives the ideal model's spike times, and the
    /// ideal view of those times is the ideal model's own spike (causal set and slope).
    #[test]
    fn a_perfect_chip_is_the_ideal_model() {
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        let mut compared = 0;
        for ratio in [1.0, 2.0] {
            for _ in 0..20 {
                let net = network(&mut rng, ratio);
                let mapping = TtfsMapping::new(&net, &settings(perfect(), 0)).unwrap();
                let chip = EmulatedChip::new(&net, mapping, 0);
                let input: Vec<f64> = (0..4).map(|_| rng.random_range(0.15..2.0)).collect();
                let (mut ideal, mut emulated) = (Trace::default(), Trace::default());
                net.forward(&input, &mut ideal);
                chip.forward(&net, &input, trial(0), &mut emulated);
                for (l, (a, b)) in ideal.layers.iter().zip(&emulated.layers).enumerate() {
                    for (x, y) in a.spikes.iter().zip(&b.spikes) {
                        match (x, y) {
                            (Some(x), Some(y)) => {
                                assert!((x.time - y.time).abs() < 1e-9, "{l}: {x:?} {y:?}");
                                assert_eq!(x.causal, y.causal);
                                assert!((x.slope - y.slope).abs() < 1e-7 * x.slope.abs());
                                compared += 1;
                            }
                            (None, None) => {}
                            _ => panic!("layer {l}: {x:?} vs {y:?}"),
                        }
                    }
                }
            }
        }
        assert!(compared > 200, "{compared}");
    }

    /// The host's view: spikes recorded on the timestamp grid after the readout latency, with the
    /// nominal latency subtracted, are the true times to within half a tick.
    #[test]
    fn recorded_times_are_corrected_and_on_the_grid() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let mut profile = perfect();
        profile.readout_latency_ns = 80.4;
        // A 10 ns grid: the bias at 0.9 ms is on it, so sending it changes nothing.
        profile.timestamp_ns = 10.0;
        // In network ms: 10 ns × 1000 × 1e-6 = 0.01 ms per tick, 0.0804 ms of latency.
        let (tick, latency) = (0.01, 0.0804);
        let (mut off_grid, mut compared) = (0, 0);
        for _ in 0..20 {
            let net = network(&mut rng, 1.0);
            let chip = EmulatedChip::new(
                &net,
                TtfsMapping::new(&net, &settings(profile.clone(), 0)).unwrap(),
                0,
            );
            // Inputs on the grid, so that sending them changes nothing.
            let input: Vec<f64> = (0..4)
                .map(|_| (rng.random_range(0.15..2.0f64) / tick).round() * tick)
                .collect();
            let (mut ideal, mut seen) = (Trace::default(), Trace::default());
            net.forward(&input, &mut ideal);
            chip.forward(&net, &input, trial(0), &mut seen);
            // The hidden layer sees the true input times: compare its spikes.
            for (&t, &r) in ideal.outputs[0].iter().zip(&seen.outputs[0]) {
                if !t.is_finite() {
                    assert!(!r.is_finite());
                    continue;
                }
                assert!((r - t).abs() <= tick / 2.0 + 1e-9, "{r} vs {t}");
                let k = (r + latency) / tick;
                assert!((k - k.round()).abs() < 1e-6, "{r} is not on the grid");
                off_grid += usize::from((r - t).abs() > 1e-6);
                compared += 1;
            }
        }
        assert!(
            compared > 100 && off_grid > compared / 2,
            "{off_grid} of {compared}"
        );
    }

    /// Spike loss drops the profile's fraction of spikes; trials and chip seeds give their own
    /// noise, the same numbers the same noise.
    #[test]
    fn trial_noise_and_chip_seeds() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        let net = network(&mut rng, 1.0);
        let input = [0.3, 0.9, 1.2, 0.5];
        let mut lossy = perfect();
        lossy.trial.spike_loss = 0.3;
        let chip = EmulatedChip::new(
            &net,
            TtfsMapping::new(&net, &settings(lossy, 0)).unwrap(),
            0,
        );
        let mut ideal = Trace::default();
        net.forward(&input, &mut ideal);
        let fired = ideal.outputs[0].iter().filter(|t| t.is_finite()).count();
        let mut trace = Trace::default();
        let (mut seen, trials) = (0, 2000);
        for k in 0..trials {
            chip.forward(&net, &input, trial(k), &mut trace);
            seen += trace.outputs[0].iter().filter(|t| t.is_finite()).count();
        }
        let kept = seen as f64 / (fired * trials as usize) as f64;
        // Binomial sd of the kept fraction ≈ 0.46/sqrt(fired · 2000) < 0.005.
        assert!((kept - 0.7).abs() < 0.02, "{kept} of {fired}");
        let bss2 = ChipProfile::load("bss2").unwrap();
        let run = |chip_seed: u64, number: u64| {
            let mut s = settings(bss2.clone(), chip_seed);
            s.weight_scale = None;
            let mapping = TtfsMapping::new(&net, &s).unwrap();
            let chip = EmulatedChip::new(&net, mapping, 5);
            let mut trace = Trace::default();
            chip.forward(&net, &input, trial(number), &mut trace);
            trace.outputs
        };
        assert_eq!(run(1, 1), run(1, 1));
        assert_ne!(run(1, 1), run(1, 2), "trial-to-trial noise");
        assert_ne!(run(1, 1), run(2, 1), "another chip");
    }
}
