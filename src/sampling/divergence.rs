//! Kullback–Leibler divergences between a sampled distribution p̂ and a Boltzmann target p*, in
//! nats, and the log-spaced sampling times at which they are reported.
//!
//! **Conventions (no state is ever dropped silently).**
//! * D_KL(p̂ ‖ p*) = Σ_z p̂(z) ln(p̂(z)/p*(z)) ([`dkl_sampled_target`]) is used as measured, without
//!   smoothing: terms with p̂(z) = 0 are 0 (0·ln 0 = 0), and it is finite because p* > 0 for every
//!   state of a Boltzmann target. (Should p*(z) underflow to 0 for a visited state, the result is
//!   +∞, never a silently dropped term.)
//! * D_KL(p* ‖ p̂) = Σ_z p*(z) ln(p*(z)/p̂_s(z)) ([`dkl_target_sampled`]) would be infinite as soon
//!   as one state is unvisited, so it is computed against the **smoothed** estimate
//!   p̂_s(z) = (D(z) + c/2ⁿ) / (T + c),
//!   where D(z) is the time spent in z (ms), T = Σ_z D(z) the sampling time (ms) and c a
//!   pseudo-duration (ms): one pseudo-sample of length c spread uniformly over the 2ⁿ states. The
//!   sampling runs pass c = τ_refrac, i.e. one extra sample's worth of time. With c = 0 the
//!   unsmoothed estimate is used, and the result is +∞ if a state with p* > 0 was never visited.
//! * [`unvisited`] counts the states with D(z) = 0; report it next to every D_KL(p* ‖ p̂).

/// The median of `values` (the mean of the two middle ones for an even count; NaN sorts last),
/// `None` when there are none: how the divergences of several networks are summarised.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len();
    (m > 0).then(|| 0.5 * (sorted[(m - 1) / 2] + sorted[m / 2]))
}

/// A bad argument to a divergence.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DivergenceError {
    /// The two distributions have different numbers of states.
    #[error("the distributions have {left} and {right} states; they must have the same number")]
    LengthMismatch {
        /// States of the first argument.
        left: usize,
        /// States of the second argument.
        right: usize,
    },
    /// The total sampling time or the pseudo-duration is negative or not finite, or both are 0.
    #[error("the sampling time T = {total:?} ms and the pseudo-duration c = {smoothing:?} ms must be finite, >= 0 and not both 0")]
    InvalidTime {
        /// T (ms).
        total: f64,
        /// c (ms).
        smoothing: f64,
    },
    /// Log-spaced checkpoints need 0 < t_first <= t_last (finite) and at least one per decade.
    #[error("checkpoints need finite times 0 < t_first <= t_last and per_decade >= 1, but t_first = {t_first:?} ms, t_last = {t_last:?} ms and per_decade = {per_decade}")]
    InvalidCheckpoints {
        /// First time (ms).
        t_first: f64,
        /// Last time (ms).
        t_last: f64,
        /// Points per decade.
        per_decade: usize,
    },
}

fn same_length(left: usize, right: usize) -> Result<(), DivergenceError> {
    if left == right {
        Ok(())
    } else {
        Err(DivergenceError::LengthMismatch { left, right })
    }
}

/// p·ln(p/q) with 0·ln(0/q) = 0 (and +∞ for p > 0 = q) [nats].
fn kl_term(p: f64, q: f64) -> f64 {
    if p == 0.0 {
        0.0
    } else {
        p * (p / q).ln()
    }
}

/// D_KL(p̂ ‖ p*) = Σ p̂ ln(p̂/p*) in nats, with 0·ln 0 = 0 and no smoothing (see the module
/// documentation). `p_hat` and `p_star` are distributions over the same states.
pub fn dkl_sampled_target(p_hat: &[f64], p_star: &[f64]) -> Result<f64, DivergenceError> {
    same_length(p_hat.len(), p_star.len())?;
    Ok(p_hat.iter().zip(p_star).map(|(&p, &q)| kl_term(p, q)).sum())
}

