//! The background of the samplers: what drives them besides their own network.
//!
//! ```toml
//! [sampler.background]            # or `[sampler] noise = {...}`: private Poisson (the default kind)
//! kind = "ensemble"               # "poisson" | "poisson_pool" | "ensemble" | "noise_network"
//! inputs = { k_exc = 50, k_inh = 50, weight_exc = 0.002, weight_inh = 0.002, delay = 1.0 }
//! ```
//!
//! - `poisson`: each sampler has its own excitatory and inhibitory Poisson source
//!   (`rate_exc`, `rate_inh` [Hz], `weight_exc`, `weight_inh` [µS]), as `[sampler] noise`.
//! - `poisson_pool`: `pool` shared Poisson sources of `rate` [Hz], a fraction `gamma`
//!   excitatory (default 0.8); each sampler draws `k_exc` distinct excitatory and `k_inh`
//!   distinct inhibitory sources of the pool (Jordan et al. 2019's shared-noise control: the
//!   wiring of `noise_network`, with independent Poisson sources instead of the network).
//! - `ensemble`: each sampler receives `k_exc` excitatory and `k_inh` inhibitory inputs from
//!   distinct samplers of *other* networks (Dold et al. 2019). No random source.
//! - `noise_network`: a deterministic recurrent E/I network of `size` `IF_curr_exp` neurons
//!   (fraction `gamma` excitatory, fixed in-degree `round(epsilon·N_E)` excitatory and
//!   `round(epsilon·N_I)` inhibitory inputs, no autapses or multiple connections, weights `weight`
//!   and `−g·weight` [nA], `delay` [ms]), driven by its suprathreshold `v_rest` (or `i_offset`);
//!   each sampler draws `k_exc` distinct excitatory and `k_inh` distinct inhibitory neurons of it
//!   (Jordan et al. 2019; sbs `NoiseNetworkSourceConfiguration`). No random source.
//!
//! `inputs` sets the in-degree, weights [µS] and delay [ms] of the background synapses (static)
//! onto the samplers. The deterministic kinds start from a seeded initial state (see
//! [`wiring`]) and draw no random number after it.

pub mod calibrate;
pub mod offsets;
pub mod report;
pub mod statistics;
pub mod wiring;

use serde::Deserialize;

use super::translation::Noise;
use crate::config::Whole;
use crate::error::ConfigError;
use crate::neuron::CurrExpParams;

/// Default delay of background synapses onto the samplers [ms].
pub const DEFAULT_INPUT_DELAY: f64 = 1.0;
/// Default largest initial excitatory conductance of a sampler in a deterministic background
/// [µS]: enough to make a sampler fire in its first milliseconds, so that the ensemble starts.
pub const DEFAULT_KICK: f64 = 0.05;

/// How many background inputs each sampler receives, and through which synapses.
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    /// Excitatory inputs per sampler.
    pub k_exc: usize,
    /// Inhibitory inputs per sampler.
    pub k_inh: usize,
    /// Weight of an excitatory input [µS].
    pub weight_exc: f64,
    /// Weight of an inhibitory input [µS] (a conductance onto `e_rev_I`).
    pub weight_inh: f64,
    /// Delay of every background input [ms].
    pub delay: f64,
}

impl Inputs {
    /// Inputs per sampler, excitatory and inhibitory.
    pub fn k(&self) -> usize {
        self.k_exc + self.k_inh
    }

    /// The Poisson background of the same mean input when every excitatory source fires at
    /// `rate_exc` and every inhibitory one at `rate_inh` [Hz].
    pub fn matched_noise(&self, rate_exc: f64, rate_inh: f64) -> Noise {
        Noise {
            rate_exc: self.k_exc as f64 * rate_exc,
            rate_inh: self.k_inh as f64 * rate_inh,
            weight_exc: self.weight_exc,
            weight_inh: self.weight_inh,
        }
    }
}

