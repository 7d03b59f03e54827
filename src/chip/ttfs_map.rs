//! Mapping a layered first-spike network onto a chip profile: each neuron gets neuron circuits
//! (merged when its inputs need more synapse rows than one circuit has), every input a signed
//! pair of rows, the time constants must lie in the chip's calibratable ranges once stretched by
//! the time scale, and weights are quantised from the full-precision (shadow) weights. What does
//! not fit is an error naming the layer, the quantity and the limit; nothing is clipped silently
//! (weights beyond the largest hardware weight saturate and are counted in the report).
//!
//! Placement is simple and documented: layers in order, each neuron on consecutive circuits; a
//! merged neuron takes the analog parameters of its first circuit, its rows span all of them.
//! The event routing (labels, buses, crossbar) is not modelled.

use std::fmt;

use super::error::ChipError;
use super::profile::{ChipProfile, SignHandling, SynapseKind};
use super::settings::ChipSettings;
use crate::ttfs::network::Network;

/// Synapse rows per input: the sign lives on the row, so a signed input needs two.
fn rows_per_input(profile: &ChipProfile) -> usize {
    match profile.sign {
        SignHandling::PerRow => 2,
    }
}

/// Where one layer's neurons sit on the chip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    /// Circuit of the layer's first neuron.
    pub first_circuit: usize,
    /// Circuits per neuron (more than one when merged for fan-in).
    pub circuits_per_neuron: usize,
    /// Synapse rows per neuron (two per input, the bias inputs included).
    pub rows: usize,
}

impl Placement {
    /// First circuit of neuron `j`.
    pub fn circuit(&self, j: usize) -> usize {
        self.first_circuit + j * self.circuits_per_neuron
    }
}

/// A network mapped onto a chip: placement and weight scale.
#[derive(Clone, Debug, PartialEq)]
pub struct TtfsMapping {
    /// The settings it was made with.
    pub settings: ChipSettings,
    /// Hardware weight units per nA.
    pub weight_scale: f64,
    /// Per layer, where its neurons sit.
    pub layers: Vec<Placement>,
}

impl TtfsMapping {
    /// Map `network` with `settings`, or say what does not fit.
    pub fn new(network: &Network, settings: &ChipSettings) -> Result<Self, ChipError> {
        let profile = &settings.profile;
        let fail = |at: String, problem: String| ChipError::DoesNotFit {
            chip: profile.name.clone(),
            at,
            problem,
        };
        if profile.synapse != SynapseKind::Current {
            return Err(fail(
                "ttfs".into(),
                "first-spike networks need current-based synapses; this chip's are \
                 conductance-based"
                    .into(),
            ));
        }
        let mut layers = Vec::with_capacity(network.layers().len());
        let mut next_circuit = 0;
        let max_rows = profile.rows_per_circuit * profile.max_circuits_per_neuron;
        for (l, layer) in network.layers().iter().enumerate() {
            let p = layer.neuron().params();
            for (name, tau, [low, high]) in [
                ("tau_m", p.tau_m, profile.ranges.tau_m_us),
                ("tau_syn", p.tau_syn, profile.ranges.tau_syn_us),
            ] {
                let hw = hardware_us(profile, tau * settings.time_scale);
                if !(low..=high).contains(&hw) {
                    return Err(fail(
                        format!("ttfs.layer[{l}].neuron.{name}"),
                        format!(
                            "{tau} ms at time_scale {} is {hw} µs on the chip, outside the \
                             calibratable range {low}–{high} µs",
                            settings.time_scale
                        ),
                    ));
                }
            }
            let rows = rows_per_input(profile) * layer.width();
            if rows > max_rows {
                return Err(fail(
                    format!("ttfs.layer[{l}]"),
                    format!(
                        "{} inputs (bias inputs included) need {rows} synapse rows per neuron, the limit \
                         is {max_rows} ({} circuits of {} rows)",
                        layer.width(),
                        profile.max_circuits_per_neuron,
                        profile.rows_per_circuit
                    ),
                ));
            }
            let circuits_per_neuron = rows.div_ceil(profile.rows_per_circuit);
            layers.push(Placement {
                first_circuit: next_circuit,
                circuits_per_neuron,
                rows,
            });
            next_circuit += circuits_per_neuron * layer.n_out();
        }
        if next_circuit > profile.neurons {
            return Err(fail(
                "ttfs.layer".into(),
                format!(
                    "the network needs {next_circuit} neuron circuits, the chip has {}",
                    profile.neurons
                ),
            ));
        }
        let largest = network
            .layers()
            .iter()
            .flat_map(|l| l.weights())
            .fold(0.0f64, |m, w| m.max(w.abs()));
        let weight_scale = settings.weight_scale.unwrap_or(if largest > 0.0 {
            profile.max_weight() / largest
        } else {
            1.0
        });
        Ok(Self {
            settings: settings.clone(),
            weight_scale,
            layers,
        })
    }

