//! The TOML front: reads an experiment file into an [`ExperimentBuilder`] and builds it. What is
//! particular to files lives here (model profiles, parameter tables with per-neuron arrays, line
//! numbers in messages); every value check is the builder's.

use serde::de::DeserializeOwned;

use std::path::Path;

use super::builder::ExperimentBuilder;
use super::experiment::{ArrayParams, Experiment, Origin, PoissonParams};
use super::file::{ExperimentFile, PopulationSection, ProfileFile};
use super::validate::check_cell_params;
use crate::error::ConfigError;
use crate::models::{CellReader, ModelName};
use crate::neuron::{CellParams, CondExpParams, NeuronParams};
use crate::random::RandomDistribution;
use crate::rng::parameter_stream;

impl Experiment {
    /// Read and validate an experiment file.
    /// Model profiles (`profile = "..."`) are resolved relative to the file's directory.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        Self::from_file_seeded(path, None)
    }

    /// Read and validate an experiment file with master seed `seed` instead of the file's, if
    /// given (the same as [`Experiment::from_file`] then [`Experiment::with_seed`], read once).
    pub fn from_file_seeded(path: &Path, seed: Option<u64>) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&name, "(file)", format!("cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &name, base, seed)
    }

    /// Parse and validate TOML `text`; `file` names it in error messages. Model profiles are
    /// resolved relative to the current directory.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, ConfigError> {
        Self::parse(text, file, Path::new("."), None)
    }

    /// Parse and validate TOML `text` read from `file`, with profiles relative to `base` and
    /// the master seed `seed` instead of the file's, if given.
    pub(super) fn parse(
        text: &str,
        file: &str,
        base: &Path,
        seed: Option<u64>,
    ) -> Result<Self, ConfigError> {
        let parsed: ExperimentFile = deserialize_toml(text, file)
            .map_err(|e| wrong_kind(text, file, FileKind::Experiment).unwrap_or(e))?;
        Self::from_parsed(parsed, file, Some(text), base, seed)
    }

    /// Validate a description given as a table of the experiment file's shape (`simulation`,
    /// `population`, `projection`, `record`), as a front other than TOML text (Python's dicts)
    /// gives it; `name` names it in error messages, profiles are resolved relative to `base`.
    /// The experiment has no text.
    pub fn from_table(table: toml::Table, name: &str, base: &Path) -> Result<Self, ConfigError> {
        Self::from_parsed_table(table, name, base, None)
    }

    /// [`Experiment::from_table`] with the master seed `seed` instead of the table's, if given.
    pub(super) fn from_parsed_table(
        table: toml::Table,
        name: &str,
        base: &Path,
        seed: Option<u64>,
    ) -> Result<Self, ConfigError> {
        let parsed: ExperimentFile = deserialize_table(table.clone(), name)?;
        let mut experiment = Self::from_parsed(parsed, name, None, base, seed)?;
        experiment.origin = Origin::Table(Box::new(table), base.to_path_buf());
        Ok(experiment)
    }

    /// Fill the builder from a description read from `file` (with its `text`, if any).
    fn from_parsed(
        parsed: ExperimentFile,
        file: &str,
        text: Option<&str>,
        base: &Path,
        seed: Option<u64>,
    ) -> Result<Self, ConfigError> {
        let seed = seed.unwrap_or(parsed.simulation.seed.0);
        let front = Front { file, base, seed };
        let mut builder = ExperimentBuilder::for_file(file, text, parsed.simulation.t_stop);
        builder.seed(seed).trial(parsed.simulation.trial.0);
        for (i, section) in parsed.populations.into_iter().enumerate() {
            front.population(&mut builder, i, section)?;
        }
        for p in parsed.projections {
            let projection = builder.projection(&p.pre, &p.post, p.connector);
            projection.weight = p.weight;
            projection.delay = p.delay;
            projection
                .receptor(p.receptor)
                .synapse(p.synapse)
                .p_transmit(p.p_transmit);
        }
        for name in &parsed.record.spikes {
            builder.record_spikes(name);
        }
        if let Some(v) = parsed.record.v {
            builder.record_v = Some((v.populations, v.interval));
        }
        builder.record_interval = parsed.record.interval;
        for signal in parsed.record.signals {
            let desc = builder.record_signals(&signal.population, &signal.variables);
            desc.indices = signal.indices;
        }
        let mut experiment = builder.build()?;
        experiment.origin = Origin::Toml(base.to_path_buf());
        Ok(experiment)
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

/// Deserialize a description given as a table (not text) named `name`, turning serde errors
/// into one-line [`ConfigError`]s with the field path.
pub(crate) fn deserialize_table<T: DeserializeOwned>(
    table: toml::Table,
    name: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." {
            "(top level)".into()
        } else {
            path
        };
        let message = err.into_inner().to_string();
        let first_line = message.lines().next().unwrap_or_default().trim_end();
        ConfigError::new(name, field, first_line)
    })
}

