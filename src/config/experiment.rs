//! The validated description of an experiment: what the engine lowers and runs. Nothing here is
//! checked again later; an [`Experiment`] is only made by [`super::ExperimentBuilder::build`]
//! (directly, or through the TOML front), and its fields cannot be changed afterwards.

use serde::Deserialize;

use std::path::PathBuf;

use super::builder::ExperimentBuilder;
use super::file::{Connector, Values};
use crate::engine::memory::MemoryLimit;
use crate::models::Cell;
use crate::neuron::params::cell_params;
use crate::neuron::{Observation, Receptor, StateVariable};
use crate::synapse::SynapseModel;

/// Default synaptic delay when a projection gives none [ms] (PyNN's default time step).
pub const DEFAULT_DELAY: f64 = 0.1;

cell_params! {
    /// `SpikeSourcePoisson` parameters with PyNN's defaults.
    pub struct PoissonParams = "SpikeSourcePoisson" {
        rate: "Hz", 1.0, NonNegative, "Mean rate";
        start: "ms", 0.0, NonNegative, "Time the source switches on";
        duration: "ms", 1e10, NonNegative, "How long it stays on";
    }
}

/// `SpikeSourceArray` spike times [ms]: one list shared by every source of the population, or one
/// list per source.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum SpikeTimes {
    /// The same spike times for every source in the population.
    Shared(Vec<f64>),
    /// One list per source.
    PerSource(Vec<Vec<f64>>),
}

/// `SpikeSourceArray` parameters.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ArrayParams {
    /// Spike times [ms], sorted, non-negative.
    #[serde(default = "no_spikes")]
    pub spike_times: SpikeTimes,
}

fn no_spikes() -> SpikeTimes {
    SpikeTimes::Shared(Vec::new())
}

impl ArrayParams {
    /// Spike times [ms] of source `index` within the population.
    pub fn times_of(&self, index: usize) -> &[f64] {
        match &self.spike_times {
            SpikeTimes::Shared(times) => times,
            SpikeTimes::PerSource(lists) => &lists[index],
        }
    }
}

/// A validated population.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// Unique name.
    pub name: String,
    /// Number of neurons or sources.
    pub size: usize,
    /// Cell type and parameters.
    pub cell: Cell,
    /// Initial state of the neurons; `None` for spike sources.
    pub initial: Option<InitialState>,
}

/// The initial state of a neuron population: each variable one value for all neurons, or one
/// per neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct InitialState {
    /// Membrane potential [mV].
    pub v: Vec<f64>,
    /// Excitatory synaptic state: `gsyn_exc` [µS] or `isyn_exc` [nA].
    pub syn_exc: Vec<f64>,
    /// Inhibitory synaptic state: `gsyn_inh` [µS] or `isyn_inh` [nA].
    pub syn_inh: Vec<f64>,
}

impl InitialState {
    /// Neuron `i`'s initial state: membrane potential [mV], excitatory and inhibitory synaptic
    /// state [µS or nA].
    pub fn of(&self, i: usize) -> Observation {
        let at = |values: &[f64]| values[if values.len() == 1 { 0 } else { i }];
        [at(&self.v), at(&self.syn_exc), at(&self.syn_inh)]
    }

    /// The values of `variable` (one, or one per neuron).
    pub fn values(&self, variable: StateVariable) -> &[f64] {
        match variable.index() {
            0 => &self.v,
            1 => &self.syn_exc,
            _ => &self.syn_inh,
        }
    }
}

/// A validated projection between two populations (by index).
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Index of the presynaptic population.
    pub pre: usize,
    /// Index of the postsynaptic (neuron) population.
    pub post: usize,
    /// Connection rule.
    pub connector: Connector,
    /// Weights [µS or nA], checked for sign and finiteness.
    pub weight: Values,
    /// Delays [ms], ≥ 0.
    pub delay: Values,
    /// Target receptor.
    pub receptor: Receptor,
    /// Synapse model (static, or short-term plasticity with checked parameters).
    pub synapse: SynapseModel,
    /// Probability that a spike reaches each synapse, in (0, 1].
    pub p_transmit: f64,
}

/// What to record, by population index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordSpec {
    /// Populations whose spikes are recorded.
    pub spikes: Vec<usize>,
    /// Sampled state variables, one entry per neuron population.
    pub signals: Vec<SignalSpec>,
    /// Sampling interval [ms] of every signal (0 when none is recorded).
    pub interval: f64,
    /// Where the description gave the interval (`record.interval` or `record.v.interval`).
    pub(crate) interval_field: &'static str,
}

/// The state variables sampled from one neuron population.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSpec {
    /// Index of the population.
    pub population: usize,
    /// The variables, distinct, in the order requested.
    pub variables: Vec<StateVariable>,
    /// The recorded neurons (indices within the population), in the order requested.
    pub indices: Vec<u32>,
}

