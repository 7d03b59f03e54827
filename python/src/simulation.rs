//! `Experiment` (a validated description) and `Simulation` (a lowered network run in segments,
//! recording into memory, with run-time changes of weights and resting potentials).

use std::path::PathBuf;

use exactspike::config;
use exactspike::engine::{self, RunSummary};
use exactspike::neuron::{Receptor, StateVariable};
use exactspike::record::{MemoryRecorder, Termination};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::detached;
use crate::errors::{to_py, ExactspikeError};

/// A one-dimensional numpy array.
type Array<'py, T> = Bound<'py, PyArray1<T>>;

/// A validated experiment: populations, projections, recording requests and simulated time,
/// from a TOML file or a dict of the same shape (`simulation`, `population`, `projection`,
/// `record`), checked with the file's rules and messages.
#[pyclass(module = "exactspike._native", frozen)]
pub struct Experiment {
    pub(crate) inner: config::Experiment,
}

#[pymethods]
impl Experiment {
    /// The experiment described by `description`, a dict shaped like an experiment file;
    /// `name` names it in error messages, model profiles are found relative to `base`.
    #[new]
    #[pyo3(signature = (description, *, name = "python", base = None))]
    fn new(description: &Bound<'_, PyAny>, name: &str, base: Option<PathBuf>) -> PyResult<Self> {
        let table = convert::table(description, name)?;
        let base = base.unwrap_or_else(|| PathBuf::from("."));
        let inner = config::Experiment::from_table(table, name, &base).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// The experiment of the TOML file at `path`, with master seed `seed` instead of the
    /// file's, if given.
    #[staticmethod]
    #[pyo3(signature = (path, *, seed = None))]
    fn from_file(path: PathBuf, seed: Option<u64>) -> PyResult<Self> {
        let inner = config::Experiment::from_file_seeded(&path, seed).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// The same experiment with master seed `seed` (parameters drawn from distributions are
    /// drawn again).
    fn with_seed(&self, seed: u64) -> PyResult<Self> {
        let inner = self.inner.clone().with_seed(seed).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// The same experiment run for `t_stop` [ms].
    fn with_t_stop(&self, t_stop: f64) -> PyResult<Self> {
        let inner = self.inner.clone().with_t_stop(t_stop).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Simulated time [ms].
    #[getter]
    fn t_stop(&self) -> f64 {
        self.inner.t_stop()
    }

    /// Master seed of every random stream.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// The populations as (name, size, PyNN cell type), in the order they were given.
    #[getter]
    fn populations(&self) -> Vec<(String, usize, &'static str)> {
        (self.inner.populations().iter())
            .map(|p| (p.name.clone(), p.size, p.cell.cell_type()))
            .collect()
    }

    /// The description text stored in recordings (`None` for a dict).
    #[getter]
    fn text(&self) -> Option<&str> {
        self.inner.text()
    }

    fn __repr__(&self) -> String {
        format!(
            "Experiment({:?}, {} populations, {} projections, t_stop={} ms, seed={})",
            self.inner.file(),
            self.inner.populations().len(),
            self.inner.projections().len(),
            self.inner.t_stop(),
            self.inner.seed()
        )
    }
}

/// A simulation of an experiment: `run_until` pauses it so that weights and resting potentials
/// can be changed; everything it records stays in memory and is returned as numpy arrays.
#[pyclass(module = "exactspike._native")]
pub struct Simulation {
    experiment: config::Experiment,
    engine: engine::Simulation,
    recorder: MemoryRecorder,
    /// The summary of the run so far.
    summary: RunSummary,
}

#[pymethods]
impl Simulation {
    /// Lower `experiment` into a network (every model must have an exact method).
    #[new]
    fn new(experiment: &Experiment) -> PyResult<Self> {
        let experiment = experiment.inner.clone();
        let engine = engine::Simulation::new(&experiment).map_err(to_py)?;
        let recorder = MemoryRecorder::new(engine.layout().clone());
        Ok(Self {
            experiment,
            engine,
            recorder,
            summary: RunSummary::zero(),
        })
    }

    /// Time [ms] up to which every event is processed.
    #[getter]
    fn now(&self) -> f64 {
        self.engine.now()
    }

    /// Time [ms] the run goes to: the experiment's `t_stop`, or what `extend_to` set.
    #[getter]
    fn t_stop(&self) -> f64 {
        self.engine.t_stop()
    }

    /// Let the run go on to `t_stop` [ms] instead (not before the current end); samples go on
    /// on the same clock.
    fn extend_to(&mut self, t_stop: f64) -> PyResult<()> {
        self.engine.extend_to(t_stop).map_err(to_py)
    }

    /// Forget the spikes and samples recorded so far (recording goes on).
    fn clear_recording(&mut self) {
        for train in &mut self.recorder.spikes {
            *train = Default::default();
        }
        for trace in &mut self.recorder.signals {
            *trace = Default::default();
        }
    }

    /// Process every event at or before `t` [ms], then pause; returns the summary of the run
    /// so far. Ctrl-C stops it and raises `KeyboardInterrupt` (the simulation cannot go on).
    #[pyo3(signature = (t, *, threads = None))]
    fn run_until<'py>(
        &mut self,
        py: Python<'py>,
        t: f64,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        self.advance(py, Some(t), threads)
    }

    /// Run to `t_stop` and take the final samples; returns the summary of the whole run.
    #[pyo3(signature = (*, threads = None))]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        self.advance(py, None, threads)
    }

    /// The counters of the run so far (as `run` returns them).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.summary)
    }

    /// Spikes of population `population` so far: (senders, times [ms]) as numpy arrays, in
    /// time order; senders are indices within the population.
    fn spikes<'py>(
        &self,
        py: Python<'py>,
        population: &str,
    ) -> PyResult<(Array<'py, u32>, Array<'py, f64>)> {
        self.population(population)?;
        let train = self
            .recorder
            .spikes_of(population)
            .ok_or_else(|| self.not_recorded(population, "spikes", "record.spikes"))?;
        Ok((
            PyArray1::from_slice(py, &train.senders),
            PyArray1::from_slice(py, &train.times),
        ))
    }

