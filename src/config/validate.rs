//! Validation and lowering of the parsed file into an [`Experiment`].

use serde::de::DeserializeOwned;
use serde::Deserialize;

use std::path::Path;

use super::file::{
    Connector, ExperimentFile, ModelName, PopulationSection, ProfileFile, ProjectionSection,
    RecordSection, Values,
};
use crate::error::ConfigError;
use crate::neuron::{CondExpParams, CurrExpParams, Receptor};
use crate::synapse::SynapseModel;

/// Largest membrane recording accepted [bytes] (it is allocated on disk when the run starts).
pub const MAX_V_BYTES: f64 = 16e9;
/// PyNN's default initial membrane potential [mV].
const DEFAULT_INITIAL_V: f64 = -65.0;
/// Default synaptic delay when a projection gives none [ms] (PyNN's default time step).
pub const DEFAULT_DELAY: f64 = 0.1;

/// `SpikeSourcePoisson` parameters (PyNN defaults).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PoissonParams {
    /// Mean rate [Hz].
    pub rate: f64,
    /// Time the source switches on [ms].
    pub start: f64,
    /// How long it stays on [ms].
    pub duration: f64,
}

impl Default for PoissonParams {
    fn default() -> Self {
        Self {
            rate: 1.0,
            start: 0.0,
            duration: 1e10,
        }
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

/// Parameters of a neuron population: one set shared by all its neurons, or one set per neuron
/// (when some `params` value is an array with one entry per neuron).
#[derive(Clone, Debug, PartialEq)]
pub enum NeuronParams<T> {
    /// Every neuron has these parameters.
    Shared(T),
    /// Neuron `i` has the `i`-th set.
    PerNeuron(Vec<T>),
}

impl<T> NeuronParams<T> {
    /// Parameters of neuron `i`.
    pub fn of(&self, i: usize) -> &T {
        match self {
            Self::Shared(p) => p,
            Self::PerNeuron(ps) => &ps[i],
        }
    }

    /// The shared set, or neuron 0's.
    pub fn first(&self) -> &T {
        match self {
            Self::Shared(p) => p,
            Self::PerNeuron(ps) => &ps[0],
        }
    }

    /// The distinct sets: one if shared, else one per neuron.
    pub fn sets(&self) -> &[T] {
        match self {
            Self::Shared(p) => std::slice::from_ref(p),
            Self::PerNeuron(ps) => ps,
        }
    }
}

/// What a population is, with its validated parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum PopulationKind {
    /// `IF_cond_exp` neurons and their initial membrane potential [mV].
    CondExp(NeuronParams<CondExpParams>, f64),
    /// `IF_curr_exp` neurons and their initial membrane potential [mV].
    CurrExp(NeuronParams<CurrExpParams>, f64),
    /// Poisson spike sources.
    Poisson(PoissonParams),
    /// Spike sources replaying given times.
    Array(ArrayParams),
}

impl PopulationKind {
    /// True for spike sources, which cannot receive projections.
    pub fn is_source(&self) -> bool {
        matches!(self, Self::Poisson(_) | Self::Array(_))
    }

    /// True for populations whose synapses are conductances (weights in µS).
    pub fn is_conductance_based(&self) -> bool {
        matches!(self, Self::CondExp(..))
    }
}

/// A validated population.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// Unique name.
    pub name: String,
    /// Number of neurons or sources.
    pub size: usize,
    /// Model and parameters.
    pub kind: PopulationKind,
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
}

/// What to record, by population index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordSpec {
    /// Populations whose spikes are recorded.
    pub spikes: Vec<usize>,
    /// Neuron populations whose membrane potential is sampled.
    pub v: Vec<usize>,
    /// Sampling interval [ms] of `v`.
    pub v_interval: f64,
}

/// A validated, immutable experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// Name of the file it came from (used in messages).
    pub file: String,
    /// The original TOML text (stored with the results).
    pub text: String,
    /// Simulated time [ms].
    pub t_stop: f64,
    /// Master seed.
    pub seed: u64,
    /// Populations in file order.
    pub populations: Vec<Population>,
    /// Projections in file order.
    pub projections: Vec<Projection>,
    /// Recording requests.
    pub record: RecordSpec,
}

