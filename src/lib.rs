#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! # exactspike
//!
//! An exact, event-driven spiking neural network simulator. Networks are described with PyNN's
//! cell names, parameter names, defaults and units (ms, mV, nF, µS, nA, Hz), in code through the
//! typed [`config::ExperimentBuilder`] or in TOML (a front that fills the same builder),
//! validated into an immutable [`config::Experiment`], lowered into a [`network::Network`], and
//! run by the [`engine::Simulation`]. The sampling jobs are library functions
//! ([`sampling::jobs`]); cell types are registered in [`models`].
//!
//! ```no_run
//! let experiment = exactspike::config::Experiment::from_file("experiments/sbs_neuron.toml".as_ref())?;
//! let recording = exactspike::run_in_memory(&experiment)?;
//! println!("{} spikes", recording.spikes_of("neuron").unwrap().times.len());
//! # Ok::<(), exactspike::error::RunError>(())
//! ```
//!
//! Between events every neuron evolves by its closed-form solution; threshold crossings are found
//! by tests that cannot miss them, then refined by bracketed root finding. There is no global time
//! grid and never a fixed-step fallback. The order of simultaneous events is documented in
//! [`engine::queue`]. Every random stream belongs to one entity (see [`rng`]).

pub mod chip;
pub mod config;
pub mod engine;
pub mod error;
pub mod models;
pub mod network;
pub mod neuron;
pub mod numerics;
pub mod random;
pub mod record;
pub mod rng;
pub mod sampling;
pub mod source;
pub mod synapse;
pub mod threads;
pub mod ttfs;

use error::RunError;
use record::{record_into_file, Control, FileOutput, MemoryRecorder, RecordError, RecordLayout};

/// Run `experiment` to its `t_stop`, keeping everything it records in memory.
pub fn run_in_memory(experiment: &config::Experiment) -> Result<MemoryRecorder, RunError> {
    run_in_memory_reporting(experiment, &mut |_| {})
}

/// [`run_in_memory`], calling `progress` with the simulated time reached [ms] now and then.
pub fn run_in_memory_reporting(
    experiment: &config::Experiment,
    progress: &mut dyn FnMut(f64),
) -> Result<MemoryRecorder, RunError> {
    let mut simulation = engine::Simulation::new(experiment)?;
    let mut recorder = MemoryRecorder::new(simulation.layout().clone());
    simulation.run(&mut recorder, None, progress)?;
    Ok(recorder)
}

/// Run `simulation` from where it stands to its `t_stop` into the HDF5 file of `output`
/// (`exactspike run`), with `layout` (the simulation's own, or with tables a caller added) and
/// the metadata of `experiment`. An interrupted run leaves its file marked incomplete and says
/// so in the summary's `termination`.
pub fn run_into_file(
    simulation: &mut engine::Simulation,
    experiment: &config::Experiment,
    layout: &RecordLayout,
    output: FileOutput,
    control: Control,
) -> Result<engine::RunSummary, RecordError> {
    let (summary, ()) = record_into_file(
        output,
        layout,
        &experiment.metadata(),
        control,
        &mut |rec, stop, bar| simulation.run(rec, Some(stop), bar).map(|s| (s, ())),
    )?;
    Ok(summary)
}
