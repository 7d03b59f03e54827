//! Translation of Boltzmann parameters `(W, b)` into `IF_cond_exp` sampler parameters, as sbs does
//! it for samplers under Poisson background (sampling.md §1.5–§1.6).
//!
//! * **Bias:** `v_rest,k = v_p05 + α · b_k` ([`bias_to_v_rest`]).
//! * **High-conductance state:** the Poisson background sets the mean conductances
//!   `g_X = w_X ν_X τ_syn_X`, the total `g_tot = g_l + g_E + g_I`, the effective time constant
//!   `τ_eff = cm/g_tot`, the mean free membrane potential `ū` and its standard deviation `σ_u`
//!   (Campbell's theorem) — see [`HighConductanceState`].
//! * **Weights:** the unit-weight PSP of the membrane linearised around `ū`,
//!   `cm dV/dt = −g_tot V + w e^{−t/τ_syn} ΔE` (`ΔE = E_E − ū` excitatory, `ū − E_I` inhibitory), is
//!   `PSP_unit(t) = (ΔE/cm) · k(t)` with the kernel
//!   `k(t) = τ_syn τ_eff/(τ_syn − τ_eff) · (e^{−t/τ_syn} − e^{−t/τ_eff})` [ms] ([`psp_kernel`]). A
//!   Boltzmann weight `W` becomes the conductance `|W| · α (g_l/g_tot) τ_ref / ∫₀^{τ_ref} PSP_unit`
//!   [µS] on the excitatory receptor for `W ≥ 0` and the inhibitory one for `W < 0`, so that the
//!   mean PSP over the presynaptic refractory window equals `W` logistic widths in `ū` units
//!   (`α g_l/g_tot`). The factor belongs to the *postsynaptic* neuron and is evaluated at its own
//!   `v_rest` (its bias), because `ū`, and with it `ΔE`, depends on `v_rest`.
//!
//! Each receptor uses its own `τ_syn` (`tau_syn_E` or `tau_syn_I`) in the PSP kernel and in its
//! background conductance; `g_tot`, `τ_eff` and `ū` are shared. With `tau_syn_E ≠ tau_syn_I` the
//! excitatory and inhibitory factors therefore differ through both `ΔE` and the kernel; nothing
//! else changes. When `τ_syn = τ_eff` the textbook closed forms are 0/0; [`psp_kernel`] and
//! [`psp_kernel_integral`] use forms that are regular there and reduce to the limits
//! `t e^{−t/τ}` and `τ²(1 − e^{−x}(1 + x))`.
//!
//! Units: ms, mV, nF, µS, nA as in PyNN; background rates are given in Hz and converted to kHz
//! (1/ms) inside. One deliberate difference from sbs: `ū` includes `i_offset`
//! (`ū = (g_l v_rest + g_E E_E + g_I E_I + i_offset)/g_tot`); sbs's formula has no `i_offset` term,
//! and the two agree for `i_offset = 0`, the value in every sbs configuration.

use serde::Deserialize;

use crate::neuron::{CondExpParams, Receptor};
use crate::sampling::logistic::LogisticFit;

/// Why a translation failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TranslationError {
    /// A parameter is out of its valid range.
    #[error("{name} = {value}: {requirement}")]
    InvalidParameter {
        /// Name of the parameter (PyNN name, or `noise.<field>`, `alpha`, `v_p05`).
        name: &'static str,
        /// The offending value (in the parameter's unit).
        value: f64,
        /// What it must satisfy.
        requirement: &'static str,
    },
    /// The mean free membrane potential is not on the driving side of a reversal potential, so
    /// a synapse on that receptor cannot move `V` the way its sign demands.
    #[error(
        "mean free membrane potential {u_mean} mV is not {side} {receptor:?} reversal potential \
         {e_rev} mV (v_rest = {v_rest} mV); no weight on that receptor can express a Boltzmann \
         weight"
    )]
    NoDrivingForce {
        /// The receptor.
        receptor: Receptor,
        /// The neuron's `v_rest` [mV].
        v_rest: f64,
        /// `ū` [mV].
        u_mean: f64,
        /// The receptor's reversal potential [mV].
        e_rev: f64,
        /// `"below"` (excitatory) or `"above"` (inhibitory).
        side: &'static str,
    },
    /// `weights` is not an `n × n` matrix with `n` the number of biases.
    #[error("weights row {row} has {len} entries, but there are {n} biases (W must be n × n)")]
    WeightShape {
        /// Row index (or `n` itself when the number of rows is wrong).
        row: usize,
        /// Its length (or the number of rows).
        len: usize,
        /// Number of biases.
        n: usize,
    },
    /// A Boltzmann weight or bias is not finite.
    #[error("{what} is not a finite number ({value})")]
    NonFinite {
        /// Which entry, e.g. `W[0][2]` or `b[1]`.
        what: String,
        /// The value.
        value: f64,
    },
    /// A diagonal weight is non-zero (a Boltzmann machine has no self-coupling).
    #[error("W[{index}][{index}] = {value}; the diagonal of W must be zero")]
    NonZeroDiagonal {
        /// Neuron index.
        index: usize,
        /// The value.
        value: f64,
    },
}

