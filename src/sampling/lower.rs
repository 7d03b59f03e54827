//! Lowering of sampling jobs into ordinary experiments: the samplers become one `IF_cond_exp`
//! population with per-neuron `v_rest`, driven by their background (each its own excitatory and
//! inhibitory Poisson source, or the sources of [`super::background::wiring`]), and the
//! translated couplings become `from_list` projections. The network is made with the
//! [`ExperimentBuilder`], so it goes through the same validation as any experiment file.

use super::background::wiring::{add_sources, kick_samplers, Wiring};
use super::background::{Background, DEFAULT_KICK};
use super::spec::{per_network, SamplingSpec};
use super::translation::{Noise, Translation};
use crate::chip::sampling::SamplingChip;
use crate::config::{
    Cell, Connector, ExperimentBuilder, NeuronParams, PoissonParams, PopulationDesc,
};
use crate::neuron::{CondExpParams, Receptor};
use crate::synapse::SynapseModel;

/// Name of the sampler population in lowered experiments and their recordings.
pub const SAMPLERS: &str = "samplers";

/// `IF_cond_exp` neurons with their own Poisson noise, their spikes recorded: the common part of
/// calibration sweeps and sampling networks, run to `t_stop` [ms]. `v_rest` has one entry per
/// neuron [mV]; every neuron starts at their mean. `label` names the network in error messages.
pub fn noisy_neurons(
    label: &str,
    params: &CondExpParams,
    noise: &Noise,
    v_rest: &[f64],
    t_stop: f64,
    seed: u64,
) -> ExperimentBuilder {
    let mut net = ExperimentBuilder::new(label, t_stop);
    net.seed(seed);
    add_samplers(&mut net, SAMPLERS, params, v_rest);
    add_private_noise(&mut net, SAMPLERS, v_rest.len(), noise, None);
    net.record_spikes(SAMPLERS);
    net
}

/// A population `name` of `IF_cond_exp` neurons with parameters `params` and one resting
/// potential each [mV], starting at their mean.
pub(crate) fn add_samplers<'a>(
    net: &'a mut ExperimentBuilder,
    name: &str,
    params: &CondExpParams,
    v_rest: &[f64],
) -> &'a mut PopulationDesc {
    let initial = v_rest.iter().sum::<f64>() / v_rest.len().max(1) as f64;
    let sets = v_rest
        .iter()
        .map(|&v_rest| CondExpParams {
            v_rest,
            ..params.clone()
        })
        .collect();
    net.population(
        name,
        v_rest.len(),
        Cell::IfCondExp(NeuronParams::PerNeuron(sets)),
    )
    .initial_v(initial)
}

/// An excitatory and an inhibitory Poisson source of `noise` for each of the `size` neurons of
/// population `target`; on `chip` (whose samplers they are) through each sampler's background
/// rows, losing the chip's share of spikes.
pub(crate) fn add_private_noise(
    net: &mut ExperimentBuilder,
    target: &str,
    size: usize,
    noise: &Noise,
    chip: Option<&SamplingChip>,
) {
    for (name, rate, weight, receptor) in [
        (
            "noise_exc",
            noise.rate_exc,
            noise.weight_exc,
            Receptor::Excitatory,
        ),
        (
            "noise_inh",
            noise.rate_inh,
            noise.weight_inh,
            Receptor::Inhibitory,
        ),
    ] {
        let poisson = PoissonParams {
            rate,
            ..PoissonParams::default()
        };
        net.population(name, size, Cell::poisson(poisson));
        let projection = net.projection(name, target, Connector::OneToOne);
        projection.receptor(receptor);
        match chip {
            None => projection.weight(weight),
            Some(chip) => projection
                .weight(
                    (0..size)
                        .map(|c| {
                            let row = chip.background_row(receptor);
                            weight * chip.input_factor(c, row, receptor)
                        })
                        .collect::<Vec<f64>>(),
                )
                .p_transmit(chip.p_transmit()),
        };
    }
}

/// The resting potential of every sampler of `networks` networks [mV], samplers in network
/// order, from `translations` (one shared, or one per network).
pub(crate) fn sampler_v_rest(networks: usize, translations: &[Translation]) -> Vec<f64> {
    (0..networks)
        .flat_map(|k| {
            translations[per_network(translations.len(), k)]
                .v_rest
                .iter()
                .copied()
        })
        .collect()
}

/// The network of `spec.networks` independent copies of the translated network (neuron
/// `k·n + i` is unit `i` of copy `k`), run to `t_stop` [ms]. `translations` holds one translation
/// shared by every copy, or one per copy (copy `k` gets `translations[k]`). Couplings have the sampler delay;
/// `synapses` are the synapse models of the excitatory and inhibitory couplings, if not static.
/// With `all_pairs` (for training) every ordered pair of distinct units gets both an excitatory
/// and an inhibitory synapse, the one not in use with weight 0; otherwise only the couplings with
/// nonzero weight exist. `wiring` holds the background sources drawn for `spec`'s background
/// (`None` for private Poisson noise). Returned as a builder, so that probes can be added.
pub fn sampling_network(
    spec: &SamplingSpec,
    wiring: Option<&Wiring>,
    translations: &[Translation],
    synapses: Option<[SynapseModel; 2]>,
    all_pairs: bool,
    t_stop: f64,
) -> ExperimentBuilder {
    let (networks, delay) = (spec.networks, spec.delay);
    let translation = |k: usize| &translations[per_network(translations.len(), k)];
    let n = translation(0).v_rest.len();
    let v_rest = sampler_v_rest(networks, translations);
    let mut net = ExperimentBuilder::new(&spec.file, t_stop);
    net.seed(spec.seed);
    let samplers = add_samplers(&mut net, SAMPLERS, &spec.sampler, &v_rest);
    if spec.background.is_deterministic() {
        kick_samplers(samplers, &spec.sampler, DEFAULT_KICK);
    }
    match (&spec.background, wiring) {
        (Background::Poisson(noise), _) => {
            add_private_noise(&mut net, SAMPLERS, v_rest.len(), noise, None)
        }
        (background, Some(wiring)) => {
            add_sources(&mut net, background);
            let samplers: Vec<usize> = (0..v_rest.len()).collect();
            wiring.connect(&mut net, SAMPLERS, &samplers);
        }
        (_, None) => unreachable!("a background other than poisson comes with its wiring"),
    }
    net.record_spikes(SAMPLERS);
    for receptor in [Receptor::Excitatory, Receptor::Inhibitory] {
        let mut rows = Vec::new();
        for k in 0..networks {
            for (pre, row) in translation(k).synapses.iter().enumerate() {
                for (post, synapse) in row.iter().enumerate() {
                    let weight = if synapse.receptor == receptor {
                        synapse.weight
                    } else {
                        0.0
                    };
                    if weight > 0.0 || (all_pairs && pre != post) {
                        rows.push(vec![
                            (k * n + pre) as f64,
                            (k * n + post) as f64,
                            weight,
                            delay,
                        ]);
                    }
                }
            }
        }
        if rows.is_empty() {
            continue;
        }
        let projection = net.projection(
            SAMPLERS,
            SAMPLERS,
            Connector::FromList { connections: rows },
        );
        projection.receptor(receptor);
        if let Some(synapses) = &synapses {
            projection.synapse(synapses[receptor as usize]);
        }
    }
    net
}
