//! Neuron models with exact event-driven dynamics.
//!
//! Every model implements [`ExactNeuron`]: between events its state evolves by a closed-form (or
//! error-controlled, never fixed-step) solution, and [`ExactNeuron::next_spike`] predicts the first
//! threshold crossing with a test that cannot miss one. Units are PyNN's: ms, mV, nF, µS, nA.
//!
//! Refractoriness follows NEST and PyNN: after a spike at time `t_s` the membrane potential is clamped
//! to `v_reset` on `[t_s, t_s + tau_refrac]`, while the synapses keep decaying and receiving input.

pub mod cond_exp;
pub mod curr_exp;

pub use cond_exp::{CondExp, CondExpParams, CondExpState};
pub use curr_exp::{CurrExp, CurrExpParams, CurrExpState};

/// The synaptic receptor an input is delivered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Receptor {
    /// Excitatory synapse (conductance onto `e_rev_E`, or a current with weight ≥ 0).
    Excitatory,
    /// Inhibitory synapse (conductance onto `e_rev_I`, or a current with weight ≤ 0).
    Inhibitory,
}

/// Exact dynamics of one neuron model. `Self` holds the lowered (validated, precomputed) parameters
/// shared by a population; `State` is one neuron's state, which carries its own time.
///
/// Contract used by the engine, for one neuron, with times non-decreasing:
/// `advance(t)` → any number of `receive(..)` at that time → `next_spike()` (or
/// `next_spike_before(horizon)`, when the engine knows the neuron's next input arrives at
/// `horizon`); when the engine reaches the predicted spike time `t*` it calls `advance(t*)` then
/// `fire()`.
pub trait ExactNeuron {
    /// One neuron's state, including its current time [ms] and the end of its refractory period [ms].
    type State: Clone + std::fmt::Debug;

    /// State at time 0 with membrane potential `v` [mV], no synaptic input, not refractory.
    fn initial_state(&self, v: f64) -> Self::State;

    /// Time [ms] the state refers to.
    fn time(&self, state: &Self::State) -> f64;

    /// Propagate `state` without input to time `t` [ms] (`t ≥ time(state)`), exactly.
    fn advance(&self, state: &mut Self::State, t: f64);

    /// Apply an input of `weight` (µS for conductance synapses, nA for current synapses) at the
    /// state's current time.
    fn receive(&self, state: &mut Self::State, receptor: Receptor, weight: f64);

    /// Apply `inputs` — (time [ms], receptor, weight) in arrival order, from `time(state)` on —
    /// while the neuron is refractory (every time before [`ExactNeuron::refractory_until`]):
    /// the same as `advance(t)` then `receive(..)` for each, which models may do more cheaply
    /// (no spike search, no membrane update: `V` is clamped).
    fn absorb(&self, state: &mut Self::State, inputs: &[(f64, Receptor, f64)]) {
        for &(t, receptor, weight) in inputs {
            self.advance(state, t);
            self.receive(state, receptor, weight);
        }
    }

    /// First time [ms] ≥ `time(state)` at which the membrane potential reaches `v_thresh` if no further
    /// input arrives, or `None` if it never does. Never misses a crossing; the returned time is within
    /// 1e-9 ms of the true crossing (see the model's docs for the precise bound).
    fn next_spike(&self, state: &Self::State) -> Option<f64>;

    /// First threshold crossing in `[time(state), horizon]` [ms] if no further input arrives, or
    /// `None` if there is none up to and including `horizon` (which may be infinite). Same
    /// guarantees as [`ExactNeuron::next_spike`]; models override it when a bounded search is
    /// cheaper, and may remember the free evolution to `horizon` in `state` so that a following
    /// `advance(horizon)` costs nothing (the state's observable values do not change).
    fn next_spike_before(&self, state: &mut Self::State, horizon: f64) -> Option<f64> {
        self.next_spike(state).filter(|&t| t <= horizon)
    }

    /// Emit a spike at the state's current time: reset the membrane to `v_reset` and start the
    /// refractory period.
    fn fire(&self, state: &mut Self::State);

    /// Membrane potential [mV] at time `t ≥ time(state)` assuming no further input (does not mutate).
    fn membrane_potential(&self, state: &Self::State, t: f64) -> f64;

    /// This model with `v_rest` raised by `dv` [mV] (every other parameter unchanged), and `state`
    /// (already advanced to the time of the change) re-expressed for it: its membrane potential,
    /// synaptic state and refractoriness stay as they are; only the dynamics from now on change.
    fn with_rest_shifted(&self, state: &mut Self::State, dv: f64) -> Self
    where
        Self: Sized;

    /// End [ms] of the state's current or last refractory period (−∞ or ≤ `time(state)` when not
    /// refractory). Before it the membrane is clamped: inputs only change synaptic variables, no
    /// spike can occur, and no bounded spike search up to a horizon before it has side effects.
    fn refractory_until(&self, state: &Self::State) -> f64;
}
