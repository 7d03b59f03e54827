//! Preparing a sampling file for a run: load or make the calibration, translate the target into
//! sampler parameters, and lower it into an experiment of `networks` independent copies. A
//! [`SamplingJob`] is what `sample` runs; a [`TrainingJob`] (a sampling job with its validated
//! `[training]`) is what `train` runs.

use std::path::Path;

use super::background::calibrate::{calibrate_under_background, BackgroundCalibration};
use super::background::offsets::InputOffsets;
use super::background::wiring::{noise_network_rates, Wiring};
use super::background::Background;
use super::boltzmann::{moments, Boltzmann};
use super::calibrate::{calibrate, Calibration, CalibrationError};
use super::divergence::log_spaced_checkpoints;
use super::error::SamplingError;
use super::groups::CALIBRATION_GROUP;
use super::lower::sampling_network;
use super::on_chip::{chip_network, ChipParameters};
use super::spec::{per_network, SamplingSpec, MAX_SAMPLE_BYTES};
use super::training::TrainingSpec;
use super::translation::{translate, Activation, Noise, Translation};
use crate::chip::sampling::{ChipReport, SamplingChip};
use crate::config::Experiment;
use crate::engine::MemoryLimit;
use crate::error::ConfigError;
use crate::record::{inspect, RunMetadata};
use crate::synapse::{SynapseModel, TsoParams};

/// Most spikes of the bias neuron of a chip run (its spike times are held in memory: 80 MB).
pub const MAX_BIAS_SPIKES: f64 = 1e7;

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
    /// The Poisson noise the translation assumed: the private noise of the `poisson` kind, or
    /// the noise of matched mean input of any other background.
    pub(crate) noise: Noise,
    /// The background sources of every sampler (`None` for private Poisson noise).
    pub(crate) wiring: Option<Wiring>,
    /// The calibration under the background and its statistics (`None` for private Poisson
    /// noise).
    pub(crate) background: Option<BackgroundCalibration>,
    /// The calibration, when it was made now (not loaded from `[calibration] file`).
    pub(crate) calibration: Option<Calibration>,
    /// The translated sampler parameters: one per target of the spec, or one per network under
    /// a background (each sampler's v_rest moved to its own mean input); see
    /// [`SamplingJob::translation`].
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
    /// The emulated chip the networks run on (`[chip]`), if any.
    pub(crate) chip: Option<SamplingChip>,
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

/// What the preparation of a sampling job is doing when it reports progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preparing {
    /// Calibrating the sampler under Poisson noise (no calibration file given).
    Calibration,
    /// Measuring the activation under the background, on probes in the running network.
    BackgroundCalibration,
}

impl std::fmt::Display for Preparing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Preparing::Calibration => "calibrating",
            Preparing::BackgroundCalibration => "calibrating under the background",
        })
    }
}

impl SamplingJob {
    /// Prepare `spec` for sampling with the translated parameters.
    pub fn prepare(spec: SamplingSpec) -> Result<Self, SamplingError> {
        Self::prepare_reporting(spec, &mut |_, _| {})
    }

    /// [`SamplingJob::prepare`], calling `progress` now and then with what it does and the
    /// fraction of that done.
    pub fn prepare_reporting(
        spec: SamplingSpec,
        progress: &mut dyn FnMut(Preparing, f64),
    ) -> Result<Self, SamplingError> {
        Self::prepare_for(spec, None, progress)
    }

