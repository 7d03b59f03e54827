//! `IF_cond_exp`: leaky integrate-and-fire neuron with exponentially decaying synaptic conductances.
//!
//! `cm dV/dt = (cm/tau_m)(v_rest − V) + g_E (e_rev_E − V) + g_I (e_rev_I − V) + i_offset`,
//! `dg_X/dt = −g_X / tau_syn_X`; an input of weight w [µS] adds w to g_X.

use serde::Deserialize;

use super::{ExactNeuron, Receptor};

/// PyNN parameters of `IF_cond_exp` with PyNN's defaults (ms, mV, nF, nA).
#[allow(non_snake_case)]
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CondExpParams {
    /// Membrane capacitance [nF].
    pub cm: f64,
    /// Membrane time constant [ms].
    pub tau_m: f64,
    /// Resting potential [mV].
    pub v_rest: f64,
    /// Spike threshold [mV].
    pub v_thresh: f64,
    /// Reset potential after a spike [mV].
    pub v_reset: f64,
    /// Refractory period [ms].
    pub tau_refrac: f64,
    /// Excitatory conductance decay time [ms].
    pub tau_syn_E: f64,
    /// Inhibitory conductance decay time [ms].
    pub tau_syn_I: f64,
    /// Excitatory reversal potential [mV].
    pub e_rev_E: f64,
    /// Inhibitory reversal potential [mV].
    pub e_rev_I: f64,
    /// Constant injected current [nA].
    pub i_offset: f64,
}

impl Default for CondExpParams {
    fn default() -> Self {
        Self {
            cm: 1.0,
            tau_m: 20.0,
            v_rest: -65.0,
            v_thresh: -50.0,
            v_reset: -65.0,
            tau_refrac: 0.1,
            tau_syn_E: 5.0,
            tau_syn_I: 5.0,
            e_rev_E: 0.0,
            e_rev_I: -70.0,
            i_offset: 0.0,
        }
    }
}
// TEMPORARY STUB (replaced by the real model): DC-only dynamics, for wiring tests.
/// Lowered model (stub).
#[derive(Clone, Debug)]
pub struct CondExp(CondExpParams);
/// State (stub).
#[derive(Clone, Debug)]
pub struct CondExpState {
    t: f64,
    v: f64,
    refr: f64,
}
impl CondExp {
    /// stub
    pub fn new(p: &CondExpParams) -> Self {
        Self(p.clone())
    }
}
impl ExactNeuron for CondExp {
    type State = CondExpState;
    fn initial_state(&self, v: f64) -> CondExpState {
        CondExpState {
            t: 0.0,
            v,
            refr: f64::NEG_INFINITY,
        }
    }
    fn time(&self, s: &CondExpState) -> f64 {
        s.t
    }
    fn advance(&self, s: &mut CondExpState, t: f64) {
        s.v = self.membrane_potential(s, t);
        s.t = t;
    }
    fn receive(&self, s: &mut CondExpState, _r: Receptor, w: f64) {
        s.v += w;
    }
    fn next_spike(&self, s: &CondExpState) -> Option<f64> {
        let p = &self.0;
        let vinf = p.v_rest + p.i_offset * p.tau_m / p.cm;
        let (t0, v0) = if s.refr > s.t {
            (s.refr, p.v_reset)
        } else {
            (s.t, s.v)
        };
        if v0 >= p.v_thresh {
            return Some(t0);
        }
        if vinf <= p.v_thresh {
            return None;
        }
        Some(t0 + p.tau_m * ((vinf - v0) / (vinf - p.v_thresh)).ln())
    }
    fn fire(&self, s: &mut CondExpState) {
        s.v = self.0.v_reset;
        s.refr = s.t + self.0.tau_refrac;
    }
    fn membrane_potential(&self, s: &CondExpState, t: f64) -> f64 {
        let p = &self.0;
        let vinf = p.v_rest + p.i_offset * p.tau_m / p.cm;
        let (t0, v0) = if s.refr > s.t {
            if t <= s.refr {
                return p.v_reset;
            }
            (s.refr, p.v_reset)
        } else {
            (s.t, s.v)
        };
        vinf + (v0 - vinf) * (-(t - t0) / p.tau_m).exp()
    }
}