    /// The profile.
    pub fn profile(&self) -> &ChipProfile {
        &self.settings.profile
    }

    /// The circuits the network uses, in placement order (first circuit of each neuron).
    pub fn circuits(&self, network: &Network) -> Vec<usize> {
        self.layers
            .iter()
            .zip(network.layers())
            .flat_map(|(p, layer)| (0..layer.n_out()).map(|j| p.circuit(j)))
            .collect()
    }

    /// Weight `w` [nA] as the chip realises it: `round(w · scale)` clamped to the largest
    /// hardware weight, back in nA.
    pub fn quantise(&self, w: f64) -> f64 {
        let max = self.profile().max_weight();
        (w * self.weight_scale).round().clamp(-max, max) / self.weight_scale
    }

    /// Largest weight the chip can realise [nA].
    pub fn max_weight(&self) -> f64 {
        self.profile().max_weight() / self.weight_scale
    }

    /// What the mapping uses and loses for the weights of `network`.
    pub fn report(&self, network: &Network) -> MappingReport {
        let limit = self.max_weight();
        let layers = self
            .layers
            .iter()
            .zip(network.layers())
            .map(|(placement, layer)| {
                let mut fit = LayerFit {
                    neurons: layer.n_out(),
                    inputs: layer.width(),
                    placement: *placement,
                    saturated: 0,
                    max_error: 0.0,
                };
                for &w in layer.weights() {
                    if w.abs() > limit {
                        fit.saturated += 1;
                    } else {
                        fit.max_error = fit.max_error.max((w - self.quantise(w)).abs());
                    }
                }
                fit
            })
            .collect::<Vec<_>>();
        MappingReport {
            chip: self.profile().name.clone(),
            circuits_used: layers
                .iter()
                .map(|l| l.neurons * l.placement.circuits_per_neuron)
                .sum(),
            circuits_available: self.profile().neurons,
            weight_scale: self.weight_scale,
            time_scale: self.settings.time_scale,
            layers,
        }
    }
}

/// A time of the network [ms biological] in hardware µs.
pub fn hardware_us(profile: &ChipProfile, bio_ms: f64) -> f64 {
    bio_ms * 1000.0 / profile.speedup
}

/// How one layer fits.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerFit {
    /// Neurons.
    pub neurons: usize,
    /// Inputs per neuron, the bias inputs included.
    pub inputs: usize,
    /// Where it sits.
    pub placement: Placement,
    /// Weights beyond the largest hardware weight (they saturate).
    pub saturated: usize,
    /// Largest |w − quantised w| of the other weights [nA].
    pub max_error: f64,
}

/// What a mapping uses and loses.
#[derive(Clone, Debug, PartialEq)]
pub struct MappingReport {
    /// Chip name.
    pub chip: String,
    /// Neuron circuits used.
    pub circuits_used: usize,
    /// Neuron circuits the chip has.
    pub circuits_available: usize,
    /// Hardware weight units per nA.
    pub weight_scale: f64,
    /// Biological ms per network ms.
    pub time_scale: f64,
    /// Per layer.
    pub layers: Vec<LayerFit>,
}

