//! Run-time changes between run segments (see [`Simulation::run_until`]): synaptic weights and
//! resting potentials, applied at [`Simulation::now`] without rebuilding the network. A weight
//! change applies to every delivery after `now`, including spikes already in flight (deliveries
//! at exactly `now` have happened); a resting potential change re-predicts the neuron's next
//! spike from its exact state at `now`. Not after an interrupted segment.

use super::queue::Kind;
use super::Simulation;
use crate::config::weight_sign_problem;
use crate::models::NeuronGroup;
use crate::network::{Placement, Synapse};
use crate::neuron::Receptor;
use crate::record::Termination;
use crate::source::Source;

/// A run-time change the engine refuses.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModifyError {
    /// The neuron index is out of range.
    #[error("no neuron {0}")]
    NoNeuron(u32),
    /// The synapse index is out of range.
    #[error("no synapse {0}")]
    NoSynapse(usize),
    /// The new weight is not finite or has the wrong sign for its receptor and target.
    #[error("synapse {synapse}: weight {weight}: {problem}")]
    Weight {
        /// Synapse index.
        synapse: usize,
        /// The refused weight [µS or nA].
        weight: f64,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The run was interrupted: neuron states may lie past [`Simulation::now`].
    #[error("the run was interrupted; no further changes")]
    Interrupted,
    /// No array source has this index in this population.
    #[error("population {population} has no spike array source {index}")]
    NoArraySource {
        /// Position of the population in the experiment.
        population: usize,
        /// Index within the population.
        index: u32,
    },
    /// New spike times that are not finite or not in order.
    #[error("spike times must be finite and in order")]
    SpikeTimes,
    /// A new end of the run that is not finite or lies before the current one.
    #[error("t_stop {requested} ms: must be finite and not before the current {current} ms")]
    TStop {
        /// The refused end [ms].
        requested: f64,
        /// The current end [ms].
        current: f64,
    },
    /// The shift of a resting potential is not finite.
    #[error("neuron {neuron}: v_rest shift {dv} mV is not finite")]
    Shift {
        /// Neuron index.
        neuron: u32,
        /// The refused shift [mV].
        dv: f64,
    },
}

impl Simulation {
    /// Time [ms] the run goes to (the experiment's `t_stop`, or what [`Simulation::extend_to`]
    /// set).
    pub fn t_stop(&self) -> f64 {
        self.t_stop
    }

    /// Time [ms] up to which every event has been processed; run-time changes take effect here.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Global node index (the index space of connections) of global neuron `neuron`.
    pub fn neuron_node(&self, neuron: u32) -> Option<u32> {
        let &(g, local) = self.locate.get(neuron as usize)?;
        Some(self.group_info[g as usize].first_node + local)
    }

    /// Global node index of member `index` of population `population` (by its position in the
    /// experiment).
    pub fn population_node(&self, population: usize, index: u32) -> Option<u32> {
        Some(self.network.first_node.get(population)? + index)
    }

    /// Global neuron index of member `index` of neuron population `population` (by its position
    /// in the experiment); `None` for a source population. The index is not checked against the
    /// population's size.
    pub fn population_neuron(&self, population: usize, index: u32) -> Option<u32> {
        match self.network.placement.get(population)? {
            Placement::Neurons { first } => Some(first + index),
            Placement::Sources { .. } => None,
        }
    }

    /// Let the run go on to `t_stop` [ms] instead of the experiment's end: for a front that
    /// learns the end only as it goes (PyNN's `run`, called again). Samples continue on the
    /// same clock; the memory estimate made when the network was built is not revised.
    pub fn extend_to(&mut self, t_stop: f64) -> Result<(), ModifyError> {
        self.not_interrupted()?;
        if !(t_stop.is_finite() && t_stop >= self.t_stop) {
            return Err(ModifyError::TStop {
                requested: t_stop,
                current: self.t_stop,
            });
        }
        self.t_stop = t_stop;
        self.sampler.extend_to(t_stop);
        Ok(())
    }

