//! The sampling jobs as library functions: [`calibrate`], [`sample`] and [`train`]. Each runs
//! what the command of the same name runs and writes its results into a [`TableRecorder`] (an
//! HDF5 file, or memory) whose layout came from [`super::tables`]; the caller creates and
//! finishes the recording, and may pass an interrupt flag and a progress callback.
//!
//! ```no_run
//! use exactspike::record::MemoryRecorder;
//! use exactspike::sampling::{jobs, tables, SamplingJob, SamplingSpec};
//!
//! let spec = SamplingSpec::from_file("experiments/sampling_5neurons.toml".as_ref())?;
//! let job = SamplingJob::prepare(spec)?;
//! let mut recorder = MemoryRecorder::new(tables::sampling_layout(&job));
//! let outcome = jobs::sample(&job, &mut recorder, None, &mut |_| {})?;
//! println!("median D_KL {:?}", outcome.result.final_median_dkl());
//! # Ok::<(), exactspike::sampling::SamplingError>(())
//! ```

use std::sync::atomic::AtomicBool;

use super::calibrate::Calibration;
use super::error::SamplingError;
use super::prepare::{calibrate_spec, SamplingJob, TrainingJob};
use super::readout::{SamplingReadout, SamplingResult};
use super::spec::SamplingSpec;
use super::tables::{
    calibration_layout, sampling_layout, sampling_tables, training_layout, training_tables,
};
use super::trainer::{Trainer, TrainingReadout};
use crate::engine::{memory, RunSummary, Simulation};
use crate::record::hdf5::Hdf5Recorder;
use crate::record::{
    record_into_file, Control, FileOutput, Recorder, RunMetadata, TableRecorder, Termination,
};

/// What `sample` measured.
#[derive(Clone, Debug)]
pub struct SamplingOutcome {
    /// Counters of the run; `termination` says whether it completed or was interrupted.
    pub summary: RunSummary,
    /// The sampled distributions and divergences (up to the interruption, if any).
    pub result: SamplingResult,
}

/// What `train` did and measured.
pub struct TrainingOutcome {
    /// Counters of the whole run (training and sampling).
    pub summary: RunSummary,
    /// The sampling with the trained parameters (empty if interrupted during training).
    pub result: SamplingResult,
    /// The trained parameters and the history of every update.
    pub trainer: Trainer,
}

/// Calibrate the sampler of `spec` (`exactspike calibrate`); store it with
/// [`super::tables::calibration_layout`]. `progress` is called now and then with the fraction
/// of the planned work done (see [`super::calibrate::calibrate`]).
pub fn calibrate(
    spec: &SamplingSpec,
    progress: &mut dyn FnMut(f64),
) -> Result<Calibration, SamplingError> {
    calibrate_spec(spec, progress)
}

/// Sample with the translated parameters (`exactspike sample`), recording the samplers' spikes
/// and, at the end, the sampling tables into `recorder` (made with
/// [`super::tables::sampling_layout`]). `interrupt` and `progress` as for
/// [`Simulation::run`].
pub fn sample(
    job: &SamplingJob,
    recorder: &mut dyn TableRecorder,
    interrupt: Option<&AtomicBool>,
    progress: &mut dyn FnMut(f64),
) -> Result<SamplingOutcome, SamplingError> {
    let mut simulation = Simulation::new(&job.experiment)?;
    let mut readout = sampling_readout(job, recorder);
    let summary = simulation.run(&mut readout, interrupt, progress)?;
    let result = readout.finish(summary.t_reached);
    for table in sampling_tables(job, Some(&result)) {
        recorder.write_table(&table)?;
    }
    Ok(SamplingOutcome { summary, result })
}

