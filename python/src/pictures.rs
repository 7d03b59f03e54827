//! The pictures of the command line as functions (PNG or SVG, by the extension of `out`; an
//! existing picture is replaced only with `overwrite`).

use std::path::{Path, PathBuf};

use exactspike::record::raster::draw_raster;
use exactspike::sampling::plot::{self, DklAxis};
use pyo3::prelude::*;

use crate::detached;

/// Draw the spike raster of the recording `recording` into `out`, as `exactspike raster` does:
/// the `populations` given (default: all recorded) from `start` to `stop` [ms] (default: the
/// whole run).
#[pyfunction]
#[pyo3(signature = (recording, out, *, populations = None, start = None, stop = None, overwrite = false))]
pub fn raster(
    py: Python<'_>,
    recording: PathBuf,
    out: PathBuf,
    populations: Option<Vec<String>>,
    start: Option<f64>,
    stop: Option<f64>,
    overwrite: bool,
) -> PyResult<()> {
    detached::run(py, Some(1), |_| {
        draw_raster(
            &recording,
            &out,
            overwrite,
            populations.as_deref(),
            start,
            stop,
        )
    })?
    .failed()?
    .unless_raised()
}

/// Draw D_KL(p̂ ‖ p*) over sampling time (or, with `training`, over the training windows) of
/// one `sample`/`train` recording or a list of them into `out`, as `exactspike plot-dkl` does.
#[pyfunction]
#[pyo3(signature = (recordings, out, *, training = false, overwrite = false))]
pub fn plot_dkl(
    py: Python<'_>,
    recordings: Recordings,
    out: PathBuf,
    training: bool,
    overwrite: bool,
) -> PyResult<()> {
    let paths = match recordings {
        Recordings::One(path) => vec![path],
        Recordings::Many(paths) => paths,
    };
    let files: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let axis = if training {
        DklAxis::Training
    } else {
        DklAxis::Sampling
    };
    detached::run(py, Some(1), |_| {
        plot::draw_dkl(&files, axis, &out, overwrite)
    })?
    .failed()?
    .unless_raised()
}

/// Draw the training curves (accuracy and loss per epoch) of the TTFS model file `model` into
/// `out`, as `exactspike ttfs plot` does.
#[pyfunction]
#[pyo3(signature = (model, out, *, overwrite = false))]
pub fn ttfs_plot(py: Python<'_>, model: PathBuf, out: PathBuf, overwrite: bool) -> PyResult<()> {
    detached::run(py, Some(1), |_| {
        exactspike::ttfs::plot::draw_training(&model, &out, overwrite)
    })?
    .failed()?
    .unless_raised()
}

/// One recording or several.
#[derive(FromPyObject)]
pub enum Recordings {
    /// One path.
    One(PathBuf),
    /// A list of paths.
    Many(Vec<PathBuf>),
}
