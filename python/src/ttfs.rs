//! The TTFS jobs of the command line as functions: `ttfs_train` writes the model file of
//! `exactspike ttfs train`, `ttfs_eval` evaluates a model as `exactspike ttfs eval` does (and
//! writes its predictions file), in the ideal model or on an emulated chip.

use std::path::PathBuf;

use exactspike::chip::settings::ChipSettings;
use exactspike::record::{check_output, FileOutput};
use exactspike::ttfs::jobs::{self as ttfs_jobs, ChipRun, TrainJob};
use exactspike::ttfs::spec::TtfsSpec;
use exactspike::ttfs::train::{EpochRecord, Evaluation};
use exactspike::ttfs::{lower, model_file};
use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::chip;
use crate::detached;
use crate::errors::{to_py, ExactspikeError};
use crate::jobs::{incomplete, with_control, Description};
use crate::simulation::Experiment;

/// Train a time-to-first-spike network (a TTFS description: a path or a dict) into the HDF5
/// model file `out`, as `exactspike ttfs train` does; `seed` and `epochs` replace the
/// description's, `init` starts from a stored model (`--init`), `chip` trains in the loop on an
/// emulated chip over the description's `[ttfs.chip]` (as `--chip`, see [`ttfs_eval`]).
/// Returns the accuracies and the history per epoch. Ctrl-C stops after the current epoch,
/// stores the network kept so far (marked incomplete) and raises `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (description, *, out, overwrite = false, seed = None, epochs = None, threads = None, init = None, chip = None))]
#[allow(clippy::too_many_arguments)]
pub fn ttfs_train<'py>(
    py: Python<'py>,
    description: Description<'py>,
    out: PathBuf,
    overwrite: bool,
    seed: Option<u64>,
    epochs: Option<usize>,
    threads: Option<usize>,
    init: Option<PathBuf>,
    chip: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    check_output(&out, overwrite).map_err(to_py)?;
    let mut spec = description.read(TtfsSpec::from_file, TtfsSpec::from_table)?;
    let table = spec.chip.as_ref().map(ChipSettings::section);
    if let Some(settings) = chip::ttfs_settings(chip.as_ref(), table)? {
        spec.chip = Some(settings);
    }
    if init.is_some() {
        spec.training.init = init;
    }
    if let Some(seed) = seed {
        spec.seed = seed;
    }
    match epochs {
        Some(0) => return Err(ExactspikeError::new_err("epochs: must be ≥ 1")),
        Some(epochs) => spec.training.epochs = epochs,
        None => {}
    }
    if let Some(threads) = threads {
        spec.training.threads = threads;
    }
    let output = FileOutput {
        path: &out,
        overwrite,
    };
    let finished = detached::run(py, threads, |stop| {
        let job = TrainJob::prepare(spec)?;
        with_control(stop, |control| {
            ttfs_jobs::train_into_file(&job, output, control, |_| {})
        })
    })?
    .failed()?;
    let outcome = &finished.value;
    let ran = outcome.trained.history.len();
    if !outcome.trained.completed {
        return Err(PyKeyboardInterrupt::new_err(format!(
            "interrupted by SIGINT after epoch {ran}; {} (the network kept so far is stored)",
            incomplete(&out)
        )));
    }
    let (last, best) = outcome.test_accuracy_last_best;
    let dict = PyDict::new(py);
    dict.set_item("epochs", ran)?;
    dict.set_item("test_accuracy", outcome.test.accuracy)?;
    dict.set_item("test_accuracy_last", last)?;
    dict.set_item("test_accuracy_best", best)?;
    dict.set_item("best_epoch", outcome.trained.best_epoch)?;
    dict.set_item("wall_seconds", outcome.wall_seconds)?;
    let history = &outcome.trained.history;
    let column = |f: fn(&EpochRecord) -> f64| history.iter().map(f).collect::<Vec<_>>();
    dict.set_item("train_loss", column(|r| r.train_loss))?;
    dict.set_item("train_accuracy", column(|r| r.train_accuracy))?;
    dict.set_item("validation_loss", column(|r| r.validation_loss))?;
    dict.set_item("validation_accuracy", column(|r| r.validation_accuracy))?;
    finished.unless_raised().map(|_| dict)
}

