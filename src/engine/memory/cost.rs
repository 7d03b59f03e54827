//! What each projection and population costs, from the sizes of the types the code allocates
//! (`size_of`, so the figures follow the code).

use std::mem::{size_of, size_of_val};

use rand_chacha::ChaCha8Rng;

use super::super::{folded, queue, window, GroupInfo, SourceInfo};
use crate::config::{
    Cell, Connector, Experiment, Population, Projection, SignalSpec, SpikeTimes, Values,
};
use crate::models::NeuronVisitor;
use crate::network::DelayGroup;

/// Memory of a synapse's target and receptor [bytes] (a `u32`, [`crate::network::Connectivity`]).
const TARGET_BYTES: f64 = size_of::<u32>() as f64;
use crate::neuron::{NeuronModel, NeuronParams};
use crate::record::{hdf5, sample_count};
use crate::source::Source;
use crate::synapse::{SynapseModel, TsoSynapse};

/// Standard deviations above the mean number of connections of a `fixed_probability`
/// connector that the estimate allows for (the count exceeds it with probability < 1e-6).
pub const SIGMAS: f64 = 5.0;

/// The heap block [bytes] that the allocator (glibc's) takes for a request of `bytes` [bytes]:
/// an 8-byte header, rounded up to 16, at least 32; nothing for nothing.
pub const fn heap_block(bytes: usize) -> usize {
    if bytes == 0 {
        return 0;
    }
    let block = (bytes + 8 + 15) & !15;
    if block < 32 {
        32
    } else {
        block
    }
}

/// Connections (mean, and the number allowed for) of `connector` between populations of
/// `n_pre` and `n_post` members, the same one when `same`; exact for every rule but
/// `fixed_probability`, which allows for [`SIGMAS`] standard deviations above the mean.
pub(super) fn connection_count(
    connector: &Connector,
    n_pre: usize,
    n_post: usize,
    same: bool,
) -> (f64, f64) {
    // Pre neurons a post neuron may connect to (itself excluded when it must be).
    let candidates = |allow_self: bool| {
        n_pre as f64
            - if same && !allow_self && n_pre > 0 {
                1.0
            } else {
                0.0
            }
    };
    let exact = |n: f64| (n, n);
    match connector {
        Connector::AllToAll {
            allow_self_connections,
        } => exact(candidates(*allow_self_connections) * n_post as f64),
        Connector::OneToOne => exact(n_post as f64),
        Connector::FixedProbability {
            p,
            allow_self_connections,
        } => {
            let trials = candidates(*allow_self_connections) * n_post as f64;
            (p * trials, binomial_bound(trials, *p).min(trials))
        }
        Connector::FixedNumberPre {
            n,
            allow_self_connections,
            with_replacement,
        } => {
            let candidates = candidates(*allow_self_connections);
            let per_post = match (*with_replacement, candidates > 0.0) {
                (_, false) => 0.0,
                (true, true) => *n as f64,
                (false, true) => (*n as f64).min(candidates),
            };
            exact(per_post * n_post as f64)
        }
        Connector::FromList { connections } => exact(connections.len() as f64),
    }
}

/// What one projection costs.
pub(super) struct ProjectionCost {
    /// Connections allowed for.
    pub connections: f64,
    /// Expected connections.
    pub expected: f64,
    /// The connector's scratch while generating [bytes].
    pub scratch: f64,
    /// Most synapses one presynaptic node gets from it (allowed for).
    pub fan_out: f64,
    /// Plasticity state per synapse [bytes] (besides the index).
    pub plastic: f64,
    /// Whether its spikes may be lost (`p_transmit < 1`): then every synapse of the network has
    /// a transmission probability.
    pub lossy: bool,
    /// Its per-connection lists and rows in the description [bytes].
    pub description: f64,
    /// Delay groups allowed for.
    groups: f64,
}

impl ProjectionCost {
    /// The final connectivity of its synapses [bytes], with `index` bytes per synapse for the
    /// plasticity index (when any projection is plastic) and the transmission probability (when
    /// any is lossy): a target per synapse, and a weight per synapse or, when the network keeps
    /// them `per_group`, per delay group.
    pub fn kept(&self, index: f64, per_group: bool) -> f64 {
        let (weight, group_weight) = if per_group {
            (0.0, size_of::<f64>() as f64)
        } else {
            (size_of::<f64>() as f64, 0.0)
        };
        self.connections * (TARGET_BYTES + weight + index + self.plastic)
            + self.groups * (size_of::<DelayGroup>() as f64 + group_weight)
    }
}

