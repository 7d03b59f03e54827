//! The description of a TTFS training job (`[ttfs]` in TOML): data, input encoding, layers,
//! neuron parameters, loss and training hyper-parameters. Every default is the reference's
//! Yin-Yang configuration (fastAndDeep v1.0.0 `experiment_configs/yin_yang.yaml`), so an empty
//! `[ttfs]` table describes that experiment.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::loss::LossParams;
use super::network::Bias;
use super::neuron::FirstSpikeParams;
use super::optimizer::StepSchedule;
use crate::chip::settings::{ChipSection, ChipSettings};
use crate::config::{deserialize_params, deserialize_table, deserialize_toml};
use crate::error::ConfigError;
use crate::neuron::params::CellParams;

/// Where the patterns come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// The published Yin-Yang sets (train 5000 / validation 1000 / test 1000).
    YinYang,
    /// CSV files with a header, feature columns in [0, 1] and a final `label` column.
    Csv {
        /// Training set.
        train: PathBuf,
        /// Validation set, evaluated after every epoch (none when not given: the best network
        /// is then the last one).
        validation: Option<PathBuf>,
        /// Test set (evaluated after training).
        test: PathBuf,
    },
}

/// How a feature x ∈ [0, 1] becomes an input spike time: t = early + x·(late − early) [ms], or
/// with `invert`, t = early + (1 − x)·(late − early) (bright pixels spike first, as the reference
/// encodes MNIST). With `repeat` = k the pattern is sent k times over, as k·features inputs with
/// weights of their own (Göltz et al. send Yin-Yang's four inputs five times on BrainScaleS-2).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Encoding {
    /// Spike time of a feature 0 (1 when inverted) [ms].
    pub early: f64,
    /// Spike time of a feature 1 (0 when inverted) [ms].
    pub late: f64,
    /// Whether large features spike early.
    pub invert: bool,
    /// How many times the pattern is sent (≥ 1): input i carries feature i mod features.
    pub repeat: usize,
}

impl Default for Encoding {
    /// The reference's Yin-Yang encoding: 0.15 to 2.0 (units of tau_syn).
    fn default() -> Self {
        Self {
            early: 0.15,
            late: 2.0,
            invert: false,
            repeat: 1,
        }
    }
}

impl Encoding {
    /// Spike time of feature `x` [ms].
    pub fn time(&self, x: f64) -> f64 {
        let x = if self.invert { 1.0 - x } else { x };
        self.early + x * (self.late - self.early)
    }

    /// Append the input spike times [ms] of a pattern of `features` to `times`: all features,
    /// `repeat` times over.
    pub fn encode_into(&self, features: &[f64], times: &mut Vec<f64>) {
        for _ in 0..self.repeat {
            times.extend(features.iter().map(|&x| self.time(x)));
        }
    }

    /// The input spike times [ms] of a pattern of `features`.
    pub fn encode(&self, features: &[f64]) -> Vec<f64> {
        let mut times = Vec::with_capacity(features.len() * self.repeat);
        self.encode_into(features, &mut times);
        times
    }

    /// Number of inputs a pattern of `features` features becomes.
    pub fn inputs(&self, features: usize) -> usize {
        features * self.repeat
    }
}

/// One layer of neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    /// Number of neurons.
    pub size: usize,
    /// Mean of the initial weights, drawn from a normal distribution [nA].
    pub weight_mean: f64,
    /// Standard deviation of the initial weights [nA].
    pub weight_std: f64,
    /// This layer's bias inputs (`None`: none).
    pub bias: Option<Bias>,
    /// Largest fraction of silent neurons (over batch × neurons) before weight bumping.
    pub max_missing: f64,
    /// The layer's neuron parameters.
    pub neuron: FirstSpikeParams,
}

