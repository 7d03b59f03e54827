//! Sampling experiment files: TOML → serde types → a validated [`SamplingSpec`].
//!
//! ```toml
//! [simulation]
//! t_stop = 100000.0          # ms of sampling after burn-in
//! seed = 7
//!
//! [boltzmann]                # explicit target, or: random = { n = 5, seed = 1, distribution = { type = "uniform", low = -1.0, high = 1.0 } }
//! weights = [[0.0, 0.5], [0.5, 0.0]]   # (random with per_network = true, or a list
//! biases = [0.1, -0.4]                 #  targets = [{ weights, biases }, ...]: one per network)
//!
//! [sampler]                  # IF_cond_exp (model, or profile) with its Poisson background
//! model = "IF_cond_exp"
//! params = { cm = 0.2, tau_m = 1.0, ... }
//! noise = { rate_exc = 3000.0, rate_inh = 3000.0, weight_exc = 0.001, weight_inh = 0.001 }
//! renewing_synapses = true   # (or, instead of `noise`, [sampler.background]: see super::background)
//!
//! [sampling]
//! networks = 10
//! burn_in = 500.0
//!
//! [calibration]              # optional: reuse a stored calibration, or set the sweep
//! file = "calibration.h5"
//!
//! [training]                 # optional, for `exactspike train`: see [`super::training`]
//! iterations = 2000
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::background::{Background, BackgroundSection};
use super::boltzmann::{Boltzmann, BoltzmannError, TargetDistribution};
use super::training::{TrainingSection, TrainingSpec};
use super::translation::Noise;
use crate::chip::sampling::SamplingChipSettings;
use crate::chip::settings::SamplingChipSection;
use crate::config::{
    cond_exp_section, deserialize_table, deserialize_toml, wrong_kind, FileKind, SimulationSection,
    Whole,
};
use crate::error::ConfigError;
use crate::models::ModelName;
use crate::neuron::CondExpParams;

/// Default burn-in before sampling starts [ms].
pub const DEFAULT_BURN_IN: f64 = 500.0;
/// Default delay of the synapses between samplers [ms] (sbs).
pub const DEFAULT_SAMPLER_DELAY: f64 = 0.1;
/// Most bytes of discrete samples (`/sampling/samples`, uint32, allocated when the file is
/// created), and of the per-network joint distributions (float64, `networks × 2^n`).
pub const MAX_SAMPLE_BYTES: f64 = 1e9;
/// Default number of D_KL checkpoints per decade of sampling time.
pub const DEFAULT_CHECKPOINTS_PER_DECADE: usize = 10;

/// The sampling file, one to one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplingFile {
    simulation: SimulationSection,
    boltzmann: BoltzmannSection,
    sampler: SamplerSection,
    #[serde(default)]
    sampling: SamplingSection,
    #[serde(default)]
    calibration: CalibrationSection,
    training: Option<TrainingSection>,
    chip: Option<SamplingChipSection>,
}

/// `[boltzmann]`: explicit `weights` and `biases`, or `random`, or `targets` (one per network).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoltzmannSection {
    weights: Option<Vec<Vec<f64>>>,
    biases: Option<Vec<f64>>,
    random: Option<RandomTarget>,
    targets: Option<Vec<ExplicitTarget>>,
}

/// One entry of `targets = [{ weights, biases }, ...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplicitTarget {
    weights: Vec<Vec<f64>>,
    biases: Vec<f64>,
}

/// `random = { n, seed, index, distribution, per_network }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomTarget {
    n: Whole<{ u64::MAX }>,
    #[serde(default)]
    seed: Whole<{ u64::MAX }>,
    #[serde(default)]
    index: Whole<{ u64::MAX }>,
    distribution: TargetDistribution,
    /// Network k gets the random target of index `index + k` instead of all sharing `index`.
    #[serde(default)]
    per_network: bool,
}

/// `[sampler]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplerSection {
    model: Option<ModelName>,
    profile: Option<String>,
    #[serde(default)]
    params: toml::Table,
    noise: Option<Noise>,
    background: Option<BackgroundSection>,
    #[serde(default = "yes")]
    renewing_synapses: bool,
    #[serde(default = "sampler_delay")]
    delay: f64,
}

