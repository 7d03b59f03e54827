//! `IF_cond_exp`: leaky integrate-and-fire neuron with exponentially decaying synaptic conductances.
//!
//! `cm dV/dt = (cm/tau_m)(v_rest − V) + g_E (e_rev_E − V) + g_I (e_rev_I − V) + i_offset`,
//! `dg_X/dt = −g_X / tau_syn_X`; an input of weight w [µS] adds w to g_X.

mod closed_form;
mod general;
mod input_loop;
mod taylor;
#[cfg(test)]
mod taylor_tests;
#[cfg(test)]
mod tests;

use super::params::lif_params;

use super::{ExactNeuron, InputFeed, InputRun, Observation, Receptor};
use crate::numerics::quadrature::AdaptiveGauss;
use crate::numerics::special::QTable;
use std::sync::Arc;

lif_params! {
    /// PyNN parameters of `IF_cond_exp` with PyNN's defaults (ms, mV, nF, nA): a LIF neuron
    /// with exponentially decaying synaptic conductances [µS].
    pub struct CondExpParams = "IF_cond_exp" {
        e_rev_E: "mV", 0.0, Finite, "Excitatory reversal potential";
        e_rev_I: "mV", -70.0, Finite, "Inhibitory reversal potential";
    }
}

impl super::NeuronModel for CondExp {
    type Params = CondExpParams;
    const CONDUCTANCE_BASED: bool = true;

    /// Neurons after the first share its Q_s table where their time constants allow.
    fn lower(params: &super::NeuronParams<CondExpParams>) -> Vec<Self> {
        let Some((first, others)) = params.sets().split_first() else {
            return Vec::new();
        };
        let first = CondExp::new(first);
        let others: Vec<CondExp> = (others.iter())
            .map(|p| CondExp::new_like(p, &first))
            .collect();
        std::iter::once(first).chain(others).collect()
    }

    /// A quadrature rule per model; one `Q_s` table for the first set, and one for each later
    /// set that cannot share it.
    fn heap_bytes(params: &super::NeuronParams<CondExpParams>) -> usize {
        let Some((first, others)) = params.sets().split_first() else {
            return 0;
        };
        let shared = table_order(first);
        let own = (others.iter())
            .filter(|p| table_order(p).is_some_and(|s| shared != Some(s)))
            .count();
        (usize::from(shared.is_some()) + own) * QTable::BYTES
            + params.sets().len() * AdaptiveGauss::HEAP_BYTES
    }
}

/// The order `s = tau_syn / tau_m` of the `Q_s` table of a neuron with parameters `p`, when it
/// has one (equal synaptic time constants: the closed form).
fn table_order(p: &CondExpParams) -> Option<f64> {
    (p.tau_syn_E == p.tau_syn_I).then(|| p.tau_syn_E / p.tau_m)
}

/// Search steps ([`CondExp::search_tau`]) a spike search looks ahead (general method;
/// [`ExactNeuron::search_until`]). Two (when a step was a propagation panel) made the COBA
/// benchmark network 15 % slower (searches past the next delivered input are wasted) and the
/// `throughput` COBA row, with its inputs known in advance, 17 % faster (fewer wakes).
const SEARCH_STEPS: f64 = 1.0;

/// How far [in units of `tau_m`] a closed-form spike search looks at most
/// ([`ExactNeuron::lookahead_until`]): far enough that a neuron without input wakes only
/// a few times before it fires, near enough that a crossing is rarely located in vain.
const LOOKAHEAD_TAU_M: f64 = 1.0;

/// Relative voltage tolerance: computed potentials carry an absolute error of about
/// `V_TOL_REL · scale`, where `scale` [mV] is the largest reversal/threshold/reset distance from the
/// lowered origin. Crossing proofs keep this margin.
const V_TOL_REL: f64 = 1e-12;

/// Width [ms] below which a spike-search interval is neither proven crossing-free nor bracketed
/// (a threshold graze): it counts as a spike iff `V ≥ v_thresh` at its right end.
pub const GRAZE_WIDTH: f64 = 1e-12;

/// Spike times are refined until the bracket is narrower than this [ms]; the returned time is the
/// bracket's right end, where `V ≥ v_thresh` (so it never precedes the computed crossing).
pub const SPIKE_TIME_TOL: f64 = 1e-13;

