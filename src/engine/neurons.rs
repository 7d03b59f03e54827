//! Neuron groups: the states of one population together with its lowered model, dispatched
//! statically over the registered models ([`crate::models::NeuronGroup`]).

use super::folded::FoldedInputs;
use crate::config::InitialState;
use crate::models::{dispatch, NeuronGroup};
use crate::neuron::{ExactNeuron, Observation, Receptor};

/// The neurons of one population with their lowered model(s).
#[derive(Clone, Debug)]
pub struct Group<M: ExactNeuron> {
    /// The lowered model shared by all neurons (one entry), or one per neuron.
    pub models: Vec<M>,
    /// One state per neuron.
    pub states: Vec<M::State>,
}

impl<M: ExactNeuron> Group<M> {
    /// `size` neurons in their `initial` state with one model shared by all, or one per
    /// neuron: at the initial membrane potential, with the initial synaptic state received as
    /// an input at time 0 (when it is not zero).
    pub(crate) fn new(models: Vec<M>, size: usize, initial: &InitialState) -> Self {
        // Validation makes one parameter set per neuron or one for all, and each model lowers
        // one set into one model, so this holds for every validated experiment.
        assert!(
            models.len() == 1 || models.len() == size,
            "one model, or one per neuron"
        );
        let states = (0..size)
            .map(|i| {
                let model = &models[i.min(models.len() - 1)];
                let [v, syn_exc, syn_inh] = initial.of(i);
                let mut state = model.initial_state(v);
                for (receptor, value) in [
                    (Receptor::Excitatory, syn_exc),
                    (Receptor::Inhibitory, syn_inh),
                ] {
                    if value != 0.0 {
                        model.receive(&mut state, receptor, value);
                    }
                }
                state
            })
            .collect();
        Self { models, states }
    }

    /// Index into `models` of neuron `local`'s model.
    #[inline]
    fn model_index(&self, local: usize) -> usize {
        model_index(self.models.len(), local)
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

    fn predict(&mut self, local: usize, horizon: f64) -> (Option<f64>, f64) {
        let (model, state) = self.neuron(local);
        search(model, state, horizon)
    }

    fn shift_rest(&mut self, local: usize, t: f64, dv: f64, horizon: f64) -> (Option<f64>, f64)
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
        search(&self.models[m], state, horizon)
    }
}

/// Index of neuron `local`'s model among `models` models: the only one, or its own.
#[inline]
pub(super) fn model_index(models: usize, local: usize) -> usize {
    if models == 1 {
        0
    } else {
        local
    }
}

/// A spike search from `state` up to its next folded input at `horizon` [ms] or, sooner, where
/// the model stops looking ([`search_end`]): the crossing found, if any, and the search's end
/// [ms] (where the neuron must be woken if none).
pub(super) fn search<M: ExactNeuron>(
    model: &M,
    state: &mut M::State,
    horizon: f64,
) -> (Option<f64>, f64) {
    let end = search_end(model, state, horizon);
    (model.next_spike_before(state, end), end)
}

/// Where a spike search from `state` ends [ms]: at the next folded input at `horizon` [ms] or
/// where the model stops looking ([`ExactNeuron::search_until`],
/// [`ExactNeuron::lookahead_until`]), whichever is soonest. The model's bounds are functions of
/// the state alone, so a neuron's wakes do not depend on what is known of its inputs.
pub(super) fn search_end<M: ExactNeuron>(model: &M, state: &M::State, horizon: f64) -> f64 {
    horizon
        .min(model.search_until(state))
        .min(model.lookahead_until(state))
}

impl NeuronGroup {
    /// End [ms] of neuron `local`'s current or last refractory period (see
    /// [`crate::neuron::ExactNeuron::refractory_until`]).
    #[inline]
    pub fn refractory_until(&self, local: usize) -> f64 {
        dispatch!(self, g => g.refractory_until(local))
    }

    /// Spike time [ms] of neuron `local` without further input, searched up to its next folded
    /// input at `horizon` [ms] or sooner ([`search`]), and the search's end [ms].
    pub fn predict(&mut self, local: usize, horizon: f64) -> (Option<f64>, f64) {
        dispatch!(self, g => g.predict(local, horizon))
    }

    /// Raise neuron `local`'s `v_rest` by `dv` [mV] at time `t` [ms] (not before its state's
    /// time); returns its next spike time [ms] under the new resting potential, searched up to
    /// `horizon` [ms] or sooner, and the search's end [ms] ([`search`]).
    pub fn shift_rest(
        &mut self,
        local: usize,
        t: f64,
        dv: f64,
        horizon: f64,
    ) -> (Option<f64>, f64) {
        dispatch!(self, g => g.shift_rest(local, t, dv, horizon))
    }

    /// Observable state of neuron `local` at time `t` [ms] (not before its state's time:
    /// membrane potential [mV], excitatory and inhibitory synaptic state [µS or nA]) after the
    /// refractory `inputs` (arrival [ms], receptor, weight) that the neuron has not taken yet
    /// (its deferred folded inputs), without changing it.
    fn observe_after(&self, local: usize, inputs: &[(f64, Receptor, f64)], t: f64) -> Observation {
        dispatch!(self, g => {
            let model = &g.models[g.model_index(local)];
            super::step::observe_after(model, &g.states[local], inputs, t)
        })
    }

    /// Observable state of neuron `local` (global index `id`) at `t` [ms] with its deferred
    /// folded inputs that arrive by `until` [ms] (at most `t`; none if `None`, see
    /// [`super::signals::SignalBlock::deferred_until`]; [`super::step::NeuronStep::observe_at`]).
    pub(super) fn observe_with_deferred(
        &self,
        (id, local): (u32, usize),
        folded: &FoldedInputs,
        (t, until): (f64, Option<f64>),
    ) -> Observation {
        let mut deferred = Vec::new();
        if let Some(until) = until {
            folded.preview(id, until, self.refractory_until(local), &mut deferred);
        }
        self.observe_after(local, &deferred, t)
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
