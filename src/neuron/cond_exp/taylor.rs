//! `IF_cond_exp` with different synaptic time constants: the free membrane over one panel as a
//! Taylor polynomial, with a proven bound on what the truncation leaves out.
//!
//! In the panel's own time `t = τ/h ∈ [0, 1]` (normalised panel length `h`) the free membrane
//! obeys `dV/dt = h [f(t) − L(t) V]` with `L = 1 + ĝ_E(t) + ĝ_I(t) ≥ 1` and
//! `f = ĝ_E(t) E_E + ĝ_I(t) E_I`, where `ĝ_X(t) = ĝ_X e^{−(h/s_X) t}` has the Taylor coefficients
//! `ĝ_X (−h/s_X)^j / j!`. The coefficients `c_k` of `V(t) = Σ c_k t^k` follow from the recurrence
//! `(k+1) c_{k+1} = h [f_k − c_k − Σ_{j≤k} (a_j + b_j) c_{k−j}]`, up to an order `N`.
//!
//! **The bound.** The truncated polynomial `P` has the defect `ρ = h (f − L P) − P'`, whose
//! Taylor coefficients vanish below order `N`. The error `e = V − P` solves `e' = −h L e + ρ`,
//! `e(0) = 0`, and since `h L ≥ 0`, `|e(1)| ≤ ∫_0^1 |ρ| ≤ Σ_{k≥N} |ρ_k| / (N + 1)`. Because
//! `a_j` and `b_j` carry the same sign,
//! `Σ_{k≥N} |ρ_k| ≤ h [|c_N| + |E_E| Σ_{m≥N} |a_m| + |E_I| Σ_{m≥N} |b_m| + Σ_{i≤N} |c_i| S(N − i)]`
//! with `S(M) = Σ_{m≥M} |a_m + b_m|`; each sum beyond `N` is bounded by the Lagrange remainder
//! of the exponential, `Σ_{m>N} |a_m| ≤ |a_N| x/(N+1) e^{x}` with `x = h/s_E` (likewise for `b`).
//! A panel is accepted when this bound is at most the tolerance (up to the rounding of the
//! arithmetic itself, which the spike search's voltage margin covers); otherwise the caller
//! falls back to quadrature.

use super::{CondExp, Free};

/// Highest Taylor order tried before a panel is handed to the quadrature.
const MAX_ORDER: usize = 24;

/// Length of a propagation panel times the largest rate in it. In the COBA benchmark network
/// most advances to the next input then take one panel, of 13–14 orders on average: 0.5 (two
/// panels of about 12 orders) took 15–20 % longer, 1.5 and 2.0 gained nothing.
const PANEL_RATE: f64 = 1.0;

/// Length of one step of a spike search times the largest rate in it (Taylor method):
/// shorter than a propagation panel, since a longer step weakens the comparison bound that
/// proves it crossing-free and finds more crossings that the next input pre-empts.
const SEARCH_RATE: f64 = 0.5;

/// Lowest order at which the truncation bound is evaluated.
const MIN_ORDER: usize = 3;

/// `1/k` for `k = 0..=MAX_ORDER + 1` (`k = 0` unused).
const INVERSE: [f64; MAX_ORDER + 2] = {
    let mut table = [0.0; MAX_ORDER + 2];
    let mut k = 1;
    while k < MAX_ORDER + 2 {
        table[k] = 1.0 / k as f64;
        k += 1;
    }
    table
};

impl CondExp {
    /// Panel length [normalised time] for the Taylor method: the panel's largest rate times its
    /// length stays ≤ [`PANEL_RATE`].
    pub(super) fn taylor_panel_tau(&self, f: &Free) -> f64 {
        PANEL_RATE / self.largest_rate(f)
    }

    /// Length [normalised time] of one step of a spike search for the Taylor method: the
    /// step's largest rate times its length stays ≤ [`SEARCH_RATE`].
    pub(super) fn taylor_search_tau(&self, f: &Free) -> f64 {
        SEARCH_RATE / self.largest_rate(f)
    }

    /// The largest rate [1/normalised time] in the free membrane's equation at `f`: its leak
    /// `1 + ĝ_E + ĝ_I` or a synaptic decay.
    pub(super) fn largest_rate(&self, f: &Free) -> f64 {
        (1.0 + f.ge + f.gi).max(self.inv_s_e).max(self.inv_s_i)
    }

    /// `use_series` applied to the free membrane from `f` over the normalised length `h` as a
    /// polynomial in the panel's own time, with a proven truncation error ≤ `tol` [mV] anywhere
    /// on the panel (the bound on `∫_0^1 |ρ|` bounds `∫_0^t |ρ|` too); `None` when no order up
    /// to [`MAX_ORDER`] proves it. `decay_e`, `decay_i` are `e^{−h/s_E}`, `e^{−h/s_I}` (the
    /// caller has them). The series stays in this frame (it is not returned by value).
    pub(super) fn with_taylor_series<R>(
        &self,
        f: &Free,
        h: f64,
        tol: f64,
        decay_e: f64,
        decay_i: f64,
        use_series: impl FnOnce(&Series) -> R,
    ) -> Option<R> {
        let mut series = Series::new(self, f, h);
        // The defect's leading terms scale like these magnitudes (for a cheap test before the
        // bound itself).
        let drive = f.v.abs() + self.e_e.abs() + self.e_i.abs();
        while series.order < MAX_ORDER {
            series.add_order(self);
            let n = series.order;
            let estimate = h * INVERSE[n + 1] * (series.c[n].abs() + drive * series.g_at(n).abs());
            if n >= MIN_ORDER
                && estimate <= 0.25 * tol
                && series.truncation_bound(self, decay_e, decay_i) <= tol
            {
                return Some(use_series(&series));
            }
        }
        None
    }
}