/// Poisson background of one sampler: one excitatory and one inhibitory source.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Rate of the excitatory Poisson source [Hz].
    pub rate_exc: f64,
    /// Rate of the inhibitory Poisson source [Hz].
    pub rate_inh: f64,
    /// Weight of the excitatory source [µS], ≥ 0.
    pub weight_exc: f64,
    /// Weight of the inhibitory source [µS], ≥ 0 (a conductance onto `e_rev_I`).
    pub weight_inh: f64,
}

impl Noise {
    /// The sbs COBA default: 3000 Hz excitatory and inhibitory at 0.001 µS each (sampling.md §1.3).
    pub fn sbs_default() -> Self {
        Self {
            rate_exc: 3000.0,
            rate_inh: 3000.0,
            weight_exc: 0.001,
            weight_inh: 0.001,
        }
    }

    /// Check that rates and weights are finite and ≥ 0.
    pub fn validate(&self) -> Result<(), TranslationError> {
        for (name, value) in [
            ("noise.rate_exc", self.rate_exc),
            ("noise.rate_inh", self.rate_inh),
            ("noise.weight_exc", self.weight_exc),
            ("noise.weight_inh", self.weight_inh),
        ] {
            require(name, value, value >= 0.0, "must be finite and >= 0")?;
        }
        Ok(())
    }
}

/// Fitted activation curve used for the translation: `p_on = 1/(1 + e^{−(v_rest − v_p05)/α})`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Activation {
    /// Resting potential at which `p_on = 1/2` [mV].
    pub v_p05: f64,
    /// Logistic width in `v_rest` units [mV], > 0.
    pub alpha: f64,
}

impl From<&LogisticFit> for Activation {
    fn from(fit: &LogisticFit) -> Self {
        Self {
            v_p05: fit.v_p05,
            alpha: fit.alpha,
        }
    }
}

/// `Err(InvalidParameter)` unless `value` is finite and `ok`.
fn require(
    name: &'static str,
    value: f64,
    ok: bool,
    requirement: &'static str,
) -> Result<(), TranslationError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(TranslationError::InvalidParameter {
            name,
            value,
            requirement,
        })
    }
}

/// Resting potential [mV] that implements the Boltzmann bias `b` (dimensionless):
/// `v_p05 + alpha · b`, with `v_p05` and `alpha` in mV.
pub fn bias_to_v_rest(b: f64, v_p05: f64, alpha: f64) -> f64 {
    v_p05 + alpha * b
}

/// The PSP kernel `k(t) = ∫₀^t e^{−(t−s)/τ_eff} e^{−s/τ_syn} ds` [ms] at time `t` [ms] after the
/// input (`0` for `t ≤ 0`); equals `τ_syn τ_eff/(τ_syn − τ_eff)(e^{−t/τ_syn} − e^{−t/τ_eff})`, and
/// `t e^{−t/τ}` when `τ_syn = τ_eff = τ`. Evaluated without cancellation for every pair of
/// positive time constants [ms].
pub fn psp_kernel(tau_syn: f64, tau_eff: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    // rates a = 1/τ_eff, b = 1/τ_syn; k = (e^{−bt} − e^{−at})/(a − b) = t e^{−mt} sinh(y)/y
    let (a, b) = (1.0 / tau_eff, 1.0 / tau_syn);
    let (m, delta) = (0.5 * (a + b), a - b);
    let y = 0.5 * delta * t;
    if y.abs() <= 1.0 {
        let sinhc = if y == 0.0 { 1.0 } else { y.sinh() / y };
        t * (-m * t).exp() * sinhc
    } else {
        ((-b * t).exp() - (-a * t).exp()) / delta
    }
}

/// `∫₀^{t_end} k(t) dt` [ms²] for the kernel of [`psp_kernel`] (time constants and `t_end` in ms).
///
/// The textbook form `τ_syn τ_eff/(τ_syn − τ_eff) · [τ_syn(1 − e^{−t_end/τ_syn}) −
/// τ_eff(1 − e^{−t_end/τ_eff})]` is 0/0 at `τ_syn = τ_eff` and loses digits near it. With the rates
/// `a = 1/τ_eff`, `b = 1/τ_syn`, their mean `m`, `X = m t_end` and `y = (a − b) t_end/2` it equals
/// `τ_syn τ_eff · [1 − e^{−X}(cosh y + X sinh(y)/y)]`, which is regular everywhere (at `y = 0` it is
/// the limit `τ² (1 − e^{−x}(1 + x))`, `x = t_end/τ`) and is evaluated without overflow
/// (`|y| < X`). Its relative rounding error is a few ulp times `max(1, 1/X)`: only `t_end` much
/// shorter than both time constants costs digits (the integral is then ≈ `t_end²/2`).
pub fn psp_kernel_integral(tau_syn: f64, tau_eff: f64, t_end: f64) -> f64 {
    if t_end <= 0.0 {
        return 0.0;
    }
    let (a, b) = (1.0 / tau_eff, 1.0 / tau_syn);
    let x = 0.5 * (a + b) * t_end;
    let y = (0.5 * (a - b) * t_end).abs();
    // e^{−X} cosh y and X e^{−X} sinh(y)/y
    let (even, odd) = if y <= 1.0 {
        let sinhc = if y == 0.0 { 1.0 } else { y.sinh() / y };
        let ex = (-x).exp();
        (ex * y.cosh(), x * ex * sinhc)
    } else {
        let (slow, fast) = ((y - x).exp(), (-x - y).exp());
        (0.5 * (slow + fast), x * (slow - fast) / (2.0 * y))
    };
    tau_syn * tau_eff * (1.0 - even - odd)
}