fn yes() -> bool {
    true
}

fn sampler_delay() -> f64 {
    DEFAULT_SAMPLER_DELAY
}

/// `[sampling]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SamplingSection {
    networks: Whole<{ u64::MAX }>,
    burn_in: f64,
    checkpoints_per_decade: Whole<{ u64::MAX }>,
    sample_interval: Option<f64>,
}

impl Default for SamplingSection {
    fn default() -> Self {
        Self {
            networks: Whole(1),
            burn_in: DEFAULT_BURN_IN,
            checkpoints_per_decade: Whole(DEFAULT_CHECKPOINTS_PER_DECADE as u64),
            sample_interval: None,
        }
    }
}

/// `[calibration]`: a stored calibration `file`, or the sweep settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CalibrationSection {
    /// A calibration file written by `exactspike calibrate` (relative to the sampling file's
    /// directory; [`SamplingSpec::calibration`] holds it resolved against that directory).
    pub file: Option<PathBuf>,
    /// Points of the fine sweep.
    #[serde(deserialize_with = "crate::config::file::count")]
    pub points: usize,
    /// Measured time per sweep point [ms] (after `burn_in`).
    pub duration: f64,
    /// Measured time per point of the coarse pre-scan [ms].
    pub prescan_duration: f64,
    /// Spacing of the coarse pre-scan [mV].
    pub prescan_step: f64,
    /// Burn-in before measuring [ms].
    pub burn_in: f64,
}

impl Default for CalibrationSection {
    fn default() -> Self {
        Self {
            file: None,
            points: 150,
            duration: 1e5,
            prescan_duration: 1000.0,
            prescan_step: 0.2,
            burn_in: 500.0,
        }
    }
}

/// A validated sampling experiment.
#[derive(Clone, Debug)]
pub struct SamplingSpec {
    /// Name of the file it came from.
    pub file: String,
    /// Directory of that file: relative paths in it (profiles, `[calibration] file`) are
    /// resolved against it.
    pub dir: PathBuf,
    /// The file's text (stored in outputs).
    pub text: String,
    /// Master seed.
    pub seed: u64,
    /// Sampling time after burn-in [ms].
    pub t_sample: f64,
    /// The Boltzmann targets: one shared by every network, or one per network (network k
    /// samples `targets[k]`); all of the same size n. Read one with [`SamplingSpec::target`].
    pub targets: Vec<Boltzmann>,
    /// Sampler parameters (`v_rest` is replaced per neuron by the translation).
    pub sampler: CondExpParams,
    /// What drives each sampler besides its own network (`[sampler] noise` is the `poisson`
    /// kind).
    pub background: Background,
    /// Whether synapses between samplers are renewing (Tsodyks–Markram, U = 1,
    /// tau_rec = tau_syn, tau_facil = 0).
    pub renewing_synapses: bool,
    /// Delay of the synapses between samplers [ms].
    pub delay: f64,
    /// Independent copies of the network, each with its own noise.
    pub networks: usize,
    /// Burn-in before sampling [ms].
    pub burn_in: f64,
    /// D_KL checkpoints per decade of sampling time.
    pub checkpoints_per_decade: usize,
    /// Interval of the discrete samples [ms] (default `tau_refrac`).
    pub sample_interval: f64,
    /// Calibration settings; `file` resolved relative to the sampling file.
    pub calibration: CalibrationSection,
    /// Training settings (`[training]`, used by `exactspike train`), if given.
    pub training: Option<TrainingSpec>,
    /// The emulated chip the networks run on (`[chip]`), if any (see [`crate::chip::sampling`]).
    pub chip: Option<SamplingChipSettings>,
}

