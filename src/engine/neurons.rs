//! Neuron groups: the states of one population together with its lowered model, dispatched
//! statically over the registered models ([`crate::models::NeuronGroup`]).

use crate::models::{dispatch, NeuronGroup};
use crate::neuron::ExactNeuron;

/// The neurons of one population with their lowered model(s).
#[derive(Clone, Debug)]
pub struct Group<M: ExactNeuron> {
    /// The lowered model shared by all neurons (one entry), or one per neuron.
    pub models: Vec<M>,
    /// One state per neuron.
    pub states: Vec<M::State>,
}

impl<M: ExactNeuron> Group<M> {
    /// `size` neurons at membrane potential `v` [mV] with one model shared by all, or one per
    /// neuron.
    pub(crate) fn new(models: Vec<M>, size: usize, v: f64) -> Self {
        // Validation makes one parameter set per neuron or one for all, and each model lowers
        // one set into one model, so this holds for every validated experiment.
        assert!(
            models.len() == 1 || models.len() == size,
            "one model, or one per neuron"
        );
        let states = (0..size)
            .map(|i| models[i.min(models.len() - 1)].initial_state(v))
            .collect();
        Self { models, states }
    }

    /// Index into `models` of neuron `local`'s model.
    #[inline]
    fn model_index(&self, local: usize) -> usize {
        if self.models.len() == 1 {
            0
        } else {
            local
        }
    }

    /// Neuron `local`'s model and state.
    #[inline]
    pub(super) fn neuron(&mut self, local: usize) -> (&M, &mut M::State) {
        let m = self.model_index(local);
        (&self.models[m], &mut self.states[local])
    }

    fn refractory_until(&self, local: usize) -> f64 {
        self.models[self.model_index(local)].refractory_until(&self.states[local])
    }

    fn predict(&mut self, local: usize, horizon: f64) -> Option<f64> {
        let (model, state) = self.neuron(local);
        model.next_spike_before(state, horizon)
    }

    fn shift_rest(&mut self, local: usize, t: f64, dv: f64, horizon: f64) -> Option<f64>
    where
        M: Clone,
    {
        if self.models.len() == 1 && self.states.len() > 1 {
            // The shared model becomes one per neuron (the Q_s table stays shared).
            self.models = vec![self.models[0].clone(); self.states.len()];
        }
        let m = self.model_index(local);
        let state = &mut self.states[local];
        self.models[m].advance(state, t);
        self.models[m] = self.models[m].with_rest_shifted(state, dv);
        self.models[m].next_spike_before(state, horizon)
    }

    fn potentials(&self, t: f64, out: &mut Vec<f64>) {
        out.clear();
        out.extend(
            self.states
                .iter()
                .enumerate()
                .map(|(i, s)| self.models[self.model_index(i)].membrane_potential(s, t)),
        );
    }
}

impl NeuronGroup {
    /// End [ms] of neuron `local`'s current or last refractory period (see
    /// [`crate::neuron::ExactNeuron::refractory_until`]).
    #[inline]
    pub fn refractory_until(&self, local: usize) -> f64 {
        dispatch!(self, g => g.refractory_until(local))
    }

    /// Spike time [ms] of neuron `local` in `[now, horizon]` without further input.
    pub fn predict(&mut self, local: usize, horizon: f64) -> Option<f64> {
        dispatch!(self, g => g.predict(local, horizon))
    }

    /// Raise neuron `local`'s `v_rest` by `dv` [mV] at time `t` [ms] (not before its state's
    /// time); returns its next spike time [ms] in `[t, horizon]` under the new resting potential.
    pub fn shift_rest(&mut self, local: usize, t: f64, dv: f64, horizon: f64) -> Option<f64> {
        dispatch!(self, g => g.shift_rest(local, t, dv, horizon))
    }

    /// Membrane potentials [mV] of all neurons at time `t` [ms] into `out`.
    pub fn potentials(&self, t: f64, out: &mut Vec<f64>) {
        dispatch!(self, g => g.potentials(t, out))
    }

    /// Membrane potential [mV] of neuron `local` at time `t` [ms] (not before its state's time).
    pub fn potential(&self, local: usize, t: f64) -> f64 {
        dispatch!(self, g => g.models[g.model_index(local)].membrane_potential(&g.states[local], t))
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        dispatch!(self, g => g.states.len())
    }

    /// Whether the group has no neurons.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
