//! Special functions for the closed-form conductance-based membrane solution.
//!
//! The central function is the scaled upper incomplete gamma function
//!
//! `Q_s(x) = x^s e^x Γ(1−s, x) = x·U(1, 2−s, x) = ∫_0^∞ (1 + v/x)^(−s) e^(−v) dv`,
//!
//! defined for every real `s > 0` and `x > 0` (integer `s` included: the integral has no poles),
//! with `0 < Q_s(x) < 1`, `Q_s(0⁺) = 0`, `Q_s(∞) = 1`. It satisfies `dQ_s/dx = (1 + s/x) Q_s − 1`
//! and the recurrence `Q_{s+1}(x) = x (1 − Q_s(x)) / s`.
//!
//! Two evaluation routes, selected by [`QFunction::eval`]:
//! - **series + recurrence** (`x < SERIES_X_MAX` and `s < SERIES_S_MAX`): `Q_σ` at a base
//!   `σ = s − m ∈ (0, 1.5]` from the convergent expansion of `Γ(a, x)`, `a = 1 − σ ∈ [−0.5, 1)`, written
//!   so that the pole of `Γ(a)` at `a = 0` cancels analytically:
//!   `Γ(a, x) = [Γ(1+a) − 1]/a − ln(x)·exprel(a ln x) − x^a Σ_{n≥1} (−x)^n / (n! (n + a))`;
//!   then `m` upward recurrence steps. The recurrence multiplies relative errors by
//!   `Q_σ/(1 − Q_σ) ≈ x/σ`, which is ≤ 4 for the first step and < 1 once `σ > x`, so it is stable
//!   in this region (cumulative amplification ≤ ~6 for `x < 2`).
//! - **continued fraction** otherwise: Legendre's continued fraction of `Γ(1−s, x)`, i.e.
//!   `Q_s(x) = x / (x+s − s/(x+s+2 − 2(s+1)/(x+s+4 − …)))`, evaluated by the modified Lentz method
//!   until the relative change of a step is below 2⁻⁵² (≤ 60 steps for `x ≥ 2`, ≤ 25 for
//!   `s ≥ 25`).
//!
//! Accuracy (checked against 40-digit mpmath values in the tests, see
//! `tests/oracles/condexp_special_values.py`): relative error ≤ 1e-13 for `s ∈ (0, 200]`,
//! `x ∈ [1e-6, 1e4]`.
//!
//! For repeated evaluation at one `s`, [`QTable`] tabulates `Q_s` piecewise (degree-7 polynomials
//! on 32 panels per binary octave of `x`, 35 octaves around `s`), built from the continued fraction
//! (`x ≥ 1`) and the series route (`x < 1`) and verified at construction against them at 9 points
//! per panel to ≤ 1e-13 relative (measured ≤ 1.4e-14; against the mpmath fixture ≤ 4.7e-15); it falls
//! back to [`QFunction`] outside its range or if the verification fails.

/// Taylor coefficients `d_k` of `1/Γ(1+a) = Σ d_k a^k` (entire function), generated with mpmath by
/// `tests/oracles/condexp_special_values.py --coefficients`. Truncation error < 1e-19 for `|a| ≤ 1`.
// The table keeps mpmath's 20 significant digits; the compiler rounds them correctly.
#[allow(clippy::excessive_precision)]
const RECIP_GAMMA_1P: [f64; 29] = [
    1.0,
    5.772_156_649_015_328_606_1e-1,
    -6.558_780_715_202_538_810_8e-1,
    -4.200_263_503_409_523_552_9e-2,
    1.665_386_113_822_914_895e-1,
    -4.219_773_455_554_433_674_8e-2,
    -9.621_971_527_876_973_562_1e-3,
    7.218_943_246_663_099_542_4e-3,
    -1.165_167_591_859_065_112_1e-3,
    -2.152_416_741_149_509_728_2e-4,
    1.280_502_823_881_161_861_5e-4,
    -2.013_485_478_078_823_865_6e-5,
    -1.250_493_482_142_670_657_3e-6,
    1.133_027_231_981_695_882_4e-6,
    -2.056_338_416_977_607_103_5e-7,
    6.116_095_104_481_415_817_9e-9,
    5.002_007_644_469_222_930_1e-9,
    -1.181_274_570_487_020_144_6e-9,
    1.043_426_711_691_100_510_5e-10,
    7.782_263_439_905_071_254e-12,
    -3.696_805_618_642_205_708_2e-12,
    5.100_370_287_454_475_979e-13,
    -2.058_326_053_566_506_783_2e-14,
    -5.348_122_539_423_017_982_4e-15,
    1.226_778_628_238_260_790_2e-15,
    -1.181_259_301_697_458_769_5e-16,
    1.186_692_254_751_600_332_6e-18,
    1.412_380_655_318_031_781_6e-18,
    -2.298_745_684_435_370_206_6e-19,
];

