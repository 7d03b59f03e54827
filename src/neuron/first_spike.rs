//! `IF_curr_exp_first_spike`: the time-to-first-spike neuron of [`crate::ttfs`] as a cell type of
//! the engine. Its dynamics are those of `IF_curr_exp` with one synaptic time constant for both
//! signs of input and no offset current (the certified spike search of
//! [`super::curr_exp`]); after its first spike it is reset to `v_rest` and stays refractory for
//! the rest of the run, so it fires at most once. As for every cell type, the initial membrane
//! potential is PyNN's −65 mV unless given: a first-spike network starts at `v_rest`.

use super::curr_exp::{CurrExp, CurrExpParams, CurrExpState};
use super::params::cell_params;
use super::{ExactNeuron, InputFeed, InputRun, NeuronModel, NeuronParams, Observation, Receptor};

cell_params! {
    /// PyNN parameters of a first-spike layer's neurons (ms, mV, nF). The defaults are Göltz et
    /// al.'s dimensionless units read in PyNN's: tau_m = tau_syn = 1 ms, cm = 1 nF, threshold 1 mV
    /// above rest, so a weight of 1 nA is one unit of the reference's weights.
    pub struct FirstSpikeParams = "IF_curr_exp_first_spike" {
        cm: "nF", 1.0, Positive, "Membrane capacitance";
        tau_m: "ms", 1.0, Positive, "Membrane time constant";
        tau_syn: "ms", 1.0, Positive, "Decay time of the synaptic current (both signs)";
        v_rest: "mV", 0.0, Finite, "Resting potential (where a layered pattern starts)";
        v_thresh: "mV", 1.0, Finite, "Spike threshold";
    }
    relations = |p| {
        (p.v_thresh <= p.v_rest).then(|| {
            ("v_thresh", format!("must be above v_rest ({} mV), got {} mV", p.v_rest, p.v_thresh))
        })
    };
}

impl FirstSpikeParams {
    /// The `IF_curr_exp` parameters of this neuron (tau_syn_E = tau_syn_I = tau_syn, no offset
    /// current) with reset potential `v_reset` [mV] and refractory period `tau_refrac` [ms].
    pub fn curr_exp(&self, v_reset: f64, tau_refrac: f64) -> CurrExpParams {
        CurrExpParams {
            cm: self.cm,
            tau_m: self.tau_m,
            v_rest: self.v_rest,
            v_thresh: self.v_thresh,
            v_reset,
            tau_refrac,
            tau_syn_E: self.tau_syn,
            tau_syn_I: self.tau_syn,
            i_offset: 0.0,
        }
    }
}

/// The refractory period after the first spike [ms]: longer than any run (finite, so that the
/// arithmetic of `IF_curr_exp`'s refractory state stays finite).
const FOREVER: f64 = 1e300;

/// A lowered `IF_curr_exp_first_spike` population's model: `IF_curr_exp` that fires once.
#[derive(Clone, Debug)]
pub struct FirstSpike(CurrExp);

impl FirstSpike {
    /// Lower validated parameters.
    pub fn new(params: &FirstSpikeParams) -> Self {
        Self(CurrExp::new(&params.curr_exp(params.v_rest, FOREVER)))
    }
}

impl NeuronModel for FirstSpike {
    type Params = FirstSpikeParams;
    const CONDUCTANCE_BASED: bool = false;

    fn lower(params: &NeuronParams<FirstSpikeParams>) -> Vec<Self> {
        params.sets().iter().map(FirstSpike::new).collect()
    }
}

/// Every call is `IF_curr_exp`'s.
impl ExactNeuron for FirstSpike {
    type State = CurrExpState;

    fn initial_state(&self, v: f64) -> CurrExpState {
        self.0.initial_state(v)
    }

    fn time(&self, state: &CurrExpState) -> f64 {
        self.0.time(state)
    }

    fn advance(&self, state: &mut CurrExpState, t: f64) {
        self.0.advance(state, t)
    }

    fn receive(&self, state: &mut CurrExpState, receptor: Receptor, weight: f64) {
        self.0.receive(state, receptor, weight)
    }

    fn absorb(&self, state: &mut CurrExpState, inputs: &[(f64, Receptor, f64)]) {
        self.0.absorb(state, inputs)
    }

    fn next_spike(&self, state: &CurrExpState) -> Option<f64> {
        self.0.next_spike(state)
    }

    fn next_spike_before(&self, state: &mut CurrExpState, horizon: f64) -> Option<f64> {
        self.0.next_spike_before(state, horizon)
    }

    fn fire(&self, state: &mut CurrExpState) {
        self.0.fire(state)
    }

    fn membrane_potential(&self, state: &CurrExpState, t: f64) -> f64 {
        self.0.membrane_potential(state, t)
    }

    fn observe(&self, state: &CurrExpState, t: f64) -> Observation {
        self.0.observe(state, t)
    }

    fn with_rest_shifted(&self, state: &mut CurrExpState, dv: f64) -> Self {
        Self(self.0.with_rest_shifted(state, dv))
    }

    fn run_inputs<F: InputFeed>(
        &self,
        state: &mut CurrExpState,
        feed: &mut F,
        until: f64,
    ) -> Option<InputRun> {
        self.0.run_inputs(state, feed, until)
    }

    fn search_until(&self, state: &CurrExpState) -> f64 {
        self.0.search_until(state)
    }

    fn lookahead_until(&self, state: &CurrExpState) -> f64 {
        self.0.lookahead_until(state)
    }

    fn refractory_until(&self, state: &CurrExpState) -> f64 {
        self.0.refractory_until(state)
    }
}
