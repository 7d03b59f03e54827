//! Preparing a sampling file for a run: load or make the calibration, translate the target into
//! sampler parameters, and lower it into an experiment of `networks` independent copies. A
//! [`SamplingJob`] is what `sample` runs; a [`TrainingJob`] (a sampling job with its validated
//! `[training]`) is what `train` runs.

use std::path::Path;

use super::boltzmann::Boltzmann;
use super::calibrate::{calibrate, Calibration, CalibrationError};
use super::divergence::log_spaced_checkpoints;
use super::error::SamplingError;
use super::groups::CALIBRATION_GROUP;
use super::lower::sampling_experiment;
use super::spec::{per_network, SamplingSpec, MAX_SAMPLE_BYTES};
use super::training::TrainingSpec;
use super::translation::{translate, Activation, Translation};
use crate::config::Experiment;
use crate::engine::MemoryLimit;
use crate::error::ConfigError;
use crate::record::{inspect, RunMetadata};
use crate::synapse::{SynapseModel, TsoParams};

/// First D_KL checkpoint [ms of sampling time] (or the whole sampling time if shorter).
pub const FIRST_CHECKPOINT: f64 = 100.0;

/// A sampling file prepared for `sample`: everything the run needs, consistent by
/// construction (read it through the accessors).
#[derive(Clone, Debug)]
pub struct SamplingJob {
    /// The validated description.
    pub(crate) spec: SamplingSpec,
    /// The activation curve used.
    pub(crate) activation: Activation,
    /// The calibration, when it was made now (not loaded from `[calibration] file`).
    pub(crate) calibration: Option<Calibration>,
    /// The translated sampler parameters, one per target of the spec (see
    /// [`SamplingJob::translation`]).
    pub(crate) translations: Vec<Translation>,
    /// The lowered experiment (`networks` copies; see [`super::lower`]).
    pub(crate) experiment: Experiment,
    /// D_KL checkpoints [ms after the start of the measured sampling].
    pub(crate) checkpoints: Vec<f64>,
    /// The exact target distributions p*(z), `2^n` states, one per target of the spec (see
    /// [`SamplingJob::p_target`]).
    pub(crate) p_targets: Vec<Vec<f64>>,
    /// Start of the measured sampling [ms]: after the burn-in, and after the training if any.
    pub(crate) sampling_start: f64,
}

/// A sampling file prepared for `train`: the sampling job (whose measured sampling starts after
/// the training) and its validated `[training]`, consistent by construction.
#[derive(Clone, Debug)]
pub struct TrainingJob {
    /// The sampling that follows the training, and the lowered network (every ordered pair of
    /// distinct units has an excitatory and an inhibitory synapse, so weights can change sign).
    pub(crate) sampling: SamplingJob,
    /// The training settings.
    pub(crate) training: TrainingSpec,
}

impl SamplingJob {
    /// Prepare `spec` for sampling with the translated parameters.
    pub fn prepare(spec: SamplingSpec) -> Result<Self, SamplingError> {
        Self::prepare_for(spec, None)
    }

    /// Prepare `spec`, after `training` if given (then the network has every pair's synapses).
    fn prepare_for(
        spec: SamplingSpec,
        training: Option<&TrainingSpec>,
    ) -> Result<Self, SamplingError> {
        let (activation, calibration) = match &spec.calibration.file {
            Some(path) => (load_activation(&spec.file, path)?, None),
            None => {
                let c = calibrate_spec(&spec)?;
                (Activation::from(&c.fit), Some(c))
            }
        };
        let translations = spec
            .targets
            .iter()
            .map(|target: &Boltzmann| {
                translate(
                    &activation,
                    &spec.sampler,
                    &spec.noise,
                    &target.weights(),
                    target.biases(),
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|cause| SamplingError::Translation {
                file: spec.file.clone(),
                cause,
            })?;
        let sampling_start = spec.burn_in + training.map_or(0.0, |t| t.duration());
        let t_stop = sampling_start + spec.t_sample;
        let synapses = renewing_synapses(&spec);
        let experiment =
            sampling_experiment(&spec, &translations, synapses, training.is_some(), t_stop)?;
        let first = FIRST_CHECKPOINT.min(spec.t_sample);
        let checkpoints = log_spaced_checkpoints(first, spec.t_sample, spec.checkpoints_per_decade)
            .map_err(|e| ConfigError::caused_by(&spec.file, "simulation.t_stop", e))?;
        let p_targets = spec.targets.iter().map(Boltzmann::probabilities).collect();
        Ok(Self {
            p_targets,
            spec,
            activation,
            calibration,
            translations,
            experiment,
            checkpoints,
            sampling_start,
        })
    }

    /// The same job with a different memory limit for its network (see
    /// [`Experiment::with_memory_limit`]).
    pub fn with_memory_limit(self, limit: MemoryLimit) -> Self {
        Self {
            experiment: self.experiment.with_memory_limit(limit),
            ..self
        }
    }

    /// The validated description.
    pub fn spec(&self) -> &SamplingSpec {
        &self.spec
    }

    /// The activation curve used.
    pub fn activation(&self) -> &Activation {
        &self.activation
    }

    /// The calibration, when it was made now (not loaded from `[calibration] file`).
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }

    /// The translated sampler parameters of network `network` (0-based).
    pub fn translation(&self, network: usize) -> &Translation {
        &self.translations[per_network(self.translations.len(), network)]
    }

    /// The lowered experiment (`networks` copies; see [`super::lower`]).
    pub fn experiment(&self) -> &Experiment {
        &self.experiment
    }

    /// D_KL checkpoints [ms after the start of the measured sampling].
    pub fn checkpoints(&self) -> &[f64] {
        &self.checkpoints
    }

    /// The exact target distribution p*(z) of network `network` (0-based), `2^n` states.
    pub fn p_target(&self, network: usize) -> &[f64] {
        &self.p_targets[per_network(self.p_targets.len(), network)]
    }

    /// Start of the measured sampling [ms]: after the burn-in, and after the training if any.
    pub fn sampling_start(&self) -> f64 {
        self.sampling_start
    }

    /// What the recording of this job stores beside the results: the seed, the whole run's
    /// simulated time and the sampling file's text.
    pub fn metadata(&self) -> RunMetadata {
        RunMetadata {
            seed: self.spec.seed,
            t_stop: self.experiment.t_stop(),
            experiment: self.spec.text.clone(),
        }
    }
}

impl TrainingJob {
    /// Prepare `spec` (which must have a `[training]` section) for training followed by
    /// sampling with the trained parameters.
    pub fn prepare(spec: SamplingSpec) -> Result<Self, SamplingError> {
        let training = training_of(&spec)?;
        let sampling = SamplingJob::prepare_for(spec, Some(&training))?;
        Ok(Self { sampling, training })
    }

