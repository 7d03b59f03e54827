//! `IF_cond_exp`: leaky integrate-and-fire neuron with exponentially decaying synaptic conductances.
//!
//! `cm dV/dt = (cm/tau_m)(v_rest − V) + g_E (e_rev_E − V) + g_I (e_rev_I − V) + i_offset`,
//! `dg_X/dt = −g_X / tau_syn_X`; an input of weight w [µS] adds w to g_X.

use super::params::lif_params;

use super::{ExactNeuron, InputFeed, InputRun, Receptor};
use crate::numerics::quadrature::AdaptiveGauss;
use crate::numerics::root::refine_crossing;
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
        let first = CondExp::new(params.first());
        let others: Vec<CondExp> = (params.sets()[1..].iter())
            .map(|p| CondExp::new_like(p, &first))
            .collect();
        std::iter::once(first).chain(others).collect()
    }
}

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

/// Quadrature tolerance per unit normalised time, relative to `scale` (mixed time constants).
const QUAD_TOL_REL: f64 = 1e-14;

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
/// * otherwise: adaptive Gauss–Legendre quadrature of the variation-of-constants integral and a
///   certified spike search with a linear comparison bound (see [`CondExp::next_spike`]).
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
    /// Absolute voltage tolerance `V_TOL_REL · scale` [mV].
    v_tol: f64,
    /// Absolute quadrature tolerance per unit normalised time [mV].
    quad_tol: f64,
    /// `Q_s` for `s = tau_syn / tau_m` when both synaptic time constants are equal.
    closed_form: Option<Arc<QTable>>,
    /// Quadrature rule for the general case.
    quad: AdaptiveGauss,
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
        let s = p.tau_syn_E / p.tau_m;
        let closed_form = (p.tau_syn_E == p.tau_syn_I).then(|| match table {
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
            v_tol: V_TOL_REL * scale,
            quad_tol: QUAD_TOL_REL * scale,
            closed_form,
            quad: AdaptiveGauss::new(),
        }
    }

    /// Like [`CondExp::new`] but always uses the general (quadrature) path, even for equal
    /// synaptic time constants. For cross-checking the two paths.
    pub fn new_general(p: &CondExpParams) -> CondExp {
        CondExp {
            closed_form: None,
            ..CondExp::new(p)
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

    // ----- equal synaptic time constants: closed form ------------------------------------------

    /// Effective reversal potential `E_s` [mV from origin] (0 without conductance).
    fn e_s(&self, f: &Free) -> f64 {
        let g = f.ge + f.gi;
        if g > 0.0 {
            (f.ge * self.e_e + f.gi * self.e_i) / g
        } else {
            0.0
        }
    }

    /// Closed-form propagation over `dt` [ms], given the conductance decay
    /// `decay = exp(−dt / tau_syn)`: `V = E_s Q(u1) + a (V0 − E_s Q(u0))`,
    /// `a = exp(−τ − (u0 − u1))`, `u = s ĝ`; Taylor form for `τ` below [`TAYLOR_TAU`].
    fn evolve_closed(&self, qf: &QTable, f: &Free, dt: f64, decay: f64) -> Free {
        let s = qf.order();
        let tau = dt * self.rate_m;
        let (ge, gi) = (f.ge * decay, f.gi * decay);
        let g0 = f.ge + f.gi;
        let es = self.e_s(f);
        let q1 = qf.eval(s * (ge + gi));
        let rate = tau * (1.0 + g0).max(1.0 / s);
        let v = if rate < TAYLOR_TAU {
            taylor3(f.v, g0, es, s, tau)
        } else {
            // `1 − decay` loses relative accuracy only when it is tiny, where `du` itself is
            // negligible: the absolute error of `du` stays below `s ĝ0 · 1e-16`.
            let du = s * g0 * (1.0 - decay);
            let a = (-tau - du).exp();
            es * q1 + a * (f.v - es * f.q)
        };
        Free { v, ge, gi, q: q1 }
    }

    /// `dV/dt` [mV/ms] at a free point (both paths).
    fn slope(&self, f: &Free) -> f64 {
        (-(1.0 + f.ge + f.gi) * f.v + f.ge * self.e_e + f.gi * self.e_i) * self.rate_m
    }

    // ----- general case: quadrature -------------------------------------------------------------

    /// Normalised panel length: short against every rate in the integrand.
    fn panel_tau(&self, f: &Free) -> f64 {
        2.0 / (1.0 + f.ge + f.gi).max(1.0 / self.s_e).max(1.0 / self.s_i)
    }

    /// Propagation by panels of at most [`CondExp::panel_tau`].
    fn evolve_general(&self, f: &Free, dt: f64) -> Free {
        let mut cur = *f;
        let mut left = dt / self.tau_m;
        while left > 0.0 {
            let h = left.min(self.panel_tau(&cur));
            cur = self.panel(&cur, h);
            left -= h;
        }
        cur
    }

    /// One panel of normalised length `h`:
    /// `V(h) = e^{−ΔG(0)} V0 + ∫_0^h e^{−ΔG(σ)} (ĝ_E(σ) E_E + ĝ_I(σ) E_I) dσ`, with
    /// `ΔG(σ) = (h − σ) + s_E (ĝ_E(σ) − ĝ_E(h)) + s_I (ĝ_I(σ) − ĝ_I(h))`.
    fn panel(&self, f: &Free, h: f64) -> Free {
        let (ge_h, gi_h) = (f.ge * (-h / self.s_e).exp(), f.gi * (-h / self.s_i).exp());
        let integrand = |sig: f64| {
            let ge = f.ge * (-sig / self.s_e).exp();
            let gi = f.gi * (-sig / self.s_i).exp();
            let dg = (h - sig) + self.s_e * (ge - ge_h) + self.s_i * (gi - gi_h);
            (-dg).exp() * (ge * self.e_e + gi * self.e_i)
        };
        let drive = if f.ge == 0.0 && f.gi == 0.0 {
            0.0
        } else {
            self.quad
                .integrate(&integrand, 0.0, h, self.quad_tol * h)
                .value
        };
        let dg0 = h + self.s_e * (f.ge - ge_h) + self.s_i * (f.gi - gi_h);
        Free {
            v: (-dg0).exp() * f.v + drive,
            ge: ge_h,
            gi: gi_h,
            q: f64::NAN,
        }
    }
}

/// Third-order Taylor expansion of the equal-tau membrane solution at normalised time `tau`:
/// `V' = −(1+g)V + g E_s`, `g' = −g/s`, differentiated twice more.
fn taylor3(v: f64, g: f64, es: f64, s: f64, tau: f64) -> f64 {
    let g1 = -g / s;
    let g2 = g / (s * s);
    let d1 = -(1.0 + g) * v + g * es;
    let d2 = g1 * (es - v) - (1.0 + g) * d1;
    let d3 = g2 * (es - v) - 2.0 * g1 * d1 - (1.0 + g) * d2;
    v + tau * (d1 + tau * (d2 / 2.0 + tau * d3 / 6.0))
}

// ----- spike search ---------------------------------------------------------------------------

impl CondExp {
    /// Crossing time [ms after the free point] of pure leak decay `V(τ) = V0 e^{−τ}` (no
    /// conductance): only possible if the threshold lies between `V0` and the origin.
    fn decay_crossing(&self, v: f64) -> Option<f64> {
        if self.theta >= 0.0 || v >= self.theta {
            return (v >= self.theta).then_some(0.0);
        }
        let mut dt = self.tau_m * (v / self.theta).ln();
        // Nudge up until the evaluated potential has reached the threshold.
        for _ in 0..16 {
            if v * (-dt / self.tau_m).exp() >= self.theta {
                break;
            }
            dt += dt * f64::EPSILON;
        }
        Some(dt)
    }

    /// Closed-form spike test (Brette 2006, extended to a threshold below the origin).
    ///
    /// Facts used (normalised, `g(τ) = g0 e^{−τ/s}`, `V' = (1+g)(V* − V)`, nullcline
    /// `V* = g E_s/(1+g)`): at a critical point `V'' = −(g/s)(E_s − V)`, so critical points below
    /// `E_s` are maxima, above are minima, and `V` crosses `E_s` only towards the origin. Hence
    /// * `θ ≥ 0`: a spike needs `E_s > θ` and `g0 > g* = θ/(E_s − θ)`; then it occurs iff
    ///   `V(t*) ≥ θ` at `g(t*) = g*`, and the crossing is the unique one in `[0, t*]`;
    /// * `θ < 0`: `V → 0 > θ`, the trajectory has a single up-crossing, bracketed by doubling.
    ///
    /// Restricted to `[0, h]` (`h` finite): while `g > g*` the potential can only cross `θ`
    /// upwards, so for `h ≤ t*` (and always when `θ < 0`) a crossing lies in `[0, h]` iff
    /// `V(h) ≥ θ`; that one evaluation at `h` is the whole test, and it is returned for reuse.
    ///
    /// The crossing is then located by [`CondExp::locate_closed`] (safeguarded Newton).
    fn next_spike_closed(&self, f: &Free, h: f64) -> Search {
        let theta = self.theta;
        if f.v >= theta {
            return Search::spike(0.0);
        }
        let g = f.ge + f.gi;
        if g == 0.0 {
            return Search::from(self.decay_crossing(f.v).filter(|&t| t <= h));
        }
        if theta >= 0.0 {
            // `E_s > θ` and `g > g*` together: the drive `g E_s` exceeds `θ (1 + g)`.
            let drive = f.ge * self.e_e + f.gi * self.e_i;
            if drive <= theta * (1.0 + g) {
                return Search::NONE;
            }
            if h.is_finite() {
                let decay = (-h * self.rate_e).exp();
                // Still `g(h) ≥ g*` at the horizon (both `g` and the drive decay by `decay`).
                if drive * decay >= theta * (1.0 + g * decay) {
                    return self.test_at_horizon(f, h, decay);
                }
            }
            // `g(t*) = g*`: `g / g* = (g E_s − g θ) / θ`.
            let t_star = self.tau_e * ((drive - g * theta) / theta).ln();
            let f_star = self.evolve(f, t_star);
            if f_star.v < theta {
                return Search::NONE;
            }
            Search::spike(self.locate_closed(0.0, *f, t_star, f_star)).filter(h)
        } else if h.is_finite() {
            self.test_at_horizon(f, h, (-h * self.rate_e).exp())
        } else {
            match self.bracket_by_doubling(f) {
                Some((lo, f_lo, hi, f_hi)) => Search::spike(self.locate_closed(lo, f_lo, hi, f_hi)),
                None => Search::NONE,
            }
        }
    }

    /// The crossing in `[0, h]` of a trajectory that can only cross upwards there (closed form,
    /// `decay = exp(−h / tau_syn)`): located if `V(h) ≥ θ`, otherwise none, with the free point
    /// at `h` kept for reuse.
    fn test_at_horizon(&self, f: &Free, h: f64, decay: f64) -> Search {
        let f_h = match &self.closed_form {
            Some(qf) if h > 0.0 => self.evolve_closed(qf, f, h, decay),
            _ => self.evolve(f, h),
        };
        if f_h.v >= self.theta {
            Search::spike(self.locate_closed(0.0, *f, h, f_h))
        } else {
            Search {
                spike: None,
                at_horizon: Some(f_h),
            }
        }
    }

    /// `(lo, f(lo), hi, f(hi))` with `V(lo) < θ ≤ V(hi)` by doubling steps; requires `θ < 0`.
    fn bracket_by_doubling(&self, f: &Free) -> Option<(f64, Free, f64, Free)> {
        let (mut lo, mut f_lo) = (0.0, *f);
        let mut h = 0.25 * self.tau_m;
        for _ in 0..2000 {
            let f_hi = self.evolve(&f_lo, h);
            if f_hi.v >= self.theta {
                return Some((lo, f_lo, lo + h, f_hi));
            }
            lo += h;
            f_lo = f_hi;
            h *= 2.0;
        }
        None
    }

    /// Locate the unique crossing in `[lo, hi]` (times in ms after the search start), given the
    /// free points `f_lo` (`V < θ`) and `f_hi` (`V ≥ θ`) at its ends.
    ///
    /// Safeguarded two-sided Newton: the slope at every evaluated point is known in closed form,
    /// so each step is a Newton step from the end moved last (from the other end, or a secant or
    /// bisection step, when that one leaves the bracket), and every evaluation shrinks the bracket.
    /// Once a Newton step from one end lands within half the tolerance of either end, a probe one
    /// [`SPIKE_TIME_TOL`] inside that end normally closes the bracket. Returns the right end
    /// (computed `V ≥ θ`) of a bracket no wider than [`SPIKE_TIME_TOL`].
    fn locate_closed(&self, mut lo: f64, mut f_lo: Free, mut hi: f64, mut f_hi: Free) -> f64 {
        let theta = self.theta;
        let mut last_hi = false;
        for _ in 0..200 {
            let width = hi - lo;
            if width <= SPIKE_TIME_TOL {
                break;
            }
            let inside = |t: f64| t > lo && t < hi;
            // A Newton point within half the tolerance of an end (or on it, up to rounding) means
            // the root is there: probe one tolerance inside that end to close the bracket.
            let snap = |c: f64| {
                if c >= hi - 0.5 * SPIKE_TIME_TOL && c <= hi + 0.01 * width {
                    Some(hi - SPIKE_TIME_TOL)
                } else if c <= lo + 0.5 * SPIKE_TIME_TOL && c >= lo - 0.01 * width {
                    Some(lo + SPIKE_TIME_TOL)
                } else {
                    inside(c).then_some(c)
                }
            };
            // Newton points from ends with a rising potential only (NaN otherwise).
            let newton = |f: &Free, t: f64| {
                let slope = self.slope(f);
                if slope > 0.0 {
                    t + (theta - f.v) / slope
                } else {
                    f64::NAN
                }
            };
            let (newton_lo, newton_hi) = (newton(&f_lo, lo), newton(&f_hi, hi));
            let (first, second) = if last_hi {
                (newton_hi, newton_lo)
            } else {
                (newton_lo, newton_hi)
            };
            let secant = lo + width * (theta - f_lo.v) / (f_hi.v - f_lo.v);
            let mut t = snap(first)
                .or_else(|| snap(second))
                .unwrap_or(if inside(secant) {
                    secant
                } else {
                    lo + 0.5 * width
                });
            if !inside(t) {
                t = lo + 0.5 * width;
            }
            let f_t = self.evolve(&f_lo, t - lo);
            if f_t.v >= theta {
                hi = t;
                f_hi = f_t;
                last_hi = true;
            } else {
                lo = t;
                f_lo = f_t;
                last_hi = false;
            }
        }
        hi
    }

    /// Certified spike search for unequal synaptic time constants on `[0, limit]` (ms after the
    /// point; `limit` may be infinite).
    ///
    /// Marches over intervals `[a, b]`; each is either proven crossing-free by the comparison
    /// bound ([`CondExp::crossing_free`]), or searched by bisection for its first crossing
    /// ([`CondExp::first_crossing`]). Stops with none once [`CondExp::never_after`] holds, or at
    /// `limit`, whose free point is then kept for reuse.
    fn next_spike_general(&self, f: &Free, limit: f64) -> Search {
        if f.v >= self.theta {
            return Search::spike(0.0);
        }
        let end = limit.min(1e4 * self.tau_m.max(self.tau_e).max(self.tau_i));
        let (mut a, mut f_a) = (0.0, *f);
        let mut h = self.panel_tau(f) * self.tau_m;
        while a < end {
            if self.never_after(&f_a) {
                return Search::NONE;
            }
            let last = a + h >= end;
            if last {
                h = end - a;
            }
            let f_b = self.evolve_general(&f_a, h);
            if !self.crossing_free(&f_a, h) {
                if let Some(t) = self.first_crossing(a, &f_a, a + h, &f_b) {
                    return Search::spike(t);
                }
            }
            if last {
                return Search {
                    spike: None,
                    at_horizon: (end == limit).then_some(f_b),
                };
            }
            a += h;
            f_a = f_b;
            h = (2.0 * h).min(4.0 * self.panel_tau(&f_a) * self.tau_m);
        }
        Search::NONE
    }

    /// First crossing in `[a, b]` (ms), by bisection until each piece is proven crossing-free,
    /// proven to contain exactly one crossing (then refined), or narrower than [`GRAZE_WIDTH`].
    fn first_crossing(&self, a: f64, f_a: &Free, b: f64, f_b: &Free) -> Option<f64> {
        if f_a.v >= self.theta {
            return Some(a);
        }
        if self.crossing_free(f_a, b - a) {
            return None;
        }
        if f_b.v >= self.theta && self.single_crossing(f_a, b - a) {
            let base = *f_a;
            let distance = |t: f64| self.evolve_general(&base, t - a).v - self.theta;
            // Re-evaluated from `a`: if rounding breaks the bracket for the function being
            // refined, bisection below decides instead.
            if let Ok(t) = refine_crossing(distance, a, b, SPIKE_TIME_TOL) {
                return Some(t);
            }
        }
        if b - a <= GRAZE_WIDTH {
            return (f_b.v >= self.theta).then_some(b);
        }
        let m = 0.5 * (a + b);
        let f_m = self.evolve_general(f_a, m - a);
        self.first_crossing(a, f_a, m, &f_m)
            .or_else(|| self.first_crossing(m, &f_m, b, f_b))
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

    /// Proof that `V < θ` on `[0, dt]` from `f`: with `x = V − θ ≤ 0`,
    /// `dx/dτ ≤ −k x + c`, `k = 1 + ĝ_E(a) + ĝ_I(a)`,
    /// `c = max_t[ĝ_E (E_E − θ)] + max_t[ĝ_I (E_I − θ)] − θ` (each at the end where the product is
    /// largest), so `x ≤ y`, the solution of the linear comparison ODE from `x(a) + v_tol`, which is
    /// monotone; `y(b) < 0` proves the interval crossing-free.
    fn crossing_free(&self, f: &Free, dt: f64) -> bool {
        let x = f.v - self.theta + self.v_tol;
        if x >= 0.0 {
            return false;
        }
        let (ge_b, gi_b) = self.decayed(f, dt);
        let (de, di) = (self.e_e - self.theta, self.e_i - self.theta);
        let c = if de >= 0.0 { f.ge } else { ge_b } * de + if di >= 0.0 { f.gi } else { gi_b } * di
            - self.theta;
        let k = 1.0 + f.ge + f.gi;
        let kt = k * dt / self.tau_m;
        x * (-kt).exp() - (c / k) * (-kt).exp_m1() < 0.0
    }

    /// Proof that `[0, dt]` holds at most one crossing: the nullcline
    /// `V* = (ĝ_E E_E + ĝ_I E_I)/(1 + ĝ_E + ĝ_I)` stays above `θ`, so `V' > 0` whenever `V = θ`.
    fn single_crossing(&self, f: &Free, dt: f64) -> bool {
        let (ge_b, gi_b) = self.decayed(f, dt);
        let n = if self.e_e >= 0.0 { ge_b } else { f.ge } * self.e_e
            + if self.e_i >= 0.0 { gi_b } else { f.gi } * self.e_i;
        let k = if n >= 0.0 {
            1.0 + f.ge + f.gi
        } else {
            1.0 + ge_b + gi_b
        };
        n / k > self.theta
    }

    /// Proof that no crossing ever follows `f` (no input): `V < θ` and `sup_{t ≥ a} V* < θ`, using
    /// `V* ≤ max(ĝ_E E_E/(1+ĝ_E), E_I)` (weighted mean; the first term decays when `E_E ≥ 0`) and
    /// `V* ≤ ĝ_E E_E⁺ + ĝ_I E_I⁺` (decays), both at `a` (§1.5 of the reference notes).
    fn never_after(&self, f: &Free) -> bool {
        let limit = self.theta - self.v_tol;
        if f.v >= limit {
            return false;
        }
        let b_e = if self.e_e >= 0.0 {
            f.ge * self.e_e / (1.0 + f.ge)
        } else {
            0.0
        };
        let sup1 = b_e.max(self.e_i);
        let sup2 = f.ge * self.e_e.max(0.0) + f.gi * self.e_i.max(0.0);
        sup1.min(sup2) < limit
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
    /// [`ExactNeuron::run_inputs`] on the closed-form path: the calls the engine would make
    /// (`absorb`, `advance`, `receive`, `next_spike_before`), written out on a local copy of
    /// the state with the same arithmetic in the same order.
    fn run_closed<F: InputFeed>(
        &self,
        st: &mut CondExpState,
        feed: &mut F,
        until: f64,
    ) -> InputRun {
        let mut run = InputRun {
            spike: None,
            events: 0,
            inputs: 0,
        };
        // No input is due at an infinite `until`: an infinite arrival means none.
        let until = until.min(f64::MAX);
        let mut s = st.clone();
        let mut h = feed.next_arrival();
        loop {
            if s.t >= s.t_ref && !s.q.is_nan() {
                // Free: inputs one after another until the next refractory period or `until`.
                run.spike = self.free_inputs(&mut s, feed, &mut h, until, &mut run);
                if run.spike.is_some() {
                    break;
                }
            }
            // The next event: the input at `h`, or the end of the refractory period if later.
            let due = if h == f64::INFINITY {
                h
            } else {
                h.max(s.t_ref)
            };
            if due > until {
                break;
            }
            run.events += 1;
            if h < s.t_ref {
                // `absorb`: every input before the end of the refractory period.
                let mut clamped = (s.t, s.g_e, s.g_i);
                while h < s.t_ref {
                    let (receptor, weight, next) = feed.take();
                    clamped = self.absorb_one(clamped, (h, receptor, weight));
                    h = next;
                    run.inputs += 1;
                }
                self.set_clamped(&mut s, clamped);
            }
            if h <= due {
                let (receptor, weight, next) = feed.take();
                run.inputs += 1;
                self.advance(&mut s, due);
                self.receive(&mut s, receptor, weight);
                h = next;
            }
            let spike = self.search(&mut s, h);
            if spike.is_some() {
                run.spike = spike;
                break;
            }
        }
        *st = s;
        run
    }
}

impl CondExp {
    /// The free part of [`CondExp::run_closed`]: while `st` is free (`t ≥ t_ref`, cached `Q_s`
    /// valid) and the next arrival `h` [ms] is at most `until` [ms], take the input and search
    /// up to the following arrival, keeping the free point in locals instead of going through
    /// `advance`/`receive`/`next_spike_before` (same arithmetic, same order). Returns the spike
    /// time [ms] if the search finds one; `st` is then left as those calls leave it.
    #[inline(always)]
    fn free_inputs<F: InputFeed>(
        &self,
        st: &mut CondExpState,
        feed: &mut F,
        h: &mut f64,
        until: f64,
        run: &mut InputRun,
    ) -> Option<f64> {
        let (mut t, mut v, mut g_e, mut g_i, mut q) = (st.t, st.v, st.g_e, st.g_i, st.q);
        let mut ahead = st.ahead.take().filter(|&(t_ahead, _)| t_ahead == *h);
        let mut spike = None;
        while *h <= until {
            run.events += 1;
            run.inputs += 1;
            let (receptor, weight, next) = feed.take();
            // `advance` to the arrival (nothing to do at the same time).
            if *h > t {
                let f_h = match ahead {
                    Some((_, f)) => f,
                    None => {
                        let (ge, gi) = self.normalised(g_e, g_i);
                        self.evolve(&Free { v, ge, gi, q }, *h - t)
                    }
                };
                (t, v, g_e, g_i) = (*h, f_h.v, f_h.ge * self.g_l, f_h.gi * self.g_l);
            }
            // `receive`.
            (g_e, g_i) = Self::with_input((g_e, g_i), receptor, weight);
            let (ge, gi) = self.normalised(g_e, g_i);
            q = self.q_at(ge, gi);
            *h = next;
            // `next_spike_before` the following arrival.
            let found = self.next_spike_closed(&Free { v, ge, gi, q }, next - t);
            ahead = found.at_horizon.map(|f| (next, f));
            if let Some(dt) = found.spike {
                spike = Some(t + dt);
                break;
            }
        }
        (st.t, st.v, st.g_e, st.g_i, st.q, st.ahead) = (t, v, g_e, g_i, q, ahead);
        spike
    }

    /// Conductances `(g_E, g_I)` [µS] after an input of `weight` [µS] onto `receptor`.
    #[inline(always)]
    fn with_input((g_e, g_i): (f64, f64), receptor: Receptor, weight: f64) -> (f64, f64) {
        match receptor {
            Receptor::Excitatory => (g_e + weight, g_i),
            Receptor::Inhibitory => (g_e, g_i + weight),
        }
    }

    /// Conductances [µS] in units of the leak conductance (dimensionless `ĝ`).
    #[inline(always)]
    fn normalised(&self, g_e: f64, g_i: f64) -> (f64, f64) {
        (g_e * self.inv_g_l, g_i * self.inv_g_l)
    }

    /// One refractory input `(t [ms], receptor, weight [µS])` applied to the clamped state
    /// `(time [ms], g_e [µS], g_i [µS])`: decay to `t`, add the weight.
    #[inline(always)]
    fn absorb_one(
        &self,
        (t0, g_e, g_i): (f64, f64, f64),
        (t, receptor, weight): (f64, Receptor, f64),
    ) -> (f64, f64, f64) {
        let (mut t0, mut g_e, mut g_i) = (t0, g_e, g_i);
        if t > t0 {
            let conductances = Free {
                ge: g_e,
                gi: g_i,
                ..FREE_ZERO
            };
            (g_e, g_i) = self.decayed(&conductances, t - t0);
            t0 = t;
        }
        (g_e, g_i) = Self::with_input((g_e, g_i), receptor, weight);
        (t0, g_e, g_i)
    }

    /// Store the clamped state `(time [ms], g_e [µS], g_i [µS])` left by refractory inputs.
    fn set_clamped(&self, state: &mut CondExpState, (t, g_e, g_i): (f64, f64, f64)) {
        (state.t, state.g_e, state.g_i) = (t, g_e, g_i);
        state.v = self.v_reset;
        state.q = f64::NAN;
        state.ahead = None;
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
    /// march. Returned times satisfy `V(t) ≥ v_thresh` (computed) and lie within
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
            quad_tol: QUAD_TOL_REL * scale,
            ..self.clone()
        }
    }

    fn refractory_until(&self, state: &CondExpState) -> f64 {
        state.refractory_until()
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The sampling neuron of the brief (tau_syn 10/10 → s = 10, the integer-order case).
    fn sampling() -> CondExpParams {
        CondExpParams {
            cm: 0.2,
            tau_m: 1.0,
            v_rest: -50.3,
            v_thresh: -50.0,
            v_reset: -50.001,
            tau_refrac: 10.0,
            tau_syn_E: 10.0,
            tau_syn_I: 10.0,
            e_rev_E: 0.0,
            e_rev_I: -100.0,
            i_offset: 0.0,
        }
    }

    /// COBA benchmark neuron (Brette et al. 2007), tau_syn 5/10 ms.
    fn coba() -> CondExpParams {
        CondExpParams {
            cm: 0.2,
            tau_m: 20.0,
            v_rest: -60.0,
            v_thresh: -50.0,
            v_reset: -60.0,
            tau_refrac: 5.0,
            tau_syn_E: 5.0,
            tau_syn_I: 10.0,
            e_rev_E: 0.0,
            e_rev_I: -80.0,
            i_offset: 0.0,
        }
    }

    /// A merged 2 × 3 kHz Poisson train of `inputs` spikes, `(arrival [ms], receptor)`, and the
    /// arrival [ms] after its last spike.
    fn merged_train(inputs: usize) -> (Vec<(f64, Receptor)>, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let mut t_next = -rng.random::<f64>().ln() / 6.0;
        let train = (0..inputs)
            .map(|_| {
                let t = t_next;
                t_next = t - rng.random::<f64>().ln() / 6.0;
                let receptor = if rng.random::<bool>() {
                    Receptor::Excitatory
                } else {
                    Receptor::Inhibitory
                };
                (t, receptor)
            })
            .collect();
        (train, t_next)
    }

    /// Spike times of `m` under [`merged_train`]`(inputs)` (weights 0.001 µS), with the bounded
    /// search (horizon = next input, as the engine does for folded inputs) or the unbounded
    /// prediction.
    fn spike_train(m: &CondExp, v0: f64, inputs: usize, bounded: bool) -> Vec<f64> {
        let (train, after) = merged_train(inputs);
        let mut st = m.initial_state(v0);
        let mut spikes = Vec::new();
        let search = |st: &mut CondExpState, horizon: f64| {
            if bounded {
                m.next_spike_before(st, horizon)
            } else {
                m.next_spike(st).filter(|&t| t <= horizon)
            }
        };
        let mut next = search(&mut st, train.first().map_or(after, |&(t, _)| t));
        for (i, &(t, receptor)) in train.iter().enumerate() {
            let t_next = train.get(i + 1).map_or(after, |&(t, _)| t);
            while let Some(ts) = next.filter(|&ts| ts <= t) {
                m.advance(&mut st, ts);
                m.fire(&mut st);
                spikes.push(ts);
                next = search(&mut st, t);
            }
            m.advance(&mut st, t);
            m.receive(&mut st, receptor, 0.001);
            next = search(&mut st, t_next);
        }
        spikes
    }

    /// The input train of [`spike_train`] as `(arrival [ms], receptor)`, 0.001 µS each.
    struct Train {
        inputs: Vec<(f64, Receptor)>,
        taken: usize,
    }

    impl InputFeed for Train {
        fn next_arrival(&self) -> f64 {
            self.inputs.get(self.taken).map_or(f64::INFINITY, |i| i.0)
        }

        fn take(&mut self) -> (Receptor, f64, f64) {
            let (_, receptor) = self.inputs[self.taken];
            self.taken += 1;
            (receptor, 0.001, self.next_arrival())
        }
    }

    /// The input loop (`run_inputs`, here with an infinite `until`) spikes bitwise as the
    /// event-by-event calls do, and takes exactly the inputs there are.
    #[test]
    fn the_input_loop_spikes_as_one_event_at_a_time() {
        let m = CondExp::new(&sampling());
        let n = 12_000;
        let (inputs, _) = merged_train(n as usize);
        let mut feed = Train { inputs, taken: 0 };
        let mut st = m.initial_state(-50.3);
        let mut spikes = Vec::new();
        let mut taken = 0;
        while feed.next_arrival() < f64::INFINITY {
            let run = m
                .run_inputs(&mut st, &mut feed, f64::INFINITY)
                .expect("closed form");
            taken += run.inputs;
            if let Some(ts) = run.spike {
                m.advance(&mut st, ts);
                m.fire(&mut st);
                spikes.push(ts);
            }
        }
        // With the train exhausted, nothing more is taken (an infinite arrival is no input).
        let end = m.run_inputs(&mut st, &mut feed, f64::INFINITY);
        assert_eq!(end.map(|run| run.inputs), Some(0));
        assert_eq!((taken, feed.taken), (n, n as usize));
        let expected = spike_train(&m, -50.3, n as usize, true);
        assert!(expected.len() > 50, "{} spikes", expected.len());
        // `spike_train` stops searching at the arrival after its last input; the loop goes on.
        let last_input = feed.inputs[n as usize - 1].0;
        let (within, after) = spikes.split_at(expected.len());
        assert_eq!(within, expected);
        assert!(after.len() <= 1 && after.iter().all(|&t| t > last_input));
    }

    /// A model whose v_rest was shifted, with live conductances, free or refractory at the shift,
    /// equals a model lowered afresh with the new v_rest from the same absolute state (both
    /// paths): same next spike and same V(t).
    #[test]
    fn a_shifted_rest_equals_a_fresh_lowering() {
        for tau_syn_i in [5.0, 8.0] {
            let p = CondExpParams {
                cm: 0.2,
                tau_m: 10.0,
                v_rest: -65.0,
                v_reset: -70.0,
                tau_refrac: 2.0,
                tau_syn_E: 5.0,
                tau_syn_I: tau_syn_i,
                e_rev_I: -80.0,
                i_offset: 0.1,
                ..CondExpParams::default()
            };
            for fire_at in [None, Some(2.5), Some(1.0)] {
                let m = CondExp::new(&p);
                let mut s = m.initial_state(-60.0);
                m.receive(&mut s, Receptor::Excitatory, 0.08);
                m.receive(&mut s, Receptor::Inhibitory, 0.02);
                let _ = m.next_spike_before(&mut s, 2.9);
                if let Some(t) = fire_at {
                    m.advance(&mut s, t);
                    m.fire(&mut s);
                }
                let _ = m.next_spike_before(&mut s, 3.0);
                m.advance(&mut s, 3.0);
                let v_abs = m.membrane_potential(&s, 3.0);
                let dv = 9.0;
                let shifted = m.with_rest_shifted(&mut s, dv);
                let fresh = CondExp::new(&CondExpParams {
                    v_rest: p.v_rest + dv,
                    ..p.clone()
                });
                let free = s.t >= s.t_ref;
                let s_fresh = CondExpState {
                    v: if free {
                        v_abs - fresh.v0
                    } else {
                        fresh.v_reset
                    },
                    q: f64::NAN,
                    ahead: None,
                    ..s.clone()
                };
                let case = format!("tau_syn_I {tau_syn_i}, fired at {fire_at:?}");
                match (shifted.next_spike(&s), fresh.next_spike(&s_fresh)) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-11, "{case}: {a} vs {b}"),
                    (None, None) => {}
                    other => panic!("{case}: {other:?}"),
                }
                for k in 0..50 {
                    let t = 3.0 + 0.2 * k as f64;
                    let (a, b) = (
                        shifted.membrane_potential(&s, t),
                        fresh.membrane_potential(&s_fresh, t),
                    );
                    assert!((a - b).abs() < 1e-11, "{case} at {t}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn bounded_search_finds_the_same_spikes_as_the_full_prediction() {
        let slow_inh = CondExpParams {
            tau_syn_I: 7.0,
            ..sampling()
        };
        for (p, inputs) in [(sampling(), 200_000), (slow_inh, 5_000), (coba(), 20_000)] {
            let m = CondExp::new(&p);
            let full = spike_train(&m, p.v_rest, inputs, false);
            let bounded = spike_train(&m, p.v_rest, inputs, true);
            assert!(full.len() >= 10, "{p:?}: only {} spikes", full.len());
            assert_eq!(full.len(), bounded.len(), "{p:?}");
            let worst = full
                .iter()
                .zip(&bounded)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(worst <= 1e-9, "{p:?}: spike times differ by {worst} ms");
        }
    }

    fn state(m: &CondExp, v: f64, g_e: f64, g_i: f64) -> CondExpState {
        let mut st = m.initial_state(v);
        m.receive(&mut st, Receptor::Excitatory, g_e);
        m.receive(&mut st, Receptor::Inhibitory, g_i);
        st
    }

    /// Independent oracle: classical RK4 on the PyNN equations (original units, potential measured
    /// from `v_rest` to limit rounding) with steps `h` and `h/2`, Richardson-extrapolated.
    fn rk4(p: &CondExpParams, v: f64, g_e: f64, g_i: f64, t: f64) -> f64 {
        let g_l = p.cm / p.tau_m;
        let membrane = p.tau_m / (1.0 + (g_e + g_i) / g_l);
        let h = 1e-3 * membrane.min(p.tau_syn_E).min(p.tau_syn_I);
        let n = (t / h).ceil().max(1.0) as usize;
        let coarse = rk4_fixed(p, v, g_e, g_i, t, n);
        let fine = rk4_fixed(p, v, g_e, g_i, t, 2 * n);
        fine + (fine - coarse) / 15.0
    }

    fn rk4_fixed(p: &CondExpParams, v: f64, g_e: f64, g_i: f64, t: f64, n: usize) -> f64 {
        let g_l = p.cm / p.tau_m;
        let (e_e, e_i) = (p.e_rev_E - p.v_rest, p.e_rev_I - p.v_rest);
        let rhs = |y: [f64; 3]| {
            let du = (-g_l * y[0] + y[1] * (e_e - y[0]) + y[2] * (e_i - y[0]) + p.i_offset) / p.cm;
            [du, -y[1] / p.tau_syn_E, -y[2] / p.tau_syn_I]
        };
        let h = t / n as f64;
        let mut y = [v - p.v_rest, g_e, g_i];
        let add = |y: [f64; 3], k: [f64; 3], c: f64| [0, 1, 2].map(|i| y[i] + c * k[i]);
        for _ in 0..n {
            let k1 = rhs(y);
            let k2 = rhs(add(y, k1, h / 2.0));
            let k3 = rhs(add(y, k2, h / 2.0));
            let k4 = rhs(add(y, k3, h));
            y = [0, 1, 2].map(|i| y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        }
        y[0] + p.v_rest
    }

    #[test]
    fn closed_form_matches_rk4() {
        let mut worst = 0.0f64;
        for (p, s_list) in [
            (sampling(), [10.0, 9.999_999, 0.25]),
            (coba(), [5.0, 0.5, 3.7]),
        ] {
            for tau_s in s_list {
                let p = CondExpParams {
                    tau_syn_E: tau_s * p.tau_m,
                    tau_syn_I: tau_s * p.tau_m,
                    ..p.clone()
                };
                let m = CondExp::new(&p);
                assert!(m.is_closed_form());
                for (v, ge, gi) in [(p.v_reset, 0.05, 0.02), (p.v_rest - 3.0, 0.3, 0.01)] {
                    let st = state(&m, v, ge, gi);
                    for t in [1e-3, 0.1, 1.0, 7.0, 30.0] {
                        let got = m.membrane_potential(&st, t);
                        let err = (got - rk4(&p, v, ge, gi, t)).abs();
                        if err > 1e-11 {
                            println!("tau_s={tau_s} v={v} t={t} err={err:e}");
                        }
                        worst = worst.max(err);
                    }
                }
            }
        }
        println!("closed form vs RK4: max |ΔV| = {worst:e} mV");
        assert!(worst < 2e-12, "{worst}");
    }

    #[test]
    fn tiny_intervals_keep_relative_accuracy_of_the_increment() {
        let p = sampling();
        let m = CondExp::new(&p);
        let st = state(&m, -50.2, 0.03, 0.01);
        let v0 = m.membrane_potential(&st, 0.0);
        let mut worst = 0.0f64;
        for t in [1e-9, 1e-7, 1e-6, 1e-5, 1e-4] {
            let inc = m.membrane_potential(&st, t) - v0;
            let expect = rk4(&p, -50.2, 0.03, 0.01, t) - (-50.2);
            worst = worst.max((inc / expect - 1.0).abs());
        }
        println!("increment relative error {worst:e}");
        assert!(worst < 1e-7, "{worst}");
    }

    #[derive(serde::Deserialize)]
    struct OdeCase {
        params: CondExpParams,
        v: f64,
        g_e: f64,
        g_i: f64,
        times: Vec<f64>,
        v_at: Vec<f64>,
        first_spike: Option<f64>,
    }

    #[test]
    fn general_path_matches_scipy_dop853() {
        let cases: Vec<OdeCase> = serde_json::from_str(include_str!(
            "../../tests/fixtures/condexp_ode_reference.json"
        ))
        .unwrap();
        let (mut dv, mut dt, mut spikes) = (0.0f64, 0.0f64, 0);
        for c in &cases {
            let mut p = c.params.clone();
            p.tau_refrac = 0.0;
            let m = CondExp::new(&p);
            assert!(!m.is_closed_form());
            let st = state(&m, c.v, c.g_e, c.g_i);
            for (&t, &v) in c.times.iter().zip(&c.v_at) {
                dv = dv.max((m.membrane_potential(&st, t) - v).abs());
            }
            match (m.next_spike(&st), c.first_spike) {
                (Some(a), Some(b)) => {
                    dt = dt.max((a - b).abs());
                    spikes += 1;
                }
                (None, None) => {}
                (Some(a), None) => assert!(a > 60.0 - 1e-9, "spurious spike {a}"),
                (None, Some(b)) => panic!("missed spike at {b}"),
            }
        }
        println!("vs DOP853: max |ΔV| = {dv:e} mV, max |Δt| = {dt:e} ms over {spikes} spikes");
        assert!(spikes >= 5);
        assert!(dv < 1e-9 && dt < 1e-9, "{dv} {dt}");
    }

    #[test]
    fn equal_tau_paths_agree() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut dv, mut dt) = (0.0f64, 0.0f64);
        for p in [
            sampling(),
            CondExpParams {
                tau_syn_I: 5.0,
                ..coba()
            },
        ] {
            let exact = CondExp::new(&p);
            let general = CondExp::new_general(&p);
            for _ in 0..40 {
                let v = rng.random_range(p.v_reset - 2.0..p.v_thresh);
                let ge = rng.random_range(0.0..0.2);
                let gi = rng.random_range(0.0..0.2);
                let (a, b) = (state(&exact, v, ge, gi), state(&general, v, ge, gi));
                for t in [1e-6, 0.5, 3.0, 20.0] {
                    let va = exact.membrane_potential(&a, t);
                    dv = dv.max((va - general.membrane_potential(&b, t)).abs());
                }
                match (exact.next_spike(&a), general.next_spike(&b)) {
                    (Some(x), Some(y)) => dt = dt.max((x - y).abs()),
                    (None, None) => {}
                    other => panic!("paths disagree: {other:?} for v={v} ge={ge} gi={gi}"),
                }
            }
        }
        println!("equal-tau paths: max |ΔV| = {dv:e} mV, max |Δt| = {dt:e} ms");
        assert!(dv < 1e-12 && dt < 1e-11, "{dv} {dt}");
    }

    /// First grid time with `V ≥ θ` on `(0, horizon]`, stepping the model's own propagation, and
    /// the grid time of the highest potential before it (or on the whole grid), `0` included.
    fn brute_force(m: &CondExp, st: &CondExpState, horizon: f64, n: usize) -> (Option<f64>, f64) {
        let (t0, mut f) = m.start(st);
        assert_eq!(t0, 0.0);
        let step = horizon / n as f64;
        let (mut t_max, mut v_max) = (0.0, f.v);
        for k in 1..=n {
            f = m.evolve(&f, step);
            let t = k as f64 * step;
            if f.v >= m.theta {
                return (Some(t), t_max);
            }
            if f.v > v_max {
                (t_max, v_max) = (t, f.v);
            }
        }
        (None, t_max)
    }

    /// The highest membrane potential [mV] of `st` on `[lo, hi]`, by golden-section search (the
    /// free membrane is unimodal near its peak).
    fn peak(m: &CondExp, st: &CondExpState, mut lo: f64, mut hi: f64) -> f64 {
        let ratio = 0.5 * (5f64.sqrt() - 1.0);
        let v = |t: f64| m.membrane_potential(st, t);
        while hi - lo > 1e-12 * hi.max(1.0) {
            let (a, b) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo));
            if v(a) < v(b) {
                lo = a;
            } else {
                hi = b;
            }
        }
        v(lo).max(v(hi))
    }

    /// How close [mV] below threshold some silent state of every [`soundness`] sample must peak,
    /// so that its peak check runs where a wrong spike test would err (measured: 1.2e-3 to
    /// 8.6e-2 mV for the four samples below).
    const CLOSE: f64 = 0.1;

    /// The spike test against a grid of `grid` steps over six time constants, on `n_states`
    /// random states (V below threshold, conductances up to `g_max`): a grid crossing is always
    /// predicted, within one step before it; a predicted spike the grid does not see is real
    /// (V ≥ θ − v_tol there); and a state predicted silent peaks at most `v_tol` above θ, its
    /// peak refined between the grid neighbours of the highest grid point (where a graze shorter
    /// than a step, missed by the grid, would show). Returns the number of spiking states and the
    /// highest peak relative to θ [mV] among the silent ones.
    fn soundness(p: &CondExpParams, n_states: usize, grid: usize, g_max: f64) -> (usize, f64) {
        let m = CondExp::new(p);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let horizon = 6.0 * p.tau_m.max(p.tau_syn_E).max(p.tau_syn_I);
        let step = horizon / grid as f64;
        let mut spiking = 0;
        let mut closest = f64::NEG_INFINITY;
        for _ in 0..n_states {
            let v = rng.random_range(p.v_reset - 3.0..p.v_thresh);
            let st = state(
                &m,
                v,
                rng.random_range(0.0..g_max),
                rng.random_range(0.0..g_max),
            );
            let predicted = m.next_spike(&st);
            match (predicted, brute_force(&m, &st, horizon, grid)) {
                (Some(t), (Some(tg), _)) => {
                    assert!(t <= tg + 1e-9 && t > tg - step - 1e-9, "{t} vs grid {tg}");
                    spiking += 1;
                }
                (None, (Some(tg), _)) => panic!("missed crossing near {tg} for {st:?}"),
                (Some(t), (None, _)) => {
                    // A crossing between grid points or beyond the horizon: must be real.
                    let over = m.membrane_potential(&st, t) - p.v_thresh;
                    assert!(over >= -m.v_tol, "spurious {t}: {over}");
                }
                (None, (None, t_max)) => {
                    let top = peak(&m, &st, (t_max - step).max(0.0), t_max + step);
                    let over = top - p.v_thresh;
                    assert!(
                        over <= m.v_tol,
                        "predicted silent, but peaks {over:e} mV above threshold for {st:?}"
                    );
                    closest = closest.max(over);
                }
            }
        }
        (spiking, closest)
    }

    #[test]
    fn closed_form_spike_test_never_misses() {
        let (n, closest) = soundness(&sampling(), 1000, 4000, 0.08);
        println!("closed form: {n} spiking of 1000, silent peaks up to {closest:e} mV from θ");
        assert!(n > 100);
        assert!(
            closest > -CLOSE,
            "no silent state came near threshold: {closest:e} mV"
        );
        let p = CondExpParams {
            tau_syn_I: 5.0,
            ..coba()
        };
        let (n, closest) = soundness(&p, 1000, 4000, 0.1);
        println!("closed form (COBA, 5/5): {n} spiking of 1000, silent peaks up to {closest:e} mV");
        assert!(n > 100);
        assert!(
            closest > -CLOSE,
            "no silent state came near threshold: {closest:e} mV"
        );
    }

    #[test]
    fn general_spike_test_never_misses() {
        let (n, closest) = soundness(&coba(), 1000, 1500, 0.1);
        println!("general (COBA 5/10): {n} spiking of 1000, silent peaks up to {closest:e} mV");
        assert!(n > 100);
        assert!(
            closest > -CLOSE,
            "no silent state came near threshold: {closest:e} mV"
        );
        let p = CondExpParams {
            tau_syn_I: 7.0,
            ..sampling()
        };
        let (n, closest) = soundness(&p, 1000, 1500, 0.08);
        println!("general (sampling 10/7): {n} spiking of 1000, silent peaks up to {closest:e} mV");
        assert!(n > 100);
        assert!(
            closest > -CLOSE,
            "no silent state came near threshold: {closest:e} mV"
        );
    }

    #[test]
    fn dc_driven_period_matches_formula() {
        for general in [false, true] {
            for i_offset in [0.12, 0.5] {
                let p = CondExpParams {
                    i_offset,
                    tau_syn_I: if general { 7.0 } else { 5.0 },
                    ..coba()
                };
                let m = if general {
                    CondExp::new_general(&p)
                } else {
                    CondExp::new(&p)
                };
                let v_inf = p.v_rest + i_offset * p.tau_m / p.cm;
                let period =
                    p.tau_refrac + p.tau_m * ((v_inf - p.v_reset) / (v_inf - p.v_thresh)).ln();
                let mut st = m.initial_state(p.v_reset);
                let mut last = -p.tau_refrac;
                for _ in 0..5 {
                    let t = m
                        .next_spike(&st)
                        .expect("DC drive above threshold must fire");
                    assert!((t - last - period).abs() < 1e-9, "{} vs {period}", t - last);
                    m.advance(&mut st, t);
                    m.fire(&mut st);
                    last = t;
                }
            }
        }
    }

    #[test]
    fn refractory_clamp_keeps_v_and_decays_conductances() {
        for general in [false, true] {
            let p = sampling();
            let m = if general {
                CondExp::new_general(&p)
            } else {
                CondExp::new(&p)
            };
            let mut st = state(&m, -50.0, 0.05, 0.01);
            m.fire(&mut st);
            m.advance(&mut st, 4.0);
            m.receive(&mut st, Receptor::Excitatory, 0.2);
            assert_eq!(m.membrane_potential(&st, 4.0), p.v_reset);
            assert_eq!(m.membrane_potential(&st, 9.999), p.v_reset);
            let expect_ge = 0.05 * (-0.4f64).exp() + 0.2;
            assert!((st.g_exc() - expect_ge).abs() < 1e-15);
            // After the refractory period: free evolution from v_reset with decayed conductances.
            let ge_ref = expect_ge * (-0.6f64).exp();
            let gi_ref = 0.01 * (-1.0f64).exp();
            let mut fresh = state(&m, p.v_reset, ge_ref, gi_ref);
            fresh.t = 10.0;
            fresh.t_ref = 10.0;
            for t in [10.0, 10.5, 13.0] {
                let (a, b) = (
                    m.membrane_potential(&st, t),
                    m.membrane_potential(&fresh, t),
                );
                assert!((a - b).abs() < 1e-13, "{a} {b}");
            }
            let t = m.next_spike(&st).expect("strong excitation fires");
            assert!(t >= 10.0);
            assert_eq!(m.next_spike(&fresh), Some(t));
        }
    }

    #[test]
    fn advance_composes() {
        for m in [CondExp::new(&coba()), CondExp::new(&sampling())] {
            let mut a = state(&m, -55.0, 0.03, 0.05);
            let b = a.clone();
            for k in 1..=50 {
                m.advance(&mut a, 0.37 * k as f64);
            }
            let direct = m.membrane_potential(&b, 0.37 * 50.0);
            assert!((a.v + m.v0 - direct).abs() < 1e-12);
        }
    }
}