/// Free-membrane ("high-conductance") state of an `IF_cond_exp` sampler under Poisson background
/// at a given `v_rest` (sampling.md §1.5), plus what its PSPs need.
#[derive(Clone, Debug, PartialEq)]
pub struct HighConductanceState {
    /// Resting potential the state was evaluated at [mV].
    pub v_rest: f64,
    /// Leak conductance `cm/tau_m` [µS].
    pub g_l: f64,
    /// Mean excitatory background conductance `w_E ν_E τ_syn_E` [µS].
    pub g_exc: f64,
    /// Mean inhibitory background conductance `w_I ν_I τ_syn_I` [µS].
    pub g_inh: f64,
    /// Total mean conductance `g_l + g_exc + g_inh` [µS].
    pub g_tot: f64,
    /// Effective membrane time constant `cm/g_tot` [ms].
    pub tau_eff: f64,
    /// Mean free membrane potential `(g_l v_rest + g_exc E_E + g_inh E_I + i_offset)/g_tot` [mV].
    pub u_mean: f64,
    /// Standard deviation of the free membrane potential [mV], by Campbell's theorem for the
    /// linearised membrane: `σ² = Σ_X ν_X (w_X ΔE_X/cm)² τ_X² τ_eff² / (2(τ_X + τ_eff))`
    /// (sbs's `τ_g` form, rearranged so that `τ_X = τ_eff` needs no special case).
    pub u_std: f64,
    /// Membrane capacitance [nF].
    cm: f64,
    /// Refractory period [ms].
    tau_refrac: f64,
    /// Excitatory and inhibitory synaptic time constants [ms].
    tau_syn: [f64; 2],
    /// Excitatory and inhibitory reversal potentials [mV].
    e_rev: [f64; 2],
}

/// Index of a receptor in the `[excitatory, inhibitory]` arrays.
fn slot(receptor: Receptor) -> usize {
    match receptor {
        Receptor::Excitatory => 0,
        Receptor::Inhibitory => 1,
    }
}

impl HighConductanceState {
    /// The state of a sampler with `params` (whose own `v_rest` is ignored) and background
    /// `noise`, at resting potential `v_rest` [mV].
    pub fn new(
        params: &CondExpParams,
        noise: &Noise,
        v_rest: f64,
    ) -> Result<Self, TranslationError> {
        validate_params(params)?;
        noise.validate()?;
        require("v_rest", v_rest, true, "must be finite")?;
        let p = params;
        let g_l = p.cm / p.tau_m;
        // Hz → kHz so that rate · τ [ms] is dimensionless
        let (nu_e, nu_i) = (noise.rate_exc * 1e-3, noise.rate_inh * 1e-3);
        let g_exc = noise.weight_exc * nu_e * p.tau_syn_E;
        let g_inh = noise.weight_inh * nu_i * p.tau_syn_I;
        let g_tot = g_l + g_exc + g_inh;
        let tau_eff = p.cm / g_tot;
        let u_mean = (g_l * v_rest + g_exc * p.e_rev_E + g_inh * p.e_rev_I + p.i_offset) / g_tot;
        let shot = |nu: f64, w: f64, delta_e: f64, tau_s: f64| {
            let amp = w * delta_e / p.cm;
            nu * amp * amp * tau_s * tau_s * tau_eff * tau_eff / (2.0 * (tau_s + tau_eff))
        };
        let variance = shot(nu_e, noise.weight_exc, p.e_rev_E - u_mean, p.tau_syn_E)
            + shot(nu_i, noise.weight_inh, u_mean - p.e_rev_I, p.tau_syn_I);
        Ok(Self {
            v_rest,
            g_l,
            g_exc,
            g_inh,
            g_tot,
            tau_eff,
            u_mean,
            u_std: variance.sqrt(),
            cm: p.cm,
            tau_refrac: p.tau_refrac,
            tau_syn: [p.tau_syn_E, p.tau_syn_I],
            e_rev: [p.e_rev_E, p.e_rev_I],
        })
    }