/// The deterministic E/I noise network of the `noise_network` kind.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseNetwork {
    /// Neurons N.
    pub size: usize,
    /// Fraction of excitatory neurons γ: N_E = round(γN).
    pub gamma: f64,
    /// Connection probability ε: each neuron gets round(ε·N_E) excitatory and round(ε·N_I)
    /// inhibitory inputs.
    pub epsilon: f64,
    /// Relative inhibition g: inhibitory weight = −g · `weight`.
    pub g: f64,
    /// Excitatory weight inside the network [nA].
    pub weight: f64,
    /// Delay inside the network [ms].
    pub delay: f64,
    /// Parameters of its `IF_curr_exp` neurons.
    pub params: CurrExpParams,
}

/// Excitatory members of `size` sources of which a fraction `gamma` is excitatory: round(γN).
pub fn excitatory_count(size: usize, gamma: f64) -> usize {
    (gamma * size as f64).round() as usize
}

impl NoiseNetwork {
    /// Excitatory neurons N_E = round(γN).
    pub fn n_exc(&self) -> usize {
        excitatory_count(self.size, self.gamma)
    }

    /// Inhibitory neurons N_I = N − N_E.
    pub fn n_inh(&self) -> usize {
        self.size - self.n_exc()
    }

    /// Inputs per neuron from the excitatory and the inhibitory part: round(ε·N_E), round(ε·N_I).
    pub fn in_degree(&self) -> (usize, usize) {
        let of = |n: usize| (self.epsilon * n as f64).round() as usize;
        (of(self.n_exc()), of(self.n_inh()))
    }
}

/// The background kind of the samplers, validated.
#[derive(Clone, Debug, PartialEq)]
pub enum Background {
    /// A private Poisson source pair per sampler.
    Poisson(Noise),
    /// A pool of `pool` shared Poisson sources of `rate` [Hz].
    PoissonPool {
        /// Sources in the pool.
        pool: usize,
        /// Fraction of excitatory sources: the first round(γ·pool) of the pool.
        gamma: f64,
        /// Rate of each source [Hz].
        rate: f64,
        /// Inputs per sampler.
        inputs: Inputs,
    },
    /// The samplers of the other networks.
    Ensemble {
        /// Inputs per sampler.
        inputs: Inputs,
    },
    /// A deterministic recurrent E/I network.
    NoiseNetwork {
        /// The network.
        network: NoiseNetwork,
        /// Inputs per sampler.
        inputs: Inputs,
    },
}

impl Background {
    /// Its `kind` in files.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Poisson(_) => "poisson",
            Self::PoissonPool { .. } => "poisson_pool",
            Self::Ensemble { .. } => "ensemble",
            Self::NoiseNetwork { .. } => "noise_network",
        }
    }

    /// The private Poisson noise, for the `poisson` kind.
    pub fn poisson(&self) -> Option<&Noise> {
        match self {
            Self::Poisson(noise) => Some(noise),
            _ => None,
        }
    }

    /// The inputs per sampler, for every kind but `poisson`.
    pub fn inputs(&self) -> Option<&Inputs> {
        match self {
            Self::Poisson(_) => None,
            Self::PoissonPool { inputs, .. }
            | Self::Ensemble { inputs }
            | Self::NoiseNetwork { inputs, .. } => Some(inputs),
        }
    }

    /// Whether the running network draws no random number: the kinds without Poisson sources.
    pub fn is_deterministic(&self) -> bool {
        matches!(self, Self::Ensemble { .. } | Self::NoiseNetwork { .. })
    }
}

