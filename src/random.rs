//! PyNN's random distributions for parameters, initial values, weights and delays
//! (`RandomDistribution('normal_clipped', mu=..., sigma=..., low=..., high=...)`), with PyNN's
//! names and parameters. In TOML a value may be given as
//! `{ distribution = "uniform", low = -65.0, high = -55.0 }`. Values are drawn from the random
//! stream of what they belong to (see [`crate::rng`]), so the same seed gives the same values.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, StandardNormal};
use serde::Deserialize;

/// Most draws `normal_clipped` makes for one value before it gives up (the validation refuses
/// a window that holds less than [`MIN_CLIPPED_MASS`] of the distribution).
const MAX_REJECTIONS: usize = 100_000;

/// Largest magnitude of a `uniform_int` bound (every whole number up to it is an f64).
const WHOLE_MAX: f64 = 9_007_199_254_740_992.0;

/// Least probability mass of a `normal_clipped` window [low, high].
pub const MIN_CLIPPED_MASS: f64 = 1e-3;

/// A random distribution with PyNN's name and parameters (in the unit of the value it draws).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum RandomDistribution {
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound, > low.
        high: f64,
    },
    /// Normal with mean `mu` and standard deviation `sigma`.
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation, ≥ 0.
        sigma: f64,
    },
    /// Normal(`mu`, `sigma`) restricted to `[low, high]` by redrawing values outside it.
    NormalClipped {
        /// Mean.
        mu: f64,
        /// Standard deviation, ≥ 0.
        sigma: f64,
        /// Lower bound (may be `-inf`).
        low: f64,
        /// Upper bound (may be `inf`), > low.
        high: f64,
    },
    /// Normal(`mu`, `sigma`) with values outside `[low, high]` set to the nearer bound.
    NormalClippedToBoundary {
        /// Mean.
        mu: f64,
        /// Standard deviation, ≥ 0.
        sigma: f64,
        /// Lower bound (may be `-inf`).
        low: f64,
        /// Upper bound (may be `inf`), ≥ low.
        high: f64,
    },
    /// Exponential with mean `beta` (PyNN's scale parameter).
    Exponential {
        /// Mean, > 0.
        beta: f64,
    },
    /// exp(Normal(`mu`, `sigma`)).
    Lognormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, ≥ 0.
        sigma: f64,
    },
    /// Gamma with shape `k` and scale `theta` (mean k·θ).
    Gamma {
        /// Shape, > 0.
        k: f64,
        /// Scale, > 0.
        theta: f64,
    },
    /// Uniform on the integers `low..high` (`high` excluded, as numpy's `randint`, which
    /// PyNN's `NumpyRNG` uses).
    UniformInt {
        /// Smallest value (a whole number).
        low: f64,
        /// One above the largest value (a whole number), > low.
        high: f64,
    },
}

