//! Error-controlled Gauss–Legendre quadrature for smooth (analytic) integrands.
//!
//! [`AdaptiveGauss`] evaluates a panel with an `n`-point and a `2n`-point Gauss–Legendre rule and
//! accepts the `2n`-point value when the two differ by at most the tolerance; otherwise it bisects.
//! The difference bounds the error of the lower-order rule; for an integrand analytic in a Bernstein
//! ellipse of parameter ρ the `2n`-point error is smaller by a factor ~ρ^(−2n), so the accepted value
//! is conservatively within the tolerance (the usual a-posteriori argument, not a proof for
//! arbitrary integrands).

/// Nodes and weights of the `n`-point Gauss–Legendre rule on `[-1, 1]`, computed by Newton
/// iteration on the Legendre three-term recurrence (nodes accurate to ~1 ulp for `n ≤ 64`).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussLegendre {
    /// Nodes in `(-1, 1)`, ascending.
    nodes: Vec<f64>,
    /// Positive weights summing to 2.
    weights: Vec<f64>,
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
fn legendre_with_derivative(n: usize, x: f64) -> (f64, f64) {
    let (mut p_prev, mut p) = (1.0, x);
    for k in 2..=n {
        let k = k as f64;
        let p_next = ((2.0 * k - 1.0) * x * p - (k - 1.0) * p_prev) / k;
        p_prev = p;
        p = p_next;
    }
    let nf = n as f64;
    (p, nf * (x * p - p_prev) / (x * x - 1.0))
}

impl GaussLegendre {
    /// The `n`-point rule (`2 ≤ n ≤ 64`); exact for polynomials of degree `2n − 1`.
    pub fn new(n: usize) -> Self {
        assert!(
            (2..=64).contains(&n),
            "Gauss–Legendre order {n} out of range"
        );
        let mut nodes = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let nf = n as f64;
        for i in 0..n.div_ceil(2) {
            // Chebyshev-like initial guess for the i-th largest root.
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            for _ in 0..100 {
                let (p, dp) = legendre_with_derivative(n, x);
                let dx = p / dp;
                x -= dx;
                if dx.abs() <= 1e-16 {
                    break;
                }
            }
            let (_, dp) = legendre_with_derivative(n, x);
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            nodes[n - 1 - i] = x;
            nodes[i] = -x;
            weights[n - 1 - i] = w;
            weights[i] = w;
        }
        Self { nodes, weights }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false (a rule has at least two nodes); provided for API completeness.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `∫_a^b f` by this rule (units: those of `f` times those of the variable).
    pub fn integrate(&self, f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
        self.integrate_with_magnitude(f, a, b).0
    }

    /// `(∫_a^b f, ∫_a^b |f|)` by this rule; the second value scales the rounding error.
    pub fn integrate_with_magnitude(&self, f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
        let half = 0.5 * (b - a);
        let mid = 0.5 * (a + b);
        let (mut sum, mut abs) = (0.0, 0.0);
        for (&x, &w) in self.nodes.iter().zip(&self.weights) {
            let term = w * f(mid + half * x);
            sum += term;
            abs += term.abs();
        }
        (sum * half, abs * half.abs())
    }
}

/// An integral value with its a-posteriori error estimate (same units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The integral.
    pub value: f64,
    /// Sum over accepted panels of |high-order − low-order|, an error bound for smooth integrands.
    pub error: f64,
}

/// Adaptive bisection with a 6-point / 12-point Gauss–Legendre pair per panel (18 evaluations).
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveGauss {
    /// Lower-order rule (error estimator).
    low: GaussLegendre,
    /// Higher-order rule (accepted value).
    high: GaussLegendre,
}

impl Default for AdaptiveGauss {
    fn default() -> Self {
        Self::new()
    }
}

/// Maximum bisection depth; beyond it the panel is accepted with its (reported) error estimate.
const MAX_DEPTH: u32 = 24;

/// Differences below `ROUNDING_FLOOR · ∫|f|` (a few dozen ulp) are treated as rounding noise.
const ROUNDING_FLOOR: f64 = 32.0 * f64::EPSILON;

/// Points of the lower-order rule of [`AdaptiveGauss`] (the higher-order one has twice as many).
const LOW_POINTS: usize = 6;

impl AdaptiveGauss {
    /// Memory [bytes] an instance holds on the heap: the nodes and weights of both rules (for
    /// the memory estimate, [`crate::engine::memory`]).
    pub const HEAP_BYTES: usize = 2
        * (crate::engine::memory::heap_block(LOW_POINTS * 8)
            + crate::engine::memory::heap_block(2 * LOW_POINTS * 8));

    /// The 6/12-point pair.
    pub fn new() -> Self {
        Self {
            low: GaussLegendre::new(LOW_POINTS),
            high: GaussLegendre::new(2 * LOW_POINTS),
        }
    }

    /// `∫_a^b f` with absolute error estimate ≤ `max(tol, 32 ε ∫|f|)` (split proportionally to panel
    /// length), unless the bisection depth limit (24) is reached, in which case the larger estimate
    /// is reported.
    pub fn integrate(&self, f: &impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> Estimate {
        self.panel(f, a, b, tol, 0)
    }

    fn panel(&self, f: &impl Fn(f64) -> f64, a: f64, b: f64, tol: f64, depth: u32) -> Estimate {
        let (high, magnitude) = self.high.integrate_with_magnitude(f, a, b);
        let low = self.low.integrate(f, a, b);
        let error = (high - low).abs();
        // Below the rounding floor of the sums the difference carries no information.
        let floor = ROUNDING_FLOOR * magnitude;
        if error <= tol.max(floor) || depth >= MAX_DEPTH {
            return Estimate { value: high, error };
        }
        let mid = 0.5 * (a + b);
        let left = self.panel(f, a, mid, 0.5 * tol, depth + 1);
        let right = self.panel(f, mid, b, 0.5 * tol, depth + 1);
        Estimate {
            value: left.value + right.value,
            error: left.error + right.error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_is_exact_for_polynomials_and_weights_sum_to_two() {
        for n in [2, 6, 12, 20] {
            let rule = GaussLegendre::new(n);
            assert!((rule.weights.iter().sum::<f64>() - 2.0).abs() < 1e-14);
            let deg = 2 * n - 1;
            let got = rule.integrate(&|x: f64| x.powi(deg as i32 - 1), 0.0, 1.0);
            assert!((got - 1.0 / (deg as f64)).abs() < 1e-14, "n={n} {got}");
        }
    }

    #[test]
    fn adaptive_integrates_peaked_exponential() {
        let q = AdaptiveGauss::new();
        let est = q.integrate(&|x: f64| (40.0 * (x - 1.0)).exp(), 0.0, 1.0, 1e-15);
        let exact = (1.0 - (-40.0f64).exp()) / 40.0;
        assert!((est.value - exact).abs() < 1e-15, "{est:?}");
        assert!(est.error <= 1e-15);
    }
}
