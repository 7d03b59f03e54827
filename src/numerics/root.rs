//! Bracketed root refinement. Callers supply a proven bracket, `f(lo) < 0 ≤ f(hi)`; an interval
//! that is not one is refused with [`NotABracket`], never searched.

/// The interval given to [`refine_crossing`] is not a bracket: `f(lo) < 0 ≤ f(hi)` fails (a NaN
/// included).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("[{lo}, {hi}] is not a bracket: f(lo) = {f_lo}, f(hi) = {f_hi} (needs f(lo) < 0 ≤ f(hi))")]
pub struct NotABracket {
    /// Left end [the argument's unit].
    pub lo: f64,
    /// Right end [the argument's unit].
    pub hi: f64,
    /// `f(lo)`.
    pub f_lo: f64,
    /// `f(hi)`.
    pub f_hi: f64,
}

/// Find the first-from-the-left crossing of `f` from negative to non-negative in the bracket
/// `[lo, hi]`, where `f(lo) < 0 ≤ f(hi)` and `f` has exactly one sign change there (the caller has
/// proven monotonicity or isolation). Returns a time `t` with `f(t) ≥ 0` and `t − t_true ≤ tol`
/// (the returned point never lies before the true root, up to floating point), using the Illinois
/// variant of regula falsi, safeguarded by bisection.
pub fn refine_crossing(
    f: impl Fn(f64) -> f64,
    mut lo: f64,
    mut hi: f64,
    tol: f64,
) -> Result<f64, NotABracket> {
    let mut f_lo = f(lo);
    let mut f_hi = f(hi);
    if !(f_lo < 0.0 && f_hi >= 0.0 && lo <= hi) {
        return Err(NotABracket { lo, hi, f_lo, f_hi });
    }
    // Which side was retained last: -1 low, +1 high, 0 none.
    let mut side = 0i8;
    for _ in 0..200 {
        if hi - lo <= tol {
            break;
        }
        let width = hi - lo;
        let mut t = hi - f_hi * width / (f_hi - f_lo);
        // Safeguard: keep the trial point well inside the bracket, else bisect.
        if !(t > lo + 0.01 * width && t < hi - 0.01 * width) {
            t = lo + 0.5 * width;
        }
        let f_t = f(t);
        if f_t >= 0.0 {
            hi = t;
            f_hi = f_t;
            if side == 1 {
                f_lo *= 0.5;
            }
            side = 1;
        } else {
            lo = t;
            f_lo = f_t;
            if side == -1 {
                f_hi *= 0.5;
            }
            side = -1;
        }
        if f_t == 0.0 {
            return Ok(t);
        }
    }
    Ok(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_log_two_to_machine_precision() {
        // f(t) = 1 - 2 e^{-t} crosses zero at ln 2.
        let t = refine_crossing(|t| 1.0 - 2.0 * (-t).exp(), 0.0, 5.0, 1e-14).unwrap();
        assert!((t - std::f64::consts::LN_2).abs() < 1e-13, "{t}");
        assert!(1.0 - 2.0 * (-t).exp() >= 0.0);
    }

    #[test]
    fn steep_and_flat_function_converges() {
        // Very flat near the root: f(t) = (t - 0.3)^3.
        let t = refine_crossing(|t| (t - 0.3f64).powi(3), 0.0, 1.0, 1e-12).unwrap();
        assert!((t - 0.3).abs() < 1e-11, "{t}");
    }

    #[test]
    fn an_interval_that_is_not_a_bracket_is_refused() {
        let f = |t: f64| t - 0.3;
        let refused = refine_crossing(f, 0.5, 1.0, 1e-12).unwrap_err();
        assert_eq!((refused.f_lo, refused.f_hi), (0.2, 0.7));
        assert!(refine_crossing(f, 0.0, 0.2, 1e-12).is_err());
        assert!(refine_crossing(|_| f64::NAN, 0.0, 1.0, 1e-12).is_err());
        assert!(refine_crossing(f, 1.0, 0.0, 1e-12).is_err());
        assert_eq!(refine_crossing(f, 0.0, 0.3, 1e-12), Ok(0.3));
    }
}