/// `[sampler.background]`, one to one.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum BackgroundSection {
    Poisson {
        rate_exc: f64,
        rate_inh: f64,
        weight_exc: f64,
        weight_inh: f64,
    },
    PoissonPool {
        pool: Whole<{ u64::MAX }>,
        #[serde(default = "sbs_gamma")]
        gamma: f64,
        rate: f64,
        inputs: InputsSection,
    },
    Ensemble {
        inputs: InputsSection,
    },
    NoiseNetwork {
        size: Whole<{ u64::MAX }>,
        #[serde(default = "sbs_gamma")]
        gamma: f64,
        #[serde(default = "sbs_epsilon")]
        epsilon: f64,
        #[serde(default = "sbs_g")]
        g: f64,
        #[serde(default = "sbs_weight")]
        weight: f64,
        #[serde(default = "sbs_delay")]
        delay: f64,
        #[serde(default)]
        params: toml::Table,
        inputs: InputsSection,
    },
}

/// `inputs = { k_exc, k_inh, weight_exc, weight_inh, delay }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputsSection {
    k_exc: Whole<{ u64::MAX }>,
    k_inh: Whole<{ u64::MAX }>,
    weight_exc: f64,
    weight_inh: f64,
    #[serde(default = "input_delay")]
    delay: f64,
}

fn sbs_gamma() -> f64 {
    0.8
}
fn sbs_epsilon() -> f64 {
    0.1
}
fn sbs_g() -> f64 {
    10.0
}
fn sbs_weight() -> f64 {
    0.0635
}
fn sbs_delay() -> f64 {
    1.0
}
fn input_delay() -> f64 {
    DEFAULT_INPUT_DELAY
}

/// The sbs noise-network neuron (`tests/test_noice.py`): `IF_curr_exp` with cm 1 nF, tau_m 20 ms,
/// tau_refrac 0.1 ms, tau_syn 5 ms, v_rest −40 mV (above v_thresh −50 mV: it fires on its own),
/// v_reset −60 mV; entries of `params` replace these.
fn noise_neuron_defaults() -> toml::Table {
    let mut t = toml::Table::new();
    for (name, value) in [
        ("cm", 1.0),
        ("tau_m", 20.0),
        ("tau_refrac", 0.1),
        ("tau_syn_E", 5.0),
        ("tau_syn_I", 5.0),
        ("v_rest", -40.0),
        ("v_thresh", -50.0),
        ("v_reset", -60.0),
    ] {
        t.insert(name.into(), toml::Value::Float(value));
    }
    t
}

/// Where a section's fields are named in messages, and the file.
struct At<'a> {
    file: &'a str,
    at: &'a str,
}

impl At<'_> {
    fn err(&self, field: &str, message: String) -> ConfigError {
        ConfigError::new(self.file, format!("{}.{field}", self.at), message)
    }

    /// `value` must lie in [0, 1].
    fn fraction(&self, field: &str, value: f64) -> Result<f64, ConfigError> {
        if (0.0..=1.0).contains(&value) {
            Ok(value)
        } else {
            Err(self.err(field, format!("must be in [0, 1], got {value}")))
        }
    }

    /// `value` must be finite and > 0 (or ≥ 0 with `zero_ok`).
    fn positive(&self, field: &str, value: f64, zero_ok: bool) -> Result<f64, ConfigError> {
        let ok = value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0));
        if ok {
            Ok(value)
        } else {
            let bound = if zero_ok { "≥ 0" } else { "> 0" };
            Err(self.err(field, format!("must be {bound}, got {value}")))
        }
    }
}

/// `k_exc` and `k_inh` of `inputs` must not exceed the `available` excitatory and inhibitory
/// sources (`what`, e.g. "sources of the pool").
fn check_split(
    at: &At,
    inputs: &Inputs,
    available: [usize; 2],
    what: &str,
) -> Result<(), ConfigError> {
    for (field, k, kind, n) in [
        ("inputs.k_exc", inputs.k_exc, "excitatory", available[0]),
        ("inputs.k_inh", inputs.k_inh, "inhibitory", available[1]),
    ] {
        if k > n {
            return Err(at.err(
                field,
                format!("= {k} but each sampler has only {n} eligible {kind} {what}"),
            ));
        }
    }
    Ok(())
}

