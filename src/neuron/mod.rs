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
pub mod first_spike;
pub mod params;
pub mod variable;

pub use cond_exp::{CondExp, CondExpParams, CondExpState, GeneralMethod};
pub use curr_exp::{CurrExp, CurrExpParams, CurrExpState};
pub use params::{CellParams, NeuronParams, ParamSpec, Rule};
pub use variable::{Observation, StateVariable};

/// A neuron model as the rest of the system sees it: its PyNN parameters and how a population's
/// parameter sets are lowered into models the engine runs. A model is added by implementing
/// this (and [`ExactNeuron`]) in its own file and naming it once in [`crate::models`].
pub trait NeuronModel: ExactNeuron + Clone + std::fmt::Debug + Sized {
    /// The PyNN parameter set (made by [`params::cell_params!`]).
    type Params: CellParams;
    /// Whether the synapses are conductances (weights in µS, ≥ 0 on either receptor) rather
    /// than currents (nA, signed by receptor).
    const CONDUCTANCE_BASED: bool;

    /// The lowered models of a population with these validated parameters: one shared by all
    /// neurons, or one per neuron (in order).
    fn lower(params: &NeuronParams<Self::Params>) -> Vec<Self>;

    /// Memory [bytes] that the models [`NeuronModel::lower`] makes of these parameters hold on
    /// the heap beyond their own size (tables, quadrature rules), for the memory estimate
    /// ([`crate::engine::memory`]).
    fn heap_bytes(_params: &NeuronParams<Self::Params>) -> usize {
        0
    }
}

/// The synaptic receptor an input is delivered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Receptor {
    /// Excitatory synapse (conductance onto `e_rev_E`, or a current with weight ≥ 0).
    Excitatory,
    /// Inhibitory synapse (conductance onto `e_rev_I`, or a current with weight ≤ 0).
    Inhibitory,
}

/// The inputs that reach one neuron and nothing else (its folded inputs), in arrival order.
pub trait InputFeed {
    /// Arrival time [ms] of the next input (infinite if none).
    fn next_arrival(&self) -> f64;

    /// Take the next input: its receptor, its weight (µS or nA) and the arrival time [ms] of
    /// the input after it (infinite if none).
    fn take(&mut self) -> (Receptor, f64, f64);
}

/// Outcome of [`ExactNeuron::run_inputs`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputRun {
    /// The crossing [ms] predicted by the last spike search, if it found one (the run stops
    /// there).
    pub spike: Option<f64>,
    /// Events taken: inputs and ends of refractory periods that were due, counted as the
    /// engine counts its events.
    pub events: u64,
    /// Inputs taken from the feed.
    pub inputs: u64,
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

    /// The observable state at time `t ≥ time(state)` assuming no further input (does not
    /// mutate): membrane potential [mV] and excitatory and inhibitory synaptic state (µS for
    /// conductance synapses, nA for current synapses).
    fn observe(&self, state: &Self::State, t: f64) -> Observation;

    /// This model with `v_rest` raised by `dv` [mV] (every other parameter unchanged), and `state`
    /// (already advanced to the time of the change) re-expressed for it: its membrane potential,
    /// synaptic state and refractoriness stay as they are; only the dynamics from now on change.
    fn with_rest_shifted(&self, state: &mut Self::State, dv: f64) -> Self
    where
        Self: Sized;

    /// Run the neuron through the inputs of `feed`, and nothing else, while its next event is
    /// due at or before `until` [ms]; each event is one input, or the end of the refractory
    /// period (the inputs that arrive before it are applied in arrival order first, as by
    /// [`ExactNeuron::absorb`]), or a wake where the last search stopped looking, and each is
    /// followed by a spike search up to the next arrival or sooner (the engine's end).
    /// The first event is due now: the state has no predicted crossing before
    /// `max(feed.next_arrival(), refractory_until)`, which is at or before `until`. Stops after
    /// the first search that finds a crossing.
    ///
    /// Only models whose [`ExactNeuron::search_until`] is infinite may have such a loop (its
    /// searches end at the next arrival or at [`ExactNeuron::lookahead_until`], whichever is
    /// sooner, and a wake at the latter is one of its events). Returns `None` if the model has no such loop (the
    /// engine then takes events one by one, with the same result): otherwise the arithmetic
    /// must be exactly that of the calls the
    /// engine would make (`absorb`, `advance`, `receive`, `next_spike_before`), so that outputs
    /// do not depend on which path ran.
    fn run_inputs<F: InputFeed>(
        &self,
        _state: &mut Self::State,
        _feed: &mut F,
        _until: f64,
    ) -> Option<InputRun> {
        None
    }

    /// Time [ms] up to which a spike search from `state` should look when no input is known to
    /// come sooner: the engine bounds its search there and wakes the neuron at that time to look
    /// further. Models whose prediction is cheap however far it reaches keep the default,
    /// infinity (one search predicts the next spike); it must be a function of the state alone,
    /// so that every event loop wakes the neuron at the same times.
    fn search_until(&self, _state: &Self::State) -> f64 {
        f64::INFINITY
    }

    /// Time [ms] up to which a spike search from `state` looks for a model that finds a crossing
    /// cheaply but locates it at a cost (a neuron at rest above threshold always has one ahead,
    /// which its next input usually pre-empts): the engine bounds every search there as well,
    /// and wakes the neuron at that time to look further, unless an input comes first. The
    /// default, infinity, predicts the next spike at once. Like `search_until`, it must be a
    /// function of the state alone.
    fn lookahead_until(&self, _state: &Self::State) -> f64 {
        f64::INFINITY
    }

    /// End [ms] of the state's current or last refractory period (−∞ or ≤ `time(state)` when not
    /// refractory). Before it the membrane is clamped: inputs only change synaptic variables, no
    /// spike can occur, and no bounded spike search up to a horizon before it has side effects.
    fn refractory_until(&self, state: &Self::State) -> f64;
}
