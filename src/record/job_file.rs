//! A job recorded into an HDF5 file: the file is created, the job runs into it, and the file is
//! finished — complete; kept under its name but marked incomplete (with the signal that stopped
//! it) if the job was interrupted; removed on error. The command line and the Python front
//! record every job through [`record_into_file`], so the same job writes the same bytes from
//! either.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::hdf5::Hdf5Recorder;
use super::{RecordError, RecordLayout, RunMetadata, Signal, Termination};
use crate::engine::RunSummary;

/// Where a job is recorded.
#[derive(Clone, Copy, Debug)]
pub struct FileOutput<'a> {
    /// The HDF5 file.
    pub path: &'a Path,
    /// Whether an existing regular file of that name may be replaced.
    pub overwrite: bool,
}

/// How a running job is watched and stopped.
pub struct Control<'a> {
    /// Raised (by a signal handler or another thread) to stop the job early; the engine polls it
    /// every few thousand events.
    pub interrupt: &'a AtomicBool,
    /// The signal that raised `interrupt`, if one did; asked once, after the job stopped.
    pub signal: &'a dyn Fn() -> Option<Signal>,
    /// Called with the simulated time [ms] as the job goes.
    pub progress: &'a mut dyn FnMut(f64),
}

/// A job that runs into an open recording, given the interrupt flag and the progress callback;
/// it gives the run's summary and whatever else it measured.
pub type JobBody<'a, T, E> = dyn FnMut(&mut Hdf5Recorder, &AtomicBool, &mut dyn FnMut(f64)) -> Result<(RunSummary, T), E>
    + 'a;

/// Create the file of `output` with `layout` and `meta`, run `body` into it under `control`, and
/// finish the file. An interrupted job's summary says so (with the signal, if any), and its file
/// is kept marked incomplete; on an error the file is removed and the error returned.
pub fn record_into_file<T, E: From<RecordError>>(
    output: FileOutput,
    layout: &RecordLayout,
    meta: &RunMetadata,
    control: Control,
    body: &mut JobBody<T, E>,
) -> Result<(RunSummary, T), E> {
    let mut recorder = Hdf5Recorder::create(output.path, layout, meta, output.overwrite)?;
    let (mut summary, measured) = match body(&mut recorder, control.interrupt, control.progress) {
        Ok(done) => done,
        Err(e) => {
            recorder.abandon();
            return Err(e);
        }
    };
    if !summary.termination.is_completed() {
        summary.termination = Termination::Interrupted {
            signal: (control.signal)(),
        };
    }
    recorder.finish(summary.termination)?;
    Ok((summary, measured))
}