/// The two kinds of TOML file exactspike reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// An experiment (`exactspike run`): `[[population]]`, `[[projection]]`, `[record]`.
    Experiment,
    /// A sampling file (`exactspike calibrate`, `sample`, `train`): `[boltzmann]`, `[sampler]`, ...
    Sampling,
}

/// Top-level sections only an experiment file has.
const EXPERIMENT_SECTIONS: [&str; 3] = ["population", "projection", "record"];
/// Top-level sections only a sampling file has.
const SAMPLING_SECTIONS: [&str; 5] = [
    "boltzmann",
    "sampler",
    "sampling",
    "calibration",
    "training",
];

/// When `text`, which failed to read as a file of kind `expected`, is clearly a file of the other
/// kind (it has that kind's sections and none of the expected kind's): the error naming the
/// section that shows it and the command that reads it.
pub(crate) fn wrong_kind(text: &str, file: &str, expected: FileKind) -> Option<ConfigError> {
    let table: toml::Table = text.parse().ok()?;
    let first = |names: &[&'static str]| names.iter().copied().find(|n| table.contains_key(*n));
    let (own, other) = match expected {
        FileKind::Experiment => (first(&EXPERIMENT_SECTIONS), first(&SAMPLING_SECTIONS)),
        FileKind::Sampling => (first(&SAMPLING_SECTIONS), first(&EXPERIMENT_SECTIONS)),
    };
    let (None, Some(section)) = (own, other) else {
        return None;
    };
    let message = match expected {
        FileKind::Experiment => {
            "this is a sampling file ([boltzmann], [sampler]), not an experiment: use `exactspike \
             sample` or `exactspike train` (`run` takes an experiment with [[population]])"
        }
        FileKind::Sampling => {
            "this is an experiment file ([[population]]), not a sampling file: use `exactspike \
             run` (`calibrate`, `sample` and `train` take a file with [boltzmann] and [sampler])"
        }
    };
    Some(ConfigError::new(file, section, message))
}

/// Deserialize a `params` table into a model's parameter struct.
pub(crate) fn deserialize_params<T: DeserializeOwned>(
    table: toml::Table,
    file: &str,
    field: &str,
) -> Result<T, ConfigError> {
    deserialize_params_value(toml::Value::Table(table), file, field)
}

/// Deserialize a TOML value found at `field` of `file`, naming the inner field of a problem.
fn deserialize_params_value<T: DeserializeOwned>(
    value: toml::Value,
    file: &str,
    field: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." || path.is_empty() {
            field.to_string()
        } else {
            format!("{field}.{path}")
        };
        // The toml crate adds the key on a line of its own ("\nin `distribution`"); the field
        // already names it.
        let message = err.into_inner().to_string();
        let first_line = message.lines().next().unwrap_or_default().trim_end();
        ConfigError::new(file, at, first_line)
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
    let front = Front {
        file,
        base,
        seed: 0,
    };
    let (model, params) = front.resolve_model(at, model, profile, params)?;
    if model.cell_type() != CondExpParams::CELL_TYPE {
        let message = format!("is {}; {reason}", model.cell_type());
        return Err(front.err(format!("{at}.model"), message));
    }
    let params_at = format!("{at}.params");
    let p: CondExpParams = deserialize_params(params, file, &params_at)?;
    check_cell_params(file, &params_at, &p)?;
    Ok(p)
}

