//! Validation of a described experiment ([`ExperimentBuilder`]) into an [`Experiment`]. Every
//! value is checked once, here; the engine never re-checks. The first problem is reported as one
//! line naming the description and the field.

use super::builder::{ExperimentBuilder, FieldStyle, PopulationDesc, ProjectionDesc};
use super::experiment::{
    ArrayParams, Experiment, Origin, Population, Projection, RecordSpec, SpikeTimes, DEFAULT_DELAY,
};
use super::file::{Connector, Values};
use crate::engine::memory::MemoryLimit;
use crate::error::ConfigError;
use crate::models::{Cell, NeuronVisitor};
use crate::neuron::{CellParams, NeuronModel, NeuronParams, Receptor};
use crate::synapse::SynapseModel;

mod initial;
mod record;

/// Largest recording of sampled state variables accepted [bytes] (it is allocated on disk when the run starts).
pub const MAX_V_BYTES: f64 = 16e9;

/// Validate the description in `builder` (see [`ExperimentBuilder::build`]).
pub(super) fn validate(builder: ExperimentBuilder) -> Result<Experiment, ConfigError> {
    // Only a builder that draws something is kept, to be drawn again with another seed (a
    // file's front keeps its text instead).
    let draws = (builder.populations.iter())
        .flat_map(|p| &p.initial)
        .any(|(_, values)| matches!(values, Values::Random(_)));
    let origin = match builder.style {
        FieldStyle::Named if draws => Origin::Drawn(Box::new(builder.clone())),
        _ => Origin::Fixed,
    };
    let ExperimentBuilder {
        label,
        text,
        style,
        t_stop,
        seed,
        trial,
        populations,
        projections,
        record_spikes,
        record_v,
        record_signals,
        record_interval,
        memory_limit,
    } = builder;
    let header = Header {
        text,
        t_stop,
        seed,
        trial,
        record: record::Requests {
            spikes: record_spikes,
            v: record_v,
            signals: record_signals,
            interval: record_interval,
        },
        memory_limit,
        origin,
    };
    let checker = Checker {
        file: &label,
        style,
    };
    checker.experiment(header, populations, projections)
}

/// The settings of a description other than its populations and projections.
struct Header {
    text: Option<String>,
    t_stop: f64,
    seed: u64,
    trial: u64,
    record: record::Requests,
    memory_limit: MemoryLimit,
    origin: Origin,
}

/// Check a new simulated time [ms] of an experiment described as `file`.
pub(super) fn check_t_stop(
    file: &str,
    t_stop: f64,
    record: &RecordSpec,
) -> Result<(), ConfigError> {
    let checker = Checker {
        file,
        style: FieldStyle::Indexed,
    };
    checker.positive("simulation.t_stop", t_stop)?;
    checker.signal_volume(t_stop, record)
}

/// Check the parameters `p` of a cell found at field `at` of `file`.
pub(crate) fn check_cell_params<P: CellParams>(
    file: &str,
    at: &str,
    p: &P,
) -> Result<(), ConfigError> {
    let checker = Checker {
        file,
        style: FieldStyle::Indexed,
    };
    checker.cell_params(at, p)
}

