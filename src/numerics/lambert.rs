//! The principal branch W₀ of the Lambert W function on [−1/e, 0], the closed form of the first
//! spike of a LIF neuron whose membrane and synaptic time constants are equal.
//!
//! W₀(z) is the solution w ≥ −1 of w·e^w = z. A start from the branch-point series (near −1/e) or the
//! Taylor series (near 0) is polished by Halley steps on f(w) = w·e^w − z until the step is below
//! 4 ulps of w; the tests check it against 30-digit values and the identity w·e^w = z.

/// −1/e, the branch point of W [dimensionless].
const BRANCH_POINT: f64 = -0.367_879_441_171_442_33;

/// W₀(z) for z ∈ [−1/e, 0] [dimensionless], in [−1, 0]. Arguments below −1/e by no more than
/// 1e-15 (rounding in the caller) are treated as −1/e; other arguments outside the range give NaN.
pub fn lambert_w0_negative(z: f64) -> f64 {
    if !(BRANCH_POINT - 1e-15..=0.0).contains(&z) {
        return f64::NAN;
    }
    if z == 0.0 {
        return 0.0;
    }
    // p = √(2(ez + 1)) measures the distance to the branch point; W₀ = −1 + p − p²/3 + 11p³/72 − …
    let p = (2.0 * (std::f64::consts::E * z + 1.0)).max(0.0).sqrt();
    if p < 1e-4 {
        // The series is exact to ~p⁴ < 1e-16 here and Halley's step is ill-conditioned.
        return -1.0 + p * (1.0 + p * (-1.0 / 3.0 + p * 11.0 / 72.0));
    }
    let mut w = if z < -0.25 {
        -1.0 + p * (1.0 + p * (-1.0 / 3.0 + p * (11.0 / 72.0 - p * 43.0 / 540.0)))
    } else {
        // W₀(z) = z − z² + 3z³/2 − …; Halley's steps converge from it across the rest of the range.
        z * (1.0 - z * (1.0 - 1.5 * z))
    };
    for _ in 0..20 {
        let e = w.exp();
        let f = w * e - z;
        let w1 = w + 1.0;
        let step = f / (e * w1 - (w + 2.0) * f / (2.0 * w1));
        w -= step;
        if step.abs() <= 4.0 * f64::EPSILON * w.abs().max(1e-300) {
            break;
        }
    }
    w.max(-1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// W₀ at selected points, from mpmath (`mp.dps = 30; lambertw(mpf(z))`), rounded to 26 digits
    /// (the compiler rounds them correctly).
    #[allow(clippy::excessive_precision)]
    const MPMATH: [(f64, f64); 6] = [
        (-0.367_879_4, -0.999_526_966_607_700_532_501_872_6),
        (-0.3, -0.489_402_227_180_214_933_565_021_5),
        (-0.2, -0.259_171_101_819_073_764_476_637_1),
        (-0.1, -0.111_832_559_158_962_971_823_190_8),
        (-1e-3, -1.001_001_502_671_885_844_253_596e-3),
        (-1e-10, -1.000_000_000_100_000_036_447_197e-10),
    ];

    #[test]
    fn matches_mpmath_values() {
        for (z, w) in MPMATH {
            let got = lambert_w0_negative(z);
            // |dW/dz|·ε|z| = ε|w|/(1 + w): the conditioning of W₀ near the branch point.
            let tol = 4.0 * f64::EPSILON * w.abs() / (1.0 + w);
            assert!((got - w).abs() <= tol, "W0({z}) = {got}, want {w}");
        }
    }

    #[test]
    fn inverts_w_exp_w_over_the_whole_range() {
        for k in 0..=10_000 {
            let z = BRANCH_POINT * (k as f64 / 10_000.0).powi(3);
            let w = lambert_w0_negative(z);
            assert!((-1.0..=0.0).contains(&w), "W0({z}) = {w}");
            assert!((w * w.exp() - z).abs() <= 2e-16, "W0({z}) = {w}");
        }
        assert_eq!(lambert_w0_negative(BRANCH_POINT), -1.0);
        assert!(lambert_w0_negative(-0.5).is_nan());
        assert!(lambert_w0_negative(0.1).is_nan());
    }
}