    /// Samples of `variable` (`v`, `gsyn_exc`, `gsyn_inh`, `isyn_exc`, `isyn_inh`) of
    /// population `population` so far: (times [ms], values [samples × recorded neurons], the
    /// recorded neurons' indices).
    fn signal<'py>(
        &self,
        py: Python<'py>,
        population: &str,
        variable: &str,
    ) -> PyResult<(Array<'py, f64>, Bound<'py, PyAny>, Array<'py, u32>)> {
        let state = StateVariable::from_name(variable).ok_or_else(|| {
            let names: Vec<_> = StateVariable::ALL.iter().map(|v| v.name()).collect();
            ExactspikeError::new_err(format!(
                "{}: variable: unknown variable '{variable}' (one of {})",
                self.experiment.file(),
                names.join(", ")
            ))
        })?;
        self.population(population)?;
        let layout = &self.recorder.layout;
        let found =
            (layout.signals.iter()).position(|s| s.population == population && s.variable == state);
        let Some(index) = found else {
            return Err(self.not_recorded(population, variable, "record.signals"));
        };
        let trace = &self.recorder.signals[index];
        let indices = &layout.signals[index].indices;
        let values = PyArray1::from_slice(py, &trace.values)
            .reshape([trace.times.len(), indices.len()])?
            .into_any();
        Ok((
            PyArray1::from_slice(py, &trace.times),
            values,
            PyArray1::from_slice(py, indices),
        ))
    }

    /// Weight [µS or nA] of the connection from member `pre[1]` of population `pre[0]` onto
    /// member `post[1]` of population `post[0]` at `receptor`.
    #[pyo3(signature = (pre, post, *, receptor = "excitatory"))]
    fn get_weight(&self, pre: (String, u32), post: (String, u32), receptor: &str) -> PyResult<f64> {
        let synapse = self.synapse(&pre, &post, receptor)?;
        Ok(self.engine.weight(synapse).unwrap_or(f64::NAN))
    }

    /// Set the weight of that connection [µS or nA, with the sign rules of the description]
    /// from now on.
    #[pyo3(signature = (pre, post, weight, *, receptor = "excitatory"))]
    fn set_weight(
        &mut self,
        pre: (String, u32),
        post: (String, u32),
        weight: f64,
        receptor: &str,
    ) -> PyResult<()> {
        let synapse = self.synapse(&pre, &post, receptor)?;
        self.engine.set_weight(synapse, weight).map_err(to_py)
    }

    /// Replace the spike times [ms] of member `index` of the `SpikeSourceArray` population
    /// `population` from now on (times before now are dropped; spikes on their way arrive).
    fn set_spike_times(&mut self, population: &str, index: u32, times: Vec<f64>) -> PyResult<()> {
        let (p, _) = self.member(population, index)?;
        self.engine
            .set_spike_times(p, index, &times)
            .map_err(|e| self.problem(population, &e.to_string()))
    }

    /// Shift the resting potential of member `index` of population `population` by `dv` [mV]
    /// from now on.
    fn shift_v_rest(&mut self, population: &str, index: u32, dv: f64) -> PyResult<()> {
        let (p, _) = self.member(population, index)?;
        let neuron = self.engine.population_neuron(p, index).ok_or_else(|| {
            self.problem(
                population,
                "is a spike source, which has no resting potential",
            )
        })?;
        self.engine.shift_v_rest(neuron, dv).map_err(to_py)
    }
}

