//! The Python module `exactspike._native`, wrapped by the `exactspike` package: experiments
//! from TOML files or Python dicts, simulations run in segments with run-time changes and
//! recordings returned as numpy arrays, and the jobs of the command line (`run`, `calibrate`,
//! `sample`, `train`) writing the same files. Long calls release the GIL and stop on Ctrl-C
//! (`KeyboardInterrupt`); errors raise `ExactspikeError` with the command line's message.

mod chip;
mod convert;
mod detached;
mod draws;
mod errors;
mod jobs;
mod pictures;
mod simulation;
mod ttfs;

use pyo3::prelude::*;

/// The module's contents.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "ExactspikeError",
        m.py().get_type::<errors::ExactspikeError>(),
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<simulation::Experiment>()?;
    m.add_class::<simulation::Simulation>()?;
    m.add_function(wrap_pyfunction!(jobs::run, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::sample, m)?)?;
    m.add_function(wrap_pyfunction!(jobs::train, m)?)?;
    m.add_function(wrap_pyfunction!(ttfs::ttfs_train, m)?)?;
    m.add_function(wrap_pyfunction!(ttfs::ttfs_eval, m)?)?;
    m.add_function(wrap_pyfunction!(ttfs::ttfs_map, m)?)?;
    m.add_function(wrap_pyfunction!(ttfs::ttfs_pattern, m)?)?;
    m.add_function(wrap_pyfunction!(pictures::ttfs_plot, m)?)?;
    m.add_function(wrap_pyfunction!(pictures::raster, m)?)?;
    m.add_function(wrap_pyfunction!(pictures::plot_dkl, m)?)?;
    m.add_function(wrap_pyfunction!(draws::connections, m)?)?;
    m.add_function(wrap_pyfunction!(draws::draw, m)?)?;
    Ok(())
}
