//! The logistic activation function of a spike-based sampler and its least-squares fit.
//!
//! A calibrated sampler fires with probability `p_on(v_rest) = 1/(1 + exp(−(v_rest − v_p05)/α))`
//! (sampling.md §1.4): `v_p05` [mV] is the resting potential at which the neuron is refractory half
//! of the time and `α` [mV] the width of the curve, both in `v_rest` units.
//!
//! [`fit_logistic`] fits both to calibration points by Levenberg–Marquardt, using only points with
//! `0.05 < p_on < 0.95` as sbs does, and reports standard errors computed as scipy's `curve_fit`
//! does by default (`absolute_sigma=False`): covariance `(JᵀJ)⁻¹ · SSR/(m − 2)` at the optimum.

/// Points with `p_on` at or below this are left out of the fit (sbs's lower bound).
pub const P_MIN: f64 = 0.05;

/// Points with `p_on` at or above this are left out of the fit (sbs's upper bound).
pub const P_MAX: f64 = 0.95;

/// The fewest points inside `(P_MIN, P_MAX)` that [`fit_logistic`] accepts (two parameters plus
/// one degree of freedom for the residual variance).
pub const MIN_POINTS: usize = 3;

/// Iteration limit of the Levenberg–Marquardt loop.
const MAX_ITERATIONS: usize = 500;

/// A step smaller than this, relative to the parameter scale, ends the iteration.
const STEP_TOL: f64 = 1e-13;

/// The damping beyond which no decrease of the residual is possible in floating point: the
/// current point is stationary to rounding.
const LAMBDA_MAX: f64 = 1e20;

/// Why a logistic fit failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogisticError {
    /// `v_rest` and `p_on` have different lengths.
    #[error("{v_rest} v_rest values but {p_on} p_on values; give one p_on per v_rest")]
    LengthMismatch {
        /// Number of `v_rest` values.
        v_rest: usize,
        /// Number of `p_on` values.
        p_on: usize,
    },
    /// A `v_rest` of a point inside the fitted range is not finite.
    #[error("calibration point {index}: v_rest = {v_rest} is not a finite number")]
    NonFinite {
        /// Index of the point in the input.
        index: usize,
        /// The offending value [mV].
        v_rest: f64,
    },
    /// Too few points lie on the slope of the curve.
    #[error(
        "only {used} of {total} calibration points {} {P_MIN} < p_on < {P_MAX} \
         (at least {MIN_POINTS} needed); sweep v_rest more finely across the slope, or widen \
         the v_rest range if it misses the slope",
        if *.used == 1 { "has" } else { "have" }
    )]
    TooFewPoints {
        /// Points inside `(P_MIN, P_MAX)`.
        used: usize,
        /// All points given.
        total: usize,
    },
    /// The points inside the fitted range do not increase with `v_rest` (the linear fit of
    /// `logit(p_on)` has a slope ≤ 0), so no curve with `α > 0` fits them.
    #[error(
        "p_on does not increase with v_rest on the slope (logit slope {slope} per mV); \
         check the calibration points"
    )]
    NotIncreasing {
        /// Slope of the linear fit of `logit(p_on)` against `v_rest` [1/mV].
        slope: f64,
    },
    /// The Levenberg–Marquardt iteration did not converge.
    #[error("logistic fit did not converge in {iterations} iterations")]
    NotConverged {
        /// Iterations done.
        iterations: usize,
    },
    /// `JᵀJ` at the optimum is singular (e.g. all fitted points share one `v_rest`), so the
    /// parameters are not determined.
    #[error("the calibration points do not determine v_p05 and alpha (singular Jacobian)")]
    Singular,
    /// [`logistic_inverse`] was given a probability outside `(0, 1)`.
    #[error("p = {p} is outside (0, 1); the logistic takes no finite v_rest there")]
    ProbabilityOutOfRange {
        /// The offending probability.
        p: f64,
    },
}