/// Upper limit of `x` for the series + recurrence route (the alternating series loses at most
/// `log10(e^{2x})` ≈ 1.7 digits there).
const SERIES_X_MAX: f64 = 2.0;

/// Upper limit of `s` for the series + recurrence route (beyond it the continued fraction converges
/// in fewer steps than the recurrence would take).
const SERIES_S_MAX: f64 = 25.0;

/// `[Γ(1+a) − 1]/a` for `|a| ≤ 1`, without cancellation near `a = 0` (value `−γ` there).
pub fn gamma1pm1_over_a(a: f64) -> f64 {
    // r(a) = 1/Γ(1+a) = 1 + a·p(a) with p(a) = Σ_{k≥1} d_k a^{k−1}; then
    // [Γ(1+a) − 1]/a = (1 − r)/(a r) = −p/r.
    let mut p = 0.0;
    for &d in RECIP_GAMMA_1P[1..].iter().rev() {
        p = p * a + d;
    }
    -p / (1.0 + a * p)
}

/// `(e^z − 1)/z`, equal to 1 at `z = 0`, accurate to a few ulp for all finite `z`.
pub fn exprel(z: f64) -> f64 {
    if z == 0.0 {
        1.0
    } else {
        z.exp_m1() / z
    }
}

/// Evaluator of `Q_s(x)` for one fixed `s > 0` (see the module docs), with the `s`-dependent
/// constants precomputed. Relative error ≤ 1e-13 for `s ≤ 200`, `1e-6 ≤ x ≤ 1e4`.
#[derive(Clone, Debug, PartialEq)]
pub struct QFunction {
    /// The order `s > 0` (dimensionless; `tau_syn / tau_m` in the neuron model).
    s: f64,
    /// Base order `σ = s − m ∈ (0, 1.5]` of the series route.
    sigma: f64,
    /// Number `m` of upward recurrence steps from `σ` to `s`.
    steps: u32,
    /// `[Γ(1+a) − 1]/a` at `a = 1 − σ`.
    g1: f64,
}

impl QFunction {
    /// Precompute the constants for order `s` (finite, `s > 0`; panics otherwise).
    pub fn new(s: f64) -> Self {
        assert!(
            s.is_finite() && s > 0.0,
            "Q_s needs a finite s > 0, got {s}"
        );
        let steps = if s <= 1.5 { 0.0 } else { (s - 1.5).ceil() };
        // Exact (Sterbenz) for the s range that uses the series route.
        let sigma = s - steps;
        Self {
            s,
            sigma,
            steps: steps as u32,
            g1: gamma1pm1_over_a(1.0 - sigma),
        }
    }

    /// The order `s`.
    pub fn order(&self) -> f64 {
        self.s
    }

    /// `Q_s(x)` for `x ≥ 0` (`Q_s(0) = 0`, `Q_s(∞) = 1`); dimensionless, in `[0, 1]`.
    pub fn eval(&self, x: f64) -> f64 {
        debug_assert!(x >= 0.0, "Q_s(x) needs x ≥ 0, got {x}");
        if x <= 0.0 {
            return 0.0;
        }
        if x == f64::INFINITY {
            return 1.0;
        }
        if x < SERIES_X_MAX && self.s < SERIES_S_MAX {
            self.eval_series(x)
        } else {
            q_continued_fraction(self.s, x)
        }
    }

