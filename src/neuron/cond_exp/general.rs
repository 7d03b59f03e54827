//! `IF_cond_exp` with different synaptic time constants: propagation by Taylor panels with a
//! proven truncation bound ([`super::taylor`]), error-controlled adaptive Gauss–Legendre
//! quadrature of the integrating-factor solution where that bound fails (or when chosen, for
//! cross-checks), and the certified spike search —
//! intervals proven crossing-free by a comparison ODE that bounds `V` from above, bisection
//! elsewhere, Illinois refinement on a proven single crossing.

use super::taylor::Series;
use super::{CondExp, Free, GeneralMethod, Search, GRAZE_WIDTH, SPIKE_TIME_TOL, V_TOL_REL};
use crate::numerics::root::refine_crossing;

impl CondExp {
    /// Normalised panel length: short against every rate in the integrand (quadrature), or
    /// [`CondExp::taylor_panel_tau`].
    pub(super) fn panel_tau(&self, f: &Free) -> f64 {
        match self.general {
            GeneralMethod::Taylor => self.taylor_panel_tau(f),
            GeneralMethod::Quadrature => 2.0 / self.largest_rate(f),
        }
    }

    /// `(e^{−h/s_E}, e^{−h/s_I})`: the decay of each conductance over the normalised length `h`.
    pub(super) fn decays(&self, h: f64) -> (f64, f64) {
        ((-h * self.inv_s_e).exp(), (-h * self.inv_s_i).exp())
    }