    /// Driving force of `receptor` at `ū` [mV]: `E_E − ū` (excitatory) or `ū − E_I`
    /// (inhibitory); positive when the synapse acts as its name says.
    pub fn delta_e(&self, receptor: Receptor) -> f64 {
        match receptor {
            Receptor::Excitatory => self.e_rev[0] - self.u_mean,
            Receptor::Inhibitory => self.u_mean - self.e_rev[1],
        }
    }

    /// Magnitude of the PSP [mV per µS of weight] at `t` [ms] after one input of unit weight
    /// (1 µS) on `receptor`, for the membrane linearised around `ū`: `(ΔE/cm) · k(t)`
    /// (depolarising for excitatory, hyperpolarising for inhibitory inputs).
    pub fn psp_unit(&self, receptor: Receptor, t: f64) -> f64 {
        let tau_s = self.tau_syn[slot(receptor)];
        self.delta_e(receptor) / self.cm * psp_kernel(tau_s, self.tau_eff, t)
    }

    /// `∫₀^{τ_ref} PSP_unit(t) dt` [mV·ms per µS] for `receptor`, in closed form
    /// (`(ΔE/cm) ·` [`psp_kernel_integral`]).
    pub fn mean_psp_integral(&self, receptor: Receptor) -> f64 {
        let tau_s = self.tau_syn[slot(receptor)];
        self.delta_e(receptor) / self.cm * psp_kernel_integral(tau_s, self.tau_eff, self.tau_refrac)
    }

    /// Conductance [µS] per unit Boltzmann weight on `receptor` of this (postsynaptic) neuron:
    /// `α (g_l/g_tot) τ_ref / ∫₀^{τ_ref} PSP_unit`, with `alpha` [mV] the logistic width in
    /// `v_rest` units. Errors if the driving force `ΔE` is not positive.
    pub fn weight_factor(&self, receptor: Receptor, alpha: f64) -> Result<f64, TranslationError> {
        require("alpha", alpha, alpha > 0.0, "must be finite and > 0")?;
        if self.delta_e(receptor) <= 0.0 {
            let (side, e_rev) = match receptor {
                Receptor::Excitatory => ("below", self.e_rev[0]),
                Receptor::Inhibitory => ("above", self.e_rev[1]),
            };
            return Err(TranslationError::NoDrivingForce {
                receptor,
                v_rest: self.v_rest,
                u_mean: self.u_mean,
                e_rev,
                side,
            });
        }
        Ok(alpha * (self.g_l / self.g_tot) * self.tau_refrac / self.mean_psp_integral(receptor))
    }
}

/// Check the sampler parameters the translation uses.
fn validate_params(p: &CondExpParams) -> Result<(), TranslationError> {
    const POSITIVE: &str = "must be finite and > 0";
    require("cm", p.cm, p.cm > 0.0, POSITIVE)?;
    require("tau_m", p.tau_m, p.tau_m > 0.0, POSITIVE)?;
    require("tau_refrac", p.tau_refrac, p.tau_refrac > 0.0, POSITIVE)?;
    require("tau_syn_E", p.tau_syn_E, p.tau_syn_E > 0.0, POSITIVE)?;
    require("tau_syn_I", p.tau_syn_I, p.tau_syn_I > 0.0, POSITIVE)?;
    require("e_rev_E", p.e_rev_E, true, "must be finite")?;
    require("e_rev_I", p.e_rev_I, true, "must be finite")?;
    require("i_offset", p.i_offset, true, "must be finite")
}

/// One translated synapse between two samplers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Synapse {
    /// Receptor: excitatory for `W ≥ 0`, inhibitory for `W < 0`.
    pub receptor: Receptor,
    /// Conductance weight [µS], ≥ 0 (`|W|` times the postsynaptic factor of the receptor).
    pub weight: f64,
}

/// Result of [`translate`]: everything needed to build the sampling network.
#[derive(Clone, Debug, PartialEq)]
pub struct Translation {
    /// Resting potential of each sampler, `v_p05 + α b_k` [mV].
    pub v_rest: Vec<f64>,
    /// High-conductance state of each sampler at its own `v_rest`.
    pub states: Vec<HighConductanceState>,
    /// Excitatory conductance per unit Boltzmann weight of each (postsynaptic) sampler [µS].
    pub weight_factor_exc: Vec<f64>,
    /// Inhibitory conductance per unit Boltzmann weight of each (postsynaptic) sampler [µS].
    pub weight_factor_inh: Vec<f64>,
    /// `synapses[pre][post]`: the connection from sampler `pre` to sampler `post`, translated from
    /// `W[pre][post]` with the factor of `post`. Entries with `W = 0` (the diagonal included) are
    /// excitatory with weight 0; they need no connection.
    pub synapses: Vec<Vec<Synapse>>,
}