    /// Series at the base order followed by the upward recurrence.
    fn eval_series(&self, x: f64) -> f64 {
        let mut q = self.base_series(x);
        let mut sigma = self.sigma;
        for _ in 0..self.steps {
            q = x * (1.0 - q) / sigma;
            sigma += 1.0;
        }
        q
    }

    /// `Q_σ(x) = x^σ e^x Γ(a, x)`, `a = 1 − σ`, for `0 < x < SERIES_X_MAX`.
    fn base_series(&self, x: f64) -> f64 {
        let a = 1.0 - self.sigma;
        let ln_x = x.ln();
        let x_pow_a = (a * ln_x).exp();
        // Σ_{n≥1} (−x)^n / (n! (n + a)); terms fall below 1e-17 of the sum within 30 steps for x < 2.
        let mut term = 1.0;
        let mut sum = 0.0;
        for n in 1..=40 {
            let n = f64::from(n);
            term *= -x / n;
            let contribution = term / (n + a);
            sum += contribution;
            if contribution.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        let gamma_ax = self.g1 - ln_x * exprel(a * ln_x) - x_pow_a * sum;
        // x^σ = x / x^a.
        x / x_pow_a * x.exp() * gamma_ax
    }
}

/// `Q_s(x)` by Legendre's continued fraction (modified Lentz). Converges for every `x > 0`;
/// used for `x ≥ 2` or `s ≥ 25`, where it needs at most ~60 steps.
fn q_continued_fraction(s: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + s;
    let mut f = b;
    let mut c = b;
    let mut d = 0.0;
    for n in 1..=10_000 {
        let n = f64::from(n);
        let a_n = -n * (n - 1.0 + s);
        b += 2.0;
        d = b + a_n * d;
        if d == 0.0 {
            d = TINY;
        }
        d = 1.0 / d;
        c = b + a_n / c;
        if c == 0.0 {
            c = TINY;
        }
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    x / f
}

/// Sub-panels per binary octave of `x` in [`QTable`] (`2^QT_SUB_BITS`).
const QT_SUB_BITS: u32 = 5;
/// Right shift of `x.to_bits()` giving the panel key (biased exponent and top mantissa bits).
const QT_SHIFT: u32 = 52 - QT_SUB_BITS;
/// Number of polynomial coefficients per panel (degree + 1).
const QT_N: usize = 8;
/// Octaves tabulated below / above `2^⌊log2 s⌋`.
const QT_OCTAVES_BELOW: i64 = 24;
const QT_OCTAVES_ABOVE: i64 = 11;
/// Relative deviation from [`QFunction`] that the table must stay within at every verification
/// point, else it is discarded.
pub const QT_VERIFY_REL: f64 = 1e-13;

/// [`QFunction`] with a precomputed piecewise-polynomial table for one fixed `s`.
///
/// The tabulated range `x ∈ [2^(⌊log2 s⌋−24), 2^(⌊log2 s⌋+11))` is split into binary octaves and
/// each octave into 32 equal sub-panels, so the panel of `x` is read directly from the bits of `x`
/// (exponent and top 5 mantissa bits) and the local variable `t ∈ [−1, 1)` is the remaining
/// mantissa, exactly (no rounding in the argument reduction). On each panel `Q_s` is the degree-7
/// Chebyshev interpolant of [`QFunction`] at the Chebyshev points, stored in monomial form in `t`
/// (well conditioned: the panel's relative width is ≤ 1/32, so the coefficients decay like
/// `64^−k` and `Σ|c_k| ≈ |c_0|`). `Q_s` is analytic except at `x = 0`, so the interpolation error
/// on a panel `[x_0, 1.03125 x_0]` decays like `ρ^−8` with `ρ ≈ 130` (≈ 1e-17 relative). The
/// table holds 35 · 32 panels of 8 coefficients (72 KB) per order `s`. (Degree 12 on 8 panels
/// per octave was as accurate and 6 % slower in `benches/throughput.rs`: the evaluation is on
/// the spike search's critical path.)
///
/// At construction the table is verified against [`QFunction`] on every panel at both ends and
/// between all consecutive interpolation nodes (where the interpolation error peaks); if any point
/// deviates by more than [`QT_VERIFY_REL`] (relative) the table is dropped and every evaluation
/// uses [`QFunction`] (logged with `tracing::debug!`). Outside the tabulated range (and for `x = 0`,
/// `∞`, NaN) evaluation falls back to [`QFunction`] as well. So `QTable::eval` agrees with
/// [`QFunction::eval`] to ≤ 1e-13 relative at every verification point; measured deviations are
/// ≤ 1.4e-14 there (≤ 9e-14 on a dense grid, all near `x = 2` where [`QFunction`]'s series route
/// itself carries ~1e-14 noise), and against the mpmath fixture the table's worst relative error
/// is 4.7e-15 (direct: 1.9e-14).
#[derive(Clone, Debug)]
pub struct QTable {
    q: QFunction,
    /// Panel key (`x.to_bits() >> QT_SHIFT`) of the first panel.
    key_lo: u64,
    /// Monomial coefficients in `t` per panel; empty if the table was rejected.
    coef: Vec<[f64; QT_N]>,
    /// Largest relative deviation from [`QFunction`] found by the verification.
    verified_rel: f64,
}

impl PartialEq for QTable {
    fn eq(&self, other: &Self) -> bool {
        self.q == other.q
    }
}

impl QTable {
    /// Memory of one table [bytes]: its coefficients (35 · 32 panels of 8) and the table itself
    /// in its shared allocation (for the memory estimate, [`crate::engine::memory`]).
    pub const BYTES: usize = (((QT_OCTAVES_BELOW + QT_OCTAVES_ABOVE) as usize) << QT_SUB_BITS)
        * std::mem::size_of::<[f64; QT_N]>()
        + std::mem::size_of::<Self>()
        + 2 * std::mem::size_of::<usize>();

    /// Build and verify the table for order `s` (finite, `s > 0`).
    pub fn new(s: f64) -> Self {
        Self::build(QFunction::new(s), QT_VERIFY_REL)
    }

    /// The table with an explicit verification tolerance (for tests).
    fn build(q: QFunction, tol: f64) -> Self {
        let s = q.order();
        let e0 = s.log2().floor() as i64;
        let (e_lo, e_hi) = (
            (e0 - QT_OCTAVES_BELOW).max(-1000),
            (e0 + QT_OCTAVES_ABOVE).min(1000),
        );
        let key_lo = ((e_lo + 1023) as u64) << QT_SUB_BITS;
        let key_hi = ((e_hi + 1023) as u64) << QT_SUB_BITS;
        let n = QT_N;
        let nodes: Vec<f64> = (0..n)
            .map(|j| (std::f64::consts::PI * (j as f64 + 0.5) / n as f64).cos())
            .collect();
        // Reference values: the continued fraction for x ≥ 1 (≤ 4e-15 relative there, while the
        // series route's recurrence amplifies rounding up to ~1e-13 just below x = 2), the series
        // route below.
        let reference = |x: f64| {
            if x >= 1.0 && x.is_finite() {
                q_continued_fraction(s, x)
            } else {
                q.eval(x)
            }
        };
        let mut coef = Vec::with_capacity((key_hi - key_lo) as usize);
        let mut worst = 0.0f64;
        for key in key_lo..key_hi {
            let x_of = |t: f64| panel_x(key, t);
            // Chebyshev coefficients of the interpolant at the nodes.
            let f: Vec<f64> = nodes.iter().map(|&t| reference(x_of(t))).collect();
            let mut cheb = [0.0; QT_N];
            for (k, c) in cheb.iter_mut().enumerate() {
                let sum: f64 = nodes
                    .iter()
                    .zip(&f)
                    .map(|(&t, &fj)| fj * (k as f64 * t.acos()).cos())
                    .sum();
                *c = sum * 2.0 / n as f64;
            }
            cheb[0] *= 0.5;
            let mono = chebyshev_to_monomial(&cheb);
            // Verification: both ends and between consecutive nodes.
            let mut probes = vec![-1.0, 1.0];
            probes.extend(nodes.windows(2).map(|w| 0.5 * (w[0] + w[1])));
            for &t in &probes {
                let x = x_of(t);
                let t_exact = if t >= 1.0 { 1.0 } else { panel_t(x) };
                let exact = reference(x);
                let rel = (estrin(&mono, t_exact) / exact - 1.0).abs();
                worst = worst.max(if rel.is_nan() { f64::INFINITY } else { rel });
            }
            coef.push(mono);
        }
        if worst > tol {
            tracing::debug!(
                s,
                worst,
                "Q_s table rejected (deviation above {tol:e}); using the direct evaluation"
            );
            coef.clear();
        }
        Self {
            q,
            key_lo,
            coef,
            verified_rel: worst,
        }
    }

    /// The order `s`.
    pub fn order(&self) -> f64 {
        self.q.order()
    }

    /// Whether the table passed verification (otherwise every call uses [`QFunction`]).
    pub fn is_tabulated(&self) -> bool {
        !self.coef.is_empty()
    }

    /// Largest relative deviation from [`QFunction`] seen by the construction-time verification.
    pub fn verified_deviation(&self) -> f64 {
        self.verified_rel
    }

    /// The underlying direct evaluator.
    pub fn direct(&self) -> &QFunction {
        &self.q
    }

    /// `Q_s(x)` for `x ≥ 0` (see the type docs).
    #[inline]
    pub fn eval(&self, x: f64) -> f64 {
        let bits = x.to_bits();
        let i = (bits >> QT_SHIFT).wrapping_sub(self.key_lo);
        match self.coef.get(i as usize) {
            // `i` is a valid index only for finite x > 0 in the tabulated range (the sign bit
            // makes negative keys huge).
            Some(c) if i < self.coef.len() as u64 => estrin(c, panel_t(x)),
            _ => self.eval_direct(x),
        }
    }

    /// [`QFunction::eval`], out of line so that the tabulated path stays small where it is
    /// inlined.
    #[cold]
    #[inline(never)]
    fn eval_direct(&self, x: f64) -> f64 {
        self.q.eval(x)
    }
}

/// Local variable `t ∈ [−1, 1)` of `x` on its panel (exact).
#[inline]
fn panel_t(x: f64) -> f64 {
    const MASK: u64 = (1 << QT_SHIFT) - 1;
    (x.to_bits() & MASK) as f64 * (2.0 / (1u64 << QT_SHIFT) as f64) - 1.0
}

/// The `x` of local variable `t ∈ [−1, 1]` on panel `key`.
fn panel_x(key: u64, t: f64) -> f64 {
    let lo = f64::from_bits(key << QT_SHIFT);
    let width = f64::from_bits((key >> QT_SUB_BITS) << 52) / (1u64 << QT_SUB_BITS) as f64;
    lo + width * 0.5 * (t + 1.0)
}

/// Estrin evaluation of `Σ c_k t^k` (plain multiply-add: `mul_add` is a library call without
/// FMA). The pairs and quadruples are independent, so the dependency chain is 3 multiply-add
/// levels instead of Horner's 7; for `|t| ≤ 1` and the table's fast-decaying
/// coefficients the rounding error is a few ulp of `c_0`, like Horner's.
#[inline]
fn estrin(c: &[f64; QT_N], t: f64) -> f64 {
    const _: () = assert!(QT_N == 8, "estrin is written out for 8 coefficients");
    let (t2, pair) = (t * t, |k: usize| c[k] + c[k + 1] * t);
    (pair(0) + pair(2) * t2) + (pair(4) + pair(6) * t2) * (t2 * t2)
}

/// Monomial coefficients of `Σ c_k T_k(t)`.
fn chebyshev_to_monomial(c: &[f64; QT_N]) -> [f64; QT_N] {
    let mut out = [0.0; QT_N];
    // T_{k} coefficients by the recurrence T_{k+1} = 2t T_k − T_{k−1}.
    let mut t_prev = [0.0; QT_N];
    let mut t_cur = [0.0; QT_N];
    t_prev[0] = 1.0; // T_0
    t_cur[1] = 1.0; // T_1
    for (k, &ck) in c.iter().enumerate() {
        let tk = match k {
            0 => t_prev,
            1 => t_cur,
            _ => {
                let mut next = [0.0; QT_N];
                for i in 0..QT_N {
                    next[i] = -t_prev[i] + if i > 0 { 2.0 * t_cur[i - 1] } else { 0.0 };
                }
                t_prev = t_cur;
                t_cur = next;
                next
            }
        };
        for i in 0..QT_N {
            out[i] += ck * tk[i];
        }
    }
    out
}

/// `Q_s(x)` for one-off evaluations (builds a [`QFunction`] each call; prefer reusing one).
pub fn q_s(s: f64, x: f64) -> f64 {
    QFunction::new(s).eval(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Row {
        s: f64,
        x: f64,
        q: String,
    }

    fn fixture() -> Vec<Row> {
        serde_json::from_str(include_str!("../../tests/fixtures/condexp_q_values.json")).unwrap()
    }

    #[test]
    fn q_matches_mpmath_to_1e_13() {
        let mut worst = (0.0, 0.0, 0.0);
        for row in fixture() {
            let exact: f64 = row.q.parse().unwrap();
            let got = q_s(row.s, row.x);
            let rel = (got / exact - 1.0).abs();
            if rel > worst.0 {
                worst = (rel, row.s, row.x);
            }
        }
        println!(
            "worst relative error {:e} at s={} x={}",
            worst.0, worst.1, worst.2
        );
        assert!(worst.0 <= 1e-13, "worst {worst:?}");
    }

    #[test]
    fn routes_agree_at_the_switch() {
        // Both routes must agree just inside and just outside the switching boundaries.
        for s in [0.3, 1.0, 2.5, 10.0, 9.999_999, 24.0] {
            let qf = QFunction::new(s);
            for x in [0.7, 1.3, 1.999_999, 2.0] {
                let series = qf.eval_series(x);
                let cf = q_continued_fraction(s, x);
                assert!(
                    (series / cf - 1.0).abs() < 1e-13,
                    "s={s} x={x}: {series} vs {cf}"
                );
            }
        }
    }

    #[test]
    fn q_is_continuous_across_integer_order() {
        let x = 0.37;
        let q = [9.999_999_99, 10.0, 10.000_000_01].map(|s| q_s(s, x));
        assert!(
            (q[0] - q[1]).abs() < 1e-10 && (q[2] - q[1]).abs() < 1e-10,
            "{q:?}"
        );
    }

    #[test]
    fn recurrence_and_derivative_identities_hold() {
        for s in [0.25, 1.0, 3.7, 10.0] {
            for x in [1e-3, 0.5, 1.9, 5.0, 40.0] {
                let lhs = q_s(s + 1.0, x);
                let rhs = x * (1.0 - q_s(s, x)) / s;
                assert!((lhs / rhs - 1.0).abs() < 1e-12, "recurrence s={s} x={x}");
                let h = 1e-5 * x;
                let numeric = (q_s(s, x + h) - q_s(s, x - h)) / (2.0 * h);
                let analytic = (1.0 + s / x) * q_s(s, x) - 1.0;
                assert!((numeric - analytic).abs() < 1e-7, "derivative s={s} x={x}");
            }
        }
    }

    #[test]
    fn gamma_helper_matches_known_values() {
        // [Γ(1+a) − 1]/a at a = 0 is −γ; at a = 1 it is 0; at a = −0.5 it is 2 − 2√π.
        assert!((gamma1pm1_over_a(0.0) + 0.577_215_664_901_532_9).abs() < 1e-16);
        assert!(gamma1pm1_over_a(1.0).abs() < 1e-15);
        let expect = 2.0 - 2.0 * std::f64::consts::PI.sqrt();
        assert!((gamma1pm1_over_a(-0.5) - expect).abs() < 1e-15);
    }

    #[test]
    fn limits() {
        let qf = QFunction::new(10.0);
        assert_eq!(qf.eval(0.0), 0.0);
        assert_eq!(qf.eval(f64::INFINITY), 1.0);
        assert!(qf.eval(1e-300) >= 0.0 && qf.eval(1e-300) < 1e-299);
    }

    #[test]
    fn table_matches_direct_evaluation() {
        for s in [
            0.05, 0.25, 0.5, 1.0, 1.5, 2.5, 3.7, 5.0, 9.999_999, 10.0, 24.0, 30.0, 200.0,
        ] {
            let tab = QTable::build(QFunction::new(s), f64::INFINITY);
            println!("s={s}: verified deviation {:e}", tab.verified_deviation());
            assert!(tab.is_tabulated());
            // Dense random check including points between the verification probes.
            let direct = QFunction::new(s);
            let mut worst = (0.0f64, 0.0);
            let mut x = s * 2f64.powi(-26);
            while x < s * 4096.0 {
                let rel = (tab.eval(x) / direct.eval(x) - 1.0).abs();
                if rel > worst.0 {
                    worst = (rel, x);
                }
                x *= 1.001_37;
            }
            println!(
                "   dense deviation {:e} at x={:?}: table {:?} direct {:?}",
                worst.0,
                worst.1,
                tab.eval(worst.1),
                direct.eval(worst.1)
            );
            // The deviation peaks near x = 2, the series route's limit, where `QFunction` itself
            // carries ~1e-14 noise (the table is closer to mpmath there, see below).
            assert!(worst.0 <= QT_VERIFY_REL, "s={s}: {worst:?}");
        }
    }

    #[test]
    fn table_matches_mpmath_to_2e_14() {
        let mut tables: Vec<QTable> = Vec::new();
        let (mut worst, mut worst_direct) = ((0.0, 0.0, 0.0), 0.0f64);
        for row in fixture() {
            let exact: f64 = row.q.parse().unwrap();
            if !tables.iter().any(|t| t.order() == row.s) {
                tables.push(QTable::new(row.s));
            }
            let tab = tables.iter().find(|t| t.order() == row.s).unwrap();
            assert!(tab.is_tabulated(), "s={}", row.s);
            let rel = (tab.eval(row.x) / exact - 1.0).abs();
            worst_direct = worst_direct.max((tab.direct().eval(row.x) / exact - 1.0).abs());
            if rel > worst.0 {
                worst = (rel, row.s, row.x);
            }
        }
        println!(
            "table: worst relative error {:e} at s={} x={} (direct {worst_direct:e})",
            worst.0, worst.1, worst.2
        );
        assert!(worst.0 <= 2e-14, "worst {worst:?}");
    }

    #[test]
    fn table_falls_back_outside_its_range() {
        let start = std::time::Instant::now();
        let tab = QTable::new(10.0);
        println!("QTable::new(10) took {:?}", start.elapsed());
        assert!(tab.is_tabulated());
        // 35 octaves of 32 panels of 8 coefficients: 71680 bytes, as the memory estimate says.
        assert_eq!(tab.coef.len() * std::mem::size_of::<[f64; QT_N]>(), 71680);
        let own = std::mem::size_of::<QTable>() + 2 * std::mem::size_of::<usize>();
        assert_eq!(QTable::BYTES, 71680 + own);
        assert_eq!(tab.eval(0.0), 0.0);
        assert_eq!(tab.eval(f64::INFINITY), 1.0);
        let q = QFunction::new(10.0);
        for x in [1e-300, 1e-9, 1e6] {
            assert_eq!(tab.eval(x), q.eval(x));
        }
        // A tolerance nothing can meet rejects the table; evaluation is then the direct one.
        let strict = QTable::build(QFunction::new(10.0), 0.0);
        assert!(!strict.is_tabulated());
        assert_eq!(strict.eval(3.0), q.eval(3.0));
    }
}