/// The mean plus [`SIGMAS`] standard deviations of a binomial count of `trials` with
/// probability `p`, rounded up.
fn binomial_bound(trials: f64, p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    (trials * p + SIGMAS * (trials * p * (1.0 - p)).sqrt()).ceil()
}

/// Most connections one presynaptic node gets from `connector` between populations of `n_pre`
/// and `n_post` members: exact for the deterministic rules, the mean plus [`SIGMAS`] standard
/// deviations of a binomial count for the random ones.
fn fan_out(connector: &Connector, n_pre: usize, n_post: usize) -> f64 {
    let n_post = n_post as f64;
    match connector {
        Connector::AllToAll { .. } => n_post,
        Connector::OneToOne => 1.0,
        Connector::FixedProbability { p, .. } => binomial_bound(n_post, *p).min(n_post),
        Connector::FixedNumberPre {
            n,
            with_replacement,
            ..
        } => {
            let per_post = *n as f64;
            let trials = if *with_replacement {
                per_post * n_post
            } else {
                n_post
            };
            let p = if *with_replacement {
                1.0 / n_pre.max(1) as f64
            } else {
                per_post / n_pre.max(1) as f64
            };
            binomial_bound(trials, p)
        }
        Connector::FromList { connections } => {
            let mut per_pre = std::collections::HashMap::new();
            for row in connections {
                *per_pre.entry(row[0].to_bits()).or_insert(0usize) += 1;
            }
            per_pre.values().copied().max().unwrap_or(0) as f64
        }
    }
}

/// What projection `p` from `pre` to `post` costs (see [`ProjectionCost`]).
pub(super) fn projection_cost(
    p: &Projection,
    pre: &Population,
    post: &Population,
) -> ProjectionCost {
    let same = p.pre == p.post;
    let (expected, connections) = connection_count(&p.connector, pre.size, post.size, same);
    let word = size_of::<usize>() as f64;
    let scratch = match &p.connector {
        // Per post neuron: its candidates, and the pool drawn from (or the draws).
        Connector::FixedNumberPre {
            n,
            with_replacement,
            ..
        } => {
            let drawn = if *with_replacement {
                *n as f64
            } else {
                pre.size as f64
            };
            word * (pre.size as f64 + drawn)
        }
        _ => 0.0,
    };
    let fan_out = fan_out(&p.connector, pre.size, post.size).min(connections);
    // Drawn values are drawn one at a time, as the connections are made.
    let values = |v: &Values| match v {
        Values::PerConnection(list) => size_of_val(list.as_slice()) as f64,
        _ => 0.0,
    };
    let rows = match &p.connector {
        Connector::FromList { connections } => (connections.iter())
            .map(|row| size_of::<Vec<f64>>() + heap_block(size_of_val(row.as_slice())))
            .sum::<usize>() as f64,
        _ => 0.0,
    };
    // One group per presynaptic node and delay: at most one per pre neuron for one delay.
    let rows_with_delays = matches!(&p.connector,
        Connector::FromList { connections } if connections.first().is_some_and(|r| r.len() == 4));
    let one_delay = matches!(p.delay, Values::Constant(_)) && !rows_with_delays;
    let groups = if one_delay {
        connections.min(pre.size as f64)
    } else {
        connections
    };
    let plastic = match p.synapse {
        SynapseModel::TsodyksMarkram(_) => size_of::<TsoSynapse>() as f64,
        _ => 0.0,
    };
    ProjectionCost {
        connections,
        expected,
        scratch,
        fan_out,
        plastic,
        lossy: p.p_transmit < 1.0,
        description: values(&p.weight) + values(&p.delay) + rows,
        groups,
    }
}

/// What one population costs [bytes].
pub(super) struct PopulationCost {
    /// Its description beyond its fixed size: per-neuron parameters, spike times.
    pub description: f64,
    /// Lowered: neuron states and models (and what they hold), or sources; their bookkeeping.
    pub lowered: f64,
    /// Its folded inputs.
    pub folded: f64,
    /// Scratch while the folded inputs are found.
    pub folding: f64,
    /// Buffers of the run: event queue entries, windows, membrane samples, recording buffers.
    pub running: f64,
}