impl Simulation {
    /// Run to `t` (or to the end, with the final samples), off the GIL.
    fn advance<'py>(
        &mut self,
        py: Python<'py>,
        t: Option<f64>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        if !self.summary.termination.is_completed() {
            return Err(ExactspikeError::new_err(format!(
                "{}: the simulation was {} at t = {} ms and cannot go on; build a new one",
                self.experiment.file(),
                self.summary.termination,
                self.summary.t_reached
            )));
        }
        let Self {
            engine, recorder, ..
        } = self;
        let finished = detached::run(py, threads, |stop| {
            let interrupt = Some(stop.flag);
            let mut summary = match t {
                Some(t) => engine.run_until(t, recorder, interrupt, &mut |_| {}),
                None => engine.run(recorder, interrupt, &mut |_| {}),
            }?;
            if !summary.termination.is_completed() {
                // The engine knows it was stopped, the job's flag knows by what.
                let signal = stop.signal();
                summary.termination = Termination::Interrupted { signal };
            }
            Ok::<_, exactspike::record::RecordError>(summary)
        })?
        .failed()?;
        self.summary = finished.value;
        let left = "the simulation cannot go on; what it recorded so far stays readable";
        let summary = finished.completed(|s| s, left)?;
        summary_dict(py, &summary)
    }

    /// The synapse between two members, by population names and indices.
    fn synapse(
        &self,
        pre: &(String, u32),
        post: &(String, u32),
        receptor: &str,
    ) -> PyResult<usize> {
        let receptor = match receptor {
            "excitatory" => Receptor::Excitatory,
            "inhibitory" => Receptor::Inhibitory,
            other => {
                return Err(ExactspikeError::new_err(format!(
                    "{}: receptor: unknown receptor '{other}' (excitatory or inhibitory)",
                    self.experiment.file()
                )))
            }
        };
        let (pre_population, _) = self.member(&pre.0, pre.1)?;
        let (post_population, _) = self.member(&post.0, post.1)?;
        let pre_node = self.engine.population_node(pre_population, pre.1);
        let target = self.engine.population_neuron(post_population, post.1);
        let found = pre_node
            .zip(target)
            .and_then(|(node, target)| self.engine.find_synapse(node, target, receptor));
        found.ok_or_else(|| {
            ExactspikeError::new_err(format!(
                "{}: no {} connection from {}[{}] to {}[{}]",
                self.experiment.file(),
                receptor_name(receptor),
                pre.0,
                pre.1,
                post.0,
                post.1
            ))
        })
    }

    /// The position of population `name`.
    fn population(&self, name: &str) -> PyResult<usize> {
        (self.experiment.population_index(name))
            .ok_or_else(|| self.problem(name, "no population of this name"))
    }

    /// The position of population `name` and its size, checking that it has member `index`.
    fn member(&self, name: &str, index: u32) -> PyResult<(usize, usize)> {
        let p = self.population(name)?;
        let size = self.experiment.populations()[p].size;
        if index as usize >= size {
            return Err(self.problem(
                name,
                &format!("has {size} members; {index} is out of range"),
            ));
        }
        Ok((p, size))
    }

    fn not_recorded(&self, population: &str, what: &str, request: &str) -> PyErr {
        self.problem(
            population,
            &format!("its {what} are not recorded (ask for them in {request})"),
        )
    }

    fn problem(&self, population: &str, text: &str) -> PyErr {
        ExactspikeError::new_err(format!(
            "{}: population \"{population}\": {text}",
            self.experiment.file()
        ))
    }
}

/// The name of `receptor` in descriptions.
fn receptor_name(receptor: Receptor) -> &'static str {
    match receptor {
        Receptor::Excitatory => "excitatory",
        Receptor::Inhibitory => "inhibitory",
    }
}

/// A run's counters as a dict: events, spikes, time reached [ms], wall time [s], and how it
/// ended.
pub fn summary_dict<'py>(py: Python<'py>, s: &RunSummary) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("t_reached", s.t_reached)?;
    dict.set_item("input_events", s.input_events)?;
    dict.set_item("neuron_spikes", s.neuron_spikes)?;
    dict.set_item("source_spikes", s.source_spikes)?;
    dict.set_item("lost_events", s.lost_events)?;
    dict.set_item("wall_seconds", s.wall_seconds)?;
    dict.set_item("events_per_second", s.events_per_second())?;
    dict.set_item("completed", s.termination == Termination::Completed)?;
    dict.set_item("termination", s.termination.to_string())?;
    Ok(dict)
}