    /// Prepare `spec`, after `training` if given (then the network has every pair's synapses).
    fn prepare_for(
        spec: SamplingSpec,
        training: Option<&TrainingSpec>,
        progress: &mut dyn FnMut(Preparing, f64),
    ) -> Result<Self, SamplingError> {
        // What does not fit the chip is refused before anything runs.
        let targets = spec.network_targets();
        let chip = (spec.chip.as_ref())
            .map(|settings| SamplingChip::new(&targets, &spec.sampler, settings, spec.seed))
            .transpose()
            .map_err(|cause| SamplingError::Chip {
                file: spec.file.clone(),
                cause,
            })?;
        let sampling_start = spec.burn_in + training.map_or(0.0, |t| t.duration());
        let t_stop = sampling_start + spec.t_sample;
        let bias_spikes = t_stop / spec.sampler.tau_refrac;
        if chip.is_some() && bias_spikes > MAX_BIAS_SPIKES {
            return Err(ConfigError::new(
                &spec.file,
                "sampler.params.tau_refrac",
                format!(
                    "the bias neuron would fire {bias_spikes:.3e} times in {t_stop} ms; the \
                     limit is {MAX_BIAS_SPIKES:e}"
                ),
            )
            .into());
        }
        let first_noise = bootstrap_noise(&spec)?;
        let (first, calibration) = match &spec.calibration.file {
            Some(path) => (load_activation(&spec.file, path)?, None),
            None => {
                let c = calibrate_with(&spec, &first_noise, &mut |done| {
                    progress(Preparing::Calibration, done)
                })?;
                (Activation::from(&c.fit), Some(c))
            }
        };
        let translate_all = |activation: &Activation, noise: &Noise| {
            spec.targets
                .iter()
                .map(|target: &Boltzmann| {
                    translate(
                        activation,
                        &spec.sampler,
                        noise,
                        &target.weights(),
                        target.biases(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|cause| SamplingError::Translation {
                    file: spec.file.clone(),
                    cause,
                })
        };
        let first_translations = translate_all(&first, &first_noise)?;
        let wiring = Wiring::draw(&spec.background, spec.seed, spec.networks, spec.n());
        let (activation, noise, translations, background) = match &wiring {
            None => (first, first_noise, first_translations, None),
            Some(wiring) => {
                let mut report = |done| progress(Preparing::BackgroundCalibration, done);
                let measured = calibrate_under_background(
                    &spec,
                    wiring,
                    &first_translations,
                    &first,
                    &mut report,
                )
                .map_err(|e| calibration_error(&spec, e))?;
                let activation = measured.activation();
                let noise = measured.matched_noise.clone();
                // The fit is in the coordinates of the measured mean background.
                let offsets = match &spec.background {
                    Background::Ensemble { .. } => {
                        expected_offsets(&spec, wiring).relative_to(&measured.offsets)
                    }
                    _ => measured.offsets.clone(),
                };
                let translations =
                    per_sampler(translate_all(&activation, &noise)?, &offsets, spec.networks);
                (activation, noise, translations, Some(measured))
            }
        };
        let synapses = renewing_synapses(&spec);
        let network = match &chip {
            None => sampling_network(
                &spec,
                wiring.as_ref(),
                &translations,
                synapses,
                training.is_some(),
                t_stop,
            ),
            Some(chip) => {
                let weights: Vec<Vec<f64>> = targets.iter().map(|t| t.weights().concat()).collect();
                let biases: Vec<Vec<f64>> = targets.iter().map(|t| t.biases().to_vec()).collect();
                let params = ChipParameters {
                    weights: &weights,
                    biases: &biases,
                };
                chip_network(
                    &spec,
                    chip,
                    activation.v_p05,
                    &translations,
                    &params,
                    &noise,
                    synapses,
                    training.is_some(),
                    t_stop,
                )
            }
        };
        let experiment = network.build()?;
        let first = FIRST_CHECKPOINT.min(spec.t_sample);
        let checkpoints = log_spaced_checkpoints(first, spec.t_sample, spec.checkpoints_per_decade)
            .map_err(|e| ConfigError::caused_by(&spec.file, "simulation.t_stop", e))?;
        let p_targets = spec.targets.iter().map(Boltzmann::probabilities).collect();
        Ok(Self {
            p_targets,
            spec,
            activation,
            noise,
            wiring,
            background,
            calibration,
            translations,
            experiment,
            checkpoints,
            sampling_start,
            chip,
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

    /// The Poisson noise the translation assumed: the private noise of the `poisson` kind, or
    /// the noise of matched mean input of any other background.
    pub fn noise(&self) -> &Noise {
        &self.noise
    }

    /// The background sources of every sampler (`None` for private Poisson noise).
    pub fn wiring(&self) -> Option<&Wiring> {
        self.wiring.as_ref()
    }

    /// The calibration under the background and its statistics (`None` for private Poisson
    /// noise).
    pub fn background(&self) -> Option<&BackgroundCalibration> {
        self.background.as_ref()
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

    /// The emulated chip the networks run on, if any.
    pub fn chip(&self) -> Option<&SamplingChip> {
        self.chip.as_ref()
    }

    /// What the networks use on the chip and how long the whole run (burn-in, training and
    /// sampling) takes there, beside `wall_seconds` of simulation; `None` off chip.
    pub fn chip_report(&self, wall_seconds: f64) -> Option<ChipReport> {
        let targets = self.spec.network_targets();
        (self.chip.as_ref())
            .map(|chip| chip.report(&targets, self.experiment.t_stop(), wall_seconds))
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
        Self::prepare_reporting(spec, &mut |_, _| {})
    }

    /// [`TrainingJob::prepare`], reporting progress as [`SamplingJob::prepare_reporting`] does.
    pub fn prepare_reporting(
        spec: SamplingSpec,
        progress: &mut dyn FnMut(Preparing, f64),
    ) -> Result<Self, SamplingError> {
        let training = training_of(&spec)?;
        let sampling = SamplingJob::prepare_for(spec, Some(&training), progress)?;
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

/// The mean-input offsets of an ensemble's samplers when every sampler samples its target: each
/// source fires at its target marginal divided by `tau_refrac` (one spike per "on" period).
fn expected_offsets(spec: &SamplingSpec, wiring: &Wiring) -> InputOffsets {
    let rates = target_rates(spec);
    let input = |r: usize| -> Vec<f64> {
        wiring.sources[r]
            .iter()
            .map(|sources| sources.iter().map(|&s| rates[s as usize]).sum())
            .collect()
    };
    InputOffsets::new(&spec.sampler, wiring.weights, &input(0), &input(1))
}

/// The rate of every sampler [Hz] when it samples its target: its marginal ⟨z⟩* divided by
/// `tau_refrac` (one spike per "on" period), samplers in network order.
fn target_rates(spec: &SamplingSpec) -> Vec<f64> {
    (0..spec.networks)
        .flat_map(|k| moments(&spec.target(k).probabilities(), spec.n()).0)
        .map(|p| p * 1000.0 / spec.sampler.tau_refrac)
        .collect()
}

/// One translation per network from `translations` (one shared, or one per network), with each
/// sampler's resting potential moved from the mean background to its own (see
/// [`InputOffsets`]).
fn per_sampler(
    translations: Vec<Translation>,
    offsets: &InputOffsets,
    networks: usize,
) -> Vec<Translation> {
    (0..networks)
        .map(|k| {
            let mut t = translations[per_network(translations.len(), k)].clone();
            let n = t.v_rest.len();
            for (i, v) in t.v_rest.iter_mut().enumerate() {
                *v = offsets.from_mean(k * n + i, *v);
            }
            t
        })
        .collect()
}

/// Calibrate the sampler of `spec` (its `[calibration]` sweep settings) under Poisson noise: its
/// own for the `poisson` kind, otherwise that of the first guess of the background's mean input
/// ([`bootstrap_noise`]). `progress` as for [`calibrate`].
pub(crate) fn calibrate_spec(
    spec: &SamplingSpec,
    progress: &mut dyn FnMut(f64),
) -> Result<Calibration, SamplingError> {
    calibrate_with(spec, &bootstrap_noise(spec)?, progress)
}

/// Calibrate the sampler of `spec` under `noise`; `progress` as for [`calibrate`].
fn calibrate_with(
    spec: &SamplingSpec,
    noise: &Noise,
    progress: &mut dyn FnMut(f64),
) -> Result<Calibration, SamplingError> {
    calibrate(&spec.sampler, noise, &spec.calibration, spec.seed, progress)
        .map_err(|e| calibration_error(spec, e))
}

/// A calibration error of `spec` as a sampling error (run errors as they are).
fn calibration_error(spec: &SamplingSpec, e: CalibrationError) -> SamplingError {
    match e {
        CalibrationError::Run(run) => SamplingError::from(run),
        cause => SamplingError::Calibration {
            file: spec.file.clone(),
            cause,
        },
    }
}

/// The Poisson noise of the first calibration: the private noise of the `poisson` kind, and
/// otherwise Poisson noise of the background's expected mean input: a pool's rate; for an
/// ensemble, every source at the mean target marginal over all networks and units divided by
/// `tau_refrac` (the rate of a sampler that samples its target); for a noise network, its
/// excitatory and inhibitory rates measured alone over `[calibration] prescan_duration` after
/// the calibration burn-in.
pub fn bootstrap_noise(spec: &SamplingSpec) -> Result<Noise, SamplingError> {
    Ok(match &spec.background {
        Background::Poisson(noise) => noise.clone(),
        Background::PoissonPool { rate, inputs, .. } => inputs.matched_noise(*rate, *rate),
        Background::Ensemble { inputs } => {
            let n = spec.n();
            let mean_marginal = (0..spec.networks)
                .map(|k| {
                    moments(&spec.target(k).probabilities(), n)
                        .0
                        .iter()
                        .sum::<f64>()
                })
                .sum::<f64>()
                / (spec.networks * n) as f64;
            let rate = mean_marginal * 1000.0 / spec.sampler.tau_refrac;
            inputs.matched_noise(rate, rate)
        }
        Background::NoiseNetwork { network, inputs } => {
            let c = &spec.calibration;
            let (rate_exc, rate_inh) =
                noise_network_rates(network, spec.seed, c.burn_in, c.prescan_duration)?;
            inputs.matched_noise(rate_exc, rate_inh)
        }
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
