//! `IF_cond_exp` with different synaptic time constants: propagation by Taylor panels with a
//! proven truncation bound ([`super::taylor`]), error-controlled adaptive Gauss–Legendre
//! quadrature of the integrating-factor solution where that bound fails (or when chosen, for
//! cross-checks), and the certified spike search —
//! intervals proven crossing-free by a comparison ODE that bounds `V` from above, bisection
//! elsewhere, Illinois refinement on a proven single crossing.

use super::{CondExp, Free, GeneralMethod, Search, GRAZE_WIDTH, SPIKE_TIME_TOL};
use crate::numerics::root::refine_crossing;

impl CondExp {
    /// Normalised panel length: short against every rate in the integrand (quadrature), or
    /// [`CondExp::taylor_panel_tau`].
    pub(super) fn panel_tau(&self, f: &Free) -> f64 {
        match self.general {
            GeneralMethod::Taylor => self.taylor_panel_tau(f),
            GeneralMethod::Quadrature => {
                2.0 / (1.0 + f.ge + f.gi).max(self.inv_s_e).max(self.inv_s_i)
            }
        }
    }

    /// Propagation by panels of at most [`CondExp::panel_tau`].
    pub(super) fn evolve_general(&self, f: &Free, dt: f64) -> Free {
        let mut cur = *f;
        let mut left = dt / self.tau_m;
        while left > 0.0 {
            let h = left.min(self.panel_tau(&cur));
            cur = self.panel(&cur, h);
            left -= h;
        }
        cur
    }

    /// One panel of normalised length `h`: the Taylor polynomial when its bound proves the
    /// tolerance, else the quadrature ([`CondExp::quadrature_v`]).
    ///
    /// The Taylor tolerance is `propagation_tol · h · L_min`, with `L_min = 1 + ĝ_E + ĝ_I` at
    /// the panel's end, the smallest rate at which the membrane forgets an error on it: an error
    /// made on a panel has decayed by `e^{−∫L}` from the panel's end on, so the errors of all
    /// panels add up to about `propagation_tol · ∫ L e^{−∫L} ≤ propagation_tol` (at most 1.3×
    /// that for panels with `h L ≤ 0.5`), as with the quadrature's `propagation_tol · h`.
    pub(super) fn panel(&self, f: &Free, h: f64) -> Free {
        let (decay_e, decay_i) = ((-h * self.inv_s_e).exp(), (-h * self.inv_s_i).exp());
        let (ge_h, gi_h) = (f.ge * decay_e, f.gi * decay_i);
        let v = match self.general {
            GeneralMethod::Taylor => {
                let tol = self.propagation_tol * h * (1.0 + ge_h + gi_h);
                self.taylor_v(f, h, tol, decay_e, decay_i)
            }
            GeneralMethod::Quadrature => None,
        };
        Free {
            v: v.unwrap_or_else(|| self.quadrature_v(f, h, ge_h, gi_h)),
            ge: ge_h,
            gi: gi_h,
            q: f64::NAN,
        }
    }

    /// `V(h)` by quadrature:
    /// `V(h) = e^{−ΔG(0)} V0 + ∫_0^h e^{−ΔG(σ)} (ĝ_E(σ) E_E + ĝ_I(σ) E_I) dσ`, with
    /// `ΔG(σ) = (h − σ) + s_E (ĝ_E(σ) − ĝ_E(h)) + s_I (ĝ_I(σ) − ĝ_I(h))`; `ge_h`, `gi_h` are the
    /// conductances at `h`.
    pub(super) fn quadrature_v(&self, f: &Free, h: f64, ge_h: f64, gi_h: f64) -> f64 {
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
                .integrate(&integrand, 0.0, h, self.propagation_tol * h)
                .value
        };
        let dg0 = h + self.s_e * (f.ge - ge_h) + self.s_i * (f.gi - gi_h);
        (-dg0).exp() * f.v + drive
    }

    /// Certified spike search for unequal synaptic time constants on `[0, limit]` (ms after the
    /// point; `limit` may be infinite).
    ///
    /// Marches over intervals `[a, b]`; each is either proven crossing-free by the comparison
    /// bound ([`CondExp::crossing_free`]), or searched by bisection for its first crossing
    /// ([`CondExp::first_crossing`]). Stops with none once [`CondExp::never_after`] holds, or at
    /// `limit`, whose free point is then kept for reuse.
    pub(super) fn next_spike_general(&self, f: &Free, limit: f64) -> Search {
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
            if !self.crossing_free(&f_a, &f_b, h) {
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
    pub(super) fn first_crossing(&self, a: f64, f_a: &Free, b: f64, f_b: &Free) -> Option<f64> {
        if f_a.v >= self.theta {
            return Some(a);
        }
        if self.crossing_free(f_a, f_b, b - a) {
            return None;
        }
        if f_b.v >= self.theta && self.single_crossing(f_a, f_b) {
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

    /// Proof that `V < θ` on `[0, dt]` from `f`: with `x = V − θ ≤ 0`,
    /// `dx/dτ ≤ −k x + c`, `k = 1 + ĝ_E(a) + ĝ_I(a)`,
    /// `c = max_t[ĝ_E (E_E − θ)] + max_t[ĝ_I (E_I − θ)] − θ` (each at the end where the product is
    /// largest), so `x ≤ y`, the solution of the linear comparison ODE from `x(a) + v_tol`, which is
    /// monotone; `y(b) < 0` proves the interval crossing-free. `end` is the free point `dt` [ms]
    /// after `f` (only its conductances are used).
    pub(super) fn crossing_free(&self, f: &Free, end: &Free, dt: f64) -> bool {
        let x = f.v - self.theta + self.v_tol;
        if x >= 0.0 {
            return false;
        }
        let (ge_b, gi_b) = (end.ge, end.gi);
        let (de, di) = (self.e_e - self.theta, self.e_i - self.theta);
        let c = if de >= 0.0 { f.ge } else { ge_b } * de + if di >= 0.0 { f.gi } else { gi_b } * di
            - self.theta;
        let k = 1.0 + f.ge + f.gi;
        // y(b) = x e^{−kt} − (c/k)(e^{−kt} − 1), with one exp_m1.
        let decay_m1 = (-k * dt * self.rate_m).exp_m1();
        x + (x - c / k) * decay_m1 < 0.0
    }

    /// Proof that `[0, dt]` holds at most one crossing: the nullcline
    /// `V* = (ĝ_E E_E + ĝ_I E_I)/(1 + ĝ_E + ĝ_I)` stays above `θ`, so `V' > 0` whenever `V = θ`;
    /// `end` is the interval's last free point (only its conductances are used).
    pub(super) fn single_crossing(&self, f: &Free, end: &Free) -> bool {
        let (ge_b, gi_b) = (end.ge, end.gi);
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
    pub(super) fn never_after(&self, f: &Free) -> bool {
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
