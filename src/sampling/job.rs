//! The sampling job: calibrate (or load a stored calibration), translate the target into sampler
//! parameters, lower it into an experiment of `networks` independent copies, and describe the
//! HDF5 tables of the results.

use super::boltzmann::Boltzmann;
use super::calibrate::{calibrate, Calibration, CalibrationError};
use super::divergence::log_spaced_checkpoints;
use super::lower::sampling_experiment;
use super::readout::SamplingResult;
use super::spec::{discrete_samples, SamplingSpec, MAX_SAMPLE_BYTES};
use super::trainer::{Trainer, TrainingHistory};
use super::training::TrainingSpec;
use super::translation::{bias_to_v_rest, translate, Activation, Translation};
use crate::config::Experiment;
use crate::error::ConfigError;
use crate::record::{inspect, Table};
use crate::synapse::{SynapseModel, TsoParams};

/// Group of the calibration in HDF5 files.
pub const CALIBRATION_GROUP: &str = "calibration";
/// Group of the sampling results in HDF5 files.
pub const SAMPLING_GROUP: &str = "sampling";
/// Group of the training history in HDF5 files.
pub const TRAINING_GROUP: &str = "training";
/// First D_KL checkpoint [ms of sampling time] (or the whole sampling time if shorter).
pub const FIRST_CHECKPOINT: f64 = 100.0;

/// Everything a sampling run needs, prepared.
#[derive(Clone, Debug)]
pub struct PreparedSampling {
    /// The validated description.
    pub spec: SamplingSpec,
    /// The activation curve used.
    pub activation: Activation,
    /// The calibration, when it was made now (not loaded).
    pub calibration: Option<Calibration>,
    /// The translated sampler parameters.
    pub translation: Translation,
    /// The lowered experiment (`networks` copies; see [`super::lower`]).
    pub experiment: Experiment,
    /// D_KL checkpoints [ms after burn-in].
    pub checkpoints: Vec<f64>,
    /// The exact target distribution p*(z), `2^n` states.
    pub p_target: Vec<f64>,
    /// The training, when the job is `train` (the sampling then starts after it).
    pub training: Option<TrainingSpec>,
}

/// What a prepared sampling file is run for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Sample with the translated parameters (`exactspike sample`).
    Sample,
    /// Train first, then sample with the trained parameters (`exactspike train`).
    Train,
}

impl PreparedSampling {
    /// Start of the measured sampling [ms]: after the burn-in, and after the training if any.
    pub fn sampling_start(&self) -> f64 {
        self.spec.burn_in + self.training.map_or(0.0, |t| t.duration())
    }
}