/// Training hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingSpec {
    /// Passes over the training set.
    pub epochs: usize,
    /// Patterns per mini-batch (the last batch of an epoch may be smaller).
    pub batch: usize,
    /// Adam's learning rate and its step schedule.
    pub schedule: StepSchedule,
    /// A neuron's weight gradient of one pattern is dropped if an entry exceeds this (after
    /// the batch mean's 1/batch factor, as in the reference).
    pub max_dw_norm: f64,
    /// Amount added to the incoming weights of silent neurons when a layer is bumped [nA].
    pub bump: f64,
    /// Double the bump when the same layer was bumped in the previous batch.
    pub bump_doubling: bool,
    /// Standard deviation of Gaussian noise added to input spike times while training [ms]
    /// (negative times are reflected).
    pub input_noise: f64,
    /// Epochs (counted from 1) after which the weights are stored as a checkpoint.
    pub checkpoints: Vec<usize>,
    /// Worker threads for the patterns of a batch (0: those of `--threads`, one per core by
    /// default). Results do not depend on it.
    pub threads: usize,
    /// Which network the model keeps.
    pub keep: Keep,
    /// A stored model to start from instead of the seeded initial weights.
    pub init: Option<PathBuf>,
}

/// Which network a training job keeps as its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Keep {
    /// The network after the last epoch (the reference's choice).
    Last,
    /// The network after the epoch of highest validation accuracy (model selection on the
    /// validation set; the last one when there is no validation set).
    BestValidation,
}

/// A validated TTFS job description.
#[derive(Clone, Debug, PartialEq)]
pub struct TtfsSpec {
    /// Master seed: initial weights, shuffling and input noise derive from it.
    pub seed: u64,
    /// The patterns.
    pub data: DataSource,
    /// Feature → spike time.
    pub encoding: Encoding,
    /// Layers, input side first; the last is the output layer (one neuron per class).
    pub layers: Vec<LayerSpec>,
    /// The loss.
    pub loss: LossParams,
    /// The training.
    pub training: TrainingSpec,
    /// The emulated chip the forward passes run on (`None`: the ideal model): training on it is
    /// in-the-loop training.
    pub chip: Option<ChipSettings>,
    /// The description's text, stored with the results.
    pub text: String,
    /// The file it was read from (or its label), as error messages name it.
    pub file: String,
}