/// Propagation tolerance per unit normalised time, relative to `scale` (mixed time constants: the
/// Taylor truncation bound, or the quadrature estimate).
const PROPAGATION_TOL_REL: f64 = 1e-14;

/// Normalised time below which the closed form is replaced by its third-order Taylor expansion
/// (truncation error ≤ (1e-5)^4/24 relative to the rate scale; avoids cancellation in V − V0).
const TAYLOR_TAU: f64 = 1e-5;

/// Lowered, immutable `IF_cond_exp` constants shared by a population.
///
/// Internally potentials are measured from the origin `v0 = v_rest + i_offset / g_L` [mV], which
/// absorbs the constant current exactly; conductances are scaled by `g_L = cm / tau_m` [µS]
/// (dimensionless `ĝ`), and normalised time is `t / tau_m`. In these units
/// `dV/dτ = −V + ĝ_E (E_E − V) + ĝ_I (E_I − V)`.
///
/// * `tau_syn_E == tau_syn_I`: closed form `V(τ) = a·V0 + E_s [Q_s(u1) − a Q_s(u0)]` (Brette 2006
///   in Tricomi form, see [`crate::numerics::special`]), exact spike test, Newton + Illinois.
/// * otherwise: Taylor panels with a proven truncation bound (quadrature of the
///   variation-of-constants integral where that bound fails) and a certified spike search with a
///   linear comparison bound (see [`CondExp::next_spike`]).
#[derive(Clone, Debug)]
pub struct CondExp {
    /// Membrane time constant [ms].
    tau_m: f64,
    /// Excitatory synaptic time constant [ms].
    tau_e: f64,
    /// Inhibitory synaptic time constant [ms].
    tau_i: f64,
    /// Refractory period [ms].
    tau_refrac: f64,
    /// `1 / tau_m` [1/ms].
    rate_m: f64,
    /// `1 / tau_syn_E` [1/ms].
    rate_e: f64,
    /// `1 / tau_syn_I` [1/ms].
    rate_i: f64,
    /// Leak conductance `cm / tau_m` [µS].
    g_l: f64,
    /// `1 / g_L` [1/µS].
    inv_g_l: f64,
    /// Origin of the internal potentials, `v_rest + i_offset / g_L` [mV].
    v0: f64,
    /// Excitatory reversal potential relative to `v0` [mV].
    e_e: f64,
    /// Inhibitory reversal potential relative to `v0` [mV].
    e_i: f64,
    /// Threshold relative to `v0` [mV].
    theta: f64,
    /// Reset potential relative to `v0` [mV].
    v_reset: f64,
    /// `tau_syn_E / tau_m`.
    s_e: f64,
    /// `tau_syn_I / tau_m`.
    s_i: f64,
    /// `tau_m / tau_syn_E` (the excitatory decay rate in normalised time).
    inv_s_e: f64,
    /// `tau_m / tau_syn_I` (the inhibitory decay rate in normalised time).
    inv_s_i: f64,
    /// Absolute voltage tolerance `V_TOL_REL · scale` [mV].
    v_tol: f64,
    /// Absolute propagation tolerance per unit normalised time [mV].
    propagation_tol: f64,
    /// `Q_s` for `s = tau_syn / tau_m` when both synaptic time constants are equal.
    closed_form: Option<Arc<QTable>>,
    /// Quadrature rule for the general case (where the Taylor bound fails).
    quad: AdaptiveGauss,
    /// How the general case propagates the membrane.
    general: GeneralMethod,
}

/// Propagation of the free membrane for different synaptic time constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralMethod {
    /// Taylor panels with a proven truncation bound, quadrature where the bound fails (the
    /// default).
    Taylor,
    /// Adaptive Gauss–Legendre quadrature only (for cross-checks; about 5× slower).
    Quadrature,
}

/// State of one `IF_cond_exp` neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct CondExpState {
    /// Time the state refers to [ms].
    t: f64,
    /// End of the refractory period [ms] (`V` is clamped to `v_reset` before it).
    t_ref: f64,
    /// Membrane potential relative to the model's origin `v_rest + i_offset / g_L` [mV].
    v: f64,
    /// Excitatory conductance [µS].
    g_e: f64,
    /// Inhibitory conductance [µS].
    g_i: f64,
    /// Cache of `Q_s(s ĝ)` for the current total conductance (equal time constants only);
    /// NaN when stale.
    q: f64,
    /// Free evolution of this state to a later time [ms] without input, remembered by the last
    /// bounded spike search so that the next `advance` to exactly that time is free.
    ahead: Option<(f64, Free)>,
}