/// Calibrate the sampler of `spec` (its `[calibration]` sweep settings).
pub fn calibrate_spec(spec: &SamplingSpec) -> Result<Calibration, ConfigError> {
    calibrate(&spec.sampler, &spec.noise, &spec.calibration, spec.seed).map_err(|e| match e {
        CalibrationError::Run(crate::error::RunError::Config(e)) => e,
        other => ConfigError::new(&spec.file, "calibration", other.to_string()),
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

/// Prepare `spec` for `job`: load or make the calibration, translate, lower.
pub fn prepare(spec: SamplingSpec, job: Job) -> Result<PreparedSampling, ConfigError> {
    let training = match job {
        Job::Sample => None,
        Job::Train => Some(training_of(&spec)?),
    };
    let (activation, calibration) = match &spec.calibration.file {
        Some(path) => (load_activation(&spec.file, path)?, None),
        None => {
            let c = calibrate_spec(&spec)?;
            (Activation::from(&c.fit), Some(c))
        }
    };
    let target: &Boltzmann = &spec.target;
    let translation = translate(
        &activation,
        &spec.sampler,
        &spec.noise,
        &target.weights(),
        target.biases(),
    )
    .map_err(|e| ConfigError::new(&spec.file, "sampler", e.to_string()))?;
    let synapses = renewing_synapses(&spec);
    let t_stop = spec.burn_in + training.map_or(0.0, |t| t.duration()) + spec.t_sample;
    let experiment =
        sampling_experiment(&spec, &translation, synapses, training.is_some(), t_stop)?;
    let first = FIRST_CHECKPOINT.min(spec.t_sample);
    let checkpoints = log_spaced_checkpoints(first, spec.t_sample, spec.checkpoints_per_decade)
        .map_err(|e| ConfigError::new(&spec.file, "simulation.t_stop", e.to_string()))?;
    let p_target = spec.target.probabilities();
    Ok(PreparedSampling {
        p_target,
        spec,
        activation,
        calibration,
        translation,
        experiment,
        checkpoints,
        training,
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
    let (n, nets) = (spec.target.n() as f64, spec.networks as f64);
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
    let occupancy = 4.0 * nets * spec.target.n_states() as f64 * 8.0;
    if occupancy > MAX_SAMPLE_BYTES {
        return Err(err(
            "sampling.networks",
            format!(
                "training {} networks × 2^{} states needs {:.1} GB of occupancy; the limit is {:.0} GB",
                spec.networks,
                spec.target.n(),
                occupancy * 1e-9,
                MAX_SAMPLE_BYTES * 1e-9
            ),
        ));
    }
    Ok(t)
}

/// The activation stored in a calibration file written by `exactspike calibrate`.
fn load_activation(file: &str, path: &std::path::Path) -> Result<Activation, ConfigError> {
    let field = "calibration.file";
    let (attrs, complete) = inspect::group_attributes(path, CALIBRATION_GROUP)
        .map_err(|e| ConfigError::new(file, field, e.to_string()))?;
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

/// The calibration's tables and attributes (group `calibration`).
pub fn calibration_tables(c: &Calibration) -> (Vec<Table>, Vec<(String, String, f64)>) {
    let g = CALIBRATION_GROUP;
    let tables = vec![
        Table::f64(g, "v_rest", &[c.v_rest.len()], "mV", c.v_rest.clone()),
        Table::f64(g, "p_on", &[c.p_on.len()], "", c.p_on.clone()),
        Table::f64(
            g,
            "prescan_v_rest",
            &[c.prescan_v_rest.len()],
            "mV",
            c.prescan_v_rest.clone(),
        ),
        Table::f64(
            g,
            "prescan_p_on",
            &[c.prescan_p_on.len()],
            "",
            c.prescan_p_on.clone(),
        ),
    ];
    let f = &c.fit;
    let attrs = [
        ("v_p05", f.v_p05),
        ("alpha", f.alpha),
        ("v_p05_stderr", f.v_p05_stderr),
        ("alpha_stderr", f.alpha_stderr),
        ("residual_rms", f.residual_rms),
        ("points_used", f.points_used as f64),
    ];
    let attrs = in_group(g, &attrs);
    (tables, attrs)
}

/// The sampling tables (group `sampling`): the target and translation, and the results — NaN
/// (or `u32::MAX` for samples) placeholders of the final shapes when `result` is `None`.
pub fn sampling_tables(p: &PreparedSampling, result: Option<&SamplingResult>) -> Vec<Table> {
    let g = SAMPLING_GROUP;
    let spec = &p.spec;
    let (n, k, nets, c) = (
        spec.target.n(),
        spec.target.n_states(),
        spec.networks,
        p.checkpoints.len(),
    );
    let m = discrete_samples(spec.t_sample, spec.sample_interval);
    let rows = |get: &dyn Fn(&SamplingResult) -> Vec<f64>, len: usize| padded(result.map(get), len);
    let samples = match result {
        Some(r) => r
            .samples
            .iter()
            .flat_map(|s| (0..m).map(|i| s.get(i).copied().unwrap_or(u32::MAX)))
            .collect(),
        None => vec![u32::MAX; nets * m],
    };
    let unvisited = match result {
        Some(r) => {
            let mut v: Vec<u32> = r.unvisited.iter().flatten().copied().collect();
            v.resize(c * nets, u32::MAX);
            v
        }
        None => vec![u32::MAX; c * nets],
    };
    let weights: Vec<f64> = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| {
            let s = p.translation.synapses[i][j];
            match s.receptor {
                crate::neuron::Receptor::Excitatory => s.weight,
                crate::neuron::Receptor::Inhibitory => -s.weight,
            }
        })
        .collect();
    vec![
        Table::f64(g, "checkpoints", &[c], "ms", p.checkpoints.clone()),
        Table::f64(g, "p_target", &[k], "", p.p_target.clone()),
        Table::f64(
            g,
            "weights_target",
            &[n, n],
            "",
            spec.target.weights().concat(),
        ),
        Table::f64(g, "biases_target", &[n], "", spec.target.biases().to_vec()),
        Table::f64(g, "v_rest", &[n], "mV", p.translation.v_rest.clone()),
        Table::f64(
            g,
            "synaptic_weights",
            &[n, n],
            "uS (negative: inhibitory)",
            weights,
        ),
        Table::f64(
            g,
            "dkl_sampled_target",
            &[c, nets],
            "nats",
            rows(&|r| r.dkl_sampled_target.concat(), c * nets),
        ),
        Table::f64(
            g,
            "dkl_target_sampled",
            &[c, nets],
            "nats",
            rows(&|r| r.dkl_target_sampled.concat(), c * nets),
        ),
        Table::u32(g, "unvisited", &[c, nets], unvisited),
        Table::f64(
            g,
            "p_sampled",
            &[nets, k],
            "",
            rows(&|r| r.p_sampled.concat(), nets * k),
        ),
        Table::f64(
            g,
            "marginals",
            &[nets, n],
            "",
            rows(&|r| r.marginals.concat(), nets * n),
        ),
        Table::f64(
            g,
            "pairwise",
            &[nets, n, n],
            "",
            rows(&|r| r.pairwise.concat(), nets * n * n),
        ),
        Table::u32(g, "samples", &[nets, m], samples),
    ]
}

/// `values` padded with NaN (or all NaN when `None`) to `len`.
fn padded(values: Option<Vec<f64>>, len: usize) -> Vec<f64> {
    let mut v = values.unwrap_or_default();
    v.resize(len, f64::NAN);
    v
}

/// The training tables (group `training`): the history of every update and the trained
/// parameters; NaN placeholders of the final shapes when `trainer` is `None`.
pub fn training_tables(p: &PreparedSampling, trainer: Option<&Trainer>) -> Vec<Table> {
    let g = TRAINING_GROUP;
    let spec = p.training.expect("a train job");
    let (n, nets, k) = (p.spec.target.n(), p.spec.networks, spec.iterations);
    let w = spec.windows();
    let history = trainer.map(|t| t.history());
    let from_history =
        |get: &dyn Fn(&TrainingHistory) -> Vec<f64>, len: usize| padded(history.map(get), len);
    let trained = |get: &dyn Fn(&Trainer) -> Vec<f64>, len: usize| padded(trainer.map(get), len);
    vec![
        Table::f64(
            g,
            "times",
            &[k],
            "ms",
            from_history(&|h| h.times.clone(), k),
        ),
        Table::f64(
            g,
            "learning_rate",
            &[k],
            "",
            from_history(&|h| h.learning_rate.clone(), k),
        ),
        Table::f64(
            g,
            "window_ends",
            &[w],
            "ms",
            from_history(&|h| h.window_ends.clone(), w),
        ),
        Table::f64(
            g,
            "dkl_window",
            &[w, nets],
            "nats",
            from_history(&|h| h.dkl_window.concat(), w * nets),
        ),
        Table::f64(
            g,
            "weights",
            &[k, nets, n, n],
            "",
            from_history(&|h| h.weights.clone(), k * nets * n * n),
        ),
        Table::f64(
            g,
            "biases",
            &[k, nets, n],
            "",
            from_history(&|h| h.biases.clone(), k * nets * n),
        ),
        Table::f64(
            g,
            "v_rest",
            &[nets, n],
            "mV",
            trained(
                &|t| {
                    t.biases()
                        .concat()
                        .iter()
                        .map(|&b| bias_to_v_rest(b, p.activation.v_p05, t.alpha()))
                        .collect()
                },
                nets * n,
            ),
        ),
        Table::f64(
            g,
            "synaptic_weights",
            &[nets, n, n],
            "uS (negative: inhibitory)",
            trained(
                &|t| {
                    t.weights()
                        .concat()
                        .iter()
                        .enumerate()
                        .map(|(ij, &w)| t.synaptic_weight(w, ij % n))
                        .collect()
                },
                nets * n * n,
            ),
        ),
    ]
}

/// `(group, name, value)` attributes from `(name, value)` pairs.
fn in_group(group: &str, attrs: &[(&str, f64)]) -> Vec<(String, String, f64)> {
    attrs
        .iter()
        .map(|(name, v)| (group.to_string(), name.to_string(), *v))
        .collect()
}

/// Scalar attributes of the training group.
pub fn training_attributes(p: &PreparedSampling) -> Vec<(String, String, f64)> {
    let t = p.training.expect("a train job");
    let attrs = [
        ("iterations", t.iterations as f64),
        ("interval", t.interval),
        ("start", p.spec.burn_in),
        ("end", p.sampling_start()),
    ];
    in_group(TRAINING_GROUP, &attrs)
}

/// Scalar attributes of the sampling group.
pub fn sampling_attributes(p: &PreparedSampling) -> Vec<(String, String, f64)> {
    let s = &p.spec;
    let attrs = [
        ("n", s.target.n() as f64),
        ("networks", s.networks as f64),
        ("burn_in", s.burn_in),
        ("sampling_start", p.sampling_start()),
        ("t_sample", s.t_sample),
        ("sample_interval", s.sample_interval),
        ("smoothing", s.sampler.tau_refrac),
        ("v_p05", p.activation.v_p05),
        ("alpha", p.activation.alpha),
        (
            "renewing_synapses",
            f64::from(u8::from(s.renewing_synapses)),
        ),
    ];
    in_group(SAMPLING_GROUP, &attrs)
}

/// The median over networks of the last D_KL(p̂ ‖ p*) checkpoint.
pub fn final_median_dkl(result: &SamplingResult) -> Option<f64> {
    let mut last = result.dkl_sampled_target.last()?.clone();
    last.sort_by(f64::total_cmp);
    let m = last.len();
    (m > 0).then(|| 0.5 * (last[(m - 1) / 2] + last[m / 2]))
}