/// Validation context: the description's name and how its fields are named.
struct Checker<'a> {
    file: &'a str,
    style: FieldStyle,
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

    /// Field path of population `i` called `name`.
    fn population_at(&self, i: usize, name: &str) -> String {
        match self.style {
            FieldStyle::Indexed => format!("population[{i}]"),
            FieldStyle::Named => format!("population {name:?}"),
        }
    }

    fn experiment(
        &self,
        header: Header,
        described: Vec<PopulationDesc>,
        projections: Vec<ProjectionDesc>,
    ) -> Result<Experiment, ConfigError> {
        self.positive("simulation.t_stop", header.t_stop)?;
        let mut populations = Vec::with_capacity(described.len());
        for (i, desc) in described.into_iter().enumerate() {
            let population = self.population(i, desc, header.seed)?;
            if populations
                .iter()
                .any(|p: &Population| p.name == population.name)
            {
                return Err(self.err(
                    format!("{}.name", self.population_at(i, &population.name)),
                    format!("duplicate population name '{}'", population.name),
                ));
            }
            populations.push(population);
        }
        let projections = projections
            .into_iter()
            .enumerate()
            .map(|(i, p)| self.projection(i, p, &populations))
            .collect::<Result<Vec<_>, _>>()?;
        let record = self.record(header.record, &populations)?;
        self.signal_volume(header.t_stop, &record)?;
        Ok(Experiment {
            file: self.file.to_string(),
            text: header.text,
            t_stop: header.t_stop,
            seed: header.seed,
            trial: header.trial,
            populations,
            projections,
            record,
            memory_limit: header.memory_limit,
            origin: header.origin,
        })
    }

    fn population(
        &self,
        i: usize,
        d: PopulationDesc,
        seed: u64,
    ) -> Result<Population, ConfigError> {
        let at = self.population_at(i, &d.name);
        if d.name.is_empty() {
            return Err(self.err(format!("{at}.name"), "must not be empty"));
        }
        let params_at = format!("{at}.params");
        let initial = match &d.cell {
            Cell::SpikeSourcePoisson(p) => {
                self.neuron_params(&params_at, p, d.size, |at, set| self.cell_params(at, set))?;
                None
            }
            Cell::SpikeSourceArray(p) => {
                self.spike_times(&params_at, p, d.size)?;
                None
            }
            neurons => {
                let check = CheckNeurons {
                    checker: self,
                    at: &params_at,
                    size: d.size,
                };
                neurons.visit_neuron(check).transpose()?;
                Some(self.initial_state(&at, &d, seed)?)
            }
        };
        if let (None, Some((variable, _))) = (&initial, d.initial.first()) {
            return Err(self.err(
                format!("{at}.initial.{variable}"),
                "spike sources have no state variables",
            ));
        }
        Ok(Population {
            name: d.name,
            size: d.size,
            cell: d.cell,
            initial,
        })
    }

    /// Check parameters `p` of a cell at `at`: each value against its rule, then the rules
    /// between them.
    fn cell_params<P: CellParams>(&self, at: &str, p: &P) -> Result<(), ConfigError> {
        match p.problem() {
            Some((field, problem)) => Err(self.err(format!("{at}.{field}"), problem)),
            None => Ok(()),
        }
    }

    /// `check` every parameter set of a neuron population at `at`: the shared one, or each
    /// neuron's own (reported as `at[i]`), of which there must be one per neuron.
    fn neuron_params<T>(
        &self,
        at: &str,
        params: &NeuronParams<T>,
        size: usize,
        check: impl Fn(&str, &T) -> Result<(), ConfigError>,
    ) -> Result<(), ConfigError> {
        match params {
            NeuronParams::Shared(p) => check(at, p),
            NeuronParams::PerNeuron(sets) => {
                if sets.len() != size {
                    return Err(self.err(
                        at,
                        format!(
                            "has {} parameter sets for a population of {size} neurons",
                            sets.len()
                        ),
                    ));
                }
                sets.iter()
                    .enumerate()
                    .try_for_each(|(i, p)| check(&format!("{at}[{i}]"), p))
            }
        }
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
        s: ProjectionDesc,
        populations: &[Population],
    ) -> Result<Projection, ConfigError> {
        let at = format!("projection[{i}]");
        let pre = self.lookup(&format!("{at}.pre"), &s.pre, populations)?;
        let post = self.lookup(&format!("{at}.post"), &s.post, populations)?;
        let target = &populations[post];
        if target.cell.is_source() {
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
        for (name, values) in [("weight", &s.weight), ("delay", &s.delay)] {
            if matches!(values, Some(Values::PerConnection(list)) if list.is_empty()) {
                return Err(self.err(
                    format!("{at}.{name}"),
                    "is an empty list: give one value, or one per connection",
                ));
            }
        }
        let weight = match s.weight {
            Some(w) => w,
            None if from_list_has_values => Values::PerConnection(Vec::new()),
            None => return Err(self.err(format!("{at}.weight"), "missing (µS or nA)")),
        };
        let delay = s.delay.unwrap_or(Values::Constant(DEFAULT_DELAY));
        let conductance = target.cell.is_conductance_based();
        let sign = |w: f64| weight_sign_problem(w, conductance, s.receptor);
        self.random_values(&format!("{at}.weight"), &weight, sign)?;
        self.random_values(&format!("{at}.delay"), &delay, |d| {
            (d < 0.0).then_some("delays must be ≥ 0 ms")
        })?;
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
            params.check().map_err(|e| {
                ConfigError::caused_by(self.file, format!("{at}.synapse.{}", e.field()), e)
            })?;
        }
        if !(s.p_transmit > 0.0 && s.p_transmit <= 1.0) {
            return Err(self.err(
                format!("{at}.p_transmit"),
                format!(
                    "must be in (0, 1] (the probability that a spike reaches the synapse), got {}",
                    s.p_transmit
                ),
            ));
        }
        Ok(Projection {
            pre,
            post,
            connector: s.connector,
            weight,
            delay,
            receptor: s.receptor,
            synapse: s.synapse,
            p_transmit: s.p_transmit,
        })
    }

    /// If `values` is a distribution: its parameters are in range, and `problem` (what is wrong
    /// with one value, if anything) finds nothing at either end of what it can draw.
    fn random_values(
        &self,
        field: &str,
        values: &Values,
        problem: impl Fn(f64) -> Option<&'static str>,
    ) -> Result<(), ConfigError> {
        let Values::Random(distribution) = values else {
            return Ok(());
        };
        distribution.check().map_err(|e| {
            ConfigError::caused_by(self.file, format!("{field}.{}", e.parameter), e)
        })?;
        let (low, high) = distribution.support();
        match [low, high]
            .into_iter()
            .find_map(|end| problem(end).map(|p| (end, p)))
        {
            Some((end, rule)) => Err(self.err(
                field,
                format!(
                    "{rule}, but {} can draw {end} (bound it, e.g. with normal_clipped)",
                    distribution.name()
                ),
            )),
            None => Ok(()),
        }
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
        // Checked as a distribution by `Checker::random_values`.
        Values::Random(_) => Ok(()),
    }
}

/// Checks every parameter set of a neuron population, whatever its model.
struct CheckNeurons<'a> {
    checker: &'a Checker<'a>,
    at: &'a str,
    size: usize,
}

impl NeuronVisitor for CheckNeurons<'_> {
    type Out = Result<(), ConfigError>;

    fn visit<M: NeuronModel>(self, params: &NeuronParams<M::Params>) -> Self::Out {
        let checker = self.checker;
        checker.neuron_params(self.at, params, self.size, |at, p| {
            checker.cell_params(at, p)
        })
    }
}