/// What population `p` of `experiment` costs, given what its `projections` cost and the
/// number of `neurons` of the network.
pub(super) fn population_cost(
    experiment: &Experiment,
    p: usize,
    projections: &[ProjectionCost],
    neurons: usize,
) -> PopulationCost {
    let population = &experiment.populations()[p];
    let size = population.size as f64;
    let recording = recording_bytes(experiment, p) as f64;
    if let Some(lowered) = population.cell.visit_neuron(NeuronBytes {
        size: population.size,
    }) {
        // A window's sample rows (at most MAX_WINDOW_SAMPLES) and the samples its neurons
        // took, the column of each neuron of a recorded population, and its initial state.
        let sampled = signal_of(experiment, p).map_or(0, |s| {
            let row = s.variables.len() * size_of::<f64>() + window::TAKEN_SAMPLE_BYTES;
            row * s.indices.len() * window_rows(experiment)
                + population.size * size_of::<Option<u32>>()
        });
        let initial = population.initial.as_ref().map_or(0, |i| {
            size_of_val(i.v.as_slice())
                + size_of_val(i.syn_exc.as_slice())
                + size_of_val(i.syn_inh.as_slice())
        });
        let running = window::BYTES_PER_NEURON + queue::BYTES_PER_ENTITY;
        return PopulationCost {
            description: lowered.description,
            lowered: lowered.lowered
                + size * size_of::<(u32, u32)>() as f64
                + size_of::<GroupInfo>() as f64,
            folded: size * folded::BYTES_PER_NEURON as f64,
            folding: size * folded::BUILD_BYTES_PER_NEURON as f64,
            running: size * running as f64 + (sampled + initial) as f64 + recording,
        };
    }
    let (description, own) = source_bytes(population);
    let per_source = size_of::<Source>() + size_of::<SourceInfo>() + size_of::<bool>();
    // A source whose spikes reach one static synapse (and is not recorded) is folded into its
    // neuron: counted for populations with at most one connection per source on average, at
    // most MAX_PER_NEURON per neuron.
    let out = |foldable: bool| -> f64 {
        (experiment.projections().iter().zip(projections))
            .filter(|(q, c)| q.pre == p && (c.plastic == 0.0) == foldable)
            .map(|(_, c)| c.connections)
            .sum()
    };
    let (fixed, other) = (out(true), out(false));
    let folded = if experiment.record().spikes.contains(&p) || fixed + other > size {
        0.0
    } else {
        fixed.min((folded::MAX_PER_NEURON * neurons) as f64)
    };
    PopulationCost {
        description: description as f64,
        lowered: own as f64 + size * per_source as f64,
        folded: folded * folded::BYTES_PER_INPUT as f64,
        folding: folded * folded::BUILD_BYTES_PER_INPUT as f64,
        // Scheduled sources hold a heap entry; every id a position.
        running: size * queue::BYTES_PER_ENTITY as f64 - folded * queue::HEAP_ENTRY_BYTES as f64
            + recording,
    }
}

/// What a source population holds [bytes]: in its description (spike times) and of its own
/// (a random stream per Poisson source, a copy of its times per array source).
fn source_bytes(population: &Population) -> (usize, usize) {
    match &population.cell {
        Cell::SpikeSourcePoisson(_) => (0, population.size * heap_block(size_of::<ChaCha8Rng>())),
        Cell::SpikeSourceArray(params) => {
            let described = match &params.spike_times {
                SpikeTimes::Shared(times) => heap_block(size_of_val(times.as_slice())),
                SpikeTimes::PerSource(lists) => (lists.iter())
                    .map(|t| size_of::<Vec<f64>>() + heap_block(size_of_val(t.as_slice())))
                    .sum(),
            };
            let copies = (0..population.size)
                .map(|i| heap_block(size_of_val(params.times_of(i))))
                .sum();
            (described, copies)
        }
        _ => (0, 0),
    }
}

/// The recorder's buffers for population `p` of `experiment` [bytes]: its spike columns and its
/// membrane rows, when recorded ([`hdf5::Hdf5Recorder`]).
fn recording_bytes(experiment: &Experiment, p: usize) -> usize {
    let record = experiment.record();
    let spikes = if record.spikes.contains(&p) {
        hdf5::SPIKE_BUFFER_BYTES
    } else {
        0
    };
    let signals = signal_of(experiment, p).map_or(0, |s| {
        let samples = sample_count(experiment.t_stop(), record.interval);
        s.variables.len() * hdf5::v_buffer_bytes(s.indices.len(), samples)
    });
    spikes + signals
}