impl fmt::Display for MappingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} of {} neuron circuits; weight scale {:.3} LSB/nA; time scale {}",
            self.chip,
            self.circuits_used,
            self.circuits_available,
            self.weight_scale,
            self.time_scale
        )?;
        for (l, fit) in self.layers.iter().enumerate() {
            writeln!(
                f,
                "  layer {l}: {} neurons × {} circuit(s), {} inputs on {} rows; {} weights \
                 saturated, largest rounding error {:.4} nA",
                fit.neurons,
                fit.placement.circuits_per_neuron,
                fit.inputs,
                fit.placement.rows,
                fit.saturated,
                fit.max_error
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::settings::ChipSection;
    use crate::chip::timing::HardwareTime;
    use crate::ttfs::network::{Bias, Layer};
    use crate::ttfs::neuron::{FirstSpikeNeuron, FirstSpikeParams};

    fn network(sizes: &[usize], tau_m: f64, weight: f64) -> Network {
        let neuron = FirstSpikeNeuron::new(&FirstSpikeParams {
            tau_m,
            tau_syn: tau_m,
            ..FirstSpikeParams::default()
        });
        let layers = sizes
            .windows(2)
            .map(|w| {
                Layer::new(
                    neuron.clone(),
                    w[0],
                    w[1],
                    Some(Bias::one(0.9)),
                    vec![weight; (w[0] + 1) * w[1]],
                )
            })
            .collect();
        Network::new(layers)
    }

    fn settings(profile: &str, time_scale: f64, weight_scale: Option<f64>) -> ChipSettings {
        let mut s = ChipSection::new(profile)
            .settings("test", "chip", std::path::Path::new("."))
            .unwrap();
        s.time_scale = time_scale;
        s.weight_scale = weight_scale;
        s
    }

    fn refused(net: &Network, s: &ChipSettings) -> String {
        TtfsMapping::new(net, s).unwrap_err().to_string()
    }

    #[test]
    fn what_does_not_fit_is_named_with_its_limit() {
        let bss2 = settings("bss2", 6.0, None);
        // 250 + 250 × 2 (251 inputs: 502 rows) + 3 × 2 circuits.
        let e = refused(&network(&[4, 250, 250, 3], 1.0, 1.0), &bss2);
        assert_eq!(
            e,
            "BrainScaleS-2: ttfs.layer: the network needs 756 neuron circuits, the chip has 512"
        );
        let e = refused(&network(&[300, 10, 3], 1.0, 1.0), &bss2);
        assert!(
            e.contains("ttfs.layer[0]: 301 inputs") && e.contains("limit is 512"),
            "{e}"
        );
        let e = refused(&network(&[4, 10, 3], 20.0, 1.0), &bss2);
        assert!(
            e.contains("ttfs.layer[0].neuron.tau_m: 20 ms at time_scale 6 is 120 µs")
                && e.contains("0.5–60 µs"),
            "{e}"
        );
        let e = refused(
            &network(&[4, 10, 3], 1.0, 1.0),
            &settings("bss1", 1.0, None),
        );
        assert!(
            e.starts_with("BrainScaleS-1: ttfs:") && e.contains("conductance"),
            "{e}"
        );
    }

    #[test]
    fn merging_quantisation_and_hardware_time() {
        // 200 inputs + bias: 402 rows, two circuits per hidden neuron.
        let mut net = network(&[200, 100, 3], 1.0, 0.5);
        net.layers_mut()[1].weights_mut()[0] = 3.0;
        let mapping = TtfsMapping::new(&net, &settings("bss2", 6.0, Some(30.0))).unwrap();
        assert_eq!(mapping.layers[0].circuits_per_neuron, 2);
        assert_eq!(mapping.layers[1].first_circuit, 200);
        let report = mapping.report(&net);
        assert_eq!(report.circuits_used, 203);
        // 63/30 = 2.1 nA: the weight 3.0 saturates; 0.5 = 15/30 is on the grid.
        assert_eq!(report.layers[1].saturated, 1);
        assert_eq!(report.layers[0].max_error, 0.0);
        assert_eq!(mapping.quantise(0.51), 15.0 / 30.0);
        assert_eq!(mapping.quantise(-7.0), -2.1);
        // Göltz et al.'s BSS-2 timing: 8 tau_s slots at tau_s = 6 µs are 48 µs; 8.4 µJ at 175 mW.
        let time = HardwareTime::ttfs(&mapping, &net, 1000, 1.0);
        assert!((time.slot_us - 48.0).abs() < 1e-12);
        assert!((time.per_second - 1e6 / 48.0).abs() < 1e-9);
        assert!((time.energy_per_pattern_uj - 8.4).abs() < 1e-12);
        assert!((time.run_us - (100.0 + 48_000.0)).abs() < 1e-9);
    }
}
