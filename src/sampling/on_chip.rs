//! Lowering of a sampling job onto an emulated chip (see [`crate::chip::sampling`]): the samplers
//! with their circuits' parameters at the unbiased leak potential, their private Poisson noise
//! through the chip's gains, the bias neuron, and the couplings and bias weights quantised from
//! the Boltzmann parameters; every projection loses the chip's share of spikes.

use super::lower::{add_private_noise, SAMPLERS};
use super::spec::SamplingSpec;
use super::translation::{Noise, Translation};
use crate::chip::sampling::{Input, SamplingChip};
use crate::config::SpikeTimes;
use crate::config::{ArrayParams, Cell, Connector, ExperimentBuilder, NeuronParams};
use crate::neuron::Receptor;
use crate::synapse::SynapseModel;

/// Name of the bias neuron's population in lowered chip experiments.
pub const BIAS: &str = "bias";

/// The Boltzmann parameters a chip network runs with: per network, its weights `W` (`n × n`,
/// row-major, pre × post) and biases `b`.
pub struct ChipParameters<'a> {
    /// `W` of each network, `[network][i·n + j]`.
    pub weights: &'a [Vec<f64>],
    /// `b` of each network.
    pub biases: &'a [Vec<f64>],
}

/// The spike times of the bias neuron up to `t_stop` [ms]: once every `period` [ms] from 0.
pub fn bias_times(period: f64, t_stop: f64) -> Vec<f64> {
    let count = (t_stop / period).floor() as usize + 1;
    (0..count).map(|k| k as f64 * period).collect()
}

/// The network of `spec`'s networks on `chip`, run to `t_stop` [ms]: samplers at leak
/// potential `v_leak` [mV] (the translation's at b = 0), `translations` (one shared or one per
/// network) giving each sampler's conductance per unit weight, `params` the Boltzmann
/// parameters, `noise` the private Poisson noise. With `all_pairs` (training) every ordered
/// pair of distinct units, and every unit's bias, has both an excitatory and an inhibitory
/// synapse, the one not in use with weight 0.
#[allow(clippy::too_many_arguments)]
pub fn chip_network(
    spec: &SamplingSpec,
    chip: &SamplingChip,
    v_leak: f64,
    translations: &[Translation],
    params: &ChipParameters,
    noise: &Noise,
    synapses: Option<[SynapseModel; 2]>,
    all_pairs: bool,
    t_stop: f64,
) -> ExperimentBuilder {
    let (n, networks) = (spec.n(), spec.networks);
    let translation = |k: usize| &translations[super::spec::per_network(translations.len(), k)];
    let mut net = ExperimentBuilder::new(&spec.file, t_stop);
    net.seed(spec.seed);
    let sets = (0..networks * n)
        .map(|c| chip.neuron(c, &spec.sampler, v_leak))
        .collect();
    net.population(
        SAMPLERS,
        networks * n,
        Cell::IfCondExp(NeuronParams::PerNeuron(sets)),
    )
    .initial_v(v_leak);
    net.record_spikes(SAMPLERS);
    add_private_noise(&mut net, SAMPLERS, networks * n, noise, Some(chip));
    let p_transmit = chip.p_transmit();
    net.population(
        BIAS,
        1,
        Cell::array(ArrayParams {
            spike_times: SpikeTimes::Shared(bias_times(spec.sampler.tau_refrac, t_stop)),
        }),
    );
    // Rows (pre, post, weight, delay) of each receptor, from the bias neuron and between units.
    let mut bias_rows = [Vec::new(), Vec::new()];
    let mut unit_rows = [Vec::new(), Vec::new()];
    let add = |rows: &mut [Vec<Vec<f64>>; 2], pre: usize, post: usize, g: (Receptor, f64)| {
        for receptor in [Receptor::Excitatory, Receptor::Inhibitory] {
            let weight = if g.0 == receptor { g.1 } else { 0.0 };
            if weight > 0.0 || all_pairs {
                rows[receptor as usize].push(vec![pre as f64, post as f64, weight, spec.delay]);
            }
        }
    };
    for k in 0..networks {
        let t = translation(k);
        for j in 0..n {
            let post = k * n + j;
            let factor = [t.weight_factor_exc[j], t.weight_factor_inh[j]];
            let b = params.biases[k][j];
            let g = chip.conductance(k, post, Input::Bias, b, factor);
            add(&mut bias_rows, 0, post, g);
            for i in (0..n).filter(|&i| i != j) {
                let w = params.weights[k][i * n + j];
                let g = chip.conductance(k, post, Input::Unit(i), w, factor);
                add(&mut unit_rows, k * n + i, post, g);
            }
        }
    }
    for (pre, rows) in [(BIAS, bias_rows), (SAMPLERS, unit_rows)] {
        for (receptor, connections) in [Receptor::Excitatory, Receptor::Inhibitory]
            .into_iter()
            .zip(rows)
        {
            if connections.is_empty() {
                continue;
            }
            let projection = net.projection(pre, SAMPLERS, Connector::FromList { connections });
            projection.receptor(receptor).p_transmit(p_transmit);
            if let Some(synapses) = &synapses {
                projection.synapse(synapses[receptor as usize]);
            }
        }
    }
    net
}