/// Result of [`fit_logistic`]: parameters of `p_on(v_rest)` with their standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// Resting potential at which `p_on = 1/2` [mV].
    pub v_p05: f64,
    /// Width of the curve [mV] (`p_on` rises from 0.27 to 0.73 over `2α`); always > 0.
    pub alpha: f64,
    /// Standard error of `v_p05` [mV], as scipy `curve_fit` reports it (`absolute_sigma=False`).
    pub v_p05_stderr: f64,
    /// Standard error of `alpha` [mV], as scipy `curve_fit` reports it.
    pub alpha_stderr: f64,
    /// Covariance of `(v_p05, alpha)` [mV²]: `(JᵀJ)⁻¹ · SSR/(m − 2)` (scipy's `pcov`).
    pub covariance: [[f64; 2]; 2],
    /// Root mean square of the residuals `p_fit − p_on` over the fitted points (dimensionless).
    pub residual_rms: f64,
    /// Number of points with `0.05 < p_on < 0.95` that entered the fit.
    pub points_used: usize,
}

/// `1/(1 + exp(−(x − v_p05)/alpha))` (dimensionless), evaluated without overflow or
/// cancellation in either tail; `x`, `v_p05` and `alpha` in mV.
pub fn logistic(x: f64, v_p05: f64, alpha: f64) -> f64 {
    let z = (x - v_p05) / alpha;
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The `x` [mV] at which [`logistic`] equals `p`: `v_p05 + alpha · ln(p/(1 − p))`; `p` must lie
/// in `(0, 1)`.
pub fn logistic_inverse(p: f64, v_p05: f64, alpha: f64) -> Result<f64, LogisticError> {
    if p > 0.0 && p < 1.0 {
        Ok(v_p05 + alpha * (p.ln() - (-p).ln_1p()))
    } else {
        Err(LogisticError::ProbabilityOutOfRange { p })
    }
}

/// Fit `p_on = logistic(v_rest, v_p05, alpha)` to calibration points by least squares.
///
/// `v_rest` [mV] and `p_on` (dimensionless) are paired by index, in any order. Only points with
/// `0.05 < p_on < 0.95` are used (non-finite `p_on` are left out too). The start is the linear fit
/// of `logit(p_on)` against `v_rest`; Levenberg–Marquardt with Marquardt's diagonal scaling then
/// converges to the least-squares optimum (to ~1e-13 relative), so the result equals scipy's
/// `curve_fit` on the same points up to scipy's own stopping tolerance.
pub fn fit_logistic(v_rest: &[f64], p_on: &[f64]) -> Result<LogisticFit, LogisticError> {
    if v_rest.len() != p_on.len() {
        return Err(LogisticError::LengthMismatch {
            v_rest: v_rest.len(),
            p_on: p_on.len(),
        });
    }
    let mut xs = Vec::new();
    let mut ps = Vec::new();
    for (index, (&x, &p)) in v_rest.iter().zip(p_on).enumerate() {
        if p > P_MIN && p < P_MAX {
            if !x.is_finite() {
                return Err(LogisticError::NonFinite { index, v_rest: x });
            }
            xs.push(x);
            ps.push(p);
        }
    }
    if xs.len() < MIN_POINTS {
        return Err(LogisticError::TooFewPoints {
            used: xs.len(),
            total: v_rest.len(),
        });
    }
    let start = logit_start(&xs, &ps)?;
    let theta = levenberg_marquardt(&xs, &ps, start)?;
    finish(&xs, &ps, theta)
}

/// Start values `(v_p05, alpha)` from the least-squares line through `(x, logit p)`.
fn logit_start(xs: &[f64], ps: &[f64]) -> Result<[f64; 2], LogisticError> {
    let m = xs.len() as f64;
    let x_mean = xs.iter().sum::<f64>() / m;
    let logits: Vec<f64> = ps.iter().map(|&p| p.ln() - (-p).ln_1p()).collect();
    let y_mean = logits.iter().sum::<f64>() / m;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (&x, &y) in xs.iter().zip(&logits) {
        sxy += (x - x_mean) * (y - y_mean);
        sxx += (x - x_mean) * (x - x_mean);
    }
    if sxx <= 0.0 {
        return Err(LogisticError::Singular);
    }
    let slope = sxy / sxx;
    if !(slope > 0.0 && slope.is_finite()) {
        return Err(LogisticError::NotIncreasing { slope });
    }
    Ok([x_mean - y_mean / slope, 1.0 / slope])
}

/// Residuals `r_i = logistic(x_i) − p_i`, their sum of squares, `JᵀJ` and `Jᵀr` at `theta`.
struct Linearisation {
    /// Sum of squared residuals (dimensionless).
    ssr: f64,
    /// `JᵀJ`, symmetric, with `J_i = ∂r_i/∂(v_p05, alpha)` [1/mV].
    jtj: [[f64; 2]; 2],
    /// `Jᵀr` [1/mV].
    jtr: [f64; 2],
}

fn linearise(xs: &[f64], ps: &[f64], [x0, alpha]: [f64; 2]) -> Linearisation {
    let mut lin = Linearisation {
        ssr: 0.0,
        jtj: [[0.0; 2]; 2],
        jtr: [0.0; 2],
    };
    for (&x, &p) in xs.iter().zip(ps) {
        let f = logistic(x, x0, alpha);
        let r = f - p;
        let z = (x - x0) / alpha;
        let slope = f * (1.0 - f) / alpha;
        let j = [-slope, -slope * z];
        lin.ssr += r * r;
        for a in 0..2 {
            lin.jtr[a] += j[a] * r;
            for b in 0..2 {
                lin.jtj[a][b] += j[a] * j[b];
            }
        }
    }
    lin
}

/// Solve the symmetric 2×2 system `a · x = rhs`; `None` if it is singular.
fn solve2(a: [[f64; 2]; 2], rhs: [f64; 2]) -> Option<[f64; 2]> {
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let x = [
        (a[1][1] * rhs[0] - a[0][1] * rhs[1]) / det,
        (a[0][0] * rhs[1] - a[1][0] * rhs[0]) / det,
    ];
    (det > 0.0 && x.iter().all(|v| v.is_finite())).then_some(x)
}

/// Levenberg–Marquardt from `start`; returns the optimum `(v_p05, alpha)`.
fn levenberg_marquardt(xs: &[f64], ps: &[f64], start: [f64; 2]) -> Result<[f64; 2], LogisticError> {
    let mut theta = start;
    let mut lin = linearise(xs, ps, theta);
    let mut lambda = 1e-3;
    for _ in 0..MAX_ITERATIONS {
        let mut a = lin.jtj;
        for (k, row) in a.iter_mut().enumerate() {
            row[k] += lambda * lin.jtj[k][k];
        }
        if let Some(d) = solve2(a, [-lin.jtr[0], -lin.jtr[1]]) {
            let c = [theta[0] + d[0], theta[1] + d[1]];
            let trial = (c[0].is_finite() && c[1] > 0.0 && c[1].is_finite())
                .then(|| linearise(xs, ps, c))
                .filter(|trial| trial.ssr <= lin.ssr);
            if let Some(trial) = trial {
                let scale = theta[1] + theta[0].abs();
                theta = c;
                lin = trial;
                lambda = (lambda * 0.1).max(1e-12);
                if d[0].abs() <= STEP_TOL * scale && d[1].abs() <= STEP_TOL * theta[1] {
                    return Ok(theta);
                }
                continue;
            }
        }
        lambda *= 10.0;
        if lambda > LAMBDA_MAX {
            // No step, however short, lowers the residual: stationary to rounding.
            return Ok(theta);
        }
    }
    Err(LogisticError::NotConverged {
        iterations: MAX_ITERATIONS,
    })
}

/// Standard errors and residual statistics at the optimum `theta`.
fn finish(xs: &[f64], ps: &[f64], theta: [f64; 2]) -> Result<LogisticFit, LogisticError> {
    // α > 0 holds by construction: the start has α = 1/slope > 0 and steps to α ≤ 0 are rejected.
    let [v_p05, alpha] = theta;
    let lin = linearise(xs, ps, theta);
    let m = xs.len();
    let s_sq = lin.ssr / (m - 2) as f64;
    let inv0 = solve2(lin.jtj, [1.0, 0.0]).ok_or(LogisticError::Singular)?;
    let inv1 = solve2(lin.jtj, [0.0, 1.0]).ok_or(LogisticError::Singular)?;
    let covariance = [
        [inv0[0] * s_sq, inv1[0] * s_sq],
        [inv0[1] * s_sq, inv1[1] * s_sq],
    ];
    Ok(LogisticFit {
        v_p05,
        alpha,
        v_p05_stderr: covariance[0][0].sqrt(),
        alpha_stderr: covariance[1][1].sqrt(),
        covariance,
        residual_rms: (lin.ssr / m as f64).sqrt(),
        points_used: m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Expected {
        v_p05: f64,
        alpha: f64,
        v_p05_stderr: f64,
        alpha_stderr: f64,
        covariance: [[f64; 2]; 2],
        residual_rms: f64,
        points_used: usize,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        x: Vec<f64>,
        p: Vec<f64>,
        expected: Expected,
    }

    #[derive(serde::Deserialize)]
    struct Fixture {
        cases: Vec<Case>,
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn matches_scipy_curve_fit() {
        let fx: Fixture =
            serde_json::from_str(include_str!("../../tests/fixtures/logistic_fit.json")).unwrap();
        assert_eq!(fx.cases.len(), 4);
        for c in &fx.cases {
            let e = &c.expected;
            let fit = fit_logistic(&c.x, &c.p).unwrap_or_else(|err| panic!("{}: {err}", c.name));
            assert_eq!(fit.points_used, e.points_used, "{}", c.name);
            assert!(rel(fit.v_p05, e.v_p05) < 1e-9, "{}: {fit:?}", c.name);
            assert!(rel(fit.alpha, e.alpha) < 1e-8, "{}: {fit:?}", c.name);
            assert!(rel(fit.v_p05_stderr, e.v_p05_stderr) < 1e-6, "{}", c.name);
            assert!(rel(fit.alpha_stderr, e.alpha_stderr) < 1e-6, "{}", c.name);
            assert!(rel(fit.residual_rms, e.residual_rms) < 1e-8, "{}", c.name);
            let scale = (e.covariance[0][0] * e.covariance[1][1]).sqrt();
            for a in 0..2 {
                for b in 0..2 {
                    let d = (fit.covariance[a][b] - e.covariance[a][b]).abs();
                    assert!(d < 1e-6 * scale, "{} cov[{a}][{b}]", c.name);
                }
            }
        }
    }

    #[test]
    fn recovers_noiseless_parameters_exactly() {
        for &(v_p05, alpha, lo, hi, n) in &[
            (-50.2, 0.83, -54.0, -46.0, 40),
            (-61.7, 2.5, -75.0, -50.0, 150),
            (3.0, 0.05, 2.9, 3.1, 7),
        ] {
            let x: Vec<f64> = (0..n)
                .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
                .collect();
            let p: Vec<f64> = x.iter().map(|&x| logistic(x, v_p05, alpha)).collect();
            let fit = fit_logistic(&x, &p).unwrap();
            assert!(
                (fit.v_p05 - v_p05).abs() < 1e-12 * v_p05.abs().max(1.0),
                "{fit:?}"
            );
            assert!(rel(fit.alpha, alpha) < 1e-11, "{fit:?}");
            assert!(fit.residual_rms < 1e-14, "{fit:?}");
            assert!(fit.v_p05_stderr < 1e-12 && fit.alpha_stderr < 1e-12);
            let inside = p.iter().filter(|&&q| q > P_MIN && q < P_MAX).count();
            assert_eq!(fit.points_used, inside);
        }
    }

    #[test]
    fn ignores_points_outside_the_slope() {
        // Points with p ≤ 0.05 or ≥ 0.95 carry arbitrary (even contradictory) values.
        let x = [
            -60.0, -55.0, -51.0, -50.5, -50.0, -49.5, -49.0, -45.0, -40.0,
        ];
        let mut p: Vec<f64> = x.iter().map(|&x| logistic(x, -50.0, 0.9)).collect();
        p[0] = 0.05;
        p[1] = 0.0;
        p[7] = 1.0;
        p[8] = f64::NAN;
        let fit = fit_logistic(&x, &p).unwrap();
        assert_eq!(fit.points_used, 5);
        assert!((fit.v_p05 + 50.0).abs() < 1e-12 && (fit.alpha - 0.9).abs() < 1e-12);
    }

    #[test]
    fn too_few_points_is_a_clear_error() {
        let x: Vec<f64> = (0..40).map(|k| -80.0 + k as f64).collect();
        let p: Vec<f64> = x.iter().map(|&x| logistic(x, -50.0, 0.3)).collect();
        let err = fit_logistic(&x, &p).unwrap_err();
        assert_eq!(err, LogisticError::TooFewPoints { used: 1, total: 40 });
        let msg = err.to_string();
        assert!(
            msg.starts_with("only 1 of 40 calibration points has 0.05 < p_on < 0.95"),
            "{msg}"
        );
        let err = fit_logistic(&[], &[]).unwrap_err();
        assert_eq!(err, LogisticError::TooFewPoints { used: 0, total: 0 });
        assert!(err
            .to_string()
            .starts_with("only 0 of 0 calibration points have 0.05"));
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        assert_eq!(
            fit_logistic(&[1.0, 2.0], &[0.5]).unwrap_err(),
            LogisticError::LengthMismatch { v_rest: 2, p_on: 1 }
        );
        let err = fit_logistic(&[1.0, f64::INFINITY, 3.0], &[0.2, 0.5, 0.8]).unwrap_err();
        assert!(matches!(err, LogisticError::NonFinite { index: 1, .. }));
        // falling curve: no α > 0 fits
        let err = fit_logistic(&[1.0, 2.0, 3.0], &[0.8, 0.5, 0.2]).unwrap_err();
        assert!(matches!(err, LogisticError::NotIncreasing { slope } if slope < 0.0));
        // all points at one v_rest
        let err = fit_logistic(&[1.0, 1.0, 1.0], &[0.4, 0.5, 0.6]).unwrap_err();
        assert_eq!(err, LogisticError::Singular);
    }

    #[test]
    fn logistic_values_and_inverse() {
        assert_eq!(logistic(-50.0, -50.0, 0.8), 0.5);
        // 1/(1 + e^{-1}) = 0.7310585786300049
        assert!((logistic(-49.2, -50.0, 0.8) - 0.731_058_578_630_004_9).abs() < 1e-15);
        assert!((logistic(-50.8, -50.0, 0.8) - 0.268_941_421_369_995_1).abs() < 1e-15);
        // far tails: no overflow, the lower tail keeps relative precision (e^{-800/0.8} underflows
        // only below 1e-308; e^{-500} = 7.124576406741286e-218)
        assert_eq!(logistic(1e6, 0.0, 1.0), 1.0);
        assert!(rel(logistic(-500.0, 0.0, 1.0), 7.124_576_406_741_286e-218) < 1e-14);
        for &p in &[1e-12, 0.05, 0.3, 0.5, 0.95, 1.0 - 1e-9] {
            let x = logistic_inverse(p, -50.3, 0.7).unwrap();
            assert!(rel(logistic(x, -50.3, 0.7), p) < 1e-13, "{p}");
        }
        // logit(0.75) = ln 3
        let x = logistic_inverse(0.75, -50.0, 2.0).unwrap();
        assert!((x - (-50.0 + 2.0 * 3f64.ln())).abs() < 1e-14);
        for p in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
            assert!(logistic_inverse(p, 0.0, 1.0).is_err());
        }
    }
}