/// Reading context: the file name for messages, the directory profiles are found in, and the
/// master seed that random parameter values are drawn with.
struct Front<'a> {
    file: &'a str,
    base: &'a Path,
    seed: u64,
}

impl Front<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.file, field, message)
    }

    /// Add population `i` of the file to `builder`.
    fn population(
        &self,
        builder: &mut ExperimentBuilder,
        i: usize,
        s: PopulationSection,
    ) -> Result<(), ConfigError> {
        let at = format!("population[{i}]");
        let size = s.size.get();
        let (model, params) = self.resolve_model(&at, s.model, s.profile.as_deref(), s.params)?;
        let params_at = format!("{at}.params");
        let params = params
            .into_iter()
            .map(|(key, value)| {
                let value =
                    self.drawn(&format!("{params_at}.{key}"), &s.name, &key, value, size)?;
                Ok((key, value))
            })
            .collect::<Result<_, ConfigError>>()?;
        let reader = ParamsReader {
            front: self,
            at: params_at,
            params,
            size,
        };
        let cell = model.read(&reader)?;
        let population = builder.population(&s.name, size, cell);
        for (variable, values) in s.initial.given() {
            population.initial(variable, values);
        }
        Ok(())
    }

    /// `value` of parameter `key` (at field `at`) of the population called `population` of
    /// `size` neurons, with a distribution table (`{ distribution = "normal", ... }`) replaced
    /// by `size` values drawn from the parameter's own stream
    /// ([`crate::rng::parameter_stream`]); any other value as it is.
    fn drawn(
        &self,
        at: &str,
        population: &str,
        key: &str,
        value: toml::Value,
        size: usize,
    ) -> Result<toml::Value, ConfigError> {
        if !value.is_table() {
            return Ok(value);
        }
        let distribution: RandomDistribution = deserialize_params_value(value, self.file, at)?;
        distribution
            .check()
            .map_err(|e| ConfigError::caused_by(self.file, format!("{at}.{}", e.parameter), e))?;
        let mut rng = parameter_stream(self.seed, population, key);
        let values = distribution.draw(size, &mut rng);
        Ok(toml::Value::Array(
            values.into_iter().map(toml::Value::Float).collect(),
        ))
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
                    "{} contradicts the profile '{profile}', which is {}",
                    model.cell_type(),
                    loaded.model.cell_type()
                ),
            ));
        }
        let mut merged = loaded.params;
        merged.extend(params);
        Ok((loaded.model, merged))
    }

    /// Deserialize a neuron model's `params` table at `at`. A value given as an array must have
    /// one entry per neuron (`size`); then neuron `i` gets its own set, built from the scalars and
    /// the `i`-th array entries and reported as `at[i]`.
    fn neuron_params<T: DeserializeOwned>(
        &self,
        at: &str,
        params: toml::Table,
        size: usize,
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
            return Ok(NeuronParams::Shared(deserialize_params(
                params, self.file, at,
            )?));
        }
        let mut sets = Vec::with_capacity(size);
        for i in 0..size {
            let mut table = params.clone();
            for (key, values) in &arrays {
                table.insert(key.clone(), values[i].clone());
            }
            sets.push(deserialize_params(table, self.file, &format!("{at}[{i}]"))?);
        }
        Ok(NeuronParams::PerNeuron(sets))
    }
}

/// The `params` table of population section `at`, read for whichever cell type it has.
struct ParamsReader<'a> {
    front: &'a Front<'a>,
    at: String,
    params: toml::Table,
    size: usize,
}

impl CellReader for ParamsReader<'_> {
    type Error = ConfigError;

    fn neuron<P: CellParams>(&self) -> Result<NeuronParams<P>, ConfigError> {
        self.front
            .neuron_params(&self.at, self.params.clone(), self.size)
    }

    fn poisson(&self) -> Result<NeuronParams<PoissonParams>, ConfigError> {
        self.front
            .neuron_params(&self.at, self.params.clone(), self.size)
    }

    fn array(&self) -> Result<ArrayParams, ConfigError> {
        deserialize_params(self.params.clone(), self.front.file, &self.at)
    }
}
