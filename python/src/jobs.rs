//! The jobs of the command line as functions: `run`, `calibrate`, `sample` and `train` write the
//! same files, byte for byte, as `exactspike run|calibrate|sample|train` with the same input,
//! through the same library functions. Each returns a dict of what it measured.

use std::path::{Path, PathBuf};

use exactspike::chip::network::OnChip;
use exactspike::engine::memory::MemorySizeError;
use exactspike::engine::{MemoryLimit, RunSummary, Simulation};
use exactspike::record::{check_output, Control, FileOutput};
use exactspike::sampling::readout::SamplingResult;
use exactspike::sampling::{jobs, SamplingError, SamplingJob, SamplingSpec, TrainingJob};
use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::detached::{self, Stop};
use crate::errors::{message, to_py, ExactspikeError};
use crate::simulation::{summary_dict, Experiment};

/// A description for a job: the path of its file, or a dict of the file's shape.
#[derive(FromPyObject)]
pub enum Description<'py> {
    /// A file (TOML).
    Path(PathBuf),
    /// A dict shaped like the file.
    Dict(Bound<'py, PyDict>),
}

impl Description<'_> {
    /// The validated description, read by `from_file` or by `from_table` (a dict is named
    /// `python`; its paths are relative to the current directory).
    pub fn read<T, E: std::error::Error>(
        &self,
        from_file: impl FnOnce(&Path) -> Result<T, E>,
        from_table: impl FnOnce(toml::Table, &str, &Path) -> Result<T, E>,
    ) -> PyResult<T> {
        match self {
            Self::Path(path) => from_file(path).map_err(to_py),
            Self::Dict(dict) => {
                let table = convert::table(dict.as_any(), "python")?;
                from_table(table, "python", Path::new(".")).map_err(to_py)
            }
        }
    }

    /// A sampling description.
    fn spec(&self) -> PyResult<SamplingSpec> {
        self.read(SamplingSpec::from_file, SamplingSpec::from_table)
    }
}

/// An experiment: an `Experiment`, or the path of an experiment file.
#[derive(FromPyObject)]
pub enum ExperimentInput<'py> {
    /// Built already.
    Built(PyRef<'py, Experiment>),
    /// An experiment file (TOML).
    Path(PathBuf),
}

/// Run an experiment (an `Experiment` or the path of a file) into the HDF5 file `out`, as
/// `exactspike run` does; returns the run's summary. Ctrl-C stops it, leaves `out` marked
/// incomplete, and raises `KeyboardInterrupt`. `chip` (a profile name or a dict: the chip
/// table) runs it on an emulated chip, as `--chip` does.
#[pyfunction]
#[pyo3(signature = (experiment, *, out, overwrite = false, seed = None, t_stop = None, threads = None, max_memory = None, chip = None))]
#[allow(clippy::too_many_arguments)]
pub fn run<'py>(
    py: Python<'py>,
    experiment: ExperimentInput<'py>,
    out: PathBuf,
    overwrite: bool,
    seed: Option<u64>,
    t_stop: Option<f64>,
    threads: Option<usize>,
    max_memory: Option<&str>,
    chip: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    check_output(&out, overwrite).map_err(to_py)?;
    let chip = crate::chip::run_settings(chip.as_ref())?;
    let mut experiment = match (experiment, seed) {
        (ExperimentInput::Path(path), seed) => {
            exactspike::config::Experiment::from_file_seeded(&path, seed).map_err(to_py)?
        }
        (ExperimentInput::Built(e), Some(seed)) => {
            e.inner.clone().with_seed(seed).map_err(to_py)?
        }
        (ExperimentInput::Built(e), None) => e.inner.clone(),
    };
    if let Some(t_stop) = t_stop {
        experiment = experiment.with_t_stop(t_stop).map_err(to_py)?;
    }
    let experiment = experiment.with_memory_limit(memory_limit(max_memory)?);
    let output = FileOutput {
        path: &out,
        overwrite,
    };
    let summary = detached::run(py, threads, |stop| {
        let (experiment, mut simulation, layout) = match &chip {
            None => {
                let simulation = Simulation::new(&experiment)?;
                let layout = simulation.layout().clone();
                (experiment, simulation, layout)
            }
            Some(settings) => {
                let on_chip = OnChip::new(&experiment, settings)?;
                (on_chip.experiment, on_chip.simulation, on_chip.layout)
            }
        };
        with_control(stop, |control| {
            exactspike::run_into_file(&mut simulation, &experiment, &layout, output, control)
        })
        .map_err(exactspike::error::RunError::from)
    })?
    .failed()?
    .completed(|s| s, &incomplete(&out))?;
    summary_dict(py, &summary)
}