impl CondExpState {
    /// Time the state refers to [ms].
    pub fn time(&self) -> f64 {
        self.t
    }

    /// End of the refractory period [ms].
    pub fn refractory_until(&self) -> f64 {
        self.t_ref
    }

    /// Membrane potential relative to the model's origin `v_rest + i_offset·tau_m/cm` [mV]; use
    /// [`ExactNeuron::membrane_potential`] for the absolute value.
    pub fn v_relative(&self) -> f64 {
        self.v
    }

    /// Excitatory conductance [µS].
    pub fn g_exc(&self) -> f64 {
        self.g_e
    }

    /// Inhibitory conductance [µS].
    pub fn g_inh(&self) -> f64 {
        self.g_i
    }
}

/// A free (non-refractory) point of a trajectory in internal units: `v` [mV from origin],
/// `ge`, `gi` [units of g_L], and the cached `Q_s(s (ge + gi))` (NaN if unknown).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Free {
    v: f64,
    ge: f64,
    gi: f64,
    q: f64,
}

/// A free point at the origin without conductance (a base for struct updates).
const FREE_ZERO: Free = Free {
    v: 0.0,
    ge: 0.0,
    gi: 0.0,
    q: f64::NAN,
};

impl CondExp {
    /// Lower validated parameters (`cm`, `tau_*` > 0, `tau_refrac ≥ 0`, `v_reset < v_thresh`,
    /// all finite) into the constants used by the dynamics.
    pub fn new(p: &CondExpParams) -> CondExp {
        Self::lower(p, None)
    }

    /// Like [`CondExp::new`], sharing `other`'s tabulated `Q_s` when both have the same
    /// `s = tau_syn / tau_m` (for populations with per-neuron parameters).
    pub fn new_like(p: &CondExpParams, other: &CondExp) -> CondExp {
        Self::lower(p, other.closed_form.clone())
    }

    fn lower(p: &CondExpParams, table: Option<Arc<QTable>>) -> CondExp {
        let g_l = p.cm / p.tau_m;
        let v0 = p.v_rest + p.i_offset / g_l;
        let (e_e, e_i) = (p.e_rev_E - v0, p.e_rev_I - v0);
        let (theta, v_reset) = (p.v_thresh - v0, p.v_reset - v0);
        let scale = potential_scale(&[e_e, e_i, theta, v_reset]);
        let closed_form = table_order(p).map(|s| match table {
            Some(table) if table.order() == s => table,
            _ => Arc::new(QTable::new(s)),
        });
        CondExp {
            tau_m: p.tau_m,
            tau_e: p.tau_syn_E,
            tau_i: p.tau_syn_I,
            tau_refrac: p.tau_refrac,
            rate_m: 1.0 / p.tau_m,
            rate_e: 1.0 / p.tau_syn_E,
            rate_i: 1.0 / p.tau_syn_I,
            g_l,
            inv_g_l: 1.0 / g_l,
            v0,
            e_e,
            e_i,
            theta,
            v_reset,
            s_e: p.tau_syn_E / p.tau_m,
            s_i: p.tau_syn_I / p.tau_m,
            inv_s_e: p.tau_m / p.tau_syn_E,
            inv_s_i: p.tau_m / p.tau_syn_I,
            v_tol: V_TOL_REL * scale,
            propagation_tol: PROPAGATION_TOL_REL * scale,
            closed_form,
            quad: AdaptiveGauss::new(),
            general: GeneralMethod::Taylor,
        }
    }

    /// Like [`CondExp::new`] but always uses the general (Taylor) path, even for equal
    /// synaptic time constants. For cross-checking the two paths.
    pub fn new_general(p: &CondExpParams) -> CondExp {
        CondExp {
            closed_form: None,
            ..CondExp::new(p)
        }
    }

    /// The same model with the general case propagated by `method` (for cross-checks).
    pub fn with_general_method(self, method: GeneralMethod) -> CondExp {
        CondExp {
            general: method,
            ..self
        }
    }

    /// Whether the closed form (equal synaptic time constants) is used.
    pub fn is_closed_form(&self) -> bool {
        self.closed_form.is_some()
    }

    /// Absolute voltage tolerance of the spike search [mV] (`1e-12 ·` largest relative potential).
    pub fn voltage_tolerance(&self) -> f64 {
        self.v_tol
    }