/// Train online, then sample with the trained parameters (`exactspike train`), recording like
/// [`sample`] plus the training tables (layout from [`super::tables::training_layout`]).
pub fn train(
    job: &TrainingJob,
    recorder: &mut dyn TableRecorder,
    interrupt: Option<&AtomicBool>,
    progress: &mut dyn FnMut(f64),
) -> Result<TrainingOutcome, SamplingError> {
    let sampling = &job.sampling;
    let mut simulation = Simulation::new(&sampling.experiment)?;
    let mut trainer = Trainer::new(job, &simulation);
    let spec = &sampling.spec;
    let mut readout = TrainingReadout::new(
        sampling_readout(sampling, recorder),
        0,
        &tau_on(sampling),
        spec.networks,
        spec.burn_in,
        sampling.sampling_start,
    );
    let summary = trainer.run(&mut simulation, &mut readout, interrupt, progress)?;
    let result = readout.into_sampling().finish(summary.t_reached);
    let tables = sampling_tables(sampling, Some(&result))
        .into_iter()
        .chain(training_tables(job, Some(&trainer)));
    for table in tables {
        recorder.write_table(&table)?;
    }
    Ok(TrainingOutcome {
        summary,
        result,
        trainer,
    })
}

/// Write `calibration` of `spec` into the HDF5 file of `output`, whole (`exactspike
/// calibrate` writes it after [`calibrate`], without its picture).
pub fn write_calibration(
    spec: &SamplingSpec,
    calibration: &Calibration,
    output: FileOutput,
) -> Result<(), SamplingError> {
    let meta = RunMetadata {
        seed: spec.seed,
        t_stop: spec.calibration.burn_in + spec.calibration.duration,
        experiment: spec.text.clone(),
    };
    let layout = calibration_layout(calibration);
    Hdf5Recorder::create(output.path, &layout, &meta, output.overwrite)?
        .finish(Termination::Completed)?;
    Ok(())
}

/// [`sample`] into the HDF5 file of `output` (`exactspike sample`): the network is refused if
/// too large for the job's memory limit before the file is created; an interrupted job leaves
/// its file marked incomplete (see [`record_into_file`]).
pub fn sample_into_file(
    job: &SamplingJob,
    output: FileOutput,
    control: Control,
) -> Result<SamplingOutcome, SamplingError> {
    memory::check(job.experiment())?;
    let layout = sampling_layout(job);
    let (summary, result) = record_into_file(
        output,
        &layout,
        &job.metadata(),
        control,
        &mut |rec, stop, bar| sample(job, rec, Some(stop), bar).map(|o| (o.summary, o.result)),
    )?;
    Ok(SamplingOutcome { summary, result })
}

/// [`train`] into the HDF5 file of `output` (`exactspike train`), as [`sample_into_file`].
pub fn train_into_file(
    job: &TrainingJob,
    output: FileOutput,
    control: Control,
) -> Result<TrainingOutcome, SamplingError> {
    memory::check(job.sampling().experiment())?;
    let layout = training_layout(job);
    let meta = job.sampling().metadata();
    let (summary, (result, trainer)) =
        record_into_file(output, &layout, &meta, control, &mut |rec, stop, bar| {
            train(job, rec, Some(stop), bar).map(|o| (o.summary, (o.result, o.trainer)))
        })?;
    Ok(TrainingOutcome {
        summary,
        result,
        trainer,
    })
}

/// The readout of `job`'s samplers (spike slot 0 of its experiment), passing everything on to
/// `recorder`.
fn sampling_readout<'a>(job: &SamplingJob, recorder: &'a mut dyn Recorder) -> SamplingReadout<'a> {
    let spec = &job.spec;
    SamplingReadout::new(
        recorder,
        0,
        &tau_on(job),
        spec.networks,
        job.p_targets.clone(),
        job.sampling_start,
        job.checkpoints.clone(),
        spec.sample_interval,
    )
}

/// How long each unit of `job` is "on" after a spike [ms]: the sampler's refractory period.
fn tau_on(job: &SamplingJob) -> Vec<f64> {
    vec![job.spec.sampler.tau_refrac; job.spec.n()]
}