/// Translate the Boltzmann machine `(weights, biases)` into sampler parameters (sbs).
///
/// `weights[i][j]` (dimensionless, `n × n`, zero diagonal; symmetric for a Boltzmann machine, but
/// not required here) is the coupling used for the connection from `i` (pre) to `j` (post);
/// `biases` (dimensionless, length `n`). `params` are the sampler's `IF_cond_exp` parameters (its
/// `v_rest` is replaced per neuron), `noise` its Poisson background and `activation` the
/// calibration made with that same background.
pub fn translate(
    activation: &Activation,
    params: &CondExpParams,
    noise: &Noise,
    weights: &[Vec<f64>],
    biases: &[f64],
) -> Result<Translation, TranslationError> {
    let Activation { v_p05, alpha } = *activation;
    require("v_p05", v_p05, true, "must be finite")?;
    require("alpha", alpha, alpha > 0.0, "must be finite and > 0")?;
    let n = biases.len();
    if weights.len() != n {
        return Err(TranslationError::WeightShape {
            row: n,
            len: weights.len(),
            n,
        });
    }
    for (i, row) in weights.iter().enumerate() {
        if row.len() != n {
            return Err(TranslationError::WeightShape {
                row: i,
                len: row.len(),
                n,
            });
        }
        for (j, &w) in row.iter().enumerate() {
            if !w.is_finite() {
                return Err(TranslationError::NonFinite {
                    what: format!("W[{i}][{j}]"),
                    value: w,
                });
            }
        }
        if row[i] != 0.0 {
            return Err(TranslationError::NonZeroDiagonal {
                index: i,
                value: row[i],
            });
        }
    }
    let mut v_rest = Vec::with_capacity(n);
    for (k, &b) in biases.iter().enumerate() {
        if !b.is_finite() {
            return Err(TranslationError::NonFinite {
                what: format!("b[{k}]"),
                value: b,
            });
        }
        v_rest.push(bias_to_v_rest(b, v_p05, alpha));
    }
    let states = v_rest
        .iter()
        .map(|&v| HighConductanceState::new(params, noise, v))
        .collect::<Result<Vec<_>, _>>()?;
    let factors = |receptor| {
        states
            .iter()
            .map(|s| s.weight_factor(receptor, alpha))
            .collect::<Result<Vec<f64>, _>>()
    };
    let weight_factor_exc = factors(Receptor::Excitatory)?;
    let weight_factor_inh = factors(Receptor::Inhibitory)?;
    let synapses = weights
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(post, &w)| {
                    if w >= 0.0 {
                        Synapse {
                            receptor: Receptor::Excitatory,
                            weight: w * weight_factor_exc[post],
                        }
                    } else {
                        Synapse {
                            receptor: Receptor::Inhibitory,
                            weight: -w * weight_factor_inh[post],
                        }
                    }
                })
                .collect()
        })
        .collect();
    Ok(Translation {
        v_rest,
        states,
        weight_factor_exc,
        weight_factor_inh,
        synapses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quadrature::AdaptiveGauss;

    #[derive(Deserialize)]
    struct ReceptorExpected {
        delta_e: f64,
        psp_integral: f64,
        psp_integral_ode: f64,
        weight_factor: f64,
    }

    #[derive(Deserialize)]
    struct Case {
        name: String,
        params: CondExpParams,
        noise: Noise,
        v_rest: f64,
        alpha: f64,
        g_exc: f64,
        g_inh: f64,
        g_tot: f64,
        tau_eff: f64,
        u_mean: f64,
        u_std: f64,
        excitatory: ReceptorExpected,
        inhibitory: ReceptorExpected,
    }

    #[derive(Deserialize)]
    struct ExpectedSynapse {
        receptor: Receptor,
        weight: f64,
    }

    #[derive(Deserialize)]
    struct Network {
        params: CondExpParams,
        noise: Noise,
        v_p05: f64,
        alpha: f64,
        weights: Vec<Vec<f64>>,
        biases: Vec<f64>,
        v_rest: Vec<f64>,
        synapses: Vec<Vec<ExpectedSynapse>>,
    }

    #[derive(Deserialize)]
    struct Fixture {
        cases: Vec<Case>,
        network: Network,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(include_str!("../../tests/fixtures/sbs_translation.json")).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    /// The sbs defaults of sampling.md §1.3, from the shipped profile (its `v_rest` is unused).
    fn sbs_params() -> CondExpParams {
        #[derive(Deserialize)]
        struct Profile {
            params: CondExpParams,
        }
        // `model = "IF_cond_exp"` is ignored (no deny_unknown_fields here)
        let profile: Profile =
            toml::from_str(include_str!("../../models/neurons/sampling_lif.toml")).unwrap();
        profile.params
    }

    const RECEPTORS: [Receptor; 2] = [Receptor::Excitatory, Receptor::Inhibitory];

    #[test]
    fn state_and_weight_factors_match_the_oracle() {
        let fx = fixture();
        assert_eq!(fx.cases.len(), 7);
        for c in &fx.cases {
            let s = HighConductanceState::new(&c.params, &c.noise, c.v_rest).unwrap();
            let name = &c.name;
            assert!(rel(s.g_tot, c.g_tot) < 1e-14, "{name}");
            assert!((s.g_exc - c.g_exc).abs() <= 1e-15 * c.g_tot, "{name}");
            assert!((s.g_inh - c.g_inh).abs() <= 1e-15 * c.g_tot, "{name}");
            assert!(rel(s.tau_eff, c.tau_eff) < 1e-14, "{name}");
            assert!((s.u_mean - c.u_mean).abs() < 1e-13, "{name}");
            assert!((s.u_std - c.u_std).abs() <= 1e-12 * c.u_std, "{name}");
            for (receptor, e) in RECEPTORS.into_iter().zip([&c.excitatory, &c.inhibitory]) {
                assert!((s.delta_e(receptor) - e.delta_e).abs() < 1e-13, "{name}");
                let closed = s.mean_psp_integral(receptor);
                assert!(rel(closed, e.psp_integral) < 1e-12, "{name} {receptor:?}");
                assert!(
                    rel(closed, e.psp_integral_ode) < 1e-9,
                    "{name} {receptor:?}"
                );
                let factor = s.weight_factor(receptor, c.alpha).unwrap();
                assert!(rel(factor, e.weight_factor) < 1e-12, "{name} {receptor:?}");
            }
        }
    }

    #[test]
    fn closed_form_integral_matches_quadrature_of_the_psp() {
        // every oracle case (degenerate ones included) plus a sweep of tau_syn / tau_eff ratios
        // through the degenerate point and across the switch at |y| = 1
        let quad = AdaptiveGauss::new();
        let mut pairs: Vec<(f64, f64, f64)> = fixture()
            .cases
            .iter()
            .flat_map(|c| {
                let s = HighConductanceState::new(&c.params, &c.noise, c.v_rest).unwrap();
                let t = c.params.tau_refrac;
                [
                    (c.params.tau_syn_E, s.tau_eff, t),
                    (c.params.tau_syn_I, s.tau_eff, t),
                ]
            })
            .collect();
        for gap in [0.0, 1e-9, 3e-4, 9.99e-4, 1.001e-3, 5e-3, 0.3, -0.5, 12.0] {
            pairs.push((1.3 * (1.0 + gap), 1.3, 10.0));
            pairs.push((0.7, 0.7 * (1.0 + gap), 0.35));
        }
        for (tau_s, tau_e, t_end) in pairs {
            let f = |t: f64| psp_kernel(tau_s, tau_e, t);
            let est = quad.integrate(&f, 0.0, t_end, 1e-15 * t_end * t_end);
            let closed = psp_kernel_integral(tau_s, tau_e, t_end);
            assert!(
                rel(closed, est.value) < 2e-13,
                "tau_s {tau_s} tau_eff {tau_e}: {closed} vs {}",
                est.value
            );
        }
    }

    #[test]
    fn kernel_is_continuous_and_matches_its_defining_forms() {
        // away from degeneracy: the textbook difference of exponentials
        let (ts, te): (f64, f64) = (10.0, 0.769_230_769_230_769_2);
        for t in [0.01, 0.5, 2.137, 9.9, 40.0, 500.0] {
            let direct = ts * te / (ts - te) * ((-t / ts).exp() - (-t / te).exp());
            assert!(rel(psp_kernel(ts, te, t), direct) < 1e-13, "{t}");
        }
        // t → 0: k = t − t²(a + b)/2 + t³(a² + ab + b²)/6 + O(t⁴) with a = 1/τ_eff, b = 1/τ_s
        // (the difference above cancels there)
        let (t, a, b) = (1e-6, 1.0 / te, 1.0 / ts);
        let series = t - 0.5 * t * t * (a + b) + t * t * t * (a * a + a * b + b * b) / 6.0;
        assert!(rel(psp_kernel(ts, te, t), series) < 1e-15);
        // degenerate: t e^{-t/tau}; nearly degenerate: within O(gap) of it
        for t in [1e-3, 1.0, 2.0, 7.0] {
            assert!(rel(psp_kernel(2.0, 2.0, t), t * (-t / 2.0f64).exp()) < 1e-15);
            let near = psp_kernel(2.0 * (1.0 + 1e-9), 2.0, t);
            assert!(rel(near, t * (-t / 2.0f64).exp()) < 1e-8);
        }
        assert_eq!(psp_kernel(2.0, 1.0, 0.0), 0.0);
        assert_eq!(psp_kernel(2.0, 1.0, -1.0), 0.0);
        assert_eq!(psp_kernel_integral(2.0, 1.0, 0.0), 0.0);
        // exact limit at d = 0: tau^2 (1 - e^{-x}(1 + x)), x = 5/2
        let x: f64 = 2.5;
        let exact = 4.0 * (1.0 - (-x).exp() * (1.0 + x));
        assert!(rel(psp_kernel_integral(2.0, 2.0, 5.0), exact) < 1e-15);
    }

    #[test]
    fn reproduces_the_sbs_ballpark_table() {
        // sampling.md §1.3: g_tot 0.26 µS, τ_eff 0.769 ms, ū = −50 mV, σ_u 1.015 mV,
        // α = 0.827 mV (V_rest units) → weight for W = 1 ≈ 0.0055 µS, peak PSP ≈ 0.85 mV at
        // t ≈ 2.1 ms, mean PSP over τ_ref = α g_l/g_tot = 0.636 mV.
        let s = HighConductanceState::new(&sbs_params(), &Noise::sbs_default(), -50.0).unwrap();
        assert!((s.g_exc - 0.03).abs() < 1e-15 && (s.g_inh - 0.03).abs() < 1e-15);
        assert!((s.g_tot - 0.26).abs() < 1e-15);
        assert!((s.tau_eff - 0.769).abs() < 5e-4);
        assert!((s.u_mean + 50.0).abs() < 1e-13);
        assert!((s.u_std - 1.015).abs() < 5e-4, "{}", s.u_std);
        // α_theo = √(2π) σ/4 in ū units = 0.636, × g_tot/g_l = 0.827 in v_rest units
        let alpha_u = (2.0 * std::f64::consts::PI).sqrt() * s.u_std / 4.0;
        assert!((alpha_u - 0.636).abs() < 5e-4);
        assert!((alpha_u * s.g_tot / s.g_l - 0.827).abs() < 5e-4);
        let alpha = 0.827;
        for r in RECEPTORS {
            let w = s.weight_factor(r, alpha).unwrap();
            assert!((w - 0.0055).abs() < 5e-5, "{r:?}: {w}");
            let mean_psp = w * s.mean_psp_integral(r) / 10.0;
            assert!(rel(mean_psp, alpha * s.g_l / s.g_tot) < 1e-14);
            assert!((mean_psp - 0.636).abs() < 5e-4);
            // peak of w · PSP_unit at t* = τ_s τ_eff ln(τ_s/τ_eff)/(τ_s − τ_eff)
            let t_peak = 10.0 * s.tau_eff * (10.0 / s.tau_eff).ln() / (10.0 - s.tau_eff);
            assert!((t_peak - 2.1).abs() < 0.05);
            let peak = w * s.psp_unit(r, t_peak);
            assert!((peak - 0.85).abs() < 0.01, "{peak}");
            for dt in [-1e-3, 1e-3] {
                assert!(w * s.psp_unit(r, t_peak + dt) < peak);
            }
        }
    }

    #[test]
    fn driving_forces_are_symmetric_at_minus_50() {
        let s = HighConductanceState::new(&sbs_params(), &Noise::sbs_default(), -50.0).unwrap();
        let (de, di) = (
            s.delta_e(Receptor::Excitatory),
            s.delta_e(Receptor::Inhibitory),
        );
        assert!((de - 50.0).abs() < 1e-13 && (di - 50.0).abs() < 1e-13);
        let (fe, fi) = (
            s.weight_factor(Receptor::Excitatory, 0.8).unwrap(),
            s.weight_factor(Receptor::Inhibitory, 0.8).unwrap(),
        );
        assert!(rel(fe, fi) < 1e-14);
        // above −50 mV the excitatory driving force shrinks, so its factor grows
        let s = HighConductanceState::new(&sbs_params(), &Noise::sbs_default(), -48.0).unwrap();
        let fe = s.weight_factor(Receptor::Excitatory, 0.8).unwrap();
        let fi = s.weight_factor(Receptor::Inhibitory, 0.8).unwrap();
        // ΔE_E/ΔE_I = (50 − 2·0.2/0.26)/(50 + 2·0.2/0.26) and the factors scale inversely
        let shift = 2.0 * 0.2 / 0.26;
        assert!(rel(fi / fe, (50.0 - shift) / (50.0 + shift)) < 1e-13);
    }

    #[test]
    fn noise_free_state_is_the_leak_alone() {
        let mut p = sbs_params();
        p.i_offset = 0.1;
        let noise = Noise {
            rate_exc: 0.0,
            rate_inh: 0.0,
            weight_exc: 0.001,
            weight_inh: 0.001,
        };
        let s = HighConductanceState::new(&p, &noise, -60.0).unwrap();
        assert_eq!(s.g_tot, 0.2);
        assert_eq!(s.tau_eff, 1.0);
        assert_eq!(s.u_std, 0.0);
        // ū = v_rest + i_offset/g_l = −60 + 0.5
        assert!((s.u_mean + 59.5).abs() < 1e-13);
    }

    #[test]
    fn translates_the_issue_example_network() {
        let net = fixture().network;
        let act = Activation {
            v_p05: net.v_p05,
            alpha: net.alpha,
        };
        let tr = translate(&act, &net.params, &net.noise, &net.weights, &net.biases).unwrap();
        for (a, b) in tr.v_rest.iter().zip(&net.v_rest) {
            assert!((a - b).abs() < 1e-13);
        }
        for (row, exp_row) in tr.synapses.iter().zip(&net.synapses) {
            for (s, e) in row.iter().zip(exp_row) {
                assert_eq!(s.receptor, e.receptor);
                assert!((s.weight - e.weight).abs() <= 1e-12 * e.weight, "{s:?}");
            }
        }
        // W is symmetric but the two directions differ: the factor is the postsynaptic one
        let (w01, w10) = (tr.synapses[0][1].weight, tr.synapses[1][0].weight);
        assert!(rel(w01 / w10, tr.weight_factor_exc[1] / tr.weight_factor_exc[0]) < 1e-14);
        assert!(rel(w01, w10) > 1e-3);
        // W[0][2] = −0.3 → inhibitory, |W| times the inhibitory factor of neuron 2
        assert_eq!(tr.synapses[0][2].receptor, Receptor::Inhibitory);
        assert!(rel(tr.synapses[0][2].weight, 0.3 * tr.weight_factor_inh[2]) < 1e-15);
        // states were evaluated at each neuron's own v_rest
        for (s, v) in tr.states.iter().zip(&tr.v_rest) {
            assert_eq!(s.v_rest, *v);
        }
        assert_eq!(tr.synapses[1][1].weight, 0.0);
        assert_eq!(bias_to_v_rest(-0.4, -50.03, 0.83), -50.03 + 0.83 * -0.4);
    }

    #[test]
    fn translation_from_a_logistic_fit() {
        let x: Vec<f64> = (0..30).map(|k| -53.0 + 0.2 * k as f64).collect();
        let p: Vec<f64> = x
            .iter()
            .map(|&x| crate::sampling::logistic::logistic(x, -50.1, 0.83))
            .collect();
        let fit = crate::sampling::logistic::fit_logistic(&x, &p).unwrap();
        let act = Activation::from(&fit);
        let tr = translate(
            &act,
            &sbs_params(),
            &Noise::sbs_default(),
            &[vec![0.0]],
            &[1.0],
        )
        .unwrap();
        assert!((tr.v_rest[0] - (-50.1 + 0.83)).abs() < 1e-11);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let act = Activation {
            v_p05: -50.0,
            alpha: 0.8,
        };
        let p = sbs_params();
        let noise = Noise::sbs_default();
        let w = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
        let b = [0.0, 0.0];
        let err =
            |act: &Activation, p: &CondExpParams, noise: &Noise, w: &[Vec<f64>], b: &[f64]| {
                translate(act, p, noise, w, b).unwrap_err()
            };
        assert_eq!(
            err(&act, &p, &noise, &w, &[0.0]),
            TranslationError::WeightShape {
                row: 1,
                len: 2,
                n: 1
            }
        );
        let ragged = vec![vec![0.0, 1.0], vec![1.0]];
        assert_eq!(
            err(&act, &p, &noise, &ragged, &b),
            TranslationError::WeightShape {
                row: 1,
                len: 1,
                n: 2
            }
        );
        let diag = vec![vec![0.5, 1.0], vec![1.0, 0.0]];
        assert_eq!(
            err(&act, &p, &noise, &diag, &b),
            TranslationError::NonZeroDiagonal {
                index: 0,
                value: 0.5
            }
        );
        let nan = vec![vec![0.0, f64::NAN], vec![1.0, 0.0]];
        let e = err(&act, &p, &noise, &nan, &b);
        assert!(matches!(&e, TranslationError::NonFinite { what, .. } if what == "W[0][1]"));
        let e = err(&act, &p, &noise, &w, &[0.0, f64::INFINITY]);
        assert!(matches!(&e, TranslationError::NonFinite { what, .. } if what == "b[1]"));
        let bad_alpha = Activation { alpha: 0.0, ..act };
        assert!(matches!(
            err(&bad_alpha, &p, &noise, &w, &b),
            TranslationError::InvalidParameter { name: "alpha", .. }
        ));
        let mut bad = p.clone();
        bad.tau_refrac = 0.0;
        assert!(matches!(
            err(&act, &bad, &noise, &w, &b),
            TranslationError::InvalidParameter {
                name: "tau_refrac",
                ..
            }
        ));
        let neg = Noise {
            weight_inh: -0.001,
            ..noise.clone()
        };
        let e = err(&act, &p, &neg, &w, &b);
        assert!(matches!(
            e,
            TranslationError::InvalidParameter {
                name: "noise.weight_inh",
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "noise.weight_inh = -0.001: must be finite and >= 0"
        );
        // ū above e_rev_E: excitatory synapses cannot depolarise
        let mut hot = p.clone();
        hot.e_rev_E = -60.0;
        let e = err(&act, &hot, &noise, &w, &b);
        assert!(matches!(
            e,
            TranslationError::NoDrivingForce {
                receptor: Receptor::Excitatory,
                ..
            }
        ));
        assert!(e
            .to_string()
            .contains("is not below Excitatory reversal potential -60 mV"));
    }
}
