//! Read-only views of the engine's state, for tests and diagnostics.

use super::{NeuronGroup, Simulation};
use crate::neuron::CondExpState;
use crate::synapse::Plasticity;

impl Simulation {
    /// State of neuron `neuron` (global neuron index) if it is an `IF_cond_exp` neuron: its
    /// conductances [µS] at [`CondExpState::time`] [ms], the time of its last event (they decay
    /// with `exp(−Δt/tau_syn)` from there until the next input).
    pub fn cond_exp_state(&self, neuron: u32) -> Option<&CondExpState> {
        let &(g, local) = self.locate.get(neuron as usize)?;
        match &self.groups[g as usize] {
            NeuronGroup::IfCondExp(group) => group.states.get(local as usize),
            _ => None,
        }
    }

    /// The short-term plasticity states of the network's synapses.
    pub fn plasticity(&self) -> &Plasticity {
        &self.network.plasticity
    }
}