impl Experiment {
    /// Read and validate an experiment file.
    /// Model profiles (`profile = "..."`) are resolved relative to the file's directory.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&name, "(file)", format!("cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &name, base)
    }

    /// Parse and validate TOML `text`; `file` names it in error messages. Model profiles are
    /// resolved relative to the current directory.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, ConfigError> {
        Self::parse(text, file, Path::new("."))
    }

    fn parse(text: &str, file: &str, base: &Path) -> Result<Self, ConfigError> {
        let parsed: ExperimentFile = deserialize_toml(text, file)?;
        let checker = Checker { file, base };
        checker.experiment(parsed, text)
    }

    /// Index of the population called `name`.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }

    /// Override the simulated time [ms] (e.g. from the command line), re-checking it.
    pub fn set_t_stop(&mut self, t_stop: f64) -> Result<(), ConfigError> {
        let checker = Checker {
            file: &self.file,
            base: Path::new("."),
        };
        checker.positive("simulation.t_stop", t_stop)?;
        checker.v_volume(t_stop, &self.record, &self.populations)?;
        self.t_stop = t_stop;
        Ok(())
    }
}

/// Deserialize TOML text, turning serde errors into one-line [`ConfigError`]s with the field path.
pub(crate) fn deserialize_toml<T: DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, ConfigError> {
    let deserializer = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let line = inner
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let field = match (path.as_str(), line) {
            (".", Some(line)) | ("", Some(line)) => format!("line {line}"),
            (_, Some(line)) => format!("{path} (line {line})"),
            (_, None) => path,
        };
        ConfigError::new(file, field, inner.message().trim().replace('\n', " "))
    })
}

/// Deserialize a `params` table into a model's parameter struct.
fn deserialize_params<T: DeserializeOwned>(
    table: toml::Table,
    file: &str,
    field: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." || path.is_empty() {
            field.to_string()
        } else {
            format!("{field}.{path}")
        };
        ConfigError::new(file, at, err.into_inner().to_string())
    })
}

/// The `IF_cond_exp` parameters of a section at `at` of `file` with a `model`, an optional
/// `profile` (relative to `base`) and `params`, validated like a population's. Any other model is
/// refused with `reason`.
pub(crate) fn cond_exp_section(
    file: &str,
    base: &Path,
    at: &str,
    model: Option<ModelName>,
    profile: Option<&str>,
    params: toml::Table,
    reason: &str,
) -> Result<CondExpParams, ConfigError> {
    let checker = Checker { file, base };
    let (model, params) = checker.resolve_model(at, model, profile, params)?;
    if model != ModelName::IF_cond_exp {
        return Err(checker.err(format!("{at}.model"), format!("is {model:?}; {reason}")));
    }
    let params_at = format!("{at}.params");
    let p: CondExpParams = deserialize_params(params, file, &params_at)?;
    checker.cond_exp(&params_at, &p)?;
    Ok(p)
}

/// Validation context: the file name for messages and the directory profiles are found in.
struct Checker<'a> {
    file: &'a str,
    base: &'a Path,
}