/// Evaluate the TTFS model stored at `model` (a file of `ttfs_train`) on the data set `data`
/// (`yin-yang-train`, `yin-yang-validation`, `yin-yang-test` or a CSV file), as `exactspike
/// ttfs eval` does: in the ideal model, or with `chip` on an emulated chip (a profile name,
/// with the model's own chip settings if it was trained on that profile; or a dict, the
/// `[ttfs.chip]` table, over those settings) with trial noise from `run_seed` (default 0). With `out`, the
/// predictions file is written. Returns `accuracy`, `loss`, `labels`, `predictions` (−1: no
/// output spike), `times` (output spike times [ms], patterns × classes, inf: none),
/// `confusion` (labels × (classes + 1), the last column counting silent outputs) and, on a
/// chip, `chip` (the mapping and calibration reports and the hardware time).
#[pyfunction]
#[pyo3(signature = (model, data = "yin-yang-test", *, out = None, overwrite = false, chip = None, run_seed = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn ttfs_eval<'py>(
    py: Python<'py>,
    model: PathBuf,
    data: &str,
    out: Option<PathBuf>,
    overwrite: bool,
    chip: Option<Bound<'py, PyAny>>,
    run_seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(out) = &out {
        check_output(out, overwrite).map_err(to_py)?;
    }
    let stored = model_file::load(&model).map_err(to_py)?;
    let set = ttfs_jobs::named_data(data).map_err(to_py)?;
    let chip = chip::ttfs_settings(chip.as_ref(), stored.chip.clone())?;
    let run_seed = chip::run_seed(run_seed, chip.as_ref())?;
    let finished = detached::run(py, threads, |_| {
        ttfs_jobs::evaluate(&stored, &set, 0, chip.as_ref(), run_seed)
    })?
    .failed()?;
    if let Some(interrupted) = finished.raised {
        // The evaluation does not stop early: Ctrl-C takes effect at its end, before any file.
        return Err(interrupted);
    }
    let (evaluation, run) = &finished.value;
    if let Some(out) = &out {
        let output = FileOutput {
            path: out,
            overwrite,
        };
        ttfs_jobs::write_predictions(output, &stored, evaluation, data, run.as_ref())
            .map_err(to_py)?;
    }
    let dict = evaluation_dict(py, evaluation, stored.network.n_outputs())?;
    if let Some(run) = run {
        dict.set_item("chip", chip_dict(py, run)?)?;
    }
    Ok(dict)
}

/// Draw the decision map of the Yin-Yang model stored at `model` into `out` (PNG or SVG), as
/// `exactspike ttfs map` does: the class of every point of a `resolution`² grid, with the
/// patterns of `data`, in the ideal model or on the emulated chip `chip` (as for
/// [`ttfs_eval`]) with trial noise from `run_seed`.
#[pyfunction]
#[pyo3(signature = (model, out, *, data = "yin-yang-test", resolution = 200, chip = None, run_seed = None, overwrite = false))]
#[allow(clippy::too_many_arguments)]
pub fn ttfs_map(
    py: Python<'_>,
    model: PathBuf,
    out: PathBuf,
    data: &str,
    resolution: usize,
    chip: Option<Bound<'_, PyAny>>,
    run_seed: Option<u64>,
    overwrite: bool,
) -> PyResult<()> {
    let stored = model_file::load(&model).map_err(to_py)?;
    let chip = chip::ttfs_settings(chip.as_ref(), stored.chip.clone())?;
    let run_seed = chip::run_seed(run_seed, chip.as_ref())?;
    let output = FileOutput {
        path: &out,
        overwrite,
    };
    let on = chip.as_ref().map(|s| (s, run_seed));
    detached::run(py, Some(1), |_| {
        exactspike::ttfs::plot::decision_map((&model, &stored), data, resolution, on, output)
    })?
    .failed()?
    .unless_raised()
}

/// An evaluation as a dict of numpy arrays (see [`ttfs_eval`]).
fn evaluation_dict<'py>(
    py: Python<'py>,
    evaluation: &Evaluation,
    classes: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("accuracy", evaluation.accuracy)?;
    dict.set_item("loss", evaluation.loss)?;
    let labels: Vec<i64> = evaluation.labels.iter().map(|&l| l as i64).collect();
    dict.set_item("labels", labels.into_pyarray(py))?;
    let predictions: Vec<i64> = evaluation
        .predictions
        .iter()
        .map(|p| p.map_or(-1, |c| c as i64))
        .collect();
    dict.set_item("predictions", predictions.into_pyarray(py))?;
    let patterns = evaluation.labels.len();
    let times = evaluation.times.clone().into_pyarray(py);
    dict.set_item("times", times.reshape([patterns, classes])?)?;
    let confusion = evaluation.confusion(classes).into_pyarray(py);
    dict.set_item("confusion", confusion.reshape([classes, classes + 1])?)?;
    Ok(dict)
}

/// What a run on an emulated chip reports: the profile and chip seed, the mapping and
/// calibration (as the command line prints them) and the hardware time per pattern [µs], of
/// the run [µs] and the energy per pattern [µJ].
fn chip_dict<'py>(py: Python<'py>, run: &ChipRun) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let settings = &run.chip.mapping().settings;
    dict.set_item("profile", &settings.profile.name)?;
    dict.set_item("chip_seed", settings.chip_seed)?;
    dict.set_item("mapping", run.mapping.to_string())?;
    dict.set_item("calibration", run.chip.calibration().to_string())?;
    dict.set_item("us_per_pattern", run.time.slot_us)?;
    dict.set_item("run_us", run.time.run_us)?;
    dict.set_item("energy_uj_per_pattern", run.time.energy_per_pattern_uj)?;
    dict.set_item("hardware_time", run.time.to_string())?;
    Ok(dict)
}

/// Pattern `index` of the data set `data` through the TTFS model stored at `model`, as an
/// experiment for the event-driven engine (what `exactspike ttfs run` runs): the input as
/// spike sources, each layer as an `IF_curr_exp_first_spike` population, all spikes recorded.
/// Returns the experiment (run it with `Simulation` or `run`) and the pattern's label.
#[pyfunction]
#[pyo3(signature = (model, data = "yin-yang-test", index = 0))]
pub fn ttfs_pattern(model: PathBuf, data: &str, index: usize) -> PyResult<(Experiment, usize)> {
    let stored = model_file::load(&model).map_err(to_py)?;
    let (inner, label) = lower::pattern(&stored, data, index, "index").map_err(to_py)?;
    Ok((Experiment { inner }, label))
}