    // ----- state <-> free points --------------------------------------------------------------

    /// The free starting point of `st` and its time [ms]: `st` itself, or the end of the
    /// refractory period with `V = v_reset` and decayed conductances.
    fn start(&self, st: &CondExpState) -> (f64, Free) {
        let (ge, gi) = self.normalised(st.g_e, st.g_i);
        if st.t >= st.t_ref {
            let q = if st.q.is_nan() {
                self.q_at(ge, gi)
            } else {
                st.q
            };
            return (st.t, Free { v: st.v, ge, gi, q });
        }
        let (ge, gi) = self.decayed(
            &Free {
                ge,
                gi,
                ..FREE_ZERO
            },
            st.t_ref - st.t,
        );
        let q = self.q_at(ge, gi);
        (
            st.t_ref,
            Free {
                v: self.v_reset,
                ge,
                gi,
                q,
            },
        )
    }

    /// `Q_s(s (ge + gi))` on the closed-form path, NaN otherwise.
    fn q_at(&self, ge: f64, gi: f64) -> f64 {
        match &self.closed_form {
            Some(qf) => qf.eval(qf.order() * (ge + gi)),
            None => f64::NAN,
        }
    }

    /// Free evolution of `f` over `dt ≥ 0` [ms] without input.
    fn evolve(&self, f: &Free, dt: f64) -> Free {
        if dt <= 0.0 {
            return *f;
        }
        match &self.closed_form {
            Some(qf) => self.evolve_closed(qf, f, dt, (-dt * self.rate_e).exp()),
            None => self.evolve_general(f, dt),
        }
    }

    /// `dV/dt` [mV/ms] at a free point (both paths).
    fn slope(&self, f: &Free) -> f64 {
        (-(1.0 + f.ge + f.gi) * f.v + f.ge * self.e_e + f.gi * self.e_i) * self.rate_m
    }

    /// Conductances of `f` after `dt` [ms].
    fn decayed(&self, f: &Free, dt: f64) -> (f64, f64) {
        let decay_e = (-dt * self.rate_e).exp();
        let decay_i = if self.tau_i == self.tau_e {
            decay_e
        } else {
            (-dt * self.rate_i).exp()
        };
        (f.ge * decay_e, f.gi * decay_i)
    }
}

/// Outcome of a spike search on `[0, h]` (times in ms after the search start).
#[derive(Clone, Copy, Debug)]
struct Search {
    /// The first crossing, if any in `[0, h]`.
    spike: Option<f64>,
    /// The free point at `h`, when the search computed it (for reuse by `advance`).
    at_horizon: Option<Free>,
}

impl Search {
    /// No crossing, nothing to reuse.
    const NONE: Search = Search {
        spike: None,
        at_horizon: None,
    };

    fn spike(t: f64) -> Search {
        Search {
            spike: Some(t),
            at_horizon: None,
        }
    }

    /// Drop a crossing found after `h`.
    fn filter(self, h: f64) -> Search {
        Search {
            spike: self.spike.filter(|&t| t <= h),
            ..self
        }
    }
}

impl From<Option<f64>> for Search {
    fn from(spike: Option<f64>) -> Search {
        Search {
            spike,
            at_horizon: None,
        }
    }
}

/// The scale of the relative potentials [mV] that sets the tolerances: the largest magnitude,
/// at least 1 µV.
fn potential_scale(potentials: &[f64]) -> f64 {
    potentials.iter().fold(1e-3f64, |m, x| m.max(x.abs()))
}

impl CondExpState {
    /// Take the values of the free point `f` (internal units) at time `t` [ms].
    fn set_free(&mut self, t: f64, f: &Free, g_l: f64) {
        self.t = t;
        self.v = f.v;
        self.g_e = f.ge * g_l;
        self.g_i = f.gi * g_l;
        self.q = f.q;
    }
}

