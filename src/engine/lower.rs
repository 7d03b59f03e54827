//! Lowering a validated experiment's populations into engine state, in one place: every neuron
//! population becomes a [`NeuronGroup`] through its model's own lowering (see
//! [`crate::models`]), every source population one [`Source`] per member with its own random
//! stream, keyed by the population's name and the member's index (see [`crate::rng`]).

use super::{GroupInfo, SourceInfo};
use crate::config::{Cell, Experiment};
use crate::models::NeuronGroup;
use crate::network::{Network, Placement};
use crate::rng::source_stream;
use crate::source::Source;

/// The populations of an experiment as engine state.
pub(super) struct Lowered {
    /// One group per neuron population, in population order.
    pub groups: Vec<NeuronGroup>,
    /// Bookkeeping of each group.
    pub group_info: Vec<GroupInfo>,
    /// Global neuron index → (group, local index).
    pub locate: Vec<(u32, u32)>,
    /// One source per member of every source population, in population order.
    pub sources: Vec<Source>,
    /// Bookkeeping of each source.
    pub source_info: Vec<SourceInfo>,
    /// Per population, its group if it is a neuron population.
    pub group_of_population: Vec<Option<usize>>,
}

/// Lower the populations of `experiment`, laid out as in `network`.
pub(super) fn populations(experiment: &Experiment, network: &Network) -> Lowered {
    let mut lowered = Lowered {
        groups: Vec::new(),
        group_info: Vec::new(),
        locate: Vec::with_capacity(network.neuron_count as usize),
        sources: Vec::with_capacity(network.source_count as usize),
        source_info: Vec::with_capacity(network.source_count as usize),
        group_of_population: Vec::with_capacity(experiment.populations().len()),
    };
    for (p, population) in experiment.populations().iter().enumerate() {
        let spike_slot = experiment.record().spikes.iter().position(|&r| r == p);
        let first_node = network.first_node[p];
        let group = match network.placement[p] {
            Placement::Neurons { first } => {
                // Validation gives every neuron population an initial state.
                let initial = population.initial.as_ref().expect("validated neurons");
                let group = NeuronGroup::lower(&population.cell, population.size, initial);
                let info = GroupInfo {
                    first_node,
                    first_neuron: first,
                    spike_slot,
                };
                group.map(|group| lowered.add_group(group, info))
            }
            Placement::Sources { .. } => {
                for local in 0..population.size {
                    let source = match &population.cell {
                        Cell::SpikeSourcePoisson(params) => Source::poisson(
                            params.of(local),
                            source_stream(experiment.run_seed(), &population.name, local as u64),
                        ),
                        Cell::SpikeSourceArray(params) => Source::array(params, local),
                        _ => unreachable!("neuron populations are placed as neurons"),
                    };
                    lowered.sources.push(source);
                    lowered.source_info.push(SourceInfo {
                        node: first_node + local as u32,
                        local: local as u32,
                        spike_slot,
                    });
                }
                None
            }
        };
        lowered.group_of_population.push(group);
    }
    lowered
}

impl Lowered {
    /// Add `group` with its bookkeeping; returns its index.
    fn add_group(&mut self, group: NeuronGroup, info: GroupInfo) -> usize {
        let index = self.groups.len();
        self.locate
            .extend((0..group.len() as u32).map(|local| (index as u32, local)));
        self.group_info.push(info);
        self.groups.push(group);
        index
    }
}