/// A parameter of a distribution that is out of its range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{problem}")]
pub struct DistributionError {
    /// The parameter (`sigma`, `high`, …).
    pub parameter: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl RandomDistribution {
    /// PyNN's name of the distribution.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Uniform { .. } => "uniform",
            Self::Normal { .. } => "normal",
            Self::NormalClipped { .. } => "normal_clipped",
            Self::NormalClippedToBoundary { .. } => "normal_clipped_to_boundary",
            Self::Exponential { .. } => "exponential",
            Self::Lognormal { .. } => "lognormal",
            Self::Gamma { .. } => "gamma",
            Self::UniformInt { .. } => "uniform_int",
        }
    }

    /// The first parameter out of its range, if any.
    pub fn check(&self) -> Result<(), DistributionError> {
        let bad = |parameter: &'static str, problem: String| {
            Err(DistributionError { parameter, problem })
        };
        let finite = |parameter: &'static str, value: f64| {
            if value.is_finite() {
                Ok(())
            } else {
                bad(parameter, format!("must be a finite number, got {value}"))
            }
        };
        let positive = |parameter: &'static str, value: f64| {
            finite(parameter, value)?;
            if value > 0.0 {
                Ok(())
            } else {
                bad(parameter, format!("must be > 0, got {value}"))
            }
        };
        let normal = |mu: f64, sigma: f64| {
            finite("mu", mu)?;
            finite("sigma", sigma)?;
            if sigma >= 0.0 {
                Ok(())
            } else {
                bad("sigma", format!("must be ≥ 0, got {sigma}"))
            }
        };
        let window = |low: f64, high: f64, strict: bool| {
            if low.is_nan() || high.is_nan() {
                return bad("low", "low and high must be numbers".into());
            }
            if high > low || (!strict && high == low) {
                Ok(())
            } else {
                let relation = if strict { ">" } else { "≥" };
                bad(
                    "high",
                    format!("must be {relation} low ({low}), got {high}"),
                )
            }
        };
        match *self {
            Self::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                window(low, high, true)?;
                if (high - low).is_finite() {
                    Ok(())
                } else {
                    bad(
                        "high",
                        format!("high − low must be finite, got {high} − {low}"),
                    )
                }
            }
            Self::Normal { mu, sigma } | Self::Lognormal { mu, sigma } => normal(mu, sigma),
            Self::NormalClipped {
                mu,
                sigma,
                low,
                high,
            } => {
                normal(mu, sigma)?;
                window(low, high, true)?;
                let mass = normal_mass(mu, sigma, low, high);
                if mass < MIN_CLIPPED_MASS {
                    return bad(
                        "low",
                        format!(
                            "[{low}, {high}] holds only {mass:.1e} of Normal({mu}, {sigma}) (at least {MIN_CLIPPED_MASS:e} is needed)"
                        ),
                    );
                }
                Ok(())
            }
            Self::NormalClippedToBoundary {
                mu,
                sigma,
                low,
                high,
            } => {
                normal(mu, sigma)?;
                window(low, high, false)?;
                match (low, high) {
                    (f64::INFINITY, _) => bad("low", "must be below inf".into()),
                    (_, f64::NEG_INFINITY) => bad("high", "must be above -inf".into()),
                    _ => Ok(()),
                }
            }
            Self::Exponential { beta } => positive("beta", beta),
            Self::Gamma { k, theta } => {
                positive("k", k)?;
                positive("theta", theta)
            }
            Self::UniformInt { low, high } => {
                for (parameter, value) in [("low", low), ("high", high)] {
                    finite(parameter, value)?;
                    if value.fract() != 0.0 || value.abs() > WHOLE_MAX {
                        let message =
                            format!("must be a whole number of at most 2^53, got {value}");
                        return bad(parameter, message);
                    }
                }
                window(low, high, true)
            }
        }
    }

    /// The smallest and largest values the distribution can draw (infinite where unbounded).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Self::Uniform { low, high }
            | Self::NormalClipped { low, high, .. }
            | Self::NormalClippedToBoundary { low, high, .. } => (low, high),
            Self::UniformInt { low, high } => (low, high - 1.0),
            Self::Normal { sigma: 0.0, mu } => (mu, mu),
            Self::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Self::Exponential { .. } | Self::Lognormal { .. } | Self::Gamma { .. } => {
                (0.0, f64::INFINITY)
            }
        }
    }

    /// One value drawn from `rng`. The distribution must have passed
    /// [`RandomDistribution::check`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Self::Uniform { low, high } => rng.random_range(low..high),
            Self::Normal { mu, sigma } => mu + sigma * standard_normal(rng),
            Self::NormalClipped {
                mu,
                sigma,
                low,
                high,
            } => {
                for _ in 0..MAX_REJECTIONS {
                    let x = mu + sigma * standard_normal(rng);
                    if (low..=high).contains(&x) {
                        return x;
                    }
                }
                // Unreachable in practice for a checked distribution: the window holds ≥ 1e-3 of
                // the mass, so 100 000 misses in a row have probability below e^-100.
                mu.clamp(low, high)
            }
            Self::NormalClippedToBoundary {
                mu,
                sigma,
                low,
                high,
            } => (mu + sigma * standard_normal(rng)).clamp(low, high),
            Self::Exponential { beta } => Exp::new(1.0 / beta).map_or(f64::NAN, |d| d.sample(rng)),
            Self::Lognormal { mu, sigma } => {
                LogNormal::new(mu, sigma).map_or(f64::NAN, |d| d.sample(rng))
            }
            Self::Gamma { k, theta } => Gamma::new(k, theta).map_or(f64::NAN, |d| d.sample(rng)),
            Self::UniformInt { low, high } => rng.random_range(low as i64..high as i64) as f64,
        }
    }

    /// `n` values drawn in order from `rng`.
    pub fn draw<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<f64> {
        (0..n).map(|_| self.sample(rng)).collect()
    }
}