impl Checker<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.file, field, message)
    }

    fn finite(&self, field: &str, value: f64) -> Result<(), ConfigError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(self.err(field, format!("must be a finite number, got {value}")))
        }
    }

    fn positive(&self, field: &str, value: f64) -> Result<(), ConfigError> {
        self.finite(field, value)?;
        if value > 0.0 {
            Ok(())
        } else {
            Err(self.err(field, format!("must be > 0, got {value}")))
        }
    }

    fn non_negative(&self, field: &str, value: f64) -> Result<(), ConfigError> {
        self.finite(field, value)?;
        if value >= 0.0 {
            Ok(())
        } else {
            Err(self.err(field, format!("must be ≥ 0, got {value}")))
        }
    }

    fn experiment(&self, parsed: ExperimentFile, text: &str) -> Result<Experiment, ConfigError> {
        self.positive("simulation.t_stop", parsed.simulation.t_stop)?;
        let mut populations = Vec::with_capacity(parsed.populations.len());
        for (i, section) in parsed.populations.into_iter().enumerate() {
            let population = self.population(i, section)?;
            if populations
                .iter()
                .any(|p: &Population| p.name == population.name)
            {
                return Err(self.err(
                    format!("population[{i}].name"),
                    format!("duplicate population name '{}'", population.name),
                ));
            }
            populations.push(population);
        }
        let projections = parsed
            .projections
            .into_iter()
            .enumerate()
            .map(|(i, p)| self.projection(i, p, &populations))
            .collect::<Result<Vec<_>, _>>()?;
        let record = self.record(parsed.record, &populations)?;
        self.v_volume(parsed.simulation.t_stop, &record, &populations)?;
        Ok(Experiment {
            file: self.file.to_string(),
            text: text.to_string(),
            t_stop: parsed.simulation.t_stop,
            seed: parsed.simulation.seed,
            populations,
            projections,
            record,
        })
    }

    fn population(&self, i: usize, s: PopulationSection) -> Result<Population, ConfigError> {
        let at = format!("population[{i}]");
        if s.name.is_empty() {
            return Err(self.err(format!("{at}.name"), "must not be empty"));
        }
        if s.size < 0 {
            return Err(self.err(format!("{at}.size"), format!("must be ≥ 0, got {}", s.size)));
        }
        let size = s.size as usize;
        let params_at = format!("{at}.params");
        let initial_v = s.initial.v.unwrap_or(DEFAULT_INITIAL_V);
        let (model, params) = self.resolve_model(&at, s.model, s.profile.as_deref(), s.params)?;
        let kind = match model {
            ModelName::IF_cond_exp => {
                let p = self.neuron_params(&params_at, params, size, |at, p: &CondExpParams| {
                    self.cond_exp(at, p)
                })?;
                PopulationKind::CondExp(p, initial_v)
            }
            ModelName::IF_curr_exp => {
                let p = self.neuron_params(&params_at, params, size, |at, p: &CurrExpParams| {
                    self.lif_common(at, &p.as_common())
                })?;
                PopulationKind::CurrExp(p, initial_v)
            }
            ModelName::SpikeSourcePoisson => {
                let p: PoissonParams = deserialize_params(params, self.file, &params_at)?;
                self.non_negative(&format!("{params_at}.rate"), p.rate)?;
                self.non_negative(&format!("{params_at}.start"), p.start)?;
                self.non_negative(&format!("{params_at}.duration"), p.duration)?;
                PopulationKind::Poisson(p)
            }
            ModelName::SpikeSourceArray => {
                let p: ArrayParams = deserialize_params(params, self.file, &params_at)?;
                self.spike_times(&params_at, &p, size)?;
                PopulationKind::Array(p)
            }
        };
        if !kind.is_source() {
            self.finite(&format!("{at}.initial.v"), initial_v)?;
        } else if s.initial.v.is_some() {
            return Err(self.err(
                format!("{at}.initial.v"),
                "spike sources have no membrane potential",
            ));
        }
        Ok(Population {
            name: s.name,
            size,
            kind,
        })
    }

    /// Membrane recordings are stored as fixed `[samples, size]` datasets allocated up front; refuse
    /// requests larger than [`MAX_V_BYTES`].
    fn v_volume(
        &self,
        t_stop: f64,
        record: &RecordSpec,
        populations: &[Population],
    ) -> Result<(), ConfigError> {
        if record.v.is_empty() {
            return Ok(());
        }
        let samples = crate::record::sample_count(t_stop, record.v_interval) as f64;
        let neurons: usize = record.v.iter().map(|&p| populations[p].size).sum();
        let bytes = samples * neurons as f64 * 8.0;
        if bytes > MAX_V_BYTES {
            return Err(self.err(
                "record.v.interval",
                format!(
                    "{samples} samples of {neurons} neurons would need {:.1} GB (limit {:.0} GB); \
                     use a larger interval, fewer populations or a shorter t_stop",
                    bytes / 1e9,
                    MAX_V_BYTES / 1e9
                ),
            ));
        }
        Ok(())
    }

    /// The population's model and parameters: from its `profile` file (if any), with its own
    /// `model` (which must agree) and `params` (which override the profile's) on top.
    fn resolve_model(
        &self,
        at: &str,
        model: Option<ModelName>,
        profile: Option<&str>,
        params: toml::Table,
    ) -> Result<(ModelName, toml::Table), ConfigError> {
        let Some(profile) = profile else {
            let model = model.ok_or_else(|| self.err(format!("{at}.model"), "missing"))?;
            return Ok((model, params));
        };
        let path = self.base.join(profile);
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.err(
                format!("{at}.profile"),
                format!("cannot read '{name}': {e}"),
            )
        })?;
        let loaded: ProfileFile = deserialize_toml(&text, &name)?;
        if let Some(model) = model.filter(|m| *m != loaded.model) {
            return Err(self.err(
                format!("{at}.model"),
                format!(
                    "{model:?} contradicts the profile '{profile}', which is {:?}",
                    loaded.model
                ),
            ));
        }
        let mut merged = loaded.params;
        merged.extend(params);
        Ok((loaded.model, merged))
    }

    fn lif_common(&self, at: &str, p: &LifCommon) -> Result<(), ConfigError> {
        self.positive(&format!("{at}.cm"), p.cm)?;
        self.positive(&format!("{at}.tau_m"), p.tau_m)?;
        self.positive(&format!("{at}.tau_syn_E"), p.tau_syn_e)?;
        self.positive(&format!("{at}.tau_syn_I"), p.tau_syn_i)?;
        self.non_negative(&format!("{at}.tau_refrac"), p.tau_refrac)?;
        self.finite(&format!("{at}.v_rest"), p.v_rest)?;
        self.finite(&format!("{at}.v_thresh"), p.v_thresh)?;
        self.finite(&format!("{at}.v_reset"), p.v_reset)?;
        self.finite(&format!("{at}.i_offset"), p.i_offset)?;
        if p.v_reset >= p.v_thresh {
            return Err(self.err(
                format!("{at}.v_reset"),
                format!(
                    "must be below v_thresh ({} mV), got {} mV",
                    p.v_thresh, p.v_reset
                ),
            ));
        }
        Ok(())
    }

    /// Deserialize and `check` a neuron model's `params` table at `at`. A value given as an array
    /// must have one entry per neuron (`size`); then neuron `i` gets its own set, built from the
    /// scalars and the `i`-th array entries and reported as `at[i]`.
    fn neuron_params<T: DeserializeOwned>(
        &self,
        at: &str,
        params: toml::Table,
        size: usize,
        check: impl Fn(&str, &T) -> Result<(), ConfigError>,
    ) -> Result<NeuronParams<T>, ConfigError> {
        let mut arrays = Vec::new();
        for (key, value) in &params {
            if let toml::Value::Array(values) = value {
                if values.len() != size {
                    return Err(self.err(
                        format!("{at}.{key}"),
                        format!(
                            "has {} values for a population of {size} neurons (give one value, or one per neuron)",
                            values.len()
                        ),
                    ));
                }
                arrays.push((key.clone(), values.clone()));
            }
        }
        if arrays.is_empty() || size == 0 {
            let p: T = deserialize_params(params, self.file, at)?;
            check(at, &p)?;
            return Ok(NeuronParams::Shared(p));
        }
        let mut sets = Vec::with_capacity(size);
        for i in 0..size {
            let mut table = params.clone();
            for (key, values) in &arrays {
                table.insert(key.clone(), values[i].clone());
            }
            let at_i = format!("{at}[{i}]");
            let p: T = deserialize_params(table, self.file, &at_i)?;
            check(&at_i, &p)?;
            sets.push(p);
        }
        Ok(NeuronParams::PerNeuron(sets))
    }

    fn cond_exp(&self, at: &str, p: &CondExpParams) -> Result<(), ConfigError> {
        self.lif_common(at, &p.as_common())?;
        self.finite(&format!("{at}.e_rev_E"), p.e_rev_E)?;
        self.finite(&format!("{at}.e_rev_I"), p.e_rev_I)
    }

    fn spike_times(&self, at: &str, p: &ArrayParams, size: usize) -> Result<(), ConfigError> {
        let field = format!("{at}.spike_times");
        let lists: Vec<&[f64]> = match &p.spike_times {
            SpikeTimes::Shared(times) => vec![times],
            SpikeTimes::PerSource(lists) => {
                if lists.len() != size {
                    return Err(self.err(
                        field,
                        format!(
                            "has {} lists but the population has {size} sources",
                            lists.len()
                        ),
                    ));
                }
                lists.iter().map(Vec::as_slice).collect()
            }
        };
        for times in lists {
            for (k, &t) in times.iter().enumerate() {
                self.non_negative(&format!("{field}[{k}]"), t)?;
                if k > 0 && t < times[k - 1] {
                    return Err(self.err(
                        format!("{field}[{k}]"),
                        format!(
                            "spike times must be sorted: {t} comes after {}",
                            times[k - 1]
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn lookup(
        &self,
        field: &str,
        name: &str,
        populations: &[Population],
    ) -> Result<usize, ConfigError> {
        populations
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = populations.iter().map(|p| p.name.as_str()).collect();
                self.err(
                    field,
                    format!("unknown population '{name}' (known: {})", known.join(", ")),
                )
            })
    }

    fn projection(
        &self,
        i: usize,
        s: ProjectionSection,
        populations: &[Population],
    ) -> Result<Projection, ConfigError> {
        let at = format!("projection[{i}]");
        let pre = self.lookup(&format!("{at}.pre"), &s.pre, populations)?;
        let post = self.lookup(&format!("{at}.post"), &s.post, populations)?;
        let target = &populations[post];
        if target.kind.is_source() {
            return Err(self.err(
                format!("{at}.post"),
                format!(
                    "population '{}' is a spike source and cannot receive connections",
                    target.name
                ),
            ));
        }
        self.connector(&at, &s.connector, &populations[pre], target)?;
        let from_list_has_values = matches!(&s.connector, Connector::FromList { connections } if connections.first().is_some_and(|row| row.len() == 4));
        if from_list_has_values && (s.weight.is_some() || s.delay.is_some()) {
            return Err(self.err(
                format!("{at}.weight"),
                "the connection rows already give weight and delay; remove weight/delay here",
            ));
        }
        let weight = match s.weight {
            Some(w) => w,
            None if from_list_has_values => Values::PerConnection(Vec::new()),
            None => return Err(self.err(format!("{at}.weight"), "missing (µS or nA)")),
        };
        let delay = s.delay.unwrap_or(Values::Constant(DEFAULT_DELAY));
        let conductance = target.kind.is_conductance_based();
        for_each_value(&weight, |k, w| {
            self.weight_sign(&value_field(&at, "weight", k), w, conductance, s.receptor)
        })?;
        for_each_value(&delay, |k, d| {
            self.non_negative(&value_field(&at, "delay", k), d)
        })?;
        if let Connector::FromList { connections } = &s.connector {
            for (k, row) in connections.iter().enumerate() {
                if row.len() == 4 {
                    let field = format!("{at}.connector.connections[{k}][2]");
                    self.weight_sign(&field, row[2], conductance, s.receptor)?;
                    self.non_negative(&format!("{at}.connector.connections[{k}][3]"), row[3])?;
                }
            }
        }
        if let SynapseModel::TsodyksMarkram(params) = &s.synapse {
            params
                .check()
                .map_err(|e| self.err(format!("{at}.synapse.{}", e.field()), e.to_string()))?;
        }
        Ok(Projection {
            pre,
            post,
            connector: s.connector,
            weight,
            delay,
            receptor: s.receptor,
            synapse: s.synapse,
        })
    }

    fn weight_sign(
        &self,
        field: &str,
        w: f64,
        conductance: bool,
        receptor: Receptor,
    ) -> Result<(), ConfigError> {
        self.finite(field, w)?;
        let problem = weight_sign_problem(w, conductance, receptor);
        match problem {
            Some(message) => Err(self.err(field, format!("{message}, got {w}"))),
            None => Ok(()),
        }
    }

    fn connector(
        &self,
        at: &str,
        c: &Connector,
        pre: &Population,
        post: &Population,
    ) -> Result<(), ConfigError> {
        let field = format!("{at}.connector");
        match c {
            Connector::OneToOne if pre.size != post.size => Err(self.err(
                field,
                format!(
                    "one_to_one needs equal sizes, got {} ('{}') and {} ('{}')",
                    pre.size, pre.name, post.size, post.name
                ),
            )),
            Connector::FixedProbability { p, .. } => {
                self.finite(&format!("{field}.p"), *p)?;
                if (0.0..=1.0).contains(p) {
                    Ok(())
                } else {
                    Err(self.err(format!("{field}.p"), format!("must be in [0, 1], got {p}")))
                }
            }
            Connector::FixedNumberPre {
                n,
                with_replacement,
                ..
            } => {
                if *n < 0 {
                    return Err(self.err(format!("{field}.n"), format!("must be ≥ 0, got {n}")));
                }
                if !with_replacement && *n as usize > pre.size {
                    return Err(self.err(
                        format!("{field}.n"),
                        format!(
                            "{n} exceeds the {} neurons of '{}' (set with_replacement = true)",
                            pre.size, pre.name
                        ),
                    ));
                }
                Ok(())
            }
            Connector::FromList { connections } => {
                self.list_rows(&field, connections, pre.size, post.size)
            }
            _ => Ok(()),
        }
    }

    fn list_rows(
        &self,
        field: &str,
        rows: &[Vec<f64>],
        n_pre: usize,
        n_post: usize,
    ) -> Result<(), ConfigError> {
        let width = rows.first().map_or(2, Vec::len);
        for (k, row) in rows.iter().enumerate() {
            let at = format!("{field}.connections[{k}]");
            if row.len() != width || !(row.len() == 2 || row.len() == 4) {
                return Err(self.err(
                    at,
                    "every row must be [pre, post] or [pre, post, weight, delay], all rows alike",
                ));
            }
            for (col, (&value, size)) in row.iter().zip([n_pre, n_post]).enumerate() {
                if value.fract() != 0.0 || value < 0.0 || value >= size as f64 {
                    return Err(self.err(
                        format!("{at}[{col}]"),
                        format!("index {value} is not an integer in 0..{size}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn record(
        &self,
        section: RecordSection,
        populations: &[Population],
    ) -> Result<RecordSpec, ConfigError> {
        let mut spec = RecordSpec::default();
        for (k, name) in section.spikes.iter().enumerate() {
            let index = self.lookup(&format!("record.spikes[{k}]"), name, populations)?;
            if !spec.spikes.contains(&index) {
                spec.spikes.push(index);
            }
        }
        if let Some(v) = section.v {
            self.positive("record.v.interval", v.interval)?;
            spec.v_interval = v.interval;
            for (k, name) in v.populations.iter().enumerate() {
                let field = format!("record.v.populations[{k}]");
                let index = self.lookup(&field, name, populations)?;
                if populations[index].kind.is_source() {
                    return Err(self.err(
                        field,
                        format!("'{name}' is a spike source and has no membrane potential"),
                    ));
                }
                if !spec.v.contains(&index) {
                    spec.v.push(index);
                }
            }
        }
        Ok(spec)
    }
}

/// What is wrong with the sign of weight `w` onto `receptor` of a conductance-based
/// (`conductance`) or current-based target, if anything.
pub(crate) fn weight_sign_problem(
    w: f64,
    conductance: bool,
    receptor: Receptor,
) -> Option<&'static str> {
    match (conductance, receptor) {
        (true, _) if w < 0.0 => {
            Some("conductance weights must be ≥ 0 µS (the receptor sets the sign)")
        }
        (false, Receptor::Excitatory) if w < 0.0 => {
            Some("current weights onto receptor \"excitatory\" must be ≥ 0 nA")
        }
        (false, Receptor::Inhibitory) if w > 0.0 => {
            Some("current weights onto receptor \"inhibitory\" must be ≤ 0 nA")
        }
        _ => None,
    }
}

/// Name of a weight/delay field: `projection[i].weight` or `projection[i].weight[k]`.
fn value_field(at: &str, name: &str, k: Option<usize>) -> String {
    match k {
        Some(k) => format!("{at}.{name}[{k}]"),
        None => format!("{at}.{name}"),
    }
}

/// Apply `check` to a constant (index `None`) or to every per-connection value.
fn for_each_value(
    values: &Values,
    mut check: impl FnMut(Option<usize>, f64) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    match values {
        Values::Constant(v) => check(None, *v),
        Values::PerConnection(list) => list
            .iter()
            .enumerate()
            .try_for_each(|(k, &v)| check(Some(k), v)),
    }
}

/// The parameters shared by the LIF models, for common checks.
pub(crate) struct LifCommon {
    pub cm: f64,
    pub tau_m: f64,
    pub tau_syn_e: f64,
    pub tau_syn_i: f64,
    pub tau_refrac: f64,
    pub v_rest: f64,
    pub v_thresh: f64,
    pub v_reset: f64,
    pub i_offset: f64,
}

/// Both LIF parameter sets expose their common part the same way.
macro_rules! lif_common {
    ($($params:ty),+) => {$(
        impl $params {
            pub(crate) fn as_common(&self) -> LifCommon {
                LifCommon {
                    cm: self.cm,
                    tau_m: self.tau_m,
                    tau_syn_e: self.tau_syn_E,
                    tau_syn_i: self.tau_syn_I,
                    tau_refrac: self.tau_refrac,
                    v_rest: self.v_rest,
                    v_thresh: self.v_thresh,
                    v_reset: self.v_reset,
                    i_offset: self.i_offset,
                }
            }
        }
    )+};
}

lif_common!(CondExpParams, CurrExpParams);
