//! `IF_cond_exp` with equal synaptic time constants: the closed form (Brette 2006, written with
//! `Q_s`) and its exact spike test — the membrane potential is unimodal between inputs, so a
//! spike happens iff `V ≥ θ` where the nullcline crosses `θ`, then safeguarded Newton on the
//! proven bracket.

use super::{CondExp, Free, Search, SPIKE_TIME_TOL, TAYLOR_TAU};
use crate::numerics::special::QTable;

impl CondExp {
    /// Effective reversal potential `E_s` [mV from origin] (0 without conductance).
    pub(super) fn e_s(&self, f: &Free) -> f64 {
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
    pub(super) fn evolve_closed(&self, qf: &QTable, f: &Free, dt: f64, decay: f64) -> Free {
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

    /// Crossing time [ms after the free point] of pure leak decay `V(τ) = V0 e^{−τ}` (no
    /// conductance): only possible if the threshold lies between `V0` and the origin.
    pub(super) fn decay_crossing(&self, v: f64) -> Option<f64> {
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

    /// Whether no crossing can follow from the free point `f` without input (closed form, the
    /// cheap cases of [`CondExp::next_spike_closed`]): `V < θ`, `θ ≥ 0`, and no conductance or
    /// a drive `g E_s` that never exceeds `θ (1 + g)`.
    pub(super) fn closed_never(&self, f: &Free) -> bool {
        let theta = self.theta;
        let g = f.ge + f.gi;
        f.v < theta && theta >= 0.0 && (g == 0.0 || self.drive(f) <= theta * (1.0 + g))
    }

    /// The synaptic drive `ĝ_E E_E + ĝ_I E_I` [mV] of the free point `f`.
    fn drive(&self, f: &Free) -> f64 {
        f.ge * self.e_e + f.gi * self.e_i
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
    pub(super) fn next_spike_closed(&self, f: &Free, h: f64) -> Search {
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
            let drive = self.drive(f);
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
    pub(super) fn test_at_horizon(&self, f: &Free, h: f64, decay: f64) -> Search {
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
    pub(super) fn bracket_by_doubling(&self, f: &Free) -> Option<(f64, Free, f64, Free)> {
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
    pub(super) fn locate_closed(
        &self,
        mut lo: f64,
        mut f_lo: Free,
        mut hi: f64,
        mut f_hi: Free,
    ) -> f64 {
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
