//! Tsodyks–Markram short-term plasticity with the semantics of NEST's `tsodyks2_synapse`
//! (PyNN's `TsodyksMarkramSynapse` names the same parameters `U`, `tau_rec`, `tau_facil`).
//!
//! Each synapse carries its own state `(x, u, t_last)`: `x` ∈ [0, 1] is the fraction of
//! resources available at the last spike *before* that spike's release, `u` ∈ (0, 1] the release
//! probability used by that spike, `t_last` [ms] the time of that spike (−∞ before the first).
//! Initial values, as in NEST: `x = 1`, `u = U`, `t_last = −∞`.
//!
//! At a presynaptic spike at time `t` (the time it reaches the synapse's target), with
//! `h = t − t_last`:
//!
//! 1. recover over the interval, in closed form (no steps):
//!    `x ← 1 + (x − u·x − 1)·e^{−h/tau_rec}` (the `u·x` released by the previous spike recovers
//!    towards 1 with `tau_rec`),
//!    `u ← U + u·(1 − U)·e^{−h/tau_facil}` (`e^{−h/tau_facil}` taken as 0 when `tau_facil = 0`,
//!    i.e. `u = U` at every spike);
//! 2. the spike is transmitted with the effective weight `w·u·x`;
//! 3. `t_last ← t`. The release itself (`x → x − u·x`) is folded into step 1 of the next spike,
//!    so the stored `x`, `u` are those the last spike used.
//!
//! With `t_last = −∞` step 1 gives exactly `x = 1`, `u = U` (NEST 3 skips the recovery before the
//! first spike instead; the result is identical), so the first spike has the weight `w·U`.
//! These are NEST 3's equations (Maass & Markram 2002, eqs. 4–5). NEST 2 started from
//! `t_last = 0` and therefore let an initial `x = 0` recover from time 0; exactspike, like NEST 3,
//! starts every synapse full (`x = 1`).
//!
//! Renewing synapses (spike-based sampling): with `U = 1`, `tau_facil = 0` and `tau_rec` equal to
//! the target receptor's `tau_syn`, a spike `h` ms after the previous one has weight
//! `w·(1 − e^{−h/tau_syn})`, which sets the target's conductance back to exactly `w` if this synapse
//! is its only input on that receptor.

use serde::Deserialize;

/// Parameters of a Tsodyks–Markram synapse (PyNN names and defaults).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TsoParams {
    /// Utilisation of synaptic efficacy: the release probability of the first spike and the
    /// facilitation increment, in (0, 1] (dimensionless; default 0.5).
    #[serde(rename = "U")]
    pub u_se: f64,
    /// Recovery (depression) time constant [ms], > 0 (default 800).
    pub tau_rec: f64,
    /// Facilitation time constant [ms], ≥ 0; 0 disables facilitation (default 0).
    pub tau_facil: f64,
}

impl Default for TsoParams {
    fn default() -> Self {
        Self {
            u_se: 0.5,
            tau_rec: 800.0,
            tau_facil: 0.0,
        }
    }
}

/// A parameter of [`TsoParams`] out of range; displays as the problem, [`TsoParamError::field`]
/// names the parameter.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum TsoParamError {
    /// A parameter is NaN or infinite.
    #[error("must be a finite number, got {1}")]
    NotFinite(&'static str, f64),
    /// `U` is not in (0, 1].
    #[error("must be in (0, 1], got {0}")]
    U(f64),
    /// `tau_rec` [ms] is not > 0.
    #[error("must be > 0, got {0}")]
    TauRec(f64),
    /// `tau_facil` [ms] is not ≥ 0.
    #[error("must be ≥ 0, got {0}")]
    TauFacil(f64),
}

impl TsoParamError {
    /// The offending parameter's name in the experiment file (`U`, `tau_rec` or `tau_facil`).
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotFinite(field, _) => field,
            Self::U(_) => "U",
            Self::TauRec(_) => "tau_rec",
            Self::TauFacil(_) => "tau_facil",
        }
    }
}

impl TsoParams {
    /// Check the ranges: `U` ∈ (0, 1], `tau_rec` > 0 ms, `tau_facil` ≥ 0 ms, all finite.
    pub fn check(&self) -> Result<(), TsoParamError> {
        for (field, value) in [
            ("U", self.u_se),
            ("tau_rec", self.tau_rec),
            ("tau_facil", self.tau_facil),
        ] {
            if !value.is_finite() {
                return Err(TsoParamError::NotFinite(field, value));
            }
        }
        if !(self.u_se > 0.0 && self.u_se <= 1.0) {
            return Err(TsoParamError::U(self.u_se));
        }
        if self.tau_rec <= 0.0 {
            return Err(TsoParamError::TauRec(self.tau_rec));
        }
        if self.tau_facil < 0.0 {
            return Err(TsoParamError::TauFacil(self.tau_facil));
        }
        Ok(())
    }
}

/// The dynamic state of one Tsodyks–Markram synapse (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TsoState {
    /// Available resources the last spike found (dimensionless, in [0, 1]).
    pub x: f64,
    /// Release probability the last spike used (dimensionless, in (0, 1]).
    pub u: f64,
    /// Time of the last spike [ms]; −∞ before the first.
    pub t_last: f64,
}

impl TsoState {
    /// NEST's initial state: `x = 1`, `u = U`, no spike yet.
    pub fn new(params: &TsoParams) -> Self {
        Self {
            x: 1.0,
            u: params.u_se,
            t_last: f64::NEG_INFINITY,
        }
    }