/// Most sample rows a window holds: samples every `interval` in a window no longer than the
/// smallest delay (an estimate from below of the engine's, which leaves out folded sources),
/// [`window::MAX_WINDOW`] and [`window::MAX_WINDOW_SAMPLES`] samples.
fn window_rows(experiment: &Experiment) -> usize {
    let smallest_delay = (experiment.projections().iter())
        .map(|p| match &p.delay {
            Values::Constant(d) => *d,
            Values::PerConnection(list) => list.iter().copied().fold(f64::INFINITY, f64::min),
            Values::Random(distribution) => distribution.support().0,
        })
        .fold(f64::INFINITY, f64::min);
    let interval = experiment.record().interval;
    let length = smallest_delay
        .min(window::MAX_WINDOW)
        .min(window::MAX_WINDOW_SAMPLES * interval);
    (length / interval).floor().max(0.0) as usize + 1
}

/// The recorded signals of population `p` of `experiment`, if any.
fn signal_of(experiment: &Experiment, p: usize) -> Option<&SignalSpec> {
    (experiment.record().signals.iter()).find(|s| s.population == p)
}

/// Memory [bytes] of a neuron population of `size` neurons, whatever its model.
struct NeuronBytes {
    size: usize,
}

/// What [`NeuronBytes`] finds [bytes].
struct NeuronMemory {
    /// Per-neuron parameter sets of the description.
    description: f64,
    /// States, lowered models and what they hold.
    lowered: f64,
}

impl NeuronVisitor for NeuronBytes {
    type Out = NeuronMemory;

    fn visit<M: NeuronModel>(self, params: &NeuronParams<M::Params>) -> NeuronMemory {
        let sets = params.sets().len();
        let description = match params {
            NeuronParams::Shared(_) => 0,
            NeuronParams::PerNeuron(_) => size_of_val(params.sets()),
        };
        let lowered =
            self.size * size_of::<M::State>() + sets * size_of::<M>() + M::heap_bytes(params);
        NeuronMemory {
            description: description as f64,
            lowered: lowered as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_blocks_follow_glibc() {
        assert_eq!(heap_block(0), 0);
        assert_eq!(heap_block(1), 32);
        assert_eq!(heap_block(24), 32);
        assert_eq!(heap_block(25), 48);
        assert_eq!(heap_block(96), 112);
    }

    #[test]
    fn connection_counts_of_every_rule() {
        let all = |allow_self_connections| Connector::AllToAll {
            allow_self_connections,
        };
        assert_eq!(
            connection_count(&all(false), 1000, 1000, true),
            (999_000.0, 999_000.0)
        );
        assert_eq!(connection_count(&all(false), 1000, 1000, false), (1e6, 1e6));
        assert_eq!(connection_count(&all(true), 1000, 1000, true), (1e6, 1e6));
        assert_eq!(connection_count(&all(false), 300, 20, false), (6e3, 6e3));
        let p = Connector::FixedProbability {
            p: 0.1,
            allow_self_connections: true,
        };
        // Binomial(1e6, 0.1): mean 1e5, sd 300.
        assert_eq!(connection_count(&p, 1000, 1000, true), (1e5, 101_500.0));
        let never = Connector::FixedProbability {
            p: 0.0,
            allow_self_connections: false,
        };
        assert_eq!(connection_count(&never, 1000, 1000, true), (0.0, 0.0));
        let n = |with_replacement| Connector::FixedNumberPre {
            n: 10,
            allow_self_connections: false,
            with_replacement,
        };
        assert_eq!(connection_count(&n(false), 10, 10, true), (90.0, 90.0));
        assert_eq!(connection_count(&n(false), 50, 7, true), (70.0, 70.0));
        assert_eq!(connection_count(&n(true), 10, 10, true), (100.0, 100.0));
        assert_eq!(connection_count(&n(true), 1, 1, true), (0.0, 0.0));
        let rows = Connector::FromList {
            connections: vec![vec![0.0, 1.0]; 7],
        };
        assert_eq!(connection_count(&rows, 2, 2, false), (7.0, 7.0));
        assert_eq!(
            connection_count(&Connector::OneToOne, 5, 5, true),
            (5.0, 5.0)
        );
    }
}
