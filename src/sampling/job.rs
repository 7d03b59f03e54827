//! The sampling job: calibrate (or load a stored calibration), translate the target into sampler
//! parameters, lower it into an experiment of `networks` independent copies, and describe the
//! HDF5 tables of the results.

use super::boltzmann::Boltzmann;
use super::calibrate::{calibrate, Calibration, CalibrationError};
use super::divergence::log_spaced_checkpoints;
use super::lower::sampling_experiment;
use super::readout::SamplingResult;
use super::spec::{discrete_samples, SamplingSpec};
use super::translation::{translate, Activation, Translation};
use crate::config::Experiment;
use crate::error::ConfigError;
use crate::record::{inspect, Table};

/// Group of the calibration in HDF5 files.
pub const CALIBRATION_GROUP: &str = "calibration";
/// Group of the sampling results in HDF5 files.
pub const SAMPLING_GROUP: &str = "sampling";
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
}

/// Calibrate the sampler of `spec` (its `[calibration]` sweep settings).
pub fn calibrate_spec(spec: &SamplingSpec) -> Result<Calibration, ConfigError> {
    calibrate(&spec.sampler, &spec.noise, &spec.calibration, spec.seed).map_err(|e| match e {
        CalibrationError::Run(crate::error::RunError::Config(e)) => e,
        other => ConfigError::new(&spec.file, "calibration", other.to_string()),
    })
}

/// Prepare `spec`: load or make the calibration, translate, lower.
pub fn prepare(spec: SamplingSpec) -> Result<PreparedSampling, ConfigError> {
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
    let synapses = spec.renewing_synapses.then(|| {
        [spec.sampler.tau_syn_E, spec.sampler.tau_syn_I].map(|tau| {
            format!("{{ type = \"TsodyksMarkramSynapse\", U = 1.0, tau_rec = {tau:?}, tau_facil = 0.0 }}")
        })
    });
    let experiment = sampling_experiment(&spec, &translation, synapses.as_ref())?;
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
    })
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
    ]
    .iter()
    .map(|(k, v)| (g.to_string(), k.to_string(), *v))
    .collect();
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
    let rows = |get: &dyn Fn(&SamplingResult) -> Vec<f64>, len: usize| match result {
        Some(r) => {
            let mut v = get(r);
            v.resize(len, f64::NAN);
            v
        }
        None => vec![f64::NAN; len],
    };
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

/// Scalar attributes of the sampling group.
pub fn sampling_attributes(p: &PreparedSampling) -> Vec<(String, String, f64)> {
    let s = &p.spec;
    [
        ("n", s.target.n() as f64),
        ("networks", s.networks as f64),
        ("burn_in", s.burn_in),
        ("t_sample", s.t_sample),
        ("sample_interval", s.sample_interval),
        ("smoothing", s.sampler.tau_refrac),
        ("v_p05", p.activation.v_p05),
        ("alpha", p.activation.alpha),
        (
            "renewing_synapses",
            f64::from(u8::from(s.renewing_synapses)),
        ),
    ]
    .iter()
    .map(|(k, v)| (SAMPLING_GROUP.to_string(), k.to_string(), *v))
    .collect()
}

/// The median over networks of the last D_KL(p̂ ‖ p*) checkpoint.
pub fn final_median_dkl(result: &SamplingResult) -> Option<f64> {
    let mut last = result.dkl_sampled_target.last()?.clone();
    last.sort_by(f64::total_cmp);
    let m = last.len();
    (m > 0).then(|| 0.5 * (last[(m - 1) / 2] + last[m / 2]))
}