impl SamplingSpec {
    /// This description run on the chip of `section` instead of its own `[chip]`, given by
    /// `source` (e.g. `command line`) at `at` (empty: command-line flags, named `--chip`,
    /// `--bias-scale`, ...), which errors name: the file's bias scale applies if the profile is
    /// the same, `bias_scale` replaces it; the background must be private Poisson noise.
    pub fn with_chip(
        mut self,
        section: crate::chip::settings::ChipSection,
        bias_scale: Option<f64>,
        source: &str,
        at: &str,
    ) -> Result<Self, ConfigError> {
        let (chip_field, bias_field) = if at.is_empty() {
            ("--chip".to_string(), "--bias-scale".to_string())
        } else {
            (at.to_string(), format!("{at}.bias_scale"))
        };
        check_chip_background(&self.file, &chip_field, &self.background)?;
        let same = self
            .chip
            .take()
            .filter(|c| c.chip.profile_name == section.profile);
        let bias_scale = bias_scale.or(same.and_then(|c| c.bias_scale));
        let chip = section.settings(source, at, Path::new(""))?;
        self.chip = Some(SamplingChipSettings::new(
            chip,
            bias_scale,
            source,
            &bias_field,
        )?);
        Ok(self)
    }

    /// Read and validate a sampling file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&file, "file", format!("cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &file, base)
    }

    /// Validate the text of a sampling file named `file`, resolving relative paths against `base`.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Self, ConfigError> {
        let parsed: SamplingFile = deserialize_toml(text, file)
            .map_err(|e| wrong_kind(text, file, FileKind::Sampling).unwrap_or(e))?;
        Self::from_parsed(parsed, file, text, base)
    }

    /// Validate a description given as a table of the sampling file's shape (`boltzmann`,
    /// `sampler`, ...), as a front other than TOML text (Python's dicts) gives it; `name` names
    /// it in error messages, relative paths are resolved against `base`. Its `text` is empty.
    pub fn from_table(table: toml::Table, name: &str, base: &Path) -> Result<Self, ConfigError> {
        let parsed: SamplingFile = deserialize_table(table, name)?;
        Self::from_parsed(parsed, name, "", base)
    }

    /// Validate a sampling description read from `file` (with its `text`).
    fn from_parsed(
        parsed: SamplingFile,
        file: &str,
        text: &str,
        base: &Path,
    ) -> Result<Self, ConfigError> {
        let err = |field: &str, message: String| ConfigError::new(file, field, message);
        let t_sample = parsed.simulation.t_stop;
        if !(t_sample.is_finite() && t_sample > 0.0) {
            return Err(err(
                "simulation.t_stop",
                format!("must be > 0 ms, got {t_sample}"),
            ));
        }
        let s = parsed.sampler;
        let sampler = cond_exp_section(
            file,
            base,
            "sampler",
            s.model,
            s.profile.as_deref(),
            s.params,
            "spike-based sampling needs IF_cond_exp samplers",
        )?;
        if !(s.delay.is_finite() && s.delay >= 0.0) {
            return Err(err(
                "sampler.delay",
                format!("must be ≥ 0 ms, got {}", s.delay),
            ));
        }
        let g = parsed.sampling;
        let networks = g.networks.get();
        if networks < 1 {
            return Err(err(
                "sampling.networks",
                format!("must be ≥ 1, got {networks}"),
            ));
        }
        if !(g.burn_in.is_finite() && g.burn_in >= 0.0) {
            return Err(err(
                "sampling.burn_in",
                format!("must be ≥ 0 ms, got {}", g.burn_in),
            ));
        }
        if g.checkpoints_per_decade.get() == 0 {
            return Err(err("sampling.checkpoints_per_decade", "must be ≥ 1".into()));
        }
        let sample_interval = g.sample_interval.unwrap_or(sampler.tau_refrac);
        if !(sample_interval.is_finite() && sample_interval > 0.0) {
            return Err(err(
                "sampling.sample_interval",
                format!("must be > 0 ms, got {sample_interval}"),
            ));
        }
        let targets = targets(file, parsed.boltzmann, networks)?;
        let target = &targets[0];
        let background = match (s.noise, s.background) {
            (Some(noise), None) => {
                noise
                    .validate()
                    .map_err(|e| ConfigError::caused_by(file, "sampler.noise", e))?;
                Background::Poisson(noise)
            }
            (None, Some(b)) => b.validate(file, "sampler.background", networks, target.n())?,
            (None, None) => {
                return Err(err(
                    "sampler.noise",
                    "missing: give `noise = {...}` (private Poisson) or a [sampler.background]"
                        .into(),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(err(
                    "sampler.background",
                    "contradicts `sampler.noise`: give one or the other".into(),
                ))
            }
        };
        let distributions = networks as f64 * target.n_states() as f64 * 8.0;
        if distributions > MAX_SAMPLE_BYTES {
            return Err(err(
                "sampling.networks",
                format!(
                    "{} networks × 2^{} states need {:.1} GB of occupancy; the limit is {:.0} GB",
                    networks,
                    target.n(),
                    distributions * 1e-9,
                    MAX_SAMPLE_BYTES * 1e-9
                ),
            ));
        }
        let samples = discrete_samples(t_sample, sample_interval) as f64 * networks as f64;
        if samples * 4.0 > MAX_SAMPLE_BYTES {
            return Err(err(
                "sampling.sample_interval",
                format!(
                    "{samples:.3e} discrete samples ({:.1} GB) exceed the limit of {:.0} GB; raise sample_interval",
                    samples * 4e-9,
                    MAX_SAMPLE_BYTES * 1e-9
                ),
            ));
        }
        let training = parsed.training.map(|t| t.validate(file)).transpose()?;
        let chip = (parsed.chip).map(|c| c.settings(file, base)).transpose()?;
        if chip.is_some() {
            check_chip_background(file, "chip", &background)?;
        }
        let mut calibration = parsed.calibration;
        check_calibration(file, &calibration)?;
        calibration.file = calibration.file.map(|f| base.join(f));
        Ok(Self {
            file: file.to_string(),
            dir: base.to_owned(),
            text: text.to_string(),
            seed: parsed.simulation.seed.0,
            t_sample,
            targets,
            sampler,
            background,
            renewing_synapses: s.renewing_synapses,
            delay: s.delay,
            networks,
            burn_in: g.burn_in,
            checkpoints_per_decade: g.checkpoints_per_decade.get(),
            sample_interval,
            calibration,
            training,
            chip,
        })
    }

    /// The Boltzmann target of every network, in network order.
    pub fn network_targets(&self) -> Vec<&Boltzmann> {
        (0..self.networks).map(|k| self.target(k)).collect()
    }

    /// The Boltzmann target of network `network` (0-based).
    pub fn target(&self, network: usize) -> &Boltzmann {
        &self.targets[per_network(self.targets.len(), network)]
    }

    /// Units per network (n), the same for every target.
    pub fn n(&self) -> usize {
        self.targets[0].n()
    }

    /// Joint states per network (2ⁿ).
    pub fn n_states(&self) -> usize {
        self.targets[0].n_states()
    }
}

/// Which of `len` per-target items (one shared when `len` is 1, else one per network) belongs
/// to network `network`.
pub(crate) fn per_network(len: usize, network: usize) -> usize {
    if len == 1 {
        0
    } else {
        network
    }
}

/// Discrete samples per network of a completed run: z at `burn_in + k·interval` for every
/// `k·interval < t_sample` (both ms).
pub fn discrete_samples(t_sample: f64, interval: f64) -> usize {
    (t_sample / interval).ceil() as usize
}

/// The targets of a `[boltzmann]` section for `networks` networks: one shared target, or one
/// per network (`random` with `per_network`, or `targets`).
fn targets(
    file: &str,
    b: BoltzmannSection,
    networks: usize,
) -> Result<Vec<Boltzmann>, ConfigError> {
    let named = |prefix: &str, e: BoltzmannError| {
        ConfigError::caused_by(file, format!("boltzmann.{prefix}{}", e.field()), e)
    };
    match (b.weights, b.biases, b.random, b.targets) {
        (Some(weights), Some(biases), None, None) => Ok(vec![
            Boltzmann::new(weights, biases).map_err(|e| named("", e))?
        ]),
        (None, None, Some(r), None) => {
            let count = if r.per_network { networks } else { 1 };
            (0..count as u64)
                .map(|k| {
                    let index = r.index.0.checked_add(k).ok_or_else(|| {
                        ConfigError::new(
                            file,
                            "boltzmann.random.index",
                            format!("index + networks exceeds {}", u64::MAX),
                        )
                    })?;
                    Boltzmann::random(r.n.get(), r.seed.0, r.distribution, index).map_err(|e| {
                        let field = match e.field() {
                            "distribution" => "random.distribution",
                            _ => "random.n",
                        };
                        ConfigError::caused_by(file, format!("boltzmann.{field}"), e)
                    })
                })
                .collect()
        }
        (None, None, None, Some(list)) => {
            if list.len() != networks {
                return Err(ConfigError::new(
                    file,
                    "boltzmann.targets",
                    format!(
                        "has {} entries but sampling.networks = {networks}: give one target per network",
                        list.len()
                    ),
                ));
            }
            let targets = list
                .into_iter()
                .enumerate()
                .map(|(k, t)| {
                    Boltzmann::new(t.weights, t.biases)
                        .map_err(|e| named(&format!("targets[{k}]."), e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let n = targets[0].n();
            if let Some(k) = targets.iter().position(|t| t.n() != n) {
                return Err(ConfigError::new(
                    file,
                    format!("boltzmann.targets[{k}]"),
                    format!(
                        "has {} units but targets[0] has {n}: every network's target needs the same n",
                        targets[k].n()
                    ),
                ));
            }
            Ok(targets)
        }
        (None, None, None, None) => Err(ConfigError::new(
            file,
            "boltzmann",
            "give `weights` and `biases`, `random`, or `targets`",
        )),
        (Some(_), None, None, None) => Err(ConfigError::new(file, "boltzmann.biases", "missing")),
        (None, Some(_), None, None) => Err(ConfigError::new(file, "boltzmann.weights", "missing")),
        (_, _, Some(_), Some(_)) => Err(ConfigError::new(
            file,
            "boltzmann.targets",
            "contradicts `random`: give one or the other",
        )),
        (_, _, None, Some(_)) => Err(ConfigError::new(
            file,
            "boltzmann.targets",
            "contradicts `weights`/`biases`: give one or the other",
        )),
        _ => Err(ConfigError::new(
            file,
            "boltzmann.random",
            "contradicts `weights`/`biases`: give one or the other",
        )),
    }
}

/// An emulated chip runs the samplers with their private Poisson noise only: the other
/// backgrounds' sources would need their own placement on the chip.
/// `field` names where the chip was asked for.
pub fn check_chip_background(
    file: &str,
    field: &str,
    background: &Background,
) -> Result<(), ConfigError> {
    match background {
        Background::Poisson(_) => Ok(()),
        other => Err(ConfigError::new(
            file,
            field,
            format!(
                "the samplers' background must be private Poisson noise (`sampler.noise`) on an \
                 emulated chip, not `{}`",
                other.kind()
            ),
        )),
    }
}

fn check_calibration(file: &str, c: &CalibrationSection) -> Result<(), ConfigError> {
    let positive = |field: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(ConfigError::new(
                file,
                format!("calibration.{field}"),
                format!("must be > 0, got {v}"),
            ))
        }
    };
    positive("duration", c.duration)?;
    positive("prescan_duration", c.prescan_duration)?;
    positive("prescan_step", c.prescan_step)?;
    if !(c.burn_in.is_finite() && c.burn_in >= 0.0) {
        return Err(ConfigError::new(
            file,
            "calibration.burn_in",
            format!("must be ≥ 0 ms, got {}", c.burn_in),
        ));
    }
    if c.points < crate::sampling::logistic::MIN_POINTS {
        return Err(ConfigError::new(
            file,
            "calibration.points",
            format!(
                "must be ≥ {}, got {}",
                crate::sampling::logistic::MIN_POINTS,
                c.points
            ),
        ));
    }
    Ok(())
}