/// A standard normal draw (ziggurat).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// Probability that Normal(`mu`, `sigma`) lies in `[low, high]`.
fn normal_mass(mu: f64, sigma: f64, low: f64, high: f64) -> f64 {
    if sigma == 0.0 {
        return if (low..=high).contains(&mu) { 1.0 } else { 0.0 };
    }
    let cdf = |x: f64| 0.5 * libm::erfc(-(x - mu) / (sigma * std::f64::consts::SQRT_2));
    cdf(high) - cdf(low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Mean and standard deviation of `n` draws.
    fn moments(d: &RandomDistribution, n: usize) -> (f64, f64, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let x = d.draw(n, &mut rng);
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt(), x)
    }

    #[test]
    fn draws_have_the_distributions_moments() {
        let n = 200_000;
        // (distribution, exact mean, exact standard deviation)
        let cases = [
            (
                RandomDistribution::Uniform {
                    low: -65.0,
                    high: -55.0,
                },
                -60.0,
                10.0 / 12f64.sqrt(),
            ),
            (
                RandomDistribution::Normal {
                    mu: 0.01,
                    sigma: 0.002,
                },
                0.01,
                0.002,
            ),
            (RandomDistribution::Exponential { beta: 2.5 }, 2.5, 2.5),
            (
                RandomDistribution::Lognormal {
                    mu: 0.0,
                    sigma: 0.5,
                },
                (0.125f64).exp(),
                ((0.25f64).exp_m1() * 0.25f64.exp()).sqrt(),
            ),
            (
                RandomDistribution::Gamma { k: 3.0, theta: 0.5 },
                1.5,
                3f64.sqrt() * 0.5,
            ),
            (
                // A die: 1..=6.
                RandomDistribution::UniformInt {
                    low: 1.0,
                    high: 7.0,
                },
                3.5,
                (35.0f64 / 12.0).sqrt(),
            ),
        ];
        for (d, mean, sd) in cases {
            let (m, s, _) = moments(&d, n);
            // 5 standard errors of the mean; the sample sd to 2 %.
            assert!(
                (m - mean).abs() < 5.0 * sd / (n as f64).sqrt(),
                "{d:?}: mean {m} vs {mean}"
            );
            assert!((s - sd).abs() < 0.02 * sd, "{d:?}: sd {s} vs {sd}");
        }
    }

    #[test]
    fn clipped_normals_stay_in_their_window_with_the_truncated_moments() {
        // Normal(0, 1) truncated to [0, inf): mean sqrt(2/pi), variance 1 - 2/pi.
        let clipped = RandomDistribution::NormalClipped {
            mu: 0.0,
            sigma: 1.0,
            low: 0.0,
            high: f64::INFINITY,
        };
        let n = 200_000;
        let (m, s, x) = moments(&clipped, n);
        assert!(x.iter().all(|&v| v >= 0.0));
        let mean = (2.0 / std::f64::consts::PI).sqrt();
        let sd = (1.0 - 2.0 / std::f64::consts::PI).sqrt();
        assert!(
            (m - mean).abs() < 5.0 * sd / (n as f64).sqrt(),
            "mean {m} vs {mean}"
        );
        assert!((s - sd).abs() < 0.02 * sd, "sd {s} vs {sd}");
        // To the boundary: half the draws of Normal(0, 1) land on 0.
        let to_boundary = RandomDistribution::NormalClippedToBoundary {
            mu: 0.0,
            sigma: 1.0,
            low: 0.0,
            high: f64::INFINITY,
        };
        let (_, _, x) = moments(&to_boundary, n);
        let zeros = x.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
        assert!((zeros - 0.5).abs() < 0.005, "{zeros}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let check = |d: RandomDistribution| d.check().unwrap_err();
        let e = check(RandomDistribution::Normal {
            mu: 0.0,
            sigma: -1.0,
        });
        assert_eq!(
            (e.parameter, e.problem.as_str()),
            ("sigma", "must be ≥ 0, got -1")
        );
        let e = check(RandomDistribution::Uniform {
            low: 1.0,
            high: 1.0,
        });
        assert_eq!(
            (e.parameter, e.problem.as_str()),
            ("high", "must be > low (1), got 1")
        );
        let e = check(RandomDistribution::Exponential { beta: 0.0 });
        assert_eq!(e.parameter, "beta");
        let e = check(RandomDistribution::NormalClipped {
            mu: 0.0,
            sigma: 1.0,
            low: 10.0,
            high: 11.0,
        });
        assert!(e.problem.contains("holds only"), "{}", e.problem);
        let e = check(RandomDistribution::UniformInt {
            low: 0.5,
            high: 3.0,
        });
        assert_eq!(
            (e.parameter, e.problem.as_str()),
            ("low", "must be a whole number of at most 2^53, got 0.5")
        );
        let e = check(RandomDistribution::NormalClippedToBoundary {
            mu: 0.0,
            sigma: 1.0,
            low: f64::INFINITY,
            high: f64::INFINITY,
        });
        assert_eq!(
            (e.parameter, e.problem.as_str()),
            ("low", "must be below inf")
        );
        let e = check(RandomDistribution::Uniform {
            low: -1e308,
            high: 1e308,
        });
        assert_eq!(e.parameter, "high");
        assert_eq!(
            RandomDistribution::UniformInt {
                low: 1.0,
                high: 7.0
            }
            .support(),
            (1.0, 6.0)
        );
        assert!(RandomDistribution::Gamma { k: 2.0, theta: 1.0 }
            .check()
            .is_ok());
    }

    #[test]
    fn pynn_names_parse_from_toml() {
        #[derive(Deserialize)]
        struct Holder {
            w: RandomDistribution,
        }
        let parsed: Holder = toml::from_str(
            r#"w = { distribution = "normal_clipped", mu = 0.01, sigma = 0.002, low = 0.0, high = inf }"#,
        )
        .unwrap();
        assert_eq!(
            parsed.w,
            RandomDistribution::NormalClipped {
                mu: 0.01,
                sigma: 0.002,
                low: 0.0,
                high: f64::INFINITY
            }
        );
        assert_eq!(parsed.w.name(), "normal_clipped");
        assert!(toml::from_str::<Holder>(r#"w = { distribution = "normal", mu = 1.0 }"#).is_err());
    }
}