    /// Transmit a spike at time `t` [ms] (`t ≥ t_last`): recover over `t − t_last`, return the
    /// factor `u·x` that scales the synaptic weight, and remember `t`.
    #[inline]
    pub fn transmit(&mut self, params: &TsoParams, t: f64) -> f64 {
        let h = t - self.t_last;
        let x_decay = (-h / params.tau_rec).exp();
        let u_decay = if params.tau_facil == 0.0 {
            0.0
        } else {
            (-h / params.tau_facil).exp()
        };
        self.x = 1.0 + (self.x - self.x * self.u - 1.0) * x_decay;
        self.u = params.u_se + self.u * (1.0 - params.u_se) * u_decay;
        self.t_last = t;
        self.x * self.u
    }
}

/// The effective weights `w·u·x` of a spike train `times` [ms] (non-decreasing) through one fresh
/// synapse of weight `weight` (µS or nA).
pub fn effective_weights(params: &TsoParams, weight: f64, times: &[f64]) -> Vec<f64> {
    let mut state = TsoState::new(params);
    times
        .iter()
        .map(|&t| state.transmit(params, t) * weight)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(u_se: f64, tau_rec: f64, tau_facil: f64) -> TsoParams {
        TsoParams {
            u_se,
            tau_rec,
            tau_facil,
        }
    }

    #[test]
    fn defaults_are_pynn_s() {
        assert_eq!(TsoParams::default(), params(0.5, 800.0, 0.0));
    }

    #[test]
    fn first_spike_has_weight_u_times_w() {
        let p = params(0.3, 100.0, 50.0);
        assert_eq!(effective_weights(&p, 2.0, &[17.0]), vec![0.6]);
    }

    #[test]
    fn renewing_synapse_restores_the_weight() {
        // U = 1, tau_facil = 0: u = 1 always, x = 1 − e^{−h/tau_rec} after any spike.
        let p = params(1.0, 10.0, 0.0);
        let times = [1.0, 1.5, 4.0, 40.0, 40.0];
        let got = effective_weights(&p, 1.0, &times);
        assert_eq!(got[0], 1.0);
        for k in 1..times.len() {
            let expected = 1.0 - (-(times[k] - times[k - 1]) / 10.0f64).exp();
            assert!((got[k] - expected).abs() <= 1e-15, "{k}: {}", got[k]);
        }
        assert_eq!(
            got[4], 0.0,
            "a simultaneous second spike finds nothing left"
        );
    }

    /// Hand-computed with the textbook form (release after the spike, then relaxation):
    /// U = 0.5, tau_rec = 100, tau_facil = 0, spikes at 0 and 10 ms:
    /// x₁ = 1, u = 0.5 → 0.5; x after release 0.5; x₂ = 1 − 0.5·e^{−0.1} = 0.547581290982…,
    /// weight 0.5·x₂ = 0.273790645491010…
    #[test]
    fn pure_depression_matches_a_hand_computation() {
        let got = effective_weights(&params(0.5, 100.0, 0.0), 1.0, &[0.0, 10.0]);
        assert_eq!(got[0], 0.5);
        assert!(
            (got[1] - 0.273_790_645_491_010_1).abs() < 1e-15,
            "{}",
            got[1]
        );
    }

    /// Facilitation, hand-computed: U = 0.3, tau_rec = 50, tau_facil = 100, spikes at 0, 20 ms.
    /// u₁ = 0.3, x₁ = 1 → 0.3. u₂ = 0.3 + 0.3·0.7·e^{−0.2} = 0.471933458…,
    /// x₂ = 1 − 0.3·e^{−0.4} = 0.798903986…; weight u₂·x₂ = 0.377029520…
    #[test]
    fn facilitation_matches_a_hand_computation() {
        let got = effective_weights(&params(0.3, 50.0, 100.0), 1.0, &[0.0, 20.0]);
        assert_eq!(got[0], 0.3);
        assert!((got[1] - 0.377_029_520_929_245).abs() < 1e-15, "{}", got[1]);
    }

    #[test]
    fn long_silence_resets_the_synapse() {
        let p = params(0.3, 50.0, 100.0);
        let got = effective_weights(&p, 1.0, &[0.0, 1.0, 2.0, 1e6]);
        assert_eq!(got[3], 0.3);
    }

    #[test]
    fn ranges_are_checked() {
        assert_eq!(params(0.0, 1.0, 0.0).check(), Err(TsoParamError::U(0.0)));
        assert_eq!(params(1.5, 1.0, 0.0).check(), Err(TsoParamError::U(1.5)));
        assert!(params(1.0, 1.0, 0.0).check().is_ok());
        let e = params(0.5, -1.0, 0.0).check().unwrap_err();
        assert_eq!(
            (e.field(), e.to_string()),
            ("tau_rec", "must be > 0, got -1".into())
        );
        assert_eq!(
            params(0.5, 0.0, 0.0).check(),
            Err(TsoParamError::TauRec(0.0))
        );
        assert_eq!(
            params(0.5, 1.0, -2.0).check(),
            Err(TsoParamError::TauFacil(-2.0))
        );
        let e = params(0.5, f64::INFINITY, 0.0).check().unwrap_err();
        assert_eq!(e.field(), "tau_rec");
        assert!(params(f64::NAN, 1.0, 0.0).check().is_err());
    }
}