/// D_KL(p* ‖ p̂_s) in nats, p̂_s(z) = (D(z) + c/K)/(T + c) with K = number of states: the
/// `durations` D (ms) smoothed by the pseudo-duration `smoothing` = c (ms) spread uniformly,
/// `total` = T (ms, normally Σ D). See the module documentation.
pub fn dkl_target_sampled(
    p_star: &[f64],
    durations: &[f64],
    total: f64,
    smoothing: f64,
) -> Result<f64, DivergenceError> {
    same_length(p_star.len(), durations.len())?;
    let valid = |x: f64| x.is_finite() && x >= 0.0;
    if !(valid(total) && valid(smoothing) && total + smoothing > 0.0) {
        return Err(DivergenceError::InvalidTime { total, smoothing });
    }
    let pseudo = smoothing / durations.len() as f64;
    let norm = total + smoothing;
    Ok(p_star
        .iter()
        .zip(durations)
        .map(|(&p, &d)| kl_term(p, (d + pseudo) / norm))
        .sum())
}

/// Number of states never visited (duration exactly 0).
pub fn unvisited(durations: &[f64]) -> usize {
    durations.iter().filter(|&&d| d == 0.0).count()
}

/// Log-spaced sampling times (ms) from `t_first` to `t_last`: t_first·10^(k/per_decade) for
/// k = 0, 1, … while below t_last (points within a relative 1e-9 of t_last are dropped), then
/// t_last itself. Strictly increasing; a single point if t_first = t_last.
pub fn log_spaced_checkpoints(
    t_first: f64,
    t_last: f64,
    per_decade: usize,
) -> Result<Vec<f64>, DivergenceError> {
    if !(t_first.is_finite() && t_last.is_finite() && 0.0 < t_first && t_first <= t_last)
        || per_decade == 0
    {
        return Err(DivergenceError::InvalidCheckpoints {
            t_first,
            t_last,
            per_decade,
        });
    }
    let mut out: Vec<f64> = (0..)
        .map(|k| t_first * 10f64.powf(k as f64 / per_decade as f64))
        .take_while(|&t| t < t_last * (1.0 - 1e-9))
        .collect();
    out.push(t_last);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::boltzmann::tests::{close, fixture_targets, FIXTURE};
    use crate::sampling::boltzmann::Boltzmann;

    #[test]
    fn hand_computed_divergences() {
        // D_KL((1, 0) ‖ (1/4, 3/4)) = 1·ln 4; the unvisited state contributes 0.
        assert!(close(
            dkl_sampled_target(&[1.0, 0.0], &[0.25, 0.75]).unwrap(),
            4f64.ln(),
            1e-15
        ));
        assert_eq!(
            dkl_sampled_target(&[0.2, 0.3, 0.5], &[0.2, 0.3, 0.5]).unwrap(),
            0.0
        );
        // K = 2, D = (10, 0) ms, T = 10 ms, c = 2 ms: p̂_s = (11/12, 1/12).
        let got = dkl_target_sampled(&[0.5, 0.5], &[10.0, 0.0], 10.0, 2.0).unwrap();
        let want = 0.5 * (0.5f64 / (11.0 / 12.0)).ln() + 0.5 * (0.5f64 / (1.0 / 12.0)).ln();
        assert!(close(got, want, 1e-15), "{got} vs {want}");
        // c = 0: no smoothing; infinite with an unvisited state, exact without.
        assert_eq!(
            dkl_target_sampled(&[0.5, 0.5], &[10.0, 0.0], 10.0, 0.0).unwrap(),
            f64::INFINITY
        );
        let got = dkl_target_sampled(&[0.5, 0.5], &[2.5, 7.5], 10.0, 0.0).unwrap();
        assert!(close(
            got,
            0.5 * 2f64.ln() + 0.5 * (2.0f64 / 3.0).ln(),
            1e-15
        ));
        // States with p* = 0 contribute 0 to D_KL(p* ‖ ·), and make D_KL(p̂ ‖ p*) infinite.
        let got = dkl_target_sampled(&[0.0, 1.0], &[3.0, 7.0], 10.0, 0.0).unwrap();
        assert!(close(got, -(0.7f64.ln()), 1e-15));
        assert_eq!(
            dkl_sampled_target(&[0.3, 0.7], &[0.0, 1.0]).unwrap(),
            f64::INFINITY
        );
        assert_eq!(unvisited(&[0.0, 1.0, 0.0, 1e-300]), 2);
    }

    #[derive(serde::Deserialize)]
    struct Fixture {
        divergences: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        target: String,
        durations: Vec<f64>,
        total: f64,
        smoothing: f64,
        dkl_sampled_target: f64,
        dkl_target_sampled: serde_json::Value,
        unvisited: usize,
    }

    #[test]
    fn divergences_match_the_scipy_oracle() {
        let fixture: Fixture = serde_json::from_str(FIXTURE).unwrap();
        let targets = fixture_targets();
        assert_eq!(fixture.divergences.len(), 2);
        for case in fixture.divergences {
            let t = targets.iter().find(|t| t.name == case.target).unwrap();
            let p_star = Boltzmann::new(t.weights.clone(), t.biases.clone())
                .unwrap()
                .probabilities();
            let p_hat: Vec<f64> = case.durations.iter().map(|d| d / case.total).collect();
            let got = dkl_sampled_target(&p_hat, &p_star).unwrap();
            assert!(
                close(got, case.dkl_sampled_target, 1e-13),
                "{got} vs {}",
                case.dkl_sampled_target
            );
            let got =
                dkl_target_sampled(&p_star, &case.durations, case.total, case.smoothing).unwrap();
            match case.dkl_target_sampled.as_f64() {
                Some(want) => assert!(
                    close(got, want, 1e-13),
                    "c = {}: {got} vs {want}",
                    case.smoothing
                ),
                None => {
                    assert_eq!(case.dkl_target_sampled, "inf");
                    assert_eq!(got, f64::INFINITY);
                }
            }
            assert_eq!(unvisited(&case.durations), case.unvisited);
        }
    }

    #[test]
    fn invalid_arguments_are_errors() {
        assert_eq!(
            dkl_sampled_target(&[1.0], &[0.5, 0.5])
                .unwrap_err()
                .to_string(),
            "the distributions have 1 and 2 states; they must have the same number"
        );
        assert!(dkl_target_sampled(&[1.0], &[0.5, 0.5], 1.0, 0.0).is_err());
        assert_eq!(
            dkl_target_sampled(&[0.5, 0.5], &[0.0, 0.0], 0.0, 0.0).unwrap_err(),
            DivergenceError::InvalidTime {
                total: 0.0,
                smoothing: 0.0
            }
        );
        assert!(dkl_target_sampled(&[0.5, 0.5], &[1.0, 1.0], 2.0, -1.0).is_err());
        assert!(dkl_target_sampled(&[0.5, 0.5], &[1.0, 1.0], f64::NAN, 1.0).is_err());
        // No samples at all but a pseudo-duration: the uniform distribution.
        let got = dkl_target_sampled(&[0.25, 0.75], &[0.0, 0.0], 0.0, 10.0).unwrap();
        assert!(close(got, 0.25 * 0.5f64.ln() + 0.75 * 1.5f64.ln(), 1e-15));
    }

    #[test]
    fn checkpoints_are_log_spaced_and_end_at_t_last() {
        assert_eq!(
            log_spaced_checkpoints(100.0, 1e5, 1).unwrap(),
            vec![100.0, 1e3, 1e4, 1e5]
        );
        let c = log_spaced_checkpoints(10.0, 500.0, 2).unwrap();
        assert_eq!(c.len(), 5);
        let want = [
            10.0,
            10.0 * 10f64.sqrt(),
            100.0,
            100.0 * 10f64.sqrt(),
            500.0,
        ];
        for (got, want) in c.iter().zip(want) {
            assert!(close(*got, want, 1e-12 * want), "{got} vs {want}");
        }
        let c = log_spaced_checkpoints(1.0, 1e4, 10).unwrap();
        assert_eq!(c.len(), 41);
        assert!(c
            .windows(2)
            .all(|w| w[0] < w[1] && close(w[1] / w[0], 10f64.powf(0.1), 1e-12)));
        assert_eq!(*c.last().unwrap(), 1e4);
        assert_eq!(log_spaced_checkpoints(7.0, 7.0, 3).unwrap(), vec![7.0]);
        assert!(log_spaced_checkpoints(0.0, 10.0, 3).is_err());
        assert!(log_spaced_checkpoints(10.0, 5.0, 3).is_err());
        assert_eq!(
            log_spaced_checkpoints(1.0, 10.0, 0).unwrap_err().to_string(),
            "checkpoints need finite times 0 < t_first <= t_last and per_decade >= 1, but t_first = 1.0 ms, t_last = 10.0 ms and per_decade = 0"
        );
    }
}