/// A validated, immutable experiment: populations, projections, recording requests and
/// simulation settings. Made by [`super::ExperimentBuilder::build`]; read through its accessors.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    pub(super) file: String,
    pub(super) text: Option<String>,
    pub(super) t_stop: f64,
    pub(super) seed: u64,
    pub(super) trial: u64,
    pub(super) populations: Vec<Population>,
    pub(super) projections: Vec<Projection>,
    pub(super) record: RecordSpec,
    pub(super) memory_limit: MemoryLimit,
    pub(super) origin: Origin,
}

/// What an experiment was made from, so that it can be made again with another seed: random
/// parameters and initial values are drawn while it is made (random weights, delays and
/// connections are drawn later, when it is lowered, from [`Experiment::seed`]).
#[derive(Clone, Debug)]
pub(super) enum Origin {
    /// The TOML text in [`Experiment::text`], with profiles relative to this directory.
    Toml(PathBuf),
    /// A table of the file's shape (see [`Experiment::from_table`]), with profiles relative to
    /// this directory.
    Table(Box<toml::Table>, PathBuf),
    /// A builder filled in code that drew random initial values.
    Drawn(Box<ExperimentBuilder>),
    /// A builder filled in code that drew nothing.
    Fixed,
}

/// The origin is not part of what an experiment is: two experiments with the same content are
/// equal however they were made.
impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Experiment {
    /// Name of the description it came from (a file name, or the builder's label), used in
    /// messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The original description text (the TOML file), stored with the results; `None` for an
    /// experiment built in code.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Simulated time [ms].
    pub fn t_stop(&self) -> f64 {
        self.t_stop
    }

    /// Master seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The trial ([`crate::rng::trial_seed`]; 0 unless given).
    pub fn trial(&self) -> u64 {
        self.trial
    }

    /// The seed of what is drawn while the network runs (Poisson spikes, transmissions): the
    /// master seed for trial 0 ([`crate::rng::trial_seed`]).
    pub fn run_seed(&self) -> u64 {
        crate::rng::trial_seed(self.seed, self.trial)
    }

    /// What a recording of it stores about it: seed, `t_stop` and description text (empty for
    /// an experiment built in code).
    pub fn metadata(&self) -> crate::record::RunMetadata {
        crate::record::RunMetadata {
            seed: self.seed,
            t_stop: self.t_stop,
            experiment: self.text().unwrap_or_default().to_string(),
        }
    }

    /// Populations, in the order they were added.
    pub fn populations(&self) -> &[Population] {
        &self.populations
    }

    /// Projections, in the order they were added.
    pub fn projections(&self) -> &[Projection] {
        &self.projections
    }

    /// Recording requests.
    pub fn record(&self) -> &RecordSpec {
        &self.record
    }

    /// How much memory its simulation may need before it is refused (checked before the
    /// network is built; see [`crate::engine::memory`]).
    pub fn memory_limit(&self) -> MemoryLimit {
        self.memory_limit
    }

    /// Index of the population called `name`.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }

    /// The same description with a different master seed (e.g. from the command line): made
    /// again, so that random parameters, initial values, connections, weights, delays and
    /// Poisson sources all come from `seed`, as if the description had said it. Its simulated
    /// time, recording and memory limit stay as they are. Fails only if a profile the
    /// description names can no longer be read.
    pub fn with_seed(self, seed: u64) -> Result<Self, crate::error::ConfigError> {
        let again = match &self.origin {
            Origin::Toml(base) => Self::parse(
                self.text.as_deref().unwrap_or_default(),
                &self.file,
                base,
                Some(seed),
            )?,
            Origin::Table(table, base) => {
                Self::from_parsed_table((**table).clone(), &self.file, base, Some(seed))?
            }
            Origin::Drawn(builder) => {
                let mut builder = (**builder).clone();
                builder.seed(seed);
                builder.build()?
            }
            Origin::Fixed => return Ok(Self { seed, ..self }),
        };
        Ok(Self {
            seed,
            populations: again.populations,
            projections: again.projections,
            ..self
        })
    }

    /// The same network with every population's cell replaced by `cell` of it and every
    /// projection's transmission probability by `p_transmit` of it (for emulated chips, which
    /// keep them valid: no check is repeated).
    pub(crate) fn with_changes(
        mut self,
        cell: impl Fn(&Population) -> Cell,
        p_transmit: impl Fn(&Projection) -> f64,
    ) -> Self {
        for population in &mut self.populations {
            population.cell = cell(population);
        }
        for projection in &mut self.projections {
            projection.p_transmit = p_transmit(projection);
        }
        self
    }

    /// The same network with a different memory limit (e.g. from the command line).
    pub fn with_memory_limit(self, memory_limit: MemoryLimit) -> Self {
        Self {
            memory_limit,
            ..self
        }
    }

    /// The same network with a different simulated time [ms] (e.g. from the command line),
    /// checked like the original.
    pub fn with_t_stop(self, t_stop: f64) -> Result<Self, crate::error::ConfigError> {
        super::validate::check_t_stop(&self.file, t_stop, &self.record)?;
        Ok(Self { t_stop, ..self })
    }
}