/// Calibrate the sampler of a sampling description (a path or a dict) into the HDF5 file
/// `out`, as `exactspike calibrate` does (without its picture); returns the fit. Ctrl-C takes
/// effect when the calibration ends: `KeyboardInterrupt`, and no file.
#[pyfunction]
#[pyo3(signature = (sampling, *, out, overwrite = false, threads = None))]
pub fn calibrate<'py>(
    py: Python<'py>,
    sampling: Description<'py>,
    out: PathBuf,
    overwrite: bool,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    check_output(&out, overwrite).map_err(to_py)?;
    let spec = sampling.spec()?;
    // The calibration does not stop early: Ctrl-C takes effect when it ends, before the file.
    let calibration = detached::run(py, threads, |_| jobs::calibrate(&spec, &mut |_| {}))?
        .unless_raised()?
        .map_err(to_py)?;
    let output = FileOutput {
        path: &out,
        overwrite,
    };
    jobs::write_calibration(&spec, &calibration, output).map_err(to_py)?;
    let f = &calibration.fit;
    let dict = PyDict::new(py);
    dict.set_item("v_p05", f.v_p05)?;
    dict.set_item("alpha", f.alpha)?;
    dict.set_item("v_p05_stderr", f.v_p05_stderr)?;
    dict.set_item("alpha_stderr", f.alpha_stderr)?;
    dict.set_item("residual_rms", f.residual_rms)?;
    dict.set_item("points_used", f.points_used)?;
    dict.set_item("v_rest", calibration.v_rest.clone())?;
    dict.set_item("p_on", calibration.p_on.clone())?;
    Ok(dict)
}

/// Sample with a sampling description (a path or a dict) into the HDF5 file `out`, as
/// `exactspike sample` does; returns the summary with the D_KL results. Ctrl-C as for `run`.
/// `chip` (a profile name or a dict: the `[chip]` table, `bias_scale` included) runs it on an
/// emulated chip over the description's own, as `--chip` does.
#[pyfunction]
#[pyo3(signature = (sampling, *, out, overwrite = false, threads = None, max_memory = None, chip = None))]
#[allow(clippy::too_many_arguments)]
pub fn sample<'py>(
    py: Python<'py>,
    sampling: Description<'py>,
    out: PathBuf,
    overwrite: bool,
    threads: Option<usize>,
    max_memory: Option<&str>,
    chip: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let target = Target::new(&out, overwrite, threads, max_memory)?;
    target.sampling_job(
        py,
        &sampling,
        chip.as_ref(),
        |spec, limit, output, control| {
            let job = SamplingJob::prepare(spec)?.with_memory_limit(limit);
            jobs::sample_into_file(&job, output, control).map(|o| (o.summary, o.result))
        },
    )
}

/// Train online with a sampling description that has a `[training]` section (a path or a
/// dict), then sample with the trained parameters, into the HDF5 file `out`, as
/// `exactspike train` does; returns what `sample` returns. Ctrl-C as for `run`; `chip` as for
/// `sample`.
#[pyfunction]
#[pyo3(signature = (sampling, *, out, overwrite = false, threads = None, max_memory = None, chip = None))]
#[allow(clippy::too_many_arguments)]
pub fn train<'py>(
    py: Python<'py>,
    sampling: Description<'py>,
    out: PathBuf,
    overwrite: bool,
    threads: Option<usize>,
    max_memory: Option<&str>,
    chip: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let target = Target::new(&out, overwrite, threads, max_memory)?;
    target.sampling_job(
        py,
        &sampling,
        chip.as_ref(),
        |spec, limit, output, control| {
            let job = TrainingJob::prepare(spec)?.with_memory_limit(limit);
            jobs::train_into_file(&job, output, control).map(|o| (o.summary, o.result))
        },
    )
}