impl CondExp {
    /// First crossing [ms, absolute] in `[st.t, horizon]`; the free point at `horizon` is kept
    /// in `st.ahead` if the search computed it (else `st.ahead` is cleared). The result goes
    /// straight into the state rather than back through the caller: reading a returned struct
    /// right after the callee stored it piecewise stalls on store-to-load forwarding.
    fn search(&self, st: &mut CondExpState, horizon: f64) -> Option<f64> {
        st.ahead = None;
        if horizon <= st.t_ref && st.t < st.t_ref {
            // Clamped to v_reset < v_thresh until t_ref ≥ horizon.
            return None;
        }
        let (t_start, f) = self.start(st);
        let h = horizon - t_start;
        let found = match &self.closed_form {
            Some(_) => self.next_spike_closed(&f, h),
            None => self.next_spike_general(&f, h),
        };
        st.ahead = found.at_horizon.map(|f_h| (horizon, f_h));
        found.spike.map(|dt| t_start + dt)
    }
}

impl CondExp {
    /// [`ExactNeuron::lookahead_until`] of a free state at `t` [ms] with free point `f` (closed
    /// form): infinite if no crossing can follow without input, else [`LOOKAHEAD_TAU_M`] ahead
    /// (at least one representable step, so that every wake makes progress).
    fn lookahead_free(&self, t: f64, f: &Free) -> f64 {
        if self.closed_never(f) {
            f64::INFINITY
        } else {
            (t + LOOKAHEAD_TAU_M * self.tau_m).max(t.next_up())
        }
    }

    /// `min(next, lookahead_free(t, f))` (the engine's search end for a free state with its next
    /// input at `next` [ms]), without the test when `next` comes first anyway.
    #[inline(always)]
    fn search_end_free(&self, t: f64, f: &Free, next: f64) -> f64 {
        if next <= t + LOOKAHEAD_TAU_M * self.tau_m {
            next
        } else {
            next.min(self.lookahead_free(t, f))
        }
    }
}

impl ExactNeuron for CondExp {
    type State = CondExpState;

    fn initial_state(&self, v: f64) -> CondExpState {
        CondExpState {
            t: 0.0,
            t_ref: 0.0,
            v: v - self.v0,
            g_e: 0.0,
            g_i: 0.0,
            q: self.q_at(0.0, 0.0),
            ahead: None,
        }
    }

    fn time(&self, state: &CondExpState) -> f64 {
        state.t
    }

    fn advance(&self, state: &mut CondExpState, t: f64) {
        debug_assert!(t >= state.t, "advance backwards: {t} < {}", state.t);
        if t <= state.t {
            return;
        }
        if let Some((t_ahead, f)) = state.ahead.take() {
            if t_ahead == t {
                state.set_free(t, &f, self.g_l);
                return;
            }
        }
        if t < state.t_ref {
            let (ge, gi) = self.decayed(
                &Free {
                    ge: state.g_e,
                    gi: state.g_i,
                    ..FREE_ZERO
                },
                t - state.t,
            );
            state.g_e = ge;
            state.g_i = gi;
            state.v = self.v_reset;
            state.q = f64::NAN;
            state.t = t;
            return;
        }
        let (t_start, f) = self.start(state);
        let f1 = self.evolve(&f, t - t_start);
        state.set_free(t, &f1, self.g_l);
    }

    /// Refractory inputs change only the conductances: decay to each arrival, add the weight.
    fn absorb(&self, state: &mut CondExpState, inputs: &[(f64, Receptor, f64)]) {
        debug_assert!(inputs
            .iter()
            .all(|&(t, ..)| t >= state.t && t < state.t_ref));
        let clamped = inputs
            .iter()
            .fold((state.t, state.g_e, state.g_i), |clamped, &input| {
                self.absorb_one(clamped, input)
            });
        self.set_clamped(state, clamped);
    }

    fn receive(&self, state: &mut CondExpState, receptor: Receptor, weight: f64) {
        state.ahead = None;
        debug_assert!(
            weight >= 0.0,
            "conductance weights must be ≥ 0 µS, got {weight}"
        );
        (state.g_e, state.g_i) = Self::with_input((state.g_e, state.g_i), receptor, weight);
        state.q = if state.t >= state.t_ref {
            let (ge, gi) = self.normalised(state.g_e, state.g_i);
            self.q_at(ge, gi)
        } else {
            f64::NAN
        };
    }

    /// See [`CondExp`]: exact test with equal synaptic time constants; otherwise the certified
    /// march. Returned times satisfy `V(t) ≥ v_thresh` (computed: by the closed form, or the
    /// Taylor polynomial of the search's panel, within its proven error) and lie within
    /// [`SPIKE_TIME_TOL`] plus `voltage_tolerance / V'` of the true crossing; trajectories whose
    /// excursion above threshold is below `voltage_tolerance` or shorter than [`GRAZE_WIDTH`] may
    /// count as non-spiking.
    fn next_spike(&self, state: &CondExpState) -> Option<f64> {
        self.search(&mut state.clone(), f64::INFINITY)
    }