    /// The same job with a different memory limit for its network (see
    /// [`Experiment::with_memory_limit`]).
    pub fn with_memory_limit(self, limit: MemoryLimit) -> Self {
        Self {
            sampling: self.sampling.with_memory_limit(limit),
            ..self
        }
    }

    /// The sampling that follows the training.
    pub fn sampling(&self) -> &SamplingJob {
        &self.sampling
    }

    /// The training settings.
    pub fn training(&self) -> &TrainingSpec {
        &self.training
    }
}

/// Calibrate the sampler of `spec` (its `[calibration]` sweep settings).
pub(crate) fn calibrate_spec(spec: &SamplingSpec) -> Result<Calibration, SamplingError> {
    calibrate(&spec.sampler, &spec.noise, &spec.calibration, spec.seed).map_err(|e| match e {
        CalibrationError::Run(run) => SamplingError::from(run),
        cause => SamplingError::Calibration {
            file: spec.file.clone(),
            cause,
        },
    })
}

/// The synapse models of the excitatory and inhibitory couplings when `spec` asks for renewing
/// synapses (sbs: Tsodyks–Markram with U = 1, τ_rec = τ_syn, no facilitation); `None` for static
/// ones.
pub fn renewing_synapses(spec: &SamplingSpec) -> Option<[SynapseModel; 2]> {
    spec.renewing_synapses.then(|| {
        [spec.sampler.tau_syn_E, spec.sampler.tau_syn_I].map(|tau_rec| {
            SynapseModel::TsodyksMarkram(TsoParams {
                u_se: 1.0,
                tau_rec,
                tau_facil: 0.0,
            })
        })
    })
}

/// The `[training]` of `spec`, checked against the memory it needs: the history tables and, per
/// network, four 2ⁿ vectors (the training occupancy and its two marks, beside the sampling
/// occupancy), each within [`MAX_SAMPLE_BYTES`].
fn training_of(spec: &SamplingSpec) -> Result<TrainingSpec, ConfigError> {
    let err = |field: &str, message: String| ConfigError::new(&spec.file, field, message);
    let t = spec.training.ok_or_else(|| {
        err(
            "training",
            "missing: `train` needs a [training] section".into(),
        )
    })?;
    let (n, nets) = (spec.n() as f64, spec.networks as f64);
    let history = t.iterations as f64 * nets * (n * n + n + 2.0) * 8.0;
    if history > MAX_SAMPLE_BYTES {
        return Err(err(
            "training.iterations",
            format!(
                "the training history ({} updates × {} networks) needs {:.1} GB; the limit is {:.0} GB",
                t.iterations,
                spec.networks,
                history * 1e-9,
                MAX_SAMPLE_BYTES * 1e-9
            ),
        ));
    }
    let occupancy = 4.0 * nets * spec.n_states() as f64 * 8.0;
    if occupancy > MAX_SAMPLE_BYTES {
        return Err(err(
            "sampling.networks",
            format!(
                "training {} networks × 2^{} states needs {:.1} GB of occupancy; the limit is {:.0} GB",
                spec.networks,
                spec.n(),
                occupancy * 1e-9,
                MAX_SAMPLE_BYTES * 1e-9
            ),
        ));
    }
    Ok(t)
}

/// The activation stored in a calibration file written by `exactspike calibrate`.
fn load_activation(file: &str, path: &Path) -> Result<Activation, ConfigError> {
    let field = "calibration.file";
    let (attrs, complete) = inspect::group_attributes(path, CALIBRATION_GROUP)
        .map_err(|e| ConfigError::caused_by(file, field, e))?;
    if !complete {
        return Err(ConfigError::new(
            file,
            field,
            format!("{} is incomplete", path.display()),
        ));
    }
    let get = |name: &str| {
        attrs.get(name).copied().ok_or_else(|| {
            ConfigError::new(
                file,
                field,
                format!(
                    "{} has no /{CALIBRATION_GROUP} attribute {name}",
                    path.display()
                ),
            )
        })
    };
    Ok(Activation {
        v_p05: get("v_p05")?,
        alpha: get("alpha")?,
    })
}
