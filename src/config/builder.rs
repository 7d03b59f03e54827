//! The typed builder of experiments: populations, projections, recording requests and simulation
//! settings as plain Rust values. [`ExperimentBuilder::build`] validates them into an
//! [`Experiment`]; the TOML front ([`Experiment::from_file`]) and the sampling job fill the same
//! builder, so every network passes the same checks with the same messages.
//!
//! ```
//! use exactspike::config::{Cell, Connector, ExperimentBuilder, PoissonParams};
//! use exactspike::neuron::{CondExpParams, Receptor};
//!
//! let mut net = ExperimentBuilder::new("two populations", 100.0);
//! net.seed(7);
//! net.population("exc", 10, Cell::if_cond_exp(CondExpParams::default()))
//!     .initial_v(-60.0);
//! net.population("noise", 10, Cell::poisson(PoissonParams { rate: 500.0, ..Default::default() }));
//! net.projection("noise", "exc", Connector::OneToOne)
//!     .weight(0.01)
//!     .delay(1.0)
//!     .receptor(Receptor::Excitatory);
//! net.record_spikes("exc");
//! let experiment = net.build()?;
//! assert_eq!(experiment.populations().len(), 2);
//! # Ok::<(), exactspike::error::ConfigError>(())
//! ```

use super::experiment::Experiment;
use super::file::{Connector, Values};
use crate::engine::memory::MemoryLimit;
use crate::error::ConfigError;
use crate::models::Cell;
use crate::neuron::{Receptor, StateVariable};
use crate::synapse::SynapseModel;

/// A population as described, before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationDesc {
    pub(super) name: String,
    pub(super) size: usize,
    pub(super) cell: Cell,
    pub(super) initial: Vec<(StateVariable, Values)>,
}

impl PopulationDesc {
    /// Initial membrane potential [mV]: one value, one per neuron, or a distribution drawn
    /// per neuron (PyNN's default: −65 mV).
    pub fn initial_v(&mut self, v: impl Into<Values>) -> &mut Self {
        self.initial(StateVariable::V, v)
    }

    /// Initial value of `variable` (`v` [mV], `gsyn_exc`/`gsyn_inh` [µS] of conductance
    /// cells, `isyn_exc`/`isyn_inh` [nA] of current cells): one value, one per neuron, or a
    /// distribution drawn per neuron from the stream of the population's name and
    /// `initial.<variable>` ([`crate::rng::parameter_stream`]). Synaptic states start at 0.
    pub fn initial(&mut self, variable: StateVariable, values: impl Into<Values>) -> &mut Self {
        self.initial.retain(|(v, _)| *v != variable);
        self.initial.push((variable, values.into()));
        self
    }
}

/// A projection as described, before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectionDesc {
    pub(super) pre: String,
    pub(super) post: String,
    pub(super) connector: Connector,
    pub(super) weight: Option<Values>,
    pub(super) delay: Option<Values>,
    pub(super) receptor: Receptor,
    pub(super) synapse: SynapseModel,
    pub(super) p_transmit: f64,
}

impl ProjectionDesc {
    /// Weights [µS onto `IF_cond_exp`, nA onto `IF_curr_exp`]: one value, one per connection,
    /// or a [`crate::random::RandomDistribution`].
    pub fn weight(&mut self, weight: impl Into<Values>) -> &mut Self {
        self.weight = Some(weight.into());
        self
    }

    /// Delays [ms]: one value, one per connection, or a distribution (default 0.1 ms).
    pub fn delay(&mut self, delay: impl Into<Values>) -> &mut Self {
        self.delay = Some(delay.into());
        self
    }

    /// Target receptor (default excitatory).
    pub fn receptor(&mut self, receptor: Receptor) -> &mut Self {
        self.receptor = receptor;
        self
    }

    /// Synapse model (default static).
    pub fn synapse(&mut self, synapse: SynapseModel) -> &mut Self {
        self.synapse = synapse;
        self
    }

    /// Probability that a spike reaches each synapse (dimensionless, in (0, 1]; default 1):
    /// below 1, every spike is lost for every synapse on its own with probability
    /// `1 − p_transmit` (see [`crate::network::transmission`]).
    pub fn p_transmit(&mut self, p_transmit: f64) -> &mut Self {
        self.p_transmit = p_transmit;
        self
    }
}

/// How validation errors name a population: by its position in a file (`population[0]`) or by
/// its name (`population "exc"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FieldStyle {
    /// `population[i]`, for descriptions read from a file.
    Indexed,
    /// `population "name"`, for networks built in code.
    Named,
}

/// Builds an [`Experiment`] from typed values; see the module docs.
#[derive(Clone, Debug)]
pub struct ExperimentBuilder {
    pub(super) label: String,
    pub(super) text: Option<String>,
    pub(super) style: FieldStyle,
    pub(super) t_stop: f64,
    pub(super) seed: u64,
    pub(super) trial: u64,
    pub(super) populations: Vec<PopulationDesc>,
    pub(super) projections: Vec<ProjectionDesc>,
    pub(super) record_spikes: Vec<String>,
    pub(super) record_v: Option<(Vec<String>, f64)>,
    pub(super) record_signals: Vec<SignalDesc>,
    pub(super) record_interval: Option<f64>,
    pub(super) memory_limit: MemoryLimit,
}