// ---------------------------------------------------------------------------------------------
// TOML front
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TtfsFile {
    ttfs: TtfsSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TtfsSection {
    seed: u64,
    data: DataSection,
    encoding: Encoding,
    neuron: FirstSpikeParams,
    layer: Vec<LayerSection>,
    loss: LossParams,
    training: TrainingSection,
    chip: Option<ChipSection>,
}

impl Default for TtfsSection {
    fn default() -> Self {
        Self {
            seed: 2000,
            data: DataSection::default(),
            encoding: Encoding::default(),
            neuron: FirstSpikeParams::default(),
            layer: vec![LayerSection::reference(120), LayerSection::reference(3)],
            loss: LossParams::default(),
            training: TrainingSection::default(),
            chip: None,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "kebab-case")]
enum DataSection {
    #[default]
    YinYang,
    Csv {
        train: PathBuf,
        validation: Option<PathBuf>,
        test: PathBuf,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerSection {
    size: usize,
    /// Default: the reference's 1.5 for hidden layers, 0.5 for the output layer.
    weight_mean: Option<f64>,
    #[serde(default = "default_weight_std")]
    weight_std: f64,
    #[serde(default = "default_bias_time")]
    bias_time: f64,
    /// Default: true (one bias input, or `biases` of them).
    bias: Option<bool>,
    /// Number of bias inputs (default 1; 0 is `bias = false`).
    biases: Option<usize>,
    /// Default: the reference's 0.3 for hidden layers, 0 for the output layer.
    max_missing: Option<f64>,
    #[serde(default)]
    neuron: Option<toml::Table>,
}

fn default_weight_std() -> f64 {
    0.8
}
fn default_bias_time() -> f64 {
    0.9
}

impl LayerSection {
    fn reference(size: usize) -> Self {
        Self {
            size,
            weight_mean: None,
            weight_std: 0.8,
            bias_time: 0.9,
            bias: None,
            biases: None,
            max_missing: None,
            neuron: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TrainingSection {
    epochs: usize,
    batch: usize,
    lr: f64,
    lr_gamma: f64,
    lr_step: usize,
    max_dw_norm: f64,
    bump: f64,
    bump_doubling: bool,
    input_noise: f64,
    checkpoints: Vec<usize>,
    threads: usize,
    keep: Keep,
    init: Option<PathBuf>,
}

impl Default for TrainingSection {
    fn default() -> Self {
        Self {
            epochs: 300,
            batch: 150,
            lr: 0.005,
            lr_gamma: 0.95,
            lr_step: 20,
            max_dw_norm: 0.2,
            bump: 0.0005,
            bump_doubling: true,
            input_noise: 0.0,
            checkpoints: vec![100, 200, 300],
            threads: 0,
            keep: Keep::Last,
            init: None,
        }
    }
}

impl TtfsSpec {
    /// Read and validate a TTFS description; relative data paths are resolved against the
    /// file's directory.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&file, "file", format!("cannot read: {e}")))?;
        Self::parse(&text, &file, path.parent().unwrap_or(Path::new(".")))
    }

    /// Validate TOML `text` named `file`, resolving data paths against `base`.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Self, ConfigError> {
        let parsed: TtfsFile = deserialize_toml(text, file)?;
        Self::from_parsed(parsed, file, text, base)
    }

    /// Validate a description given as a table of the file's shape (`[ttfs]`, ...), as a front
    /// other than TOML text (Python's dicts) gives it; `name` names it in error messages, data
    /// paths are resolved against `base`.
    pub fn from_table(table: toml::Table, name: &str, base: &Path) -> Result<Self, ConfigError> {
        let parsed: TtfsFile = deserialize_table(table, name)?;
        Self::from_parsed(parsed, name, "", base)
    }

    /// Validate a description read from `file` (with its `text`; empty for a table).
    fn from_parsed(
        parsed: TtfsFile,
        file: &str,
        text: &str,
        base: &Path,
    ) -> Result<Self, ConfigError> {
        let s = parsed.ttfs;
        let err = |field: &str, message: String| ConfigError::new(file, field, message);
        let data = match s.data {
            DataSection::YinYang => DataSource::YinYang,
            DataSection::Csv {
                train,
                validation,
                test,
            } => DataSource::Csv {
                train: base.join(train),
                validation: validation.map(|v| base.join(v)),
                test: base.join(test),
            },
        };
        let e = s.encoding;
        if !(e.early.is_finite() && e.late.is_finite() && e.early >= 0.0 && e.late > e.early) {
            return Err(err(
                "ttfs.encoding",
                format!(
                    "needs 0 ≤ early < late (ms), got early = {}, late = {}",
                    e.early, e.late
                ),
            ));
        }
        if e.repeat == 0 {
            return Err(err(
                "ttfs.encoding.repeat",
                "the pattern must be sent at least once (repeat ≥ 1)".into(),
            ));
        }
        if s.layer.is_empty() {
            return Err(err("ttfs.layer", "needs at least one layer".into()));
        }
        if let Some((field, problem)) = s.neuron.problem() {
            return Err(err(&format!("ttfs.neuron.{field}"), problem));
        }
        let mut layers = Vec::with_capacity(s.layer.len());
        let last = s.layer.len() - 1;
        for (i, l) in s.layer.into_iter().enumerate() {
            let at = |name: &str| format!("ttfs.layer[{i}].{name}");
            let hidden = i < last;
            let weight_mean = l.weight_mean.unwrap_or(if hidden { 1.5 } else { 0.5 });
            let max_missing = l.max_missing.unwrap_or(if hidden { 0.3 } else { 0.0 });
            if l.size == 0 {
                return Err(err(&at("size"), "an empty layer: must be ≥ 1".into()));
            }
            check(file, &at("weight_mean"), weight_mean, f64::NEG_INFINITY)?;
            check(file, &at("weight_std"), l.weight_std, 0.0)?;
            check(file, &at("bias_time"), l.bias_time, 0.0)?;
            let count = match (l.bias, l.biases) {
                (Some(bias), Some(n)) if bias != (n > 0) => {
                    return Err(err(
                        &at("biases"),
                        format!("{n} bias inputs contradict bias = {bias}"),
                    ))
                }
                (Some(false), _) => 0,
                (_, n) => n.unwrap_or(1),
            };
            let bias = (count > 0).then_some(Bias {
                time: l.bias_time,
                count,
            });
            if !(0.0..=1.0).contains(&max_missing) {
                return Err(err(
                    &at("max_missing"),
                    format!("must be in [0, 1], got {max_missing}"),
                ));
            }
            let neuron = layer_neuron(file, &at("neuron"), &s.neuron, l.neuron)?;
            layers.push(LayerSpec {
                size: l.size,
                weight_mean,
                weight_std: l.weight_std,
                bias,
                max_missing,
                neuron,
            });
        }
        let loss = s.loss;
        for (name, value) in [("xi", loss.xi), ("beta", loss.beta)] {
            check(file, &format!("ttfs.loss.{name}"), value, 0.0).and_then(|()| {
                (value > 0.0).then_some(()).ok_or_else(|| {
                    err(
                        &format!("ttfs.loss.{name}"),
                        format!("must be > 0, got {value}"),
                    )
                })
            })?;
        }
        check(file, "ttfs.loss.alpha", loss.alpha, 0.0)?;
        let t = s.training;
        if t.epochs == 0 || t.batch == 0 {
            let field = if t.epochs == 0 { "epochs" } else { "batch" };
            return Err(err(&format!("ttfs.training.{field}"), "must be ≥ 1".into()));
        }
        if !(t.lr.is_finite() && t.lr > 0.0) {
            return Err(err(
                "ttfs.training.lr",
                format!("must be > 0, got {}", t.lr),
            ));
        }
        check(file, "ttfs.training.lr_gamma", t.lr_gamma, 0.0)?;
        check(
            file,
            "ttfs.training.max_dw_norm",
            t.max_dw_norm,
            f64::MIN_POSITIVE,
        )?;
        if let Some(&bad) = t.checkpoints.iter().find(|&&c| c == 0 || c > t.epochs) {
            return Err(err(
                "ttfs.training.checkpoints",
                format!("epoch {bad} is not in 1..={}", t.epochs),
            ));
        }
        check(file, "ttfs.training.bump", t.bump, 0.0)?;
        check(file, "ttfs.training.input_noise", t.input_noise, 0.0)?;
        if t.lr_step == 0 {
            return Err(err("ttfs.training.lr_step", "must be ≥ 1".into()));
        }
        Ok(Self {
            seed: s.seed,
            data,
            encoding: e,
            layers,
            loss,
            training: TrainingSpec {
                epochs: t.epochs,
                batch: t.batch,
                schedule: StepSchedule {
                    lr: t.lr,
                    gamma: t.lr_gamma,
                    step: t.lr_step,
                },
                max_dw_norm: t.max_dw_norm,
                bump: t.bump,
                bump_doubling: t.bump_doubling,
                input_noise: t.input_noise,
                checkpoints: t.checkpoints,
                threads: t.threads,
                keep: t.keep,
                init: t.init.map(|p| base.join(p)),
            },
            chip: s
                .chip
                .map(|c| c.settings(file, "ttfs.chip", base))
                .transpose()?,
            text: text.to_string(),
            file: file.to_string(),
        })
    }

    /// The reference's Yin-Yang experiment (every default).
    pub fn yin_yang_reference() -> Self {
        Self::parse("[ttfs]\n", "(built-in Yin-Yang reference)", Path::new("."))
            .expect("the defaults are valid")
    }

    /// Number of classes: the size of the output layer.
    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.size)
    }
}

/// `value` at `field` must be finite and ≥ `min`.
fn check(file: &str, field: &str, value: f64, min: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value >= min {
        return Ok(());
    }
    let problem = if value.is_finite() {
        format!("must be ≥ {min}, got {value}")
    } else {
        format!("must be a finite number, got {value}")
    };
    Err(ConfigError::new(file, field, problem))
}

/// A layer's neuron parameters: the shared `[ttfs.neuron]` with the layer's own entries over it.
fn layer_neuron(
    file: &str,
    field: &str,
    shared: &FirstSpikeParams,
    own: Option<toml::Table>,
) -> Result<FirstSpikeParams, ConfigError> {
    let Some(own) = own else {
        return Ok(shared.clone());
    };
    let mut merged = toml::Table::try_from(SharedParams(shared)).expect("plain numbers");
    merged.extend(own);
    let params: FirstSpikeParams = deserialize_params(merged, file, field)?;
    match params.problem() {
        Some((name, problem)) => Err(ConfigError::new(file, format!("{field}.{name}"), problem)),
        None => Ok(params),
    }
}

/// Serializes a parameter set as its table of names and values.
struct SharedParams<'a>(&'a FirstSpikeParams);

impl serde::Serialize for SharedParams<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(FirstSpikeParams::TABLE.len()))?;
        for (spec, value) in FirstSpikeParams::TABLE.iter().zip(self.0.values()) {
            map.serialize_entry(spec.name, &value)?;
        }
        map.end()
    }
}