    /// Length [normalised time] of one step of a spike search: [`CondExp::taylor_search_tau`],
    /// or a quadrature panel.
    pub(super) fn search_tau(&self, f: &Free) -> f64 {
        match self.general {
            GeneralMethod::Taylor => self.taylor_search_tau(f),
            GeneralMethod::Quadrature => self.panel_tau(f),
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
    /// panels add up to about `propagation_tol · ∫ L e^{−∫L} ≤ propagation_tol` (at most 1.6×
    /// that for panels with `h L ≤ 1`), as with the quadrature's `propagation_tol · h`.
    pub(super) fn panel(&self, f: &Free, h: f64) -> Free {
        let (decay_e, decay_i) = self.decays(h);
        let (ge_h, gi_h) = (f.ge * decay_e, f.gi * decay_i);
        let v = self.with_panel_series(f, h, decay_e, decay_i, Series::value);
        Free {
            v: v.unwrap_or_else(|| self.quadrature_v(f, h, ge_h, gi_h)),
            ge: ge_h,
            gi: gi_h,
            q: f64::NAN,
        }
    }

    /// `use_series` applied to the Taylor polynomial of [`CondExp::panel`] over the normalised
    /// length `h` from `f`, at the panel tolerance; `None` where its bound fails or the method
    /// is the quadrature. `decay_e`, `decay_i` are `e^{−h/s_E}`, `e^{−h/s_I}`.
    fn with_panel_series<R>(
        &self,
        f: &Free,
        h: f64,
        decay_e: f64,
        decay_i: f64,
        use_series: impl FnOnce(&Series) -> R,
    ) -> Option<R> {
        match self.general {
            GeneralMethod::Taylor => {
                let gl_h = 1.0 + f.ge * decay_e + f.gi * decay_i;
                let tol = self.propagation_tol * h * gl_h;
                self.with_taylor_series(f, h, tol, decay_e, decay_i, use_series)
            }
            GeneralMethod::Quadrature => None,
        }
    }

    /// The crossing [ms] in `[a, b]` of the Taylor polynomial of the one panel from `f_a` to
    /// `b`, when `[a, b]` is one panel and its polynomial proves the tolerance: Illinois refines
    /// it on the polynomial alone (within the panel's proven error of the true one) instead of
    /// propagating the membrane anew for every trial point. `None` otherwise, and when the
    /// polynomial does not bracket a crossing on `[0, 1]` (its `V(b)` may differ from the
    /// caller's in the last bits): the caller then refines as before.
    fn crossing_on_panel(&self, a: f64, f_a: &Free, b: f64) -> Option<f64> {
        let h = (b - a) * self.rate_m;
        if h > self.panel_tau(f_a) {
            return None;
        }
        let (decay_e, decay_i) = self.decays(h);
        let tol = SPIKE_TIME_TOL / (b - a);
        let t = self.with_panel_series(f_a, h, decay_e, decay_i, |series| {
            refine_crossing(|t| series.at(t) - self.theta, 0.0, 1.0, tol).ok()
        })??;
        Some((a + t * (b - a)).min(b))
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
        let mut h = self.search_tau(f) * self.tau_m;
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
            h = (2.0 * h).min(4.0 * self.search_tau(&f_a) * self.tau_m);
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
        let single = self.single_crossing(f_a, f_b);
        if single && f_b.v < self.theta - self.v_tol {
            // After its one up-crossing `V` could not fall below `θ` again by `b`.
            return None;
        }
        if single && f_b.v >= self.theta {
            if let Some(t) = self.crossing_on_panel(a, f_a, b) {
                return Some(t);
            }
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

    /// Proof that no crossing ever follows `f` without input: `V < θ`, and the nullcline
    /// `V* = (ĝ_E E_E + ĝ_I E_I)/(1 + ĝ_E + ĝ_I)` stays below `θ` for ever (at a first crossing
    /// `V' = L (V* − θ)` would be negative). `V*(σ) < θ` ⟺ `F(σ) < 0` with
    /// `F(σ) = A e^{−σ/s_E} + B e^{−σ/s_I} − θ`, `A = ĝ_E (E_E − θ)`, `B = ĝ_I (E_I − θ)`
    /// (normalised time σ ≥ 0): [`CondExp::nullcline_stays_below`] decides it from `F`'s exact
    /// supremum, with a relative margin of [`V_TOL_REL`] for the rounding of `F`.
    pub(super) fn never_after(&self, f: &Free) -> bool {
        f.v < self.theta - self.v_tol && self.nullcline_stays_below(f)
    }

    /// `sup_{σ ≥ 0} F(σ) < 0` ([`CondExp::never_after`]). `F(∞) = −θ` needs `θ > 0`. With `A`
    /// and `B` of one sign `F` is monotone, so its supremum is `max(F(0), −θ)`; with opposite
    /// signs it has at most one critical point, a maximum only when the positive term decays
    /// more slowly than the negative one: at `σ*` with `(P/p) e^{−σ*/p} = (|N|/n) e^{−σ*/n}`
    /// (`P e^{−σ/p}` the positive term, `N e^{−σ/n}` the negative one) the supremum is
    /// `F(σ*) = (p − n)(P/p) e^{−σ*/p} − θ`. When the positive term decays at least as fast,
    /// `F(σ) ≤ (P + N) e^{−σ/n} − θ ≤ max(F(0), −θ)`: no transcendental function is needed
    /// (the COBA benchmark's case).
    fn nullcline_stays_below(&self, f: &Free) -> bool {
        let theta = self.theta;
        if theta <= 0.0 {
            return false;
        }
        let (a, b) = (f.ge * (self.e_e - theta), f.gi * (self.e_i - theta));
        let margin = V_TOL_REL * (a.abs() + b.abs() + theta);
        if a + b - theta >= -margin {
            return false;
        }
        let ((pos, p), (neg, n)) = match (a > 0.0, b > 0.0) {
            (true, false) => ((a, self.s_e), (b, self.s_i)),
            (false, true) => ((b, self.s_i), (a, self.s_e)),
            _ => return true,
        };
        // The critical point, where the derivative `−(P/p) e^{−σ/p} + (|N|/n) e^{−σ/n}` vanishes.
        let ratio = (-neg * p) / (pos * n);
        if p <= n || ratio <= 1.0 {
            return true;
        }
        let at_max = ratio.ln() / (1.0 / n - 1.0 / p);
        (p - n) * (pos / p) * (-at_max / p).exp() - theta < -margin
    }
}