    /// As [`ExactNeuron::next_spike`], limited to `[time, horizon]`: nothing to do while the
    /// neuron stays refractory up to `horizon`; otherwise the bounded tests of
    /// [`CondExp::next_spike_closed`] / [`CondExp::next_spike_general`], whose free point at
    /// `horizon` is remembered for the next `advance`.
    fn next_spike_before(&self, state: &mut CondExpState, horizon: f64) -> Option<f64> {
        self.search(state, horizon)
    }

    fn fire(&self, state: &mut CondExpState) {
        state.t_ref = state.t + self.tau_refrac;
        state.v = self.v_reset;
        state.ahead = None;
    }

    fn membrane_potential(&self, state: &CondExpState, t: f64) -> f64 {
        if t < state.t_ref {
            return self.v_reset + self.v0;
        }
        let (t_start, f) = self.start(state);
        self.evolve(&f, t - t_start).v + self.v0
    }

    fn observe(&self, state: &CondExpState, t: f64) -> Observation {
        let conductances = Free {
            ge: state.g_e,
            gi: state.g_i,
            ..FREE_ZERO
        };
        let (g_e, g_i) = self.decayed(&conductances, t - state.t);
        [self.membrane_potential(state, t), g_e, g_i]
    }

    /// The origin `v0` moves with `v_rest`, so every potential stored relative to it (threshold,
    /// reset, reversal potentials, the state's `v`) moves by `−dv`; conductances and the cached
    /// `Q_s` (a function of the conductances only) are unchanged.
    fn with_rest_shifted(&self, state: &mut CondExpState, dv: f64) -> CondExp {
        state.v -= dv;
        state.ahead = None;
        let [e_e, e_i, theta, v_reset] =
            [self.e_e, self.e_i, self.theta, self.v_reset].map(|v| v - dv);
        let scale = potential_scale(&[e_e, e_i, theta, v_reset]);
        CondExp {
            v0: self.v0 + dv,
            e_e,
            e_i,
            theta,
            v_reset,
            v_tol: V_TOL_REL * scale,
            propagation_tol: PROPAGATION_TOL_REL * scale,
            ..self.clone()
        }
    }

    fn refractory_until(&self, state: &CondExpState) -> f64 {
        state.refractory_until()
    }

    /// Closed form: infinity (its prediction is cheap). General method: one search step after
    /// the start of the free trajectory, unless no crossing can ever follow without input; the
    /// march of an unbounded prediction through a high-conductance state costs many panels,
    /// while inputs in a network usually arrive within one.
    fn search_until(&self, state: &CondExpState) -> f64 {
        if self.closed_form.is_some() {
            return f64::INFINITY;
        }
        let (t_start, f) = self.start(state);
        if self.never_after(&f) {
            return f64::INFINITY;
        }
        // At least one representable step ahead, so that every wake makes progress.
        (t_start + SEARCH_STEPS * self.search_tau(&f) * self.tau_m).max(t_start.next_up())
    }

    /// Closed form: the end of the refractory period while refractory (inputs before it only
    /// add conductance), then [`LOOKAHEAD_TAU_M`] ahead, unless no crossing can follow without
    /// input. An unbounded prediction would otherwise locate a crossing after nearly every
    /// delivered input, which the next input then pre-empts. General method: infinity
    /// (its [`ExactNeuron::search_until`] bounds every search).
    fn lookahead_until(&self, state: &CondExpState) -> f64 {
        if self.closed_form.is_none() {
            return f64::INFINITY;
        }
        if state.t < state.t_ref {
            return state.t_ref;
        }
        // A free state is its own free point (`start`), whose `Q_s` the test does not need.
        let (ge, gi) = self.normalised(state.g_e, state.g_i);
        let f = Free {
            v: state.v,
            ge,
            gi,
            q: f64::NAN,
        };
        self.lookahead_free(state.t, &f)
    }

    /// Closed form only (the general path takes events one by one).
    fn run_inputs<F: InputFeed>(
        &self,
        state: &mut CondExpState,
        feed: &mut F,
        until: f64,
    ) -> Option<InputRun> {
        self.closed_form
            .is_some()
            .then(|| self.run_closed(state, feed, until))
    }
}
