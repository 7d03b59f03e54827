//! Serde types mirroring the experiment file one to one.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::models::ModelName;
use crate::neuron::{Receptor, StateVariable};
use crate::random::RandomDistribution;
use crate::synapse::SynapseModel;

/// The whole experiment file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExperimentFile {
    pub simulation: SimulationSection,
    #[serde(default, rename = "population")]
    pub populations: Vec<PopulationSection>,
    #[serde(default, rename = "projection")]
    pub projections: Vec<ProjectionSection>,
    #[serde(default)]
    pub record: RecordSection,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimulationSection {
    /// Simulated time [ms].
    pub t_stop: f64,
    /// Master seed of every random stream (0 to 2⁶⁴ − 1).
    #[serde(default)]
    pub seed: Whole<{ u64::MAX }>,
    /// Trial: re-keys what is drawn while the network runs ([`crate::rng::trial_seed`]).
    #[serde(default)]
    pub trial: Whole<{ u64::MAX }>,
}

/// `[[population]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PopulationSection {
    pub name: String,
    /// Number of neurons or sources; the engine indexes them with 32 bits.
    pub size: Whole<{ u32::MAX as u64 }>,
    #[serde(default)]
    pub model: Option<ModelName>,
    /// A model profile file (`models/...toml`), relative to the experiment file.
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub initial: InitialValues,
}

/// A reusable model profile (`models/*.toml`): a cell type and parameters that populations refer
/// to with `profile = "..."` and may override with their own `params`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    pub model: ModelName,
    #[serde(default)]
    pub params: toml::Table,
}

/// `initial = { v = ..., gsyn_exc = ... }` of a neuron population: each a number, a list (one
/// per neuron) or a distribution.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InitialValues {
    /// Membrane potential [mV]; PyNN's default is −65 mV.
    pub v: Option<Values>,
    /// Excitatory conductance [µS] of conductance cells.
    pub gsyn_exc: Option<Values>,
    /// Inhibitory conductance [µS] of conductance cells.
    pub gsyn_inh: Option<Values>,
    /// Excitatory current [nA] of current cells.
    pub isyn_exc: Option<Values>,
    /// Inhibitory current [nA] of current cells.
    pub isyn_inh: Option<Values>,
}

impl InitialValues {
    /// The values given, by variable.
    pub fn given(self) -> impl Iterator<Item = (StateVariable, Values)> {
        [
            (StateVariable::V, self.v),
            (StateVariable::GsynExc, self.gsyn_exc),
            (StateVariable::GsynInh, self.gsyn_inh),
            (StateVariable::IsynExc, self.isyn_exc),
            (StateVariable::IsynInh, self.isyn_inh),
        ]
        .into_iter()
        .filter_map(|(variable, values)| Some((variable, values?)))
    }
}

/// A value given once for all, once per member (connection, or neuron for an initial value), or
/// as a random distribution (in TOML: a number, a list of numbers, or
/// `{ distribution = "...", ... }`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// The same value for every connection.
    Constant(f64),
    /// One value per connection, in the connector's generation order.
    PerConnection(Vec<f64>),
    /// Drawn from the distribution: one value per connection, in the connector's generation
    /// order, from the projection's own stream ([`crate::rng::connection_value_stream`]), or one
    /// per neuron from the initial value's stream ([`crate::rng::parameter_stream`]).
    Random(RandomDistribution),
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let number = |value: &toml::Value| match value {
            toml::Value::Float(x) => Some(*x),
            toml::Value::Integer(n) => Some(*n as f64),
            _ => None,
        };
        let value = toml::Value::deserialize(deserializer)?;
        let expected =
            "a number, a list of numbers (one per connection or neuron) or a distribution table";
        match &value {
            toml::Value::Array(list) => list
                .iter()
                .map(|v| number(v).ok_or_else(|| D::Error::custom(format!("expected {expected}"))))
                .collect::<Result<_, _>>()
                .map(Self::PerConnection),
            toml::Value::Table(_) => RandomDistribution::deserialize(value)
                .map(Self::Random)
                .map_err(D::Error::custom),
            other => number(other)
                .map(Self::Constant)
                .ok_or_else(|| D::Error::custom(format!("expected {expected}"))),
        }
    }
}

/// How the neurons of two populations are connected (PyNN connectors).
#[non_exhaustive]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Connector {
    /// Every pre neuron to every post neuron.
    AllToAll {
        /// Whether neuron i may connect to itself when pre and post are the same population.
        #[serde(default = "yes")]
        allow_self_connections: bool,
    },
    /// Pre neuron i to post neuron i; both populations must have the same size.
    OneToOne,
    /// Each pair independently with probability `p`.
    FixedProbability {
        /// Connection probability in [0, 1].
        p: f64,
        /// Whether self connections are allowed.
        #[serde(default = "yes")]
        allow_self_connections: bool,
    },
    /// Each post neuron receives exactly `n` connections from randomly chosen pre neurons.
    FixedNumberPre {
        /// Number of incoming connections per post neuron.
        #[serde(deserialize_with = "count_i64")]
        n: i64,
        /// Whether self connections are allowed.
        #[serde(default = "yes")]
        allow_self_connections: bool,
        /// Whether the same pre neuron may be drawn more than once.
        #[serde(default)]
        with_replacement: bool,
    },
    /// An explicit list of rows `[pre, post]` or `[pre, post, weight, delay]`.
    FromList {
        /// The connection rows.
        connections: Vec<Vec<f64>>,
    },
}