/// A panel's Taylor coefficients (scaled to `t ∈ [0, 1]`) up to the current order.
pub(super) struct Series {
    /// Highest order computed.
    order: usize,
    /// Panel length [normalised time].
    h: f64,
    /// Membrane coefficients `c_k` [mV].
    c: [f64; MAX_ORDER + 1],
    /// Total conductance coefficients `a_k + b_k` (units of g_L), in reverse:
    /// `g_reversed[MAX_ORDER − k]`, so that the convolution runs forwards in both factors.
    g_reversed: [f64; MAX_ORDER + 1],
    /// Excitatory conductance coefficient `a_n` of the current order.
    a: f64,
    /// Inhibitory conductance coefficient `b_n` of the current order.
    b: f64,
    /// `−h/s_E`.
    x_e: f64,
    /// `−h/s_I`.
    x_i: f64,
}

impl Series {
    /// Order 0 of the panel of length `h` from `f`.
    pub(super) fn new(m: &CondExp, f: &Free, h: f64) -> Series {
        let mut series = Series {
            order: 0,
            h,
            c: [0.0; MAX_ORDER + 1],
            g_reversed: [0.0; MAX_ORDER + 1],
            a: f.ge,
            b: f.gi,
            x_e: -h * m.inv_s_e,
            x_i: -h * m.inv_s_i,
        };
        series.c[0] = f.v;
        series.g_reversed[MAX_ORDER] = f.ge + f.gi;
        series
    }

    /// `a_k + b_k`.
    fn g_at(&self, k: usize) -> f64 {
        self.g_reversed[MAX_ORDER - k]
    }

    /// Computes the next order (at most [`MAX_ORDER`]).
    pub(super) fn add_order(&mut self, m: &CondExp) {
        let k = self.order;
        let next = k + 1;
        // Σ_{j≥1} g_j c_{k−j} first: it does not wait for `c_k`, just computed.
        let older = dot(&self.c[..k], &self.g_reversed[MAX_ORDER - k..MAX_ORDER]);
        let leak = older + (1.0 + self.g_at(0)) * self.c[k];
        self.c[next] = self.h * INVERSE[next] * (m.e_e * self.a + m.e_i * self.b - leak);
        self.a *= self.x_e * INVERSE[next];
        self.b *= self.x_i * INVERSE[next];
        self.g_reversed[MAX_ORDER - next] = self.a + self.b;
        self.order = next;
    }

    /// The truncated polynomial at the panel's end, `Σ_{k≤n} c_k` [mV].
    pub(super) fn value(&self) -> f64 {
        self.c[..=self.order].iter().rev().sum()
    }

    /// The truncated polynomial at the panel's own time `t ∈ [0, 1]` [mV], by Horner's rule.
    pub(super) fn at(&self, t: f64) -> f64 {
        self.c[..=self.order]
            .iter()
            .rev()
            .fold(0.0, |p, &c| p * t + c)
    }

    /// The proven bound [mV] on `|V(1) − Σ_{k≤n} c_k|` (module documentation); `decay_e`,
    /// `decay_i` are `e^{−h/s_E}`, `e^{−h/s_I}`.
    pub(super) fn truncation_bound(&self, m: &CondExp, decay_e: f64, decay_i: f64) -> f64 {
        let n = self.order;
        let beyond = INVERSE[n + 1];
        let tail_a = self.a.abs() * -self.x_e * beyond / decay_e;
        let tail_b = self.b.abs() * -self.x_i * beyond / decay_i;
        let mut suffix = tail_a + tail_b;
        let mut leak = 0.0;
        for order in (0..=n).rev() {
            suffix += self.g_at(order).abs();
            leak += self.c[n - order].abs() * suffix;
        }
        let drive = m.e_e.abs() * (self.a.abs() + tail_a) + m.e_i.abs() * (self.b.abs() + tail_b);
        self.h * beyond * (self.c[n].abs() + drive + leak)
    }
}

/// `Σ x_i y_i` over equally long slices, in four interleaved sums (short dependency chains).
fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    let (x4, x_rest) = x.as_chunks::<4>();
    let (y4, y_rest) = y.as_chunks::<4>();
    let mut lanes = [0.0; 4];
    for (a, b) in x4.iter().zip(y4) {
        for lane in 0..4 {
            lanes[lane] += a[lane] * b[lane];
        }
    }
    let rest: f64 = x_rest.iter().zip(y_rest).map(|(a, b)| a * b).sum();
    (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]) + rest
}