/// A request to sample state variables of (some neurons of) a population, before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalDesc {
    pub(super) population: String,
    pub(super) variables: Vec<StateVariable>,
    pub(super) indices: Option<Vec<u32>>,
}

impl SignalDesc {
    /// Record only these neurons (indices within the population, in this order; default all).
    pub fn indices(&mut self, indices: &[u32]) -> &mut Self {
        self.indices = Some(indices.to_vec());
        self
    }
}

impl ExperimentBuilder {
    /// An empty experiment running for `t_stop` [ms]; `label` names it in error messages.
    pub fn new(label: &str, t_stop: f64) -> Self {
        Self {
            label: label.to_string(),
            text: None,
            style: FieldStyle::Named,
            t_stop,
            seed: 0,
            trial: 0,
            populations: Vec::new(),
            projections: Vec::new(),
            record_spikes: Vec::new(),
            record_v: None,
            record_signals: Vec::new(),
            record_interval: None,
            memory_limit: MemoryLimit::default(),
        }
    }

    /// A builder for the description `text` read from `file`, whose errors name populations by
    /// their position in the file.
    pub(super) fn for_file(file: &str, text: Option<&str>, t_stop: f64) -> Self {
        Self {
            text: text.map(str::to_string),
            style: FieldStyle::Indexed,
            ..Self::new(file, t_stop)
        }
    }

    /// The trial (default 0): another trial of the same network draws other Poisson spikes and
    /// transmissions ([`crate::rng::trial_seed`]).
    pub fn trial(&mut self, trial: u64) -> &mut Self {
        self.trial = trial;
        self
    }

    /// The master seed of every random stream (default 0).
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }

    /// Add a population of `size` members called `name`.
    pub fn population(&mut self, name: &str, size: usize, cell: Cell) -> &mut PopulationDesc {
        let index = self.populations.len();
        self.populations.push(PopulationDesc {
            name: name.to_string(),
            size,
            cell,
            initial: Vec::new(),
        });
        &mut self.populations[index]
    }

    /// Connect population `pre` to population `post` by `connector` (set the weight next).
    pub fn projection(
        &mut self,
        pre: &str,
        post: &str,
        connector: Connector,
    ) -> &mut ProjectionDesc {
        let index = self.projections.len();
        self.projections.push(ProjectionDesc {
            pre: pre.to_string(),
            post: post.to_string(),
            connector,
            weight: None,
            delay: None,
            receptor: Receptor::Excitatory,
            synapse: SynapseModel::default(),
            p_transmit: 1.0,
        });
        &mut self.projections[index]
    }

    /// Record the spikes of population `name`.
    pub fn record_spikes(&mut self, name: &str) -> &mut Self {
        self.record_spikes.push(name.to_string());
        self
    }

    /// Sample the membrane potential of the neuron populations `names` every `interval` [ms].
    pub fn record_v(&mut self, names: &[&str], interval: f64) -> &mut Self {
        self.record_v = Some((names.iter().map(|n| n.to_string()).collect(), interval));
        self
    }

    /// Sample `variables` (`v`, `gsyn_exc`, …) of the neurons of population `population` every
    /// [`ExperimentBuilder::record_interval`] ms (all of them unless
    /// [`SignalDesc::indices`] names some).
    pub fn record_signals(
        &mut self,
        population: &str,
        variables: &[StateVariable],
    ) -> &mut SignalDesc {
        self.record_signals.push(SignalDesc {
            population: population.to_string(),
            variables: variables.to_vec(),
            indices: None,
        });
        self.record_signals.last_mut().expect("just pushed")
    }

    /// The sampling interval [ms] of every recorded signal (one clock for all: samples at
    /// `k · interval`).
    pub fn record_interval(&mut self, interval: f64) -> &mut Self {
        self.record_interval = Some(interval);
        self
    }

    /// How much memory the simulation may need before it is refused (default: the memory
    /// available when the network is built; see [`crate::engine::memory`]).
    pub fn memory_limit(&mut self, limit: MemoryLimit) -> &mut Self {
        self.memory_limit = limit;
        self
    }

    /// Validate everything and make the experiment. The first problem is returned as one line
    /// naming the field, e.g. `population "exc".params.tau_m: must be > 0, got -1`.
    pub fn build(self) -> Result<Experiment, ConfigError> {
        super::validate::validate(self)
    }
}

impl From<f64> for Values {
    fn from(value: f64) -> Self {
        Self::Constant(value)
    }
}

impl From<crate::random::RandomDistribution> for Values {
    fn from(distribution: crate::random::RandomDistribution) -> Self {
        Self::Random(distribution)
    }
}

impl From<Vec<f64>> for Values {
    fn from(values: Vec<f64>) -> Self {
        Self::PerConnection(values)
    }
}
