//! Lowering of sampling jobs into ordinary experiments: the samplers become one `IF_cond_exp`
//! population with per-neuron `v_rest`, each with its own excitatory and inhibitory Poisson source,
//! and the translated couplings become `from_list` projections. The network is made with the
//! [`ExperimentBuilder`], so it goes through the same validation as any experiment file.

use super::spec::{per_network, SamplingSpec};
use super::translation::{Noise, Translation};
use crate::config::{Cell, Connector, Experiment, ExperimentBuilder, NeuronParams, PoissonParams};
use crate::error::ConfigError;
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
    let size = v_rest.len();
    let initial = v_rest.iter().sum::<f64>() / size.max(1) as f64;
    let sets = v_rest
        .iter()
        .map(|&v_rest| CondExpParams {
            v_rest,
            ..params.clone()
        })
        .collect();
    let mut net = ExperimentBuilder::new(label, t_stop);
    net.seed(seed);
    net.population(
        SAMPLERS,
        size,
        Cell::IfCondExp(NeuronParams::PerNeuron(sets)),
    )
    .initial_v(initial);
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
        net.projection(name, SAMPLERS, Connector::OneToOne)
            .weight(weight)
            .receptor(receptor);
    }
    net.record_spikes(SAMPLERS);
    net
}

/// The experiment of `spec.networks` independent copies of the translated network (neuron
/// `k·n + i` is unit `i` of copy `k`), run to `t_stop` [ms]. `translations` holds one translation
/// shared by every copy, or one per copy (copy `k` gets `translations[k]`). Couplings have the sampler delay;
/// `synapses` are the synapse models of the excitatory and inhibitory couplings, if not static.
/// With `all_pairs` (for training) every ordered pair of distinct units gets both an excitatory
/// and an inhibitory synapse, the one not in use with weight 0; otherwise only the couplings with
/// nonzero weight exist.
pub fn sampling_experiment(
    spec: &SamplingSpec,
    translations: &[Translation],
    synapses: Option<[SynapseModel; 2]>,
    all_pairs: bool,
    t_stop: f64,
) -> Result<Experiment, ConfigError> {
    let (networks, delay) = (spec.networks, spec.delay);
    let translation = |k: usize| &translations[per_network(translations.len(), k)];
    let n = translation(0).v_rest.len();
    let v_rest: Vec<f64> = (0..networks)
        .flat_map(|k| translation(k).v_rest.iter().copied())
        .collect();
    let mut net = noisy_neurons(
        &spec.file,
        &spec.sampler,
        &spec.noise,
        &v_rest,
        t_stop,
        spec.seed,
    );
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
    net.build()
}