impl InputsSection {
    fn validate(self, at: &At) -> Result<Inputs, ConfigError> {
        let inputs = Inputs {
            k_exc: self.k_exc.get(),
            k_inh: self.k_inh.get(),
            weight_exc: at.positive("inputs.weight_exc", self.weight_exc, true)?,
            weight_inh: at.positive("inputs.weight_inh", self.weight_inh, true)?,
            delay: at.positive("inputs.delay", self.delay, false)?,
        };
        if inputs.k() == 0 {
            return Err(at.err(
                "inputs",
                "k_exc + k_inh must be ≥ 1: a background needs inputs".into(),
            ));
        }
        Ok(inputs)
    }
}

impl BackgroundSection {
    /// Validate the section at `at` (e.g. `sampler.background`) of `file`, for `networks`
    /// networks of `n` samplers.
    pub(crate) fn validate(
        self,
        file: &str,
        at: &str,
        networks: usize,
        n: usize,
    ) -> Result<Background, ConfigError> {
        let at = At { file, at };
        Ok(match self {
            Self::Poisson {
                rate_exc,
                rate_inh,
                weight_exc,
                weight_inh,
            } => Background::Poisson(Noise {
                rate_exc: at.positive("rate_exc", rate_exc, true)?,
                rate_inh: at.positive("rate_inh", rate_inh, true)?,
                weight_exc: at.positive("weight_exc", weight_exc, true)?,
                weight_inh: at.positive("weight_inh", weight_inh, true)?,
            }),
            Self::PoissonPool {
                pool,
                gamma,
                rate,
                inputs,
            } => {
                let inputs = inputs.validate(&at)?;
                let (pool, gamma) = (pool.get(), at.fraction("gamma", gamma)?);
                let n_exc = excitatory_count(pool, gamma);
                check_split(&at, &inputs, [n_exc, pool - n_exc], "sources of the pool")?;
                Background::PoissonPool {
                    pool,
                    gamma,
                    rate: at.positive("rate", rate, false)?,
                    inputs,
                }
            }
            Self::Ensemble { inputs } => {
                if networks < 2 {
                    return Err(ConfigError::new(
                        file,
                        "sampling.networks",
                        format!(
                            "= {networks}: an ensemble background needs ≥ 2 networks (samplers take inputs only from other networks)"
                        ),
                    ));
                }
                let inputs = inputs.validate(&at)?;
                let eligible = (networks - 1) * n;
                if inputs.k() > eligible {
                    return Err(at.err(
                        "inputs",
                        format!(
                            "k_exc + k_inh = {} but each sampler has only {eligible} eligible sources (the samplers of the other networks)",
                            inputs.k()
                        ),
                    ));
                }
                Background::Ensemble { inputs }
            }
            Self::NoiseNetwork {
                size,
                gamma,
                epsilon,
                g,
                weight,
                delay,
                params,
                inputs,
            } => {
                let inputs = inputs.validate(&at)?;
                let gamma = at.fraction("gamma", gamma)?;
                let epsilon = at.fraction("epsilon", epsilon)?;
                let mut table = noise_neuron_defaults();
                table.extend(params);
                let params_at = format!("{}.params", at.at);
                let params: CurrExpParams =
                    crate::config::deserialize_params(table, file, &params_at)?;
                crate::config::check_cell_params(file, &params_at, &params)?;
                let network = NoiseNetwork {
                    size: size.get(),
                    gamma,
                    epsilon,
                    g: at.positive("g", g, true)?,
                    weight: at.positive("weight", weight, true)?,
                    delay: at.positive("delay", delay, false)?,
                    params,
                };
                check_split(
                    &at,
                    &inputs,
                    [network.n_exc(), network.n_inh()],
                    "neurons in the noise network",
                )?;
                Background::NoiseNetwork { network, inputs }
            }
        })
    }
}