impl Connector {
    /// Its `type` in files, e.g. `all_to_all`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AllToAll { .. } => "all_to_all",
            Self::OneToOne => "one_to_one",
            Self::FixedProbability { .. } => "fixed_probability",
            Self::FixedNumberPre { .. } => "fixed_number_pre",
            Self::FromList { .. } => "from_list",
        }
    }
}

fn yes() -> bool {
    true
}

/// `[[projection]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectionSection {
    pub pre: String,
    pub post: String,
    pub connector: Connector,
    #[serde(default)]
    pub weight: Option<Values>,
    #[serde(default)]
    pub delay: Option<Values>,
    #[serde(default = "excitatory")]
    pub receptor: Receptor,
    /// `synapse = { type = "...", ... }`; static by default.
    #[serde(default)]
    pub synapse: SynapseModel,
    /// Probability that a spike reaches each synapse; 1 by default.
    #[serde(default = "certain")]
    pub p_transmit: f64,
}

fn certain() -> f64 {
    1.0
}

fn excitatory() -> Receptor {
    Receptor::Excitatory
}

/// `[record]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordSection {
    #[serde(default)]
    pub spikes: Vec<String>,
    #[serde(default)]
    pub v: Option<VRecordSection>,
    /// Sampling interval [ms] of `signals`.
    #[serde(default)]
    pub interval: Option<f64>,
    #[serde(default)]
    pub signals: Vec<SignalSection>,
}

/// `{ population = "exc", variables = ["v", "gsyn_exc"], indices = [0, 1] }` in
/// `[record] signals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignalSection {
    pub population: String,
    pub variables: Vec<StateVariable>,
    #[serde(default)]
    pub indices: Option<Vec<u32>>,
}

/// `v = { populations = [...], interval = 0.1 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VRecordSection {
    pub populations: Vec<String>,
    pub interval: f64,
}

/// A whole number ≥ 0 written in a file (a size or a count), at most `MAX`. Anything else is
/// refused saying what the value must be: negative numbers, numbers above `MAX`, and TOML floats
/// (`1e12`, `2.0`), which serde would only call "expected i64".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Whole<const MAX: u64>(pub u64);

impl<const MAX: u64> Whole<MAX> {
    /// The value as a `usize` (saturating on targets narrower than 64 bits).
    pub fn get(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

/// A count (`usize`) read as a [`Whole`] of at most 2³² − 1, for `#[serde(deserialize_with)]`:
/// a float or a negative number is refused saying what a count must be.
pub(crate) fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    Whole::<{ u32::MAX as u64 }>::deserialize(deserializer).map(Whole::get)
}

/// [`count`] as an `i64` (a connector's `n`).
fn count_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Whole::<{ u32::MAX as u64 }>::deserialize(deserializer).map(|w| w.0 as i64)
}

impl<'de, const MAX: u64> Deserialize<'de> for Whole<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor::<MAX>)
    }
}

/// Reads a [`Whole`] from an integer, and explains why anything else is not one.
struct WholeVisitor<const MAX: u64>;

impl<const MAX: u64> WholeVisitor<MAX> {
    /// The upper bound in words, when there is one.
    fn bound() -> String {
        if MAX == u64::MAX {
            String::new()
        } else {
            format!(" (at most {MAX})")
        }
    }
}

impl<'de, const MAX: u64> Visitor<'de> for WholeVisitor<MAX> {
    type Value = Whole<MAX>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a whole number ≥ 0{}", Self::bound())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        if value > MAX {
            return Err(E::custom(format!(
                "is too large: at most {MAX}, got {value}"
            )));
        }
        Ok(Whole(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::custom(format!(
                "must be a whole number ≥ 0{}, got {value}",
                Self::bound()
            ))),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        // As written: 1e12 stays 1e12, 2.0 stays 2.0.
        let written = if value.abs() >= 1e6 {
            format!("{value:e}")
        } else {
            format!("{value:?}")
        };
        let too_large = if value > MAX as f64 {
            format!(", which is also too large (at most {MAX})")
        } else {
            String::new()
        };
        Err(E::custom(format!(
            "must be a whole number ≥ 0 written without a decimal point or exponent (e.g. 1000), got {written}{too_large}"
        )))
    }
}