    /// Replace the spike times of array source `index` of population `population` (by its
    /// position in the experiment) from now on: the source emits the spikes of `times` [ms]
    /// after [`Simulation::now`] (earlier ones are dropped), and spikes it emitted before and
    /// that are still on their way arrive as planned.
    pub fn set_spike_times(
        &mut self,
        population: usize,
        index: u32,
        times: &[f64],
    ) -> Result<(), ModifyError> {
        self.not_interrupted()?;
        let missing = ModifyError::NoArraySource { population, index };
        let Some(&Placement::Sources { first }) = self.network.placement.get(population) else {
            return Err(missing);
        };
        let s = (first + index) as usize;
        let node = self.network.first_node[population] + index;
        let ours = self
            .source_info
            .get(s)
            .is_some_and(|info| info.node == node && info.local == index);
        if !ours {
            return Err(missing);
        }
        if times.iter().any(|t| !t.is_finite()) || times.windows(2).any(|w| w[1] < w[0]) {
            return Err(ModifyError::SpikeTimes);
        }
        let future: Vec<f64> = times.iter().copied().filter(|&t| t > self.now).collect();
        if !self.is_folded[s] {
            if !matches!(self.sources[s], Source::Array { .. }) {
                return Err(missing);
            }
            self.sources[s] = Source::Array {
                times: future,
                cursor: 0,
            };
            let id = self.network.neuron_count + s as u32;
            let next = self.sources[s].next_time();
            self.queue.schedule(id, Kind::Emission, next);
            return Ok(());
        }
        // A folded source lives in its only target neuron's inputs.
        let connectivity = &self.network.connectivity;
        let [group] = connectivity.groups_of(node) else {
            unreachable!("a folded source has one delay group");
        };
        let target = (connectivity.synapse(group.start as usize))
            .expect("a group's synapse")
            .target();
        let lost = self.folded.lost();
        if !self
            .folded
            .replace_times(target, group.start, self.now, future)
        {
            return Err(missing);
        }
        // Spikes the source lost while it drew its next one (counted as emitted and lost).
        let lost = self.folded.lost() - lost;
        self.summary.lost_events += lost;
        self.summary.source_spikes += lost;
        self.reschedule(target, |group, local, horizon| {
            group.predict(local, horizon)
        });
        Ok(())
    }

    /// Re-predict neuron `neuron` with `predict` (its group, its index in the group and its next
    /// folded input [ms]; giving its next spike and the search's end [ms]) and schedule it.
    fn reschedule(
        &mut self,
        neuron: u32,
        predict: impl FnOnce(&mut NeuronGroup, usize, f64) -> (Option<f64>, f64),
    ) {
        // Every folded input up to `now` has been applied at the pause (see `run_until`).
        let horizon = self.folded.horizon(neuron);
        let (g, local) = self.locate[neuron as usize];
        let group = &mut self.groups[g as usize];
        let (prediction, end) = predict(group, local as usize, horizon);
        let wake = super::folded::wake_time(end, group.refractory_until(local as usize));
        self.queue.schedule_neuron(neuron, prediction, wake);
    }

    fn not_interrupted(&self) -> Result<(), ModifyError> {
        match self.summary.termination {
            Termination::Interrupted { .. } => Err(ModifyError::Interrupted),
            Termination::Completed => Ok(()),
        }
    }

    /// Index of the first synapse from node `pre` onto neuron `target` at `receptor`, if any.
    pub fn find_synapse(&self, pre: u32, target: u32, receptor: Receptor) -> Option<usize> {
        let connectivity = &self.network.connectivity;
        if pre as usize + 1 >= connectivity.group_offsets.len() {
            return None;
        }
        (0..connectivity.groups_of(pre).len()).find_map(|nth| {
            let group = connectivity.group_index(pre, nth);
            (connectivity.synapses_in(group))
                .position(|s| s.target() == target && s.receptor() == receptor)
                .map(|k| connectivity.groups[group].start as usize + k)
        })
    }

    /// Synapse `synapse`: its target neuron, weight [µS or nA] and receptor.
    pub fn synapse(&self, synapse: usize) -> Option<Synapse> {
        self.network.connectivity.synapse(synapse)
    }

    /// Weight of synapse `synapse` [µS or nA].
    pub fn weight(&self, synapse: usize) -> Option<f64> {
        Some(self.network.connectivity.synapse(synapse)?.weight())
    }

    /// Set the weight of synapse `synapse` [µS onto conductances, nA onto currents; the sign
    /// rules of the experiment file apply] for every delivery from now on.
    pub fn set_weight(&mut self, synapse: usize, weight: f64) -> Result<(), ModifyError> {
        self.not_interrupted()?;
        let s =
            (self.network.connectivity.synapse(synapse)).ok_or(ModifyError::NoSynapse(synapse))?;
        let (g, _) = self.locate[s.target() as usize];
        let conductance = self.groups[g as usize].is_conductance_based();
        let problem = if weight.is_finite() {
            weight_sign_problem(weight, conductance, s.receptor())
        } else {
            Some("must be finite")
        };
        if let Some(problem) = problem {
            return Err(ModifyError::Weight {
                synapse,
                weight,
                problem,
            });
        }
        let target = s.target();
        self.network.connectivity.set_weight(synapse, weight);
        self.folded.update_weight(target, synapse, weight);
        Ok(())
    }

    /// Raise the resting potential of neuron `neuron` by `dv` [mV] at [`Simulation::now`]: its
    /// membrane potential, synaptic state and refractoriness at `now` are kept, its dynamics
    /// from `now` on use the new `v_rest`, and its next spike is predicted anew.
    pub fn shift_v_rest(&mut self, neuron: u32, dv: f64) -> Result<(), ModifyError> {
        self.not_interrupted()?;
        if self.locate.get(neuron as usize).is_none() {
            return Err(ModifyError::NoNeuron(neuron));
        }
        if !dv.is_finite() {
            return Err(ModifyError::Shift { neuron, dv });
        }
        let now = self.now;
        self.reschedule(neuron, |group, local, horizon| {
            group.shift_rest(local, now, dv, horizon)
        });
        Ok(())
    }
}