/// Where and how a sampling job is recorded and run.
struct Target<'a> {
    out: &'a Path,
    overwrite: bool,
    threads: Option<usize>,
    limit: MemoryLimit,
}

impl<'a> Target<'a> {
    /// The output `out` (checked now, before anything runs) and the run's settings.
    fn new(
        out: &'a Path,
        overwrite: bool,
        threads: Option<usize>,
        max_memory: Option<&str>,
    ) -> PyResult<Self> {
        check_output(out, overwrite).map_err(to_py)?;
        Ok(Self {
            out,
            overwrite,
            threads,
            limit: memory_limit(max_memory)?,
        })
    }

    /// Prepare and run `job` (given the description, on `chip` if given, the memory limit,
    /// the file and the control) off the GIL; the summary with the D_KL results.
    fn sampling_job<'py>(
        &self,
        py: Python<'py>,
        sampling: &Description<'py>,
        chip: Option<&Bound<'py, PyAny>>,
        job: impl FnOnce(
                SamplingSpec,
                MemoryLimit,
                FileOutput,
                Control,
            ) -> Result<(RunSummary, SamplingResult), SamplingError>
            + Send,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut spec = sampling.spec()?;
        if let Some(chip) = chip {
            spec = crate::chip::on_sampling(spec, chip)?;
        }
        let output = FileOutput {
            path: self.out,
            overwrite: self.overwrite,
        };
        let limit = self.limit;
        let (summary, result) = detached::run(py, self.threads, |stop| {
            with_control(stop, |control| job(spec, limit, output, control))
        })?
        .failed()?
        .completed(|(summary, _)| summary, &incomplete(self.out))?;
        sampling_dict(py, &summary, &result)
    }
}

/// `job` under the control of `stop`, without progress reports.
pub fn with_control<T>(stop: &Stop, job: impl FnOnce(Control) -> T) -> T {
    job(Control {
        interrupt: stop.flag,
        signal: &|| stop.signal(),
        progress: &mut |_| {},
    })
}

/// `--max-memory` as a string (`8G`, `500M`, `unlimited`); default: the memory available.
fn memory_limit(text: Option<&str>) -> PyResult<MemoryLimit> {
    match text {
        None => Ok(MemoryLimit::default()),
        Some(text) => text.parse().map_err(|e: MemorySizeError| {
            ExactspikeError::new_err(format!("max_memory: {}", message(&e)))
        }),
    }
}

/// What an interrupted job leaves: its file, marked incomplete.
pub fn incomplete(out: &Path) -> String {
    format!("{} is marked incomplete", out.display())
}

/// The summary of a sampling job with its D_KL results: `checkpoints` [ms of sampling],
/// `dkl` (D_KL(p̂ ‖ p*) [nats], checkpoints × networks), `dkl_reverse` (D_KL(p* ‖ p̂)) and
/// `median_dkl` (the median over networks at the last checkpoint).
fn sampling_dict<'py>(
    py: Python<'py>,
    summary: &RunSummary,
    result: &SamplingResult,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = summary_dict(py, summary)?;
    dict.set_item("checkpoints", result.checkpoints.clone())?;
    dict.set_item("dkl", PyArray2::from_vec2(py, &result.dkl_sampled_target)?)?;
    dict.set_item(
        "dkl_reverse",
        PyArray2::from_vec2(py, &result.dkl_target_sampled)?,
    )?;
    dict.set_item("median_dkl", result.final_median_dkl())?;
    Ok(dict)
}
